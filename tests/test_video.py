from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.errors import VideoError
from formcheck.video import VideoWriter, open_video, to_y4m

CLIPS = Path(__file__).resolve().parents[1].parent / "shared" / "clips" / "dev"


def _noise_clip(path: Path, n: int = 60, size: tuple[int, int] = (160, 120), fps: float = 30.0):
    rng = np.random.default_rng(0)
    w, h = size
    with VideoWriter(path, fps, size) as writer:
        for _ in range(n):
            writer.write(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    return path


def _marked_frame(w: int, h: int) -> np.ndarray:
    """Black frame with a white block in the top-left corner (to check orientation)."""
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 4, : w // 4] = 255
    return img


def _write_pyav(path: Path, times_s: list[float], size=(64, 48), rotation: float | None = None):
    """Write frames at explicit presentation times (ms time base) with PyAV directly."""
    w, h = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for t in times_s:
            frame = av.VideoFrame.from_ndarray(_marked_frame(w, h), format="bgr24")
            frame.pts = round(t * 1000)
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_round_trip_h264_yuv420p(tmp_path: Path) -> None:
    path = tmp_path / "out.mp4"
    with VideoWriter(path, 25.0, (96, 64)) as writer:
        for i in range(25):
            writer.write(np.full((64, 96, 3), (i * 10) % 256, np.uint8))
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        assert (s.codec_context.width, s.codec_context.height) == (96, 64)
    # faststart: the moov atom comes before the media data
    head = path.read_bytes()[:4096]
    assert b"moov" in head
    with open_video(path) as src:
        assert src.fps == pytest.approx(25.0)
        assert src.size == (96, 64)
        assert src.rotation == 0
        frames = list(src)
    assert len(frames) == 25
    assert [f.index for f in frames] == list(range(25))
    assert frames[1].t_s == pytest.approx(0.04)
    assert frames[-1].t_s == pytest.approx(24 / 25)
    assert frames[0].image.dtype == np.uint8 and frames[0].image.shape == (64, 96, 3)
    # grey levels survive lossy coding approximately
    assert abs(float(frames[10].image.mean()) - 100.0) < 4
    assert src.decode_error is None


def test_colour_order_is_bgr(tmp_path: Path) -> None:
    path = tmp_path / "blue.mp4"
    img = np.zeros((32, 32, 3), np.uint8)
    img[..., 0] = 255  # blue in BGR
    with VideoWriter(path, 10.0, (32, 32)) as writer:
        for _ in range(3):
            writer.write(img)
    with open_video(path) as src:
        first = next(iter(src)).image
    b, g, r = (float(first[..., i].mean()) for i in range(3))
    assert b > 200 and g < 60 and r < 60


def test_odd_size_is_padded_to_even(tmp_path: Path) -> None:
    path = tmp_path / "odd.mp4"
    with VideoWriter(path, 30.0, (65, 49)) as writer:
        for _ in range(5):
            writer.write(np.full((49, 65, 3), 128, np.uint8))
        with pytest.raises(ValueError, match="49x65x3"):
            writer.write(np.zeros((48, 64, 3), np.uint8))
    with open_video(path) as src:
        assert src.size == (66, 50)
        assert len(list(src)) == 5


def test_ntsc_rate_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "ntsc.mp4"
    with VideoWriter(path, 30000 / 1001, (32, 32)) as writer:
        for _ in range(10):
            writer.write(np.zeros((32, 32, 3), np.uint8))
    with av.open(str(path)) as c:
        assert c.streams.video[0].average_rate == Fraction(30000, 1001)


def test_variable_frame_rate_times_come_from_pts(tmp_path: Path) -> None:
    times = [0.0, 0.04, 0.05, 0.2, 0.21, 0.5, 0.9]
    path = _write_pyav(tmp_path / "vfr.mp4", times)
    with open_video(path) as src:
        got = [f.t_s for f in src]
    assert got == pytest.approx(times, abs=1e-3)


@pytest.mark.parametrize(
    ("rotation", "expected_block_corner"),
    [(90, "bottom_left"), (-90, "top_right"), (180, "bottom_right")],
)
def test_rotation_tag_is_applied(tmp_path: Path, rotation: int, expected_block_corner: str) -> None:
    # Stored 64x48 picture, white block top-left; the tag rotates it counter-clockwise.
    path = _write_pyav(tmp_path / "rot.mp4", [0.0, 0.1], size=(64, 48), rotation=rotation)
    with open_video(path) as src:
        assert src.rotation == rotation
        expected_size = (64, 48) if rotation == 180 else (48, 64)
        assert src.size == expected_size
        img = next(iter(src)).image
    h, w = img.shape[:2]
    assert (w, h) == expected_size
    corners = {
        "top_left": img[: h // 8, : w // 8],
        "top_right": img[: h // 8, -w // 8 :],
        "bottom_left": img[-h // 8 :, : w // 8],
        "bottom_right": img[-h // 8 :, -w // 8 :],
    }
    bright = {k: float(v.mean()) > 200 for k, v in corners.items()}
    assert bright == {k: k == expected_block_corner for k in corners}


def test_real_clip_with_rotation_tag_is_portrait() -> None:
    clip = CLIPS / "sit_to_stand_a.mp4"
    if not clip.exists():
        pytest.skip(f"{clip} not available")
    with open_video(clip) as src:
        assert src.rotation == -90
        w, h = src.size
        assert h > w  # labels: the upright picture is portrait
        first = next(iter(src))
        assert first.image.shape == (h, w, 3)
        assert src.frame_count_estimate > 0
        assert src.duration_s > 3


def test_missing_file() -> None:
    with pytest.raises(VideoError, match=r"clip not found: .*nope\.mp4"):
        open_video("/nonexistent/nope.mp4")


def test_directory_is_not_a_clip(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="not a file"):
        open_video(tmp_path)


def test_text_file_renamed_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("these are my exercise notes\n" * 50)
    with pytest.raises(VideoError, match=r"cannot read .*notes\.mp4 as a video") as info:
        open_video(path)
    assert "\n" not in str(info.value)


def test_garbage_bytes(tmp_path: Path) -> None:
    path = tmp_path / "garbage.mp4"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    with pytest.raises(VideoError, match=r"garbage\.mp4"):
        open_video(path)


def test_file_without_video_stream(tmp_path: Path) -> None:
    path = tmp_path / "audio.mp4"
    with av.open(str(path), "w") as c:
        stream = c.add_stream("aac", rate=44100)
        for i in range(10):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate = 44100
            frame.pts = i * 1024
            for packet in stream.encode(frame):
                c.mux(packet)
        for packet in stream.encode():
            c.mux(packet)
    with pytest.raises(VideoError, match=r"no video stream in .*audio\.mp4"):
        open_video(path)


def test_truncated_file_keeps_frames_and_reports(tmp_path: Path) -> None:
    full = _noise_clip(tmp_path / "full.mp4", n=60)
    data = full.read_bytes()
    half = tmp_path / "half.mp4"
    half.write_bytes(data[: len(data) // 2])
    with open_video(half) as src:
        frames = list(src)
    assert 5 < len(frames) < 60
    assert src.decode_error is not None
    assert src.decode_error.startswith("stopped at ")
    assert "truncated" in src.decode_error or "corrupt" in src.decode_error


def test_corrupt_middle_stops_cleanly(tmp_path: Path) -> None:
    full = _noise_clip(tmp_path / "full.mp4", n=60)
    data = bytearray(full.read_bytes())
    rng = np.random.default_rng(2)
    start = len(data) // 3
    data[start : start + 5000] = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(bytes(data))
    with open_video(bad) as src:
        frames = list(src)  # must not raise
    assert len(frames) >= 1
    assert src.decode_error is not None and "stopped at" in src.decode_error
    times = [f.t_s for f in frames]
    assert times == sorted(times)


def test_iterating_twice_restarts(tmp_path: Path) -> None:
    path = _noise_clip(tmp_path / "c.mp4", n=10)
    with open_video(path) as src:
        a = [f.t_s for f in src]
        b = [f.t_s for f in src]
    assert a == b and len(a) == 10


def _read_y4m(path: Path) -> tuple[str, list[bytes]]:
    data = path.read_bytes()
    header, _, rest = data.partition(b"\n")
    chunks = rest.split(b"FRAME\n")
    assert chunks[0] == b""
    return header.decode(), chunks[1:]


def test_to_y4m(tmp_path: Path) -> None:
    src = _noise_clip(tmp_path / "c.mp4", n=30, size=(160, 90), fps=30.0)
    dst = tmp_path / "c.y4m"
    n = to_y4m(src, dst, size=(64, 48), fps=15)
    header, frames = _read_y4m(dst)
    assert header.startswith("YUV4MPEG2 W64 H48 F15:1 ")
    assert "C420" in header
    assert n == len(frames) == 15  # 1 s at 15 fps
    assert all(len(f) == 64 * 48 * 3 // 2 for f in frames)
    # letterboxed: 160x90 into 64x48 leaves black bars top and bottom (Y=0 rows)
    y = np.frombuffer(frames[0][: 64 * 48], np.uint8).reshape(48, 64)
    assert y[0].max() < 20 and y[-1].max() < 20
    assert y[24].mean() > 60  # picture in the middle


def test_to_y4m_max_s(tmp_path: Path) -> None:
    src = _noise_clip(tmp_path / "c.mp4", n=60, size=(64, 48), fps=30.0)
    dst = tmp_path / "c.y4m"
    assert to_y4m(src, dst, size=(64, 48), max_s=0.5) == 15
    with pytest.raises(ValueError, match="even"):
        to_y4m(src, dst, size=(63, 48))
