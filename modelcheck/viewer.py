"""Showing a trace to a person: a terminal table and a self-contained HTML page.

Rendering only: nothing here explores or checks. A `TraceView` is built from a trace that has been
replayed against its spec (`trace.replay`), the spec's types (their `show`), and two optional spec
methods:

- `grid(self, s) -> list[tuple[str, dict[str, str]]]`: one row per frame (or process, slot...) of
  the state `s`: the row label and its cells, column name -> display text. Columns are shown in the
  order they first appear; a row may leave a column out (shown empty).
- `grid_marks(self, s, prop_name) -> set[tuple[str, str]]`: the (row label, column) cells that break
  the property `prop_name` in the state `s`. Called only on the last state of a counterexample.
  Without it no grid cell is marked; the verdict line still names the false conjuncts of the
  property's Z3 formula and their values, and the page highlights the variables they read.

The viewer knows no particular spec: everything comes from the trace, the spec's types and these
methods.

>>> view = open_trace("counterexamples/mutex.buggy.mutual_exclusion.json")  # doctest: +SKIP
>>> print(render_text(view))                                               # doctest: +SKIP
"""
from __future__ import annotations

import difflib
import html
import inspect
import json
import re
import shutil
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any

from tabulate import tabulate

from .spec import BoundSpec, SpecError, UsageError, lanes_of
from .trace import Trace, TraceError, bind_trace, find_spec, load, replay
from .types import MapOf, TupleOf
from .types import diff as diff_values
from .z3bridge import compile_properties, false_conjuncts

__all__ = ["StepView", "TraceView", "open_trace", "bind_trace", "find_spec", "build_view", "render_text",
           "render_html"]

# A value shown whole in a step's changes when old and new together are at most this long; a longer
# tuple, map or set is shown element by element (only the elements that changed).
_WHOLE = 56


@dataclass
class StepView:
    """One step as shown: the action, what it models, the whole state and what changed."""

    index: int
    action: str                             # action name, "init" for the first state
    label: str                              # action with its arguments: "enter(0)"
    doc: str                                # first line of the action's docstring
    state: dict[str, str]                   # variable -> shown value
    changed: list[str]                      # variables that differ from the previous step
    diff: list[tuple[str, str | None, str]]  # (variable or element path, old, new) shown; old None:
                                             # new is a set's change, "+{added} -{removed}"
    grid: list[tuple[str, dict[str, str]]] | None = None
    lane: str | None = None                 # the party that took this step (None for the initial state)
    waiting: dict[str, str] = field(default_factory=dict)   # lane -> what its task awaits after this step


@dataclass
class Message:
    """A message in flight between two steps (from the spec's `in_flight(s)`): sent by the step that put it
    in flight, and delivered or lost (`message_loss`) by the step that took it out; `end` None: still in
    flight at the end of the trace."""

    label: str
    sent: int
    sent_lane: str | None
    end: int | None = None
    end_lane: str | None = None
    lost: bool = False
    overtaken: bool = False                 # a message sent after it arrived before it


@dataclass
class TraceView:
    """A replayed trace ready to render."""

    trace: Trace
    bound: BoundSpec
    spec_path: str
    source: str | None                      # the trace file, if it came from one
    steps: list[StepView]
    grid_columns: list[str]
    marks: set[tuple[str, str]]             # grid cells that break the property, in the last state
    reasons: list[tuple[str, list[tuple[str, str]]]]  # false conjuncts: (formula, [(leaf, value)])
    culprits: list[str]                     # variables the false conjuncts read
    headline: str                           # "always mutual_exclusion: VIOLATED in 4 steps"
    why: str                                # names the property and why it fails (or holds)
    violation: int                          # the step where it breaks (or holds): the last one
    notes: list[str] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)   # the spec's grid_legend(): (code, meaning)
    lanes: list[str] = field(default_factory=list)                # the parties, in the spec's order
    messages: list[Message] = field(default_factory=list)
    states: list[Any] = field(default_factory=list)               # the replayed states, one per step
    source_urls: dict[str, str] = field(default_factory=dict)     # the spec's source_url: prefix -> template

    @property
    def violated(self) -> bool:
        return self.trace.verdict == "VIOLATED"


# -- loading --------------------------------------------------------------------------------------------

def open_trace(path: str, spec: str | None = None) -> TraceView:
    """Load a trace file, find and bind its spec, replay it, and build its view.

    Raises TraceError (one line) for a missing file, a file that is not a trace, a spec that cannot be
    found, or a trace that no longer replays (naming the step that diverges)."""
    trace = load(path)
    try:
        spec_path, bound = bind_trace(trace, path, spec)  # `spec`: the user's choice over the trace's
        return build_view(bound, trace, spec_path, source=path)
    except TraceError as e:
        raise TraceError(f"{path}: {e}") from None


# -- building the view -----------------------------------------------------------------------------------

def _first_line(doc: str | None) -> str:
    doc = (doc or "").strip()
    return doc.splitlines()[0].strip() if doc else ""


def _grid(bound: BoundSpec, state: Any) -> list[tuple[str, dict[str, str]]] | None:
    fn = getattr(bound.inst, "grid", None)
    if fn is None or not callable(fn):
        return None
    where = _where(fn)
    try:
        rows = fn(state)
    except Exception as e:
        raise SpecError(f"{where}: {bound.name}.grid(s) raised {type(e).__name__}: {e}") from e
    out = []
    for row in rows if isinstance(rows, (list, tuple)) else [None]:
        if not (isinstance(row, (tuple, list)) and len(row) == 2 and isinstance(row[1], dict)):
            raise SpecError(f"{where}: {bound.name}.grid(s) must return a list of (row label, "
                            f"{{column: text}}) pairs, got {row!r:.120}")
        out.append((str(row[0]), {str(k): "" if v is None else str(v) for k, v in row[1].items()}))
    return out


def _where(fn: Any) -> str:
    try:
        code = inspect.unwrap(fn).__code__
        return f"{code.co_filename}:{code.co_firstlineno}"
    except AttributeError:
        return "<unknown>"


def _marks(bound: BoundSpec, state: Any, prop: str) -> set[tuple[str, str]]:
    fn = getattr(bound.inst, "grid_marks", None)
    if fn is None or not callable(fn):
        return set()
    try:
        got = fn(state, prop)
    except Exception as e:
        raise SpecError(f"{_where(fn)}: {bound.name}.grid_marks(s, prop) raised {type(e).__name__}: {e}") from e
    out = set()
    for cell in got or ():
        if not (isinstance(cell, (tuple, list)) and len(cell) == 2):
            raise SpecError(f"{_where(fn)}: {bound.name}.grid_marks(s, prop) must return a set of "
                            f"(row label, column) pairs, got {cell!r:.120}")
        out.add((str(cell[0]), str(cell[1])))
    return out


def _hook(bound: BoundSpec, name: str, *args: Any) -> Any:
    """Call the optional spec method `name` (None if the spec has none); what it raises is a SpecError."""
    fn = getattr(bound.inst, name, None)
    if fn is None or not callable(fn):
        return None
    try:
        return fn(*args)
    except Exception as e:
        raise SpecError(f"{_where(fn)}: {bound.name}.{name}() raised {type(e).__name__}: {e}") from e


def _lane_status(bound: BoundSpec, s: Any, lanes: list[str]) -> dict[str, str]:
    got = _hook(bound, "lane_status", s)
    if got is None:
        return {}
    if not isinstance(got, dict) or not all(k in lanes and isinstance(v, str) for k, v in got.items()):
        raise SpecError(f"{_where(bound.inst.lane_status)}: {bound.name}.lane_status(s) must return a dict lane -> "
                        f"text, with lanes from {lanes}; got {got!r:.120}")
    return got


def _messages(bound: BoundSpec, states: list[Any], steps: list[StepView]) -> list[Message]:
    """The messages of the trace, from the spec's `in_flight(s)` in each state: one appears when a step puts
    it in flight and ends when a step takes it out (lost if that step's action is in `message_loss`)."""
    if not callable(getattr(bound.inst, "in_flight", None)):
        return []
    loss = set(getattr(bound.cls, "message_loss", ()))
    out: list[Message] = []
    open_: dict[Any, Message] = {}
    for i, (s, st) in enumerate(zip(states, steps)):
        now = _hook(bound, "in_flight", s)
        if not isinstance(now, dict):
            raise SpecError(f"{_where(bound.inst.in_flight)}: {bound.name}.in_flight(s) must return a dict "
                            f"message id -> label; got {now!r:.120}")
        for key in [k for k in open_ if k not in now]:
            m = open_.pop(key)
            m.end, m.end_lane, m.lost = i, st.lane, st.action in loss
        for key, label in now.items():
            if key not in open_:
                open_[key] = Message(str(label), i, st.lane)
                out.append(open_[key])
    for m in out:
        m.overtaken = m.end is not None and not m.lost and any(
            o.sent > m.sent and o.end is not None and not o.lost and o.end < m.end for o in out)
    return out


def _legend(bound: BoundSpec) -> list[tuple[str, str]]:
    """The spec's `grid_legend()` (a method or a dict attribute): code -> what it means, in order."""
    got = getattr(bound.inst, "grid_legend", None)
    if got is None:
        return []
    where = _where(got) if callable(got) else bound.cls._where
    try:
        got = got() if callable(got) else got
    except Exception as e:
        raise SpecError(f"{where}: {bound.name}.grid_legend() raised {type(e).__name__}: {e}") from e
    pairs = list(got.items()) if isinstance(got, dict) else got
    if not isinstance(pairs, (list, tuple)) or not all(
            isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs):
        raise SpecError(f"{where}: {bound.name}.grid_legend must be a dict (or list of pairs) code -> meaning, "
                        f"both text; got {got!r:.120}")
    return [(str(c), str(m)) for c, m in pairs]


def _source_urls(bound: BoundSpec) -> dict[str, str]:
    """The spec's `source_url`: one URL template, or a dict reference prefix -> template ("" for a bare
    `L123`), with `{line}` (and optionally `{end}`) for the cited lines."""
    got = getattr(bound.cls, "source_url", None)
    if got is None:
        return {}
    urls = {"": got} if isinstance(got, str) else got
    if not (isinstance(urls, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in urls.items())):
        raise SpecError(f"{bound.cls._where}: {bound.name}.source_url must be a URL template or a dict "
                        f"prefix -> template; got {got!r:.120}")
    for k, v in urls.items():
        if not re.match(r"https?://", v) or "{line}" not in v:
            raise SpecError(f"{bound.cls._where}: {bound.name}.source_url[{k!r}] = {v!r:.120} must be an http(s) "
                            f"URL template with {{line}} (and optionally {{end}})")
    return urls


# `L120`, `L120-L131`, `L120-131`, `fix:L120`: upstream line references in action docstrings
_LINE_REF = re.compile(r"\b(?:([A-Za-z_][\w.-]*):)?L(\d+)(?:-L?(\d+))?\b")


def link_parts(text: str, urls: dict[str, str]) -> list[list[str | None]]:
    """`text` cut into [piece, url or None]: each line reference whose prefix has a template becomes a link."""
    out: list[list[str | None]] = []
    pos = 0
    for m in _LINE_REF.finditer(text) if urls else ():
        tmpl = urls.get(m.group(1) or "")
        if tmpl is None:
            continue
        if m.start() > pos:
            out.append([text[pos:m.start()], None])
        line, end = m.group(2), m.group(3) or m.group(2)
        out.append([m.group(0), tmpl.replace("{line}", line).replace("{end}", end)])
        pos = m.end()
    if pos < len(text) or not out:
        out.append([text[pos:], None])
    return out


def _leaf_value(leaf: Any, raw: str) -> str:
    if leaf is None:
        return raw
    if leaf.sort == "bool":
        return "true" if raw == "True" else "false"
    shown = leaf.type.show(int(raw)) if leaf.type is not None else raw
    return shown if shown == raw else f"{shown} (={raw})"


def _variable_of(bound: BoundSpec, leaf: Any) -> str | None:
    m = re.search(r"\b[st]\[(\d+)\]", leaf.code)  # s: the state; t: the state after a step
    return bound.names[int(m.group(1))] if m else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


_FORMULA_MAX = 240  # a false conjunct longer than this is cut in the verdict line (shown whole elsewhere)


def _short(text: str) -> str:
    return text if len(text) <= _FORMULA_MAX else text[:_FORMULA_MAX - 3] + "..."


def build_view(bound: BoundSpec, trace: Trace, spec_path: str, source: str | None = None) -> TraceView:
    """Replay `trace` against `bound` (TraceError names the step that diverges) and build its view."""
    rep = replay(bound, trace)
    lanes, lane_of = lanes_of(bound.cls)
    steps: list[StepView] = []
    prev = None
    columns: list[str] = []
    for i, (s, lab) in enumerate(zip(rep.states, rep.labels)):
        shown = bound.show(s)
        if lab is None:
            action, label, doc = "init", "init", _first_line(inspect.getdoc(bound.cls.init)) or "initial state"
            changed, diff = [], []
        else:
            a, args = lab
            action, label, doc = a.name, bound.label(a, args), _first_line(a.doc)
            changed = [n for n, x, y in zip(bound.names, prev, s) if x != y]
            diff = []
            for n in changed:
                diff += diff_values(bound.variables[n], n, prev[bound.names.index(n)], s[bound.names.index(n)], _WHOLE)
        grid = _grid(bound, s)
        if grid:
            for _, cells in grid:
                columns += [c for c in cells if c not in columns]
        steps.append(StepView(i, action, label, doc, shown, changed, diff, grid,
                              None if lab is None else lane_of[action], _lane_status(bound, s, lanes)))
        prev = s
    messages = _messages(bound, rep.states, steps)

    last = rep.states[-1]
    n = len(steps) - 1
    kind, prop_name = trace.kind, trace.property
    what = prop_name if kind == "deadlock" else f"{kind} {prop_name}"
    verdict = trace.verdict
    if verdict == "VIOLATED":
        headline = f"{what}: VIOLATED in {n} steps"
    else:
        headline = f"{what}: {verdict} in {n} steps"
    reasons: list[tuple[str, list[tuple[str, str]]]] = []
    culprits: list[str] = []
    marks: set[tuple[str, str]] = set()
    notes: list[str] = []

    if kind == "deadlock":
        enabled = bound.enabled(last)
        why = f"{what} is VIOLATED at step {n}: no action is enabled in this state, and it is not @terminal"
        if enabled:
            why += (f" (but now {', '.join(bound.label(a, args) for a, args in enabled[:3])} "
                    f"{'is' if len(enabled) == 1 else 'are'} enabled: the spec changed since the trace was written)")
    else:
        compiled = compile_properties(bound)
        props = {p.name: p for p in compiled}
        prop = props.get(prop_name)
        if prop is None:
            raise TraceError(f"the trace is about property {prop_name!r}, which {spec_path} no longer defines")
        by_name = {leaf.name: leaf for leaf in compiled.leaves + compiled.next_leaves}
        doc = _first_line(prop.definition.doc)
        before = rep.states[-2] if kind in ("always_step", "refines") and len(rep.states) > 1 else None
        if kind == "refines":
            holds = None
        else:
            holds = prop.holds_step(before, last) if before is not None else prop.holds(last)
        if kind == "refines":
            ref = prop.refinement
            why = (f"{what} is VIOLATED at step 0: the initial state: {ref.why(last)}" if before is None else
                   f"{what} is VIOLATED by step {n}, from the state at step {n - 1}: {ref.why(last, before)}")
            if (ref.initial_ok(last) if before is None else ref.step_ok(before, last)):
                why = f"{what}: {ref.why(last, before)} now: the spec changed since the trace was written"
        elif kind in ("eventually", "leads_to"):
            why = _lasso_why(what, prop, rep.states, trace.loop)
        elif kind == "sometimes" or verdict != "VIOLATED":
            why = f"{what} holds at step {n}" + (f": {doc}" if doc else "")
            if not holds:
                why += " (but its formula is false in this state now: the spec changed since the trace was written)"
        else:
            if verdict == "VIOLATED":
                marks = _marks(bound, last, prop_name)
            if holds:
                why = (f"{what} is VIOLATED according to the trace, but its formula holds in the state at step {n}: "
                       f"the spec changed since the trace was written")
            else:
                for formula, vals in false_conjuncts(prop, last, before):
                    pairs = [(k, _leaf_value(by_name.get(k), v)) for k, v in vals.items()]
                    reasons.append((_one_line(formula), pairs))
                    for k in vals:
                        var = _variable_of(bound, by_name[k]) if k in by_name else None
                        if var and var not in culprits:
                            culprits.append(var)
                head = (f"{what} is VIOLATED at step {n}" if kind in ("always", "initially") else
                        f"{what} is VIOLATED by step {n}, from the state at step {n - 1}" if kind == "always_step" else
                        f"{what} is VIOLATED: from the state at step {n} no state where it holds is reachable")
                if reasons:
                    formula, pairs = reasons[0]
                    vals = ", ".join(f"{k} = {v}" for k, v in pairs)
                    why = f"{head}: false conjunct {_short(formula)}" + (f" where {vals}" if vals else "")
                    if len(reasons) > 1:
                        why += f" (and {len(reasons) - 1} more false conjunct{'s' if len(reasons) > 2 else ''})"
                else:
                    why = f"{head}: its formula is false here"
    return TraceView(trace, bound, spec_path, source, steps, columns, marks, reasons, culprits, headline, why, n,
                     notes, legend=_legend(bound), source_urls=_source_urls(bound), lanes=lanes, messages=messages,
                     states=rep.states)


# -- one variable (or grid cell) through the trace ----------------------------------------------------------

@dataclass
class Write:
    """A step that changed the variable or cell followed: who (action, lane), when (step), from what to what."""

    step: int
    label: str
    lane: str | None
    old: str | None                          # None at the initial state
    new: str
    parts: list[tuple[str, str | None, str]] = field(default_factory=list)  # a long value: what changed in it


_PATH = re.compile(r"\[([^\]]*)\]")


def _element(bound: BoundSpec, name: str) -> tuple[Any, Any]:
    """(type, getter) of a variable or an element of it: `canon`, `canon[2]`, `canon[2][1]`, `owner[a]`."""
    base = name.split("[", 1)[0]
    if base not in bound.variables:
        raise UsageError(f"no variable {base!r}; the spec's variables: {', '.join(bound.names)}")
    t, idx = bound.variables[base], bound.names.index(base)
    getters = [lambda s: s[idx]]
    rest = name[len(base):]
    if _PATH.sub("", rest):
        raise UsageError(f"{name!r}: write a variable, or an element as NAME[i] or NAME[i][j]")
    for key in _PATH.findall(rest):
        if isinstance(t, TupleOf):
            try:
                i = int(key)
            except ValueError:
                raise UsageError(f"{name!r}: {key!r} is not an index of {t!r}") from None
            if not 0 <= i < t.n:
                raise UsageError(f"{name!r}: index {i} is outside 0..{t.n - 1}")
            getters.append(lambda v, i=i: v[i])
            t = t.elem
        elif isinstance(t, MapOf):
            keys = [str(k) for k in t.keys]
            if key not in keys:
                raise UsageError(f"{name!r}: {key!r} is not a key of {t!r}")
            getters.append(lambda v, i=keys.index(key): v[i])
            t = t.value
        else:
            raise UsageError(f"{name!r}: {t!r} has no elements to index")

    def get(s: Any) -> Any:
        v = s
        for g in getters:
            v = g(v)
        return v
    return t, get


def history(view: TraceView, name: str) -> list[Write]:
    """Every step that changed `name` (a variable, an element `NAME[i]...`, or a grid cell `ROW:COLUMN`),
    after the initial value (the first entry, step 0). UsageError names what does not exist."""
    if ":" in name and "[" not in name:
        row, col = name.split(":", 1)
        if view.steps[0].grid is None:
            raise UsageError(f"{name!r}: this spec has no grid()")
        if not any(r == row for st in view.steps for r, _ in st.grid or ()) or col not in view.grid_columns:
            raise UsageError(f"{name!r}: no grid cell (rows {view.steps[-1].grid[0][0]}..{view.steps[-1].grid[-1][0]}, "
                            f"columns {', '.join(view.grid_columns)})")
        shown = [dict(st.grid or ()).get(row, {}).get(col, "") for st in view.steps]
        t, get = None, None
    else:
        t, get = _element(view.bound, name)
        shown = [t.show(get(s)) for s in view.states]
    out = [Write(0, view.steps[0].label, None, None, shown[0])]
    for st, old, new in zip(view.steps[1:], shown, shown[1:]):
        if old != new:
            parts = diff_values(t, name, get(view.states[st.index - 1]), get(view.states[st.index]), _WHOLE) if t else []
            out.append(Write(st.index, st.label, st.lane, old, new,
                             parts if len(parts) != 1 or parts[0][0] != name else []))
    return out


def render_history(view: TraceView, name: str, width: int | None = None, unicode: bool | None = None) -> str:
    """The terminal view of `history`: the initial value, then one line per write, fitted to `width`."""
    uni = _utf8() if unicode is None else unicode
    width = max(40, width or shutil.get_terminal_size((120, 24)).columns)
    arrow = " → " if uni else " -> "
    writes = history(view, name)
    n = len(writes) - 1
    lines = _wrap(f"{name}: written {n} time{'s' if n != 1 else ''} in {view.steps[-1].index} steps", width)
    num_w = len(str(view.steps[-1].index))
    for w in writes:
        who = w.label + (f" [{w.lane}]" if _own_lane(view.steps[w.step]) else "")
        if w.parts:                                  # a long value: only the elements that changed
            lines += _wrap(f"{w.step:>{num_w}}  {who}:", width, "", " " * (num_w + 4))
            for p, a, b in w.parts:
                lines += _wrap(f"{p}: {b}" if a is None else f"{p}: {a}{arrow}{b}", width,
                               " " * (num_w + 4), "    ")
            continue
        what = w.new if w.old is None else f"{w.old}{arrow}{w.new}"
        lines += _wrap(f"{w.step:>{num_w}}  {who}: {what}", width, "", " " * (num_w + 4))
    last = view.steps[-1].index
    if view.violated and (":" in name and tuple(name.split(":", 1)) in view.marks):
        lines.append(f"the cell breaks {view.trace.property} at step {last}")
    return "\n".join(lines)


def render_histories(view: TraceView, names: list[str], width: int | None = None,
                     unicode: bool | None = None) -> str:
    """`show --var`: the history of each name, then the verdict paragraph, fitted to `width`."""
    width = max(40, width or shutil.get_terminal_size((120, 24)).columns)
    parts = [render_history(view, n, width, unicode) for n in names]
    return "\n\n".join(parts) + "\n\n" + "\n".join(_wrap(view.why, width))


# -- two traces side by side ------------------------------------------------------------------------------

@dataclass
class Row:
    """One row of two aligned traces: a step of each (None where one trace has no counterpart)."""

    a: int | None
    b: int | None
    kind: str                    # same | state (same action, the states differ) | action | only_a | only_b
    differs: list[str]           # the variables whose values differ (for paired steps)


@dataclass
class Comparison:
    """Two traces of one spec, aligned by their actions; `parted` is the first row that is not `same`."""

    a: TraceView
    b: TraceView
    rows: list[Row]
    parted: int | None


MARK = {"same": "=", "state": "~", "action": "x", "only_a": "<", "only_b": ">"}


def compare(a: TraceView, b: TraceView) -> Comparison:
    """Align two traces of the same spec step by step: the longest common run of actions is paired
    (difflib), and paired steps compare their states; UsageError for traces of different specs."""
    if a.trace.spec_class != b.trace.spec_class or a.bound.names != b.bound.names:
        raise UsageError(f"the two traces are of different specs ({a.trace.spec_class}, {b.trace.spec_class}); "
                         f"only traces of one spec can be compared")
    la, lb = [st.label for st in a.steps], [st.label for st in b.steps]
    rows: list[Row] = []

    def pair(i: int, j: int, kind: str) -> None:
        differs = [n for n in a.bound.names if a.steps[i].state[n] != b.steps[j].state[n]]
        rows.append(Row(i, j, "state" if kind == "same" and differs else kind, differs))

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, la, lb, autojunk=False).get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                pair(i1 + k, j1 + k, "same")
            continue
        common = min(i2 - i1, j2 - j1)
        for k in range(common):
            pair(i1 + k, j1 + k, "action")
        rows += [Row(i, None, "only_a", []) for i in range(i1 + common, i2)]
        rows += [Row(None, j, "only_b", []) for j in range(j1 + common, j2)]
    parted = next((k for k, r in enumerate(rows) if r.kind != "same"), None)
    return Comparison(a, b, rows, parted)


def _side(view: TraceView) -> str:
    tr = view.trace
    what = ", ".join(x for x in (f"variant {tr.variant}" if tr.variant else "",
                                 f"scenario {tr.scenario}" if tr.scenario else "") if x)
    return f"{view.source or tr.spec_class}: {view.headline}" + (f" ({what})" if what else "")


def parting_line(cmp: Comparison) -> str:
    """Where the two traces part, in one sentence."""
    if cmp.parted is None:
        return f"the two traces take the same {len(cmp.rows) - 1} steps through the same states"
    r = cmp.rows[cmp.parted]
    sa = cmp.a.steps[r.a] if r.a is not None else None
    sb = cmp.b.steps[r.b] if r.b is not None else None
    if r.kind == "state":
        return (f"they part at A step {r.a} / B step {r.b}: both take {sa.label}, and the states then differ in "
                f"{', '.join(r.differs)}")
    if r.kind == "action":
        return f"they part at A step {r.a} / B step {r.b}: A takes {sa.label}, B takes {sb.label}"
    if r.kind == "only_a":
        return f"they part at A step {r.a}: A takes {sa.label}, which B does not take there"
    return f"they part at B step {r.b}: B takes {sb.label}, which A does not take there"


def render_comparison(cmp: Comparison, width: int | None = None, unicode: bool | None = None) -> str:
    """Two traces side by side in the terminal, fitted to `width`: one row per aligned pair of steps, a mark
    between them (= same, ~ same action but other states, x other actions, < or > only one side), `>>` at the
    row where they part, and both verdicts."""
    width = max(40, width or shutil.get_terminal_size((120, 24)).columns)
    nw = max(1, len(str(max(len(cmp.a.steps), len(cmp.b.steps)) - 1)))
    col = max(8, min(40, (width - 2 * nw - 10) // 2))

    def cell(view: TraceView, i: int | None) -> str:
        if i is None:
            return " " * (nw + 2 + col)
        label = view.steps[i].label
        label = label if len(label) <= col else label[:col - 1] + "…"
        return f"{i:>{nw}}  {label:<{col}}"

    lines = _wrap("A: " + _side(cmp.a), width) + _wrap("B: " + _side(cmp.b), width)
    lines += _wrap(parting_line(cmp), width)
    lines.append("")
    lines.append(f"   {'A':>{nw}}  {'action':<{col}}   {'B':>{nw}}  action")
    for k, r in enumerate(cmp.rows):
        lead = ">> " if k == cmp.parted else "   "
        lines.append((lead + cell(cmp.a, r.a) + f" {MARK[r.kind]} " + cell(cmp.b, r.b)).rstrip())
        if r.kind == "state" and (k == cmp.parted or r.differs != cmp.rows[k - 1].differs):
            lines += _wrap("differ: " + ", ".join(r.differs), width, " " * (nw + 5), "  ")
    lines.append("")
    lines += _wrap("marks: = same action and state, ~ same action but the states differ, x other actions, "
                   "< > a step of one trace only", width)
    lines.append("")
    lines += _wrap("A: " + cmp.a.why, width)
    lines += _wrap("B: " + cmp.b.why, width)
    return "\n".join(lines)


def _lasso_why(what: str, prop: Any, states: list[Any], loop: int | None) -> str:
    """Why a lasso violates an `eventually` (its goal holds nowhere on it) or a `leads_to` (P holds at some
    step, and Q neither then nor at any step after, around the cycle forever)."""
    n = len(states) - 1
    if loop is None:
        return f"{what}: the trace has no loop, so it does not show a behaviour that goes on forever"
    forever = (f"stays in the state at step {loop} forever" if loop == n
               else f"repeats steps {loop + 1}-{n} forever")
    if prop.kind == "eventually":
        met = [i for i, s in enumerate(states) if prop.holds(s)]
        if met:
            return f"{what} holds at step {met[0]} of this trace now: the spec changed since the trace was written"
        return f"{what} is VIOLATED: this behaviour (fair as the spec requires) {forever}, and it holds at no step"
    for k, (p, q) in enumerate(prop.pairs):  # the first pair whose P is not followed by Q
        met = [i for i, s in enumerate(states) if q.holds(s)]
        start = next((i for i in range(n + 1) if p.holds(states[i]) and not any(i <= j for j in met)), None)
        if start is not None:
            sub = f"[{k}]" if len(prop.pairs) > 1 else ""
            return (f"{what} is VIOLATED: its P{sub} holds at step {start}, and its Q{sub} neither then nor at any "
                    f"later step; this behaviour (fair as the spec requires) {forever}")
    return (f"{what}: its P is not followed by a run without Q in this trace now: the spec changed since the "
            f"trace was written")


def _index(view: TraceView, st: StepView, uni: bool) -> str:
    """A step's number; the step a lasso's cycle starts from is marked."""
    return f"{st.index} {'↺' if uni else '<-'} loop" if st.index == view.trace.loop else str(st.index)


def _loop_line(view: TraceView) -> list[str]:
    """For a lasso: which steps repeat forever."""
    loop, last = view.trace.loop, view.steps[-1].index
    if loop is None:
        return []
    if loop == last:
        return [f"loop: the behaviour stays in the state at step {loop} forever (stuttering)"]
    return [f"loop: step {last} is the state at step {loop} again; steps {loop + 1}-{last} repeat forever"]


# -- terminal --------------------------------------------------------------------------------------------

def _utf8(stream: Any = None) -> bool:
    enc = getattr(stream or sys.stdout, "encoding", None) or ""
    return enc.lower().replace("-", "") in ("utf8", "utf8sig")


def _spec_line(view: TraceView) -> str:
    tr = view.trace
    parts = [f"spec {view.spec_path} ({tr.spec_class})"]
    if tr.variant:
        parts.append(f"variant {tr.variant}")
    if tr.scenario:
        parts.append(f"scenario {tr.scenario}")
    parts.append(f"params {view.bound.param_text()}")
    return ", ".join(parts)


def _wrap(text: str, width: int, indent: str = "", hang: str = "  ") -> list[str]:
    """One paragraph wrapped to `width`: the first line at `indent`, the rest at `indent + hang`."""
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + hang,
                         break_long_words=True, break_on_hyphens=False) or [indent.rstrip()]


def _change_lines(st: StepView, arrow: str) -> list[str]:
    if st.index == 0:
        return [f"{k} = {v}" for k, v in st.state.items()]
    return [f"{p}: {b}" if a is None else f"{p}: {a}{arrow}{b}" for p, a, b in st.diff] or ["(no change)"]


_TABLE_MIN = 100   # narrower than this, the steps are shown one block each instead of as a table


def _own_lane(st: StepView) -> bool:
    """Whether the step's lane says more than its action's name (a spec with declared lanes)."""
    return st.lane is not None and st.lane != st.action


def _steps_table(view: TraceView, width: int, uni: bool, arrow: str) -> list[str]:
    """The steps as a bordered table that fits `width` (long cells wrap inside their cell)."""
    rows = [[_index(view, st, uni), st.label + (f"\n[{st.lane}]" if _own_lane(st) else ""), st.doc,
             "\n".join(_change_lines(st, arrow))] for st in view.steps]
    num_w = max(len(x[0]) for x in rows)
    action_w = min(28, max(len("action"), *(len(st.label) for st in view.steps)))
    room = width - 13 - num_w - action_w          # 13: the borders and padding of four columns
    models_w = max(16, room * 2 // 5)
    changed_w = max(16, room - models_w)
    for _ in range(3):                            # tabulate pads some columns: measure, and narrow if needed
        table = tabulate(rows, headers=["#", "action", "models", "changed"],
                         tablefmt="simple_grid" if uni else "grid",
                         maxcolwidths=[None, action_w, models_w, changed_w], disable_numparse=True).splitlines()
        over = max(len(x) for x in table) - width
        if over <= 0:
            break
        changed_w = max(16, changed_w - over)
    return table


def _steps_blocks(view: TraceView, width: int, arrow: str) -> list[str]:
    """The steps one block each (for narrow terminals): number and action, what it models, what changed."""
    out: list[str] = []
    pad = " " * (len(str(view.steps[-1].index)) + 2)
    for st in view.steps:
        out.append(f"{st.index:>{len(pad) - 2}}  {st.label}" + (f"  [{st.lane}]" if _own_lane(st) else "")
                   + ("  (the loop starts here)" if st.index == view.trace.loop else ""))
        if st.doc and st.index:
            out += _wrap(st.doc, width, pad + "| ", "")
        for line in _change_lines(st, arrow):
            out += _wrap(line, width, pad, "    ")
    return out


def _grid_lines(view: TraceView, width: int, tty: bool) -> list[str]:
    """The last state's grid, fitted to `width`: columns named `group.sub` share a two-line header, and a
    grid wider than the terminal is cut into column blocks that each repeat the row labels."""
    last = view.steps[-1]
    assert last.grid is not None

    def shown(label: str, col: str) -> tuple[str, int]:         # (text, visible width)
        text = last_cells[label].get(col, "")
        if (label, col) in view.marks:
            return (f"\x1b[7m{text or ' '}\x1b[27m", len(text or " ")) if tty else (f"*{text}*", len(text) + 2)
        return text, len(text)

    last_cells = {label: cells for label, cells in last.grid}
    labels = [label for label, _ in last.grid]
    label_w = max(len(x) for x in labels)
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for c in view.grid_columns:
        g, dot, sub = c.partition(".")
        if dot and groups and groups[-1][0] == g:
            groups[-1][1].append((c, sub))
        else:
            groups.append((g, [(c, sub)]) if dot else ("", [(c, c)]))
    two_line = any(g for g, _ in groups)
    room = max(8, width - label_w - 2)
    blocks: list[list[tuple[str, int, list[tuple[str, str, int]]]]] = [[]]
    used = 0
    for g, cols in groups:
        widths = [max(len(sub), *(shown(r, c)[1] for r in labels)) for c, sub in cols]
        widths = [min(w, room) for w in widths]
        inner = max(len(g), sum(widths) + len(widths) - 1)
        if blocks[-1] and used + 2 + inner > room:
            blocks.append([])
            used = 0
        used += (2 if blocks[-1] else 0) + inner
        blocks[-1].append((g, inner, [(c, sub, w) for (c, sub), w in zip(cols, widths)]))
    out: list[str] = []
    for bi, block in enumerate(blocks):
        if bi:
            out.append("")
        heads = [" " * label_w, " " * label_w, " " * label_w] if two_line else [" " * label_w, " " * label_w]
        rows = {r: r.ljust(label_w) for r in labels}
        for g, inner, cols in block:
            pad = " " * (inner - sum(w for _, _, w in cols) - len(cols) + 1)
            if two_line:
                heads[0] += "  " + g.ljust(inner)
            heads[-2] += "  " + " ".join(sub.ljust(w) for _, sub, w in cols) + pad
            heads[-1] += "  " + " ".join("-" * w for _, _, w in cols) + pad
            for r in labels:
                cells = []
                for c, _, w in cols:
                    text, vis = shown(r, c)
                    if vis > w:
                        text, vis = text[:w - 1] + "…", w
                    cells.append(text + " " * (w - vis))
                rows[r] += "  " + " ".join(cells) + pad
        out += [h.rstrip() for h in heads if h.strip()] + [rows[r].rstrip() for r in labels]
    return out


def legend(view: TraceView) -> list[tuple[str, str]]:
    """What each code of the grid and each mark means: the spec's `grid_legend()` entries, then the viewer's
    own (marked cells)."""
    out = list(view.legend)
    if view.steps[-1].grid is not None:
        out.append(("*x*", "a marked cell: it breaks the property in the last state (reverse video on a terminal)"))
    return out


def render_legend(view: TraceView, width: int) -> list[str]:
    """The legend as text lines, fitted to `width`."""
    entries = legend(view)
    if not entries:
        return ["legend: this spec declares no grid_legend()"]
    code_w = min(12, max(len(c) for c, _ in entries))
    out = ["legend:"]
    for code, text in entries:
        head = f"  {code.ljust(code_w)}  "
        lines = textwrap.wrap(text, max(20, width - len(head)), break_on_hyphens=False) or [""]
        out.append(head + lines[0])
        out += [" " * len(head) + x for x in lines[1:]]
    return out


def render_text(view: TraceView, *, tty: bool = False, unicode: bool | None = None, width: int | None = None,
                show_legend: bool = False) -> str:
    """The terminal view: the steps (what changed), the grid of the last state, and last the paragraph that
    names the property and why it fails. Every line fits `width` (the terminal's, else 120): the steps are
    a table from 100 columns up and one block per step below; a wide grid is cut into column blocks.
    `tty` marks cells in reverse video instead of `*x*`; `show_legend` adds the grid's legend."""
    uni = _utf8() if unicode is None else unicode
    width = max(40, width or shutil.get_terminal_size((120, 24)).columns)
    arrow = " → " if uni else " -> "
    lines: list[str] = []
    src = f"{view.source}: " if view.source else ""
    lines += _wrap(f"{src}{view.headline}", width)
    lines += _wrap(_spec_line(view), width)
    lines += _steps_table(view, width, uni, arrow) if width >= _TABLE_MIN else _steps_blocks(view, width, arrow)
    for line in _loop_line(view):
        lines += _wrap(line, width)
    last = view.steps[-1]
    if last.grid:
        lines.append("")
        note = " (marked cells break the property)" if view.marks else ""
        lines += _wrap(f"grid at step {last.index}{note}:", width)
        lines += _grid_lines(view, width, tty)
    if show_legend:
        lines.append("")
        lines += render_legend(view, width)
    lines.append("")
    for formula, pairs in view.reasons[1:]:
        vals = ", ".join(f"{k} = {v}" for k, v in pairs)
        lines += _wrap(f"also false: {formula}" + (f" where {vals}" if vals else ""), width, "  ")
    lines += _wrap(view.why, width)
    return "\n".join(lines)


# -- HTML ------------------------------------------------------------------------------------------------

def _element_paths(view: TraceView) -> dict[str, list[str]]:
    """The shown value at every step of each element (`canon[2]`) that some step changes on its own, for the
    page's history of an element."""
    out: dict[str, list[str]] = {}
    for st in view.steps:
        for path, _, _ in st.diff:
            if "[" in path and path not in out:
                t, get = _element(view.bound, path)
                out[path] = [t.show(get(s)) for s in view.states]
    return out


def used_lanes(view: TraceView) -> list[str]:
    """The lanes this trace uses (a step, an await or a message in it), in the spec's order."""
    used = {st.lane for st in view.steps} | {k for st in view.steps for k in st.waiting}
    used |= {m.sent_lane for m in view.messages} | {m.end_lane for m in view.messages}
    return [lane for lane in view.lanes if lane in used]


def _page_data(view: TraceView) -> dict[str, Any]:
    tr = view.trace
    lanes = used_lanes(view)
    steps = []
    for st in view.steps:
        d: dict[str, Any] = {"i": st.index, "action": st.action, "label": st.label, "doc": st.doc,
                             "state": st.state, "changed": st.changed,
                             "diff": [list(x) for x in st.diff], "docParts": link_parts(st.doc, view.source_urls),
                             "lane": lanes.index(st.lane) if st.lane in lanes else -1, "ownLane": _own_lane(st),
                             "waiting": {str(lanes.index(k)): v for k, v in st.waiting.items()}}
        if st.grid is not None:
            d["grid"] = [[label, [cells.get(c, "") for c in view.grid_columns]] for label, cells in st.grid]
        steps.append(d)
    return {
        "title": view.headline, "source": view.source, "spec": view.spec_path, "specClass": tr.spec_class,
        "specLine": _spec_line(view), "variant": tr.variant, "scenario": tr.scenario,
        "params": {k: view.bound.cls.parameters()[k].domain.show(v) for k, v in view.bound.params.items()},
        "property": tr.property, "kind": tr.kind, "verdict": tr.verdict, "violated": view.violated,
        "why": view.why, "reasons": [[f, [list(p) for p in pairs]] for f, pairs in view.reasons],
        "culprits": view.culprits, "vars": view.bound.names,
        "types": {n: repr(t) for n, t in view.bound.variables.items()},
        "columns": view.grid_columns, "marks": sorted([list(m) for m in view.marks]),
        "violation": view.violation, "steps": steps,
        "legend": [list(e) for e in view.legend],
        "lanes": lanes, "laneColors": [view.lanes.index(x) for x in lanes],
        "loop": getattr(tr, "loop", None),         # a lasso: the last state is the state at step `loop` again
        "paths": _element_paths(view),
        "messages": [{"label": m.label, "sent": m.sent, "end": m.end, "lost": m.lost, "overtaken": m.overtaken,
                      "from": lanes.index(m.sent_lane) if m.sent_lane in lanes else -1,
                      "to": lanes.index(m.end_lane) if m.end_lane in lanes else -1} for m in view.messages],
    }


def _script_json(obj: Any) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' survives, so neither '</script>' nor '<!--' can."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_html(view: TraceView) -> str:
    """One self-contained page (inline CSS and JS, no network) to step through the trace."""
    title = f"{view.trace.spec_class}: {view.headline}"
    return (_TEMPLATE.replace("__HEAD__", _HEAD).replace("__CSS__", _CSS).replace("__TITLE__", html.escape(title))
            .replace("__DATA__", _script_json(_page_data(view))))


def render_comparison_html(cmp: Comparison) -> str:
    """One self-contained page with two traces side by side: the aligned steps, and for the selected row
    both states (the variables that differ marked) and both grids."""
    def side(view: TraceView) -> dict[str, Any]:
        return {"title": _side(view), "why": view.why, "violation": view.violation, "violated": view.violated,
                "columns": view.grid_columns, "marks": sorted([list(m) for m in view.marks]),
                "steps": [{"label": st.label, "doc": st.doc, "state": st.state, "lane": st.lane,
                           "grid": None if st.grid is None else
                           [[label, [cells.get(c, "") for c in view.grid_columns]] for label, cells in st.grid]}
                          for st in view.steps]}
    data = {"a": side(cmp.a), "b": side(cmp.b), "vars": cmp.a.bound.names, "parting": parting_line(cmp),
            "parted": cmp.parted, "rows": [[r.a, r.b, r.kind, r.differs] for r in cmp.rows], "marks": MARK}
    title = f"{cmp.a.trace.spec_class}: two traces side by side"
    return (_COMPARE.replace("__HEAD__", _HEAD).replace("__CSS__", _CSS).replace("__TITLE__", html.escape(title))
            .replace("__DATA__", _script_json(data)))


_HEAD = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>__TITLE__</title>
<style>
__CSS__"""

_CSS = r""":root {
  --bg: #f7f7f5; --panel: #ffffff; --ink: #1d2125; --muted: #5f6b76; --line: #dfe3e8;
  --sel: #1f5fbf; --sel-bg: #e6effc; --chg: #fff1b8; --chg-ink: #7a5300; --chg1: #fff5cc; --chg2: #fffae6;
  --bad: #b42318; --bad-bg: #fde7e4; --ok: #1a7f37; --ok-bg: #e3f5e8;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
  --sans: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { font: 15px/1.45 var(--sans); color: var(--ink); background: var(--bg); display: flex; flex-direction: column; }
header { padding: 12px 20px; background: var(--panel); border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0 0 2px; font-weight: 650; }
header .sub { color: var(--muted); font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700;
  letter-spacing: .03em; vertical-align: 2px; margin-left: 6px; }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
main { flex: 1; display: flex; min-height: 0; }
nav#steps { width: 310px; min-width: 220px; flex-shrink: 0; overflow-y: auto; background: var(--panel); border-right: 1px solid var(--line); }
nav#steps ol { list-style: none; margin: 0; padding: 6px 0; }
nav#steps li { padding: 6px 14px 6px 10px; cursor: pointer; border-left: 4px solid transparent; display: grid;
  grid-template-columns: 2.2em 1fr; column-gap: 4px; }
nav#steps li:hover { background: #f1f3f5; }
nav#steps li.selected { background: var(--sel-bg); border-left-color: var(--sel); }
nav#steps li.violation .lab::after { content: " \26A0"; color: var(--bad); }
nav#steps li.witness .lab::after { content: " \2713"; color: var(--ok); }
nav#steps .num { color: var(--muted); font-variant-numeric: tabular-nums; text-align: right; padding-right: 6px; }
nav#steps .lab { font-family: var(--mono); font-size: 13.5px; font-weight: 600; word-break: break-word; }
nav#steps .doc { grid-column: 2; color: var(--muted); font-size: 12.5px; line-height: 1.35;
  overflow: hidden; text-overflow: ellipsis; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; }
section#detail { flex: 1; overflow: auto; padding: 0 22px 40px; }   /* no top padding: sticky headers meet the edge */
.toolbar { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin-bottom: 10px; padding-top: 14px; }
.toolbar h2 { font-size: 18px; margin: 0 10px 0 0; font-weight: 650; }
.toolbar h2 code { font-family: var(--mono); font-size: 17px; }
button { font: 13px var(--sans); padding: 5px 11px; border: 1px solid #c9cfd6; border-radius: 6px; background: #fff;
  color: var(--ink); cursor: pointer; }
button:hover:not(:disabled) { background: #f0f3f7; }
button:disabled { opacity: .45; cursor: default; }
button.jump { border-color: var(--bad); color: var(--bad); font-weight: 600; }
button.jump.ok { border-color: var(--ok); color: var(--ok); }
.models { color: var(--muted); margin: 0 0 12px; font-size: 14px; }
.verdict { border-radius: 8px; padding: 10px 14px; margin: 0 0 14px; font-size: 14px; }
.verdict.bad { background: var(--bad-bg); border: 1px solid #f3b8b0; color: #7a1a12; }
.verdict.ok { background: var(--ok-bg); border: 1px solid #a8dcb6; color: #0f5323; }
.verdict code { font-family: var(--mono); font-size: 13px; word-break: break-word; }
.verdict ul { margin: 6px 0 0; padding-left: 20px; }
h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 18px 0 6px; font-weight: 650; }
h3 label { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: 12px; cursor: pointer; }
table { border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); }
td, th { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-size: 12.5px; font-weight: 650; color: var(--muted); background: #f3f5f7; position: sticky; top: 0; }
table.state { width: 100%; }
table.state td.name { font-family: var(--mono); font-size: 13.5px; white-space: nowrap; width: 1%; }
table.state td.val { font-family: var(--mono); font-size: 13.5px; word-break: break-word; }
table.state tr.changed td { background: var(--chg); }
table.state tr.changed td.name::before { content: "\25CF "; color: #d99400; }
table.state tr.culprit td.name { color: var(--bad); font-weight: 700; }
table.state .old { display: block; color: var(--chg-ink); font-size: 12.5px; }
table.state .old::before { content: "was: "; font-family: var(--sans); }
table.state .old span { text-decoration: line-through; }
table.state .delta { display: block; color: var(--chg-ink); font-size: 12.5px; }
table.state .delta::before { content: "\0394  "; font-family: var(--sans); }
table.state tr.hidden { display: none; }
.gridwrap { overflow-x: auto; max-width: 100%; }
table.grid td, table.grid th { font-family: var(--mono); font-size: 13.5px; text-align: center; min-width: 2.4em;
  padding: 4px 7px; white-space: nowrap; }
table.grid th { font-family: var(--sans); }
table.grid td.row { text-align: right; font-weight: 650; color: var(--muted); background: #f3f5f7; position: sticky; left: 0; z-index: 1; }
table.grid thead th:first-child { position: sticky; left: 0; z-index: 2; }
table.grid td.age0 { background: var(--chg); font-weight: 700; }
table.grid td.age1 { background: var(--chg1); }
table.grid td.age2 { background: var(--chg2); }
table.grid td.mark { background: var(--bad); color: #fff; font-weight: 700; outline: 2px solid #7a1a12; outline-offset: -2px; }
.legend { color: var(--muted); font-size: 12.5px; margin-top: 6px; }
details.codes { font-size: 13px; margin-top: 6px; }
details.codes summary { cursor: pointer; color: var(--sel); }
details.codes dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0 0; }
details.codes dt { font-family: var(--mono); font-weight: 650; }
details.codes dd { margin: 0; color: var(--muted); }
a.src { color: var(--sel); }
table.state td.name, table.state .delta.follow { cursor: pointer; }
table.state .delta.follow:hover { text-decoration: underline; }
table.state td.name:hover, table.grid td[data-col]:hover { text-decoration: underline; }
table.grid td[data-col] { cursor: pointer; }
table.grid td.followed, table.state tr.followed td.name { box-shadow: inset 0 0 0 2px var(--sel); }
aside#history { position: fixed; right: 14px; bottom: 40px; width: min(480px, 92vw); max-height: 46vh; overflow: auto;
  background: var(--panel); border: 1px solid #b9c2cc; border-radius: 8px; box-shadow: 0 6px 24px rgba(0,0,0,.18);
  padding: 8px 12px 10px; z-index: 20; }
aside#history .hhead { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
aside#history h3 { margin: 4px 0; text-transform: none; letter-spacing: 0; color: var(--ink); font-size: 14px; }
aside#history h3 code { font: 13px var(--mono); }
aside#history table { width: 100%; font-size: 13px; }
aside#history td { padding: 3px 6px; }
aside#history td.v { font-family: var(--mono); word-break: break-word; }
aside#history tr.w { cursor: pointer; }
aside#history tr.w:hover td { background: #f1f3f5; }
aside#history tr.now td { background: var(--sel-bg); }
aside#history .none { color: var(--muted); font-size: 13px; margin: 4px 0; }
nav#steps li.loopstart .lab::after { content: " \21BA loop starts"; color: #6a3fb5; font: 600 11.5px var(--sans); }
nav#steps li.inloop { border-left-color: #cdb8ef; }
nav#steps li.inloop.selected { border-left-color: var(--sel); }
svg .loopback { stroke: #6a3fb5; stroke-width: 2; fill: none; }
.verdict .loopline { margin-top: 6px; color: #4b2a86; }
nav#steps li.writes .num::before { content: "\270E "; color: var(--sel); font-size: 11px; }
svg rect.row.writes { fill: #eef4fd; }
#navtoggle { display: none; }
@media (max-width: 900px) {
  header { padding: 6px 12px; }
  header h1 { font-size: 16px; }
  header .sub { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer; }
  header .sub.open { white-space: normal; }
  footer { display: none; }
  #navtoggle { display: inline-block; }
  nav#steps { position: fixed; top: 0; bottom: 0; left: 0; width: min(320px, 85vw); z-index: 30;
    box-shadow: 4px 0 24px rgba(0,0,0,.2); transform: translateX(-105%); }
  body.navopen nav#steps { transform: none; }
  section#detail { padding: 0 12px 30px; }
  .toolbar { gap: 5px; margin-bottom: 6px; padding-top: 8px; }
  .toolbar h2 { font-size: 15px; flex-basis: 100%; order: -1; margin: 0; }
  .toolbar h2 code { font-size: 14px; }
  button { padding: 4px 8px; }
  #chartscroll { max-height: 34vh; }
  .gridwrap { max-height: 60vh; overflow: auto; }
}
#chartbox summary { list-style: none; cursor: pointer; }
#chartbox summary::-webkit-details-marker { display: none; }
#chartbox summary h3 { display: inline-block; margin-top: 4px; }
#chartbox summary h3::before { content: "\25BE  "; }
#chartbox:not([open]) summary h3::before { content: "\25B8  "; }
.hint { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: 8px; }
#chartscroll { max-height: 42vh; overflow: auto; border: 1px solid var(--line); background: var(--panel); position: relative; }
#charthead { position: sticky; top: 0; z-index: 2; background: #f3f5f7; border-bottom: 1px solid var(--line); }
#charthead svg, #chart svg { display: block; }
svg text { font: 12px var(--sans); fill: var(--ink); }
svg .lanename { font-weight: 650; fill: var(--muted); }
svg .num { fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .lifeline { stroke: #c9cfd6; stroke-width: 1; }
svg .await { stroke: #d99400; stroke-width: 2; stroke-dasharray: 2 4; }
svg .awaittext { font-size: 10.5px; fill: #7a5300; font-style: italic; }
svg rect.row { fill: transparent; cursor: pointer; }
svg rect.row:hover { fill: #f1f3f5; }
svg rect.row.sel { fill: var(--sel-bg); }
svg rect.row.viol { fill: var(--bad-bg); }
svg rect.row.viol.sel { fill: #f9cfc9; }
svg .box { stroke: #8a96a3; stroke-width: 1; cursor: pointer; }
svg .box.sel { stroke: var(--sel); stroke-width: 2.5; }
svg .boxtext { font: 11.5px var(--mono); pointer-events: none; }
svg .msg { stroke: #3b6fb6; stroke-width: 1.5; fill: none; }
svg .msg.lost { stroke: var(--bad); stroke-dasharray: 5 3; }
svg .msg.late { stroke: #c46a00; }
svg .msg.open { stroke-dasharray: 2 3; }
svg .msgtext { font-size: 10.5px; fill: #3b6fb6; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg .msgtext.lost { fill: var(--bad); }
svg .msgtext.late { fill: #c46a00; }
svg .x { stroke: var(--bad); stroke-width: 2.5; }
nav#steps .lane { grid-column: 2; font-size: 11px; color: var(--muted); }
nav#steps .lane i { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; border: 1px solid #8a96a3; }
.legend span.sw { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; border: 1px solid #d0d4d9; margin: 0 4px 0 10px; }
footer { padding: 6px 20px; font-size: 12.5px; color: var(--muted); border-top: 1px solid var(--line); background: var(--panel); }
kbd { font: 12px var(--mono); border: 1px solid #c9cfd6; border-bottom-width: 2px; border-radius: 4px; padding: 0 4px; background: #fff; }
"""

_TEMPLATE = r"""__HEAD__</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div class="sub" id="subtitle"></div>
</header>
<main>
  <nav id="steps" aria-label="steps"><ol id="steplist" role="listbox"></ol></nav>
  <aside id="history" hidden aria-live="polite"><div class="hhead"><h3 id="histtitle"></h3>
    <button id="histclose" title="close (Escape)">&#x2715;</button></div><div id="histbody"></div></aside>
  <section id="detail">
    <div class="toolbar">
      <button id="navtoggle" title="show the list of steps">&#x2630; steps</button>
      <h2 id="stephead"></h2>
      <button id="first" title="first step (Home)">&#x21E4; first</button>
      <button id="prev" title="previous step (ArrowUp or k)">&#x25B2; prev</button>
      <button id="next" title="next step (ArrowDown or j)">&#x25BC; next</button>
      <button id="last" title="last step (End)">last &#x21E5;</button>
      <button id="jump" class="jump" title="jump to the violation (v)"></button>
    </div>
    <p class="models" id="models"></p>
    <div id="verdict"></div>
    <details id="chartbox" open><summary><h3>Sequence chart <span class="hint">one lane per party; arrows: messages from send to delivery</span></h3></summary>
      <div id="chartscroll"><div id="charthead"></div><div id="chart"></div></div></details>
    <div id="gridbox"></div>
    <h3>State at this step <label><input type="checkbox" id="onlychanged"> only changed variables</label>
      <span class="hint">click a variable for its history</span></h3>
    <table class="state" id="state"><thead><tr><th>variable</th><th>value</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<footer>Keys: <kbd>&#x2191;</kbd>/<kbd>k</kbd> previous, <kbd>&#x2193;</kbd>/<kbd>j</kbd> next, <kbd>Home</kbd>/<kbd>End</kbd> first/last,
  <kbd>v</kbd> jump to the violation. Click a step to select it, a variable or grid cell for its history.</footer>
<script type="application/json" id="trace-data">__DATA__</script>
<script>
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("trace-data").textContent);
  var cur = 0, n = D.steps.length;
  var marks = {};
  D.marks.forEach(function (m) { marks[m[0] + "\u0000" + m[1]] = true; });
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  document.title = D.specClass + ": " + D.title;
  var h1 = document.getElementById("title");
  h1.appendChild(document.createTextNode(D.title));
  h1.appendChild(el("span", "badge " + (D.violated ? "bad" : "ok"), D.violated ? "VIOLATED" : D.verdict));
  document.getElementById("subtitle").textContent = (D.source ? D.source + " \u2014 " : "") + D.specLine;
  var jump = document.getElementById("jump");
  jump.textContent = D.violated ? "\u26A0 jump to violation (v)" : "\u2713 jump to witness (v)";
  if (!D.violated) jump.classList.add("ok");

  function loopText() {
    var last = n - 1;
    return D.loop === last ? "the behaviour stays in the state at step " + D.loop + " forever (stuttering)"
      : "step " + last + " is the state at step " + D.loop + " again: steps " + (D.loop + 1) + "\u2013" + last + " repeat forever";
  }
  var PALETTE = ["#dbe8fb", "#fde2c4", "#d7f0dd", "#efdcf7", "#fbe0e6", "#e2f0f3", "#f3efcf", "#e6e6e6"];
  function laneColor(k) { return PALETTE[D.laneColors[k] % PALETTE.length]; }   // by the spec's lane order
  var list = document.getElementById("steplist");
  D.steps.forEach(function (st, i) {
    var li = el("li");
    li.id = "step-" + i;
    li.setAttribute("role", "option");
    li.dataset.index = i;
    if (i === D.violation) li.classList.add(D.violated ? "violation" : "witness");
    if (D.loop !== null && i === D.loop) { li.classList.add("loopstart"); li.title = loopText(); }
    if (D.loop !== null && i > D.loop) li.classList.add("inloop");
    li.appendChild(el("span", "num", i));
    li.appendChild(el("span", "lab", st.label));
    if (st.lane >= 0 && st.ownLane) {
      var ln = el("span", "lane"), sw = el("i"); sw.style.background = laneColor(st.lane);
      ln.appendChild(sw); ln.appendChild(document.createTextNode(D.lanes[st.lane])); li.appendChild(ln);
    }
    if (st.doc) { var d = el("span", "doc", st.doc); d.title = st.doc; li.appendChild(d); }
    li.addEventListener("click", function () { select(i); });
    list.appendChild(li);
  });

  // the step at which each grid cell last changed, for every step
  var cols = D.columns, changedAt = [];
  D.steps.forEach(function (st, i) {
    var m = {};
    if (st.grid) {
      var prev = i > 0 ? D.steps[i - 1].grid : null, prevRows = {};
      if (prev) prev.forEach(function (r) { prevRows[r[0]] = r[1]; });
      st.grid.forEach(function (r) {
        var p = prevRows[r[0]];
        r[1].forEach(function (v, c) {
          var key = r[0] + "\u0000" + cols[c];
          if (i > 0 && (!p || p[c] !== v)) m[key] = i;
          else if (i > 0 && changedAt[i - 1][key] !== undefined) m[key] = changedAt[i - 1][key];
        });
      });
    }
    changedAt.push(m);
  });

  function renderGrid(i) {
    var box = document.getElementById("gridbox"), st = D.steps[i];
    box.textContent = "";
    if (!st.grid) return;
    box.appendChild(el("h3", null, "Grid at step " + i));
    var t = el("table", "grid"); t.id = "grid";
    var hr = el("tr"); hr.appendChild(el("th", null, ""));
    cols.forEach(function (c) { hr.appendChild(el("th", null, c)); });
    var th = el("thead"); th.appendChild(hr); t.appendChild(th);
    var tb = el("tbody");
    st.grid.forEach(function (r) {
      var tr = el("tr"); tr.dataset.row = r[0];
      tr.appendChild(el("td", "row", r[0]));
      r[1].forEach(function (v, c) {
        var td = el("td", null, v), key = r[0] + "\u0000" + cols[c];
        td.dataset.col = cols[c];
        td.addEventListener("click", function () { showHistory({kind: "cell", row: r[0], col: cols[c]}); });
        if (follow && follow.kind === "cell" && follow.row === r[0] && follow.col === cols[c]) td.classList.add("followed");
        var at = changedAt[i][key];
        if (at !== undefined && i - at <= 2) { td.classList.add("age" + (i - at)); td.title = "changed at step " + at; }
        if (i === D.violation && D.violated && marks[key]) { td.classList.add("mark"); td.title = "breaks " + D.property; }
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    var wrap = el("div", "gridwrap"); wrap.appendChild(t); box.appendChild(wrap);
    var lg = el("div", "legend");
    lg.appendChild(document.createTextNode("changed:"));
    [["var(--chg)", "at this step"], ["var(--chg1)", "1 step ago"], ["var(--chg2)", "2 steps ago"]].forEach(function (x) {
      var s = el("span", "sw"); s.style.background = x[0]; lg.appendChild(s); lg.appendChild(document.createTextNode(x[1]));
    });
    if (D.violated && D.marks.length) {
      var s = el("span", "sw"); s.style.background = "var(--bad)"; lg.appendChild(s);
      lg.appendChild(document.createTextNode("breaks the property (at step " + D.violation + ")"));
    }
    box.appendChild(lg);
    if (D.legend.length) {
      var det = el("details", "codes"); det.id = "legend";
      det.appendChild(el("summary", null, "What the codes and marks mean"));
      var dl = el("dl");
      D.legend.forEach(function (e) { dl.appendChild(el("dt", null, e[0])); dl.appendChild(el("dd", null, e[1])); });
      det.appendChild(dl);
      if (legendOpen) det.open = true;
      det.addEventListener("toggle", function () { legendOpen = det.open; });
      box.appendChild(det);
    }
  }
  var legendOpen = false;

  function renderVerdict(i) {
    var box = document.getElementById("verdict");
    box.textContent = "";
    box.className = "";
    if (i !== D.violation) return;
    box.className = "verdict " + (D.violated ? "bad" : "ok");
    box.appendChild(el("div", null, D.why));
    if (D.loop !== null) box.appendChild(el("div", "loopline", "\u21BA loop: " + loopText()));
    if (D.reasons.length > 1 || (D.reasons.length === 1 && D.reasons[0][0].length > 240)) {
      var ul = el("ul");
      D.reasons.forEach(function (r) {
        var li = el("li"); li.appendChild(el("code", null, r[0]));
        if (r[1].length) li.appendChild(document.createTextNode(" where " + r[1].map(function (p) { return p[0] + " = " + p[1]; }).join(", ")));
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
  }

  // -- the sequence chart: one lane per party, one row per step, messages as arrows ---------------------
  var probe = document.createElement("div");
  probe.innerHTML = "<svg></svg>";               // the SVG namespace, as the HTML parser gives it
  var SVGNS = probe.firstChild.namespaceURI;
  function sv(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  var LANE_W = 150, ROW_H = 26, NUM_W = 34, HEAD_H = 28;
  var chartRows = [], chartBoxes = [];
  function laneX(k) { return NUM_W + k * LANE_W + LANE_W / 2; }
  function rowY(i) { return i * ROW_H + ROW_H / 2; }
  function boxW(i) {           // a step's box: as wide as its label, so arrows between lanes show
    var st = D.steps[i];
    if (st.lane < 0) return 0;
    return Math.min(LANE_W - 10, Math.max(48, 7.2 * Math.min(st.label.length, 60) + 16));
  }
  function cut(t, n) { return t.length > n ? t.slice(0, n - 1) + "\u2026" : t; }
  function buildChart() {
    var box = document.getElementById("chartbox");
    if (!D.lanes.length) { box.style.display = "none"; return; }
    if (D.loop !== null) NUM_W = 46;               // room for the loop bracket right of the step numbers
    var avail = document.getElementById("chartscroll").clientWidth - NUM_W - 2;
    LANE_W = Math.max(124, Math.min(230, Math.floor(avail / D.lanes.length)));
    var W = NUM_W + D.lanes.length * LANE_W, H = n * ROW_H + 8;
    var fit = Math.floor((LANE_W - 14) / 7.2);
    var head = sv("svg", {width: W, height: HEAD_H, id: "chartlanes"});
    D.lanes.forEach(function (name, k) {
      head.appendChild(sv("rect", {x: NUM_W + k * LANE_W + 6, y: 5, width: LANE_W - 12, height: HEAD_H - 10, rx: 4,
                                   fill: laneColor(k), stroke: "#c9cfd6"}));
      var t = sv("text", {x: laneX(k), y: HEAD_H / 2 + 4, "text-anchor": "middle", "class": "lanename"}, cut(name, Math.floor((LANE_W - 14) / 7.6)));
      t.appendChild(sv("title", {}, name)); head.appendChild(t);
    });
    document.getElementById("charthead").appendChild(head);
    var g = sv("svg", {width: W, height: H, id: "chartsvg"});
    D.steps.forEach(function (st, i) {
      var r = sv("rect", {x: 0, y: i * ROW_H, width: W, height: ROW_H, "class": "row" + (i === D.violation && D.violated ? " viol" : "")});
      r.dataset.index = i;
      r.addEventListener("click", function () { select(i); });
      g.appendChild(r); chartRows.push(r);
      g.appendChild(sv("text", {x: 26, y: rowY(i) + 4, "text-anchor": "end", "class": "num"}, i));
    });
    D.lanes.forEach(function (name, k) {             // lifelines; a task suspended at an await: a dotted gap
      var x = laneX(k), y0 = 0;
      for (var i = 0; i <= n; i++) {
        var w = i < n ? D.steps[i].waiting[k] : undefined;
        var prevW = i > 0 ? D.steps[i - 1].waiting[k] : undefined;
        if (i === n || (w !== undefined) !== (prevW !== undefined)) {
          var y1 = i === n ? H : rowY(i);
          if (y1 > y0) {
            var ln = sv("line", {x1: x, y1: y0, x2: x, y2: y1, "class": prevW !== undefined ? "await" : "lifeline"});
            if (prevW !== undefined) ln.appendChild(sv("title", {}, name + ": " + prevW));
            g.appendChild(ln);
          }
          y0 = y1;
        }
      }
      D.steps.forEach(function (st, i) {             // say what it awaits where the wait starts
        var w = st.waiting[k];
        if (w !== undefined && (i === 0 || D.steps[i - 1].waiting[k] !== w) && (i + 1 >= n || D.steps[i + 1].lane !== k)) {
          var t = sv("text", {x: x + 5, y: rowY(i) + ROW_H - 2, "class": "awaittext"}, cut(w, 24));
          t.appendChild(sv("title", {}, name + ": " + w)); g.appendChild(t);
        }
      });
    });
    var labels = [];
    D.messages.forEach(function (m) {
      var x1 = m.from >= 0 ? laneX(m.from) : NUM_W + 4, y1 = rowY(m.sent);
      var open = m.end === null, x2 = open ? x1 + LANE_W * 0.6 : (m.to >= 0 ? laneX(m.to) : x1), y2 = open ? H - 4 : rowY(m.end);
      var dir = x2 >= x1 ? 1 : -1;
      x1 += dir * (boxW(m.sent) / 2);
      if (!open && m.end !== null) x2 -= dir * (boxW(m.end) / 2 + 2);
      var cls = "msg" + (m.lost ? " lost" : m.overtaken ? " late" : "") + (open ? " open" : "");
      var p = sv("path", {d: "M" + x1 + "," + y1 + " L" + x2 + "," + y2, "class": cls});
      var what = m.label + ": sent at step " + m.sent + (open ? ", still in flight at the end" :
        (m.lost ? ", lost at step " : ", delivered at step ") + m.end) + (m.overtaken ? " (overtaken by a later message)" : "");
      p.appendChild(sv("title", {}, what));
      g.appendChild(p);
      var ang = Math.atan2(y2 - y1, x2 - x1), a1 = ang + 2.7, a2 = ang - 2.7;
      if (m.lost) {
        g.appendChild(sv("path", {d: "M" + (x2 - 5) + "," + (y2 - 5) + " L" + (x2 + 5) + "," + (y2 + 5) + " M" + (x2 - 5) + "," + (y2 + 5) + " L" + (x2 + 5) + "," + (y2 - 5), "class": "x"}));
      } else {
        g.appendChild(sv("path", {d: "M" + x2 + "," + y2 + " L" + (x2 + 8 * Math.cos(a1)) + "," + (y2 + 8 * Math.sin(a1)) +
                                       " M" + x2 + "," + y2 + " L" + (x2 + 8 * Math.cos(a2)) + "," + (y2 + 8 * Math.sin(a2)), "class": cls}));
      }
      var tx = sv("text", {x: x1 + (x2 - x1) * 0.3 + 4, y: y1 + (y2 - y1) * 0.3 - 3, "class": "msgtext" + (m.lost ? " lost" : m.overtaken ? " late" : "")},
                  m.label + (m.lost ? " \u2715 lost" : m.overtaken ? " (late)" : open ? " (in flight)" : ""));
      tx.appendChild(sv("title", {}, what));
      labels.push(tx);
    });
    D.steps.forEach(function (st, i) {               // the steps, on top
      var b;
      if (st.lane < 0) {
        b = sv("rect", {x: NUM_W + 6, y: i * ROW_H + 3, width: D.lanes.length * LANE_W - 12, height: ROW_H - 6, rx: 4, fill: "#f3f5f7", "class": "box"});
        g.appendChild(b);
        g.appendChild(sv("text", {x: NUM_W + 14, y: rowY(i) + 4, "class": "boxtext"}, st.label + " (initial state)"));
      } else {
        b = sv("rect", {x: laneX(st.lane) - boxW(i) / 2, y: i * ROW_H + 3, width: boxW(i), height: ROW_H - 6, rx: 4,
                        fill: laneColor(st.lane), "class": "box"});
        g.appendChild(b);
        g.appendChild(sv("text", {x: laneX(st.lane), y: rowY(i) + 4, "text-anchor": "middle", "class": "boxtext"}, cut(st.label, fit)));
      }
      b.dataset.index = i;
      b.appendChild(sv("title", {}, i + ": " + st.label + (st.lane >= 0 ? " \u2014 " + D.lanes[st.lane] : "") + (st.doc ? "\n" + st.doc : "")));
      b.addEventListener("click", function () { select(i); });
      chartBoxes.push(b);
    });
    labels.forEach(function (t) { g.appendChild(t); });   // message labels over the boxes
    if (D.loop !== null) {                           // a lasso: a bracket from the last row back to the loop row
      var yl = rowY(D.loop), ye = rowY(n - 1), xb = 38;
      var br = sv("path", {d: "M" + (xb + 2) + "," + ye + " L" + (xb - 4) + "," + ye + " L" + (xb - 4) + "," + yl + " L" + (xb + 2) + "," + yl,
                           "class": "loopback"});
      br.appendChild(sv("title", {}, loopText()));
      g.appendChild(br);
      g.appendChild(sv("path", {d: "M" + (xb + 2) + "," + yl + " l-5,-3 m5,3 l-5,3", "class": "loopback"}));
    }
    document.getElementById("chart").appendChild(g);
  }
  function renderChart(i) {
    if (!chartRows.length) return;
    chartRows.forEach(function (r, k) { r.classList.toggle("sel", k === i); });
    chartBoxes.forEach(function (b, k) { b.classList.toggle("sel", k === i); });
    var sc = document.getElementById("chartscroll"), top = i * ROW_H, headH = document.getElementById("charthead").offsetHeight;
    if (top < sc.scrollTop) sc.scrollTop = top;
    else if (top + ROW_H + headH > sc.scrollTop + sc.clientHeight) sc.scrollTop = top + ROW_H + headH - sc.clientHeight;
  }
  buildChart();

  // -- one variable or grid cell through the trace -----------------------------------------------------
  var follow = null;       // {kind: "var", name} or {kind: "cell", row, col}
  function cellOf(i, row, col) {
    var g = D.steps[i].grid, c = cols.indexOf(col);
    if (!g || c < 0) return undefined;
    for (var k = 0; k < g.length; k++) if (g[k][0] === row) return g[k][1][c];
    return undefined;
  }
  function valueAt(f, i) {
    return f.kind === "var" ? D.steps[i].state[f.name] : f.kind === "path" ? D.paths[f.name][i] : cellOf(i, f.row, f.col);
  }
  function followName(f) { return f.kind === "cell" ? f.row + ":" + f.col : f.name; }
  function parseFollow(text) {
    if (D.paths[text]) return {kind: "path", name: text};
    if (D.vars.indexOf(text) >= 0) return {kind: "var", name: text};
    var c = text.indexOf(":");
    if (c > 0 && cols.indexOf(text.slice(c + 1)) >= 0) {
      var f = {kind: "cell", row: text.slice(0, c), col: text.slice(c + 1)};
      if (valueAt(f, n - 1) !== undefined || valueAt(f, 0) !== undefined) return f;
    }
    return null;
  }
  function writes(f) {           // [step, old, new] for every step that changed it; old null at step 0
    var out = [[0, null, valueAt(f, 0)]];
    for (var i = 1; i < n; i++) {
      var a = valueAt(f, i - 1), b = valueAt(f, i);
      if (a !== b) out.push([i, a === undefined ? "" : a, b === undefined ? "" : b]);
    }
    return out;
  }
  function showHistory(f) {
    follow = f;
    var box = document.getElementById("history");
    if (!f) { box.hidden = true; select(cur); return; }
    box.hidden = false;
    select(cur);
  }
  function renderHistory(i) {
    var box = document.getElementById("history");
    document.querySelectorAll("#steplist li.writes").forEach(function (li) { li.classList.remove("writes"); });
    chartRows.forEach(function (r) { r.classList.remove("writes"); });
    if (!follow) return;
    var f = follow, ws = writes(f), title = document.getElementById("histtitle"), body = document.getElementById("histbody");
    title.textContent = {"var": "History of variable ", "path": "History of element ", "cell": "History of grid cell "}[f.kind];
    title.appendChild(el("code", null, followName(f)));
    box.dataset.follow = followName(f);
    body.textContent = "";
    body.appendChild(el("p", "none", (ws.length - 1) + " write" + (ws.length === 2 ? "" : "s") + " in " + (n - 1) +
                        " steps; click a row to go to that step"));
    var t = el("table"), tb = el("tbody");
    var hr = el("tr"); ["step", "by", "from \u2192 to"].forEach(function (h) { hr.appendChild(el("th", null, h)); });
    var th = el("thead"); th.appendChild(hr); t.appendChild(th);
    var nowAt = 0;
    ws.forEach(function (w) { if (w[0] <= i) nowAt = w[0]; });
    ws.forEach(function (w) {
      var st = D.steps[w[0]], tr = el("tr", "w" + (w[0] === nowAt ? " now" : ""));
      tr.dataset.step = w[0];
      tr.appendChild(el("td", "num", w[0]));
      tr.appendChild(el("td", null, st.label + (st.lane >= 0 ? " \u2014 " + D.lanes[st.lane] : "")));
      var parts = f.kind === "var" && w[0] > 0 ? D.steps[w[0]].diff.filter(function (d) {
        return d[0] === f.name || d[0].indexOf(f.name + "[") === 0; }) : [];
      if (parts.length && !(parts.length === 1 && parts[0][0] === f.name)) {   // a long value: only what changed
        var td = el("td", "v");
        parts.forEach(function (d) {
          td.appendChild(el("div", null, d[1] === null ? d[0] + ": " + d[2] : d[0] + ": " + d[1] + " \u2192 " + d[2]));
        });
        tr.appendChild(td);
      } else tr.appendChild(el("td", "v", w[1] === null ? w[2] : w[1] + " \u2192 " + w[2]));
      tr.addEventListener("click", function () { select(w[0]); });
      tb.appendChild(tr);
      if (w[0] > 0) {
        var li = document.getElementById("step-" + w[0]); if (li) li.classList.add("writes");
        if (chartRows[w[0]]) chartRows[w[0]].classList.add("writes");
      }
    });
    t.appendChild(tb); body.appendChild(t);
    if (f.kind === "cell" && D.violated && marks[f.row + "\u0000" + f.col])
      body.appendChild(el("p", "none", "This cell breaks " + D.property + " at step " + D.violation + "."));
  }
  document.getElementById("histclose").addEventListener("click", function () { showHistory(null); });
  document.getElementById("navtoggle").addEventListener("click", function () { document.body.classList.toggle("navopen"); });
  document.getElementById("subtitle").addEventListener("click", function () { this.classList.toggle("open"); });

  var only = document.getElementById("onlychanged");
  function renderState(i) {
    var st = D.steps[i], prev = i > 0 ? D.steps[i - 1].state : null;
    var tb = document.querySelector("#state tbody");
    tb.textContent = "";
    var changed = {};
    st.changed.forEach(function (v) { changed[v] = true; });
    D.vars.forEach(function (v) {
      var tr = el("tr"); tr.dataset.var = v;
      var name = el("td", "name", v); name.title = D.types[v] + " (click: its history)";
      name.addEventListener("click", function () { showHistory({kind: "var", name: v}); });
      if (follow && follow.kind === "var" && follow.name === v) tr.classList.add("followed");
      tr.appendChild(name);
      var val = el("td", "val", st.state[v]);
      if (changed[v]) {
        tr.classList.add("changed");
        var parts = st.diff.filter(function (d) { return d[0] === v || d[0].indexOf(v + "[") === 0; });
        if (parts.length === 1 && parts[0][0] === v && parts[0][1] !== null) {
          var old = el("span", "old"); old.appendChild(el("span", null, prev[v])); val.appendChild(old);
        } else {
          parts.forEach(function (d) {
            var dl = el("span", "delta", d[1] === null ? d[0] + ": " + d[2] : d[0] + ": " + d[1] + " \u2192 " + d[2]);
            if (D.paths[d[0]]) {
              dl.classList.add("follow"); dl.title = "click: the history of " + d[0];
              dl.addEventListener("click", function () { showHistory({kind: "path", name: d[0]}); });
            }
            val.appendChild(dl);
          });
        }
      } else if (only.checked && i > 0) tr.classList.add("hidden");
      if (i === D.violation && D.violated && D.culprits.indexOf(v) >= 0) { tr.classList.add("culprit"); name.title += " (read by a false conjunct)"; }
      tr.appendChild(val);
      tb.appendChild(tr);
    });
  }

  function select(i) {
    i = Math.max(0, Math.min(n - 1, i));
    var old = document.getElementById("step-" + cur);
    old.classList.remove("selected"); old.setAttribute("aria-selected", "false");
    cur = i;
    var li = document.getElementById("step-" + i);
    li.classList.add("selected"); li.setAttribute("aria-selected", "true");
    li.scrollIntoView({block: "nearest"});
    var st = D.steps[i], h = document.getElementById("stephead");
    h.textContent = "Step " + i + " of " + (n - 1) + ": ";
    h.appendChild(el("code", null, st.label));
    var models = document.getElementById("models");
    models.textContent = "";
    st.docParts.forEach(function (p) {
      if (p[1] === null) { models.appendChild(document.createTextNode(p[0])); return; }
      var a = el("a", "src", p[0]); a.href = p[1]; a.target = "_blank"; a.rel = "noopener noreferrer";
      a.title = "the upstream source, " + p[1];
      models.appendChild(a);
    });
    document.getElementById("first").disabled = document.getElementById("prev").disabled = i === 0;
    document.getElementById("last").disabled = document.getElementById("next").disabled = i === n - 1;
    renderVerdict(i); renderChart(i); renderGrid(i); renderState(i); renderHistory(i);
    document.body.dataset.step = i;
    document.body.classList.remove("navopen");
    var hash = "#" + i + (follow ? "&var=" + encodeURIComponent(followName(follow)) : "");
    try { history.replaceState(null, "", hash); } catch (err) { /* some file: URLs refuse it */ }
  }
  function jumpToViolation() {     // select it and bring the broken cell (else the verdict) into view
    select(D.violation);
    var detail = document.getElementById("detail"), target = document.querySelector("#grid td.mark");
    detail.scrollTop = 0;                            // the verdict first, then scroll no more than the cell needs
    if (!target) return;
    target.scrollIntoView({block: "nearest", inline: "center"});
    var r = target.getBoundingClientRect(), box = detail.getBoundingClientRect();
    if (r.bottom > box.bottom - 24) detail.scrollTop += r.bottom - box.bottom + 24;
  }
  document.getElementById("first").addEventListener("click", function () { select(0); });
  document.getElementById("prev").addEventListener("click", function () { select(cur - 1); });
  document.getElementById("next").addEventListener("click", function () { select(cur + 1); });
  document.getElementById("last").addEventListener("click", function () { select(n - 1); });
  jump.addEventListener("click", jumpToViolation);
  only.addEventListener("change", function () { select(cur); });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key, to = null;
    if (k === "ArrowUp" || k === "k") to = cur - 1;
    else if (k === "ArrowDown" || k === "j") to = cur + 1;
    else if (k === "Home") to = 0;
    else if (k === "End") to = n - 1;
    else if (k === "v") { e.preventDefault(); jumpToViolation(); return; }
    else if (k === "Escape") { showHistory(null); document.body.classList.remove("navopen"); return; }
    if (to !== null) { e.preventDefault(); select(to); }
  });
  function fromHash() {             // #3, #var=NAME, #var=NAME[i], #var=ROW:COLUMN, #3&var=NAME
    var start = null;
    (location.hash || "").slice(1).split("&").forEach(function (part) {
      if (/^\d+$/.test(part)) start = parseInt(part, 10);
      else if (part.indexOf("var=") === 0) {
        var f = parseFollow(decodeURIComponent(part.slice(4)));
        if (f) { follow = f; document.getElementById("history").hidden = false; }
      }
    });
    select(start === null ? cur : start);
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
</script>
</body>
</html>
"""

_COMPARE = r"""__HEAD__
@media (min-width: 901px) { nav#steps { width: 430px; } }
nav#steps li.cmp { grid-template-columns: 2.2em 1fr 1.4em 2.2em 1fr; }
nav#steps li.cmp .lab { font-size: 12.5px; }
nav#steps li.cmp .mk { text-align: center; font-family: var(--mono); font-weight: 700; color: var(--muted); }
nav#steps li.k-state .mk { color: #c46a00; }
nav#steps li.k-action .mk, nav#steps li.k-only_a .mk, nav#steps li.k-only_b .mk { color: var(--bad); }
nav#steps li.parted { border-left-color: var(--bad); }
nav#steps li.parted.selected { border-left-color: var(--sel); }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.sides > div { min-width: 0; }
.sides h4 { margin: 0 0 4px; font-size: 14px; }
.sides h4 code { font: 13.5px var(--mono); }
table.state tr.differs td { background: #fde7c8; }
table.state td.val.none { color: var(--muted); font-style: italic; }
table.grid td.differs { outline: 2px solid #c46a00; outline-offset: -2px; }
#parting { font-weight: 600; margin: 4px 0 0; }
</style>
</head>
<body>
<header>
  <h1>Two traces side by side</h1>
  <div class="sub" id="subtitle"></div>
  <div id="parting"></div>
</header>
<main>
  <nav id="steps" aria-label="aligned steps"><ol id="steplist" role="listbox"></ol></nav>
  <section id="detail">
    <div class="toolbar">
      <button id="navtoggle" title="show the list of steps">&#x2630; steps</button>
      <h2 id="stephead"></h2>
      <button id="prev" title="previous row (ArrowUp or k)">&#x25B2; prev</button>
      <button id="next" title="next row (ArrowDown or j)">&#x25BC; next</button>
      <button id="jump" class="jump" title="where the traces part (p)">&#x25B6; where they part (p)</button>
    </div>
    <div class="sides" id="models"></div>
    <div class="sides" id="grids"></div>
    <h3>State at this row <label><input type="checkbox" id="onlydiff"> only variables that differ</label></h3>
    <table class="state" id="state"><thead><tr><th>variable</th><th>A</th><th>B</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<footer>Marks: = same action and state, ~ same action but the states differ, x other actions, &lt; &gt; a step of one
  trace only. Keys: <kbd>&#x2191;</kbd>/<kbd>k</kbd>, <kbd>&#x2193;</kbd>/<kbd>j</kbd>, <kbd>p</kbd> where they part.</footer>
<script type="application/json" id="trace-data">__DATA__</script>
<script>
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("trace-data").textContent);
  var cur = 0, n = D.rows.length;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  document.getElementById("subtitle").textContent = "A: " + D.a.title + " \u2014 B: " + D.b.title;
  document.getElementById("parting").textContent = D.parting;
  var list = document.getElementById("steplist");
  D.rows.forEach(function (r, k) {
    var li = el("li", "cmp k-" + r[2] + (k === D.parted ? " parted" : ""));
    li.id = "row-" + k; li.dataset.index = k; li.setAttribute("role", "option");
    li.appendChild(el("span", "num", r[0] === null ? "" : r[0]));
    li.appendChild(el("span", "lab", r[0] === null ? "" : D.a.steps[r[0]].label));
    li.appendChild(el("span", "mk", D.marks[r[2]]));
    li.appendChild(el("span", "num", r[1] === null ? "" : r[1]));
    li.appendChild(el("span", "lab", r[1] === null ? "" : D.b.steps[r[1]].label));
    li.title = r[3].length ? "differ: " + r[3].join(", ") : "";
    li.addEventListener("click", function () { select(k); });
    list.appendChild(li);
  });
  function gridTable(side, i, other, j) {
    var st = side.steps[i], t = el("table", "grid");
    if (!st.grid) return null;
    var ot = other && j !== null ? other.steps[j].grid : null, oc = {};
    if (ot) ot.forEach(function (r) { oc[r[0]] = r[1]; });
    var hr = el("tr"); hr.appendChild(el("th", null, ""));
    side.columns.forEach(function (c) { hr.appendChild(el("th", null, c)); });
    var th = el("thead"); th.appendChild(hr); t.appendChild(th);
    var tb = el("tbody"), marks = {};
    side.marks.forEach(function (m) { marks[m[0] + "\u0000" + m[1]] = true; });
    st.grid.forEach(function (r) {
      var tr = el("tr"); tr.dataset.row = r[0];
      tr.appendChild(el("td", "row", r[0]));
      r[1].forEach(function (v, c) {
        var td = el("td", null, v); td.dataset.col = side.columns[c];
        if (ot && oc[r[0]] && oc[r[0]][c] !== v) { td.classList.add("differs"); td.title = "the other trace: " + oc[r[0]][c]; }
        if (i === side.violation && side.violated && marks[r[0] + "\u0000" + side.columns[c]]) td.classList.add("mark");
        tr.appendChild(td);
      });
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    var wrap = el("div", "gridwrap"); wrap.appendChild(t);
    return wrap;
  }
  var only = document.getElementById("onlydiff");
  function select(k) {
    k = Math.max(0, Math.min(n - 1, k));
    var old = document.getElementById("row-" + cur);
    old.classList.remove("selected"); old.setAttribute("aria-selected", "false");
    cur = k;
    var li = document.getElementById("row-" + k);
    li.classList.add("selected"); li.setAttribute("aria-selected", "true");
    li.scrollIntoView({block: "nearest"});
    var r = D.rows[k], ia = r[0], ib = r[1];
    document.getElementById("stephead").textContent = "Row " + k + " of " + (n - 1) + " (" + D.marks[r[2]] + ")";
    var models = document.getElementById("models"), grids = document.getElementById("grids");
    models.textContent = ""; grids.textContent = "";
    [["A", D.a, ia, D.b, ib], ["B", D.b, ib, D.a, ia]].forEach(function (x) {
      var box = el("div"), h = el("h4", null, x[0] + (x[2] === null ? ": no step here" : " step " + x[2] + ": "));
      if (x[2] !== null) h.appendChild(el("code", null, x[1].steps[x[2]].label));
      box.appendChild(h);
      if (x[2] !== null) {
        box.appendChild(el("p", "models", x[1].steps[x[2]].doc));
        if (x[2] === x[1].violation) box.appendChild(el("div", "verdict " + (x[1].violated ? "bad" : "ok"), x[1].why));
      }
      models.appendChild(box);
      var g = el("div");
      var gt = x[2] === null ? null : gridTable(x[1], x[2], x[3], x[4]);
      if (gt) { g.appendChild(el("h3", null, x[0] + ": grid at step " + x[2])); g.appendChild(gt); }
      grids.appendChild(g);
    });
    var tb = document.querySelector("#state tbody"), diff = {};
    r[3].forEach(function (v) { diff[v] = true; });
    tb.textContent = "";
    D.vars.forEach(function (v) {
      var tr = el("tr"); tr.dataset.var = v;
      tr.appendChild(el("td", "name", v));
      tr.appendChild(el("td", "val" + (ia === null ? " none" : ""), ia === null ? "\u2014" : D.a.steps[ia].state[v]));
      tr.appendChild(el("td", "val" + (ib === null ? " none" : ""), ib === null ? "\u2014" : D.b.steps[ib].state[v]));
      if (diff[v]) tr.classList.add("differs");
      else if (only.checked) tr.classList.add("hidden");
      tb.appendChild(tr);
    });
    document.body.classList.remove("navopen");
    try { history.replaceState(null, "", "#" + k); } catch (err) { /* some file: URLs refuse it */ }
  }
  function jump() { if (D.parted !== null) select(D.parted); }
  document.getElementById("prev").addEventListener("click", function () { select(cur - 1); });
  document.getElementById("next").addEventListener("click", function () { select(cur + 1); });
  document.getElementById("jump").addEventListener("click", jump);
  document.getElementById("jump").disabled = D.parted === null;
  document.getElementById("navtoggle").addEventListener("click", function () { document.body.classList.toggle("navopen"); });
  only.addEventListener("change", function () { select(cur); });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key;
    if (k === "ArrowUp" || k === "k") { e.preventDefault(); select(cur - 1); }
    else if (k === "ArrowDown" || k === "j") { e.preventDefault(); select(cur + 1); }
    else if (k === "Home") { e.preventDefault(); select(0); }
    else if (k === "End") { e.preventDefault(); select(n - 1); }
    else if (k === "p") { e.preventDefault(); jump(); }
  });
  var start = parseInt((location.hash || "").slice(1), 10);
  select(isNaN(start) ? 0 : start);
})();
</script>
</body>
</html>
"""
