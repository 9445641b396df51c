"""An articulated stick figure that poses like a person, seen by a pinhole camera.

It turns a handful of joint angles into a full 33-landmark :class:`PoseFrame`
(image pixels, world metres, visibility), so scenario files and tests can
describe a movement the way a physiotherapist would ("hip flexed 55 degrees,
knees bent 100") instead of placing pixels by hand. numpy and the standard
library only; no rendering, no pose model.

Conventions
-----------
*Room*: metres, **y up**, the floor at y = 0. The body's side plane (sagittal
plane) is the room's x-y plane and the person's left points to +z.

*Base postures* (:data:`POSTURES`) give every angle a starting value plus an
``anchor``: the body parts that rest on the floor. Angles are degrees and 0 is
anatomical standing (arms hanging, legs straight). Per side, ``hip_flexion``
sets both hips and ``left_hip_flexion`` only the left (see :data:`PARAMS`):

* ``trunk``: the mid-hip -> mid-shoulder line from vertical, + tipping forward
  (toward the face). Standing 0, lying on the back -90, face down +90. This
  is the figure's root: the legs hang from the pelvis and the arms from the
  shoulders, so a hinge is ``trunk = 60, hip_flexion = 60`` (thighs stay
  vertical). The spine is one rigid segment (MediaPipe has no spine points).
* ``trunk_lean`` (+ the shoulders move to the person's left),
  ``trunk_twist`` (+ the chest turns to the person's left) and
  ``neck_flexion`` (+ chin to chest) move the upper body only.
* ``pelvis_tilt``: the hip line in the frontal plane (a hip hike), + the left
  hip rises. It moves only the two hip joints; the legs keep their direction.
* ``pelvis_rotation``: pelvis *and legs* turn about the body's long axis, + the
  left hip moves forward. Lying on the back: + lifts the left hip and rolls the
  knees to the right (the bridge's "hips not level", the lower-back rotation).
* ``hip_flexion`` (thigh vs trunk in the side plane: 0 in line, 90 a right
  angle in front, - behind), ``hip_abduction`` (+ out to the side),
  ``hip_rotation`` (+ external: a bent knee's shin swings toward the midline),
  ``knee_flexion`` (0 straight), ``ankle_dorsiflexion`` (+ toes toward the
  shin); ``shoulder_flexion`` (0 hanging, 90 reaching forward, 180 overhead),
  ``shoulder_abduction`` (+ out to the side), ``elbow_flexion`` (0 straight).

*Anchoring*: after the angles are applied, the figure is moved so the first
anchor part stays at the same spot on the floor and the lowest anchor part
touches it. With ``pivot`` (the default for lying, plank and hands-and-knees
postures) the whole figure is first tipped in the side plane until the first
and last anchor parts both touch the floor; ``trunk`` is then worked out, not
given (a bridge is ``hip_flexion`` going from 55 to 5 with the shoulders and
feet down). An anchored foot is laid flat; anchored hands lie flat. With a
pivot the last anchor can slide a little along the floor as angles change.
Anchor parts: ``feet``, ``toes``, ``knees``, ``hands``, ``forearms``,
``shoulders``, ``hips``, or one side's (``left_foot``, ``right_knee``,
``left_toes``, ``right_hand``, ``left_forearm``, ``left_shoulder``, ``right_hip``).

*Camera* (:class:`Camera`): a pinhole camera framed once on the whole
movement, so the body moves within a still picture.

* ``side``: level with the body's middle, 3 m to the ``near`` side. Near and
  far limbs nearly overlap; perspective offsets the far side a few pixels and
  its visibility is lower (0.8 vs 0.95), as with MediaPipe. From the left side
  a standing person faces the image's left and a person lying on their back
  has the head on the image's right (from the right side: the other way).
* ``front``: level, 3 m in front of the face (for lying postures: at the feet);
  left and right are apart, the person's right on the image's left.
* ``foot_end``: 2 m past the hips toward the feet and 1.6 m up, looking down
  along the body; the person's right on the image's left.

*Landmarks*: image ``xy`` in pixels (y down); ``world`` in metres in the
camera's axes (x right, y down, z away) with the origin between the hips, as
MediaPipe's world landmarks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from formcheck.landmarks import N_LANDMARKS, Landmark, PoseFrame

FloatArray = np.ndarray
SIDES = ("left", "right")
VIEWS = ("side", "front", "foot_end")
NEAR_VISIBILITY = 0.95
FAR_VISIBILITY = 0.8  # the far side in profile, as MediaPipe reports it
OUT_OF_FRAME_VISIBILITY = 0.1
FLOOR_TOLERANCE_M = 0.03  # :meth:`Placed.below_floor` ignores less than this


@dataclass(frozen=True, slots=True)
class Param:
    """One angle the figure takes, in degrees, with its allowed range."""

    name: str
    lo: float
    hi: float
    sided: bool  # per side: left_<name> / right_<name>; <name> sets both
    doc: str


PARAMS: tuple[Param, ...] = (
    Param("trunk", -180, 180, False, "trunk from vertical; + forward; back -90, face down +90"),
    Param("trunk_lean", -60, 60, False, "upper body bent sideways; + to the person's left"),
    Param("trunk_twist", -90, 90, False, "upper body turned; + chest to the person's left"),
    Param("pelvis_tilt", -30, 30, False, "hip line in the frontal plane (hike); + left hip up"),
    Param("pelvis_rotation", -90, 90, False, "pelvis and legs about the long axis; + left hip fwd"),
    Param("neck_flexion", -60, 80, False, "head forward (chin to chest); - looks up"),
    Param("hip_flexion", -60, 160, True, "thigh vs trunk; 0 in line, 90 right angle in front"),
    Param("hip_abduction", -30, 90, True, "thigh out to the side"),
    Param("hip_rotation", -90, 90, True, "thigh about its axis; + external"),
    Param("knee_flexion", 0, 160, True, "0 straight"),
    Param("ankle_dorsiflexion", -90, 40, True, "+ toes toward the shin; - toes pointed"),
    Param("shoulder_flexion", -60, 200, True, "arm vs trunk; 0 hanging, 90 forward, 180 overhead"),
    Param("shoulder_abduction", -20, 180, True, "arm out to the side"),
    Param("elbow_flexion", 0, 160, True, "0 straight"),
)
PARAM_BY_NAME = {p.name: p for p in PARAMS}
#: Every name a keyframe may set: unsided params, and sided ones plain or per side.
ANGLE_NAMES: tuple[str, ...] = tuple(
    n
    for p in PARAMS
    for n in ((p.name, *(f"{s}_{p.name}" for s in SIDES)) if p.sided else (p.name,))
)
#: The full set a pose is computed from (sided params per side only).
FULL_NAMES: tuple[str, ...] = tuple(
    n for p in PARAMS for n in ((f"{s}_{p.name}" for s in SIDES) if p.sided else (p.name,))
)


def param_of(name: str) -> Param:
    """The :class:`Param` behind an angle name (``left_knee_flexion`` -> knee_flexion)."""
    for s in SIDES:
        if name.startswith(s + "_") and name[len(s) + 1 :] in PARAM_BY_NAME:
            return PARAM_BY_NAME[name[len(s) + 1 :]]
    return PARAM_BY_NAME[name]


def apply_angles(current: Mapping[str, float], overrides: Mapping[str, float]) -> dict[str, float]:
    """``current`` (full names) with ``overrides``: plain sided names first, then per side."""
    out = dict(current)
    for name, value in sorted(overrides.items(), key=lambda kv: kv[0].startswith(SIDES)):
        p = param_of(name)
        if p.sided and name == p.name:
            for s in SIDES:
                out[f"{s}_{name}"] = float(value)
        else:
            out[name] = float(value)
    return out


# -- anchors ------------------------------------------------------------------

#: Anchor part -> (landmark part, height of that point above the floor when resting on it).
_CONTACT = {
    "foot": (("ankle", 0.07),),
    "toes": (("foot_index", 0.0),),
    "knee": (("knee", 0.05),),
    "hand": (("wrist", 0.03),),
    "forearm": (("elbow", 0.04), ("wrist", 0.03)),
    "shoulder": (("shoulder", 0.07),),
    "hip": (("hip", 0.09),),
}
_PLURAL = {
    "feet": "foot",
    "toes": "toes",
    "knees": "knee",
    "hands": "hand",
    "forearms": "forearm",
    "shoulders": "shoulder",
    "hips": "hip",
}
#: Anchor name -> (sides, part).
ANCHORS: dict[str, tuple[tuple[str, ...], str]] = {
    **{plural: (SIDES, part) for plural, part in _PLURAL.items()},
    **{f"{s}_{part}": ((s,), part) for s in SIDES for part in _CONTACT},
}


@dataclass(frozen=True, slots=True)
class Posture:
    angles: Mapping[str, float]  # plain or per-side names; the rest are 0
    anchor: tuple[str, ...]
    pivot: bool
    doc: str


POSTURES: dict[str, Posture] = {
    "standing": Posture(
        {"shoulder_abduction": 8, "elbow_flexion": 10},
        ("feet",),
        False,
        "standing upright, arms by the sides",
    ),
    "sitting": Posture(
        {"hip_flexion": 90, "knee_flexion": 90, "shoulder_flexion": 35, "elbow_flexion": 55},
        ("feet",),
        False,
        "sitting on a chair, feet flat, hands on the thighs",
    ),
    "sitting_on_floor": Posture(
        {"hip_flexion": 90, "shoulder_flexion": 20, "shoulder_abduction": 15},
        ("hips",),
        False,
        "sitting on the floor, legs straight in front",
    ),
    "kneeling": Posture(
        {"knee_flexion": 90, "ankle_dorsiflexion": -75, "shoulder_abduction": 8},
        ("knees",),
        False,
        "kneeling upright, shins on the floor",
    ),
    "half_kneeling": Posture(
        {
            "left_hip_flexion": -10,
            "left_knee_flexion": 100,
            "left_ankle_dorsiflexion": -50,
            "right_hip_flexion": 80,
            "right_knee_flexion": 88,
            "shoulder_abduction": 8,
        },
        ("left_knee", "right_foot"),
        False,
        "left knee down, right foot forward, trunk upright",
    ),
    "hands_and_knees": Posture(
        {
            "trunk": 90,
            "hip_flexion": 76,
            "knee_flexion": 90,
            "ankle_dorsiflexion": -75,
            "shoulder_flexion": 76,
        },
        ("hands", "knees"),
        True,
        "hands under the shoulders, knees under the hips",
    ),
    "lying_on_back": Posture(
        {"trunk": -90, "hip_flexion": 50, "knee_flexion": 105, "shoulder_abduction": 12},
        ("shoulders", "feet"),
        True,
        "on the back, knees bent, feet flat, arms by the sides",
    ),
    "lying_face_down": Posture(
        {
            "trunk": 90,
            "ankle_dorsiflexion": -80,
            "shoulder_flexion": -40,
            "shoulder_abduction": 25,
            "elbow_flexion": 140,
        },
        ("hips", "hands"),
        True,
        "face down, hands on the floor beside the chest",
    ),
    "plank": Posture(
        {"trunk": 90, "shoulder_flexion": 90, "elbow_flexion": 90},
        ("forearms", "toes"),
        True,
        "forearm plank, body straight",
    ),
    "high_plank": Posture(
        {"trunk": 90, "shoulder_flexion": 90},
        ("hands", "toes"),
        True,
        "high plank on straight arms",
    ),
}


# -- body ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dims:
    """Segment lengths in metres (Drillis & Contini proportions), for ``height_m``."""

    trunk: float
    hip_half: float  # half the distance between MediaPipe's (wide) hip points
    shoulder_half: float
    thigh: float
    shank: float
    ankle_h: float
    heel_back: float
    toe: float
    upper_arm: float
    forearm: float
    hand: float
    neck: float  # mid-shoulder to the head's centre

    @classmethod
    def for_height(cls, height_m: float = 1.70) -> Dims:
        k = height_m / 1.70
        return cls(
            *(
                k * v
                for v in (0.50, 0.12, 0.18, 0.42, 0.42, 0.07, 0.05, 0.17, 0.30, 0.26, 0.085, 0.24)
            )
        )


def _unit(v: FloatArray) -> FloatArray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-12 else v


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """Cross product of two 3-vectors (``np.cross`` is slow on single vectors)."""
    return np.array(
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    )


def _rad(deg: float) -> float:
    return math.radians(deg)


def _limb(root, left, up, fwd, s, flex, abd, rot, bend, l1, l2, bends_back):
    """Two segments from ``root``: (joint, end, segment-2 direction, its front, its side).

    ``flex`` swings the first segment from -up toward fwd; ``abd`` out toward
    ``s * left``; ``rot`` turns the bending plane about it (+ external);
    ``bend`` folds the second segment backward (knee) or forward (elbow).
    """
    f, a, r, b = _rad(flex), _rad(abd), _rad(rot), _rad(bend)
    d = -up * math.cos(f) + fwd * math.sin(f)
    seg1 = math.cos(a) * d + s * math.sin(a) * left
    front = up * math.sin(f) + fwd * math.cos(f)  # knee cap / front of the arm
    lat = _cross(seg1, front)
    if np.dot(lat, s * left) < 0:
        lat = -lat
    front = front * math.cos(r) + lat * math.sin(r)
    sign = -1.0 if bends_back else 1.0
    seg2 = seg1 * math.cos(b) + sign * front * math.sin(b)
    front2 = front * math.cos(b) - sign * seg1 * math.sin(b)
    joint = root + l1 * seg1
    return joint, joint + l2 * seg2, seg2, front2, lat


def _one_side(a: Mapping[str, float], side: str) -> dict[str, float]:
    """``{"knee_flexion": ...}`` for one side of a full angle set."""
    return {p.name: a[f"{side}_{p.name}"] for p in PARAMS if p.sided}


def skeleton(a: Mapping[str, float], dims: Dims) -> tuple[FloatArray, FloatArray]:
    """Body-space points (33, 3) with the mid-hip at the origin, and the axes (up, fwd, left)."""
    X, Y, Z = np.eye(3)
    t = _rad(a["trunk"])
    up, fwd, left = math.cos(t) * Y + math.sin(t) * X, math.cos(t) * X - math.sin(t) * Y, Z
    pts = np.zeros((N_LANDMARKS, 3))

    def put(side: str, part: str, p: FloatArray) -> None:
        pts[Landmark[f"{side}_{part}".upper()]] = p

    # Pelvis and legs.
    pr = _rad(a["pelvis_rotation"])
    lp, fp = left * math.cos(pr) + fwd * math.sin(pr), fwd * math.cos(pr) - left * math.sin(pr)
    pt = _rad(a["pelvis_tilt"])
    hip_dir = lp * math.cos(pt) + up * math.sin(pt)
    for side, s in (("left", 1.0), ("right", -1.0)):
        g = _one_side(a, side)
        hip = s * dims.hip_half * hip_dir
        knee, ankle, shank, shin_front, lat = _limb(
            hip,
            lp,
            up,
            fp,
            s,
            g["hip_flexion"],
            g["hip_abduction"],
            g["hip_rotation"],
            g["knee_flexion"],
            dims.thigh,
            dims.shank,
            bends_back=True,
        )
        dors = _rad(g["ankle_dorsiflexion"])
        toe = shin_front * math.cos(dors) - shank * math.sin(dors)
        sole = ankle + shank * dims.ankle_h
        put(side, "hip", hip)
        put(side, "knee", knee)
        put(side, "ankle", ankle)
        put(side, "heel", sole - toe * dims.heel_back)
        put(side, "foot_index", sole + toe * dims.toe)

    # Upper body: lean, then twist, then the head.
    lam, om, nu = _rad(a["trunk_lean"]), _rad(a["trunk_twist"]), _rad(a["neck_flexion"])
    ut, lt = up * math.cos(lam) + left * math.sin(lam), left * math.cos(lam) - up * math.sin(lam)
    lt, ft = lt * math.cos(om) - fwd * math.sin(om), fwd * math.cos(om) + lt * math.sin(om)
    mid_sh = ut * dims.trunk
    for side, s in (("left", 1.0), ("right", -1.0)):
        g = _one_side(a, side)
        sh = mid_sh + s * dims.shoulder_half * lt
        elbow, wrist, forearm, palm, lat = _limb(
            sh,
            lt,
            ut,
            ft,
            s,
            g["shoulder_flexion"],
            g["shoulder_abduction"],
            0.0,
            g["elbow_flexion"],
            dims.upper_arm,
            dims.forearm,
            bends_back=False,
        )
        put(side, "shoulder", sh)
        put(side, "elbow", elbow)
        put(side, "wrist", wrist)
        put(side, "index", wrist + forearm * dims.hand + palm * 0.01)
        put(side, "pinky", wrist + forearm * dims.hand * 0.8 - lat * 0.02)
        put(side, "thumb", wrist + forearm * dims.hand * 0.45 + lat * 0.02 + palm * 0.02)
    uh, fh = ut * math.cos(nu) + ft * math.sin(nu), ft * math.cos(nu) - ut * math.sin(nu)
    head = mid_sh + uh * dims.neck
    pts[Landmark.NOSE] = head + fh * 0.10
    for side, s in (("left", 1.0), ("right", -1.0)):
        eye = head + fh * 0.08 + uh * 0.035
        put(side, "eye_inner", eye + s * lt * 0.015)
        put(side, "eye", eye + s * lt * 0.032)
        put(side, "eye_outer", eye + s * lt * 0.048)
        put(side, "ear", head + s * lt * 0.075)
    pts[Landmark.MOUTH_LEFT] = head + fh * 0.085 - uh * 0.04 + lt * 0.025
    pts[Landmark.MOUTH_RIGHT] = head + fh * 0.085 - uh * 0.04 - lt * 0.025
    return pts, np.stack([up, fwd, left])


@dataclass(frozen=True, slots=True)
class Placed:
    """A posed figure in the room: landmarks (33, 3) in metres, y up, floor at 0."""

    points: FloatArray
    axes: FloatArray  # rows: the body's up (hip -> shoulder), forward (face), left

    def below_floor(self, tol: float = FLOOR_TOLERANCE_M) -> list[tuple[str, float]]:
        """(landmark name, metres below the floor) for points under the floor by more than tol."""
        ys = self.points[:, 1]
        return [(Landmark(i).name.lower(), float(-y)) for i, y in enumerate(ys) if y < -tol]


def _rot_z(points: FloatArray, centre: FloatArray, angle: float) -> FloatArray:
    c, s = math.cos(angle), math.sin(angle)
    r = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return (points - centre) @ r.T + centre


class Figure:
    """A stick figure in a base posture; :meth:`place` poses it on the floor.

    Args:
        posture: a name from :data:`POSTURES`.
        anchor: parts resting on the floor (default: the posture's).
        pivot: tip the figure so the first and last anchor both touch the floor
            (default: the posture's).
        height_m: body height; segment lengths scale with it.
        dims: segment lengths to use instead (a rendered mannequin's own).
    """

    def __init__(
        self,
        posture: str = "standing",
        anchor: Sequence[str] | None = None,
        pivot: bool | None = None,
        height_m: float = 1.70,
        dims: Dims | None = None,
    ) -> None:
        if posture not in POSTURES:
            raise ValueError(f"unknown posture {posture!r}; known: {', '.join(POSTURES)}")
        base = POSTURES[posture]
        self.posture = posture
        self.anchor = tuple(anchor) if anchor is not None else base.anchor
        for name in self.anchor:
            if name not in ANCHORS:
                raise ValueError(f"unknown anchor {name!r}; known: {', '.join(ANCHORS)}")
        self.pivot = base.pivot if pivot is None else pivot
        self.dims = dims if dims is not None else Dims.for_height(height_m)
        self.base_angles = apply_angles(dict.fromkeys(FULL_NAMES, 0.0), base.angles)

    def angles(self, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
        """The base posture's full angle set with ``overrides`` applied."""
        return apply_angles(self.base_angles, overrides or {})

    def _contacts(self, pts: FloatArray, name: str) -> tuple[FloatArray, FloatArray]:
        sides, part = ANCHORS[name]
        idx, radii = [], []
        for side in sides:
            for lm_part, r in _CONTACT[part]:
                idx.append(Landmark[f"{side}_{lm_part}".upper()])
                radii.append(r)
        return pts[idx], np.array(radii)

    def _lowest(self, pts: FloatArray, name: str) -> FloatArray:
        """The contact point of an anchor part, shifted down to where it meets the floor."""
        p, r = self._contacts(pts, name)
        i = int(np.argmin(p[:, 1] - r))
        return p[i] - np.array([0.0, r[i], 0.0])

    def place(self, angles: Mapping[str, float]) -> Placed:
        """Pose the figure with a full angle set (see :meth:`angles`) and put it on the floor."""
        pts, axes = skeleton(angles, self.dims)
        first, last = self.anchor[0], self.anchor[-1]
        if self.pivot and len(self.anchor) > 1:
            for _ in range(4):  # the lowest contact of a part can change as it tips
                a, b = self._lowest(pts, first), self._lowest(pts, last)
                dx, dy = b[0] - a[0], b[1] - a[1]
                if abs(dx) < 1e-6 or abs(dy) < 1e-7:
                    break
                ang = -math.atan(dy / dx)
                pts = _rot_z(pts, a, ang)
                axes = _rot_z(axes, np.zeros(3), ang)
        low = min(self._lowest(pts, n)[1] for n in self.anchor)
        centre = self._contacts(pts, first)[0].mean(axis=0)
        pts = pts - np.array([centre[0], low, centre[2]])
        self._lay_flat(pts)
        return Placed(pts, axes)

    def _lay_flat(self, pts: FloatArray) -> None:
        """Anchored feet and hands lie flat on the floor, pointing where they pointed."""
        for name in self.anchor:
            sides, part = ANCHORS[name]
            for side in sides:
                if part == "foot":
                    a, h, t = (
                        Landmark[f"{side}_{p}".upper()] for p in ("ankle", "heel", "foot_index")
                    )
                    d = _horizontal(pts[t] - pts[h])
                    sole = pts[a] - np.array([0.0, self.dims.ankle_h, 0.0])
                    pts[h], pts[t] = sole - d * self.dims.heel_back, sole + d * self.dims.toe
                elif part in ("hand", "forearm"):
                    w = Landmark[f"{side}_wrist".upper()]
                    base = pts[w] - np.array([0.0, 0.025, 0.0])
                    for p in ("index", "pinky", "thumb"):
                        lm = Landmark[f"{side}_{p}".upper()]
                        off = pts[lm] - pts[w]
                        flat = _horizontal(off) * float(np.linalg.norm(off))
                        pts[lm] = base + flat


def _horizontal(v: FloatArray) -> FloatArray:
    h = np.array([v[0], 0.0, v[2]])
    return _unit(h) if np.linalg.norm(h) > 1e-6 else np.array([1.0, 0.0, 0.0])


# -- camera -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Camera:
    """A pinhole camera: position, axes (right, down, forward) and focal length in pixels."""

    view: str
    near: str | None  # side view: the body side nearer the camera
    position: FloatArray
    axes: FloatArray  # rows: image right, image down, viewing direction
    focal_px: float
    image_size: tuple[int, int] = (640, 480)

    @classmethod
    def for_view(
        cls,
        view: str,
        placed: Sequence[Placed],
        near: str = "left",
        image_size: tuple[int, int] = (640, 480),
        distance_m: float | None = None,
        height_m: float | None = None,
        fill: float = 0.8,
    ) -> Camera:
        """A still camera for ``view`` framing every pose in ``placed`` (``fill`` of the image)."""
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; known: {', '.join(VIEWS)}")
        allpts = np.concatenate([p.points for p in placed])
        lo, hi = allpts.min(axis=0), allpts.max(axis=0)
        target = (lo + hi) / 2
        up, fwd, left = placed[0].axes
        feet_dir = _horizontal(-up) if np.linalg.norm(_flat(up)) > 0.5 else _horizontal(fwd)
        if view == "side":
            toward = left if near == "left" else -left
            pos = target + _horizontal(toward) * (distance_m or 3.0)
            if height_m is not None:
                pos[1] = height_m
        elif view == "front":
            toward = _horizontal(fwd) if np.linalg.norm(_flat(fwd)) > 0.5 else feet_dir
            pos = target + toward * (distance_m or 3.0)
            if height_m is not None:
                pos[1] = height_m
        else:
            hips = placed[0].points[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=0)
            shoulders = placed[0].points[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER]]
            target = (hips + shoulders.mean(axis=0)) / 2
            target[1] = 0.15
            pos = hips + feet_dir * (distance_m or 2.0)
            pos[1] = 1.6 if height_m is None else height_m
        look = _unit(target - pos)
        right = _unit(_cross(np.array([0.0, 1.0, 0.0]), look))
        axes = np.stack([right, _unit(_cross(right, look)), look])  # right, down, forward
        cam = cls(view, near if view == "side" else None, pos, axes, 1.0, image_size)
        uv, _ = cam._normalised(allpts)
        w, h = image_size
        half = np.abs(uv).max(axis=0)
        focal = fill * min(w / 2 / max(half[0], 1e-6), h / 2 / max(half[1], 1e-6))
        return cls(view, cam.near, pos, axes, focal, image_size)

    def _normalised(self, pts: FloatArray) -> tuple[FloatArray, FloatArray]:
        c = (pts - self.position) @ self.axes.T
        depth = np.maximum(c[:, 2], 1e-3)
        return c[:, :2] / depth[:, None], depth

    def project(self, pts: FloatArray) -> FloatArray:
        """Room points (n, 3) -> image pixels (n, 2)."""
        uv, _ = self._normalised(pts)
        w, h = self.image_size
        return uv * self.focal_px + np.array([w / 2, h / 2])

    def visibility(self) -> FloatArray:
        """Default visibility: the far side lower in profile."""
        vis = np.full(N_LANDMARKS, NEAR_VISIBILITY)
        if self.view == "side" and self.near is not None:
            far = "right" if self.near == "left" else "left"
            for lm in Landmark:
                if lm.name.lower().startswith(far + "_"):
                    vis[lm] = FAR_VISIBILITY
        return vis

    def frame(
        self,
        placed: Placed,
        t_s: float,
        visibility: Mapping[int, float] | None = None,
        out_of_frame: Sequence[int] = (),
        jitter_px: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> PoseFrame:
        """The PoseFrame this camera sees; jitter imitates MediaPipe's noise (pixels, seeded).

        Its ``tracked`` points (what optical flow follows, :mod:`formcheck.pose.tracking`)
        are the exact points with a tenth of that noise: flow follows the picture to a
        fraction of a pixel."""
        xy = self.project(placed.points)
        tracked = xy.copy()
        pts = placed.points
        hips = pts[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=0)
        world = (pts - hips) @ self.axes.T
        if jitter_px > 0:
            rng = rng if rng is not None else np.random.default_rng(0)
            noise = rng.normal(0.0, jitter_px, size=xy.shape)
            xy = xy + noise
            tracked = tracked + 0.1 * noise
            depth = float((hips - self.position) @ self.axes[2])
            world[:, :2] += noise * depth / self.focal_px
        vis = self.visibility()
        w, h = self.image_size
        outside = (xy[:, 0] < 0) | (xy[:, 0] > w) | (xy[:, 1] < 0) | (xy[:, 1] > h)
        vis[outside] = np.minimum(vis[outside], OUT_OF_FRAME_VISIBILITY)
        for i, v in (visibility or {}).items():
            vis[i] = v
        for i in out_of_frame:
            xy[i, 0] = w * 1.08 if xy[i, 0] > w / 2 else -w * 0.08
            vis[i] = min(vis[i], OUT_OF_FRAME_VISIBILITY)
            tracked[i] = np.nan
        return PoseFrame(t_s, xy, world, vis, self.image_size, tracked=tracked)


def _flat(v: FloatArray) -> FloatArray:
    return np.array([v[0], 0.0, v[2]])


def pose(
    posture: str = "standing",
    view: str = "side",
    t_s: float = 0.0,
    near: str = "left",
    anchor: Sequence[str] | None = None,
    **angles: float,
) -> PoseFrame:
    """One PoseFrame of ``posture`` with ``angles`` overridden, framed on itself (for tests)."""
    fig = Figure(posture, anchor=anchor)
    placed = fig.place(fig.angles(angles))
    return Camera.for_view(view, [placed], near=near).frame(placed, t_s)
