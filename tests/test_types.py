"""modelcheck.types: domains check, encode, decode, show and parse their values."""
import json

import pytest
from hypothesis import given, strategies as st

from modelcheck.types import (Bool, DomainError, Enum, IntRange, MapOf, SeqOf, SetOf, TupleOf, json_key, put)

PC = Enum("PC", ["idle", "waiting", "critical"])

# Small instances of every type, nested where the type allows it. Each has few enough values to
# enumerate them all with values().
TYPES = {
    "bool": Bool(),
    "range": IntRange(-2, 3),
    "enum": PC,
    "tuple": TupleOf(Bool(), 3),
    "tuple_long": TupleOf(IntRange(0, 1), 9),  # more than 8 elements: checked with a generated all(...)
    "tuple_nested": TupleOf(TupleOf(IntRange(-1, 1), 2), 2),
    "map": MapOf(["a", "b"], PC),
    "set": SetOf(["x", "y", "z"]),
    "set_tuples": SetOf([("Prepared", 0), ("Prepared", 1), "Commit"]),
    "seq": SeqOf(PC, 2),
    "empty_tuple": TupleOf(Bool(), 0),
}

# How many values each of them has, by hand.
SIZES = {
    "bool": 2, "range": 6, "enum": 3, "tuple": 2 ** 3, "tuple_long": 2 ** 9, "tuple_nested": 3 ** 4,
    "map": 3 * 3, "set": 2 ** 3, "set_tuples": 2 ** 3, "seq": 1 + 3 + 9, "empty_tuple": 1,
}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_values_are_distinct_contained_and_counted(name):
    t = TYPES[name]
    vals = list(t.values())
    assert len(vals) == SIZES[name]
    assert len(set(vals)) == len(vals)
    assert all(t.contains(v) for v in vals)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_json_roundtrip_of_every_value(name):
    t = TYPES[name]
    for v in t.values():
        data = t.to_json(v)
        # survives real JSON text, as in a trace file
        assert t.from_json(json.loads(json.dumps(data))) == v
        assert isinstance(t.show(v), str)


@pytest.mark.parametrize("t, bad", [
    (Bool(), 0), (Bool(), None), (Bool(), "true"),
    (IntRange(0, 3), 4), (IntRange(0, 3), -1), (IntRange(0, 3), True), (IntRange(0, 3), 1.0),
    (PC, 3), (PC, "idle"),
    (TupleOf(Bool(), 2), (True,)), (TupleOf(Bool(), 2), [True, False]), (TupleOf(Bool(), 2), (True, 1)),
    (TupleOf(IntRange(0, 1), 9), (0,) * 8 + (2,)),
    (MapOf(["a"], Bool()), {"a": True}),
    (SetOf(["x"]), {"x"}), (SetOf(["x"]), frozenset({"y"})),
    (SeqOf(Bool(), 1), (True, True)), (SeqOf(Bool(), 1), [True]),
])
def test_contains_rejects_values_outside_the_domain(t, bad):
    assert not t.contains(bad)


@pytest.mark.parametrize("t, data", [
    (Bool(), 1), (IntRange(0, 3), 7), (IntRange(0, 3), "1"), (IntRange(0, 3), True), (PC, "busy"), (PC, 0),
    (TupleOf(Bool(), 2), [True]), (TupleOf(Bool(), 2), {"0": True}),
    (MapOf(["a", "b"], Bool()), {"a": True}), (MapOf(["a"], Bool()), [True]),
    (SetOf(["x"]), ["w"]), (SetOf(["x"]), "x"),
    (SeqOf(Bool(), 1), [True, False]), (SeqOf(Bool(), 1), None),
])
def test_from_json_rejects_bad_data_with_domain_error(t, data):
    with pytest.raises(DomainError):
        t.from_json(data)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3),
                    max_leaves=8))
def test_from_json_never_raises_anything_but_domain_error(data):
    for t in TYPES.values():
        try:
            v = t.from_json(data)
        except DomainError:
            continue
        assert t.contains(v)


def test_set_json_is_in_domain_order_whatever_the_set_order():
    t = SetOf(["z", "a", "m"])
    assert t.to_json(frozenset({"m", "z", "a"})) == ["z", "a", "m"]
    assert t.show(frozenset({"a", "z"})) == "{z, a}"
    # tuple atoms are lists in JSON and come back as tuples
    t2 = SetOf([("Prepared", 0), "Commit"])
    assert t2.to_json(frozenset({("Prepared", 0)})) == [["Prepared", 0]]
    assert t2.from_json([["Prepared", 0], "Commit"]) == frozenset({("Prepared", 0), "Commit"})


def test_show_is_readable():
    assert Bool().show(True) == "true"
    assert PC.show(2) == "critical"
    assert PC.show(7) == "7"
    assert TupleOf(PC, 2).show((0, 1)) == "(idle, waiting)"
    assert MapOf(["a", "b"], Bool()).show((True, False)) == "{a: true, b: false}"
    assert SeqOf(PC, 3).show((1,)) == "[waiting]"
    assert SetOf([("P", 1)]).show(frozenset({("P", 1)})) == "{(P, 1)}"


def test_enum_labels_are_indices():
    assert (PC.idle, PC.waiting, PC.critical) == (0, 1, 2)
    assert PC.to_json(1) == "waiting"
    assert PC.from_json("critical") == 2


@pytest.mark.parametrize("make", [
    lambda: Enum("E", []), lambda: Enum("E", ["a", "a"]), lambda: Enum("E", ["_x"]), lambda: Enum("E", ["not id"]),
    # labels that would overwrite the Enum's own attributes (bounds lo/hi, name, labels)
    lambda: Enum("E", ["labels"]), lambda: Enum("Level", ["none", "lo", "hi"]), lambda: Enum("E", ["name"]),
    lambda: Enum("E", ["values"]),
    lambda: IntRange(3, 1), lambda: IntRange(0, "9"), lambda: TupleOf(int, 2), lambda: TupleOf(Bool(), -1),
    lambda: MapOf(["a", "a"], Bool()), lambda: MapOf(["a"], bool), lambda: SetOf(["a", "a"]), lambda: SeqOf(int, 2),
])
def test_malformed_types_raise_type_error(make):
    with pytest.raises(TypeError):
        make()


@pytest.mark.parametrize("t, text, value", [
    (Bool(), "yes", True), (Bool(), " Off ", False), (Bool(), "1", True),
    (IntRange(1, 4), " 3", 3), (PC, "waiting", 1),
])
def test_parse_command_line_values(t, text, value):
    assert t.parse(text) == value


@pytest.mark.parametrize("t, text", [
    (Bool(), "maybe"), (IntRange(1, 4), "9"), (IntRange(1, 4), "three"), (IntRange(1, 4), ""), (PC, "busy"),
    (TupleOf(Bool(), 1), "true"), (SetOf(["a"]), "a"),
])
def test_parse_rejects_with_domain_error(t, text):
    with pytest.raises(DomainError):
        t.parse(text)


def test_put_replaces_one_element_and_copies():
    t = (1, 2, 3)
    assert put(t, 0, 9) == (9, 2, 3)
    assert t == (1, 2, 3)
    assert put(((0, 0), (0, 0)), (1, 0), 5) == ((0, 0), (5, 0))
    assert put((1, 2), (1,), 7) == (1, 7)
    assert put((((0,),),), (0, 0, 0), 4) == (((4,),),)


def test_json_key_is_canonical():
    assert json_key({"b": 1, "a": [1, 2]}) == json_key({"a": [1, 2], "b": 1})
