"""Sub-pixel tracking of body parts with optical flow: the ``tracked`` point space.

MediaPipe's landmarks jitter by a few pixels and follow small movements only in
part: a standing hip hike lifts the free leg 2-3 cm (about 5 px at 3 m), and the
hip landmarks show 3-11% of it. Optical flow follows the picture itself (the
cloth's folds, seams and weave) to a fraction of a pixel. This module measures
how far the part of the body around each requested landmark has moved since a
*key frame*, and reports the point moved by that much: ``PoseFrame.tracked``.

How: in the key frame, corners (``cv2.goodFeaturesToTrack``) are picked inside
a band along a bone (see :data:`BANDS`: the knee is followed by the shin below
it, the ankle by the lower shin, the hip by the upper thigh), and each frame
they are followed from the key frame (not frame to frame, which would add up
errors) with pyramidal Lucas-Kanade. A corner counts only if following it back
lands where it began; the part's displacement is the median of its corners.
A part with too few such corners, corners that disagree (the limb left the
band: a leg swinging out sideways) or a displacement the pose model contradicts
is *not tracked* on that frame (NaN), and the feature that needs it is not
measured. The crop is scaled so the torso is about :data:`TORSO_PX` pixels, so
the cost per frame does not grow with the video's size. Dense flow (DIS) was
measured first: on dark, plain trousers it smeared the leg into the background
and lost the hike, where corners with the back-check kept it.

Key frames: the first frame with a person, then a new one whenever the whole
person has moved (a step, a turn), a part has been lost for
:attr:`PointTracker.lost_s`, or after :attr:`PointTracker.max_key_age_s` while
every part tracks; a point carries its displacement across key frames, so
``tracked`` is continuous. A point that can't be carried across (it was not
tracked when the key frame had to change) restarts from its landmark, keeping
the offset from it that it had when last followed. Every crop is brought to the
same brightness and contrast first (a camera's exposure changes; a flicker).

Pixels stay at this boundary: the engine sees only the ``tracked`` points.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from formcheck.landmarks import Landmark, PoseFrame
from formcheck.pose.base import ImageBGR

L = Landmark
_cv: Any = cv2  # OpenCV's stubs don't take keyword settings passed as a dict

#: The bone band that follows a landmark: (from, to, start, end) as fractions of from -> to.
BANDS: dict[str, tuple[str, str, float, float]] = {
    "knee": ("knee", "ankle", 0.1, 0.75),
    "ankle": ("ankle", "knee", 0.05, 0.5),
    "hip": ("hip", "knee", 0.15, 0.55),
    "shoulder": ("shoulder", "hip", 0.1, 0.45),
    "elbow": ("elbow", "wrist", 0.1, 0.6),
    "wrist": ("wrist", "elbow", 0.05, 0.4),
    "heel": ("heel", "foot_index", 0.1, 0.7),
    "foot_index": ("foot_index", "heel", 0.1, 0.7),
}
#: Points the whole-person movement is judged from.
_BODY = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
#: Lucas-Kanade settings; a feature followed back must land within FB_MAX_PX (crop pixels)
#: of where it began, and a part needs MIN_FEATURES such features.
_LK = {
    "winSize": (21, 21),  # wider than the leg: its edges help (11 lost a fifth of the frames)
    "maxLevel": 2,
    "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01),
}
FB_MAX_PX = 1.0
MIN_FEATURES = 3
#: corners per part, relative quality, minimum spacing (crop px), block size
_CORNERS = {"maxCorners": 80, "qualityLevel": 0.003, "minDistance": 1, "blockSize": 3}
#: Flow is measured on a crop scaled so the torso is this many pixels (up to twice the
#: picture's size for a person far away: corners are followed more precisely on a larger
#: picture).
TORSO_PX = 110.0


def _lm(part: str, side: str) -> Landmark:
    return Landmark[f"{side}_{part}".upper()]


def band_of(lm: Landmark) -> tuple[Landmark, Landmark, float, float] | None:
    """The bone band that follows ``lm``, or None for a landmark tracked by a disc."""
    name = lm.name.lower()
    for side in ("left", "right"):
        if name.startswith(side + "_"):
            part = name[len(side) + 1 :]
            if part in BANDS:
                a, b, t0, t1 = BANDS[part]
                return _lm(a, side), _lm(b, side), t0, t1
    return None


def _torso(xy: npt.NDArray[np.float64]) -> float:
    sh = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2
    hp = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2
    return float(np.hypot(*(sh - hp)))


@dataclass(slots=True)
class _Key:
    t_s: float
    gray: npt.NDArray[np.uint8]  # the crop, scaled
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the frame
    scale: float  # crop pixels per frame pixel
    torso: float  # frame pixels
    body: npt.NDArray[np.float64]  # the _BODY points at the key frame
    points: dict[int, npt.NDArray[np.float64]]  # landmark -> landmark position at the key frame
    features: dict[int, npt.NDArray[np.float32]]  # landmark -> corners in its band (crop px)


@dataclass(slots=True)
class _Point:
    origin: npt.NDArray[np.float64]  # where tracking of this point began
    carried: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))
    #: tracked minus landmark at the last frame it was followed: a restart keeps it, so the
    #: tracked point doesn't jump by the landmark's own error
    offset: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))
    lost_since: float | None = None


class PointTracker:
    """Follows ``landmarks`` with optical flow from key frames.

    ``update(image, pose)`` returns ``pose`` with ``tracked`` set: the tracked
    landmarks where they are now, every other landmark copied from ``xy``, and
    NaN for a tracked landmark that can't be followed on this frame.
    """

    def __init__(
        self,
        landmarks: Iterable[Landmark],
        band_width: float = 0.06,
        max_key_age_s: float = 8.0,
        force_key_age_s: float = 30.0,
        moved: float = 0.25,
        lost_s: float = 1.0,
    ) -> None:
        self.landmarks = tuple(sorted(set(landmarks)))
        self.band_width = band_width  # half width, in torso lengths
        self.max_key_age_s = max_key_age_s
        self.force_key_age_s = force_key_age_s
        self.moved = moved  # torso lengths of whole-person movement that need a new key frame
        self.lost_s = lost_s  # a part lost this long gets a new key frame (it restarts)
        self._key: _Key | None = None
        self._points: dict[int, _Point] = {}
        self._last_t: float | None = None

    def reset(self) -> None:
        self._key = None
        self._points = {}
        self._last_t = None

    # -- key frames -----------------------------------------------------------------------

    def _make_key(self, gray: npt.NDArray[np.uint8], pose: PoseFrame) -> _Key | None:
        xy = pose.xy
        torso = _torso(xy)
        if not np.isfinite(torso) or torso < 8.0:
            return None
        ends = []
        for lm in self.landmarks:
            band = band_of(lm)
            ends += [xy[lm]] if band is None else [xy[band[0]], xy[band[1]]]
        pts = np.asarray(ends, dtype=np.float64)
        if not np.all(np.isfinite(pts)):
            return None
        h, w = gray.shape[:2]
        m = 0.35 * torso
        x0, y0 = np.floor(np.maximum(pts.min(axis=0) - m, 0)).astype(int)
        x1, y1 = np.ceil(np.minimum(pts.max(axis=0) + m, [w, h])).astype(int)
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        scale = float(np.clip(TORSO_PX / torso, 0.25, 2.0))
        crop = self._crop(gray, (int(x0), int(y0), int(x1), int(y1)), scale)
        features = {}
        for lm in self.landmarks:
            band = (self._band(xy, lm, torso) - [x0, y0]) * scale
            mask = np.zeros(crop.shape, dtype=np.uint8)
            hull = cv2.convexHull(band.astype(np.float32)).astype(np.int32)
            cv2.fillConvexPoly(mask, hull, (255,))
            f = _cv.goodFeaturesToTrack(crop, mask=mask, **_CORNERS)
            features[int(lm)] = (
                np.zeros((0, 1, 2), dtype=np.float32) if f is None else f.astype(np.float32)
            )
        body = np.asarray([xy[i] for i in _BODY], dtype=np.float64)
        points = {int(lm): xy[lm].copy() for lm in self.landmarks}
        box = (int(x0), int(y0), int(x1), int(y1))
        return _Key(pose.t_s, crop, box, scale, torso, body, points, features)

    @staticmethod
    def _crop(
        gray: npt.NDArray[np.uint8], box: tuple[int, int, int, int], scale: float
    ) -> npt.NDArray[np.uint8]:
        x0, y0, x1, y1 = box
        c = gray[y0:y1, x0:x1]
        if scale != 1.0:
            interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
            c = np.asarray(cv2.resize(c, None, fx=scale, fy=scale, interpolation=interp))
        # the same brightness and contrast in every crop: a camera's changing exposure (or
        # flickering light) would otherwise pull Lucas-Kanade off (it matches grey levels)
        mean, std = cv2.meanStdDev(c)
        norm = (c.astype(np.float32) - float(mean[0, 0])) * (40.0 / max(float(std[0, 0]), 1.0))
        return np.ascontiguousarray(np.clip(norm + 128.0, 0, 255).astype(np.uint8))

    def _band(
        self, xy: npt.NDArray[np.float64], lm: Landmark, torso: float
    ) -> npt.NDArray[np.float64]:
        """Sample points (frame pixels) over the part of the body that follows ``lm``."""
        band = band_of(lm)
        hw = self.band_width * torso
        if band is None:  # a disc
            g = np.linspace(-hw, hw, 5)
            gx, gy = np.meshgrid(g, g)
            return xy[lm] + np.stack([gx.ravel(), gy.ravel()], axis=1)
        a, b, t0, t1 = band
        pa, pb = xy[a], xy[b]
        d = pb - pa
        n = float(np.hypot(*d))
        if n < 1e-6:
            return np.asarray([pa], dtype=np.float64)
        normal = np.array([-d[1], d[0]]) / n
        us = np.linspace(t0, t1, 10)
        vs = np.linspace(-hw, hw, 5)
        return np.asarray([pa + u * d + v * normal for u in us for v in vs], dtype=np.float64)

    # -- per frame ------------------------------------------------------------------------

    def update(self, image_bgr: ImageBGR, pose: PoseFrame | None) -> PoseFrame | None:
        if pose is None or pose.tracked is not None:  # no person, or replayed with its points
            return pose
        if self._last_t is not None and pose.t_s < self._last_t:  # time went back: a new clip
            self.reset()
        self._last_t = pose.t_s
        gray = np.asarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
        if gray.shape[:2] != (pose.image_size[1], pose.image_size[0]):
            return self._untracked(pose)
        key = self._key
        if key is None:
            return self._start(gray, pose)
        moves = self._measure(gray, pose, key)
        ok = {lm: mv is not None for lm, mv in moves.items()}
        for lm, good in ok.items():
            pt = self._points[lm]
            if good:
                pt.lost_since = None
            elif pt.lost_since is None:
                pt.lost_since = pose.t_s
        body_now = np.asarray([pose.xy[i] for i in _BODY], dtype=np.float64)
        body_moved = float(np.nanmean(np.hypot(*(body_now - key.body).T))) / key.torso
        age = pose.t_s - key.t_s
        lost = any(
            pt.lost_since is not None and pose.t_s - pt.lost_since >= self.lost_s
            for pt in self._points.values()
        )
        need = body_moved > self.moved or not np.isfinite(body_moved) or lost
        due = age >= self.force_key_age_s or (age >= self.max_key_age_s and all(ok.values()))
        out = self._emit(pose, key, moves)
        if need or due:
            self._rekey(gray, pose, key, moves)
        return out

    def _start(self, gray: npt.NDArray[np.uint8], pose: PoseFrame) -> PoseFrame:
        key = self._make_key(gray, pose)
        if key is None:
            return self._untracked(pose)
        self._key = key
        self._points = {lm: _Point(origin=p.copy()) for lm, p in key.points.items()}
        return self._emit(pose, key, {lm: np.zeros(2) for lm in key.points})

    def _rekey(
        self,
        gray: npt.NDArray[np.uint8],
        pose: PoseFrame,
        key: _Key,
        moves: dict[int, npt.NDArray[np.float64] | None],
    ) -> None:
        new = self._make_key(gray, pose)
        if new is None:
            return  # keep the old key frame; try again on the next frame
        for lm, mv in moves.items():
            pt = self._points[lm]
            if mv is not None:
                pt.carried = pt.carried + mv
            else:  # not followed across: start again from the landmark (and its last offset)
                self._points[lm] = _Point(origin=pose.xy[lm] + pt.offset)
        # The new key frame's landmark positions differ from where the tracked points are:
        # each point keeps its own origin and carried displacement.
        self._key = new

    def _measure(
        self, gray: npt.NDArray[np.uint8], pose: PoseFrame, key: _Key
    ) -> dict[int, npt.NDArray[np.float64] | None]:
        """Each tracked landmark's displacement (frame pixels) since the key frame, or None."""
        cur = self._crop(gray, key.box, key.scale)
        if cur.shape != key.gray.shape:
            return {lm: None for lm in key.points}
        out: dict[int, npt.NDArray[np.float64] | None] = {}
        tol = 0.12 * key.torso  # frame pixels: how far the pose model may disagree
        for lm, p0 in key.features.items():
            if len(p0) < MIN_FEATURES:
                out[lm] = None
                continue
            p1, st, _ = _cv.calcOpticalFlowPyrLK(key.gray, cur, p0, None, **_LK)
            back, st2, _ = _cv.calcOpticalFlowPyrLK(cur, key.gray, p1, None, **_LK)
            # a feature counts only if following it back lands where it began
            fb = np.hypot(*(back - p0).reshape(-1, 2).T)
            good = (st.ravel() == 1) & (st2.ravel() == 1) & (fb < FB_MAX_PX)
            if good.sum() < MIN_FEATURES:
                out[lm] = None
                continue
            d = (p1 - p0).reshape(-1, 2)[good].astype(np.float64)
            med = np.median(d, axis=0)
            spread = float(np.median(np.hypot(*(d - med).T)))
            # features that disagree: the band holds things moving differently (a limb
            # that left it, the background)
            if spread > 1.0 + 0.3 * float(np.hypot(*med)):
                out[lm] = None
                continue
            mv = med / key.scale
            lm_now = pose.xy[lm]
            if not np.all(np.isfinite(lm_now)) or np.hypot(*(key.points[lm] + mv - lm_now)) > tol:
                out[lm] = None  # the pose model puts the part elsewhere: flow lost it
                continue
            out[lm] = mv
        return out

    def _emit(
        self, pose: PoseFrame, key: _Key, moves: dict[int, npt.NDArray[np.float64] | None]
    ) -> PoseFrame:
        tracked = np.array(pose.xy, dtype=np.float64)
        for lm, mv in moves.items():
            pt = self._points.get(lm)
            if pt is None or mv is None:
                tracked[lm] = np.nan
            else:
                # where the point began + what it moved over earlier key frames + this one's
                tracked[lm] = pt.origin + pt.carried + mv
                pt.offset = tracked[lm] - pose.xy[lm]
        return replace(pose, tracked=tracked)

    def _untracked(self, pose: PoseFrame) -> PoseFrame:
        tracked = np.array(pose.xy, dtype=np.float64)
        for lm in self.landmarks:
            tracked[lm] = np.nan
        return replace(pose, tracked=tracked)


def tracker_for(landmarks: Iterable[Landmark]) -> PointTracker | None:
    """A tracker for ``landmarks`` (a spec's ``tracked_landmarks``), or None if there are none."""
    lms = tuple(landmarks)
    return PointTracker(lms) if lms else None
