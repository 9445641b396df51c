"""What the engine says about each frame: immutable results and events.

The session produces these; renderers, records and the app only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Phase(str, Enum):
    """Where the body is in the movement cycle of the spec's rep feature."""

    UNKNOWN = "unknown"  # no assessable pose yet
    REST = "rest"  # start position (e.g. hips down)
    RISING = "rising"  # moving toward the active position
    TOP = "top"  # in the active position (e.g. hips up); holds happen here
    LOWERING = "lowering"  # returning to rest


@dataclass(frozen=True, slots=True)
class RepCompleted:
    t_s: float
    side: str | None
    index: int  # 1-based within the side's set
    start_s: float
    top_s: float
    end_s: float
    peak: float  # extreme of the rep feature reached
    rom: float  # range of motion: |peak - start value|
    at_clip_end: bool = False  # counted because the clip ended during the return
    kind: str = "rep_completed"


@dataclass(frozen=True, slots=True)
class PartialRep:
    """A movement that left rest by at least the minimum range but never reached the top."""

    t_s: float
    side: str | None
    start_s: float
    peak: float
    kind: str = "partial_rep"


@dataclass(frozen=True, slots=True)
class HoldStarted:
    t_s: float
    side: str | None
    kind: str = "hold_started"


@dataclass(frozen=True, slots=True)
class HoldEnded:
    t_s: float
    side: str | None
    start_s: float
    held_s: float  # time that counted (form correct, drop-outs bridged)
    counted: bool  # held at least the spec's minimum
    kind: str = "hold_ended"


@dataclass(frozen=True, slots=True)
class FaultRaised:
    t_s: float
    side: str | None
    rule: str
    cue: str
    value: float | None
    rep: int | None  # the rep it belongs to, when there is one
    kind: str = "fault_raised"


@dataclass(frozen=True, slots=True)
class FaultCleared:
    t_s: float
    side: str | None
    rule: str
    kind: str = "fault_cleared"


@dataclass(frozen=True, slots=True)
class CannotAssess:
    t_s: float
    reason: str
    kind: str = "cannot_assess"


@dataclass(frozen=True, slots=True)
class Assessing:
    """Assessment resumed after a CannotAssess."""

    t_s: float
    kind: str = "assessing"


Event = (
    RepCompleted
    | PartialRep
    | HoldStarted
    | HoldEnded
    | FaultRaised
    | FaultCleared
    | CannotAssess
    | Assessing
)


@dataclass(frozen=True, slots=True)
class FrameResult:
    """Everything the engine concluded at one frame time."""

    t_s: float
    side: str | None
    phase: Phase
    reps: int  # completed reps in the current side's set
    hold_s: float  # the current hold's counted time (0 when not holding)
    best_hold_s: float  # longest counted hold so far in this set
    faults: tuple[str, ...]  # rule ids active now
    cue: str | None  # the single cue to show now
    cannot_assess: str | None  # reason, when the frame could not be assessed
    key_feature: str
    key_value: float | None
    features: dict[str, float | None] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    person: bool = True
