"""Guided timers: the plan of holds, rests and side switches for an exercise the camera can't
check (a spec with ``category = "timer"``), built from its prescription.

Pure and standard-library only: the app's timer page plays the plan in the browser, the CLI
prints it, and tests ask it what should be on screen at any elapsed time. Nothing here is
scored; a timer only paces the user.

The prescription's numbers are used as written; where it gives a range (hold 15-30 s, 2-5
reps) the timer takes the upper end, the seed's target for someone who can, and the page says
the user may stop earlier.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

from formcheck.spec import ExerciseSpec

#: Rest between repetitions of a hold, between sides and between sets, in seconds.
REST_BETWEEN_REPS_S = 10.0
SWITCH_SIDES_S = 10.0
REST_BETWEEN_SETS_S = 30.0
#: A hold when the prescription gives none (a guided timer always times something).
DEFAULT_HOLD_S = 30.0

StepKind = Literal["hold", "rest", "switch"]


@dataclass(frozen=True, slots=True)
class TimerStep:
    """One step of a plan.

    Attributes:
        kind: "hold" (do the exercise), "rest", or "switch" (change to the other side).
        label: what the screen (and the voice) says, e.g. "Left side · 1 of 3".
        seconds: how long the step lasts.
        side: the side being worked (holds and switches: the side that comes next).
        rep, reps: this hold's number and how many there are per side in the set.
        set, sets: the set's number and how many sets.
    """

    kind: StepKind
    label: str
    seconds: float
    side: str | None = None
    rep: int = 0
    reps: int = 0
    set: int = 1
    sets: int = 1


@dataclass(frozen=True, slots=True)
class TimerState:
    """Where a plan is at an elapsed time: the step, seconds left in it, and what is next."""

    index: int  # the step's index; len(steps) when done
    step: TimerStep | None  # None when done
    remaining_s: float
    next_step: TimerStep | None
    done: bool


def _top(value: float | tuple[float, float] | tuple[int, int] | None, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, tuple):
        return float(value[1])
    return float(value)


@dataclass(frozen=True, slots=True)
class TimerPlan:
    """The ordered steps of a guided timer."""

    exercise: str
    name: str
    steps: tuple[TimerStep, ...]

    @classmethod
    def from_spec(cls, spec: ExerciseSpec, first_side: str | None = None) -> TimerPlan:
        """Holds of the prescribed length, the prescribed number of times, each side
        (``first_side`` first, default the spec's first side), set after set."""
        p = spec.prescription
        hold_s = _top(p.hold_s, DEFAULT_HOLD_S)
        reps = int(_top(p.holds if p.holds is not None else p.reps, 1.0))
        sets = int(p.sets or 1)
        sides: list[str | None] = list(p.sides) if p.sides else [None]
        if first_side is not None and first_side in sides:
            sides.remove(first_side)
            sides.insert(0, first_side)
        steps: list[TimerStep] = []
        for s in range(1, sets + 1):
            for i, side in enumerate(sides):
                for r in range(1, reps + 1):
                    where = f"{side.capitalize()} side" if side else "Hold"
                    count = f" · {r} of {reps}" if reps > 1 else ""
                    in_set = f" · set {s} of {sets}" if sets > 1 else ""
                    steps.append(
                        TimerStep("hold", where + count + in_set, hold_s, side, r, reps, s, sets)
                    )
                    if r < reps:
                        steps.append(
                            TimerStep("rest", "Rest", REST_BETWEEN_REPS_S, side, r, reps, s, sets)
                        )
                nxt = sides[i + 1] if i + 1 < len(sides) else None
                if nxt is not None:
                    steps.append(
                        TimerStep(
                            "switch",
                            f"Switch to the {nxt} side",
                            SWITCH_SIDES_S,
                            nxt,
                            0,
                            reps,
                            s,
                            sets,
                        )
                    )
            if s < sets:
                steps.append(
                    TimerStep(
                        "rest",
                        f"Rest before set {s + 1}",
                        REST_BETWEEN_SETS_S,
                        None,
                        0,
                        reps,
                        s,
                        sets,
                    )
                )
        return cls(spec.id, spec.name, tuple(steps))

    @property
    def total_s(self) -> float:
        return sum(s.seconds for s in self.steps)

    @property
    def hold_s(self) -> float:
        """Seconds of holding in the whole plan (rests and switches left out)."""
        return sum(s.seconds for s in self.steps if s.kind == "hold")

    def at(self, elapsed_s: float) -> TimerState:
        """The step under way ``elapsed_s`` seconds after the start (a step ends exactly at its
        boundary: at 30.0 s a 30 s hold is over and the next step has begun)."""
        if elapsed_s < 0:
            raise ValueError(f"elapsed_s must be >= 0, got {elapsed_s}")
        t = 0.0
        for i, step in enumerate(self.steps):
            if elapsed_s < t + step.seconds:
                nxt = self.steps[i + 1] if i + 1 < len(self.steps) else None
                return TimerState(i, step, t + step.seconds - elapsed_s, nxt, False)
            t += step.seconds
        return TimerState(len(self.steps), None, 0.0, None, True)

    def to_json(self) -> str:
        """The plan for the browser's player."""
        return json.dumps(
            {"exercise": self.exercise, "name": self.name, "steps": [asdict(s) for s in self.steps]}
        )

    def lines(self) -> list[str]:
        """The plan as text, one step a line ("0:00  Left side · 1 of 3  60 s")."""
        out, t = [], 0.0
        for s in self.steps:
            out.append(f"{_clock(t)}  {s.label}  {s.seconds:g} s")
            t += s.seconds
        out.append(f"{_clock(t)}  Done")
        return out


def _clock(t: float) -> str:
    m, s = divmod(round(t), 60)
    return f"{m}:{s:02d}"


def summary_line(plan: TimerPlan) -> str:
    """One line: how many holds of how long, and the total time."""
    holds = [s for s in plan.steps if s.kind == "hold"]
    if not holds:
        return "Nothing to time."
    each = holds[0].seconds
    if len(holds) == 1:
        return f"1 hold of {each:g} s ({_clock(plan.total_s)})"
    return f"{len(holds)} holds of {each:g} s, {_clock(plan.total_s)} in all with rests"


__all__ = ["TimerPlan", "TimerState", "TimerStep", "summary_line"]
