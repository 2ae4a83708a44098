"""The trace viewer: `modelcheck show` (terminal view, --html), `verify --show`, and bad input.

Traces are made fresh in a temporary directory from small specs (tests/specs/viewer_frames.py has a
grid and grid_marks; tests/specs/two_phase_eager.py is a broken two-phase commit; specs/mutex.py has
no grid), plus the stored flagship counterexamples when they exist.
"""
import glob
import json
import os
import re
import shutil

import pytest

from modelcheck.types import diff

from modelcheck import itf, viewer
from modelcheck.cli import main
from modelcheck.spec import SpecError
from modelcheck.trace import TraceError, dump, load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAMES = os.path.join(ROOT, "tests", "specs", "viewer_frames.py")
EAGER = os.path.join(ROOT, "tests", "specs", "two_phase_eager.py")
MUTEX = os.path.join(ROOT, "specs", "mutex.py")


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    """name -> path of every trace the small specs produce (counterexamples and witnesses)."""
    out = tmp_path_factory.mktemp("traces")
    for args in ([FRAMES, "--variant", "buggy"], [EAGER], [MUTEX, "--variant", "buggy"]):
        code = main(["verify", *args, "--out", str(out), "--witnesses", str(out), "--quiet"])
        assert code == 1
    return {os.path.basename(p)[:-len(".json")]: p for p in glob.glob(str(out / "*.json"))}


def _last_line(text):
    """The verdict paragraph at the end of the terminal view, unwrapped (continuation lines are indented)."""
    lines = text.rstrip("\n").splitlines()
    i = len(lines) - 1
    while i > 0 and lines[i].startswith("  "):
        i -= 1
    return " ".join(x.strip() for x in lines[i:])


def _flat(text):
    """The text with every run of whitespace as one space (wrapped paragraphs read as one line)."""
    return " ".join(text.split())


# -- terminal view ---------------------------------------------------------------------------------------

def test_text_view_of_counterexample_with_grid_and_marks(traces):
    text = viewer.render_text(viewer.open_trace(traces["viewer_frames.buggy.no_two"]), unicode=False, width=140)
    assert "always no_two: VIOLATED in 3 steps" in text.splitlines()[0]
    assert "variant buggy" in text and "fixWrite=false" in text
    # one row per step: number, action with arguments, what it models, only what changed
    assert re.search(r"\| 3 +\| write\(2\) +\| Writer\.put, L20-L31: store v in the", text)
    assert "frames: (0, -1, -1) -> (0, 2, -1)" in text
    row3 = text[text.index("| 3 "):]
    assert "mode" not in row3.split("grid at step")[0]          # unchanged variables are left out
    assert "mode = idle" in text                                # the initial state is shown whole
    # the grid of the last state, the breaking cell marked
    assert "grid at step 3 (marked cells break the property):" in text
    assert re.search(r"^f1 +\*2\* *$", text, re.M)
    assert re.search(r"^f2 +\. +< *$", text, re.M)
    assert _last_line(text) == "always no_two is VIOLATED at step 3: false conjunct frames[1] != 2 where frames[1] = 2"


def test_text_view_reverse_video_on_a_tty(traces):
    text = viewer.render_text(viewer.open_trace(traces["viewer_frames.buggy.no_two"]), tty=True, unicode=False)
    assert "\x1b[7m2\x1b[27m" in text and "*2*" not in text


def test_text_view_explains_enum_values_and_uses_only_the_trace(traces):
    text = viewer.render_text(viewer.open_trace(traces["two_phase_eager.consistent"]), unicode=False, width=200)
    assert "RMChooseToAbort(0)" in text and "RMChooseToAbort(rm): a working rm aborts on its own." in text
    assert "grid at step" not in text                            # no grid() in this spec
    last = _last_line(text)
    assert last.startswith("always consistent is VIOLATED at step 3: false conjunct Not(And(rmState[")
    assert "= aborted (=3)" in last and "= committed (=2)" in last


def test_text_view_sets_show_what_was_added(traces):
    view = viewer.open_trace(traces["two_phase_eager.all_committed.witness"])
    diffs = [d for st in view.steps for d in st.diff if d[0] == "msgs"]
    assert diffs and all(isinstance(d[2], str) for d in diffs)


def test_witness_says_it_holds(traces):
    text = viewer.render_text(viewer.open_trace(traces["viewer_frames.buggy.all_written.witness"]), unicode=False)
    assert "sometimes all_written: WITNESS in 4 steps" in _flat(text)
    assert _last_line(text) == "sometimes all_written holds at step 4: Every frame is written."
    assert "*" not in text.split("grid at step")[1]               # nothing marked for a witness


def test_deadlock_says_no_action_is_enabled(traces):
    text = viewer.render_text(viewer.open_trace(traces["viewer_frames.buggy.deadlock_free"]), unicode=False)
    assert _last_line(text) == ("deadlock_free is VIOLATED at step 3: no action is enabled in this state, "
                                "and it is not @terminal")


def test_always_possible_says_nothing_reachable(traces):
    text = viewer.render_text(viewer.open_trace(traces["viewer_frames.buggy.finishes"]), unicode=False)
    assert _last_line(text) == ("always_possible finishes is VIOLATED: from the state at step 3 no state where "
                                "it holds is reachable: false conjunct cursor == 3 where cursor = 1")


def test_view_model(traces):
    view = viewer.open_trace(traces["viewer_frames.buggy.no_two"])
    assert [s.label for s in view.steps] == ["init", "begin", "write(0)", "write(2)"]
    assert view.steps[3].changed == ["frames", "cursor", "log"]
    assert view.grid_columns == ["value", "cursor"]
    assert view.marks == {("f1", "value")}
    assert view.culprits == ["frames"]
    assert view.violation == 3


def test_long_values_are_diffed_element_by_element():
    from modelcheck.types import IntRange, SetOf, TupleOf
    t = TupleOf(TupleOf(IntRange(-1, 2), 2), 8)
    old = ((-1, -1),) * 8
    new = old[:3] + ((0, 2),) + old[4:]
    assert diff(t, "buf", old, new, viewer._WHOLE) == [("buf[3]", "(-1, -1)", "(0, 2)")]
    s = SetOf(list(range(30)))
    old_s, new_s = frozenset(range(20)), frozenset(range(1, 22))
    assert diff(s, "q", old_s, new_s, viewer._WHOLE) == [("q", None, "+{20, 21} -{0}")]


def test_mutex_and_rollback_style_specs_without_grid_marks(traces):
    view = viewer.open_trace(traces["mutex.buggy.mutual_exclusion"])
    assert view.steps[-1].grid is None and view.marks == set()
    assert "pc[0] = critical (=2), pc[1] = critical (=2)" in view.why


STORED = sorted(glob.glob(os.path.join(ROOT, "counterexamples", "*.json")))


def test_counterexamples_are_stored_for_the_viewer():
    assert STORED, "the main job's counterexamples/ is empty"


@pytest.mark.parametrize("path", STORED, ids=[os.path.basename(p) for p in STORED])
def test_every_stored_counterexample_renders_in_both_views(monkeypatch, tmp_path, path):
    """Issue 4's bar: each file in counterexamples/ renders as text and as a web page (and as ITF).
    A stale file fails here too (its replay diverges), as it does in tests/test_counterexamples.py."""
    monkeypatch.chdir(tmp_path)   # the spec is found relative to the directories above the trace
    view = viewer.open_trace(path)
    text = viewer.render_text(view, unicode=False)
    assert view.steps[-1].grid, "specs/rollback.py declares grid()"
    assert "grid at step" in text
    assert re.search(r"L\d+", text)                           # the upstream lines each action models
    assert "is VIOLATED" in _last_line(text)
    page = viewer.render_html(view)
    assert page.startswith("<!DOCTYPE html>") and "http://" not in page and "https://" not in page
    narrow = viewer.render_text(view, unicode=True, width=80)
    assert max(len(line) for line in narrow.splitlines()) <= 80
    _grid_rows_whole(narrow, view)
    _legend_covers_the_grid(view)
    doc = json.loads(itf.dumps(view.bound, view.trace))
    assert len(doc["states"]) == len(view.trace.steps)


def test_grid_contract_errors(traces):
    view = viewer.open_trace(traces["viewer_frames.buggy.no_two"])
    bound = view.bound
    bound.inst.grid = lambda s: ["not a row"]
    with pytest.raises(SpecError, match=r"grid\(s\) must return a list of \(row label, \{column: text\}\) pairs"):
        viewer.build_view(bound, view.trace, view.spec_path)
    bound.inst.grid = lambda s: 1 / 0
    with pytest.raises(SpecError, match=r"grid\(s\) raised ZeroDivisionError"):
        viewer.build_view(bound, view.trace, view.spec_path)
    del bound.inst.grid
    bound.inst.grid_marks = lambda s, p: {"f1"}
    with pytest.raises(SpecError, match=r"grid_marks\(s, prop\) must return a set of \(row label, column\)"):
        viewer.build_view(bound, view.trace, view.spec_path)


# -- the command line -------------------------------------------------------------------------------------

def test_cli_show(traces, capsys):
    assert main(["show", traces["viewer_frames.buggy.no_two"]]) == 0
    out = capsys.readouterr().out
    assert "write(2)" in out and _last_line(out).startswith("always no_two is VIOLATED at step 3")


def test_cli_show_writes_html_and_itf(traces, tmp_path, capsys):
    html_path, itf_path = tmp_path / "t.html", tmp_path / "t.itf.json"
    assert main(["show", traces["viewer_frames.buggy.no_two"], "--html", str(html_path), "--itf", str(itf_path),
                 "--quiet"]) == 0
    cap = capsys.readouterr()
    assert cap.out == ""
    assert f"wrote {html_path}" in cap.err and f"wrote {itf_path}" in cap.err
    assert html_path.read_text().startswith("<!DOCTYPE html>")
    assert json.loads(itf_path.read_text())["#meta"]["format"] == "ITF"


def test_verify_show_prints_each_counterexample(tmp_path, capsys):
    assert main(["verify", FRAMES, "--variant", "buggy", "--out", str(tmp_path), "--quiet", "--show"]) == 1
    out = capsys.readouterr().out
    for line in ("always no_two is VIOLATED at step 3", "always_possible finishes is VIOLATED",
                 "deadlock_free is VIOLATED at step 3"):
        assert line in out
    assert "sometimes all_written holds" not in out            # witnesses are not counterexamples


def _error(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1, err
    return err[0]


def test_bad_input_missing_file(capsys, tmp_path):
    assert _error(capsys, ["show", str(tmp_path / "nope.json")]) == \
        f"modelcheck: trace error: {tmp_path / 'nope.json'}: no such file"


def test_bad_input_not_a_trace(capsys, tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"hello": 1}')
    assert "not a trace" in _error(capsys, ["show", str(p)])
    p.write_text("not json at all")
    assert "not a trace" in _error(capsys, ["show", str(p)])


def test_bad_input_spec_not_found(capsys, tmp_path, traces, monkeypatch):
    tr = load(traces["viewer_frames.buggy.no_two"])
    tr.spec = "nowhere/gone.py"
    p = tmp_path / "t.json"
    dump(tr, str(p))
    monkeypatch.chdir(tmp_path)
    msg = _error(capsys, ["show", str(p)])
    assert msg.startswith(f"modelcheck: trace error: {p}: the trace's spec 'nowhere/gone.py' cannot be found")


def test_bad_input_stale_trace_names_the_divergent_step(capsys, tmp_path, traces):
    tr = load(traces["viewer_frames.buggy.no_two"])
    tr.steps[2].state["cursor"] = 2
    p = tmp_path / "t.json"
    dump(tr, str(p))
    msg = _error(capsys, ["show", str(p)])
    assert "step 2: action write gives a different state than the trace records (differs in cursor)" in msg
    tr = load(traces["viewer_frames.buggy.no_two"])
    tr.steps[3].action = "vanish"
    dump(tr, str(p))
    assert "step 3: action vanish" in _error(capsys, ["show", str(p)])


def test_bad_input_param_the_spec_no_longer_has(capsys, tmp_path, traces):
    tr = load(traces["viewer_frames.buggy.no_two"])
    tr.params["gone"] = 1
    p = tmp_path / "t.json"
    dump(tr, str(p))
    assert "parameter 'gone'" in _error(capsys, ["show", str(p)])


def test_spec_found_relative_to_cwd_specs_dir_or_above_the_trace(tmp_path, traces, monkeypatch):
    proj = tmp_path / "proj"
    (proj / "specs").mkdir(parents=True)
    (proj / "counterexamples").mkdir()
    shutil.copy(FRAMES, proj / "specs" / "viewer_frames.py")
    tr = load(traces["viewer_frames.buggy.no_two"])
    tr.spec = "specs/viewer_frames.py"
    p = proj / "counterexamples" / "t.json"
    dump(tr, str(p))
    monkeypatch.chdir(tmp_path)                      # above the trace: proj/specs/viewer_frames.py
    assert viewer.find_spec(tr, str(p)) == str(proj / "specs" / "viewer_frames.py")
    monkeypatch.chdir(proj)                          # as recorded, relative to the current directory
    assert viewer.find_spec(tr, str(p)) == "specs/viewer_frames.py"
    tr.spec = "old/place/viewer_frames.py"           # moved: found as specs/NAME.py
    assert viewer.find_spec(tr, str(p)) == os.path.join("specs", "viewer_frames.py")
    assert viewer.open_trace(str(p)).steps[-1].label == "write(2)"


# -- the web page (without a browser; tests/test_browser.py drives it in Chromium) ------------------------

def _page_json(page):
    m = re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def test_html_is_self_contained_and_escapes_the_data(traces):
    view = viewer.open_trace(traces["viewer_frames.buggy.no_two"])
    page = viewer.render_html(view)
    assert page.count("</script>") == 2                     # the data cannot close its element
    assert "<!--" not in page.split('id="trace-data">')[1]
    for ref in ("src=", "href=", "@import", "url(", "@font-face"):
        assert ref not in page, ref
    data = _page_json(page)
    # the one URL in the page: the link the spec's source_url template makes of `L10-L12` (made at run time
    # by the script, not loaded)
    assert data["steps"][1]["docParts"] == [["Writer.begin, ", None],
                                            ["L10-L12", "https://example.org/writer.js#L10-L12"],
                                            [": become busy and tag the session.", None]]
    page = page.replace("https://example.org/writer.js#L", "")
    for ref in ("http:", "https:"):
        assert ref not in page, ref
    assert data["steps"][1]["state"]["tags"] == "{</script><b>x}"
    assert data["marks"] == [["f1", "value"]]
    assert data["violation"] == 3 and data["violated"] is True
    assert data["steps"][3]["grid"][1] == ["f1", ["2", ""]]
    assert data["steps"][3]["changed"] == ["frames", "cursor", "log"]
    assert data["why"] == view.why


def test_html_title_is_escaped(traces):
    view = viewer.open_trace(traces["viewer_frames.buggy.no_two"])
    view.headline = "<b>bold</b>"
    page = viewer.render_html(view)
    assert "<title>Frames: &lt;b&gt;bold&lt;/b&gt;</title>" in page


# -- narrow terminals, legend, source links ----------------------------------------------------------------

def _grid_rows_whole(text, view):
    """Each grid row is one line per column block: the row label starts it, its cells follow on that line."""
    grid = text.split("grid at step")[1]
    labels = [label for label, _ in view.steps[-1].grid]
    counts = [len(re.findall(rf"^{re.escape(label)}(?: |$)", grid, re.M)) for label in labels]
    assert len(set(counts)) == 1 and counts[0] >= 1, dict(zip(labels, counts))
    blocks = counts[0]
    cells = [c for _, row in view.steps[-1].grid for c in row.values() if c]
    shown = " ".join(line for line in grid.splitlines() if re.match(r"f\d+( |$)", line))
    for c in cells:                                    # every cell made it to a row line, whole
        for word in c.split():
            assert word in shown, word
    return blocks


def _legend_covers_the_grid(view):
    """Every column name, code and mark the grid shows is explained by the spec's legend."""
    keys = {k for code, _ in view.legend for k in code.split(", ")}
    seen = set()
    for st in view.steps:
        for label, row in st.grid or ():
            seen.add(re.sub(r"\d+", "N", label))
            for col, text in row.items():
                seen.update(col.split("."))
                seen.update(re.sub(r"=\d+$", "=N", w) for w in text.split())
    norm = {re.sub(r"\d+", "N", k) if re.fullmatch(r"f\d+", k) else k for k in keys}
    missing = {w for w in seen if w not in norm}
    assert not missing, f"not in the spec's grid_legend(): {sorted(missing)}"


@pytest.mark.parametrize("name", ["viewer_frames.buggy.no_two", "two_phase_eager.consistent",
                                  "mutex.buggy.mutual_exclusion"])
def test_every_line_fits_80_columns(traces, monkeypatch, capsys, name):
    """COLUMNS=80: nothing is wider than 80; below 100 columns the steps come one block each."""
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["show", traces[name], "--legend"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "┌" not in out and "+--" not in out                   # not the table
    assert re.search(r"^ *1  \S", out, re.M)                       # step 1 starts its block
    assert _last_line(out).startswith(viewer.open_trace(traces[name]).why[:60])


def test_wide_grid_is_cut_into_column_blocks_with_the_row_labels_repeated(traces):
    view = viewer.open_trace(traces["viewer_frames.buggy.no_two"])
    for row in view.steps[-1].grid:
        row[1].update({f"extra{i}.A": "x" * 9 for i in range(6)})
    view.grid_columns += [f"extra{i}.A" for i in range(6)]
    text = viewer.render_text(view, unicode=False, width=50)
    assert max(len(line) for line in text.splitlines()) <= 50
    assert _grid_rows_whole(text, view) >= 2
    assert re.search(r"^f1 +\*2\* ", text, re.M)                   # the marked cell stays marked
    # grouped columns: the group name above, the sub-column below
    head = text.split("grid at step")[1].splitlines()
    assert any(re.match(r" +extra\d ", h) for h in head) and any(re.match(r" +A +", h) for h in head)


def test_table_fits_the_width_from_100_columns(traces):
    view = viewer.open_trace(traces["two_phase_eager.consistent"])
    for w in (100, 123, 160):
        text = viewer.render_text(view, unicode=True, width=w)
        assert max(len(line) for line in text.splitlines()) <= w
        assert "┌" in text


def test_legend_from_the_spec(traces, capsys):
    assert main(["show", traces["viewer_frames.buggy.no_two"], "--legend"]) == 0
    out = capsys.readouterr().out
    legend = out.split("\nlegend:\n")[1]
    assert re.search(r"^  < +the cursor is here$", legend, re.M)
    assert re.search(r"^  \*x\* +a marked cell: it breaks the property", legend, re.M)
    assert _last_line(out).startswith("always no_two is VIOLATED at step 3")
    assert main(["show", traces["mutex.buggy.mutual_exclusion"], "--legend"]) == 0
    assert "legend: this spec declares no grid_legend()" in capsys.readouterr().out
    view = viewer.open_trace(traces["viewer_frames.buggy.no_two"])
    _legend_covers_the_grid(view)
    assert _page_json(viewer.render_html(view))["legend"][-1] == ["<", "the cursor is here"]


def test_legend_and_source_url_contract_errors(traces):
    view = viewer.open_trace(traces["viewer_frames.buggy.no_two"])
    bound = view.bound
    bound.inst.grid_legend = lambda: ["x"]
    with pytest.raises(SpecError, match=r"grid_legend must be a dict"):
        viewer.build_view(bound, view.trace, view.spec_path)
    del bound.inst.grid_legend
    old = bound.cls.source_url
    try:
        bound.cls.source_url = "file:///etc/passwd#{line}"
        with pytest.raises(SpecError, match=r"must be an http\(s\) URL template"):
            viewer.build_view(bound, view.trace, view.spec_path)
    finally:
        bound.cls.source_url = old


def test_line_references_become_links():
    urls = {"": "https://x.org/a.js#L{line}-L{end}", "fix": "https://x.org/b.js#L{line}"}
    parts = viewer.link_parts("step, L2145-L2202 and fix:L10; phaser:L456-539, L7.", urls)
    assert [p for p in parts if p[1]] == [["L2145-L2202", "https://x.org/a.js#L2145-L2202"],
                                         ["fix:L10", "https://x.org/b.js#L10"], ["L7", "https://x.org/a.js#L7-L7"]]
    assert "".join(p[0] for p in parts) == "step, L2145-L2202 and fix:L10; phaser:L456-539, L7."
    assert viewer.link_parts("L5", {}) == [["L5", None]]


# -- lanes: who runs each step, messages in flight, awaits ------------------------------------------------

LANES = os.path.join(ROOT, "tests", "specs", "viewer_lanes.py")
CHAT_PATH = [("send", 0), ("send", 1), ("send", 2), ("deliver", 1), ("recv_start",), ("drop", 2), ("deliver", 0),
             ("recv_end",)]


def _chat_view(cls_name="Chat", path=CHAT_PATH):
    """A view of a hand-chosen path (replay checks that every step is allowed)."""
    from modelcheck.loader import load_spec
    from modelcheck.trace import trace_from_path
    _, cls = load_spec(f"{LANES}::{cls_name}")
    bound = cls.bind()
    s = bound.initial_states()[0]
    steps = [(None, s)]
    acts = {a.name: a for a in bound.actions}
    for name, *args in path:
        s = bound.apply(acts[name], s, tuple(args))
        steps.append(((acts[name], tuple(args)), s))
    trace = trace_from_path(bound, LANES, "never_done", "always", "VIOLATED", steps)
    return viewer.build_view(bound, trace, LANES)


def test_lanes_messages_and_awaits():
    view = _chat_view()
    assert view.lanes == ["sender", "network", "receiver"]
    assert [st.lane for st in view.steps] == [None, "sender", "sender", "sender", "network", "receiver", "network",
                                              "network", "receiver"]
    got = [(m.label, m.sent, m.sent_lane, m.end, m.end_lane, m.lost, m.overtaken) for m in view.messages]
    assert got == [("msg 0", 1, "sender", 7, "network", False, True),     # delivered after msg 1, sent later
                   ("msg 1", 2, "sender", 4, "network", False, False),
                   ("msg 2", 3, "sender", 6, "network", True, False)]     # dropped
    assert [i for i, st in enumerate(view.steps) if st.waiting] == [5, 6, 7]
    assert view.steps[5].waiting == {"receiver": "awaits the decoder"}
    data = _page_json(viewer.render_html(view))
    assert data["lanes"] == ["sender", "network", "receiver"]
    assert data["messages"][2] == {"label": "msg 2", "sent": 3, "end": 6, "lost": True, "overtaken": False,
                                   "from": 0, "to": 1}
    assert data["steps"][6]["waiting"] == {"2": "awaits the decoder"} and data["steps"][0]["lane"] == -1


def test_without_lanes_one_lane_per_action():
    view = _chat_view("Plain", CHAT_PATH[:4])
    assert view.lanes == ["send", "deliver", "drop", "recv_start", "recv_end"]
    assert [st.lane for st in view.steps] == [None, "send", "send", "send", "deliver"]
    assert view.messages == [] and not any(st.waiting for st in view.steps)
    assert viewer.used_lanes(view) == ["send", "deliver"]                 # the page shows the lanes in use


def test_a_message_still_in_flight_has_no_end():
    view = _chat_view("Chat", CHAT_PATH[:2])
    assert [(m.label, m.end) for m in view.messages] == [("msg 0", None), ("msg 1", None)]


def test_lanes_contract_errors():
    from modelcheck import Spec, action
    from modelcheck.types import Bool

    def make(**attrs):
        body = {"variables": lambda self: {"x": Bool()}, "init": lambda self: [self.State(x=False)],
                "go": action(lambda self, s: s.set(x=True), name="go"), **attrs}
        return type("T", (Spec,), body)
    make(lanes={"a": ["go"]}, message_loss=["go"])
    with pytest.raises(SpecError, match=r"lanes\['a'\] names 'gone', which is not an action"):
        make(lanes={"a": ["go", "gone"]})
    with pytest.raises(SpecError, match=r"action 'go' is in two lanes, 'a' and 'b'"):
        make(lanes={"a": ["go"], "b": ["go"]})
    with pytest.raises(SpecError, match=r"message_loss must list action names; 'nope' is not one"):
        make(message_loss=["nope"])


def test_flagship_declares_a_lane_for_every_action():
    from modelcheck.loader import load_spec
    from modelcheck.spec import lanes_of
    _, cls = load_spec(os.path.join(ROOT, "specs", "rollback.py"))
    declared = {n for names in cls.lanes.values() for n in names}
    assert declared == {a.name for a in cls._actions}
    assert lanes_of(cls)[0] == list(cls.lanes)


@pytest.mark.parametrize("path", [p for p in STORED if ".active_l" in p or ".focus_loss." in p][:8],
                         ids=lambda p: os.path.basename(p))
def test_flagship_messages_go_from_b_to_the_network(path, monkeypatch, tmp_path):
    """In the stored flagship traces, every packet is sent by B and delivered or lost by a network action."""
    view = viewer.open_trace(path)
    for m in view.messages:
        assert view.steps[m.sent].action == "partner_step" and m.sent_lane == "partner B"
        if m.end is not None:
            assert m.end_lane == "network"
            assert view.steps[m.end].action in (("drop", "drop_end") if m.lost else ("deliver", "deliver_end"))
    for st in view.steps:
        assert set(st.waiting) <= {"A tick (T1)", "A episode end (T2)", "A fast-forward", "A page"}


# -- one variable through the trace (show --var) -------------------------------------------------------------

def test_show_var_follows_a_variable_an_element_and_a_grid_cell(traces, capsys):
    path = traces["viewer_frames.buggy.no_two"]
    assert main(["show", path, "--var", "frames", "--var", "frames[1]", "--var", "f1:value", "--var", "owner[a]"]) == 0
    out = capsys.readouterr().out
    blocks = out.split("\n\n")
    assert blocks[0].splitlines() == ["frames: written 2 times in 3 steps", "0  init: (-1, -1, -1)",
                                      "2  write(0): (-1, -1, -1) → (0, -1, -1)", "3  write(2): (0, -1, -1) → (0, 2, -1)"]
    assert blocks[1].splitlines() == ["frames[1]: written 1 time in 3 steps", "0  init: -1", "3  write(2): -1 → 2"]
    assert blocks[2].splitlines() == ["f1:value: written 1 time in 3 steps", "0  init: .", "3  write(2): . → 2",
                                      "the cell breaks no_two at step 3"]
    assert blocks[3].splitlines() == ["owner[a]: written 1 time in 3 steps", "0  init: idle", "1  begin: idle → busy"]
    assert _last_line(out).startswith("always no_two is VIOLATED at step 3")


def test_show_var_names_the_lane_of_each_write():
    view = _chat_view()
    assert [(w.step, w.label, w.lane) for w in viewer.history(view, "net")[1:]] == [
        (1, "send(0)", "sender"), (2, "send(1)", "sender"), (3, "send(2)", "sender"), (4, "deliver(1)", "network"),
        (6, "drop(2)", "network"), (7, "deliver(0)", "network")]
    text = viewer.render_history(view, "rx", unicode=False)
    assert "5  recv_start [receiver]: idle -> waiting" in text


@pytest.mark.parametrize("name,msg", [("nope", "no variable 'nope'"), ("frames[7]", "index 7 is outside 0..2"),
                                      ("frames[x]", "'x' is not an index"), ("mode[0]", "has no elements"),
                                      ("f9:value", "no grid cell"), ("frames.1", "no variable 'frames.1'")])
def test_show_var_bad_names_are_usage_errors(traces, capsys, name, msg):
    assert msg in _error(capsys, ["show", traces["viewer_frames.buggy.no_two"], "--var", name])


# -- two traces side by side ---------------------------------------------------------------------------------

def test_two_traces_side_by_side(traces, capsys, tmp_path):
    a, b = traces["viewer_frames.buggy.no_two"], traces["viewer_frames.buggy.finishes"]
    cmp = viewer.compare(viewer.open_trace(a), viewer.open_trace(b))
    assert [(r.a, r.b, r.kind) for r in cmp.rows] == [(0, 0, "same"), (1, 1, "same"), (2, 2, "same"), (3, 3, "action")]
    assert cmp.parted == 3
    assert viewer.parting_line(cmp) == "they part at A step 3 / B step 3: A takes write(2), B takes stop"
    html_path = tmp_path / "two.html"
    assert main(["show", a, b, "--html", str(html_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^>> 3  write\(2\) +x 3  stop$", out, re.M)
    assert re.search(r"^   0  init +=  ?0  init$", out, re.M)
    assert "A: always no_two is VIOLATED" in out and "B: always_possible finishes is VIOLATED" in out
    data = _page_json(html_path.read_text())
    assert data["parted"] == 3 and data["rows"][3] == [3, 3, "action", ["frames", "cursor", "mode", "owner", "log"]]


def test_compare_marks_other_states_and_one_sided_steps():
    a = _chat_view("Chat", CHAT_PATH[:4])                    # send 0, 1, 2, deliver(1)
    b = _chat_view("Chat", [("send", 0), ("send", 1), ("drop", 0), ("send", 2), ("deliver", 1)])
    cmp = viewer.compare(a, b)
    assert [(r.a, r.b, r.kind) for r in cmp.rows] == [(0, 0, "same"), (1, 1, "same"), (2, 2, "same"),
                                                      (None, 3, "only_b"), (3, 4, "state"), (4, 5, "state")]
    assert cmp.rows[4].differs == ["net"]
    assert viewer.parting_line(cmp) == "they part at B step 3: B takes drop(0), which A does not take there"
    text = viewer.render_comparison(cmp, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "differ: net" in text


def test_compare_refuses_two_specs_and_single_trace_options(traces, capsys):
    a, b = traces["viewer_frames.buggy.no_two"], traces["mutex.buggy.mutual_exclusion"]
    assert "only traces of one spec can be compared" in _error(capsys, ["show", a, b])
    assert "--itf takes one trace" in _error(capsys, ["show", a, a, "--itf", "x.json"])


def test_page_marks_a_lasso_loop():
    """Rendering only: a trace whose `loop` is set (by the liveness checker, for a lasso) gets the loop row
    and the repeated steps marked on the page; other traces carry loop null."""
    view = _chat_view()
    assert _page_json(viewer.render_html(view))["loop"] is None
    view.trace.loop = 5
    assert _page_json(viewer.render_html(view))["loop"] == 5


def test_history_of_a_long_value_lists_only_the_elements_that_changed():
    assert all(not w.parts for w in viewer.history(_chat_view(), "net"))      # short values: shown whole
    stored = [p for p in STORED if ".focus_loss.export_rows_exact" in p]
    if not stored:
        pytest.skip("no stored focus_loss counterexample")
    frames = viewer.open_trace(stored[0])
    truth = viewer.history(frames, "truth")
    assert truth[1].parts and all(p.startswith("truth[") for p, _, _ in truth[1].parts)
    text = viewer.render_history(frames, "truth", width=80, unicode=False)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert re.search(r"^      truth\[\d\]: \(", text, re.M)


def test_page_carries_the_history_of_each_changed_element():
    """`#var=canon[2]` on the page: every element a step changes on its own, with its value at each step,
    agreeing with `show --var`."""
    stored = [p for p in STORED if ".focus_loss.export_rows_exact" in p]
    if not stored:
        pytest.skip("no stored focus_loss counterexample")
    view = viewer.open_trace(stored[0])
    paths = _page_json(viewer.render_html(view))["paths"]
    assert paths and all("[" in p for p in paths)
    for path, values in paths.items():
        changes = [i for i in range(1, len(values)) if values[i] != values[i - 1]]
        assert changes == [w.step for w in viewer.history(view, path)[1:]]
