"""Toy spec for the Z3 translation: its properties use every operator the translator handles
(And, Or, Not, Implies, If, Xor, Distinct, == and != on ints and bools, < <= > >=, + - *, unary minus,
integer and boolean literals) over every kind of view (Bool, IntRange, Enum, MapOf, SetOf.has, SeqOf.len).

Hand count: the four independent variables x (IntRange(-1, 1): 3 values), flag (Bool: 2), seen
(SetOf of two colours: 4 subsets) and q (SeqOf(Bool(), 1): (), (false,), (true,): 3) can each be set to
any value of their domain, so all 3*2*4*3 = 72 combinations are reachable. `sign` (a MapOf) and
`mood` (an Enum) are functions of x and flag, so they add no states: 72 distinct states.
Transitions: per state, `bump` has 2 choices at x=0 and 1 at x=-1 or 1 (4 over the three values of x),
`toggle` 1, per colour exactly one of `add`/`drop` (2), `push` 2 when q is empty and `pop` 1 otherwise
(4 over the three values of q). Summed over the 72 states: 4*24 + 72 + 2*72 + 4*24 = 408 transitions,
and 1 + 408 = 409 generated states. The farthest state changes x, flag, both colours and q: depth 5.
"""
import z3

from modelcheck import (Bool, Enum, IntRange, MapOf, SeqOf, SetOf, Spec, action, always, always_possible, param,
                        sometimes, terminal)

Mood = Enum("Mood", ["low", "calm", "high"])
COLOURS = ("red", "green")


def derived(s):
    return s.set(sign=(s.x < 0, s.x > 0),
                 mood=Mood.high if s.flag and s.x > 0 else Mood.low if s.x < 0 else Mood.calm)


class Ops(Spec):
    """Independent small variables; properties exercise every translated operator."""

    K = param(1, IntRange(0, 2), "a constant used inside formulas")

    check_deadlock = True

    def variables(self):
        return {"x": IntRange(-1, 1), "flag": Bool(), "seen": SetOf(COLOURS), "q": SeqOf(Bool(), 1),
                "sign": MapOf(["neg", "pos"], Bool()), "mood": Mood}

    def init(self):
        yield derived(self.State(x=0, flag=False, seen=frozenset(), q=(), sign=(False, False), mood=Mood.calm))

    @action(over=lambda self: (-1, 1), guard=lambda self, s, d: -1 <= s.x + d <= 1)
    def bump(self, s, d):
        return derived(s.set(x=s.x + d))

    @action
    def toggle(self, s):
        return derived(s.set(flag=not s.flag))

    @action(over=lambda self: COLOURS, guard=lambda self, s, c: c not in s.seen)
    def add(self, s, c):
        return s.set(seen=s.seen | {c})

    @action(over=lambda self, s: s.seen)
    def drop(self, s, c):
        return s.set(seen=s.seen - {c})

    @action(over=lambda self: (False, True), guard=lambda self, s, b: len(s.q) == 0)
    def push(self, s, b):
        return s.set(q=s.q + (b,))

    @action(guard=lambda self, s: len(s.q) == 1)
    def pop(self, s):
        return s.set(q=s.q[1:])

    # -- properties: each must be falsifiable (always) or satisfiable (sometimes) over the domains --
    @always
    def implies(self, v):
        return z3.Implies(v.flag, v.x < 1)

    @always
    def ite_arith(self, v):
        return z3.If(v.flag, v.x + 1, v.x * 2 - self.K) >= -1

    @sometimes
    def xor(self, v):
        return z3.Xor(v.flag, v.seen.has("red"))

    @always
    def distinct(self, v):
        return z3.Distinct(v.x, v.q.len, -v.x + 1)

    @sometimes
    def arith(self, v):
        return v.x * v.x - v.q.len + 3 > 3

    @always
    def uminus(self, v):
        return -v.x < 1

    @sometimes
    def ranges(self, v):
        return z3.And(v.x >= 0, v.x <= 1, v.q.len > 0, v.q.len < 2)

    @always
    def bool_eq(self, v):
        return z3.Or(z3.Not(v.seen.has("green")), v.flag == v.seen.has("red"))

    @always
    def bool_ne(self, v):
        return v.flag != v.seen.has("green")

    @always
    def map_enum(self, v):
        return z3.And(z3.Implies(v.sign["neg"], v.mood == Mood.low), v.mood != Mood.high, True)

    @sometimes
    def literals(self, v):
        return z3.Or(z3.BoolVal(False), z3.And(v.sign["pos"], v.x == 1, z3.IntVal(2) - 1 == v.x))

    @always_possible
    def home(self, v):
        return z3.And(v.x == 0, z3.Not(v.flag), v.q.len == 0)

    @terminal
    def never_terminal(self, v):
        return z3.And(v.x == 1, v.x == -1)
