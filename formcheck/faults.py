"""Form rules: each spec rule kind becomes a small evaluator.

Evaluators see the current feature value (None = cannot measure), the phase,
the frame time and the rep/hold events of this frame. Two kinds of fault:

* *continuous* (range, drift, oscillation): active while the condition holds
  for longer than ``grace_s``; cleared when it stops, and suspended (never
  raised) while the feature cannot be measured;
* *momentary* (tempo, reach, hold_duration): raised once, about a finished
  movement, and shown for a few seconds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from formcheck.counting import RepCounter
from formcheck.results import Event, HoldEnded, PartialRep, Phase, RepCompleted
from formcheck.spec import RuleSpec

CONTINUOUS_KINDS = ("range", "drift", "oscillation")
RISE_LOOKBACK_S = 5.0  # how far back a rising tempo looks for the start of the rise


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a rule concluded this frame: raised now, or still violated (continuous)."""

    violated: bool
    raise_now: bool = False
    value: float | None = None


_OK = Verdict(False)


def phase_matches(rule: RuleSpec, phase: Phase, holding: bool) -> bool:
    for p in rule.phases:
        if p == "any" or p == phase.value or (p == "hold" and holding):
            return True
    return False


class Persistence:
    """A violation counts once it has lasted ``grace_s``; it is raised once until it clears."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self._since: float | None = None
        self._raised = False

    def clear(self) -> Verdict:
        self._since, self._raised = None, False
        return _OK

    def violated(self, value: float, t_s: float) -> Verdict:
        if self._since is None:
            self._since = t_s
        if t_s - self._since < self.grace_s:
            return _OK
        first = not self._raised
        self._raised = True
        return Verdict(True, raise_now=first, value=value)


class RangeRule:
    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule
        self._persist = Persistence(rule.grace_s)

    def _outside(self, v: float) -> bool:
        r = self.rule
        x = abs(v) if r.absolute else v
        return (r.min is not None and x < r.min) or (r.max is not None and x > r.max)

    def step(self, value: float | None, t_s: float, applies: bool) -> Verdict:
        if value is None or not applies or not self._outside(value):
            return self._persist.clear()
        return self._persist.violated(value, t_s)


class DriftRule:
    """The feature must stay within ``max_change`` of its value when the phase began."""

    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule
        self._base: float | None = None
        self._persist = Persistence(rule.grace_s)

    def step(self, value: float | None, t_s: float, applies: bool) -> Verdict:
        if not applies:
            self._base = None
            return self._persist.clear()
        if value is None:
            return self._persist.clear()
        if self._base is None:
            self._base = value
        assert self.rule.max_change is not None
        if abs(value - self._base) <= self.rule.max_change:
            return self._persist.clear()
        return self._persist.violated(value, t_s)


class OscillationRule:
    """Bouncing: ``max_reversals`` direction changes of ``min_amplitude`` in ``window_s``."""

    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule
        self._extreme: float | None = None
        self._direction = 0
        self._reversals: deque[float] = deque()
        self._raised = False

    def step(self, value: float | None, t_s: float, applies: bool) -> Verdict:
        r = self.rule
        if value is None or not applies:
            self._extreme, self._direction, self._raised = None, 0, False
            self._reversals.clear()
            return _OK
        if self._extreme is None:
            self._extreme = value
        move = value - self._extreme
        if self._direction >= 0 and move <= -r.min_amplitude:
            if self._direction > 0:
                self._reversals.append(t_s)
            self._direction, self._extreme = -1, value
        elif self._direction <= 0 and move >= r.min_amplitude:
            if self._direction < 0:
                self._reversals.append(t_s)
            self._direction, self._extreme = 1, value
        elif (self._direction > 0 and value > self._extreme) or (
            self._direction < 0 and value < self._extreme
        ):
            self._extreme = value
        while self._reversals and self._reversals[0] < t_s - r.window_s:
            self._reversals.popleft()
        if len(self._reversals) >= r.max_reversals:
            first = not self._raised
            self._raised = True
            return Verdict(True, raise_now=first, value=float(len(self._reversals)))
        self._raised = False
        return _OK


class TempoRule:
    """Time to move between ``from_frac`` and ``to_frac`` of a rep's range.

    For ``lowering``: from the last time the value was above ``from_frac`` of
    the range (after the peak) to the first time it falls below ``to_frac``.
    For ``rising``: from leaving ``to_frac`` to reaching ``from_frac``, with
    the range taken to the enter threshold. Evaluated once per movement.
    """

    def __init__(self, rule: RuleSpec, counter: RepCounter) -> None:
        self.rule = rule
        self.counter = counter
        s = 1.0 if counter.motion.enter.direction == "above" else -1.0
        self._s = s
        self._start: float | None = None
        self._peak: float | None = None
        self._t_from: float | None = None
        self._done = False
        self._prev_t: float | None = None
        self._rep_id: float | None = None
        self._topped = False  # only movements that reached the top are judged
        self._recent: deque[tuple[float, float]] = deque()  # (t, oriented value)

    def _judge(self, duration: float) -> Verdict:
        r = self.rule
        bad = (r.min_s is not None and duration < r.min_s) or (
            r.max_s is not None and duration > r.max_s
        )
        return Verdict(bad, raise_now=bad, value=duration)

    def step(self, value: float | None, t_s: float) -> Verdict:
        prev_t, self._prev_t = self._prev_t, t_s
        c = self.counter
        if value is None:
            return _OK
        g = self._s * value
        self._recent.append((t_s, g))
        while self._recent and self._recent[0][0] < t_s - RISE_LOOKBACK_S:
            self._recent.popleft()
        rep_id = c.rep_start_s
        if rep_id is not None:
            if rep_id != self._rep_id:  # a new movement began
                self._rep_id, self._t_from, self._done = rep_id, None, False
                self._topped = False
                self._start = self._s * (c.rep_start_value or 0.0)
            self._topped = self._topped or c.phase is Phase.TOP
            peak = c.rep_peak_value
            self._peak = None if peak is None else self._s * peak
        if self._start is None or self._peak is None or self._done:
            return _OK
        r = self.rule
        if r.phase == "lowering":
            if not self._topped:
                return _OK
            amp = self._peak - self._start
            if amp <= 0:
                return _OK
            hi = self._start + r.from_frac * amp
            lo = self._start + r.to_frac * amp
            if g >= hi:
                self._t_from = None
            elif self._t_from is None:
                self._t_from = prev_t if prev_t is not None else t_s
            if g <= lo and self._t_from is not None:
                self._done = True
                return self._judge(t_s - self._t_from)
            return _OK
        enter = self._s * c.enter_level
        amp = enter - self._start
        lo = self._start + r.to_frac * amp
        hi = self._start + r.from_frac * amp
        if g >= hi:
            # The rise began inside the rest zone, before the counter saw a rep:
            # look back for the last time the value was still at the low mark.
            self._done = True
            starts = [t for t, v in self._recent if v <= lo]
            return self._judge(t_s - starts[-1]) if starts else _OK
        return _OK


class ReachRule:
    """A movement that never reached the top (a partial rep), or a rep whose peak fell short."""

    def __init__(self, rule: RuleSpec, counter: RepCounter) -> None:
        self.rule = rule
        self._s = 1.0 if counter.motion.enter.direction == "above" else -1.0

    def on_events(self, events: list[Event]) -> Verdict:
        for ev in events:
            if isinstance(ev, PartialRep):
                return Verdict(True, raise_now=True, value=ev.peak)
            if (
                isinstance(ev, RepCompleted)
                and self.rule.value is not None
                and (self._s * ev.peak < self._s * self.rule.value)
            ):
                return Verdict(True, raise_now=True, value=ev.peak)
        return _OK


class HoldDurationRule:
    """A counted hold that ended before ``min_s``."""

    def __init__(self, rule: RuleSpec) -> None:
        self.rule = rule

    def on_events(self, events: list[Event]) -> Verdict:
        assert self.rule.min_s is not None
        for ev in events:
            if isinstance(ev, HoldEnded) and ev.counted and ev.held_s < self.rule.min_s:
                return Verdict(True, raise_now=True, value=ev.held_s)
        return _OK
