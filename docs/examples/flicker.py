# docs/examples/flicker.py
from modelcheck import Bool, Enum, IntRange, Spec, action, eventually, leads_to, param, terminal

Fair = Enum("Fair", ["none", "weak", "strong"])


class Flicker(Spec):
    """A light flickers on and off; while it is on, a photo can be taken, which ends the run."""

    flip_fair = param(Fair.weak, Fair, "fairness of flip")
    shot_fair = param(Fair.weak, Fair, "fairness of shoot")

    variants = {"unfair": {"flip_fair": Fair.none, "shot_fair": Fair.none},
                "weak": {"flip_fair": Fair.weak, "shot_fair": Fair.weak},
                "strong": {"flip_fair": Fair.weak, "shot_fair": Fair.strong}}

    def variables(self):
        return {"light": IntRange(0, 1), "photo": Bool()}

    def init(self):
        yield self.State(light=0, photo=False)

    @action(guard=lambda self, s: not s.photo, fair=lambda self: Fair.labels[self.flip_fair])
    def flip(self, s):
        return s.set(light=1 - s.light)

    @action(guard=lambda self, s: s.light == 1 and not s.photo, fair=lambda self: Fair.labels[self.shot_fair])
    def shoot(self, s):
        return s.set(photo=True)

    @terminal
    def finished(self, v):
        return v.photo

    @eventually
    def photo_taken(self, v):
        return v.photo

    @leads_to
    def light_leads_to_photo(self, v):
        return v.light == 1, v.photo
