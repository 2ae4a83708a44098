"""Specs that are more than one file (issue 10 item 5): a spec module imports a module beside it by name,
and a spec package (a directory with __init__.py) imports its parts relatively. No sys.path workaround in
the spec; after loading, sys.path is as it was. Named matrices (`verify --matrix NAME`, the spec's
`matrices`) are tested here too, on a toy spec."""
import json
import sys
import textwrap

import pytest

from modelcheck.cli import main
from modelcheck.loader import load_spec
from modelcheck.spec import UsageError

COUNTER = '''
from modelcheck import IntRange, Spec, action, param, sometimes
{imports}

class Counter(Spec):
    """x counts up to M."""
    M = param(2, IntRange(1, 5), "the largest value of x")
    variants = {{"big": {{"M": 3}}}}
    scenarios = {{"one": {{}}, "two": {{}}}}
    matrices = {{"wide": {{"variants": ["big"], "scenarios": ["two"], "params": {{"M": 4}}}}}}

    def variables(self):
        return {{"x": IntRange(0, self.M)}}

    def init(self):
        yield self.State(x=START)

    @action(guard=lambda self, s: s.x < self.M)
    def inc(self, s):
        """x grows by one."""
        return s.set(x=step(s.x))

    @sometimes
    def reaches(self, v):
        """x reaches LIMIT (x = M is a deadlock: inc stops there)."""
        return v.x == LIMIT
'''


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def verdicts(capsys):
    """property -> (verdict, steps) from the last `verify --json` output."""
    report = json.loads(capsys.readouterr().out)
    return {v["property"]: (v["verdict"], v["steps"]) for v in report["verdicts"]}


def cells(capsys):
    """[(variant, scenario, deadlock steps)] from the last `verify --matrix --json` output."""
    return [(c["variant"], c["scenario"], next(v["steps"] for v in c["verdicts"] if v["property"] == "deadlock_free"))
            for c in json.loads(capsys.readouterr().out)["matrix"]]


def test_a_spec_file_imports_a_sibling_module(tmp_path, capsys):
    write(tmp_path / "counter_helpers.py", "START = 0\nLIMIT = 1\n\ndef step(x):\n    return x + 1\n")
    spec = write(tmp_path / "counter_spec.py", COUNTER.format(imports="from counter_helpers import LIMIT, START, step"))
    before = list(sys.path)
    path, cls = load_spec(str(spec))
    assert cls.__name__ == "Counter" and sys.path == before
    assert main(["verify", str(spec), "--json", "--out", str(tmp_path / "cx")]) == 1   # the deadlock at x = M
    assert verdicts(capsys) == {"reaches": ("VERIFIED", 1), "deadlock_free": ("VIOLATED", 2)}


def test_a_spec_package_imports_its_parts(tmp_path, capsys):
    pkg = tmp_path / "counter_pkg"
    write(pkg / "consts.py", "START = 0\nLIMIT = 2\n")
    write(pkg / "model.py", COUNTER.format(imports="from .consts import LIMIT, START\nfrom .steps import step"))
    write(pkg / "steps.py", "def step(x):\n    return x + 2\n")
    write(pkg / "__init__.py", "from .model import Counter\n")
    path, cls = load_spec(str(pkg) + "/")
    assert cls.__name__ == "Counter" and path == str(pkg)
    # the package's parts really run: x steps by 2 (steps.py), so LIMIT = 2 = M is reached in one step
    assert main(["verify", str(pkg), "--json", "--out", str(tmp_path / "cx")]) == 1
    assert verdicts(capsys) == {"reaches": ("VERIFIED", 1), "deadlock_free": ("VIOLATED", 1)}


def test_a_directory_without_init_is_refused(tmp_path):
    (tmp_path / "loose").mkdir()
    with pytest.raises(UsageError, match="without __init__.py"):
        load_spec(str(tmp_path / "loose"))


def test_named_matrix_runs_its_cells_with_its_params(tmp_path, capsys):
    write(tmp_path / "h.py", "START = 0\nLIMIT = 1\n\ndef step(x):\n    return x + 1\n")
    spec = str(write(tmp_path / "m.py", COUNTER.format(imports="from h import LIMIT, START, step")))
    out = ["--json", "--out", str(tmp_path / "cx")]
    assert main(["verify", spec, "--matrix", *out]) == 1
    assert cells(capsys) == [("big", "one", 3), ("big", "two", 3)]   # every variant x scenario; big: M=3
    assert main(["verify", spec, "--matrix", "wide", *out]) == 1
    assert cells(capsys) == [("big", "two", 4)]                       # the matrix's params: M=4
    assert main(["verify", spec, "--matrix", "wide", "-p", "M=1", *out]) == 1
    assert cells(capsys) == [("big", "two", 1)]                       # -p wins over them
    assert main(["verify", spec, "--matrix", "nope"]) == 2
    assert "unknown matrix 'nope'; known: default, wide" in capsys.readouterr().err


def test_matrix_flag_before_the_spec_still_names_the_spec(tmp_path, capsys):
    write(tmp_path / "h2.py", "START = 0\nLIMIT = 1\n\ndef step(x):\n    return x + 1\n")
    spec = str(write(tmp_path / "m2.py", COUNTER.format(imports="from h2 import LIMIT, START, step")))
    assert main(["verify", "--matrix", spec, "--json", "--out", str(tmp_path / "cx")]) == 1
    assert len(cells(capsys)) == 2
