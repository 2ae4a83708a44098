"""Helper invariants found by the harness: mine at small parameters, keep what is inductive at large ones.

Mining: every state reachable at small parameters is enumerated (explicitly), and every clause of at
most three literals that holds in all of them is a candidate. A literal is `leaf == value` or its
negation, for a Bool leaf or a small-range Int leaf of the Z3 view, or `leaf1 == leaf2` between two Int
leaves. Leaves are grouped into templates by their cell: the integers in a leaf's name (`rmState[3]`,
`msgs.has((Prepared, 3))`) are its cell, so a clause relates one variable to another, or the same cell of
several frame arrays ("for every i"), and carries over to parameters with more cells. Clauses implied
by a shorter mined clause are dropped.

Houdini: at the large parameters, the candidates (instantiated at every cell) together with the
properties are checked for 1-induction; every candidate that some step breaks is dropped, until the set
left is inductive. What is left holds initially and is preserved by every step, so it holds in every
reachable state: a proof, whatever the small parameters were.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import z3

from ..spec import BoundSpec
from ..z3bridge import build_view
from .encode import Encoding
from .prove import ERROR, _check, _props

__all__ = ["Candidate", "mine", "houdini", "reachable"]

_HOLE = re.compile(r"(?<![A-Za-z_0-9])\d+")
MAX_SMALL_RANGE = 8       # an Int leaf with at most this many values gets `== value` literals
MAX_STATES = 200_000      # the small parameters must stay small
MAX_KEYS_FOR_TRIPLES = 80  # literals; beyond, clauses of three literals are too many to enumerate


@dataclass(frozen=True)
class Candidate:
    """A mined clause template, e.g. `msgs.has(Commit) -> rmState[#] != 3`, and its instances at one binding."""
    text: str                     # the template, readable
    literals: tuple               # ((kind, template, value, positive), ...)


def reachable(bound: BoundSpec, limit: int = MAX_STATES) -> list[Any]:
    """Every reachable state of a (small) bound spec, by breadth-first search on the explicit engine."""
    seen = dict.fromkeys(s for s in bound.initial_states() if bound.in_constraints(s))
    todo = list(seen)
    i = 0
    while i < len(todo):
        s = todo[i]
        i += 1
        for a, args in bound.enabled(s):
            t = bound.apply(a, s, args)
            if t not in seen and bound.in_constraints(t):
                seen[t] = None
                todo.append(t)
                if len(todo) > limit:
                    raise ValueError(f"more than {limit:,} reachable states at the mining parameters; "
                                     f"choose smaller ones")
    return todo


def _template(name: str) -> tuple[str, tuple[int, ...]]:
    cell = tuple(int(x) for x in _HOLE.findall(name))
    return _HOLE.sub("#", name), cell


def _literals(leaves: list[Any]) -> dict[tuple, dict[tuple, Any]]:
    """literal key -> {cell: (leaf, or pair of leaves)} for the leaves of one binding."""
    out: dict[tuple, dict[tuple, Any]] = {}
    ints: dict[tuple, list[Any]] = {}
    for leaf in leaves:
        t, cell = _template(leaf.name)
        if leaf.sort == "bool":
            out.setdefault(("bool", t, True), {})[cell] = leaf
        elif leaf.hi - leaf.lo < MAX_SMALL_RANGE:
            for v in range(leaf.lo, leaf.hi + 1):
                out.setdefault(("int", t, v), {})[cell] = leaf
        if leaf.sort == "int":
            ints.setdefault(cell, []).append((t, leaf))
    for cell, group in ints.items():
        for (t1, l1), (t2, l2) in itertools.combinations(group, 2):
            if max(l1.lo, l2.lo) <= min(l1.hi, l2.hi):
                out.setdefault(("eq", t1, t2), {})[cell] = (l1, l2)
    for cell, group in ints.items():   # hole-free int leaves against the cells' int leaves
        if cell == ():
            continue
        for t1, l1 in ints.get((), []):
            for t2, l2 in group:
                if max(l1.lo, l2.lo) <= min(l1.hi, l2.hi):
                    out.setdefault(("eq", t1, t2), {})[cell] = (l1, l2)
    return out


def _fix(key: tuple, at: dict[tuple, Any], cell: tuple) -> Any:
    """The instance of a literal key at a cell: a hole-free literal is the same at every cell."""
    if cell in at:
        return at[cell]
    return at.get(())


def _holes(key: tuple, at: dict[tuple, Any]) -> bool:
    return () not in at


def _text(lit: tuple, types: dict[str, Any]) -> str:
    (kind, t, v), pos = lit[:3], lit[3]
    if kind == "bool":
        return t if pos else f"not {t}"
    if kind == "int":
        typ = types.get(t)
        shown = typ.show(v) if typ is not None else str(v)
        return f"{t} {'==' if pos else '!='} {shown}"
    return f"{t} {'==' if pos else '!='} {v}"


def _z3(lit: tuple, inst: Any) -> Any:
    kind, _, v, pos = lit
    if kind == "bool":
        e = inst.const
    elif kind == "int":
        e = inst.const == v
    else:
        e = inst[0].const == inst[1].const
    return e if pos else z3.Not(e)


def _eval_leaf(leaf: Any, ns: dict[str, Any], s: Any) -> Any:
    return eval(leaf.code, ns, {"s": s})


def mine(small: BoundSpec, max_literals: int = 3) -> list[Candidate]:
    """Clauses of at most `max_literals` literals over the small spec's view that hold in every reachable
    state (and at every cell), minus those implied by a shorter one."""
    states = reachable(small)
    full = (1 << len(states)) - 1
    _, leaves, ns = build_view(small)
    lits = _literals(leaves)
    values = {id(leaf): [_eval_leaf(leaf, ns, s) for s in states] for leaf in leaves}

    def mask(key: tuple, inst: Any, pos: bool) -> int:
        kind, _, v = key
        if kind == "bool":
            bits = values[id(inst)]
            m = sum(1 << i for i, x in enumerate(bits) if x)
        elif kind == "int":
            m = sum(1 << i for i, x in enumerate(values[id(inst)]) if x == v)
        else:
            a, b = values[id(inst[0])], values[id(inst[1])]
            m = sum(1 << i for i, (x, y) in enumerate(zip(a, b)) if x == y)
        return m if pos else full & ~m

    # literal = (kind, template, value, positive); masks per cell
    table: dict[tuple, dict[tuple, int]] = {}
    for key, at in lits.items():
        for pos in (True, False):
            ms = {cell: mask(key, inst, pos) for cell, inst in at.items()}
            if all(m == full for m in ms.values()) or all(m == 0 for m in ms.values()):
                continue  # constant over the reachable states: a one-literal fact, kept as such below
            table[key + (pos,)] = ms
    units = []
    for key, at in lits.items():
        for pos in (True, False):
            ms = {cell: mask(key, inst, pos) for cell, inst in at.items()}
            if all(m == full for m in ms.values()) and not _trivial(key, at):
                units.append(key + (pos,))
    keys = sorted(table, key=str)

    def cells_of(clause: tuple) -> list[tuple] | None:
        holed = [set(table[l]) for l in clause if () not in table[l]]
        if not holed:
            return [()]
        common = set.intersection(*holed)
        return sorted(common) if common else None

    def holds(clause: tuple) -> bool:
        cells = cells_of(clause)
        if cells is None:
            return False
        for c in cells:
            m = 0
            for l in clause:
                m |= table[l].get(c, table[l].get((), 0))
            if m != full:
                return False
        return True

    def same_leaf(clause: tuple) -> bool:
        ts = [l[1] for l in clause] + [l[2] for l in clause if l[0] == "eq"]
        return len(ts) != len(set(ts))

    found: list[tuple] = [(u,) for u in units]
    pairs = set()
    for a, b in itertools.combinations(keys, 2):
        cl = (a, b)
        if not same_leaf(cl) and holds(cl):
            found.append(cl)
            pairs.add(cl)
    if max_literals >= 3 and len(keys) <= MAX_KEYS_FOR_TRIPLES:
        for cl in itertools.combinations(keys, 3):
            if same_leaf(cl) or any(sub in pairs for sub in itertools.combinations(cl, 2)):
                continue
            if holds(cl):
                found.append(cl)
    types = {_template(leaf.name)[0]: leaf.type for leaf in leaves}
    return [Candidate(" or ".join(_text(l, types) for l in cl), cl) for cl in found]


def _trivial(key: tuple, at: dict[tuple, Any]) -> bool:
    return key[0] == "eq" and all(i[0] is i[1] for i in at.values())


def instantiate(cands: list[Candidate], large: BoundSpec) -> list[tuple[Candidate, tuple, Any]]:
    """(candidate, cell, Z3 formula over the large spec's view) for every cell where all its leaves exist."""
    _, leaves, _ = build_view(large)
    lits = _literals(leaves)
    out = []
    for c in cands:
        ats = []
        for lit in c.literals:
            at = lits.get(lit[:3])
            if at is None:
                break
            ats.append(at)
        else:
            holed = [set(at) for at in ats if () not in at]
            cells = sorted(set.intersection(*holed)) if holed else [()]
            for cell in cells:
                insts = [_fix(l[:3], at, cell) for l, at in zip(c.literals, ats)]
                if any(i is None for i in insts):
                    continue
                out.append((c, cell, z3.Or([_z3(l, i) for l, i in zip(c.literals, insts)])))
    return out


def _prune(s: z3.Solver, alive_p: set[str], alive_c: set[int], p_goal: dict[str, Any], c_goal: list[Any],
           hyp: tuple[dict[str, Any], list[Any]] | None = None) -> None:
    """Drop from alive_p/alive_c every property/candidate a model of s (with the hypotheses of the alive ones)
    falsifies, until no model falsifies any."""
    while True:
        s.push()
        if hyp is not None:
            s.add(*[hyp[0][n] for n in alive_p], *[hyp[1][i] for i in alive_c])
        s.add(z3.Or([z3.Not(p_goal[n]) for n in alive_p] + [z3.Not(c_goal[i]) for i in alive_c] or [z3.BoolVal(False)]))
        if _check(s) == z3.unsat:
            s.pop()
            return
        m = s.model()
        alive_p -= {n for n in alive_p if z3.is_false(m.eval(p_goal[n], model_completion=True))}
        alive_c -= {i for i in alive_c if z3.is_false(m.eval(c_goal[i], model_completion=True))}
        s.pop()


def houdini(enc: Encoding, props: list[Any], cands: list[tuple[Candidate, tuple, Any]],
            error: bool = True) -> tuple[set[str], list[tuple[Candidate, tuple, Any]], list[str]]:
    """The largest subset of (properties + candidates) that holds initially and is 1-inductive together.
    Returns (the property names kept, the candidate instances kept, the templates of kept instances that
    the final proof of the kept properties uses, from Z3's unsat core)."""
    a, b = enc.layout("h0"), enc.layout("h1")
    pa, pb = _props(enc, props, a, error), _props(enc, props, b, error)
    ca = [enc.prop(f, a) for _, _, f in cands]
    cb = [enc.prop(f, b) for _, _, f in cands]
    alive_p, alive_c = set(pa), set(range(len(cands)))
    init = z3.Solver()  # what is kept must hold initially and be inductive
    init.add(*a.domain, enc.init_formula(a))
    _prune(init, alive_p, alive_c, pa, ca)
    step = z3.Solver()
    step.add(*a.domain, *b.domain, enc.trans(a, b))
    _prune(step, alive_p, alive_c, pb, cb, (pa, ca))
    kept = [cands[i] for i in sorted(alive_c)]
    used: list[str] = []
    goals = [n for n in alive_p if n != ERROR]
    if goals:
        core = z3.Solver()
        core.set("core.minimize", True)
        core.add(*a.domain, *b.domain, enc.trans(a, b), *[pa[n] for n in alive_p])
        tracks = {}
        for i in sorted(alive_c):
            tmpl = cands[i][0].text
            t = tracks.get(tmpl)
            if t is None:
                t = tracks[tmpl] = z3.Bool(f"helper!{len(tracks)}")
            core.add(z3.Implies(t, ca[i]))
        core.add(z3.Or([z3.Not(pb[n]) for n in goals]))
        if core.check(*tracks.values()) == z3.unsat:
            names = {str(t): k for k, t in tracks.items()}
            used = sorted(names[str(t)] for t in core.unsat_core())
    return alive_p, kept, used
