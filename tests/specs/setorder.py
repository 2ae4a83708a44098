"""Toy spec where Python's set iteration order (which depends on PYTHONHASHSEED for strings) could
leak into the results: a static over= that is a set of strings, a state-dependent over= over a
frozenset, and a SetOf of strings. Used by the determinism tests.

Hand count: `have` can be any subset of the six animals (take adds one, give removes one): 2**6 = 64
states. Transitions: every state has exactly 6 successors (take each missing animal, give each held
one), so 64*6 = 384 transitions and 385 generated. `at_most_one` fails first with two animals, in
2 steps, and which two depends only on the (sorted) order of take's arguments.
With starts=true, init() yields its six initial states in set order; the engine puts them in canonical order.
"""
import z3

from modelcheck import Bool, SetOf, Spec, action, always, param

ANIMALS = ["ant", "bee", "cat", "dog", "eel", "fox"]


class SetOrder(Spec):
    """Take and give animals; at most one may be held (false)."""

    starts = param(False, Bool(), "start from each one-animal set, taken from a Python set (its order leaks)")

    def variables(self):
        return {"have": SetOf(ANIMALS)}

    def init(self):
        if self.starts:
            for a in set(ANIMALS):
                yield self.State(have=frozenset({a}))
        else:
            yield self.State(have=frozenset())

    @action(over=lambda self: set(ANIMALS), guard=lambda self, s, a: a not in s.have)
    def take(self, s, a):
        return s.set(have=s.have | {a})

    @action(over=lambda self, s: set(s.have))
    def give(self, s, a):
        return s.set(have=s.have - {a})

    @always
    def at_most_one(self, v):
        return z3.And([z3.Not(z3.And(v.have.has(a), v.have.has(b)))
                       for i, a in enumerate(ANIMALS) for b in ANIMALS[i + 1:]])
