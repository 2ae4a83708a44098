"""Path merging for the symbolic runs: a spec helper's paths joined back into one value with If-terms, and a
symbolic working copy.

Re-running along recorded decisions (encode.py) takes every path through the Python code separately, so
k independent `if`s in sequence give 2^k paths, and a loop over F frames that tests a cell per frame gives
up to 2^F. Here a call of one of the spec's own helper methods (a method of the spec class whose name starts
with `_`) made during a symbolic run is explored on its own: every path of the call runs from the same
caller state (restored before each), and the results and the effects on the caller's working copy (and on
list arguments) are joined, value by value, into If-terms over the paths' conditions. The caller then goes on
along one path. Results of different shapes (None on one path, a number on another; a raise) cannot be
joined: the caller splits once per shape, not once per path. Nothing is approximated: the joined value is
exactly the value of the path whose condition holds.

A spec may name its copy-on-write working copy class (class attribute `working_copy`, the name of a class in
the spec's module with the protocol `m[k]`, `m[k] = v`, `m.put(k, i, v)`, `m.put2(k, i, j, v)`, `m.add(k, x)`,
`m.discard(k, x)`, `m.done()`). During the runs it is replaced by `SymWork`, which keeps a set variable as one
Z3 Bool per atom (adding or discarding an element does not split: copying a symbolic set into a Python `set`
splits on every atom) and writes a row at a symbolic index as one If per row.
"""
from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import z3

from ..spec import BoundSpec, Spec
from ..types import SetOf
from .encode import MAX_PATHS, Decider, NotTranslatable, feasible_values, SymBool, SymInt, SymSeq, SymSet, _int, _run, _z

__all__ = ["SymWork", "symbolic_mode"]

_T, _F = z3.BoolVal(True), z3.BoolVal(False)


class _Unmergeable(Exception):
    """Two values of one shape that still cannot be joined (two different plain objects)."""


# -- shapes and joins ------------------------------------------------------------------------------------

def _shape(v: Any, loose: bool = False) -> Any:
    """What must agree for two values to be joined by If-terms. `loose`: a list and a tuple are one shape
    (a working copy's variable, which `done()` turns into a tuple either way)."""
    t = type(v)
    if t is bool or t is SymBool:
        return "b"
    if t is int or t is SymInt:
        return "i"
    if t is list or t is tuple or (isinstance(v, tuple) and hasattr(v, "_fields")):
        return ("seq" if loose and t in (list, tuple) else t, tuple(_shape(x, loose) for x in v))
    if t in (set, frozenset, SymSet):
        return "s"
    if t is SymSeq:
        return ("q", id(v))
    return ("o", t)


def _members(v: Any) -> dict[Any, Any]:
    return v.m if type(v) is SymSet else {a: _T for a in v}


def _ite(c: Any, a: Any, b: Any, loose: bool = False) -> Any:
    """If(c, a, b); _Unmergeable if a and b differ in shape."""
    if a is not b and _shape(a, loose) != _shape(b, loose):
        raise _Unmergeable(f"{a!r} / {b!r}")
    return _ite_same(c, a, b, loose)


def _ite_same(c: Any, a: Any, b: Any, loose: bool = False) -> Any:
    """If(c, a, b) for two values of one shape."""
    if a is b:
        return a
    t = type(a)
    if t is bool or t is SymBool:
        if t is type(b) and (a == b if t is bool else a.e.eq(b.e)):
            return a
        return SymBool(_if(c, _z(a), _z(b)))
    if t is int or t is SymInt:
        if t is type(b) and (a == b if t is int else a.e.eq(b.e)):
            return a
        return SymInt(_if(c, _int(a), _int(b)))
    if t is list or t is tuple or (isinstance(a, tuple) and hasattr(a, "_fields")):
        items = [_ite_same(c, x, y, loose) for x, y in zip(a, b)]
        if t is list or (loose and type(b) is list):
            return items
        return t(*items) if hasattr(a, "_fields") else tuple(items)
    if t in (set, frozenset, SymSet):
        ma, mb = _members(a), _members(b)
        keys = list(ma) + [k for k in mb if k not in ma]
        frozen = (a.frozen if t is SymSet else t is frozenset) and (b.frozen if type(b) is SymSet
                                                                     else type(b) is frozenset)
        return SymSet({k: _if(c, ma.get(k, _F), mb.get(k, _F)) for k in keys}, frozen or loose)
    if t is SymSeq:
        return a   # the same object (shapes agree)
    if type(b) is t and a == b:
        return a
    raise _Unmergeable(f"{a!r} / {b!r}")


def _if(c: Any, a: Any, b: Any) -> Any:
    """If(c, a, b), without the If when both sides are one term or constants decide it."""
    if a.eq(b):
        return a
    if z3.is_true(a) and z3.is_false(b):
        return c
    if z3.is_false(a) and z3.is_true(b):
        return z3.Not(c)
    return z3.If(c, a, b)


def _join(conds: list[Any], values: list[Any], loose: bool = False) -> Any:
    """The value of the path whose condition holds (the conditions are disjoint and cover the paths)."""
    acc = values[-1]
    for c, v in zip(reversed(conds[:-1]), reversed(values[:-1])):
        acc = _ite_same(c, v, acc, loose)
    return acc


# -- the symbolic working copy --------------------------------------------------------------------------

class SymWork:
    """The spec's copy-on-write working copy, on symbolic values: set variables stay symbolic sets (one Z3
    Bool per atom), rows are written at symbolic indices by If-terms."""

    __slots__ = ("s", "w")
    types: dict[str, Any] = {}   # the bound spec's variable types (set by symbolic_mode)

    def __init__(self, s: Any):
        self.s, self.w = s, {}

    def __getitem__(self, k: str) -> Any:
        w = self.w
        return w[k] if k in w else getattr(self.s, k)

    def __setitem__(self, k: str, v: Any) -> None:
        if _speculating():
            raise _Speculation()
        self.w[k] = v

    def _list(self, k: str) -> list:
        if _speculating():
            raise _Speculation()
        v = self[k]
        if type(v) is not list:
            v = self.w[k] = list(v)
        return v

    def put(self, k: str, i: Any, v: Any) -> None:
        """k[i] := v."""
        _store(self._list(k), i, v)

    def put2(self, k: str, i: Any, j: Any, v: Any) -> None:
        """k[i][j] := v, for a frame array k (rows are tuples)."""
        rows = self._list(k)
        i = _index(i, len(rows))
        if type(i) is int:
            row = list(rows[i])
            _store(row, j, v)
            rows[i] = tuple(row)
            return
        for r in range(len(rows)):
            row = list(rows[r])
            _store(row, j, v)
            rows[r] = _ite((i.e == r), tuple(row), rows[r])

    def _set(self, k: str) -> SymSet:
        v = self[k]
        if type(v) is not SymSet:
            v = SymSet(_members(v), True)
        return v

    def _atoms(self, k: str, x: Any) -> list[Any]:
        t = self.types.get(k)
        if isinstance(t, SetOf):
            return list(t.domain)
        raise NotTranslatable(f"working copy: {k} is not a declared set variable")

    def add(self, k: str, x: Any) -> None:
        if _speculating():
            raise _Speculation()
        m = dict(self._set(k).m)
        if isinstance(x, (SymInt, SymBool)):
            for a in self._atoms(k, x):
                if type(a) is int:
                    m[a] = z3.simplify(z3.Or(m.get(a, _F), x.e == a if type(x) is SymInt else _F))
        else:
            m[x] = _T
        self.w[k] = SymSet(m, True)

    def discard(self, k: str, x: Any) -> None:
        if _speculating():
            raise _Speculation()
        m = dict(self._set(k).m)
        if isinstance(x, (SymInt, SymBool)):
            for a in list(m):
                if type(a) is int:
                    m[a] = z3.simplify(z3.And(m[a], x.e != a if type(x) is SymInt else _T))
        elif x in m:
            m[x] = _F
        self.w[k] = SymSet(m, True)

    def done(self) -> Any:
        """The successor state: the state with the written variables replaced."""
        ch = {}
        for k, v in self.w.items():
            t = type(v)
            if t is list:
                v = tuple(v)
            elif t is set:
                v = frozenset(v)
            elif t is SymSet and not v.frozen:
                v = SymSet(v.m, True)
            ch[k] = v
        return self.s.set(**ch)


def _index(i: Any, n: int) -> Any:
    """A concrete index, or a symbolic one known to lie in 0..n-1 (else made concrete: Python's negative
    indices and IndexError stay exact)."""
    if type(i) is not SymInt:
        return i.__index__()
    d = _run[-1]
    if d._feasible(z3.Or(i.e < 0, i.e >= n)):
        return i.__index__()
    return i


def _store(xs: list, i: Any, v: Any) -> None:
    i = _index(i, len(xs))
    if type(i) is int:
        xs[i] = v
        return
    for r in range(len(xs)):
        if _shape(xs[r]) != _shape(v):
            xs[i.__index__()] = v   # rows of different shapes: no If over them, take the index concretely
            return
    for r in range(len(xs)):
        xs[r] = _ite(i.e == r, v, xs[r])


# -- merged calls -----------------------------------------------------------------------------------------

def _snapshot(root: Any) -> Any:
    return dict(root.w) if type(root) is SymWork else list(root)


def _copy(v: Any) -> Any:
    return list(v) if type(v) is list else set(v) if type(v) is set else v


def _restore(root: Any, snap: Any) -> None:
    if type(root) is SymWork:
        root.w = {k: _copy(v) for k, v in snap.items()}
    else:
        root[:] = [_copy(v) for v in snap]


class _Group:
    """The paths of one call whose results have one shape, joined."""

    def __init__(self, cond: Any, raised: BaseException | None, value: Any, roots: list[Any]):
        self.cond, self.raised, self.value, self.roots = cond, raised, value, roots


def _explore(meth: Callable, args: tuple, kwargs: dict, roots: list[Any]) -> list[_Group]:
    """Every path of meth(*args, **kwargs) under the current path condition, joined by shape."""
    outer = _run[-1]
    snaps = [_snapshot(r) for r in roots]
    results: list[tuple[Any, BaseException | None, Any, list[Any]]] = []
    stack: list[list[Any]] = [[]]
    while stack:
        prefix = stack.pop()
        for r, sn in zip(roots, snaps):
            _restore(r, sn)
        outer.solver.push()
        d = Decider([], prefix, solver=outer.solver, model=outer.model)
        _run.append(d)
        try:
            try:
                v = meth(*args, **kwargs)
                results.append((z3.And(d.pc) if d.pc else _T, None, v, [_snapshot(r) for r in roots]))
            except NotTranslatable:
                raise
            except RecursionError as e:
                raise NotTranslatable(f"recursion too deep on symbolic values ({e})") from None
            except Exception as e:
                results.append((z3.And(d.pc) if d.pc else _T, e, None, []))
        finally:
            _run.pop()
            outer.solver.pop()
        stack.extend(reversed(d.alternatives))
        for k, n in d.sites.items():
            outer.sites[k] = outer.sites.get(k, 0) + n
        if len(results) + len(stack) > MAX_PATHS:
            top = sorted(outer.sites.items(), key=lambda kv: -kv[1])[:4]
            raise NotTranslatable(f"more than {MAX_PATHS:,} paths through one call of {meth.__name__}; the lines "
                                  f"that split most: " + ", ".join(f"{k} ({n:,} splits)" for k, n in top))
    for r, sn in zip(roots, snaps):
        _restore(r, sn)
    return _group(results, roots)


def _root_keys(results: list, roots: list[Any]) -> list[list[str] | None]:
    out: list[list[str] | None] = []
    for j, r in enumerate(roots):
        if type(r) is SymWork:
            keys: list[str] = []
            for _, e, _, rs in results:
                if e is None:
                    keys += [k for k in rs[j] if k not in keys]
            out.append(keys)
        else:
            out.append(None)
    return out


def _group(results: list, roots: list[Any]) -> list[_Group]:
    keys = _root_keys(results, roots)

    def root_values(rs: list[Any]) -> list[Any]:
        vals = []
        for j, r in enumerate(roots):
            if keys[j] is None:
                vals.append(rs[j])
            else:
                vals.append({k: rs[j][k] if k in rs[j] else getattr(r.s, k) for k in keys[j]})
        return vals

    by: dict[Any, list] = {}
    for cond, e, v, rs in results:
        if e is not None:
            key: Any = ("raise", type(e))
            by.setdefault(key, []).append((cond, e, None, None))
            continue
        rv = root_values(rs)
        key = (_shape(v), tuple(_shape(x, loose=True) if not isinstance(x, dict)
                                else tuple((k, _shape(y, loose=True)) for k, y in x.items()) for x in rv))
        by.setdefault(key, []).append((cond, None, v, rv))
    groups = []
    for key, members in by.items():
        conds = [m[0] for m in members]
        cond = z3.simplify(z3.Or(conds)) if len(conds) > 1 else conds[0]
        if members[0][1] is not None:
            groups.append(_Group(cond, members[0][1], None, []))
            continue
        try:
            value = _join(conds, [m[2] for m in members])
            rv = []
            for j in range(len(roots)):
                vals = [m[3][j] for m in members]
                if isinstance(vals[0], dict):
                    rv.append({k: _join(conds, [x[k] for x in vals], loose=True) for k in vals[0]})
                else:
                    rv.append(_join(conds, vals, loose=True))
        except _Unmergeable:   # one group per path then
            for c, _, v, r in members:
                groups.append(_Group(c, None, v, r))
            continue
        groups.append(_Group(cond, None, value, rv))
    return groups


def _merged(meth: Callable) -> Callable:
    def call(*args: Any, **kwargs: Any) -> Any:
        if not _run:
            return meth(*args, **kwargs)
        roots = _roots(list(args) + list(kwargs.values()))
        if roots is None:
            return meth(*args, **kwargs)
        return _call_merged(meth, args, kwargs, roots)
    call.__name__ = getattr(meth, "__name__", "call")
    call.__wrapped__ = meth
    return call


MEMO = True   # reuse joined calls (tests compare with False)
_MEMO: dict[Any, tuple[list[_Group], Any]] = {}   # call key -> (groups, what keeps the key's terms alive)
_KEYS: dict[int, tuple[Any, Any]] = {}


def _key(x: Any, depth: int = 0) -> Any:
    """A key equal for equal values (Z3 terms by their hash-consed id)."""
    t = type(x)
    if t is int or t is str or x is None:
        return x
    if t is bool:   # True == 1 as keys: keep them apart
        return (0, x)
    if t is SymInt or t is SymBool:
        return (1, t is SymInt, x.e.get_id())
    if t is tuple or t is list:
        return (t, tuple(_key(y, depth) for y in x))
    if isinstance(x, tuple) and hasattr(x, "_fields"):   # a State or a Record: computed once per object
        got = _KEYS.get(id(x))
        if got is None or got[0] is not x:
            got = _KEYS[id(x)] = (x, (t, tuple(_key(y, depth) for y in x)))
        return got[1]
    if t is SymSet:
        return (2, x.frozen, tuple((_key(k), m.get_id()) for k, m in x.m.items()))
    if t in (set, frozenset):
        return (t, frozenset(_key(y, depth) for y in x))
    if t is SymWork:
        return (3, _key(x.s, depth), tuple((k, _key(v, depth)) for k, v in x.w.items()))
    if hasattr(x, "__func__") and hasattr(x, "__self__"):   # a bound method
        _ALIVE.append(x)
        return (5, x.__func__, id(x.__self__))
    if callable(x) and hasattr(x, "__code__") and depth < 3:
        cells = []
        for cell in x.__closure__ or ():
            try:
                cells.append(_key(cell.cell_contents, depth + 1))
            except ValueError:
                cells.append(_MISSING_KEY)
        return (4, x.__code__, tuple(cells))
    _ALIVE.append(x)   # its id stays its own while the memo lives
    return (6, id(x))


_MISSING_KEY = ("unbound",)
_ALIVE: list[Any] = []


def _call_merged(meth: Callable, args: tuple, kwargs: dict, roots: list[Any]) -> Any:
    """meth(*args, **kwargs) with its paths joined; the caller splits once per shape of the result.
    A call with the same function, arguments, state and path condition as an earlier one reuses its joined
    paths (the re-runs of a caller along a recorded prefix repeat every call before the new decision)."""
    if roots and _speculating():
        raise _Speculation()
    pcs = [c for d in _run for c in d.pc]
    key = (_key(meth), _key(args), _key(tuple(sorted(kwargs.items()))), tuple(_key(r) for r in roots),
           tuple(c.get_id() for c in pcs), type(_run[-1]))
    got = _MEMO.get(key) if MEMO else None
    if got is None:
        got = _MEMO[key] = (_explore(meth, args, kwargs, roots), (meth, args, kwargs, pcs))
    return _install(got[0], roots)


def _install(groups: list[_Group], roots: list[Any]) -> Any:
    """Go on along one group (a decision when there are several): its state into the roots, its value."""
    if len(groups) == 1:
        g = groups[0]
    else:
        sel: Any = z3.IntVal(len(groups) - 1)
        for i in range(len(groups) - 2, -1, -1):
            sel = z3.If(groups[i].cond, i, sel)
        g = groups[_run[-1].value(sel)]
    if g.raised is not None:
        raise g.raised
    for r, v in zip(roots, g.roots):
        if type(r) is SymWork:
            r.w = {k: _copy(x) for k, x in v.items()}
        else:
            r[:] = [_copy(x) for x in v]
    return _fresh(g.value)


def _fresh(v: Any) -> Any:
    """A copy of the lists in a (joined, possibly reused) value, so that the caller may change them."""
    t = type(v)
    if t is list:
        return [_fresh(x) for x in v]
    if t is tuple:
        return tuple(_fresh(x) for x in v)
    return v


def _roots(xs: list[Any]) -> list[Any] | None:
    """The working copies and lists among xs (each once); None if some mutable value could not be restored
    (a dict, a set, a list holding mutable values): then the call is not joined."""
    roots: list[Any] = []
    for x in xs:
        t = type(x)
        if t is SymWork or t is list:
            if t is list and any(type(y) in (list, dict, set) for y in x):
                return None
            if not any(x is r for r in roots):
                roots.append(x)
        elif t in (dict, set, bytearray):
            return None
    return roots


@contextmanager
def symbolic_mode(bound: BoundSpec) -> Iterator[None]:
    """While the spec's code runs on proxies: its helper methods merge their paths, and its working copy
    class (if it names one) is SymWork. Everything is put back on exit."""
    inst = bound.inst
    cls = type(inst)
    wrapped = []
    for klass in cls.__mro__:
        if klass is Spec or klass is object:
            break
        for name, fn in vars(klass).items():
            if (name.startswith("_") and not name.startswith("__") and callable(fn) and hasattr(fn, "__code__")
                    and name not in vars(inst) and name not in wrapped):
                setattr(inst, name, _merged(rewritten(fn).__get__(inst, cls)))
                wrapped.append(name)
    module = sys.modules.get(cls.__module__)
    work = getattr(cls, "working_copy", None)
    saved = getattr(module, work, None) if work and module is not None else None
    if saved is not None:
        setattr(module, work, SymWork)
    SymWork.types = dict(bound.variables)
    try:
        yield
    finally:
        _MEMO.clear()
        _KEYS.clear()
        _ALIVE.clear()
        for name in wrapped:
            delattr(inst, name)
        if saved is not None:
            setattr(module, work, saved)


# -- the spec's code, rewritten so that conditionals join instead of splitting --------------------------------

class _UndefType:
    """A local variable not bound yet when a joined `if` starts."""

    def __repr__(self) -> str:
        return "<unbound>"


_UNDEF = _UndefType()


def _truthy(v: Any) -> Any:
    """A Z3 Bool for Python's truth of v (made concrete when v is not a number or a bool)."""
    if type(v) is SymBool:
        return v.e
    if type(v) is SymInt:
        return v.e != 0
    return z3.BoolVal(bool(v))


def _items(it: Any) -> list[tuple[Any, Any]]:
    """(element, membership condition as a Z3 Bool) for a loop's iterable (see _sym_members)."""
    if type(it) is SymSet and not all(type(k) is int for k in it.m):
        return [(k, it.m[k]) for k in it.m if not z3.is_false(it.m[k])]
    return [(x, _truthy(m)) for x, m in _sym_members(it)]


def _plain_iter(it: Any) -> Any:
    """The iterable as Python would see it (concrete: a split per possibility)."""
    if type(it) is _Range:
        return range(it.a, it.b)
    return it


def _guarded(kind: str, joined: Callable, plain: Callable) -> Callable:
    """A rewritten comprehension: evaluated for every candidate element at once only if that needs no
    decision, no change of state and raises nothing (Python would skip the elements a filter or a short
    cut excludes); else exactly as Python does, splitting."""
    def run(it: Any, body: Callable, cond: Callable | None) -> Any:
        if _run:
            got = _speculate([lambda: joined(it, body, cond)])
            if got is not None:
                return got[0]
            if _speculating():
                raise _Speculation()
        return plain(_plain_iter(it), body, cond if cond is not None else (lambda x: True))
    run.__name__ = f"_sym_{kind}"
    return run


def _quantified(is_all: bool) -> Callable:
    def joined(it: Any, body: Callable, cond: Callable | None) -> Any:
        terms = []
        for x, mem in _items(it):
            c = z3.And(mem, _truthy(cond(x))) if cond is not None else mem
            if z3.is_false(z3.simplify(c)):
                continue
            b = _truthy(body(x))
            terms.append(z3.Implies(c, b) if is_all else z3.And(c, b))
        out = z3.simplify((z3.And if is_all else z3.Or)(terms)) if terms else (_T if is_all else _F)
        return z3.is_true(out) if z3.is_true(out) or z3.is_false(out) else SymBool(out)
    return joined


_sym_all = _guarded("all", _quantified(True), lambda it, body, cond: all(body(x) for x in it if cond(x)))
_sym_any = _guarded("any", _quantified(False), lambda it, body, cond: any(body(x) for x in it if cond(x)))


def _setcomp(it: Any, body: Callable, cond: Callable | None) -> Any:
    """{body(x) for x in it if cond(x)} as a symbolic set (membership conditions, no split per element)."""
    members: dict[Any, Any] = {}
    for x, mem in _items(it):
        c = z3.simplify(z3.And(mem, _truthy(cond(x)))) if cond is not None else mem
        if z3.is_false(c):
            continue
        k = body(x)
        if isinstance(k, (SymInt, SymBool)):
            k = k.__index__()
        members[k] = z3.simplify(z3.Or(members[k], c)) if k in members else c
    if all(z3.is_true(m) for m in members.values()):
        return set(members)
    return SymSet(members, False)


def _sym_if(region: Callable, c: Any, *vals: Any) -> Any:
    """A rewritten `if c: ... else: ...` (region(c, *vals) runs it and returns the locals it assigns): on a
    symbolic c both sides run and their effects (on the working copies and lists the region can reach, and
    the locals) are joined."""
    if not _run or type(c) not in (SymBool, SymInt):
        return region(c, *vals)
    cells = []
    for cell in region.__closure__ or ():
        try:
            cells.append(cell.cell_contents)
        except ValueError:   # a variable of the enclosing function not bound yet
            pass
    roots = _roots(cells + list(vals))
    if roots is None:
        return region(c, *vals)
    if not _speculating():
        groups = _both_sides(region, c, vals, roots)
        if groups is not None:
            return _install(groups, roots)
    return _call_merged(region, (c, *vals), {}, roots)


def _both_sides(region: Callable, c: Any, vals: tuple, roots: list[Any]) -> list[_Group] | None:
    """Both sides of a joined `if` run without any decision (no solver call); None if one needed one."""
    snaps = [_snapshot(r) for r in roots]
    results = []
    try:
        for side, cond in ((True, c.e if type(c) is SymBool else c.e != 0), (False, None)):
            for r, sn in zip(roots, snaps):
                _restore(r, sn)
            _run.append(_NoDecideMut(_run[-1]))
            try:
                v = region(side, *vals)
            except NotTranslatable:
                raise
            except Exception:
                return None
            finally:
                _run.pop()
            results.append((cond if cond is not None else z3.Not(results[0][0]), None, v,
                            [_snapshot(r) for r in roots]))
    finally:
        for r, sn in zip(roots, snaps):
            _restore(r, sn)
    return _group(results, roots)


class _Rewrite(ast.NodeTransformer):
    """`all`/`any` of a generator, set comprehensions, and `if` statements whose branches only assign
    locals, mutate values and call (no return, break, continue, yield) become calls of the joining helpers."""

    def __init__(self) -> None:
        self.n = 0

    @staticmethod
    def _gen(node: Any) -> tuple[Any, Any, Any] | None:
        if len(node.generators) != 1:
            return None
        g = node.generators[0]
        if not isinstance(g.target, ast.Name) or g.is_async or len(g.ifs) > 1:
            return None
        if isinstance(g.iter, ast.Call) and isinstance(g.iter.func, ast.Name) and g.iter.func.id == "range":
            g.iter = ast.copy_location(ast.Call(ast.Name("_sym_range", ast.Load()), g.iter.args, g.iter.keywords),
                                       g.iter)
        arg = ast.arguments(posonlyargs=[], args=[ast.arg(g.target.id)], kwonlyargs=[], kw_defaults=[],
                            defaults=[])
        body = ast.Lambda(arg, node.elt)
        cond = ast.Lambda(arg, g.ifs[0]) if g.ifs else ast.Constant(None)
        return g.iter, body, cond

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        if (isinstance(node.func, ast.Name) and node.func.id in ("min", "max") and len(node.args) == 2
                and not node.keywords and not any(isinstance(a, ast.Starred) for a in node.args)):
            return ast.copy_location(ast.Call(ast.Name(f"_sym_{node.func.id}", ast.Load()), node.args, []), node)
        if (isinstance(node.func, ast.Name) and node.func.id == "sorted" and len(node.args) == 1
                and not node.keywords):
            return ast.copy_location(ast.Call(ast.Name("_sym_sorted", ast.Load()), node.args, []), node)
        if (isinstance(node.func, ast.Name) and node.func.id in ("all", "any") and len(node.args) == 1
                and not node.keywords and isinstance(node.args[0], ast.GeneratorExp)):
            got = self._gen(node.args[0])
            if got is not None:
                return ast.copy_location(ast.Call(ast.Name(f"_sym_{node.func.id}", ast.Load()), list(got), []), node)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> Any:
        self.generic_visit(node)
        thunks = [ast.Lambda(_NOARGS(), v) for v in node.values]
        return ast.copy_location(ast.Call(ast.Name("_sym_boolop", ast.Load()),
                                          [ast.Constant(isinstance(node.op, ast.Or))] + thunks, []), node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> Any:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(ast.Call(ast.Name("_sym_not", ast.Load()), [node.operand], []), node)
        return node

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        self.generic_visit(node)
        return ast.copy_location(ast.Call(ast.Name("_sym_ifexp", ast.Load()),
                                          [node.test, ast.Lambda(_NOARGS(), node.body),
                                           ast.Lambda(_NOARGS(), node.orelse)], []), node)

    def visit_Compare(self, node: ast.Compare) -> Any:
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            call = ast.Call(ast.Name("_sym_in", ast.Load()), [node.left, node.comparators[0]], [])
            if isinstance(node.ops[0], ast.NotIn):
                call = ast.Call(ast.Name("_sym_not", ast.Load()), [call], [])
            return ast.copy_location(call, node)
        simple = (ast.Name, ast.Constant, ast.Attribute)
        if len(node.ops) > 1 and all(isinstance(x, simple) for x in node.comparators[:-1]):
            parts = []
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                parts.append(ast.Lambda(_NOARGS(), ast.Compare(left, [op], [right])))
                left = right
            return ast.copy_location(ast.Call(ast.Name("_sym_boolop", ast.Load()), [ast.Constant(False)] + parts,
                                              []), node)
        return node

    def visit_ListComp(self, node: ast.ListComp) -> Any:
        self.generic_visit(node)
        got = self._gen(node)
        if got is None or isinstance(got[2], ast.Constant):
            return node
        return ast.copy_location(ast.Call(ast.Name("_sym_listcomp", ast.Load()), list(got), []), node)

    def visit_SetComp(self, node: ast.SetComp) -> Any:
        self.generic_visit(node)
        got = self._gen(node)
        if got is None:
            return node
        return ast.copy_location(ast.Call(ast.Name("_sym_setcomp", ast.Load()), list(got), []), node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node.body = self._block(node.body)
        return node

    def _block(self, stmts: list[Any]) -> list[Any]:
        out = []
        for st in stmts:
            st = self.visit(st) if not isinstance(st, ast.FunctionDef) else st
            if isinstance(st, ast.For) and isinstance(st.target, ast.Name) and not st.orelse:
                st = self._for(st)
            for field_ in ("body", "orelse", "finalbody"):
                if isinstance(st, (ast.For, ast.While, ast.If, ast.With, ast.Try)) and hasattr(st, field_):
                    setattr(st, field_, self._block(getattr(st, field_)))
            if isinstance(st, ast.If) and _joinable(st):
                out.extend(self._region(st))
            else:
                out.append(st)
        return out

    def _for(self, st: ast.For) -> ast.For:
        """`for x in it: body` -> `for x, m in _sym_members(it): if m: body` (m: x's membership condition)."""
        self.n += 1
        flag = f"_sym_m_{self.n}"
        it = st.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and not it.keywords:
            it = ast.Call(ast.Name("_sym_range", ast.Load()), it.args, [])
        st.iter = ast.Call(ast.Name("_sym_members", ast.Load()), [it], [])
        st.target = ast.Tuple([st.target, ast.Name(flag, ast.Store())], ast.Store())
        st.body = [ast.If(ast.Name(flag, ast.Load()), st.body, [])]
        ast.fix_missing_locations(ast.copy_location(st.iter, st))
        for x in ast.walk(st):
            ast.copy_location(x, st) if not hasattr(x, "lineno") else None
        ast.fix_missing_locations(st)
        return st

    def _region(self, st: ast.If) -> list[Any]:
        """`if c: A else: B` -> def region(c, x..): if c: A else: B; return (x..); (x..) = _sym_if(region, c, x..)"""
        self.n += 1
        name = f"_sym_region_{self.n}"
        assigned = sorted(_assigned(st))
        params = [ast.arg("_sym_c")] + [ast.arg(x) for x in assigned]
        inner = ast.If(ast.Name("_sym_c", ast.Load()), st.body, st.orelse)
        ret = ast.Return(ast.Tuple([ast.Name(x, ast.Load()) for x in assigned], ast.Load()))
        fn = ast.FunctionDef(name, ast.arguments(posonlyargs=[], args=params, kwonlyargs=[], kw_defaults=[],
                                                  defaults=[]), [inner, ret], [], None)
        current = [ast.Call(ast.Name("_sym_bound", ast.Load()),
                            [ast.Call(ast.Name("locals", ast.Load()), [], []), ast.Constant(x)], [])
                   for x in assigned]
        call = ast.Call(ast.Name("_sym_if", ast.Load()), [ast.Name(name, ast.Load()), st.test] + current, [])
        if assigned:
            target = ast.Tuple([ast.Name(x, ast.Store()) for x in assigned], ast.Store())
            use: Any = ast.Assign([target], call)
        else:
            use = ast.Expr(call)
        out = [fn, use]
        for x in out:
            ast.copy_location(x, st)
            ast.fix_missing_locations(x)
        return out


def _NOARGS() -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])


def _closure_roots(fns: tuple) -> list[Any] | None:
    cells = []
    for fn in fns:
        for cell in fn.__closure__ or ():
            try:
                cells.append(cell.cell_contents)
            except ValueError:   # a variable of the enclosing function not bound yet
                pass
    return _roots(cells)


class _Speculation(Exception):
    """A speculative evaluation needed a decision or a change of state: it is abandoned."""


class _NoDecide(Decider):
    """The decider of a speculative evaluation: feasibility checks are fine, decisions are not."""

    def __init__(self, outer: Decider):
        super().__init__([], [], solver=outer.solver, model=outer.model)

    def truth(self, c: Any) -> bool:
        c = z3.simplify(c)
        if z3.is_true(c) or z3.is_false(c):
            return z3.is_true(c)
        raise _Speculation()

    def value(self, e: Any) -> int:
        e = z3.simplify(e)
        if z3.is_int_value(e):
            return e.as_long()
        raise _Speculation()

    def assume(self, c: Any) -> bool:
        raise _Speculation()


class _NoDecideMut(_NoDecide):
    """A speculative run of one side of an `if`: no decisions, but the working copies may change."""


def _speculating() -> bool:
    return bool(_run) and type(_run[-1]) is _NoDecide


_MISSING = object()


def _speculate(thunks: tuple | list) -> list[Any] | None:
    """The values of the thunks evaluated without any decision, exception or change of state; None if one
    needed any (the caller then takes the exact, exploring route)."""
    if not _run:
        return None
    _run.append(_NoDecide(_run[-1]))
    try:
        return [t() for t in thunks]
    except NotTranslatable:
        raise
    except Exception:
        return None
    finally:
        _run.pop()


def _sym_boolop(is_or: bool, *thunks: Callable) -> Any:
    """`a or b or ...` / `a and b and ...` (thunks of the operands); a symbolic operand does not split the
    caller: if the other operands evaluate without a decision or a change of state they are joined with
    If-terms, else both outcomes run and the value is joined."""
    def run(i: int) -> Any:
        v = thunks[i]()
        if i == len(thunks) - 1:
            return v
        if type(v) in (SymBool, SymInt) and _run:
            rest = _speculate([lambda: run(i + 1)])
            if rest is not None:
                try:
                    return _ite(_truthy(v), v, rest[0]) if is_or else _ite(_truthy(v), rest[0], v)
                except _Unmergeable:
                    pass
            if _speculating():
                raise _Speculation()
            return _call_merged(lambda: (v if is_or else run(i + 1)) if v else (run(i + 1) if is_or else v),
                                (), {}, roots)
        return (v if is_or else run(i + 1)) if v else (run(i + 1) if is_or else v)
    roots = _closure_roots(thunks) if _run else []
    if roots is None:
        return _plain_boolop(is_or, thunks)
    return run(0)


def _plain_boolop(is_or: bool, thunks: tuple) -> Any:
    v = None
    for t in thunks:
        v = t()
        if bool(v) == is_or:
            return v
    return v


def _sym_not(v: Any) -> Any:
    if type(v) is _CondList and _run:
        return SymBool(z3.Not(v._some()))
    if type(v) is SymBool:
        return SymBool(z3.Not(v.e))
    if type(v) is SymInt:
        return SymBool(v.e == 0)
    return not v


def _sym_ifexp(c: Any, yes: Callable, no: Callable) -> Any:
    if type(c) in (SymBool, SymInt) and _run:
        both = _speculate([yes, no])
        if both is not None:
            try:
                return _ite(_truthy(c), both[0], both[1])
            except _Unmergeable:
                pass
        if _speculating():
            raise _Speculation()
        roots = _closure_roots((yes, no))
        if roots is not None:
            return _call_merged(lambda: yes() if c else no(), (), {}, roots)
    return yes() if c else no()


def _sym_in(x: Any, coll: Any) -> Any:
    """`x in coll` without a split when x or coll is symbolic and coll a set or a small collection."""
    if type(coll) is SymSet:
        return SymBool(coll.has(x))
    if isinstance(x, (SymInt, SymBool)) and type(coll) in (tuple, list, set, frozenset):
        zs = [_z(y) for y in coll]
        if all(z is not None and z.sort() == x.e.sort() for z in zs):
            return SymBool(z3.Or([x.e == z for z in zs])) if zs else False
    if isinstance(x, SymInt) and type(coll) is range and coll.step == 1:
        return SymBool(z3.And(coll.start <= x.e, x.e < coll.stop))
    return x in coll


def _sym_min(a: Any, b: Any) -> Any:
    if _run and (type(a) is SymInt or type(b) is SymInt) and type(a) in (int, SymInt) and type(b) in (int, SymInt):
        return SymInt(z3.If(_int(b) < _int(a), _int(b), _int(a)))   # min returns the first of equal values
    return min(a, b)


def _sym_max(a: Any, b: Any) -> Any:
    if _run and (type(a) is SymInt or type(b) is SymInt) and type(a) in (int, SymInt) and type(b) in (int, SymInt):
        return SymInt(z3.If(_int(b) > _int(a), _int(b), _int(a)))
    return max(a, b)


class _CondList:
    """A filtered list comprehension whose filter is symbolic: (value, condition) per candidate element.
    Truth, the first and last element and loops over it need no split (when some element is known to
    exist); any other use makes it a concrete list."""

    def __init__(self, items: list[tuple[Any, Any]]):
        self.items, self._list = items, None

    def _real(self) -> list:
        if self._list is None:
            self._list = [v for v, c in self.items if c is True or c]
        return self._list

    def _some(self) -> Any:
        return z3.Or([_truthy(c) for _, c in self.items]) if self.items else _F

    def __bool__(self) -> bool:
        return bool(SymBool(self._some())) if self.items else False

    def __getitem__(self, i: Any) -> Any:
        if type(i) is int and i in (0, -1) and self.items and _run \
                and not _run[-1]._feasible(z3.Not(self._some())):
            order = self.items if i == -1 else list(reversed(self.items))
            acc = order[0][0]
            try:
                for v, c in order[1:]:
                    acc = _ite(_truthy(c), v, acc)
                return acc
            except _Unmergeable:
                pass
        return self._real()[i]

    def __iter__(self): return iter(self._real())
    def __len__(self): return len(self._real())
    def __add__(self, o): return self._real() + list(o)
    def __radd__(self, o): return list(o) + self._real()
    def __eq__(self, o): return self._real() == o
    def __contains__(self, x): return x in self._real()
    __hash__ = None


def _listcomp(it: Any, body: Callable, cond: Callable) -> Any:
    """[body(x) for x in it if cond(x)]: a _CondList when some condition is symbolic."""
    items = []
    for x, mem in _sym_members(it):
        c = cond(x)
        c = z3.simplify(z3.And(_truthy(mem), _truthy(c)))
        if z3.is_false(c):
            continue
        items.append((body(x), True if z3.is_true(c) else SymBool(c)))
    if all(c is True for _, c in items):
        return [v for v, _ in items]
    return _CondList(items)


_sym_setcomp = _guarded("setcomp", _setcomp, lambda it, body, cond: {body(x) for x in it if cond(x)})
_sym_listcomp = _guarded("listcomp", _listcomp, lambda it, body, cond: [body(x) for x in it if cond(x)])


class _Sorted:
    """sorted() of a symbolic set of integers: a loop over it runs every atom under its membership
    condition (no split); any other use makes it a concrete list (a split per subset, as before)."""

    def __init__(self, s: SymSet):
        self.s, self._list = s, None

    def _real(self) -> list:
        if self._list is None:
            self._list = sorted(self.s)
        return self._list

    def __iter__(self): return iter(self._real())
    def __len__(self): return len(self._real())
    def __getitem__(self, i): return self._real()[i]
    def __bool__(self): return bool(self._real())
    def __add__(self, o): return self._real() + list(o)
    def __radd__(self, o): return list(o) + self._real()
    def __eq__(self, o): return self._real() == o
    def __contains__(self, x): return x in self._real()
    __hash__ = None


def _sym_sorted(x: Any) -> Any:
    if type(x) is SymSet and _run and all(type(k) is int for k in x.m):
        return _Sorted(x)
    return sorted(x)


class _Range:
    """range(a, b) with a symbolic bound: every number a could reach up to every number b could, each under
    the condition that it lies in the range."""

    def __init__(self, a: Any, b: Any):
        self.a, self.b = a, b

    def items(self) -> list[tuple[int, Any]]:
        lo, hi = min(_values(self.a)), max(_values(self.b))
        out = []
        for x in range(lo, hi):
            c = z3.simplify(z3.And(_int(self.a) <= x, x < _int(self.b)))
            if not z3.is_false(c):
                out.append((x, True if z3.is_true(c) else SymBool(c)))
        return out


def _values(x: Any) -> list[int]:
    """Every value the integer x can take on the current path (no split)."""
    if type(x) is not SymInt:
        return [x.__index__()]
    vals = feasible_values(_run[-1].solver, x.e, "in a loop bound")
    return vals or [0]


def _sym_range(*args: Any) -> Any:
    if len(args) <= 2 and _run and any(type(a) is SymInt for a in args):
        a, b = (0, args[0]) if len(args) == 1 else args
        return _Range(a, b)
    return range(*args)


def _sym_members(it: Any) -> Any:
    """(element, membership condition) pairs of a loop's iterable: conditional for a symbolic set (or sorted
    one) and a range with symbolic bounds, True for everything else."""
    if type(it) is _Range:
        return it.items()
    if type(it) is _Sorted:
        it = it.s
    if type(it) is _CondList:
        return list(it.items)
    if type(it) is SymSet and _run and all(type(k) is int for k in it.m):
        return [(k, True if z3.is_true(m) else SymBool(m)) for k, m in sorted(it.m.items())
                if not z3.is_false(z3.simplify(m))]
    return ((x, True) for x in it)


def _sym_bound(scope: dict, name: str) -> Any:
    return scope.get(name, _UNDEF)


def _joinable(st: ast.If) -> bool:
    """No return/break/continue/yield/del/global/nonlocal/await in the branches (nested functions aside)."""
    bad = (ast.Return, ast.Break, ast.Continue, ast.Yield, ast.YieldFrom, ast.Delete, ast.Global, ast.Nonlocal,
           ast.Await, ast.Try, ast.With, ast.Raise)
    todo = list(st.body) + list(st.orelse)
    while todo:
        n = todo.pop()
        if isinstance(n, bad):
            return False
        if isinstance(n, (ast.FunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(n, (ast.For, ast.While)):   # a break/continue inside belongs to that loop: allowed
            todo.extend(x for x in ast.walk(n) if isinstance(x, (ast.Return, ast.Yield, ast.YieldFrom, ast.Raise)))
            continue
        todo.extend(ast.iter_child_nodes(n))
    return True


def _assigned(st: ast.If) -> set[str]:
    """Local names a statement binds (assignment targets, loop variables, walrus)."""
    out: set[str] = set()
    for n in ast.walk(st):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            out.add(n.id)
    return out


_REWRITTEN: dict[Any, Any] = {}


def rewritten(fn: Callable) -> Callable:
    """fn (a plain function of the spec) with its conditionals joining on symbolic values; fn itself when its
    source is not available."""
    got = _REWRITTEN.get(fn)
    if got is not None:
        return got
    try:
        lines, first = inspect.getsourcelines(fn)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        _REWRITTEN[fn] = fn
        return fn
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef) or fn.__code__.co_freevars:
        _REWRITTEN[fn] = fn
        return fn
    node.decorator_list = []
    node = _Rewrite().visit(node)
    names = ["_sym_if", "_sym_all", "_sym_any", "_sym_setcomp", "_sym_bound", "_sym_boolop", "_sym_not",
             "_sym_ifexp", "_sym_in", "_sym_sorted", "_sym_range", "_sym_members", "_sym_min", "_sym_max",
             "_sym_listcomp"]
    maker = ast.FunctionDef("_sym_make", ast.arguments(posonlyargs=[], args=[ast.arg(x) for x in names],
                                                       kwonlyargs=[], kw_defaults=[], defaults=[]),
                            [node, ast.Return(ast.Name(node.name, ast.Load()))], [], None)
    mod = ast.Module([maker], [])
    ast.fix_missing_locations(mod)
    ast.increment_lineno(mod, first - 1)
    scope: dict[str, Any] = {}
    exec(compile(mod, fn.__code__.co_filename, "exec"), fn.__globals__, scope)
    new = scope["_sym_make"](_sym_if, _sym_all, _sym_any, _sym_setcomp, _sym_bound, _sym_boolop, _sym_not,
                             _sym_ifexp, _sym_in, _sym_sorted, _sym_range, _sym_members, _sym_min, _sym_max,
                             _sym_listcomp)
    new.__defaults__ = fn.__defaults__
    new.__kwdefaults__ = fn.__kwdefaults__
    _REWRITTEN[fn] = new
    return new
