"""Properties as Z3 formulas: the Z3 view of a state, translation to Python, and vacuity checks.

This is the only module that imports z3. A property is written once as a Z3 formula over the
declared variables; it is translated once into a Python predicate over the concrete state tuple,
which the explorer calls on every new state. `z3_eval` evaluates the same formula with Z3's own
model evaluation, and the tests check the two agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import z3

from .codegen import make_lambda
from .refinement import Refinement
from .spec import BoundSpec, PropertyDef, SpecError
from .types import Leaf, MapOf, Record, RecordLeaves, SeqLeaves, SeqOf, SetLeaves, TupleOf, Type, _Gen

__all__ = ["View", "CompiledProperty", "CompiledProperties", "compile_properties", "z3_eval", "vacuity_issues",
           "false_conjuncts"]


class View:
    """The Z3 view of a state: one attribute per variable (see docs/spec-api.md for the shapes)."""

    def __init__(self, attrs: dict[str, Any]):
        self.__dict__.update(attrs)


@dataclass
class CompiledProperty:
    """A property's Z3 formula and its translation into a Python predicate over the state tuple `s`."""
    name: str
    kind: str
    formula: Any  # z3.BoolRef
    predicate: Callable[[Any], bool]
    source: str
    definition: PropertyDef
    leaves: list[Leaf] = field(default_factory=list)  # the leaves the formula mentions
    ns: dict[str, Any] = field(default_factory=dict)  # the constants `source` refers to
    then: "CompiledProperty | None" = None  # a leads_to's Q (the property itself is its P), for a single pair
    # a leads_to's pairs (P_i, Q_i), each P_i ~> Q_i; one pair (self, then) for a single pair, and for a list
    # of pairs the property itself is "some P_i holds"
    pairs: "list[tuple[CompiledProperty, CompiledProperty]]" = field(default_factory=list)
    # a refines: the check itself (its predicate is the step check, over the states before and after a step)
    refinement: Refinement | None = None

    def holds(self, state: Any) -> bool:
        """Whether a state property holds in `state`."""
        return bool(self.predicate(state))

    def holds_step(self, before: Any, after: Any) -> bool:
        """Whether an `always_step` property holds on the step from `before` to `after`."""
        return bool(self.predicate(before, after))


@dataclass
class CompiledProperties:
    """What `compile_properties` returns: the properties of one bound spec, in declaration order, with the
    Z3 view they were built over. Iterates (and indexes) as the list of `CompiledProperty`."""
    properties: list[CompiledProperty]
    view: View
    leaves: list[Leaf]           # every leaf of the view, in variable order
    ns: dict[str, Any]           # the constants the leaves' code refers to
    next_view: View | None = None          # the view of the state after a step (`v2` of an always_step)
    next_leaves: list[Leaf] = field(default_factory=list)

    def __iter__(self) -> Iterator[CompiledProperty]:
        return iter(self.properties)

    def __len__(self) -> int:
        return len(self.properties)

    def __getitem__(self, i: int) -> CompiledProperty:
        return self.properties[i]

    def get(self, name: str) -> CompiledProperty | None:
        """The property called `name`, or None."""
        return next((p for p in self.properties if p.name == name), None)


class SetView:
    """Z3 view of a `SetOf` variable: `v.s.has(atom)` is a Bool, `v.s.size` its number of members (an Int)."""

    def __init__(self, leaves: SetLeaves):
        self._name, self._members = leaves.name, leaves.members

    def has(self, atom: Any) -> Any:
        try:
            return self._members[atom].const
        except KeyError:
            raise KeyError(f"{atom!r} is not in the domain of set {self._name}") from None

    @property
    def size(self) -> Any:
        return z3.Sum([z3.If(leaf.const, 1, 0) for leaf in self._members.values()]) if self._members else z3.IntVal(0)

    def __repr__(self):
        return f"<set {self._name}>"


class SeqView:
    """Z3 view of a `SeqOf` variable: `v.q.len`, element i as `v.q[i]` (meaningful where `v.q.len > i`), and
    `exists(f)`, `forall(f)`, `count(f)`, `contains(x)` over the elements present."""

    def __init__(self, leaves: SeqLeaves, made: list[Leaf]):
        self._leaves, self._made, self._elems = leaves, made, {}

    @property
    def len(self) -> Any:
        return self._leaves.len_leaf.const

    def __getitem__(self, i: int) -> Any:
        if not isinstance(i, int) or not 0 <= i < self._leaves.maxlen:
            raise IndexError(f"{self._leaves.name}[{i!r}]: a sequence of at most {self._leaves.maxlen} elements has "
                             f"indices 0..{self._leaves.maxlen - 1}")
        if i not in self._elems:
            before = len(self._made)
            desc = self._leaves.element(i)
            _make_consts(self._made[before:])
            self._elems[i] = _view_of(desc, self._made)
        return self._elems[i]

    def _each(self):
        return [(self.len > i, self[i]) for i in range(self._leaves.maxlen)]

    def exists(self, f: Any) -> Any:
        """Some element present satisfies f(element view)."""
        return z3.Or([z3.And(here, f(e)) for here, e in self._each()])

    def forall(self, f: Any) -> Any:
        """Every element present satisfies f(element view)."""
        return z3.And([z3.Implies(here, f(e)) for here, e in self._each()])

    def count(self, f: Any) -> Any:
        """The number of elements present that satisfy f(element view) (an Int)."""
        return z3.Sum([z3.If(z3.And(here, f(e)), 1, 0) for here, e in self._each()]) if self._leaves.maxlen else z3.IntVal(0)

    def contains(self, x: Any) -> Any:
        """Some element present equals x."""
        return self.exists(lambda e: e == x)

    def __repr__(self):
        return f"<sequence {self._leaves.name}>"


def _make_consts(leaves: list[Leaf]) -> None:
    for leaf in leaves:
        if leaf.const is None:
            leaf.const = z3.Bool(leaf.name) if leaf.sort == "bool" else z3.Int(leaf.name)


def _view_of(x: Any, made: list[Leaf]) -> Any:
    """The view of a variable's leaves: a Leaf's Z3 constant, lists and dicts of views, or a set, sequence or
    record view."""
    if isinstance(x, Leaf):
        return x.const
    if isinstance(x, list):
        return [_view_of(y, made) for y in x]
    if isinstance(x, dict):
        return {k: _view_of(y, made) for k, y in x.items()}
    if isinstance(x, SetLeaves):
        return SetView(x)
    if isinstance(x, SeqLeaves):
        return SeqView(x, made)
    if isinstance(x, RecordLeaves):
        return View({f: _view_of(y, made) for f, y in x.fields.items()})
    raise TypeError(f"no Z3 view for {x!r}")


def build_view(bound: BoundSpec, gen: _Gen | None = None, var: str = "s",
               prime: str = "") -> tuple[View, list[Leaf], dict[str, Any]]:
    """The Z3 view of `bound`'s state, its leaves (each with a fresh Z3 constant) and their namespace.

    The leaves' code reads the state tuple named `var`; `prime` is appended to each variable's name (the view
    of the state after a step is built with var="t", prime="'", so its constants are x', y', ...). The leaves
    of a sequence's elements are made when a property first reads one, and appended to the returned list."""
    gen = gen or _Gen()
    gen.leaves = []  # type: ignore[attr-defined]
    attrs = {n: t.leaves(n + prime, f"{var}[{i}]", gen) for i, (n, t) in enumerate(bound.variables.items())}
    leaves: list[Leaf] = gen.leaves  # type: ignore[attr-defined]
    _make_consts(leaves)
    return View({n: _view_of(x, leaves) for n, x in attrs.items()}), leaves, gen.ns


_K = z3.Z3_OP_UNINTERPRETED
_NARY = {z3.Z3_OP_AND: " and ", z3.Z3_OP_OR: " or ", z3.Z3_OP_ADD: " + ", z3.Z3_OP_MUL: " * ",
         z3.Z3_OP_SUB: " - "}
_CMP = {z3.Z3_OP_LE: "<=", z3.Z3_OP_LT: "<", z3.Z3_OP_GE: ">=", z3.Z3_OP_GT: ">"}


class _Translator:
    def __init__(self, by_id: dict[int, Leaf], prop: str):
        self.by_id, self.prop = by_id, prop
        self.used: dict[int, Leaf] = {}
        self.memo: dict[int, str] = {}

    def go(self, e: Any) -> str:
        key = e.get_id()
        got = self.memo.get(key)
        if got is None:
            got = self.memo[key] = self._go(e)
        return got

    def _go(self, e: Any) -> str:
        if z3.is_true(e):
            return "True"
        if z3.is_false(e):
            return "False"
        if z3.is_int_value(e):
            return str(e.as_long())
        if not z3.is_app(e):
            raise self._unsupported(e)
        k = e.decl().kind()
        ch = e.children()
        if k == _K and not ch:
            leaf = self.by_id.get(e.get_id())
            if leaf is None:
                raise SpecError(f"property {self.prop!r} mentions {e}, which is not a state variable; "
                                f"build formulas from the view v (v.x, v.x[i], v.s.has(a))")
            self.used[e.get_id()] = leaf
            return leaf.code
        if k in _NARY:
            return "(" + _NARY[k].join(self.go(c) for c in ch) + ")"
        if k == z3.Z3_OP_NOT:
            return f"(not {self.go(ch[0])})"
        if k == z3.Z3_OP_IMPLIES:
            return f"((not {self.go(ch[0])}) or {self.go(ch[1])})"
        if k in (z3.Z3_OP_EQ, z3.Z3_OP_IFF):
            return f"({self.go(ch[0])} == {self.go(ch[1])})"
        if k == z3.Z3_OP_XOR:
            return f"({self.go(ch[0])} != {self.go(ch[1])})"
        if k == z3.Z3_OP_DISTINCT:
            xs = [self.go(c) for c in ch]
            return f"(len({{{', '.join(xs)}}}) == {len(xs)})"
        if k in _CMP:
            return f"({self.go(ch[0])} {_CMP[k]} {self.go(ch[1])})"
        if k == z3.Z3_OP_UMINUS:
            return f"(-{self.go(ch[0])})"
        if k == z3.Z3_OP_ITE:
            return f"({self.go(ch[1])} if {self.go(ch[0])} else {self.go(ch[2])})"
        if k == z3.Z3_OP_IDIV:
            return f"_div({self.go(ch[0])}, {self.go(ch[1])})"
        if k == z3.Z3_OP_MOD:
            return f"_mod({self.go(ch[0])}, {self.go(ch[1])})"
        if k in (z3.Z3_OP_PB_AT_MOST, z3.Z3_OP_PB_AT_LEAST):
            op = "<=" if k == z3.Z3_OP_PB_AT_MOST else ">="
            return f"(({' + '.join(f'bool({self.go(c)})' for c in ch) or '0'}) {op} {e.params()[0]})"
        raise self._unsupported(e)

    def _unsupported(self, e):
        return SpecError(f"property {self.prop!r}: operator {e.decl().name() if z3.is_app(e) else e} in "
                         f"`{str(e)[:80]}` is not supported; use And/Or/Not/Implies/If/Xor/Distinct, "
                         f"AtMost/AtLeast, == != < <= > >=, + - * / % (integer division and modulo) and literals")


def _div(a: int, b: int) -> int:
    """SMT-LIB integer division (Z3's `/` on Ints): a == b * q + r with 0 <= r < |b|. Python's // floors, which
    differs for a negative divisor. Division by zero, which Z3 leaves unspecified, raises."""
    return (a - a % abs(b)) // b


def _mod(a: int, b: int) -> int:
    """SMT-LIB modulo (Z3's `%` on Ints): never negative, 0 <= a mod b < |b|; raises for b == 0."""
    return a % abs(b)


def _compile_one(p: PropertyDef, formula: Any, by_id: dict[int, Leaf], ns: dict[str, Any],
                 params: str) -> CompiledProperty:
    """One formula of property `p`, checked to be a Z3 Bool and translated to `lambda PARAMS: ...`."""
    if isinstance(formula, bool):
        formula = z3.BoolVal(formula)
    if not isinstance(formula, z3.BoolRef):
        raise SpecError(f"{p.where}: property {p.name!r} must return a Z3 Bool formula, "
                        f"got {type(formula).__name__}")
    tr = _Translator(by_id, p.name)
    try:
        src = tr.go(formula)
    except SpecError as e:
        raise SpecError(f"{p.where}: {e}") from None
    pred = make_lambda(params, src, f"property {p.name}", dict(ns))
    return CompiledProperty(p.name, p.kind, formula, pred, src, p, list(tr.used.values()), ns)


def _compile_leads_to(p: PropertyDef, formula: Any, by_id: dict[int, Leaf], ns: dict[str, Any]) -> CompiledProperty:
    """A leads_to's pair (P, Q), or its list of pairs [(P_0, Q_0), ...] (TLA+'s `\\A i: P(i) ~> Q(i)`, one
    property): each side compiled; for a list, the property's own formula is Or(P_0, ...)."""
    def pair(x: Any) -> bool:
        return isinstance(x, tuple) and len(x) == 2
    if not (pair(formula) or (isinstance(formula, list) and formula and all(pair(x) for x in formula))):
        raise SpecError(f"{p.where}: leads_to property {p.name!r} must return a pair (P, Q) of Z3 Bool formulas "
                        f"(whenever P holds, Q holds then or later), or a non-empty list of such pairs (each "
                        f"P_i ~> Q_i), got {type(formula).__name__}")
    if pair(formula):
        cp = _compile_one(p, formula[0], by_id, ns, "s")
        cp.then = _compile_one(p, formula[1], by_id, ns, "s")
        cp.pairs = [(cp, cp.then)]
        return cp
    pairs = [(_compile_one(p, a, by_id, ns, "s"), _compile_one(p, b, by_id, ns, "s")) for a, b in formula]
    cp = _compile_one(p, z3.Or([a.formula for a, _ in pairs]), by_id, ns, "s")
    cp.pairs = pairs
    return cp


def compile_properties(bound: BoundSpec) -> CompiledProperties:
    """Build the Z3 formula of every property and translate it into a Python predicate (of the state `s`, or
    for an `always_step` of the states `s` before and `t` after a step)."""
    gen = _Gen()
    view, leaves, ns = build_view(bound, gen)
    next_view, next_leaves, _ = build_view(bound, gen, "t", "'")
    ns.update(_div=_div, _mod=_mod)  # the translation's helpers (ns is the views' namespace, shared)
    out = []
    for p in bound.properties:  # those whose applies= holds (BoundSpec)
        if p.kind == "refines":  # no formula: the abstract spec's own code decides (refinement.py)
            ref = Refinement(bound, p)
            out.append(CompiledProperty(p.name, p.kind, z3.BoolVal(True), ref.step_ok, "", p, refinement=ref))
            continue
        step = p.kind == "always_step"
        try:
            formula = p.fn(bound.inst, view, next_view) if step else p.fn(bound.inst, view)
        except SpecError:
            raise
        except Exception as e:
            raise SpecError(f"{p.where}: property {p.name!r} raised {type(e).__name__} while building its "
                            f"formula: {e}") from e
        by_id = {leaf.const.get_id(): leaf for leaf in leaves + next_leaves}  # reading v.q[i] makes leaves
        if p.kind == "leads_to":
            cp = _compile_leads_to(p, formula, by_id, ns)
        else:
            cp = _compile_one(p, formula, by_id, ns, "s, t" if step else "s")
        out.append(cp)
    return CompiledProperties(out, view, leaves, ns, next_view, next_leaves)


def assignment(leaves: list[Leaf], ns: dict[str, Any] | None, state: Any, var: str = "s") -> list[tuple[Any, Any]]:
    """The (z3 constant, z3 value) pairs that describe a concrete state (named `var` in the leaves' code)."""
    out = []
    for leaf in leaves:
        val = eval(leaf.code, ns or {}, {var: state})
        out.append((leaf.const, z3.BoolVal(bool(val)) if leaf.sort == "bool" else z3.IntVal(int(val))))
    return out


def z3_eval(compiled: CompiledProperties, formula: Any, state: Any, after: Any = None) -> bool:
    """Evaluate a formula on a concrete state (and for a step formula, the state `after` the step) with Z3's
    own evaluation, for cross-checks: its rewriter on the formula with the state's values substituted, and
    where that leaves no truth value, model evaluation (slow)."""
    pairs = assignment(compiled.leaves, compiled.ns, state)
    if after is not None:
        pairs += assignment(compiled.next_leaves, compiled.ns, after, "t")
    quick = z3.simplify(z3.substitute(formula, *pairs)) if pairs else z3.simplify(formula)
    if z3.is_true(quick) or z3.is_false(quick):
        return z3.is_true(quick)
    solver = z3.Solver()
    for c, v in pairs:
        solver.add(c == v)
    if solver.check() != z3.sat:
        raise AssertionError("a concrete assignment is unsatisfiable")
    val = solver.model().eval(formula, model_completion=True)
    if not (z3.is_true(val) or z3.is_false(val)):
        raise AssertionError(f"Z3 did not reduce the formula to a truth value: {val}")
    return z3.is_true(val)


def domain_constraints(leaves: list[Leaf]) -> list[Any]:
    return [z3.And(leaf.lo <= leaf.const, leaf.const <= leaf.hi) for leaf in leaves if leaf.sort == "int"]


@dataclass
class VacuityIssue:
    prop: str
    kind: str
    message: str
    fatal: bool


def _described(t: Type) -> bool:
    """Whether a value of type t is determined by its leaves (not so for a sequence: its contents)."""
    if isinstance(t, SeqOf):
        return False
    if isinstance(t, (TupleOf,)):
        return _described(t.elem)
    if isinstance(t, MapOf):
        return _described(t.value)
    if isinstance(t, Record):
        return all(_described(x) for x in t.fields.values())
    return True


def vacuity_issues(bound: BoundSpec, props: CompiledProperties, timeout_ms: int = 10000) -> list[VacuityIssue]:
    """Ask Z3 whether each property can fail (`always`; `always_step` on a step that changes the state) or
    hold (`sometimes`, `always_possible`, `eventually`, both sides of a `leads_to`) at all over the declared
    domains. A property that cannot is a check
    that cannot fail: an error unless the spec marks it `vacuous_ok`. A solver `unknown` is a warning, never
    read as a proof."""
    issues = []
    parts = [(p, p, "") for p in props if p.kind not in ("terminal", "refines")]
    for p in props:
        many = len(p.pairs) > 1
        parts += [(p, q, f" (its Q[{i}])" if many else " (its Q)") for i, (_, q) in enumerate(p.pairs)]
    for p, part, role in parts:
        solver = z3.Solver()
        solver.set("timeout", timeout_ms)
        solver.add(*domain_constraints(part.leaves))
        goal = z3.Not(part.formula) if p.kind in ("always", "always_step", "initially") else part.formula
        if p.kind == "always_step" and all(_described(t) for t in bound.variables.values()):
            # a stutter never violates it: only a step that changes something can. (Only where the leaves
            # describe the whole state: a sequence's contents may change under equal leaves.)
            pairs = list(zip(props.leaves, props.next_leaves))  # no sequence: no lazy leaves, same order
            solver.add(*domain_constraints([x for pair in pairs for x in pair]))
            solver.add(z3.Or([a.const != b.const for a, b in pairs]))
        solver.add(goal)
        res = solver.check()
        if res == z3.unsat and not p.definition.vacuous_ok:
            if p.kind == "always_step":
                msg = (f"{p.definition.where}: always_step {p.name}: Z3 proves no step that changes the state can "
                       f"make it false over the declared domains, so checking it cannot fail. Fix the formula, or "
                       f"mark it @always_step(vacuous_ok=True) if that is intended")
            elif p.kind in ("always", "initially"):
                msg = (f"{p.definition.where}: {p.kind} {p.name}: Z3 proves it can never be false over the declared "
                       f"domains, so checking it cannot fail. Fix the formula, or mark it "
                       f"@{p.kind}(vacuous_ok=True) if that is intended")
            elif p.kind == "leads_to" and not role:
                msg = (f"{p.definition.where}: leads_to {p.name}: Z3 proves no state over the declared domains "
                       f"satisfies its P, so it is never triggered and checking it cannot fail. Fix the formula")
            else:
                msg = (f"{p.definition.where}: {p.kind} {p.name}{role}: Z3 proves no state over the declared "
                       f"domains satisfies it, so it can never hold. Fix the formula")
            issues.append(VacuityIssue(p.name, p.kind, msg, True))
        elif res == z3.unknown:
            issues.append(VacuityIssue(p.name, p.kind, f"{p.kind} {p.name}{role}: Z3 could not decide vacuity "
                                       f"({solver.reason_unknown()}); not checked", False))
    return issues


def false_conjuncts(prop: CompiledProperty, state: Any, before: Any = None) -> list[tuple[str, dict[str, str]]]:
    """For a property false in `state` (a step property: on the step from `before` to `state`): the top-level
    conjuncts that are false (flattening nested Ands, and looking through a top-level Not(Or(...))), each with
    the values of the leaves it mentions."""
    ns = prop.ns
    by_id = {leaf.const.get_id(): leaf for leaf in prop.leaves}

    def conj(e):
        if z3.is_and(e):
            for c in e.children():
                yield from conj(c)
        elif z3.is_not(e) and z3.is_or(e.children()[0]):
            for c in e.children()[0].children():
                yield from conj(z3.Not(c))
        elif z3.is_implies(e) and z3.is_and(e.arg(1)):  # a -> (b and c)  ==  (a -> b) and (a -> c)
            for c in conj(e.arg(1)):
                yield z3.Implies(e.arg(0), c)
        else:
            yield e

    out = []
    for c in conj(prop.formula):
        tr = _Translator(by_id, prop.name)
        src = tr.go(c)
        env = {"s": state} if before is None else {"s": before, "t": state}
        if not make_lambda(", ".join(env), src, f"conjunct of {prop.name}", dict(ns))(*env.values()):
            vals = {leaf.name: str(eval(leaf.code, ns, env)) for leaf in tr.used.values()}
            out.append((str(c), vals))
    return out
