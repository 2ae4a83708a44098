"""Symbolic transitions from the spec's own Python: each action's guard and effect run on Z3 proxies.

The state variables become Z3 constants (`Layout`), wrapped in proxies (`SymBool`, `SymInt`, `SymSet`,
`SymSeq`; tuples and maps stay Python tuples of proxies) and handed to the spec's guard and effect as
an ordinary `State`. Whenever Python needs a concrete answer about a symbolic value (`if`, `and`, `len`,
an index, a hash) the run asks a `Decider`: the first run takes one feasible answer and records it; the
alternatives are explored by re-running with the recorded decisions as a prefix (as CrossHair does), so
every path of the Python code is taken under its own path condition. Initial states are the spec's own
concrete initial states.

A path that raises is checked on a concrete state Z3 picks from its path condition: if the spec raises
there too, the path is a model error (as the explicit search would report); if not, the construct is
outside the supported subset and `NotTranslatable` names the action and the spec line. Nothing is
approximated silently: an effect that leaves the declared domains is a model error too, never a dropped
transition.
"""
from __future__ import annotations

import ast
import os
import sys
import time
import traceback
import types as pytypes
from dataclasses import dataclass, field
from typing import Any, Callable

import z3
from z3.z3 import _to_expr_ref

from ..spec import ActionDef, BoundSpec
from ..types import Bool, IntRange, MapOf, Record, SeqOf, SetOf, TupleOf, Type, canonical_order
from ..z3bridge import build_view

__all__ = ["NotTranslatable", "Layout", "Encoding", "encode", "SymBool", "SymInt", "SymSet", "SymSeq"]

MAX_PATHS = 2000          # per action instance: more is reported as not translatable, never cut short
MAX_VALUES = 512          # values one symbolic integer may take where Python needs a concrete one


class NotTranslatable(Exception):
    """The spec uses a construct outside the symbolic subset; the spec stays explicit-only."""


def feasible_values(solver: z3.Solver, e: Any, where: str) -> list[int]:
    """Every value the integer term e can take under the solver's assertions (left as they were), found by
    blocking each model's value in turn; more than MAX_VALUES is NotTranslatable (`where` says why one was
    needed)."""
    vals: list[int] = []
    solver.push()
    try:
        while True:
            r = solver.check()
            if r == z3.unknown:
                raise NotTranslatable(f"Z3 could not enumerate the values of {e}")
            if r != z3.sat:
                return vals
            v = solver.model().eval(e, model_completion=True).as_long()
            vals.append(v)
            if len(vals) > MAX_VALUES:
                raise NotTranslatable(f"{e} takes more than {MAX_VALUES} values {where}")
            solver.add(e != v)
    finally:
        solver.pop()


class _Raised(Exception):
    """Internal: the spec code raised on a symbolic path."""


# -- the decisions of one run ------------------------------------------------------------------------------

class Decider:
    """One run along a prefix of recorded decisions; new decisions take the first feasible answer."""

    def __init__(self, base: list[Any], prefix: list[Any], solver: Any = None, model: Any = None):
        self.prefix, self.pos = prefix, 0
        self.taken: list[Any] = []
        self.alternatives: list[list[Any]] = []
        self.sites: dict[str, int] = {}   # spec line -> alternatives it created (to say where paths multiply)
        self.pc: list[Any] = []
        self.model = model   # a model of the path condition so far (None: not known), to spare solver calls
        if solver is None:
            self.solver = z3.Solver()
            self.solver.add(*base)
        else:   # a nested run (merge.py): the caller's solver, pushed, so the caller's path condition holds
            self.solver = solver

    def _add(self, c: Any) -> None:
        self.pc.append(c)
        self.solver.add(c)
        if self.model is not None and not z3.is_true(self.model.eval(c, model_completion=True)):
            self.model = None

    def _feasible(self, c: Any) -> bool:
        self.solver.push()
        self.solver.add(c)
        r = self.solver.check()
        self.solver.pop()
        if r == z3.unknown:
            raise NotTranslatable(f"Z3 could not decide a branch condition ({self.solver.reason_unknown()})")
        return r == z3.sat

    def _model(self) -> Any:
        """A model of the path condition (None if it has none)."""
        if self.model is None:
            r = self.solver.check()
            if r == z3.unknown:
                raise NotTranslatable(f"Z3 could not decide a path condition ({self.solver.reason_unknown()})")
            if r == z3.sat:
                self.model = self.solver.model()
        return self.model

    def assume(self, c: Any) -> bool:
        """Add c to the path condition; False if the path becomes infeasible."""
        c = z3.simplify(c)
        if z3.is_true(c):
            return True
        if z3.is_false(c):
            return False
        m = self._model()
        if m is None or not (z3.is_true(m.eval(c, model_completion=True)) or self._feasible(c)):
            return False
        self._add(c)
        return True

    def truth(self, c: Any) -> bool:
        c = z3.simplify(c)
        if z3.is_true(c):
            return True
        if z3.is_false(c):
            return False
        if self.pos < len(self.prefix):
            d = self.prefix[self.pos]
            self.pos += 1
        else:
            m = self._model()
            if m is None:   # the path itself is infeasible (cannot happen on a path Z3 let through)
                raise NotTranslatable("an infeasible path was taken")
            d = z3.is_true(m.eval(c, model_completion=True))   # one side is feasible: the model's
            if self._feasible(z3.Not(c) if d else c):
                self.alternatives.append(self.taken + [not d])
                self._site(1)
        self.taken.append(d)
        self._add(c if d else z3.Not(c))
        return d

    def _site(self, n: int) -> None:
        f = sys._getframe(2)
        here = __file__.rsplit("/", 1)[0]
        while f is not None and (f.f_code.co_filename.startswith(here) or "/z3/" in f.f_code.co_filename):
            f = f.f_back
        if f is not None:
            key = f"{_rel(f.f_code.co_filename)}:{f.f_lineno}"
            self.sites[key] = self.sites.get(key, 0) + n

    def value(self, e: Any) -> int:
        """A concrete value for the integer expression e; every other feasible value is another path."""
        e = z3.simplify(e)
        if z3.is_int_value(e):
            return e.as_long()
        if self.pos < len(self.prefix):
            v = self.prefix[self.pos]
            self.pos += 1
        else:
            vals = sorted(feasible_values(self.solver, e, "where Python needs one"))
            v = vals[0]
            for other in vals[1:]:
                self.alternatives.append(self.taken + [other])
            if len(vals) > 1:
                self._site(len(vals) - 1)
        self.taken.append(v)
        self._add(e == v)
        return v


_run: list[Decider] = []   # the current run (proxies ask it when Python needs a concrete answer)


def _decider() -> Decider:
    if not _run:
        raise NotTranslatable("a symbolic value was used where a concrete one is needed, outside an action")
    return _run[-1]


# -- proxies ---------------------------------------------------------------------------------------------

def _z(x: Any) -> Any:
    """The Z3 term of a proxy or plain bool/int; None for anything else."""
    if isinstance(x, (SymBool, SymInt)):
        return x.e
    if x is True or x is False:
        return z3.BoolVal(x)
    if type(x) is int:
        return z3.IntVal(x)
    return None


def _int(x: Any) -> Any:
    if isinstance(x, SymInt):
        return x.e
    if isinstance(x, SymBool):
        return z3.If(x.e, 1, 0)
    if type(x) is int or x is True or x is False:
        return z3.IntVal(int(x))
    return None


def _unsupported(what: str) -> NotTranslatable:
    return NotTranslatable(what)


class _Concretized:
    """Where Python needs the concrete value (hash, str, format), a scalar proxy takes one per path."""

    __slots__ = ()

    def _c(self) -> Any:  # pragma: no cover - defined by the subclasses
        raise NotImplementedError

    def __hash__(self) -> int:
        return hash(self._c())

    def __str__(self) -> str:
        return str(self._c())

    def __format__(self, spec: str) -> str:
        return format(self._c(), spec)


class SymBool(_Concretized):
    """A Z3 Bool standing in for a Python bool."""

    __slots__ = ("e",)

    def __init__(self, e: Any):
        self.e = e

    def __bool__(self) -> bool:
        return _decider().truth(self.e)

    def __eq__(self, o: Any) -> Any:
        if isinstance(o, SymBool) or o is True or o is False:
            return SymBool(self.e == _z(o))
        if isinstance(o, SymInt) or type(o) is int:
            return SymBool(z3.If(self.e, 1, 0) == _int(o))
        return False

    def __ne__(self, o: Any) -> Any:
        r = self.__eq__(o)
        return SymBool(z3.Not(r.e)) if isinstance(r, SymBool) else not r

    def __and__(self, o: Any) -> Any:
        if isinstance(o, SymBool) or o is True or o is False:
            return SymBool(z3.And(self.e, _z(o)))
        return NotImplemented

    __rand__ = __and__

    def __or__(self, o: Any) -> Any:
        if isinstance(o, SymBool) or o is True or o is False:
            return SymBool(z3.Or(self.e, _z(o)))
        return NotImplemented

    __ror__ = __or__

    def __xor__(self, o: Any) -> Any:
        if isinstance(o, SymBool) or o is True or o is False:
            return SymBool(z3.Xor(self.e, _z(o)))
        return NotImplemented

    __rxor__ = __xor__

    def _i(self) -> "SymInt":
        return SymInt(z3.If(self.e, 1, 0))

    def __add__(self, o): return self._i() + o
    def __radd__(self, o): return o + self._i()
    def __sub__(self, o): return self._i() - o
    def __rsub__(self, o): return o - self._i()
    def __mul__(self, o): return self._i() * o
    def __rmul__(self, o): return o * self._i()

    def __index__(self) -> int:
        return int(self.__bool__())

    __int__ = __index__

    _c = __bool__
    __hash__ = _Concretized.__hash__   # defining __eq__ would otherwise unset the inherited hash

    def __repr__(self) -> str:
        return f"SymBool({self.e})"


class SymInt(_Concretized):
    """A Z3 Int standing in for a Python int."""

    __slots__ = ("e",)

    def __init__(self, e: Any):
        self.e = e

    def _bin(self, o: Any, f: Callable[[Any, Any], Any]) -> Any:
        oe = _int(o)
        if oe is None:
            return NotImplemented
        return SymInt(f(self.e, oe))

    def __add__(self, o): return self._bin(o, lambda a, b: a + b)
    def __radd__(self, o): return self._bin(o, lambda a, b: b + a)
    def __sub__(self, o): return self._bin(o, lambda a, b: a - b)
    def __rsub__(self, o): return self._bin(o, lambda a, b: b - a)
    def __mul__(self, o): return self._bin(o, lambda a, b: a * b)
    def __rmul__(self, o): return self._bin(o, lambda a, b: b * a)

    def __floordiv__(self, o: Any) -> Any:
        if type(o) is int and o > 0:   # Z3's integer division is Euclidean: equal to Python's for o > 0
            return SymInt(self.e / o)
        if isinstance(o, SymInt):
            return self // _decider().value(o.e)
        raise _unsupported(f"integer division by {o!r} (only by a positive constant)")

    def __mod__(self, o: Any) -> Any:
        if type(o) is int and o > 0:
            return SymInt(self.e % o)
        if isinstance(o, SymInt):
            return self % _decider().value(o.e)
        raise _unsupported(f"modulo by {o!r} (only by a positive constant)")

    def __neg__(self): return SymInt(-self.e)
    def __pos__(self): return self
    def __abs__(self): return SymInt(z3.If(self.e < 0, -self.e, self.e))

    def _cmp(self, o: Any, f: Callable[[Any, Any], Any]) -> Any:
        oe = _int(o)
        if oe is None:
            return NotImplemented
        return SymBool(f(self.e, oe))

    def __lt__(self, o): return self._cmp(o, lambda a, b: a < b)
    def __le__(self, o): return self._cmp(o, lambda a, b: a <= b)
    def __gt__(self, o): return self._cmp(o, lambda a, b: a > b)
    def __ge__(self, o): return self._cmp(o, lambda a, b: a >= b)

    def __eq__(self, o: Any) -> Any:
        oe = _int(o)
        if oe is None:
            return False
        return SymBool(self.e == oe)

    def __ne__(self, o: Any) -> Any:
        oe = _int(o)
        if oe is None:
            return True
        return SymBool(self.e != oe)

    def __bool__(self) -> bool:
        return _decider().truth(self.e != 0)

    def __index__(self) -> int:
        return _decider().value(self.e)

    __int__ = __index__

    _c = __index__
    __hash__ = _Concretized.__hash__

    def __repr__(self) -> str:
        return f"SymInt({self.e})"


def _concrete(x: Any) -> Any:
    """x with every proxy replaced by a concrete value (each choice a path)."""
    if isinstance(x, SymBool):
        return bool(x)
    if isinstance(x, SymInt):
        return x.__index__()
    if isinstance(x, SymSeq):
        return tuple(_concrete(y) for y in x._t())
    if isinstance(x, tuple):
        return tuple(_concrete(y) for y in x)
    if isinstance(x, SymSet):
        return frozenset(x)
    return x


class SymSet:
    """A subset of a finite set of atoms: one Z3 Bool per atom. `frozen` is what the explicit value's type
    would be (frozenset, or set after `set | frozenset`)."""

    __slots__ = ("m", "frozen")

    def __init__(self, members: dict[Any, Any], frozen: bool = True):
        self.m, self.frozen = members, frozen

    @staticmethod
    def _members(o: Any) -> dict[Any, Any] | None:
        if isinstance(o, SymSet):
            return o.m
        if isinstance(o, (set, frozenset)):
            return {_concrete(a): z3.BoolVal(True) for a in o}
        return None

    def has(self, a: Any) -> Any:
        """The Z3 condition that atom a is a member."""
        if isinstance(a, (SymInt, SymBool)):
            ae = a.e
            return z3.Or([z3.And(ae == _z(k), m) for k, m in self.m.items()
                          if _z(k) is not None and _z(k).sort() == ae.sort()] or [z3.BoolVal(False)])
        a = _concrete(a)
        return self.m.get(a, z3.BoolVal(False))

    def __contains__(self, a: Any) -> bool:
        return _decider().truth(self.has(a))

    def _combine(self, o: Any, f: Callable[[Any, Any], Any], frozen: bool) -> Any:
        om = self._members(o)
        if om is None:
            return NotImplemented
        F = z3.BoolVal(False)
        keys = list(self.m) + [k for k in om if k not in self.m]
        return SymSet({k: z3.simplify(f(self.m.get(k, F), om.get(k, F))) for k in keys}, frozen)

    def __or__(self, o): return self._combine(o, z3.Or, self.frozen)
    def __and__(self, o): return self._combine(o, z3.And, self.frozen)
    def __sub__(self, o): return self._combine(o, lambda a, b: z3.And(a, z3.Not(b)), self.frozen)
    def __xor__(self, o): return self._combine(o, z3.Xor, self.frozen)

    def __ror__(self, o): return self._combine(o, z3.Or, isinstance(o, frozenset))
    def __rand__(self, o): return self._combine(o, z3.And, isinstance(o, frozenset))
    def __rxor__(self, o): return self._combine(o, z3.Xor, isinstance(o, frozenset))

    def __rsub__(self, o: Any) -> Any:
        om = self._members(o)
        if om is None:
            return NotImplemented
        return SymSet(om, isinstance(o, frozenset)).__sub__(self)

    def union(self, *os): return self._fold(os, z3.Or)
    def intersection(self, *os): return self._fold(os, z3.And)
    def difference(self, *os): return self._fold(os, lambda a, b: z3.And(a, z3.Not(b)))

    def _fold(self, os: tuple, f: Callable) -> "SymSet":
        out = self
        for o in os:
            r = out._combine(o if isinstance(o, (SymSet, set, frozenset)) else frozenset(o), f, self.frozen)
            if r is NotImplemented:
                raise _unsupported(f"set operation with {type(o).__name__}")
            out = r
        return out

    def _eq(self, o: Any) -> Any:
        om = self._members(o)
        if om is None:
            return None
        F = z3.BoolVal(False)
        keys = list(self.m) + [k for k in om if k not in self.m]
        return z3.And([self.m.get(k, F) == om.get(k, F) for k in keys])

    def __eq__(self, o: Any) -> Any:
        e = self._eq(o)
        return False if e is None else SymBool(e)

    def __ne__(self, o: Any) -> Any:
        e = self._eq(o)
        return True if e is None else SymBool(z3.Not(e))

    def _sub(self, o: Any) -> Any:
        om = self._members(o)
        if om is None:
            return None
        F = z3.BoolVal(False)
        return z3.And([z3.Implies(m, om.get(k, F)) for k, m in self.m.items()])

    def __le__(self, o): return SymBool(self._sub(o))
    def issubset(self, o): return self.__le__(o if isinstance(o, (SymSet, set, frozenset)) else frozenset(o))

    def __ge__(self, o: Any) -> Any:
        other = o if isinstance(o, SymSet) else SymSet(self._members(o))
        return SymBool(other._sub(self))

    def isdisjoint(self, o: Any) -> Any:
        om = self._members(o if isinstance(o, (SymSet, set, frozenset)) else frozenset(o))
        return SymBool(z3.Not(z3.Or([z3.And(m, om[k]) for k, m in self.m.items() if k in om] or [z3.BoolVal(False)])))

    def size(self) -> Any:
        return z3.Sum([z3.If(m, 1, 0) for m in self.m.values()]) if self.m else z3.IntVal(0)

    def __len__(self) -> int:
        return _decider().value(self.size())

    def __bool__(self) -> bool:
        return _decider().truth(z3.Or(list(self.m.values()) or [z3.BoolVal(False)]))

    def __iter__(self):
        for k in sorted(self.m) if _all_ints(self.m) else canonical_order(frozenset(self.m)):
            if _decider().truth(self.m[k]):
                yield k

    def __hash__(self) -> int:
        return hash(frozenset(self))

    def __repr__(self) -> str:
        return f"SymSet({self.m})"


def _all_ints(m: dict) -> bool:
    return all(type(k) is int for k in m)


class SymSeq:
    """A sequence of symbolic length over fixed cells; its length is made concrete (a path per length)
    the first time the code looks at it."""

    __slots__ = ("n", "cells", "_real")

    def __init__(self, n: Any, cells: tuple):
        self.n, self.cells, self._real = n, cells, None

    def _t(self) -> tuple:
        if self._real is None:
            self._real = self.cells[:_decider().value(self.n)]
        return self._real

    def __len__(self): return len(self._t())
    def __iter__(self): return iter(self._t())
    def __getitem__(self, i): return self._t()[i]
    def __add__(self, o): return self._t() + (o._t() if isinstance(o, SymSeq) else o)
    def __radd__(self, o): return o + self._t()
    def __mul__(self, k): return self._t() * k
    def __contains__(self, x): return x in self._t()
    def __bool__(self): return len(self._t()) > 0
    def __eq__(self, o): return self._t() == (o._t() if isinstance(o, SymSeq) else o)
    def __ne__(self, o): return self._t() != (o._t() if isinstance(o, SymSeq) else o)
    def __hash__(self): return hash(_concrete(self._t()))
    def index(self, x): return self._t().index(x)
    def count(self, x): return self._t().count(x)

    def __repr__(self) -> str:
        return f"SymSeq(len={self.n})"


# -- the layout of a state in Z3 ---------------------------------------------------------------------------

@dataclass
class Layout:
    """The Z3 constants of one copy of the state (tag `k`): a tree per variable, in variable order."""
    bound: BoundSpec
    tag: str
    trees: list[Any]
    consts: list[Any]          # every constant, in a fixed order (the same across tags)
    domain: list[Any]          # the domain constraints of the constants

    @classmethod
    def make(cls, bound: BoundSpec, tag: str) -> "Layout":
        consts: list[Any] = []
        domain: list[Any] = []

        def build(t: Type, path: str) -> Any:
            if isinstance(t, Bool):
                c = z3.Bool(f"{path}@{tag}")
                consts.append(c)
                return c
            if isinstance(t, IntRange):
                c = z3.Int(f"{path}@{tag}")
                consts.append(c)
                domain.append(z3.And(t.lo <= c, c <= t.hi))
                return c
            if isinstance(t, Record):
                return tuple(build(ft, f"{path}.{f}") for f, ft in t.fields.items())
            if isinstance(t, MapOf):
                return tuple(build(t.value, f"{path}[{k!r}]") for k in t.keys)
            if isinstance(t, TupleOf):
                return tuple(build(t.elem, f"{path}[{i}]") for i in range(t.n))
            if isinstance(t, SetOf):
                out = {}
                for a in t.domain:
                    c = z3.Bool(f"{path}.has({a!r})@{tag}")
                    consts.append(c)
                    out[a] = c
                return ("set", out)
            if isinstance(t, SeqOf):
                n = z3.Int(f"len({path})@{tag}")
                consts.append(n)
                domain.append(z3.And(0 <= n, n <= t.maxlen))
                cells = tuple(build(t.elem, f"{path}[{i}]") for i in range(t.maxlen))
                for i, c in enumerate(cells):   # unused cells hold the default: one encoding per state
                    domain.append(z3.Implies(n <= i, _eq_tree(t.elem, c, _default(t.elem))))
                return ("seq", n, cells)
            raise NotTranslatable(f"variables of type {t!r} have no symbolic encoding")

        trees = [build(t, name) for name, t in bound.variables.items()]
        return cls(bound, tag, trees, consts, domain)

    def proxies(self) -> Any:
        """A State whose fields are proxies of this layout's constants."""
        return self.bound.State(*[_proxy(t, tr) for t, tr in zip(self.bound.variables.values(), self.trees)])

    def equals(self, value: Any) -> tuple[Any, Any]:
        """(in_domain, equal): when a Python value (a State of proxies and constants) lies in the declared
        domains, and when this layout's constants equal it."""
        if type(value) is not self.bound.State:
            return z3.BoolVal(False), z3.BoolVal(False)
        doms, eqs = [], []
        for t, tr, v in zip(self.bound.variables.values(), self.trees, value):
            d, e = _encode_value(t, tr, v)
            doms.append(d)
            eqs.append(e)
        return z3.simplify(z3.And(doms)), z3.And(eqs)

    def concrete(self, state: Any) -> Any:
        """The condition that this layout's constants hold a concrete state."""
        return self.equals(state)[1]

    def decode(self, model: Any) -> Any:
        """The concrete State a Z3 model gives this layout's constants."""
        def get(t: Type, tr: Any) -> Any:
            if isinstance(t, Bool):
                return z3.is_true(model.eval(tr, model_completion=True))
            if isinstance(t, IntRange):
                return model.eval(tr, model_completion=True).as_long()
            if isinstance(t, Record):
                return t.cls(*[get(ft, x) for ft, x in zip(t.fields.values(), tr)])
            if isinstance(t, (TupleOf, MapOf)):
                elem = t.elem if isinstance(t, TupleOf) else t.value
                return tuple(get(elem, x) for x in tr)
            if isinstance(t, SetOf):
                return frozenset(a for a, c in tr[1].items() if z3.is_true(model.eval(c, model_completion=True)))
            if isinstance(t, SeqOf):
                n = model.eval(tr[1], model_completion=True).as_long()
                return tuple(get(t.elem, x) for x in tr[2][:n])
            raise AssertionError(t)
        return self.bound.State(*[get(t, tr) for t, tr in zip(self.bound.variables.values(), self.trees)])


def _default(t: Type) -> Any:
    if isinstance(t, Bool):
        return False
    if isinstance(t, IntRange):
        return t.lo
    if isinstance(t, Record):
        return t.cls(*[_default(ft) for ft in t.fields.values()])
    if isinstance(t, TupleOf):
        return (_default(t.elem),) * t.n
    if isinstance(t, MapOf):
        return (_default(t.value),) * len(t.keys)
    if isinstance(t, SetOf):
        return frozenset()
    if isinstance(t, SeqOf):
        return ()
    raise NotTranslatable(f"variables of type {t!r} have no symbolic encoding")


def _eq_tree(t: Type, tree: Any, value: Any) -> Any:
    return _encode_value(t, tree, value)[1]


def _proxy(t: Type, tr: Any) -> Any:
    if isinstance(t, Bool):
        return SymBool(tr)
    if isinstance(t, IntRange):
        return SymInt(tr)
    if isinstance(t, Record):
        return t.cls(*[_proxy(ft, x) for ft, x in zip(t.fields.values(), tr)])
    if isinstance(t, (TupleOf, MapOf)):
        elem = t.elem if isinstance(t, TupleOf) else t.value
        return tuple(_proxy(elem, x) for x in tr)
    if isinstance(t, SetOf):
        return SymSet(dict(tr[1]))
    if isinstance(t, SeqOf):
        return SymSeq(tr[1], tuple(_proxy(t.elem, x) for x in tr[2]))
    raise AssertionError(t)


_F, _T = z3.BoolVal(False), z3.BoolVal(True)


def _encode_value(t: Type, tr: Any, v: Any) -> tuple[Any, Any]:
    """(in_domain, equal) for a Python value v of declared type t against the constants tr, mirroring the
    explicit domain check (`type(v) is int`, `type(v) is frozenset`, ...)."""
    if isinstance(t, Bool):
        if isinstance(v, SymBool):
            return _T, tr == v.e
        if v is True or v is False:
            return _T, tr == z3.BoolVal(v)
        return _F, _F
    if isinstance(t, IntRange):
        if isinstance(v, SymInt):
            return z3.And(t.lo <= v.e, v.e <= t.hi), tr == v.e
        if type(v) is int:
            return z3.BoolVal(t.lo <= v <= t.hi), tr == v
        return _F, _F
    if isinstance(t, Record):
        if type(v) is not t.cls:
            return _F, _F
        pairs = [_encode_value(ft, x, y) for ft, x, y in zip(t.fields.values(), tr, v)]
        return z3.And([p[0] for p in pairs]), z3.And([p[1] for p in pairs])
    if isinstance(t, (TupleOf, MapOf)):
        elem = t.elem if isinstance(t, TupleOf) else t.value
        if isinstance(v, SymSeq):
            v = v._t()
        if type(v) is not tuple or len(v) != len(tr):
            return _F, _F
        pairs = [_encode_value(elem, x, y) for x, y in zip(tr, v)]
        return z3.And([p[0] for p in pairs]), z3.And([p[1] for p in pairs])
    if isinstance(t, SetOf):
        if isinstance(v, SymSet):
            members, frozen = v.m, v.frozen
        elif type(v) is frozenset:
            members, frozen = {a: _T for a in v}, True
        else:
            return _F, _F
        if not frozen:
            return _F, _F
        try:
            outside = [m for a, m in members.items() if a not in tr[1]]
        except TypeError:   # an unhashable atom
            return _F, _F
        dom = z3.Not(z3.Or(outside)) if outside else _T
        return dom, z3.And([c == members.get(a, _F) for a, c in tr[1].items()])
    if isinstance(t, SeqOf):
        n, cells = tr[1], tr[2]
        if isinstance(v, SymSeq) and v._real is None:
            pairs = [_encode_value(t.elem, x, y) for x, y in zip(cells, v.cells)]
            return z3.And([p[0] for p in pairs]), z3.And([n == v.n] + [p[1] for p in pairs])
        if isinstance(v, SymSeq):
            v = v._real
        if type(v) is not tuple or len(v) > t.maxlen:
            return _F, _F
        pairs = [_encode_value(t.elem, x, y) for x, y in zip(cells, v)]
        rest = [_eq_tree(t.elem, x, _default(t.elem)) for x in cells[len(v):]]
        return z3.And([p[0] for p in pairs]), z3.And([n == len(v)] + [p[1] for p in pairs] + rest)
    raise NotTranslatable(f"variables of type {t!r} have no symbolic encoding")


# -- running spec code on every path -----------------------------------------------------------------------

@dataclass
class Path:
    cond: Any                 # the path condition over the current state
    value: Any = None         # what the code returned
    raised: BaseException | None = None


def run_paths(fn: Callable[[Any], Any], layout: Layout, assume: Any, what: str,
              max_paths: int | None = None) -> list[Path]:
    """Run fn(state proxies) along every feasible path under `assume`; the paths, with their results."""
    max_paths = MAX_PATHS if max_paths is None else max_paths
    base = list(layout.domain)
    paths: list[Path] = []
    stack: list[list[Any]] = [[]]
    sites: dict[str, int] = {}
    while stack:
        prefix = stack.pop()
        d = Decider(base, prefix)
        _run.append(d)
        try:
            if not d.assume(assume):
                continue
            try:
                out = fn(layout.proxies())
                paths.append(Path(z3.And(d.pc) if d.pc else _T, out))
            except NotTranslatable:
                raise
            except RecursionError as e:
                raise NotTranslatable(f"{what}: recursion too deep on symbolic values ({e})") from None
            except Exception as e:
                paths.append(Path(z3.And(d.pc) if d.pc else _T, raised=e))
        finally:
            _run.pop()
        stack.extend(reversed(d.alternatives))
        for k, n in d.sites.items():
            sites[k] = sites.get(k, 0) + n
        if len(paths) + len(stack) > max_paths:
            top = sorted(sites.items(), key=lambda kv: -kv[1])[:4]
            raise NotTranslatable(f"more than {max_paths:,} paths through the Python code (every symbolic choice "
                                  f"Python needs concretely splits a path); the lines that split most: "
                                  + ", ".join(f"{k} ({n:,} splits)" for k, n in top))
    return paths


def _rel(path: str) -> str:
    """A path relative to the working directory when it lies below it (as the user named the spec)."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _spec_line(e: BaseException, bound: BoundSpec) -> str:
    """The innermost frame of a traceback outside modelcheck/symbolic (the spec's line), as file:line."""
    here = __file__.rsplit("/", 1)[0]
    frames = [f for f in traceback.extract_tb(e.__traceback__) if not f.filename.startswith(here)]
    if not frames:
        return "?"
    f = frames[-1]
    return f"{_rel(f.filename)}:{f.lineno}"


@dataclass
class Branch:
    """One path of one action instance: when it is taken, and the next state it gives."""
    action: ActionDef
    args: tuple
    cond: Any                 # over the current state: the path condition, guard included
    value: Any                # the next state (a State of proxies and constants over the current state)


@dataclass
class Encoding:
    """A bound spec in Z3: initial states, transition branches and model-error conditions over `cur`."""
    bound: BoundSpec
    cur: Layout
    init: list[Any]                               # the concrete initial states
    branches: list[Branch]
    errors: list[tuple[str, Any]]                 # (what, condition over cur): a step raises or leaves the domains
    constraint: Any = _T                          # the @constraints over cur: only such states are explored
    leaves: list[Any] = field(default_factory=list)    # z3bridge leaves (property constants)
    leaf_exprs: dict[int, Any] = field(default_factory=dict)  # leaf const id -> expression over cur
    _trans: Any = None
    _nxt: Any = None
    _leaf_pairs: dict[str, Any] = field(default_factory=dict)
    _subs: dict[tuple, Any] = field(default_factory=dict)

    def add_leaves(self, leaves: list[Any], ns: dict[str, Any]) -> None:
        """Map the view's leaves (constants of property formulas) to expressions over `cur`."""
        state = self.cur.proxies()
        for leaf in leaves:
            if leaf.const.get_id() not in self.leaf_exprs:
                self.leaf_exprs[leaf.const.get_id()] = _leaf_expr(leaf.code, ns, state)
                self.leaves.append(leaf)
        self._leaf_pairs.clear()

    def layout(self, k: int | str) -> Layout:
        return Layout.make(self.bound, str(k))

    def init_formula(self, lay: Layout) -> Any:
        return z3.Or([lay.concrete(s) for s in self.init])

    def trans(self, a: Layout, b: Layout) -> Any:
        """T(a, b): some branch is taken in a and gives b."""
        if self._trans is None:
            nxt = Layout.make(self.bound, "nxt")
            self._nxt = nxt
            self._trans = z3.Or([z3.And(br.cond, nxt.equals(br.value)[1]) for br in self.branches] or [_F])
            if not z3.is_true(self.constraint):   # a successor outside a @constraint is not explored
                to_nxt = Substitution(list(zip(self.cur.consts, nxt.consts)))
                self._trans = z3.And(self._trans, to_nxt(self.constraint))
        return self._sub(a, b)(self._trans)

    def error(self, a: Layout) -> Any:
        """Some enabled step raises or leaves the declared domains in the state of a."""
        if not self.errors:
            return _F
        return self._sub(a)(z3.Or([c for _, c in self.errors]))

    def enabled(self, a: Layout) -> Any:
        """Some action is enabled in the state of a (a step that raises or leaves the domains counts)."""
        conds = [br.cond for br in self.branches] + [c for _, c in self.errors]
        return self._sub(a)(z3.Or(conds)) if conds else _F

    def prop(self, formula: Any, a: Layout) -> Any:
        """A property formula (over z3bridge's view constants) over the constants of a."""
        sub = self._leaf_pairs.get(a.tag)
        if sub is None:
            to_a = self._sub(a)
            sub = self._leaf_pairs[a.tag] = Substitution([(leaf.const, to_a(self.leaf_exprs[leaf.const.get_id()]))
                                                          for leaf in self.leaves])
        out = sub(formula)
        free = [c for c in _constants(out) if not c.decl().name().endswith(f"@{a.tag}")]
        if free:   # a view constant this encoding does not know: never leave it free (it would be unsound)
            raise NotTranslatable(f"a property reads {free[0]}, which the symbolic encoding does not map")
        return out

    def _sub(self, a: Layout, b: Layout | None = None) -> Substitution:
        key = (a.tag, b.tag if b is not None else None)
        got = self._subs.get(key)
        if got is None:
            pairs = list(zip(self.cur.consts, a.consts))
            if b is not None:
                pairs += list(zip(self._nxt.consts, b.consts))
            got = self._subs[key] = Substitution(pairs)
        return got

    def distinct(self, a: Layout, b: Layout) -> Any:
        return z3.Or([x != y for x, y in zip(a.consts, b.consts)])


def _constants(e: Any) -> list[Any]:
    """The uninterpreted constants of a Z3 term."""
    seen, out, todo = set(), [], [e]
    while todo:
        x = todo.pop()
        if x.get_id() in seen:
            continue
        seen.add(x.get_id())
        if z3.is_const(x) and x.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            out.append(x)
        todo.extend(x.children())
    return out


class Substitution:
    """A fixed substitution (constants -> terms) applied through Z3's C API: z3.substitute re-checks the
    sorts of every pair on every call, which dominates when one substitution is applied thousands of times."""

    def __init__(self, pairs: list[tuple[Any, Any]]):
        self.n = len(pairs)
        self.frm = (z3.Ast * max(self.n, 1))()
        self.to = (z3.Ast * max(self.n, 1))()
        self.keep = pairs   # the arrays hold raw pointers: keep the terms alive
        for i, (a, b) in enumerate(pairs):
            self.frm[i], self.to[i] = a.as_ast(), b.as_ast()

    def __call__(self, e: Any) -> Any:
        if not self.n:
            return e
        return _to_expr_ref(z3.Z3_substitute(e.ctx.ref(), e.as_ast(), self.n, self.frm, self.to), e.ctx)


class _LeafCode(ast.NodeTransformer):
    """`a in b` -> `_has(b, a)` and `len(x)` -> `_len(x)`: Python would force those to concrete values."""

    def visit_Compare(self, node: ast.Compare) -> Any:
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            call = ast.Call(ast.Name("_has", ast.Load()), [node.comparators[0], node.left], [])
            return call if isinstance(node.ops[0], ast.In) else ast.UnaryOp(ast.Not(), call)
        return node

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "len":
            node.func = ast.Name("_len", ast.Load())
        return node

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        self.generic_visit(node)
        return ast.Call(ast.Name("_ite", ast.Load()), [node.test, node.body, node.orelse], [])

    def visit_Subscript(self, node: ast.Subscript) -> Any:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            return ast.Call(ast.Name("_at", ast.Load()), [node.value, node.slice], [])
        return node


def _leaf_expr(code: str, ns: dict[str, Any], state: Any) -> Any:
    tree = ast.fix_missing_locations(_LeafCode().visit(ast.parse(code, mode="eval")))

    def has(coll, a):
        return SymBool(coll.has(a)) if isinstance(coll, SymSet) else a in coll

    def length(x):
        if isinstance(x, SymSeq) and x._real is None:
            return SymInt(x.n)
        if isinstance(x, SymSet):
            return SymInt(x.size())
        return len(x)

    def at(x, i):
        if isinstance(x, SymSeq) and x._real is None:
            return x.cells[i] if 0 <= i < len(x.cells) else None
        return x[i]

    def ite(c, a, b):
        if a is None or b is None:   # an element past a sequence's cells: the other side is the value
            return b if a is None else a
        if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):   # records, tuples: per field
            items = [ite(c, x, y) for x, y in zip(a, b)]
            return type(a)(*items) if hasattr(a, "_fields") else tuple(items)
        ca, cb = _z(a), _z(b)
        if isinstance(c, SymBool) and ca is not None and cb is not None:
            r = z3.If(c.e, ca, cb)
            return SymBool(r) if r.sort() == z3.BoolSort() else SymInt(r)
        if isinstance(c, bool):
            return a if c else b
        raise NotTranslatable(f"the property view's leaf `{code}`: a conditional over non-scalar values")

    val = eval(compile(tree, "<leaf>", "eval"), {**ns, "_has": has, "_len": length, "_at": at, "_ite": ite},
               {"s": state})
    z = _z(val)
    if z is None:
        raise NotTranslatable(f"the property view's leaf `{code}` has no symbolic value")
    return z


def encode(bound: BoundSpec, progress: Callable[[str], None] | None = None,
           only: set[str] | None = None) -> Encoding:
    """Translate a bound spec's actions into Z3 branches; NotTranslatable names what is outside the subset.
    `progress(action name)` is called as each action starts. `only`: translate just these actions (the
    transition relation is then that of those actions alone: for cross-checking them one by one)."""
    from .merge import rewritten, symbolic_mode   # merge.py builds on this module's proxies
    cur = Layout.make(bound, "cur")
    inst = bound.inst
    branches: list[Branch] = []
    errors: list[tuple[str, Any]] = []
    for a in bound.actions:
        if only is not None and a.name not in only:
            continue
        if progress is not None:
            progress(a.name)
        try:
            offers = _offers(bound, a, cur)
        except NotTranslatable as e:
            raise NotTranslatable(f"action {a.name} ({_rel(a.where)}): over=: {e}") from None
        for args, offered in offers:
            label = bound.label(a, args)

            def step(s, a=a, args=args):
                if a.guard is not None:
                    g = a.guard(inst, s, *args)
                    if isinstance(g, SymBool):
                        if not _decider().assume(g.e):
                            return None
                    elif not g:
                        return None
                return ("next", rewritten(a.effect)(inst, s, *args))

            try:
                with symbolic_mode(bound):
                    paths = run_paths(step, cur, offered, label)
            except NotTranslatable as e:
                raise NotTranslatable(f"action {label} ({_rel(a.where)}): {e}") from None
            for p in paths:
                if p.raised is not None:
                    try:
                        _classify_raise(bound, a, args, cur, p, label)
                    except NotTranslatable as e:
                        raise NotTranslatable(f"action {label} ({_rel(a.where)}): {e}") from None
                    errors.append((f"{label} raises {type(p.raised).__name__}", p.cond))
                    continue
                if p.value is None:
                    continue
                value = p.value[1]
                dom, _ = cur.equals(value) if type(value) is bound.State else (_F, None)
                if not z3.is_true(dom) and _satisfiable(cur.domain + [p.cond, z3.Not(dom)]):
                    errors.append((f"{label} leaves the declared domains", z3.And(p.cond, z3.Not(dom))))
                else:
                    dom = _T
                if not z3.is_false(dom):
                    branches.append(Branch(a, args, z3.And(p.cond, dom) if not z3.is_true(dom) else p.cond, value))
    constraint = _T
    if bound.constraints:
        constraint = _constraint(bound, cur)
    _, leaves, ns = build_view(bound)
    enc = Encoding(bound, cur, [s for s in bound.initial_states() if bound.in_constraints(s)], branches, errors,
                   constraint=constraint)
    enc.add_leaves(leaves, ns)
    return enc


def _constraint(bound: BoundSpec, cur: Layout) -> Any:
    """The spec's @constraints as one condition on the current state (run on proxies like an action)."""
    out = []
    for c in bound.constraints:
        try:
            paths = run_paths(lambda s, c=c: bool(c.fn(bound.inst, s)), cur, _T, f"constraint {c.name}")
        except NotTranslatable as e:
            raise NotTranslatable(f"constraint {c.name} ({_rel(c.where)}): {e}") from None
        for p in paths:
            if p.raised is not None:
                raise NotTranslatable(f"constraint {c.name} ({_rel(c.where)}) raises {type(p.raised).__name__} on "
                                      f"a symbolic path at {_spec_line(p.raised, bound)}")
        out.append(z3.Or([p.cond for p in paths if p.value] or [_F]))
    return z3.And(out)


def _satisfiable(fs: list[Any]) -> bool:
    s = z3.Solver()
    s.add(*fs)
    r = s.check()
    if r == z3.unknown:
        raise NotTranslatable(f"Z3 could not decide whether a step stays in the declared domains "
                              f"({s.reason_unknown()})")
    return r == z3.sat


def _offers(bound: BoundSpec, a: ActionDef, cur: Layout) -> list[tuple[tuple, Any]]:
    """The argument tuples of action a and when over= offers each (always, unless over= reads the state)."""
    if not a.over_uses_state:
        return [(args, _T) for args in bound.candidates(a, None)] if a.nargs else [((), _T)]

    def items(s):
        got = a.over(bound.inst, s)
        if isinstance(got, SymSet):
            return [(k, m) for k, m in got.m.items()]
        return [(_concrete(x), _T) for x in canonical_order(got)]

    paths = run_paths(items, cur, _T, f"over= of {a.name}")
    offered: dict[tuple, list[Any]] = {}
    order: list[tuple] = []
    for p in paths:
        if p.raised is not None:
            raise NotTranslatable(f"over= raises {type(p.raised).__name__} on a symbolic path "
                                  f"at {_spec_line(p.raised, bound)}")
        for x, m in p.value:
            args = bound.args_of(a, x)
            if args not in offered:
                offered[args] = []
                order.append(args)
            offered[args].append(z3.And(p.cond, m))
    return [(args, z3.Or(offered[args])) for args in order]


def _classify_raise(bound: BoundSpec, a: ActionDef, args: tuple, cur: Layout, p: Path, label: str) -> None:
    """A path raised: fine (a model error) if the spec raises on a concrete state of that path too;
    otherwise the construct at the raising line is outside the symbolic subset."""
    s = z3.Solver()
    s.add(*cur.domain)
    s.add(p.cond)
    if s.check() != z3.sat:
        return
    state = cur.decode(s.model())
    try:
        if a.guard is None or a.guard(bound.inst, state, *args):
            a.effect(bound.inst, state, *args)
    except Exception:
        return
    e = p.raised
    raise NotTranslatable(f"{type(e).__name__}: {e} at {_spec_line(e, bound)} "
                          f"(a construct the symbolic values do not support)")


class Successors:
    """Z3's successors of concrete states, from the transition formula (for cross-checks with the explicit
    engine): every model of T(state, t), found one by one with blocking clauses."""

    def __init__(self, enc: Encoding):
        self.enc = enc
        self.a, self.b = enc.layout("a"), enc.layout("b")
        self.solver = z3.Solver()
        self.solver.add(*self.b.domain, enc.trans(self.a, self.b))
        self.err = z3.Solver()
        self.err.add(enc.error(self.a))

    def __call__(self, state: Any) -> tuple[set, bool]:
        """(successors, whether Z3 says some enabled step raises or leaves the domains in `state`)."""
        s = self.solver
        s.push()
        s.add(self.a.concrete(state))
        out = set()
        while s.check() == z3.sat:
            t = self.b.decode(s.model())
            out.add(t)
            s.add(z3.Not(self.b.concrete(t)))
        s.pop()
        self.err.push()
        self.err.add(self.a.concrete(state))
        bad = self.err.check() == z3.sat
        self.err.pop()
        return out, bad


def crosscheck(enc: Encoding, limit: int = 30, seconds: float = 2.0) -> int:
    """Compare Z3's successors with the explicit engine's on the first `limit` reachable states (breadth
    first), for at most about `seconds`. A construct the proxies get silently wrong (`type(x) is int`, say)
    shows up here. Returns the number of states compared; raises NotTranslatable naming the first
    disagreement."""
    deadline = time.monotonic() + seconds
    bound = enc.bound
    succ = Successors(enc)
    todo = [s for s in bound.initial_states() if bound.in_constraints(s)]
    seen = set(todo)
    i = 0
    while i < len(todo) and i < limit and (i == 0 or time.monotonic() < deadline):
        s = todo[i]
        i += 1
        try:
            explicit = {bound.apply(a, s, args) for a, args in bound.enabled(s)}
            if not all(bound.valid(t) for t in explicit):
                explicit = None
            else:
                explicit = {t for t in explicit if bound.in_constraints(t)}
        except Exception:
            explicit = None
        got, err = succ(s)
        if explicit is None:
            if not err:
                raise NotTranslatable(f"the explicit engine fails on a step from {s}, Z3's transitions do not")
            continue
        if err or got != explicit:
            diff = sorted(map(repr, got ^ explicit))[:1]
            raise NotTranslatable(f"Z3's successors of the reachable state {s} differ from the explicit ones "
                                  f"(e.g. {diff[0] if diff else 'a step that raises'}): the spec uses a construct "
                                  f"the symbolic values get wrong")
        for t in explicit:
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return i
