"""interactive-gym dual-buffer rollback protocol (pyodide_multiplayer_game.js), one observer peer.

Ground truth: shared/protocol.md. `L1234` cites the JS file at 7bcf37f^ (pre73), `fix:L1234` at 7bcf37f
(phase73). Modelling notes and every ambiguity choice: docs/rollback-model.md.

Shape (protocol.md §11): peer A is modelled in full; partner B is an environment process that chooses its
inputs, sends them in packets carrying its last R inputs over a lossy unordered channel, and sends one
episode-end packet. Every A action is one atomic segment between two real yields (§6.2); the in-flight
locals of each activity (step's finalActions, the rollback's currentFrame/snapshotFrame/replay actions,
T2's target and program counter) are state variables.

Encodings: -1 means "absent / null" in every integer variable. Player 0 is A (the observer), player 1 is B.
Actions are 0 and 1; P = 2 is the prediction value (`default_action`), also chosen by idle players.

Frame bound: the frame arrays hold NE = N + E + max(frameRoom, partnerLag) frames (plus D input frames).
A steps while it has not detected its end (step_num >= max_steps, L2400) or while frameNumber <
localEndFrame + E; the end frame itself is not fixed (step_num trails frameNumber after a rollback from a
snapshot the replay overwrote with the restored step_num, §4.6.11, L4604-4611). A tick the protocol allows
but the arrays cannot hold sets the ghost `cut` and ends the run there: `cut` states are @terminal (not
deadlocks) and count as an end of the episode (`episode_exports`), so every verdict holds *within the
frame bound* named by the parameters N, E, frameRoom and partnerLag of its verdict line.
"""
import z3

from modelcheck import (Spec, Bool, IntRange, Enum, TupleOf, SetOf, SeqOf,
                        param, action, always, sometimes, eventually, leads_to, terminal)

A, B = 0, 1
P = 2                      # defaultAction: the prediction under action_population_method = default_action
NONE = -1
UNSENT = 3                 # ghost truth only: A executed the prediction for this frame and has sent no input for it
EP1 = 4                    # (episodes=2) an action a chosen in episode 1 is the value EP1 + a: 4, 5 (P is untagged)

T1PC = Enum("T1PC", ["idle", "rb1", "rb2", "ucf", "snap", "wstep", "posthash", "reset"])
T2PC = Enum("T2PC", ["none", "sleep", "rb1", "rb2", "ucf"])
FFPC = Enum("FFPC", ["none", "req", "batch"])
# T1PC: idle = no tick in progress (isProcessingTick false); rb1/rb2 = step awaits performRollback Y1/Y2;
# ucf = step awaits the confirmed-hash yield inside _updateConfirmedFrame; snap = awaits saveStateSnapshot's
# getState; wstep = awaits pre-hash + worker.step (merged: no state change between them); posthash = awaits
# the post-step hash; reset = (episodes=2) reset() awaits showEpisodeTransition and the start sync. T2PC: none = no _checkEpisodeSyncAndReset in flight; sleep = the 10 ms sleep;
# rb1/rb2 = Fix C performRollback Y1/Y2; ucf = the hash yield of T2's _updateConfirmedFrame.
# FFPC (_performFastForward, focusLoss only): none = no FF in flight; req = awaits _requestMissingInputs
# (L4735); batch = awaits worker.batch (L4815).


class _Work:
    """A copy-on-write working copy of a state, on which actions run the upstream code. Reads see the
    state; the first write to a variable copies that variable alone (a frame array's outer tuple, a set),
    and `done()` builds the successor from the written variables only. Frame rows stay tuples: a cell
    write replaces its row. (Copying every variable on every action took a third of the search time.)"""
    __slots__ = ("s", "w")

    def __init__(self, s):
        self.s, self.w = s, {}

    def __getitem__(self, k):
        w = self.w
        return w[k] if k in w else getattr(self.s, k)

    def __setitem__(self, k, v):
        """Replace a whole variable (a scalar, a tuple, or a set)."""
        self.w[k] = v

    def _mutable(self, k, kind):
        w = self.w
        v = w[k] if k in w else getattr(self.s, k)
        if type(v) is not kind:
            v = w[k] = kind(v)
        return v

    def put(self, k, i, v):
        """k[i] := v (a frame row must be a tuple)."""
        self._mutable(k, list)[i] = v

    def put2(self, k, i, j, v):
        """k[i][j] := v, for a frame array k."""
        rows = self._mutable(k, list)
        row = list(rows[i])
        row[j] = v
        rows[i] = tuple(row)

    def add(self, k, x):
        self._mutable(k, set).add(x)

    def discard(self, k, x):
        self._mutable(k, set).discard(x)

    def done(self):
        """The successor state: the state with the written variables replaced."""
        ch = {}
        for k, v in self.w.items():
            t = type(v)
            ch[k] = tuple(v) if t is list else frozenset(v) if t is set else v
        return self.s.set(**ch)


class Rollback(Spec):
    """GGPO rollback with dual-buffer recording (speculative -> canonical), observer peer A vs environment B."""

    working_copy = "_Work"   # `modelcheck prove` runs the actions on its symbolic twin of _Work (docs/symbolic.md)

    # ---- parameters --------------------------------------------------------------------------------
    N = param(3, IntRange(1, 6), "episode length max_steps (frames 0..N-1)")
    D = param(0, IntRange(0, 2), "input delay INPUT_DELAY (L913)")
    K = param(2, IntRange(1, 6), "snapshot interval snapshotInterval (L935)")
    R = param(1, IntRange(1, 4), "redundancy: a packet carries the last R local inputs (L881)")
    W = param(12, IntRange(1, 12), "prune window: pruneInputBuffer deletes keys < frameNumber-W (L5049); W >= N+E never prunes")
    E = param(1, IntRange(0, 3), "post-end frames: A and B may each step E frames past their own end frame")
    frameRoom = param(0, IntRange(0, 4),
                      "extra frames the arrays hold for a late local end (A's step_num trailing frameNumber, "
                      "§4.6.11); a tick beyond the arrays cuts the run (ghost `cut`, @terminal)")
    partnerLag = param(0, IntRange(0, 3), "B's end frame is chosen from N..N+partnerLag (B's own step_num lag)")
    lead = param(0, IntRange(0, 6),
                 "episode frames one peer may start ahead of the other (both tick at the same fps)")
    localChoices = param(1, IntRange(0, 4),
                         "what A's key sample can be: 0 {P} (idle), 1 {0}, 2 {0,1}, 3 {0,P}, 4 {0,1,P}")
    partnerChoices = param(1, IntRange(0, 4), "what B chooses, same coding as localChoices")
    maxLate = param(1, IntRange(0, 6),
                    "latency bound: a packet for frame t is delivered or lost before A starts frame t+maxLate+1")
    stateSyncSupported = param(True, Bool(), "validateStateSync result (L1748-1768); false = rollback no-op")
    latency = param(False, Bool(), "packets stay in flight and are delivered in any order (else at once, in order)")
    loss = param(False, Bool(), "in-flight packets (inputs and the end packet) may be lost")
    timeouts = param(True, Bool(), "the T2 confirmation timeout (inputConfirmationTimeoutMs, 500 ms default, "
                                   "L1321-1324) and the 2 s episode-end sync timeout (L7012-7019) may fire")
    predictPrevious = param(False, Bool(),
                            "action_population_method previous_submitted_action (else default_action)")
    focusLoss = param(False, Bool(), "A's tab may be hidden once and shown again; fast-forward (§4.12) on the next tick")
    maxSnapshots = param(0, IntRange(0, 4),
                         "maxSnapshots (30 upstream, L936), scaled down: saveStateSnapshot keeps the newest M by "
                         "insertion order (L4240-4251) and fast-forward purges snapshots < confirmedFrame-M "
                         "(L4902-4906); 0 = the cap never binds (at N=3 it cannot: 30 snapshots span 150 frames)")
    anyTimeout = param(False, Bool(),
                       "either timeout may fire at any time: with packets in flight, inputs still queued, while "
                       "A is hidden or fast-forwarding, and the 2 s sync timeout without loss (B's end packet late)")
    lateReply = param(False, Bool(),
                      "the _requestMissingInputs reply may come after its 3 s timeout (L4735): fast-forward "
                      "goes on without it and the reply is stored later (_handleInputResponse L5779-5806)")
    ordered = param(False, Bool(),
                    "counterfactual in-order channel (with latency): packets are delivered oldest first, the end "
                    "packet after B's inputs sent before it; upstream the DataChannel is ordered:false (L237-240)")
    hiddenFrames = param(2, IntRange(0, 4),
                         "while A is hidden (until its fast-forward is done) B may run this many frames further ahead")
    episodes = param(1, IntRange(1, 2),
                     "episodes played: 2 adds A's reset (L1779-1986) and a second episode that starts with what the "
                     "first left behind (queued packets, flags, in-flight tasks); actions chosen in episode 1 are "
                     "tagged (EP1 + a) so that a row of episode 1 holding an episode-0 action is untruthful")
    fixA = param(False, Bool(), "Fix A: no promotion while a rollback is pending or running", fix=True)
    fixB = param(False, Bool(), "Fix B: _updateConfirmedFrame returns while rollbackInProgress", fix=True)
    fixC = param(False, Bool(), "Fix C: _waitForInputConfirmation runs pending rollbacks", fix=True)
    fixD = param(False, Bool(), "Fix D: signalEpisodeComplete warns on a pending rollback (warn only)", fix=True)
    # The truthful change set (issue 13; docs/truthful-fix.md gives each as a JavaScript patch)
    fixE = param(False, Bool(), "Fix E: promote a record only if its actions equal the confirmed inputs; the "
                                "boundary exports a record that does not as a row marked unconfirmed", fix=True)
    fixF = param(False, Bool(), "Fix F: fast-forward waits for the tick lock and running rollbacks, marks its "
                                "predicted frames and stores the catch-up inputs it sends", fix=True)
    fixG = param(False, Bool(), "Fix G: step no longer discards a pending rollback (L2145)", fix=True)
    fixH = param(False, Bool(), "Fix H: the boundary flush and export filter keep the episode's end frame "
                                "(read before _clearEpisodeSyncState)", fix=True)
    fixI = param(False, Bool(), "Fix I: _waitForInputConfirmation drains first and waits until every frame up to "
                                "the target is confirmed and no rollback is pending or running", fix=True)
    fixJ = param(False, Bool(), "Fix J: the 2 s sync timeout goes through the confirmation wait", fix=True)
    fixK = param(False, Bool(), "Fix K: storeRemoteInput detects a misprediction of any predicted frame, also "
                                "while a rollback or fast-forward runs", fix=True)
    fixL = param(False, Bool(), "Fix L: performRollback looks up its snapshot before clearing anything; with "
                                "none it clears nothing", fix=True)
    fixM = param(False, Bool(), "Fix M: input and end packets carry the episode number; another episode's are "
                                "ignored", fix=True)

    variants = {
        "pre73": {"fixA": False, "fixB": False, "fixC": False, "fixD": False},
        "phase73": {"fixA": True, "fixB": True, "fixC": True, "fixD": True},
        "truthful": {"fixA": True, "fixB": True, "fixC": True, "fixD": True, "fixE": True, "fixF": True,
                     "fixG": True, "fixH": True, "fixI": True, "fixJ": True, "fixK": True, "fixL": True,
                     "fixM": True},
    }
    matrix = {"variants": ["pre73", "fixA", "fixB", "fixC", "fixD", "phase73"],
              "scenarios": ["idle", "idle_latency", "active", "active_latency", "active_loss", "focus_loss"]}
    matrices = {
        # the mechanisms of issue 16, one scenario each (docs/rollback-model.md, "Mechanisms")
        "mechanisms": {"variants": ["pre73", "fixA", "fixB", "fixC", "fixD", "phase73"],
                       "scenarios": ["snapshot_cap", "any_timeout", "any_timeout_hidden", "late_reply",
                                     "inorder_latency", "inorder_loss"]},
        # two episodes (docs/rollback-model.md, "A second episode"): reset and the next episode's start with
        # what the first leaves behind, on the scenarios where something is left (active: B's post-end
        # packets; latency: episode-0 packets in flight at A's reset; loss; any_timeout: B's episode-0 end
        # packet after the sync timeout; focus_loss: an episode-0 fast-forward in flight). R=2 so that
        # B's post-end packets also carry its last episode frame (upstream R=10 carries nine). A matrix
        # parameter, not scenarios of their own: `modelcheck ablate` runs every scenario.
        "episodes": {"variants": ["pre73", "fixA", "fixB", "fixC", "fixD", "phase73"],
                     "scenarios": ["active", "active_latency", "active_loss", "any_timeout", "focus_loss"],
                     "params": {"episodes": 2, "R": 2}},
        # raised bounds for the two commits, sized to finish in about 30 minutes on the 2-core machine
        # (README, "The deep matrix"); one peer and one episode, as everywhere in this spec
        "deep": {"variants": ["pre73", "phase73"],
                 "scenarios": ["idle", "idle_latency", "active", "active_latency", "active_loss", "focus_loss"],
                 "params": {"N": 4, "K": 3, "R": 2, "E": 2, "maxLate": 2}},
        # the deep bounds with two episodes, where they fit: active only (README, "A second episode"; a
        # matrix of its own because a matrix sets one parameter set for all its cells)
        "deep_episodes": {"variants": ["pre73", "phase73"], "scenarios": ["active"],
                          "params": {"N": 4, "K": 3, "R": 2, "E": 2, "maxLate": 2, "episodes": 2}},
        # the truthful change set (issue 13, docs/truthful-fix.md) in every scenario of the default and
        # mechanisms matrices, and at the deep matrix's bounds
        "truthful": {"variants": ["truthful"],
                     "scenarios": ["idle", "idle_latency", "active", "active_latency", "active_loss", "focus_loss",
                                   "snapshot_cap", "any_timeout", "any_timeout_hidden", "late_reply",
                                   "inorder_latency", "inorder_loss"]},
        "truthful_deep": {"variants": ["truthful"],
                          "scenarios": ["idle", "idle_latency", "active", "active_latency", "active_loss",
                                        "focus_loss"],
                          "params": {"N": 4, "K": 3, "R": 2, "E": 2, "maxLate": 2}},
        "truthful_episodes": {"variants": ["truthful"],
                              "scenarios": ["active", "active_latency", "active_loss", "any_timeout", "focus_loss"],
                              "params": {"episodes": 2, "R": 2}},
    }
    # Named after the Phase-73 end-to-end tests (docs/rollback-model.md maps each row to its test).
    scenarios = {
        "idle": {"localChoices": 0, "partnerChoices": 0, "latency": False, "loss": False},
        "idle_latency": {"localChoices": 0, "partnerChoices": 0, "latency": True, "loss": False},
        "active": {"localChoices": 1, "partnerChoices": 1, "latency": False, "loss": False},
        "active_latency": {"localChoices": 1, "partnerChoices": 1, "latency": True, "loss": False},
        "active_loss": {"localChoices": 1, "partnerChoices": 1, "latency": True, "loss": True, "R": 2},
        # active plus one hide/show of A's tab and the fast-forward that follows (§4.12, §4.13, §6.4); without
        # latency to stay small (-p latency=true: about 10x the states). FF moves frameNumber past N with no
        # cap at max_steps (§4.12.3), so A's end comes late: frameRoom=2 lets nearly every such run finish.
        "focus_loss": {"localChoices": 1, "partnerChoices": 1, "latency": False, "loss": False, "focusLoss": True,
                       "frameRoom": 2},
        # mechanisms each behind its own parameter (docs/rollback-model.md, "Mechanisms"), one scenario each:
        # the snapshot cap (1 snapshot kept) and fast-forward's purge, on focus_loss
        "snapshot_cap": {"localChoices": 1, "partnerChoices": 1, "latency": False, "loss": False, "focusLoss": True,
                         "frameRoom": 2, "maxSnapshots": 1},
        # timeouts at any time: with packets in flight and inputs queued (active_latency) ...
        "any_timeout": {"localChoices": 1, "partnerChoices": 1, "latency": True, "loss": False, "anyTimeout": True},
        # ... and while A is hidden or fast-forwarding (focus_loss)
        "any_timeout_hidden": {"localChoices": 1, "partnerChoices": 1, "latency": False, "loss": False,
                               "focusLoss": True, "frameRoom": 2, "anyTimeout": True},
        # the _requestMissingInputs reply after its 3 s timeout (focus_loss)
        "late_reply": {"localChoices": 1, "partnerChoices": 1, "latency": False, "loss": False, "focusLoss": True,
                       "frameRoom": 2, "lateReply": True},
        # an in-order channel with delay (and loss) beside the reordering one
        "inorder_latency": {"localChoices": 1, "partnerChoices": 1, "latency": True, "loss": False, "ordered": True},
        "inorder_loss": {"localChoices": 1, "partnerChoices": 1, "latency": True, "loss": True, "R": 2,
                         "ordered": True},
    }

    # ---- derived bounds ----------------------------------------------------------------------------
    @property
    def NE(self):          # the frames the arrays hold for stepping: 0..NE-1
        return self.N + self.E + max(self.frameRoom, self.partnerLag)

    @property
    def F(self):           # frames that can carry an input (target frame = frameNumber + D)
        return self.NE + self.D

    CHOICE_SETS = [(P,), (0,), (0, 1), (0, P), (0, 1, P)]

    def acts(self, p):
        return self.CHOICE_SETS[self.localChoices if p == A else self.partnerChoices]

    # ---- state -------------------------------------------------------------------------------------
    def variables(self):
        F, NE = self.F, self.NE
        top = EP1 + 1 if self.episodes > 1 else P                # the largest action value (tagged, episode 1)
        act = IntRange(-1, top)
        row = TupleOf(act, 2)
        frames = TupleOf(row, F)
        fr = IntRange(-1, F)
        return {
            # ghost: Truth[f][p], the first value p stored by storeLocalInput for frame f (§8); UNSENT (A only)
            # while A has executed frame f with its own action predicted and sent nothing for it
            "truth": TupleOf(TupleOf(IntRange(-1, max(UNSENT, top)), 2), F),
            # peer A, protocol.md §2
            "frameNumber": IntRange(0, NE),
            "step_num": IntRange(0, 3 * F + 2),          # can run ahead of frameNumber (L4627 `+=`, FF L4887)
            "confirmedFrame": fr,
            "pendingRollbackFrame": fr,
            "rollbackInProgress": Bool(),
            "inputBuffer": frames,                       # inputBuffer[f][p], -1 = no key / no entry
            "predictedFrames": SetOf(list(range(F))),
            "used": frames,                              # first actionSequence record per frame
            "spec": frames,                              # speculativeFrameData[f].actions
            "canon": frames,                             # frameDataBuffer[f].actions
            # ghost: the first untruthful action ever written into frameDataBuffer[f][p] (-1: none yet).
            # P1 asks whether the canonical buffer EVER holds a wrong action; in protocol.md §9 the wrong
            # entry is promoted, exported and cleared inside one atomic T2 task, so a check between
            # segments alone would never see it. Every write is checked here, when it happens.
            "badCanon": frames,
            "snapshots": TupleOf(IntRange(-1, 3 * F + 2), F),   # stateSnapshots[f].step_num, -1 = no snapshot
            "snapOrder": SeqOf(IntRange(0, F - 1), F),   # stateSnapshots keys in Map insertion order (maxSnapshots only)
            "hashed": SetOf(list(range(F))),             # confirmedHashHistory keys
            "lastConfirmed": row,                        # lastConfirmedActions (previous_submitted_action only)
            # pendingInputPackets, as the set of B input frames, each tagged with B's episode at sending
            # (f + F*e, see _pack): the packets carry no episode number (§3), so reset's leftovers are
            # drained into the next episode, and the tag only tells the ghost which Truth they carry
            "queue": SetOf(list(range(F * self.episodes))),
            "localEndFrame": fr,                         # p2pEpisodeSync.localEpisodeEndFrame (-1: not detected)
            "remoteEndFrame": fr,                        # p2pEpisodeSync.remoteEpisodeEndFrame (-1: not received)
            "aEnd": fr,                                  # ghost L_A: localEndFrame, not cleared before export
            "exported": Bool(),                          # signalEpisodeComplete ran (episodeComplete)
            "exportRows": frames,                        # the rows exportEpisodeDataFromBuffer emitted
            # Fix E: the exported row f is marked unconfirmed (0: not marked; ghost, judged at the export: 1 =
            # A could not know or correct it then, `_unknowable_at_export`; 2 = A could have)
            "exportUnconf": TupleOf(IntRange(0, 2), F),
            "cut": Bool(),                               # ghost: a tick beyond the frame arrays ended the run
            # T1: the tick activity (step or fast-forward) and its locals
            "isProcessingTick": Bool(),                  # L5630, cleared by phaser:L413 and FF's finally L5582
            "t1": T1PC,
            "t1Frame": fr,                               # saveStateSnapshot's frame / _updateConfirmedFrame's loop frame
            "finalActions": row,
            # T2: _checkEpisodeSyncAndReset -> _waitForInputConfirmation and its locals
            "t2": T2PC,
            "t2Site": IntRange(0, 3),                    # Fix C call site of the in-flight rollback (1..3)
            "t2Target": fr,
            "t2Frame": fr,
            # performRollback locals, one slot per activity (index 0 = T1, 1 = T2)
            "rbCurrent": TupleOf(fr, 2),
            "rbSnapshot": TupleOf(fr, 2),
            "rbSnapStep": TupleOf(IntRange(-1, 3 * F + 2), 2),   # the snapshot's step_num, read before Y1
            "rbActions": TupleOf(frames, 2),
            "rbFixes": TupleOf(Bool(), 2),               # the replay replaces a mispredicted B action by the truth
            "corrected": Bool(),                         # ghost: some rollback's replay did that (rollback_corrects)
            # focus loss and fast-forward (focusLoss only; constant otherwise)
            "hidden": Bool(),                            # focusManager isBackgrounded (visibilitychange)
            "wasHidden": Bool(),                         # one hide/show per episode
            "pendingFF": Bool(),                         # _pendingFastForward (L1223, consumed L5573)
            "bgBuffer": SetOf(list(range(F))),           # focusManager.backgroundInputBuffer, packets by newest frame
            "ff": FFPC,
            "ffStart": fr,                               # FF's first frame (frameNumber when the FF frames are built)
            "ffMax": fr,                                 # FF's maxFrame (L4663-4699)
            "ffActions": frames,                         # the FF frames' actions (getInputsForFrame(f, false))
            "lateReply": SetOf(list(range(F * self.episodes))),   # frames of a _requestMissingInputs reply
                                                         # still coming (lateReply), tagged like queue
            # environment B and the network
            "bFrame": IntRange(0, NE),                   # B's frameNumber (frames B has stepped)
            "bEnd": IntRange(-1, NE),                    # L_B: B's frameNumber when it detected its end (-1: not yet)
            "net": SetOf(list(range(F))),                # in-flight input packets, named by their newest frame
            "endInFlight": Bool(),                       # B's episode-end packet is in flight
            # second episode (episodes=2; constant otherwise)
            "ep": IntRange(0, self.episodes - 1),        # A's episode (num_episodes), advanced by reset()
            "bEp": IntRange(0, self.episodes - 1),       # B's episode: B starts episode 1 with A (start sync)
            "oldB": TupleOf(IntRange(-1, P), F),         # ghost: B's episode-0 Truth, kept for its late packets
        }

    def init(self):
        F = self.F
        empty = ((NONE, NONE),) * F
        # frames < D: nobody chooses; both peers execute the prediction (§8)
        truth = tuple((P, P) if f < self.D else (NONE, NONE) for f in range(F))
        yield self.State(
            truth=truth, frameNumber=0, step_num=0, confirmedFrame=-1, pendingRollbackFrame=NONE,
            rollbackInProgress=False, inputBuffer=empty, predictedFrames=frozenset(), used=empty,
            spec=empty, canon=empty, badCanon=empty, snapshots=(NONE,) * F, snapOrder=(), hashed=frozenset(), lastConfirmed=(NONE, NONE),
            queue=frozenset(), localEndFrame=NONE, remoteEndFrame=NONE, aEnd=NONE, exported=False,
            exportRows=empty, exportUnconf=(0,) * F, cut=False,
            isProcessingTick=False, t1=T1PC.idle, t1Frame=NONE, finalActions=(NONE, NONE),
            t2=T2PC.none, t2Site=0, t2Target=NONE, t2Frame=NONE,
            rbCurrent=(NONE, NONE), rbSnapshot=(NONE, NONE), rbSnapStep=(NONE, NONE), rbActions=(empty, empty),
            rbFixes=(False, False), corrected=False,
            hidden=False, wasHidden=False, pendingFF=False, bgBuffer=frozenset(), ff=FFPC.none,
            ffStart=NONE, ffMax=NONE, ffActions=empty, lateReply=frozenset(),
            bFrame=0, bEnd=NONE, net=frozenset(), endInFlight=False, ep=0, bEp=0, oldB=(NONE,) * F)

    @property
    def _empty(self):
        """A frame array with no value in any cell."""
        return ((NONE, NONE),) * self.F

    # ---- episodes (episodes=2): tagged values and packets ------------------------------------------
    def _tag(self, a, e):
        """The value of action a chosen in episode e: a real action of episode 1 is EP1 + a (P is untagged)."""
        return a + EP1 if e and a in (0, 1) else a

    def _pack(self, f, e):
        """A queued input for frame f sent by B in its episode e (an element of queue / lateReply)."""
        return f + self.F * e

    def _b_truth(self, m, f, e):
        """B's true input for frame f of its episode e: Truth while A is in that episode, else the ghost
        oldB (B's episode-0 choices, for its packets that reach A after A's reset)."""
        return m["truth"][f][B] if e == m["ep"] else m["oldB"][f]

    def _resetting(self, m):
        """A is inside reset() (episodes=2): between clearGGPOState and the next episode's start."""
        return m["t1"] == T1PC.reset

    # ---- upstream routines (synchronous pieces), on the working copy --------------------------------
    def _synced(self, m):
        """_updateSyncedTerminationFrame, L7099-7127: min of the known end frames (derived, not stored)."""
        l, r = m["localEndFrame"], m["remoteEndFrame"]
        if l >= 0 and r >= 0:
            return min(l, r)
        return l if l >= 0 else r

    def _predicted(self, m, p):
        """getPredictedAction, L4138-4150."""
        if self.predictPrevious and m["lastConfirmed"][p] != NONE:
            return m["lastConfirmed"][p]
        return P

    def _inputs_for_frame(self, m, f, track):
        """getInputsForFrame, L4166-4194: confirmed input, else the prediction; returns (actions, anyPredicted)."""
        out, missing = [], False
        for p in (A, B):
            v = m["inputBuffer"][f][p]
            if v != NONE:
                if self.predictPrevious:
                    m.put("lastConfirmed", p, v)                     # L4179
                out.append(v)
            else:
                out.append(self._predicted(m, p))
                missing = True
        if missing and track:
            m.add("predictedFrames", f)                              # L4190-4192
        return out, missing

    def _has_all(self, m, f):
        """_hasAllInputsForFrame, L2770-2780."""
        return 0 <= f < self.F and all(v != NONE for v in m["inputBuffer"][f])

    def _store_remote(self, m, f, action):
        """storeRemoteInput, L4014-4101 (player B)."""
        if m["inputBuffer"][f][B] != NONE:
            return                                                   # L4028-4032: first write wins
        m.put2("inputBuffer", f, B, action)
        if self.predictPrevious:
            m.put("lastConfirmed", B, action)                        # L4038
        if m["rollbackInProgress"] and not self.fixK:
            return                                                   # L4045-4048: no detection
        if (f < m["frameNumber"] or self.fixK) and f in m["predictedFrames"]:
            rec = m["used"][f]
            if rec[0] == NONE or rec[B] != action:                   # L4054-4093
                pr = m["pendingRollbackFrame"]
                m["pendingRollbackFrame"] = f if pr == NONE else min(pr, f)

    def _packet_frames(self, t):
        """The inputs a packet sent for target frame t carries: recentInputs.slice(-R) (L881)."""
        return range(max(self.D, t - self.R + 1), t + 1)

    def _process_queued(self, m):
        """_processQueuedInputs, L6903-6928: drain the queue into storeRemoteInput unless a rollback runs."""
        if m["rollbackInProgress"]:
            return                                                   # L6905
        items, m["queue"] = sorted(m["queue"]), set()
        # (episodes=2) the queue is FIFO, so B's episode-0 inputs left queued by reset come first: the
        # packed value f + F*e sorts them first (they all arrived before B started episode 1).
        # Under default_action the order is irrelevant: first-write-wins and min() commute. Under
        # predictPrevious it is not: lastConfirmed[B] ends as the value of the last input stored (L4038),
        # and the queue (a set) is always drained in ascending frame order, i.e. as if packets had arrived
        # in order. Reordered arrival under predictPrevious is not explored (docs: choice 1).
        for x in items:
            f, e = x % self.F, x // self.F
            if self.fixM and e != m["ep"]:
                continue                                             # Fix M: another episode's input
            self._store_remote(m, f, self._b_truth(m, f, e))

    def _prune(self, m):
        """pruneInputBuffer, L5045-5072: delete keys < frameNumber-W and the same predictedFrames entries.
        The size cap (120) never binds in these bounds."""
        for f in range(min(self.F, max(0, m["frameNumber"] - self.W))):
            if m["inputBuffer"][f] != (NONE, NONE):
                m.put("inputBuffer", f, (NONE, NONE))
                m.discard("predictedFrames", f)

    def _promote(self, m):
        """_promoteConfirmedFrames, L2830-2848 (+ Fix A, fix:L2837-2845)."""
        if self.fixA and (m["pendingRollbackFrame"] != NONE or m["rollbackInProgress"]):
            return
        cf = m["confirmedFrame"]
        for f in range(self.F):
            if m["spec"][f][0] != NONE and f <= cf:
                if self.fixE and not self._verified(m, f):
                    continue                                         # Fix E: stays speculative
                self._write_canon(m, f, m["spec"][f])                # L2836: set, overwrites
                m.put("spec", f, (NONE, NONE))

    def _unknowable_at_export(self, m, f):
        """Ghost, for export_truthful: at this export A could not know frame f's truth or could not correct
        its record. B's input for f is neither in A's inputBuffer nor waiting in A's queue (every copy lost,
        or the partner late past the timeout), or no snapshot at or before f is left to re-simulate it from.
        A's own input never counts: A always knows what it chose or sent."""
        return ((m["inputBuffer"][f][B] == NONE and self._pack(f, m["ep"]) not in m["queue"])
                or all(m["snapshots"][g] == NONE for g in range(f + 1)))

    def _verified(self, m, f):
        """Fix E's test: the speculative record's actions equal the confirmed input of every human."""
        return m["spec"][f] == m["inputBuffer"][f]

    def _write_canon(self, m, f, rec):
        """frameDataBuffer[f] := rec, and the ghost badCanon records the first untruthful action written."""
        m.put("canon", f, tuple(rec))
        if f in self._frames_checked():
            for p in (A, B):
                if not self._ok(rec[p], m["truth"][f][p], p, m["ep"]) and m["badCanon"][f][p] == NONE:
                    m.put2("badCanon", f, p, rec[p])

    def _mark_unsent(self, m, f):
        """Ghost: A's env executes frame f with A's own action predicted (defaultAction) and A has stored no
        input for f. This happens when fast-forward moves frameNumber under a suspended step (§6.4): the
        step stored its local input for the old frame and simulates the new one. A sends nothing for f,
        so B predicts defaultAction too: like frames < D (§8), Truth is defaultAction until A stores an
        input for f (possible only after a rewind), which B would then keep."""
        if m["inputBuffer"][f][A] == NONE and m["truth"][f][A] == NONE:
            m.put2("truth", f, A, UNSENT)

    def _put_snapshot(self, m, f, step_num):
        """stateSnapshots.set(f, ...): a new key goes last in the Map's insertion order, an existing one
        keeps its place (the order is kept only when maxSnapshots binds)."""
        if self.maxSnapshots and m["snapshots"][f] == NONE:
            m["snapOrder"] = m["snapOrder"] + (f,)
        m.put("snapshots", f, step_num)

    def _drop_snapshot(self, m, f):
        m.put("snapshots", f, NONE)
        m["snapOrder"] = tuple(g for g in m["snapOrder"] if g != f)

    def _cap_snapshots(self, m):
        """saveStateSnapshot's prune, L4240-4251: delete the oldest keys (insertion order) beyond M."""
        while self.maxSnapshots and len(m["snapOrder"]) > self.maxSnapshots:
            self._drop_snapshot(m, m["snapOrder"][0])

    def _ucf_start(self, m):
        """_updateConfirmedFrame, L2787-2803 (+ Fix B, fix:L2788-2793): returns None when done, else the
        frame whose confirmed-hash await is pending."""
        if self.fixB and m["rollbackInProgress"]:
            return None
        start = m["confirmedFrame"] + 1
        keys = [f for f in range(self.F) if m["inputBuffer"][f] != (NONE, NONE)]
        if keys and start < keys[0]:
            start = keys[0]                                          # L2797-2803 skip-ahead
        return self._ucf_loop(m, start)

    def _ucf_loop(self, m, frame):
        """_updateConfirmedFrame loop, L2805-2822; frameNumber is re-read every iteration."""
        while frame < m["frameNumber"]:
            if not self._has_all(m, frame):
                break
            m["confirmedFrame"] = frame
            m.discard("predictedFrames", frame)
            # _computeAndStoreConfirmedHash, L2955-3018: a real yield only at a snapshot frame not yet hashed
            if self.stateSyncSupported and m["snapshots"][frame] != NONE and frame not in m["hashed"]:
                return frame
            frame += 1
        self._promote(m)                                             # L2822
        return None

    def _rollback_start(self, m, th, target):
        """performRollback entry to Y1, L4322-4387. Returns True when it reached Y1 (await setState)."""
        current = m["frameNumber"]                                   # L4324
        if not self.stateSyncSupported:
            return False                                             # L4332-4335
        snaps = [f for f in range(0, min(target, self.F - 1) + 1) if m["snapshots"][f] != NONE]
        if self.fixL and not snaps:
            return False                                             # Fix L: findBestSnapshot first
        m["rollbackInProgress"] = True                               # L4338, no re-entrancy check
        m["hashed"] = {f for f in m["hashed"] if f < target}         # L4342-4358
        for f in range(target, self.F):                              # clearFrameDataFromRollback L3490-3504
            m.put("spec", f, (NONE, NONE))
            m.put("canon", f, (NONE, NONE))
        m["confirmedFrame"] = min(m["confirmedFrame"], target - 1)   # L4366
        if not snaps:                                                # findBestSnapshot L4261-4269 -> -1
            m["rollbackInProgress"] = False                          # finally L4650
            return False
        m.put("rbCurrent", th, current)
        m.put("rbSnapshot", th, snaps[-1])
        m.put("rbSnapStep", th, m["snapshots"][snaps[-1]])          # loadStateSnapshot reads it before its await
        return True

    def _rollback_y1(self, m, th):
        """performRollback Y1->Y2, L4387-4543: restore step_num, rebuild predictedFrames/actionSequence and
        the replay actions."""
        cur, snap = m["rbCurrent"][th], m["rbSnapshot"][th]
        m["step_num"] = m["rbSnapStep"][th]                          # loadStateSnapshot L4296-4304
        old_used = tuple(m["used"])
        m["predictedFrames"] = {f for f in m["predictedFrames"] if f < snap}   # L4401-4405
        for g in range(snap, self.F):                                # L4424 keep records < snapshotFrame
            m.put("used", g, (NONE, NONE))
        fixes = False
        acts = list(self._empty)
        for g in range(snap, cur):
            self._mark_unsent(m, g)
            a, missing = self._inputs_for_frame(m, g, False)
            if missing:
                m.add("predictedFrames", g)                          # L4462 re-mark
            m.put("used", g, tuple(a))                               # L4491
            acts[g] = tuple(a)
            t = m["truth"][g][B]
            if old_used[g][B] != NONE and old_used[g][B] != t and a[B] == t:
                fixes = True
        m.put("rbActions", th, tuple(acts))
        m.put("rbFixes", th, fixes)

    def _rollback_y2(self, m, th):
        """performRollback after Y2, L4550-4650: snapshots, step_num, speculative re-store, frameNumber."""
        cur, snap = m["rbCurrent"][th], m["rbSnapshot"][th]
        for g in range(snap, cur):
            if g % self.K == 0:
                self._put_snapshot(m, g, m["step_num"])              # L4604-4611: still the restored value
        m["step_num"] = m["step_num"] + (cur - snap)   # L4627
        for g in range(snap, cur):
            m.put("spec", g, m["rbActions"][th][g])               # L4630-4640, no termination check
        if m["rbFixes"][th]:
            m["corrected"] = True
        m["frameNumber"] = cur                                       # L4644
        m["rollbackInProgress"] = False                              # L4650 finally
        m.put("rbCurrent", th, NONE)
        m.put("rbSnapshot", th, NONE)
        m.put("rbSnapStep", th, NONE)
        m.put("rbActions", th, self._empty)
        m.put("rbFixes", th, False)

    def _signal_complete(self, m, end=NONE):
        """signalEpisodeComplete, L3608-3655: _promoteRemainingAtBoundary, export, clear both buffers
        (_emitEpisodeDataFromBuffer L3662-3692; with 0 rows it returns at L3669-3672, before the clear).
        Fix D (fix:L3658-3667) only logs console.warn, so it changes no state. Both callers have run
        _clearEpisodeSyncState first, so T is null here (choice 12); under Fix H `end` is the end frame
        they read before clearing it."""
        T = self._synced(m) if end == NONE else end
        unconf = [0] * self.F
        rows = list(self._empty)
        for f in range(self.F):                                      # _promoteRemainingAtBoundary L2916-2946
            if m["spec"][f][0] != NONE and not (T >= 0 and f >= T):
                if self.fixE and not self._verified(m, f):
                    if m["canon"][f][0] == NONE:                     # Fix E: exported, marked unconfirmed
                        rows[f] = m["spec"][f]
                        unconf[f] = 1 if self._unknowable_at_export(m, f) else 2
                    continue
                self._write_canon(m, f, m["spec"][f])
        m["spec"] = self._empty
        for f in range(self.F):                                      # exportEpisodeDataFromBuffer L3511-3606
            if m["canon"][f][0] != NONE and not (T >= 0 and f >= T):
                rows[f] = m["canon"][f]
        if self.fixE:
            m["exportUnconf"] = tuple(unconf)
        m["exportRows"] = tuple(rows)
        m["exported"] = True
        if all(r[0] == NONE for r in rows):                          # _emitEpisodeDataFromBuffer L3669-3672:
            return                                                   # 0 rows, return before the clear
        m["canon"] = self._empty                                     # L3690-3691

    def _finish_t2(self, m):
        """_checkEpisodeSyncAndReset, L7055-7059: _clearEpisodeSyncState, episodeComplete, signal."""
        end = self._synced(m) if self.fixH else NONE                 # Fix H: read before the clear
        m["localEndFrame"] = NONE                                    # _clearEpisodeSyncState L7062-7097
        m["remoteEndFrame"] = NONE
        m["t2"], m["t2Site"], m["t2Target"], m["t2Frame"] = T2PC.none, 0, NONE, NONE
        self._signal_complete(m, end)

    def _t2_rollback(self, m, site):
        """Fix C (fix:L2888-2893, L2908-2917, L2931-2937): take pendingRollbackFrame and performRollback.
        Returns True when T2 now awaits Y1."""
        if not (self.fixC and m["pendingRollbackFrame"] != NONE):
            return False
        r = m["pendingRollbackFrame"]
        m["pendingRollbackFrame"] = NONE
        if self._rollback_start(m, 1, r):
            m["t2"], m["t2Site"] = T2PC.rb1, site
            return True
        return False

    def _t2_confirm(self, m):
        """_waitForInputConfirmation success path: await _updateConfirmedFrame, return true."""
        fr = self._ucf_start(m)
        if fr is not None:
            m["t2"], m["t2Frame"] = T2PC.ucf, fr
            return
        self._finish_t2(m)

    def _t2_after_site(self, m, site):
        """Continue T2 after a Fix C rollback returned (or was not needed) at call site 1, 2 or 3."""
        if site == 1:
            self._t2_confirm(m)
        elif site == 2:
            if self._t2_confirmed(m, m["t2Target"]):
                self._t2_confirm(m)
            else:
                m["t2"], m["t2Site"] = T2PC.sleep, 0                 # await sleep(10) L2896
        else:
            self._finish_t2(m)                                       # warn "data may diverge", return false

    def _t2_confirmed(self, m, target):
        """_waitForInputConfirmation's success test: _hasAllInputsForFrame(target); under Fix I every frame
        D..target has all its inputs and no rollback is pending or running."""
        if not self.fixI:
            return self._has_all(m, target)
        return (all(self._has_all(m, f) for f in range(self.D, target + 1))
                and m["pendingRollbackFrame"] == NONE and not m["rollbackInProgress"])

    def _t2_loop_body(self, m):
        """_waitForInputConfirmation loop body, L2884-2896."""
        self._process_queued(m)                                      # L2885
        if self._t2_rollback(m, 2):
            return
        self._t2_after_site(m, 2)

    def _check_sync_and_reset(self, m):
        """_checkEpisodeSyncAndReset, L7024-7053, spawned without await: runs inline to its first yield."""
        # `t2 != none` is not in L7024-7053. In one episode it cannot trigger: this runs only when a flag is
        # first set (step_tail: localEndFrame was -1; deliver_end: the one end packet), so the second of the
        # two callers is the only one that gets past the flag test. With episodes=2 it can: B's episode-0
        # end packet handled inside A's reset leaves remoteEpisodeEndReceived set (reset cleared the flags
        # before it arrived), A's episode-1 end starts T2 at once, and B's episode-1 end packet starts a
        # second T2 (L6980). The model has one T2 slot: that second T2 is not modelled (docs, "Not modelled").
        if m["localEndFrame"] == NONE or m["remoteEndFrame"] == NONE or m["t2"] != T2PC.none:
            return
        synced = self._synced(m)
        target = (synced if synced >= 0 else m["frameNumber"]) - 1   # L2864, computed once
        m["t2Target"] = target
        if not self.fixI and self._has_all(m, target):               # L2872-2876: queues not drained here
            if self._t2_rollback(m, 1):
                return
            self._t2_after_site(m, 1)
        else:
            self._t2_loop_body(m)

    def _t1_after_rollback(self, m):
        """step, L2206 onwards: _updateConfirmedFrame, then the frame prefix up to the next yield."""
        fr = self._ucf_start(m)
        if fr is not None:
            m["t1"], m["t1Frame"] = T1PC.ucf, fr
            return
        self._t1_after_ucf(m)

    def _t1_after_ucf(self, m):
        """step, L2209-L2304: getInputsForFrame(track), finalActions, actionSequence, snapshot/hash yields."""
        fn = m["frameNumber"]
        self._mark_unsent(m, fn)
        acts, _ = self._inputs_for_frame(m, fn, True)                # L2216
        m["finalActions"] = tuple(acts)                              # L2241-2253
        if m["used"][fn][0] == NONE:                                 # L2264: only the first record counts
            m.put("used", fn, tuple(acts))
        if fn % self.K == 0 and self.stateSyncSupported:
            m["t1"], m["t1Frame"] = T1PC.snap, fn                    # await saveStateSnapshot(fn) L2282
        else:
            m["t1"], m["t1Frame"] = T1PC.wstep, NONE                 # await computeHash (f<100) L2290

    # ---- actions: peer A, tick activity T1 (step) ---------------------------------------------------
    def _live(self, s):
        """Neither final: not exported in the last episode and not cut by the frame bound."""
        return not (s.exported and s.ep == self.episodes - 1) and not s.cut

    def _in_time(self, s):
        """Bounded latency (param maxLate): A does not start frame fn while a packet sent for a frame
        older than fn-maxLate (or the end packet, sent at B's end frame) is still in flight."""
        if not self.latency:
            return True
        lim = s.frameNumber - self.maxLate
        return all(t >= lim for t in s.net) and not (s.endInFlight and s.bEnd < lim)

    def _tick_steps(self, s):
        """_handleWorkerTick L5549-5639 reaches tickCallback -> step: A is shown, no fast-forward is
        pending, isProcessingTick is clear, and the model's one step slot is free (two overlapping steps,
        possible through the FF tick hole, are not modelled: docs). Timing: the tick comes at most `lead`
        frames ahead of B while neither peer has detected its end, and after a packet older than maxLate
        frames was delivered; after its end A steps E post-end frames (T2 waits meanwhile)."""
        return (self._live(s) and not s.exported and s.t1 == T1PC.idle and not s.isProcessingTick and not s.hidden
                and not s.pendingFF and self._in_time(s)
                and (s.localEndFrame != NONE or s.bEnd != NONE or s.frameNumber <= s.bFrame + self.lead)
                and (s.localEndFrame == NONE or s.frameNumber < s.localEndFrame + self.E))

    @action(fair="weak", over=lambda self: self.acts(A), guard=lambda self, s, a: self._tick_steps(s))
    def step(self, s, a):
        """step, L2145-L2202: clear stale flag, drain queues, store and send local input, take pending rollback.
        Runs on to the first real yield (performRollback Y1, a confirmed-hash await, the snapshot or
        pre-hash await). `a` is the local key sample (buildPyodideActionDict, phaser:L456-539).
        A tick for a frame the arrays cannot hold (frameNumber >= NE) cuts the run instead (ghost `cut`)."""
        if s.frameNumber >= self.NE:
            return s.set(cut=True)
        m = _Work(s)
        m["isProcessingTick"] = True                                 # L5630
        if not self.fixG:
            m["pendingRollbackFrame"] = NONE                         # L2145 unconditional (Fix G: removed)
        self._process_queued(m)                                      # L2149
        f = m["frameNumber"] + self.D                                # storeLocalInput L4120-4126: overwrite
        a = self._tag(a, m["ep"])
        m.put2("inputBuffer", f, A, a)
        if self.predictPrevious:
            m.put("lastConfirmed", A, a)
        if m["truth"][f][A] in (NONE, UNSENT):                       # ghost: the first value is what B keeps
            m.put2("truth", f, A, a)
        r = m["pendingRollbackFrame"]                                # L2196-2202
        if r != NONE:
            m["pendingRollbackFrame"] = NONE
            if self._rollback_start(m, 0, r):
                m["t1"] = T1PC.rb1
                return m.done()
        self._t1_after_rollback(m)
        return m.done()

    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t1 == T1PC.rb1)
    def step_rollback_y1(self, s):
        """performRollback, L4387-L4543 (from step): after setState, rebuild actionSequence/predictedFrames, post the replay batch."""
        m = _Work(s)
        self._rollback_y1(m, 0)
        m["t1"] = T1PC.rb2
        return m.done()

    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t1 == T1PC.rb2)
    def step_rollback_y2(self, s):
        """performRollback, L4550-L4650 then step L2206-L2304: re-store replayed frames, restore frameNumber, confirm, next frame's prefix."""
        m = _Work(s)
        self._rollback_y2(m, 0)
        self._t1_after_rollback(m)
        return m.done()

    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t1 == T1PC.ucf)
    def step_confirm_hash(self, s):
        """_updateConfirmedFrame, L2814-L2822 (from step L2206): after the confirmed-hash await, continue the scan, promote, then step L2209-L2304."""
        m = _Work(s)
        m.add("hashed", m["t1Frame"])
        fr = self._ucf_loop(m, m["t1Frame"] + 1)
        if fr is not None:
            m["t1Frame"] = fr
        else:
            self._t1_after_ucf(m)
        return m.done()

    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t1 == T1PC.snap)
    def step_snapshot(self, s):
        """saveStateSnapshot, L4216-L4255 (step L2282-L2290): store the snapshot with the current step_num, then await the pre-hash."""
        m = _Work(s)
        self._put_snapshot(m, m["t1Frame"], m["step_num"])
        self._cap_snapshots(m)                                       # L4240-4251
        m["t1"], m["t1Frame"] = T1PC.wstep, NONE
        return m.done()

    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t1 == T1PC.wstep)
    def step_worker_step(self, s):
        """stepWithActions, L2304-L2315: after worker.step, step_num++ (L2610); await the post-hash."""
        return s.set(step_num=s.step_num + 1, t1=T1PC.posthash)

    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t1 == T1PC.posthash)
    def step_tail(self, s):
        """step, L2340-L2425: store speculative frame (shouldStoreFrame), frameNumber++, prune, detect episode end, _broadcastEpisodeEnd.
        The render await after a rollback (L2432) changes nothing and is merged into this segment."""
        m = _Work(s)
        fn = m["frameNumber"]
        synced = self._synced(m)
        if m["localEndFrame"] == NONE and (synced == NONE or fn < synced):   # L2340-2342, current frameNumber
            m.put("spec", fn, m["finalActions"])                  # storeFrameData L3473-3483
        m["frameNumber"] = fn + 1                                    # L2359
        self._prune(m)                                               # L2362
        m["t1"], m["t1Frame"], m["finalActions"] = T1PC.idle, NONE, (NONE, NONE)
        # L2397-2425: a step that was in flight when the episode was exported (episodes=2) sees
        # episodeComplete set and detects no second end
        if m["step_num"] >= self.N and m["localEndFrame"] == NONE and not m["exported"]:
            # _broadcastEpisodeEnd L6983-7022: send end packet (B is the environment), set flags, arm the
            # 2 s timeout (action sync_timeout), spawn T2 without awaiting it.
            m["localEndFrame"] = m["aEnd"] = m["frameNumber"]
            self._check_sync_and_reset(m)
        m["isProcessingTick"] = False                                # phaser:L413, after step resolves
        return m.done()

    # ---- actions: peer A, reset and the next episode's start (episodes=2) -------------------------------
    def _resets(self, s):
        """A tick runs reset() instead of step: signalEpisodeComplete set shouldReset (num_episodes below the
        limit, L3608-3655) and processPyodideGame awaits reset() when it is set (phaser:L456-539). The
        tick's guards are step's (§4.1): shown, no fast-forward pending, isProcessingTick clear."""
        return (s.exported and s.ep < self.episodes - 1 and not s.cut and s.t1 == T1PC.idle
                and not s.isProcessingTick and not s.hidden and not s.pendingFF)

    @action(fair="weak", applies=lambda self: self.episodes > 1, guard=lambda self, s: self._resets(s))
    def reset(self, s):
        """reset, L1779-L1912: shouldReset := false; clearGGPOState (L1802 -> L5078-5128); actionSequence := [] (L1805); clear frameDataBuffer and speculativeFrameData (L1809-1810); _clearEpisodeSyncState (L1823); await showEpisodeTransition (L1912).
        What it leaves: packets still in flight (they reach the emptied queue and are drained into the next
        episode, §4.11), confirmedHashHistory (not in clearGGPOState's list: choice), an episode-0
        fast-forward still in flight (it finishes inside reset), a late _requestMissingInputs reply. The
        ghosts switch to the next episode here: Truth starts afresh (B's episode-0 column is kept in oldB
        for its late packets), and exported/exportRows/badCanon/aEnd belong to the exported episode."""
        m = _Work(s)
        m["isProcessingTick"] = True                                 # L5630
        empty = self._empty
        m["inputBuffer"], m["predictedFrames"] = empty, frozenset()  # clearGGPOState L5078-5128
        m["snapshots"], m["snapOrder"] = (NONE,) * self.F, ()
        m["lastConfirmed"] = (NONE, NONE)
        m["confirmedFrame"] = -1                                     # L5087
        m["pendingRollbackFrame"] = NONE                             # L5088
        m["rollbackInProgress"] = False                              # L5109, even under an FF in flight
        m["queue"], m["bgBuffer"] = frozenset(), frozenset()         # L5107-5108, L5120-5122
        m["used"], m["spec"], m["canon"] = empty, empty, empty       # L1805-1810
        m["localEndFrame"] = m["remoteEndFrame"] = NONE              # _clearEpisodeSyncState L1823
        # ghosts. episodeComplete itself is cleared at L1936, after the awaits; nothing reads it meanwhile
        # (no step runs inside reset in this model)
        m["oldB"] = tuple(r[B] for r in s.truth)
        m["truth"] = tuple((P, P) if f < self.D else (NONE, NONE) for f in range(self.F))
        m["badCanon"], m["exportRows"], m["exported"], m["aEnd"] = empty, empty, False, NONE
        m["exportUnconf"] = (0,) * self.F                            # Fix E's marks belong to that export
        m["ep"] = s.ep + 1                   # ghost: A's episode (signalEpisodeComplete did num_episodes++)
        m["t1"] = T1PC.reset                                         # await showEpisodeTransition L1912
        return m.done()

    def _starts(self, s):
        """reset's awaits (the 3 s countdown of showEpisodeTransition, seed, worker.reset, the health wait,
        the start sync) last seconds: by then B has ended, exported and reset too, every episode-0 packet
        has arrived or is lost (latency is maxLate frames), and A's episode-0 fast-forward is done."""
        return (s.t1 == T1PC.reset and not s.cut and s.ff == FFPC.none and not s.net and not s.endInFlight
                and s.bEnd != NONE)

    @action(fair="weak", applies=lambda self: self.episodes > 1, guard=lambda self, s: self._starts(s))
    def reset_start(self, s):
        """reset, L1915-L1986: clearActionQueues, seedRng, worker.reset, step_num := 0 (L1933), frameNumber := 0 (L1934), episodeComplete := false (L1936), health wait, computeHash, _broadcastEpisodeReady, waitForP2PEpisodeStart: both peers start the episode; the tick ends (phaser:L413).
        The queue is not touched (clearActionQueues clears the action queues only): what arrived inside reset
        is drained by the first step. One hide/show per episode."""
        return s.set(frameNumber=0, step_num=0, t1=T1PC.idle, isProcessingTick=False,
                     bEp=s.ep, bFrame=0, bEnd=NONE, wasHidden=False)

    # ---- actions: peer A, T2 (_checkEpisodeSyncAndReset) and T3 (2 s timeout) ------------------------
    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t2 == T2PC.sleep)
    def confirm_wait_wake(self, s):
        """_waitForInputConfirmation, L2884-L2896 (+fix:L2908-2917): after the 10 ms sleep, drain queues, [Fix C rollback], test target, sleep again or confirm."""
        m = _Work(s)
        self._t2_loop_body(m)
        return m.done()

    def _timeout_ok(self, s):
        """Either timeout can fire only once B has sent its end packet and every packet still in flight has
        been delivered or lost. The T2 confirmation timeout is inputConfirmationTimeoutMs (500 ms by default,
        L1321-1324, i.e. 15 frames at 30 fps; 2,000 ms in the upstream tests); the sync timeout armed by
        _broadcastEpisodeEnd is 2 s (L7012-7019, 60 frames). B ticks at the same fps (lead) and latency is
        bounded by maxLate frames, both far below 15 frames. Likewise A's own focus loss lasts a couple of
        frames (hiddenFrames) and its fast-forward is done before a timeout can fire. A partner stalled by
        focus loss is not modelled."""
        if self.anyTimeout:
            return self.timeouts and self._live(s)
        return (self.timeouts and self._live(s) and s.bEnd != NONE
                and not s.net and not s.endInFlight
                and not s.hidden and not s.pendingFF and s.ff == FFPC.none)

    def _drained(self, s):
        """No input B sent before its end packet is still waiting in pendingInputPackets. Such an input
        arrived within maxLate frames of being sent, long before either timeout (500 ms / 2 s), and the queue is drained
        every 10 ms by T2's wake and every tick by step, unless a rollback in flight makes the drain a
        no-op (L6905). Post-end inputs keep arriving throughout the wait and may still be queued."""
        return self.anyTimeout or s.rollbackInProgress or all(x % self.F >= s.bEnd + self.D for x in s.queue)

    @action(fair="weak", applies=lambda self: self.timeouts,
            guard=lambda self, s: (self._timeout_ok(s) and s.t2 == T2PC.sleep and self._drained(s)
                                   and not (self.fixI and s.rollbackInProgress)))
    def confirm_wait_timeout(self, s):
        """_waitForInputConfirmation, L2898-L2905 (+fix:L2931-2937): timeout elapsed; [Fix C rollback]; warn, return false; clear sync state and export (L7055-7059)."""
        m = _Work(s)
        if self.fixI:
            # Fix I: give up only when nothing more is known: drain, run a rollback that sets (the loop goes
            # on after it), and take the success path if that confirmed the target
            self._process_queued(m)
            if self._t2_rollback(m, 2):
                return m.done()
            if self._t2_confirmed(m, m["t2Target"]):
                self._t2_confirm(m)
                return m.done()
        if not self._t2_rollback(m, 3):
            self._finish_t2(m)
        return m.done()

    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t2 == T2PC.rb1)
    def confirm_rollback_y1(self, s):
        """performRollback, L4387-L4543 (from _waitForInputConfirmation, Fix C): after setState, rebuild actionSequence/predictedFrames."""
        m = _Work(s)
        self._rollback_y1(m, 1)
        m["t2"] = T2PC.rb2
        return m.done()

    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t2 == T2PC.rb2)
    def confirm_rollback_y2(self, s):
        """performRollback, L4550-L4650 (Fix C), then _waitForInputConfirmation at its call site (fix:L2892/L2916/L2936)."""
        m = _Work(s)
        self._rollback_y2(m, 1)
        site = m["t2Site"]
        m["t2Site"] = 0
        self._t2_after_site(m, site)
        return m.done()

    @action(fair="weak", guard=lambda self, s: self._live(s) and s.t2 == T2PC.ucf)
    def confirm_hash(self, s):
        """_updateConfirmedFrame, L2814-L2822 (from _waitForInputConfirmation L2873/L2889): after the hash await, continue, promote; then export (L7055-7059)."""
        m = _Work(s)
        m.add("hashed", m["t2Frame"])
        fr = self._ucf_loop(m, m["t2Frame"] + 1)
        if fr is not None:
            m["t2Frame"] = fr
        else:
            self._finish_t2(m)
        return m.done()

    # Without loss B's end packet always arrives well within 2 s, so this timeout exists only with loss on
    # (docs/rollback-model.md): within one episode, "arrives after 2 s" and "lost" are the same. With
    # anyTimeout it may also fire while the end packet is still in flight (B or the channel slow).
    @action(fair="weak", applies=lambda self: (self.loss or self.anyTimeout) and self.timeouts,
            guard=lambda self, s: (self._timeout_ok(s) and s.localEndFrame != NONE
                                   and s.remoteEndFrame == NONE
                                   and (self._drained(s) or s.frameNumber >= s.localEndFrame + self.E)))
    def sync_timeout(self, s):
        """_broadcastEpisodeEnd timeout, L7012-L7019: no remote end after 2 s: _clearEpisodeSyncState, signalEpisodeComplete."""
        m = _Work(s)
        if self.fixJ:                                                # Fix J: wait for confirmation (T2)
            m["remoteEndFrame"] = m["localEndFrame"]
            self._check_sync_and_reset(m)
            return m.done()
        end = m["localEndFrame"] if self.fixH else NONE              # Fix H: read before the clear
        m["localEndFrame"] = NONE
        m["remoteEndFrame"] = NONE
        self._signal_complete(m, end)
        return m.done()

    # ---- actions: peer A, focus loss and fast-forward (focusLoss only) --------------------------------
    @action(applies=lambda self: self.focusLoss,
            guard=lambda self, s: self._live(s) and not s.wasHidden and s.t1 != T1PC.reset)
    def hide(self, s):
        """visibilitychange to hidden (§6.1; read by _handleWorkerTick L5549-5639 step 3 and _handleInputPacket L6857-6865): ticks return at once, input packets go to the background buffer."""
        return s.set(hidden=True, wasHidden=True)

    @action(fair="weak", applies=lambda self: self.focusLoss, guard=lambda self, s: self._live(s) and s.hidden)
    def show(self, s):
        """visibilitychange to visible, foreground hook L1223: _pendingFastForward := true (the next tick starts the fast-forward)."""
        return s.set(hidden=False, pendingFF=True)

    @action(fair="weak", applies=lambda self: self.focusLoss,
            guard=lambda self, s: (self._live(s) and s.pendingFF and not s.hidden and s.ff == FFPC.none
                                   and self._in_time(s)
                                   and not (self.fixF and (s.isProcessingTick or s.rollbackInProgress))))
    def fast_forward(self, s):
        """_handleWorkerTick L5572-5582, _performFastForward L4663-4748: drain the background buffer into storeRemoteInput, maxFrame, cap at syncedTerminationFrame; await _requestMissingInputs or build the FF frames.
        The tick tests _pendingFastForward before isProcessingTick (L5572 vs L5625, §6.4): FF starts even
        while a step is suspended at a yield."""
        m = _Work(s)
        m["pendingFF"] = False                                       # L5573
        if not m["bgBuffer"]:                                        # L4666-4669: nothing buffered, return;
            m["isProcessingTick"] = False                            # the tick handler set it (L5576) and its
            return m.done()                                # finally clears it (L5582)
        m["isProcessingTick"] = True                                 # L5576
        packets, m["bgBuffer"] = sorted(m["bgBuffer"]), set()        # L4665
        fn = m["frameNumber"]
        max_frame = max([fn] + packets)                              # packet.currentFrame = its newest target frame
        for f in sorted({g for t in packets for g in self._packet_frames(t)}):
            self._store_remote(m, f, m["truth"][f][B])               # L4684-4690: may set pendingRollbackFrame
        synced = self._synced(m)
        if synced >= 0:
            max_frame = min(max_frame, synced)                       # L4692-4699 (nothing caps it at max_steps)
        if max_frame <= fn:                                          # L4702-4707: framesToProcess <= 0, return;
            m["isProcessingTick"] = False                            # a rollback set by the stores above stays set
            return m.done()                                # (the tick handler's finally, L5582)
        m["ffMax"] = max_frame
        if any(m["inputBuffer"][f][B] == NONE for f in range(fn, max_frame)):
            m["ff"], m["ffStart"] = FFPC.req, fn                     # await _requestMissingInputs L4735
        else:
            self._ff_frames(m)
        return m.done()

    @action(fair="weak", applies=lambda self: self.focusLoss,
            over=lambda self: (True, False) if self.loss or self.lateReply else (True,),
            guard=lambda self, s, got: self._live(s) and s.ff == FFPC.req)
    def ff_inputs_response(self, s, got):
        """_requestMissingInputs L4735 with _handleInputResponse L5779-5806: B's reply stores its inputs for the requested frames directly (storeRemoteInput), or (loss) none arrives before the 3 s timeout; then build the FF frames.
        Abstraction: the reply holds every input B has chosen by now for the frames requested. With
        lateReply, `got` false is the 3 s timeout with the reply still coming (ff_late_response)."""
        m = _Work(s)
        if got:
            self._store_reply(m, [self._pack(f, m["bEp"]) for f in range(m["ffStart"], m["ffMax"])])
        elif self.lateReply:
            m["lateReply"] = frozenset(self._pack(f, m["bEp"]) for f in range(m["ffStart"], m["ffMax"])
                                       if m["inputBuffer"][f][B] == NONE)
        self._ff_frames(m)
        return m.done()

    def _store_reply(self, m, items):
        """_handleInputResponse L5779-5806: storeRemoteInput directly (L5797) for every input B has chosen
        (items are frames packed with B's episode when it answered, as in queue)."""
        for x in items:
            f, e = x % self.F, x // self.F
            if self.fixM and e != m["ep"]:
                continue                                             # Fix M: another episode's input
            if self._b_truth(m, f, e) != NONE:
                self._store_remote(m, f, self._b_truth(m, f, e))     # first write wins

    @action(fair="weak", applies=lambda self: self.focusLoss and self.lateReply,
            guard=lambda self, s: self._live(s) and s.lateReply)
    def ff_late_response(self, s):
        """_handleInputResponse, L5779-L5806: the reply to _requestMissingInputs arrives after its 3 s timeout (L4735); storeRemoteInput directly."""
        m = _Work(s)
        self._store_reply(m, sorted(m["lateReply"]))
        m["lateReply"] = frozenset()
        return m.done()

    def _ff_frames(self, m):
        """_performFastForward L4748-4815 up to await worker.batch: rollbackInProgress := true, the FF
        frames [frameNumber, maxFrame) with getInputsForFrame(f, false) (the local player is predicted:
        nothing was stored while hidden), actionSequence push. frameNumber is read here, after the request
        await (choice). No frame to build (a step moved frameNumber to maxFrame during the request await):
        return at L4791-4794, inside the try, so the finally (L4922) clears rollbackInProgress, whoever set it."""
        m["rollbackInProgress"] = True                               # L4748
        start = m["frameNumber"]
        if start >= m["ffMax"]:                                      # L4791-4794: fastForwardFrames is empty
            m["rollbackInProgress"] = False                          # finally L4922
            m["isProcessingTick"] = False                            # the tick handler's finally L5582
            m["ff"], m["ffStart"], m["ffMax"] = FFPC.none, NONE, NONE
            return
        for f in range(start, m["ffMax"]):                           # capped at 1000 frames: never binds
            if not self._resetting(m):                               # (an episode-0 FF inside reset: its
                self._mark_unsent(m, f)                              # frames are not the new episode's)
            acts, _ = self._inputs_for_frame(m, f, self.fixF)        # Fix F: track=true marks predicted
            if m["used"][f][0] == NONE:                              # L4784 push; .find returns the first record
                m.put("used", f, tuple(acts))
            m.put("ffActions", f, tuple(acts))
        m["ffStart"] = start
        m["ff"] = FFPC.batch

    @action(fair="weak", applies=lambda self: self.focusLoss,
            guard=lambda self, s: self._live(s) and s.ff == FFPC.batch)
    def ff_batch(self, s):
        """_performFastForward L4815-4952: after worker.batch, storeFrameData (< syncedTerminationFrame), frameNumber/step_num += n, confirmedFrame := frameNumber-1 (forced), promote, clear predictedFrames, prune; finally rollbackInProgress := false, isProcessingTick := false; catch-up inputs.
        frameNumber beyond the arrays (a step may be in flight) cuts the run instead (ghost `cut`)."""
        n = max(0, s.ffMax - s.ffStart)
        fn = s.frameNumber + n                                       # L4886, frameNumber re-read after the await
        if fn > self.NE or (fn == self.NE and s.t1 != T1PC.idle):
            return s.set(cut=True)
        m = _Work(s)
        T = self._synced(m)
        for g in range(m["ffStart"], m["ffStart"] + n):
            if T < 0 or g < T:                                       # L4863-4880; null = no cap (choice)
                m.put("spec", g, m["ffActions"][g])
        m["frameNumber"] = fn
        m["step_num"] += n                                           # L4887
        m["confirmedFrame"] = fn - 1                                 # L4892, forced regardless of inputs
        self._promote(m)                                             # L4896 (a no-op under Fix A)
        if self.maxSnapshots:                                        # L4902-4906: purge < confirmedFrame - M
            for f in [f for f in m["snapOrder"] if f < m["confirmedFrame"] - self.maxSnapshots]:
                self._drop_snapshot(m, f)
        if not self.fixF:
            m["predictedFrames"] = set()                             # L4910 (Fix F: kept)
        self._prune(m)                                               # L4913
        m["rollbackInProgress"] = False                              # finally L4922; pendingRollbackFrame kept
        m["isProcessingTick"] = False                                # L5582
        for g in range(m["ffStart"], m["ffStart"] + n):
            if m["truth"][g][A] in (NONE, UNSENT) and not self._resetting(m):
                # ghost (§8): the catch-up inputs (L4934-4952) claim defaultAction for every FF frame; unless
                # A sent a real input for it earlier, that is the first value B keeps for A (an episode-0
                # FF finishing inside reset sends them to B's episode 0, which B's reset clears)
                m.put2("truth", g, A, P)
            if self.fixF and m["inputBuffer"][g][A] == NONE:
                m.put2("inputBuffer", g, A, P)                       # Fix F: what the catch-up sends, stored
        m["ff"], m["ffStart"], m["ffMax"] = FFPC.none, NONE, NONE
        m["ffActions"] = self._empty
        return m.done()

    # ---- actions: network handlers at A --------------------------------------------------------------
    def _next_in_order(self, s, t):
        """Whether packet t may arrive now: always on the unordered channel; on the in-order one (ordered)
        only the oldest in flight, and not past the end packet while it is in flight (B sends its end packet
        after its input for frame bEnd-1+D)."""
        if not self.ordered:
            return True
        return t == min(s.net) and not (s.endInFlight and t >= s.bEnd + self.D)

    @action(fair="weak", applies=lambda self: self.latency, over=lambda self, s: sorted(s.net),
            guard=lambda self, s, t: self._live(s) and self._next_in_order(s, t))
    def deliver(self, s, t):
        """_handleInputPacket, L6834-L6891: an input packet (newest frame t, last R inputs) arrives; push onto pendingInputPackets (the background buffer while hidden)."""
        if s.hidden:                                                 # L6857-6865
            return s.set(net=s.net - {t}, bgBuffer=s.bgBuffer | {t})
        return s.set(net=s.net - {t}, queue=s.queue | frozenset(self._pack(f, s.bEp) for f in self._packet_frames(t)))

    @action(applies=lambda self: self.loss, over=lambda self, s: sorted(s.net),
            guard=lambda self, s, t: self._live(s))
    def drop(self, s, t):
        """DataChannel ordered:false, maxRetransmits:0 (webrtc_manager.js L237-240): the packet is lost."""
        return s.set(net=s.net - {t})

    @action(fair="weak", guard=lambda self, s: (self._live(s) and s.endInFlight
                                   and not (self.ordered and any(t < s.bEnd + self.D for t in s.net))))
    def deliver_end(self, s):
        """_handleEpisodeEnd, L6957-L6981: remote end flags, synced frame, spawn T2 (runs inline to its first yield)."""
        m = _Work(s)
        m["endInFlight"] = False
        if self.fixM and m["bEp"] != m["ep"]:
            return m.done()                                          # Fix M: another episode's end packet
        m["remoteEndFrame"] = m["bEnd"]                              # the frame in B's end packet
        self._check_sync_and_reset(m)
        return m.done()

    @action(applies=lambda self: self.loss, guard=lambda self, s: self._live(s) and s.endInFlight)
    def drop_end(self, s):
        """_broadcastEpisodeEnd, L6996-L6997: the end packet is sent once over the unreliable channel and is lost."""
        return s.set(endInFlight=False)

    # ---- actions: environment B ----------------------------------------------------------------------
    def _b_ends(self, s, end):
        """B's end detection at the tail of its step: its step_num reaches max_steps at some frame
        N..N+partnerLag (B's own rollbacks can make it trail frameNumber, as for A); `end` says whether
        this step is that one. At N+partnerLag it must be."""
        if s.bEnd != NONE:
            return not end
        last = s.bFrame + 1
        if end:
            return self.N <= last <= self.N + self.partnerLag
        return last < self.N + self.partnerLag

    def _b_slack(self, s):
        """While A is hidden (until its fast-forward is done) A does not tick and B runs ahead."""
        return self.hiddenFrames if (s.hidden or s.pendingFF or s.ff != FFPC.none) else 0

    @action(fair="weak", over=lambda self: [(a, end) for a in self.acts(B) for end in (False, True)],
            guard=lambda self, s, a, end: (self._live(s) and self._b_ends(s, end)
                                           and (s.bEnd == NONE or s.bFrame < s.bEnd + self.E)
                                           and (s.bEnd != NONE or s.localEndFrame != NONE
                                                or s.bFrame <= s.frameNumber + self.lead + self._b_slack(s))
                                           and (self.latency or not s.endInFlight)))
    def partner_step(self, s, a, end):
        """B's step, L2159-L2186 and L2397-L2425: B chooses its input for frame bFrame+D and sends its last R inputs; at its end frame it also sends its end packet."""
        f = s.bFrame + self.D
        a = self._tag(a, s.bEp)
        if s.bEp == s.ep:
            changes = {"truth": s.truth[:f] + ((s.truth[f][A], a),) + s.truth[f + 1:]}
        else:                          # B's post-end frames of episode 0 after A's reset (episodes=2)
            changes = {"oldB": s.oldB[:f] + (a,) + s.oldB[f + 1:]}
        changes["bFrame"] = s.bFrame + 1
        if self.latency:
            changes["net"] = s.net | {f}
        elif s.hidden:                                               # L6857-6865: A buffers it
            changes["bgBuffer"] = s.bgBuffer | {f}
        else:
            changes["queue"] = s.queue | frozenset(self._pack(g, s.bEp) for g in self._packet_frames(f))
        if end:
            changes["endInFlight"] = True
            changes["bEnd"] = s.bFrame + 1
        return s.set(**changes)

    # ---- properties (§8) -------------------------------------------------------------------------------
    def _only_choice(self, p, ep=0):
        acts = self.acts(p)
        return self._tag(acts[0], ep) if len(acts) == 1 else -9

    def _frames_checked(self):
        # under previous_submitted_action the frames < D differ by construction (§8): excluded
        return range(self.D if self.predictPrevious else 0, self.F)

    def _ok(self, v, t, p, ep):
        """A recorded action v is truthful against Truth t in A's episode ep (Python twin of _truthful)."""
        return v == t or (t == NONE and v == self._only_choice(p, ep)) or (t == UNSENT and v == P)

    def _only_choice_z3(self, p, ep):
        """_only_choice in A's episode ep (a Z3 term when there are two episodes)."""
        if self.episodes == 1:
            return self._only_choice(p)
        return z3.If(ep == 1, self._only_choice(p, 1), self._only_choice(p, 0))

    def _truthful(self, rows, truth, ep):
        """rows[f][p] is absent, equals Truth, or Truth is not chosen yet and the only possible choice, or A
        executed the prediction and sent nothing (UNSENT: defaultAction on both peers)."""
        return [[z3.Or(rows[f][p] == NONE, rows[f][p] == truth[f][p],
                       z3.And(truth[f][p] == NONE, rows[f][p] == self._only_choice_z3(p, ep)),
                       z3.And(truth[f][p] == UNSENT, rows[f][p] == P))
                 for p in (A, B)] for f in range(self.F)]

    def _truthful_all(self, rows, truth, ep):
        t = self._truthful(rows, truth, ep)
        return z3.And([t[f][p] for f in self._frames_checked() for p in (A, B)])

    @always
    def canonical_truthful(self, v):
        """P1: no frame of frameDataBuffer holds, or ever held, an action that player did not choose."""
        return z3.And(self._truthful_all(v.canon, v.truth, v.ep),
                      z3.And([v.badCanon[f][p] == NONE for f in self._frames_checked() for p in (A, B)]))

    @always
    def export_truthful(self, v):
        """P1e: every row exportEpisodeDataFromBuffer emitted holds the truth, or (Fix E) is marked
        unconfirmed and A could not know or correct it at that export (exportUnconf 1, judged by the ghost
        `_unknowable_at_export` when the export ran). A row marked unconfirmed is never counted as truthful
        data, and a row A could have corrected must not be marked (2): it must be rolled back
        (docs/truthful-fix.md). Without Fix E no row is marked and this is P1e as before."""
        if not self.fixE:
            return z3.Implies(v.exported, self._truthful_all(v.exportRows, v.truth, v.ep))
        t = self._truthful(v.exportRows, v.truth, v.ep)
        return z3.Implies(v.exported, z3.And(
            [z3.If(v.exportUnconf[f] == 0, z3.And(t[f][A], t[f][B]) if f in self._frames_checked() else True,
                   v.exportUnconf[f] == 1)
             for f in range(self.F)]))

    @always
    def export_rows_exact(self, v):
        """P2: the exported frame set is {0..T*-1} with T* = max_steps = N: the cogrid scenes end on the step
        limit, and for step-limited episodes §8 sets T* to max_steps (a late or early local end, L_A != N,
        does not change which frames the episode has). A row marked unconfirmed counts as a row."""
        return z3.Implies(v.exported, z3.And(
            [(v.exportRows[f][A] != NONE) == (f < self.N) for f in range(self.F)]))

    @sometimes(applies=lambda self: self.stateSyncSupported and any(a != P for a in self.acts(B)))
    def rollback_corrects(self, v):
        """A rollback's replay replaced a mispredicted action of B by the true one."""
        return v.corrected

    # Liveness, under fairness (docs/rollback-model.md, "Fairness"). Every action is weakly fair, for each
    # instance (`fair="weak"` on its decorator), except drop, drop_end and hide: the channel may lose a
    # packet and the user may hide the tab, but neither must happen. Each WF stands for an upstream
    # mechanism that, once armed, does fire: a timer (the worker's tick: step, partner_step; the 10 ms sleep:
    # confirm_wait_wake; the 500 ms and 2 s timeouts: confirm_wait_timeout, sync_timeout), a packet that
    # arrives unless lost (deliver, deliver_end; the input reply: ff_inputs_response, ff_late_response), an
    # await that resolves (the worker's and the hash's promises: step_*, confirm_rollback_*, confirm_hash,
    # ff_batch, fast_forward on the next tick), and a tab that comes back (show).
    @eventually
    def episode_exports(self, v):
        """test_episode_completion_under_fixed_latency: every fair behaviour exports the (last) episode
        (signalEpisodeComplete), or is cut by the frame bound (what lies beyond it is not explored)."""
        return z3.Or(z3.And(v.exported, v.ep == self.episodes - 1), v.cut)

    @leads_to
    def confirmed_frames_promoted(self, v):
        """For each episode e and frame f < N: once both inputs of f are in inputBuffer in episode e
        (_hasAllInputsForFrame), f is in frameDataBuffer (promoted) then or later in episode e, or among
        episode e's exported rows, or the run is cut. (Per episode: a later episode's frame f does not count.)"""
        return [(z3.And(v.ep == e, v.inputBuffer[f][A] != NONE, v.inputBuffer[f][B] != NONE),
                 z3.Or(z3.And(v.ep == e, z3.Or(v.canon[f][A] != NONE, v.exportRows[f][A] != NONE)), v.cut))
                for e in range(self.episodes) for f in range(self.N)]

    @terminal
    def after_export(self, v):
        """The state after the last episode's export (signalEpisodeComplete sets state='done') is final."""
        return z3.And(v.exported, v.ep == self.episodes - 1)

    @terminal
    def cut_by_frame_bound(self, v):
        """A tick the frame arrays cannot hold ended the run: not a deadlock, and not explored further."""
        return v.cut

    # ---- cause signature for `modelcheck verify --all-violations` -------------------------------------
    def _input_status(self, s, f):
        """Where B's input for frame f was when the segment started."""
        if s.inputBuffer[f][B] != NONE:
            return "had arrived"
        if self._pack(f, s.bEp) in s.queue:
            return "was still queued"
        if any(f in self._packet_frames(t) for t in s.bgBuffer):
            return "was in the background buffer"
        if any(f in self._packet_frames(t) for t in s.net):
            return "was in flight"
        if s.truth[f][B] != NONE:
            # nowhere any more: lost on the channel, or deleted by pruneInputBuffer (keys < frameNumber-W; a
            # rewind at L4644 can move frameNumber back, so the frame alone does not tell which)
            prunes = self.W < self.NE
            if not self.loss:
                return "was pruned"
            return "was lost or pruned" if prunes else "was lost"
        return "was not sent yet"

    def _frame_kind(self, s, f):
        if s.truth[f][A] == P and P not in self.acts(A) and f >= self.D:
            return "a fast-forwarded frame"              # only FF gives A the defaultAction as its truth
        if s.truth[f][A] == UNSENT:
            return "a frame A never chose"
        return "an episode frame" if f < self._t_star(s) else "a post-end frame"

    def _t_star(self, s):
        """T* of P2 (§8): max_steps = N for these step-limited episodes, whatever L_A and L_B are."""
        return self.N

    def _what(self, s, v):
        """How a bad B value reads: the prediction, an action B chose in episode 0 (seen in episode 1), or
        another wrong action."""
        if v == P:
            return "a predicted"
        return "an episode-0" if s.ep > 0 and v in (0, 1) else "a wrong"

    def cause(self, prop, before, action, args, after):
        """How a violation was entered: which action wrote the bad record (or exported), for which kind of
        frame, and where B's input for that frame was at that moment; with two episodes, in which one."""
        text = self._cause(prop, before, action, after)
        return f"episode {after.ep}: {text}" if self.episodes > 1 else text

    def _cause(self, prop, before, action, after):
        if prop == "canonical_truthful":
            bad = [f for f in self._frames_checked()
                   if after.badCanon[f][B] != before.badCanon[f][B] or after.badCanon[f][A] != before.badCanon[f][A]]
            if not bad:
                return f"{action} left an untruthful record in the canonical buffer"
            f = bad[0]
            if after.badCanon[f][B] == NONE:             # A's own action was wrong (overwritten local input)
                return f"{action} wrote a wrong A action for {self._frame_kind(after, f)} into the canonical buffer"
            what = self._what(after, after.badCanon[f][B])
            return (f"{action} wrote {what} B action for {self._frame_kind(after, f)} into the canonical buffer; "
                    f"B's input for it {self._input_status(before, f)}")
        rows = after.exportRows
        if prop == "export_rows_exact":
            t = self._t_star(after)
            missing = [f for f in range(t) if rows[f][A] == NONE]
            extra = [f for f in range(t, self.F) if rows[f][A] != NONE]
            parts = []
            if missing:
                parts.append(f"missing {'the last episode frame' if missing == [t - 1] else 'episode frames'}")
            if extra:
                parts.append("an extra post-end row")
            return f"{action} exported with " + " and ".join(parts)
        if prop == "export_truthful":
            if any(u == 2 for u in after.exportUnconf):
                f = next(f for f in range(self.F) if after.exportUnconf[f] == 2)
                return (f"{action} marked a row unconfirmed that A could correct, for {self._frame_kind(after, f)}; "
                        f"B's input for it {self._input_status(before, f)}")
            def wrong(f, p):
                return rows[f][p] != NONE and not self._ok(rows[f][p], after.truth[f][p], p, after.ep)
            bad = [f for f in self._frames_checked() if wrong(f, B)]
            if not bad:
                f = next((f for f in self._frames_checked() if wrong(f, A)), 0)
                return f"{action} exported a wrong A action for {self._frame_kind(after, f)}"
            f = bad[0]
            what = self._what(after, rows[f][B])
            return (f"{action} exported {what} B action for {self._frame_kind(after, f)}; "
                    f"B's input for it {self._input_status(before, f)}")
        return f"entered by {action}"

    # ---- trace viewer --------------------------------------------------------------------------------
    def grid_marks(self, s, prop):
        """The grid cells (row, column) that break a property, for the trace viewer."""
        def bad(rows, name):
            return {(f"f{f}", f"{name}.{'AB'[p]}") for f in self._frames_checked() for p in (A, B)
                    if rows[f][p] != NONE and not self._ok(rows[f][p], s.truth[f][p], p, s.ep)}
        if prop == "canonical_truthful":
            return bad(s.canon, "canon") | {(f"f{f}", f"badCanon.{'AB'[p]}") for f in self._frames_checked()
                                            for p in (A, B) if s.badCanon[f][p] != NONE}
        if prop == "export_truthful":
            return bad(s.exportRows, "export")
        if prop == "export_rows_exact":
            t = self._t_star(s)
            return {(f"f{f}", "export.A") for f in range(self.F) if (s.exportRows[f][A] != NONE) != (f < t)}
        return set()

    def grid(self, s):
        """One row per frame: truth, used (actionSequence), speculative and canonical actions per player."""
        def show(x):
            if x >= EP1:
                return f"{x - EP1}'"
            return "." if x == NONE else ("P" if x == P else "(P)" if x == UNSENT else str(x))
        rows = []
        for f in range(self.F):
            marks = []
            if f == s.frameNumber:
                marks.append("<fn")
            if f == s.confirmedFrame:
                marks.append("cf")
            if f in s.predictedFrames:
                marks.append("pred")
            if f == s.pendingRollbackFrame:
                marks.append("rb?")
            if any(f in self._packet_frames(t) for t in s.bgBuffer):
                marks.append("bg")
            if s.ff != FFPC.none and s.ffStart <= f < s.ffMax:
                marks.append("ff")
            cols = {}
            for name, src in (("truth", s.truth), ("input", s.inputBuffer), ("used", s.used),
                              ("spec", s.spec), ("canon", s.canon), ("badCanon", s.badCanon),
                              ("export", s.exportRows)):
                cols[f"{name}.A"] = show(src[f][A])
                cols[f"{name}.B"] = show(src[f][B])
            cols["snapshot"] = "" if s.snapshots[f] == NONE else f"sn={s.snapshots[f]}"
            cols["marks"] = " ".join(marks)
            rows.append((f"f{f}", cols))
        return rows

    def grid_legend(self):
        """What every code and mark of `grid()` means (the trace viewer's legend)."""
        return {
            "f0, f1": "one row per frame",
            "A, B": "the two players: A, the observer peer modelled in full, and B, the partner",
            ".": "no value (-1): no key, no entry, not sent yet",
            "0, 1": "an action a player chose",
            "0', 1'": "(two episodes) an action a player chose in episode 1",
            "P": f"the prediction defaultAction (= {P}), also what an idle player chooses",
            "(P)": "truth only: A executed this frame on a predicted own action and has sent no input for it",
            "truth": "ghost Truth[f][p]: the first value p stored by storeLocalInput for frame f (§8)",
            "input": "inputBuffer[f][p] (A's input buffer)",
            "used": "the first actionSequence record A executed for frame f",
            "spec": "speculativeFrameData[f].actions (the speculative buffer)",
            "canon": "frameDataBuffer[f].actions (the canonical buffer)",
            "badCanon": "ghost: the first untruthful action ever written into frameDataBuffer[f][p]",
            "export": "the rows exportEpisodeDataFromBuffer emitted",
            "snapshot": "stateSnapshots[f]",
            "sn=N": "stateSnapshots[f] holds a snapshot taken at step_num N",
            "marks": "where A's frame pointers and buffers stand (the codes below)",
            "<fn": "frameNumber: the next frame A steps",
            "cf": "confirmedFrame",
            "pred": "f is in predictedFrames (A stepped it on a predicted B input)",
            "rb?": "pendingRollbackFrame: a rollback to f is pending",
            "bg": "an input packet carrying f waits in the background buffer (A's tab hidden)",
            "ff": "f is inside the fast-forward in flight (ffStart <= f < ffMax)",
        }

    # ---- parties, for the trace viewer's sequence chart (one lane each) ---------------------------------
    lanes = {
        "partner B": ["partner_step"],
        "network": ["deliver", "drop", "deliver_end", "drop_end", "ff_late_response"],
        "A tick (T1)": ["step", "step_rollback_y1", "step_rollback_y2", "step_confirm_hash", "step_snapshot",
                        "step_worker_step", "step_tail", "reset", "reset_start"],
        "A episode end (T2)": ["confirm_wait_wake", "confirm_wait_timeout", "confirm_rollback_y1",
                               "confirm_rollback_y2", "confirm_hash"],
        "A fast-forward": ["fast_forward", "ff_inputs_response", "ff_batch"],
        "A page": ["hide", "show"],
        "timers": ["sync_timeout"],
    }
    message_loss = ["drop", "drop_end"]
    _AWAITS = {"rb1": "performRollback's setState", "rb2": "performRollback's replay", "ucf": "the confirmed hash",
               "snap": "saveStateSnapshot's getState", "wstep": "the pre-hash and worker.step",
               "posthash": "the post-step hash", "sleep": "the 10 ms sleep", "req": "_requestMissingInputs",
               "batch": "worker.batch", "reset": "showEpisodeTransition and the start sync"}

    def in_flight(self, s):
        """The packets on the channel, by id (latency on; else B's inputs reach A's queue as B sends them)."""
        out = {}
        for t in sorted(s.net):
            frames = self._packet_frames(t)
            out[("in", t)] = f"input f{t}" if len(frames) == 1 else f"inputs f{min(frames)}..f{max(frames)}"
        if s.endInFlight:
            out[("end",)] = f"end packet (frame {s.bEnd})"
        return out

    def lane_status(self, s):
        """The tasks suspended at an await in s, and what each awaits."""
        out = {}
        for lane, pc, enum, idle in (("A tick (T1)", s.t1, T1PC, T1PC.idle), ("A episode end (T2)", s.t2, T2PC, T2PC.none),
                                     ("A fast-forward", s.ff, FFPC, FFPC.none)):
            if pc != idle:
                out[lane] = "awaits " + self._AWAITS[enum.labels[pc]]
        if s.hidden:
            out["A page"] = "hidden"
        return out

    # ---- partial-order reduction (modelcheck/reduce/por.py; docs/reductions.md) ---------------------------
    def final_flags(self):
        """`exported` and `cut` end the run: every guard tests `_live` first, so once either is set no action
        is enabled (the reduction proves this before the search)."""
        return "exported cut"

    def footprints(self):
        """Per action: the variables its `over`, guard and effect read and those its effect writes (the
        upstream routines it calls included), the program-counter values its guard needs, and the values it
        can set them to. Sets of variables are unions of the routines' own; the search checks every write,
        need and set it computes, and the reads on a sample of states (tests: on every state).
        None with two episodes (reset and its start are not declared) or with a fix beyond A-D (the truthful
        fixes read more than declared here): the search is then not reduced."""
        later = [n for n, p in type(self).parameters().items() if p.fix and n not in ("fixA", "fixB", "fixC", "fixD")]
        if self.episodes > 1 or any(getattr(self, n) for n in later):
            return None

        def u(*parts):
            return " ".join(parts)
        rb1 = (T2PC.rb1,) if self.fixC else ()                     # only Fix C's rollback takes T2 to rb1
        store_r = "inputBuffer lastConfirmed rollbackInProgress frameNumber predictedFrames used pendingRollbackFrame"
        store_w = "inputBuffer lastConfirmed pendingRollbackFrame"
        queued_r, queued_w = u(store_r, "queue truth"), u(store_w, "queue")
        canon_r, canon_w = "truth badCanon", "canon badCanon"
        promote_r, promote_w = u("pendingRollbackFrame rollbackInProgress confirmedFrame spec", canon_r), u("spec", canon_w)
        ucf_r = u("rollbackInProgress confirmedFrame inputBuffer frameNumber snapshots hashed", promote_r)
        ucf_w = u("confirmedFrame predictedFrames", promote_w)
        rbstart_r = "frameNumber hashed confirmedFrame snapshots"
        rbstart_w = "rollbackInProgress hashed spec canon confirmedFrame rbCurrent rbSnapshot rbSnapStep"
        after_ucf_r = "frameNumber used truth predictedFrames inputBuffer lastConfirmed"
        # _mark_unsent writes Truth only for a frame A never stored an input for: fast-forward's (focusLoss)
        unsent = "truth" if self.focusLoss else ""
        after_ucf_w = u("finalActions used t1 t1Frame predictedFrames lastConfirmed", unsent)
        signal_r, signal_w = u("localEndFrame remoteEndFrame spec canon", canon_r), u("spec exportRows exported", canon_w)
        finish_w = u("localEndFrame remoteEndFrame t2 t2Site t2Target t2Frame", signal_w)
        t2rb_r, t2rb_w = u("pendingRollbackFrame", rbstart_r), u("pendingRollbackFrame t2 t2Site", rbstart_w)
        confirm_r, confirm_w = u(ucf_r, signal_r), u(ucf_w, "t2 t2Frame", finish_w)
        site_r, site_w = u("t2Target inputBuffer", confirm_r), u("t2 t2Site", confirm_w)
        loop_r, loop_w = u(queued_r, t2rb_r, site_r), u(queued_w, t2rb_w, site_w)
        sync_r = u("localEndFrame remoteEndFrame t2 frameNumber inputBuffer", loop_r)
        sync_w = u("t2Target", loop_w)
        t1rb_r, t1rb_w = u(ucf_r, after_ucf_r), u(ucf_w, "t1 t1Frame", after_ucf_w)
        y1_r = "rbCurrent rbSnapshot rbSnapStep used predictedFrames truth inputBuffer lastConfirmed"
        y1_w = u("step_num predictedFrames used lastConfirmed rbActions rbFixes", unsent)
        y2_r = "rbCurrent rbSnapshot step_num rbActions rbFixes snapshots snapOrder"
        y2_w = ("snapshots snapOrder step_num spec corrected frameNumber rollbackInProgress rbCurrent rbSnapshot "
                "rbSnapStep rbActions rbFixes")
        in_time = "net endInFlight bEnd frameNumber"
        timeout_r = "bEnd net endInFlight hidden pendingFF ff rollbackInProgress queue"
        ffb_r = "frameNumber ffMax inputBuffer used truth lastConfirmed t1"      # t1: reset in flight (episodes=2)
        ffb_w = "rollbackInProgress isProcessingTick ff ffStart ffMax used ffActions truth lastConfirmed"
        table = {
            "step": dict(reads=u("t1 isProcessingTick hidden pendingFF localEndFrame bFrame", in_time, queued_r,
                                 rbstart_r, t1rb_r),
                         writes=u("cut isProcessingTick truth t1", queued_w, rbstart_w, t1rb_w),
                         needs={"t1": T1PC.idle, "isProcessingTick": False, "hidden": False, "pendingFF": False},
                         sets={"t1": (T1PC.rb1, T1PC.ucf, T1PC.snap, T1PC.wstep), "isProcessingTick": True}),
            "step_rollback_y1": dict(reads=u("t1", y1_r), writes=u("t1", y1_w),
                                     needs={"t1": T1PC.rb1}, sets={"t1": T1PC.rb2}),
            "step_rollback_y2": dict(reads=u("t1", y2_r, t1rb_r), writes=u(y2_w, t1rb_w),
                                     needs={"t1": T1PC.rb2}, sets={"t1": (T1PC.ucf, T1PC.snap, T1PC.wstep)}),
            "step_confirm_hash": dict(reads=u("t1 t1Frame hashed", ucf_r, after_ucf_r),
                                      writes=u("hashed t1Frame", ucf_w, after_ucf_w),
                                      needs={"t1": T1PC.ucf}, sets={"t1": (T1PC.snap, T1PC.wstep)}),
            "step_snapshot": dict(reads="t1 t1Frame step_num snapshots snapOrder", writes="snapshots snapOrder t1 t1Frame",
                                  needs={"t1": T1PC.snap}, sets={"t1": T1PC.wstep}),
            "step_worker_step": dict(reads="t1 step_num", writes="step_num t1",
                                     needs={"t1": T1PC.wstep}, sets={"t1": T1PC.posthash}),
            "step_tail": dict(reads=u("t1 finalActions step_num", sync_r),
                              writes=u("spec frameNumber inputBuffer predictedFrames t1 t1Frame finalActions "
                                       "localEndFrame aEnd isProcessingTick", sync_w),
                              needs={"t1": T1PC.posthash},
                              sets={"t1": T1PC.idle, "isProcessingTick": False, "t2": rb1 + (T2PC.ucf, T2PC.sleep)}),
            "confirm_wait_wake": dict(reads=u("t2", loop_r), writes=loop_w, needs={"t2": T2PC.sleep},
                                      sets={"t2": rb1 + (T2PC.ucf, T2PC.none)}),
            "confirm_wait_timeout": dict(reads=u("t2", timeout_r, t2rb_r, signal_r), writes=u(t2rb_w, finish_w),
                                         needs={"t2": T2PC.sleep}, sets={"t2": rb1 + (T2PC.none,)}),
            "confirm_rollback_y1": dict(reads=u("t2", y1_r), writes=u("t2", y1_w),
                                        needs={"t2": T2PC.rb1}, sets={"t2": T2PC.rb2}),
            "confirm_rollback_y2": dict(reads=u("t2 t2Site", y2_r, site_r), writes=u(y2_w, site_w),
                                        needs={"t2": T2PC.rb2}, sets={"t2": (T2PC.ucf, T2PC.sleep, T2PC.none)}),
            "confirm_hash": dict(reads=u("t2 t2Frame hashed", confirm_r), writes=u("hashed t2Frame", confirm_w),
                                 needs={"t2": T2PC.ucf}, sets={"t2": T2PC.none}),
            "sync_timeout": dict(reads=u(timeout_r, "localEndFrame remoteEndFrame frameNumber", signal_r),
                                 writes=u("localEndFrame remoteEndFrame", signal_w)),
            "hide": dict(reads="wasHidden t1", writes="hidden wasHidden", needs={"wasHidden": False},
                         sets={"hidden": True, "wasHidden": True}),
            "show": dict(reads="hidden", writes="hidden pendingFF", needs={"hidden": True},
                         sets={"hidden": False, "pendingFF": True}),
            "fast_forward": dict(reads=u("pendingFF hidden ff bgBuffer localEndFrame remoteEndFrame truth", in_time,
                                         store_r, ffb_r),
                                 writes=u("pendingFF isProcessingTick bgBuffer ffMax ff ffStart", store_w, ffb_w),
                                 needs={"pendingFF": True, "hidden": False, "ff": FFPC.none},
                                 sets={"ff": (FFPC.req, FFPC.batch), "pendingFF": False}),
            "ff_inputs_response": dict(reads=u("ff ffStart ffMax truth", store_r, ffb_r),
                                       writes=u("lateReply", store_w, ffb_w),
                                       needs={"ff": FFPC.req}, sets={"ff": (FFPC.batch, FFPC.none), "isProcessingTick": False}),
            "ff_late_response": dict(reads=u("lateReply truth", store_r), writes=u("lateReply", store_w)),
            "ff_batch": dict(reads=u("ff ffMax ffStart frameNumber t1 localEndFrame remoteEndFrame ffActions step_num "
                                     "snapOrder truth inputBuffer", promote_r),
                             writes=u("cut spec frameNumber step_num confirmedFrame snapOrder snapshots predictedFrames "
                                      "inputBuffer rollbackInProgress isProcessingTick truth ff ffStart ffMax ffActions",
                                      promote_w),
                             needs={"ff": FFPC.batch}, sets={"ff": FFPC.none, "isProcessingTick": False}),
            "deliver": dict(reads=u("net hidden", "endInFlight bEnd" if self.ordered else ""), writes="net bgBuffer queue"),
            "drop": dict(reads="net", writes="net"),
            "deliver_end": dict(reads=u("endInFlight net bEnd", sync_r), writes=u("endInFlight remoteEndFrame", sync_w),
                                needs={"endInFlight": True},
                                sets={"endInFlight": False, "t2": rb1 + (T2PC.ucf, T2PC.sleep)}),
            "drop_end": dict(reads="endInFlight", writes="endInFlight", needs={"endInFlight": True},
                             sets={"endInFlight": False}),
            "partner_step": dict(reads="bEnd bFrame localEndFrame frameNumber hidden pendingFF ff endInFlight truth net "
                                       "bgBuffer queue",
                                 writes="truth bFrame net bgBuffer queue endInFlight bEnd", sets={"endInFlight": True},
                                 # B has steps left (only B's own step changes bFrame and bEnd)
                                 needs={"bFrame bEnd": lambda s: s.bEnd == NONE or s.bFrame < s.bEnd + self.E}),
        }
        for fp in table.values():  # a write into one cell of a frame array or a set keeps (reads) the rest;
            fp["reads"] = u(fp["reads"], fp["writes"], "ep bEp oldB")   # the episode ghosts are constant here
        return table
