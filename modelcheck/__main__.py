"""`python -m modelcheck` and the `modelcheck` console script."""
import os
import sys


def run() -> int:
    """Import the CLI and run it; Ctrl-C while the heavy imports (z3, networkx) load exits 3 quietly."""
    if any(a == "--ray" or a.startswith("--ray=") for a in sys.argv[1:]) \
            and os.environ.get("PYTHONHASHSEED", "random") == "random":
        # Ray's actors are separate interpreters: they fingerprint states with hash(), whose salt for strings
        # is per process unless PYTHONHASHSEED fixes it; so fix it here, and the actors inherit it
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, "-m", "modelcheck", *sys.argv[1:]])
    try:
        from .cli import main
    except KeyboardInterrupt:
        print("modelcheck: interrupted before a verdict", file=sys.stderr)
        return 3
    try:
        return main()
    except KeyboardInterrupt:  # a second Ctrl-C while the first one's results were being printed
        print("modelcheck: interrupted", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(run())
