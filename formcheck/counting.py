"""Rep counting and hold timing: small hysteresis state machines.

Both take one feature value (or None when it cannot be measured) and the
frame time, and return events. They never look at the wall clock.

Orientation: a motion whose ``enter`` is ``below`` (a squat's knee angle) is
handled by negating values and thresholds, so the machines below only deal
with "higher = further into the position".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from formcheck.results import Event, HoldEnded, HoldStarted, PartialRep, Phase, RepCompleted
from formcheck.rules import MotionState
from formcheck.spec import MotionSpec


def _sign(m: MotionSpec) -> float:
    return 1.0 if m.enter.direction == "above" else -1.0


@dataclass(slots=True)
class _Rep:
    start_s: float
    start_g: float  # oriented value at rest when the movement began
    peak_g: float
    top_s: float | None = None
    seen_at_rest: bool = True  # False: first seen part-way (a set or clip starting mid-move)
    # when the value crossed the exit level on the way up, interpolated between samples:
    # what the minimum duration is measured from (start_s is the first sample past it)
    left_s: float | None = None

    @property
    def began_s(self) -> float:
        return self.start_s if self.left_s is None else self.left_s


class RepCounter:
    """Phases and reps of one motion.

    REST --(past exit, toward enter)--> RISING --(past enter)--> TOP
    TOP --(below the middle of the dead band)--> LOWERING --(past exit)--> REST
    LOWERING --(past enter again)--> TOP

    A rep counts when it returns to rest after reaching the top, lasted at
    least ``min_duration_s`` and moved at least ``min_range`` from its rest
    value. Durations run between the times the value crossed the exit level,
    interpolated between samples, so they do not depend on the frame rate (a
    live stream analysed at 8 fps sees a crossing up to a gap late). A movement
    that returns to rest without reaching the top is a :class:`PartialRep` if it
    rose ``min_range`` inside the rest zone, or half that after leaving the rest
    zone. :meth:`finish` counts a rep
    that reached the top even if the clip ends during the return.

    In a two-way motion on one feature, ``floor`` is the other direction's
    exit level: values past it are that direction's movement, not this one's
    rest. They neither lower this counter's rest value nor make a partial
    rep of its own on the way back (knees rolled left twice in a row are not
    a partial roll to the right); coming back, the rest value follows the
    value up to the middle of the rest zone, where the next rise starts from.
    """

    def __init__(
        self, motion: MotionSpec, side: str | None = None, floor: float | None = None
    ) -> None:
        self.motion = motion
        self.side = side
        s = _sign(motion)
        self._s = s
        self._floor = None if floor is None else s * floor  # oriented
        self._returning = False  # coming back from the other direction's side
        self._enter = s * motion.enter.value
        self._exit = s * motion.exit.value
        self._mid = (self._enter + self._exit) / 2
        self.phase = Phase.UNKNOWN
        self.reps = 0
        self._rest_g: float | None = None  # lowest oriented value seen at rest
        self._rest_t: float | None = None  # when it was seen there (a partial's start)
        self._attempt_peak: float | None = None  # a lift still inside the rest zone
        self._rep: _Rep | None = None
        self._wait_for_rest = False
        self.last_value_s: float | None = None  # time of the last measured value
        self._base: float | None = None  # rest baseline (relative motions)
        self._base_t: float | None = None
        self._away_since: float | None = None
        self._exit_offset = abs(motion.exit.value)
        self._prev: tuple[float, float] | None = None  # last measured (t_s, oriented value)

    @property
    def waiting(self) -> bool:
        """After a cut (or the posture gate shutting) mid-movement: the movement under way
        can't be followed, and nothing is judged until the value is seen back at rest."""
        return self.phase is Phase.UNKNOWN and self._wait_for_rest

    @property
    def in_position(self) -> bool:
        """Entered the active position and not yet back past exit."""
        return self.phase in (Phase.TOP, Phase.LOWERING)

    @property
    def rep_start_s(self) -> float | None:
        """Start time of the movement under way; identifies it."""
        return None if self._rep is None else self._rep.start_s

    @property
    def rep_start_value(self) -> float | None:
        return None if self._rep is None else self._s * (self._rep.start_g + self._offset)

    @property
    def rep_peak_value(self) -> float | None:
        return None if self._rep is None else self._s * (self._rep.peak_g + self._offset)

    def state(
        self, value: float | None, reps: int | None = None, holding: bool = False
    ) -> MotionState:
        """A snapshot of this motion for the rules (they never keep the counter itself)."""
        return MotionState(
            phase=self.phase,
            direction=self.motion.direction,
            sign=self._s,
            feature=self.motion.feature,
            value=value,
            reps=self.reps if reps is None else reps,
            rep_start_s=self.rep_start_s,
            rep_start_value=self.rep_start_value,
            rep_peak_value=self.rep_peak_value,
            enter_level=self.enter_level,
            holding=holding,
            confidence=self.motion.confidence,
        )

    @property
    def sign(self) -> float:
        """+1 when the active position is the high value of the feature, else -1."""
        return self._s

    @property
    def enter_level(self) -> float:
        """The value at which the top is reached now (the baseline added for relative motions)."""
        return self._s * (self._enter + self._offset)

    @property
    def _offset(self) -> float:
        """Baseline to add back to relative values (0 for absolute motions)."""
        return self._base if (self.motion.relative and self._base is not None) else 0.0

    def _relative(self, g: float, t_s: float) -> float:
        """Oriented value measured from the rest baseline (``relative`` motions).

        While at rest, the baseline follows values near it (within the exit
        offset) with time constant ``baseline_s``; excursions either way do not
        drag it, so the return from a dip is not mistaken for a lift. A level
        held away from the baseline for ``4 x baseline_s`` (a change of stance,
        or a rise that stalls below the top) becomes the new rest level.
        """
        m = self.motion
        if self._base is None or self._base_t is None:
            self._base, self._base_t, self._away_since = g, t_s, None
        dt = max(0.0, t_s - self._base_t)
        self._base_t = t_s
        rel = g - self._base
        resting = self.phase in (Phase.UNKNOWN, Phase.REST, Phase.RISING)
        if resting and abs(rel) <= self._exit_offset:
            self._base += (1.0 - math.exp(-dt / m.baseline_s)) * rel
            self._away_since = None
        elif resting:
            if self._away_since is None:
                self._away_since = t_s
            elif t_s - self._away_since > 4 * m.baseline_s:
                self._base, self._away_since = g, None
                if self.phase is Phase.RISING:
                    self._to_rest(0.0, t_s)
        else:
            self._away_since = None
        return g - self._base

    def _crossed(self, level: float, g: float, t_s: float) -> float:
        """When the value crossed ``level`` on its way from the last measured sample to
        ``g`` (linear between the two); ``t_s`` when that can't be told."""
        if self._prev is None:
            return t_s
        t0, g0 = self._prev
        if t_s <= t0 or g == g0:
            return t_s
        f = (level - g0) / (g - g0)
        return t0 + f * (t_s - t0) if 0.0 <= f <= 1.0 else t_s

    def step(self, value: float | None, t_s: float) -> list[Event]:
        if value is None:
            return []  # hold the state: nothing can be concluded
        self.last_value_s = t_s
        g = self._s * value
        if self.motion.relative:
            g = self._relative(g, t_s)
        events = self._step(g, t_s)
        self._prev = (t_s, g)
        return events

    def _step(self, g: float, t_s: float) -> list[Event]:
        events: list[Event] = []
        if self.phase is Phase.UNKNOWN:
            if self._wait_for_rest:  # after a cut: only a movement seen from rest counts
                if g < self._exit:
                    self._wait_for_rest = False
                    self.phase, self._rest_g, self._rest_t = Phase.REST, g, t_s
                return events
            # A session can start in the active position (clip starts mid-rep).
            if g >= self._enter:
                self.phase = Phase.TOP
                self._rep = _Rep(start_s=t_s, start_g=self._exit, peak_g=g, top_s=t_s)
            elif g >= self._exit:
                self.phase = Phase.RISING
                self._rep = _Rep(start_s=t_s, start_g=self._exit, peak_g=g, seen_at_rest=False)
            else:
                self.phase = Phase.REST
                self._rest_g, self._rest_t = g, t_s
            return events
        if self.phase is Phase.REST and self._floor is not None:
            if g < self._floor:  # the other direction is under way: not rest for this one
                self._rest_g, self._attempt_peak, self._returning = None, None, True
                return events
            if self._returning:
                mid = (self._floor + self._exit) / 2
                self._rest_g = min(g if self._rest_g is None else max(self._rest_g, g), mid)
        if self.phase is Phase.REST:
            if self._rest_g is None or g <= self._rest_g:
                self._rest_g, self._rest_t = g, t_s
            # A lift that stays inside the rest zone but clearly leaves the
            # rest value (a bridge that never gets past the dead band).
            if self._returning:
                pass  # the way back from the other side is not a lift of this one
            elif g - self._rest_g >= self.motion.min_range > 0:
                self._attempt_peak = max(self._attempt_peak or g, g)
            elif self._attempt_peak is not None and g - self._rest_g <= self.motion.min_range / 3:
                events.append(
                    PartialRep(
                        t_s,
                        self.side,
                        t_s,
                        self._s * (self._attempt_peak + self._offset),
                        self.motion.direction,
                    )
                )
                self._attempt_peak = None
                self._rest_g, self._rest_t = g, t_s
            if g >= self._exit:
                self._attempt_peak, self._returning = None, False
                self.phase = Phase.RISING
                self._rep = _Rep(
                    start_s=t_s,
                    start_g=self._rest_g,
                    peak_g=g,
                    left_s=self._crossed(self._exit, g, t_s),
                )
                if g >= self._enter:
                    self.phase, self._rep.top_s = Phase.TOP, t_s
            return events
        rep = self._rep
        assert rep is not None
        rep.peak_g = max(rep.peak_g, g)
        if self.phase is Phase.RISING:
            if g >= self._enter:
                self.phase, rep.top_s = Phase.TOP, t_s
            elif g < self._exit:
                # It left the rest zone, which is evidence of an attempt in itself:
                # half the minimum range is enough to tell it from jitter there. A movement
                # first seen part-way (the posture gate opening while the person is still
                # settling into position) never left rest in view: no evidence of a lift.
                # Nor is one shorter than a rep may be (a pose-model glitch on the way back).
                back_s = self._crossed(self._exit, g, t_s)
                if (
                    rep.seen_at_rest
                    and rep.peak_g - rep.start_g >= self.motion.min_range / 2
                    and back_s - (self._rest_t if self._rest_t is not None else rep.began_s)
                    >= self.motion.min_duration_s
                ):
                    events.append(
                        PartialRep(
                            t_s,
                            self.side,
                            rep.start_s,
                            self._s * (rep.peak_g + self._offset),
                            self.motion.direction,
                        )
                    )
                self._to_rest(g, t_s)
        elif self.phase is Phase.TOP:
            if g < self._mid:
                self.phase = Phase.LOWERING
            if g < self._exit:
                events += self._complete(t_s, g)
        elif self.phase is Phase.LOWERING:
            if g >= self._enter:
                self.phase = Phase.TOP
            elif g < self._exit:
                events += self._complete(t_s, g)
        return events

    def _to_rest(self, g: float, t_s: float | None = None) -> None:
        self.phase = Phase.REST
        self._rep = None
        self._rest_g, self._rest_t = g, t_s
        self._attempt_peak = None
        self._returning = False

    def _complete(self, t_s: float, g: float, at_end: bool = False) -> list[Event]:
        rep = self._rep
        assert rep is not None and rep.top_s is not None
        rom = rep.peak_g - rep.start_g
        back_s = t_s if at_end else self._crossed(self._exit, g, t_s)
        ok = rom >= self.motion.min_range and (back_s - rep.began_s) >= self.motion.min_duration_s
        self._to_rest(g, t_s)
        if not ok:
            return []
        self.reps += 1
        ev = RepCompleted(
            t_s=t_s,
            side=self.side,
            index=self.reps,
            start_s=rep.start_s,
            top_s=rep.top_s,
            end_s=t_s,
            peak=self._s * (rep.peak_g + self._offset),
            rom=rom,
            at_clip_end=at_end,
            direction=self.motion.direction,
        )
        return [ev]

    def reset(self, wait_for_rest: bool = True) -> None:
        """Forget the movement under way (a scene cut): it is not counted.

        With ``wait_for_rest`` (reps) only a movement seen from rest counts next; without
        it (a hold-only exercise, whose position is what the posture gate looks for) the
        position may be taken up again at once, as at the start of a session.
        """
        self.phase = Phase.UNKNOWN
        self._rep = None
        self._rest_g = None
        self._attempt_peak = None
        self._returning = False
        self._wait_for_rest = wait_for_rest
        self._prev = None

    def finish(self, t_s: float, max_unseen_s: float = 1.0) -> list[Event]:
        """Close the set: a rep that reached the top counts even mid-return.

        Only if the body was still measured within ``max_unseen_s`` of the end:
        a person who left the frame (or an end card) did not finish a rep.
        """
        seen = self.last_value_s is not None and t_s - self.last_value_s <= max_unseen_s
        if seen and self.in_position and self._rep is not None and self._rep.top_s is not None:
            return self._complete(t_s, self._rep.peak_g, at_end=True)
        return []


class HoldTimer:
    """Time spent in the active position while form is correct.

    Time counts only on frames that are in position *and* good (no active
    fault, when the spec requires form). A gap (out of position, a fault, no
    person) shorter than ``tolerance_s`` is bridged: the hold goes on but the
    gap does not count. A longer gap ends the hold. A hold of at least
    ``min_s`` counted seconds is a counted hold.
    """

    def __init__(
        self,
        min_s: float,
        tolerance_s: float,
        side: str | None = None,
        direction: str | None = None,
    ) -> None:
        self.min_s = min_s
        self.tolerance_s = tolerance_s
        self.side = side
        self.direction = direction
        self.counted = 0  # holds that reached min_s
        self.held_s = 0.0
        self.best_s = 0.0
        self._start_s: float | None = None
        self._last_good_s: float | None = None
        self._prev_t: float | None = None
        self._prev_good = False

    @property
    def active(self) -> bool:
        return self._start_s is not None

    def step(self, good: bool, t_s: float) -> list[Event]:
        events: list[Event] = []
        prev_t, prev_good = self._prev_t, self._prev_good
        self._prev_t, self._prev_good = t_s, good
        if good:
            if self._start_s is None:
                self._start_s, self.held_s = t_s, 0.0
                events.append(HoldStarted(t_s, self.side, self.direction))
            elif prev_good and prev_t is not None:
                self.held_s += t_s - prev_t
            self._last_good_s = t_s
        elif (
            self._start_s is not None
            and self._last_good_s is not None
            and (t_s - self._last_good_s > self.tolerance_s)
        ):
            events += self._end(self._last_good_s)
        return events

    def backdate(self, seconds: float) -> None:
        """Count the hold under way from ``seconds`` before it started: the position was
        already held while the posture gate was confirming it (a plank)."""
        if self._start_s is not None and seconds > 0:
            self._start_s -= seconds
            self.held_s += seconds

    def _end(self, t_s: float) -> list[Event]:
        assert self._start_s is not None
        counted = self.held_s >= self.min_s
        if counted:
            self.best_s = max(self.best_s, self.held_s)
            self.counted += 1
        ev = HoldEnded(
            t_s,
            self.side,
            self._start_s,
            self.held_s,
            counted,
            self.direction,
            self.counted if counted else 0,
        )
        self._start_s, self._last_good_s = None, None
        self.held_s = 0.0
        return [ev]

    def finish(self, t_s: float) -> list[Event]:
        if self._start_s is None:
            return []
        end = self._last_good_s if self._last_good_s is not None else t_s
        return self._end(end)
