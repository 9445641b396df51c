"""Coaching a whole routine: get in position, 3-2-1, the set to its target, rest, next.

:class:`RoutineCoach` plays a :class:`~formcheck.routine.Routine`'s plan on frame
time. Each set has three phases:

* **position**: the camera check (:mod:`formcheck.camera_check`) until the body is in
  frame, seen from the spec's view and in the start posture for a second; nothing is
  counted or judged;
* **countdown**: 3-2-1 (back to position if the check fails again);
* **active**: a fresh :class:`~formcheck.session.ExerciseSession` counts the set
  until its target (reps, or holds of the prescribed time) is reached.

Then the plan's rest (between sets, to switch sides, or before the next exercise)
counts down while the finished set's session keeps recording: extra reps after the
target are kept in the set's record, never cheered. A guided-timer exercise plays its
holds and rests (:mod:`formcheck.guided`) with no camera check.

Every frame returns a :class:`CoachFrame`; its ``events`` are the coaching events
(set done, rest, switch sides, next exercise, hold countdown...). The screen and the
voice (:mod:`formcheck.voice`) are both folds of them. Time comes from the frames only.
numpy and the standard library only.

Who is in view is watched through the whole routine, not only while a set counts:
other people beside the tracked one (``PoseFrame.others``, judged steady by
:class:`~formcheck.identity.OthersInView`) raise a
:class:`~formcheck.results.PeopleInView` event in any phase, and a counted set's
:class:`~formcheck.results.PersonSwitched` (the tracked body jumped) is passed on.
:class:`Notices` folds both into the warning lines a frame carries (``notices``),
shown under the one cue, never in its place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from formcheck.camera_check import CheckResult, PositionCheck
from formcheck.guided import TimerPlan
from formcheck.identity import OthersInView
from formcheck.landmarks import PoseFrame
from formcheck.record import MORE_PEOPLE, PEOPLE_ADVICE, SessionRecord
from formcheck.results import FrameResult, HoldEnded, PeopleInView, PersonSwitched, RepCompleted
from formcheck.routine import Routine, RoutineItem, RoutineStep, apply_prescription
from formcheck.session import ExerciseSession
from formcheck.spec import ExerciseSpec

COUNTDOWN_S = 3
#: A hold this close to its target counts as held in full (frame timing).
HOLD_SLACK_S = 0.05
#: "N seconds left" is said this long before a hold's end (for holds longer than it).
HOLD_WARNING_S = 5.0
#: A position problem is shown and said once it has lasted this long.
PROBLEM_AFTER_S = 2.0
PAIN = "pain"
#: The live warning while other people are in view: the report's words, without its spans.
PEOPLE_NOTICE = f"{MORE_PEOPLE}: {PEOPLE_ADVICE}"
#: The live notice after the tracked body jumped (the report: "The body in view jumped").
SWITCH_NOTICE = "The body in view jumped (another person?): a movement under way was not counted"
#: The people warning stays up this long after the others were judged gone (frame time), so
#: someone stepping out and straight back in does not make it flicker.
PEOPLE_HOLD_S = 2.0
#: A jump of the tracked body is told for this long (frame time).
SWITCH_SHOW_S = 4.0


class CoachPhase(StrEnum):
    POSITION = "position"  # the camera check: nothing counts
    COUNTDOWN = "countdown"  # 3-2-1
    ACTIVE = "active"  # the set is being counted
    TIMER = "timer"  # a guided timer's hold or rest (nothing is checked)
    REST = "rest"  # between sets, sides or exercises
    DONE = "done"  # the routine is over
    STOPPED = "stopped"  # the user stopped (e.g. pain)


# -- coaching events -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExerciseBegins:
    t_s: float
    exercise: str
    name: str
    item: int  # 0-based
    items: int
    kind: str = "exercise_begins"


@dataclass(frozen=True, slots=True)
class PositionProblem:
    """The camera check's first problem changed (None: the position is right)."""

    t_s: float
    problem: str | None
    kind: str = "position_problem"


@dataclass(frozen=True, slots=True)
class CountdownTick:
    t_s: float
    n: int  # 3, 2, 1; 0 means "go"
    kind: str = "countdown_tick"


@dataclass(frozen=True, slots=True)
class SetBegins:
    t_s: float
    exercise: str
    set_no: int
    sets: int
    side: str | None
    kind: str = "set_begins"


@dataclass(frozen=True, slots=True)
class RepCounted:
    """A rep counted toward the target (reps after the target are not announced)."""

    t_s: float
    n: int
    target: int | None
    kind: str = "rep_counted"


@dataclass(frozen=True, slots=True)
class HoldLeft:
    """A hold of a set with a hold target has this many seconds left."""

    t_s: float
    seconds: int
    kind: str = "hold_left"


@dataclass(frozen=True, slots=True)
class HoldDone:
    t_s: float
    n: int  # full holds so far
    target: int
    kind: str = "hold_done"


@dataclass(frozen=True, slots=True)
class CueShown:
    """The set's one form cue changed (None: cleared)."""

    t_s: float
    cue: str | None
    kind: str = "cue_shown"


@dataclass(frozen=True, slots=True)
class TargetReached:
    """The set's prescription is met: the set is done."""

    t_s: float
    exercise: str
    set_no: int
    sets: int
    side: str | None
    count: int
    label: str  # "reps" or "holds"
    kind: str = "target_reached"


@dataclass(frozen=True, slots=True)
class RestBegins:
    t_s: float
    seconds: float
    why: str  # "set", "switch" or "change"
    next_name: str  # the exercise that comes next
    next_side: str | None
    next_set: int
    kind: str = "rest_begins"


@dataclass(frozen=True, slots=True)
class TimerStepBegins:
    t_s: float
    label: str
    seconds: float
    hold: bool
    kind: str = "timer_step_begins"


@dataclass(frozen=True, slots=True)
class ExerciseSkipped:
    t_s: float
    exercise: str
    kind: str = "exercise_skipped"


@dataclass(frozen=True, slots=True)
class RoutineEnds:
    t_s: float
    stopped: str | None  # the reason when the user stopped
    kind: str = "routine_ends"


CoachEvent = (
    ExerciseBegins
    | PositionProblem
    | CountdownTick
    | SetBegins
    | RepCounted
    | HoldLeft
    | HoldDone
    | CueShown
    | TargetReached
    | RestBegins
    | TimerStepBegins
    | ExerciseSkipped
    | RoutineEnds
    | PeopleInView
    | PersonSwitched
)


class Notices:
    """The warning lines under the live cue: a fold of the coach's events on frame time.

    - :class:`~formcheck.results.PeopleInView` with others: :data:`PEOPLE_NOTICE` until
      the others are judged gone, and :data:`PEOPLE_HOLD_S` after that;
    - :class:`~formcheck.results.PersonSwitched`: :data:`SWITCH_NOTICE` for
      :data:`SWITCH_SHOW_S`.

    They are not cues: the one cue slot keeps the form cue (counting goes on with the
    tracked person), and these lines come under it.
    """

    def __init__(
        self, people_hold_s: float = PEOPLE_HOLD_S, switch_show_s: float = SWITCH_SHOW_S
    ) -> None:
        self.people_hold_s = people_hold_s
        self.switch_show_s = switch_show_s
        self._people = False  # others judged in view now
        self._people_until = -1e9  # the warning stays up until then after they left
        self._switch_until = -1e9

    def consume(self, events: tuple[CoachEvent, ...] | list[CoachEvent]) -> None:
        """Fold one frame's events (in order)."""
        for ev in events:
            if isinstance(ev, PeopleInView):
                self._people = ev.others > 0
                if not self._people:
                    self._people_until = ev.t_s + self.people_hold_s
            elif isinstance(ev, PersonSwitched):
                self._switch_until = ev.t_s + self.switch_show_s

    def lines(self, t_s: float) -> tuple[str, ...]:
        """The notices to show at frame time ``t_s``, most lasting first."""
        out = []
        if self._people or t_s < self._people_until:
            out.append(PEOPLE_NOTICE)
        if t_s < self._switch_until:
            out.append(SWITCH_NOTICE)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class CoachFrame:
    """What the coach says at one frame: the phase, the set, the numbers, the events."""

    t_s: float
    phase: CoachPhase
    step: int  # index into the plan
    steps: int
    exercise: str
    name: str
    item: int
    items: int
    set_no: int
    sets: int
    side: str | None
    seconds_left: float | None  # countdown, rest or timer step
    problems: tuple[str, ...] = ()  # position phase
    result: FrameResult | None = None  # the set's latest result (active phase)
    target: int | None = None  # reps or holds the set needs
    target_label: str = "reps"
    hold_target_s: float | None = None  # seconds per hold, when the set counts holds
    count: int = 0  # reps, or full holds, toward the target
    hold_left_s: float | None = None  # the current hold's seconds to its target
    reached: bool = False
    cue: str | None = None
    label: str = ""  # timer and rest steps: what is under way
    done_name: str = ""  # rests: the exercise whose set was just done (count, target: its)
    events: tuple[CoachEvent, ...] = ()
    notices: tuple[str, ...] = ()  # warnings under the cue (others in view...): Notices


SessionFactory = Callable[[ExerciseSpec, str | None], ExerciseSession]


class SetSinkLike(Protocol):
    """Where one set's results also go (the history database): fed every result."""

    def consume(self, result: FrameResult) -> None: ...

    def close(self, status: str = "done", reason: str | None = None) -> None: ...

    def count_holds(self, holds: int) -> None: ...


class SetObserver(Protocol):
    """Told when each set begins; gives the set's sink (see formcheck.history)."""

    def begin_set(
        self,
        spec: ExerciseSpec,
        side: str | None,
        set_no: int = 1,
        sets: int = 1,
        target: int | None = None,
        target_label: str = "reps",
        hold_target_s: float | None = None,
        started_s: float | None = None,
        provisional: bool = False,
    ) -> SetSinkLike: ...


def _default_session(spec: ExerciseSpec, side: str | None) -> ExerciseSession:
    return ExerciseSession(spec, side=side)


@dataclass(slots=True)
class _Set:
    """One set (one side) being counted, and its record."""

    step: RoutineStep
    item: RoutineItem
    session: ExerciseSession
    record: SessionRecord
    target: int | None
    label: str  # "reps" or "holds"
    hold_s: float | None  # seconds a hold needs (hold sets)
    full_holds: int = 0
    count: int = 0
    reached: bool = False
    warned: bool = False  # "5 seconds left" said for the current hold
    hold_done: bool = False  # "done" said for the current hold
    last: FrameResult | None = None
    cue: str | None = None
    finished: bool = False
    rule_cues: frozenset[str] = frozenset()
    sink: SetSinkLike | None = None

    def consume(self, result: FrameResult) -> None:
        self.record.consume(result)
        if self.sink is not None:
            self.sink.consume(result)

    def close(self, result: FrameResult, status: str = "done", reason: str | None = None) -> None:
        """The set's closing result (finish or stop): it records nothing after."""
        self.consume(result)
        self.finished = True
        if self.sink is not None:
            self.sink.close(status, reason)


def set_target(spec: ExerciseSpec) -> tuple[int | None, str, float | None]:
    """What ends a set: (count, "reps" | "holds", seconds per hold).

    A hold-only exercise (or one with holds and no reps to count) needs its holds, each
    of the prescribed time; one that counts reps needs its reps. None: no target (the
    user ends the set).
    """
    hold_s = spec.hold_target_s
    if (
        spec.hold_only
        or (not spec.reps and spec.hold is not None)
        or (spec.count_target is None and spec.hold is not None)
    ):
        # no count given: one hold (each way, for a two-way exercise such as cat-cow)
        return (spec.count_target or max(1, len(spec.directions))), "holds", hold_s
    if spec.count_target is not None:
        return spec.count_target, "reps", None
    return None, "reps", None


class RoutineCoach:
    """Plays a routine on frame time; one per user and routine.

    Args:
        routine: the routine (:func:`formcheck.routine.single` for one exercise).
        session_factory: builds each set's session (tests may give a fake).
        countdown_s: the 3-2-1 before a set (whole seconds).
    """

    def __init__(
        self,
        routine: Routine,
        session_factory: SessionFactory = _default_session,
        countdown_s: int = COUNTDOWN_S,
        ready_s: float | None = None,
        history: SetObserver | None = None,
    ) -> None:
        self.routine = routine
        self.history = history
        self.plan = routine.plan()
        self.countdown_s = countdown_s
        self._ready_s = ready_s
        self._factory = session_factory
        self.records: list[SessionRecord] = []  # every set that began, in order
        self.skipped: list[str] = []
        self.stopped: str | None = None
        self._i = -1  # plan step under way
        self._phase = CoachPhase.POSITION
        self._phase_t = 0.0
        self._set: _Set | None = None
        self._tail: _Set | None = None  # the finished set, still recording during the rest
        self._last_set: _Set | None = None  # the last set that began (shown once done)
        self._check: PositionCheck | None = None
        self._problem: str | None = None  # the problem told (after PROBLEM_AFTER_S)
        self._seen: str | None = None  # the check's first problem now, and since when
        self._seen_since = 0.0
        self._tick = -1
        self._timer: TimerPlan | None = None
        self._timer_step = -1
        self._timer_sink: SetSinkLike | None = None
        self._t = 0.0
        self._started = False
        self._pending: list[CoachEvent] = []
        self._people = OthersInView()  # the whole routine's: a set's session has its own
        self._notices = Notices()

    # -- what is under way ---------------------------------------------------------

    @property
    def phase(self) -> CoachPhase:
        return self._phase

    @property
    def done(self) -> bool:
        return self._phase in (CoachPhase.DONE, CoachPhase.STOPPED)

    @property
    def step_index(self) -> int:
        return max(self._i, 0)

    def current_step(self) -> RoutineStep:
        return self.plan[min(max(self._i, 0), len(self.plan) - 1)]

    def current_item(self) -> RoutineItem:
        return self.routine.items[self.current_step().item]

    def current_spec(self) -> ExerciseSpec:
        """The spec being coached (a rest's: the one that comes next)."""
        return self.current_item().spec

    def live_set(self) -> _Set | None:
        return self._set

    # -- control ---------------------------------------------------------------------

    def step(self, pose: PoseFrame | None, t_s: float) -> CoachFrame:
        """One camera frame (or None when no person was found) at frame time ``t_s``."""
        self._t = t_s
        events = self._pending
        self._pending = []
        if not self._started:
            self._started = True
            self._enter(0, t_s, events)
        if self._tail is not None:  # the finished set keeps recording through the rest
            self._feed(self._tail, pose, t_s)
        if self.done:
            return self._frame(t_s, events, None)
        if self._people.step(None if pose is None else pose.others, t_s):
            events.append(PeopleInView(t_s, self._people.count, self._people.since_s))
        phase = self._phase
        if phase in (CoachPhase.POSITION, CoachPhase.COUNTDOWN):
            return self._position(pose, t_s, events)
        if phase == CoachPhase.ACTIVE:
            return self._active(pose, t_s, events)
        if phase == CoachPhase.TIMER:
            return self._timer_step_at(t_s, events)
        # rest
        left = self._left(t_s)
        if left is not None and left <= 0:
            self._advance(t_s, events)
            return self._frame(t_s, events, self._left(t_s))
        return self._frame(t_s, events, left)

    def _left(self, t_s: float) -> float | None:
        """Seconds left in a rest (None in other phases)."""
        if self._phase != CoachPhase.REST:
            return None
        return self.current_step().seconds - (t_s - self._phase_t)

    def skip(self, t_s: float | None = None) -> None:
        """Skip the rest of the current exercise (its sets so far are kept)."""
        t = self._t if t_s is None else t_s
        if self.done:
            return
        item = self.current_step().item
        events = self._pending
        events.append(ExerciseSkipped(t, self.routine.items[item].exercise))
        self.skipped.append(self.routine.items[item].exercise)
        self._close_tail(t)
        self._close_set(t)
        j = self._i + 1
        while j < len(self.plan) and self.plan[j].item == item:
            j += 1
        # the change-over rest before the next exercise still helps the user get ready
        self._enter(j, t, events)

    def next_step(self, t_s: float | None = None) -> None:
        """End the current set or rest now (the user pressed Next)."""
        t = self._t if t_s is None else t_s
        if self.done:
            return
        self._close_tail(t)
        self._close_set(t)
        self._advance(t, self._pending)

    def stop(self, reason: str = PAIN, t_s: float | None = None) -> None:
        """The user stopped (pain): the set under way records why; nothing more is asked."""
        t = self._t if t_s is None else t_s
        if self.done:
            return
        self._close_tail(t)
        s = self._set
        if s is not None and not s.finished:
            s.close(s.session.stop(reason, t), "stopped", reason)
            self._set = None
        self._close_timer(t, "stopped", reason)
        self.stopped = reason
        self._phase = CoachPhase.STOPPED
        self._pending.append(RoutineEnds(t, reason))

    def finish(self, t_s: float | None = None, interrupted: str | None = None) -> None:
        """End the routine now (the user ended it, or the stream stopped): keep every set.
        ``interrupted`` says why the set under way was cut short (a closed page)."""
        t = self._t if t_s is None else t_s
        if self.done:
            return
        self._close_tail(t)
        if interrupted is None:
            self._close_set(t)
        else:
            self._close_set(t, "interrupted", interrupted)
        self._phase = CoachPhase.DONE
        self._pending.append(RoutineEnds(t, None))

    def snapshot(self) -> CoachFrame:
        """The coach's state now, carrying the events skip/stop/finish raised."""
        events, self._pending = self._pending, []
        left = self._left(self._t)
        return self._frame(self._t, events, left)

    def drain_events(self) -> tuple[CoachEvent, ...]:
        """Events raised by skip/stop/finish that no frame has carried yet."""
        out, self._pending = tuple(self._pending), []
        return out

    # -- phases ------------------------------------------------------------------------

    def _enter(self, i: int, t_s: float, events: list[CoachEvent]) -> None:
        """Start plan step ``i`` (or end the routine past the last)."""
        prev_item = self.plan[self._i].item if 0 <= self._i < len(self.plan) else None
        self._i = i
        self._phase_t = t_s
        if i >= len(self.plan):
            self._close_tail(t_s)
            self._phase = CoachPhase.DONE
            events.append(RoutineEnds(t_s, None))
            return
        step = self.plan[i]
        item = self.routine.items[step.item]
        if step.item != prev_item:
            events.append(
                ExerciseBegins(
                    t_s, item.exercise, item.spec.name, step.item, len(self.routine.items)
                )
            )
        if step.kind == "rest":
            self._phase = CoachPhase.REST
            events.append(
                RestBegins(t_s, step.seconds, step.why, item.spec.name, step.side, step.set_no)
            )
            return
        self._close_tail(t_s)
        if item.spec.is_timer:
            spec = apply_prescription(item.spec, sides=(step.side,)) if step.side else item.spec
            self._timer = TimerPlan.from_spec(spec, step.side)
            self._timer_step = -1
            self._phase = CoachPhase.COUNTDOWN
            self._tick = -1
            self._check = None
            return
        kw = {} if self._ready_s is None else {"ready_s": self._ready_s}
        self._check = PositionCheck(item.spec, step.side, **kw)
        self._phase = CoachPhase.POSITION
        self._problem = self._seen = None
        self._seen_since = t_s

    def _advance(self, t_s: float, events: list[CoachEvent]) -> None:
        self._enter(self._i + 1, t_s, events)

    def _position(self, pose: PoseFrame | None, t_s: float, events: list[CoachEvent]) -> CoachFrame:
        if self._check is None:  # a guided timer: only the countdown
            check = CheckResult(t_s, (), True)
        else:
            check = self._check.step(pose, t_s)
        # a problem is told once it has lasted a moment (the first frames of a check, and a
        # flicker of the model, are not worth a spoken instruction)
        first = check.problems[0] if check.problems else None
        if first != self._seen:
            self._seen, self._seen_since = first, t_s
        problem = (
            first if first is None or t_s - self._seen_since >= PROBLEM_AFTER_S else (self._problem)
        )
        if problem != self._problem:
            self._problem = problem
            events.append(PositionProblem(t_s, problem))
        shown = check.problems if problem is not None else ()
        if self._phase == CoachPhase.POSITION:
            if check.ready:
                self._phase, self._phase_t, self._tick = CoachPhase.COUNTDOWN, t_s, -1
            else:
                return self._frame(t_s, events, None, problems=shown)
        if problem is not None:  # lost the position during the countdown: check again
            self._phase = CoachPhase.POSITION
            return self._frame(t_s, events, None, problems=shown)
        left = self.countdown_s - (t_s - self._phase_t)
        n = max(0, int(-(-left // 1)))  # ceil
        if n != self._tick:
            self._tick = n
            events.append(CountdownTick(t_s, n))
        if left > 0:
            return self._frame(t_s, events, left)
        self._begin_set(t_s, events)
        if self._phase == CoachPhase.TIMER:
            return self._timer_step_at(t_s, events)
        return self._active(pose, t_s, events)

    def _begin_set(self, t_s: float, events: list[CoachEvent]) -> None:
        step = self.current_step()
        item = self.current_item()
        events.append(SetBegins(t_s, item.exercise, step.set_no, step.sets, step.side))
        self._phase_t = t_s
        target, label, hold_s = set_target(item.spec)
        if item.spec.is_timer:
            self._phase = CoachPhase.TIMER
            if self.history is not None and self._timer is not None:
                holds = [st for st in self._timer.steps if st.kind == "hold"]
                self._timer_sink = self.history.begin_set(
                    item.spec,
                    step.side,
                    step.set_no,
                    step.sets,
                    len(holds),
                    "holds",
                    holds[0].seconds if holds else None,
                    t_s,
                )
            return
        session = self._factory(item.spec, step.side)
        record = SessionRecord(item.spec)
        record.meta.update(routine=self.routine.id, set_no=step.set_no, sets=step.sets, live=True)
        sink = None
        if self.history is not None:
            sink = self.history.begin_set(
                item.spec, step.side, step.set_no, step.sets, target, label, hold_s, t_s
            )
        self._set = _Set(
            step,
            item,
            session,
            record,
            target,
            label,
            hold_s,
            rule_cues=frozenset(r.cue for r in item.spec.rules),
            sink=sink,
        )
        self._last_set = self._set
        self.records.append(record)
        self._phase = CoachPhase.ACTIVE

    def _feed(self, s: _Set, pose: PoseFrame | None, t_s: float) -> FrameResult:
        result = s.session.step(pose, t_s)
        s.consume(result)
        s.last = result
        return result

    def _active(self, pose: PoseFrame | None, t_s: float, events: list[CoachEvent]) -> CoachFrame:
        s = self._set
        assert s is not None
        result = self._feed(s, pose, t_s)
        hold_left: float | None = None
        for ev in result.events:
            if isinstance(ev, PersonSwitched):
                events.append(ev)  # the movement under way was dropped: say why
            elif isinstance(ev, RepCompleted) and s.label == "reps":
                s.count = result.reps
                if not s.reached:
                    events.append(RepCounted(t_s, ev.index, s.target))
            elif isinstance(ev, HoldEnded) and s.label == "holds":
                if s.hold_s is None or ev.held_s >= s.hold_s - HOLD_SLACK_S:
                    if not s.hold_done:  # held in full but "done" not yet said
                        s.full_holds += 1
                        events.append(HoldDone(t_s, s.full_holds, s.target or 1))
                s.warned = s.hold_done = False
        if s.label == "holds" and s.hold_s is not None and result.hold_s > 0:
            hold_left = max(0.0, s.hold_s - result.hold_s)
            if hold_left <= HOLD_WARNING_S and not s.warned and s.hold_s > HOLD_WARNING_S + 1:
                s.warned = True
                events.append(HoldLeft(t_s, round(HOLD_WARNING_S)))
            if hold_left <= HOLD_SLACK_S and not s.hold_done:
                s.hold_done = True
                s.full_holds += 1
                events.append(HoldDone(t_s, s.full_holds, s.target or 1))
        if s.label == "holds":
            s.count = s.full_holds
        # the one form cue (a rule's); a gate or visibility message is the view's, not a cue
        cue = result.cue if result.cue in s.rule_cues else None
        if cue != s.cue:
            s.cue = cue
            events.append(CueShown(t_s, cue))
        if s.target is not None and s.count >= s.target and not s.reached:
            s.reached = True
            step = s.step
            events.append(
                TargetReached(
                    t_s, s.item.exercise, step.set_no, step.sets, step.side, s.count, s.label
                )
            )
            self._tail, self._set = s, None  # keeps recording through the rest
            self._advance(t_s, events)
            return self._frame(t_s, events, self._left(t_s))
        return self._frame(t_s, events, None, hold_left=hold_left)

    def _timer_step_at(self, t_s: float, events: list[CoachEvent]) -> CoachFrame:
        plan = self._timer
        assert plan is not None
        state = plan.at(max(0.0, t_s - self._phase_t))
        if state.done or state.step is None:
            step = self.current_step()
            item = self.current_item()
            events.append(
                TargetReached(t_s, item.exercise, step.set_no, step.sets, step.side, 1, "holds")
            )
            self._close_timer(t_s)
            self._advance(t_s, events)
            return self._frame(t_s, events, None)
        if state.index != self._timer_step:
            self._timer_step = state.index
            st = state.step
            events.append(TimerStepBegins(t_s, st.label, st.seconds, st.kind == "hold"))
        return self._frame(t_s, events, state.remaining_s, label=state.step.label)

    def _close_set(self, t_s: float, status: str = "done", reason: str | None = None) -> None:
        s = self._set
        if s is not None and not s.finished:
            s.close(s.session.finish(t_s), status, reason)
        self._set = None
        self._close_timer(t_s, status, reason)

    def _close_timer(self, t_s: float, status: str = "done", reason: str | None = None) -> None:
        """A guided timer's set ends: it counts the holds that were played in full."""
        plan, sink = self._timer, self._timer_sink
        self._timer, self._timer_sink = None, None
        if plan is None or sink is None:
            return
        elapsed = t_s - self._phase_t
        done, end = 0, 0.0
        for st in plan.steps:
            end += st.seconds
            if st.kind == "hold" and end <= elapsed + 1e-6:
                done += 1
        sink.count_holds(done)
        sink.close(status, reason)

    def _close_tail(self, t_s: float) -> None:
        s = self._tail
        if s is not None and not s.finished:
            s.close(s.session.finish(t_s))
        self._tail = None

    def _frame(
        self,
        t_s: float,
        events: list[CoachEvent],
        seconds_left: float | None,
        problems: tuple[str, ...] = (),
        hold_left: float | None = None,
        label: str = "",
    ) -> CoachFrame:
        step = self.current_step()
        item = self.routine.items[step.item]
        live = self._set if self._set is not None and self._set.step == step else None
        if live is None and self._phase in (CoachPhase.REST, CoachPhase.DONE, CoachPhase.STOPPED):
            live = self._tail or self._last_set  # the set just done: its count stays up
        target, tlabel, hold_s = set_target(item.spec if live is None else live.item.spec)
        self._notices.consume(events)
        if self._phase == CoachPhase.REST:
            label = {"set": "Rest", "switch": "Switch sides", "change": "Next exercise"}.get(
                step.why, "Rest"
            )
        return CoachFrame(
            t_s=t_s,
            phase=self._phase,
            step=self.step_index,
            steps=len(self.plan),
            exercise=item.exercise,
            name=item.spec.name,
            done_name=live.item.spec.name if live is not None and live.reached else "",
            item=step.item,
            items=len(self.routine.items),
            set_no=step.set_no,
            sets=step.sets,
            side=step.side,
            seconds_left=seconds_left,
            problems=problems,
            result=live.last if live is not None else None,
            target=target,
            target_label=tlabel,
            hold_target_s=hold_s,
            count=live.count if live is not None else 0,
            hold_left_s=hold_left,
            reached=live.reached if live is not None else False,
            cue=live.cue if live is not None and self._phase == CoachPhase.ACTIVE else None,
            label=label,
            events=tuple(events),
            notices=() if self.done else self._notices.lines(t_s),
        )

    # -- results -----------------------------------------------------------------------

    def summary_rows(self) -> list[dict[str, object]]:
        """One row per set that began: exercise, set, side, reps, holds, faults, stop."""
        rows = []
        for rec in self.records:
            s = rec.summary()
            rows.append(
                {
                    "exercise": rec.spec.name,
                    "set": f"{rec.meta.get('set_no', 1)} of {rec.meta.get('sets', 1)}",
                    "side": s["side"] or "",
                    "reps": s["reps"],
                    "holds": s["holds"],
                    "form faults": len(rec.faults),
                    "assessed": "yes" if s["assessed"] else "no",
                    "stopped": s.get("stopped") or "",
                }
            )
        return rows


__all__ = [
    "CoachEvent",
    "CoachFrame",
    "CoachPhase",
    "Notices",
    "RoutineCoach",
    "set_target",
]
