"""ITF export (modelcheck/itf.py): the output has the shape shared/itf.md describes, uses the encodings
the module documents, and reads back to the same states.

`validate_itf` is written from shared/itf.md's rules alone, independently of the writer.
"""
import json
import os
import re

import pytest

from modelcheck import itf
from modelcheck.check import check
from modelcheck.loader import load_spec
from modelcheck.trace import TraceError, replay
from modelcheck.types import Enum, IntRange, MapOf, SeqOf, SetOf, TupleOf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAMES = os.path.join(ROOT, "tests", "specs", "viewer_frames.py")
EAGER = os.path.join(ROOT, "tests", "specs", "two_phase_eager.py")
MUTEX = os.path.join(ROOT, "specs", "mutex.py")

SAFE = 2 ** 53 - 1


def validate_value(v, where):
    """An ITF value: boolean, string, plain safe integer, array, #bigint/#tup/#set/#map/#unserializable,
    a tagged union {"tag", "value"}, or a record (an object whose keys are field names)."""
    if isinstance(v, (bool, str)):
        return
    if isinstance(v, int):
        assert -SAFE <= v <= SAFE, f"{where}: {v} is not a safe integer; write it as #bigint"
        return
    if isinstance(v, list):
        for i, x in enumerate(v):
            validate_value(x, f"{where}[{i}]")
        return
    assert isinstance(v, dict), f"{where}: {v!r} is not an ITF value (floats and null are not)"
    special = [k for k in v if k.startswith("#")]
    if special:
        assert len(v) == 1, f"{where}: {special[0]} must be the object's only key"
        k, x = next(iter(v.items()))
        if k == "#bigint":
            assert isinstance(x, str) and re.fullmatch(r"-?[0-9]+", x), f"{where}: bad #bigint {x!r}"
        elif k in ("#tup", "#set"):
            assert isinstance(x, list), f"{where}: {k} needs a list"
            for i, y in enumerate(x):
                validate_value(y, f"{where}.{k}[{i}]")
        elif k == "#map":
            assert isinstance(x, list), f"{where}: #map needs a list of pairs"
            for i, pair in enumerate(x):
                assert isinstance(pair, list) and len(pair) == 2, f"{where}: #map entry {i} is not [key, value]"
                validate_value(pair[0], f"{where}.#map[{i}].key")
                validate_value(pair[1], f"{where}.#map[{i}].value")
        elif k == "#unserializable":
            assert isinstance(x, str), f"{where}: #unserializable needs a string"
        else:
            raise AssertionError(f"{where}: unknown ITF form {k}")
        return
    if set(v) == {"tag", "value"}:
        assert isinstance(v["tag"], str), f"{where}: a tag is a string"
        validate_value(v["value"], f"{where}.value")
        return
    for k, x in v.items():
        validate_value(x, f"{where}.{k}")


def validate_itf(obj):
    """A whole ITF trace, by shared/itf.md."""
    assert isinstance(obj, dict)
    assert set(obj) <= {"#meta", "params", "vars", "states", "loop"}, set(obj)
    if "#meta" in obj:
        assert isinstance(obj["#meta"], dict)
    assert isinstance(obj["vars"], list) and all(isinstance(n, str) for n in obj["vars"])
    assert len(set(obj["vars"])) == len(obj["vars"])
    params = obj.get("params", [])
    assert isinstance(params, list) and all(isinstance(n, str) for n in params)
    assert isinstance(obj["states"], list) and obj["states"]
    for i, st in enumerate(obj["states"]):
        assert isinstance(st, dict)
        assert isinstance(st.get("#meta"), dict) and st["#meta"].get("index") == i, f"state {i}: #meta.index"
        assert set(st) == {"#meta"} | set(obj["vars"]) | set(params), f"state {i}: keys {sorted(st)}"
        for n in obj["vars"]:
            validate_value(st[n], f"states[{i}].{n}")
    if "loop" in obj:
        assert isinstance(obj["loop"], int) and 0 <= obj["loop"] < len(obj["states"])


def _trace(spec, prop, variant=None):
    _, cls = load_spec(spec)
    bound = cls.bind(variant)
    report = check(bound, spec, out_dir=None)
    v = next(v for v in report.verdicts if v.property == prop)
    assert v.trace is not None
    return bound, v.trace


@pytest.mark.parametrize("spec,prop,variant", [(FRAMES, "no_two", "buggy"), (FRAMES, "all_written", "buggy"),
                                               (EAGER, "consistent", None), (MUTEX, "mutual_exclusion", "buggy")],
                         ids=["frames", "frames-witness", "two_phase", "mutex"])
def test_itf_shape_and_round_trip(spec, prop, variant):
    bound, trace = _trace(spec, prop, variant)
    text = itf.dumps(bound, trace)
    obj = json.loads(text)
    validate_itf(obj)
    assert obj["vars"] == bound.names + ["mbt::actionTaken", "mbt::nondetPicks"]
    meta = obj["#meta"]
    assert meta["format"] == "ITF" and meta["source"] == spec and prop in meta["description"]
    assert meta["status"] == ("VIOLATED" if trace.verdict == "VIOLATED" else "WITNESS")
    assert [st["mbt::actionTaken"] for st in obj["states"]] == [s.action for s in trace.steps]
    picks = [st["mbt::nondetPicks"] for st in obj["states"]]
    assert all(set(p) == set(picks[0]) for p in picks)            # every pick on every state, as Quint writes
    assert all(v == {"tag": "None", "value": {"#tup": []}} for v in picks[0].values())   # init picks nothing
    for st, p in zip(trace.steps[1:], picks[1:]):
        some = {k for k, v in p.items() if v["tag"] == "Some"}
        assert len(some) == len(st.args)
        assert all(v["tag"] in ("Some", "None") for v in p.values())
    back = itf.states_from_itf(bound, obj)
    assert [s for _, s in back] == replay(bound, trace).states
    assert text == itf.dumps(bound, trace)                  # deterministic


def test_itf_encodings_are_the_documented_ones():
    bound, trace = _trace(FRAMES, "no_two", "buggy")
    obj = itf.to_itf(bound, trace)
    last = obj["states"][-1]
    assert last["frames"] == {"#tup": [{"#bigint": "0"}, {"#bigint": "2"}, {"#bigint": "-1"}]}   # TupleOf
    assert last["cursor"] == {"#bigint": "2"}                                           # IntRange
    assert last["mode"] == "busy"                                                        # Enum -> label
    assert last["owner"] == {"#map": [["a", "busy"], ["b", "idle"]]}                    # MapOf
    assert last["tags"] == {"#set": ["</script><b>x", "a&b"]}                           # SetOf, domain order
    assert last["log"] == [{"#bigint": "0"}, {"#bigint": "2"}]                          # SeqOf -> list
    assert last["mbt::actionTaken"] == "write"
    assert last["mbt::nondetPicks"] == {"v": {"tag": "Some", "value": {"#bigint": "2"}}}
    assert obj["states"][1]["mbt::nondetPicks"] == {"v": {"tag": "None", "value": {"#tup": []}}}   # begin


def test_itf_tuple_atoms_in_sets():
    bound, trace = _trace(os.path.join(ROOT, "specs", "two_phase_commit.py"), "all_committed")
    obj = itf.to_itf(bound, trace)
    msgs = obj["states"][-1]["msgs"]["#set"]
    assert {"#tup": ["Prepared", {"#bigint": "0"}]} in msgs and "Commit" in msgs


def test_itf_reader_accepts_plain_numbers_and_rejects_bad_values():
    assert itf.value_from_itf(IntRange(-1, 5), 3) == 3
    assert itf.value_from_itf(IntRange(-1, 5), {"#bigint": "-1"}) == -1
    assert itf.value_from_itf(TupleOf(IntRange(0, 3), 2), {"#tup": [1, {"#bigint": "2"}]}) == (1, 2)
    assert itf.value_from_itf(TupleOf(IntRange(0, 3), 2), [1, {"#bigint": "2"}]) == (1, 2)   # before #tup
    assert itf.value_from_itf(SetOf([(1, "a"), 2]), {"#set": [{"#tup": [1, "a"]}]}) == frozenset({(1, "a")})
    assert itf.value_from_itf(MapOf([1, 2], Enum("E", ["x", "y"])), {"#map": [[2, "y"], [1, "x"]]}) == (0, 1)
    assert itf.value_from_itf(SeqOf(IntRange(0, 1), 2), []) == ()
    from modelcheck.types import DomainError
    for t, bad in ((IntRange(0, 3), {"#bigint": "9"}), (IntRange(0, 3), 1.5), (SetOf([1]), [1]),
                   (MapOf(["a"], IntRange(0, 1)), {"#map": [["b", 0]]}), (SeqOf(IntRange(0, 1), 1), [0, 0]),
                   (SeqOf(IntRange(0, 1), 2), {"#tup": [0]}), (TupleOf(IntRange(0, 1), 2), {"#tup": [0]})):
        with pytest.raises(DomainError):
            itf.value_from_itf(t, bad)


def test_itf_of_a_stale_trace_is_refused():
    bound, trace = _trace(FRAMES, "no_two", "buggy")
    trace.steps[1].state["cursor"] = 2
    with pytest.raises(TraceError, match="step 1"):
        itf.to_itf(bound, trace)


def test_validator_rejects_what_itf_md_forbids():
    good = {"vars": ["x"], "states": [{"#meta": {"index": 0}, "x": {"#bigint": "1"}}]}
    validate_itf(good)
    for bad in ({"vars": ["x"], "states": [{"#meta": {"index": 1}, "x": 1}]},           # wrong index
                {"vars": ["x"], "states": [{"#meta": {"index": 0}}]},                   # missing variable
                {"vars": ["x"], "states": [{"#meta": {"index": 0}, "x": 1.5}]},         # float
                {"vars": ["x"], "states": [{"#meta": {"index": 0}, "x": {"#bigint": 1}}]},
                {"vars": ["x"], "states": [{"#meta": {"index": 0}, "x": {"#map": [[1]]}}]},
                {"vars": ["x"], "states": [{"#meta": {"index": 0}, "x": 2 ** 60}]}):
        with pytest.raises(AssertionError):
            validate_itf(bad)


def test_itf_picks_of_the_flagship_share_one_record():
    """Rollback's actions take `a` (step, partner_step), `end`, `got` and `t` (deliver, drop): one record of
    all of them on every state, the action's own arguments Some."""
    import glob
    from modelcheck.trace import bind_trace, load
    path = sorted(glob.glob(os.path.join(ROOT, "counterexamples", "rollback.pre73.active_latency.*.json")))[0]
    trace = load(path)
    _, bound = bind_trace(trace, path)
    obj = itf.to_itf(bound, trace)
    validate_itf(obj)
    names = itf.pick_names(bound)
    assert {"a", "t", "end"} <= set(names)
    assert all(list(st["mbt::nondetPicks"]) == names for st in obj["states"])
    for st in obj["states"]:
        some = {k: v["value"] for k, v in st["mbt::nondetPicks"].items() if v["tag"] == "Some"}
        if st["mbt::actionTaken"] == "partner_step":
            assert set(some) == {"a", "end"} and isinstance(some["end"], bool)
        elif st["mbt::actionTaken"] == "deliver":
            assert set(some) == {"t"} and "#bigint" in some["t"]
    assert all(isinstance(v, dict) and set(v) == {"#tup"} for v in (obj["states"][-1]["truth"],
                                                                       obj["states"][-1]["truth"]["#tup"][0]))
    back = itf.states_from_itf(bound, obj)
    assert [s for _, s in back] == replay(bound, trace).states
