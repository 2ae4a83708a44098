"""modelcheck.trace: JSON round trip, replay of stored counterexamples, rejection of tampered or foreign
traces (naming the first divergent step), robust loading, and atomic writes."""
import copy
import json
import os
import signal

import pytest
from hypothesis import given, settings, strategies as st

from modelcheck import trace as T
from modelcheck.check import check
from modelcheck.trace import Step, Trace, TraceError, dump, dumps, load, loads, replay

from conftest import load as load_spec

# -- traces to play with ---------------------------------------------------------------------------------------


def _counterexample(spec="specs/mutex.py", variant="buggy", prop="mutual_exclusion", **params):
    bound = load_spec(spec).bind(variant, overrides=params)
    report = check(bound, spec, out_dir=None)
    v = next(v for v in report.verdicts if v.property == prop)
    return bound, v.trace


_MUTEX = _counterexample()  # the buggy mutex's counterexample: request(0), request(1), enter(0), enter(1)


@pytest.fixture
def mutex_trace():
    return _counterexample()


# -- JSON round trip --------------------------------------------------------------------------------------------

json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8),
                           lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids,
                                                                                      max_size=3),
                           max_leaves=10)
steps = st.builds(Step, st.text(min_size=1, max_size=10), st.lists(json_values, max_size=3),
                  st.dictionaries(st.text(max_size=6), json_values, max_size=4))
traces = st.builds(Trace, st.text(max_size=20), st.text(max_size=10), st.none() | st.text(max_size=8),
                   st.none() | st.text(max_size=8), st.dictionaries(st.text(max_size=5), json_values, max_size=3),
                   st.text(max_size=10), st.sampled_from(["always", "sometimes", "always_possible", "deadlock"]),
                   st.sampled_from(["VIOLATED", "WITNESS"]), st.lists(steps, min_size=1, max_size=4))


@settings(max_examples=150)
@given(traces)
def test_loads_dumps_round_trip(tr):
    assert loads(dumps(tr)) == tr


@settings(max_examples=30)
@given(traces)
def test_load_dump_round_trip_through_a_file(tmp_path_factory, tr):
    path = str(tmp_path_factory.mktemp("t") / "x.json")
    dump(tr, path)
    assert load(path) == tr


def test_real_counterexample_round_trips_and_is_canonical(mutex_trace, tmp_path):
    _, tr = mutex_trace
    path = str(tmp_path / "ce.json")
    dump(tr, path)
    assert load(path) == tr
    text = open(path).read()
    obj = json.loads(text)
    assert text == json.dumps(obj, sort_keys=True, indent=1) + "\n"   # sorted keys: diffs cleanly
    assert obj["length"] == tr.length == 4 and obj["format"] == "modelcheck-trace/1"
    assert "time" not in text and "date" not in text
    assert obj["steps"][0] == {"action": "init", "args": [], "state": {"lock": False, "pc": ["idle", "idle"]}}


# -- replay -------------------------------------------------------------------------------------------------------

def test_replay_accepts_stored_counterexamples(tmp_path):
    for spec, variant, prop, params in [("specs/mutex.py", "buggy", "mutual_exclusion", {}),
                                        ("specs/two_phase_commit.py", None, "all_committed", {}),
                                        ("counter", "stuck", "deadlock_free", {}),
                                        ("ops", None, "map_enum", {}), ("setorder", None, "at_most_one", {})]:
        bound, tr = _counterexample(spec, variant, prop, **params)
        path = str(tmp_path / f"{prop}.json")
        dump(tr, path)
        got = replay(bound, load(path))
        assert len(got.states) == len(tr.steps) and [bound.to_json(s) for s in got.states] == \
            [st.state for st in tr.steps]
        assert got.labels[0] is None and all(lab is not None for lab in got.labels[1:])


def _tampered(tr, how):
    t = copy.deepcopy(tr)
    if how == "state edited":
        t.steps[2].state["pc"] = ["critical", "idle"]
    elif how == "action renamed":
        t.steps[3].action = "teleport"
    elif how == "guard false":
        t.steps[3].action = "leave"
    elif how == "args changed":
        t.steps[3].args = [1 - t.steps[3].args[0]]  # enter(1) instead of enter(0): enabled, other state
    elif how == "step removed":
        del t.steps[2]
    elif how == "init removed":
        del t.steps[0]
    elif how == "init edited":
        t.steps[0].state["lock"] = True
    elif how == "state out of domain":
        t.steps[1].state["pc"] = ["idle", "sleeping"]
    elif how == "variable missing":
        del t.steps[1].state["lock"]
    return t


@pytest.mark.parametrize("how, needle", [
    ("state edited", "step 2: action request gives a different state than the trace records (differs in pc)"),
    ("action renamed", "step 3: action teleport(0,) cannot be taken: no such action in the spec"),
    ("guard false", "step 3: action leave(0,) cannot be taken: its guard is false in the previous state"),
    ("args changed", "step 3: action enter gives a different state than the trace records (differs in pc)"),
    ("step removed", "step 2: action enter"),
    ("init removed", "step 0 must be the initial state"),
    ("init edited", "step 0: the trace's first state is not an initial state of the spec"),
    ("state out of domain", "step 1 (request): its state does not fit the spec's variables"),
    ("variable missing", "step 1 (request): its state does not fit the spec's variables"),
])
def test_replay_rejects_a_tampered_trace_naming_the_first_divergent_step(mutex_trace, how, needle):
    bound, tr = mutex_trace
    # the stored counterexample: request(0), request(1), enter(0), enter(1)
    assert [(s.action, s.args) for s in tr.steps[1:]] == [("request", [0]), ("request", [1]), ("enter", [0]),
                                                            ("enter", [1])]
    with pytest.raises(TraceError) as e:
        replay(bound, _tampered(tr, how))
    assert needle in str(e.value), str(e.value)
    assert "\n" not in str(e.value)


def test_replay_names_the_usual_causes_of_divergence(mutex_trace):
    bound, tr = mutex_trace
    with pytest.raises(TraceError) as e:
        replay(bound, _tampered(tr, "state edited"))
    assert "stale, hand-edited, or the spec is nondeterministic (set or dict iteration order, randomness)" \
        in str(e.value)


def test_replay_rejects_a_trace_of_another_spec(mutex_trace):
    _, tr = mutex_trace
    other = load_spec("specs/two_phase_commit.py").bind()
    with pytest.raises(TraceError) as e:
        replay(other, tr)
    assert str(e.value) == "the trace is from spec 'Mutex', not 'TwoPhase'"
    # same class name, other parameters: the states no longer fit
    three = load_spec("specs/mutex.py").bind("buggy", overrides={"N": 3})
    with pytest.raises(TraceError) as e:
        replay(three, tr)
    assert "step 0 (init): its state does not fit" in str(e.value)


def test_replay_of_a_fixed_variant_stops_where_the_bug_was(mutex_trace):
    _, tr = mutex_trace
    fixed = load_spec("specs/mutex.py").bind("fixed")
    with pytest.raises(TraceError) as e:
        replay(fixed, tr)
    assert str(e.value).startswith("step 4: action enter(1,) cannot be taken: its guard is false")


# -- loading bad files ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, needle", [
    (b"", "not a trace: the file is empty"),
    (b"  \n", "not a trace: the file is empty"),
    (b"hello", "not a trace: the file is not valid JSON"),
    (b'{"format": "modelcheck-trace/1", "steps": [', "not a trace: the file is not valid JSON"),
    (b"[1, 2]", 'expected a JSON object with "format": "modelcheck-trace/1"'),
    (b'{"format": "other"}', 'expected a JSON object with "format"'),
    (b'{"format": "modelcheck-trace/1"}', "missing key 'steps'"),
    (b'{"format": "modelcheck-trace/1", "steps": []}', '"steps" must be a non-empty list'),
    (b'{"format": "modelcheck-trace/1", "steps": [{"action": 1}]}', 'step 0 needs "action" (text)'),
    (b'{"format": "modelcheck-trace/1", "steps": [{"action": "init", "args": [], "state": {}}]}',
     '"spec" is missing or not a str'),
    (b"\xff\xfe\x00garbage", "not a trace: not UTF-8 text"),
    (b"1" * 5000, "not a trace: the file is not valid JSON"),       # an integer too long for Python to parse
    (b"[" * 100000, "not a trace: the file is not valid JSON"),     # nesting too deep
])
def test_load_rejects_bad_files_with_one_line(tmp_path, content, needle):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(TraceError) as e:
        load(str(path))
    msg = str(e.value)
    assert msg.startswith(str(path) + ": ") and needle in msg, msg
    assert "\n" not in msg


def test_load_rejects_missing_files_and_directories(tmp_path):
    with pytest.raises(TraceError, match="no such file"):
        load(str(tmp_path / "nope.json"))
    with pytest.raises(TraceError, match="is a directory"):
        load(str(tmp_path))


def test_load_rejects_a_truncated_counterexample(mutex_trace, tmp_path):
    _, tr = mutex_trace
    text = dumps(tr)
    for cut in (1, len(text) // 3, len(text) // 2, len(text) - 3):
        path = tmp_path / f"cut{cut}.json"
        path.write_text(text[:cut])
        with pytest.raises(TraceError):
            load(str(path))


text_or_json = st.one_of(
    st.text(max_size=200),
    json_values.map(json.dumps),
    # shaped like a trace, with random parts
    st.fixed_dictionaries({"format": st.just("modelcheck-trace/1")},
                          optional={"steps": json_values | st.lists(st.fixed_dictionaries(
                              {}, optional={"action": json_values, "args": json_values, "state": json_values}),
                              max_size=3),
                              "spec": json_values, "spec_class": json_values, "property": json_values,
                              "kind": json_values, "verdict": json_values, "params": json_values,
                              "variant": json_values, "scenario": json_values}).map(json.dumps),
)


@settings(max_examples=300)
@given(text_or_json)
def test_fuzz_loads_gives_a_trace_or_a_trace_error(text):
    try:
        tr = loads(text)
    except TraceError as e:
        assert "\n" not in str(e)
        return
    assert isinstance(tr, Trace) and tr.steps


@settings(max_examples=100)
@given(st.data())
def test_fuzz_replay_of_mangled_counterexamples_gives_a_trace_error(data):
    bound, tr = _MUTEX
    obj = json.loads(dumps(tr))
    i = data.draw(st.integers(0, len(obj["steps"]) - 1))
    key = data.draw(st.sampled_from(["action", "args", "state"]))
    obj["steps"][i][key] = data.draw(json_values if key != "state" else st.dictionaries(
        st.sampled_from(["pc", "lock", "x"]), json_values, max_size=3))
    try:
        mangled = loads(json.dumps(obj))
    except TraceError:
        return
    try:
        replay(bound, mangled)
    except TraceError as e:
        assert f"step {i}" in str(e) or "step 0" in str(e)



# -- atomic writes: nothing lost ----------------------------------------------------------------------------------

def _dir_listing(d):
    return sorted(os.listdir(d))


def test_dump_replaces_atomically_and_leaves_no_temp_files(mutex_trace, tmp_path):
    _, tr = mutex_trace
    path = str(tmp_path / "ce.json")
    dump(tr, path)
    tr2 = copy.deepcopy(tr)
    tr2.property = "other"
    dump(tr2, path)
    assert load(path).property == "other"
    assert _dir_listing(tmp_path) == ["ce.json"]


@pytest.mark.parametrize("where", ["os.replace", "os.fsync", "write", "json.dumps", "validate"])
def test_failed_write_keeps_the_old_file_and_leaves_no_temp(monkeypatch, mutex_trace, tmp_path, where):
    _, tr = mutex_trace
    path = str(tmp_path / "ce.json")
    dump(tr, path)
    before = open(path).read()

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    if where == "os.replace":
        monkeypatch.setattr(T.os, "replace", boom)
    elif where == "os.fsync":
        monkeypatch.setattr(T.os, "fsync", boom)
    elif where == "write":
        real_fdopen = os.fdopen

        class Half:
            """A file whose write gets half-way, then fails (disk full)."""

            def __init__(self, *a, **k):
                self.f = real_fdopen(*a, **k)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def write(self, text):
                self.f.write(text[: len(text) // 2])
                raise OSError(28, "No space left on device")

        monkeypatch.setattr(T.os, "fdopen", Half)
    elif where == "json.dumps":
        monkeypatch.setattr(T.json, "dumps", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    elif where == "validate":
        monkeypatch.setattr(T, "loads", lambda text: (_ for _ in ()).throw(TraceError("invalid")))
    tr2 = copy.deepcopy(tr)
    tr2.property = "other"
    with pytest.raises((OSError, KeyboardInterrupt, TraceError)):
        dump(tr2, path)
    monkeypatch.undo()
    assert open(path).read() == before
    assert _dir_listing(tmp_path) == ["ce.json"]
    assert load(path) == tr


def test_failed_first_write_leaves_nothing(monkeypatch, mutex_trace, tmp_path):
    _, tr = mutex_trace
    monkeypatch.setattr(T.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(OSError):
        dump(tr, str(tmp_path / "ce.json"))
    assert _dir_listing(tmp_path) == []


def test_dump_creates_missing_directories(mutex_trace, tmp_path):
    _, tr = mutex_trace
    path = tmp_path / "a" / "b" / "ce.json"
    dump(tr, str(path))
    assert load(str(path)) == tr


def test_trace_length_counts_actions():
    tr = Trace("s.py", "S", None, None, {}, "p", "always", "VIOLATED", [Step("init", [], {})])
    assert tr.length == 0


def test_a_signal_during_a_trace_write_leaves_a_complete_file_and_no_temporary(tmp_path, monkeypatch, mutex_trace):
    """The signal arrives in the middle of the write (at fsync): it is held until the file is complete and
    renamed, then raised; no `.tmp-*.json` is left behind."""
    from modelcheck import interrupt
    from modelcheck.trace import dump, dumps

    real_fsync = os.fsync

    def fsync_then_signal(fd):
        os.kill(os.getpid(), signal.SIGTERM)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_then_signal)
    target = tmp_path / "t.json"
    with interrupt.handled():
        with pytest.raises(KeyboardInterrupt):
            dump(mutex_trace[1], str(target))
        assert interrupt.requested() and interrupt.signal_name() == "SIGTERM"
    assert target.read_text() == dumps(mutex_trace[1])
    assert os.listdir(tmp_path) == ["t.json"]
