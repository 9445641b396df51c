"""Render a whole synthetic clip: configuration, randomised look, camera per view, video out."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from formcheck.synth.body import BodyParams, Capsule, Dims, Pose, Shape, shapes
from formcheck.synth.errors import SynthError
from formcheck.synth.motion import (
    DEFAULT_REPS,
    EXERCISES,
    HIKE_DECOYS,
    HIKE_VARIANTS,
    BridgeSetup,
    HikeSetup,
    Script,
    make_script,
    pose_at,
)
from formcheck.synth.render import (
    SS,
    Camera,
    Degrade,
    Scene,
    background,
    contact_shadow,
    draw_body,
    finish_frame,
)

VIEWS: dict[str, tuple[str, ...]] = {
    "glute_bridge": ("side", "foot_end", "oblique"),
    "standing_hip_hike": ("front", "oblique"),
}
LOOKS = ("default", "random")
FOOT_DIST = (1.0, 1.2)
FOOT_H = (1.5, 1.7)
FOOT_T = 0.5
DEGRADES = ("none", "mild", "strong")

SKINS = [
    (255, 220, 185),
    (238, 190, 150),
    (224, 172, 140),
    (198, 140, 100),
    (160, 105, 70),
    (115, 75, 50),
]
SHIRTS = [
    (40, 90, 170),
    (180, 40, 50),
    (40, 130, 80),
    (230, 140, 30),
    (110, 60, 150),
    (30, 30, 35),
    (200, 60, 120),
    (20, 120, 140),
]
TROUSERS = [(45, 45, 55), (30, 40, 80), (70, 70, 75), (20, 20, 22), (120, 100, 70)]
HAIRS = [(25, 20, 18), (60, 40, 25), (110, 75, 40), (200, 170, 110), (150, 150, 150)]
SHOES = [(235, 235, 235), (30, 30, 30), (90, 90, 100), (200, 60, 40)]
WALLS = [(205, 200, 190), (220, 215, 205), (190, 200, 205), (215, 205, 185), (180, 190, 180)]
FLOORS = [(150, 115, 80), (120, 90, 60), (170, 140, 105), (110, 110, 115)]
MATS = [(70, 120, 110), (120, 70, 130), (60, 90, 150), (150, 60, 70), (90, 90, 95)]


@dataclass(frozen=True, slots=True)
class ClipConfig:
    """Everything that determines a clip; the same config always renders the same clip."""

    exercise: str
    reps: int | None = None
    faults: tuple[str, ...] = ()
    view: str | None = None
    side: str | None = None  # working side (standing_hip_hike); ignored for glute_bridge
    seed: int = 0
    size: tuple[int, int] = (640, 480)
    fps: float = 30.0
    hold_s: float | None = None
    tempo: float | None = None  # None: drawn from the seed near 1.0
    look: str = "random"  # "default": fixed body and room; "random": drawn from the seed
    degrade: str = "mild"
    camera_jitter: float = 1.0  # 0: canonical camera for the view; 1: sweep-sized variation
    variant: str = "floor"  # standing_hip_hike: "floor" or "step" (the working foot on a step)
    decoy: str | None = None  # standing_hip_hike: another movement instead of the hikes

    def __post_init__(self) -> None:
        if self.exercise not in EXERCISES:
            raise SynthError(
                f"unknown exercise {self.exercise!r}; synthesised: {', '.join(EXERCISES)}"
            )
        if self.view is not None and self.view not in VIEWS[self.exercise]:
            raise SynthError(
                f"{self.exercise} cannot be filmed from view {self.view!r}; "
                f"choose: {', '.join(VIEWS[self.exercise])}"
            )
        if self.exercise != "standing_hip_hike" and (self.variant != "floor" or self.decoy):
            raise SynthError("variant and decoy are for standing_hip_hike only")
        if self.variant not in HIKE_VARIANTS:
            raise SynthError(f"variant must be one of {', '.join(HIKE_VARIANTS)}")
        if self.decoy is not None and self.decoy not in HIKE_DECOYS:
            raise SynthError(f"decoy must be one of {', '.join(HIKE_DECOYS)}")
        if self.side is not None and self.side not in ("left", "right"):
            raise SynthError(f"side must be 'left' or 'right', got {self.side!r}")
        if self.look not in LOOKS:
            raise SynthError(f"look must be one of {', '.join(LOOKS)}, got {self.look!r}")
        if self.degrade not in DEGRADES:
            raise SynthError(f"degrade must be one of {', '.join(DEGRADES)}, got {self.degrade!r}")
        w, h = self.size
        if w < 64 or h < 64 or w % 2 or h % 2:
            raise SynthError(f"size must be even and at least 64x64, got {w}x{h}")
        if not 1.0 <= self.fps <= 120.0:
            raise SynthError(f"fps must be in [1, 120], got {self.fps}")

    @property
    def view_name(self) -> str:
        return self.view or VIEWS[self.exercise][0]

    @property
    def side_name(self) -> str | None:
        return (self.side or "right") if self.exercise == "standing_hip_hike" else None


@dataclass(frozen=True, slots=True)
class Clip:
    """A planned clip: script, body, camera and scene; frames are rendered lazily."""

    config: ClipConfig
    script: Script
    body: BodyParams
    camera: Camera
    scene: Scene
    degrade: Degrade
    tempo: float
    ctx: object = field(repr=False)

    @property
    def n_frames(self) -> int:
        return int(np.floor(self.script.duration_s * self.config.fps)) + 1

    def time(self, i: int) -> float:
        return i / self.config.fps

    def pose(self, t: float) -> Pose:
        return pose_at(self.script, self.ctx, t)

    def frames(self) -> Iterator[tuple[float, npt.NDArray[np.uint8]]]:
        """(t_s, RGB frame) for every frame of the clip."""
        bg = background(self.camera, self.scene)
        rng = np.random.default_rng(self.config.seed + 7)
        for i in range(self.n_frames):
            t = self.time(i)
            yield t, self.render(t, bg, rng)

    def render(
        self,
        t: float,
        bg: npt.NDArray[np.uint8] | None = None,
        rng: np.random.Generator | None = None,
    ) -> npt.NDArray[np.uint8]:
        canvas = (background(self.camera, self.scene) if bg is None else bg).copy()
        pose = self.pose(t)
        pts = np.stack([pose.joints[k] for k in pose.joints])
        contact_shadow(canvas, pts, self.camera)
        draw_body(
            canvas, shapes(pose, self.body) + self.props(), self.body, self.camera, self.scene
        )
        return finish_frame(
            canvas,
            self.camera.size,
            self.degrade,
            t,
            rng if rng is not None else np.random.default_rng(0),
        )

    def props(self) -> list[Shape]:
        """Things in the room besides the body: the step of a hike on a step."""
        if not isinstance(self.ctx, HikeSetup) or self.ctx.step_h <= 0:
            return []
        return step_shapes(self.ctx)

    def landmarks_2d(self, t: float) -> dict[str, list[float]]:
        """Projected BlazePose-equivalent points (pixels) of the true pose at time t."""
        return {
            k: [round(float(x), 1) for x in self.camera.project(v)]
            for k, v in blazepose_points(self.pose(t), self.body).items()
        }


STEP_COLOR = (150, 110, 70)


def step_shapes(st: HikeSetup) -> list[Shape]:
    """A wooden step under the working foot (slats side to side, on four legs); the free
    foot hangs beside it."""
    d = st.dims
    ws = 1.0 if st.side == "left" else -1.0
    r = 0.02 * d.scale
    top = st.step_h
    inner = d.hip_half + 0.015 * d.scale - 0.09 * d.scale  # just inside the stance foot
    outer = inner + 0.34 * d.scale
    x0, x1 = ws * inner, ws * outer
    out: list[Shape] = []
    for z in np.linspace(-0.12 * d.scale, 0.2 * d.scale, 9):
        a, b = np.array([x0, top - r, z]), np.array([x1, top - r, z])
        out.append(Capsule(a, b, r, r, STEP_COLOR))
    for x in (x0, x1):
        for z in (-0.12 * d.scale, 0.2 * d.scale):
            out.append(Capsule(np.array([x, 0.0, z]), np.array([x, top - r, z]), r, r, STEP_COLOR))
    return out


def blazepose_points(pose: Pose, body: BodyParams) -> dict[str, npt.NDArray[np.float64]]:
    """3D positions of the BlazePose landmarks the mannequin has, by landmark name."""
    d = Dims.of(body)
    hr = pose.frames["head"]
    hc = pose.joints["head"]
    a = np.asarray(d.head)
    out = {"nose": hc + hr @ np.array([0.0, -0.012 * d.scale, a[2] + 0.012 * d.scale])}
    for s, sg in (("left", 1.0), ("right", -1.0)):
        out[f"{s}_eye"] = hc + hr @ np.array([sg * 0.032, 0.012, a[2] * 0.93]) * np.array(
            [d.scale, d.scale, 1.0]
        )
        out[f"{s}_ear"] = hc + hr @ np.array([sg * a[0], -0.005 * d.scale, -0.005])
        for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel"):
            out[f"{s}_{j}"] = pose.joints[f"{s}_{j}"]
        out[f"{s}_foot_index"] = pose.joints[f"{s}_toe"]
        out[f"{s}_index"] = pose.joints[f"{s}_hand"]
    return out


def _camera(cfg: ClipConfig, rng: np.random.Generator, ctx: object, dims: Dims) -> Camera:
    jit = cfg.camera_jitter
    k = dims.scale

    def u(lo: float, hi: float) -> float:
        mid = (lo + hi) / 2
        return float(mid + (rng.uniform(lo, hi) - mid) * jit)

    view = cfg.view_name
    if cfg.exercise == "glute_bridge":
        assert isinstance(ctx, BridgeSetup)
        cx = ctx.ankle_x * 0.42
        target = (cx, 0.22 * k, 0.0)
        if view == "side":
            near = -1.0 if rng.uniform() < 0.5 else 1.0  # -z: the body's left side
            az = np.radians(u(-12, 12))
            dist = u(2.0, 2.6) * k
            pos = (cx + dist * np.sin(az), u(0.45, 0.85), near * dist * np.cos(az))
        elif view == "foot_end":
            az = np.radians(u(-10, 10))
            dist = u(FOOT_DIST[0], FOOT_DIST[1]) * k
            fx = ctx.ankle_x
            pos = (fx + dist * np.cos(az), u(FOOT_H[0], FOOT_H[1]) * k, dist * np.sin(az))
            target = (FOOT_T * k, 0.15 * k, 0.0)
        else:  # oblique
            near = -1.0 if rng.uniform() < 0.5 else 1.0
            az = np.radians(u(35, 55))
            dist = u(2.3, 2.9) * k
            pos = (cx + dist * np.sin(az), u(0.7, 1.0), near * dist * np.cos(az))
        return Camera(pos, target, fov_deg=u(58, 66), size=cfg.size)
    # standing: the body faces +z
    if view == "front":
        az = np.radians(u(-10, 10))
    else:
        az = np.radians(u(35, 50) * (1.0 if rng.uniform() < 0.5 else -1.0))
    dist = u(2.8, 3.4) * k
    lift = ctx.step_h if isinstance(ctx, HikeSetup) else 0.0  # standing on a step
    pos = (dist * np.sin(az), u(0.9, 1.2) * k + lift, dist * np.cos(az))
    return Camera(pos, (0.0, 0.88 * k + lift, 0.0), fov_deg=u(58, 66), size=cfg.size)


def _look(look: str, floor: bool, rng: np.random.Generator) -> tuple[BodyParams, Scene]:
    """Body and room for ``look``; a floor exercise usually gets a mat."""
    if look == "default":
        body = BodyParams(textured=True)
        scene = Scene(mat=(70, 120, 110) if floor else None)
        return body, scene

    def pick(seq: list[tuple[int, int, int]]) -> tuple[int, int, int]:
        c = seq[int(rng.integers(len(seq)))]
        return (int(c[0]), int(c[1]), int(c[2]))

    body = BodyParams(
        height_m=float(rng.uniform(1.55, 1.92)),
        build=float(rng.uniform(0.85, 1.25)),
        skin=pick(SKINS),
        shirt=pick(SHIRTS),
        trousers=pick(TROUSERS),
        hair=pick(HAIRS),
        shoes=pick(SHOES),
        long_hair=bool(rng.uniform() < 0.4),
        textured=True,
    )
    scene = Scene(
        room=bool(rng.uniform() < 0.75),
        wall=pick(WALLS),
        floor=pick(FLOORS),
        mat=pick(MATS) if floor and rng.uniform() < 0.8 else None,
        light_dir=(float(rng.uniform(-0.6, 0.6)), 1.0, float(rng.uniform(-0.3, 0.8))),
    )
    return body, scene


def _degrade(degrade: str, rng: np.random.Generator) -> Degrade:
    if degrade == "none":
        return Degrade()
    if degrade == "mild":
        return Degrade(
            noise_sigma=float(rng.uniform(1.0, 3.0)),
            blur_px=0.5,
            gain=float(rng.uniform(0.92, 1.05)),
            flicker=0.02,
        )
    return Degrade(
        noise_sigma=float(rng.uniform(3.0, 8.0)),
        blur_px=float(rng.uniform(0.6, 1.6)),
        gain=float(rng.uniform(0.7, 1.1)),
        flicker=float(rng.uniform(0.03, 0.08)),
        jpeg_quality=int(rng.integers(35, 70)),
    )


def plan(cfg: ClipConfig) -> Clip:
    """Draw everything random from the seed, in a fixed order, and build the script."""
    rng = np.random.default_rng(cfg.seed)
    look_rng, cam_rng, motion_rng, deg_rng = (
        np.random.default_rng(s) for s in rng.integers(0, 2**31, size=4)
    )
    body, scene = _look(cfg.look, cfg.exercise == "glute_bridge", look_rng)
    dims = Dims.of(body)
    drawn_tempo = float(motion_rng.uniform(0.85, 1.15))  # always drawn: keeps later draws
    tempo = cfg.tempo if cfg.tempo is not None else drawn_tempo
    reps = DEFAULT_REPS[cfg.exercise] if cfg.reps is None else cfg.reps
    script, ctx = make_script(
        cfg.exercise,
        dims,
        side=cfg.side_name,
        reps=reps,
        faults=cfg.faults,
        rng=motion_rng,
        tempo=tempo,
        hold_s=cfg.hold_s,
        variant=cfg.variant,
        decoy=cfg.decoy,
    )
    if isinstance(ctx, BridgeSetup):
        k = dims.scale
        scene = Scene(
            scene.room,
            scene.wall,
            scene.floor,
            scene.mat,
            (-0.6 * k, ctx.ankle_x + 0.35 * k, -0.33 * k, 0.33 * k),
            scene.light_dir,
        )
    cam = _camera(cfg, cam_rng, ctx, dims)
    return Clip(cfg, script, body, cam, scene, _degrade(cfg.degrade, deg_rng), tempo, ctx)


def write_video(
    path: Path,
    frames: Iterator[tuple[float, npt.NDArray[np.uint8]]],
    fps: float,
    size: tuple[int, int],
    crf: int = 28,
    progress: Callable[[int], None] | None = None,
) -> int:
    """H.264 (libx264, yuv420p) via PyAV; returns the number of frames written."""
    from fractions import Fraction

    import av  # imported here: only clip writing needs it

    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "medium"}
        for _, img in frames:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
            n += 1
            if progress is not None:
                progress(n)
        for packet in stream.encode():
            container.mux(packet)
    return n


def render_clip(
    cfg: ClipConfig,
    out: str | Path,
    truth_out: str | Path | None = None,
    crf: int = 28,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Render ``cfg`` to ``out`` (mp4) and its ground truth to ``truth_out`` (default: .json)."""
    from formcheck.synth.truth import truth_dict

    out = Path(out)
    clip = plan(cfg)
    n = write_video(out, clip.frames(), cfg.fps, cfg.size, crf=crf, progress=progress)
    truth = truth_dict(clip, n_frames=n)
    tpath = Path(truth_out) if truth_out is not None else out.with_suffix(".json")
    tpath.write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


__all__ = ["SS", "Clip", "ClipConfig", "plan", "render_clip", "write_video"]
