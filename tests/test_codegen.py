"""modelcheck.codegen and the compile step's value: generated code shows its lines in tracebacks, and
compiling properties hands back an object instead of changing the bound spec."""
import traceback

from modelcheck import IntRange, Spec, action
from modelcheck.codegen import make_lambda, run_source
from modelcheck.explorer import explore
from modelcheck.z3bridge import CompiledProperties, compile_properties

from conftest import load


def test_a_generated_lambda_that_raises_shows_its_source_line():
    f = make_lambda("s", "s[0] // s[1]", "property demo", {})
    try:
        f((1, 0))
    except ZeroDivisionError as e:
        text = "".join(traceback.format_exception(e))
    assert "<modelcheck generated property demo #" in text
    assert "_generated = lambda s: s[0] // s[1]" in text  # the real line, not a bare File "<string>"


def test_each_generated_source_gets_its_own_file_name():
    a = run_source("def f():\n    return 1\n", "x", {})["f"]
    b = run_source("def f():\n    return 2\n", "x", {})["f"]
    assert a.__code__.co_filename != b.__code__.co_filename and (a(), b()) == (1, 2)


class Raising(Spec):
    def variables(self):
        return {"x": IntRange(0, 2)}

    def init(self):
        yield self.State(x=0)

    @action(guard=lambda self, s: 1 // s.x > 0)   # raises in x=0
    def step(self, s):
        return s.set(x=1)


def test_a_raising_guard_shows_the_generated_successor_line_that_called_it():
    res = explore(Raising.bind(), [])
    assert res.error is not None and "ZeroDivisionError" in str(res.error)
    text = "".join(traceback.format_exception(res.error.__cause__))
    assert "<modelcheck generated successors of Raising #" in text
    assert "if g0(s):" in text          # the generated line through which the guard was called
    assert "1 // s.x > 0" in text       # and the guard's own line in the spec


def test_compile_properties_returns_an_object_and_leaves_the_bound_spec_alone():
    bound = load("counter").bind()
    before = set(vars(bound))
    compiled = compile_properties(bound)
    assert set(vars(bound)) == before
    assert isinstance(compiled, CompiledProperties)
    assert [p.name for p in compiled] == ["below_top", "reaches_one", "can_restart"]
    assert compiled.get("below_top") is compiled[0] and compiled.get("nope") is None
    assert [leaf.name for leaf in compiled.leaves] == ["x"]


def test_explore_without_compiling_properties_runs():
    res = explore(load("counter").bind(), [])   # no properties: nothing was attached to the bound spec
    assert res.complete and res.distinct == 4   # x = 0..3 (tests/specs/counter.py)
