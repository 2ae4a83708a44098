"""modelcheck.spec: declaring a spec, mistakes caught at load time, binding parameters, states."""
import re

import pytest
import z3

from modelcheck import (Bool, Enum, IntRange, SetOf, Spec, SpecError, TupleOf, UsageError, action, always, param,
                        put, sometimes)
from modelcheck.explorer import ModelError

from conftest import explore_all, load

HERE = "test_spec.py"


def assert_located(err, *needles):
    """A spec mistake's message has file:line (this file), the names involved, and the fix."""
    msg = str(err)
    assert re.search(re.escape(HERE) + r":\d+", msg), msg
    for n in needles:
        assert n in msg, f"{n!r} not in {msg!r}"


# -- a minimal correct spec, to derive mistakes from ------------------------------------------------------

class Ok(Spec):
    """Two bits; set either."""

    n = param(2, IntRange(1, 3), "how many bits")
    fast = param(False, Bool(), "a fix", fix=True)
    slow = param(False, Bool(), "another fix", fix=True)
    variants = {"quick": {"fast": True}, "both": {"fast": True, "slow": True}}
    scenarios = {"one": {"n": 1}, "three": {"n": 3}}

    def variables(self):
        return {"bits": TupleOf(Bool(), self.n)}

    def init(self):
        yield self.State(bits=(False,) * self.n)

    @action(over=lambda self: range(self.n), guard=lambda self, s, i: not s.bits[i])
    def set_bit(self, s, i):
        """Set bit i."""
        return s.set(bits=put(s.bits, i, True))

    @always
    def not_all(self, v):
        return z3.Not(z3.And(v.bits))


def test_a_correct_spec_collects_its_parts():
    assert list(Ok.parameters()) == ["n", "fast", "slow"]
    assert [a.name for a in Ok.action_defs()] == ["set_bit"]
    assert [(p.name, p.kind) for p in Ok.property_defs()] == [("not_all", "always")]
    assert Ok.fixes() == ["fast", "slow"]
    assert Ok.action_defs()[0].doc == "Set bit i."


# -- mistakes in a definition raise SpecError at once, with file:line, the name and the fix ------------------

def test_guard_arity_mismatch():
    with pytest.raises(SpecError) as e:
        class S(Spec):
            @action(over=lambda self: range(2), guard=lambda self, s: True)
            def go(self, s, i):
                return s
    assert_located(e.value, "'go'", "guard takes 2", "effect takes 3", "same parameters")


def test_action_with_arguments_but_no_over():
    with pytest.raises(SpecError) as e:
        class S(Spec):
            @action
            def go(self, s, i):
                return s
    assert_located(e.value, "'go'", "no over=", "add over=lambda self:")


def test_over_without_arguments():
    with pytest.raises(SpecError) as e:
        class S(Spec):
            @action(over=lambda self: range(2))
            def go(self, s):
                return s
    assert_located(e.value, "'go'", "has over=", "add a parameter after s, or drop over=")


def test_effect_without_state_parameter():
    with pytest.raises(SpecError) as e:
        class S(Spec):
            @action
            def go(self):
                return None
    assert_located(e.value, "'go'", "def go(self, s, ...)")


def test_over_with_wrong_arity_and_non_callables():
    with pytest.raises(SpecError) as e:
        @action(over=lambda self, s, x: ())
        def go(self, s, i):
            return s
    assert_located(e.value, "'go'", "(self) or (self, s)")
    with pytest.raises(SpecError) as e:
        @action(over=[1, 2])
        def go2(self, s, i):
            return s
    assert_located(e.value, "'go2'", "over=lambda self: range(self.N)")
    with pytest.raises(SpecError) as e:
        @action(guard=True)
        def go3(self, s):
            return s
    assert_located(e.value, "'go3'", "guard= must be a function")


@pytest.mark.parametrize("kind", ["always", "sometimes", "always_possible", "terminal"])
def test_property_with_wrong_arity(kind):
    import modelcheck

    deco = getattr(modelcheck, kind)
    with pytest.raises(SpecError) as e:
        @deco
        def prop(self):
            return True
    assert_located(e.value, f"{kind} property 'prop'", "must take (self, v)")
    with pytest.raises(SpecError):
        @deco(vacuous_ok=True)
        def prop2(self, v, w):
            return True


def test_variant_naming_an_unknown_parameter():
    with pytest.raises(SpecError) as e:
        class S(Ok):
            variants = {"typo": {"fsat": True}}
    assert_located(e.value, "variants['typo']", "'fsat'", "known: n, fast, slow")


def test_scenario_value_outside_its_domain_and_not_a_dict():
    with pytest.raises(SpecError) as e:
        class S(Ok):
            scenarios = {"big": {"n": 9}}
    assert_located(e.value, "scenarios['big']", "n=9", "IntRange(1, 3)")
    with pytest.raises(SpecError) as e:
        class S2(Ok):
            variants = {"bad": ["fast"]}
    assert_located(e.value, "variants['bad']", "must be a dict")


@pytest.mark.parametrize("missing", ["variables", "init"])
def test_missing_variables_or_init(missing):
    body = {"variables": lambda self: {"x": Bool()}, "init": lambda self: [self.State(x=False)]}
    del body[missing]
    with pytest.raises(SpecError) as e:
        class S(Spec):
            locals().update(body)
    assert f"has no {missing}()" in str(e.value) and f"def {missing}(self): ..." in str(e.value)
    assert_located(e.value)


def test_spec_defined_outside_a_file_still_gets_a_spec_error():
    # exec() or a REPL: the module has no __file__ and no source lines
    with pytest.raises(SpecError) as e:
        exec("class S(Spec):\n    pass\n", {"Spec": Spec, "__name__": "builtins"})
    assert "has no variables()" in str(e.value)


def test_action_and_property_with_one_name():
    with pytest.raises(SpecError) as e:
        class S(Ok):
            @always(name="set_bit")
            def other(self, v):
                return v.bits[0]
    assert_located(e.value, "'set_bit'", "rename one")


def test_two_actions_with_one_name():
    with pytest.raises(SpecError) as e:
        class S(Ok):
            @action(name="go")
            def a(self, s):
                return s

            @action(name="go")
            def b(self, s):
                return s
    assert_located(e.value, "b and a are both named 'go'", "give them different names")


def test_subclass_may_redefine_an_action():
    class S(Ok):
        @action(over=lambda self: range(self.n))
        def set_bit(self, s, i):
            return s.set(bits=put(s.bits, i, True))

    assert [a.guard for a in S.action_defs()] == [None]


@pytest.mark.parametrize("domain, default", [(None, 3), (IntRange(0, 2), 3), (IntRange(0, 2), "1")])
def test_param_mistakes(domain, default):
    with pytest.raises(SpecError) as e:
        param(default, domain, "doc")
    assert_located(e.value, "param")


def test_fix_param_must_be_bool():
    with pytest.raises(SpecError) as e:
        param(0, IntRange(0, 1), "doc", fix=True)
    assert_located(e.value, "fix=True", "Bool()")


# -- mistakes found when binding: variables() and init() ---------------------------------------------------

def _spec(variables=None, init=None, **attrs):
    ns = {"variables": variables or (lambda self: {"x": IntRange(0, 1)}),
          "init": init or (lambda self: [self.State(x=0)]), **attrs}
    return type("Made", (Spec,), ns)


@pytest.mark.parametrize("variables, needle", [
    (lambda self: {}, "non-empty dict"),
    (lambda self: [("x", Bool())], "non-empty dict"),
    (lambda self: {"_x": Bool()}, "'_x' must be an identifier"),
    (lambda self: {"set": Bool()}, "not be set/count/index"),
    (lambda self: {"x": bool}, "variable 'x' has no type"),
    (lambda self: {"x": Bool()}["y"], "variables() raised KeyError"),
])
def test_bad_variables(variables, needle):
    with pytest.raises(SpecError) as e:
        _spec(variables=variables).bind()
    assert needle in str(e.value)
    assert_located(e.value)


@pytest.mark.parametrize("init, needle", [
    (lambda self: [], "gave no initial state"),
    (lambda self: [self.State(x=5)], "x = 5 is outside IntRange(0, 1)"),
    (lambda self: [None], "returned None"),
    (lambda self: [(0,)], "not a State"),
    (lambda self: 1 / 0, "init() raised ZeroDivisionError"),
])
def test_bad_initial_states(init, needle):
    with pytest.raises(SpecError) as e:
        _spec(init=init).bind().initial_states()
    assert needle in str(e.value)
    assert_located(e.value)


def test_static_over_raising_or_giving_bad_tuples():
    bad_over = _spec(go=action(over=lambda self: 1 / 0)(lambda self, s, i: s))
    with pytest.raises(SpecError) as e:
        bad_over.bind().instances()
    assert_located(e.value, "'<lambda>'", "over= raised ZeroDivisionError")
    pairs = _spec(go=action(over=lambda self: [1, 2])(lambda self, s, i, j: s))
    with pytest.raises(SpecError) as e:
        pairs.bind().instances()
    assert_located(e.value, "takes 2 arguments", "2-tuples", "gave 1")


# -- effects that leave the domains: model errors during exploration (exit 2 from the CLI) -------------------

@pytest.mark.parametrize("result, needle", [
    (lambda self, s: None, "the effect returned None (put the enabling condition in guard="),
    (lambda self, s: (1,), "the effect returned tuple (1,), not a State; return s.set(...)"),
    (lambda self, s: s.set(x=2), "x = 2 is outside IntRange(0, 1)"),
    (lambda self, s: s.set(x=[1]), "x = [1] is outside IntRange(0, 1)"),  # unhashable
    (lambda self, s: s.set(x=True), "x = True is outside IntRange(0, 1)"),
])
def test_effect_leaving_the_domains_is_a_model_error_naming_action_and_state(result, needle):
    S = _spec(go=action(name="go")(result))
    res, _ = explore_all(S.bind())
    assert isinstance(res.error, ModelError)
    msg = str(res.error)
    assert needle in msg and "action 'go' produced an invalid state" in msg and "from state x=0" in msg, msg
    assert_located(res.error)
    assert res.error.state.x == 0


# -- binding parameters: precedence defaults < variant < scenario < -p ---------------------------------------

def test_resolve_precedence():
    assert Ok.resolve() == {"n": 2, "fast": False, "slow": False}
    assert Ok.resolve("quick") == {"n": 2, "fast": True, "slow": False}
    assert Ok.resolve("quick", "three") == {"n": 3, "fast": True, "slow": False}
    assert Ok.resolve("quick", "three", {"n": "1", "fast": "off"}) == {"n": 1, "fast": False, "slow": False}
    assert Ok.resolve(overrides={"n": 3}) == {"n": 3, "fast": False, "slow": False}


def test_variants_combine_fixes_with_plus():
    assert Ok.variant_params("fast+slow") == {"fast": True, "slow": True}
    assert Ok.variant_params("slow") == {"fast": False, "slow": True}
    assert Ok.variant_params("quick") == {"fast": True}


@pytest.mark.parametrize("call, needle", [
    (lambda: Ok.resolve("nope"), "unknown variant 'nope'; known: quick, both, fast, slow"),
    (lambda: Ok.resolve("fast+nope"), "unknown variant 'fast+nope'"),
    (lambda: Ok.resolve(scenario="nope"), "unknown scenario 'nope'; known: one, three"),
    (lambda: Ok.resolve(overrides={"m": "1"}), "unknown parameter 'm'; known: n, fast, slow"),
    (lambda: Ok.resolve(overrides={"n": "9"}), "parameter n: expected an integer in 1..3, got 9"),
    (lambda: Ok.resolve(overrides={"n": "two"}), "parameter n: expected an integer in 1..3, got 'two'"),
    (lambda: Ok.resolve(overrides={"n": 9}), "parameter n: 9 is outside IntRange(1, 3)"),
    (lambda: Ok.resolve(overrides={"fast": "perhaps"}), "parameter fast: expected true or false"),
])
def test_usage_errors_name_what_is_known(call, needle):
    with pytest.raises(UsageError) as e:
        call()
    assert needle in str(e.value)
    assert "\n" not in str(e.value)


def test_bound_spec_and_its_states():
    b = Ok.bind("quick", "three")
    assert b.params == {"n": 3, "fast": True, "slow": False}
    assert b.param_text() == "n=3, fast=true, slow=false"
    assert b.non_default_param_text() == "n=3, fast=true"
    s = b.initial_states()[0]
    assert s == b.State(bits=(False, False, False)) and s.bits == (False,) * 3
    t = s.set(bits=(True, False, False))
    assert s.bits == (False,) * 3 and t.bits == (True, False, False)  # immutable: set() copies
    assert b.valid(t) and not b.valid((True,)) and not b.valid(s.set(bits=(1, 0, 0)))
    assert b.to_json(t) == {"bits": [True, False, False]}
    assert b.from_json({"bits": [True, False, False]}) == t
    assert repr(t) == "State(bits=(True, False, False))"
    assert [b.label(a, args) for a, args in b.enabled(t)] == ["set_bit(1)", "set_bit(2)"]
    assert [b.label(a, args) for a, args in b.instances()] == ["set_bit(0)", "set_bit(1)", "set_bit(2)"]


def test_enum_parameters_show_their_label():
    Mode = Enum("Mode", ["off", "on"])

    class S(Spec):
        mode = param(Mode.on, Mode, "a mode")

        def variables(self):
            return {"x": Bool()}

        def init(self):
            yield self.State(x=False)

    assert S.bind().param_text() == "mode=on"
    assert S.bind(overrides={"mode": "off"}).param_text() == "mode=off"


def test_duplicate_initial_states_are_merged_and_put_in_canonical_order():
    # canonical (JSON) order, not init()'s: init() may iterate a set, whose order depends on PYTHONHASHSEED
    S = _spec(init=lambda self: [self.State(x=1), self.State(x=0), self.State(x=1)])
    assert S.bind().initial_states() == [S.bind().State(x=0), S.bind().State(x=1)]


def test_static_over_from_a_set_is_sorted():
    # A set's iteration order depends on PYTHONHASHSEED; the instances must not.
    S = _spec(variables=lambda self: {"h": SetOf(["kiwi", "fig", "date", "apple", "lime"])},
              init=lambda self: [self.State(h=frozenset())],
              take=action(over=lambda self: {"kiwi", "fig", "date", "apple", "lime"})(
                  lambda self, s, a: s.set(h=s.h | {a})))
    assert [args for _, args in S.bind().instances()] == [("apple",), ("date",), ("fig",), ("kiwi",), ("lime",)]


def test_spec_methods_can_call_actions_as_methods():
    class S(Ok):
        def twice(self, s):
            return self.set_bit(self.set_bit(s, 0), 1)

    b = S.bind()
    assert b.inst.twice(b.initial_states()[0]).bits == (True, True)


def test_sometimes_is_collected_with_its_doc():
    class S(Ok):
        @sometimes
        def first(self, v):
            """Bit 0 gets set."""
            return v.bits[0]

    assert [(p.name, p.kind, p.doc) for p in S.property_defs()][-1] == ("first", "sometimes", "Bit 0 gets set.")


def test_counter_toy_loads():
    assert load("counter").__name__ == "Counter"


def test_action_applies_leaves_the_action_out_for_other_parameters():
    """An action declared with applies= exists only where its parameters make it meaningful: elsewhere it
    is not part of the bound spec at all, so it neither fires nor earns a 'never fired' warning."""
    from modelcheck import Bool, IntRange, Spec, action, param
    from modelcheck.check import check

    class Lossy(Spec):
        loss = param(False, Bool(), "packets may be lost")

        def variables(self):
            return {"n": IntRange(0, 2)}

        def init(self):
            yield self.State(n=0)

        @action(guard=lambda self, s: s.n < 2)
        def send(self, s):
            return s.set(n=s.n + 1)

        @action(applies=lambda self: self.loss, guard=lambda self, s: s.n > 0)
        def drop(self, s):
            return s.set(n=s.n - 1)

    off, on = Lossy.bind(), Lossy.bind(overrides={"loss": True})
    assert [a.name for a in off.actions] == ["send"] and off.inactive_actions == ["drop"]
    assert [a.name for a in on.actions] == ["send", "drop"]
    rep = check(off, "lossy.py", out_dir=None)
    assert not any("never fired" in w for w in rep.warnings)
    # n = 0, 1, 2 either way; with loss, drop adds transitions (2 of them) but no state
    assert rep.result.distinct == 3 and rep.result.transitions == 2
    assert check(on, "lossy.py", out_dir=None).result.transitions == 4
