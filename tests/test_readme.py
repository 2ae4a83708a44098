"""The README is executable: every `modelcheck ...` command it shows runs as written, exits with the code
the README implies, prints the output the README shows, and changes no file of the repository.

RULES FOR README EDITORS (keep this test green):

1. Where commands are found:
   a. in ```sh blocks: every `modelcheck ...` (or `.venv/bin/modelcheck ...`) up to `&&`, `;`, `|` or the
      end of the line (the install steps and `bash scripts/test.sh` around them are not run);
   b. in any fenced block, a line `$ modelcheck ...`; the lines after it, up to the next `$ ` line or the
      end of the block, are its expected output (stdout);
   c. inline code spans in prose: `modelcheck ...` (not in headings, which name a command).
2. A synopsis is not run: a command with a placeholder (an all-caps word such as SPEC, S, V, N, MB,
   COMMAND, TRACE.json, OUT.html, K=V) or an optional part in [brackets]. To have a command tested,
   write it concretely (`--scenario active`, not `--scenario S`).
3. Every command that is run must have its exit code in EXIT_CODES below (a command that takes minutes
   goes in LIMITED too, and runs with `--max-states 1`) (0 VERIFIED or shown, 1 VIOLATED,
   3 INCONCLUSIVE; a README command that exits 2 is a bug in the README or the CLI). A command missing
   from the table, or a table entry the README no longer shows, fails the test: edit both together.
4. Commands run once each, in README order, in a scratch copy of this checkout (its tracked and
   untracked-but-not-ignored files, committed into a fresh git repository), with this checkout's
   `modelcheck`, COLUMNS=100 and no terminal. A command may use the files an earlier one wrote.
5. Expected output (rule 1b) is compared with stdout line by line, modulo timings (`12.3 s` and
   `(0.1 s)` become `<T> s`) and trailing spaces. A line holding only `…` stands for any number of lines
   (to elide the middle of a long output). So sample outputs must be pasted from a real run.
6. The sample outputs of the main job (`$ modelcheck verify`, its matrix table) and of `$ modelcheck ablate`
   are shown that way, so rule 5 keeps them equal to real runs.
7. After each command, `git status --porcelain` in the scratch copy is empty: a README command never
   changes, deletes or adds a file the repository tracks (outputs it writes must be gitignored, like
   the traces of runs with -p in counterexamples/, or go to a scratch directory).

The heavy commands (the main matrix, ~20 s; `ablate`, ~35 s) run once, and every assertion shares the
results.
"""
from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from conftest import ROOT

# command as written in the README (without a `.venv/bin/` prefix) -> its exit code, and why
EXIT_CODES = {
    "modelcheck verify": 1,                      # the main job: pre73 and phase73 are violated
    "modelcheck list": 0,
    "modelcheck --version": 0,
    "modelcheck prove two_phase_commit -p RMs=20 --induction 1 --mine --property consistent": 0,   # PROVED (about 4 s)
    "modelcheck verify specs/two_phase_commit.py -p RMs=7": 0,
    "modelcheck verify --matrix deep --out /tmp/modelcheck-deep": 3,   # run with --max-states 1 (LIMITED)
    "modelcheck verify --matrix episodes --out /tmp/modelcheck-episodes": 3,   # LIMITED (two episodes)
    "modelcheck verify --matrix deep_episodes --out /tmp/modelcheck-deep-episodes": 3,   # LIMITED
    "modelcheck verify specs/rollback.py --variant phase73 --scenario active_latency -p E=0 -p R=3": 0,
    "modelcheck verify specs/rollback.py --variant phase73 --scenario active_latency -p E=0 -p R=3 -p episodes=2": 1,
    "modelcheck ablate --fix fixA --fix fixB --fix fixC --fix fixD": 1,   # every subset of A-D still violates
    "modelcheck verify --matrix truthful": 0,    # the truthful variant verifies in all 12 scenarios
    "modelcheck verify --matrix truthful_deep --out /tmp/modelcheck-truthful-deep": 3,   # LIMITED
    "modelcheck verify --matrix truthful_episodes --out /tmp/modelcheck-truthful-episodes": 3,   # LIMITED
    "modelcheck ablate --base phase73 --leave-one-out": 3,   # LIMITED (307 s measured)
    "modelcheck verify --variant phase73 --scenario active_latency --all-violations": 1,
    "modelcheck verify specs/rollback.py --variant pre73 --scenario active -p K=3": 1,   # section 9's path
    "modelcheck show counterexamples/rollback.pre73.active.K=3.canonical_truthful.json": 0,
    "modelcheck explain counterexamples/rollback.pre73.active.canonical_truthful.json --variant phase73": 0,
}

# Commands that take minutes (the README says how long): run as written plus `--max-states 1`, so the test
# still checks that they parse, load and start every cell; their exit code above is then 3 (INCONCLUSIVE).
LIMITED = {
    "modelcheck verify --matrix deep --out /tmp/modelcheck-deep",  # 36 cells at N=4 etc.: 775 s measured
    "modelcheck verify --matrix episodes --out /tmp/modelcheck-episodes",  # 30 cells, two episodes: minutes
    "modelcheck verify --matrix deep_episodes --out /tmp/modelcheck-deep-episodes",  # 2 cells, 8 s measured
    "modelcheck verify --matrix truthful_deep --out /tmp/modelcheck-truthful-deep",   # 701 s measured
    "modelcheck verify --matrix truthful_episodes --out /tmp/modelcheck-truthful-episodes",   # 5 cells, 48 s
    "modelcheck ablate --base phase73 --leave-one-out",   # 108 cells: 307 s measured
}

PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z0-9_]*(?:\.[a-z][a-z.]*)?|[A-Z][A-Z0-9_]*=[A-Z][A-Z0-9_]*)$")
COMMAND = re.compile(r"^(?:\S*/)?modelcheck\s+\S")


@dataclass
class Shown:
    command: str
    line: int                                  # README line number (1-based)
    expected: list[str] | None = None          # the output shown after a `$ ` line


@dataclass
class Ran:
    command: str
    code: int
    out: str
    err: str
    status: str                                # `git status --porcelain` after the command
    shown: list[Shown] = field(default_factory=list)


def _command(text: str) -> str | None:
    """`modelcheck ARGS` for a concrete command; None for a synopsis or something else."""
    text = text.strip()
    if not COMMAND.match(text):
        return None
    try:
        tokens = shlex.split(text)
    except ValueError:
        return None
    if any(PLACEHOLDER.match(t) or "[" in t or "]" in t or t in ("...", "…") for t in tokens[1:]):
        return None
    return " ".join(["modelcheck"] + [shlex.quote(t) for t in tokens[1:]])


def readme_commands(text: str) -> list[Shown]:
    """Every concrete command the README shows, with its expected output where it shows one (rules 1, 2)."""
    shown: list[Shown] = []
    fence: str | None = None
    current: Shown | None = None
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            if fence is None:
                fence = line[3:].strip() or "text"
            else:
                fence, current = None, None
            continue
        if fence is not None:
            if line.startswith("$ "):
                current = None
                cmd = _command(line[2:])
                if cmd is not None:
                    current = Shown(cmd, n, [])
                    shown.append(current)
            elif current is not None:
                current.expected.append(line)
            elif fence in ("sh", "bash", "shell", "console"):
                for part in re.split(r"&&|;|\|", line):
                    cmd = _command(part)
                    if cmd is not None:
                        shown.append(Shown(cmd, n))
            continue
        if line.startswith("#"):
            continue
        for span in re.findall(r"`([^`]+)`", line):
            cmd = _command(span)
            if cmd is not None:
                shown.append(Shown(cmd, n))
    return shown


with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as _f:
    README = _f.read()
SHOWN = readme_commands(README)
COMMANDS = list(dict.fromkeys(s.command for s in SHOWN))


def _git(cwd, *args) -> str:
    return subprocess.run(["git", "-c", "user.name=readme", "-c", "user.email=readme@test", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, Ran]:
    """Run every README command once, in README order, in a scratch copy of this checkout (rule 4)."""
    scratch = tmp_path_factory.mktemp("readme") / "repo"
    listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for rel in filter(None, listed):
        src = os.path.join(ROOT, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(scratch, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(scratch, rel))
    _git(scratch, "init", "-q")
    _git(scratch, "add", "-A")
    _git(scratch, "commit", "-q", "-m", "scratch copy")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MODELCHECK_", "COLUMNS", "LINES"))}
    env.update(PYTHONPATH=ROOT + os.pathsep + env.get("PYTHONPATH", ""), COLUMNS="100", NO_COLOR="1")
    out: dict[str, Ran] = {}
    for cmd in COMMANDS:
        extra = ["--max-states", "1"] if cmd in LIMITED else []
        p = subprocess.run([sys.executable, "-m", "modelcheck", *shlex.split(cmd)[1:], *extra], cwd=scratch, env=env,
                           capture_output=True, text=True, timeout=600)
        status = _git(scratch, "status", "--porcelain")
        out[cmd] = Ran(cmd, p.returncode, p.stdout, p.stderr, status, [s for s in SHOWN if s.command == cmd])
    return out


def _normalise(line: str) -> str:
    return re.sub(r"\d[\d,]*(?:\.\d+)? s\b", "<T> s", line).rstrip()


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Line-by-line equality where an expected line `…` stands for any number of lines (rule 5)."""
    e = [_normalise(x) for x in expected]
    a = [_normalise(x) for x in actual]
    while e and not e[-1]:
        e.pop()
    while a and not a[-1]:
        a.pop()

    def match(i: int, j: int) -> bool:
        if i == len(e):
            return j == len(a)
        if e[i].strip() == "…":
            return any(match(i + 1, k) for k in range(j, len(a) + 1))
        return j < len(a) and e[i] == a[j] and match(i + 1, j + 1)

    return match(0, 0)


def test_the_readme_shows_the_commands_this_test_knows():
    """Rule 3: the README's commands and EXIT_CODES list the same commands."""
    assert COMMANDS, "no command found in the README"
    missing = [c for c in COMMANDS if c not in EXIT_CODES]
    stale = [c for c in EXIT_CODES if c not in COMMANDS]
    assert not missing, f"README commands without an exit code in tests/test_readme.py EXIT_CODES: {missing}"
    assert not stale, f"EXIT_CODES entries the README no longer shows (drop them): {stale}"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_readme_command_runs_as_written(ran, cmd):
    r = ran[cmd]
    lines = ", ".join(str(s.line) for s in r.shown)
    assert "Traceback" not in r.err, r.err
    assert r.code == EXIT_CODES.get(cmd), (f"README line {lines}: `{cmd}` exited {r.code}, the README implies "
                                           f"{EXIT_CODES.get(cmd)}; stderr:\n{r.err[-2000:]}")
    assert r.status == "", f"README line {lines}: `{cmd}` changed files of the repository:\n{r.status}"
    for s in r.shown:
        if s.expected is not None and not _matches(s.expected, r.out.splitlines()):
            diff = "\n".join(difflib.unified_diff([_normalise(x) for x in s.expected],
                                                  [_normalise(x) for x in r.out.splitlines()],
                                                  "README", "printed", lineterm="", n=1))
            pytest.fail(f"README line {s.line}: the output shown for `{cmd}` is not what it prints (modulo timings); "
                        f"paste the real output (a `…` line elides). Differences (`…` lines show up here too):\n{diff}")


def test_the_main_table_and_the_ablation_are_checked_outputs():
    """Rule 6: the README's big samples are `$` blocks, compared with real runs by the test above."""
    for cmd, needle in (("modelcheck verify", "| variant"), ("modelcheck ablate --fix fixA --fix fixB --fix fixC --fix fixD", "| fixes")):
        assert any(s.command == cmd and s.expected and any(needle in ln for ln in s.expected) for s in SHOWN), (
            f"the README should show the output of `{cmd}` in a block that starts with `$ {cmd}`")


def test_rule_examples():
    """The extraction rules on small cases (so an editor can trust what the test runs)."""
    text = "\n".join([
        "Run `modelcheck list` or `modelcheck verify SPEC`, `modelcheck show TRACE.json [--html OUT.html]`.",
        "```sh", "python3 -m venv .venv && .venv/bin/modelcheck verify && bash scripts/test.sh", "```",
        "```", "$ modelcheck explain a.json --variant fixA", "line 1", "…", "$ echo hi", "hi", "```",
        "`modelcheck verify -p K=V` and `modelcheck verify -p K=3 --scenario S`",
        "### The `modelcheck explain` command",
    ])
    got = [(s.command, s.line, s.expected) for s in readme_commands(text)]
    assert got == [("modelcheck list", 1, None), ("modelcheck verify", 3, None),
                   ("modelcheck explain a.json --variant fixA", 6, ["line 1", "…"])]
    assert _matches(["a", "…", "took 1.5 s"], ["a", "b", "c", "took 22.0 s"])
    assert _matches(["a", "…"], ["a"]) and not _matches(["a", "b"], ["a", "c"])
