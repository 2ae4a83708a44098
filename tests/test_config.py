"""modelcheck.config and the commands without SPEC: the default spec comes from [tool.modelcheck] in the
nearest pyproject.toml; outside a project the error says how to name one."""
import os
import shutil

import pytest

from modelcheck.config import find_config

from conftest import ROOT


def one_line(err):
    lines = [ln for ln in err.splitlines() if not ln.startswith("statistics:")]
    assert len(lines) == 1, err
    return lines[0]


def test_the_project_names_its_flagship_in_pyproject():
    cfg = find_config(os.path.join(ROOT, "tests", "specs"))  # found from a subdirectory too
    assert cfg.file == os.path.join(ROOT, "pyproject.toml")
    assert os.path.samefile(cfg.spec, os.path.join(ROOT, "specs", "rollback.py")) and cfg.matrix is True


@pytest.mark.parametrize("command", ["verify", "list", "ablate"])
def test_no_spec_outside_a_project_says_how_to_name_one(cli, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    assert find_config() is None  # the test is only meaningful with no pyproject.toml above tmp_path
    code, out, err = cli(command)
    assert code == 2 and out == ""
    line = one_line(err)
    assert line.startswith("modelcheck: usage error: no SPEC given") and f"modelcheck {command} path/to/spec.py" in line
    assert '[tool.modelcheck] spec = "specs/NAME.py"' in line


@pytest.fixture
def project(tmp_path):
    """A project with the mutex spec and `[tool.modelcheck] spec = "specs/mutex.py"`; returns a writer for
    the table's extra lines."""
    os.mkdir(tmp_path / "specs")
    shutil.copy(os.path.join(ROOT, "specs", "mutex.py"), tmp_path / "specs" / "mutex.py")
    os.mkdir(tmp_path / "deep")

    def write(extra=""):
        (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "p"\n\n[tool.modelcheck]\n'
                                                 f'spec = "specs/mutex.py"\n{extra}')
    write()
    return tmp_path, write


def test_verify_without_spec_checks_the_projects_default(cli, project, monkeypatch):
    root, _ = project
    monkeypatch.chdir(root / "deep")  # from a subdirectory: the spec path is relative to pyproject.toml
    code, out, err = cli("verify", "--variant", "buggy", "--out", root / "cx")
    assert code == 1, err
    assert out.startswith(f"{os.path.join('..', 'specs', 'mutex.py')} [buggy]: always mutual_exclusion: VIOLATED in 4")
    code, out, _ = cli("list")
    assert code == 0 and "spec Mutex" in out.splitlines()[0]


def test_matrix_true_makes_verify_run_the_matrix(cli, project, monkeypatch):
    root, write = project
    monkeypatch.chdir(root)
    code, out, _ = cli("verify", "--out", root / "cx")
    assert code == 0 and "cells" not in out and out.count("mutual_exclusion: VERIFIED") == 1  # one cell
    write("matrix = true\n")
    code, out, _ = cli("verify", "--out", root / "cx")
    assert code == 1 and out.startswith("specs/mutex.py: 4 cells (2 variants x 2 scenarios)")
    code, out, _ = cli("verify", "--variant", "fixed", "--out", root / "cx")  # naming a cell checks that cell
    assert code == 0 and "cells" not in out


@pytest.mark.parametrize("extra, needle", [
    ("matrix = 1\n", "[tool.modelcheck] matrix must be a bool, got 1"),
    ("specs = 'x'\n", "[tool.modelcheck] has no key 'specs'; known: spec, matrix"),
    ("matrix = \n", "not valid TOML"),
])
def test_a_bad_tool_table_is_one_line_exit_2(cli, project, monkeypatch, extra, needle):
    root, write = project
    write(extra)
    monkeypatch.chdir(root)
    code, out, err = cli("verify")
    assert code == 2 and out == ""
    line = one_line(err)
    assert line.startswith(f"modelcheck: usage error: {root / 'pyproject.toml'}: ") and needle in line, line
