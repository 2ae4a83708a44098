"""The truthful change set of the flagship spec (issue 13; docs/truthful-fix.md): the `truthful` variant
(Phase 73 plus Fixes E-L) verifies every property in every scenario of the default and mechanisms
matrices, each new fix is necessary somewhere, rows are marked unconfirmed only where truth could not be
known, and the stored phase73 counterexamples are blocked by named new fixes. Every number here was
computed by the commands named beside it, then pinned."""
import os

import pytest

from modelcheck.analysis import explain
from modelcheck.check import check
from modelcheck.cli import main
from modelcheck.loader import load_spec
from modelcheck.trace import load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, "specs", "rollback.py")
NEW = ["fixE", "fixF", "fixG", "fixH", "fixI", "fixJ", "fixK", "fixL", "fixM"]

# `modelcheck verify --matrix truthful`: distinct states of the truthful variant per scenario (default
# bounds). Fewer than phase73 in focus_loss (3,505 vs 11,463): Fix F closes the fast-forward tick hole.
STATES = {"idle": 102, "idle_latency": 738, "active": 439, "active_latency": 4419, "active_loss": 14057,
          "focus_loss": 3505, "snapshot_cap": 3499, "any_timeout": 7990, "any_timeout_hidden": 4381,
          "late_reply": 4441, "inorder_latency": 1399, "inorder_loss": 6063}


@pytest.fixture(scope="module")
def cls():
    return load_spec(SPEC)[1]


@pytest.fixture(scope="module")
def reports(cls):
    return {sc: check(cls.bind("truthful", sc), SPEC, out_dir=None) for sc in STATES}


def test_truthful_is_phase73_plus_the_new_fixes(cls):
    assert cls.variant_params("truthful") == {**cls.variant_params("phase73"), **{f: True for f in NEW}}
    assert cls.matrices["truthful"]["scenarios"] == cls.matrix["scenarios"] + cls.matrices["mechanisms"]["scenarios"]
    deep = cls.matrices["truthful_deep"]
    assert deep["params"] == cls.matrices["deep"]["params"] and deep["scenarios"] == cls.matrix["scenarios"]
    two = cls.matrices["truthful_episodes"]
    assert two["params"] == cls.matrices["episodes"]["params"] and two["scenarios"] == cls.matrices["episodes"]["scenarios"]


@pytest.mark.parametrize("scenario", list(STATES))
def test_truthful_verifies_every_property(reports, scenario):
    rep = reports[scenario]
    assert rep.result.complete and rep.result.distinct == STATES[scenario]
    verdicts = {v.property: v.verdict for v in rep.verdicts}
    assert set(verdicts) >= {"canonical_truthful", "export_truthful", "export_rows_exact", "episode_exports",
                             "confirmed_frames_promoted", "deadlock_free"}
    assert set(verdicts.values()) == {"VERIFIED"}, verdicts
    # idle: nothing is ever mispredicted, so there is no rollback to witness (n/a); elsewhere it is witnessed
    assert ("rollback_corrects" in verdicts) == (not scenario.startswith("idle"))


def _labelled(rep):
    """Export states with at least one row marked unconfirmed (Fix E)."""
    return [s for s in rep.result.states if s.exported and any(s.exportUnconf)]


def test_rows_are_marked_unconfirmed_only_where_truth_was_out_of_reach(reports):
    # without loss, timeouts at any time, the snapshot cap or a late reply, no row is ever marked: the fix
    # waits and rolls back instead (computed with every reachable state of each cell)
    for sc in ("idle", "idle_latency", "active", "active_latency", "focus_loss", "inorder_latency"):
        assert _labelled(reports[sc]) == [], sc
    # with loss some exports mark rows (every copy of B's input lost: 298 export states, up to 3 rows);
    # each marked row lacks B's input at A, which export_truthful requires (its docstring)
    lost = _labelled(reports["active_loss"])
    assert len(lost) == 298
    assert max(sum(1 for u in s.exportUnconf if u) for s in lost) == 3
    assert {u for s in lost for u in s.exportUnconf} == {0, 1}   # 1: judged honest when the export ran
    assert all(s.inputBuffer[f][1] == -1 for s in lost for f, u in enumerate(s.exportUnconf) if u)
    # under the snapshot cap a row may be marked because nothing is left to re-simulate it from (3 states)
    assert len(_labelled(reports["snapshot_cap"])) == 3


# `modelcheck ablate --base phase73 --leave-one-out` (README): for each new fix, one small cell that its
# absence breaks, with the properties violated and their shortest counterexamples (computed, then pinned)
NECESSARY = {
    "fixM": ("active", {"canonical_truthful": 34, "export_truthful": 35}),   # with episodes=2, R=2
    "fixE": ("late_reply", {"canonical_truthful": 8, "export_truthful": 13}),
    "fixF": ("focus_loss", {"canonical_truthful": 22, "export_truthful": 13, "export_rows_exact": 16}),
    "fixG": ("focus_loss", {"export_truthful": 16}),
    "fixH": ("active", {"export_truthful": 23, "export_rows_exact": 22}),
    "fixI": ("active", {"export_rows_exact": 17}),
    "fixJ": ("any_timeout", {"export_truthful": 17, "export_rows_exact": 18}),
    "fixK": ("late_reply", {"export_truthful": 18}),
    "fixL": ("snapshot_cap", {"export_rows_exact": 16}),
}


@pytest.mark.parametrize("fix", NEW)
def test_each_new_fix_is_necessary(cls, fix):
    scenario, expected = NECESSARY[fix]
    variant = "+".join(["phase73"] + [f for f in NEW if f != fix])
    params = {"episodes": 2, "R": 2} if fix == "fixM" else {}   # Fix M matters from the second episode on
    rep = check(cls.bind(variant, scenario, params), SPEC, out_dir=None)
    # the safety verdicts (liveness lassos are not always the shortest, so their lengths are not pinned)
    violated = {v.property: v.steps for v in rep.verdicts if v.verdict == "VIOLATED"
                and v.property in ("canonical_truthful", "export_truthful", "export_rows_exact")}
    assert violated == expected


def test_ablate_leave_one_out_on_top_of_a_base(capsys):
    code = main(["ablate", SPEC, "--base", "phase73", "--fix", "fixH", "--fix", "fixI", "--leave-one-out",
                 "--scenario", "active"])
    out = capsys.readouterr().out
    assert code == 1   # the cells without one of them violate
    assert "the full set and each set with one left out of {fixH, fixI}, each on top of phase73 " \
           "(fixA+fixB+fixC+fixD)" in out
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in out.splitlines()
            if line.startswith("| ") and not line.startswith("| fixes")}
    # the new fixes not named stay off; leaving out either of the two named ones breaks `active`
    assert set(rows) == {"all 2", "without fixH", "without fixI"}
    assert rows["without fixI"] != "ok" and rows["without fixH"] != "ok"


def test_ablate_refuses_an_unknown_fix(capsys):
    assert main(["ablate", SPEC, "--fix", "fixZ"]) == 2
    assert "'fixZ' is not a fix of Rollback" in capsys.readouterr().err


def test_explain_names_the_new_fixes_that_block_phase73(cls):
    # the stored phase73 counterexample of failure 5 (fast-forward leaves its rollback pending, 10 steps)
    # replayed under truthful: the trace is no longer possible; Fix E (no promotion of a record that
    # disagrees with its inputs) and Fix G (the next step keeps the pending rollback) each stop it alone
    trace = load(os.path.join(ROOT, "counterexamples", "rollback.phase73.focus_loss.canonical_truthful.json"))
    ex = explain(cls, trace, "truthful")
    assert ex.blocked_at == 10 and ex.blockers == ["fixE", "fixG"]
    # failure 1 (export while a step's rollback is in flight): Fix I makes T2 wait for the rollback
    trace = load(os.path.join(ROOT, "counterexamples", "rollback.phase73.active.export_rows_exact.json"))
    ex = explain(cls, trace, "truthful")
    assert ex.still_violates is False and ex.blockers == ["fixI"]


# `modelcheck verify --matrix truthful_episodes`: two of its five cells (the others take up to a minute)
@pytest.mark.parametrize("scenario,states", [("active", 1464), ("focus_loss", 17629)])
def test_truthful_verifies_with_a_second_episode(cls, scenario, states):
    rep = check(cls.bind("truthful", scenario, {"episodes": 2, "R": 2}), SPEC, out_dir=None)
    assert rep.result.complete and rep.result.distinct == states
    assert {v.verdict for v in rep.verdicts} == {"VERIFIED"}
