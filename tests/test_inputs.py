"""`formcheck review` on every kind of odd input: one line and the right exit code, or an
honest review.

One table, generated in tmp_path at test time with ffmpeg and PyAV (each clip tiny and
short). Each row runs the real command and asserts its exit code and its one
``formcheck:`` line (none for a clean exit), never a traceback; rows of clips that are odd
but valid also check what the report says about them (frames, seconds, frame rate,
orientation, file name). Rows that name outputs check the input clip is untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.cli import EXIT_ERROR, EXIT_NOT_ASSESSED
from formcheck.posture_gate import OPEN_S
from formcheck.record import MIN_REVIEW_S, SessionRecord
from formcheck.spec import load_specs

ROOT = Path(__file__).resolve().parents[1]
BRIDGE = ROOT / "sample_videos" / "glute_bridge_side_clean.mp4"
NO_ONE = "formcheck: not assessed: no person was found in the video"

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def ff(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


def _encode(path: Path, seconds: float, fps: float, size: str, *extra: str) -> Path:
    """Moving grey noise (nobody in it: the pose model finds people in busier test patterns)."""
    ff(
        "-f",
        "lavfi",
        "-i",
        f"color=c=0x5a5a5a:size={size}:rate={fps},noise=alls=30:allf=t",
        "-t",
        f"{seconds}",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        *extra,
        str(path),
    )
    return path


def _pyav_clip(
    path: Path,
    times_s: list[float],
    images: list[np.ndarray] | None = None,
    size: tuple[int, int] = (160, 120),
    rotation: float | None = None,
) -> Path:
    """Frames at exactly these times (a ms time base), optionally tagged with a rotation."""
    w, h = size
    with av.open(str(path), "w") as c:
        stream = c.add_stream("libx264", rate=30)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i, t in enumerate(times_s):
            img = images[i] if images is not None else np.full((h, w, 3), 30 + 5 * i, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = round(t * 1000)
            frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                c.mux(packet)
        for packet in stream.encode():
            c.mux(packet)
    return path


def _report(tmp: Path) -> dict:
    return json.loads((tmp / "r.json").read_text())


def _summary(tmp: Path) -> dict:
    return _report(tmp)["summary"]


def _size(path: Path) -> tuple[int, int]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return s.codec_context.width, s.codec_context.height


def _frames_in(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


# -- the rows -------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    make: Callable[[Path], list[str]]  # builds the input in tmp; the arguments after `review`
    code: int
    line: str | None  # must be in the one `formcheck:` line; None: no such line (exit 0)
    check: Callable[[Path, str], None] | None = None  # (tmp, stdout): what the review says
    exercise: str = "glute_bridge"
    extra: list[str] = field(default_factory=list)


def _with_json(clip: Path) -> list[str]:
    return [str(clip), "--json", str(clip.parent / "r.json")]


def _missing(t: Path) -> list[str]:
    return [str(t / "nope.mp4")]


def _directory(t: Path) -> list[str]:
    (t / "clips.mp4").mkdir()
    return [str(t / "clips.mp4")]


def _empty(t: Path) -> list[str]:
    (t / "empty.mp4").write_bytes(b"")
    return _with_json(t / "empty.mp4")


def _text(t: Path) -> list[str]:
    (t / "notes.mp4").write_text("not a video\n" * 100)
    return _with_json(t / "notes.mp4")


def _truncated(t: Path) -> list[str]:
    full = _encode(t / "full.mp4", 3, 15, "160x120", "-movflags", "+faststart", "-g", "5")
    data = full.read_bytes()
    (t / "cut.mp4").write_bytes(data[: len(data) // 2])
    return _with_json(t / "cut.mp4")


def _check_truncated(t: Path, out: str) -> None:
    clip = _report(t)["clip"]
    assert "the file is truncated" in out and "truncated" in clip["decode_error"]
    assert 0 < clip["frames"] < 45  # reviewed up to the break


def _audio_only(t: Path) -> list[str]:
    ff("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(t / "talk.m4a"))
    return _with_json(t / "talk.m4a")


def _still(suffix: str) -> Callable[[Path], list[str]]:
    def make(t: Path) -> list[str]:
        ff("-f", "lavfi", "-i", "testsrc2=size=160x120", "-frames:v", "1", str(t / f"p.{suffix}"))
        return _with_json(t / f"p.{suffix}")

    return make


def _gif(t: Path) -> list[str]:
    ff("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "2", str(t / "moves.gif"))
    return _with_json(t / "moves.gif")


def _check_gif(t: Path, out: str) -> None:
    s = _summary(t)
    assert s["frames"] == 20 and s["reviewed_s"] == pytest.approx(2.0, abs=0.01)


def _one_pixel(t: Path) -> list[str]:
    _encode(t / "dot.mp4", 1, 15, "160x120", "-vf", "scale=1:1", "-pix_fmt", "yuv444p")
    return [*_with_json(t / "dot.mp4"), "--annotated", str(t / "a.mp4")]


def _check_one_pixel(t: Path, out: str) -> None:
    assert _summary(t)["frames"] == 15
    assert _size(t / "a.mp4") == (2, 2) and _frames_in(t / "a.mp4") == 15  # padded to even


def _four_k(t: Path) -> list[str]:
    _encode(t / "big.mp4", 1, 15, "3840x2160", "-frames:v", "3", "-preset", "ultrafast")
    return _with_json(t / "big.mp4")


def _check_frames(n: int, seconds: float, fps: float) -> Callable[[Path, str], None]:
    def check(t: Path, out: str) -> None:
        r = _report(t)
        assert r["summary"]["frames"] == r["clip"]["frames"] == n
        assert r["summary"]["reviewed_s"] == pytest.approx(seconds, abs=0.01)
        assert r["clip"]["fps"] == pytest.approx(fps, rel=0.01)
        assert f"video:  {seconds:.1f} s, {n} frame" in out

    return check


def _fifth_second(t: Path) -> list[str]:
    return _with_json(_encode(t / "blink.mp4", 0.2, 15, "160x120"))


def _one_fps(t: Path) -> list[str]:
    return _with_json(_encode(t / "slow.mp4", 10, 1, "160x120"))


def _check_one_fps(t: Path, out: str) -> None:
    _check_frames(10, 10.0, 1.0)(t, out)
    assert "1 fps is too few frames to follow a movement reliably" in out


def _hundred_twenty(t: Path) -> list[str]:
    return _with_json(_encode(t / "fast.mp4", 0.5, 120, "160x120"))


VFR_TIMES = [0.0, 0.03, 0.07, 0.1, 0.5, 0.52, 0.9, 1.4, 1.45, 1.5, 2.3, 2.35]


def _vfr(t: Path) -> list[str]:
    return _with_json(_pyav_clip(t / "vfr.mp4", VFR_TIMES))


def _check_vfr(t: Path, out: str) -> None:
    n = len(VFR_TIMES)
    s = _summary(t)
    assert s["frames"] == n
    # seconds from the frames' own times, not frames / nominal rate
    assert s["reviewed_s"] == pytest.approx(2.35 * n / (n - 1), abs=0.01)
    assert _report(t)["timeline"]["t_s"] == pytest.approx(VFR_TIMES, abs=0.002)


def _rotated(t: Path) -> list[str]:
    """A phone clip: the picture stored turned, with a tag saying how to show it upright."""
    img = np.zeros((120, 160, 3), np.uint8)
    img[:30, :40] = 255  # a white block top-left
    stored = np.ascontiguousarray(np.rot90(img, k=-1))  # 120x160 turned clockwise
    clip = _pyav_clip(t / "phone.mp4", [i / 15 for i in range(15)], [stored] * 15, (120, 160), 90)
    return [*_with_json(clip), "--annotated", str(t / "a.mp4")]


def _check_rotated(t: Path, out: str) -> None:
    assert _size(t / "a.mp4") == (160, 120)  # drawn upright, as the tag says
    with av.open(str(t / "a.mp4")) as c:
        img = next(c.decode(video=0)).to_ndarray(format="bgr24")
    assert img[100:120, :40].mean() < 60  # the white block is back top-left, not bottom-left


def _rotated_person(t: Path) -> list[str]:
    """The sample bridge (a real person), 1.5 s of it at half size, stored turned and tagged."""
    with av.open(str(BRIDGE)) as c:
        frames = [
            f.to_ndarray(format="bgr24", width=320, height=240)
            for f, _ in zip(c.decode(video=0), range(225), strict=False)
        ]
    stored = [np.ascontiguousarray(np.rot90(f, k=-1)) for f in frames[180:225]]
    clip = _pyav_clip(t / "phone.mp4", [i / 30 for i in range(45)], stored, (240, 320), 90)
    return [*_with_json(clip), "--annotated", str(t / "a.mp4")]


def _check_rotated_person(t: Path, out: str) -> None:
    s = _summary(t)
    assert s["frames"] == s["frames_with_person"] == 45  # the person is found in every frame
    assert s["views_seen"] == ["side"]  # and seen from the side, lying down: upright again
    assert _size(t / "a.mp4") == (320, 240)


def _non_ascii(t: Path) -> list[str]:
    clip = _encode(t / "séance de pont 日本.mp4", 1, 15, "160x120")
    return [str(clip), "--json", str(t / "résumé.json")]


def _check_non_ascii(t: Path, out: str) -> None:
    report = json.loads((t / "résumé.json").read_text(encoding="utf-8"))
    assert report["clip"]["file"] == "séance de pont 日本.mp4"
    assert "wrote " + str(t / "résumé.json") in out


def _ok_clip(t: Path) -> Path:
    return _encode(t / "clip.mp4", 1, 15, "160x120")


def _to(option: str, target: Callable[[Path], str]) -> Callable[[Path], list[str]]:
    def make(t: Path) -> list[str]:
        return [str(_ok_clip(t)), option, target(t)]

    return make


def _symlink(t: Path) -> str:
    (t / "link.mp4").symlink_to(t / "clip.mp4")
    return str(t / "link.mp4")


def _hard_link(t: Path) -> str:
    os.link(t / "clip.mp4", t / "same.mp4")
    return str(t / "same.mp4")


def _dotdot(t: Path) -> str:
    (t / "x").mkdir()
    return f"{t}/x/../clip.mp4"


def _a_file(t: Path) -> str:
    (t / "notes.txt").write_text("a file")
    return str(t / "notes.txt" / "a.mp4")


def _check_new_folder(t: Path, out: str) -> None:
    assert _summary(t / "new" / "deep")["frames"] == 15


ROWS = [
    Row("missing", _missing, EXIT_ERROR, "clip not found"),
    # a folder is a batch of clips (issue 13): it needs a place for the reports
    Row("directory", _directory, EXIT_ERROR, "need --out-dir DIR"),
    Row("empty", _empty, EXIT_ERROR, "cannot read"),
    Row("text", _text, EXIT_ERROR, "cannot read"),
    Row("truncated", _truncated, EXIT_NOT_ASSESSED, NO_ONE, _check_truncated),
    Row("audio-only", _audio_only, EXIT_ERROR, "no video stream"),
    Row("image png", _still("png"), EXIT_ERROR, "is a still image (PNG), not a video"),
    Row("image jpg", _still("jpg"), EXIT_ERROR, "is a still image (JPEG), not a video"),
    Row("gif one frame", _still("gif"), EXIT_ERROR, "is a still image (GIF), not a video"),
    Row("gif animated", _gif, EXIT_NOT_ASSESSED, NO_ONE, _check_gif),
    Row("1x1", _one_pixel, EXIT_NOT_ASSESSED, NO_ONE, _check_one_pixel),
    Row(
        "4K, 3 frames",
        _four_k,
        EXIT_NOT_ASSESSED,
        "too short to assess: 0.2 s of video (3 frames)",
        _check_frames(3, 0.2, 15),
    ),
    Row(
        "0.2 s",
        _fifth_second,
        EXIT_NOT_ASSESSED,
        "too short to assess: 0.2 s of video (3 frames); at least 1 s",
        _check_frames(3, 0.2, 15),
    ),
    Row("1 fps", _one_fps, EXIT_NOT_ASSESSED, NO_ONE, _check_one_fps),
    Row(
        "120 fps",
        _hundred_twenty,
        EXIT_NOT_ASSESSED,
        "too short to assess: 0.5 s of video (60 frames)",  # seconds from the timestamps
        _check_frames(60, 0.5, 120),
    ),
    Row("variable frame rate", _vfr, EXIT_NOT_ASSESSED, NO_ONE, _check_vfr),
    Row("rotated", _rotated, EXIT_NOT_ASSESSED, NO_ONE, _check_rotated),
    Row("rotated, a person", _rotated_person, 0, None, _check_rotated_person),
    Row("non-ASCII name", _non_ascii, EXIT_NOT_ASSESSED, NO_ONE, _check_non_ascii),
    Row(
        "--json in /proc",
        _to("--json", lambda t: "/proc/x.json"),
        EXIT_ERROR,
        "--json /proc/x.json: cannot create files in /proc",
    ),
    Row(
        "--csv a folder",
        _to("--csv", lambda t: str(t)),
        EXIT_ERROR,
        "is a folder; give a file name in it",
    ),
    Row(
        "--annotated in a file",
        _to("--annotated", _a_file),
        EXIT_ERROR,
        "notes.txt is a file, not a folder",
    ),
    Row(
        "--json in a new folder",
        _to("--json", lambda t: str(t / "new" / "deep" / "r.json")),
        EXIT_NOT_ASSESSED,
        NO_ONE,
        _check_new_folder,
    ),
    Row(
        "--annotated = clip",
        _to("--annotated", lambda t: str(t / "clip.mp4")),
        EXIT_ERROR,
        "is the clip being reviewed",
    ),
    Row(
        "--json = symlink to clip",
        _to("--json", _symlink),
        EXIT_ERROR,
        "is the clip being reviewed",
    ),
    Row("--csv = x/../clip", _to("--csv", _dotdot), EXIT_ERROR, "is the clip being reviewed"),
    Row(
        "--annotated = hard link",
        _to("--annotated", _hard_link),
        EXIT_ERROR,
        "is the clip being reviewed",
    ),
]


def _digest(paths: list[Path]) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in paths
        if p.is_file() and p.suffix in {".mp4", ".gif", ".m4a", ".png", ".jpg"}
    }


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_odd_input(tmp_path: Path, row: Row) -> None:
    args = row.make(tmp_path)
    inputs = _digest(list(tmp_path.iterdir()))
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "review", *args, "-e", row.exercise, "-q", *row.extra],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("formcheck:")]
    print(f"{row.name}: exit {proc.returncode}: {lines[0] if lines else '-'}")
    assert proc.returncode == row.code, proc.stderr[-2000:]
    if row.line is None:
        assert lines == [], proc.stderr  # a clean review: nothing to say
    else:
        assert len(lines) == 1, proc.stderr
        assert row.line in lines[0], lines[0]
    if row.code == EXIT_ERROR:
        assert not (tmp_path / "r.json").exists()  # refused before any work: nothing written
    if row.check is not None:
        row.check(tmp_path, proc.stdout)
    assert _digest([Path(p) for p in inputs]) == inputs  # no input was touched
    assert not list(tmp_path.rglob("*.part"))  # no temporary file left


# -- how much video is enough ---------------------------------------------------------------


def test_min_review_s_is_one_gate_opening_plus_the_quickest_rep():
    """The reason given for MIN_REVIEW_S holds for the shipped specs."""
    quickest = min(m.min_duration_s for s in load_specs().values() for m in s.reps)
    assert quickest > 0
    assert MIN_REVIEW_S >= OPEN_S + quickest


def test_a_fragment_shorter_than_the_minimum_is_not_assessed():
    """The same frames, all assessed: 0.9 s is not an assessment, 1.0 s is."""
    from formcheck.results import FrameResult, Phase
    from formcheck.spec import get_spec

    spec = get_spec("glute_bridge")

    def record(n: int, fps: float = 30.0) -> SessionRecord:
        rec = SessionRecord(spec)
        for i in range(n):
            rec.consume(
                FrameResult(
                    t_s=i / fps,
                    side=None,
                    phase=Phase.REST,
                    reps=0,
                    hold_s=0.0,
                    best_hold_s=0.0,
                    faults=(),
                    cue=None,
                    cannot_assess=None,
                    key_feature="hip_extension",
                    key_value=150.0,
                    assessed=True,
                )
            )
        return rec

    short, enough = record(27).summary(), record(30).summary()
    assert short["reviewed_s"] == pytest.approx(0.9) and enough["reviewed_s"] == pytest.approx(1.0)
    assert short["assessed"] is False and enough["assessed"] is True
    assert short["reason"].startswith("too short to assess: 0.9 s of video (27 frames)")
    assert record(1).summary()["reason"].startswith("too short to assess: 0.0 s of video (1 frame)")
