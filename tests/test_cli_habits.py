"""Habits of a Python command-line tool: --version from one source, --help without the heavy imports,
colour that follows NO_COLOR / FORCE_COLOR / TERM=dumb, and a matrix table that fits 120 columns and
prints the same text on every run."""
import importlib.metadata
import io
import json
import os
import shutil
import subprocess
import sys

import pytest

import modelcheck
from modelcheck.cli import TABLE_WIDTH, _tty

from conftest import ROOT, toy


def test_version_has_one_source(cli):
    code, out, err = cli("--version")
    assert code == 0 and out == f"modelcheck {modelcheck.__version__}\n"
    assert importlib.metadata.version("modelcheck") == modelcheck.__version__  # pyproject reads __version__


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["verify", "--help"]])
def test_help_does_not_import_z3_networkx_or_tabulate(argv):
    code = ("import sys; from modelcheck.__main__ import run\n"
            f"sys.argv = ['modelcheck', *{argv!r}]\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in ('z3', 'networkx', 'tabulate') if m in sys.modules), file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "LOADED []" in p.stderr, p.stderr
    assert "usage: modelcheck" in p.stdout or p.stdout.startswith("modelcheck ")


class _Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.mark.parametrize("env, tty, colour", [
    ({}, True, True), ({}, False, False),
    ({"NO_COLOR": "1"}, True, False), ({"NO_COLOR": ""}, True, True),  # an empty NO_COLOR is unset
    ({"FORCE_COLOR": "1"}, False, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
    ({"TERM": "dumb"}, True, False), ({"TERM": "dumb", "FORCE_COLOR": "1"}, False, True),
])
def test_colour_follows_the_environment(monkeypatch, env, tty, colour):
    for k in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert _tty(_Stream(tty)) is colour


def test_show_marks_cells_in_reverse_video_only_when_colour_is_on(cli, tmp_path, monkeypatch):
    assert cli("verify", toy("viewer_frames"), "--variant", "buggy", "--out", tmp_path, "--quiet")[0] == 1
    trace = tmp_path / "viewer_frames.buggy.no_two.json"
    for k in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(k, raising=False)
    assert "\x1b[" not in cli("show", trace)[1]  # captured stdout is not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[7m2\x1b[27m" in cli("show", trace)[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("show", trace)[1]


# -- the matrix table --------------------------------------------------------------------------------------------

MUTEX_TABLE = """\
specs/mutex.py: 4 cells (2 variants x 2 scenarios); every verdict holds over all reachable states of its cell unless
  marked '?'
params: N=2, fixLock=true
scenarios set: two: N=2; three: N=3
| variant   | scenario   | mutual_exclusion   | someone_enters   | deadlock_free   |   states |   depth |
|-----------|------------|--------------------|------------------|-----------------|----------|---------|
| buggy     | two        | ✗4                 | ok               | ok              |       13 |       6 |
| buggy     | three      | ✗4                 | ok               | ok              |       45 |       8 |
| fixed     | two        | ok                 | ok               | ok              |        8 |       3 |
| fixed     | three      | ok                 | ok               | ok              |       20 |       4 |
legend: ok = VERIFIED over all reachable states; ✗n = VIOLATED, shortest counterexample n steps
counterexamples: 2 written to cx/ as SPEC.VARIANT.SCENARIO.PROPERTY.json
"""


def test_matrix_table_is_the_same_text_every_run(cli, tmp_path, monkeypatch):
    # states and depth as test_cli and the mutex docstring count them (8 and 13 for N=2; 20 for fixed N=3);
    # the buggy shortest violation is request, request, enter, enter
    os.mkdir(tmp_path / "specs")
    shutil.copy(os.path.join(ROOT, "specs", "mutex.py"), tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("verify", "specs/mutex.py", "--matrix", "--out", "cx")
    assert code == 1 and out == MUTEX_TABLE
    assert cli("verify", "specs/mutex.py", "--matrix", "--out", "cx")[1] == out  # no timings on stdout
    assert "statistics: 4 cells, total " in err


def test_matrix_with_many_properties_letters_its_columns_and_fits_120(cli, tmp_path, monkeypatch):
    os.mkdir(tmp_path / "specs")
    shutil.copy(toy("ops"), tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("verify", "specs/ops.py", "--matrix", "--out", "cx")
    lines = out.splitlines()
    assert max(len(ln) for ln in lines) <= TABLE_WIDTH
    header = next(ln for ln in lines if ln.startswith("| a "))  # no variants or scenarios: no such columns
    assert [c.strip() for c in header.strip("|").split("|")][:3] == ["a", "b", "c"]
    key = " ".join(ln.strip() for ln in lines if ln.startswith("columns:") or
                   (ln.startswith("  ") and "=" in ln and "legend" not in ln))
    assert "a = implies" in key and "m = deadlock_free" in key  # no key entry split across lines


def test_matrix_json_is_unchanged_by_the_table(cli, tmp_path):
    code, out, _ = cli("verify", "specs/mutex.py", "--matrix", "--json", "--out", tmp_path)
    cells = json.loads(out)["matrix"]
    assert code == 1 and len(cells) == 4 and "states" not in out.splitlines()[0]


def test_the_readme_shows_the_flagship_matrix_caption_as_printed():
    # The README's flagship block is the stdout of `modelcheck verify` (regenerated by pasting it). Running the
    # 36 cells here would take a minute; the caption is computed without exploring, and it is what drifts
    # when the spec gains a parameter or a scenario.
    from modelcheck.cli import matrix_caption
    from modelcheck.config import find_config
    from modelcheck.loader import load_spec

    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    start = text.index("```\n$ modelcheck verify\nspecs/rollback.py: ") + len("```\n$ modelcheck verify\n")  # a README-test block
    block = text[start:text.index("```", start)].splitlines()
    cfg = find_config(ROOT)
    path, cls = load_spec(os.path.join(ROOT, cfg.spec))
    m = cls.matrix or {}
    variants = m.get("variants") or list(cls.variants) or [None]
    scenarios = m.get("scenarios") or list(cls.scenarios) or [None]
    caption = matrix_caption("specs/rollback.py", cls, cls.bind(None, None, {}), variants, scenarios,
                             len(variants) * len(scenarios))
    assert block[:len(caption)] == caption
    assert block[len(caption)].startswith("| variant ") and max(len(ln) for ln in block) <= TABLE_WIDTH
    assert sum(1 for ln in block if ln.startswith("| ") and not ln.startswith("| variant")) == len(variants) * len(scenarios)
