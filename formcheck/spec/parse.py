"""Validate a parsed TOML document into an :class:`~formcheck.spec.model.ExerciseSpec`.

Every name comes from a closed vocabulary and every number is finite and in
range. A mistake fails with the file, the field, the bad value and what is
allowed, e.g.::

    glute_bridge.toml: rules[0].feature 'pelvis_tlt' is not defined; defined: hip_extension, ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from formcheck.feature_kinds import FEATURE_KINDS
from formcheck.landmarks import SIDED_PARTS, Landmark
from formcheck.posture import POSTURE_GATES
from formcheck.spec.fields import (
    Ctx,
    allowed,
    check_keys,
    check_type,
    choose,
    get,
    get_bounded,
    join,
    parse_fields,
    show,
    table,
)
from formcheck.spec.model import (
    CATEGORIES,
    SCHEMA_VERSION,
    SIDES,
    SPACES,
    TILT_REFERENCES,
    VIEWS,
    ExerciseSpec,
    FeatureSpec,
    HoldSettings,
    HoldSpec,
    MotionSettings,
    MotionSpec,
    PointRef,
    Prescription,
    RuleSpec,
    Threshold,
)

SIDE_PREFIXES = ("mid", "near", "far", "working", "free", "raised", "front", "back")


def identifier(ctx: Ctx, val: str, field: str) -> str:
    if not val.isidentifier() or val != val.lower() or not val.isascii():
        raise ctx.fail(field, f"{show(val)} must be a lower_snake_case identifier")
    return val


def parse_point(ctx: Ctx, text: Any, field: str) -> PointRef:
    """``left_hip`` | ``mid:hip`` | ``near:knee`` | ``working:ankle`` ..."""
    text = check_type(ctx, text, field, str)
    if ":" in text:
        prefix, part = text.split(":", 1)
        if prefix not in SIDE_PREFIXES:
            raise ctx.fail(
                field,
                f"{show(text)} has an unknown side {prefix!r}; allowed: {allowed(SIDE_PREFIXES)}",
            )
        if part not in SIDED_PARTS:
            raise ctx.fail(
                field,
                f"{show(text)} names an unknown body part {part!r}; "
                f"allowed: {allowed(SIDED_PARTS)}",
            )
        return PointRef(text=text, kind=prefix, part=part)  # type: ignore[arg-type]
    if text != text.lower():
        raise ctx.fail(field, f"{show(text)} must be lower case ({text.lower()!r})")
    try:
        lm = Landmark[text.upper()]
    except KeyError:
        raise ctx.fail(
            field,
            f"{show(text)} is not a landmark; use a BlazePose name such as left_hip, "
            f"or a side-relative one such as near:knee (sides: {allowed(SIDE_PREFIXES)})",
        ) from None
    return PointRef(text=text, kind="fixed", landmark=lm)


def _views(
    ctx: Ctx, raw: Mapping[str, Any], where: str, spec_views: tuple[str, ...]
) -> tuple[str, ...]:
    items = get(ctx, raw, "views", where, list, default=[])
    out = tuple(
        choose(ctx, v, f"{join(where, 'views')}[{i}]", spec_views) for i, v in enumerate(items)
    )
    if len(set(out)) != len(out):
        raise ctx.fail(join(where, "views"), f"{show(list(out))} names a view twice")
    return out


_FEATURE_KEYS = (
    "kind",
    "points",
    "reference",
    "normalise",
    "space",
    "views",
    "description",
    "median_s",
)


def _point_list(ctx: Ctx, raw: Any, field: str, n: int, what: str) -> tuple[PointRef, ...]:
    items = check_type(ctx, raw, field, list)
    if len(items) != n:
        raise ctx.fail(field, f"has {len(items)} points; {what} needs {n}")
    pts = tuple(parse_point(ctx, p, f"{field}[{i}]") for i, p in enumerate(items))
    texts = [p.text for p in pts]
    if len(set(texts)) != len(texts):
        raise ctx.fail(field, f"{show(texts)} repeats a point; {what} needs {n} different points")
    return pts


def _parse_feature(ctx: Ctx, name: str, t: Any, spec_views: tuple[str, ...]) -> FeatureSpec:
    where = f"features.{name}"
    identifier(ctx, name, where)
    t = table(ctx, t, where, '{ kind = "joint_angle", points = [...] }')
    check_keys(ctx, t, where, _FEATURE_KEYS)
    kind = choose(ctx, get(ctx, t, "kind", where, str), f"{where}.kind", FEATURE_KINDS)
    n = FEATURE_KINDS[kind].n_points
    points = _point_list(ctx, get(ctx, t, "points", where, list), f"{where}.points", n, kind)
    reference = choose(
        ctx,
        get(ctx, t, "reference", where, str, default="horizontal"),
        f"{where}.reference",
        TILT_REFERENCES,
    )
    if "reference" in t and kind != "segment_tilt":
        raise ctx.fail(f"{where}.reference", f"only applies to segment_tilt, not {kind}")
    normalise: tuple[PointRef, PointRef] | None = None
    rule = FEATURE_KINDS[kind].normalise
    if rule == "none" and "normalise" in t:
        raise ctx.fail(f"{where}.normalise", f"does not apply to {kind}")
    if rule == "required" or (rule == "optional" and "normalise" in t):
        pair = _point_list(
            ctx, get(ctx, t, "normalise", where, list), f"{where}.normalise", 2, "normalise"
        )
        normalise = (pair[0], pair[1])
    space = choose(ctx, get(ctx, t, "space", where, str, default="image"), f"{where}.space", SPACES)
    return FeatureSpec(
        name=name,
        kind=kind,  # type: ignore[arg-type]
        points=points,
        reference=reference,  # type: ignore[arg-type]
        normalise=normalise,
        space=space,  # type: ignore[arg-type]
        views=_views(ctx, t, where, spec_views),
        description=get(ctx, t, "description", where, str, default=""),
        median_s=get_bounded(ctx, t, "median_s", where, 0.0, 2.0, default=0.0),
    )


def _feature_name(ctx: Ctx, t: Mapping[str, Any], where: str, features: Mapping[str, Any]) -> str:
    name = get(ctx, t, "feature", where, str)
    if name not in features:
        raise ctx.fail(
            f"{where}.feature", f"{show(name)} is not defined; defined: {allowed(sorted(features))}"
        )
    return str(name)


def _threshold(ctx: Ctx, t: Mapping[str, Any], key: str, where: str) -> Threshold:
    field = join(where, key)
    raw = get(ctx, t, key, where, dict, what="table like { above = 160.0 }")
    if len(raw) != 1 or next(iter(raw)) not in ("above", "below"):
        raise ctx.fail(field, f"{show(raw)} must have exactly one of: above, below")
    direction = next(iter(raw))
    value = get(ctx, raw, direction, field, float)
    return Threshold(direction=direction, value=value)


_MOTION_KEYS = (
    "feature",
    "enter",
    "exit",
    "views",
    "direction",
    *(f.name for f in dataclasses.fields(MotionSettings)),
)


def _parse_motion(
    ctx: Ctx,
    t: Any,
    where: str,
    features: Mapping[str, Any],
    spec_views: tuple[str, ...],
    extra_keys: tuple[str, ...] = (),
) -> MotionSpec:
    t = table(ctx, t, where)
    check_keys(ctx, t, where, _MOTION_KEYS + extra_keys)
    feature = _feature_name(ctx, t, where, features)
    enter = _threshold(ctx, t, "enter", where)
    exit_ = _threshold(ctx, t, "exit", where)
    if enter.direction == exit_.direction:
        raise ctx.fail(
            f"{where}.exit",
            f"must point the other way from enter ({enter.direction} {enter.value:g}); "
            f"use {'below' if enter.direction == 'above' else 'above'}",
        )
    band = enter.value - exit_.value if enter.direction == "above" else exit_.value - enter.value
    if band <= 0:
        raise ctx.fail(
            f"{where}.exit",
            f"{exit_.direction} {exit_.value:g} leaves no dead band with enter "
            f"{enter.direction} {enter.value:g}; exit must be on the rest side of enter",
        )
    settings = parse_fields(ctx, MotionSettings, t, where)
    if settings["relative"] and abs(exit_.value) >= abs(enter.value):
        raise ctx.fail(
            f"{where}.exit",
            f"{exit_.value:g} must be nearer the rest baseline (0) than enter {enter.value:g} "
            "for a relative motion",
        )
    direction = get(ctx, t, "direction", where, str, default=None)
    if direction is not None:
        identifier(ctx, direction, f"{where}.direction")
    return MotionSpec(
        feature=feature,
        enter=enter,
        exit=exit_,
        views=_views(ctx, t, where, spec_views),
        direction=direction,
        **settings,
    )


def _parse_rule(
    ctx: Ctx,
    i: int,
    t: Any,
    features: Mapping[str, Any],
    spec_views: tuple[str, ...],
    has_reps: bool,
    has_hold: bool,
) -> RuleSpec:
    from formcheck.rules import RULE_KINDS  # the registry imports the spec types

    where = f"rules[{i}]"
    t = table(ctx, t, where)
    kind_name = choose(ctx, get(ctx, t, "kind", where, str), f"{where}.kind", RULE_KINDS)
    kind = RULE_KINDS[kind_name]
    common = ("id", "kind", "cue", "description", "views", "grace_s")
    check_keys(ctx, t, where, common + tuple(f.name for f in dataclasses.fields(kind.params)))
    if kind.needs == "reps" and not has_reps:
        raise ctx.fail(f"{where}.kind", f"{kind_name!r} needs a [reps] section")
    if kind.needs == "hold" and not has_hold:
        raise ctx.fail(f"{where}.kind", f"{kind_name!r} needs a [hold] section")
    params = kind.params(**parse_fields(ctx, kind.params, t, where, features))
    params.validate(ctx, where)
    grace = get_bounded(ctx, t, "grace_s", where, 0.0, 60.0, default=0.3)
    return RuleSpec(
        id=identifier(ctx, get(ctx, t, "id", where, str), f"{where}.id"),
        kind=kind_name,
        cue=_nonempty(ctx, get(ctx, t, "cue", where, str), f"{where}.cue"),
        description=_nonempty(ctx, get(ctx, t, "description", where, str), f"{where}.description"),
        params=params,
        views=_views(ctx, t, where, spec_views),
        grace_s=grace,
    )


def _nonempty(ctx: Ctx, val: str, field: str) -> str:
    if not val.strip():
        raise ctx.fail(field, "is empty; write what the user should read")
    return val


def _range2(ctx: Ctx, t: Mapping[str, Any], key: str, where: str, integer: bool) -> Any:
    typ: type = int if integer else float
    what = "whole number or [lo, hi]" if integer else "number or [lo, hi]"
    val = get(ctx, t, key, where, (typ, list), default=None, what=what)
    if val is None:
        return None
    field = join(where, key)
    if isinstance(val, list):
        if len(val) != 2:
            raise ctx.fail(field, f"{show(val)} must be a {what}")
        lo = check_type(ctx, val[0], f"{field}[0]", typ, what)
        hi = check_type(ctx, val[1], f"{field}[1]", typ, what)
    else:
        lo = hi = val
    limit = 10_000 if integer else 3600.0
    for x in (lo, hi):
        if not 0 < x <= limit:
            raise ctx.fail(field, f"{show(val)} is out of range; allowed: above 0 to {limit:g}")
    if hi < lo:
        raise ctx.fail(field, f"{show(val)} must be [lo, hi] with lo <= hi")
    return (lo, hi)


_PRESCRIPTION_KEYS = ("text", "source", "reps", "sets", "hold_s", "sides", "holds")


def _parse_prescription(ctx: Ctx, t: Any) -> Prescription:
    where = "prescription"
    if t is None:
        raise ctx.fail(where, "is missing")
    t = table(ctx, t, where)
    check_keys(ctx, t, where, _PRESCRIPTION_KEYS)
    sides = get(ctx, t, "sides", where, list, default=[])
    sides_t = tuple(choose(ctx, s, f"{where}.sides[{j}]", SIDES) for j, s in enumerate(sides))
    if len(set(sides_t)) != len(sides_t):
        raise ctx.fail(f"{where}.sides", f"{show(sides)} names a side twice")
    sets = get_bounded(ctx, t, "sets", where, 1, 100, default=None, typ=int)
    return Prescription(
        text=_nonempty(ctx, get(ctx, t, "text", where, str), f"{where}.text"),
        source=_nonempty(ctx, get(ctx, t, "source", where, str), f"{where}.source"),
        reps=_range2(ctx, t, "reps", where, integer=True),
        sets=sets,
        hold_s=_range2(ctx, t, "hold_s", where, integer=False),
        sides=sides_t,
        holds=_range2(ctx, t, "holds", where, integer=True),
    )


_TOP_KEYS = (
    "schema_version",
    "id",
    "name",
    "category",
    "posture",
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


def _check_sided_refs(ctx: Ctx, features: Mapping[str, FeatureSpec], has_sides: bool) -> None:
    if has_sides:
        return
    for name, f in features.items():
        for i, p in enumerate(f.points + (f.normalise or ())):
            if p.kind in ("working", "free"):
                field = (
                    f"features.{name}.points[{i}]"
                    if i < len(f.points)
                    else (f"features.{name}.normalise[{i - len(f.points)}]")
                )
                raise ctx.fail(
                    field,
                    f"{show(p.text)} needs a working side, but prescription.sides is empty; "
                    "use near:/far:/mid: or give the spec sides",
                )


def _check_reachable(
    ctx: Ctx,
    features: Mapping[str, FeatureSpec],
    reps: tuple[MotionSpec, ...],
    hold: HoldSpec | None,
    rules: tuple[RuleSpec, ...],
    reps_listed: bool = True,
) -> None:
    """Thresholds and bounds a feature can never reach are mistakes, not exercises.

    ``reps_listed``: the file wrote ``[[reps]]`` (named ``reps[i]``), not ``[reps]``."""

    def limits(name: str) -> tuple[float, float] | None:
        f = features[name]
        return FEATURE_KINDS[f.kind].limits(f.reference)

    motions = [(f"reps[{i}]" if reps_listed else "reps", m) for i, m in enumerate(reps)]
    if hold is not None and hold.motion is not None:
        motions.append(("hold", hold.motion))
    for where, m in motions:
        span = limits(m.feature)
        if span is None or m.relative:
            continue
        lo, hi = span
        for key, th in (("enter", m.enter), ("exit", m.exit)):
            if (th.direction == "above" and th.value >= hi) or (
                th.direction == "below" and th.value <= lo
            ):
                raise ctx.fail(
                    f"{where}.{key}",
                    f"{th.direction} {th.value:g} can never be met: {m.feature} "
                    f"({features[m.feature].kind}) runs from {lo:g} to {hi:g}",
                )
    for i, r in enumerate(rules):
        name = r.feature
        if name is None or not hasattr(r.params, "min"):
            continue
        span = limits(name)
        if span is None:
            continue
        lo, hi = span
        if getattr(r.params, "absolute", False):
            lo, hi = 0.0, max(abs(lo), abs(hi))
        for key, val in (("min", r.params.min), ("max", r.params.max)):
            never = val is not None and (val >= hi if key == "min" else val <= lo)
            if never:
                raise ctx.fail(
                    f"rules[{i}].{key}",
                    f"{val:g} is outside what {name} ({features[name].kind}) can measure, "
                    f"{lo:g} to {hi:g}, so the rule would always fire",
                )
            if val is not None and not lo - 1e-9 <= val <= hi + 1e-9:
                raise ctx.fail(
                    f"rules[{i}].{key}",
                    f"{val:g} is outside what {name} ({features[name].kind}) can measure, "
                    f"{lo:g} to {hi:g}",
                )


def _check_directions(ctx: Ctx, reps: tuple[MotionSpec, ...], views: tuple[str, ...]) -> None:
    for v in views:
        ms = [(i, m) for i, m in enumerate(reps) if not m.views or v in m.views]
        named = [m.direction for _, m in ms if m.direction is not None]
        if len(ms) > 1 and len(named) != len(ms):
            i = next(i for i, m in ms if m.direction is None)
            raise ctx.fail(
                f"reps[{i}].direction",
                f"is missing: the {v} view has {len(ms)} [[reps]] entries, so each needs a "
                "direction (a two-way motion), or give each its own views",
            )
        if len(named) != len(set(named)):
            raise ctx.fail("reps", f"names a direction twice in the {v} view: {show(named)}")
        if len(ms) == 1 and named:
            i = ms[0][0]
            raise ctx.fail(
                f"reps[{i}].direction",
                f"{named[0]!r} has no partner: a two-way motion needs a [[reps]] entry per "
                f"direction in the {v} view",
            )


#: A guided timer's camera text when its file gives none.
TIMER_CAMERA = "No camera needed: formcheck only times this exercise and checks nothing."


def parse_spec(
    data: Mapping[str, Any], file: str = "<spec>", path: Path | None = None
) -> ExerciseSpec:
    """Validate a parsed TOML document into an :class:`ExerciseSpec`."""
    ctx = Ctx(file)
    data = table(ctx, data, "document")
    check_keys(ctx, data, "", _TOP_KEYS)
    version = get(ctx, data, "schema_version", "", int)
    if version != SCHEMA_VERSION:
        raise ctx.fail("schema_version", f"{version} is not supported; allowed: {SCHEMA_VERSION}")
    sid = identifier(ctx, get(ctx, data, "id", "", str), "id")
    category = choose(ctx, get(ctx, data, "category", "", str), "category", CATEGORIES)
    timer = category == "timer"
    # a guided timer films nothing: its view and camera text are optional
    view = choose(
        ctx, get(ctx, data, "view", "", str, default="front" if timer else ...), "view", VIEWS
    )
    raw_views = get(ctx, data, "views", "", list, default=[view])
    views = tuple(choose(ctx, v, f"views[{i}]", VIEWS) for i, v in enumerate(raw_views))
    if len(set(views)) != len(views):
        raise ctx.fail("views", f"{show(list(views))} names a view twice")
    if view not in views:
        raise ctx.fail("views", f"{show(list(views))} must include the primary view {view!r}")
    posture = get(ctx, data, "posture", "", str, default=None)
    if posture is None and not timer:
        raise ctx.fail(
            "posture", f"is missing: name the start posture; allowed: {allowed(POSTURE_GATES)}"
        )
    if posture is not None:
        choose(ctx, posture, "posture", POSTURE_GATES)
    instructions = get(ctx, data, "instructions", "", list)
    if not instructions:
        raise ctx.fail("instructions", "is empty; give the seed's steps as a list of strings")
    for i, s in enumerate(instructions):
        _nonempty(ctx, check_type(ctx, s, f"instructions[{i}]", str), f"instructions[{i}]")

    prescription = _parse_prescription(ctx, data.get("prescription"))
    raw_features = table(ctx, get(ctx, data, "features", "", dict, default={}), "features")
    features = {n: _parse_feature(ctx, n, t, views) for n, t in raw_features.items()}
    _check_sided_refs(ctx, features, bool(prescription.sides))

    raw_reps = get(ctx, data, "reps", "", (dict, list), default=[], what="table or list of tables")
    rep_tables = [raw_reps] if isinstance(raw_reps, dict) else raw_reps
    reps = tuple(
        _parse_motion(
            ctx, t, "reps" if isinstance(raw_reps, dict) else f"reps[{i}]", features, views
        )
        for i, t in enumerate(rep_tables)
    )
    _check_directions(ctx, reps, views)
    hold: HoldSpec | None = None
    raw_hold = get(ctx, data, "hold", "", dict, default=None)
    if raw_hold is not None:
        where = "hold"
        hold_keys = tuple(f.name for f in dataclasses.fields(HoldSettings))
        motion = None
        if "feature" in raw_hold:
            motion = _parse_motion(ctx, raw_hold, where, features, views, extra_keys=hold_keys)
            if motion.direction is not None:
                raise ctx.fail(
                    "hold.direction", "is not allowed; give two-way holds as [[reps]] directions"
                )
        else:
            check_keys(ctx, raw_hold, where, hold_keys)
            if not reps:
                raise ctx.fail(
                    "hold.feature",
                    "is missing (a hold without [reps] needs its own feature, enter and exit)",
                )
        hold = HoldSpec(motion=motion, **parse_fields(ctx, HoldSettings, raw_hold, where))
    if timer and (reps or hold is not None or raw_features or data.get("rules")):
        raise ctx.fail(
            "category",
            "'timer' checks nothing with the camera: drop [features], [reps], [hold] and [[rules]]",
        )
    if not timer and not reps and hold is None:
        raise ctx.fail(
            "reps", 'is missing: a spec needs [reps], [hold] or both (or category = "timer")'
        )
    for v in views:
        if not timer and not reps_or_hold_cover(reps, hold, v):
            raise ctx.fail("views", f"lists {v!r} but no [reps] or [hold] entry covers it")

    raw_rules = get(ctx, data, "rules", "", list, default=[])
    rules = tuple(
        _parse_rule(ctx, i, t, features, views, bool(reps), hold is not None)
        for i, t in enumerate(raw_rules)
    )
    _check_reachable(ctx, features, reps, hold, rules, isinstance(raw_reps, list))
    seen: set[str] = set()
    for i, r in enumerate(rules):
        if r.id in seen:
            raise ctx.fail(f"rules[{i}].id", f"{r.id!r} is used twice")
        seen.add(r.id)

    min_vis = get_bounded(ctx, data, "min_visibility", "", 0.0, 1.0, default=0.5)
    default_key = (
        reps[0].feature
        if reps
        else (hold.motion.feature if hold is not None and hold.motion is not None else "")
    )
    key_feature = get(ctx, data, "key_feature", "", str, default=default_key)
    if key_feature and key_feature not in features:
        raise ctx.fail(
            "key_feature",
            f"{show(key_feature)} is not defined; defined: {allowed(sorted(features))}",
        )
    return ExerciseSpec(
        id=sid,
        name=_nonempty(ctx, get(ctx, data, "name", "", str), "name"),
        category=category,
        view=view,
        views=views,
        camera=_nonempty(
            ctx, get(ctx, data, "camera", "", str, default=TIMER_CAMERA if timer else ...), "camera"
        ),
        instructions=tuple(instructions),
        source=_nonempty(ctx, get(ctx, data, "source", "", str), "source"),
        prescription=prescription,
        features=features,
        reps=reps,
        hold=hold,
        rules=rules,
        min_visibility=min_vis,
        key_feature=key_feature,
        limits=get(ctx, data, "limits", "", str, default=""),
        posture=posture,
        path=path,
    )


def reps_or_hold_cover(reps: tuple[MotionSpec, ...], hold: HoldSpec | None, view: str) -> bool:
    if any(not m.views or view in m.views for m in reps):
        return True
    return (
        hold is not None
        and hold.motion is not None
        and (not hold.motion.views or view in hold.motion.views)
    )
