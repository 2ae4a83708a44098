"""The stored counterexamples in counterexamples/: each still replays and still violates, and each is
exactly what the checker derives today (golden files).

The tests never write into counterexamples/. To regenerate the files after a deliberate spec
change, run the main job (`modelcheck verify`, which writes them) and commit the diff.
"""
import glob
import os

import pytest

from modelcheck.check import check
from modelcheck.loader import load_spec
from modelcheck.trace import decode_params, load, replay
from modelcheck.z3bridge import compile_properties

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the main job's files; `--all-violations` class traces (NAME.classK.json) and traces of runs with -p
# parameters (NAME.K=V.PROPERTY.json) are not kept there (.gitignore)
FILES = sorted(f for f in glob.glob(os.path.join(ROOT, "counterexamples", "*.json"))
               if ".class" not in f and "=" not in os.path.basename(f))


def test_counterexamples_are_stored():
    # The flagship's pre-fix variant violates canonical_truthful (protocol.md section 9), so the main job
    # must have left at least that counterexample behind.
    assert any(os.path.basename(f).startswith("rollback.pre73.") for f in FILES), FILES


def _bind(trace):
    _, cls = load_spec(f"{os.path.join(ROOT, trace.spec)}::{trace.spec_class}")
    return cls, cls.bind(trace.variant, trace.scenario, decode_params(cls, trace.params))


@pytest.mark.parametrize("path", FILES, ids=[os.path.basename(f) for f in FILES])
def test_stored_counterexample_replays_and_violates(path):
    trace = load(path)
    assert trace.verdict == "VIOLATED"
    _, bound = _bind(trace)
    states = replay(bound, trace).states
    last = states[-1]
    if trace.kind == "always":
        prop = next(p for p in compile_properties(bound) if p.name == trace.property)
        assert not prop.holds(last), "the last state of the counterexample no longer violates the property"
        assert all(prop.holds(s) for s in states[:-1]), "a shortest counterexample violates only at its end"
    elif trace.kind == "deadlock":
        assert not bound.enabled(last)


def _cells():
    cells = {}
    for f in FILES:
        t = load(f)
        cells.setdefault((t.spec, t.spec_class, t.variant, t.scenario), []).append(f)
    return cells


CELLS = _cells()


@pytest.mark.parametrize("cell", sorted(CELLS, key=str), ids=lambda c: f"{c[2]}-{c[3]}")
def test_stored_counterexamples_are_golden(cell, tmp_path):
    """Re-derive every counterexample of one cell (variant x scenario) and compare the files byte for byte."""
    files = CELLS[cell]
    _, bound = _bind(load(files[0]))
    check(bound, cell[0], out_dir=str(tmp_path))
    for path in files:
        fresh = tmp_path / os.path.basename(path)
        assert fresh.exists(), f"the checker no longer finds the violation stored in {os.path.basename(path)}"
        with open(path) as f:
            assert fresh.read_text() == f.read(), (
                f"{os.path.basename(path)}: the shortest counterexample changed; if the spec change is deliberate, "
                "regenerate with `modelcheck verify` and commit")
    # and nothing new: every violation the checker writes for this cell is stored
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(os.path.basename(p) for p in files)
