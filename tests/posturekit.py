"""Stick figures in 3D for posture tests: build a posture, look at it from a camera.

A figure is built in a gravity frame (metres; x forward, y up, z to the
person's right) from segment directions given as angles in the x-y plane,
measured from straight down and turning toward +x: 0 = down, 90 = +x
(forward), 180 = up, -90 = -x (backward). :func:`view` then places a pinhole
camera (yaw around the body, pitch looking down) and returns a PoseFrame the
way MediaPipe reports one: ``xy`` in pixels of a 640x480 image, ``world`` in
metres along the camera's axes (y down) with the origin between the hips.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.landmarks import PoseFrame

SIZE = (640, 480)
FOCAL_PX = 420.0
CAMERA_DIST_M = 3.0

TORSO, THIGH, SHIN, UPPER_ARM, FOREARM = 0.50, 0.45, 0.42, 0.30, 0.27
HALF_HIPS, HALF_SHOULDERS = 0.10, 0.18


def vec(deg: float) -> np.ndarray:
    """Unit vector in the x-y plane at ``deg`` from straight down, toward +x."""
    a = math.radians(deg)
    return np.array([math.sin(a), -math.cos(a), 0.0])


@dataclass(frozen=True)
class Limb:
    """One side's segment directions (degrees, see :func:`vec`)."""

    thigh: float = 0.0
    shin: float = 0.0
    foot: float = 90.0
    upper_arm: float = 0.0
    forearm: float = 0.0


@dataclass(frozen=True)
class Figure:
    """A posture: trunk (hip -> shoulder) and face directions, and both sides' limbs."""

    trunk: float = 180.0
    face: float = 90.0
    left: Limb = field(default_factory=Limb)
    right: Limb = field(default_factory=Limb)

    def both(self, **limb: float) -> Figure:
        """The same change to both sides' limbs."""
        return replace(self, left=replace(self.left, **limb), right=replace(self.right, **limb))


def joints(fig: Figure) -> np.ndarray:
    """(33, 3) landmark positions in the gravity frame, lowest point at y = 0."""
    p = np.zeros((33, 3))
    trunk = vec(fig.trunk)
    face = vec(fig.face)
    lateral = np.array([0.0, 0.0, 1.0])  # the person's right
    sh_mid = TORSO * trunk
    for side, sign, limb in (("LEFT", -1.0, fig.left), ("RIGHT", 1.0, fig.right)):
        hip = sign * HALF_HIPS * lateral
        knee = hip + THIGH * vec(limb.thigh)
        ankle = knee + SHIN * vec(limb.shin)
        foot = vec(limb.foot)
        sole = 0.08 * vec(limb.shin)
        shoulder = sh_mid + sign * HALF_SHOULDERS * lateral
        elbow = shoulder + UPPER_ARM * vec(limb.upper_arm)
        wrist = elbow + FOREARM * vec(limb.forearm)
        hand = wrist + 0.08 * vec(limb.forearm)
        for name, pos in (
            ("HIP", hip),
            ("KNEE", knee),
            ("ANKLE", ankle),
            ("HEEL", ankle - 0.05 * foot + sole),
            ("FOOT_INDEX", ankle + 0.16 * foot + sole),
            ("SHOULDER", shoulder),
            ("ELBOW", elbow),
            ("WRIST", wrist),
            ("PINKY", hand + sign * 0.02 * lateral),
            ("INDEX", hand),
            ("THUMB", hand - sign * 0.02 * lateral),
        ):
            p[L[f"{side}_{name}"]] = pos
        head = sh_mid + 0.22 * trunk
        p[L[f"{side}_EAR"]] = head + sign * 0.07 * lateral
        p[L[f"{side}_EYE"]] = head + 0.08 * face + 0.03 * trunk + sign * 0.03 * lateral
        p[L[f"{side}_EYE_INNER"]] = head + 0.08 * face + 0.03 * trunk + sign * 0.015 * lateral
        p[L[f"{side}_EYE_OUTER"]] = head + 0.08 * face + 0.03 * trunk + sign * 0.045 * lateral
        p[L[f"MOUTH_{side}"]] = head + 0.08 * face - 0.05 * trunk + sign * 0.02 * lateral
    p[L.NOSE] = sh_mid + 0.22 * trunk + 0.10 * face
    p[:, 1] -= p[:, 1].min()
    return p


#: Camera placements: (yaw, pitch down) in degrees. Yaw 0 puts the camera on +x
#: (in front of a standing person, at the feet of someone lying on their back
#: with the head toward -x); 90 on the person's right side.
VIEWS: dict[str, tuple[float, float]] = {
    "side": (90.0, 0.0),
    "front": (0.0, 0.0),
    "oblique": (45.0, 15.0),
    "raised_end": (0.0, 40.0),  # a camera raised at the feet, looking down along the body
    "low_end": (0.0, 5.0),
    "shelf": (0.0, 20.0),  # in front, looking down 20 degrees (a phone on a shelf)
}


def view(
    fig: Figure,
    camera: str | tuple[float, float] = "side",
    t_s: float = 0.0,
    vis: dict[L, float] | None = None,
    noise_px: float = 0.0,
    seed: int = 0,
    world: bool = True,
) -> PoseFrame:
    """The figure as a pose model would report it from this camera.

    ``vis`` overrides visibilities (default 0.95); ``noise_px`` adds jitter of
    that many pixels (and the matching centimetres to ``world``); ``world=False``
    zeroes the world landmarks, as a replayed file without them does.
    """
    yaw, pitch = VIEWS[camera] if isinstance(camera, str) else camera
    pts = joints(fig)
    target = pts.mean(axis=0)
    y, p = math.radians(yaw), math.radians(pitch)
    fwd = np.array([-math.cos(y) * math.cos(p), -math.sin(p), -math.sin(y) * math.cos(p)])
    right = np.cross(fwd, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    cam = target - CAMERA_DIST_M * fwd
    rel = pts - cam
    c = np.stack([rel @ right, rel @ down, rel @ fwd], axis=1)
    rng = np.random.default_rng(seed)
    if noise_px:
        c[:, :2] += rng.normal(0.0, noise_px * CAMERA_DIST_M / FOCAL_PX, size=(33, 2))
    xy = FOCAL_PX * c[:, :2] / c[:, 2:3] + np.array([SIZE[0] / 2, SIZE[1] / 2])
    hips = c[[L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=0)
    w = c - hips if world else np.zeros((33, 3))
    v = np.full(33, 0.95)
    for lm, val in (vis or {}).items():
        v[lm] = val
    return PoseFrame(t_s, xy, w, v, SIZE)


# -- postures -------------------------------------------------------------------------

STANDING = Figure()
SQUAT_BOTTOM = Figure(trunk=140.0, face=100.0).both(
    thigh=95.0, shin=-30.0, upper_arm=90.0, forearm=90.0
)
HIP_HINGE = Figure(trunk=95.0, face=20.0).both(thigh=-5.0, shin=5.0)
FORWARD_BEND = Figure(trunk=35.0, face=-60.0).both(thigh=-5.0, shin=5.0, upper_arm=20.0)
SITTING = Figure().both(thigh=90.0, shin=0.0, upper_arm=10.0, forearm=80.0)
FLOOR_SITTING = Figure(trunk=170.0).both(thigh=90.0, shin=90.0, foot=170.0, upper_arm=10.0)
KNEELING = Figure().both(thigh=0.0, shin=-90.0, foot=-90.0)
KNEELING_ON_HEELS = Figure().both(thigh=65.0, shin=-95.0, foot=-90.0, forearm=60.0)
HALF_KNEELING = Figure(
    left=Limb(thigh=-10.0, shin=-90.0, foot=-90.0),
    right=Limb(thigh=90.0, shin=0.0, foot=90.0),
)
HANDS_AND_KNEES = Figure(trunk=100.0, face=10.0).both(thigh=0.0, shin=-90.0, foot=-90.0)
#: Child's pose: hips back toward the heels (knee 40 deg), trunk folded forward and down
#: over the thighs, face down, arms reaching forward.
CHILDS_POSE = Figure(trunk=70.0, face=0.0).both(
    thigh=50.0, shin=-90.0, foot=-90.0, upper_arm=80.0, forearm=90.0
)
BIRD_DOG = Figure(
    trunk=100.0,
    face=10.0,
    left=Limb(thigh=-90.0, shin=-90.0, foot=-150.0, upper_arm=0.0, forearm=0.0),
    right=Limb(thigh=0.0, shin=-90.0, foot=-90.0, upper_arm=90.0, forearm=90.0),
)
FOREARM_PLANK = Figure(trunk=88.0, face=20.0).both(
    thigh=-80.0, shin=-80.0, foot=0.0, upper_arm=0.0, forearm=90.0
)
HIGH_PLANK = Figure(trunk=97.0, face=20.0).both(thigh=-62.0, shin=-62.0, foot=0.0)
LYING_FACE_DOWN = Figure(trunk=90.0, face=0.0).both(
    thigh=-90.0, shin=-90.0, foot=-90.0, upper_arm=-90.0, forearm=-90.0
)
COBRA = Figure(trunk=143.0, face=100.0).both(
    thigh=-80.0, shin=-88.0, foot=-90.0, upper_arm=0.0, forearm=42.0
)
LYING_ON_BACK = Figure(trunk=-90.0, face=180.0).both(
    thigh=130.0, shin=10.0, foot=90.0, upper_arm=90.0, forearm=90.0
)
BRIDGE_TOP = Figure(trunk=-54.0, face=180.0).both(
    thigh=126.0, shin=10.0, foot=90.0, upper_arm=90.0, forearm=90.0
)
DOWNWARD_DOG = Figure(trunk=40.0, face=-20.0).both(
    thigh=-35.0, shin=-35.0, foot=-60.0, upper_arm=40.0, forearm=40.0
)
LYING_STRAIGHT = Figure(trunk=-90.0, face=180.0).both(
    thigh=90.0, shin=90.0, foot=180.0, upper_arm=90.0, forearm=90.0
)
