"""Build PoseFrames from a few joint positions, for tests that need no model.

Two stick figures, both in pixel coordinates of a 640x480 image:
``standing_front`` (camera facing the person) and ``lying_side`` (person on
their back, seen from their left side).
"""

from __future__ import annotations

import math

import numpy as np

from formcheck.landmarks import Landmark as L
from formcheck.landmarks import PoseFrame

SIZE = (640, 480)


def _frame(
    points: dict[L, tuple[float, float]],
    t_s: float,
    vis: dict[L, float] | None,
    default_vis: float = 0.95,
) -> PoseFrame:
    xy = np.zeros((33, 2))
    v = np.full(33, default_vis)
    for lm, p in points.items():
        xy[lm] = p
    # Face points near the nose; hands at the wrists; feet at the ankles.
    for lm in (
        L.LEFT_EYE_INNER,
        L.LEFT_EYE,
        L.LEFT_EYE_OUTER,
        L.RIGHT_EYE_INNER,
        L.RIGHT_EYE,
        L.RIGHT_EYE_OUTER,
        L.MOUTH_LEFT,
        L.MOUTH_RIGHT,
        L.LEFT_EAR,
        L.RIGHT_EAR,
    ):
        xy[lm] = xy[L.NOSE]
    for side in ("LEFT", "RIGHT"):
        for part in ("PINKY", "INDEX", "THUMB"):
            xy[L[f"{side}_{part}"]] = xy[L[f"{side}_WRIST"]]
        xy[L[f"{side}_HEEL"]] = xy[L[f"{side}_ANKLE"]] + (0, 5)
        xy[L[f"{side}_FOOT_INDEX"]] = xy[L[f"{side}_ANKLE"]] + (8, 8)
    for lm, val in (vis or {}).items():
        v[lm] = val
    world = np.zeros((33, 3))
    world[:, :2] = (xy - xy[[L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=0)) / 300.0
    # tracked points (optical flow's sub-pixel view of the landmarks): the exact points
    return PoseFrame(t_s, xy, world, v, SIZE, tracked=xy.copy())


def _rot(v: tuple[float, float], deg: float) -> tuple[float, float]:
    """Rotate an image vector by ``deg`` (positive = counter-clockwise on screen)."""
    a = math.radians(deg)
    x, y = v
    return (x * math.cos(a) + y * math.sin(a), -x * math.sin(a) + y * math.cos(a))


def standing_front(
    t_s: float,
    hike_deg: float = 0.0,
    working: str = "right",
    lean_deg: float = 0.0,
    working_knee_deg: float = 180.0,
    vis: dict[L, float] | None = None,
) -> PoseFrame:
    """A person facing the camera. Their right side is on the image's left.

    ``hike_deg``: pelvis tilt with the free (non-working) hip higher.
    ``lean_deg``: trunk lean from vertical (positive toward the image's right).
    ``working_knee_deg``: knee angle of the working leg (180 = straight).
    """
    cx, hip_y = 320.0, 260.0
    half = 35.0
    # Image-left is the person's right side.
    sign = 1.0 if working == "right" else -1.0
    tilt = math.radians(hike_deg)
    dy = half * math.tan(tilt)
    r_hip = (cx - half, hip_y + sign * dy)  # working right -> right hip lower (larger y)
    l_hip = (cx + half, hip_y - sign * dy)
    mid = ((r_hip[0] + l_hip[0]) / 2, (r_hip[1] + l_hip[1]) / 2)
    tx, ty = _rot((0.0, -120.0), -lean_deg)
    sh_mid = (mid[0] + tx, mid[1] + ty)
    pts: dict[L, tuple[float, float]] = {
        L.RIGHT_HIP: r_hip,
        L.LEFT_HIP: l_hip,
        L.RIGHT_SHOULDER: (sh_mid[0] - 50, sh_mid[1]),
        L.LEFT_SHOULDER: (sh_mid[0] + 50, sh_mid[1]),
        L.NOSE: (sh_mid[0], sh_mid[1] - 45),
    }
    for side, hip in (("RIGHT", r_hip), ("LEFT", l_hip)):
        sh = pts[L[f"{side}_SHOULDER"]]
        pts[L[f"{side}_ELBOW"]] = (sh[0], sh[1] + 60)
        pts[L[f"{side}_WRIST"]] = (sh[0], sh[1] + 115)
        is_working = side.lower() == working
        knee = (hip[0], hip[1] + 95)
        bend = 180.0 - (working_knee_deg if is_working else 180.0)
        sx, sy = _rot((0.0, 95.0), bend if side == "RIGHT" else -bend)
        pts[L[f"{side}_KNEE"]] = knee
        pts[L[f"{side}_ANKLE"]] = (knee[0] + sx, knee[1] + sy)
    return _frame(pts, t_s, vis)


def lying_side(
    t_s: float,
    hip_ext_deg: float = 125.0,
    vis: dict[L, float] | None = None,
) -> PoseFrame:
    """A person on their back, head to the image's left, seen from their left side.

    ``hip_ext_deg`` is the shoulder-hip-knee angle (the bridge lifts it toward 180).
    Knees are bent about 90 degrees with the feet on the floor.
    """
    floor = 380.0
    knee = (420.0, 300.0)
    ankle = (470.0, floor)
    shoulder = (170.0, floor - 15)
    # The hip sits at x = 300, on or below the shoulder-knee line (which gives
    # 180 degrees); lower hips give smaller angles. Search y for the angle.
    ys = np.linspace(331.2, 520.0, 4000)
    hx = 300.0
    u = np.stack([shoulder[0] - hx + 0 * ys, shoulder[1] - ys], axis=-1)
    w = np.stack([knee[0] - hx + 0 * ys, knee[1] - ys], axis=-1)
    cross = np.abs(u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0])
    ang = np.degrees(np.arctan2(cross, np.sum(u * w, axis=-1)))
    hip = (hx, float(ys[int(np.argmin(np.abs(ang - hip_ext_deg)))]))
    pts: dict[L, tuple[float, float]] = {}
    for side, dz in (("LEFT", 0.0), ("RIGHT", -4.0)):
        pts[L[f"{side}_SHOULDER"]] = (shoulder[0], shoulder[1] + dz)
        pts[L[f"{side}_HIP"]] = (hip[0], hip[1] + dz)
        pts[L[f"{side}_KNEE"]] = (knee[0], knee[1] + dz)
        pts[L[f"{side}_ANKLE"]] = (ankle[0], ankle[1] + dz)
        pts[L[f"{side}_ELBOW"]] = (shoulder[0] + 50, floor - 5)
        pts[L[f"{side}_WRIST"]] = (shoulder[0] + 100, floor - 5)
    pts[L.NOSE] = (shoulder[0] - 70, floor - 30)
    far_vis = {L.RIGHT_SHOULDER: 0.6, L.RIGHT_HIP: 0.6, L.RIGHT_KNEE: 0.6, L.RIGHT_ANKLE: 0.6}
    return _frame(pts, t_s, {**far_vis, **(vis or {})})


def ramp(keys: list[tuple[float, float]], fps: float = 30.0) -> list[tuple[float, float]]:
    """Piecewise-linear (t_s, value) samples at ``fps`` through keyframes."""
    out = []
    t_end = keys[-1][0]
    n = round(t_end * fps) + 1
    ts = [i / fps for i in range(n)]
    kt = [k[0] for k in keys]
    kv = [k[1] for k in keys]
    for t in ts:
        out.append((t, float(np.interp(t, kt, kv))))
    return out
