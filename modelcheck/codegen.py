"""Compiling generated Python source so that tracebacks through it show real lines.

Code built at run time (a spec's successor function, a property translated from Z3, a domain check)
is compiled under a unique pseudo-file name registered in `linecache`, as attrs does in
`_linecache_and_compile`: a guard or property that raises then shows the generated line that
called it instead of `File "<string>", line 1`.
"""
from __future__ import annotations

import itertools
import linecache
from typing import Any, Callable

__all__ = ["run_source", "make_lambda"]

_serial = itertools.count(1)


def _register(src: str, what: str) -> str:
    filename = f"<modelcheck generated {what} #{next(_serial)}>"
    if not src.endswith("\n"):
        src += "\n"
    # mtime None: linecache.checkcache() leaves entries without a real file alone
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    return filename


def run_source(src: str, what: str, ns: dict[str, Any]) -> dict[str, Any]:
    """Execute `src` (definitions) in namespace `ns` under a linecache-registered file name; return `ns`."""
    exec(compile(src, _register(src, what), "exec"), ns)
    return ns


def make_lambda(params: str, body: str, what: str, ns: dict[str, Any]) -> Callable:
    """The function `lambda PARAMS: BODY` compiled in namespace `ns`, its source in linecache."""
    src = f"_generated = lambda {params}: {body}\n"
    return run_source(src, what, ns).pop("_generated")
