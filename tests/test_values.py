"""Records, sequence contents and the translation's arithmetic (/ % AtMost AtLeast, set size), on
tests/specs/values.py (2,100 states by hand), each cross-checked against Z3's own evaluation."""
import json

import pytest

from modelcheck import Bool, DomainError, Enum, IntRange, Record, SeqOf, Spec, SpecError, action, always
from modelcheck.check import check
from modelcheck.explorer import explore
from modelcheck.trace import dumps, loads, replay
from modelcheck.z3bridge import compile_properties, z3_eval

from conftest import explore_all, load


@pytest.fixture(scope="module")
def explored():
    bound = load("values").bind()
    res, props = explore_all(bound)
    return bound, res, props


def test_every_combination_is_reachable(explored):
    _, res, _ = explored
    assert res.complete and res.distinct == 5 * 5 * 21 * 4   # tests/specs/values.py


def test_translation_agrees_with_z3_on_a_fifth_of_the_states(explored):
    _, res, props = explored
    sample = res.states[::5]   # 420 states, every depth, deterministic
    for s in sample:
        for p in props:
            assert p.holds(s) == z3_eval(props, p.formula, s), (p.name, p.source, s)


def test_division_follows_z3_not_python():
    props = compile_properties(load("values").bind())
    neg = props.get("negative_divisor")
    State = load("values").bind().State
    s = State(x=-1, d=-2, q=(), got=frozenset())   # Z3: -1 div -2 == 1, -1 mod -2 == 1; Python: 0 and -1
    assert neg.holds(s) and z3_eval(props, neg.formula, s)


def test_verdicts(tmp_path):
    bound = load("values").bind()
    rep = check(bound, "tests/specs/values.py", out_dir=str(tmp_path))
    v = {x.property: x.verdict for x in rep.verdicts}
    # violated by hand: two pings can be queued; got = {0, 1} with two queued messages is 4 > 3; got has 0,
    # x = -2 and d = 0 together make three of the three conditions true
    assert v == {"div_mod": "VERIFIED", "negative_divisor": "VERIFIED", "size_bound": "VIOLATED",
                 "at_least_two": "VERIFIED", "at_most_one_bad": "VIOLATED", "head_is_pong_1": "VERIFIED",
                 "not_two_pings": "VIOLATED", "contains_and_forall": "VERIFIED"}
    tr = next(x for x in rep.verdicts if x.property == "not_two_pings").trace
    assert [st.action for st in tr.steps] == ["init", "send", "send"]
    assert tr.steps[-1].state["q"] == [{"kind": "ping", "seq": 0}, {"kind": "ping", "seq": 0}]
    assert len(replay(bound, loads(dumps(tr))).states) == 3


Kind = Enum("Kind", ["ping", "pong"])
Msg = Record("Msg", seq=IntRange(0, 1), kind=Kind)


def test_record_values():
    m = Msg(seq=1, kind=Kind.pong)
    assert (m.seq, m.kind) == (1, Kind.pong) and Msg.contains(m) and not Msg.contains((1, 1))
    assert Msg.to_json(m) == {"seq": 1, "kind": "pong"} and Msg.from_json({"seq": 1, "kind": "pong"}) == m
    assert Msg.show(m) == "{seq: 1, kind: pong}" and len(list(Msg.values())) == 4
    with pytest.raises(DomainError):
        Msg.from_json({"seq": 1})
    with pytest.raises(TypeError, match="missing kind"):
        Msg(seq=1)
    assert SeqOf(Msg, 2).contains((m, m)) and json.dumps(SeqOf(Msg, 1).to_json((m,)))


class Divides(Spec):
    def variables(self):
        return {"x": IntRange(0, 2), "d": IntRange(0, 1), "q": SeqOf(Bool(), 1)}

    def init(self):
        yield self.State(x=1, d=1, q=())

    @action
    def zero(self, s):
        return s.set(d=0)

    @always
    def unguarded(self, v):
        return v.x / v.d <= 1


def test_an_unguarded_division_by_zero_is_a_model_error_naming_the_property():
    res = explore(Divides.bind(), compile_properties(Divides.bind()))
    assert res.error is not None and "property 'unguarded' raised ZeroDivisionError" in str(res.error)


def test_an_element_index_beyond_the_sequence_bound_is_a_spec_error():
    class Beyond(Divides):
        @always
        def unguarded(self, v):
            return v.q[1]

    with pytest.raises(SpecError, match=r"IndexError.*q\[1\].*indices 0..0"):
        compile_properties(Beyond.bind())


def test_records_in_itf_round_trip(tmp_path):
    from modelcheck import itf

    bound = load("values").bind()
    rep = check(bound, "tests/specs/values.py", out_dir=str(tmp_path))
    tr = next(x for x in rep.verdicts if x.property == "not_two_pings").trace
    obj = itf.to_itf(bound, tr)
    assert obj["states"][-1]["q"] == [{"kind": "ping", "seq": {"#bigint": "0"}}] * 2
    assert [s for _, s in itf.states_from_itf(bound, obj)] == replay(bound, tr).states


# -- Record values pickle: the parallel search ships states between forked processes --------------------------

def test_record_values_pickle_and_keep_their_class():
    import copy
    import pickle
    Msg = Record("Msg", seq=IntRange(0, 3), urgent=Bool())
    m = Msg(seq=2, urgent=True)
    back = pickle.loads(pickle.dumps(m))
    assert back == m and type(back) is Msg.cls and back.seq == 2 and copy.deepcopy(m) == m
    # an equal Record type (same name, fields and field types) has the same class; another does not
    assert Record("Msg", seq=IntRange(0, 3), urgent=Bool()).cls is Msg.cls
    assert Record("Msg", seq=IntRange(0, 4), urgent=Bool()).cls is not Msg.cls


def test_a_record_value_unpickled_in_a_fresh_process_has_the_class_its_spec_later_declares():
    import pickle
    import subprocess
    import sys
    data = pickle.dumps(Record("Msg", seq=IntRange(0, 3), urgent=Bool())(seq=1, urgent=False))
    code = ("import pickle, sys\n"
            "from modelcheck import Bool, IntRange, Record\n"
            "m = pickle.loads(sys.stdin.buffer.read())\n"
            "Msg = Record('Msg', seq=IntRange(0, 3), urgent=Bool())\n"
            "print(type(m) is Msg.cls, m == Msg(seq=1, urgent=False))\n")
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, check=True).stdout
    assert out.decode().split() == ["True", "True"]


def test_a_search_over_records_on_two_workers_gives_the_results_of_one(monkeypatch):
    # docs/examples/queue.py: a queue of Msg records (25 states by hand, 41 generated). Records of safe fields
    # hash soundly, so the search keeps fingerprints and, from the first layer (PARALLEL_FROM = 1), moves to
    # two forked workers, which send states holding Msg values back and forth (pickled).
    from modelcheck.search import parallel
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    bound = load("docs/examples/queue.py").bind()
    props = compile_properties(bound)
    one = explore(bound, props, stop_early=False)
    two = explore(bound, props, stop_early=False, workers=2)
    assert two.error is None and two.workers == 2 and not two.exact
    assert (two.distinct, two.generated, two.depth, two.complete) == (one.distinct, one.generated, one.depth, True)
    assert (one.distinct, one.generated) == (25, 41)
    assert list(two.parent) == list(one.parent) and {k: len(two.path(v)) for k, v in two.found.items()} \
        == {k: len(one.path(v)) for k, v in one.found.items()}
