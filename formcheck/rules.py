"""Form rules: one registry of rule kinds, one evaluator interface.

Each kind has one typed parameter dataclass whose fields declare their
defaults and bounds once (:mod:`formcheck.spec.fields`): the spec parser, the
validation and the docs table (:func:`rules_markdown`) all come from it.

Every evaluator has the same interface: ``step(RuleInput) -> Verdict``. A
:class:`RuleInput` carries the frame's feature values, a :class:`MotionState`
snapshot of the movement under way (phase, direction, the rep's start, peak and
enter level) and the rep/hold events of this frame. Rules never hold a
reference to a counter, so a rule judges whichever view and direction the
session is following now.

Two families:

* *continuous* (range, drift, oscillation): active while the condition holds
  for longer than ``grace_s``; cleared when it stops, and suspended (never
  raised) while the feature cannot be measured;
* *momentary* (tempo, reach, hold_duration): raised once, about a finished
  movement, and shown for a few seconds.

Adding a kind: write its params dataclass and evaluator, then
``register_rule(RuleKind(...))``. Nothing in the session or the report
dispatches on kind names.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from formcheck.results import Event, HoldEnded, PartialRep, Phase, RepCompleted
from formcheck.spec.fields import (
    Ctx,
    feature_ref,
    fields_markdown,
    flag,
    integer,
    num,
    one_of,
    phase_list,
)
from formcheck.spec.model import RULE_PHASES

if TYPE_CHECKING:
    from formcheck.spec.model import RuleSpec

RISE_LOOKBACK_S = 5.0  # how far back a rising tempo looks for the start of the rise


# ---------------------------------------------------------------------------
# The interface
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MotionState:
    """What rules may know about the movement under way (a snapshot, never a counter)."""

    phase: Phase
    direction: str | None = None
    sign: float = 1.0  # +1: the active position is the high value of the feature
    feature: str | None = None
    value: float | None = None  # the motion feature now
    reps: int = 0  # reps completed so far by this motion
    rep_start_s: float | None = None  # identifies the movement under way
    rep_start_value: float | None = None
    rep_peak_value: float | None = None
    enter_level: float | None = None  # the value at which the top is reached now
    holding: bool = False
    confidence: str = "high"

    @property
    def in_rep(self) -> bool:
        return self.phase in (Phase.RISING, Phase.TOP, Phase.LOWERING)


REST = MotionState(Phase.UNKNOWN)


@dataclass(frozen=True, slots=True)
class RuleInput:
    t_s: float
    values: Mapping[str, float | None]
    motion: MotionState
    applies: bool  # the rule's view and phases match now
    events: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a rule concluded this frame: raised now, or still violated (continuous)."""

    violated: bool
    raise_now: bool = False
    value: float | None = None


OK = Verdict(False)


class Evaluator(Protocol):
    def step(self, inp: RuleInput) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class RuleKind:
    """A registered kind of rule.

    Attributes:
        continuous: active while violated (else momentary: raised once).
        judges_movement: judges the rep or hold movement itself, so it is
            suspended (listed as not checked) for a ``confidence = "low"`` motion.
        needs: ``"reps"`` or ``"hold"`` when the spec must have that section.
        rep_link: which rep a fault belongs to: ``"under_way"``, ``"judged"``
            (the one under way, or the one that just finished) or ``"none"``.
    """

    name: str
    params: type
    make: Callable[[RuleSpec], Evaluator]
    doc: str
    continuous: bool
    judges_movement: bool = False
    needs: Literal["reps", "hold"] | None = None
    rep_link: Literal["under_way", "judged", "none"] = "under_way"


RULE_KINDS: dict[str, RuleKind] = {}


def register_rule(kind: RuleKind) -> RuleKind:
    if kind.name in RULE_KINDS:
        raise ValueError(f"rule kind {kind.name!r} is registered twice")
    RULE_KINDS[kind.name] = kind
    return kind


def phase_matches(phases: tuple[str, ...], phase: Phase, holding: bool) -> bool:
    return any(p == "any" or p == phase.value or (p == "hold" and holding) for p in phases)


# ---------------------------------------------------------------------------
# Continuous kinds
# ---------------------------------------------------------------------------


class Persistence:
    """A violation counts once it has lasted ``grace_s``; it is raised once until it clears."""

    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self._since: float | None = None
        self._raised = False

    def clear(self) -> Verdict:
        self._since, self._raised = None, False
        return OK

    def violated(self, value: float, t_s: float) -> Verdict:
        if self._since is None:
            self._since = t_s
        if t_s - self._since < self.grace_s:
            return OK
        first = not self._raised
        self._raised = True
        return Verdict(True, raise_now=first, value=value)


_PHASES_DOC = "phases it applies in (`hold`: holding still in the position)"


@dataclass(frozen=True, slots=True)
class RangeParams:
    feature: str = feature_ref()
    phases: tuple[str, ...] = phase_list(("any",), options=RULE_PHASES, doc=_PHASES_DOC)
    min: float | None = num(None, doc="lowest allowed value")
    max: float | None = num(None, doc="highest allowed value")
    absolute: bool = flag(False, doc="compare the absolute value \\|value\\| (a tilt either way)")
    must_see: bool = flag(
        False,
        doc="a hold counts only while this feature is measured (for a fault that hides its "
        "own landmark: a second knee brought up hides behind the first)",
    )

    def validate(self, ctx: Ctx, where: str) -> None:
        if self.min is None and self.max is None:
            raise ctx.fail(where, "needs min, max or both")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ctx.fail(f"{where}.min", f"{self.min:g} must be below max {self.max:g}")
        if self.absolute and (
            (self.max is not None and self.max <= 0) or (self.min is not None and self.min < 0)
        ):
            key = "max" if self.max is not None and self.max <= 0 else "min"
            raise ctx.fail(
                f"{where}.{key}",
                f"{getattr(self, key):g} is not allowed: the rule compares |value| "
                "(absolute = true), so min must be >= 0 and max > 0",
            )


class RangeRule:
    def __init__(self, rule: RuleSpec) -> None:
        self.p: RangeParams = rule.params
        self._persist = Persistence(rule.grace_s)

    def _outside(self, v: float) -> bool:
        p = self.p
        x = abs(v) if p.absolute else v
        return (p.min is not None and x < p.min) or (p.max is not None and x > p.max)

    def step(self, inp: RuleInput) -> Verdict:
        value = inp.values.get(self.p.feature)
        if value is None or not inp.applies or not self._outside(value):
            return self._persist.clear()
        return self._persist.violated(value, inp.t_s)


@dataclass(frozen=True, slots=True)
class DriftParams:
    feature: str = feature_ref()
    max_change: float = num(
        lo=0.0,
        lo_open=True,
        hi=1e4,
        doc="largest allowed change from the value when the phase began",
    )
    phases: tuple[str, ...] = phase_list(("any",), options=RULE_PHASES, doc=_PHASES_DOC)

    def validate(self, ctx: Ctx, where: str) -> None:
        pass


class DriftRule:
    """The feature must stay within ``max_change`` of its value when the phase began."""

    def __init__(self, rule: RuleSpec) -> None:
        self.p: DriftParams = rule.params
        self._base: float | None = None
        self._persist = Persistence(rule.grace_s)

    def step(self, inp: RuleInput) -> Verdict:
        if not inp.applies:
            self._base = None
            return self._persist.clear()
        value = inp.values.get(self.p.feature)
        if value is None:
            return self._persist.clear()
        if self._base is None:
            self._base = value
        if abs(value - self._base) <= self.p.max_change:
            return self._persist.clear()
        return self._persist.violated(value, inp.t_s)


@dataclass(frozen=True, slots=True)
class OscillationParams:
    feature: str = feature_ref()
    phases: tuple[str, ...] = phase_list(("any",), options=RULE_PHASES, doc=_PHASES_DOC)
    window_s: float = num(
        2.0, lo=0.1, hi=60.0, unit="s", doc="the window the reversals are counted in"
    )
    min_amplitude: float = num(
        3.0, lo=0.0, lo_open=True, hi=1e4, doc="a reversal must move at least this much"
    )
    max_reversals: int = integer(
        3, lo=1, hi=100, doc="this many reversals in the window is bouncing"
    )

    def validate(self, ctx: Ctx, where: str) -> None:
        pass


class OscillationRule:
    """Bouncing: ``max_reversals`` direction changes of ``min_amplitude`` in ``window_s``."""

    def __init__(self, rule: RuleSpec) -> None:
        self.p: OscillationParams = rule.params
        self._extreme: float | None = None
        self._direction = 0
        self._reversals: deque[float] = deque()
        self._raised = False

    def step(self, inp: RuleInput) -> Verdict:
        p, t_s = self.p, inp.t_s
        value = inp.values.get(p.feature)
        if value is None or not inp.applies:
            self._extreme, self._direction, self._raised = None, 0, False
            self._reversals.clear()
            return OK
        if self._extreme is None:
            self._extreme = value
        move = value - self._extreme
        if self._direction >= 0 and move <= -p.min_amplitude:
            if self._direction > 0:
                self._reversals.append(t_s)
            self._direction, self._extreme = -1, value
        elif self._direction <= 0 and move >= p.min_amplitude:
            if self._direction < 0:
                self._reversals.append(t_s)
            self._direction, self._extreme = 1, value
        elif (self._direction > 0 and value > self._extreme) or (
            self._direction < 0 and value < self._extreme
        ):
            self._extreme = value
        while self._reversals and self._reversals[0] < t_s - p.window_s:
            self._reversals.popleft()
        if len(self._reversals) >= p.max_reversals:
            first = not self._raised
            self._raised = True
            return Verdict(True, raise_now=first, value=float(len(self._reversals)))
        self._raised = False
        return OK


# ---------------------------------------------------------------------------
# Momentary kinds
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TempoParams:
    phase: str = one_of(options=("rising", "lowering"), doc="which half of the rep is timed")
    min_s: float | None = num(
        None, lo=0.0, lo_open=True, hi=600.0, unit="s", doc="faster than this is a fault"
    )
    max_s: float | None = num(
        None, lo=0.0, lo_open=True, hi=600.0, unit="s", doc="slower than this is a fault"
    )
    from_frac: float = num(0.8, lo=0.0, hi=1.0, doc="timing starts at this fraction of the range")
    to_frac: float = num(0.2, lo=0.0, hi=1.0, doc="and ends at this fraction")

    def validate(self, ctx: Ctx, where: str) -> None:
        if self.min_s is None and self.max_s is None:
            raise ctx.fail(where, "needs min_s, max_s or both")
        if self.min_s is not None and self.max_s is not None and self.min_s >= self.max_s:
            raise ctx.fail(f"{where}.min_s", f"{self.min_s:g} must be below max_s {self.max_s:g}")
        if not self.to_frac < self.from_frac:
            raise ctx.fail(
                f"{where}.to_frac",
                f"{self.to_frac:g} must be below from_frac {self.from_frac:g}",
            )


class TempoRule:
    """Time to move between ``from_frac`` and ``to_frac`` of a rep's range.

    For ``lowering``: from the last time the value was above ``from_frac`` of
    the range (after the peak) to the first time it falls below ``to_frac``.
    For ``rising``: from leaving ``to_frac`` to reaching ``from_frac``, with
    the range taken to the enter threshold. Evaluated once per movement that
    reached the top, whichever view or direction it is followed in.

    Both marks are the times the value crossed them, interpolated between the
    samples on either side: a stream analysed at 8 fps (frames dropped) times
    the same movement as the full-rate clip, instead of adding up to two frame
    gaps to it and missing a fast lowering.
    """

    def __init__(self, rule: RuleSpec) -> None:
        self.p: TempoParams = rule.params
        self._start: float | None = None
        self._peak: float | None = None
        self._t_from: float | None = None
        self._done = False
        self._prev: tuple[float, float] | None = None  # last judged sample (t, oriented value)
        self._rep_id: tuple[str | None, float] | None = None
        self._topped = False
        self._recent: deque[tuple[float, float]] = deque()  # (t, raw value)
        self._feature: str | None = None

    def _judge(self, duration: float) -> Verdict:
        p = self.p
        bad = (p.min_s is not None and duration < p.min_s) or (
            p.max_s is not None and duration > p.max_s
        )
        return Verdict(bad, raise_now=bad, value=duration)

    @staticmethod
    def _crossed(level: float, a: tuple[float, float] | None, t_s: float, g: float) -> float:
        """When the value crossed ``level`` between sample ``a`` and (t_s, g), linearly."""
        if a is None:
            return t_s
        t0, g0 = a
        if t_s <= t0 or g == g0:
            return t_s
        f = (level - g0) / (g - g0)
        return t0 + min(1.0, max(0.0, f)) * (t_s - t0)

    def step(self, inp: RuleInput) -> Verdict:
        m, t_s = inp.motion, inp.t_s
        if m.feature != self._feature:  # another view's feature: start afresh
            self._feature, self._rep_id, self._start = m.feature, None, None
            self._recent.clear()
            self._prev = None
        if m.value is None or not inp.applies:
            self._prev = None  # not followed: no crossing is timed across the break
            return OK
        s = m.sign
        g = s * m.value
        prev, self._prev = self._prev, (t_s, g)
        self._recent.append((t_s, m.value))
        while self._recent and self._recent[0][0] < t_s - RISE_LOOKBACK_S:
            self._recent.popleft()
        if m.rep_start_s is not None:
            rep_id = (m.direction, m.rep_start_s)
            if rep_id != self._rep_id:  # a new movement began
                self._rep_id, self._t_from, self._done = rep_id, None, False
                self._topped = False
                self._start = s * (m.rep_start_value or 0.0)
            self._topped = self._topped or m.phase is Phase.TOP
            self._peak = None if m.rep_peak_value is None else s * m.rep_peak_value
        if self._start is None or self._peak is None or self._done:
            return OK
        p = self.p
        if p.phase == "lowering":
            if not self._topped:
                return OK
            amp = self._peak - self._start
            if amp <= 0:
                return OK
            hi = self._start + p.from_frac * amp
            lo = self._start + p.to_frac * amp
            if g >= hi:
                self._t_from = None
            elif self._t_from is None:
                self._t_from = self._crossed(hi, prev, t_s, g) if prev else t_s
            if g <= lo and self._t_from is not None:
                self._done = True
                t_to = max(self._t_from, self._crossed(lo, prev, t_s, g))
                return self._judge(t_to - self._t_from)
            return OK
        if m.enter_level is None:
            return OK
        amp = s * m.enter_level - self._start
        lo = self._start + p.to_frac * amp
        hi = self._start + p.from_frac * amp
        if g >= hi:
            # The rise began inside the rest zone, before the counter saw a rep:
            # look back for the last time the value was still at the low mark.
            self._done = True
            recent = list(self._recent)
            low = [i for i, (_, v) in enumerate(recent) if s * v <= lo]
            if not low:
                return OK
            i = low[-1]
            t_lo, v_lo = recent[i]
            t_from = t_lo
            if i + 1 < len(recent):
                t1, v1 = recent[i + 1]
                t_from = self._crossed(lo, (t_lo, s * v_lo), t1, s * v1)
            t_to = max(t_from, self._crossed(hi, prev, t_s, g))
            return self._judge(t_to - t_from)
        return OK


@dataclass(frozen=True, slots=True)
class ReachParams:
    value: float | None = num(
        None, doc="a counted rep whose peak falls short of this is flagged too (optional)"
    )

    def validate(self, ctx: Ctx, where: str) -> None:
        pass


class ReachRule:
    """A movement that never reached the top (a partial rep), or a rep whose peak fell short."""

    def __init__(self, rule: RuleSpec) -> None:
        self.p: ReachParams = rule.params

    def step(self, inp: RuleInput) -> Verdict:
        if not inp.applies:
            return OK
        s = inp.motion.sign
        for ev in inp.events:
            if isinstance(ev, PartialRep):
                return Verdict(True, raise_now=True, value=ev.peak)
            if (
                isinstance(ev, RepCompleted)
                and self.p.value is not None
                and (s * ev.peak < s * self.p.value)
            ):
                return Verdict(True, raise_now=True, value=ev.peak)
        return OK


@dataclass(frozen=True, slots=True)
class HoldDurationParams:
    min_s: float = num(
        lo=0.0,
        lo_open=True,
        hi=3600.0,
        unit="s",
        doc="a counted hold that ends before this is flagged",
    )

    def validate(self, ctx: Ctx, where: str) -> None:
        pass


class HoldDurationRule:
    """A counted hold that ended before ``min_s``."""

    def __init__(self, rule: RuleSpec) -> None:
        self.p: HoldDurationParams = rule.params

    def step(self, inp: RuleInput) -> Verdict:
        for ev in inp.events:
            if isinstance(ev, HoldEnded) and ev.counted and ev.held_s < self.p.min_s:
                return Verdict(True, raise_now=True, value=ev.held_s)
        return OK


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------

register_rule(
    RuleKind(
        "range",
        RangeParams,
        RangeRule,
        "the value is outside `min`..`max` for `grace_s` in one of the phases",
        continuous=True,
    )
)
register_rule(
    RuleKind(
        "drift",
        DriftParams,
        DriftRule,
        "the value moves more than `max_change` from its value when the phase began "
        "(hips stay down, feet stay planted)",
        continuous=True,
    )
)
register_rule(
    RuleKind(
        "oscillation",
        OscillationParams,
        OscillationRule,
        "`max_reversals` direction changes of `min_amplitude` within `window_s` "
        "(bouncing in a stretch)",
        continuous=True,
    )
)
register_rule(
    RuleKind(
        "tempo",
        TempoParams,
        TempoRule,
        "moving between `from_frac` and `to_frac` of the rep's range took less than `min_s` "
        "(or more than `max_s`); judged once per rep that reached the top",
        continuous=False,
        judges_movement=True,
        needs="reps",
        rep_link="judged",
    )
)
register_rule(
    RuleKind(
        "reach",
        ReachParams,
        ReachRule,
        "a partial rep (never reached `enter`), or a counted rep whose peak fell short of `value`",
        continuous=False,
        judges_movement=True,
        needs="reps",
        rep_link="none",
    )
)
register_rule(
    RuleKind(
        "hold_duration",
        HoldDurationParams,
        HoldDurationRule,
        "a counted hold ended before `min_s`",
        continuous=False,
        judges_movement=True,
        needs="hold",
        rep_link="none",
    )
)


def rules_markdown() -> str:
    """The docs section for every registered rule kind (docs/spec_format.md embeds it)."""
    parts = []
    for kind in RULE_KINDS.values():
        family = "continuous" if kind.continuous else "momentary"
        needs = f"; needs a `[{kind.needs}]` section" if kind.needs else ""
        parts.append(f"### `{kind.name}` ({family}{needs})\n\nRaised when {kind.doc}.\n")
        parts.append(fields_markdown(kind.params) + "\n")
    return "\n".join(parts)


def make_evaluator(rule: RuleSpec) -> Evaluator:
    return RULE_KINDS[rule.kind].make(rule)
