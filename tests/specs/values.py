"""Toy spec for records, sequence contents and the translation's arithmetic: integer division and modulo,
set cardinality, at-most / at-least counts. Every value can be set freely, so every combination is reachable.

Hand count: x and d range over -2..2 (5 values each; d = 0 is where a division is undefined), q is a queue
of at most 2 messages, each a record (seq in 0..1, kind ping/pong: 4 values), so 1 + 4 + 16 = 21 queues,
and got is a subset of {0, 1}: 4 values. 5 * 5 * 21 * 4 = 2,100 distinct states.
"""
import z3

from modelcheck import Enum, IntRange, Record, SeqOf, SetOf, Spec, action, always, sometimes

Kind = Enum("Kind", ["ping", "pong"])
Msg = Record("Msg", seq=IntRange(0, 1), kind=Kind)


class Values(Spec):
    """Free variables; properties read record fields, queue contents, and use / % AtMost AtLeast size."""

    check_deadlock = False

    def variables(self):
        return {"x": IntRange(-2, 2), "d": IntRange(-2, 2), "q": SeqOf(Msg, 2), "got": SetOf([0, 1])}

    def init(self):
        yield self.State(x=0, d=1, q=(), got=frozenset())

    @action(over=lambda self: range(-2, 3))
    def set_x(self, s, x):
        return s.set(x=x)

    @action(over=lambda self: range(-2, 3))
    def set_d(self, s, d):
        return s.set(d=d)

    @action(over=lambda self: [Msg(seq=n, kind=k) for n in (0, 1) for k in (Kind.ping, Kind.pong)],
            guard=lambda self, s, m: len(s.q) < 2)
    def send(self, s, m):
        return s.set(q=s.q + (m,))

    @action(guard=lambda self, s: len(s.q) > 0)
    def receive(self, s):
        return s.set(q=s.q[1:], got=s.got | {s.q[0].seq})

    @action(over=lambda self, s: s.got)
    def forget(self, s, n):
        return s.set(got=s.got - {n})

    # -- division and modulo (Z3's semantics: the remainder is never negative) --
    @always(vacuous_ok=True)   # true by Z3's definition of / and %: here to cross-check the translation
    def div_mod(self, v):
        return z3.Implies(v.d != 0, v.x == v.d * (v.x / v.d) + v.x % v.d)

    @sometimes
    def negative_divisor(self, v):
        return z3.And(v.d < 0, v.x / v.d == 1, v.x % v.d == 1)   # only x = -1, d = -2 (Python: -1 // -2 == 0)

    # -- set cardinality, at-most / at-least --
    @always
    def size_bound(self, v):
        return v.got.size + v.q.len <= 3

    @sometimes
    def at_least_two(self, v):
        return z3.AtLeast(v.got.has(0), v.got.has(1), v.x > 0, 2)

    @always
    def at_most_one_bad(self, v):
        return z3.AtMost(v.got.has(0), v.x < -1, v.d == 0, 2)

    # -- records and sequence contents --
    @sometimes
    def head_is_pong_1(self, v):
        return z3.And(v.q.len > 0, v.q[0].kind == Kind.pong, v.q[0].seq == 1)

    @always
    def not_two_pings(self, v):
        return v.q.count(lambda m: m.kind == Kind.ping) < 2

    @sometimes
    def contains_and_forall(self, v):
        return z3.And(v.q.exists(lambda m: m.seq == 1), v.q.forall(lambda m: m.kind == Kind.pong), v.q.len == 2)
