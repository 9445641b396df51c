"""One clip on every core: pose estimation in time segments, one model per process.

The clip is cut into segments of time; a worker process estimates the poses of
one segment with its own pose model (a model can't be pickled and MediaPipe's
video mode keeps state per instance, so each segment creates its own) and its own
cut detector. A worker starts ``overlap_s`` before its segment (the *warm-up*: the
model's tracking and smoothing and the cut detector's previous frame settle there)
and hands back only the frames it owns, ``start_s <= t_s < end_s``. The segments
come back in time order and :class:`SegmentedPoses` yields one stream, so the
engine (:func:`formcheck.pipeline.review_clip`) runs once over the whole timeline.
The poses after a segment's start are within a pixel or two of one process's, not
identical (MediaPipe tracks from the previous frame; see docs/parallel.md), so a
single clip is reviewed in one process unless ``--jobs`` asks otherwise. Specs that
measure in tracked space (optical flow) are never segmented: a tracked point is
relative to where its tracking began.

Memory stays bounded: a segment is at most :data:`MAX_SEGMENT_S` long and the
pool works at most ``jobs`` segments ahead of the engine, so a long clip is
never held whole, neither its frames nor its poses.

Ctrl-C reaches every process of the terminal's group: the workers ignore it
and the review stops them (see ``review_clip(stop=...)``).
"""

from __future__ import annotations

import math
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool

from formcheck.cuts import CutDetector
from formcheck.landmarks import PoseFrame
from formcheck.video import open_video

#: Warm-up before each segment (seconds): measured with benchmarks/bench_pipeline.py
#: --overlap (per-frame landmarks against one process); see docs/parallel.md.
OVERLAP_S = 2.0
#: Longest segment (seconds): bounds what a worker holds and hands back at once.
MAX_SEGMENT_S = 60.0
#: Shortest segment worth a process of its own (the warm-up is paid per segment).
MIN_SEGMENT_S = 4.0


def available_cores() -> int:
    """The cores this process may run on (the default for ``--jobs``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Segment:
    """The frames with ``start_s <= t_s < end_s``, estimated from ``start_s - warmup_s`` on."""

    start_s: float
    end_s: float
    warmup_s: float


def plan_segments(
    duration_s: float,
    jobs: int,
    overlap_s: float = OVERLAP_S,
    max_segment_s: float = MAX_SEGMENT_S,
    min_segment_s: float = MIN_SEGMENT_S,
) -> list[Segment]:
    """Equal segments covering ``[0, inf)``: a multiple of ``jobs`` (when long enough), none
    too long.

    An unknown duration (0) gives one segment. The last segment is open-ended so a
    clip longer than its container says is still reviewed to its end.
    """
    if jobs <= 1 or duration_s <= 0:
        return [Segment(0.0, math.inf, 0.0)]
    # A multiple of jobs, so every process gets as many segments (3 segments on 2
    # processes would leave one idle for a third of the clip).
    n = jobs * math.ceil(duration_s / (jobs * max_segment_s))
    n = min(n, max(1, int(duration_s // min_segment_s)))
    edges = [duration_s * i / n for i in range(n)] + [math.inf]
    return [
        Segment(edges[i], edges[i + 1], 0.0 if i == 0 else min(overlap_s, edges[i]))
        for i in range(n)
    ]


#: One frame of the merged stream: time, pose (None: nobody), whether a scene cut precedes it.
PoseStep = tuple[float, PoseFrame | None, bool]


@dataclass(slots=True)
class SegmentResult:
    steps: list[PoseStep]
    corrupt: str | None  # the clip's decode error, when the decoder hit corrupt data here
    model_name: str


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def pose_segment(path: str, seg: Segment, model: str | None) -> SegmentResult:
    """Estimate the poses of one segment (runs in a worker process)."""
    from formcheck.pose import create_estimator

    cuts = CutDetector()
    steps: list[PoseStep] = []
    with open_video(path) as src, create_estimator(model=model) as est:
        for vf in src.frames_from(seg.start_s - seg.warmup_s):
            if vf.t_s >= seg.end_s:
                break
            is_cut = cuts.step(vf.image)
            pose = est.estimate(vf.image, vf.t_s)
            if vf.t_s >= seg.start_s:  # warm-up frames settle the model, unused
                steps.append((vf.t_s, pose, is_cut))
        err = src.decode_error
        name = getattr(est, "name", type(est).__name__)
    corrupt = err if err is not None and "corrupt data" in err else None
    return SegmentResult(steps, corrupt, name)


class SegmentedPoses:
    """Iterate the poses of a whole clip estimated by ``jobs`` processes, in time order.

    After iteration, :attr:`decode_error` is the clip's decode error (as a one-process
    decode reports it) and :attr:`model_name` the pose model's name. ``close()`` stops
    the workers (called when the consumer stops early).
    """

    def __init__(
        self,
        path: str,
        jobs: int,
        model: str | None = None,
        overlap_s: float = OVERLAP_S,
        max_segment_s: float = MAX_SEGMENT_S,
        stop: Callable[[], int] | None = None,
    ) -> None:
        with open_video(path) as src:
            self.fps = src.fps
            self.duration_s = src.duration_s
        self.path = str(path)
        self.jobs = max(1, jobs)
        self.model = model
        self.segments = plan_segments(self.duration_s, self.jobs, overlap_s, max_segment_s)
        self.decode_error: str | None = None
        self.model_name = ""
        self.stop = stop
        self.stopped = False  # ended early because stop() asked
        self._pool: Pool | None = None

    def __iter__(self) -> Iterator[PoseStep]:
        self._pool = make_pool(min(self.jobs, len(self.segments)))
        pending: list[AsyncResult[SegmentResult]] = []
        todo = list(self.segments)
        last_t = -math.inf
        frames = 0
        finished = False

        def submit() -> None:
            # At most jobs segments ahead of the consumer: bounded memory.
            assert self._pool is not None
            while todo and len(pending) < self.jobs:
                args = (self.path, todo.pop(0), self.model)
                pending.append(self._pool.apply_async(pose_segment, args))

        try:
            submit()
            while pending:
                while not pending[0].ready():  # a segment takes seconds: stop requests are polled
                    if self.stop is not None and self.stop():
                        self.stopped = True
                        return
                    pending[0].wait(0.1)
                res = pending.pop(0).get()
                submit()
                self.model_name = res.model_name
                for step in res.steps:
                    last_t = step[0]
                    frames += 1
                    yield step
                if res.corrupt is not None:  # a one-process decode stops here too
                    self.decode_error = res.corrupt
                    return
            finished = True
            if frames == 0:
                self.decode_error = "stopped at 0.0 s: no frames could be decoded"
            elif self.duration_s > 0 and last_t + 2.0 / self.fps < self.duration_s - 0.5:
                self.decode_error = (
                    f"stopped at {last_t:.1f} s of {self.duration_s:.1f} s: the file is truncated"
                )
        finally:
            self.close(wait=finished)

    def close(self, wait: bool = False) -> None:
        """Stop the workers: at once (``terminate``), or after their work when ``wait``."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            if wait:
                pool.close()
            else:
                pool.terminate()
            pool.join()


def make_pool(processes: int) -> Pool:
    """Worker processes from a fork server (no threads of this process are copied); they
    ignore Ctrl-C, which the parent handles."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["formcheck.parallel"])
    return ctx.Pool(processes=processes, initializer=_ignore_sigint)
