"""How long the live frame callback takes per frame (prints numbers; asserts nothing).

Feeds a sample clip's frames, at 640x480, through ``LiveRoutine.on_frame`` (the live
page's coach: the exercise's whole prescription, camera check, sets, rests, voice) exactly as
streamlit-webrtc does (an ``av.VideoFrame`` with a 90 kHz RTP clock in, an
annotated ``av.VideoFrame`` out) with the real MediaPipe model, and reports the
median and p95 time per frame, split into pose estimation and the rest
(frame conversion, coach step, drawing). The budget for 30 fps input is 33.3 ms.
Every set is saved to a history database in a temporary folder, as the app does, and
the database's write time per frame is printed beside the frame time.

The estimator is the app's (:func:`formcheck.pose.create_estimator`): MediaPipe Pose
wrapped in :class:`~formcheck.pose.people.PeopleWatch`, whose person detector looks for
other people once a second of video; its checks are timed on their own.
``--no-people`` leaves the detector out, to compare.

    python benchmarks/bench_live.py [clip.mp4] [--exercise ID] [--side S] [--frames N]
                                    [--no-people]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.history import HistoryRecorder, HistoryStore  # noqa: E402
from formcheck.live import LiveRoutine  # noqa: E402
from formcheck.pose import create_estimator  # noqa: E402
from formcheck.pose.people import PeopleDetector, PeopleWatch  # noqa: E402
from formcheck.routine import single  # noqa: E402
from formcheck.spec import get_spec  # noqa: E402
from formcheck.video import open_video  # noqa: E402

DEFAULT_CLIP = ROOT / "sample_videos" / "glute_bridge_side_clean.mp4"
BUDGET_MS = 1000 / 30
RTP_RATE = 90_000


class TimedEstimator:
    """Wraps an estimator and records how long each estimate takes."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.ms: list[float] = []

    def estimate(self, image: np.ndarray, t_s: float) -> Any:
        t0 = time.perf_counter()
        out = self.inner.estimate(image, t_s)
        self.ms.append((time.perf_counter() - t0) * 1000)
        return out

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> TimedEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TimedDetector:
    """Wraps the person detector and records how long each check takes."""

    def __init__(self) -> None:
        self.inner = PeopleDetector()
        self.ms: list[float] = []

    def detect(self, image: np.ndarray) -> Any:
        t0 = time.perf_counter()
        out = self.inner.detect(image)
        self.ms.append((time.perf_counter() - t0) * 1000)
        return out

    def close(self) -> None:
        self.inner.close()


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    ap.add_argument("--exercise", default="glute_bridge")
    ap.add_argument("--side", default=None, help="working side, for exercises done per side")
    ap.add_argument("--frames", type=int, default=600, help="frames to time (the clip loops)")
    ap.add_argument("--warmup", type=int, default=15)
    ap.add_argument(
        "--no-people", action="store_true", help="leave out the person detector (to compare)"
    )
    args = ap.parse_args()

    images: list[np.ndarray] = []
    with open_video(args.clip) as src:
        for vf in src:
            img: np.ndarray = vf.image
            if img.shape[:2] != (480, 640):
                img = np.asarray(cv2.resize(img, (640, 480), interpolation=cv2.INTER_AREA))
            images.append(img)
    if not images:
        raise SystemExit(f"no frames in {args.clip}")

    app_estimator = create_estimator()
    people: TimedDetector | None = None
    if isinstance(app_estimator, PeopleWatch):  # the app's: the pose model and the detector
        if args.no_people:
            app_estimator = app_estimator.estimator
        else:
            people = TimedDetector()
            app_estimator = PeopleWatch(app_estimator.estimator, detector=people)
    est = TimedEstimator(app_estimator)
    routine = single(get_spec(args.exercise), args.side)
    tmp = tempfile.TemporaryDirectory()
    store = HistoryStore(Path(tmp.name) / "history.db")
    db_ms: list[float] = []
    execute = store.execute

    def timed_execute(sql: str, params: Any = ()) -> Any:
        t0 = time.perf_counter()
        out = execute(sql, params)
        db_ms.append((time.perf_counter() - t0) * 1000)
        return out

    store.execute = timed_execute  # type: ignore[method-assign]
    history = HistoryRecorder(store, "live", routine.id, routine.name)
    coach = LiveRoutine(routine, estimator_factory=lambda: est, history=history)
    coach.warm_up()
    total_ms: list[float] = []
    step = RTP_RATE // 30
    for i in range(args.warmup + args.frames):
        frame = av.VideoFrame.from_ndarray(images[i % len(images)], format="bgr24")
        frame.pts = 123_456 + i * step  # an RTP clock starting anywhere, like a browser's
        frame.time_base = Fraction(1, RTP_RATE)
        t0 = time.perf_counter()
        out = coach.on_frame(frame)
        dt = (time.perf_counter() - t0) * 1000
        assert out.width == 640 and out.height == 480
        if i >= args.warmup:
            total_ms.append(dt)
    writes_before_finish = len(db_ms)
    db_total = sum(db_ms)
    coach.finish()
    records = coach.records
    pose_ms = est.ms[args.warmup :]
    rest_ms = [t - p for t, p in zip(total_ms, pose_ms, strict=True)]

    med, p95 = statistics.median(total_ms), pct(total_ms, 95)
    print(
        f"clip: {Path(args.clip).name} at 640x480, {args.frames} timed frames "
        f"(after {args.warmup} warm-up), {os.cpu_count()} CPU cores, model {est.name}"
    )
    print(
        f"frame callback: median {med:.1f} ms, p95 {p95:.1f} ms, mean "
        f"{statistics.fmean(total_ms):.1f} ms, max {max(total_ms):.1f} ms"
    )
    print(
        f"  pose estimate: median {statistics.median(pose_ms):.1f} ms, p95 "
        f"{pct(pose_ms, 95):.1f} ms"
    )
    if people is not None:
        checks = people.ms[1:]  # the first check (at the first frame) loads the detector
        print(
            f"  people checks (once a second of video): {len(checks)}, median "
            f"{statistics.median(checks) if checks else 0.0:.1f} ms, max "
            f"{max(checks, default=0.0):.1f} ms; frame p99 {pct(total_ms, 99):.1f} ms"
        )
    else:
        print(f"  no people checks; frame p99 {pct(total_ms, 99):.1f} ms")
    print(
        f"  the rest (convert, coach step, draw): median {statistics.median(rest_ms):.1f} ms, "
        f"p95 {pct(rest_ms, 95):.1f} ms"
    )
    n = args.warmup + args.frames
    print(
        f"  history database ({store.journal_mode}, a commit per write): "
        f"{db_total / n:.3f} ms per frame on average, {writes_before_finish} writes in "
        f"{n} frames, longest write {max(db_ms, default=0.0):.2f} ms "
        f"({db_total / n / statistics.fmean(total_ms) * 100:.1f}% of the mean frame time)"
    )
    tmp.cleanup()
    print(
        f"throughput: {1000 / med:.1f} frames/s at the median (budget {BUDGET_MS:.1f} ms "
        "for 30 fps)"
    )
    verdict = "yes" if p95 <= BUDGET_MS else "at the median" if med <= BUDGET_MS else "no"
    print(
        f"keeps up with 30 fps: {verdict}"
        f" (median {'<=' if med <= BUDGET_MS else '>'} {BUDGET_MS:.1f} ms, "
        f"p95 {'<=' if p95 <= BUDGET_MS else '>'} {BUDGET_MS:.1f} ms)"
    )
    sets = ", ".join(f"set {r.meta.get('set_no')}: {r.reps} reps" for r in records)
    print(f"counted over {args.frames + args.warmup} frames: {sets or 'no set began'}")


if __name__ == "__main__":
    main()
