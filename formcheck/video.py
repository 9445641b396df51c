"""Reading and writing video with PyAV.

Reading: :func:`open_video` gives a :class:`VideoSource` whose frames come out
upright (the container's rotation tag applied), as BGR ``uint8`` arrays, each
with its presentation time in seconds taken from the frame's PTS (safe for
variable frame rate). A file that turns corrupt part-way stops cleanly: the
frames decoded so far are kept and :attr:`VideoSource.decode_error` says where
and why it stopped.

Writing: :class:`VideoWriter` encodes H.264 (libx264, yuv420p, even size,
``+faststart``) that browsers play. :func:`to_y4m` converts a clip into a
YUV4MPEG2 file for Chromium's fake camera.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import cv2
import numpy as np
import numpy.typing as npt

from formcheck.closing import ClosesOnExit
from formcheck.errors import VideoError

ImageBGR = npt.NDArray[np.uint8]

__all__ = [
    "VideoError",
    "VideoFrame",
    "VideoSource",
    "VideoWriter",
    "open_video",
    "to_y4m",
]


@dataclass(frozen=True, slots=True)
class VideoFrame:
    """One decoded frame.

    Attributes:
        image: (H, W, 3) uint8 BGR, already rotated upright.
        t_s: presentation time in seconds from the start of the stream.
        index: 0-based position of the frame in decode (display) order.
    """

    image: ImageBGR
    t_s: float
    index: int


def _normalise_rotation(deg: float) -> int:
    """Round to a multiple of 90 in (-180, 180]."""
    r = round(deg / 90.0) * 90 % 360
    return r - 360 if r > 180 else r


def _upright(image: ImageBGR, rotation: int) -> ImageBGR:
    """Apply a counter-clockwise display rotation (FFmpeg/PyAV convention)."""
    k = (rotation // 90) % 4
    if k == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=k))


def _one_line(err: BaseException) -> str:
    """A short reason: FFmpeg's error text without the errno and the file name."""
    text = getattr(err, "strerror", None) or str(err)
    return " ".join(str(text).split()) or type(err).__name__


#: Demuxers for single images (``image2`` and the ``*_pipe`` family: png_pipe, jpeg_pipe, ...).
_IMAGE_DEMUXERS = ("image2",)
#: Image formats that may be animated: a still when they hold one frame, a clip otherwise.
_ANIMATED_IMAGE_DEMUXERS = ("gif", "apng", "webp")
_IMAGE_KIND = {"mjpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WebP", "apng": "PNG"}


def _is_still_image(demuxer: str, decoder: Iterator[Any]) -> bool:
    """True for a photo: an image demuxer, or an animated-image format with a single frame.

    ``decoder`` has yielded the first frame; for an animated format the next is decoded.
    Every check formcheck makes is about movement over time (reps, holds timed in
    seconds, faults that must last, a start posture seen for half a second), so a
    still image is refused rather than reviewed as a one-frame clip.
    """
    names = demuxer.split(",")
    if any(n in _IMAGE_DEMUXERS or n.endswith("_pipe") for n in names):
        return True
    if any(n in _ANIMATED_IMAGE_DEMUXERS for n in names):
        try:
            return next(decoder, None) is None
        except av.error.FFmpegError:  # a damaged animation: reviewed up to the damage
            return False
    return False


class VideoSource(ClosesOnExit):
    """A clip opened for reading; see :func:`open_video`.

    Attributes:
        path: the clip.
        fps: average frame rate (falls back to the guessed rate, then 30).
        size: (width, height) of the frames as yielded, i.e. after rotation.
        rotation: counter-clockwise degrees the stored picture is turned for
            display (FFmpeg display-matrix convention; -90 means the stored
            picture is turned 90 degrees clockwise). 0 when untagged.
        frame_count_estimate: frames in the stream as the container reports
            them, else duration x fps; 0 when unknown.
        duration_s: duration in seconds (0.0 when unknown).
        decode_error: ``None``, or after iteration a one-line description of
            why decoding stopped early, e.g. ``"stopped at 12.3 s: corrupt data
            (Invalid data found when processing input)"``.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.decode_error: str | None = None
        self._containers: list[Any] = []
        self._first_decoded_t = math.inf  # see frames_from
        if not self.path.exists():
            raise VideoError(f"clip not found: {self.path}")
        if not self.path.is_file():
            raise VideoError(f"not a file: {self.path}; pass the path to a video clip")
        container = self._open_container()
        try:
            self._probe(container)
        finally:
            self._close_container(container)

    # -- opening and probing -------------------------------------------------

    def _open_container(self) -> Any:
        try:
            container = av.open(str(self.path), mode="r")
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as err:
            raise VideoError(
                f"cannot read {self.path} as a video ({_one_line(err)}); "
                "pass a video clip such as .mp4, .mov or .webm"
            ) from err
        if not container.streams.video:
            container.close()
            raise VideoError(f"no video stream in {self.path}; pass a clip that contains video")
        self._containers.append(container)
        return container

    def _close_container(self, container: Any) -> None:
        if container in self._containers:
            self._containers.remove(container)
        container.close()

    def _probe(self, container: Any) -> None:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        self.fps = float(rate) if rate else 30.0
        if not math.isfinite(self.fps) or self.fps <= 0:
            self.fps = 30.0
        if stream.duration is not None and stream.time_base is not None:
            self.duration_s = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            self.duration_s = container.duration / av.time_base
        else:
            self.duration_s = 0.0
        self._start_pts = stream.start_time or 0
        self._time_base = stream.time_base
        frames = int(stream.frames or 0)
        if frames <= 0 and self.duration_s > 0:
            frames = round(self.duration_s * self.fps)
        self.frame_count_estimate = frames

        # The rotation lives in the display-matrix side data, which FFmpeg
        # attaches to each decoded frame; decode the first one to read it.
        decoder = container.decode(stream)
        try:
            first = next(decoder, None)
        except av.error.FFmpegError as err:
            raise VideoError(
                f"cannot decode {self.path} ({_one_line(err)}); the file is corrupt or "
                "not a supported video"
            ) from err
        if first is None:
            raise VideoError(f"no decodable video frames in {self.path}; the file may be truncated")
        if _is_still_image(container.format.name, decoder):
            kind = _IMAGE_KIND.get(stream.codec_context.name, stream.codec_context.name.upper())
            raise VideoError(
                f"{self.path} is a still image ({kind}), not a video; formcheck reviews "
                "movement over time: record a clip of the exercise (mp4, mov or webm)"
            )
        rotation = int(first.rotation)
        if rotation == 0 and "rotate" in stream.metadata:
            # Old-style tag: clockwise degrees.
            try:
                rotation = -int(float(stream.metadata["rotate"]))
            except ValueError:
                rotation = 0
        self.rotation = _normalise_rotation(rotation)
        w, h = int(first.width), int(first.height)
        self.size: tuple[int, int] = (h, w) if self.rotation % 180 else (w, h)

    # -- iteration -------------------------------------------------------------

    def __iter__(self) -> Iterator[VideoFrame]:
        """Decode from the start. Each iteration reopens the file."""
        self.decode_error = None
        container = self._open_container()
        try:
            yield from self._frames(container)
        finally:
            self._close_container(container)

    def frames_from(self, start_s: float) -> Iterator[VideoFrame]:
        """Decode the frames at or after ``start_s`` seconds, seeking there first.

        The times are those a decode from the start gives (from the PTS); ``index`` counts
        from the first frame yielded. When the container can't seek to a key frame at or
        before ``start_s``, this decodes from the start and skips.
        """
        if start_s <= 0 or self._time_base is None:
            yield from self
            return
        self.decode_error = None
        container = self._open_container()
        try:
            stream = container.streams.video[0]
            self._first_decoded_t = math.inf
            try:
                container.seek(
                    int(start_s / self._time_base) + self._start_pts, stream=stream, backward=True
                )
                frames = self._frames(container, skip_before_s=start_s)
                first = next(frames, None)
            except av.error.FFmpegError:
                first = None
            if first is None or self._first_decoded_t > start_s:  # landed after it
                self._close_container(container)
                container = self._open_container()
                frames = self._frames(container, skip_before_s=start_s)
                first = next(frames, None)
            if first is not None:
                yield first
                yield from frames
        finally:
            self._close_container(container)

    def _frames(self, container: Any, skip_before_s: float = -math.inf) -> Iterator[VideoFrame]:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        index = 0
        last_t = -math.inf
        decoder = container.decode(stream)
        while True:
            try:
                frame = next(decoder)
            except StopIteration:
                break
            except av.error.FFmpegError as err:
                at = max(last_t, 0.0)
                self.decode_error = f"stopped at {at:.1f} s: corrupt data ({_one_line(err)})"
                return
            if frame.pts is not None and self._time_base is not None:
                t_s = float((frame.pts - self._start_pts) * self._time_base)
            else:
                t_s = index / self.fps
            if t_s <= last_t:  # missing or repeated PTS: keep time increasing
                t_s = last_t + 1.0 / self.fps
            last_t = t_s
            if index == 0 and self._first_decoded_t == math.inf:
                self._first_decoded_t = t_s
            if t_s < skip_before_s:
                continue
            image = frame.to_ndarray(format="bgr24")
            yield VideoFrame(image=_upright(image, self.rotation), t_s=t_s, index=index)
            index += 1
        # A truncated file often ends without a decoder error: compare with the
        # container's duration so the caller can still say the clip was cut.
        if index == 0:
            self.decode_error = "stopped at 0.0 s: no frames could be decoded"
        elif self.duration_s > 0 and last_t + 2.0 / self.fps < self.duration_s - 0.5:
            self.decode_error = (
                f"stopped at {last_t:.1f} s of {self.duration_s:.1f} s: the file is truncated"
            )

    # -- context manager -------------------------------------------------------

    def close(self) -> None:
        for container in list(self._containers):
            self._close_container(container)

    def __repr__(self) -> str:
        w, h = self.size
        return (
            f"VideoSource({str(self.path)!r}, {w}x{h}, {self.fps:.2f} fps, "
            f"rotation={self.rotation}, {self.duration_s:.1f} s)"
        )


def open_video(path: str | Path) -> VideoSource:
    """Open a clip for reading; raises :class:`VideoError` with a one-line reason."""
    return VideoSource(path)


def _even_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    return (w + (w % 2), h + (h % 2))


def _fps_fraction(fps: float) -> Fraction:
    if not math.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a positive number, got {fps}")
    return Fraction(fps).limit_denominator(1001)


class VideoWriter(ClosesOnExit):
    """Write BGR frames to a browser-playable H.264 MP4 at a constant frame rate.

    Odd frame sizes are padded to even by repeating the last row/column
    (yuv420p needs even dimensions). Frames must all have the ``size`` given.
    """

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int], crf: int = 23) -> None:
        self.path = Path(path)
        self.size = (int(size[0]), int(size[1]))
        if self.size[0] <= 0 or self.size[1] <= 0:
            raise ValueError(f"size must be positive (w, h), got {size}")
        self.out_size = _even_size(self.size)
        self.fps = _fps_fraction(fps)
        self.frames_written = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._container: Any = av.open(
                str(self.path), mode="w", format="mp4", options={"movflags": "+faststart"}
            )
        except (av.error.FFmpegError, OSError) as err:
            raise VideoError(f"cannot write video {self.path}: {_one_line(err)}") from err
        stream = self._container.add_stream("libx264", rate=self.fps)
        stream.width, stream.height = self.out_size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        stream.codec_context.time_base = 1 / self.fps
        self._stream = stream
        self._closed = False

    def write(self, image_bgr: ImageBGR) -> None:
        if self._closed:
            raise ValueError("VideoWriter is closed")
        h, w = image_bgr.shape[:2]
        if (w, h) != self.size or image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
            raise ValueError(
                f"frame must be {self.size[1]}x{self.size[0]}x3 BGR, got shape {image_bgr.shape}"
            )
        img: npt.NDArray[Any] = np.ascontiguousarray(image_bgr, dtype=np.uint8)
        if self.out_size != self.size:
            img = cv2.copyMakeBorder(
                img, 0, self.out_size[1] - h, 0, self.out_size[0] - w, cv2.BORDER_REPLICATE
            )
        frame = av.VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts = self.frames_written
        frame.time_base = 1 / self.fps
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        finally:
            self._container.close()


def _letterbox(image: ImageBGR, size: tuple[int, int]) -> ImageBGR:
    """Fit ``image`` inside ``size`` (w, h) keeping its aspect ratio; pad with black."""
    w, h = size
    ih, iw = image.shape[:2]
    scale = min(w / iw, h / ih)
    nw, nh = max(1, round(iw * scale)), max(1, round(ih * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (nw, nh), interpolation=interp)
    out = np.zeros((h, w, 3), dtype=np.uint8)
    x0, y0 = (w - nw) // 2, (h - nh) // 2
    out[y0 : y0 + nh, x0 : x0 + nw] = resized
    return out


def to_y4m(
    src: str | Path,
    dst: str | Path,
    size: tuple[int, int] = (640, 480),
    fps: float | None = None,
    max_s: float | None = None,
) -> int:
    """Convert a clip to a YUV4MPEG2 (.y4m, 4:2:0) file, e.g. for Chromium's fake camera.

    The picture is letterboxed into ``size`` (no stretching, so angles are
    preserved). ``fps`` defaults to the clip's; frames are resampled by time
    (each output frame shows the latest source frame at or before its time).
    ``max_s`` limits the duration. Returns the number of frames written.
    """
    w, h = size
    if w <= 0 or h <= 0 or w % 2 or h % 2:
        raise ValueError(f"y4m size must be positive and even, got {size}")
    written = 0
    with open_video(src) as source:
        out_fps = _fps_fraction(fps if fps is not None else source.fps)
        period = 1.0 / float(out_fps)
        limit = math.inf if max_s is None else max_s
        with open(dst, "wb") as out:
            out.write(
                f"YUV4MPEG2 W{w} H{h} F{out_fps.numerator}:{out_fps.denominator} "
                "Ip A1:1 C420jpeg\n".encode("ascii")
            )
            pending: bytes | None = None
            for frame in source:
                # Emit output frames whose time falls before this source frame.
                while pending is not None and written * period < min(frame.t_s, limit):
                    out.write(b"FRAME\n" + pending)
                    written += 1
                if frame.t_s >= limit:
                    pending = None
                    break
                boxed = _letterbox(frame.image, size)
                pending = cv2.cvtColor(boxed, cv2.COLOR_BGR2YUV_I420).tobytes()
            if pending is not None:
                end = min(limit, source.duration_s) if source.duration_s > 0 else limit
                if not math.isfinite(end):
                    end = (written + 1) * period
                while written * period < end - 1e-9:
                    out.write(b"FRAME\n" + pending)
                    written += 1
    if written == 0:
        raise VideoError(f"no frames converted from {src}; the clip is empty or corrupt")
    return written
