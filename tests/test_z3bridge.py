"""modelcheck.z3bridge: the Python translation of every property agrees with Z3's own evaluation, and
vacuous properties are caught."""
import pytest
import z3

from modelcheck import Bool, IntRange, SeqOf, SetOf, Spec, SpecError, TupleOf, always, sometimes
from modelcheck.z3bridge import compile_properties, false_conjuncts, vacuity_issues, z3_eval

from conftest import explore_all, load


def _agree(bound, props, states):
    """Every compiled predicate equals Z3 model evaluation on every given state."""
    n = 0
    for s in states:
        for p in props:
            assert p.holds(s) == z3_eval(props, p.formula, s), (p.name, p.source, s)
            n += 1
    return n


@pytest.mark.parametrize("spec, variant", [("ops", None), ("counter", None), ("counter", "stuck"),
                                           ("setorder", None), ("faulty", None), ("specs/mutex.py", None),
                                           ("specs/mutex.py", "buggy")])
def test_translation_agrees_with_z3_on_every_reachable_state_of_the_toys(spec, variant):
    bound = load(spec).bind(variant)
    res, props = explore_all(bound)
    assert res.complete
    assert _agree(bound, props, res.states) == res.distinct * len(props)


def test_translation_agrees_with_z3_on_two_phase_commit_rm3():
    bound = load("specs/two_phase_commit.py").bind(overrides={"RMs": 3})
    res, props = explore_all(bound)
    assert res.distinct == 288
    _agree(bound, props, res.states)


def test_translation_agrees_with_z3_on_a_sample_of_two_phase_commit_rm5():
    bound = load("specs/two_phase_commit.py").bind(overrides={"RMs": 5})
    res, props = explore_all(bound)
    # 8,832 reachable states for 5 managers (the explorer's count; 288 for 3 matches TLC). Every 97th
    # state, in BFS order, is a deterministic sample of 92 states from every depth.
    assert res.distinct == 8832
    sample = res.states[::97]
    assert len(sample) == 92
    _agree(bound, props, sample)


def _op_kinds(props):
    """The Z3 operator kinds the properties' formulas use."""
    kinds = set()

    def walk(e):
        if z3.is_app(e):
            kinds.add(e.decl().kind())
            for c in e.children():
                walk(c)

    for p in props:
        walk(p.formula)
    return kinds


def test_values_toy_exercises_division_modulo_and_counts():
    # tests/test_values.py cross-checks these against Z3 on the toy's states
    kinds = _op_kinds(compile_properties(load("values").bind()))
    assert {z3.Z3_OP_IDIV, z3.Z3_OP_MOD, z3.Z3_OP_PB_AT_MOST, z3.Z3_OP_PB_AT_LEAST} <= kinds


def test_ops_toy_exercises_every_translated_operator():
    bound = load("ops").bind()
    props = compile_properties(bound)
    kinds = _op_kinds(props)
    handled = {z3.Z3_OP_AND, z3.Z3_OP_OR, z3.Z3_OP_NOT, z3.Z3_OP_IMPLIES, z3.Z3_OP_ITE, z3.Z3_OP_XOR,
               z3.Z3_OP_DISTINCT, z3.Z3_OP_EQ, z3.Z3_OP_LE, z3.Z3_OP_LT, z3.Z3_OP_GE, z3.Z3_OP_GT,
               z3.Z3_OP_ADD, z3.Z3_OP_SUB, z3.Z3_OP_MUL, z3.Z3_OP_UMINUS, z3.Z3_OP_TRUE, z3.Z3_OP_FALSE,
               z3.Z3_OP_ANUM, z3.Z3_OP_UNINTERPRETED}
    # (Z3_OP_IFF is handled too, but z3's Python API builds `a == b` on Bools as Z3_OP_EQ.)
    assert handled <= kinds, sorted(handled - kinds)
    # every kind of view is mentioned: Bool, IntRange, Enum, MapOf values, SetOf.has, SeqOf.len
    names = {leaf.name for p in props for leaf in p.leaves}
    assert {"x", "flag", "mood", "sign['neg']", "sign['pos']", "seen.has(red)", "seen.has(green)", "len(q)"} <= names
    # Bool equality both ways: `==` and `!=` on two Bools
    by = {p.name: p for p in props}
    assert " == " in by["bool_eq"].source and "len({" in by["bool_ne"].source


def test_translated_source_reads_the_state_tuple():
    bound = load("counter").bind()
    by = {p.name: p for p in compile_properties(bound)}
    assert by["below_top"].source == "(s[0] < 3)"
    assert by["reaches_one"].source == "(s[0] == 1)"


# -- formulas the translator refuses ------------------------------------------------------------------------

def _one_prop(fn, kind=always, **kw):
    class S(Spec):
        def variables(self):
            return {"x": IntRange(0, 3), "b": Bool(), "t": TupleOf(IntRange(0, 1), 2), "q": SeqOf(Bool(), 2),
                    "m": SetOf(["a"])}

        def init(self):
            yield self.State(x=0, b=False, t=(0, 0), q=(), m=frozenset())

        prop = kind(name="prop", **kw)(fn)
    return S.bind()


@pytest.mark.parametrize("fn, needle", [
    (lambda self, v: v.x ** 2 == 1, "operator **"),
    (lambda self, v: z3.ToReal(v.x) / 2 == 1, "operator /"),
    (lambda self, v: z3.Int("y") == v.x, "mentions y, which is not a state variable"),
    (lambda self, v: v.x + 1, "must return a Z3 Bool formula, got ArithRef"),
    (lambda self, v: "yes", "must return a Z3 Bool formula, got str"),
    (lambda self, v: v.t[5] == 0, "raised IndexError while building its formula"),
    (lambda self, v: v.m.has("zzz"), "raised KeyError while building its formula"),
])
def test_untranslatable_formulas_are_spec_errors(fn, needle):
    with pytest.raises(SpecError) as e:
        compile_properties(_one_prop(fn))
    assert needle in str(e.value), str(e.value)
    assert "test_z3bridge.py:" in str(e.value) and "'prop'" in str(e.value)


def test_unsupported_operator_message_lists_what_is_supported():
    with pytest.raises(SpecError) as e:
        compile_properties(_one_prop(lambda self, v: v.x ** 2 == 1))
    assert "use And/Or/Not/Implies/If/Xor/Distinct, AtMost/AtLeast" in str(e.value)


def test_python_bool_property_becomes_a_constant():
    props = compile_properties(_one_prop(lambda self, v: True, vacuous_ok=True))
    assert props[0].source == "True" and props[0].holds(None)


# -- vacuity ------------------------------------------------------------------------------------------------

def test_always_provable_from_the_domains_is_an_error_unless_vacuous_ok():
    bound = _one_prop(lambda self, v: v.x <= 3)  # x is an IntRange(0, 3): cannot fail
    issues = vacuity_issues(bound, compile_properties(bound))
    assert len(issues) == 1 and issues[0].fatal
    msg = issues[0].message
    assert "test_z3bridge.py:" in msg and "always prop" in msg and "@always(vacuous_ok=True)" in msg
    ok = _one_prop(lambda self, v: v.x <= 3, vacuous_ok=True)
    assert vacuity_issues(ok, compile_properties(ok)) == []


def test_sometimes_unsatisfiable_over_the_domains_is_an_error():
    bound = _one_prop(lambda self, v: z3.And(v.x > 2, v.x < 3), kind=sometimes)
    issues = vacuity_issues(bound, compile_properties(bound))
    assert len(issues) == 1 and issues[0].fatal
    assert "sometimes prop" in issues[0].message and "can never hold" in issues[0].message


def test_seq_length_and_tuple_bounds_are_domain_constraints():
    # len(q) <= 2 and t[i] in 0..1 come from the declared domains, so these cannot fail
    for fn in (lambda self, v: v.q.len <= 2, lambda self, v: v.t[0] + v.t[1] <= 2):
        bound = _one_prop(fn)
        assert [i.fatal for i in vacuity_issues(bound, compile_properties(bound))] == [True]


def test_falsifiable_and_satisfiable_properties_pass_vacuity():
    for fn, kind in ((lambda self, v: v.x < 3, always), (lambda self, v: v.x == 3, sometimes)):
        bound = _one_prop(fn, kind=kind)
        assert vacuity_issues(bound, compile_properties(bound)) == []


def test_false_conjuncts_name_the_failing_part_and_its_values():
    bound = load("specs/mutex.py").bind("buggy", overrides={"N": 3})
    prop = next(p for p in compile_properties(bound) if p.name == "mutual_exclusion")
    s = bound.State(pc=(2, 0, 2), lock=True)
    assert not prop.holds(s)
    bad = false_conjuncts(prop, s)
    assert len(bad) == 1
    text, values = bad[0]
    assert "pc[0]" in text and "pc[2]" in text and values == {"pc[0]": "2", "pc[2]": "2"}
