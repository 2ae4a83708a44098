"""Traces in the Informal Trace Format (ITF) of Apalache and Quint, so their tools can read them.

The file is one JSON object (see shared/itf.md, ADR-015 of Apalache):

- `"#meta"`: `format` ("ITF"), `format-description`, `source` (the spec file), `description`, and
  modelcheck's own keys `spec_class`, `variant`, `scenario`, `params`, `property`, `kind`, `status`
  (VIOLATED or WITNESS);
- `"vars"`: the spec's variables in declaration order, then `mbt::actionTaken` and `mbt::nondetPicks`;
- `"states"`: one object per step with `"#meta": {"index": i}` and one key per name in `vars`.

Values, by the variable's declared type:

| type | ITF |
|---|---|
| `Bool()` | JSON boolean |
| `IntRange(lo, hi)` | `{"#bigint": "n"}` (what Apalache and Quint write; readers here accept plain numbers too) |
| `Enum(...)` | the label, a JSON string |
| `TupleOf(T, n)` | `{"#tup": [...]}` |
| `SeqOf(T, m)` | JSON array (a TLA+ sequence) |
| `MapOf(keys, T)` | `{"#map": [[key, value], ...]}` in key order |
| `SetOf(domain)` | `{"#set": [...]}` in domain order |

Set members, map keys and action arguments are atoms: ints as `{"#bigint": ...}`, strings and booleans
as themselves, tuples as `{"#tup": [...]}`, frozensets as `{"#set": [...]}`.

Like Quint's `--mbt` output, each state records the action that produced it, `mbt::actionTaken`
(`"init"` for the first state), and the nondeterministic picks, `mbt::nondetPicks`: a record with one
field per argument name of every action of the spec (the effect's parameter names), on every state;
the arguments of the action taken are `{"tag": "Some", "value": v}` and every other field is
`{"tag": "None", "value": {"#tup": []}}` (Quint's `Option`). Two actions whose arguments share a name
share its field.

>>> from modelcheck.types import TupleOf, Enum
>>> value_to_itf(TupleOf(Enum("PC", ["idle", "busy"]), 2), (0, 1))
{'#tup': ['idle', 'busy']}
"""
from __future__ import annotations

import inspect
import json
from typing import Any

from .spec import BoundSpec
from .trace import Trace, TraceError, replay
from .types import Bool, DomainError, Enum, IntRange, MapOf, Record, SeqOf, SetOf, TupleOf, Type

__all__ = ["to_itf", "dumps", "value_to_itf", "value_from_itf", "atom_to_itf", "atom_from_itf", "states_from_itf",
           "ACTION_TAKEN", "NONDET_PICKS"]

ACTION_TAKEN, NONDET_PICKS = "mbt::actionTaken", "mbt::nondetPicks"


def _bigint(n: int) -> dict[str, str]:
    return {"#bigint": str(n)}


def atom_to_itf(a: Any) -> Any:
    """A set member, map key or action argument in ITF."""
    if isinstance(a, bool) or isinstance(a, str) or a is None:
        return a
    if isinstance(a, int):
        return _bigint(a)
    if isinstance(a, (tuple, list)):
        return {"#tup": [atom_to_itf(x) for x in a]}
    if isinstance(a, frozenset):
        return {"#set": sorted((atom_to_itf(x) for x in a), key=lambda v: json.dumps(v, sort_keys=True))}
    return {"#unserializable": repr(a)}


def _int_from_itf(data: Any) -> int:
    if type(data) is int:
        return data
    if isinstance(data, dict) and set(data) == {"#bigint"} and isinstance(data["#bigint"], str):
        try:
            return int(data["#bigint"])
        except ValueError:
            pass
    raise DomainError(f"expected an integer ({{\"#bigint\": \"n\"}} or a number), got {data!r}")


def atom_from_itf(data: Any) -> Any:
    """Inverse of `atom_to_itf` (lists are read as tuples, as JSON traces store tuple atoms)."""
    if isinstance(data, (bool, str)) or data is None or type(data) is int:
        return data
    if isinstance(data, dict) and set(data) == {"#bigint"}:
        return _int_from_itf(data)
    if isinstance(data, dict) and set(data) == {"#tup"} and isinstance(data["#tup"], list):
        return tuple(atom_from_itf(x) for x in data["#tup"])
    if isinstance(data, list):
        return tuple(atom_from_itf(x) for x in data)
    raise DomainError(f"not an ITF atom: {data!r}")


def value_to_itf(t: Type, value: Any) -> Any:
    """A value of type t in ITF (see the table in the module docstring)."""
    if isinstance(t, Bool):
        return value
    if isinstance(t, Enum):
        return t.labels[value]
    if isinstance(t, IntRange):
        return _bigint(value)
    if isinstance(t, MapOf):
        return {"#map": [[atom_to_itf(k), value_to_itf(t.value, v)] for k, v in zip(t.keys, value)]}
    if isinstance(t, TupleOf):
        return {"#tup": [value_to_itf(t.elem, x) for x in value]}
    if isinstance(t, SeqOf):
        return [value_to_itf(t.elem, x) for x in value]
    if isinstance(t, SetOf):
        return {"#set": [atom_to_itf(a) for a in sorted(value, key=t.order.__getitem__)]}
    if isinstance(t, Record):  # an ITF record: a plain object of its fields
        return {f: value_to_itf(ft, x) for (f, ft), x in zip(t.fields.items(), value)}
    return {"#unserializable": t.show(value)}


def value_from_itf(t: Type, data: Any) -> Any:
    """Inverse of `value_to_itf`; raises DomainError for data that does not fit t."""
    if isinstance(t, Bool):
        return t.from_json(data)
    if isinstance(t, Enum):
        return t.from_json(data)
    if isinstance(t, IntRange):
        return t.from_json(_int_from_itf(data))
    if isinstance(t, MapOf):
        if not (isinstance(data, dict) and set(data) == {"#map"} and isinstance(data["#map"], list)):
            raise DomainError(f"expected {{\"#map\": [[k, v], ...]}}, got {data!r:.100}")
        got = {}
        for pair in data["#map"]:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise DomainError(f"a #map entry must be [key, value], got {pair!r:.100}")
            got[atom_from_itf(pair[0])] = pair[1]
        if set(got) != set(t.keys):
            raise DomainError(f"expected the keys {list(t.keys)!r}, got {sorted(got, key=repr)!r}")
        return tuple(value_from_itf(t.value, got[k]) for k in t.keys)
    if isinstance(t, (TupleOf, SeqOf)):
        if isinstance(t, TupleOf) and isinstance(data, dict) and set(data) == {"#tup"}:
            data = data["#tup"]                 # a plain list is read too (files written before #tup)
        if not isinstance(data, list):
            want = '{"#tup": [...]}' if isinstance(t, TupleOf) else "a list"
            raise DomainError(f"expected {want}, got {data!r:.100}")
        value = tuple(value_from_itf(t.elem, x) for x in data)
        if not t.contains(value):
            raise DomainError(f"{value!r:.100} is outside {t!r}")
        return value
    if isinstance(t, SetOf):
        if not (isinstance(data, dict) and set(data) == {"#set"} and isinstance(data["#set"], list)):
            raise DomainError(f"expected {{\"#set\": [...]}}, got {data!r:.100}")
        value = frozenset(atom_from_itf(x) for x in data["#set"])
        if not t.contains(value):
            raise DomainError(f"{sorted(value, key=repr)!r:.100} is not a subset of the set's domain")
        return value
    if isinstance(t, Record):
        if not (isinstance(data, dict) and sorted(data) == sorted(t.fields)):
            raise DomainError(f"expected a record with fields {list(t.fields)}, got {data!r:.100}")
        return t.cls(*[value_from_itf(ft, data[f]) for f, ft in t.fields.items()])
    raise DomainError(f"cannot read {t!r} from ITF")


def _arg_names(action: Any) -> list[str]:
    names = list(inspect.signature(action.effect).parameters)[2:]
    return names if len(names) == action.nargs else [f"arg{i}" for i in range(action.nargs)]


NONE_PICK = {"tag": "None", "value": {"#tup": []}}


def pick_names(bound: BoundSpec) -> list[str]:
    """The fields of `mbt::nondetPicks`: every argument name of every action, in declaration order."""
    names: list[str] = []
    for a in bound.actions:
        names += [n for n in _arg_names(a) if n not in names]
    return names


def to_itf(bound: BoundSpec, trace: Trace) -> dict[str, Any]:
    """The ITF object of a trace, replayed against `bound` (TraceError if it does not replay)."""
    rep = replay(bound, trace)
    picks = pick_names(bound)
    states = []
    for i, (s, lab) in enumerate(zip(rep.states, rep.labels)):
        obj: dict[str, Any] = {"#meta": {"index": i}}
        for (n, t), v in zip(bound.variables.items(), s):
            obj[n] = value_to_itf(t, v)
        obj[NONDET_PICKS] = {k: NONE_PICK for k in picks}
        if lab is None:
            obj[ACTION_TAKEN] = "init"
        else:
            a, args = lab
            obj[ACTION_TAKEN] = a.name
            obj[NONDET_PICKS].update({k: {"tag": "Some", "value": atom_to_itf(x)}
                                      for k, x in zip(_arg_names(a), args)})
        states.append(obj)
    what = trace.property if trace.kind == "deadlock" else f"{trace.kind} {trace.property}"
    status = "VIOLATED" if trace.verdict == "VIOLATED" else "WITNESS"
    desc = (f"{'counterexample' if status == 'VIOLATED' else 'witness'} for {what} of {trace.spec_class}"
            + (f", variant {trace.variant}" if trace.variant else "")
            + (f", scenario {trace.scenario}" if trace.scenario else "")
            + f", {len(states) - 1} steps; written by modelcheck")
    meta = {"format": "ITF", "format-description": "Informal Trace Format (Apalache ADR-015)",
            "source": trace.spec, "description": desc, "status": status, "spec_class": trace.spec_class,
            "variant": trace.variant, "scenario": trace.scenario, "params": trace.params,
            "property": trace.property, "kind": trace.kind}
    out = {"#meta": meta, "vars": bound.names + [ACTION_TAKEN, NONDET_PICKS], "states": states}
    if trace.loop is not None:
        # ITF's loop is the state that follows the last one. Our last state *is* the state at trace.loop, so what
        # follows it is the one after that (or, for a behaviour that stutters at its end, the last state itself).
        out["loop"] = trace.loop + 1 if trace.loop < len(states) - 1 else trace.loop
    return out


def dumps(bound: BoundSpec, trace: Trace) -> str:
    """ITF text of a trace: sorted keys, no timestamps, so it diffs cleanly."""
    return json.dumps(to_itf(bound, trace), sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def states_from_itf(bound: BoundSpec, obj: Any) -> list[tuple[str, Any]]:
    """(action taken, state) for each state of an ITF object written for `bound`'s spec."""
    if not (isinstance(obj, dict) and isinstance(obj.get("states"), list) and isinstance(obj.get("vars"), list)):
        raise TraceError("not an ITF trace: expected an object with \"vars\" and \"states\" lists")
    out = []
    for i, st in enumerate(obj["states"]):
        try:
            state = bound.State(*[value_from_itf(t, st[n]) for n, t in bound.variables.items()])
        except KeyError as e:
            raise TraceError(f"ITF state {i}: missing variable {e}") from None
        except DomainError as e:
            raise TraceError(f"ITF state {i}: {e}") from None
        out.append((st.get(ACTION_TAKEN, "?"), state))
    return out
