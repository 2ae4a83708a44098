"""Finite domains for state variables and parameters.

Each type knows four things about its values: how to check one (compiled to Python source so the
explorer's check of a new state is one generated expression), how to write and read it as JSON,
how to show it to a person, and how to expose it to Z3 as leaf constants (Bool or Int).

>>> PC = Enum("PC", ["idle", "busy"])
>>> PC.busy
1
>>> TupleOf(PC, 2).to_json((0, 1))
['idle', 'busy']
"""
from __future__ import annotations

import collections
import itertools
from typing import Any, Iterable, Iterator

from .codegen import make_lambda

__all__ = ["canonical_order", "diff", "Type", "Bool", "IntRange", "Enum", "TupleOf", "MapOf", "SetOf", "SeqOf", "Record",
           "DomainError", "put"]


class DomainError(ValueError):
    """A value is outside its declared domain, or JSON does not decode to a value of the type."""


class _Gen:
    """Shared namespace for generated checking code: binds constants under fresh names."""

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {}
        self._n = itertools.count()

    def const(self, value: Any) -> str:
        name = f"_c{next(self._n)}"
        self.ns[name] = value
        return name

    def var(self) -> str:
        return f"_v{next(self._n)}"


class Leaf:
    """A scalar of the Z3 view: a Python expression over the state `s` and its Z3 sort and bounds."""

    __slots__ = ("name", "code", "sort", "lo", "hi", "const", "type")

    def __init__(self, name: str, code: str, sort: str, lo: int = 0, hi: int = 1, type: "Type | None" = None):
        self.name, self.code, self.sort, self.lo, self.hi, self.type = name, code, sort, lo, hi, type
        self.const = None  # set by z3bridge


class Type:
    """Base of all domains. Subclasses implement the methods below."""

    def contains(self, value: Any) -> bool:
        gen = _Gen()
        code = self.check_code("x", gen)
        return bool(make_lambda("x", code, f"check of {self!r}", gen.ns)(value))

    def check_code(self, expr: str, gen: _Gen) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def from_json(self, data: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def show(self, value: Any) -> str:
        return str(value)

    def leaves(self, name: str, code: str, gen: _Gen) -> Any:  # pragma: no cover - abstract
        """Return the view object for Z3 and register leaves on `gen.leaves`."""
        raise NotImplementedError

    def values(self) -> Iterator[Any]:  # pragma: no cover - abstract
        """Every value of the domain (used to parse and enumerate small parameter domains)."""
        raise NotImplementedError

    def parse(self, text: str) -> Any:
        """Parse a command-line value (`-p K=V`)."""
        raise DomainError(f"values of {self!r} cannot be given on the command line")


class Bool(Type):
    def check_code(self, expr, gen):
        return f"({expr} is True or {expr} is False)"

    def to_json(self, value):
        return value

    def from_json(self, data):
        if data is True or data is False:
            return data
        raise DomainError(f"expected true or false, got {data!r}")

    def show(self, value):
        return "true" if value else "false"

    def leaves(self, name, code, gen):
        leaf = Leaf(name, code, "bool", type=self)
        gen.leaves.append(leaf)
        return leaf

    def values(self):
        return iter((False, True))

    def parse(self, text):
        t = text.strip().lower()
        if t in ("true", "1", "yes", "on"):
            return True
        if t in ("false", "0", "no", "off"):
            return False
        raise DomainError(f"expected true or false, got {text!r}")

    def __repr__(self):
        return "Bool()"


class IntRange(Type):
    """Integers lo..hi, both inclusive."""

    def __init__(self, lo: int, hi: int):
        if not (isinstance(lo, int) and isinstance(hi, int)) or lo > hi:
            raise TypeError(f"IntRange needs two ints lo <= hi, got {lo!r}, {hi!r}")
        self.lo, self.hi = lo, hi

    def check_code(self, expr, gen):
        return f"(type({expr}) is int and {self.lo} <= {expr} <= {self.hi})"

    def to_json(self, value):
        return value

    def from_json(self, data):
        if type(data) is int and self.lo <= data <= self.hi:
            return data
        raise DomainError(f"expected an integer in {self.lo}..{self.hi}, got {data!r}")

    def leaves(self, name, code, gen):
        leaf = Leaf(name, code, "int", self.lo, self.hi, type=self)
        gen.leaves.append(leaf)
        return leaf

    def values(self):
        return iter(range(self.lo, self.hi + 1))

    def parse(self, text):
        try:
            v = int(text.strip())
        except ValueError:
            raise DomainError(f"expected an integer in {self.lo}..{self.hi}, got {text!r}") from None
        return self.from_json(v)

    def __repr__(self):
        return f"IntRange({self.lo}, {self.hi})"


class Enum(IntRange):
    """Named labels, stored as their index: `E = Enum("E", ["a", "b"])`, then `E.b == 1`."""

    def __init__(self, name: str, labels: Iterable[str]):
        labels = list(labels)
        if not labels or len(set(labels)) != len(labels):
            raise TypeError(f"Enum {name!r} needs distinct labels, got {labels!r}")
        for lab in labels:
            if not isinstance(lab, str) or not lab.isidentifier() or lab.startswith("_"):
                raise TypeError(f"Enum {name!r}: label {lab!r} must be an identifier not starting with '_'")
        super().__init__(0, len(labels) - 1)
        self.name = name
        self.labels = tuple(labels)
        for i, lab in enumerate(labels):
            if hasattr(type(self), lab) or lab in vars(self):  # e.g. `lo` or `labels` would overwrite the Enum's own
                raise TypeError(f"Enum {name!r}: label {lab!r} clashes with an Enum attribute")
            setattr(self, lab, i)

    def to_json(self, value):
        return self.labels[value]

    def from_json(self, data):
        if isinstance(data, str) and data in self.labels:
            return self.labels.index(data)
        raise DomainError(f"expected one of {', '.join(self.labels)} ({self.name}), got {data!r}")

    def show(self, value):
        return self.labels[value] if type(value) is int and 0 <= value < len(self.labels) else repr(value)

    def parse(self, text):
        return self.from_json(text.strip())

    def __repr__(self):
        return f"Enum({self.name!r}, {list(self.labels)!r})"


class TupleOf(Type):
    """A fixed-size tuple of n values of one type."""

    def __init__(self, elem: Type, n: int):
        if not isinstance(elem, Type):
            raise TypeError(f"TupleOf needs a type as its element, got {elem!r}")
        if not isinstance(n, int) or n < 0:
            raise TypeError(f"TupleOf needs a size >= 0, got {n!r}")
        self.elem, self.n = elem, n

    def check_code(self, expr, gen):
        head = f"type({expr}) is tuple and len({expr}) == {self.n}"
        if self.n == 0:
            return f"({head})"
        if self.n <= 8:
            parts = [self.elem.check_code(f"{expr}[{i}]", gen) for i in range(self.n)]
            return f"({head} and {' and '.join(parts)})"
        v = gen.var()
        return f"({head} and all({self.elem.check_code(v, gen)} for {v} in {expr}))"

    def to_json(self, value):
        return [self.elem.to_json(x) for x in value]

    def from_json(self, data):
        if not isinstance(data, list) or len(data) != self.n:
            raise DomainError(f"expected a list of {self.n} values, got {data!r}")
        return tuple(self.elem.from_json(x) for x in data)

    def show(self, value):
        return "(" + ", ".join(self.elem.show(x) for x in value) + ")"

    def leaves(self, name, code, gen):
        return [self.elem.leaves(f"{name}[{i}]", f"{code}[{i}]", gen) for i in range(self.n)]

    def values(self):
        return itertools.product(*[list(self.elem.values())] * self.n)

    def __repr__(self):
        return f"TupleOf({self.elem!r}, {self.n})"


class MapOf(Type):
    """A total map from a fixed list of keys to values, stored as a tuple in key order."""

    def __init__(self, keys: Iterable[Any], value: Type):
        self.keys = tuple(keys)
        if len(set(self.keys)) != len(self.keys):
            raise TypeError(f"MapOf keys must be distinct, got {self.keys!r}")
        if not isinstance(value, Type):
            raise TypeError(f"MapOf needs a type for its values, got {value!r}")
        self.value = value
        self.index = {k: i for i, k in enumerate(self.keys)}
        self._tuple = TupleOf(value, len(self.keys))

    def check_code(self, expr, gen):
        return self._tuple.check_code(expr, gen)

    def to_json(self, value):
        return {str(k): self.value.to_json(v) for k, v in zip(self.keys, value)}

    def from_json(self, data):
        if not isinstance(data, dict) or sorted(data) != sorted(str(k) for k in self.keys):
            raise DomainError(f"expected an object with keys {[str(k) for k in self.keys]}, got {data!r}")
        return tuple(self.value.from_json(data[str(k)]) for k in self.keys)

    def show(self, value):
        return "{" + ", ".join(f"{k}: {self.value.show(v)}" for k, v in zip(self.keys, value)) + "}"

    def leaves(self, name, code, gen):
        return {k: self.value.leaves(f"{name}[{k!r}]", f"{code}[{i}]", gen) for i, k in enumerate(self.keys)}

    def values(self):
        return self._tuple.values()

    def __repr__(self):
        return f"MapOf({list(self.keys)!r}, {self.value!r})"


def _atom_json(a: Any) -> Any:
    return [_atom_json(x) for x in a] if isinstance(a, tuple) else a


class SetLeaves:
    """The leaves of a `SetOf` variable: one Bool per atom of its domain (z3bridge makes the view from it)."""

    def __init__(self, name: str, members: dict):
        self.name, self.members = name, members


class SeqLeaves:
    """The leaves of a `SeqOf` variable: its length, and the leaves of element i made on first use by
    `element(i)` (so a spec whose properties read only lengths has no element leaves at all)."""

    def __init__(self, name: str, len_leaf: Leaf, maxlen: int, element: Any):
        self.name, self.len_leaf, self.maxlen, self.element = name, len_leaf, maxlen, element


class RecordLeaves:
    """The leaves of a `Record` value: field name -> the field's leaves."""

    def __init__(self, name: str, fields: dict[str, Any]):
        self.name, self.fields = name, fields


class SetOf(Type):
    """A subset of a small domain of atoms (ints, strings, or tuples of those), as a frozenset."""

    def __init__(self, domain: Iterable[Any]):
        self.domain = tuple(domain)
        if len(set(self.domain)) != len(self.domain):
            raise TypeError("SetOf domain must not repeat atoms")
        self.order = {a: i for i, a in enumerate(self.domain)}
        self._json = {json_key(_atom_json(a)): a for a in self.domain}

    def check_code(self, expr, gen):
        return f"(type({expr}) is frozenset and {expr} <= {gen.const(frozenset(self.domain))})"

    def to_json(self, value):
        return [_atom_json(a) for a in sorted(value, key=self.order.__getitem__)]

    def from_json(self, data):
        if not isinstance(data, list):
            raise DomainError(f"expected a list (a set), got {data!r}")
        out = set()
        for item in data:
            key = json_key(item)
            if key not in self._json:
                raise DomainError(f"{item!r} is not in the set's domain")
            out.add(self._json[key])
        return frozenset(out)

    def show(self, value):
        return "{" + ", ".join(_show_atom(a) for a in sorted(value, key=self.order.__getitem__)) + "}"

    def leaves(self, name, code, gen):
        members = {}
        for a in self.domain:
            leaf = Leaf(f"{name}.has({_show_atom(a)})", f"({gen.const(a)} in {code})", "bool", type=Bool())
            gen.leaves.append(leaf)
            members[a] = leaf
        return SetLeaves(name, members)

    def values(self):
        return (frozenset(c) for r in range(len(self.domain) + 1) for c in itertools.combinations(self.domain, r))

    def __repr__(self):
        return f"SetOf({list(self.domain)!r})"


class SeqOf(Type):
    """A tuple of 0..maxlen values of one type (a queue or a log)."""

    def __init__(self, elem: Type, maxlen: int):
        if not isinstance(elem, Type):
            raise TypeError(f"SeqOf needs a type as its element, got {elem!r}")
        self.elem, self.maxlen = elem, maxlen

    def check_code(self, expr, gen):
        v = gen.var()
        return (f"(type({expr}) is tuple and len({expr}) <= {self.maxlen} and "
                f"all({self.elem.check_code(v, gen)} for {v} in {expr}))")

    def to_json(self, value):
        return [self.elem.to_json(x) for x in value]

    def from_json(self, data):
        if not isinstance(data, list) or len(data) > self.maxlen:
            raise DomainError(f"expected a list of at most {self.maxlen} values, got {data!r}")
        return tuple(self.elem.from_json(x) for x in data)

    def show(self, value):
        return "[" + ", ".join(self.elem.show(x) for x in value) + "]"

    def leaves(self, name, code, gen):
        leaf = Leaf(f"len({name})", f"len({code})", "int", 0, self.maxlen, type=IntRange(0, self.maxlen))
        gen.leaves.append(leaf)
        # beyond the length, an element reads as the element type's first value: any fixed value would do, as
        # a property reads element i only where len > i (z3 leaves it free there)
        absent = gen.const(next(iter(self.elem.values())))
        sink = gen.leaves  # element leaves join this view's leaves, whenever they are made

        def element(i: int) -> Any:
            saved, gen.leaves = gen.leaves, sink
            try:
                return self.elem.leaves(f"{name}[{i}]", f"({code}[{i}] if len({code}) > {i} else {absent})", gen)
            finally:
                gen.leaves = saved
        return SeqLeaves(name, leaf, self.maxlen, element)

    def values(self):
        elems = list(self.elem.values())
        return (t for n in range(self.maxlen + 1) for t in itertools.product(elems, repeat=n))

    def __repr__(self):
        return f"SeqOf({self.elem!r}, {self.maxlen})"


class Record(Type):
    """A value with named fields: `Msg = Record("Msg", seq=IntRange(0, 3), kind=Kind)`. `Msg(seq=1, kind=...)`
    builds one (a named tuple: read `m.seq`); properties read `v.x.seq`; in JSON it is an object."""

    def __init__(self, name: str, **fields: Type):
        if not name.isidentifier():
            raise TypeError(f"Record needs an identifier as its name, got {name!r}")
        if not fields:
            raise TypeError(f"Record {name!r} needs at least one field")
        for f, t in fields.items():
            if not isinstance(t, Type):
                raise TypeError(f"Record {name!r}: field {f!r} needs a type, got {t!r}")
            if f.startswith("_"):
                raise TypeError(f"Record {name!r}: field {f!r} must not start with '_'")
        self.name, self.fields = name, dict(fields)
        key = repr(self)
        self.cls = _RECORD_CLASSES.get(key) or _RECORD_CLASSES.setdefault(key, _record_class(key, name, list(fields)))

    def __call__(self, **values: Any) -> Any:
        """A value of this record type; every field must be given."""
        missing = [f for f in self.fields if f not in values]
        extra = [f for f in values if f not in self.fields]
        if missing or extra:
            raise TypeError(f"{self.name}(...): " + "; ".join(x for x in (
                f"missing {', '.join(missing)}" if missing else "", f"unknown {', '.join(extra)}" if extra else "") if x))
        return self.cls(**values)

    def check_code(self, expr, gen):
        parts = [t.check_code(f"{expr}[{i}]", gen) for i, t in enumerate(self.fields.values())]
        return f"(type({expr}) is {gen.const(self.cls)} and {' and '.join(parts)})"

    def to_json(self, value):
        return {f: t.to_json(x) for (f, t), x in zip(self.fields.items(), value)}

    def from_json(self, data):
        if not isinstance(data, dict) or sorted(data) != sorted(self.fields):
            raise DomainError(f"expected an object with fields {list(self.fields)} ({self.name}), got {data!r}")
        return self.cls(*[t.from_json(data[f]) for f, t in self.fields.items()])

    def show(self, value):
        return "{" + ", ".join(f"{f}: {t.show(x)}" for (f, t), x in zip(self.fields.items(), value)) + "}"

    def leaves(self, name, code, gen):
        return RecordLeaves(name, {f: t.leaves(f"{name}.{f}", f"{code}[{i}]", gen)
                                   for i, (f, t) in enumerate(self.fields.items())})

    def values(self):
        return (self.cls(*vals) for vals in itertools.product(*[list(t.values()) for t in self.fields.values()]))

    def __repr__(self):
        return f"Record({self.name!r}, " + ", ".join(f"{f}={t!r}" for f, t in self.fields.items()) + ")"


# Record values are named tuples of a class made at run time, which pickle cannot find by name. Each class
# pickles its values as (its Record type's repr, field values), and unpickling finds the class of an equal
# Record type in the receiving process (made there if that process has none yet): a forked search worker
# and the process it reports to then share one class per Record type, and `type(x) is cls` holds.
_RECORD_CLASSES: dict[str, type] = {}   # repr of a Record type -> the class of its values


def _record_class(key: str, name: str, fields: list[str]) -> type:
    def __reduce__(self: Any) -> tuple:
        return _record_value, (key, name, fields, tuple(self))
    return type(name, (collections.namedtuple(name, fields),), {"__slots__": (), "__reduce__": __reduce__,
                                                                  "__module__": __name__})


def _record_value(key: str, name: str, fields: list[str], values: tuple) -> Any:
    """A Record value rebuilt by pickle (see _RECORD_CLASSES)."""
    cls = _RECORD_CLASSES.get(key) or _RECORD_CLASSES.setdefault(key, _record_class(key, name, fields))
    return cls(*values)


def _show_atom(a: Any) -> str:
    if isinstance(a, tuple):
        return "(" + ", ".join(_show_atom(x) for x in a) + ")"
    return str(a)


def json_key(data: Any) -> str:
    import json

    return json.dumps(data, sort_keys=True)


def put(tup: tuple, index: Any, value: Any) -> tuple:
    """Copy of `tup` with `tup[index]` replaced; `index` may be a tuple of indices into nested tuples.

    >>> put((1, 2, 3), 1, 9)
    (1, 9, 3)
    >>> put(((0, 0), (0, 0)), (1, 0), 5)
    ((0, 0), (5, 0))
    """
    if type(index) is tuple:
        if len(index) == 1:
            index = index[0]
        else:
            i = index[0]
            return tup[:i] + (put(tup[i], index[1:], value),) + tup[i + 1:]
    return tup[:index] + (value,) + tup[index + 1:]


def diff(t: Type, path: str, old: Any, new: Any, whole: int = 60) -> list[tuple[str, str, str]]:
    """What changed between two values of type t: whole if short, else element by element."""
    if old == new:
        return []
    a, b = t.show(old), t.show(new)
    if len(a) + len(b) <= whole:
        return [(path, a, b)]
    if isinstance(t, SetOf):
        added = sorted(new - old, key=t.order.__getitem__)
        removed = sorted(old - new, key=t.order.__getitem__)
        parts = []
        if added:
            parts.append("+" + t.show(frozenset(added)))
        if removed:
            parts.append("-" + t.show(frozenset(removed)))
        return [(path, None, " ".join(parts))]
    if isinstance(t, TupleOf):
        out = []
        for i, (x, y) in enumerate(zip(old, new)):
            out += diff(t.elem, f"{path}[{i}]", x, y, whole)
        return out
    if isinstance(t, MapOf):
        out = []
        for k, x, y in zip(t.keys, old, new):
            out += diff(t.value, f"{path}[{k}]", x, y, whole)
        return out
    return [(path, a, b)]


def canonical_order(items: Any) -> Any:
    """Items that come as a set (or dict), sorted by their JSON form: an order that does not depend on
    PYTHONHASHSEED. Lists, tuples and ranges keep their own order."""
    if isinstance(items, (set, frozenset, dict)):
        return sorted(items, key=lambda x: json_key(_plain(x)))
    return items


def _plain(x: Any) -> Any:
    if isinstance(x, (tuple, list)):
        return [_plain(y) for y in x]
    if isinstance(x, frozenset):
        return sorted(json_key(_plain(y)) for y in x)
    return x
