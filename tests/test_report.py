"""modelcheck.report: `verify --junit` and `--sarif`, validated against the published schemas vendored in
tests/schemas/ (see PROVENANCE.md there): JUnit against junit-10.xsd, SARIF against the OASIS 2.1.0 schema."""
import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import xmlschema

from conftest import ROOT, toy

SCHEMAS = os.path.join(ROOT, "tests", "schemas")


@pytest.fixture(scope="module")
def junit_schema():
    return xmlschema.XMLSchema10(os.path.join(SCHEMAS, "junit-10.xsd"))


@pytest.fixture(scope="module")
def sarif_validator():
    with open(os.path.join(SCHEMAS, "sarif-schema-2.1.0.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def run(cli, tmp_path, *argv):
    j, s = tmp_path / "out.xml", tmp_path / "out.sarif"
    code, out, err = cli("verify", *argv, "--out", tmp_path / "cx", "--junit", j, "--sarif", s, "--quiet")
    return code, ET.parse(j).getroot(), json.loads(s.read_text()), j, s


def cases(root):
    return {(suite.get("name"), case.get("name")): case for suite in root for case in suite.iter("testcase")}


def test_matrix_one_testcase_per_property_per_cell(cli, tmp_path, junit_schema, sarif_validator):
    code, root, sarif, j, s = run(cli, tmp_path, "specs/mutex.py", "--matrix")
    assert code == 1
    junit_schema.validate(str(j))
    sarif_validator.validate(sarif)
    # 2 variants x 2 scenarios, 3 properties each (mutual_exclusion, someone_enters, deadlock_free)
    assert [(el.tag, el.get("name")) for el in root][:1] == [("testsuite", "specs/mutex.py [buggy/two]")]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("12", "2", "0")
    failed = {k for k, c in cases(root).items() if c.find("failure") is not None}
    assert failed == {("specs/mutex.py [buggy/two]", "always mutual_exclusion"),
                      ("specs/mutex.py [buggy/three]", "always mutual_exclusion")}
    fail = cases(root)[("specs/mutex.py [buggy/two]", "always mutual_exclusion")].find("failure")
    assert fail.get("type") == "VIOLATED" and "VIOLATED in 4 steps" in fail.get("message")
    assert "  4  enter(1)" in fail.text  # the counterexample's steps: request(0), request(1), enter(0), enter(1)
    ok = cases(root)[("specs/mutex.py [fixed/three]", "deadlock_free")]
    assert len(ok) == 1 and ok[0].tag == "system-out" and "all 20 reachable states" in ok[0].text


def test_sarif_one_result_per_violated_property_at_its_definition(cli, tmp_path, sarif_validator):
    code, _, sarif, _, _ = run(cli, tmp_path, "specs/mutex.py", "--matrix")
    sarif_validator.validate(sarif)
    assert sarif["version"] == "2.1.0"
    run_ = sarif["runs"][0]
    assert run_["tool"]["driver"]["name"] == "modelcheck" and run_["invocations"][0]["executionSuccessful"]
    [res] = run_["results"]  # violated in two cells: one result
    with open(os.path.join(ROOT, "specs", "mutex.py")) as f:
        src = f.read().splitlines()
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "specs/mutex.py", "uriBaseId": "SRCROOT"}
    line = loc["region"]["startLine"]
    assert src[line - 1].strip() in ("@always", "def mutual_exclusion(self, v):")  # where the property is defined
    assert res["ruleId"] == "mutual_exclusion" and res["level"] == "error"
    text = res["message"]["text"]
    assert text.startswith("always mutual_exclusion is VIOLATED in 2 of 4 cells; shortest counterexample 4 steps: ")
    trace = res["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert trace.startswith("file:///") and trace.endswith(".mutual_exclusion.json") and trace[len("file://"):] in text


def test_inconclusive_is_an_error_never_a_skip(cli, tmp_path, junit_schema, sarif_validator):
    code, root, sarif, j, _ = run(cli, tmp_path, toy("huge"), "--max-states", "500")
    assert code == 3
    junit_schema.validate(str(j))
    sarif_validator.validate(sarif)
    assert root.get("errors") == str(len(list(root.iter("testcase")))) != "0"
    assert not list(root.iter("skipped")) and not list(root.iter("failure"))
    assert {e.get("type") for e in root.iter("error")} == {"INCONCLUSIVE"}
    run_ = sarif["runs"][0]
    assert run_["results"] == [] and run_["invocations"][0]["executionSuccessful"] is False
    assert all("INCONCLUSIVE" in n["message"]["text"] for n in run_["invocations"][0]["toolExecutionNotifications"])


def test_model_error_is_a_junit_error(cli, tmp_path, junit_schema, sarif_validator):
    code, root, sarif, j, _ = run(cli, tmp_path, toy("faulty"), "-p", "fault=effect_raises")
    assert code == 2
    junit_schema.validate(str(j))
    sarif_validator.validate(sarif)
    assert [e.get("type") for e in root.iter("error") if e.get("type") != "INCONCLUSIVE"] == ["model error"]


def test_verified_run_has_no_results(cli, tmp_path, junit_schema, sarif_validator):
    code, root, sarif, j, _ = run(cli, tmp_path, "specs/two_phase_commit.py")
    assert code == 0
    junit_schema.validate(str(j))
    sarif_validator.validate(sarif)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "0", "0")
    assert sarif["runs"][0]["results"] == []


def test_an_unwritable_report_is_exit_2_but_a_violation_stays_1(cli, tmp_path):
    (tmp_path / "dir.xml").mkdir()
    code, out, err = cli("verify", "specs/mutex.py", "--out", tmp_path, "--sarif", tmp_path / "dir.xml")
    assert code == 2 and f"modelcheck: error: cannot write {tmp_path / 'dir.xml'}: " in err
    code, out, err = cli("verify", "specs/mutex.py", "--variant", "buggy", "--out", tmp_path,
                         "--junit", tmp_path / "dir.xml")
    assert code == 1 and "cannot write" in err
