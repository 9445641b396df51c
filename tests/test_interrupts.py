"""Ctrl-C and SIGTERM: one line, exit 130 / 143, and what was reviewed is written.

The subprocess tests send a real signal to ``python -m formcheck review`` at
moments found by polling the process, never by sleeping a fixed time: once its
handlers are installed (``/proc/PID/status``), while mediapipe is being loaded
(its library appears in ``/proc/PID/maps`` before any progress is printed),
at the first progress output, and part-way through the review (the progress
bar has counted frames). Whatever moment a try lands on, the same invariants
hold: the exit code, exactly one ``formcheck:`` line, no traceback, and files on
disk that match what that line says.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from formcheck.interrupts import EXIT_CODES, StopSignals
from formcheck.landmarks import PoseFrame
from formcheck.pipeline import review_clip
from formcheck.spec import get_spec
from formcheck.video import VideoWriter

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
BRIDGE = SAMPLES / "glute_bridge_side_clean.mp4"  # 615 frames: a review takes many seconds
HIKE = SAMPLES / "standing_hip_hike_left_clean.mp4"  # per side: the side is found, then drawn
TIMEOUT_S = 120.0  # generous: CI is a busy 2-core machine

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="polls /proc for the process's state"
)


def _frames_in(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


class Review:
    """``formcheck review`` in a subprocess, its stderr collected as it comes."""

    def __init__(self, clip: Path, exercise: str, out: Path, *extra: str) -> None:
        self.out = out
        self.json, self.csv, self.video = out / "r.json", out / "r.csv", out / "a.mp4"
        args = [sys.executable, "-m", "formcheck", "review", str(clip), "-e", exercise]
        args += ["--json", str(self.json), "--csv", str(self.csv), "--annotated", str(self.video)]
        self.proc = subprocess.Popen(
            [*args, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
        )
        self._err, self._out = bytearray(), bytearray()
        self._readers = [
            threading.Thread(target=self._read, args=(pipe, buf), daemon=True)
            for pipe, buf in ((self.proc.stderr, self._err), (self.proc.stdout, self._out))
        ]
        for th in self._readers:
            th.start()

    @staticmethod
    def _read(pipe: Any, buf: bytearray) -> None:
        while chunk := pipe.read1(4096):
            buf += chunk

    @property
    def stderr(self) -> str:
        return bytes(self._err).decode("utf-8", "replace")

    def proc_file(self, name: str) -> str:
        try:
            return Path(f"/proc/{self.proc.pid}/{name}").read_text()
        except OSError:  # exited meanwhile
            return ""

    def handlers_installed(self) -> bool:
        """SIGTERM is caught: formcheck's handlers are in place (Python catches no SIGTERM)."""
        m = re.search(r"^SigCgt:\s*([0-9a-f]+)", self.proc_file("status"), re.M)
        return bool(m) and bool(int(m.group(1), 16) >> (signal.SIGTERM - 1) & 1)

    def loading_model(self) -> bool:
        """mediapipe's native library is mapped and nothing has been reviewed yet."""
        return "mediapipe" in self.proc_file("maps") and not self.progress_shown()

    def progress_shown(self) -> bool:
        return "frame" in self.stderr

    def frames_counted(self) -> int:
        counts = re.findall(r"(\d+)(?:/\d+)? ?\[", self.stderr)
        return max((int(c) for c in counts), default=0)

    def wait_for(self, condition: Callable[[], bool], what: str) -> bool:
        """Poll until ``condition`` holds; False if the process ended first."""
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            if condition():
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.005)
        self.proc.kill()
        pytest.fail(f"timed out waiting for: {what}\n{self.stderr[-2000:]}")

    def finish(self) -> int:
        try:
            self.proc.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"still running {TIMEOUT_S:g} s after the signal (ignored?)")
        for th in self._readers:
            th.join(timeout=TIMEOUT_S)
        return self.proc.returncode

    @property
    def stdout(self) -> str:
        return bytes(self._out).decode("utf-8", "replace")


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.replace("\r", "\n").splitlines() if ln.startswith("formcheck:")]
    assert len(lines) == 1, stderr
    return lines[0]


def _check_outcome(r: Review, sig: signal.Signals, old_report: str) -> str:
    """The invariants after any signal; returns "nothing" or "partial"."""
    code = r.finish()
    assert code == EXIT_CODES[sig], (code, r.stderr[-2000:])
    line = _one_line(r.stderr)
    assert "interrupted" in line and sig.name in line, line
    leftovers = [p.name for p in r.out.iterdir() if p.name.endswith(".part")]
    assert leftovers == [], leftovers
    if "nothing was written" in line:
        # Nothing reviewed: the user's earlier report is untouched, no new files appear.
        assert r.json.read_text() == old_report
        assert not r.csv.exists() and not r.video.exists()
        return "nothing"
    assert f"wrote {r.json}, {r.csv}, {r.video}" in line, line
    report = json.loads(r.json.read_text())
    s = report["summary"]
    assert s["interrupted_by"]["signal"] == sig.name
    assert s["interrupted_by"]["t_s"] == pytest.approx(report["clip"]["duration_s"], abs=0.01)
    assert s["interrupted"] is True  # the set never finished
    assert s["frames"] == report["clip"]["frames"] > 0
    assert s["reviewed_s"] > 0
    assert r.csv.read_text().startswith("side,rep,")
    assert _frames_in(r.video) == s["frames"]  # a playable video of what was reviewed
    assert f"interrupted by {sig.name} at" in r.stdout
    return "partial"


EARLY = {
    "handlers installed": Review.handlers_installed,
    "loading the model": Review.loading_model,
    "first progress output": Review.progress_shown,
}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("moment", list(EARLY))
def test_an_early_signal_exits_with_one_line(tmp_path: Path, moment: str, sig: signal.Signals):
    """A handful of tries at each moment: never a traceback, never ignored, never 'mediapipe is
    not installed'."""
    outcomes = []
    for i in range(4 if sig == signal.SIGINT else 3):
        out = tmp_path / str(i)
        out.mkdir()
        old = '{"an": "earlier report"}'
        (out / "r.json").write_text(old)
        # The model loads in this process with --jobs 1 (with more, in the workers, later).
        jobs = ["--jobs", "1"] if moment == "loading the model" else []
        r = Review(BRIDGE, "glute_bridge", out, *jobs)
        reached = r.wait_for(lambda r=r: EARLY[moment](r), moment)
        assert reached, f"ended before '{moment}': {r.stderr[-2000:]}"
        r.proc.send_signal(sig)
        outcomes.append(_check_outcome(r, sig, old))
        print(f"{moment}, {sig.name}, try {i}: {_one_line(r.stderr)}")
    if moment != "first progress output":
        # Before the review loop nothing is reviewed, so nothing may be written.
        assert set(outcomes) == {"nothing"}, outcomes


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_review_writes_the_partial_report(
    tmp_path: Path, sig: signal.Signals, jobs: str
):
    for i in range(2):
        out = tmp_path / str(i)
        out.mkdir()
        r = Review(BRIDGE, "glute_bridge", out, "--jobs", jobs)
        assert r.wait_for(lambda r=r: r.frames_counted() >= 20, "20 frames reviewed")
        r.proc.send_signal(sig)
        assert _check_outcome(r, sig, "") == "partial"
        s = json.loads(r.json.read_text())["summary"]
        assert 20 <= s["frames"] < 615  # stopped part-way, and kept every frame counted


def test_a_signal_when_the_side_is_found_draws_the_reviewed_frames(tmp_path: Path):
    """Per-side exercise without --side: the video is drawn after the side is chosen."""
    r = Review(HIKE, "standing_hip_hike", tmp_path)
    assert r.wait_for(lambda: r.frames_counted() >= 20, "20 frames reviewed")
    r.proc.send_signal(signal.SIGINT)
    assert _check_outcome(r, signal.SIGINT, "") == "partial"


# -- the pipeline's stop requests, without a model or signals ---------------------------------


class _NoPose:
    name = "none"

    def estimate(self, image: np.ndarray, t_s: float) -> PoseFrame | None:
        return None

    def close(self) -> None:
        pass

    def __enter__(self) -> _NoPose:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _grey_clip(path: Path, n: int, fps: float = 20.0) -> Path:
    with VideoWriter(path, fps, (64, 48)) as w:
        for i in range(n):
            w.write(np.full((48, 64, 3), 40 + i % 7, np.uint8))
    return path


class _Asks:
    """Stop requests: one after ``first`` polls, a second after ``second`` more."""

    def __init__(self, first: int, second: int | None = None) -> None:
        self.first, self.second, self.polls = first, second, 0

    def __call__(self) -> int:
        self.polls += 1
        if self.second is not None and self.polls > self.first + self.second:
            return 2
        return int(self.polls > self.first)


@pytest.mark.parametrize(
    ("exercise", "side", "asks", "frames", "drawn"),
    [
        ("glute_bridge", None, _Asks(12), 12, 12),  # drawn as reviewed
        ("standing_hip_hike", "left", _Asks(12), 12, 12),
        ("standing_hip_hike", None, _Asks(12), 12, 12),  # side found: drawn afterwards
        ("standing_hip_hike", None, _Asks(12, 6), 12, 4),  # polls 15-18 draw, the 19th stops
        ("glute_bridge", None, _Asks(0), 0, 0),  # before the first frame
        ("glute_bridge", None, _Asks(10_000), 30, 30),  # never: the whole clip
    ],
)
def test_review_clip_stops_when_asked(tmp_path: Path, exercise, side, asks, frames, drawn):
    clip = _grey_clip(tmp_path / "c.mp4", 30)
    res = review_clip(
        clip,
        get_spec(exercise),
        side=side,
        estimator=_NoPose(),
        annotated_out=tmp_path / "a.mp4",
        stop=asks,
    )
    assert res.frames == frames == res.record.frames
    assert res.interrupted is (frames < 30)
    assert res.annotated_frames == drawn
    if drawn:
        assert _frames_in(tmp_path / "a.mp4") == drawn
    # An interrupted set is left open (not finished): the summary says so.
    assert res.record.summary()["interrupted"] is (0 < frames < 30)


def test_stop_signals_count_and_restore():
    """Deferred: a signal is counted, nothing raised; restore puts the old handlers back."""
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    s = StopSignals()
    assert s.install()
    try:
        s.defer()
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        deadline = time.monotonic() + 30
        while s.requests() < 2 and time.monotonic() < deadline:
            time.sleep(0.001)  # handlers run between bytecodes of the main thread
        assert s.requests() == 2
        assert (s.name, s.exit_code) == ("SIGTERM", 143)  # the first one decides
    finally:
        s.restore()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
