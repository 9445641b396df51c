"""Render a scenario file with the 3D mannequin: a sample clip for any exercise that has one.

A scenario (``exercise_specs/scenarios/<id>/<name>.toml``) poses the
:mod:`formcheck.figure` stick figure at keyframes written in a physio's terms
and says what a person would count ([expect]). This module dresses the same
figure as the rendered mannequin of :mod:`formcheck.synth` (its own body size
and looks, drawn from the seed), films it with the scenario's camera in a
room, and writes the clip with its ground truth.

Ground truth of a rendered scenario:

* the counts are the scenario's hand-written [expect] (``reps``, per side or
  direction, ``hold_s``, ``faults``); never what the engine reads off the video;
* the *timing windows* (``rep_times``, ``holds``, ``faults``) come from a
  reference run of the engine over the figure's exact landmarks, the run that
  the scenario tests check against [expect] (a window says *when* the scripted
  movement happens; the video is judged by its counts).

Coordinates: the figure's room has the person's left at +z with y up, a
mirror image of the mannequin's right-handed world (left = up x forward), so
points and the camera are mirrored in z; the projection is unchanged (a test
checks the pixels agree).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from formcheck import figure as fig
from formcheck.landmarks import Landmark
from formcheck.synth.body import BodyParams, Capsule, Dims, Pose, Shape, Vec, shapes, unit
from formcheck.synth.errors import SynthError
from formcheck.synth.render import (
    Camera,
    Degrade,
    Scene,
    background,
    contact_shadow,
    draw_body,
    finish_frame,
)

MIRROR = np.array([1.0, 1.0, -1.0])
TRUTH_SCHEMA = 1
#: A fault window opens this long before the reference run raises it (its grace time).
FAULT_LEAD_S = 0.5

L = Landmark


def figure_dims(d: Dims) -> fig.Dims:
    """The stick figure's segment lengths for a mannequin's (so the landmarks fit the body)."""
    h = d.scale
    return fig.Dims(
        trunk=d.trunk,
        hip_half=d.hip_half,
        shoulder_half=d.shoulder_half,
        thigh=d.thigh,
        shank=d.shank,
        ankle_h=d.ankle_h,
        heel_back=d.heel_back,
        toe=d.foot - 0.03 * h - d.heel_back,
        upper_arm=d.upper_arm,
        forearm=d.forearm,
        hand=d.hand,
        neck=d.neck + d.shoulder_drop,
    )


def _frame_keep_left(left: Vec, up: Vec) -> Vec:
    """Columns (left, up, forward), right-handed, with ``left`` kept exactly."""
    lf = unit(left)
    u = unit(up - np.dot(up, lf) * lf)
    return np.stack([lf, u, np.cross(lf, u)], axis=1)


def mannequin_pose(points: npt.NDArray[np.float64], d: Dims) -> Pose:
    """A posed figure's 33 room points (figure coordinates) as the mannequin's joints."""
    p = np.asarray(points, dtype=np.float64) * MIRROR

    def mid(a: Landmark, b: Landmark) -> Vec:
        return (p[a] + p[b]) / 2

    pelvis = mid(L.LEFT_HIP, L.RIGHT_HIP)
    mid_sh = mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    trunk_up = unit(mid_sh - pelvis)
    pel = _frame_keep_left(p[L.LEFT_HIP] - p[L.RIGHT_HIP], trunk_up)
    chest_r = _frame_keep_left(p[L.LEFT_SHOULDER] - p[L.RIGHT_SHOULDER], trunk_up)
    head = mid(L.LEFT_EAR, L.RIGHT_EAR)
    head_left = unit(p[L.LEFT_EAR] - p[L.RIGHT_EAR])
    head_up = unit(np.cross(unit(p[L.NOSE] - head), head_left))
    head_r = _frame_keep_left(head_left, head_up)
    j: dict[str, Vec] = {
        "pelvis": pelvis,
        "chest": mid_sh + d.shoulder_drop * chest_r[:, 1],
        "head": head,
    }
    for s in ("left", "right"):
        for part in ("hip", "knee", "ankle", "heel", "shoulder", "elbow", "wrist"):
            j[f"{s}_{part}"] = p[Landmark[f"{s}_{part}".upper()]]
        j[f"{s}_toe"] = p[Landmark[f"{s.upper()}_FOOT_INDEX"]]
        j[f"{s}_hand"] = p[Landmark[f"{s.upper()}_INDEX"]]
    return Pose(j, {"pelvis": pel, "chest": chest_r, "head": head_r})


def synth_camera(cam: fig.Camera, size: tuple[int, int]) -> Camera:
    """The mannequin renderer's camera that sees the mirrored room as ``cam`` sees the figure's."""
    pos = cam.position * MIRROR
    target = pos + cam.axes[2] * MIRROR
    w = cam.image_size[0]
    fov = math.degrees(2 * math.atan(w / 2 / cam.focal_px))
    return Camera(
        tuple(float(v) for v in pos),  # type: ignore[arg-type]
        tuple(float(v) for v in target),  # type: ignore[arg-type]
        fov_deg=fov,
        size=size,
    )


# -- props ----------------------------------------------------------------------------------

CHAIR_COLOR = (122, 84, 52)
#: The hip joints sit this far above the seat (the buttocks' thickness), metres at 1.70 m.
SEAT_BELOW_HIP_M = 0.10


def chair_shapes(placed: list[fig.Placed], scale: float = 1.0) -> list[Shape]:
    """A plain wooden chair (seat, four legs, a back rest) under the hips of the frame where
    they are lowest, the thighs on the seat; in the mannequin's (mirrored) room."""
    hips = [(p.points[L.LEFT_HIP] + p.points[L.RIGHT_HIP]) / 2 for p in placed]
    low = int(np.argmin([h[1] for h in hips]))
    hip, axes = hips[low], placed[low].axes
    fwd = np.array([axes[1][0], 0.0, axes[1][2]])
    fwd = unit(fwd) if np.linalg.norm(fwd) > 1e-6 else np.array([1.0, 0.0, 0.0])
    left = np.array([-fwd[2], 0.0, fwd[0]])
    top = max(0.2, float(hip[1]) - SEAT_BELOW_HIP_M * scale)
    half_w, back, front, r = 0.23 * scale, 0.17 * scale, 0.25 * scale, 0.022 * scale
    base = np.array([hip[0], 0.0, hip[2]])

    def at(f: float, lft: float, y: float) -> Vec:
        return (base + f * fwd + lft * left + np.array([0.0, y, 0.0])) * MIRROR

    out: list[Shape] = []
    for i in range(9):  # the seat: slats side by side
        f = -back + (back + front) * i / 8
        out.append(Capsule(at(f, -half_w, top - r), at(f, half_w, top - r), r, r, CHAIR_COLOR))
    for f in (-back, front):
        for lft in (-half_w, half_w):
            out.append(Capsule(at(f, lft, 0.0), at(f, lft, top - r), r, r, CHAIR_COLOR))
    rest = top + 0.45 * scale
    for lft in (-half_w, half_w):
        out.append(Capsule(at(-back, lft, top), at(-back, lft, rest), r, r, CHAIR_COLOR))
    for y in (rest - 0.02 * scale, rest - 0.14 * scale):
        out.append(
            Capsule(at(-back, -half_w, y), at(-back, half_w, y), 1.5 * r, 1.5 * r, CHAIR_COLOR)
        )
    return out


# -- choosing and planning -------------------------------------------------------------------


def not_renderable(sc: Any) -> str | None:
    """Why a scenario can't become a clip whose truth holds (None: it can)."""
    if sc.xfail:
        return "is marked xfail"
    if any(k.switch_side for k in sc.keys):
        return "switches side mid-clip, which a review of one clip cannot follow"
    if any(k.absent or k.visibility or k.out_of_frame for k in sc.keys):
        return (
            "hides landmarks by hand (absent, visibility or out_of_frame), "
            "which a rendered picture cannot reproduce"
        )
    return None


def scenario_paths(exercise: str) -> list[Path]:
    from formcheck.scenario import SCENARIO_DIR

    return sorted((SCENARIO_DIR / exercise).glob("*.toml"))


def find_scenario(
    exercise: str,
    name: str | None = None,
    fault: str | None = None,
    view: str | None = None,
    side: str | None = None,
) -> Path:
    """The scenario file to render: by name, else the first that fits the fault, view and side
    (clean when no fault is asked for), among those :func:`not_renderable` lets through."""
    from formcheck.scenario import load_scenario

    paths = scenario_paths(exercise)
    if not paths:
        raise SynthError(f"{exercise} has no scenario files to render (exercise_specs/scenarios/)")
    if name is not None:
        chosen = [p for p in paths if p.stem == name]
        if not chosen:
            raise SynthError(
                f"{exercise} has no scenario {name!r}; "
                f"scenarios: {', '.join(p.stem for p in paths)}"
            )
        return chosen[0]
    fits = []
    for p in paths:
        sc = load_scenario(p)
        if not_renderable(sc):
            continue
        if (fault is None and not sc.clean) or (
            fault is not None and fault not in sc.expect.faults
        ):
            continue
        if (view is not None and sc.view != view) or (side is not None and sc.side != side):
            continue
        fits.append(p)
    if not fits:
        want = ", ".join(
            f"{k} {v}" for k, v in (("fault", fault), ("view", view), ("side", side)) if v
        )
        raise SynthError(
            f"{exercise} has no scenario to render with {want or 'clean form'}; "
            f"pick one with --scenario: {', '.join(p.stem for p in paths)}"
        )
    from formcheck.spec import get_spec

    primary = get_spec(exercise).view
    return min(
        fits, key=lambda p: (load_scenario(p).view != primary, "clean" not in p.stem, p.stem)
    )


@dataclass(frozen=True, slots=True)
class ScenarioClip:
    """A scenario planned for rendering: the mannequin, its room and camera, and the truth."""

    scenario: Any  # formcheck.scenario.Scenario
    seed: int
    body: BodyParams
    camera: Camera
    scene: Scene
    degrade: Degrade
    fps: float
    size: tuple[int, int]
    figure_camera: fig.Camera  # the scenario's camera in the figure's room (same pixels)
    placed: Callable[[float], fig.Placed] = field(repr=False)
    props: tuple[Shape, ...] = ()  # furniture drawn with the body (a chair)

    @property
    def times(self) -> list[float]:
        n = math.floor(self.scenario.duration_s * self.fps + 1e-9)
        return [i / self.fps for i in range(n + 1)]

    def pose(self, t: float) -> Pose:
        return mannequin_pose(self.placed(t).points, Dims.of(self.body))

    def render(self, t: float, bg: npt.NDArray[np.uint8] | None = None, rng: Any = None) -> Any:
        canvas = (background(self.camera, self.scene) if bg is None else bg).copy()
        pose = self.pose(t)
        pts = np.stack(list(pose.joints.values()))
        contact_shadow(canvas, pts, self.camera)
        draw_body(
            canvas, [*self.props, *shapes(pose, self.body)], self.body, self.camera, self.scene
        )
        rng = rng if rng is not None else np.random.default_rng(self.seed + 7)
        return finish_frame(canvas, self.size, self.degrade, t, rng)

    def frames(self) -> Iterator[tuple[float, npt.NDArray[np.uint8]]]:
        bg = background(self.camera, self.scene)
        rng = np.random.default_rng(self.seed + 7)
        for t in self.times:
            yield t, self.render(t, bg, rng)


def plan_scenario(
    path: str | Path,
    seed: int = 0,
    look: str = "random",
    degrade: str = "mild",
    camera_jitter: float = 1.0,
    size: tuple[int, int] = (640, 480),
    fps: float | None = None,
) -> ScenarioClip:
    """Plan the rendering of one scenario file (same arguments -> the same clip)."""
    from formcheck.scenario import angles_at, frame_times, load_scenario
    from formcheck.synth.clip import DEGRADES, LOOKS, _degrade, _look

    if look not in LOOKS:
        raise SynthError(f"look must be one of {', '.join(LOOKS)}, got {look!r}")
    if degrade not in DEGRADES:
        raise SynthError(f"degrade must be one of {', '.join(DEGRADES)}, got {degrade!r}")

    sc = load_scenario(path)
    why = not_renderable(sc)
    if why:
        raise SynthError(f"{sc.name} {why}; render another scenario")
    rng = np.random.default_rng(seed)
    look_rng, cam_rng, deg_rng = (np.random.default_rng(s) for s in rng.integers(0, 2**31, size=3))
    body, scene = _look(look, sc.figure.posture != "standing", look_rng)
    # Plain cloth: textured stills flipped MediaPipe's start-posture reading on 2 of the 22
    # library positions (kihara hamstring, pelvic tilt), so scenario renders stay as they were.
    body = replace(body, textured=False)
    dims = Dims.of(body)
    figure = fig.Figure(
        sc.figure.posture, anchor=sc.figure.anchor, pivot=sc.figure.pivot, dims=figure_dims(dims)
    )
    raw = [
        figure.place(angles_at(sc, t)[1]) for t in frame_times(sc)[:: max(1, round(sc.fps / 10))]
    ]
    allpts = np.concatenate([p.points for p in raw])
    centre = (allpts.min(axis=0) + allpts.max(axis=0)) / 2
    shift = np.array([centre[0], 0.0, centre[2]])

    def placed(t: float) -> fig.Placed:
        p = figure.place(angles_at(sc, t)[1])
        return fig.Placed(p.points - shift, p.axes)

    framed = [fig.Placed(p.points - shift, p.axes) for p in raw]
    opts = dict(sc.camera_table)
    near = opts.get("near", "left")
    if camera_jitter > 0 and sc.view == "side" and "near" not in opts:
        near = "left" if cam_rng.uniform() < 0.5 else "right"
    j = camera_jitter
    dist = opts.get("distance_m") or (2.0 if sc.view == "foot_end" else 3.0)
    height = opts.get("height_m")
    dist *= 1.0 + 0.12 * j * float(cam_rng.uniform(-1, 1))
    if height is not None or j > 0:
        base = height if height is not None else (1.6 if sc.view == "foot_end" else None)
        if base is not None:
            height = base * (1.0 + 0.08 * j * float(cam_rng.uniform(-1, 1)))
    fcam = fig.Camera.for_view(
        sc.view,
        framed,
        near=near,
        image_size=size,
        distance_m=dist,
        height_m=height,
        fill=0.78,
    )
    lo, hi = (allpts - shift).min(axis=0), (allpts - shift).max(axis=0)
    k = dims.scale
    if scene.mat is not None:  # under the whole movement (z mirrored), with a margin
        mat_rect = (lo[0] - 0.25 * k, hi[0] + 0.25 * k, -hi[2] - 0.3 * k, -lo[2] + 0.3 * k)
        scene = replace(scene, mat_rect=mat_rect)
    return ScenarioClip(
        scenario=sc,
        seed=seed,
        body=body,
        camera=synth_camera(fcam, size),
        scene=scene,
        degrade=_degrade(degrade, deg_rng),
        fps=fps or sc.fps,
        size=size,
        figure_camera=fcam,
        placed=placed,
        props=tuple(chair_shapes(framed, dims.scale)) if sc.chair else (),
    )


# -- ground truth ----------------------------------------------------------------------------


def reference_windows(sc: Any, events: list[Any] | None = None) -> dict[str, Any]:
    """When things happen, from the engine over the scenario's exact landmarks (see module doc);
    ``events``: that run's events, when the caller has them already."""
    from formcheck.scenario import run_events

    if events is None:
        events = run_events(sc)
    end = sc.duration_s
    reps = [(e.start_s, e.end_s) for e in events if type(e).__name__ == "RepCompleted"]
    partial = [(e.start_s, e.t_s) for e in events if type(e).__name__ == "PartialRep"]
    holds = [(e.start_s, e.t_s) for e in events if type(e).__name__ == "HoldEnded" and e.counted]
    rep_span = {
        (e.side, e.index): (e.start_s, e.end_s)
        for e in events
        if type(e).__name__ == "RepCompleted"
    }
    faults: dict[str, list[tuple[float, float]]] = {}
    open_at: dict[str, tuple[float, float]] = {}  # rule -> (window start, earliest end)
    for e in events:
        name = type(e).__name__
        if name == "FaultRaised" and e.rule not in open_at:
            a, b = rep_span.get((e.side, e.rep), (e.t_s, e.t_s)) if e.rep else (e.t_s, e.t_s)
            open_at[e.rule] = (max(0.0, min(a, e.t_s) - FAULT_LEAD_S), max(b, e.t_s) + 0.1)
            if e.rep and rep_span.get((e.side, e.rep), (0, 0))[1] <= e.t_s:
                faults.setdefault(e.rule, []).append(open_at.pop(e.rule))  # judged at the end
        elif name == "FaultCleared" and e.rule in open_at:
            a, b = open_at.pop(e.rule)
            faults.setdefault(e.rule, []).append((a, max(b, e.t_s)))
    for rule, (a, _) in open_at.items():
        faults.setdefault(rule, []).append((a, end))
    return {"reps": reps, "partial_reps": partial, "holds": holds, "faults": faults}


def _iv(items: list[tuple[float, float]], end: float) -> list[list[float]]:
    """Intervals cut to the clip, which can end up to a frame before the scenario."""
    return [[round(a, 3), round(min(b, end), 3)] for a, b in items if a < end]


def scenario_truth(clip: ScenarioClip, n_frames: int) -> dict[str, Any]:
    sc = clip.scenario
    ex = sc.expect
    win = reference_windows(sc)
    expected_faults = sorted(ex.faults)
    missing = [r for r in expected_faults if r not in win["faults"]]
    if missing:
        raise SynthError(
            f"{sc.name}: the engine raises no {', '.join(missing)} on the exact landmarks; "
            "fix the scenario first (python -m formcheck.scenario)"
        )
    from formcheck.spec import get_spec

    reps = ex.reps
    rep_times = win["reps"]
    if get_spec(sc.exercise).hold_only:  # the counted holds are the repetitions
        reps = ex.holds if ex.holds is not None else len(win["holds"])
        rep_times = win["holds"]
    if reps is None and ex.reps_by_side is not None:
        reps = sum(ex.reps_by_side.values())
    if reps is None and ex.reps_by_direction is not None:
        reps = sum(ex.reps_by_direction.values())
    if reps is None:
        reps = len(win["reps"])
    duration = round((n_frames - 1) / clip.fps, 3)
    sample_t = sorted({round(a, 3) for a, _ in rep_times[:2]} | {round(duration / 2, 3)})
    return {
        "schema_version": TRUTH_SCHEMA,
        "truth_source": "scenario",
        "scenario": f"exercise_specs/scenarios/{sc.name}.toml",
        "exercise": sc.exercise,
        "view": sc.view,
        "side": sc.side,
        "fps": clip.fps,
        "n_frames": n_frames,
        "duration_s": duration,
        "reps": reps,
        "reps_by_side": dict(ex.reps_by_side) if ex.reps_by_side else None,
        "reps_by_direction": dict(ex.reps_by_direction) if ex.reps_by_direction else None,
        "rep_times": _iv(rep_times, duration),
        "partial_reps": _iv(win["partial_reps"], duration),
        "holds": _iv(win["holds"], duration),
        # None: the scenario asserts no hold times (a clip judged on its reps or faults)
        "hold_s": list(ex.hold_s) if ex.hold_s is not None else None,
        "hold_tolerance_s": ex.hold_tolerance_s,
        "faults": {r: _iv(win["faults"][r], duration) for r in expected_faults},
        "fault_reps": {r: list(v) for r, v in ex.fault_reps.items()},
        "seed": clip.seed,
        "render": {
            "body": clip.body.to_dict(),
            "camera": clip.camera.to_dict(),
            "scene": clip.scene.to_dict(),
            "degrade": clip.degrade.to_dict(),
        },
        "landmarks_2d": {
            f"{t:.3f}": {
                Landmark(i).name.lower(): [round(float(v), 1) for v in xy]
                for i, xy in enumerate(clip.figure_camera.project(clip.placed(t).points))
            }
            for t in sample_t
        },
    }


def render_scenario(
    path: str | Path,
    out: str | Path,
    truth_out: str | Path | None = None,
    crf: int = 28,
    progress: Callable[[int], None] | None = None,
    **plan_args: Any,
) -> dict[str, Any]:
    """Render a scenario file to ``out`` (mp4) and its ground truth (default: ``out`` .json)."""
    import json

    from formcheck.synth.clip import write_video

    clip = plan_scenario(path, **plan_args)
    out = Path(out)
    n = write_video(out, clip.frames(), clip.fps, clip.size, crf=crf, progress=progress)
    truth = scenario_truth(clip, n)
    tpath = Path(truth_out) if truth_out is not None else out.with_suffix(".json")
    tpath.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


# -- the library's picture -------------------------------------------------------------------


def position_time(sc: Any) -> float:
    """A moment in the exercise's position: the middle of the first hold, else the first top."""
    from formcheck.scenario import run_events

    events = run_events(sc)
    win = reference_windows(sc, events)
    if win["holds"]:
        a, b = win["holds"][0]
        return (a + b) / 2
    tops = [e.top_s for e in events if type(e).__name__ == "RepCompleted"]
    return tops[0] if tops else sc.duration_s / 2


@cache
def _position_image(exercise_id: str, size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    path = find_scenario(exercise_id)
    clip = plan_scenario(path, seed=3, look="default", degrade="none", camera_jitter=0.0, size=size)
    return clip.render(position_time(clip.scenario))


def position_image(exercise_id: str, size: tuple[int, int] = (400, 300)) -> npt.NDArray[np.uint8]:
    """The mannequin in the exercise's position (RGB), rendered from its clean scenario.

    Raises :class:`SynthError` when the exercise has no clean scenario to render."""
    return _position_image(exercise_id, (int(size[0]), int(size[1]))).copy()
