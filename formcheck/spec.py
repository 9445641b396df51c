"""Exercise specs: TOML files in exercise_specs/, validated into frozen types.

Every name in a spec comes from a closed vocabulary. A mistake fails at load
time with the file, the field, the bad value and the allowed values, e.g.::

    glute_bridge.toml: rules[0].feature 'pelvis_tlt' is not defined; defined: hip_extension, ...

The schema is documented in docs/spec_format.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

from formcheck.errors import SpecError
from formcheck.landmarks import SIDED_PARTS, Landmark

SCHEMA_VERSION = 1
SPEC_DIR = Path(__file__).resolve().parent.parent / "exercise_specs"

VIEWS = ("side", "front", "foot_end", "oblique")
CATEGORIES = ("strength", "stretch", "timer")
SIDES = ("left", "right")
SIDE_PREFIXES = ("near", "far", "working", "free", "left", "right")
FEATURE_KINDS = ("joint_angle", "segment_tilt", "height", "distance")
TILT_REFERENCES = ("horizontal", "vertical")
RULE_KINDS = ("range", "tempo", "reach", "oscillation", "drift", "hold_duration")
RULE_PHASES = ("rest", "rising", "top", "lowering", "hold", "any")
TEMPO_PHASES = ("rising", "lowering")
SPACES = ("image", "world")


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointRef:
    """A landmark reference: a fixed landmark, or a side-relative one.

    ``kind`` is ``"fixed"`` (``landmark`` set), ``"mid"`` (midpoint of the left
    and right ``part``), or one of ``near``/``far``/``working``/``free`` (the
    side is resolved once per session).
    """

    text: str
    kind: str
    part: str | None = None
    landmark: Landmark | None = None


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """A scalar measured on every frame.

    Kinds (angles in degrees):
      * ``joint_angle``: angle at ``points[1]`` between the segments to
        ``points[0]`` and ``points[2]``, in [0, 180]; 180 is straight.
      * ``segment_tilt``: signed angle of the segment ``points[0] -> points[1]``.
        Against ``horizontal``: in [-90, 90], positive when ``points[1]`` is
        higher in the image, whichever way the segment points. Against
        ``vertical``: in (-180, 180], 0 when ``points[1]`` is straight above
        ``points[0]``, positive when it leans toward the image's right.
      * ``height``: how far ``points[0]`` is above ``points[1]`` (image y),
        divided by the length of the ``normalise`` segment.
      * ``distance``: distance between ``points[0]`` and ``points[1]``,
        divided by the length of the ``normalise`` segment.
    """

    name: str
    kind: str
    points: tuple[PointRef, ...]
    reference: str = "horizontal"
    normalise: tuple[PointRef, PointRef] | None = None
    space: str = "image"
    views: tuple[str, ...] = ()  # empty: every view of the spec
    description: str = ""


@dataclass(frozen=True, slots=True)
class Threshold:
    """``above`` or ``below`` a value."""

    direction: str  # "above" | "below"
    value: float

    def met(self, x: float) -> bool:
        return x > self.value if self.direction == "above" else x < self.value


@dataclass(frozen=True, slots=True)
class MotionSpec:
    """How the active position (top of a rep, the held position) is recognised.

    The body is *in* the position once the feature passes ``enter``, and back
    at rest once it passes ``exit``; between them is the dead band.
    """

    feature: str
    enter: Threshold
    exit: Threshold
    min_range: float = 0.0  # a movement smaller than this from rest is noise
    min_duration_s: float = 0.0  # a rep faster than this is not counted
    views: tuple[str, ...] = ()
    # Thresholds are offsets from a rest baseline learned while at rest, for
    # small movements whose absolute level differs from person to person.
    relative: bool = False
    baseline_s: float = 2.0  # time constant of the rest baseline
    # "low": the pose model follows this movement only partly (see the spec's
    # ``limits``); counts and hold times are reported as estimates.
    confidence: str = "high"


@dataclass(frozen=True, slots=True)
class HoldSpec:
    motion: MotionSpec | None  # None: the rep motion's active position
    min_s: float  # a hold shorter than this is not counted as a hold
    tolerance_s: float  # drop-outs shorter than this are bridged
    requires_form: bool  # time counts only while no fault is active
    # Feature units per second; faster is moving, not holding. Default: twice the
    # dead band per second.
    max_speed: float | None = None


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    kind: str
    cue: str
    description: str
    feature: str | None = None
    phases: tuple[str, ...] = ("any",)
    views: tuple[str, ...] = ()
    grace_s: float = 0.3
    min: float | None = None
    max: float | None = None
    absolute: bool = False
    # tempo
    phase: str | None = None
    min_s: float | None = None
    max_s: float | None = None
    from_frac: float = 0.8
    to_frac: float = 0.2
    # reach
    value: float | None = None
    # oscillation
    window_s: float = 2.0
    min_amplitude: float = 3.0
    max_reversals: int = 3
    # drift
    max_change: float | None = None


@dataclass(frozen=True, slots=True)
class Prescription:
    text: str
    source: str
    reps: tuple[int, int] | None = None
    sets: int | None = None
    hold_s: tuple[float, float] | None = None
    sides: tuple[str, ...] = ()

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
    path: Path | None = None

    @property
    def has_sides(self) -> bool:
        return bool(self.prescription.sides)

    def motion_for(self, view: str) -> MotionSpec | None:
        """The motion that drives phases in ``view``: reps first, then the hold's own."""
        for m in self.reps:
            if not m.views or view in m.views:
                return m
        if self.hold is not None and self.hold.motion is not None:
            m = self.hold.motion
            if not m.views or view in m.views:
                return m
        return None

    @property
    def low_confidence(self) -> bool:
        """Counting or hold timing is only an estimate for this exercise (see ``limits``)."""
        motions = list(self.reps) + ([self.hold.motion] if self.hold and self.hold.motion else [])
        return any(m.confidence == "low" for m in motions)

    def checks(self) -> list[tuple[str, str]]:
        """(rule id, what it checks) for the library page."""
        return [(r.id, r.description) for r in self.rules]


# ---------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------


class _Ctx:
    """Where we are in a file, for error messages."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, field: str, msg: str) -> SpecError:
        return SpecError(f"{self.file}: {field} {msg}")


def _allowed(values: Iterable[str]) -> str:
    return ", ".join(values)


def _get(
    ctx: _Ctx,
    table: Mapping[str, Any],
    key: str,
    where: str,
    typ: type | tuple[type, ...],
    default: Any = ...,
    type_name: str = "",
) -> Any:
    field = f"{where}.{key}" if where else key
    if key not in table:
        if default is ...:
            raise ctx.fail(field, "is missing")
        return default
    val = table[key]
    if typ is float and isinstance(val, int) and not isinstance(val, bool):
        val = float(val)
    if isinstance(val, bool) and typ is not bool:
        raise ctx.fail(field, f"{val!r} is not a {type_name or _tname(typ)}")
    if not isinstance(val, typ):
        raise ctx.fail(field, f"{val!r} is not a {type_name or _tname(typ)}")
    return val


def _tname(typ: type | tuple[type, ...]) -> str:
    names = {
        str: "string",
        float: "number",
        int: "integer",
        bool: "boolean",
        list: "list",
        dict: "table",
    }
    if isinstance(typ, tuple):
        return " or ".join(names.get(t, t.__name__) for t in typ)
    return names.get(typ, typ.__name__)


def _choice(ctx: _Ctx, val: str, field: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if val not in allowed:
        raise ctx.fail(field, f"{val!r} is not allowed; allowed: {_allowed(allowed)}")
    return val


def _check_keys(ctx: _Ctx, table: Mapping[str, Any], where: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for key in table:
        if key not in allowed:
            field = f"{where}.{key}" if where else key
            raise ctx.fail(field, f"is not a known field; allowed: {_allowed(allowed)}")


def _nonneg(ctx: _Ctx, val: float, field: str) -> float:
    if val < 0:
        raise ctx.fail(field, f"{val!r} must be >= 0")
    return val


def _positive(ctx: _Ctx, val: float, field: str) -> float:
    if val <= 0:
        raise ctx.fail(field, f"{val!r} must be > 0")
    return val


def parse_point(ctx: _Ctx, text: str, field: str) -> PointRef:
    """``left_hip`` | ``mid:hip`` | ``near:knee`` | ``working:ankle`` ..."""
    if ":" in text:
        prefix, part = text.split(":", 1)
        allowed_prefix = ("mid", "near", "far", "working", "free")
        if prefix not in allowed_prefix:
            raise ctx.fail(
                field,
                f"{text!r} has an unknown side {prefix!r}; allowed: {_allowed(allowed_prefix)}",
            )
        if part not in SIDED_PARTS:
            raise ctx.fail(
                field,
                f"{text!r} names an unknown body part {part!r}; allowed: {_allowed(SIDED_PARTS)}",
            )
        return PointRef(text=text, kind=prefix, part=part)
    try:
        lm = Landmark[text.upper()]
    except KeyError:
        raise ctx.fail(
            field,
            f"{text!r} is not a landmark; use a BlazePose name such as left_hip, "
            f"or a side-relative one such as near:knee (sides: mid, near, far, working, free)",
        ) from None
    if text != text.lower():
        raise ctx.fail(field, f"{text!r} must be lower case ({text.lower()!r})")
    return PointRef(text=text, kind="fixed", landmark=lm)


def _views(
    ctx: _Ctx, table: Mapping[str, Any], where: str, spec_views: tuple[str, ...]
) -> tuple[str, ...]:
    raw = _get(ctx, table, "views", where, list, default=[])
    out = []
    for i, v in enumerate(raw):
        f = f"{where}.views[{i}]" if where else f"views[{i}]"
        if not isinstance(v, str):
            raise ctx.fail(f, f"{v!r} is not a string")
        out.append(_choice(ctx, v, f, spec_views))
    return tuple(out)


_FEATURE_KEYS = ("kind", "points", "reference", "normalise", "space", "views", "description")
_N_POINTS = {"joint_angle": 3, "segment_tilt": 2, "height": 2, "distance": 2}


def _parse_feature(ctx: _Ctx, name: str, t: Any, spec_views: tuple[str, ...]) -> FeatureSpec:
    where = f"features.{name}"
    if not isinstance(t, dict):
        raise ctx.fail(
            where, f'{t!r} is not a table like {{ kind = "joint_angle", points = [...] }}'
        )
    _check_keys(ctx, t, where, _FEATURE_KEYS)
    kind = _choice(ctx, _get(ctx, t, "kind", where, str), f"{where}.kind", FEATURE_KINDS)
    raw_points = _get(ctx, t, "points", where, list)
    n = _N_POINTS[kind]
    if len(raw_points) != n:
        raise ctx.fail(f"{where}.points", f"has {len(raw_points)} points; {kind} needs {n}")
    points = tuple(
        parse_point(
            ctx, _get(ctx, {"p": p}, "p", f"{where}.points[{i}]", str), f"{where}.points[{i}]"
        )
        for i, p in enumerate(raw_points)
    )
    reference = _choice(
        ctx,
        _get(ctx, t, "reference", where, str, default="horizontal"),
        f"{where}.reference",
        TILT_REFERENCES,
    )
    normalise: tuple[PointRef, PointRef] | None = None
    if kind in ("height", "distance"):
        raw_norm = _get(ctx, t, "normalise", where, list)
        if len(raw_norm) != 2:
            raise ctx.fail(f"{where}.normalise", f"has {len(raw_norm)} points; it needs 2")
        normalise = (
            parse_point(ctx, str(raw_norm[0]), f"{where}.normalise[0]"),
            parse_point(ctx, str(raw_norm[1]), f"{where}.normalise[1]"),
        )
    space = _choice(
        ctx, _get(ctx, t, "space", where, str, default="image"), f"{where}.space", SPACES
    )
    return FeatureSpec(
        name=name,
        kind=kind,
        points=points,
        reference=reference,
        normalise=normalise,
        space=space,
        views=_views(ctx, t, where, spec_views),
        description=_get(ctx, t, "description", where, str, default=""),
    )


def _feature_name(ctx: _Ctx, t: Mapping[str, Any], where: str, features: Mapping[str, Any]) -> str:
    name = _get(ctx, t, "feature", where, str)
    if name not in features:
        raise ctx.fail(
            f"{where}.feature", f"{name!r} is not defined; defined: {_allowed(sorted(features))}"
        )
    return str(name)


def _threshold(ctx: _Ctx, t: Mapping[str, Any], key: str, where: str) -> Threshold:
    raw = _get(ctx, t, key, where, dict, type_name="table like { above = 160.0 }")
    field = f"{where}.{key}"
    if len(raw) != 1 or next(iter(raw)) not in ("above", "below"):
        raise ctx.fail(field, f"{raw!r} must have exactly one of: above, below")
    direction, value = next(iter(raw.items()))
    value = _get(ctx, raw, direction, field, float)
    return Threshold(direction=direction, value=value)


_MOTION_KEYS = (
    "feature",
    "enter",
    "exit",
    "min_range",
    "min_duration_s",
    "views",
    "relative",
    "baseline_s",
    "confidence",
)
CONFIDENCE = ("high", "low")


def _parse_motion(
    ctx: _Ctx,
    t: Any,
    where: str,
    features: Mapping[str, Any],
    spec_views: tuple[str, ...],
    extra_keys: tuple[str, ...] = (),
) -> MotionSpec:
    if not isinstance(t, dict):
        raise ctx.fail(where, f"{t!r} is not a table")
    _check_keys(ctx, t, where, _MOTION_KEYS + extra_keys)
    feature = _feature_name(ctx, t, where, features)
    enter = _threshold(ctx, t, "enter", where)
    exit_ = _threshold(ctx, t, "exit", where)
    if enter.direction == exit_.direction:
        raise ctx.fail(
            f"{where}.exit",
            f"must point the other way from enter ({enter.direction} {enter.value}); "
            f"use {'below' if enter.direction == 'above' else 'above'}",
        )
    band = enter.value - exit_.value if enter.direction == "above" else exit_.value - enter.value
    if band <= 0:
        raise ctx.fail(
            f"{where}.exit",
            f"{exit_.direction} {exit_.value} leaves no dead band with enter "
            f"{enter.direction} {enter.value}; exit must be on the rest side of enter",
        )
    return MotionSpec(
        feature=feature,
        enter=enter,
        exit=exit_,
        min_range=_nonneg(
            ctx, _get(ctx, t, "min_range", where, float, default=0.0), f"{where}.min_range"
        ),
        min_duration_s=_nonneg(
            ctx,
            _get(ctx, t, "min_duration_s", where, float, default=0.0),
            f"{where}.min_duration_s",
        ),
        views=_views(ctx, t, where, spec_views),
        relative=_get(ctx, t, "relative", where, bool, default=False),
        confidence=_choice(
            ctx,
            _get(ctx, t, "confidence", where, str, default="high"),
            f"{where}.confidence",
            CONFIDENCE,
        ),
        baseline_s=_positive(
            ctx, _get(ctx, t, "baseline_s", where, float, default=2.0), f"{where}.baseline_s"
        ),
    )


_RULE_KEYS = {
    "range": ("feature", "phases", "min", "max", "absolute"),
    "tempo": ("phase", "min_s", "max_s", "from_frac", "to_frac"),
    "reach": ("value",),
    "oscillation": ("feature", "phases", "window_s", "min_amplitude", "max_reversals"),
    "drift": ("feature", "phases", "max_change"),
    "hold_duration": ("min_s",),
}
_RULE_COMMON = ("id", "kind", "cue", "description", "views", "grace_s")


def _parse_rule(
    ctx: _Ctx,
    i: int,
    t: Any,
    features: Mapping[str, Any],
    spec_views: tuple[str, ...],
    has_reps: bool,
    has_hold: bool,
) -> RuleSpec:
    where = f"rules[{i}]"
    if not isinstance(t, dict):
        raise ctx.fail(where, f"{t!r} is not a table")
    kind = _choice(ctx, _get(ctx, t, "kind", where, str), f"{where}.kind", RULE_KINDS)
    _check_keys(ctx, t, where, _RULE_COMMON + _RULE_KEYS[kind])
    rid = _get(ctx, t, "id", where, str)
    if not rid.isidentifier() or rid != rid.lower():
        raise ctx.fail(f"{where}.id", f"{rid!r} must be a lower_snake_case identifier")
    kw: dict[str, Any] = {
        "id": rid,
        "kind": kind,
        "cue": _get(ctx, t, "cue", where, str),
        "description": _get(ctx, t, "description", where, str),
        "views": _views(ctx, t, where, spec_views),
        "grace_s": _nonneg(
            ctx, _get(ctx, t, "grace_s", where, float, default=0.3), f"{where}.grace_s"
        ),
    }
    if "feature" in _RULE_KEYS[kind]:
        kw["feature"] = _feature_name(ctx, t, where, features)
    if "phases" in _RULE_KEYS[kind]:
        phases = _get(ctx, t, "phases", where, list, default=["any"])
        if not phases:
            raise ctx.fail(f"{where}.phases", f"is empty; allowed: {_allowed(RULE_PHASES)}")
        kw["phases"] = tuple(
            _choice(ctx, str(p), f"{where}.phases[{j}]", RULE_PHASES) for j, p in enumerate(phases)
        )
    if kind in ("range", "tempo", "reach") and not has_reps and kind != "range":
        raise ctx.fail(f"{where}.kind", f"{kind!r} needs a [reps] section")
    if kind == "hold_duration" and not has_hold:
        raise ctx.fail(f"{where}.kind", "'hold_duration' needs a [hold] section")
    if kind == "range":
        lo = _get(ctx, t, "min", where, float, default=None)
        hi = _get(ctx, t, "max", where, float, default=None)
        if lo is None and hi is None:
            raise ctx.fail(where, "needs min, max or both")
        if lo is not None and hi is not None and lo >= hi:
            raise ctx.fail(f"{where}.min", f"{lo} must be below max {hi}")
        kw.update(min=lo, max=hi, absolute=_get(ctx, t, "absolute", where, bool, default=False))
    elif kind == "tempo":
        kw["phase"] = _choice(
            ctx, _get(ctx, t, "phase", where, str), f"{where}.phase", TEMPO_PHASES
        )
        lo = _get(ctx, t, "min_s", where, float, default=None)
        hi = _get(ctx, t, "max_s", where, float, default=None)
        if lo is None and hi is None:
            raise ctx.fail(where, "needs min_s, max_s or both")
        ff = _get(ctx, t, "from_frac", where, float, default=0.8)
        tf = _get(ctx, t, "to_frac", where, float, default=0.2)
        if not (0.0 <= tf < ff <= 1.0):
            raise ctx.fail(f"{where}.to_frac", f"{tf} must satisfy 0 <= to_frac < from_frac <= 1")
        kw.update(min_s=lo, max_s=hi, from_frac=ff, to_frac=tf)
    elif kind == "reach":
        kw["value"] = _get(ctx, t, "value", where, float, default=None)
    elif kind == "oscillation":
        kw.update(
            window_s=_get(ctx, t, "window_s", where, float, default=2.0),
            min_amplitude=_get(ctx, t, "min_amplitude", where, float, default=3.0),
            max_reversals=_get(ctx, t, "max_reversals", where, int, default=3),
        )
    elif kind == "drift":
        kw["max_change"] = _nonneg(
            ctx, _get(ctx, t, "max_change", where, float), f"{where}.max_change"
        )
    elif kind == "hold_duration":
        kw["min_s"] = _nonneg(ctx, _get(ctx, t, "min_s", where, float), f"{where}.min_s")
    return RuleSpec(**kw)


def _range2(ctx: _Ctx, t: Mapping[str, Any], key: str, where: str, typ: type) -> Any:
    val = _get(ctx, t, key, where, (int, float, list), default=None, type_name="number or [lo, hi]")
    if val is None:
        return None
    field = f"{where}.{key}"
    if isinstance(val, list):
        if len(val) != 2 or not all(isinstance(v, (int, float)) for v in val):
            raise ctx.fail(field, f"{val!r} must be a number or [lo, hi]")
        lo, hi = typ(val[0]), typ(val[1])
    else:
        lo = hi = typ(val)
    if lo <= 0 or hi < lo:
        raise ctx.fail(field, f"{val!r} must be positive with lo <= hi")
    return (lo, hi)


_PRESCRIPTION_KEYS = ("text", "source", "reps", "sets", "hold_s", "sides")


def _parse_prescription(ctx: _Ctx, t: Any) -> Prescription:
    where = "prescription"
    if not isinstance(t, dict):
        raise ctx.fail(where, "is missing or not a table")
    _check_keys(ctx, t, where, _PRESCRIPTION_KEYS)
    sides = _get(ctx, t, "sides", where, list, default=[])
    for j, s in enumerate(sides):
        _choice(ctx, str(s), f"{where}.sides[{j}]", SIDES)
    sets = _get(ctx, t, "sets", where, int, default=None)
    if sets is not None and sets < 1:
        raise ctx.fail(f"{where}.sets", f"{sets} must be >= 1")
    return Prescription(
        text=_get(ctx, t, "text", where, str),
        source=_get(ctx, t, "source", where, str),
        reps=_range2(ctx, t, "reps", where, int),
        sets=sets,
        hold_s=_range2(ctx, t, "hold_s", where, float),
        sides=tuple(str(s) for s in sides),
    )


_TOP_KEYS = (
    "schema_version",
    "id",
    "name",
    "category",
    "view",
    "views",
    "camera",
    "instructions",
    "source",
    "prescription",
    "features",
    "reps",
    "hold",
    "rules",
    "min_visibility",
    "key_feature",
    "limits",
)


def parse_spec(
    data: Mapping[str, Any], file: str = "<spec>", path: Path | None = None
) -> ExerciseSpec:
    """Validate a parsed TOML document into an :class:`ExerciseSpec`."""
    ctx = _Ctx(file)
    _check_keys(ctx, data, "", _TOP_KEYS)
    version = _get(ctx, data, "schema_version", "", int)
    if version != SCHEMA_VERSION:
        raise ctx.fail("schema_version", f"{version} is not supported; allowed: {SCHEMA_VERSION}")
    sid = _get(ctx, data, "id", "", str)
    if not sid.isidentifier() or sid != sid.lower():
        raise ctx.fail("id", f"{sid!r} must be a lower_snake_case identifier")
    view = _choice(ctx, _get(ctx, data, "view", "", str), "view", VIEWS)
    raw_views = _get(ctx, data, "views", "", list, default=[view])
    views = tuple(_choice(ctx, str(v), f"views[{i}]", VIEWS) for i, v in enumerate(raw_views))
    if view not in views:
        raise ctx.fail("views", f"{list(views)!r} must include the primary view {view!r}")
    category = _choice(ctx, _get(ctx, data, "category", "", str), "category", CATEGORIES)
    instructions = _get(ctx, data, "instructions", "", list)
    if not instructions or not all(isinstance(s, str) for s in instructions):
        raise ctx.fail("instructions", "must be a non-empty list of strings")

    raw_features = _get(ctx, data, "features", "", dict, default={})
    features = {n: _parse_feature(ctx, n, t, views) for n, t in raw_features.items()}

    raw_reps = _get(ctx, data, "reps", "", (dict, list), default=[])
    rep_tables = [raw_reps] if isinstance(raw_reps, dict) else raw_reps
    reps = tuple(
        _parse_motion(
            ctx, t, "reps" if isinstance(raw_reps, dict) else f"reps[{i}]", features, views
        )
        for i, t in enumerate(rep_tables)
    )
    hold: HoldSpec | None = None
    raw_hold = _get(ctx, data, "hold", "", dict, default=None)
    if raw_hold is not None:
        where = "hold"
        hold_keys = ("min_s", "tolerance_s", "requires_form", "max_speed")
        motion = None
        if "feature" in raw_hold:
            motion = _parse_motion(ctx, raw_hold, where, features, views, extra_keys=hold_keys)
        else:
            _check_keys(ctx, raw_hold, where, hold_keys)
            if not reps:
                raise ctx.fail(
                    "hold.feature",
                    "is missing (a hold without [reps] needs its own feature, enter and exit)",
                )
        hold = HoldSpec(
            motion=motion,
            min_s=_nonneg(
                ctx, _get(ctx, raw_hold, "min_s", where, float, default=1.0), "hold.min_s"
            ),
            tolerance_s=_nonneg(
                ctx,
                _get(ctx, raw_hold, "tolerance_s", where, float, default=0.5),
                "hold.tolerance_s",
            ),
            requires_form=_get(ctx, raw_hold, "requires_form", where, bool, default=True),
            max_speed=_get(ctx, raw_hold, "max_speed", where, float, default=None),
        )
    if category != "timer" and not reps and hold is None:
        raise ctx.fail(
            "reps", 'is missing: a spec needs [reps], [hold] or both (or category = "timer")'
        )
    for v in views:
        if (
            category != "timer"
            and not any(not m.views or v in m.views for m in reps)
            and not (
                hold is not None
                and hold.motion is not None
                and (not hold.motion.views or v in hold.motion.views)
            )
        ):
            raise ctx.fail("views", f"lists {v!r} but no [reps] or [hold] entry covers it")

    raw_rules = _get(ctx, data, "rules", "", list, default=[])
    rules = tuple(
        _parse_rule(ctx, i, t, features, views, bool(reps), hold is not None)
        for i, t in enumerate(raw_rules)
    )
    seen: set[str] = set()
    for i, r in enumerate(rules):
        if r.id in seen:
            raise ctx.fail(f"rules[{i}].id", f"{r.id!r} is used twice")
        seen.add(r.id)

    min_vis = _get(ctx, data, "min_visibility", "", float, default=0.5)
    if not 0.0 <= min_vis <= 1.0:
        raise ctx.fail("min_visibility", f"{min_vis} must be between 0 and 1")
    default_key = (
        reps[0].feature
        if reps
        else (hold.motion.feature if hold is not None and hold.motion is not None else "")
    )
    key_feature = _get(ctx, data, "key_feature", "", str, default=default_key)
    if key_feature and key_feature not in features:
        raise ctx.fail(
            "key_feature", f"{key_feature!r} is not defined; defined: {_allowed(sorted(features))}"
        )
    prescription = _parse_prescription(ctx, data.get("prescription"))
    return ExerciseSpec(
        id=sid,
        name=_get(ctx, data, "name", "", str),
        category=category,
        view=view,
        views=views,
        camera=_get(ctx, data, "camera", "", str),
        instructions=tuple(instructions),
        source=_get(ctx, data, "source", "", str),
        prescription=prescription,
        features=features,
        reps=reps,
        hold=hold,
        rules=rules,
        min_visibility=min_vis,
        key_feature=key_feature,
        limits=_get(ctx, data, "limits", "", str, default=""),
        path=path,
    )


def load_spec(path: str | Path) -> ExerciseSpec:
    """Read and validate one spec file; raises SpecError with file, field and allowed values."""
    p = Path(path)
    if not p.is_file():
        raise SpecError(f"{p}: spec file not found")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SpecError(f"{p.name}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{p.name}: not valid TOML: {err}") from None
    spec = parse_spec(data, file=p.name, path=p)
    if spec.id != p.stem:
        raise SpecError(f"{p.name}: id {spec.id!r} must match the file name {p.stem!r}")
    return spec


def load_specs(directory: str | Path = SPEC_DIR) -> dict[str, ExerciseSpec]:
    """Every ``*.toml`` spec in ``directory``, by id, sorted."""
    d = Path(directory)
    return {s.id: s for s in (load_spec(p) for p in sorted(d.glob("*.toml")))}


def get_spec(exercise_id: str, directory: str | Path = SPEC_DIR) -> ExerciseSpec:
    """The spec with this id; SpecError listing the known ids when there is none."""
    p = Path(directory) / f"{exercise_id}.toml"
    if not p.is_file():
        known = sorted(q.stem for q in Path(directory).glob("*.toml"))
        raise SpecError(
            f"unknown exercise {exercise_id!r}; known: {_allowed(known)} "
            "(run `formcheck exercises`)"
        )
    return load_spec(p)
