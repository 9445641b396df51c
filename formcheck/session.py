"""ExerciseSession: one person's set (or sets, per side) against one spec.

``step(pose, t_s)`` takes a PoseFrame (or None when no person was found) and
returns a :class:`FrameResult`. The session imports only numpy and the
standard library (and our own numpy-only modules): no mediapipe, cv2 or
streamlit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from formcheck.counting import HoldTimer, RepCounter
from formcheck.faults import (
    CONTINUOUS_KINDS,
    DriftRule,
    HoldDurationRule,
    OscillationRule,
    RangeRule,
    ReachRule,
    TempoRule,
    Verdict,
    phase_matches,
)
from formcheck.features import FeatureExtractor, ViewClassifier, view_for, view_instruction
from formcheck.landmarks import PoseFrame
from formcheck.record import SessionRecord
from formcheck.results import (
    Assessing,
    CannotAssess,
    Event,
    FaultCleared,
    FaultRaised,
    FrameResult,
    HoldEnded,
    Phase,
)
from formcheck.smoothing import OneEuroFilter
from formcheck.spec import ExerciseSpec, RuleSpec

NO_PERSON = "No person in view: step into the frame so your whole body is visible"
MOMENTARY_SHOW_S = 3.0  # how long a momentary fault (tempo, reach) stays as the cue
CUE_MIN_S = 1.5  # a cue stays at least this long before another replaces it
#: Rules that judge the rep or hold movement itself; suspended for a motion
#: declared ``confidence = "low"`` (their verdicts would be guesses).
MOVEMENT_JUDGED = ("tempo", "reach", "hold_duration")


@dataclass(slots=True)
class _RuleState:
    rule: RuleSpec
    evaluator: object
    active: bool = False
    shown_until: float = -1.0


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

    def __init__(self, max_speed: float, window_s: float = 0.3) -> None:
        self.max_speed = max_speed
        self.window_s = window_s
        self._buf: deque[tuple[float, float]] = deque()

    def step(self, value: float | None, t_s: float) -> bool:
        if value is None:
            self._buf.clear()
            return False
        self._buf.append((t_s, value))
        while self._buf and self._buf[0][0] < t_s - self.window_s:
            self._buf.popleft()
        t0, v0 = self._buf[0]
        if t_s - t0 < self.window_s / 2:
            return False  # not enough history to tell
        return abs(value - v0) / (t_s - t0) <= self.max_speed


class _SideSet:
    """Counters and rules for one side (or the only side)."""

    def __init__(self, spec: ExerciseSpec, side: str | None) -> None:
        self.side = side
        self.extractor = FeatureExtractor(spec, side)
        self.counters: dict[str, RepCounter] = {}
        self.hold_counter: RepCounter | None = None
        self.settle: SettleDetector | None = None
        self.hold: HoldTimer | None = None
        if spec.hold is not None:
            self.hold = HoldTimer(spec.hold.min_s, spec.hold.tolerance_s, side)
        self.rules: list[_RuleState] = []
        self.spec = spec

    def counter_for(self, view: str) -> RepCounter | None:
        motion = self.spec.motion_for(view)
        if motion is None:
            return None
        key = f"{view}:{motion.feature}"
        if key not in self.counters:
            self.counters[key] = RepCounter(motion, self.side)
        return self.counters[key]

    @property
    def reps(self) -> int:
        return sum(c.reps for c in self.counters.values())


class ExerciseSession:
    """Steps a spec's counters and rules frame by frame.

    Args:
        spec: the exercise.
        side: the working side ("left"/"right") for specs with sides; None
            uses the prescription's first side.
        smoothing: one-euro smoothing of landmark positions.
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
        self.cues = CueSelector()
        self.record = SessionRecord(spec)
        self._set = self._new_set(self.side)
        self._cannot: str | None = "starting"
        self._phase = Phase.UNKNOWN
        self.stopped: str | None = None
        self.views_seen: set[str] = set()
        self._key: str | None = None  # the current view's phase feature

    # -- sets ---------------------------------------------------------------

    def _new_set(self, side: str | None) -> _SideSet:
        s = _SideSet(self.spec, side)
        self.record.start_set(side)
        return s

    def switch_side(self, side: str, t_s: float) -> None:
        """Finish the current side's set and start the other side's."""
        if not self.spec.has_sides:
            raise ValueError(f"{self.spec.id} has no sides")
        for ev in self._close(t_s):
            self.record.add_event(ev)
        self.side = side
        self._set = self._new_set(side)
        self._filter.reset()

    def mark_cut(self, t_s: float) -> None:
        """The video cut to another shot: drop movement under way, re-learn side and view.

        A rep in progress at a cut is not counted (it cannot be followed across
        shots); a hold ends at its last good frame.
        """
        s = self._set
        events: list[Event] = []
        for c in s.counters.values():
            c.reset()
        if s.hold_counter is not None:
            s.hold_counter.reset()
        if s.hold is not None:
            events += s.hold.finish(t_s)
        for r in s.rules:
            if r.active:
                events.append(FaultCleared(t_s, s.side, r.rule.id))
        s.rules.clear()
        s.settle = None
        s.extractor = FeatureExtractor(self.spec, s.side)
        self.view_classifier = ViewClassifier()
        self._filter.reset()
        self._phase = Phase.UNKNOWN
        for ev in events:
            self.record.add_event(ev)
        self.record.cuts.append(t_s)

    def stop(self, reason: str, t_s: float) -> FrameResult:
        """The user stopped the set (e.g. pain). Records why; no more counting."""
        result = self.finish(t_s)
        self.stopped = reason
        self.record.stopped(reason, t_s)
        return result

    # -- stepping -----------------------------------------------------------

    def step(self, pose: PoseFrame | None, t_s: float) -> FrameResult:
        if self.stopped is not None:
            return self._result(t_s, [], {}, None, person=pose is not None)
        events: list[Event] = []
        s = self._set
        if pose is None:
            events += self._hold_step(False, t_s)
            events += self._set_cannot(NO_PERSON, t_s)
            return self._emit(t_s, events, {}, None, person=False)
        if self._smoothing:
            xy = self._filter(np.asarray(pose.xy), t_s)
            pose = PoseFrame(t_s, xy, pose.world, pose.visibility, pose.image_size)
        view = view_for(self.spec, self.view_classifier.update(pose))
        if view is None:
            events += self._hold_step(False, t_s)
            events += self._set_cannot(view_instruction(self.spec), t_s)
            return self._emit(t_s, events, {}, None)
        self.views_seen.add(view)
        fv = s.extractor.compute(pose, view)
        counter = s.counter_for(view)
        assert counter is not None  # every spec view has a motion (checked at load)
        key = counter.motion.feature
        self._key = key
        value = fv.values.get(key)
        if value is None:
            events += self._hold_step(False, t_s)
            events += self._set_cannot(_reason_text(fv.reasons.get(key, f"{key} unavailable")), t_s)
            return self._emit(t_s, events, fv.values, None)
        events += self._set_cannot(None, t_s)
        events += counter.step(value, t_s)
        self._phase = counter.phase
        holding = self._in_hold_position(s, view, fv.values, t_s)
        events += self._rules_step(s, counter, view, fv.values, t_s, events, holding)
        good = holding and not (
            self.spec.hold is not None
            and self.spec.hold.requires_form
            and any(r.active for r in s.rules)
        )
        hold_events = self._hold_step(good, t_s)
        events += hold_events
        events += self._momentary(s, hold_events, t_s, counter)
        return self._emit(t_s, events, fv.values, value)

    def finish(self, t_s: float) -> FrameResult:
        """End of the clip or set: close an open rep or hold, and return the last result."""
        events = self._close(t_s)
        return self._emit(t_s, events, {}, None, person=False, record_frame=False)

    # -- internals ----------------------------------------------------------

    def _close(self, t_s: float) -> list[Event]:
        s = self._set
        events: list[Event] = []
        for c in s.counters.values():
            events += c.finish(t_s)
        hold_events = s.hold.finish(t_s) if s.hold is not None else []
        events += hold_events
        counter = next(iter(s.counters.values()), None)
        if counter is not None:
            events += self._momentary(s, hold_events, t_s, counter)
        for r in s.rules:
            if r.active:
                r.active = False
                events.append(FaultCleared(t_s, s.side, r.rule.id))
        return events

    def _in_hold_position(
        self, s: _SideSet, view: str, values: dict[str, float | None], t_s: float
    ) -> bool:
        """At the top of the hold's motion and holding still."""
        hold = self.spec.hold
        if hold is None:
            return False
        counter = s.counter_for(view)
        if hold.motion is not None:
            if hold.motion.views and view not in hold.motion.views:
                return False
            if s.hold_counter is None:
                s.hold_counter = RepCounter(hold.motion, s.side)
            if s.hold_counter.motion != (counter.motion if counter else None):
                s.hold_counter.step(values.get(hold.motion.feature), t_s)
                counter = s.hold_counter
        if counter is None:
            return False
        if s.settle is None:
            band = abs(counter.motion.enter.value - counter.motion.exit.value)
            speed = hold.max_speed if hold.max_speed is not None else 2.0 * band
            s.settle = SettleDetector(speed)
        settled = s.settle.step(values.get(counter.motion.feature), t_s)
        return counter.phase is Phase.TOP and settled

    def _hold_step(self, good: bool, t_s: float) -> list[Event]:
        h = self._set.hold
        return [] if h is None else h.step(good, t_s)

    def _set_cannot(self, reason: str | None, t_s: float) -> list[Event]:
        events: list[Event] = []
        if reason is not None:  # nothing is judged now: suspend active faults
            for r in self._set.rules:
                if r.active:
                    r.active = False
                    events.append(FaultCleared(t_s, self._set.side, r.rule.id))
        if reason == self._cannot:
            return events
        self._cannot = reason
        events.append(CannotAssess(t_s, reason) if reason is not None else Assessing(t_s))
        return events

    def _ensure_rules(self, s: _SideSet, counter: RepCounter) -> None:
        if s.rules:
            return
        for rule in self.spec.rules:
            ev: object
            if rule.kind == "range":
                ev = RangeRule(rule)
            elif rule.kind == "drift":
                ev = DriftRule(rule)
            elif rule.kind == "oscillation":
                ev = OscillationRule(rule)
            elif rule.kind == "tempo":
                ev = TempoRule(rule, counter)
            elif rule.kind == "reach":
                ev = ReachRule(rule, counter)
            else:
                ev = HoldDurationRule(rule)
            s.rules.append(_RuleState(rule, ev))

    def _rules_step(
        self,
        s: _SideSet,
        counter: RepCounter,
        view: str,
        values: dict[str, float | None],
        t_s: float,
        events: list[Event],
        holding: bool,
    ) -> list[Event]:
        self._ensure_rules(s, counter)
        out: list[Event] = []
        for st in s.rules:
            rule = st.rule
            in_view = not rule.views or view in rule.views
            verdict: Verdict
            if rule.kind in CONTINUOUS_KINDS:
                assert rule.feature is not None
                applies = in_view and phase_matches(rule, counter.phase, holding)
                value = values.get(rule.feature)
                verdict = st.evaluator.step(value, t_s, applies)  # type: ignore[attr-defined]
                if verdict.raise_now:
                    st.active = True
                    out.append(self._fault(rule, t_s, verdict.value, counter))
                elif st.active and not verdict.violated:
                    st.active = False
                    out.append(FaultCleared(t_s, s.side, rule.id))
            elif rule.kind in MOVEMENT_JUDGED and counter.motion.confidence == "low":
                continue  # the movement itself is only partly seen: don't judge it
            elif rule.kind == "tempo":
                if not in_view:
                    continue
                verdict = st.evaluator.step(values.get(counter.motion.feature), t_s)  # type: ignore[attr-defined]
                if verdict.raise_now:
                    st.shown_until = t_s + MOMENTARY_SHOW_S
                    out.append(self._fault(rule, t_s, verdict.value, counter))
            elif rule.kind == "reach" and in_view:
                verdict = st.evaluator.on_events(events)  # type: ignore[attr-defined]
                if verdict.raise_now:
                    st.shown_until = t_s + MOMENTARY_SHOW_S
                    out.append(self._fault(rule, t_s, verdict.value, counter))
        return out

    def _momentary(
        self, s: _SideSet, hold_events: list[Event], t_s: float, counter: RepCounter
    ) -> list[Event]:
        out: list[Event] = []
        if counter.motion.confidence == "low" or not any(
            isinstance(e, HoldEnded) for e in hold_events
        ):
            return out  # no holds ended, or holds are only estimates: nothing to judge
        self._ensure_rules(s, counter)
        for st in s.rules:
            if st.rule.kind == "hold_duration":
                verdict = st.evaluator.on_events(hold_events)  # type: ignore[attr-defined]
                if verdict.raise_now:
                    st.shown_until = t_s + MOMENTARY_SHOW_S
                    out.append(self._fault(st.rule, t_s, verdict.value, counter))
        return out

    def _fault(
        self, rule: RuleSpec, t_s: float, value: float | None, counter: RepCounter
    ) -> FaultRaised:
        """A fault, attached to the rep under way (or just judged), if any."""
        in_rep = counter.phase in (Phase.RISING, Phase.TOP, Phase.LOWERING)
        rep: int | None = counter.reps + 1 if in_rep else None
        if rule.kind == "tempo" and not in_rep:
            rep = counter.reps  # judged just after its rep finished
        elif rule.kind in ("reach", "hold_duration"):
            rep = None  # about a partial movement or a hold, not a counted rep
        return FaultRaised(t_s, self._set.side, rule.id, rule.cue, value, rep or None)

    def _emit(
        self,
        t_s: float,
        events: list[Event],
        values: dict[str, float | None],
        key_value: float | None,
        person: bool = True,
        record_frame: bool = True,
    ) -> FrameResult:
        for ev in events:
            self.record.add_event(ev)
        result = self._result(t_s, events, values, key_value, person)
        if record_frame:
            self.record.add_frame(result)
        return result

    def _result(
        self,
        t_s: float,
        events: list[Event],
        values: dict[str, float | None],
        key_value: float | None,
        person: bool,
    ) -> FrameResult:
        s = self._set
        active = tuple(r.rule.id for r in s.rules if r.active or r.shown_until >= t_s)
        candidates: list[str] = []
        if self.stopped is not None:
            candidates.append(f"Set stopped: {self.stopped}")
        elif self._cannot is not None and self._cannot != "starting":
            candidates.append(self._cannot)
        for r in s.rules:
            if r.active or r.shown_until >= t_s:
                candidates.append(r.rule.cue)
        hold = s.hold
        # The feature that drives phases in this view (e.g. hip_lift from the
        # feet), else the spec's key feature.
        key = self._key or self.spec.key_feature
        return FrameResult(
            t_s=t_s,
            side=s.side,
            phase=self._phase if self._cannot is None else Phase.UNKNOWN,
            reps=s.reps,
            hold_s=hold.held_s if hold is not None and hold.active else 0.0,
            best_hold_s=hold.best_s if hold is not None else 0.0,
            faults=active,
            cue=self.cues.choose(candidates, t_s),
            cannot_assess=None if self._cannot in (None, "starting") else self._cannot,
            key_feature=key,
            key_value=key_value if self._key else values.get(key),
            features=dict(values),
            events=tuple(events),
            person=person,
        )


def _reason_text(reason: str) -> str:
    """Turn a feature's reason into an instruction."""
    if "out of frame" in reason or "not visible" in reason:
        return f"Cannot assess: {reason}. Step back or move the camera so it is in view"
    return f"Cannot assess: {reason}"


__all__ = ["NO_PERSON", "CueSelector", "ExerciseSession"]
