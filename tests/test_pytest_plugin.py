"""The pytest plugin (entry point pytest11): `pytest --modelcheck specs/` collects the cells the specs declare in
`expect` and checks them; the project's own specs/ pass, and a wrong expectation fails with the verdicts and
the counterexample."""
import os
import shutil
import subprocess
import sys

from conftest import ROOT


def pytest_run(*argv, cwd):
    p = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *argv], cwd=cwd,
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def test_our_specs_pass_their_declared_verdicts():
    code, out = pytest_run("--modelcheck", "specs/", "-v", cwd=ROOT)
    assert code == 0, out
    assert "plugins:" in out and "modelcheck-" in out  # loaded through the entry point
    for item in ["specs/mutex.py::buggy/two PASSED", "specs/mutex.py::fixed/three PASSED",
                 "specs/two_phase_commit.py::-/rm3 PASSED", "specs/two_phase_commit.py::-/rm5 PASSED"]:
        assert item in out
    assert "6 passed" in out  # rollback.py declares no expectations (yet): no items from it


def test_without_the_option_nothing_is_collected_from_specs():
    code, out = pytest_run("specs/", cwd=ROOT)
    assert code == 5 and "no tests ran" in out


def test_a_wrong_expectation_fails_with_the_counterexample(tmp_path):
    os.mkdir(tmp_path / "specs")
    src = open(os.path.join(ROOT, "specs", "mutex.py")).read()
    wrong = src.replace('expect = {"buggy/*": {"mutual_exclusion": "VIOLATED"}, "fixed/*": "VERIFIED"}',
                        'expect = {"buggy/two": "VERIFIED"}')
    assert wrong != src
    (tmp_path / "specs" / "mutex.py").write_text(wrong)
    code, out = pytest_run("--modelcheck", "specs", cwd=tmp_path)
    assert code == 1, out
    assert "verdicts differ from the spec's expect: mutual_exclusion: expected VERIFIED, got VIOLATED" in out
    assert "always mutual_exclusion is VIOLATED at step 4" in out and "1 failed" in out


def test_a_broken_expect_is_a_collection_error(tmp_path):
    os.mkdir(tmp_path / "specs")
    src = open(os.path.join(ROOT, "specs", "mutex.py")).read()
    (tmp_path / "specs" / "mutex.py").write_text(src.replace('"fixed/*": "VERIFIED"', '"fixd/*": "VERIFIED"'))
    code, out = pytest_run("--modelcheck", "specs", cwd=tmp_path)
    assert code == 2 and "modelcheck: " in out and "unknown name 'fixd'" in out, out
