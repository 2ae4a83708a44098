"""The JSON Schemas shipped in modelcheck/report/schemas/: every stored counterexample and every trace the toy
specs produce is a valid trace file; the --json report of every command that has one (verify on one cell,
verify --matrix, ablate, and any of them ending in an error) is a valid report; and the schemas can fail."""
import copy
import glob
import json
import os

import jsonschema
import pytest

from modelcheck.codes import REPORT_FORMAT
from modelcheck.report import schema
from modelcheck.trace import FORMAT as TRACE_FORMAT

from conftest import ROOT, toy

Validator = jsonschema.Draft202012Validator


@pytest.fixture(scope="module")
def trace_schema():
    s = schema("trace")
    Validator.check_schema(s)
    return Validator(s)


@pytest.fixture(scope="module")
def report_schema():
    s = schema("report")
    Validator.check_schema(s)
    return Validator(s)


def test_the_schemas_name_the_formats_the_code_writes():
    assert schema("trace")["properties"]["format"]["const"] == TRACE_FORMAT
    assert schema("report")["properties"]["format"]["const"] == REPORT_FORMAT
    with pytest.raises(ValueError, match="no schema 'x'"):
        schema("x")


STORED = sorted(glob.glob(os.path.join(ROOT, "counterexamples", "*.json")))


def test_there_are_stored_counterexamples():
    assert len(STORED) >= 10  # the main job's, checked one by one below


@pytest.mark.parametrize("path", STORED, ids=os.path.basename)
def test_every_stored_counterexample_is_a_valid_trace(trace_schema, path):
    with open(path, encoding="utf-8") as f:
        trace_schema.validate(json.load(f))


def test_traces_of_every_kind_are_valid(cli, tmp_path, trace_schema):
    # counterexamples of always, always_possible and deadlock, and sometimes witnesses
    assert cli("verify", toy("viewer_frames"), "--variant", "buggy", "--out", tmp_path, "--witnesses", tmp_path,
               "--quiet")[0] == 1
    assert cli("verify", "specs/mutex.py", "--variant", "buggy", "--out", tmp_path, "--all-violations", "--quiet")[0] == 1
    # lassos of liveness properties (with `loop`)
    assert cli("verify", os.path.join(ROOT, "docs", "examples", "flicker.py"), "--out", tmp_path, "--quiet")[0] == 1
    kinds = set()
    for path in glob.glob(str(tmp_path / "*.json")):
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
        trace_schema.validate(obj)
        kinds.add((obj["kind"], obj["verdict"], "loop" in obj))
    assert kinds == {("always", "VIOLATED", False), ("always_possible", "VIOLATED", False),
                     ("deadlock", "VIOLATED", False), ("sometimes", "WITNESS", False),
                     ("eventually", "VIOLATED", True), ("leads_to", "VIOLATED", True)}


@pytest.mark.parametrize("mangle, needle", [
    (lambda t: t.pop("steps"), "'steps' is a required property"),
    (lambda t: t["steps"][0].update(action="enter"), "'init' was expected"),
    (lambda t: t.update(verdict="VERIFIED"), "'VERIFIED' is not one of"),
    (lambda t: t.update(format="modelcheck-trace/2"), "'modelcheck-trace/1' was expected"),
    (lambda t: t.update(extra=1), "Additional properties are not allowed"),
])
def test_the_trace_schema_rejects_what_is_not_a_trace(trace_schema, mangle, needle):
    with open(STORED[0], encoding="utf-8") as f:
        t = json.load(f)
    mangle(t)
    errors = [e.message for e in trace_schema.iter_errors(t)]
    assert any(needle in m for m in errors), errors


# -- reports ------------------------------------------------------------------------------------------------------

REPORTS = {
    "verify verified": (["verify", "specs/two_phase_commit.py"], 0),
    "verify violated, all violations": (["verify", "specs/mutex.py", "--variant", "buggy", "--all-violations"], 1),
    "verify inconclusive": (["verify", toy("huge"), "--max-states", "500"], 3),
    "verify model error": (["verify", toy("faulty"), "-p", "fault=effect_raises"], 2),
    "verify deadlock": (["verify", toy("counter"), "-p", "M=1", "-p", "wraps=false"], 1),
    "verify not applicable": (["verify", "specs/rollback.py", "--variant", "pre73", "--scenario", "idle"], 0),
    "verify liveness": (["verify", os.path.join(ROOT, "docs", "examples", "flicker.py")], 1),
    "matrix": (["verify", "specs/mutex.py", "--matrix"], 1),
    "ablate": (["ablate", toy("fixes")], 1),
    "usage error": (["verify", "specs/mutex.py", "-p", "N=9"], 2),
    "spec error": (["verify", "{bad}"], 2),
    "ablate usage error": (["ablate", toy("fixes"), "--scenario", "nope"], 2),
}


@pytest.mark.parametrize("name", REPORTS)
def test_the_json_report_of_every_command_is_valid(cli, tmp_path, report_schema, name):
    argv, want = REPORTS[name]
    bad = tmp_path / "bad.py"
    bad.write_text("import modelcheck\nraise ValueError('broken at import')\n")
    argv = [str(bad) if a == "{bad}" else a for a in argv]
    extra = ["--out", tmp_path] if argv[0] == "verify" else []
    code, out, _ = cli(*argv, *extra, "--json")
    assert code == want
    obj = json.loads(out)
    report_schema.validate(obj)
    assert obj["format"] == REPORT_FORMAT and obj["exit_code"] == code
    if name == "verify not applicable":
        assert obj["not_applicable"] == ["rollback_corrects"]
    if name == "spec error":
        assert obj["error_kind"] == "spec error"


def test_the_report_schema_can_fail(cli, tmp_path, report_schema):
    code, out, _ = cli("verify", "specs/mutex.py", "--variant", "buggy", "--out", tmp_path, "--json")
    good = json.loads(out)
    for mangle in (lambda r: r["verdicts"][0].update(verdict="PASS"),
                   lambda r: r["verdicts"][0].update(bound=""),      # a verdict without its bound
                   lambda r: r.update(report="matrix"),              # the shape must match `report`
                   lambda r: r.pop("format"),
                   lambda r: r["statistics"].update(complete="yes")):
        bad = copy.deepcopy(good)
        mangle(bad)
        assert not report_schema.is_valid(bad)
