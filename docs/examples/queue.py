# docs/examples/queue.py
import z3

from modelcheck import Bool, IntRange, Record, SeqOf, Spec, action, always, sometimes, terminal

Msg = Record("Msg", seq=IntRange(0, 3), urgent=Bool())


class Queue(Spec):
    """A sender numbers messages 0..3 and queues them (at most 2 in flight); a receiver takes the oldest."""

    def variables(self):
        return {"next": IntRange(0, 4), "q": SeqOf(Msg, 2), "got": IntRange(-1, 3)}

    def init(self):
        yield self.State(next=0, q=(), got=-1)

    @action(over=lambda self: [False, True], guard=lambda self, s, urgent: s.next < 4 and len(s.q) < 2)
    def send(self, s, urgent):
        return s.set(next=s.next + 1, q=s.q + (Msg(seq=s.next, urgent=urgent),))

    @action(guard=lambda self, s: len(s.q) > 0)
    def receive(self, s):
        return s.set(q=s.q[1:], got=s.q[0].seq)

    @terminal
    def all_received(self, v):
        return z3.And(v.next == 4, v.q.len == 0)

    @always
    def in_order(self, v):
        """Queued messages are in sending order, and newer than the last one received."""
        return z3.And(z3.Implies(v.q.len == 2, v.q[0].seq < v.q[1].seq), v.q.forall(lambda m: m.seq > v.got))

    @always
    def one_urgent_at_most(self, v):
        """At most one queued message is urgent (false: both can be)."""
        return z3.AtMost(*[z3.And(v.q.len > i, v.q[i].urgent) for i in range(2)], 1)

    @sometimes
    def odd_head_of_two(self, v):
        return z3.And(v.q.len == 2, v.q[0].seq % 2 == 1)
