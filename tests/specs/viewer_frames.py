"""Toy spec for the trace viewer tests: a writer fills frames, with a grid and grid_marks.

`begin` makes the writer busy; `write(v)` stores v in the frame at the cursor and advances it; `stop`
(only at cursor 1) makes the writer idle for good. With `fixWrite` off the writer may write 2 into any
frame after the first, which `no_two` forbids. Shortest traces (F=3):
- buggy `no_two`: begin, write(0), write(2) -> frame 1 holds 2 (3 steps);
- `finishes` (always_possible): begin, write(0), stop -> cursor can no longer reach F (3 steps);
- deadlock: the same 3 steps (stop leaves nothing enabled);
- `sometimes all_written`: begin and F writes (F+1 steps).
Its types cover every ITF encoding (Enum, IntRange, TupleOf, MapOf, SetOf with string atoms that need
HTML escaping, SeqOf).
"""
import z3

from modelcheck import (Bool, Enum, IntRange, MapOf, SeqOf, SetOf, Spec, TupleOf, action, always, always_possible,
                        param, put, sometimes)

Mode = Enum("Mode", ["idle", "busy", "stopped"])
TAGS = ["</script><b>x", "a&b"]


class Frames(Spec):
    """A writer fills frames 0..F-1; with fixWrite off it may write the forbidden value 2."""

    F = param(3, IntRange(2, 4), "number of frames")
    fixWrite = param(True, Bool(), "never write 2", fix=True)

    variants = {"buggy": {"fixWrite": False}, "fixed": {"fixWrite": True}}
    source_url = {"": "https://example.org/writer.js#L{line}-L{end}"}   # the viewer links `L10-L12` here

    def variables(self):
        return {"frames": TupleOf(IntRange(-1, 2), self.F), "cursor": IntRange(0, self.F), "mode": Mode,
                "owner": MapOf(["a", "b"], Mode), "tags": SetOf(TAGS), "log": SeqOf(IntRange(0, 2), 4)}

    def init(self):
        """The writer is idle, every frame empty (-1)."""
        yield self.State(frames=(-1,) * self.F, cursor=0, mode=Mode.idle, owner=(Mode.idle, Mode.idle),
                         tags=frozenset(), log=())

    @action(guard=lambda self, s: s.mode == Mode.idle and s.cursor == 0)
    def begin(self, s):
        """Writer.begin, L10-L12: become busy and tag the session."""
        return s.set(mode=Mode.busy, owner=put(s.owner, 0, Mode.busy), tags=s.tags | {TAGS[0]})

    @action(over=lambda self: [0, 1, 2],
            guard=lambda self, s, v: (s.mode == Mode.busy and s.cursor < self.F
                                      and (v < 2 or (not self.fixWrite and s.cursor >= 1))))
    def write(self, s, v):
        """Writer.put, L20-L31: store v in the frame at the cursor and advance it."""
        return s.set(frames=put(s.frames, s.cursor, v), cursor=s.cursor + 1, log=(s.log + (v,))[-4:],
                     tags=s.tags | {TAGS[1]})

    @action(guard=lambda self, s: s.mode == Mode.busy and s.cursor == 1)
    def stop(self, s):
        """Writer.stop, L40: give up for good."""
        return s.set(mode=Mode.stopped, owner=put(s.owner, 0, Mode.stopped))

    @always
    def no_two(self, v):
        """No frame holds 2."""
        return z3.And([v.frames[f] != 2 for f in range(self.F)])

    @sometimes
    def all_written(self, v):
        """Every frame is written."""
        return v.cursor == self.F

    @always_possible
    def finishes(self, v):
        """The writer can always still finish."""
        return v.cursor == self.F

    # ---- trace viewer ------------------------------------------------------------------------------
    def grid(self, s):
        """One row per frame: its value and where the cursor is."""
        return [(f"f{f}", {"value": "." if s.frames[f] == -1 else str(s.frames[f]),
                           "cursor": "<" if f == s.cursor else ""}) for f in range(self.F)]

    def grid_legend(self):
        """The grid's codes, for the viewer's legend."""
        return {"f0, f1": "one row per frame", ".": "an empty frame (-1)", "0, 1, 2": "the value written",
                "value": "the frame's value", "cursor": "the writer's cursor", "<": "the cursor is here"}

    def grid_marks(self, s, prop):
        if prop == "no_two":
            return {(f"f{f}", "value") for f in range(self.F) if s.frames[f] == 2}
        return set()
