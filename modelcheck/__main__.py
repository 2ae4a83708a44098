"""`python -m modelcheck` and the `modelcheck` console script."""
import sys


def run() -> int:
    """Import the CLI and run it; Ctrl-C while the heavy imports (z3, networkx) load exits 3 quietly."""
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
