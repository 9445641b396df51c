"""A 3D articulated mannequin: proportions, a pose (joint positions and frames) and its shapes.

World coordinates are metres with y up and the floor at y = 0. A :class:`Pose`
holds joint centres and three orthonormal frames (pelvis, chest, head) whose
columns are the body's (left, up, forward) axes in world coordinates. The
exercise scripts in :mod:`formcheck.synth.motion` build poses; this module
turns a pose into shaded primitives (capsules and ellipsoids) for the renderer.

Proportions follow Drillis & Contini's segment lengths as fractions of height.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Vec = npt.NDArray[np.float64]
RGB = tuple[int, int, int]

SIDES = ("left", "right")


def unit(v: npt.ArrayLike) -> Vec:
    a = np.asarray(v, dtype=np.float64)
    n = float(np.linalg.norm(a))
    if n == 0.0:
        raise ValueError("cannot normalise a zero vector")
    return a / n


def rotation(axis: npt.ArrayLike, angle_deg: float) -> Vec:
    """Rotation matrix about ``axis`` by ``angle_deg`` (right-hand rule)."""
    k = unit(axis)
    a = np.radians(angle_deg)
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(a) * kx + (1.0 - np.cos(a)) * (kx @ kx)


def frame(left: npt.ArrayLike, up: npt.ArrayLike) -> Vec:
    """Orthonormal frame with columns (left, up, forward); ``up`` is kept, ``left`` is fixed up.

    ``forward = left x up`` so that (left, up, forward) is right-handed.
    """
    u = unit(up)
    lf = np.asarray(left, dtype=np.float64)
    lf = unit(lf - np.dot(lf, u) * u)
    f = np.cross(lf, u)
    return np.stack([lf, u, f], axis=1)


def two_bone(a: Vec, c: Vec, l1: float, l2: float, pole: npt.ArrayLike) -> Vec:
    """Middle joint b with |ab| = l1, |bc| = l2, bent toward ``pole`` (analytic IK).

    If c is out of reach the chain is straightened toward c (|ab| stays l1).
    """
    d_vec = c - a
    d = float(np.linalg.norm(d_vec))
    axis = d_vec / d
    d = min(d, l1 + l2 - 1e-9)
    x = (l1 * l1 - l2 * l2 + d * d) / (2.0 * d)  # along a->c
    h = np.sqrt(max(l1 * l1 - x * x, 0.0))
    p = np.asarray(pole, dtype=np.float64)
    p = p - np.dot(p, axis) * axis
    pn = float(np.linalg.norm(p))
    p = p / pn if pn > 1e-9 else np.zeros(3)
    return a + x * axis + h * p


@dataclass(frozen=True, slots=True)
class BodyParams:
    """What varies between mannequins: size, build and colours (RGB 0-255)."""

    height_m: float = 1.72
    build: float = 1.0  # girth multiplier: 0.85 slim .. 1.3 heavy
    skin: RGB = (224, 172, 140)
    shirt: RGB = (40, 90, 170)
    trousers: RGB = (45, 45, 55)
    hair: RGB = (60, 40, 25)
    shoes: RGB = (235, 235, 235)
    long_hair: bool = False
    #: fixed facet-by-facet colour variation that moves with the body (cloth weave and folds,
    #: for optical flow to follow); the motion-script clips have it, scenario renders not yet
    textured: bool = False

    def __post_init__(self) -> None:
        if not 1.2 <= self.height_m <= 2.2:
            raise ValueError(f"height_m must be in [1.2, 2.2], got {self.height_m}")
        if not 0.7 <= self.build <= 1.6:
            raise ValueError(f"build must be in [0.7, 1.6], got {self.build}")

    def to_dict(self) -> dict[str, object]:
        return {
            "height_m": self.height_m,
            "build": self.build,
            "skin": list(self.skin),
            "shirt": list(self.shirt),
            "trousers": list(self.trousers),
            "hair": list(self.hair),
            "shoes": list(self.shoes),
            "long_hair": self.long_hair,
            "textured": self.textured,
        }


@dataclass(frozen=True, slots=True)
class Dims:
    """Segment lengths (m) derived from :class:`BodyParams`."""

    thigh: float
    shank: float
    ankle_h: float
    foot: float
    heel_back: float
    upper_arm: float
    forearm: float
    hand: float
    hip_half: float
    shoulder_half: float
    shoulder_drop: float
    trunk: float  # hip-joint line to shoulder-joint line
    neck: float  # shoulder line to the head centre
    head: tuple[float, float, float]  # head semi-axes (left, up, forward)
    build: float

    @staticmethod
    def of(p: BodyParams) -> Dims:
        h = p.height_m
        return Dims(
            thigh=0.245 * h,
            shank=0.246 * h,
            ankle_h=0.039 * h,
            foot=0.152 * h,
            heel_back=0.035 * h,
            upper_arm=0.186 * h,
            forearm=0.146 * h,
            hand=0.075 * h,
            hip_half=0.052 * h,
            shoulder_half=0.112 * h,
            shoulder_drop=0.02 * h,
            trunk=0.288 * h,
            neck=0.097 * h,
            head=(0.046 * h, 0.065 * h, 0.056 * h),
            build=p.build,
        )

    @property
    def scale(self) -> float:
        """Height relative to the 1.72 m reference body (for fixed offsets in metres)."""
        return self.trunk / 0.288 / 1.72

    @property
    def leg(self) -> float:
        return self.thigh + self.shank


#: Bones whose length a pose must preserve: (joint a, joint b, Dims attribute).
BONES: tuple[tuple[str, str, str], ...] = tuple(
    (f"{s}_{a}", f"{s}_{b}", length)
    for s in SIDES
    for a, b, length in (
        ("hip", "knee", "thigh"),
        ("knee", "ankle", "shank"),
        ("shoulder", "elbow", "upper_arm"),
        ("elbow", "wrist", "forearm"),
    )
)

JOINTS: tuple[str, ...] = (
    "pelvis",
    "chest",
    "head",
    *(
        f"{s}_{j}"
        for s in SIDES
        for j in ("hip", "knee", "ankle", "heel", "toe", "shoulder", "elbow", "wrist", "hand")
    ),
)


@dataclass(frozen=True, slots=True)
class Pose:
    """Joint centres (world, metres) and body frames (columns: left, up, forward)."""

    joints: dict[str, Vec]
    frames: dict[str, Vec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [j for j in JOINTS if j not in self.joints]
        if missing:
            raise ValueError(f"Pose is missing joints: {', '.join(missing)}")
        for name in ("pelvis", "chest", "head"):
            r = self.frames.get(name)
            if r is None or r.shape != (3, 3):
                raise ValueError(f"Pose.frames[{name!r}] must be a 3x3 matrix")

    def __getitem__(self, name: str) -> Vec:
        return self.joints[name]

    def bone_length(self, a: str, b: str) -> float:
        return float(np.linalg.norm(self.joints[a] - self.joints[b]))


# ----------------------------------------------------------------------------- shapes


@dataclass(frozen=True, slots=True)
class Ellipsoid:
    center: Vec
    axes: Vec  # 3x3: columns are the semi-axis vectors
    color: RGB
    kind: str = "plain"  # "plain" | "head" (hair / skin by region)
    depth_bias: float = 0.0  # metres toward the camera when sorting (decals)


@dataclass(frozen=True, slots=True)
class Capsule:
    a: Vec
    b: Vec
    ra: float
    rb: float
    color: RGB
    depth_bias: float = 0.0


Shape = Ellipsoid | Capsule


def _ell(
    center: Vec,
    r: Vec,
    semi: tuple[float, float, float],
    color: RGB,
    kind: str = "plain",
    depth_bias: float = 0.0,
) -> Ellipsoid:
    return Ellipsoid(center, r * np.asarray(semi)[None, :], color, kind, depth_bias)


def _lerp(a: Vec, b: Vec, t: float) -> Vec:
    return a + (b - a) * t


def _mix(c1: RGB, c2: RGB, t: float) -> RGB:
    return (
        int(c1[0] + (c2[0] - c1[0]) * t),
        int(c1[1] + (c2[1] - c1[1]) * t),
        int(c1[2] + (c2[2] - c1[2]) * t),
    )


def shapes(pose: Pose, body: BodyParams) -> list[Shape]:
    """The mannequin's primitives for one pose (not yet depth sorted)."""
    d = Dims.of(body)
    g = body.build
    h = body.height_m / 1.72
    j = pose.joints
    pel, chest_r, head_r = pose.frames["pelvis"], pose.frames["chest"], pose.frames["head"]
    out: list[Shape] = []

    # Torso: pelvis block, then overlapping ellipsoids along the spine (waist to ribcage).
    pc, cc = j["pelvis"], j["chest"]
    out.append(
        _ell(
            pc + pel @ np.array([0, 0.02, -0.01]) * h,
            pel,
            (0.165 * g * h, 0.13 * h, 0.105 * g * h),
            body.trousers,
        )
    )
    # A belt on the waistline: a visible line that tilts with the pelvis.
    out.append(
        _ell(
            pc + pel[:, 1] * 0.085 * h,
            pel,
            (0.158 * g * h, 0.022 * h, 0.103 * g * h),
            _mix(body.trousers, (20, 15, 10), 0.6),
            depth_bias=0.004,
        )
    )
    for t, semi in (
        (0.30, (0.140 * g * h, 0.16 * h, 0.095 * g * h)),
        (0.55, (0.150 * g * h, 0.19 * h, 0.102 * g * h)),
        (0.74, (0.163 * g * h, 0.16 * h, 0.105 * g * h)),
    ):
        up = unit(_lerp(pel[:, 1], chest_r[:, 1], t))
        left = unit(_lerp(pel[:, 0], chest_r[:, 0], t))
        out.append(_ell(_lerp(pc, cc, t), frame(left, up), semi, body.shirt))
    # Neck and head.
    neck_top = j["head"] - head_r[:, 1] * d.head[1] * 0.55 - head_r[:, 2] * d.head[2] * 0.25
    out.append(
        Capsule(cc + chest_r[:, 1] * 0.02 * h, neck_top, 0.05 * g * h, 0.045 * g * h, body.skin)
    )
    out.append(_ell(j["head"], head_r, d.head, body.skin, kind="head"))
    out += _face(j["head"], head_r, d.head, body)
    # Arms (short sleeves), hands.
    for s in SIDES:
        sh, el, wr, hd = j[f"{s}_shoulder"], j[f"{s}_elbow"], j[f"{s}_wrist"], j[f"{s}_hand"]
        out.append(_ell(sh, chest_r, (0.055 * g * h, 0.055 * h, 0.055 * g * h), body.shirt))
        sleeve = _lerp(sh, el, 0.5)
        out.append(Capsule(sh, sleeve, 0.058 * g * h, 0.052 * g * h, body.shirt))
        out.append(Capsule(sleeve, el, 0.043 * g * h, 0.038 * g * h, body.skin))
        out.append(Capsule(el, wr, 0.038 * g * h, 0.028 * g * h, body.skin))
        out.append(Capsule(wr, hd, 0.032 * h, 0.026 * h, body.skin))
    # Legs (long trousers) and shoes.
    for s in SIDES:
        hp, kn, an = j[f"{s}_hip"], j[f"{s}_knee"], j[f"{s}_ankle"]
        hl, to = j[f"{s}_heel"], j[f"{s}_toe"]
        out.append(Capsule(hp, _lerp(hp, kn, 0.5), 0.085 * g * h, 0.07 * g * h, body.trousers))
        out.append(Capsule(_lerp(hp, kn, 0.5), kn, 0.07 * g * h, 0.055 * g * h, body.trousers))
        out.append(Capsule(kn, _lerp(kn, an, 0.5), 0.056 * g * h, 0.048 * g * h, body.trousers))
        out.append(Capsule(_lerp(kn, an, 0.5), an, 0.048 * g * h, 0.04 * g * h, body.trousers))
        out.append(Capsule(hl, _lerp(hl, to, 0.55), 0.045 * h, 0.045 * h, body.shoes))
        out.append(Capsule(_lerp(hl, to, 0.55), to, 0.045 * h, 0.03 * h, body.shoes))
        out.append(Capsule(an, _lerp(hl, to, 0.45), 0.04 * h, 0.04 * h, body.shoes))
    return out


def _face(center: Vec, r: Vec, semi: tuple[float, float, float], body: BodyParams) -> list[Shape]:
    """Eyes, eyebrows, nose, mouth and ears placed on the head ellipsoid."""
    a = np.asarray(semi)

    def on_head(left: float, up: float, fwd: float) -> Vec:
        v = np.array([left, up, fwd], dtype=np.float64)
        v = v / np.sqrt(np.sum((v / a) ** 2))  # onto the surface
        return center + r @ v

    out: list[Shape] = []
    s = a[0] / 0.079  # scale of features with head size
    dark = (30, 25, 25)
    for side in (1.0, -1.0):
        eye = on_head(side * 0.032 * s, 0.012 * s, 0.09)
        out.append(
            _ell(eye, r, (0.011 * s, 0.007 * s, 0.006 * s), (245, 245, 245), depth_bias=0.03)
        )
        out.append(
            _ell(
                eye + r[:, 2] * 0.003,
                r,
                (0.0055 * s, 0.0055 * s, 0.004 * s),
                dark,
                depth_bias=0.035,
            )
        )
        brow = on_head(side * 0.032 * s, 0.032 * s, 0.085)
        out.append(
            _ell(
                brow,
                r,
                (0.014 * s, 0.004 * s, 0.004 * s),
                _mix(body.hair, dark, 0.3),
                depth_bias=0.03,
            )
        )
        ear = on_head(side * 0.09, -0.005 * s, -0.005)
        out.append(_ell(ear, r, (0.008 * s, 0.026 * s, 0.018 * s), _mix(body.skin, dark, 0.12)))
    nose = on_head(0.0, -0.012 * s, 0.1)
    out.append(
        _ell(
            nose + r[:, 2] * 0.008 * s,
            r,
            (0.011 * s, 0.02 * s, 0.014 * s),
            _mix(body.skin, dark, 0.06),
            depth_bias=0.02,
        )
    )
    mouth = on_head(0.0, -0.045 * s, 0.09)
    out.append(_ell(mouth, r, (0.018 * s, 0.004 * s, 0.004 * s), (150, 60, 60), depth_bias=0.03))
    return out


def head_color(normal_local: Vec, body: BodyParams) -> list[RGB]:
    """Per-facet colours of the head ellipsoid: hair on the crown and back, skin on the face."""
    n = normal_local
    left, up, fwd = n[:, 0], n[:, 1], n[:, 2]
    # hairline: high on the forehead, lower at the temples, down to the nape at the back
    line = np.where(fwd > 0, 0.42 - 0.3 * np.abs(left), -0.1 + 0.6 * fwd)
    if body.long_hair:
        line = np.where(fwd > 0, line, -0.75)
    is_hair = up > line
    return [body.hair if hh else body.skin for hh in is_hair]
