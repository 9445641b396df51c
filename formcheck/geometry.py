"""Pure, vectorised geometry on image or world points.

Every function takes points as arrays whose last axis is the coordinate
(2 for image pixels, 3 for world metres) and works on one frame ``(2,)`` or a
series ``(n, 2)`` alike. Image coordinates have y pointing *down*; the
functions below turn that into "up is positive" where they say so.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[np.float64]


def joint_angle(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike) -> Arr:
    """Angle at ``b`` between ``b->a`` and ``b->c`` in degrees, in [0, 180].

    180 means a, b and c lie on a straight line (a straight knee); uses
    ``atan2(|cross|, dot)``, which stays accurate near 0 and 180 degrees.
    Returns NaN when a segment has zero length.
    """
    u = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    v = np.asarray(c, dtype=float) - np.asarray(b, dtype=float)
    dot = np.sum(u * v, axis=-1)
    if u.shape[-1] == 2:
        cross = np.abs(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])
    else:
        cross = np.linalg.norm(np.cross(u, v), axis=-1)
    ok = (np.linalg.norm(u, axis=-1) > 0) & (np.linalg.norm(v, axis=-1) > 0)
    return np.where(ok, np.degrees(np.arctan2(cross, dot)), np.nan)


def tilt_from_horizontal(p0: npt.ArrayLike, p1: npt.ArrayLike) -> Arr:
    """Signed tilt of ``p0 -> p1`` from horizontal in degrees, in [-90, 90].

    Positive when ``p1`` is higher in the image than ``p0``, whichever side it
    is on (image y points down). A level pelvis line gives 0.
    """
    d = np.asarray(p1, dtype=float) - np.asarray(p0, dtype=float)
    up = -d[..., 1]
    return np.degrees(np.arctan2(up, np.abs(d[..., 0])))


def tilt_from_vertical(p0: npt.ArrayLike, p1: npt.ArrayLike) -> Arr:
    """Signed angle of ``p0 -> p1`` from the upward vertical in degrees, in (-180, 180].

    0 when ``p1`` is straight above ``p0``; positive when it leans toward the
    image's right (+x). An upright trunk (hip -> shoulder) gives about 0.
    """
    d = np.asarray(p1, dtype=float) - np.asarray(p0, dtype=float)
    return np.degrees(np.arctan2(d[..., 0], -d[..., 1]))


def angle_from_down(p0: npt.ArrayLike, p1: npt.ArrayLike) -> Arr:
    """Unsigned angle of ``p0 -> p1`` from straight down in degrees, in [0, 180].

    0 when ``p1`` hangs straight below ``p0`` (a standing thigh, hip -> knee), 90
    when level, 180 straight up. Works in 2D (image, y down) and 3D (world, y
    down, z the depth the image loses: a thigh pointing at the camera reads 90
    in world space and near 0 in the image). NaN for a zero-length segment.
    """
    d = np.asarray(p1, dtype=float) - np.asarray(p0, dtype=float)
    across = np.linalg.norm(np.delete(d, 1, axis=-1), axis=-1)
    ok = np.linalg.norm(d, axis=-1) > 0
    return np.where(ok, np.degrees(np.arctan2(across, d[..., 1])), np.nan)


def distance(p0: npt.ArrayLike, p1: npt.ArrayLike) -> Arr:
    """Euclidean distance between points."""
    return np.linalg.norm(np.asarray(p1, dtype=float) - np.asarray(p0, dtype=float), axis=-1)


def height_above(p: npt.ArrayLike, ref: npt.ArrayLike) -> Arr:
    """How far ``p`` is above ``ref`` in the image (positive = higher); pixels."""
    return np.asarray(ref, dtype=float)[..., 1] - np.asarray(p, dtype=float)[..., 1]


def normalised(value: npt.ArrayLike, length: npt.ArrayLike) -> Arr:
    """``value / length``, NaN where the length is (near) zero."""
    v = np.asarray(value, dtype=float)
    n = np.asarray(length, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 1e-9, v / np.where(n > 1e-9, n, 1.0), np.nan)


def line_deviation(a: npt.ArrayLike, p: npt.ArrayLike, b: npt.ArrayLike) -> Arr:
    """Signed distance of ``p`` from the line ``a -> b`` in the image plane (pixels).

    Positive when ``p`` lies on the upper side of the line in the image (a
    plank's hips piked up), negative below it (hips sagging). For a vertical
    line, positive is toward the image's right. NaN when ``a`` and ``b`` coincide.
    """
    a2 = np.asarray(a, dtype=float)[..., :2]
    d = np.asarray(b, dtype=float)[..., :2] - a2
    r = np.asarray(p, dtype=float)[..., :2] - a2
    n = np.stack([d[..., 1], -d[..., 0]], axis=-1)  # a normal of d
    flip = (n[..., 1] > 0) | ((n[..., 1] == 0) & (n[..., 0] < 0))
    n = np.where(flip[..., None], -n, n)  # make it point up (or right)
    length = np.linalg.norm(d, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            length > 1e-9, np.sum(r * n, axis=-1) / np.where(length > 1e-9, length, 1), np.nan
        )


def offset_past(p: npt.ArrayLike, ref: npt.ArrayLike, toward: npt.ArrayLike) -> Arr:
    """Horizontal image offset of ``p`` past ``ref``, in the direction ``toward -> ref`` (pixels).

    Knee past the toes: ``offset_past(knee, toe, heel)`` is positive when the
    knee is further forward than the toes. NaN when ``toward`` and ``ref`` are
    level in x (no direction).
    """
    px = np.asarray(p, dtype=float)[..., 0]
    rx = np.asarray(ref, dtype=float)[..., 0]
    tx = np.asarray(toward, dtype=float)[..., 0]
    sign = np.sign(rx - tx)
    return np.where(sign != 0, (px - rx) * sign, np.nan)


def offset_along(p: npt.ArrayLike, ref: npt.ArrayLike, a: npt.ArrayLike, b: npt.ArrayLike) -> Arr:
    """Signed offset of ``p`` from ``ref`` along the direction ``a -> b`` (in the points' units).

    Works in the image plane or in 3D. Knees rolled to one side while lying on
    the back: ``offset_along(mid_knee, mid_hip, right_shoulder, left_shoulder)``
    is positive when the knees have moved toward the left shoulder. NaN when
    ``a`` and ``b`` coincide.
    """
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    r = np.asarray(p, dtype=float) - np.asarray(ref, dtype=float)
    length = np.linalg.norm(d, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            length > 1e-9, np.sum(r * d, axis=-1) / np.where(length > 1e-9, length, 1), np.nan
        )
