"""modelcheck.cli: exit codes, help, list, JSON, one-line errors for every kind of bad input, limits,
Ctrl-C on a real process, determinism across hash seeds, and fuzzed argument lists."""
import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import event, given, settings, strategies as st

from modelcheck.cli import main

from conftest import ROOT, toy

COUNTER, FAULTY, HUGE, SETORDER = toy("counter"), toy("faulty"), toy("huge"), toy("setorder")


def one_error_line(err, kind):
    """The error is a single line `modelcheck: KIND: ...` (and nothing else but statistics)."""
    lines = [ln for ln in err.splitlines() if not ln.startswith("statistics:")]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"modelcheck: {kind}: "), err
    return lines[0]


# -- exit codes -------------------------------------------------------------------------------------------------

def test_exit_0_when_every_property_is_verified(cli, tmp_path):
    code, out, err = cli("verify", "specs/mutex.py", "--out", tmp_path)
    assert code == 0
    assert out.splitlines() == [
        "specs/mutex.py: always mutual_exclusion: VERIFIED (all 8 reachable states, depth 3; params N=2, fixLock=true; "
        "fingerprint collision probability 3e-18)",
        "specs/mutex.py: sometimes someone_enters: VERIFIED (witness in 2 steps; params N=2, fixLock=true)",
        "specs/mutex.py: deadlock_free: VERIFIED (all 8 reachable states, depth 3; params N=2, fixLock=true; "
        "fingerprint collision probability 3e-18)"]
    assert "statistics: 8 distinct states, 15 generated, depth 3" in err and "complete" in err
    assert os.listdir(tmp_path) == []


def test_exit_1_when_a_property_is_violated(cli, tmp_path):
    code, out, err = cli("verify", "mutex", "--variant", "buggy", "--out", tmp_path)
    assert code == 1
    ce = os.path.join(str(tmp_path), "mutex.buggy.mutual_exclusion.json")
    assert f"always mutual_exclusion: VIOLATED in 4 steps (params N=2, fixLock=false) -> {ce}" in out
    assert os.path.isfile(ce)


def test_exit_1_for_a_deadlock(cli, tmp_path):
    # counter with M=1 and no wrap: x=1 has no successor, one step from x=0
    code, out, err = cli("verify", COUNTER, "-p", "M=1", "-p", "wraps=false", "--out", tmp_path)
    assert code == 1 and "deadlock_free: VIOLATED in 1 step (no action enabled, not @terminal; " in out
    # and the coverage check: `wrap` can never fire without wraps
    assert "modelcheck: warning: action 'wrap' never fired: its guard was false in any reachable state" in err


def test_exit_2_for_usage_errors(cli):
    code, out, err = cli("verify", "specs/mutex.py", "-p", "N=9")
    assert code == 2 and out == ""
    assert one_error_line(err, "usage error") == \
        "modelcheck: usage error: parameter N: expected an integer in 1..4, got 9"


def test_exit_3_when_a_limit_stops_the_search(cli, tmp_path):
    code, out, err = cli("verify", HUGE, "--max-states", "2000", "--out", tmp_path)
    assert code == 3
    assert "always not_all_top: INCONCLUSIVE (no violation in bounded: 2,00" in out
    assert "state limit --max-states 2,000" in out
    assert "stopped: state limit --max-states 2,000" in err


def test_no_command_prints_help_and_exits_2(cli):
    code, out, err = cli()
    assert code == 2 and "usage: modelcheck" in err


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["verify", "--help"]])
def test_help_exits_0_and_documents_the_exit_codes(cli, argv):
    code, out, err = cli(*argv)
    assert code == 0
    text = " ".join(out.split())
    assert "exit codes:" in out
    for expect in ["0 every property VERIFIED", "1 at least one property VIOLATED", "2 usage error, spec error, or "
                   "model error", "3 INCONCLUSIVE: a limit (--max-states, --max-depth, --max-seconds, --max-memory), "
                   "Ctrl-C or SIGTERM"]:
        assert expect in text, expect


def test_list_describes_the_spec(cli):
    code, out, _ = cli("list", "specs/mutex.py")
    assert code == 0
    assert out.startswith("specs/mutex.py: spec Mutex\n")
    for expect in ["parameters:", "fixLock", "IntRange(1, 4)", "variants:", "buggy: fixLock=False",
                   "(or any '+'-joined set of fixes: fixLock)", "scenarios:", "three: N=3", "actions:",
                   "request: Process i asks for the lock.", "properties:",
                   "always mutual_exclusion: No two processes are critical at once."]:
        assert expect in out, expect


def test_json_report_is_valid_json_with_statistics(cli, tmp_path):
    # --no-reduction: TLC's figures count every state, not one per symmetry orbit
    code, out, err = cli("verify", "specs/two_phase_commit.py", "--json", "--out", tmp_path, "--no-reduction")
    assert code == 0
    obj = json.loads(out)
    assert obj["exit_code"] == 0 and obj["spec_class"] == "TwoPhase" and obj["params"] == {"RMs": 3}
    assert obj["reductions"] == []
    assert obj["statistics"]["distinct_states"] == 288 and obj["statistics"]["generated"] == 1146
    assert obj["statistics"]["complete"] is True
    assert {v["property"]: v["verdict"] for v in obj["verdicts"]} == {"consistent": "VERIFIED",
                                                                     "all_committed": "VERIFIED"}
    assert "progress" not in err


def test_json_report_of_a_violation(cli, tmp_path):
    code, out, _ = cli("verify", "specs/mutex.py", "--variant", "buggy", "--json", "--out", tmp_path)
    obj = json.loads(out)
    assert code == 1 == obj["exit_code"]
    v = obj["verdicts"][0]
    assert (v["verdict"], v["steps"]) == ("VIOLATED", 4)
    assert os.path.basename(v["file"]) == "mutex.buggy.mutual_exclusion.json"


def test_matrix_runs_every_cell(cli, tmp_path):
    code, out, _ = cli("verify", "specs/mutex.py", "--matrix", "--out", tmp_path)
    assert code == 1
    assert "4 cells (2 variants x 2 scenarios)" in out and out.count("✗4") == 2
    code, out, _ = cli("verify", "specs/mutex.py", "--matrix", "--variant", "buggy")
    assert code == 2


def test_graph_is_written(cli, tmp_path):
    for name in ("g.dot", "g.graphml"):
        code, _, err = cli("verify", "specs/mutex.py", "--graph", tmp_path / name, "--out", tmp_path)
        assert code == 0 and f"graph: 8 states, 14 transitions -> {tmp_path / name}" in err
    assert open(tmp_path / "g.dot").read().count("->") == 14


# -- bad input: one clear line, exit 2, no traceback ----------------------------------------------------------------

@pytest.mark.parametrize("argv, kind, needle", [
    (["verify", "nope.py"], "usage error", "nope.py: no such spec file"),
    (["verify", "nope"], "usage error", "nope: no such spec file"),
    (["verify", "specs"], "usage error", "specs: is a directory"),
    (["verify", "specs/mutex.py::Nope"], "usage error", "no Spec subclass named 'Nope'"),
    (["verify", "specs/mutex.py", "--variant", "buggier"], "usage error",
     "unknown variant 'buggier'; known: buggy, fixed, fixLock"),
    (["verify", "specs/mutex.py", "--scenario", "four"], "usage error", "unknown scenario 'four'; known: two, three"),
    (["verify", "specs/mutex.py", "-p", "M=2"], "usage error", "unknown parameter 'M'; known: N, fixLock"),
    (["verify", "specs/mutex.py", "-p", "N=9"], "usage error", "parameter N: expected an integer in 1..4, got 9"),
    (["verify", "specs/mutex.py", "-p", "N=two"], "usage error", "parameter N: expected an integer in 1..4, got 'two'"),
    (["verify", "specs/mutex.py", "-p", "N=2.5"], "usage error", "expected an integer in 1..4, got '2.5'"),
    (["verify", "specs/mutex.py", "-p", "fixLock=2"], "usage error", "parameter fixLock: expected true or false"),
    (["verify", "specs/mutex.py", "-p", "N"], "usage error", "-p expects K=V, got 'N'"),
    (["verify", "specs/mutex.py", "--max-states", "0"], "usage error", "expected a positive integer, got '0'"),
    (["verify", "specs/mutex.py", "--max-seconds", "nan"], "usage error", "expected a positive number, got 'nan'"),
    (["verify", "specs/mutex.py", "--frobnicate"], "usage error", "unrecognized arguments: --frobnicate"),
    (["frobnicate"], "usage error", "invalid choice: 'frobnicate'"),
    (["list", "nope.py"], "usage error", "nope.py: no such spec file"),
])
def test_bad_input_is_one_line_exit_2(cli, argv, kind, needle):
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    line = one_error_line(err, kind)
    assert needle in line, line


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_spec_with_a_syntax_error_shows_file_and_line(cli, tmp_path):
    path = _write(tmp_path, "broken.py", "import z3\nfrom modelcheck import Spec\n\nclass S(Spec):\n"
                                         "    def variables(self)\n        return {}\n")
    code, out, err = cli("verify", path)
    assert code == 2
    assert one_error_line(err, "spec error") == f"modelcheck: spec error: {path}:5: syntax error: expected ':'"


def test_spec_with_an_import_error_shows_file_and_line(cli, tmp_path):
    path = _write(tmp_path, "needs.py", "import z3\n\nimport no_such_module_for_modelcheck\n")
    code, _, err = cli("verify", path)
    assert code == 2
    assert one_error_line(err, "spec error") == (
        f"modelcheck: spec error: {path}:3: importing the spec raised ModuleNotFoundError: "
        f"No module named 'no_such_module_for_modelcheck'")


def test_spec_raising_at_import_shows_its_own_line(cli, tmp_path):
    path = _write(tmp_path, "raises.py", "def helper():\n    return {}['k']\n\nTABLE = helper()\n")
    code, _, err = cli("list", path)
    assert code == 2
    line = one_error_line(err, "spec error")
    assert line.startswith(f"modelcheck: spec error: {path}:2: importing the spec raised KeyError"), line


def test_spec_file_without_a_spec(cli, tmp_path):
    path = _write(tmp_path, "empty.py", "X = 1\n")
    code, _, err = cli("verify", path)
    assert code == 2 and "defines no subclass of modelcheck.Spec" in one_error_line(err, "spec error")


def test_spec_mistake_at_class_definition(cli, tmp_path):
    path = _write(tmp_path, "arity.py", "from modelcheck import Spec, action\n\nclass S(Spec):\n"
                                        "    @action(guard=lambda self: True)\n"
                                        "    def go(self, s):\n        return s\n")
    code, _, err = cli("verify", path)
    assert code == 2
    line = one_error_line(err, "spec error")
    assert f"{path}:4: action 'go': the guard takes 1 parameter(s) but the effect takes 2" in line


def test_property_raising_while_its_formula_is_built(cli, tmp_path):
    path = _write(tmp_path, "badprop.py", "from modelcheck import Bool, Spec, always\n\nclass S(Spec):\n"
                                          "    def variables(self):\n        return {'b': Bool()}\n\n"
                                          "    def init(self):\n        yield self.State(b=False)\n\n"
                                          "    @always\n    def p(self, v):\n        return v.c\n")
    code, _, err = cli("verify", path)
    assert code == 2
    line = one_error_line(err, "spec error")
    assert f"{path}:10: property 'p' raised AttributeError while building its formula" in line, line


@pytest.mark.parametrize("fault, needle", [
    ("wrong_type", "action 'step' produced an invalid state: the effect returned tuple (3,), not a State; "
                   "return s.set(...) or self.State(...); from state n=2"),
    ("out_of_domain", "action 'step' produced an invalid state: n = 7 is outside IntRange(0, 3); from state n=2"),
    ("unhashable", "action 'step' produced an invalid state: n = [3] is outside IntRange(0, 3); from state n=2"),
    ("returns_none", "action 'step' produced an invalid state: the effect returned None"),
    ("guard_raises", "action 'step': the guard of 'step' raised KeyError: 'no such key'; in state n=2"),
    ("effect_raises", "action 'step': the effect of 'step' raised ZeroDivisionError: division by zero in step; "
                      "in state n=2"),
    ("over_raises", "action 'hop': the over= raised IndexError: over= broke; in state n=2"),
])
def test_model_errors_exit_2_naming_the_action_and_state_with_partial_statistics(cli, tmp_path, fault, needle):
    code, out, err = cli("verify", FAULTY, "-p", f"fault={fault}", "--out", tmp_path)
    assert code == 2
    line = one_error_line(err, "model error")
    assert needle in line and f"{FAULTY}:" in line, line
    # the partial figures: three states found before the error (faulty.py docstring)
    assert "statistics: 3 distinct states" in err and "stopped: error" in err
    assert "INCONCLUSIVE" in out and "stopped by a model error" in out


def test_unwritable_output_is_one_line_exit_2(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out, err = cli("verify", "specs/mutex.py", "--variant", "buggy", "--out", blocker)
    assert code == 1  # the violation stands and is printed; only its file could not be written
    assert "mutual_exclusion: VIOLATED in 4 steps" in out and " -> " not in out.splitlines()[0]
    assert one_error_line(err, "error") == f"modelcheck: error: cannot write {blocker}: File exists"
    code, _, err = cli("verify", "specs/mutex.py", "--graph", tmp_path / "no" / "dir" / "g.graphml",
                       "--out", tmp_path)
    assert code == 2 and "No such file or directory" in one_error_line(err, "error")


def test_failed_counterexample_write_keeps_the_old_file(cli, tmp_path, monkeypatch):
    import modelcheck.trace as trace_mod

    path = tmp_path / "mutex.buggy.N=3.mutual_exclusion.json"
    path.write_text("an older file of the same name\n")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device", src, None, dst)

    monkeypatch.setattr(trace_mod.os, "replace", full_disk)
    code, out, err = cli("verify", "specs/mutex.py", "--variant", "buggy", "-p", "N=3", "--out", tmp_path)
    assert code == 1 and "VIOLATED" in out  # the verdict is kept; the new file is not written
    assert one_error_line(err, "error") == f"modelcheck: error: cannot write {path}: No space left on device"
    assert path.read_text() == "an older file of the same name\n" and os.listdir(tmp_path) == [path.name]
    # --json says so in the report (the verdict's file is null, with the reason) and on stderr
    code, out, err = cli("verify", "specs/mutex.py", "--variant", "buggy", "-p", "N=3", "--out", tmp_path, "--json")
    assert code == 1
    report = json.loads(out)
    want = f"cannot write {path}: No space left on device"
    v = next(v for v in report["verdicts"] if v["property"] == "mutual_exclusion")
    assert (v["verdict"], v["file"], v["file_error"]) == ("VIOLATED", None, want)
    assert report["write_errors"] == [want] and report["exit_code"] == 1
    assert one_error_line(err, "error") == f"modelcheck: error: {want}"


def test_a_run_with_parameters_never_overwrites_the_plain_cells_files(cli, tmp_path):
    """Every parameter set with -p (beyond what the variant and scenario set) is in the file name."""
    code, out, _ = cli("verify", "specs/mutex.py", "--variant", "buggy", "--out", tmp_path)
    plain = tmp_path / "mutex.buggy.mutual_exclusion.json"
    assert code == 1 and f"-> {plain}" in out
    before = plain.read_bytes()
    code, out, _ = cli("verify", "specs/mutex.py", "--variant", "buggy", "-p", "N=3", "--out", tmp_path)
    assert code == 1 and f"-> {tmp_path / 'mutex.buggy.N=3.mutual_exclusion.json'}" in out
    # a -p value equal to what the variant sets changes nothing, so it writes the plain cell's file
    code, out, _ = cli("verify", "specs/mutex.py", "--variant", "buggy", "-p", "fixLock=false", "--out", tmp_path)
    assert code == 1 and f"-> {plain}" in out
    assert plain.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["mutex.buggy.N=3.mutual_exclusion.json", "mutex.buggy.mutual_exclusion.json"]


@pytest.mark.parametrize("argv, kind", [
    (["verify", "specs/mutex.py", "-p", "N=9", "--json"], "usage error"),
    (["verify", "no/such/spec.py", "--json"], "usage error"),
    (["verify", "{bad}", "--json"], "spec error"),
    (["ablate", "{bad}", "--json"], "spec error"),
])
def test_json_report_also_on_errors(cli, tmp_path, argv, kind):
    if "{bad}" in argv:
        bad = tmp_path / "bad.py"
        bad.write_text("import modelcheck\nraise ValueError('broken at import')\n")
        argv = [str(bad) if a == "{bad}" else a for a in argv]
    code, out, err = cli(*argv)
    assert code == 2
    report = json.loads(out)
    assert report["exit_code"] == 2 and report["error_kind"] == kind
    assert one_error_line(err, kind) == f"modelcheck: {kind}: {report['error']}"


# -- trace files given to the CLI (`show`, which replays them) ---------------------------------------------------------

@pytest.fixture
def stored_trace(cli, tmp_path):
    code, _, _ = cli("verify", "specs/mutex.py", "--variant", "buggy", "--out", tmp_path)
    assert code == 1
    return tmp_path / "mutex.buggy.mutual_exclusion.json"


def test_a_stored_trace_is_accepted(cli, stored_trace):
    code, _, err = cli("show", stored_trace, "--quiet")
    assert code == 0, err


@pytest.mark.parametrize("mangle, needle", [
    (None, "no such file"),
    (lambda text: "", "not a trace: the file is empty"),
    (lambda text: text[: len(text) // 2], "not a trace: the file is not valid JSON"),
    (lambda text: "hello, world", "not a trace: the file is not valid JSON"),
    (lambda text: '{"some": "json"}', 'not a trace: expected a JSON object with "format"'),
    (lambda text: text.replace('"Mutex"', '"TwoPhase"'), "TwoPhase"),
    (lambda text: text.replace('"specs/mutex.py"', '"specs/two_phase_commit.py"'), "Mutex"),
    (lambda text: text.replace('"fixLock": false', '"fixLock": true'), "step 4: action enter"),
    (lambda text: text.replace('"N": 2', '"N": 3'), "step 0"),
    (lambda text: text.replace('"request"', '"ask"', 1), "step 1: action ask"),
    (lambda text: text.replace('"N": 2', '"M": 2'), "'M'"),
])
def test_bad_trace_files_are_one_line_exit_2(cli, stored_trace, mangle, needle):
    if mangle is None:
        stored_trace = stored_trace.with_name("missing.json")
    else:
        stored_trace.write_text(mangle(stored_trace.read_text()))
    code, out, err = cli("show", stored_trace, "--quiet")
    assert code == 2
    line = one_error_line(err, "trace error")
    assert str(stored_trace) in line and needle in line, line


# -- limits ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag, value, reason", [
    ("--max-states", "3000", "state limit --max-states 3,000"),
    ("--max-depth", "4", "depth limit --max-depth 4"),
    ("--max-seconds", "0.3", "time limit --max-seconds 0.3"),
    ("--max-memory", "1", "memory limit --max-memory 1 MB"),
])
def test_each_limit_gives_exit_3_with_partial_figures(cli, tmp_path, flag, value, reason):
    code, out, err = cli("verify", HUGE, flag, value, "--out", tmp_path)
    assert code == 3
    assert "INCONCLUSIVE (no violation in bounded: " in out and reason in out
    assert "statistics: " in err and f"stopped: {reason}" in err
    assert os.listdir(tmp_path) == []


def test_no_never_fired_warning_after_a_limit(cli, tmp_path):
    """counter: `wrap` fires only at x=M=3; --max-depth 2 stops before it could, so nothing can be said."""
    code, out, err = cli("verify", COUNTER, "--max-depth", "2", "--out", tmp_path)
    assert code == 3 and "stopped: depth limit --max-depth 2" in err
    assert "never fired" not in err
    code, out, err = cli("verify", COUNTER, "-p", "wraps=false", "--out", tmp_path)  # a complete run still warns
    assert "modelcheck: warning: action 'wrap' never fired" in err


def test_a_violation_found_before_the_limit_is_still_exit_1(cli, tmp_path):
    # counter: x=3 violates below_top at depth 3; --max-depth 3 finds it but cannot finish the graph
    code, out, err = cli("verify", COUNTER, "--max-depth", "3", "--out", tmp_path)
    assert code == 1
    assert "always below_top: VIOLATED in 3 steps" in out
    assert "always_possible can_restart: INCONCLUSIVE" in out and "stopped: depth limit --max-depth 3" in err
    # buggy mutex: (critical, critical) is among the first 12 of its 13 states, so --max-states 12 stops the
    # search (deadlock freedom stays open) after the violation was found
    code, out, err = cli("verify", "specs/mutex.py", "--variant", "buggy", "--max-states", "12", "--out", tmp_path)
    assert code == 1 and "VIOLATED in 4 steps" in out
    assert "deadlock_free: INCONCLUSIVE" in out and "stopped: state limit --max-states 12" in err


def test_interrupt_outside_the_search_is_exit_3(cli, monkeypatch):
    import modelcheck.check as check_mod  # the CLI imports check() when a command needs it

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(check_mod, "check", interrupted)
    code, out, err = cli("verify", "specs/mutex.py")
    assert code == 3 and out == "" and err == "modelcheck: interrupted (SIGINT) before a verdict\n"


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELCHECK_", "PYTHONHASHSEED"))}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


@pytest.mark.parametrize("trip", [False, True])
def test_ctrl_c_on_a_real_process_stops_quickly_with_what_was_explored(tmp_path, trip):
    """Exit 3 after Ctrl-C; but 1 if a violation was found before it (trip=true plants one at depth 1)."""
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck", "verify", HUGE, "-p", f"trip={trip}",
                             "--out", str(tmp_path / "ce")],
                            cwd=str(tmp_path), env=_env(MODELCHECK_TEST_READY=str(ready)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():  # the first guard evaluation creates it: the search is running
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the search never started"
            time.sleep(0.01)
        time.sleep(0.3)
        assert proc.poll() is None, "the huge spec finished or failed on its own"
        proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == (1 if trip else 3), err
    assert elapsed < 2.0, f"took {elapsed:.2f} s to stop"
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "always not_all_top: INCONCLUSIVE (no violation in bounded: " in out and "interrupted (SIGINT)" in out
    if trip:
        assert "always trip_wire: VIOLATED in 1 step " in out
        assert os.listdir(tmp_path / "ce") == ["huge.trip=true.trip_wire.json"]
    assert "statistics: " in err and "stopped: interrupted (SIGINT)" in err
    explored = int(err.split("statistics: ")[1].split(" distinct")[0].replace(",", ""))
    assert explored > 1000


def _stopped_by(sig, tmp_path, *argv):
    """Start `python -m modelcheck ARGV` on the huge spec, send `sig` once its search runs, and return
    (exit code, stdout, stderr, seconds from the signal to the exit)."""
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-m", "modelcheck", *argv], cwd=str(tmp_path),
                            env=_env(MODELCHECK_TEST_READY=str(ready)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():  # the first guard evaluation creates it: the first cell's search is running
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the search never started"
            time.sleep(0.01)
        time.sleep(0.3)
        assert proc.poll() is None, "the huge spec finished or failed on its own"
        proc.send_signal(sig)
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=30)  # without the fix, the next cell runs for hours
        return proc.returncode, out, err, time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_one_signal_stops_the_whole_matrix(tmp_path, sig):
    """huge.py's matrix has two cells that never finish: one Ctrl-C (or SIGTERM) cuts the first, the second
    never starts, the partial table is printed with both INCONCLUSIVE ('?'), and the exit code is 3."""
    code, out, err, took = _stopped_by(sig, tmp_path, "verify", HUGE, "--matrix", "--out", "ce")
    name = signal.Signals(sig).name
    assert code == 3, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    rows = [ln for ln in out.splitlines() if ln.startswith("| first") or ln.startswith("| second")]
    assert len(rows) == 2 and all("| ?" in r for r in rows), out
    assert rows[1].split("|")[-3].strip() == "-", "the second cell never started: no state count"
    assert f"modelcheck: interrupted ({name}): 1 of 2 cells checked (1 cut short), 1 not run" in err
    assert "checked second" not in err
    assert not os.path.exists(tmp_path / "ce") or not os.listdir(tmp_path / "ce")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_one_signal_stops_the_whole_ablation(tmp_path, sig):
    """huge.py's ablation has two subsets (none, idle): the first is cut, the second never starts, no
    conclusion is drawn from the partial table, and the exit code is 3."""
    code, out, err, took = _stopped_by(sig, tmp_path, "ablate", HUGE)
    assert code == 3, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "| none " in out and "| idle " in out
    assert "-: not decided (cells marked '?' did not run to the end)" in out
    assert "minimal sufficient" not in out and "changes nothing observable" not in out
    assert f"modelcheck: interrupted ({signal.Signals(sig).name}): 1 of 2 cells checked, 1 not run" in err
    assert "checked idle" not in err


def test_sigterm_ends_a_single_run_like_ctrl_c(tmp_path):
    code, out, err, took = _stopped_by(signal.SIGTERM, tmp_path, "verify", HUGE, "--out", "ce")
    assert code == 3 and "Traceback" not in err
    assert "always not_all_top: INCONCLUSIVE (no violation in bounded: " in out and "interrupted (SIGTERM)" in out
    assert "statistics: " in err and "stopped: interrupted (SIGTERM)" in err


# -- determinism -------------------------------------------------------------------------------------------------------

def test_output_and_counterexamples_do_not_depend_on_the_hash_seed(tmp_path):
    """setorder.py takes arguments from a Python set of strings, keeps sets of strings in its state and (with
    starts=true) yields its initial states from a set: exactly where PYTHONHASHSEED could change the search
    order, hence which shortest counterexample is found."""
    runs = []
    for seed in ("1", "2"):
        d = tmp_path / f"seed{seed}"
        d.mkdir()
        outs = []
        for spec, *params in ([SETORDER], [SETORDER, "-p", "starts=true"],
                              [os.path.join(ROOT, "specs", "two_phase_commit.py")]):
            out_dir = "ce2" if params else "ce"
            p = subprocess.run([sys.executable, "-m", "modelcheck", "verify", spec, *params, "--out", out_dir,
                                "--witnesses", "w"], cwd=str(d), env=_env(PYTHONHASHSEED=seed),
                               capture_output=True, timeout=60)
            assert "Traceback" not in p.stderr.decode()
            outs.append((p.returncode, p.stdout))
        files = {f"{sub}/{name}": (d / sub / name).read_bytes()
                 for sub in ("ce", "ce2", "w") for name in sorted(os.listdir(d / sub))}
        runs.append((outs, files))
    (outs1, files1), (outs2, files2) = runs
    assert outs1 == outs2
    assert files1 == files2
    assert sorted(files1) == ["ce/setorder.at_most_one.json", "ce2/setorder.starts=true.at_most_one.json",
                              "w/two_phase_commit.all_committed.witness.json"]
    assert [code for code, _ in outs1] == [1, 1, 0]


# -- fuzzing the argument handling -------------------------------------------------------------------------------------

TOKENS = ["verify", "list", "show", "explain", "ablate", "mutex", "counter", "specs/mutex.py", "specs/counter.py",
          "specs/counter.py::Counter", "specs/counter.py::Nope", "nope.py", "specs", "", "-", "--", "--variant",
          "buggy",
          "stuck", "fixLock", "fixLock+nope", "buggy+fixLock", "--variant=buggy", "--scenario", "two", "three", "-p",
          "N=9", "N=3", "N=x", "M=1", "M=", "wraps=maybe", "wraps=no", "=", "N", "--matrix", "--max-states",
          "--max-depth", "--max-seconds", "--max-memory", "0", "1", "2", "-1", "1e9", "nan", "inf", "0.01", "--json",
          "--quiet", "--out", "--witnesses", "--graph", "g.dot", "g.graphml", "out", "afile", "afile/x",
          "no/such/dir/g.dot", "--help", "-h", "--show", "--all-violations", "trace.json", "junk.json", "--html",
          "x.html", "--itf", "x.itf.json", "--no-share", "\u00e9t\u00e9", "--p", "-pN=2"]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """A working directory with specs/mutex.py and specs/counter.py, a stored trace, a junk file, a plain file."""
    d = tmp_path_factory.mktemp("fuzz")
    (d / "specs").mkdir()
    shutil.copy(os.path.join(ROOT, "specs", "mutex.py"), d / "specs" / "mutex.py")
    shutil.copy(COUNTER, d / "specs" / "counter.py")
    (d / "junk.json").write_text("{not json")
    (d / "afile").write_text("")
    cwd = os.getcwd()
    os.chdir(d)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main(["verify", "specs/mutex.py", "--variant", "buggy", "--out", "."])
        os.replace("mutex.buggy.mutual_exclusion.json", "trace.json")
    finally:
        os.chdir(cwd)
    return d


GOOD = {  # option values that can work with mutex or counter
    "--variant": ["buggy", "fixed", "stuck", "fixLock"],
    "--scenario": ["two", "three"],
    "-p": ["N=1", "N=3", "M=1", "M=2", "wraps=false", "fixLock=off"],
    "--max-states": ["1", "5", "100"],
    "--max-depth": ["1", "2"],
    "--max-seconds": ["0.001", "5"],
    "--max-memory": ["1", "100000"],
    "--out": ["out", "ce/new"],
    "--witnesses": ["w"],
    "--graph": ["g.dot", "g.graphml"],
    "--html": ["x.html"],
    "--itf": ["x.itf.json"],
}
BAD = ["", "+", "nope", "fixLock+nope", "N=9", "N=x", "N=", "=", "N", "nope=1", "wraps=maybe", "0", "-1", "x",
       "1e9", "nan", "inf", "afile", "afile/x", "no/such/dir/g.dot", "--json"]
FLAGS = ["--json", "--quiet", "--matrix", "--show", "--all-violations", "--no-share"]
TARGETS = ["mutex", "counter", "specs/mutex.py", "specs/counter.py", "specs/counter.py::Counter", "trace.json"]
BAD_TARGETS = ["nope.py", "specs/counter.py::Nope", "junk.json", "afile", "specs", ""]


@st.composite
def command_lines(draw):
    """Mostly well-formed command lines (a command, a target, options with mostly sensible values), so the
    fuzzing reaches real runs of every outcome; sometimes arbitrary tokens and text."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.lists(st.sampled_from(TOKENS) | st.text(max_size=12), max_size=7))
    argv = [draw(st.sampled_from(["verify", "verify", "verify", "verify", "list", "show", "explain", "ablate"]))]
    if draw(st.integers(0, 9)):
        argv.append(draw(st.sampled_from(TARGETS) if draw(st.integers(0, 5)) else st.sampled_from(BAD_TARGETS)))
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            flag = draw(st.sampled_from(sorted(GOOD)))
            good = draw(st.integers(0, 6))
            argv += [flag, draw(st.sampled_from(GOOD[flag]) if good else st.sampled_from(BAD) | st.text(max_size=6))]
        else:
            argv.append(draw(st.sampled_from(FLAGS) if draw(st.integers(0, 19)) else st.just("--help")))
    return argv


@settings(max_examples=300)
@given(command_lines())
def test_fuzz_argv_never_gives_a_traceback(sandbox, argv):
    cwd = os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    os.chdir(sandbox)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(cwd)
    assert code in (0, 1, 2, 3), (argv, code)
    event(f"exit {code}")
    assert "Traceback" not in err.getvalue(), (argv, err.getvalue())
    if code == 2:
        assert "modelcheck: " in err.getvalue() or "usage:" in err.getvalue(), (argv, err.getvalue())


# -- known limitations -------------------------------------------------------------------------------------------------

def test_closed_stdout_does_not_hide_a_violation(in_root, tmp_path):
    """`modelcheck verify ... | head -1` under `set -o pipefail`: when the reader closes the pipe early, main()
    still returns the exit code the command decided before printing: 1 for a violation (a violation never
    exits 0, the FizzBee anti-pattern in STYLE.md), and 0 for `list | head`."""

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    with contextlib.redirect_stdout(ClosedPipe()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["verify", "specs/mutex.py", "--variant", "buggy", "--out", str(tmp_path)])
        assert code == 1
        assert main(["verify", "specs/mutex.py", "--out", str(tmp_path)]) == 0
        assert main(["list", "specs/mutex.py"]) == 0


@pytest.mark.parametrize("flag", [["--graph", "g.dot"], ["--all-violations"]])
def test_matrix_refuses_options_it_cannot_honour(cli, flag):
    code, out, err = cli("verify", "specs/mutex.py", "--matrix", *flag)
    assert code == 2 and out == ""
    assert f"{flag[0]} works on one cell" in one_error_line(err, "usage error")


def test_coverage_table_on_stderr(cli):
    # mutex N=2 (8 states, 15 generated = 1 initial + 14 transitions): each process requests, enters and
    # leaves; the table counts firings and new states per action (new states sum to 7, all but the initial)
    code, out, err = cli("verify", "specs/mutex.py", "--coverage", "--quiet")
    assert code == 0 and "coverage" not in out
    rows = {line.split()[0]: [int(x.replace(",", "")) for x in line.split()[1:]]
            for line in err.splitlines() if line.split() and line.split()[0] in ("request", "enter", "leave")}
    assert sum(f for f, _ in rows.values()) == 14 and sum(n for _, n in rows.values()) == 7


# -- a spec is code ----------------------------------------------------------------------------------------------------

EXITING = '''import sys

import z3

from modelcheck import IntRange, Spec, action, always


class Exiting(Spec):
    check_deadlock = False

    def variables(self):
        return {{"x": IntRange(0, 3)}}

    def init(self):
        yield self.State(x=0)

    @action(guard=lambda self, s: {guard})
    def inc(self, s):
        {effect}
        return s.set(x=s.x + 1)

    @always
    def small(self, v):
        {prop}
        return v.x < 3
'''


@pytest.mark.parametrize("where, guard, effect, prop", [
    ("guard", "s.x < 3 and (s.x < 2 or sys.exit(0))", "pass", "pass"),
    ("effect", "s.x < 3", "sys.exit(0) if s.x == 1 else None", "pass"),
    ("effect", "s.x < 3", "if s.x == 1: raise SystemExit('bye')", "pass"),
    ("property", "s.x < 3", "pass", "exit()"),
])
def test_a_spec_that_exits_is_a_spec_error(cli, tmp_path, where, guard, effect, prop):
    """sys.exit() in a guard, an effect or a property ends as a spec error naming the line, exit 2 (never
    exit 0 with no output)."""
    spec = tmp_path / "exiting.py"
    spec.write_text(EXITING.format(guard=guard, effect=effect, prop=prop))
    code, out, err = cli("verify", spec, "--out", tmp_path / "ce")
    assert code == 2 and out == ""
    line = one_error_line(err, "spec error")
    assert f"{spec}:" in line and "the spec raised SystemExit(" in line and "a spec must not end the process" in line


COIN = '''import itertools

from modelcheck import IntRange, Spec, action, always

_calls = itertools.count()


class Coin(Spec):
    """inc steps by 1 or 2, alternately at each call: a hidden counter outside the state (like random)."""
    check_deadlock = False

    def variables(self):
        return {"x": IntRange(0, 9)}

    def init(self):
        yield self.State(x=0)

    @action(guard=lambda self, s: s.x < 8)
    def inc(self, s):
        return s.set(x=s.x + 1 + next(_calls) % 2)

    @always(vacuous_ok=True)
    def bounded(self, v):
        return v.x <= 9
'''


def test_a_nondeterministic_spec_is_a_model_error_naming_the_action_and_state(cli, tmp_path):
    spec = tmp_path / "coin.py"
    spec.write_text(COIN)
    # with fingerprints (the default), rebuilding a sampled state by re-running its path already diverges
    code, out, err = cli("verify", spec, "--out", tmp_path / "ce")
    assert code == 2 and "VERIFIED" not in out and "nondeterministic" in one_error_line(err, "model error")
    code, out, err = cli("verify", spec, "--out", tmp_path / "ce", "--exact-states")
    assert code == 2
    assert "VERIFIED" not in out and "INCONCLUSIVE" in out and "the spec is not deterministic" in out
    line = one_error_line(err, "model error")
    assert f"{spec}:18: the spec is not deterministic: inc gave two different states (differing in x)" in line
    assert "in state x=0" in line


def test_a_deterministic_spec_passes_the_determinism_check():
    from modelcheck.check import nondeterminism

    from conftest import explore_all, load

    for spec in ("specs/mutex.py", "specs/two_phase_commit.py", "setorder"):
        bound = load(spec).bind()
        res, _ = explore_all(bound)
        assert nondeterminism(bound, res.states) is None, spec


def test_show_says_a_trace_with_its_last_step_cut_off_is_truncated(cli, stored_trace):
    obj = json.loads(stored_trace.read_text())
    obj["steps"].pop()
    stored_trace.write_text(json.dumps(obj))
    code, out, err = cli("show", stored_trace, "--quiet")
    assert code == 2
    assert "the trace is truncated: it records a length of 4 steps but holds 3" in one_error_line(err, "trace error")


def test_show_imports_no_spec_a_trace_points_to_outside_its_places(cli, stored_trace, tmp_path):
    """A trace decides neither an absolute spec path outside the current directory nor one with `..`;
    --spec imports the file the user chooses."""
    evil = tmp_path / "evil.py"
    evil.write_text("raise SystemExit('imported')\n")
    text = stored_trace.read_text()
    for rec in (str(evil), "../../../../../../../../" + str(evil).lstrip("/")):
        stored_trace.write_text(text.replace('"specs/mutex.py"', json.dumps(rec)))
        code, out, err = cli("show", stored_trace, "--quiet")
        assert code == 2
        line = one_error_line(err, "trace error")
        assert "does not import it on a trace's say-so" in line and "pass --spec" in line
    stored_trace.write_text(text.replace('"specs/mutex.py"', json.dumps(str(evil))))
    code, out, err = cli("show", stored_trace, "--quiet", "--spec", os.path.join(ROOT, "specs", "mutex.py"))
    assert code == 0, err
    code, out, err = cli("explain", stored_trace, "--variant", "fixed", "--spec", "specs/mutex.py")
    assert code == 0 and "no longer possible" in out, out + err
