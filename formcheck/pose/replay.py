"""Saved landmarks: write them, read them back, and replay them as an estimator.

Our format (written by :func:`save_landmarks`) is a CSV with one row per frame:

- ``t_s``, ``image_w``, ``image_h``;
- for each of the 33 BlazePose landmarks (``nose``, ``left_eye_inner``, ...):
  ``<name>_x``, ``<name>_y`` (normalised 0..1 of the image width/height),
  ``<name>_z`` (a copy of the world z, for tools that expect x, y, z, v),
  ``<name>_v`` (visibility 0..1) and ``<name>_wx``, ``<name>_wy``, ``<name>_wz``
  (world coordinates in metres);
- ``tracked`` (1 when the frame has tracked points, see
  :mod:`formcheck.pose.tracking`, else empty) and for each landmark ``<name>_tx``,
  ``<name>_ty`` (normalised; empty where a tracked part was lost). Replaying them
  reproduces a review without the video's pixels;
- ``others``: other people in view beside the tracked one (``PoseFrame.others``;
  empty for 0 and in files written before it existed).

A frame with no person keeps its ``t_s`` and image size and leaves every
landmark value empty.

The foreign format also read here (e.g. a landmarks export from another
project) has an optional ``label`` column and ``<name>_x, _y, _z, _v`` for a
subset of the landmarks, normalised, without timestamps: row ``i`` is taken
to be at ``i / fps``; landmarks it lacks get visibility 0 and NaN positions;
world coordinates are zero.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from formcheck.closing import ClosesOnExit
from formcheck.errors import PoseModelError
from formcheck.landmarks import N_LANDMARKS, Landmark, PoseFrame
from formcheck.pose.base import ImageBGR, check_image

NAMES: tuple[str, ...] = tuple(lm.name.lower() for lm in Landmark)
_OWN_SUFFIXES = ("x", "y", "z", "v", "wx", "wy", "wz")
HEADER: tuple[str, ...] = (
    "t_s",
    "image_w",
    "image_h",
    *(f"{name}_{s}" for name in NAMES for s in _OWN_SUFFIXES),
    "tracked",
    *(f"{name}_t{a}" for name in NAMES for a in "xy"),
    "others",
)


def _fmt(v: float) -> str:
    return "" if not math.isfinite(v) else repr(round(float(v), 7))


def save_landmarks(
    frames: Iterable[PoseFrame | tuple[float, PoseFrame | None] | None],
    path: str | Path,
    image_size: tuple[int, int] | None = None,
) -> int:
    """Write poses to ``path`` in our CSV format; returns the number of rows.

    Items are :class:`PoseFrame` objects, or ``(t_s, pose_or_None)`` pairs so
    frames without a person keep their time. A bare ``None`` is written with
    the previous row's time plus one frame's worth (the median spacing so far,
    or 1/30 s) and the last image size seen (or ``image_size``).
    """
    rows = 0
    last_t: float | None = None
    step = 1.0 / 30.0
    size = image_size
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for item in frames:
            if isinstance(item, tuple):
                t_s, pose = float(item[0]), item[1]
            elif item is None:
                t_s, pose = (0.0 if last_t is None else last_t + step), None
            else:
                t_s, pose = item.t_s, item
            if last_t is not None and t_s > last_t:
                step = t_s - last_t
            last_t = t_s
            if pose is None:
                w, h = size if size is not None else (0, 0)
                writer.writerow([_fmt(t_s), w or "", h or "", *([""] * (len(HEADER) - 3))])
            else:
                size = pose.image_size
                w, h = pose.image_size
                cells: list[str] = [_fmt(t_s), str(w), str(h)]
                for i in range(N_LANDMARKS):
                    x, y = pose.xy[i]
                    wx, wy, wz = pose.world[i]
                    cells += [
                        _fmt(x / w),
                        _fmt(y / h),
                        _fmt(wz),
                        _fmt(pose.visibility[i]),
                        _fmt(wx),
                        _fmt(wy),
                        _fmt(wz),
                    ]
                if pose.tracked is None:
                    cells += [""] * (1 + 2 * N_LANDMARKS)
                else:
                    cells.append("1")
                    for tx, ty in pose.tracked:
                        cells += [_fmt(tx / w), _fmt(ty / h)]
                cells.append(str(pose.others) if pose.others else "")
                writer.writerow(cells)
            rows += 1
    return rows


def _float(cell: str | None) -> float:
    if cell is None or cell.strip() == "":
        return math.nan
    return float(cell)


def _bad(path: Path, why: str) -> PoseModelError:
    return PoseModelError(
        f"cannot replay landmarks from {path}: {why}; pass a CSV written by formcheck "
        "or one with <landmark>_x, _y, _z, _v columns"
    )


def iter_replay(
    path: str | Path,
    fps: float = 30.0,
    image_size: tuple[int, int] = (1000, 1000),
) -> Iterator[PoseFrame | None]:
    """Yield one :class:`PoseFrame` (or ``None`` for no person) per CSV row.

    ``fps`` gives row times for files without a ``t_s`` column; ``image_size``
    (w, h) turns normalised coordinates into pixels when the file has no
    ``image_w``/``image_h``.
    """
    for _, pose in _iter_rows(Path(path), fps, image_size):
        yield pose


def load_replay(
    path: str | Path, fps: float = 30.0, image_size: tuple[int, int] = (1000, 1000)
) -> list[tuple[float, PoseFrame | None]]:
    """All rows as ``(t_s, pose_or_None)``, so rows without a person keep their time."""
    return list(_iter_rows(Path(path), fps, image_size))


def _iter_rows(
    path: Path, fps: float, image_size: tuple[int, int]
) -> Iterator[tuple[float, PoseFrame | None]]:
    if not path.is_file():
        raise PoseModelError(f"landmarks file not found: {path}; pass a landmarks .csv file")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        present = [name for name in NAMES if f"{name}_x" in fields and f"{name}_y" in fields]
        if not present:
            raise _bad(path, "no <landmark>_x/_y columns found")
        has_vis = {name: f"{name}_v" in fields for name in present}
        has_world = all(f"{name}_wx" in fields for name in present)
        has_time = "t_s" in fields
        has_size = "image_w" in fields and "image_h" in fields
        has_tracked = "tracked" in fields and all(f"{n}_tx" in fields for n in NAMES)
        has_others = "others" in fields
        index = {name: NAMES.index(name) for name in present}
        last_t = -math.inf
        for row_no, row in enumerate(reader):
            try:
                t_s = _float(row.get("t_s")) if has_time else row_no / fps
                if not math.isfinite(t_s):
                    t_s = row_no / fps
                t_s = max(t_s, last_t)
                last_t = t_s
                w, h = image_size
                if has_size:
                    fw, fh_ = _float(row.get("image_w")), _float(row.get("image_h"))
                    if math.isfinite(fw) and math.isfinite(fh_) and fw > 0 and fh_ > 0:
                        w, h = int(fw), int(fh_)
                xy = np.full((N_LANDMARKS, 2), np.nan)
                world = np.zeros((N_LANDMARKS, 3))
                vis = np.zeros(N_LANDMARKS)
                any_point = False
                for name in present:
                    i = index[name]
                    x, y = _float(row.get(f"{name}_x")), _float(row.get(f"{name}_y"))
                    if not (math.isfinite(x) and math.isfinite(y)):
                        continue
                    any_point = True
                    xy[i] = (x * w, y * h)
                    v = _float(row.get(f"{name}_v")) if has_vis[name] else 1.0
                    vis[i] = min(max(v, 0.0), 1.0) if math.isfinite(v) else 0.0
                    if has_world:
                        world[i] = [_float(row.get(f"{name}_w{a}")) for a in "xyz"]
                tracked = None
                if has_tracked and (row.get("tracked") or "").strip() == "1":
                    tracked = np.array(
                        [
                            (_float(row.get(f"{n}_tx")) * w, _float(row.get(f"{n}_ty")) * h)
                            for n in NAMES
                        ]
                    )
                others = _float(row.get("others")) if has_others else math.nan
            except ValueError as err:
                raise _bad(path, f"row {row_no + 2}: {err}") from err
            if not any_point:
                yield t_s, None
            else:
                pose = PoseFrame(
                    t_s=t_s,
                    xy=xy,
                    world=world,
                    visibility=vis,
                    image_size=(w, h),
                    tracked=tracked,
                    others=int(others) if math.isfinite(others) and others > 0 else 0,
                )
                yield t_s, pose


class ReplayPose(ClosesOnExit):
    """A :class:`~formcheck.pose.base.PoseEstimator` that replays saved landmarks.

    ``match="time"`` (default) returns the saved frame nearest to ``t_s`` when
    it lies within ``tolerance_s`` (default: 0.6 of the median row spacing),
    else ``None``. ``match="order"`` ignores ``t_s`` and returns the rows one
    after another. Either way the returned pose carries the caller's ``t_s``
    and is scaled to the caller's image size (the file stores normalised
    coordinates), so replaying on the original clip reproduces the run.
    """

    def __init__(
        self,
        path: str | Path,
        fps: float = 30.0,
        image_size: tuple[int, int] = (1000, 1000),
        match: str = "time",
        tolerance_s: float | None = None,
    ) -> None:
        if match not in ("time", "order"):
            raise ValueError(f"match must be 'time' or 'order', got {match!r}")
        self.path = Path(path)
        self.name = f"replay:{self.path.name}"
        self.match = match
        self._rows = load_replay(self.path, fps=fps, image_size=image_size)
        if not self._rows:
            raise _bad(self.path, "the file has no rows")
        self._times = [t for t, _ in self._rows]
        gaps = np.diff(self._times)
        gaps = gaps[gaps > 0]
        spacing = float(np.median(gaps)) if gaps.size else 1.0 / fps
        self.tolerance_s = tolerance_s if tolerance_s is not None else 0.6 * spacing
        self._next = 0

    def __len__(self) -> int:
        return len(self._rows)

    def _lookup(self, t_s: float) -> PoseFrame | None:
        i = bisect.bisect_left(self._times, t_s)
        best: int | None = None
        for j in (i - 1, i):
            if 0 <= j < len(self._times) and (
                best is None or abs(self._times[j] - t_s) < abs(self._times[best] - t_s)
            ):
                best = j
        if best is None or abs(self._times[best] - t_s) > self.tolerance_s:
            return None
        return self._rows[best][1]

    def estimate(self, image_bgr: ImageBGR, t_s: float) -> PoseFrame | None:
        size = check_image(image_bgr)
        if self.match == "order":
            if self._next >= len(self._rows):
                return None
            pose = self._rows[self._next][1]
            self._next += 1
        else:
            pose = self._lookup(t_s)
        if pose is None:
            return None
        if size != pose.image_size:
            scale = np.array(size, dtype=float) / np.array(pose.image_size, dtype=float)
            tracked = None if pose.tracked is None else pose.tracked * scale
            return dataclasses.replace(
                pose, t_s=float(t_s), xy=pose.xy * scale, image_size=size, tracked=tracked
            )
        return dataclasses.replace(pose, t_s=float(t_s))

    def close(self) -> None:
        self._next = 0
