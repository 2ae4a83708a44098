"""Counterexample and witness traces: `Trace` of `Step`s, JSON storage, and replay.

A trace file is JSON with sorted keys and no timestamps, so a stored counterexample diffs cleanly.
`replay(bound, trace)` re-executes every step against the spec and rejects a trace whose states
do not match (stale after a spec change, hand-edited, or from another spec), naming the first
divergent step.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from . import interrupt
from .loader import load_spec
from .spec import BoundSpec, StepError, UsageError
from .types import DomainError

__all__ = ["Step", "Trace", "TraceError", "dumps", "loads", "dump", "load", "replay", "trace_from_path",
           "find_spec", "bind_trace", "decode_params"]

FORMAT = "modelcheck-trace/1"


class TraceError(Exception):
    """A trace file that cannot be read, or a trace that does not replay against its spec."""


@dataclass
class Step:
    """One step: the action taken (`init` for the first state), its arguments, and the state after it."""

    action: str
    args: list[Any]
    state: dict[str, Any]


@dataclass
class Trace:
    """A path from an initial state: the steps, and what it shows about which property of which cell.

    `verdict` is the trace's role: VIOLATED for a counterexample, WITNESS for an example that a
    `sometimes` property holds (whose verdict is VERIFIED). A liveness counterexample is a lasso: `loop` is
    the step its cycle starts from."""
    spec: str                   # the spec file, as given to the tool
    spec_class: str
    variant: str | None
    scenario: str | None
    params: dict[str, Any]
    property: str
    kind: str                   # always | sometimes | always_possible | deadlock
    verdict: str                # VIOLATED (a counterexample) or WITNESS (a sometimes example)
    steps: list[Step] = field(default_factory=list)
    # a lasso (liveness counterexample): the last state equals the state at step `loop`, and the behaviour repeats
    # the steps after `loop` forever (loop == the last index: it stays in that state, stuttering)
    loop: int | None = None

    @property
    def length(self) -> int:
        """Number of actions taken (the initial state is not a step of its own)."""
        return len(self.steps) - 1


def _args_json(args: tuple) -> list:
    def conv(x):
        if isinstance(x, (tuple, list)):
            return [conv(y) for y in x]
        if isinstance(x, frozenset):
            return sorted((conv(y) for y in x), key=lambda v: json.dumps(v, sort_keys=True))
        return x
    return [conv(a) for a in args]


def trace_from_path(bound: BoundSpec, spec_path: str, prop: str, kind: str, verdict: str,
                    path: list[tuple[Any, Any]], loop: int | None = None) -> Trace:
    steps = []
    for lab, s in path:
        if lab is None:
            steps.append(Step("init", [], bound.to_json(s)))
        else:
            a, args = lab
            steps.append(Step(a.name, _args_json(args), bound.to_json(s)))
    return Trace(spec_path, bound.name, bound.variant, bound.scenario, bound.params_json(), prop, kind, verdict,
                 steps, loop)


def dumps(trace: Trace) -> str:
    """The trace file's text: JSON with sorted keys and no timestamps, so stored traces diff cleanly."""
    obj = {
        "format": FORMAT, "spec": trace.spec, "spec_class": trace.spec_class, "variant": trace.variant,
        "scenario": trace.scenario, "params": trace.params, "property": trace.property, "kind": trace.kind,
        "verdict": trace.verdict, "length": trace.length,
        "steps": [{"action": st.action, "args": st.args, "state": st.state} for st in trace.steps],
    }
    if trace.loop is not None:  # only lassos carry it: every other stored trace stays byte for byte the same
        obj["loop"] = trace.loop
    return json.dumps(obj, sort_keys=True, indent=1) + "\n"


def loads(text: str) -> Trace:
    """Parse a trace file's text; anything that is not a trace is a TraceError saying what is wrong."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as e:  # ValueError: also an integer of more than 4300 digits
        raise TraceError(f"not a trace: the file is not valid JSON ({e})") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise TraceError(f"not a trace: expected a JSON object with \"format\": \"{FORMAT}\"")
    try:
        steps_raw = obj["steps"]
        if not isinstance(steps_raw, list) or not steps_raw:
            raise TraceError("not a trace: \"steps\" must be a non-empty list")
        steps = []
        for i, st in enumerate(steps_raw):
            if not (isinstance(st, dict) and isinstance(st.get("action"), str) and isinstance(st.get("args"), list)
                    and isinstance(st.get("state"), dict)):
                raise TraceError(f"not a trace: step {i} needs \"action\" (text), \"args\" (list) and \"state\" (object)")
            steps.append(Step(st["action"], st["args"], st["state"]))
        for key, typ in (("spec", str), ("spec_class", str), ("property", str), ("kind", str), ("verdict", str),
                         ("params", dict)):
            if not isinstance(obj.get(key), typ):
                raise TraceError(f"not a trace: \"{key}\" is missing or not a {typ.__name__}")
        for key in ("variant", "scenario"):
            if obj.get(key) is not None and not isinstance(obj[key], str):
                raise TraceError(f"not a trace: \"{key}\" must be text or null")
        loop = obj.get("loop")
        if loop is not None and not (type(loop) is int and 0 <= loop < len(steps)):
            raise TraceError(f"not a trace: \"loop\" must be the index of a step (0..{len(steps) - 1}), got {loop!r}")
        length = obj.get("length")
        if isinstance(length, int) and not isinstance(length, bool) and length != len(steps) - 1:
            what = "truncated" if length > len(steps) - 1 else "not as written"
            raise TraceError(f"the trace is {what}: it records a length of {length} steps but holds "
                             f"{len(steps) - 1}")
        return Trace(obj["spec"], obj["spec_class"], obj.get("variant"), obj.get("scenario"), obj["params"],
                     obj["property"], obj["kind"], obj["verdict"], steps, loop)
    except KeyError as e:
        raise TraceError(f"not a trace: missing key {e}") from None


def dump(trace: Trace, path: str) -> None:
    """Write a trace atomically: a complete temporary file is checked, then renamed over `path`."""
    text = dumps(trace)
    loads(text)  # only a valid trace replaces a file
    write_atomic(path, text)


def write_atomic(path: str, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path`: whole or not at all."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    with interrupt.deferred():  # a Ctrl-C or SIGTERM lands after the file is complete or cleaned up
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=d)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


def load(path: str) -> Trace:
    """Read a trace file; a missing, empty or malformed file is a TraceError naming the path."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise TraceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TraceError(f"{path}: is a directory, not a trace file") from None
    except UnicodeDecodeError:
        raise TraceError(f"{path}: not a trace: not UTF-8 text") from None
    except OSError as e:
        raise TraceError(f"{path}: cannot read: {e.strerror}") from None
    if not text.strip():
        raise TraceError(f"{path}: not a trace: the file is empty")
    try:
        return loads(text)
    except TraceError as e:
        raise TraceError(f"{path}: {e}") from None


def step_candidates(bound: BoundSpec, s: Any, i: int, st: Step) -> list[tuple[Any, tuple]]:
    """The enabled (action, args) of state s that step i of a trace names (by action and JSON arguments)."""
    try:
        return [(a, args) for a, args in bound.enabled(s) if a.name == st.action and _args_json(args) == st.args]
    except StepError as e:
        raise TraceError(f"step {i} ({st.action}): {e}") from None


def step_effect(bound: BoundSpec, s: Any, i: int, a: Any, args: tuple) -> Any:
    try:
        return bound.apply(a, s, args)
    except StepError as e:
        raise TraceError(f"step {i} ({a.name}): {e}") from None


@dataclass
class Replayed:
    states: list[Any]
    labels: list[tuple[Any, tuple] | None]


def replay(bound: BoundSpec, trace: Trace) -> Replayed:
    """Re-execute a trace against a bound spec; raise TraceError at the first step that diverges."""
    if trace.spec_class != bound.name:
        raise TraceError(f"the trace is from spec {trace.spec_class!r}, not {bound.name!r}")
    def decode(i: int, st: Step) -> Any:
        try:
            return bound.from_json(st.state)
        except DomainError as e:
            raise TraceError(f"step {i} ({st.action}): its state does not fit the spec's variables: {e}") from None

    first = decode(0, trace.steps[0])
    if trace.steps[0].action != "init":
        raise TraceError("step 0 must be the initial state (action \"init\")")
    if first not in bound.initial_states():
        raise TraceError("step 0: the trace's first state is not an initial state of the spec "
                         "(the spec or its parameters changed since the trace was written)")
    states, labels = [first], [None]
    s = first
    for i, st in enumerate(trace.steps[1:], start=1):
        want = decode(i, st)
        match = None
        cands = step_candidates(bound, s, i, st)
        if not cands:
            known = any(a.name == st.action for a in bound.actions)
            why = "no such action in the spec" if known is False else "its guard is false in the previous state"
            raise TraceError(f"step {i}: action {st.action}{tuple(st.args) if st.args else ''} cannot be taken: "
                             f"{why}; the trace is stale or not from this spec")
        for a, args in cands:
            t = step_effect(bound, s, i, a, args)
            if t == want:
                match = (a, args, t)
                break
        if match is None:
            got = step_effect(bound, s, i, *cands[0])
            diff = [n for n, x, y in zip(bound.names, got, want) if x != y]
            raise TraceError(f"step {i}: action {st.action} gives a different state than the trace records "
                             f"(differs in {', '.join(diff)}); the trace is stale, hand-edited, or the spec "
                             f"is nondeterministic (set or dict iteration order, randomness)")
        states.append(match[2])
        labels.append((match[0], match[1]))
        s = match[2]
    if trace.loop is not None and states[-1] != states[trace.loop]:
        diff = [n for n, x, y in zip(bound.names, states[-1], states[trace.loop]) if x != y]
        raise TraceError(f"the trace's loop does not close: its last state differs from the state at step "
                         f"{trace.loop} (in {', '.join(diff)}), where the cycle is said to start")
    return Replayed(states, labels)


# -- the spec a trace belongs to ---------------------------------------------------------------------

def find_spec(trace: Trace, trace_path: str | None = None, spec: str | None = None) -> str:
    """The spec file of a trace: `spec` if the user gives one; else the trace's recorded path, relative to
    the current directory, as `specs/NAME.py` there, or relative to the trace's directory or one above it.

    Specs are code and traces are trusted input, but a trace alone never leads the import elsewhere: a
    recorded path that is absolute outside the current directory, or that climbs out with `..`, is
    refused (pass --spec to choose the file)."""
    if spec is not None:
        path = spec.split("::")[0]
        if not os.path.isfile(path):
            raise TraceError(f"--spec {path}: no such spec file")
        return path
    rec = trace.spec.split("::")[0]
    stem = os.path.splitext(os.path.basename(rec))[0]
    if os.path.isabs(rec):
        here = os.path.realpath(os.getcwd())
        if not os.path.realpath(rec).startswith(here + os.sep):
            raise TraceError(f"the trace names its spec by an absolute path outside the current directory "
                             f"({rec}); modelcheck does not import it on a trace's say-so: pass --spec {rec} "
                             f"if you trust it")
        cands = [rec]
    elif ".." in rec.replace("\\", "/").split("/"):
        raise TraceError(f"the trace names its spec by a path that leaves its directory ({rec}); modelcheck does "
                         f"not import it on a trace's say-so: pass --spec PATH")
    else:
        cands = [rec, os.path.join("specs", stem + ".py")]
        if trace_path:
            d = os.path.dirname(os.path.abspath(trace_path))
            while True:
                cands.append(os.path.join(d, rec))
                parent = os.path.dirname(d)
                if parent == d:
                    break
                d = parent
    for c in cands:
        if os.path.isfile(c):
            return c
    raise TraceError(f"the trace's spec {trace.spec!r} cannot be found (tried it relative to the current "
                     f"directory, specs/{stem}.py, and relative to the directories above the trace); "
                     f"run from the project root or pass --spec PATH")


def bind_trace(trace: Trace, trace_path: str | None = None, spec: str | None = None) -> tuple[str, BoundSpec]:
    """Load a trace's spec (`spec`, or the one it names: see find_spec) and bind it with the trace's
    variant, scenario and parameters."""
    path = find_spec(trace, trace_path, spec)
    try:
        _, cls = load_spec(f"{path}::{trace.spec_class}")
    except UsageError as e:
        raise TraceError(f"the trace is from spec class {trace.spec_class!r}, which {path} does not define "
                         f"({e})") from None
    values = decode_params(cls, trace.params, path)
    try:
        bound = cls.bind(trace.variant, trace.scenario, values)
    except UsageError as e:
        raise TraceError(f"the trace's variant/scenario does not fit {path}: {e}") from None
    return path, bound


def decode_params(cls: type, params: dict[str, Any], where: str = "the spec") -> dict[str, Any]:
    """A trace's parameters (JSON) as values of the spec's parameter domains."""
    values = {}
    declared = cls.parameters()
    for k, v in params.items():
        if k not in declared:
            raise TraceError(f"the trace sets parameter {k!r}, which {where} no longer has; the trace is stale")
        try:
            values[k] = declared[k].domain.from_json(v)
        except DomainError as e:
            raise TraceError(f"the trace's parameter {k}: {e}") from None
    return values
