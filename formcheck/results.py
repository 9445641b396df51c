"""What the engine says about each frame: immutable results and a typed event stream.

The session produces these and owns no record. The report
(:class:`formcheck.record.SessionRecord`), the overlay, the app and later the
history database and voice cues are *sinks*: they consume every
:class:`FrameResult` in order (see :class:`ResultSink`), and whatever they
know comes from it. A live set and a clip review therefore give the same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Phase(StrEnum):
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
    direction: str | None = None  # two-way motions: which way (e.g. "left", "cat")
    kind: str = "rep_completed"


@dataclass(frozen=True, slots=True)
class PartialRep:
    """A movement that left rest by at least the minimum range but never reached the top."""

    t_s: float
    side: str | None
    start_s: float
    peak: float
    direction: str | None = None
    kind: str = "partial_rep"


@dataclass(frozen=True, slots=True)
class HoldStarted:
    t_s: float
    side: str | None
    direction: str | None = None
    kind: str = "hold_started"


@dataclass(frozen=True, slots=True)
class HoldEnded:
    t_s: float
    side: str | None
    start_s: float
    held_s: float  # time that counted (form correct, drop-outs bridged)
    counted: bool  # held at least the spec's minimum
    direction: str | None = None
    index: int = 0  # 1-based among this set's counted holds (0: not counted)
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
    #: why, as a code: "no_person", "view", "posture", "not_visible", "starting",
    #: "wait_for_rest" (after a scene cut or a switch to another person)
    code: str = "not_visible"
    kind: str = "cannot_assess"


@dataclass(frozen=True, slots=True)
class Assessing:
    """Assessment resumed after a CannotAssess."""

    t_s: float
    kind: str = "assessing"


@dataclass(frozen=True, slots=True)
class SetStarted:
    """A set began (the first frame of a session, or after a side switch)."""

    t_s: float
    side: str | None
    exercise: str
    set_index: int  # 1-based within the session
    kind: str = "set_started"


@dataclass(frozen=True, slots=True)
class SetEnded:
    """A set ended: ``reason`` is "finished", "stopped" or "side_switched"."""

    t_s: float
    side: str | None
    reason: str
    kind: str = "set_ended"


@dataclass(frozen=True, slots=True)
class SideSwitched:
    t_s: float
    side: str
    kind: str = "side_switched"


@dataclass(frozen=True, slots=True)
class ViewSeen:
    """The camera view was judged to be this spec view (emitted when it changes)."""

    t_s: float
    view: str
    kind: str = "view_seen"


@dataclass(frozen=True, slots=True)
class SceneCut:
    """An edited clip cut to another shot; movement under way was dropped."""

    t_s: float
    kind: str = "scene_cut"


@dataclass(frozen=True, slots=True)
class PersonSwitched:
    """The pose model jumped to another body (further than a body moves between two
    frames, :class:`formcheck.identity.IdentityWatch`): movement under way was dropped,
    and the new person's movement counts once they are seen in the start position."""

    t_s: float
    jump: float  # how far the mid-hip travelled, in torso lengths
    kind: str = "person_switched"


@dataclass(frozen=True, slots=True)
class PeopleInView:
    """Other people are in view beside the tracked person (``others`` > 0), or no longer
    are (``others`` == 0). Emitted when that changes; counting goes on with the tracked
    person (the one drawn on the video)."""

    t_s: float
    others: int  # other people found at the last check (0: only the tracked person)
    since_s: float  # when the change was first seen (``t_s`` is when it was judged steady)
    kind: str = "people_in_view"


@dataclass(frozen=True, slots=True)
class Stopped:
    """The user stopped the set (e.g. pain); nothing is counted after."""

    t_s: float
    reason: str
    kind: str = "stopped"


Event = (
    RepCompleted
    | PartialRep
    | HoldStarted
    | HoldEnded
    | FaultRaised
    | FaultCleared
    | CannotAssess
    | Assessing
    | SetStarted
    | SetEnded
    | SideSwitched
    | ViewSeen
    | SceneCut
    | PersonSwitched
    | PeopleInView
    | Stopped
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
    direction: str | None = None  # two-way motions: the direction under way
    holds: int = 0  # counted holds in the current side's set
    view: str | None = None  # the spec view being assessed
    in_posture: bool = False  # the posture gate is open (nothing counts before)
    assessed: bool = False  # this frame was judged (key feature measured, gate open)
    frame: bool = True  # False for the closing result of finish() / stop()
    others: int = 0  # other people judged in view beside the tracked one (see PeopleInView)


class ResultSink(Protocol):
    """Anything that folds the stream: the report, the history database, voice cues."""

    def consume(self, result: FrameResult) -> None: ...
