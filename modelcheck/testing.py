"""Assertions for a user's own tests: check one cell of a spec and fail with the verdict and its trace.

    from modelcheck.testing import assert_verified, assert_violated, assert_reachable

    def test_the_lock_works():
        assert_verified("specs/mutex.py", variant="fixed", N=3)

    def test_without_the_lock_two_enter():
        trace = assert_violated("specs/mutex.py", variant="buggy", property="mutual_exclusion", max_steps=4)
        assert trace.steps[-1].action == "enter"

A failure message starts with the verdict lines (each names the bound it holds under) and shows the
counterexample as `modelcheck show` prints it. `spec` is a spec file (`path[::Class]`, or a name under
./specs/) or a Spec subclass; keyword arguments beyond the named ones set parameters. Nothing is written:
traces stay in memory (`Report.verdicts[i].trace`).
"""
from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from typing import Any

from .check import Report, Verdict, check
from .codes import INCONCLUSIVE, VERIFIED, VIOLATED
from .explorer import Limits
from .loader import load_spec
from .spec import Spec
from .trace import Trace

__all__ = ["check_cell", "assert_verified", "assert_violated", "assert_reachable", "render_counterexample",
           "failure_message", "expected_cells", "expectation_mismatches", "Replay", "replay_steps", "assert_replay",
           "regression_test"]


def _spec(spec: str | type[Spec]) -> tuple[str, type[Spec]]:
    if isinstance(spec, type) and issubclass(spec, Spec):
        path = inspect.getsourcefile(spec) or spec.__module__
        rel = os.path.relpath(path)
        return (rel if not rel.startswith("..") else path), spec
    if isinstance(spec, (str, os.PathLike)):
        return load_spec(os.fspath(spec))
    raise TypeError(f"spec must be a spec file path or a Spec subclass, not {type(spec).__name__}")


def check_cell(spec: str | type[Spec], variant: str | None = None, scenario: str | None = None, *,
               max_states: int | None = None, max_depth: int | None = None, max_seconds: float | None = None,
               **params: Any) -> Report:
    """Check every property of one cell (variant, scenario, parameters) and return its Report."""
    path, cls = _spec(spec)
    bound = cls.bind(variant, scenario, params)
    return check(bound, path, Limits(max_states, max_depth, max_seconds), out_dir=None, witness_dir=None)


def render_counterexample(report: Report, verdict: Verdict, width: int = 120) -> str:
    """The trace of a verdict as the terminal viewer prints it (no colour, ASCII)."""
    from . import viewer

    view = viewer.build_view(report.bound, verdict.trace, report.spec_path)
    return viewer.render_text(view, tty=False, unicode=False, width=width)


def failure_message(report: Report, why: str, show: list[Verdict]) -> str:
    """`why`, the verdict lines, any model error, and the traces of `show` as the terminal viewer prints them."""
    lines = [why, ""] + [v.line(report.label) for v in report.verdicts]
    if report.error:
        lines.append(f"model error: {report.error}")
    for v in show:
        if v.trace is not None:
            lines += ["", render_counterexample(report, v)]
    return "\n".join(lines)


def _find(report: Report, prop: str) -> Verdict:
    for v in report.verdicts:
        if v.property == prop:
            return v
    known = ", ".join(v.property for v in report.verdicts) or "(none)"
    if prop in report.not_applicable:
        raise AssertionError(f"{report.label}: {prop} does not apply with these parameters; checked: {known}")
    raise AssertionError(f"{report.label}: no property {prop!r}; checked: {known}")


def assert_verified(spec: str | type[Spec], variant: str | None = None, scenario: str | None = None, *,
                    properties: list[str] | None = None, max_states: int | None = None,
                    max_depth: int | None = None, max_seconds: float | None = None, **params: Any) -> Report:
    """Assert that every property (or those named) is VERIFIED over all reachable states of the cell.

    INCONCLUSIVE (a limit stopped the search) fails: a bounded search is not a proof."""
    __tracebackhide__ = True
    report = check_cell(spec, variant, scenario, max_states=max_states, max_depth=max_depth,
                        max_seconds=max_seconds, **params)
    chosen = [_find(report, p) for p in properties] if properties is not None else report.verdicts
    bad = [v for v in chosen if v.verdict != VERIFIED]
    if bad or report.error:
        names = ", ".join(f"{v.property} {v.verdict}" for v in bad) or "a model error"
        raise AssertionError(failure_message(report, f"expected VERIFIED, got {names}",
                                      [v for v in bad if v.verdict == VIOLATED]))
    return report


def assert_violated(spec: str | type[Spec], variant: str | None = None, scenario: str | None = None, *,
                    property: str, max_steps: int | None = None, max_states: int | None = None,
                    max_depth: int | None = None, max_seconds: float | None = None, **params: Any) -> Trace:
    """Assert that `property` is VIOLATED, by a shortest counterexample of at most `max_steps` steps; return it.

    (A `sometimes` property that no reachable state satisfies is VIOLATED without a trace: that returns None.)"""
    __tracebackhide__ = True
    report = check_cell(spec, variant, scenario, max_states=max_states, max_depth=max_depth,
                        max_seconds=max_seconds, **params)
    v = _find(report, property)
    if v.verdict != VIOLATED:
        raise AssertionError(failure_message(report, f"expected {property} VIOLATED, got {v.verdict}", []))
    if max_steps is not None and v.steps is not None and v.steps > max_steps:
        raise AssertionError(failure_message(report, f"expected {property} VIOLATED in at most {max_steps} steps; "
                                              f"the shortest counterexample has {v.steps}", [v]))
    return v.trace


def assert_reachable(spec: str | type[Spec], variant: str | None = None, scenario: str | None = None, *,
                     property: str, max_steps: int | None = None, max_states: int | None = None,
                     max_depth: int | None = None, max_seconds: float | None = None, **params: Any) -> Trace:
    """Assert that the `sometimes` property is reached, within `max_steps` steps; return the (shortest) witness."""
    __tracebackhide__ = True
    report = check_cell(spec, variant, scenario, max_states=max_states, max_depth=max_depth,
                        max_seconds=max_seconds, **params)
    v = _find(report, property)
    if v.kind != "sometimes":
        raise AssertionError(f"{report.label}: {property} is a{'n' if v.kind[0] in 'aeiou' else ''} {v.kind} "
                             f"property; assert_reachable takes a `sometimes` property")
    if v.verdict != VERIFIED or v.trace is None:
        why = ("no reachable state satisfies it" if v.verdict == VIOLATED
               else "the search stopped before finding it" if v.verdict == INCONCLUSIVE else v.verdict)
        raise AssertionError(failure_message(report, f"expected {property} reachable: {why}", []))
    if max_steps is not None and v.steps > max_steps:
        raise AssertionError(failure_message(report, f"expected {property} reachable in at most {max_steps} steps; "
                                              f"the shortest witness has {v.steps}", [v]))
    return v.trace


# -- the verdicts a spec declares (`expect`), for the pytest plugin ----------------------------------------------

EXPECTABLE = (VERIFIED, VIOLATED, "n/a")


def expected_cells(cls: type[Spec]) -> list[tuple[str | None, str | None, dict[str, str], str]]:
    """The cells a spec's `expect` names: (variant, scenario, property -> verdict, default verdict).

    `expect` maps "VARIANT/SCENARIO" to a verdict for every property ("VERIFIED") or to a dict property ->
    verdict ("VERIFIED", "VIOLATED", or "n/a" for a property that does not apply there), unlisted properties
    being VERIFIED. "*" stands for every variant (or scenario) of the spec's matrix and an empty side for none:
    "buggy/*", "*/three", "/rm3" (no variant). Where several keys name a cell the one with fewer "*" wins."""
    from .spec import SpecError

    where = getattr(cls, "_where", cls.__name__)
    m = cls.matrix or {}
    sides = {"variant": (m.get("variants") or list(cls.variants) or [None], cls.variants),
             "scenario": (m.get("scenarios") or list(cls.scenarios) or [None], cls.scenarios)}
    names = {p.name for p in cls._properties if p.kind != "terminal"} | ({"deadlock_free"} if cls.check_deadlock else set())
    chosen: dict[tuple[str | None, str | None], tuple[int, str, dict[str, str], str]] = {}
    if not isinstance(cls.expect, dict):
        raise SpecError(f"{where}: {cls.__name__}.expect must be a dict \"VARIANT/SCENARIO\" -> verdicts")
    for key, value in cls.expect.items():
        if not isinstance(key, str) or key.count("/") != 1:
            raise SpecError(f"{where}: {cls.__name__}.expect key {key!r} must be \"VARIANT/SCENARIO\" ('*' for every "
                            f"one, empty for none), e.g. \"buggy/*\" or \"/rm3\"")
        if isinstance(value, str):
            props, default = {}, value
        elif isinstance(value, dict):
            props, default = dict(value), VERIFIED
        else:
            raise SpecError(f"{where}: {cls.__name__}.expect[{key!r}] must be a verdict or a dict property -> verdict")
        for verdict in [default, *props.values()]:
            if verdict not in EXPECTABLE:
                raise SpecError(f"{where}: {cls.__name__}.expect[{key!r}]: {verdict!r} is not one of "
                                f"{', '.join(EXPECTABLE)}")
        for prop in props:
            if prop not in names:
                raise SpecError(f"{where}: {cls.__name__}.expect[{key!r}]: no property {prop!r}; known: "
                                f"{', '.join(sorted(names))}")
        picked = []
        for text, (every, known) in zip(key.split("/"), sides.values()):
            if text == "*":
                picked.append(every)
            elif text == "":
                picked.append([None])
            elif text in known:
                picked.append([text])
            else:
                raise SpecError(f"{where}: {cls.__name__}.expect key {key!r}: unknown name {text!r}; known: "
                                f"{', '.join(known) or '(none)'}")
        wild = key.split("/").count("*")
        for v in picked[0]:
            for s in picked[1]:
                old = chosen.get((v, s))
                if old is not None and old[0] == wild and (old[2], old[3]) != (props, default):
                    raise SpecError(f"{where}: {cls.__name__}.expect keys {old[1]!r} and {key!r} both name cell "
                                    f"{v or ''}/{s or ''} with different verdicts; name it exactly")
                if old is None or wild < old[0]:
                    chosen[(v, s)] = (wild, key, props, default)
    return [(v, s, props, default) for (v, s), (_, _, props, default) in chosen.items()]


def expectation_mismatches(report: Report, props: dict[str, str], default: str) -> list[str]:
    """What differs between a cell's report and the verdicts expected of it (empty when all agree)."""
    out = []
    got = {v.property: v for v in report.verdicts}
    for name in sorted(set(got) | set(props) | set(report.not_applicable)):
        want = props.get(name, default)
        have = got[name].verdict if name in got else "n/a"
        if name in report.not_applicable and name not in props:
            continue  # a property that does not apply is only compared when named
        if have != want:
            out.append(f"{name}: expected {want}, got {have}")
    if report.error:
        out.append(f"model error: {report.error}")
    return out


# -- a counterexample as a regression test (`modelcheck show TRACE --pytest OUT.py`) --------------------------------

@dataclass
class Replay:
    """How far a trace's actions go in a spec, and at which step it shows its property."""
    taken: int                    # steps taken (0: only the initial state)
    blocked_at: int | None        # the first step that cannot be taken, or None
    blocked_why: str
    shown_at: int | None          # first step where the property fails (a witness: holds), or None
    kind: str


def replay_steps(spec: str | type[Spec], init: dict[str, Any], steps: list[tuple[str, list]], *, property: str,
                 kind: str, variant: str | None = None, scenario: str | None = None,
                 params: dict[str, Any] | None = None) -> Replay:
    """Follow a trace's actions (name and JSON arguments) from its initial state (JSON) in the spec as it is now.

    Unlike `trace.replay` the states may differ from the recorded ones (the spec was fixed since): only
    whether each action can still be taken counts. Whether the trace shows its property is checked on
    every state: `always` fails, `sometimes` (a witness) holds, `deadlock` has no enabled action at the end;
    other kinds (always_possible, liveness) need more than one path, so they are never `shown` here."""
    from .trace import Step, decode_params, step_candidates, step_effect
    from .z3bridge import compile_properties

    path, cls = _spec(spec)
    bound = cls.bind(variant, scenario, decode_params(cls, params or {}, path))
    s = bound.from_json(init)
    if s not in bound.initial_states():
        return Replay(0, 0, "the trace's initial state is not an initial state of the spec", None, kind)
    prop = next((p for p in compile_properties(bound) if p.name == property), None)
    if prop is None and kind != "deadlock":
        raise AssertionError(f"{path}: no property {property!r} (any more)")

    def shows(state: Any, last: bool) -> bool:
        if kind == "always":
            return not prop.holds(state)
        if kind == "sometimes":
            return prop.holds(state)
        if kind == "deadlock":
            return last and not bound.enabled(state)
        return False

    shown = 0 if shows(s, not steps) else None
    for i, (action, args) in enumerate(steps, start=1):
        cands = step_candidates(bound, s, i, Step(action, list(args), {}))
        if not cands:
            known = any(a.name == action for a in bound.actions)
            why = "its guard is false" if known else "the spec has no such action"
            shown_args = f"({', '.join(map(str, args))})" if args else ""
            return Replay(i - 1, i, f"{action}{shown_args}: {why}", shown, kind)
        s = step_effect(bound, s, i, *cands[0])
        if shown is None and shows(s, i == len(steps)):
            shown = i
    return Replay(len(steps), None, "", shown, kind)


def assert_replay(spec: str | type[Spec], init: dict[str, Any], steps: list[tuple[str, list]],
                  expect: tuple[str, int | None], **kw: Any) -> Replay:
    """Assert what replaying a trace gives: ("violated", n) the property fails at step n (a witness:
    ("reached", n)); ("replays", n) all n steps can be taken; ("blocked", k) step k cannot be taken
    (k None: any step). A failure says what the replay gives now, and the EXPECT that would accept it."""
    __tracebackhide__ = True
    r = replay_steps(spec, init, steps, **kw)
    shown = "reached" if r.kind == "sometimes" else "violated"
    if r.blocked_at is not None:
        now: tuple[str, int | None] = ("blocked", r.blocked_at)
        said = f"the trace is blocked at step {r.blocked_at}: {r.blocked_why}"
    elif r.shown_at is not None and r.kind != "always_possible":
        now = (shown, r.shown_at)
        said = f"{kw.get('property')} is {shown} at step {r.shown_at}"
    else:
        now = ("replays", r.taken)
        said = (f"all {r.taken} steps can be taken, and {kw.get('property')} is not {shown} along them"
                if r.kind != "always_possible" else f"all {r.taken} steps can be taken")
    if expect == now or (expect == ("blocked", None) and now[0] == "blocked"):
        return r
    raise AssertionError(f"expected {expect!r}, but {said}.\nIf that is what a fix did, set EXPECT = {now!r}.")


def regression_test(trace: Trace, spec_path: str, source: str) -> str:
    """A pytest module that replays `trace` (read from `source`) against `spec_path` and asserts what it shows."""
    import json
    import pprint
    import re
    import textwrap

    shown = ("reached" if trace.kind == "sometimes" else "violated" if trace.kind in ("always", "deadlock")
             else "replays")  # always_possible, liveness and step properties: one path cannot show them here
    expect = (shown, trace.length)
    steps = "".join(f"    ({st.action!r}, {json.loads(json.dumps(st.args))!r}),  # {i}\n"
                    for i, st in enumerate(trace.steps[1:], start=1))
    name = re.sub(r"\W+", "_", ".".join(x for x in (os.path.splitext(os.path.basename(spec_path))[0], trace.variant,
                                                    trace.scenario, trace.property) if x)).strip("_").lower()
    what = {"violated": f"{trace.kind} {trace.property} is violated at its last step, {trace.length}",
            "reached": f"sometimes {trace.property} is reached at its last step, {trace.length}",
            "replays": f"all {trace.length} steps can be taken ({trace.kind} {trace.property} needs a full run: "
                       f"modelcheck verify)"}[shown]
    cell = ", ".join(x for x in (f"variant {trace.variant}" if trace.variant else "",
                                 f"scenario {trace.scenario}" if trace.scenario else "") if x) or "default cell"
    doc = textwrap.fill(
        f"It replays the trace's actions against {spec_path} ({cell}) from its initial state. When it was "
        f"written, {what}: EXPECT says so. After a fix that makes the trace impossible the test fails and names "
        f"the step that is now blocked; set EXPECT to what it prints, e.g. (\"blocked\", 3), and it keeps that "
        f"step blocked from then on. EXPECT = (\"blocked\", None) accepts any blocked step. Change VARIANT to "
        f"replay it under another variant (`modelcheck explain` says why it stops there).", 100)
    init = pprint.pformat(trace.steps[0].state, width=100, sort_dicts=True)
    params = pprint.pformat(trace.params, width=100, sort_dicts=True)
    return f'''"""Regression test written by `modelcheck show {source} --pytest`.

{doc}
"""
from modelcheck.testing import assert_replay

SPEC = {f"{spec_path}::{trace.spec_class}"!r}
VARIANT = {trace.variant!r}
SCENARIO = {trace.scenario!r}
PARAMS = {params}
PROPERTY = {trace.property!r}
KIND = {trace.kind!r}
INIT = {init}
STEPS = [
{steps}]
EXPECT = {expect!r}


def test_{name}():
    assert_replay(SPEC, INIT, STEPS, EXPECT, property=PROPERTY, kind=KIND, variant=VARIANT, scenario=SCENARIO,
                  params=PARAMS)
'''
