"""Build two-person clips from one-person clips at test time (never stored in the repo).

What ffmpeg's ``hstack``, ``concat`` and ``xfade`` filters do, done with PyAV and numpy
so the tests need no ffmpeg binary: every source is resampled by time to one frame rate
(each output frame shows the latest source frame at or before its time) and scaled to
one size. Also a still picture of two people (:func:`centres`) as a y4m file for
Chromium's fake camera (:func:`still_y4m`, the live page's browser test).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from formcheck.video import VideoWriter, open_video

FPS = 30.0
GREY = 128


def frames(
    path: Path,
    size: tuple[int, int],
    start_s: float = 0.0,
    end_s: float | None = None,
    fps: float = FPS,
) -> Iterator[np.ndarray]:
    """The clip from ``start_s`` to ``end_s`` (or its end) at ``fps``, scaled to ``size``."""
    k = 0
    last: np.ndarray | None = None
    with open_video(path) as src:
        for vf in src:
            if end_s is not None and vf.t_s >= end_s:
                break
            while last is not None and start_s + k / fps < vf.t_s:
                yield last
                k += 1
            last = cv2.resize(vf.image, size, interpolation=cv2.INTER_AREA)
    if last is not None:
        yield last


def _write(out: Path, images: Iterator[np.ndarray], size: tuple[int, int]) -> Path:
    with VideoWriter(out, FPS, size) as writer:
        for img in images:
            writer.write(img)
    return out


def hstack(left: Path, right: Path, out: Path, size: tuple[int, int] = (640, 360)) -> Path:
    """Two clips side by side, each scaled to ``size``; as long as the shorter one."""
    w, h = size
    pairs = zip(frames(left, size), frames(right, size), strict=False)
    return _write(out, (np.hstack([a, b]) for a, b in pairs), (2 * w, h))


def place(image: np.ndarray, slot: int | None) -> np.ndarray:
    """``image`` in the left (0) or right (1) half of a grey canvas twice as wide; as it
    is when ``slot`` is None."""
    if slot is None:
        return image
    h, w = image.shape[:2]
    canvas = np.full((h, 2 * w, 3), GREY, dtype=np.uint8)
    canvas[:, slot * w : (slot + 1) * w] = image
    return canvas


def switch(
    first: tuple[Path, float, float | None],
    second: tuple[Path, float, float | None],
    out: Path,
    size: tuple[int, int] = (640, 360),
    fade_s: float = 0.0,
    apart: bool = False,
    gap_s: float = 0.0,
) -> Path:
    """One person's clip, then another's: ``(path, start_s, end_s)`` each.

    ``fade_s`` > 0 dissolves one into the other over that long (the last ``fade_s`` of
    the first overlaps the start of the second). ``apart`` puts the first person in the
    left half of a canvas twice as wide and the second in the right half, so the pose
    model has to jump from one to the other. ``gap_s`` > 0 puts that long of an empty
    grey picture between them (the first fades out to it and the second fades in from
    it over ``fade_s``): one person leaves, and after a while another comes.
    """
    n = round(fade_s * FPS)
    slots = (0, 1) if apart else (None, None)
    w, h = size
    grey = np.full((h, 2 * w if apart else w, 3), GREY, dtype=np.uint8)

    def blend(a: list[np.ndarray], b: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        for k, (img_a, img_b) in enumerate(zip(a, b, strict=False)):
            alpha = (k + 1) / (len(a) + 1)
            yield cv2.addWeighted(img_a, 1.0 - alpha, img_b, alpha, 0.0)

    def images() -> Iterator[np.ndarray]:
        tail: deque[np.ndarray] = deque()
        for img in frames(first[0], size, first[1], first[2]):
            tail.append(place(img, slots[0]))
            if len(tail) > n:
                yield tail.popleft()
        rest = (place(img, slots[1]) for img in frames(second[0], size, second[1], second[2]))
        if gap_s > 0:
            yield from blend(list(tail), (grey for _ in tail))
            yield from (grey for _ in range(round(gap_s * FPS)))
            tail = deque(grey for _ in range(n))
        yield from blend(list(tail), rest)
        yield from rest

    return _write(out, images(), (grey.shape[1], h))


def alone(
    clip: tuple[Path, float, float | None], out: Path, size: tuple[int, int], slot: int | None
) -> Path:
    """One part of a :func:`switch` on its own, placed as it is there."""
    w, h = size
    images = (place(f, slot) for f in frames(clip[0], size, clip[1], clip[2]))
    return _write(out, images, (w if slot is None else 2 * w, h))


def centres(
    left: Path, right: Path, at_s: float = 0.0, size: tuple[int, int] = (640, 480)
) -> np.ndarray:
    """One picture of ``size``: the middle half of ``left``'s frame at ``at_s`` beside the
    middle half of ``right``'s, each at full scale (two people as big as one person's clip
    shows them; for a person standing in the middle of each)."""
    a, b = (next(iter(frames(p, size, at_s))) for p in (left, right))
    q = size[0] // 4
    return np.ascontiguousarray(np.hstack([a[:, q : size[0] - q], b[:, q : size[0] - q]]))


def still_y4m(image: np.ndarray, out: Path, seconds: float) -> Path:
    """``image`` for ``seconds`` at ``FPS`` as a y4m file (Chromium's fake camera loops it)."""
    h, w = image.shape[:2]
    frame = b"FRAME\n" + cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420).tobytes()
    with open(out, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{round(FPS)}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for _ in range(round(seconds * FPS)):
            f.write(frame)
    return out
