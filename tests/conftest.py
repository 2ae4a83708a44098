"""Shared fixtures for the engine tests: paths, toy spec loading, and running the CLI in-process."""
import os
import sys

import pytest
from hypothesis import HealthCheck, settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = os.path.join(ROOT, "tests", "specs")
if ROOT not in sys.path:  # `pytest` as well as `python -m pytest` from anywhere
    sys.path.insert(0, ROOT)

# Hypothesis: no per-example deadline (the first example pays for imports and Z3 warm-up), and
# derandomized so the gate is the same run every time; `pytest --hypothesis-profile=explore` searches
# afresh with many more examples.
settings.register_profile("gate", deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=1000,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("gate")


def toy(name: str) -> str:
    """Absolute path of a toy spec in tests/specs/."""
    return os.path.join(SPECS, name + ".py")


def load(name_or_path: str):
    """The Spec class of a toy spec (`counter`) or of a spec path (`specs/mutex.py`)."""
    from modelcheck.loader import load_spec

    path = name_or_path if name_or_path.endswith(".py") else toy(name_or_path)
    if not os.path.isabs(path):
        path = os.path.join(ROOT, path)
    return load_spec(path)[1]


def explore_all(bound, **kw):
    """Compile the properties and explore every reachable state (no early stop)."""
    from modelcheck.explorer import explore
    from modelcheck.z3bridge import compile_properties

    props = compile_properties(bound)
    return explore(bound, props, stop_early=False, **kw), props


@pytest.fixture
def in_root(monkeypatch):
    """Run with the project root as the working directory (spec names resolve under specs/)."""
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture
def cli(capsys, in_root):
    """Call `main(argv)` in-process; returns (exit code, stdout, stderr)."""
    from modelcheck.cli import main

    def run(*argv):
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except KeyboardInterrupt:  # would end the whole pytest session
            pytest.fail("KeyboardInterrupt escaped main()")
        out, err = capsys.readouterr()
        assert "Traceback" not in err, err
        return code, out, err
    return run
