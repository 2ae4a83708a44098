"""The flagship spec specs/rollback.py: its shape, pinned state counts and verdicts per cell, and the
protocol.md section-9 counterexample. Model choices: docs/rollback-model.md."""
import json
import os
import re

import pytest

from modelcheck.cli import main
from modelcheck.loader import load_spec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, "specs", "rollback.py")
SAFETY = ("canonical_truthful", "export_truthful", "export_rows_exact")


def run(capsys, tmp_path, *args):
    code = main(["verify", SPEC, "--quiet", "--json", "--out", str(tmp_path), *args])
    report = json.loads(capsys.readouterr().out)
    verdicts = {v["property"]: v for v in report["verdicts"]}
    return code, verdicts, report["statistics"]["distinct_states"]


def test_shape():
    _, cls = load_spec(SPEC)
    assert cls.fixes() == ["fixA", "fixB", "fixC", "fixD"]
    assert set(cls.variants) == {"pre73", "phase73"}
    assert set(cls.scenarios) == {"idle", "idle_latency", "active", "active_latency", "active_loss",
                                  "focus_loss"}
    for a in cls._actions:   # every action names the upstream function and lines it models
        first = (a.effect.__doc__ or "").strip().splitlines()[0]
        assert re.search(r"L\d{3,4}", first), (a.name, first)


# Every cell of the main job's matrix at the default bounds: (variant, scenario) -> distinct states.
# Computed by `modelcheck verify --json` (every cell explored completely), then pinned. Why they look so:
# - idle rows are the same for every variant: nobody is ever mispredicted, so no rollback is ever pending
#   or running and no fix guard can change a step (102 states without latency, 756 with);
# - fixA and fixD give pre73's counts in every cell: Fix D only logs; Fix A's guard makes no observable
#   difference without Fix C here (`modelcheck ablate` reports which fixes change nothing);
# - fixB prunes states (294 < 306): T2's _updateConfirmedFrame is skipped while a step's rollback runs;
# - fixC and phase73 add states: T2 runs rollbacks of its own (the Fix C call sites).
# focus_loss runs the active_latency model (fast-forward is deferred), hence the equal counts.
STATES = {
    "pre73": (102, 756, 306, 2351, 8314, 2351),
    "fixA": (102, 756, 306, 2351, 8314, 2351),
    "fixB": (102, 756, 294, 2235, 7928, 2235),
    "fixC": (102, 756, 435, 3828, 11938, 3828),
    "fixD": (102, 756, 306, 2351, 8314, 2351),
    "phase73": (102, 756, 417, 3806, 13118, 3806),
}
SCENARIOS = ("idle", "idle_latency", "active", "active_latency", "active_loss", "focus_loss")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["verify", SPEC, "--matrix", "--quiet", "--json", "--out", str(tmp_path_factory.mktemp("cx"))])
    report = json.loads(out.getvalue())
    return code, {(r["variant"], r["scenario"]): r for r in report["matrix"]}


def test_matrix_covers_every_variant_and_scenario(matrix):
    code, cells = matrix
    assert set(cells) == {(v, s) for v in STATES for s in SCENARIOS}
    assert code == 1  # the pre-fix variant violates: a violation always exits non-zero


@pytest.mark.parametrize("variant", sorted(STATES))
def test_matrix_cells(matrix, variant):
    _, cells = matrix
    for scenario, states in zip(SCENARIOS, STATES[variant]):
        r = cells[(variant, scenario)]
        assert r["statistics"]["complete"], (variant, scenario)
        assert r["statistics"]["distinct_states"] == states, (variant, scenario)
        verdicts = {v["property"]: v["verdict"] for v in r["verdicts"]}
        violated = {p for p in SAFETY if verdicts[p] == "VIOLATED"}
        if scenario.startswith("idle"):
            # idle parity: both players only choose the predicted action; everything holds, for every variant
            assert violated == set(), (variant, scenario)
            assert r["not_applicable"] == ["rollback_corrects"]  # no misprediction, so no correction to witness
        else:
            # every variant, phase73 included, violates all three at the default bounds (see the README)
            assert violated == set(SAFETY), (variant, scenario)
            assert verdicts["rollback_corrects"] == "VERIFIED"  # the rollback machinery is live
        assert verdicts["episode_completes"] == "VERIFIED", (variant, scenario)
        assert verdicts["deadlock_free"] == "VERIFIED", (variant, scenario)


def test_section9_counterexample(capsys, tmp_path):
    # K=3 leaves only the snapshot at frame 0, as K=5 does in section 9: the shortest canonical_truthful and
    # export_truthful counterexamples are section 9's table, step for step. The wrong canonical entry lives
    # only inside the deliver_end task (promoted, exported, cleared); the ghost badCanon records it.
    code, verdicts, _ = run(capsys, tmp_path, "--variant", "pre73", "--scenario", "active", "-p", "K=3")
    assert code == 1
    tick = ["step", "step_worker_step", "step_tail"]
    section9 = (["partner_step", "step", "step_snapshot", "step_worker_step", "step_tail"]   # frame 0
                + ["partner_step", "step", "step_confirm_hash", "step_worker_step", "step_tail"]  # frame 1
                + tick                                     # frame 2 predicted, end detected
                + ["partner_step", "deliver_end"])         # B's frame 2 queued; T2 promotes, exports
    for prop in ("canonical_truthful", "export_truthful"):
        trace = json.load(open(verdicts[prop]["file"]))
        assert [s["action"] for s in trace["steps"][1:]] == section9, prop
        last = trace["steps"][-1]["state"]
        assert last["exportRows"][2] == [0, 2] and last["truth"][2] == [0, 0]
        assert last["badCanon"][2] == [-1, 2]   # B's frame 2 was promoted with the prediction P=2
