"""ExerciseSession: one person's set (or sets, per side) against one spec.

``step(pose, t_s)`` takes a PoseFrame (or None when no person was found) and
returns a :class:`FrameResult` carrying this frame's typed events. The session
owns no record: the report, the overlay and the UI are sinks that consume the
results in order (:class:`formcheck.results.ResultSink`).

Per frame: person -> posture gate -> camera view -> features -> motions (one
counter per direction) -> continuous rules -> holds -> momentary rules. The
session imports only numpy and the standard library (and our own numpy-only
modules): no mediapipe, cv2 or streamlit.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from formcheck.counting import HoldTimer, RepCounter
from formcheck.features import FeatureExtractor, ViewClassifier, view_for, view_instruction
from formcheck.identity import IdentityWatch, OthersInView
from formcheck.landmarks import PoseFrame
from formcheck.posture_gate import PostureTracker
from formcheck.results import (
    Assessing,
    CannotAssess,
    Event,
    FaultCleared,
    FaultRaised,
    FrameResult,
    HoldEnded,
    HoldStarted,
    PartialRep,
    PeopleInView,
    PersonSwitched,
    Phase,
    RepCompleted,
    SceneCut,
    SetEnded,
    SetStarted,
    SideSwitched,
    Stopped,
    ViewSeen,
)
from formcheck.rules import (
    RULE_KINDS,
    Evaluator,
    MotionState,
    RuleInput,
    make_evaluator,
    phase_matches,
)
from formcheck.smoothing import OneEuroFilter
from formcheck.spec import ExerciseSpec, MotionSpec, RuleSpec

NO_PERSON = "No person in view: step into the frame so your whole body is visible"
TIMER_CUE = "Guided timer: follow the steps; the camera checks nothing for this exercise"
WAIT_FOR_REST = (
    "Cannot assess the movement under way: it began out of view (a cut in the video); "
    "waiting to see the start position"
)
WAIT_AFTER_ABSENCE = (
    "Cannot assess the movement under way: no one was in view for a while during it; "
    "waiting to see the start position"
)
WAIT_AFTER_SWITCH = (
    "Cannot assess the movement under way: the body in view jumped (another person, or a "
    "cut in the video); waiting to see the start position"
)
MOMENTARY_SHOW_S = 3.0  # how long a momentary fault (tempo, reach) stays as the cue
#: A hold starting this soon after a strict gate opened is counted from the frames that opened it.
GATE_CREDIT_S = 0.5
CUE_MIN_S = 1.5  # a cue stays at least this long before another replaces it
_IN_REP = (Phase.RISING, Phase.TOP, Phase.LOWERING)


@dataclass(slots=True)
class _RuleState:
    rule: RuleSpec
    evaluator: Evaluator
    continuous: bool
    judges_movement: bool
    rep_link: str
    active: bool = False
    shown_until: float = -1.0
    unseen: bool = False  # a `must_see` rule whose feature can't be measured now: holds wait


class CueSelector:
    """One cue at a time, with a minimum display time so cues don't flicker."""

    def __init__(self, min_s: float = CUE_MIN_S) -> None:
        self.min_s = min_s
        self.current: str | None = None
        self._since = -1e9

    def choose(self, candidates: list[str], t_s: float) -> str | None:
        if self.current is not None and t_s - self._since < self.min_s:
            return self.current  # keep showing it for its minimum time
        new = candidates[0] if candidates else None
        if self.current in candidates:
            new = self.current  # still valid: no reason to switch
        if new != self.current:
            self.current, self._since = new, t_s
        return self.current


class SettleDetector:
    """Is a feature holding still? Speed over the last ``window_s`` below ``max_speed``.

    Used for holds: a hold's clock runs once the body has arrived in the
    position, not while it is still rising into it or already lowering.
    """

    #: With frames dropped, the speed may be taken over the last gap up to this long.
    MAX_GAP_S = 1.0

    def __init__(self, max_speed: float, window_s: float = 0.3) -> None:
        self.max_speed = max_speed
        self.window_s = window_s
        self._buf: deque[tuple[float, float]] = deque()
        self._before: tuple[float, float] | None = None  # the newest sample out of the window

    def step(self, value: float | None, t_s: float) -> bool:
        if value is None:
            self._buf.clear()
            self._before = None
            return False
        self._buf.append((t_s, value))
        while self._buf and self._buf[0][0] < t_s - self.window_s:
            self._before = self._buf.popleft()
        t0, v0 = self._buf[0]
        if t_s - t0 < self.window_s / 2 and self._before is not None:
            # A live stream analysed at a few frames a second may have no other sample in
            # the window: measure the speed over the last gap instead of never settling.
            tb, vb = self._before
            if t_s - tb <= self.MAX_GAP_S:
                t0, v0 = tb, vb
        if t_s - t0 < self.window_s / 2:
            return False  # not enough history to tell
        return abs(value - v0) / (t_s - t0) <= self.max_speed


class _Motion:
    """One motion (one direction, in one view): its counter and its settle detector."""

    def __init__(
        self,
        motion: MotionSpec,
        side: str | None,
        max_speed: float | None,
        floor: float | None = None,
    ) -> None:
        self.motion = motion
        self.counter = RepCounter(motion, side, floor)
        band = abs(motion.enter.value - motion.exit.value)
        self.settle = SettleDetector(max_speed if max_speed is not None else 2.0 * band)
        self.holding = False

    def step(self, value: float | None, t_s: float) -> list[Event]:
        events = self.counter.step(value, t_s)
        settled = self.settle.step(value, t_s)
        self.holding = self.counter.phase is Phase.TOP and settled
        return events


class _SideSet:
    """Counters, holds and rules for one side's set (or the only set)."""

    def __init__(self, spec: ExerciseSpec, side: str | None, index: int) -> None:
        self.spec = spec
        self.side = side
        self.index = index
        self.extractor = FeatureExtractor(spec, side)
        self.motions: dict[str, list[_Motion]] = {}  # by view
        self.hold_motions: dict[str, _Motion] = {}  # the hold's own motion, by view
        self.holds: dict[str | None, HoldTimer] = {}  # by direction
        self.reps = 0
        self.counted_holds = 0
        self.best_hold_s = 0.0
        self.rules = [_rule_state(r) for r in spec.rules]
        self.active: _Motion | None = None

    def motions_for(self, view: str) -> list[_Motion]:
        if view not in self.motions:
            speed = self.spec.hold.max_speed if self.spec.hold is not None else None
            specs = self.spec.motions_for(view)
            self.motions[view] = [_Motion(m, self.side, speed, _floor(m, specs)) for m in specs]
        return self.motions[view]

    def hold_motion_for(self, view: str) -> _Motion | None:
        """The hold's own motion when it differs from the rep motions (else None)."""
        hold = self.spec.hold
        if hold is None or hold.motion is None or not self.spec.reps:
            return None
        if hold.motion.views and view not in hold.motion.views:
            return None
        if view not in self.hold_motions:
            self.hold_motions[view] = _Motion(hold.motion, self.side, hold.max_speed)
        return self.hold_motions[view]

    def hold_timer(self, direction: str | None) -> HoldTimer | None:
        hold = self.spec.hold
        if hold is None:
            return None
        if direction not in self.holds:
            self.holds[direction] = HoldTimer(hold.min_s, hold.tolerance_s, self.side, direction)
        return self.holds[direction]

    def all_counters(self) -> list[RepCounter]:
        out = [m.counter for ms in self.motions.values() for m in ms]
        return out + [m.counter for m in self.hold_motions.values()]

    @property
    def current_hold(self) -> HoldTimer | None:
        return next((h for h in self.holds.values() if h.active), None)


def _floor(motion: MotionSpec, motions: tuple[MotionSpec, ...]) -> float | None:
    """In a two-way motion on one feature, the other direction's exit level (else None)."""
    for o in motions:
        if o is not motion and o.feature == motion.feature:
            if o.enter.direction != motion.enter.direction:
                return o.exit.value
    return None


def _rule_state(rule: RuleSpec) -> _RuleState:
    kind = RULE_KINDS[rule.kind]
    return _RuleState(
        rule, make_evaluator(rule), kind.continuous, kind.judges_movement, kind.rep_link
    )


class ExerciseSession:
    """Steps a spec's posture gate, counters, holds and rules frame by frame.

    Args:
        spec: the exercise.
        side: the working side ("left"/"right") for specs with sides; None
            uses the prescription's first side.
        smoothing: one-euro smoothing of landmark positions.

    Every call that moves time on returns a :class:`FrameResult`; its
    ``events`` are the typed event stream. :meth:`mark_cut` and
    :meth:`switch_side` queue their events for the next result.
    """

    def __init__(self, spec: ExerciseSpec, side: str | None = None, smoothing: bool = True) -> None:
        if side is not None and side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        self.spec = spec
        if side is None and spec.has_sides:
            side = spec.prescription.sides[0]
        self.side = side if spec.has_sides else None
        self._smoothing = smoothing
        self._filter = OneEuroFilter(min_cutoff=1.5, beta=0.02)
        self.view_classifier = ViewClassifier()
        self.posture = PostureTracker(spec)
        self.cues = CueSelector()
        self._set = _SideSet(spec, self.side, 1)
        self._pending: list[Event] = []
        self._started = False
        self._cannot: str | None = "starting"
        self._phase = Phase.UNKNOWN
        self._view: str | None = None
        self._key: str | None = None  # the current view's phase feature
        self._lost_since: float | None = None  # when the key feature was last lost
        self._opened_s: float | None = None  # when a strict gate last opened (hold credit)
        self.identity = IdentityWatch()
        self.others = OthersInView()
        self._wait_reason = WAIT_FOR_REST  # why the counters wait for the start position
        self._gone_since: float | None = None  # when the person was last lost
        self.stopped: str | None = None
        self._closed = False

    # -- control --------------------------------------------------------------

    def switch_side(self, side: str, t_s: float) -> None:
        """Finish the current side's set and start the other side's (events come with the
        next result)."""
        if not self.spec.has_sides:
            raise ValueError(f"{self.spec.id} has no sides")
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        self._start(t_s)
        self._pending += self._close_set(t_s)
        self._pending.append(SetEnded(t_s, self._set.side, "side_switched"))
        self._pending.append(SideSwitched(t_s, side))
        self.side = side
        self._set = _SideSet(self.spec, side, self._set.index + 1)
        self._pending.append(SetStarted(t_s, side, self.spec.id, self._set.index))
        self._filter.reset()
        self.posture.reset()
        self._phase = Phase.UNKNOWN

    def mark_cut(self, t_s: float) -> None:
        """The video cut to another shot: drop movement under way, re-learn side and view.

        A rep in progress at a cut is not counted (it cannot be followed across
        shots); a hold ends at its last good frame.
        """
        self._start(t_s)
        self._pending.append(SceneCut(t_s))
        self._pending += self._forget_body(t_s)
        self._wait_reason = WAIT_FOR_REST
        self.identity.reset()  # the shot changed: the body may be anywhere in it now

    def _switch_person(self, t_s: float) -> list[Event]:
        """The pose jumped to another body: like a cut, what was under way is dropped (it
        can't be one rep of two people) and the smoothing starts again on the new body."""
        events: list[Event] = [PersonSwitched(t_s, round(self.identity.last_jump, 2))]
        events += self._forget_body(t_s)
        self._wait_reason = WAIT_AFTER_SWITCH
        return events

    def _gone(self, t_s: float) -> list[Event]:
        """No one in view: a movement under way that stays unseen longer than the identity
        check compares over is dropped (whoever comes back may be someone else)."""
        if self._gone_since is None:
            self._gone_since = t_s
        under_way = any(c.phase in _IN_REP for c in self._set.all_counters())
        if under_way and t_s - self._gone_since > self.identity.max_gap_s:
            self._wait_reason = WAIT_AFTER_ABSENCE
            return self._forget_body(t_s)
        return []

    def _forget_body(self, t_s: float) -> list[Event]:
        """Drop movement under way; re-learn side, view and smoothing (a cut or a switch)."""
        events = self._drop_movement(t_s)
        self._set.extractor = FeatureExtractor(self.spec, self._set.side)
        self.view_classifier = ViewClassifier()
        # The posture gate keeps its state: it shuts by itself after 2 s of another posture,
        # and the counters wait for rest, so a half-seen lift after the cut is never counted.
        self._filter.reset()
        return events

    def finish(self, t_s: float) -> FrameResult:
        """End of the clip or set: close an open rep or hold, and return the closing result."""
        if self._closed:
            return self._result(t_s, [], {}, None, person=False, frame=False)
        self._start(t_s)
        events = [*self._close_set(t_s), SetEnded(t_s, self._set.side, "finished")]
        self._closed = True
        return self._emit(t_s, events, {}, None, person=False, frame=False)

    def stop(self, reason: str, t_s: float) -> FrameResult:
        """The user stopped the set (e.g. pain): records why; nothing is counted after."""
        if self._closed:
            return self._result(t_s, [], {}, None, person=False, frame=False)
        self._start(t_s)
        events = [*self._close_set(t_s), Stopped(t_s, reason)]
        events.append(SetEnded(t_s, self._set.side, "stopped"))
        self.stopped = reason
        self._closed = True
        return self._emit(t_s, events, {}, None, person=False, frame=False)

    # -- stepping -------------------------------------------------------------

    def step(self, pose: PoseFrame | None, t_s: float) -> FrameResult:
        if self._closed:
            return self._result(t_s, [], {}, None, person=pose is not None, frame=False)
        self._start(t_s)
        events: list[Event] = []
        if self.spec.is_timer:
            return self._emit(t_s, events, {}, None, person=pose is not None)
        s = self._set
        if pose is None:
            events += self._holds_pause(t_s)
            events += self._gone(t_s)
            events += self._set_cannot(NO_PERSON, "no_person", t_s)
            return self._emit(t_s, events, {}, None, person=False)
        self._gone_since = None
        if self.identity.step(pose):  # the raw pose: smoothing would blur a jump
            events += self._switch_person(t_s)
        if self.others.step(pose.others, t_s):
            events.append(PeopleInView(t_s, self.others.count, self.others.since_s))
        if self._smoothing:
            xy = self._filter(np.asarray(pose.xy), t_s)
            # tracked points are already sub-pixel: only the landmarks are smoothed
            pose = dataclasses.replace(pose, t_s=t_s, xy=xy)
        was_open = self.posture.open
        gate = self.posture.step(pose, t_s)
        if not gate.open:
            if was_open:
                events += self._drop_movement(t_s)
                self._wait_reason = WAIT_FOR_REST
            events += self._holds_pause(t_s)
            events += self._set_cannot(gate.message, "posture", t_s)
            return self._emit(t_s, events, {}, None)
        if not was_open and self.posture.gate is not None and self.posture.gate.strict:
            self._opened_s = t_s  # the posture is the held position: see _holds_step_motions
        if not gate.frame_ok:
            # A strict gate (a plank) on a frame read as another posture (lying prone reads
            # the same straight line): no hold time and no verdicts until it shuts or resumes.
            events += self._holds_pause(t_s)
            self._restart_persistence()
            return self._emit(t_s, events, {}, None)
        # While the view is still undecided (ratios in the ambiguous band), assess the spec's
        # primary view: the posture gate, not the view, keeps other exercises out.
        view = view_for(self.spec, self.view_classifier.update(pose))
        if view is None:
            events += self._holds_pause(t_s)
            events += self._set_cannot(view_instruction(self.spec), "view", t_s)
            return self._emit(t_s, events, {}, None)
        if view != self._view:
            self._view = view
            events.append(ViewSeen(t_s, view))
        fv = s.extractor.compute(pose, view)
        motions = s.motions_for(view)
        key = motions[0].motion.feature
        self._key = key
        value = fv.values.get(key)
        if value is None:
            events += self._lost_mid_movement(motions, t_s)
            events += self._holds_pause(t_s)
            reason = _reason_text(fv.reasons.get(key, f"{key} unavailable"))
            events += self._set_cannot(reason, "not_visible", t_s)
            return self._emit(t_s, events, fv.values, None)
        self._lost_since = None
        move_events: list[Event] = []
        for m in motions:
            move_events += m.step(fv.values.get(m.motion.feature), t_s)
        if any(m.counter.waiting for m in motions):
            # A cut mid-movement: what is under way can't be followed (nor its hold timed)
            # until the person is seen back in the start position.
            events += self._number(move_events)
            events += self._holds_pause(t_s)
            events += self._set_cannot(self._wait_reason, "wait_for_rest", t_s)
            return self._emit(t_s, events, fv.values, None)
        events += self._set_cannot(None, "", t_s)
        hold_m = s.hold_motion_for(view)
        if hold_m is not None:
            hold_m.step(fv.values.get(hold_m.motion.feature), t_s)
        move_events = self._number(move_events)
        s.active = _active(motions)
        was = self._phase
        self._phase = s.active.counter.phase if s.active else Phase.REST
        if was in (Phase.REST, Phase.UNKNOWN) and self._phase in (Phase.RISING, Phase.TOP):
            # A new movement began: a momentary cue about the last one (a fast lowering,
            # a short reach) has been said; it does not stay up through this one.
            for st in s.rules:
                if not st.continuous:
                    st.shown_until = min(st.shown_until, t_s - 1e-9)
        state = self._state(s.active, fv.values, hold_m)
        events += move_events
        events += self._rules_step(view, fv.values, state, tuple(move_events), t_s, True)
        hold_events = self._holds_step_motions(motions, hold_m, t_s)
        events += hold_events
        events += self._rules_step(
            view, fv.values, state, tuple(move_events + hold_events), t_s, False
        )
        return self._emit(t_s, events, fv.values, value)

    # -- internals ------------------------------------------------------------

    def _start(self, t_s: float) -> None:
        if not self._started:
            self._started = True
            self._pending.insert(0, SetStarted(t_s, self._set.side, self.spec.id, 1))

    def _number(self, events: list[Event]) -> list[Event]:
        """Reps are numbered within the set across views and directions; a hold-only
        exercise's movements in and out of the hold are not reps, and partial lifts of a
        low-confidence motion are not reported (like the rules that judge that movement)."""
        out: list[Event] = []
        for ev in events:
            if isinstance(ev, (RepCompleted, PartialRep)) and self.spec.hold_only:
                continue
            if isinstance(ev, PartialRep) and self._low_confidence(ev.direction):
                continue  # a partial lift of a movement the model barely sees is noise
            if isinstance(ev, RepCompleted):
                self._set.reps += 1
                ev = dataclasses.replace(ev, index=self._set.reps)
            out.append(ev)
        return out

    def _low_confidence(self, direction: str | None) -> bool:
        return any(m.confidence == "low" and m.direction == direction for m in self.spec.reps)

    def _state(
        self, active: _Motion | None, values: dict[str, float | None], hold_m: _Motion | None
    ) -> MotionState:
        s = self._set
        holding = any(m.holding for ms in s.motions.values() for m in ms) or (
            hold_m is not None and hold_m.holding
        )
        if active is None:
            return MotionState(Phase.REST, holding=holding)
        value = values.get(active.motion.feature)
        return active.counter.state(value, reps=s.reps, holding=holding)

    def _rules_step(
        self,
        view: str,
        values: dict[str, float | None],
        state: MotionState,
        events: tuple[Event, ...],
        t_s: float,
        continuous: bool,
    ) -> list[Event]:
        out: list[Event] = []
        for st in self._set.rules:
            if st.continuous != continuous:
                continue
            rule = st.rule
            if st.judges_movement and state.confidence == "low":
                continue  # the movement itself is only partly seen: don't judge it
            applies = not rule.views or view in rule.views
            phases = getattr(rule.params, "phases", None)
            if applies and phases is not None:
                applies = phase_matches(phases, state.phase, state.holding)
            st.unseen = (
                continuous
                and applies
                and getattr(rule.params, "must_see", False)
                and values.get(rule.feature or "") is None
            )
            verdict = st.evaluator.step(RuleInput(t_s, values, state, applies, events))
            if verdict.raise_now:
                if st.continuous:
                    st.active = True
                else:
                    st.shown_until = t_s + MOMENTARY_SHOW_S
                out.append(self._fault(st, t_s, verdict.value, state))
            elif st.continuous and st.active and not verdict.violated:
                st.active = False
                out.append(FaultCleared(t_s, self._set.side, rule.id))
        return out

    def _holds_step_motions(
        self, motions: list[_Motion], hold_m: _Motion | None, t_s: float
    ) -> list[Event]:
        hold = self.spec.hold
        if hold is None:
            return []
        # A must_see rule that can't be measured now can't confirm the form either.
        faulty = hold.requires_form and any(r.active or r.unseen for r in self._set.rules)
        holding: dict[str | None, bool] = (
            {None: hold_m.holding}
            if hold_m is not None
            else {m.motion.direction: m.holding for m in motions}
        )
        events: list[Event] = []
        opened = self._opened_s
        if opened is not None and t_s - opened > GATE_CREDIT_S:
            opened = self._opened_s = None
        for direction, h in holding.items():
            timer = self._set.hold_timer(direction)
            assert timer is not None
            step = timer.step(h and not faulty, t_s)
            if opened is not None and any(isinstance(e, HoldStarted) for e in step):
                # A strict gate's opening frames were frames of this very position: a hold
                # that starts right after it opened counts the time the gate took to open.
                timer.backdate(self.posture.open_s)
                self._opened_s = None
            events += step
        return self._count_holds(events)

    def _holds_pause(self, t_s: float) -> list[Event]:
        """Advance every hold timer with a frame that is not a good hold frame."""
        events: list[Event] = []
        for timer in self._set.holds.values():
            events += timer.step(False, t_s)
        return self._count_holds(events)

    def _count_holds(self, events: list[Event]) -> list[Event]:
        out: list[Event] = []
        for ev in events:
            if isinstance(ev, HoldEnded) and ev.counted:
                self._set.counted_holds += 1
                self._set.best_hold_s = max(self._set.best_hold_s, ev.held_s)
                ev = dataclasses.replace(ev, index=self._set.counted_holds)
            out.append(ev)
        return out

    def _lost_mid_movement(self, motions: Sequence[_Motion], t_s: float) -> list[Event]:
        """The key feature can't be measured: a movement under way that stays unseen longer
        than its motion's ``max_gap_s`` is dropped (it was not seen, so it is not counted)."""
        if self._lost_since is None:
            self._lost_since = t_s
        gaps = [m.motion.max_gap_s for m in motions if m.motion.max_gap_s is not None]
        moving = any(m.counter.phase in (Phase.RISING, Phase.TOP, Phase.LOWERING) for m in motions)
        if gaps and moving and t_s - self._lost_since > min(gaps):
            return self._drop_movement(t_s)
        return []

    def _drop_movement(self, t_s: float) -> list[Event]:
        """Forget movement under way (a cut, or the person left the start posture)."""
        self._lost_since = None
        s = self._set
        events: list[Event] = []
        # A hold-only exercise (a plank) is back in position the moment the gate reopens
        # or the shot changes: its hold may start again without a rest seen first.
        for c in s.all_counters():
            c.reset(wait_for_rest=not self.spec.hold_only)
        for timer in s.holds.values():
            events += timer.finish(t_s)
        events = self._count_holds(events)
        events += self._clear_faults(t_s)
        s.active = None
        self._phase = Phase.UNKNOWN
        return events

    def _close_set(self, t_s: float) -> list[Event]:
        s = self._set
        events: list[Event] = []
        for ms in s.motions.values():
            for m in ms:
                events += m.counter.finish(t_s)
        events = self._number(events)
        hold_events: list[Event] = []
        for timer in s.holds.values():
            hold_events += timer.finish(t_s)
        hold_events = self._count_holds(hold_events)
        events += hold_events
        state = self._state(s.active, {}, None)
        if self._view is not None:
            events += self._rules_step(self._view, {}, state, tuple(events), t_s, False)
        events += self._clear_faults(t_s)
        return events

    def _clear_faults(self, t_s: float) -> list[Event]:
        events: list[Event] = []
        for r in self._set.rules:
            r.unseen = False
            if r.active:
                r.active = False
                events.append(FaultCleared(t_s, self._set.side, r.rule.id))
        self._restart_persistence()
        return events

    def _restart_persistence(self) -> None:
        """Frames not judged break a violation: a continuous rule that is not active starts
        its ``grace_s`` afresh (a sag seen before the gate shut is not raised on reopening)."""
        for r in self._set.rules:
            if r.continuous and not r.active:
                r.evaluator = make_evaluator(r.rule)

    def _set_cannot(self, reason: str | None, code: str, t_s: float) -> list[Event]:
        events: list[Event] = []
        if reason is not None:  # nothing is judged now: suspend active faults
            events += self._clear_faults(t_s)
        if reason == self._cannot:
            return events
        self._cannot = reason
        events.append(CannotAssess(t_s, reason, code) if reason is not None else Assessing(t_s))
        return events

    def _fault(
        self, st: _RuleState, t_s: float, value: float | None, state: MotionState
    ) -> FaultRaised:
        """A fault, attached to the rep under way (or just judged), if any."""
        rep: int | None = None
        if st.rep_link == "under_way" and state.in_rep:
            rep = state.reps + 1
        elif st.rep_link == "judged":
            rep = state.reps + 1 if state.in_rep else state.reps
        rule = st.rule
        return FaultRaised(t_s, self._set.side, rule.id, rule.cue, value, rep or None)

    def _emit(
        self,
        t_s: float,
        events: list[Event],
        values: dict[str, float | None],
        key_value: float | None,
        person: bool = True,
        frame: bool = True,
    ) -> FrameResult:
        if self._pending:
            events = self._pending + events
            self._pending = []
        return self._result(t_s, events, values, key_value, person, frame)

    def _result(
        self,
        t_s: float,
        events: list[Event],
        values: dict[str, float | None],
        key_value: float | None,
        person: bool,
        frame: bool = True,
    ) -> FrameResult:
        s = self._set
        timer = self.spec.is_timer
        active = tuple(r.rule.id for r in s.rules if r.active or r.shown_until >= t_s)
        candidates: list[str] = []
        if self.stopped is not None:
            candidates.append(f"Set stopped: {self.stopped}")
        elif timer:
            candidates.append(TIMER_CUE)
        elif self._cannot is not None and self._cannot != "starting":
            candidates.append(self._cannot)
        for r in s.rules:
            if r.active or r.shown_until >= t_s or (r.unseen and self._cannot is None):
                candidates.append(r.rule.cue)  # unseen: why the hold clock waits
        hold = s.current_hold
        key = self._key or self.spec.key_feature
        judged = self._cannot is None and not timer
        return FrameResult(
            t_s=t_s,
            side=s.side,
            phase=self._phase if judged else Phase.UNKNOWN,
            reps=s.counted_holds if self.spec.hold_only else s.reps,
            hold_s=hold.held_s if hold is not None else 0.0,
            best_hold_s=s.best_hold_s,
            faults=active,
            cue=self.cues.choose(candidates, t_s),
            cannot_assess=None if self._cannot in (None, "starting") or timer else self._cannot,
            key_feature=key,
            key_value=key_value if self._key else values.get(key),
            features=dict(values),
            events=tuple(events),
            person=person,
            direction=s.active.motion.direction if s.active and judged else None,
            holds=s.counted_holds,
            view=self._view,
            in_posture=self.posture.open,
            assessed=frame and judged and key_value is not None,
            frame=frame,
            others=self.others.count,
        )


def _active(motions: list[_Motion]) -> _Motion | None:
    """The motion under way: one in its top position, else one moving, else the first."""
    for phase_set in ((Phase.TOP,), _IN_REP):
        for m in motions:
            if m.counter.phase in phase_set:
                return m
    return motions[0] if motions else None


def _reason_text(reason: str) -> str:
    """Turn a feature's reason into an instruction."""
    if "out of frame" in reason or "not visible" in reason:
        return f"Cannot assess: {reason}. Step back or move the camera so it is in view"
    return f"Cannot assess: {reason}"


__all__ = ["NO_PERSON", "TIMER_CUE", "CueSelector", "ExerciseSession"]
