"""Scenario files: hand-written landmark keyframes -> the reps, holds and faults expected.

A scenario (``exercise_specs/scenarios/<spec_id>/<name>.toml``, format in
docs/scenarios.md) poses a :mod:`formcheck.figure` stick figure at keyframes,
interpolates between them at ``fps``, runs the frames through
:class:`~formcheck.session.ExerciseSession` and compares the events with its
``[expect]`` table. No rendering and no pose model: a whole scenario runs in
about a second. Every mistake in a file is one :class:`SpecError` line naming
the file, the field, the value and what is allowed.

Run ``python -m formcheck.scenario [--events] [FILE ...]`` to check files by hand.
"""

from __future__ import annotations

import bisect
import math
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from formcheck.errors import SpecError
from formcheck.figure import (
    ANCHORS,
    ANGLE_NAMES,
    FULL_NAMES,
    POSTURES,
    SIDES,
    VIEWS,
    Camera,
    Figure,
    Placed,
    apply_angles,
    param_of,
)
from formcheck.landmarks import SIDED_PARTS, Landmark, PoseFrame
from formcheck.spec.fields import (
    Ctx,
    check_keys,
    check_type,
    choose,
    get,
    get_bounded,
    table,
)
from formcheck.tomlfile import read_toml

SPEC_DIR = Path(__file__).resolve().parent.parent / "exercise_specs"
SCENARIO_DIR = SPEC_DIR / "scenarios"
EASINGS = ("cosine", "linear")
MAX_DURATION_S = 600.0

_TOP = ("description", "exercise", "view", "side", "fps", "xfail", "camera", "figure", "expect")
_CAMERA = ("near", "distance_m", "height_m", "image_size")
_FIGURE = (
    "posture",
    "anchor",
    "pivot",
    "height_m",
    "jitter_px",
    "seed",
    "easing",
    "keyframes",
    "moves",
    "chair",
)
_KEY = ("t", "dt", "easing", "absent", "visibility", "out_of_frame", "switch_side")
_EXPECT = (
    "faults",
    "fault_reps",
    "reps",
    "reps_by_side",
    "reps_by_direction",
    "partial_reps",
    "holds",
    "hold_s",
    "hold_tolerance_s",
    "cannot_assess",
)


# -- the parsed file ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Key:
    """One keyframe: the full angle set at ``t_s`` and what holds until the next keyframe."""

    t_s: float
    angles: tuple[float, ...]  # in FULL_NAMES order
    easing: str  # how the figure moves *into* this keyframe
    absent: bool
    visibility: Mapping[int, float]
    out_of_frame: tuple[int, ...]
    switch_side: str | None
    where: str  # e.g. "figure.keyframes[3]", for messages


@dataclass(frozen=True, slots=True)
class Expect:
    faults: frozenset[str]
    fault_reps: Mapping[str, tuple[int, ...]]
    reps: int | None = None
    reps_by_side: Mapping[str, int] | None = None
    reps_by_direction: Mapping[str, int] | None = None
    partial_reps: int | None = None
    holds: int | None = None
    hold_s: tuple[float, ...] | None = None
    hold_tolerance_s: float = 0.5
    cannot_assess: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Scenario:
    path: Path
    name: str  # "<spec_id>/<file stem>"
    description: str
    exercise: str
    view: str
    side: str | None
    fps: float
    xfail: str | None
    figure: Figure
    camera: Camera
    jitter_px: float
    seed: int
    keys: tuple[Key, ...]
    expect: Expect
    camera_table: Mapping[str, Any] = field(default_factory=dict)  # [camera], as written
    chair: bool = False  # [figure] chair: the renderer puts a chair under the seated hips

    @property
    def duration_s(self) -> float:
        return self.keys[-1].t_s

    @property
    def clean(self) -> bool:
        return not self.expect.faults


# -- validation helpers ---------------------------------------------------------


def _landmarks(ctx: Ctx, name: str, field: str) -> tuple[int, ...]:
    """A landmark (``left_knee``) or a part for both sides (``knee``)."""
    if name in SIDED_PARTS:
        return tuple(int(Landmark[f"{s}_{name}".upper()]) for s in SIDES)
    if name.islower() and name.upper() in Landmark.__members__:
        return (int(Landmark[name.upper()]),)
    raise ctx.fail(
        field,
        f"{name!r} is not a landmark; use a BlazePose name such as left_knee, "
        f"or a part for both sides: {', '.join(SIDED_PARTS)}",
    )


# -- loading --------------------------------------------------------------------


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file; every mistake is one SpecError line."""
    p = Path(path)
    file = f"{p.parent.name}/{p.name}" if p.parent.name else p.name
    if not p.is_file():
        raise SpecError(f"{file}: scenario file not found")
    data = read_toml(p, what="scenario")
    return parse_scenario(data, file, p)


def parse_scenario(data: Mapping[str, Any], file: str, path: Path | None = None) -> Scenario:
    """Validate a parsed TOML document; ``file`` starts every message, ``path`` places it."""
    from formcheck.spec import get_spec

    ctx = Ctx(file)
    path = path if path is not None else Path(file)
    check_keys(ctx, data, "", _TOP)
    desc = get(ctx, data, "description", "", str)
    if not desc.strip() or "\n" in desc:
        raise ctx.fail("description", f"{desc!r} must be one non-empty line")
    exercise = get(ctx, data, "exercise", "", str)
    known = sorted(q.stem for q in SPEC_DIR.glob("*.toml"))
    if exercise not in known:
        raise ctx.fail(
            "exercise", f"{exercise!r} is not a known exercise; known: {', '.join(known)}"
        )
    if path.parent.parent.name == "scenarios" and path.parent.name != exercise:
        raise ctx.fail("exercise", f"{exercise!r} must match the folder {path.parent.name!r}")
    try:
        spec = get_spec(exercise)
    except SpecError as err:
        raise ctx.fail("exercise", f"{exercise!r}: its spec does not load: {err}") from None
    view = choose(ctx, get(ctx, data, "view", "", str), "view", VIEWS)
    side = get(ctx, data, "side", "", str, default=None)
    if spec.has_sides:
        side = choose(ctx, side, "side", SIDES) if side is not None else None
        if side is None:
            raise ctx.fail("side", f"is missing; {exercise} is done per side: left, right")
    elif side is not None:
        raise ctx.fail("side", f"{side!r} is not allowed: {exercise} has no sides")
    fps = get_bounded(ctx, data, "fps", "", 1.0, 240.0)
    xfail = get(ctx, data, "xfail", "", str, default=None)
    if xfail is not None and not xfail.strip():
        raise ctx.fail("xfail", "must say why the scenario is expected to fail")
    fig_t = table(ctx, get(ctx, data, "figure", "", dict), "figure")
    figure = _parse_figure(ctx, fig_t)
    keys = _parse_keys(ctx, fig_t, figure, spec.has_sides, side)
    placed = [_place(ctx, figure, k) for k in keys]
    cam_t = table(ctx, data.get("camera", {}), "camera")
    camera = _parse_camera(ctx, cam_t, view, placed)
    expect = _parse_expect(ctx, table(ctx, get(ctx, data, "expect", "", dict), "expect"), spec)
    return Scenario(
        path=path,
        name=f"{path.parent.name}/{path.stem}",
        description=desc,
        exercise=exercise,
        view=view,
        side=side,
        fps=fps,
        xfail=xfail,
        figure=figure,
        camera=camera,
        jitter_px=get_bounded(ctx, fig_t, "jitter_px", "figure", 0.0, 20.0, default=0.0),
        seed=get_bounded(ctx, fig_t, "seed", "figure", 0, 2**31, default=0, typ=int),
        keys=keys,
        expect=expect,
        camera_table=MappingProxyType(dict(cam_t)),
        chair=get(ctx, fig_t, "chair", "figure", bool, default=False),
    )


def _parse_figure(ctx: Ctx, t: Mapping[str, Any]) -> Figure:
    check_keys(ctx, t, "figure", _FIGURE)
    posture = choose(ctx, get(ctx, t, "posture", "figure", str), "figure.posture", list(POSTURES))
    anchor = get(ctx, t, "anchor", "figure", list, default=None)
    if anchor is not None:
        if not anchor:
            raise ctx.fail("figure.anchor", f"is empty; allowed: {', '.join(ANCHORS)}")
        for i, a in enumerate(anchor):
            choose(ctx, a, f"figure.anchor[{i}]", list(ANCHORS))
    pivot = get(ctx, t, "pivot", "figure", bool, default=None)
    height = get_bounded(ctx, t, "height_m", "figure", 1.2, 2.2, default=1.70)
    return Figure(posture, anchor=anchor, pivot=pivot, height_m=height)


def _parse_keys(
    ctx: Ctx, fig_t: Mapping[str, Any], figure: Figure, has_sides: bool, side: str | None
) -> tuple[Key, ...]:
    default_easing = choose(ctx, fig_t.get("easing", "cosine"), "figure.easing", EASINGS)
    moves = table(ctx, fig_t.get("moves", {}), "figure.moves")
    for name, seq in moves.items():
        if not isinstance(seq, list) or not seq:
            raise ctx.fail(f"figure.moves.{name}", f"{seq!r} must be a non-empty list of keyframes")
    raw = get(ctx, fig_t, "keyframes", "figure", list)
    if not raw:
        raise ctx.fail("figure.keyframes", "is empty; give at least { t = 0 }")
    flat: list[tuple[str, Mapping[str, Any]]] = []
    for i, k in enumerate(raw):
        where = f"figure.keyframes[{i}]"
        k = table(ctx, k, where)
        if "move" in k:
            check_keys(ctx, k, where, ("move", "times"))
            name = choose(ctx, k["move"], f"{where}.move", list(moves))
            times = get_bounded(ctx, k, "times", where, 1, 1000, default=1, typ=int)
            for n in range(times):
                for j, mk in enumerate(moves[name]):
                    mwhere = f"figure.moves.{name}[{j}]"
                    mk = table(ctx, mk, mwhere)
                    if "t" in mk or "move" in mk:
                        raise ctx.fail(
                            f"{mwhere}.{'t' if 't' in mk else 'move'}",
                            "is not allowed in a move; use dt (seconds after the previous key)",
                        )
                    flat.append((f"{mwhere} (in {where}, time {n + 1})", mk))
        else:
            flat.append((where, k))
    keys: list[Key] = []
    angles = figure.angles()
    t_prev = 0.0
    current_side = side
    more = "; or an angle: " + ", ".join(ANGLE_NAMES)
    for where, k in flat:
        check_keys(ctx, k, where, (*_KEY, *ANGLE_NAMES), more)
        if ("t" in k) == ("dt" in k):
            raise ctx.fail(
                where,
                "needs exactly one of t (seconds from the start) or dt "
                "(seconds after the previous keyframe)",
            )
        if "t" in k:
            t = get_bounded(ctx, k, "t", where, 0.0, MAX_DURATION_S)
            if not keys and t != 0.0:
                raise ctx.fail(
                    f"{where}.t", f"{t!r} must be 0: the first keyframe starts the scenario"
                )
            if t < t_prev:
                raise ctx.fail(
                    f"{where}.t", f"{t!r} is before the previous keyframe ({t_prev:g} s)"
                )
        else:
            t = t_prev + get_bounded(ctx, k, "dt", where, 0.0, MAX_DURATION_S)
            if t > MAX_DURATION_S:
                raise ctx.fail(f"{where}.dt", f"takes the scenario past {MAX_DURATION_S:g} s")
        overrides = {}
        for name in ANGLE_NAMES:
            if name in k:
                p = param_of(name)
                overrides[name] = get_bounded(ctx, k, name, where, p.lo, p.hi)
        angles = apply_angles(angles, overrides)
        vis_t = table(ctx, k.get("visibility", {}), f"{where}.visibility")
        vis: dict[int, float] = {}
        for name in vis_t:
            for lm in _landmarks(ctx, name, f"{where}.visibility.{name}"):
                vis[lm] = get_bounded(ctx, vis_t, name, f"{where}.visibility", 0.0, 1.0)
        oof: list[int] = []
        for j, name in enumerate(get(ctx, k, "out_of_frame", where, list, default=[])):
            oof += _landmarks(
                ctx,
                check_type(ctx, name, f"{where}.out_of_frame[{j}]", str),
                f"{where}.out_of_frame[{j}]",
            )
        switch = get(ctx, k, "switch_side", where, str, default=None)
        if switch is not None:
            if not has_sides:
                raise ctx.fail(f"{where}.switch_side", f"{switch!r} is not allowed: no sides")
            choose(ctx, switch, f"{where}.switch_side", [s for s in SIDES if s != current_side])
            current_side = switch
        keys.append(
            Key(
                t_s=t,
                angles=tuple(angles[n] for n in FULL_NAMES),
                easing=choose(ctx, k.get("easing", default_easing), f"{where}.easing", EASINGS),
                absent=get(ctx, k, "absent", where, bool, default=False),
                visibility=vis,
                out_of_frame=tuple(oof),
                switch_side=switch,
                where=where,
            )
        )
        t_prev = t
    return tuple(keys)


def _place(ctx: Ctx, figure: Figure, key: Key) -> Placed:
    placed = figure.place(dict(zip(FULL_NAMES, key.angles, strict=True)))
    under = placed.below_floor()
    if under:
        name, depth = max(under, key=lambda x: x[1])
        raise ctx.fail(
            key.where,
            f"(t = {key.t_s:g} s) puts {name} {depth * 100:.0f} cm under "
            "the floor; change the angles (e.g. neck_flexion, knee_flexion) or figure.anchor",
        )
    return placed


def _parse_camera(ctx: Ctx, t: Mapping[str, Any], view: str, placed: list[Placed]) -> Camera:
    check_keys(ctx, t, "camera", _CAMERA)
    near = t.get("near", "left")
    if "near" in t and view != "side":
        raise ctx.fail("camera.near", f"{near!r} is only for the side view (view is {view!r})")
    choose(ctx, near, "camera.near", SIDES)
    size = get(ctx, t, "image_size", "camera", list, default=[640, 480])
    if len(size) != 2 or not all(isinstance(v, int) and 16 <= v <= 8192 for v in size):
        raise ctx.fail("camera.image_size", f"{size!r} must be [width, height] in pixels")
    return Camera.for_view(view, placed, image_size=(size[0], size[1]), **camera_options(ctx, t))


def camera_options(ctx: Ctx, t: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[camera]`` settings that place it (near side, distance, height)."""
    return {
        "near": t.get("near", "left"),
        "distance_m": get_bounded(ctx, t, "distance_m", "camera", 0.5, 20.0, default=None),
        "height_m": get_bounded(ctx, t, "height_m", "camera", 0.0, 5.0, default=None),
    }


def _parse_expect(ctx: Ctx, t: Mapping[str, Any], spec: Any) -> Expect:
    check_keys(ctx, t, "expect", _EXPECT)
    rule_ids = [r.id for r in spec.rules]
    faults = get(ctx, t, "faults", "expect", list)
    for i, f in enumerate(faults):
        if f not in rule_ids:
            raise ctx.fail(
                f"expect.faults[{i}]",
                f"{f!r} is not a rule of {spec.id}; rules: {', '.join(rule_ids)}",
            )
    fault_reps: dict[str, tuple[int, ...]] = {}
    for rule, reps in table(ctx, t.get("fault_reps", {}), "expect.fault_reps").items():
        where = f"expect.fault_reps.{rule}"
        if rule not in faults:
            raise ctx.fail(where, f"names a rule that expect.faults does not list ({faults})")
        reps = check_type(ctx, reps, where, list)
        for j, r in enumerate(reps):
            if not isinstance(r, int) or isinstance(r, bool) or r < 0:
                raise ctx.fail(f"{where}[{j}]", f"{r!r} is not a rep number (1, 2, ...; 0: no rep)")
        fault_reps[rule] = tuple(sorted(set(reps)))
    hold_s = get(ctx, t, "hold_s", "expect", list, default=None)
    if hold_s is not None:
        hold_s = [check_type(ctx, h, f"expect.hold_s[{i}]", float) for i, h in enumerate(hold_s)]
    holds = get_bounded(ctx, t, "holds", "expect", 0, 1000, default=None, typ=int)
    if holds is not None and hold_s is not None and holds != len(hold_s):
        raise ctx.fail(
            "expect.holds", f"{holds} disagrees with expect.hold_s ({len(hold_s)} holds)"
        )
    ca = t.get("cannot_assess", [])
    ca = [ca] if isinstance(ca, str) else check_type(ctx, ca, "expect.cannot_assess", list)
    for i, s in enumerate(ca):
        if not isinstance(s, str) or not s:
            raise ctx.fail(f"expect.cannot_assess[{i}]", f"{s!r} is not a non-empty string")
    return Expect(
        faults=frozenset(faults),
        fault_reps=fault_reps,
        reps=get_bounded(ctx, t, "reps", "expect", 0, 10000, default=None, typ=int),
        reps_by_side=_counts(ctx, t, "reps_by_side", SIDES if spec.has_sides else ()),
        reps_by_direction=_counts(ctx, t, "reps_by_direction", None),
        partial_reps=get_bounded(ctx, t, "partial_reps", "expect", 0, 10000, default=None, typ=int),
        holds=len(hold_s) if hold_s is not None else holds,
        hold_s=None if hold_s is None else tuple(hold_s),
        hold_tolerance_s=get_bounded(ctx, t, "hold_tolerance_s", "expect", 0.0, 60.0, default=0.5),
        cannot_assess=tuple(ca),
    )


def _counts(
    ctx: Ctx, t: Mapping[str, Any], key: str, allowed: Sequence[str] | None
) -> dict[str, int] | None:
    if key not in t:
        return None
    where = f"expect.{key}"
    if allowed == ():
        raise ctx.fail(where, "is not allowed: the exercise has no sides; use expect.reps")
    out = {}
    for name in table(ctx, t[key], where):
        if allowed is not None:
            choose(ctx, name, f"{where}.{name}", allowed)
        out[name] = get_bounded(ctx, t[key], name, where, 0, 10000, typ=int)
    return out


# -- frames ---------------------------------------------------------------------


def _ease(u: float, easing: str) -> float:
    return u if easing == "linear" else 0.5 - 0.5 * math.cos(math.pi * u)


def frame_times(sc: Scenario) -> list[float]:
    """The frame times at ``sc.fps`` from 0 to the last keyframe."""
    n = math.floor(sc.duration_s * sc.fps + 1e-9)
    return [i / sc.fps for i in range(n + 1)]


def angles_at(sc: Scenario, t: float) -> tuple[Key, dict[str, float]]:
    """The keyframe in force at ``t`` and the full angle set there, eased toward the next one."""
    times = [k.t_s for k in sc.keys]
    j = bisect.bisect_right(times, t + 1e-9) - 1
    key = sc.keys[j]
    vec = np.array(key.angles)
    if j + 1 < len(sc.keys) and times[j + 1] > times[j]:
        nxt = sc.keys[j + 1]
        u = _ease((t - times[j]) / (times[j + 1] - times[j]), nxt.easing)
        vec = vec + (np.array(nxt.angles) - vec) * u
    return key, dict(zip(FULL_NAMES, vec.tolist(), strict=True))


def frames(sc: Scenario) -> Iterator[tuple[float, PoseFrame | None]]:
    """(t_s, pose or None) at ``sc.fps`` from 0 to the last keyframe, interpolated."""
    rng = np.random.default_rng(sc.seed)
    for t in frame_times(sc):
        key, angles = angles_at(sc, t)
        if key.absent:
            yield t, None
            continue
        placed = sc.figure.place(angles)
        yield t, sc.camera.frame(placed, t, key.visibility, key.out_of_frame, sc.jitter_px, rng)


# -- running and comparing ------------------------------------------------------


def _events_of(ret: Any) -> list[Any]:
    """Events from whatever step/finish/switch_side returned (a result, a list, or None)."""
    if ret is None:
        return []
    if hasattr(ret, "events"):
        return list(ret.events)
    if isinstance(ret, (list, tuple)):
        return list(ret)
    return []


def run_events(sc: Scenario) -> list[Any]:
    """Every event the engine emits for the scenario, in order."""
    from formcheck.session import ExerciseSession
    from formcheck.spec import get_spec

    # Any: the engine is being refactored; only step/switch_side/finish and .events are relied on.
    session: Any = ExerciseSession(get_spec(sc.exercise), side=sc.side)
    switches = [(k.t_s, k.switch_side) for k in sc.keys if k.switch_side]
    events: list[Any] = []
    for t, pose in frames(sc):
        while switches and switches[0][0] <= t + 1e-9:
            events += _events_of(session.switch_side(switches.pop(0)[1], t))
        events += _events_of(session.step(pose, t))
    events += _events_of(session.finish(sc.duration_s))
    return events


def _of(events: Sequence[Any], kind: str) -> list[Any]:
    return [e for e in events if type(e).__name__ == kind]


def _at(evs: Sequence[Any]) -> str:
    return ", ".join(f"{e.t_s:.1f}" for e in evs) + " s" if evs else "none"


def _count(what: str, expected: int | None, got: Sequence[Any]) -> list[str]:
    if expected is None or expected == len(got):
        return []
    return [f"{what}: expected {expected}, got {len(got)} (at {_at(got)})"]


def compare(exp: Expect, events: Sequence[Any]) -> list[str]:
    """Readable mismatches between the expectations and the events (empty: they agree)."""
    out: list[str] = []
    reps = _of(events, "RepCompleted")
    out += _count("reps", exp.reps, reps)
    for label, by, attr in (
        ("reps on the {} side", exp.reps_by_side, "side"),
        ("reps going {}", exp.reps_by_direction, "direction"),
    ):
        if by is None:
            continue
        counts = Counter(getattr(e, attr, None) for e in reps)
        for k in sorted(set(by) | {str(g) for g in counts}):
            n = counts.get(k if k != "None" else None, 0)
            if by.get(k, 0) != n:
                out.append(f"{label.format(k)}: expected {by.get(k, 0)}, got {n}")
    out += _count("partial reps", exp.partial_reps, _of(events, "PartialRep"))
    holds = [e for e in _of(events, "HoldEnded") if e.counted]
    out += _count("counted holds", exp.holds, holds)
    if exp.hold_s is not None and len(holds) == len(exp.hold_s):
        for i, (want, h) in enumerate(zip(exp.hold_s, holds, strict=True)):
            if abs(h.held_s - want) > exp.hold_tolerance_s:
                out.append(
                    f"hold {i + 1}: expected {want:g} ± {exp.hold_tolerance_s:g} s, "
                    f"got {h.held_s:.2f} s (ended at {h.t_s:.1f} s)"
                )
    raised = _of(events, "FaultRaised")
    got_rules = {e.rule for e in raised}
    for rule in sorted(exp.faults - got_rules):
        out.append(f"fault {rule}: expected, but it was not raised")
    for rule in sorted(got_rules - exp.faults):
        evs = [e for e in raised if e.rule == rule]
        where = "; ".join(
            f"rep {e.rep} at {e.t_s:.1f} s" if e.rep else f"at {e.t_s:.1f} s" for e in evs
        )
        out.append(f"fault {rule}: raised ({where}) but not expected")
    for rule, want_reps in exp.fault_reps.items():
        got_reps = tuple(sorted({e.rep or 0 for e in raised if e.rule == rule}))
        if rule in got_rules and got_reps != want_reps:
            out.append(f"fault {rule}: expected on reps {list(want_reps)}, got {list(got_reps)}")
    reasons = [e.reason for e in _of(events, "CannotAssess")]
    for text in exp.cannot_assess:
        if not any(text in r for r in reasons):
            seen = "; ".join(dict.fromkeys(reasons)) or "none"
            out.append(f"cannot assess {text!r}: not reported (reported: {seen})")
    return out


@dataclass(frozen=True, slots=True)
class Result:
    scenario: Scenario
    status: str  # "pass", "fail", "xfail" (failed as expected), "xpass" (passed unexpectedly)
    problems: tuple[str, ...]
    events: tuple[Any, ...]
    seconds: float


def run_scenario(sc: Scenario) -> Result:
    """Run a scenario and judge it; an ``xfail`` scenario must fail (a strict xfail)."""
    t0 = time.perf_counter()
    events = run_events(sc)
    problems = compare(sc.expect, events)
    if sc.xfail is None:
        status = "fail" if problems else "pass"
    else:
        status = "xfail" if problems else "xpass"
        if not problems:
            problems = [f"passed, but is marked xfail ({sc.xfail}): remove the xfail line"]
    return Result(sc, status, tuple(problems), tuple(events), time.perf_counter() - t0)


def scenario_files(root: Path = SCENARIO_DIR) -> list[Path]:
    return sorted(root.glob("*/*.toml"))


def _describe(ev: Any) -> str:
    fields = {k: getattr(ev, k) for k in getattr(ev, "__slots__", ()) if k not in ("t_s", "kind")}
    text = ", ".join(
        f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in fields.items()
    )
    return f"{ev.t_s:7.2f} {type(ev).__name__} {text}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    show = "--events" in args
    paths = [Path(a) for a in args if a != "--events"] or scenario_files()
    bad = 0
    for p in paths:
        try:
            res = run_scenario(load_scenario(p))
        except SpecError as err:
            print(f"ERROR {err}")
            bad += 1
            continue
        print(f"{res.status.upper():5s} {res.scenario.name} ({res.seconds:.1f} s)")
        for line in res.problems:
            print(f"      {line}")
        if show:
            for ev in res.events:
                print("      " + _describe(ev))
        bad += res.status in ("fail", "xpass")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
