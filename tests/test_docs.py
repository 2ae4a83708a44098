"""docs/spec-api.md is executable: each example block is the file it names under docs/examples/, and each
`modelcheck verify` command shown prints exactly the text block that follows it."""
import os
import re
import shlex

import pytest

import modelcheck.cli  # noqa: F401  (imported outside capsys: Progress binds sys.stderr when its module loads)
from conftest import ROOT

DOC = os.path.join(ROOT, "docs", "spec-api.md")


def _blocks():
    text = open(DOC, encoding="utf-8").read()
    return re.findall(r"```(\w+)\n(.*?)```", text, flags=re.S)


def _examples():
    return [body for lang, body in _blocks() if lang == "python" and body.startswith("# docs/examples/")]


def _commands():
    blocks = _blocks()
    out = []
    for (lang, body), (nxt, shown) in zip(blocks, blocks[1:]):
        if lang == "sh" and body.startswith("modelcheck verify docs/examples/") and nxt == "text":
            out.append((body.strip(), shown))
    return out


def test_the_doc_has_examples_and_commands():
    assert len(_examples()) >= 1 and len(_commands()) >= 1


@pytest.mark.parametrize("body", _examples(), ids=lambda b: b.split("\n")[0][2:])
def test_each_example_block_is_its_file(body):
    path = body.split("\n")[0][2:].strip()
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        assert f.read() == body


@pytest.mark.parametrize("command, shown", _commands(), ids=lambda x: x if x.startswith("modelcheck") else "")
def test_each_command_prints_what_the_doc_shows(cli, command, shown):
    argv = shlex.split(command)[1:]
    code, out, err = cli(*argv)
    assert out == shown, err
    assert code == (1 if "VIOLATED" in shown else 0)
