"""The frozen types a spec file becomes. Vocabularies are closed: ``Literal`` types here,
checked at load time by :mod:`formcheck.spec.parse`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from formcheck.landmarks import Landmark
from formcheck.spec.fields import flag, num, one_of

SCHEMA_VERSION = 1

View = Literal["side", "front", "foot_end", "oblique"]
Category = Literal["strength", "stretch", "timer"]
Side = Literal["left", "right"]
FeatureKind = Literal[
    "joint_angle",
    "segment_tilt",
    "height",
    "distance",
    "line_deviation",
    "offset",
    "ratio",
    "offset_along",
    "angle_from_down",
]
Reference = Literal["horizontal", "vertical"]
Space = Literal["image", "world", "tracked"]
RefKind = Literal["fixed", "mid", "near", "far", "working", "free", "raised", "front", "back"]
Confidence = Literal["high", "low"]

VIEWS: tuple[str, ...] = get_args(View)
CATEGORIES: tuple[str, ...] = get_args(Category)
SIDES: tuple[str, ...] = get_args(Side)
FEATURE_KINDS: tuple[str, ...] = get_args(FeatureKind)
TILT_REFERENCES: tuple[str, ...] = get_args(Reference)
SPACES: tuple[str, ...] = get_args(Space)
CONFIDENCE: tuple[str, ...] = get_args(Confidence)
#: Phases a rule can apply in (``hold``: holding still in the position; ``any``: always).
RULE_PHASES = ("rest", "rising", "top", "lowering", "hold", "any")


@dataclass(frozen=True, slots=True)
class PointRef:
    """A landmark reference: a fixed landmark, or a side-relative one.

    ``kind`` is ``"fixed"`` (``landmark`` set), ``"mid"`` (midpoint of the left
    and right ``part``), or one of ``near``/``far``/``working``/``free`` (the
    side is resolved once per session).
    """

    text: str
    kind: RefKind
    part: str | None = None
    landmark: Landmark | None = None


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """A scalar measured on every frame (see docs/spec_format.md for each kind).

    Kinds (angles in degrees, lengths divided by the ``normalise`` segment):
      * ``joint_angle``: angle at ``points[1]`` between the segments to
        ``points[0]`` and ``points[2]``, in [0, 180]; 180 is straight.
      * ``segment_tilt``: signed angle of ``points[0] -> points[1]`` against
        ``horizontal`` ([-90, 90], positive when ``points[1]`` is higher) or
        ``vertical`` ((-180, 180], 0 straight up, positive toward image right).
      * ``height``: how far ``points[0]`` is above ``points[1]`` (image y).
      * ``distance``: distance between ``points[0]`` and ``points[1]``.
      * ``line_deviation``: signed distance of ``points[1]`` from the line
        ``points[0] -> points[2]``; positive when it lies above the line in the
        image (plank pike), negative below (sag).
      * ``offset``: horizontal offset of ``points[0]`` past ``points[1]`` in the
        direction ``points[2] -> points[1]`` (knee past the toes; hips back
        toward the heels).
      * ``ratio``: distance ``points[0]-points[1]`` over distance
        ``points[2]-points[3]`` (no ``normalise``).
      * ``offset_along``: signed offset of ``points[0]`` from ``points[1]``
        along the direction ``points[2] -> points[3]``, divided by that
        segment's length (or ``normalise``); image or world space.
      * ``angle_from_down``: unsigned angle of ``points[0] -> points[1]`` from
        straight down (a thigh: 0 standing, 90 sitting); in world space it
        keeps the depth a front view loses.
    """

    name: str
    kind: FeatureKind
    points: tuple[PointRef, ...]
    reference: Reference = "horizontal"
    normalise: tuple[PointRef, PointRef] | None = None
    space: Space = "image"
    views: tuple[str, ...] = ()  # empty: every view of the spec
    description: str = ""
    median_s: float = 0.0  # > 0: the running median over this many seconds (pose-model glitches)


@dataclass(frozen=True, slots=True)
class Threshold:
    """``above`` or ``below`` a value."""

    direction: Literal["above", "below"]
    value: float

    def met(self, x: float) -> bool:
        return x > self.value if self.direction == "above" else x < self.value


@dataclass(frozen=True, slots=True)
class MotionSettings:
    """The scalar settings of a motion, with their bounds (parsed and documented from here)."""

    min_range: float = num(
        0.0, lo=0.0, hi=1e4, doc="a movement smaller than this from rest is noise"
    )
    min_duration_s: float = num(
        0.0, lo=0.0, hi=600.0, unit="s", doc="a rep faster than this is not counted"
    )
    relative: bool = flag(
        False, doc="enter and exit are offsets from a rest baseline (small movements)"
    )
    baseline_s: float = num(
        2.0, lo=0.05, hi=600.0, unit="s", doc="with `relative`: time constant of the rest baseline"
    )
    confidence: str = one_of(
        "high",
        options=CONFIDENCE,
        doc="`low`: the pose model follows this movement only partly; counts are estimates",
    )
    max_gap_s: float | None = num(
        None,
        lo=0.0,
        lo_open=True,
        hi=60.0,
        unit="s",
        doc="a movement whose feature can't be measured for longer than this part-way is not "
        "counted (it was not seen); default: gaps are bridged",
    )


@dataclass(frozen=True, slots=True)
class MotionSpec:
    """How the active position (top of a rep, the held position) is recognised.

    The body is *in* the position once the feature passes ``enter``, and back
    at rest once it passes ``exit``; between them is the dead band. A two-way
    exercise has one motion per ``direction`` in the same view (roll the knees
    left / right; cat / cow), each counted and timed on its own.
    """

    feature: str
    enter: Threshold
    exit: Threshold
    min_range: float = 0.0
    min_duration_s: float = 0.0
    views: tuple[str, ...] = ()
    relative: bool = False
    baseline_s: float = 2.0
    confidence: str = "high"
    direction: str | None = None
    max_gap_s: float | None = None


@dataclass(frozen=True, slots=True)
class HoldSettings:
    """The scalar settings of ``[hold]``."""

    min_s: float = num(
        1.0,
        lo=0.0,
        lo_open=True,
        hi=3600.0,
        unit="s",
        doc="a hold shorter than this is not counted as a hold",
    )
    tolerance_s: float = num(
        0.5, lo=0.0, hi=60.0, unit="s", doc="drop-outs shorter than this are bridged"
    )
    requires_form: bool = flag(True, doc="time counts only while no form fault is active")
    max_speed: float | None = num(
        None,
        lo=0.0,
        lo_open=True,
        hi=1e4,
        unit="feature units/s",
        doc="moving faster than this is not holding (default: twice the dead band per second)",
    )


@dataclass(frozen=True, slots=True)
class HoldSpec:
    motion: MotionSpec | None  # None: the rep motions' active positions
    min_s: float  # a hold shorter than this is not counted as a hold
    tolerance_s: float  # drop-outs shorter than this are bridged
    requires_form: bool  # time counts only while no fault is active
    max_speed: float | None = None


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One form rule: common fields, plus the typed parameters of its kind.

    ``params`` is an instance of the kind's parameter dataclass from the rule
    registry (:mod:`formcheck.rules`), already validated.
    """

    id: str
    kind: str
    cue: str
    description: str
    params: Any
    views: tuple[str, ...] = ()
    grace_s: float = 0.3

    @property
    def feature(self) -> str | None:
        return getattr(self.params, "feature", None)


@dataclass(frozen=True, slots=True)
class Prescription:
    text: str
    source: str
    reps: tuple[int, int] | None = None
    sets: int | None = None
    hold_s: tuple[float, float] | None = None
    sides: tuple[str, ...] = ()
    holds: tuple[int, int] | None = None  # holds per set ("10 reps, each held 10 s")

    @property
    def reps_target(self) -> int | None:
        return None if self.reps is None else self.reps[0]

    @property
    def hold_target_s(self) -> float | None:
        return None if self.hold_s is None else self.hold_s[0]


@dataclass(frozen=True, slots=True)
class ExerciseSpec:
    id: str
    name: str
    category: str
    view: str
    views: tuple[str, ...]
    camera: str
    instructions: tuple[str, ...]
    source: str
    prescription: Prescription
    features: Mapping[str, FeatureSpec]
    reps: tuple[MotionSpec, ...]
    hold: HoldSpec | None
    rules: tuple[RuleSpec, ...]
    min_visibility: float
    key_feature: str
    limits: str
    posture: str | None = None  # a name in formcheck.posture.POSTURE_GATES
    path: Path | None = None

    @property
    def has_sides(self) -> bool:
        return bool(self.prescription.sides)

    @property
    def is_timer(self) -> bool:
        """A guided timer: nothing is checked by the camera."""
        return self.category == "timer"

    @property
    def hold_only(self) -> bool:
        """Holds without reps (a plank, a stretch): the holds are the repetitions."""
        return not self.reps and self.hold is not None

    def motions_for(self, view: str) -> tuple[MotionSpec, ...]:
        """The motions that drive phases in ``view``: the rep motions (one per direction), else
        the hold's own."""
        reps = tuple(m for m in self.reps if not m.views or view in m.views)
        if reps:
            return reps
        if self.hold is not None and self.hold.motion is not None:
            m = self.hold.motion
            if not m.views or view in m.views:
                return (m,)
        return ()

    def motion_for(self, view: str) -> MotionSpec | None:
        """The first motion of ``view`` (see :meth:`motions_for`)."""
        ms = self.motions_for(view)
        return ms[0] if ms else None

    @property
    def directions(self) -> tuple[str, ...]:
        """The directions of a two-way exercise, in spec order (empty for one-way)."""
        out: list[str] = []
        for m in self.reps:
            if m.direction is not None and m.direction not in out:
                out.append(m.direction)
        return tuple(out)

    @property
    def low_confidence(self) -> bool:
        """Counting or hold timing is only an estimate for this exercise (see ``limits``)."""
        motions = list(self.reps) + ([self.hold.motion] if self.hold and self.hold.motion else [])
        return any(m.confidence == "low" for m in motions)

    @property
    def count_label(self) -> str:
        """What the main counter counts: ``'Reps'``, or ``'Holds'`` for a hold-only exercise."""
        return "Holds" if self.hold_only else "Reps"

    @property
    def holds_target(self) -> int | None:
        """Holds a set needs when the prescription counts them: its ``holds``, or for a
        hold-only exercise its ``reps`` (the holds are the repetitions); else None."""
        p = self.prescription
        if self.hold is None:
            return None
        if p.holds is not None:
            return p.holds[0]
        return p.reps_target if self.hold_only else None

    @property
    def count_target(self) -> int | None:
        """The target shown against the main counter (reps, or holds when hold-only)."""
        if self.hold_only:
            return self.holds_target
        return self.prescription.reps_target if self.reps else None

    @property
    def hold_target_s(self) -> float | None:
        """The hold time to show, when the exercise has holds."""
        return self.prescription.hold_target_s if self.hold is not None else None

    @property
    def tracked_landmarks(self) -> tuple[Landmark, ...]:
        """Landmarks some feature measures in ``tracked`` space (both sides of a sided
        reference): what the pose boundary must follow with optical flow. A ``normalise``
        segment is a length scale, taken from the landmarks themselves."""
        out: set[Landmark] = set()
        for f in self.features.values():
            if f.space != "tracked":
                continue
            for ref in f.points:
                if ref.landmark is not None:
                    out.add(ref.landmark)
                elif ref.part is not None:
                    out.update(Landmark[f"{side}_{ref.part}".upper()] for side in ("left", "right"))
        return tuple(sorted(out))

    def checks(self) -> list[tuple[str, str]]:
        """(rule id, what it checks) for the library page."""
        return [(r.id, r.description) for r in self.rules]
