# docs/examples/channel.py
from modelcheck import Bool, SeqOf, Spec, action, constraint, sometimes


class Channel(Spec):
    """A sender puts bits into a channel; a receiver takes the oldest. Only the constraint bounds the queue."""

    def variables(self):
        return {"q": SeqOf(Bool(), 2)}

    def init(self):
        yield self.State(q=())

    @action(over=lambda self: [False, True])      # no guard: the queue may grow past its type...
    def send(self, s, bit):
        return s.set(q=s.q + (bit,))

    @action(guard=lambda self, s: len(s.q) > 0)
    def receive(self, s):
        return s.set(q=s.q[1:])

    @constraint                                    # ...but a successor with more than 2 is not explored
    def short_queue(self, s):
        return len(s.q) <= 2

    @sometimes
    def full(self, v):
        return v.q.len == 2
