"""The spec interface: parameters, typed variables, guarded actions and named properties.

A spec is a subclass of `Spec`; see docs/spec-api.md for a tour. Mistakes in a spec raise
`SpecError` when the class is defined (or when it is bound to parameters), with `file:line`,
the name, and the fix.
"""
from __future__ import annotations

import collections
import inspect
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .codegen import make_lambda, run_source
from .types import Bool, DomainError, Enum, Type, _Gen, canonical_order, json_key

__all__ = ["Spec", "SpecError", "UsageError", "param", "action", "always", "sometimes",
           "always_possible", "terminal", "initially", "always_step", "eventually", "leads_to", "refines", "constraint", "ActionDef", "PropertyDef", "ConstraintDef", "Param",
           "BoundSpec", "lanes_of"]


class SpecError(Exception):
    """A mistake in a spec (exit code 2)."""


class StepError(SpecError):
    """A guard, effect or `over` raised while a single step was computed (replay, explain, show)."""


class UsageError(Exception):
    """A mistake in how the tool was called: unknown variant, bad parameter value... (exit code 2)."""


def _where(fn_or_frame: Any) -> str:
    try:
        if inspect.isframe(fn_or_frame):
            return f"{fn_or_frame.f_code.co_filename}:{fn_or_frame.f_lineno}"
        fn = inspect.unwrap(fn_or_frame)
        code = fn.__code__
        return f"{code.co_filename}:{code.co_firstlineno}"
    except (AttributeError, TypeError):
        return "<unknown>"


def _nparams(fn: Callable) -> int:
    sig = inspect.signature(fn)
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            return -1
    return len(sig.parameters)


class Param:
    """A named parameter with a default and a finite domain. Create with `param(...)`."""

    def __init__(self, default: Any, domain: Type, doc: str, fix: bool, where: str):
        self.default, self.domain, self.doc, self.fix, self.where = default, domain, doc, fix, where
        self.name = "?"

    def __set_name__(self, owner, name):
        self.name = name

    def __repr__(self):
        return f"param({self.default!r}, {self.domain!r})"


def param(default: Any, domain: Type | None = None, doc: str = "", *, fix: bool = False) -> Any:
    """Declare a parameter: `N = param(3, IntRange(1, 8), "number of managers")`.

    `fix=True` marks a boolean switch for one fix of the system under study.
    """
    where = _where(sys._getframe(1))
    if domain is None:
        domain = Bool() if isinstance(default, bool) else None
    if not isinstance(domain, Type):
        raise SpecError(f"{where}: param({default!r}, ...): give its domain as a type, e.g. IntRange(0, 5) or Bool()")
    if fix and not isinstance(domain, Bool):
        raise SpecError(f"{where}: a fix=True parameter must have domain Bool()")
    if not domain.contains(default):
        raise SpecError(f"{where}: param default {default!r} is outside its domain {domain!r}")
    return Param(default, domain, doc, fix, where)


FAIRNESS = (None, "none", "weak", "strong")


@dataclass
class ActionDef:
    """A named, parameterised transition: `guard(self, s, *args)` and `effect(self, s, *args)`."""

    name: str
    effect: Callable
    guard: Callable | None
    over: Callable | None
    nargs: int
    over_uses_state: bool
    where: str
    doc: str = ""
    applies: Callable | None = None   # (self) -> bool: whether the action exists for these params
    fair: Any = None                  # "weak"/"strong"/None, or (self) -> one of those: see action()

    def __get__(self, obj, owner=None):  # `self.name(s, ...)` in spec code calls the effect
        return self if obj is None else self.effect.__get__(obj, owner)


def action(fn: Callable | None = None, *, over: Callable | None = None, guard: Callable | None = None,
           name: str | None = None, applies: Callable | None = None, fair: str | None = None):
    """Declare an action: `@action(over=lambda self: range(self.N), guard=lambda self, s, i: ...)`.

    `applies=lambda self: self.loss` says the action exists only for some parameter values (packet loss
    on, say); elsewhere it is left out entirely instead of being an action that never fires.
    `fair="weak"` / `fair="strong"` is TLA+'s WF / SF for each instance of the action (each argument tuple):
    liveness properties are checked over the behaviours that respect it. `fair=lambda self: ...` chooses it
    from the parameters (returning "weak", "strong", or None / "none" for no fairness).
    """

    def wrap(effect: Callable) -> ActionDef:
        where = _where(effect)
        aname = name or effect.__name__
        n = _nparams(effect)
        if n < 2:
            raise SpecError(f"{where}: action {aname!r}: the effect must take (self, s, *args); "
                            f"write `def {effect.__name__}(self, s, ...)`")
        nargs = n - 2
        if nargs > 0 and over is None:
            raise SpecError(f"{where}: action {aname!r} takes {nargs} argument(s) but has no over=; "
                            f"add over=lambda self: <iterable of arguments>")
        if nargs == 0 and over is not None:
            raise SpecError(f"{where}: action {aname!r} has over= but its effect takes no argument; "
                            f"add a parameter after s, or drop over=")
        uses_state = False
        if over is not None:
            if not callable(over):
                raise SpecError(f"{where}: action {aname!r}: over= must be a function, "
                                f"e.g. over=lambda self: range(self.N)")
            k = _nparams(over)
            if k not in (1, 2):
                raise SpecError(f"{where}: action {aname!r}: over= must take (self) or (self, s), it takes {k}")
            uses_state = k == 2
        if guard is not None:
            if not callable(guard):
                raise SpecError(f"{where}: action {aname!r}: guard= must be a function (self, s, *args) -> bool")
            k = _nparams(guard)
            if k != -1 and k != n:
                raise SpecError(f"{where}: action {aname!r}: the guard takes {k} parameter(s) but the effect "
                                f"takes {n}; give both the same parameters (self, s, ...)")
        if applies is not None and (not callable(applies) or _nparams(applies) != 1):
            raise SpecError(f"{where}: action {aname!r}: applies= must be a function (self) -> bool of the parameters")
        if not (fair in FAIRNESS or (callable(fair) and _nparams(fair) == 1)):
            raise SpecError(f"{where}: action {aname!r}: fair= must be \"weak\" or \"strong\" (TLA+'s WF / SF), "
                            f"None, or a function (self) -> one of those; got {fair!r}")
        doc = inspect.getdoc(effect) or ""
        return ActionDef(aname, effect, guard, over, nargs, uses_state, where, doc, applies, fair)

    if fn is not None:
        return wrap(fn)
    return wrap


@dataclass
class ConstraintDef:
    """A state constraint (TLC's CONSTRAINT): `fn(self, s) -> bool` on a concrete state. A successor where it
    is false is counted as generated but neither explored nor counted among the distinct states."""

    name: str
    fn: Callable
    where: str
    doc: str = ""
    applies: Callable | None = None


def constraint(fn: Callable | None = None, *, name: str | None = None, applies: Callable | None = None):
    """Declare a state constraint: `@constraint def small(self, s): return len(s.queue) <= 2`.

    Like a guard, it reads the concrete state `s` (it bounds the search; it is not a property).
    """
    def wrap(f: Callable) -> ConstraintDef:
        where = _where(f)
        if _nparams(f) != 2:
            raise SpecError(f"{where}: constraint {f.__name__!r} must take (self, s), where s is the concrete state")
        if applies is not None and (not callable(applies) or _nparams(applies) != 1):
            raise SpecError(f"{where}: constraint {f.__name__!r}: applies= must be a function (self) -> bool "
                            f"of the parameters")
        return ConstraintDef(name or f.__name__, f, where, inspect.getdoc(f) or "", applies)
    return wrap(fn) if fn is not None else wrap


KINDS = ("always", "sometimes", "always_possible", "terminal", "initially", "always_step", "eventually", "leads_to",
         "refines")
STATE_KINDS = ("always", "sometimes", "always_possible", "terminal", "initially")   # a formula over one state
GRAPH_KINDS = ("always_step", "eventually", "leads_to", "refines")   # checked after the search, on the explored graph


@dataclass
class PropertyDef:
    """A named Z3 formula over the state variables, of one of the kinds in KINDS."""

    name: str
    kind: str
    fn: Callable
    where: str
    vacuous_ok: bool = False
    doc: str = ""
    applies: Callable | None = None   # (self) -> bool: whether the property is meaningful for these params
    abstract: Any = None              # refines: the abstract spec class
    abstract_params: Any = None       # refines: its parameters, a dict or (self) -> dict


def _prop(kind: str, takes: str = "(self, v)", what: str = "where v is the Z3 view of the state",
          returns: str = "a Z3 Bool"):
    def deco(fn: Callable | None = None, *, vacuous_ok: bool = False, name: str | None = None,
             applies: Callable | None = None):
        def wrap(f):
            where = _where(f)
            if _nparams(f) != takes.count(",") + 1:
                raise SpecError(f"{where}: {kind} property {f.__name__!r} must take {takes}, {what}")
            if applies is not None and (not callable(applies) or _nparams(applies) != 1):
                raise SpecError(f"{where}: {kind} property {f.__name__!r}: applies= must be a function (self) -> bool "
                                f"of the parameters")
            return PropertyDef(name or f.__name__, kind, f, where, vacuous_ok, inspect.getdoc(f) or "", applies)
        return wrap(fn) if fn is not None else wrap
    deco.__name__ = kind
    deco.__doc__ = f"Declare a `{kind}` property: a method {takes} returning {returns}."
    return deco


always = _prop("always")
sometimes = _prop("sometimes")
always_possible = _prop("always_possible")
terminal = _prop("terminal")
# holds in every initial state (TLA+'s Init => P; with @always_step, the two halves of a refinement check)
initially = _prop("initially")
# [][A]_v: every step that changes the state satisfies A (a step that changes nothing is a stutter, always allowed)
always_step = _prop("always_step", "(self, v, v2)", "where v and v2 are the Z3 views of the states before and "
                    "after a step")
# <>P: every fair behaviour reaches a state where it holds (liveness.py)
eventually = _prop("eventually")
# P ~> Q: the method returns the pair (P, Q); whenever P holds, Q holds then or later in every fair behaviour
leads_to = _prop("leads_to", returns="a pair (P, Q) of Z3 Bools")



def refines(abstract: Any, *, params: Any = None, name: str | None = None, applies: Callable | None = None):
    """Declare that this spec refines (implements) the spec class `abstract` under a mapping of states:

        @refines(HourClock)
        def as_hour_clock(self, s):
            return {"hr": s.hr}

    The method maps a concrete state `s` to an abstract state: a dict of every variable of `abstract` (or
    `abstract`'s State). Checked on the explored graph, as TLA+'s `Spec => AbstractSpec` under a refinement
    mapping: every initial state maps to an initial state of `abstract`, and every step maps to a step of
    `abstract` (one of its own actions, run by its own code) or to a stutter (the same abstract state).
    `params` binds `abstract`'s parameters: a dict, or a function (self) -> dict of this spec's parameters.
    """
    def wrap(f: Callable) -> PropertyDef:
        where = _where(f)
        if not (isinstance(abstract, type) and issubclass(abstract, Spec)):
            raise SpecError(f"{where}: refines({abstract!r}): give the abstract spec's class, a subclass of Spec")
        if _nparams(f) != 2:
            raise SpecError(f"{where}: refinement mapping {f.__name__!r} must take (self, s), where s is the "
                            f"concrete state, and return the abstract state (a dict of {abstract.__name__}'s "
                            f"variables)")
        if not (params is None or isinstance(params, dict) or (callable(params) and _nparams(params) == 1)):
            raise SpecError(f"{where}: refines({abstract.__name__}): params= must be a dict or a function "
                            f"(self) -> dict")
        if applies is not None and (not callable(applies) or _nparams(applies) != 1):
            raise SpecError(f"{where}: refinement {f.__name__!r}: applies= must be a function (self) -> bool "
                            f"of the parameters")
        return PropertyDef(name or f.__name__, "refines", f, where, False, inspect.getdoc(f) or "", applies,
                           abstract, params)
    return wrap


class Spec:
    """Base class of all specs. Subclasses declare params, `variables()`, `init()`, actions, properties.

    Class attributes a spec may set:
    - `variants`, `scenarios`: dicts name -> {param: value};
    - `matrix`: dict with optional lists "variants" and "scenarios" for the matrix run;
    - `matrices`: dict name -> a matrix like `matrix`, plus optional "params" (param -> value for every
      cell), run by `verify --matrix NAME`;
    - `check_deadlock` (default True);
    - `lanes`: dict lane name -> action names, the party that runs each action (the trace viewer's
      sequence chart); `message_loss`: the actions that lose a message in flight (see `in_flight`);
    - `expect`: the verdicts the spec's author expects per cell, for `pytest --modelcheck` and
      `modelcheck.testing.expected_cells` (see docs/ci.md), e.g. {"buggy/*": {"safe": "VIOLATED"}, "fixed/*": "VERIFIED"}.
    """

    variants: dict[str, dict[str, Any]] = {}
    scenarios: dict[str, dict[str, Any]] = {}
    matrix: dict[str, list[str]] | None = None
    matrices: dict[str, dict[str, Any]] = {}
    check_deadlock: bool = True
    expect: dict[str, Any] | None = None

    # collected at class creation
    _params: dict[str, Param]
    _actions: list[ActionDef]
    _properties: list[PropertyDef]
    _constraints: list[ConstraintDef]

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        where = getattr(sys.modules.get(cls.__module__), "__file__", None) or "?"  # none in a REPL or exec()
        try:
            where = f"{inspect.getsourcefile(cls)}:{inspect.getsourcelines(cls)[1]}"
        except (OSError, TypeError):
            pass
        cls._where = where
        params: dict[str, Param] = {}
        actions: dict[str, ActionDef] = {}
        props: dict[str, PropertyDef] = {}
        constraints: dict[str, ConstraintDef] = {}
        for klass in reversed(cls.__mro__):
            mine: dict[str, str] = {}  # action/property name -> attribute, in this class body
            for key, val in vars(klass).items():
                if isinstance(val, Param):
                    params[key] = val
                elif isinstance(val, (ActionDef, PropertyDef)):
                    if val.name in mine:  # two methods given one name=: the later would silently win
                        raise SpecError(f"{val.where}: spec {klass.__name__}: {key} and {mine[val.name]} are both "
                                        f"named {val.name!r}; give them different names")
                    mine[val.name] = key
                    (actions if isinstance(val, ActionDef) else props)[val.name] = val
                elif isinstance(val, ConstraintDef):
                    constraints[val.name] = val
        cls._params, cls._actions, cls._properties = params, list(actions.values()), list(props.values())
        cls._constraints = list(constraints.values())
        names = [a.name for a in cls._actions] + [p.name for p in cls._properties]
        dup = [n for n, c in collections.Counter(names).items() if c > 1]
        if dup:
            raise SpecError(f"{where}: spec {cls.__name__}: {dup[0]!r} names both an action and a property; rename one")
        for table in ("variants", "scenarios"):
            for vname, overrides in getattr(cls, table).items():
                if not isinstance(overrides, dict):
                    raise SpecError(f"{where}: {table}[{vname!r}] must be a dict of parameter values")
                for k, v in overrides.items():
                    if k not in params:
                        raise SpecError(f"{where}: {table}[{vname!r}] sets unknown parameter {k!r}; "
                                        f"known: {', '.join(params) or '(none)'}")
                    if not params[k].domain.contains(v):
                        raise SpecError(f"{where}: {table}[{vname!r}] sets {k}={v!r}, outside {params[k].domain!r}")
        _check_lanes(cls, where)
        for m in ("variables", "init"):
            if getattr(cls, m) is getattr(Spec, m):
                raise SpecError(f"{where}: spec {cls.__name__} has no {m}(); define `def {m}(self): ...`")

    # -- to be defined by specs -------------------------------------------------------------
    def variables(self) -> dict[str, Type]:
        raise NotImplementedError

    def init(self) -> Iterable[Any]:
        raise NotImplementedError

    # -- what the class declares ------------------------------------------------------------------
    @classmethod
    def parameters(cls) -> dict[str, Param]:
        """The declared parameters, name -> Param, in declaration order."""
        return dict(cls._params)

    @classmethod
    def action_defs(cls) -> list[ActionDef]:
        """Every declared action, in declaration order (also those an `applies=` may leave out)."""
        return list(cls._actions)

    @classmethod
    def property_defs(cls) -> list[PropertyDef]:
        """Every declared property, in declaration order (also those an `applies=` may leave out)."""
        return list(cls._properties)

    @classmethod
    def constraint_defs(cls) -> list[ConstraintDef]:
        """Every declared state constraint, in declaration order."""
        return list(cls._constraints)

    # -- binding ------------------------------------------------------------------------------
    @classmethod
    def fixes(cls) -> list[str]:
        """The names of the parameters declared with fix=True, in declaration order."""
        return [n for n, p in cls._params.items() if p.fix]

    @classmethod
    def resolve(cls, variant: str | None = None, scenario: str | None = None,
                overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Parameter values for a variant, scenario and explicit overrides (strings are parsed)."""
        values = {n: p.default for n, p in cls._params.items()}
        if variant:
            values.update(cls.variant_params(variant))
        if scenario:
            if scenario not in cls.scenarios:
                raise UsageError(f"unknown scenario {scenario!r}; known: {', '.join(cls.scenarios) or '(none)'}")
            values.update(cls.scenarios[scenario])
        for k, v in (overrides or {}).items():
            if k not in cls._params:
                raise UsageError(f"unknown parameter {k!r}; known: {', '.join(cls._params) or '(none)'}")
            dom = cls._params[k].domain
            if isinstance(v, str):
                try:
                    v = dom.parse(v)
                except DomainError as e:
                    raise UsageError(f"parameter {k}: {e}") from None
            elif not dom.contains(v):
                raise UsageError(f"parameter {k}: {v!r} is outside {dom!r}")
            values[k] = v
        return values

    @classmethod
    def variant_params(cls, variant: str) -> dict[str, Any]:
        """A named variant, or a '+'-joined combination of named variants and fix parameters."""
        if variant in cls.variants:
            return dict(cls.variants[variant])
        fixes = cls.fixes()
        out: dict[str, Any] = {f: False for f in fixes}
        for part in variant.split("+"):
            if part in cls.variants:
                out.update(cls.variants[part])
            elif part in fixes:
                out[part] = True
            else:
                known = list(cls.variants) + fixes
                raise UsageError(f"unknown variant {variant!r}; known: {', '.join(known) or '(none)'}"
                                 + (" (fixes combine with '+', e.g. " + "+".join(fixes[:2]) + ")" if len(fixes) > 1 else ""))
        return out

    @classmethod
    def bind(cls, variant: str | None = None, scenario: str | None = None,
             overrides: dict[str, Any] | None = None) -> "BoundSpec":
        """The spec with its parameters fixed (defaults < variant < scenario < overrides)."""
        return BoundSpec(cls, cls.resolve(variant, scenario, overrides), variant, scenario)


class BoundSpec:
    """A spec with its parameters fixed: the state type, successor function and properties."""

    def __init__(self, cls: type[Spec], params: dict[str, Any], variant: str | None = None,
                 scenario: str | None = None):
        self.cls, self.params, self.variant, self.scenario = cls, params, variant, scenario
        self.name = cls.__name__
        inst = cls.__new__(cls)
        for k, v in params.items():
            setattr(inst, k, v)
        self.inst = inst
        try:
            variables = inst.variables()
        except Exception as e:
            raise SpecError(f"{_where(cls.variables)}: {self.name}.variables() raised {type(e).__name__}: {e}") from e
        if not isinstance(variables, dict) or not variables:
            raise SpecError(f"{_where(cls.variables)}: {self.name}.variables() must return a non-empty dict name -> type")
        for vname, vtype in variables.items():
            if not isinstance(vname, str) or not vname.isidentifier() or vname.startswith("_") \
                    or vname in ("set", "count", "index"):
                raise SpecError(f"{_where(cls.variables)}: variable name {vname!r} must be an identifier, "
                                f"not start with '_', and not be set/count/index")
            if not isinstance(vtype, Type):
                raise SpecError(f"{_where(cls.variables)}: variable {vname!r} has no type "
                                f"(got {vtype!r}); use Bool(), IntRange(lo, hi), Enum(...), TupleOf(...), ...")
        self.variables: dict[str, Type] = variables
        self.names = list(variables)
        self.State = _make_state_class(self.names)
        inst.State = self.State
        self._check_code, self._check_ns = self._compile_check()
        self.valid = make_lambda("s", f"type(s) is _State and {self._check_code}", f"domain check of {self.name}",
                                 {**self._check_ns, "_State": self.State})
        self.actions = [a for a in cls._actions if _applies(a, inst)]
        self.inactive_actions = [a.name for a in cls._actions if a not in self.actions]
        self.properties = [p for p in cls._properties if _applies(p, inst)]
        self.not_applicable = [p.name for p in cls._properties if p not in self.properties]
        self.constraints = [c for c in cls._constraints if _applies(c, inst)]
        self.fairness: dict[str, str] = {}  # action name -> "weak" | "strong", for the fair actions
        for a in self.actions:
            kind = a.fair(inst) if callable(a.fair) else a.fair
            if kind not in FAIRNESS:
                raise SpecError(f"{a.where}: action {a.name!r}: fair= gave {kind!r}; give \"weak\", \"strong\" or None")
            if kind in ("weak", "strong"):
                self.fairness[a.name] = kind
        self._static = None

    # -- state checking and conversion ---------------------------------------------------------
    def _compile_check(self):
        gen = _Gen()
        parts = [t.check_code(f"s[{i}]", gen) for i, t in enumerate(self.variables.values())]
        return " and ".join(parts), gen.ns

    def explain_invalid(self, s: Any) -> str:
        """Say which variable of a would-be state is outside its domain."""
        if s is None:
            return "the effect returned None (put the enabling condition in guard=, and return a new state)"
        if type(s) is not self.State:
            return (f"the effect returned {type(s).__name__} {s!r:.200}, not a State; "
                    f"return s.set(...) or self.State(...)")
        bad = [f"{n} = {v!r:.200} is outside {t!r}" for (n, t), v in zip(self.variables.items(), s)
               if not t.contains(v)]
        return "; ".join(bad) or "unknown"

    def to_json(self, s: Any) -> dict[str, Any]:
        """A state as JSON: variable -> value (enum labels, sets as sorted lists)."""
        return {n: t.to_json(v) for (n, t), v in zip(self.variables.items(), s)}

    def from_json(self, data: Any) -> Any:
        """The state a JSON object describes; DomainError if it does not fit the variables."""
        if not isinstance(data, dict):
            raise DomainError(f"a state must be an object of variables, got {type(data).__name__}")
        if set(data) != set(self.names):
            missing = [n for n in self.names if n not in data]
            extra = sorted(set(data) - set(self.names))
            raise DomainError("the state's variables differ from the spec's: "
                              + "; ".join(x for x in (f"missing {', '.join(missing)}" if missing else "",
                                                      f"unknown {', '.join(extra)}" if extra else "") if x))
        return self.State(*[t.from_json(data[n]) for n, t in self.variables.items()])

    def show(self, s: Any) -> dict[str, str]:
        """A state for people: variable -> text."""
        return {n: t.show(v) for (n, t), v in zip(self.variables.items(), s)}

    # -- initial states and successors ------------------------------------------------------------
    def initial_states(self) -> list[Any]:
        """The distinct initial states, in canonical (JSON) order: init() may iterate a set, whose order
        depends on PYTHONHASHSEED, and the search order (so which counterexample is found) must not."""
        try:
            states = list(self.inst.init())
        except Exception as e:
            raise SpecError(f"{_where(self.cls.init)}: {self.name}.init() raised {type(e).__name__}: {e}") from e
        if not states:
            raise SpecError(f"{_where(self.cls.init)}: {self.name}.init() gave no initial state")
        out, seen = [], set()
        for s in states:
            if not self.valid(s):
                raise SpecError(f"{_where(self.cls.init)}: initial state is invalid: {self.explain_invalid(s)}")
            if s not in seen:
                seen.add(s)
                out.append(s)
        out.sort(key=lambda s: json_key(self.to_json(s)))
        return out

    def label(self, action: ActionDef, args: tuple) -> str:
        if not args:
            return action.name
        return f"{action.name}({', '.join(_show_arg(a) for a in args)})"

    def instances(self) -> list[tuple[ActionDef, tuple]]:
        """Every (action, args) whose arguments are fixed by the parameters, in declaration order."""
        if self._static is None:
            out = []
            for a in self.actions:
                if a.over_uses_state:
                    continue
                if a.nargs == 0:
                    out.append((a, ()))
                    continue
                try:  # canonical_order: a set's own order would depend on PYTHONHASHSEED
                    items = list(canonical_order(a.over(self.inst)))
                except Exception as e:
                    raise SpecError(f"{a.where}: action {a.name!r}: over= raised {type(e).__name__}: {e}") from e
                for item in items:
                    out.append((a, self.args_of(a, item)))
            self._static = out
        return self._static

    def args_of(self, a: ActionDef, item: Any) -> tuple:
        """The argument tuple of action `a` for one item of its `over=` (a k-tuple is unpacked for k > 1)."""
        if a.nargs == 1:
            return (item,)
        if not isinstance(item, tuple) or len(item) != a.nargs:
            raise SpecError(f"{a.where}: action {a.name!r} takes {a.nargs} arguments, so over= must give "
                            f"{a.nargs}-tuples; it gave {item!r}")
        return item

    def candidates(self, a: ActionDef, s: Any) -> list[tuple]:
        """The argument tuples of action `a` in state s (before its guard), in the explorer's order."""
        if a.nargs == 0:
            return [()]
        if a.over_uses_state:
            return [self.args_of(a, x) for x in canonical_order(a.over(self.inst, s))]
        return [args for (b, args) in self.instances() if b is a]

    def enabled(self, s: Any) -> list[tuple[ActionDef, tuple]]:
        """The (action, args) pairs enabled in s, in declaration order (the slow path, for replay and
        errors). A guard or `over` that raises is a StepError naming it."""
        out = []
        for a in self.actions:
            stage = f"over= of {a.name!r}"
            try:
                for args in self.candidates(a, s):
                    stage = f"guard of {self.label(a, args)!r}"
                    if a.guard is None or a.guard(self.inst, s, *args):
                        out.append((a, args))
            except Exception as e:
                raise StepError(f"{a.where}: the {stage} raised {type(e).__name__}: {e}") from e
        return out

    def in_constraints(self, s: Any) -> bool:
        """Whether state s satisfies every `@constraint` (True when there is none). One that raises is a
        StepError naming it."""
        for c in self.constraints:
            try:
                if not c.fn(self.inst, s):
                    return False
            except Exception as e:
                raise StepError(f"{c.where}: constraint {c.name!r} raised {type(e).__name__}: {e}") from e
        return True

    def apply(self, a: ActionDef, s: Any, args: tuple) -> Any:
        """The effect of (a, args) in s. An effect that raises is a StepError naming it."""
        try:
            return a.effect(self.inst, s, *args)
        except Exception as e:
            raise StepError(f"{a.where}: the effect of {self.label(a, args)!r} raised {type(e).__name__}: {e}") from e

    def param_text(self) -> str:
        """`K=V, ...` for every parameter: the bound a verdict line names."""
        return ", ".join(f"{k}={self.show_param(k, v)}" for k, v in self.params.items()) or "none"

    def params_json(self) -> dict[str, Any]:
        """The bound parameter values as JSON (enum labels, sets as lists)."""
        return {k: self.cls._params[k].domain.to_json(v) for k, v in self.params.items()}

    def non_default_param_text(self) -> str:
        d = {k: v for k, v in self.params.items() if v != self.cls._params[k].default}
        return ", ".join(f"{k}={self.show_param(k, v)}" for k, v in d.items()) or "defaults"

    def show_param(self, k: str, v: Any) -> str:
        """A parameter value as a verdict line shows it (an Enum by its label)."""
        dom = self.cls._params[k].domain
        return dom.show(v) if isinstance(dom, Enum) else _show_arg(v)  # an Enum by its label, not its index

    def __repr__(self):
        return f"<{self.name} {self.param_text()}>"


def _check_lanes(cls: type, where: str) -> None:
    """`lanes` and `message_loss` name only actions of the spec, each action in at most one lane."""
    lanes = getattr(cls, "lanes", None)
    known = {a.name for a in cls._actions}
    if lanes is not None:
        if not isinstance(lanes, dict) or not all(isinstance(k, str) and isinstance(v, (list, tuple))
                                                  for k, v in lanes.items()):
            raise SpecError(f"{where}: spec {cls.__name__}: lanes must be a dict lane name -> list of action names")
        seen: dict[str, str] = {}
        for lane, names in lanes.items():
            for n in names:
                if n not in known:
                    raise SpecError(f"{where}: spec {cls.__name__}: lanes[{lane!r}] names {n!r}, which is not an "
                                    f"action; known: {', '.join(sorted(known))}")
                if n in seen:
                    raise SpecError(f"{where}: spec {cls.__name__}: action {n!r} is in two lanes, {seen[n]!r} "
                                    f"and {lane!r}")
                seen[n] = lane
    loss = getattr(cls, "message_loss", ())
    bad = [n for n in loss if n not in known] if isinstance(loss, (list, tuple, set, frozenset)) else [loss]
    if bad:
        raise SpecError(f"{where}: spec {cls.__name__}: message_loss must list action names; {bad[0]!r} is not one")


def lanes_of(cls: type) -> tuple[list[str], dict[str, str]]:
    """The lanes of a spec and the lane of each action: the spec's `lanes`, an action it does not list in a
    lane of its own (named after the action); without `lanes`, one lane per action."""
    declared = getattr(cls, "lanes", None) or {}
    order = list(declared)
    lane = {n: name for name, names in declared.items() for n in names}
    for a in cls._actions:
        if a.name not in lane:
            lane[a.name] = a.name
            order.append(a.name)
    return order, lane


def _applies(d: "ActionDef | PropertyDef | ConstraintDef", inst: Spec) -> bool:
    """Whether an action or property exists for the bound parameters (its `applies=`)."""
    if d.applies is None:
        return True
    try:
        return bool(d.applies(inst))
    except Exception as e:
        raise SpecError(f"{d.where}: {d.name!r}: applies= raised {type(e).__name__}: {e}") from e


def _show_arg(a: Any) -> str:
    if isinstance(a, bool):
        return "true" if a else "false"
    if isinstance(a, tuple):
        return "(" + ", ".join(_show_arg(x) for x in a) + ")"
    if isinstance(a, frozenset):
        return "{" + ", ".join(sorted(_show_arg(x) for x in a)) + "}"
    return str(a)


_MISSING = object()


def _make_state_class(names: list[str]) -> type:
    base = collections.namedtuple("State", names)
    params = ", ".join(f"{n}=_M" for n in names)
    body = ", ".join(f"self[{i}] if {n} is _M else {n}" for i, n in enumerate(names))
    src = f"def set(self, *, {params}):\n    return _new(_cls, ({body},))\n"
    ns: dict[str, Any] = {"_M": _MISSING, "_new": tuple.__new__}
    run_source(src, "State.set", ns)

    class State(base):
        """An immutable state: read `s.x`, build a changed copy with `s.set(x=...)`."""

        __slots__ = ()
        set = ns["set"]

        def __repr__(self):
            return "State(" + ", ".join(f"{n}={v!r}" for n, v in zip(self._fields, self)) + ")"

    ns["_cls"] = State
    return State
