"""The flagship spec specs/rollback.py: its shape, pinned state counts and verdicts per cell, and the
protocol.md section-9 counterexample. Model choices: docs/rollback-model.md."""
import functools
import json
import os
import re
import sys

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
    assert cls.fixes() == ["fixA", "fixB", "fixC", "fixD"] + [f"fix{c}" for c in "EFGHIJKLM"]  # E-M: tests/test_truthful.py
    assert set(cls.variants) == {"pre73", "phase73", "truthful"}
    assert set(cls.scenarios) == {"idle", "idle_latency", "active", "active_latency", "active_loss",
                                  "focus_loss"} | set(MECHANISMS)
    assert cls.matrix["scenarios"] == list(SCENARIOS)   # the default matrix keeps the six test scenarios
    assert cls.matrices["mechanisms"]["scenarios"] == list(MECHANISMS)
    episodes = cls.matrices["episodes"]   # a parameter on existing scenarios: `ablate` runs every scenario
    assert episodes["params"] == TWO and episodes["scenarios"] == ["active", "active_latency", "active_loss",
                                                                   "any_timeout", "focus_loss"]
    deep = cls.matrices["deep"]   # run in the background, never in the tests (README: 13 minutes measured)
    assert deep["params"] == {"N": 4, "K": 3, "R": 2, "E": 2, "maxLate": 2}
    assert deep["variants"] == ["pre73", "phase73"] and deep["scenarios"] == list(SCENARIOS)
    assert cls.matrices["deep_episodes"]["params"] == dict(deep["params"], episodes=2)
    for a in cls._actions:   # every action names the upstream function and lines it models
        first = (a.effect.__doc__ or "").strip().splitlines()[0]
        assert re.search(r"L\d{3,4}", first), (a.name, first)


# Every cell of the main job's matrix at the default bounds: (variant, scenario) -> distinct states.
# Computed by `modelcheck verify --json` (every cell explored completely), then pinned. Why they look so:
# - idle rows are the same for every variant: nobody is ever mispredicted, so no rollback is ever pending
#   or running and no fix guard can change a step (102 states without latency, 735 with);
# - fixD gives pre73's counts in every cell: Fix D only logs;
# - fixA gives pre73's counts except in focus_loss: without Fix C, the only promotion Fix A can stop that
#   pre73 performs is fast-forward's own (L4896), which runs with rollbackInProgress set;
# - fixB prunes states (294 < 306): T2's _updateConfirmedFrame is skipped while a step's rollback runs;
# - fixC and phase73 add states: T2 runs rollbacks of its own (the Fix C call sites);
# - focus_loss is the largest row: one hide/show of A, B up to hiddenFrames=2 frames further ahead, and a
#   fast-forward that can overlap a step (the tick hole), with frameRoom=2 for A's late end.
# Every cell is complete: the frame bound (frameRoom) cuts some focus_loss runs (ghost `cut`, @terminal),
# which is why deadlock_free and episode_exports still hold there.
STATES = {
    "pre73": (102, 735, 306, 2268, 8157, 10244),
    "fixA": (102, 735, 306, 2268, 8157, 10573),
    "fixB": (102, 735, 294, 2152, 7766, 8883),
    "fixC": (102, 735, 435, 3717, 11769, 13057),
    "fixD": (102, 735, 306, 2268, 8157, 10244),
    "phase73": (102, 735, 417, 3681, 12867, 11463),
}
SCENARIOS = ("idle", "idle_latency", "active", "active_latency", "active_loss", "focus_loss")
# confirmed_frames_promoted (a frame whose two inputs are in inputBuffer is eventually in frameDataBuffer or
# exported) in the four active scenarios: the lasso's length in steps, computed by `modelcheck verify --json`,
# pinned (a lasso is not always the shortest one).
# Each ends in the final state after an export that left a confirmed frame out (the rows P2 misses), and
# stays there; the idle rows hold it.
PROMOTED = {
    "pre73": (18, 21, 19, 17),
    "fixA": (18, 21, 19, 17),
    "fixB": (17, 20, 19, 16),
    "fixC": (18, 21, 19, 17),
    "fixD": (18, 21, 19, 17),
    "phase73": (17, 20, 19, 16),
}


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
            # every variant, phase73 included, violates all three at the default bounds
            # (docs/rollback-model.md, "Results", explains each way phase73 fails)
            assert violated == set(SAFETY), (variant, scenario)
            assert verdicts["rollback_corrects"] == "VERIFIED"  # the rollback machinery is live
        # under the spec's fairness every behaviour exports (or is cut by the frame bound), in every cell
        assert verdicts["episode_exports"] == "VERIFIED", (variant, scenario)
        assert verdicts["deadlock_free"] == "VERIFIED", (variant, scenario)
    promoted = [next(v for v in cells[(variant, s)]["verdicts"] if v["property"] == "confirmed_frames_promoted")
                for s in SCENARIOS]
    assert [v["verdict"] for v in promoted[:2]] == ["VERIFIED"] * 2
    assert tuple(v["steps"] for v in promoted[2:]) == PROMOTED[variant]
    for v in promoted[2:]:
        assert v["verdict"] == "VIOLATED"
        trace = json.load(open(v["file"]))
        final = trace["steps"][-1]["state"]
        assert trace["loop"] == v["steps"] and final["exported"]   # it stays in the exported state forever
        assert any(all(x != -1 for x in final["inputBuffer"][f]) and final["exportRows"][f][0] == -1
                   for f in range(3))   # a frame with both inputs, not exported: a row P2 misses


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


def test_late_end_is_explored_not_a_deadlock(capsys, tmp_path):
    # A rollback from a snapshot that an earlier replay overwrote restores a low step_num (L4604-4611), so
    # A's step_num trails frameNumber and A detects its end after frame N (L2400). With N=5, lead=1,
    # maxLate=2 this used to stop A at frame N+E and report a deadlock. Now A steps until its own end
    # (+E), and a run the frame arrays cannot hold is cut (ghost `cut`, @terminal), not a deadlock.
    for room in (0, 2):
        code, verdicts, _ = run(capsys, tmp_path, "--variant", "pre73", "--scenario", "active_latency",
                                "-p", "N=5", "-p", "lead=1", "-p", "maxLate=2", "-p", f"frameRoom={room}")
        assert verdicts["deadlock_free"]["verdict"] == "VERIFIED", room
        assert verdicts["episode_exports"]["verdict"] == "VERIFIED", room
        assert "frameRoom=" in verdicts["deadlock_free"]["bound"]   # the verdict names the bound


# episode_exports holds under the spec's fairness (every action weakly fair but drop, drop_end, hide), and
# each fairness assumption is needed in some cell: with it taken away (the bound spec's fairness table edited,
# as if the decorator said nothing), a behaviour that never exports is fair. Lasso lengths computed, pinned.
@pytest.mark.parametrize("variant, scenario, unfair, steps", [
    ("phase73", "active_latency", (), None),                          # all the spec's fairness: VERIFIED
    ("phase73", "active_latency", ("deliver", "deliver_end"), 11),    # packets stay in flight forever
    ("phase73", "active_latency", ("partner_step",), 4),              # B never ticks: A waits for it
    ("phase73", "active_loss", ("sync_timeout", "confirm_wait_timeout"), 23),   # end packet lost, no timeout
    ("pre73", "focus_loss", ("confirm_wait_timeout",), 16),           # T2's wait never ends
    ("pre73", "focus_loss", ("show",), 6),                            # the tab never comes back
    ("phase73", "active_latency", None, 0),                           # no fairness: it may stop at once
])
def test_episode_exports_under_fairness_and_each_assumption_is_needed(variant, scenario, unfair, steps):
    from modelcheck.check import check
    _, cls = load_spec(SPEC)
    bound = cls.bind(variant, scenario)
    for name in unfair if unfair is not None else list(bound.fairness):
        del bound.fairness[name]
    verdict = {v.property: v for v in check(bound, SPEC, out_dir=None).verdicts}["episode_exports"]
    if steps is None:
        assert verdict.verdict == "VERIFIED" and "fairness: weak step," in verdict.bound
    else:
        assert verdict.verdict == "VIOLATED" and verdict.steps == steps and verdict.trace.loop == steps
        # the behaviour ends stuttering in its last state: nothing fair is left enabled there


def test_fairness_is_declared_on_every_action_but_loss_and_hiding():
    _, cls = load_spec(SPEC)
    unfair = {a.name for a in cls.action_defs() if a.fair is None}
    assert unfair == {"drop", "drop_end", "hide"}
    assert {a.fair for a in cls.action_defs()} == {None, "weak"}


def _states(variant, scenario, **params):
    from modelcheck.check import check
    _, cls = load_spec(SPEC)
    report = check(cls.bind(variant, scenario, params), SPEC, out_dir=None)
    assert report.result.complete
    return report.result.states


def test_late_local_end_reaches_export():
    # with room, some export happens after a local end later than N (L_A > N); P2 still wants rows 0..N-1
    states = _states("pre73", "active_latency", N=5, lead=1, maxLate=2, frameRoom=2)
    assert any(s.exported and s.aEnd > 5 for s in states)
    assert sum(s.cut for s in states) > 0   # the lag can still outgrow the arrays: those runs are cut


def test_partner_end_frame_is_nondeterministic():
    states = _states("phase73", "active", partnerLag=1)
    assert {s.bEnd for s in states if s.bEnd != -1} == {3, 4}


def test_focus_loss_fast_forward_overlaps_a_step():
    # section 6.4: FF starts from the tick handler ahead of the isProcessingTick check, so it can start while
    # a step is suspended at a yield; FF frames predict A (nothing was stored while hidden)
    states = _states("phase73", "focus_loss")
    assert any(s.ff != 0 and s.t1 != 0 for s in states)              # FF in flight while a step is suspended
    assert any(s.ff == 1 for s in states)                            # awaiting _requestMissingInputs
    assert any(s.ff != 0 and s.ffActions[s.ffStart][0] == 2 for s in states if s.ffStart < s.ffMax)
    # FF's finally can clear isProcessingTick while the step it overlapped is still suspended (the model
    # then still waits for that step: one step slot, docs "Not modelled")
    assert any(not s.isProcessingTick and s.t1 != 0 for s in states)


def test_no_focus_loss_outside_its_scenario():
    # focusLoss is a scenario parameter: no hide/show anywhere else
    states = _states("phase73", "active_latency")
    assert not any(s.wasHidden for s in states)


def test_fast_forward_early_return_leaves_its_rollback_pending(capsys, tmp_path):
    # protocol.md §4.12: FF returns at L4702-4707 when framesToProcess <= 0, after storeRemoteInput ran for
    # the buffered inputs (L4684-4690). B's frame-0 input, buffered while A was hidden, sets a rollback for
    # frame 0 that FF leaves pending; the next step's L2145 discards it, _updateConfirmedFrame confirms
    # frame 0 and promotes B's prediction (Fix A sees nothing pending). The shortest P1 counterexample of
    # phase73/focus_loss is that path (computed, 10 steps).
    code, verdicts, n = run(capsys, tmp_path, "--variant", "phase73", "--scenario", "focus_loss")
    assert code == 1 and n == 11463
    trace = json.load(open(verdicts["canonical_truthful"]["file"]))
    assert [s["action"] for s in trace["steps"][1:]] == [
        "step", "step_snapshot", "step_worker_step", "step_tail", "hide", "partner_step", "show",
        "fast_forward", "step", "step_confirm_hash"]
    after_ff = trace["steps"][8]["state"]
    assert after_ff["pendingRollbackFrame"] == 0 and after_ff["ff"] == "none"
    assert after_ff["confirmedFrame"] == -1 and not after_ff["rollbackInProgress"]   # FF forced nothing


def _action(bound, name):
    return next(a for a in bound.actions if a.name == name)


def test_fast_forward_returns_at_once_with_nothing_buffered():
    # L4666-4669: an empty background buffer returns before anything; only the tick's flags change
    from modelcheck.check import check
    _, cls = load_spec(SPEC)
    bound = cls.bind("phase73", "focus_loss")
    states = check(bound, SPEC, out_dir=None).result.states
    ff = _action(bound, "fast_forward")
    empty = [s for s in states if s.pendingFF and not s.bgBuffer and bound.inst._live(s) and s.ff == 0]
    assert empty
    for s in empty:
        assert bound.apply(ff, s, ()) == s.set(pendingFF=False, isProcessingTick=False)


def test_fast_forward_third_early_return_clears_the_shared_flag():
    # L4791-4794: after the _requestMissingInputs await, a step has moved frameNumber to maxFrame, so no FF
    # frame is built and FF returns inside its try: the finally (L4922) clears rollbackInProgress even when
    # a step's rollback set it and is still suspended at Y1, and nothing is confirmed or promoted.
    from modelcheck.check import check
    _, cls = load_spec(SPEC)
    bound = cls.bind("phase73", "focus_loss")
    states = check(bound, SPEC, out_dir=None).result.states
    resume = _action(bound, "ff_inputs_response")
    waiting = [s for s in states if s.ff == 1 and s.frameNumber >= s.ffMax]
    assert waiting
    for s in waiting:
        t = bound.apply(resume, s, (True,))
        assert t.ff == 0 and not t.rollbackInProgress and not t.isProcessingTick
        assert (t.confirmedFrame, t.canon, t.predictedFrames, t.frameNumber) == \
            (s.confirmedFrame, s.canon, s.predictedFrames, s.frameNumber)
    assert any(s.rollbackInProgress and s.t1 == 1 for s in waiting)   # a step's rollback at Y1 loses its flag


def test_export_with_no_rows_does_not_clear_the_buffers():
    # _emitEpisodeDataFromBuffer returns at L3669-3672 with 0 rows, before the clear at L3690: a canonical
    # frame at or past the synced end frame T is filtered out of the export and stays in frameDataBuffer
    _, cls = load_spec(SPEC)
    bound = cls.bind("phase73", "active")
    work = sys.modules[cls.__module__]._Work
    m = work(bound.initial_states()[0])
    m.put("canon", 3, (0, 0))
    m["localEndFrame"] = 3
    bound.inst._signal_complete(m)
    after = m.done()
    assert after.exported and all(r == (-1, -1) for r in after.exportRows)
    assert after.canon[3] == (0, 0)
    m = work(after.set(localEndFrame=-1))   # with T null the frame is exported, then both buffers are cleared
    bound.inst._signal_complete(m)
    after = m.done()
    assert after.exportRows[3] == (0, 0) and after.canon[3] == (-1, -1)


def test_redundancy_beyond_the_reorder_window_leaves_only_post_end_replays():
    # README, failure 3: with R=3 (more than maxLate+1 frames of reordering), phase73/active_latency has no
    # canonical_truthful violation on an episode frame left; every class is failure 1 (a post-end frame
    # replayed by a Fix C rollback and promoted at the boundary). Computed, then pinned.
    from modelcheck.check import check
    _, cls = load_spec(SPEC)
    report = check(cls.bind("phase73", "active_latency", {"R": 3}), SPEC, out_dir=None, all_violations=True)
    causes = [c.signature for c, _, _ in report.groups["canonical_truthful"]]
    assert causes and all("a post-end frame" in c for c in causes), causes


@pytest.mark.parametrize("variant", ["pre73", "phase73"])
def test_production_setting_without_state_sync_records_predictions(capsys, tmp_path, variant):
    # protocol.md §0: at both commits validateStateSync fails for cogrid, so stateSyncSupported=false and
    # performRollback returns at once (L4332-4335). Then a partner input that arrives after its frame was
    # simulated sets a rollback that is dropped, _updateConfirmedFrame confirms the frame (its inputs are
    # now present) and promotes the predicted action: 5 steps, with or without Phase 73 (computed).
    code, verdicts, _ = run(capsys, tmp_path, "--variant", variant, "--scenario", "active",
                            "-p", "stateSyncSupported=false")
    assert code == 1
    assert verdicts["canonical_truthful"]["verdict"] == "VIOLATED" and verdicts["canonical_truthful"]["steps"] == 5
    assert verdicts["export_rows_exact"]["verdict"] == "VERIFIED"
    trace = json.load(open(verdicts["canonical_truthful"]["file"]))
    assert [s["action"] for s in trace["steps"][1:]] == ["step", "step_worker_step", "step_tail",
                                                        "partner_step", "step"]


# The mechanisms issue 16 added, each behind its own parameter and with its own scenario (outside the
# default matrix). phase73 per scenario: distinct states and the shortest counterexample of P1, P1e, P2,
# computed by `modelcheck verify --variant phase73 --scenario S`, then pinned. Every one still violates all
# three; what changed against the base scenario is in docs/rollback-model.md ("Mechanisms").
MECHANISMS = {
    "snapshot_cap": (10869, (10, 13, 16)),        # focus_loss + maxSnapshots=1 (11,463 without the cap)
    "any_timeout": (4314, (16, 16, 18)),          # active_latency + anyTimeout (3,681; 18, 18, 20)
    "any_timeout_hidden": (12437, (10, 12, 14)),  # focus_loss + anyTimeout (11,463; 10, 13, 16)
    "late_reply": (20615, (8, 13, 16)),           # focus_loss + lateReply (P1 10 without it)
    "inorder_latency": (1355, (25, 25, 20)),      # active_latency + ordered (3,681; 18, 18, 20)
    "inorder_loss": (5773, (19, 19, 19)),         # active_loss + ordered (12,867; 18, 18, 19)
}


@pytest.fixture(scope="module")
def mechanism_cells():
    from modelcheck.check import check
    _, cls = load_spec(SPEC)
    out = {}
    for scenario in MECHANISMS:
        bound = cls.bind("phase73", scenario)
        out[scenario] = (bound, check(bound, SPEC, out_dir=None))
    return out


@pytest.mark.parametrize("scenario", sorted(MECHANISMS))
def test_mechanism_scenarios(mechanism_cells, scenario):
    _, report = mechanism_cells[scenario]
    states, steps = MECHANISMS[scenario]
    assert report.result.complete and report.result.distinct == states
    verdicts = {v.property: v for v in report.verdicts}
    assert all(verdicts[p].verdict == "VIOLATED" for p in SAFETY)
    assert tuple(verdicts[p].steps for p in SAFETY) == steps
    assert verdicts["episode_exports"].verdict == verdicts["deadlock_free"].verdict == "VERIFIED"


def test_snapshot_cap_evicts_by_insertion_order(mechanism_cells):
    # saveStateSnapshot keeps the newest maxSnapshots keys by Map insertion order (L4240-4251); a replay's
    # overwrites (L4604-4611) do not prune, so right after one there can be more
    bound, report = mechanism_cells["snapshot_cap"]
    states = report.result.states
    for s in states:
        assert sorted(s.snapOrder) == [f for f in range(bound.inst.F) if s.snapshots[f] != -1]
    assert any(s.snapshots[0] == -1 and s.snapshots[2] != -1 for s in states)   # frame 0 evicted by frame 2
    # a rollback already at Y1 keeps the step_num it read before its await, even if its snapshot is evicted
    assert any(s.t1 == 1 and s.snapshots[s.rbSnapshot[0]] == -1 and s.rbSnapStep[0] != -1 for s in states)


def test_in_order_channel_delivers_oldest_first(mechanism_cells):
    bound, report = mechanism_cells["inorder_latency"]
    deliver = _action(bound, "deliver")
    seen = 0
    for s in report.result.states:
        if len(s.net) > 1 and bound.inst._live(s):
            seen += 1
            assert [args for a, args in bound.enabled(s) if a is deliver] in ([(min(s.net),)], [])
    assert seen


def test_timeouts_fire_with_packets_in_flight_and_while_hidden(mechanism_cells):
    bound, report = mechanism_cells["any_timeout"]
    fired = {a.name for s in report.result.states if s.net for a, _ in bound.enabled(s)}
    assert "sync_timeout" in fired            # no loss: B's end packet is late, not lost
    bound, report = mechanism_cells["any_timeout_hidden"]
    fired = {a.name for s in report.result.states if s.hidden for a, _ in bound.enabled(s)}
    assert {"sync_timeout", "confirm_wait_timeout"} <= fired


def test_late_reply_is_stored_after_fast_forward(mechanism_cells):
    # the _requestMissingInputs reply after its 3 s timeout: FF went on with predictions, the reply is
    # stored later by _handleInputResponse (a direct storeRemoteInput, L5797)
    bound, report = mechanism_cells["late_reply"]
    late = _action(bound, "ff_late_response")
    pending = [s for s in report.result.states if s.lateReply and bound.inst._live(s)]
    assert pending
    stored = 0
    for s in pending:
        t = bound.apply(late, s, ())
        assert not t.lateReply
        stored += any(s.inputBuffer[f][1] == -1 and t.inputBuffer[f][1] != -1 for f in s.lateReply)
    assert stored


# A second episode (episodes=2; docs/rollback-model.md, "A second episode"): A's reset (L1779-1986) and the
# next episode's start with what the first leaves behind. The `episodes` matrix sets these parameters on
# five scenarios; its larger cells are measured there (README), not here.
TWO = {"episodes": 2, "R": 2}
# active with TWO, per variant: distinct states and the shortest counterexample of P1, P1e, P2 (computed with
# check(), then pinned). The shortest ones are still episode 0's: two episodes change no verdict here.
EPISODE_CELLS = {
    "pre73": (1256, (17, 17, 18)),
    "fixA": (1256, (17, 17, 18)),
    "fixB": (1226, (17, 17, 17)),
    "fixC": (1719, (22, 22, 18)),
    "fixD": (1256, (17, 17, 18)),
    "phase73": (1672, (22, 22, 17)),
}


@pytest.mark.parametrize("variant", sorted(EPISODE_CELLS))
def test_two_episode_cells(variant):
    from modelcheck.check import check
    _, cls = load_spec(SPEC)
    report = check(cls.bind(variant, "active", TWO), SPEC, out_dir=None)
    states, steps = EPISODE_CELLS[variant]
    assert report.result.complete and report.result.distinct == states
    verdicts = {v.property: v for v in report.verdicts}
    assert tuple(verdicts[p].steps for p in SAFETY) == steps
    assert all(verdicts[p].verdict == "VIOLATED" for p in SAFETY)
    assert verdicts["episode_exports"].verdict == verdicts["deadlock_free"].verdict == "VERIFIED"
    assert any(s.ep == 1 and s.exported for s in report.result.states)   # the second episode is exported


def test_episode_zero_input_is_drained_into_the_next_episode():
    # B keeps stepping and sending after its end (L2159-2186) until its own export; with R=2 its post-end
    # packet carries its last episode frame too. Arriving after A's reset emptied the queue (L5107-5108), it
    # stays queued (§4.11: clearActionQueues leaves the input queues alone), the next episode's first step
    # drains it, storeRemoteInput keeps it (the packet has no episode number, §3) and the real input of
    # episode 1 is then a duplicate (first write wins, L4028-4032). Computed: 34 steps, phase73.
    from modelcheck.check import check
    _, cls = load_spec(SPEC)
    report = check(cls.bind("phase73", "active", TWO), SPEC, out_dir=None, all_violations=True)
    cause = ("episode 1: step wrote an episode-0 B action for an episode frame into the canonical buffer; "
             "B's input for it had arrived")
    (c, trace, _), = [g for g in report.groups["canonical_truthful"] if g[0].signature == cause]
    actions = [s.action for s in trace.steps]
    assert trace.length == 34
    assert actions.index("reset") < actions.index("reset_start")
    assert "partner_step" in actions[actions.index("reset"):actions.index("reset_start")]   # B's post-end step
    last = trace.steps[-1].state
    assert last["ep"] == 1 and last["badCanon"][2] == [-1, 0]   # B's episode-0 action 0, not its 0' (= 4)


def test_second_episode_breaks_a_cell_one_episode_verifies(capsys, tmp_path):
    # phase73 with latency, no post-end frames (E=0) and R=3 holds everything within one episode. With two,
    # a redundant packet B sent before its end, overtaken by the next one and still in flight when A
    # exports, reaches A inside reset; the next episode's first step stores B's episode-0 inputs for frames
    # 0 and 1, and frame 0 is promoted with B's episode-0 action. Computed, then pinned.
    args = ["--variant", "phase73", "--scenario", "active_latency", "-p", "E=0", "-p", "R=3"]
    code, verdicts, n = run(capsys, tmp_path, *args)
    assert code == 0 and n == 440
    assert all(verdicts[p]["verdict"] == "VERIFIED" for p in SAFETY)
    code, verdicts, n = run(capsys, tmp_path, *args, "-p", "episodes=2")
    assert code == 1 and n == 1250
    assert verdicts["canonical_truthful"]["steps"] == 30 and verdicts["export_truthful"]["steps"] == 41
    assert verdicts["export_rows_exact"]["verdict"] == "VERIFIED"
    trace = json.load(open(verdicts["canonical_truthful"]["file"]))
    actions = [s["action"] for s in trace["steps"]]
    assert actions.count("reset") == 1 and "deliver" in actions[actions.index("reset"):actions.index("reset_start")]
    assert trace["steps"][-1]["state"]["badCanon"][0] == [-1, 0]


@functools.lru_cache(maxsize=None)
def _reset_state():
    """A state of phase73/active_latency (two episodes) where A's next tick runs reset(), a packet still in flight."""
    from modelcheck.check import check
    _, cls = load_spec(SPEC)
    bound = cls.bind("phase73", "active_latency", TWO)
    states = check(bound, SPEC, out_dir=None).result.states
    return next(s for s in states if bound.inst._resets(s) and s.net and s.hashed and s.bEnd != -1)


def test_reset_clears_what_clear_ggpo_state_clears_and_leaves_the_rest():
    _, cls = load_spec(SPEC)
    bound = cls.bind("phase73", "active_latency", TWO)
    s = _reset_state()
    t = bound.apply(_action(bound, "reset"), s, ())
    empty = ((-1, -1),) * bound.inst.F
    assert (t.inputBuffer, t.used, t.spec, t.canon) == (empty,) * 4          # L5078-5128, L1805-1810
    assert not t.queue and not t.predictedFrames and t.confirmedFrame == -1 and t.pendingRollbackFrame == -1
    assert t.localEndFrame == t.remoteEndFrame == -1                          # _clearEpisodeSyncState L1823
    assert t.net == s.net and t.hashed == s.hashed                            # in flight; confirmedHashHistory
    assert t.ep == 1 and t.oldB == tuple(r[1] for r in s.truth) and t.t1 == 7  # awaits showEpisodeTransition
    # inside reset: the packet still in flight reaches the emptied queue, tagged with B's episode 0
    f = min(t.net)
    u = bound.apply(_action(bound, "deliver"), t, (f,))
    assert bound.inst._pack(f, 0) in u.queue and u.bEp == 0


def test_episode_zero_end_packet_inside_reset_leaves_the_remote_end_flag_set():
    # _handleEpisodeEnd ignores the packet's episode field (L6963-6980): B's episode-0 end packet handled
    # after reset's _clearEpisodeSyncState (L1823) leaves remoteEpisodeEndReceived set for episode 1, so
    # A's episode-1 end starts T2 at once. (Reachable with anyTimeout: any_timeout in the episodes matrix.)
    _, cls = load_spec(SPEC)
    bound = cls.bind("phase73", "any_timeout", TWO)
    s = bound.apply(_action(bound, "reset"), _reset_state(), ())
    s = s.set(net=frozenset(), endInFlight=True)
    t = bound.apply(_action(bound, "deliver_end"), s, ())
    assert t.remoteEndFrame == s.bEnd and t.t2 == 0       # no T2: the local flag was cleared
    u = bound.apply(_action(bound, "reset_start"), t, ())
    assert u.ep == 1 and u.frameNumber == 0 and u.remoteEndFrame == s.bEnd and u.bEnd == -1


def test_zero_row_export_leaves_nothing_for_the_next_episode():
    # _emitEpisodeDataFromBuffer's 0-row return (L3669-3672) skips the clear at L3690, but reset clears
    # both frame buffers anyway (L1809-1810): nothing the return left reaches the next episode
    _, cls = load_spec(SPEC)
    bound = cls.bind("phase73", "active", TWO)
    work = sys.modules[cls.__module__]._Work
    m = work(bound.initial_states()[0].set(bFrame=3, bEnd=3))
    m.put("canon", 3, (0, 0))
    m["localEndFrame"] = 3
    bound.inst._signal_complete(m)
    after = m.done()
    assert after.exported and after.canon[3] == (0, 0)   # 0 rows: returned before the clear
    t = bound.apply(_action(bound, "reset"), after, ())
    assert t.canon[3] == (-1, -1) and t.ep == 1
