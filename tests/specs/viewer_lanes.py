"""Toy spec for the viewer's sequence chart: a sender, a lossy reordering network and a receiver task.

`send(k)` puts message k (0..2) in flight; the network delivers or drops any message in flight; the
receiver's task takes what arrived in two segments with an await between them (`recv_start`,
`recv_end`). `Plain` is the same spec without lanes, in-flight messages or awaits (one lane per action).
"""
import z3

from modelcheck import Bool, Enum, SetOf, Spec, action, always

M = [0, 1, 2]
RX = Enum("RX", ["idle", "waiting"])


class Chat(Spec):
    """Three messages over a lossy, reordering channel."""

    lanes = {"sender": ["send"], "network": ["deliver", "drop"], "receiver": ["recv_start", "recv_end"]}
    message_loss = ["drop"]

    def variables(self):
        return {"sent": SetOf(M), "net": SetOf(M), "inbox": SetOf(M), "rx": RX, "done": Bool()}

    def init(self):
        yield self.State(sent=frozenset(), net=frozenset(), inbox=frozenset(), rx=RX.idle, done=False)

    @action(over=lambda self: M, guard=lambda self, s, k: k not in s.sent)
    def send(self, s, k):
        """Sender.send, L1-L5: put message k on the wire."""
        return s.set(sent=s.sent | {k}, net=s.net | {k})

    @action(over=lambda self, s: sorted(s.net))
    def deliver(self, s, k):
        """onMessage, L10: message k arrives."""
        return s.set(net=s.net - {k}, inbox=s.inbox | {k})

    @action(over=lambda self, s: sorted(s.net))
    def drop(self, s, k):
        """The channel loses message k."""
        return s.set(net=s.net - {k})

    @action(guard=lambda self, s: s.rx == RX.idle and not s.done and bool(s.inbox))
    def recv_start(self, s):
        """Receiver.run, L20: start reading, then await the decoder."""
        return s.set(rx=RX.waiting)

    @action(guard=lambda self, s: s.rx == RX.waiting)
    def recv_end(self, s):
        """Receiver.run, L22: after the await, finish."""
        return s.set(rx=RX.idle, done=True)

    @always
    def never_done(self, v):
        return z3.Not(v.done)

    def in_flight(self, s):
        """The messages on the wire."""
        return {k: f"msg {k}" for k in sorted(s.net)}

    def lane_status(self, s):
        """The receiver awaits the decoder between its two segments."""
        return {"receiver": "awaits the decoder"} if s.rx == RX.waiting else {}


class Plain(Chat):
    """The same, without lanes: the viewer gives each action a lane of its own."""

    lanes = None
    message_loss = ()

    def in_flight(self, s):
        return {}

    def lane_status(self, s):
        return {}
