"""Toy spec for path merging in `prove` (modelcheck/symbolic/merge.py): `sweep` tests every cell of a row
with an independent `if`, so run path by path it has 2^N paths (N=12: 4,096, over the 2,000 an action
may have); with the `if`s joined into If-terms it is one branch. `drain` empties the set through a helper
that loops over the set's members, and `settle` works on a copy-on-write working copy (`working_copy`).

Hand count: cells count down from 2 (`tick` one cell at a time), `sweep` zeroes every cell at 1 that is not
flagged, and flags every cell at 0. `flagged_are_zero` (a flagged cell is 0) holds: a flag is set only on a
0 cell and cells never go up.
"""
import z3

from modelcheck import IntRange, SetOf, Spec, TupleOf, action, always, param


class _Copy:
    """A minimal copy-on-write working copy with the protocol merge.SymWork replaces."""

    def __init__(self, s):
        self.s, self.w = s, {}

    def __getitem__(self, k):
        return self.w[k] if k in self.w else getattr(self.s, k)

    def __setitem__(self, k, v):
        self.w[k] = v

    def put(self, k, i, v):
        rows = self.w[k] = list(self[k])
        rows[i] = v

    def put2(self, k, i, j, v):
        rows = self.w[k] = list(self[k])
        row = list(rows[i])
        row[j] = v
        rows[i] = tuple(row)

    def add(self, k, x):
        self.w[k] = set(self[k]) | {x}

    def discard(self, k, x):
        self.w[k] = set(self[k]) - {x}

    def done(self):
        return self.s.set(**{k: tuple(v) if type(v) is list else frozenset(v) if type(v) is set else v
                             for k, v in self.w.items()})


class Sweep(Spec):
    """A row of cells counting down, swept and flagged."""

    N = param(3, IntRange(1, 12), "cells")
    check_deadlock = False
    working_copy = "_Copy"

    def variables(self):
        return {"x": TupleOf(IntRange(0, 2), self.N), "flags": SetOf(range(self.N))}

    def init(self):
        yield self.State(x=(2,) * self.N, flags=frozenset())

    @action(over=lambda self: range(self.N), guard=lambda self, s, i: s.x[i] > 0)
    def tick(self, s, i):
        return s.set(x=s.x[:i] + (s.x[i] - 1,) + s.x[i + 1:])

    @action
    def sweep(self, s):
        xs = list(s.x)
        for i in range(self.N):
            if xs[i] == 1 and i not in s.flags:
                xs[i] = 0
        return s.set(x=tuple(xs), flags=s.flags | {i for i in range(self.N) if xs[i] == 0})

    @action(guard=lambda self, s: len(s.flags) > 0)
    def drain(self, s):
        m = _Copy(s)
        self._drop_all(m)
        return m.done()

    def _drop_all(self, m):
        for i in sorted(m["flags"]):
            m.discard("flags", i)

    @action(guard=lambda self, s: any(v == 1 for v in s.x))
    def settle(self, s):
        m = _Copy(s)
        for i in range(self.N):
            if m["x"][i] == 1 and i in m["flags"]:
                m.put("x", i, 0)
        return m.done()

    @always
    def flagged_are_zero(self, v):
        return z3.And([z3.Implies(v.flags.has(i), v.x[i] == 0) for i in range(self.N)])
