"""Refinement (`@refines(Abstract)`): this spec implements a more abstract spec under a mapping of states.

TLA+'s `Spec => AbstractSpec` with a refinement mapping, on the explicit state graph: every initial state
maps to an initial state of the abstract spec, and every step maps to a step of the abstract spec or to a
stutter (the same abstract state). What a step of the abstract spec is comes from the abstract spec itself:
its own actions, guards and effects run on the mapped state (its successors, computed once per abstract
state), never a formula restating them. `steps.py` runs the check over the recorded edges.
"""
from __future__ import annotations

from typing import Any

from .spec import BoundSpec, PropertyDef, SpecError, StepError

__all__ = ["Refinement"]


class Refinement:
    """A `@refines` property bound to a concrete spec: the abstract spec bound, and the mapping."""

    def __init__(self, bound: BoundSpec, p: PropertyDef):
        self.prop, self.inst = p, bound.inst
        params = p.abstract_params
        try:
            params = params(bound.inst) if callable(params) else dict(params or {})
        except Exception as e:
            raise SpecError(f"{p.where}: refinement {p.name!r}: params= raised {type(e).__name__}: {e}") from e
        try:
            self.abstract = p.abstract.bind(None, None, params)
        except SpecError as e:
            raise SpecError(f"{p.where}: refinement {p.name!r}: binding {p.abstract.__name__}: {e}") from e
        self.name = p.abstract.__name__
        self.initial = set(self.abstract.initial_states())
        self._steps: dict[Any, dict[Any, str]] = {}

    def describe(self) -> str:
        """The abstract spec and its parameters, for a verdict's bound."""
        return f"{self.name} ({self.abstract.param_text()})" if self.abstract.params else self.name

    def map(self, s: Any) -> Any:
        """The abstract state of concrete state `s`; a mapping that raises or gives something that is not a
        state of the abstract spec is a StepError naming it."""
        p, a = self.prop, self.abstract
        try:
            out = p.fn(self.inst, s)
        except Exception as e:
            raise StepError(f"{p.where}: refinement mapping {p.name!r} raised {type(e).__name__}: {e}") from e
        if isinstance(out, dict):
            if set(out) != set(a.names):
                missing = [n for n in a.names if n not in out]
                extra = sorted(set(out) - set(a.names))
                raise StepError(f"{p.where}: refinement mapping {p.name!r} must give every variable of {self.name} "
                                f"and no other: " + "; ".join(x for x in (
                                    f"missing {', '.join(missing)}" if missing else "",
                                    f"unknown {', '.join(map(str, extra))}" if extra else "") if x))
            out = a.State(**out)
        if not a.valid(out):
            raise StepError(f"{p.where}: refinement mapping {p.name!r} gave no state of {self.name}: "
                            f"{a.explain_invalid(out)}")
        return out

    def steps_from(self, x: Any) -> dict[Any, str]:
        """The abstract spec's successors of abstract state `x` (other than x), each with the first action
        label that reaches it."""
        out = self._steps.get(x)
        if out is None:
            a = self.abstract
            out = {}
            for act, args in a.enabled(x):
                t = a.apply(act, x, args)
                if t != x and t not in out:
                    out[t] = a.label(act, args)
            self._steps[x] = out
        return out

    def initial_ok(self, s: Any) -> bool:
        """Whether concrete initial state `s` maps to an initial state of the abstract spec."""
        return self.map(s) in self.initial

    def step_ok(self, s: Any, t: Any) -> bool:
        """Whether the step s -> t maps to a step of the abstract spec or to a stutter."""
        x, y = self.map(s), self.map(t)
        return x == y or y in self.steps_from(x)

    def why(self, t: Any, s: Any = None) -> str:
        """Why the initial state `t` (no `s`) or the step s -> t breaks the refinement (or that it does not)."""
        y = self.map(t)
        if s is None:
            if y in self.initial:
                return f"it maps to {self._show(y)}, an initial state of {self.name}"
            return (f"it maps to {self._show(y)}, which is no initial state of {self.name} "
                    f"(those are {', '.join(sorted(self._show(i) for i in self.initial))})")
        x = self.map(s)
        if x == y:
            return f"it maps to a stutter of {self.name} ({self._show(x)})"
        steps = self.steps_from(x)
        if y in steps:
            return f"it maps to {steps[y]} of {self.name}: {self._show(x)} -> {self._show(y)}"
        can = "; ".join(f"{lab} -> {self._show(z)}" for z, lab in steps.items()) or "none"
        return (f"it maps {self._show(x)} to {self._show(y)}, which is neither a step of {self.name} nor a "
                f"stutter ({self.name}'s steps from there: {can})")

    def _show(self, x: Any) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.abstract.show(x).items())
