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

import html
import inspect
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from typing import Any

from tabulate import tabulate

from .spec import BoundSpec, SpecError
from .trace import Trace, TraceError, bind_trace, find_spec, load, replay
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

    @property
    def violated(self) -> bool:
        return self.trace.verdict == "VIOLATED"


# -- loading --------------------------------------------------------------------------------------------

def open_trace(path: str) -> TraceView:
    """Load a trace file, find and bind its spec, replay it, and build its view.

    Raises TraceError (one line) for a missing file, a file that is not a trace, a spec that cannot be
    found, or a trace that no longer replays (naming the step that diverges)."""
    trace = load(path)
    try:
        spec_path, bound = bind_trace(trace, path)
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


def _leaf_value(leaf: Any, raw: str) -> str:
    if leaf is None:
        return raw
    if leaf.sort == "bool":
        return "true" if raw == "True" else "false"
    shown = leaf.type.show(int(raw)) if leaf.type is not None else raw
    return shown if shown == raw else f"{shown} (={raw})"


def _variable_of(bound: BoundSpec, leaf: Any) -> str | None:
    m = re.search(r"\bs\[(\d+)\]", leaf.code)
    return bound.names[int(m.group(1))] if m else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


_FORMULA_MAX = 240  # a false conjunct longer than this is cut in the verdict line (shown whole elsewhere)


def _short(text: str) -> str:
    return text if len(text) <= _FORMULA_MAX else text[:_FORMULA_MAX - 3] + "..."


def build_view(bound: BoundSpec, trace: Trace, spec_path: str, source: str | None = None) -> TraceView:
    """Replay `trace` against `bound` (TraceError names the step that diverges) and build its view."""
    rep = replay(bound, trace)
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
        steps.append(StepView(i, action, label, doc, shown, changed, diff, grid))
        prev = s

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
        props = {p.name: p for p in compile_properties(bound)}
        prop = props.get(prop_name)
        if prop is None:
            raise TraceError(f"the trace is about property {prop_name!r}, which {spec_path} no longer defines")
        by_name = {leaf.name: leaf for leaf in bound.leaves}
        doc = _first_line(prop.definition.doc)
        holds = prop.holds(last)
        if kind == "sometimes" or verdict != "VIOLATED":
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
                for formula, vals in false_conjuncts(bound, prop, last):
                    pairs = [(k, _leaf_value(by_name.get(k), v)) for k, v in vals.items()]
                    reasons.append((_one_line(formula), pairs))
                    for k in vals:
                        var = _variable_of(bound, by_name[k]) if k in by_name else None
                        if var and var not in culprits:
                            culprits.append(var)
                head = (f"{what} is VIOLATED at step {n}" if kind == "always" else
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
                     notes)


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


def render_text(view: TraceView, *, tty: bool = False, unicode: bool | None = None, width: int | None = None) -> str:
    """The terminal view: a table of steps (what changed), the grid of the last state, and a last line
    that names the property and why it fails. `tty` marks cells in reverse video instead of `*x*`."""
    uni = _utf8() if unicode is None else unicode
    width = width or shutil.get_terminal_size((120, 24)).columns
    arrow = " → " if uni else " -> "
    lines = []
    src = f"{view.source}: " if view.source else ""
    lines.append(f"{src}{view.headline}")
    lines.append(_spec_line(view))
    rows = []
    for st in view.steps:
        if st.index == 0:
            changes = "\n".join(f"{k} = {v}" for k, v in st.state.items())
        else:
            changes = "\n".join(f"{p}: {b}" if a is None else f"{p}: {a}{arrow}{b}" for p, a, b in st.diff)
            changes = changes or "(no change)"
        rows.append([st.index, st.label, st.doc, changes])
    action_w, models_w = 28, max(24, min(64, width // 3))
    lines.append(tabulate(rows, headers=["#", "action", "models", "changed"], tablefmt="simple_grid" if uni else "grid",
                          maxcolwidths=[None, action_w, models_w, max(40, width - action_w - models_w - 16)],
                          disable_numparse=True))
    last = view.steps[-1]
    if last.grid:
        def mark(text: str) -> str:
            return f"\x1b[7m{text or ' '}\x1b[27m" if tty else f"*{text}*"
        grid_rows = []
        for label, cells in last.grid:
            row = [label]
            for c in view.grid_columns:
                text = cells.get(c, "")
                row.append(mark(text) if (label, c) in view.marks else text)
            grid_rows.append(row)
        lines.append("")
        legend = " (marked cells break the property)" if view.marks else ""
        lines.append(f"grid at step {last.index}{legend}:")
        lines.append(tabulate(grid_rows, headers=[""] + view.grid_columns, tablefmt="simple", disable_numparse=True))
    lines.append("")
    for formula, pairs in view.reasons[1:]:
        vals = ", ".join(f"{k} = {v}" for k, v in pairs)
        lines.append(f"  also false: {formula}" + (f" where {vals}" if vals else ""))
    lines.append(view.why)
    return "\n".join(lines)


# -- HTML ------------------------------------------------------------------------------------------------

def _page_data(view: TraceView) -> dict[str, Any]:
    tr = view.trace
    steps = []
    for st in view.steps:
        d: dict[str, Any] = {"i": st.index, "action": st.action, "label": st.label, "doc": st.doc,
                             "state": st.state, "changed": st.changed,
                             "diff": [list(x) for x in st.diff]}
        if st.grid is not None:
            d["grid"] = [[label, [cells.get(c, "") for c in view.grid_columns]] for label, cells in st.grid]
        steps.append(d)
    return {
        "title": view.headline, "source": view.source, "spec": view.spec_path, "specClass": tr.spec_class,
        "specLine": _spec_line(view), "variant": tr.variant, "scenario": tr.scenario,
        "params": {k: view.bound.cls._params[k].domain.show(v) for k, v in view.bound.params.items()},
        "property": tr.property, "kind": tr.kind, "verdict": tr.verdict, "violated": view.violated,
        "why": view.why, "reasons": [[f, [list(p) for p in pairs]] for f, pairs in view.reasons],
        "culprits": view.culprits, "vars": view.bound.names,
        "types": {n: repr(t) for n, t in view.bound.variables.items()},
        "columns": view.grid_columns, "marks": sorted([list(m) for m in view.marks]),
        "violation": view.violation, "steps": steps,
    }


def _script_json(obj: Any) -> str:
    """JSON safe inside <script>: no '<', '>' or '&' survives, so neither '</script>' nor '<!--' can."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_html(view: TraceView) -> str:
    """One self-contained page (inline CSS and JS, no network) to step through the trace."""
    title = f"{view.trace.spec_class}: {view.headline}"
    return (_TEMPLATE.replace("__TITLE__", html.escape(title))
            .replace("__DATA__", _script_json(_page_data(view))))


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>__TITLE__</title>
<style>
:root {
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
section#detail { flex: 1; overflow: auto; padding: 14px 22px 40px; }
.toolbar { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin-bottom: 10px; }
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
table.grid td.row { text-align: right; font-weight: 650; color: var(--muted); background: #f3f5f7; }
table.grid td.age0 { background: var(--chg); font-weight: 700; }
table.grid td.age1 { background: var(--chg1); }
table.grid td.age2 { background: var(--chg2); }
table.grid td.mark { background: var(--bad); color: #fff; font-weight: 700; outline: 2px solid #7a1a12; outline-offset: -2px; }
.legend { color: var(--muted); font-size: 12.5px; margin-top: 6px; }
.legend span.sw { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; border: 1px solid #d0d4d9; margin: 0 4px 0 10px; }
footer { padding: 6px 20px; font-size: 12.5px; color: var(--muted); border-top: 1px solid var(--line); background: var(--panel); }
kbd { font: 12px var(--mono); border: 1px solid #c9cfd6; border-bottom-width: 2px; border-radius: 4px; padding: 0 4px; background: #fff; }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div class="sub" id="subtitle"></div>
</header>
<main>
  <nav id="steps" aria-label="steps"><ol id="steplist" role="listbox"></ol></nav>
  <section id="detail">
    <div class="toolbar">
      <h2 id="stephead"></h2>
      <button id="first" title="first step (Home)">&#x21E4; first</button>
      <button id="prev" title="previous step (ArrowUp or k)">&#x25B2; prev</button>
      <button id="next" title="next step (ArrowDown or j)">&#x25BC; next</button>
      <button id="last" title="last step (End)">last &#x21E5;</button>
      <button id="jump" class="jump" title="jump to the violation (v)"></button>
    </div>
    <p class="models" id="models"></p>
    <div id="verdict"></div>
    <div id="gridbox"></div>
    <h3>State at this step <label><input type="checkbox" id="onlychanged"> only changed variables</label></h3>
    <table class="state" id="state"><thead><tr><th>variable</th><th>value</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<footer>Keys: <kbd>&#x2191;</kbd>/<kbd>k</kbd> previous, <kbd>&#x2193;</kbd>/<kbd>j</kbd> next, <kbd>Home</kbd>/<kbd>End</kbd> first/last,
  <kbd>v</kbd> jump to the violation. Click a step to select it.</footer>
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

  var list = document.getElementById("steplist");
  D.steps.forEach(function (st, i) {
    var li = el("li");
    li.id = "step-" + i;
    li.setAttribute("role", "option");
    li.dataset.index = i;
    if (i === D.violation) li.classList.add(D.violated ? "violation" : "witness");
    li.appendChild(el("span", "num", i));
    li.appendChild(el("span", "lab", st.label));
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
  }

  function renderVerdict(i) {
    var box = document.getElementById("verdict");
    box.textContent = "";
    box.className = "";
    if (i !== D.violation) return;
    box.className = "verdict " + (D.violated ? "bad" : "ok");
    box.appendChild(el("div", null, D.why));
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

  var only = document.getElementById("onlychanged");
  function renderState(i) {
    var st = D.steps[i], prev = i > 0 ? D.steps[i - 1].state : null;
    var tb = document.querySelector("#state tbody");
    tb.textContent = "";
    var changed = {};
    st.changed.forEach(function (v) { changed[v] = true; });
    D.vars.forEach(function (v) {
      var tr = el("tr"); tr.dataset.var = v;
      var name = el("td", "name", v); name.title = D.types[v];
      tr.appendChild(name);
      var val = el("td", "val", st.state[v]);
      if (changed[v]) {
        tr.classList.add("changed");
        var parts = st.diff.filter(function (d) { return d[0] === v || d[0].indexOf(v + "[") === 0; });
        if (parts.length === 1 && parts[0][0] === v && parts[0][1] !== null) {
          var old = el("span", "old"); old.appendChild(el("span", null, prev[v])); val.appendChild(old);
        } else {
          parts.forEach(function (d) {
            val.appendChild(el("span", "delta", d[1] === null ? d[0] + ": " + d[2] : d[0] + ": " + d[1] + " \u2192 " + d[2]));
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
    document.getElementById("models").textContent = st.doc || "";
    document.getElementById("first").disabled = document.getElementById("prev").disabled = i === 0;
    document.getElementById("last").disabled = document.getElementById("next").disabled = i === n - 1;
    renderVerdict(i); renderGrid(i); renderState(i);
    document.body.dataset.step = i;
    try { history.replaceState(null, "", "#" + i); } catch (err) { /* some file: URLs refuse it */ }
  }
  document.getElementById("first").addEventListener("click", function () { select(0); });
  document.getElementById("prev").addEventListener("click", function () { select(cur - 1); });
  document.getElementById("next").addEventListener("click", function () { select(cur + 1); });
  document.getElementById("last").addEventListener("click", function () { select(n - 1); });
  jump.addEventListener("click", function () { select(D.violation); });
  only.addEventListener("change", function () { select(cur); });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key, to = null;
    if (k === "ArrowUp" || k === "k") to = cur - 1;
    else if (k === "ArrowDown" || k === "j") to = cur + 1;
    else if (k === "Home") to = 0;
    else if (k === "End") to = n - 1;
    else if (k === "v") to = D.violation;
    if (to !== null) { e.preventDefault(); select(to); }
  });
  var start = parseInt((location.hash || "").slice(1), 10);
  select(isNaN(start) ? 0 : start);
})();
</script>
</body>
</html>
"""
