"""Clip review: decode -> pose -> session -> record (and an annotated video).

Decoding runs in a background thread so it overlaps with pose estimation on
the other core; the pipeline should keep most of the raw pose throughput
(benchmarks/bench_pipeline.py measures it).
"""

from __future__ import annotations

import contextlib
import pickle
import queue
import tempfile
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from formcheck.coaching import set_target
from formcheck.cuts import CutDetector
from formcheck.landmarks import PoseFrame
from formcheck.pose import PoseEstimator, create_estimator
from formcheck.pose.tracking import tracker_for
from formcheck.record import SessionRecord
from formcheck.results import FrameResult
from formcheck.session import ExerciseSession
from formcheck.spec import ExerciseSpec
from formcheck.video import VideoFrame, VideoSource, VideoWriter, open_video

if TYPE_CHECKING:
    from formcheck.history import HistoryRecorder, SetSink
    from formcheck.parallel import SegmentedPoses

T = TypeVar("T")
Progress = Callable[[int, int], None]
#: How many times the user has asked to stop (Ctrl-C, SIGTERM); see ``review_clip(stop=...)``.
StopRequests = Callable[[], int]

_END = object()


def prefetch(items: Iterable[T], size: int = 8) -> Generator[T, None, None]:
    """Iterate ``items`` in a background thread, ``size`` items ahead.

    Exceptions raised by the producer are re-raised in the consumer. When the
    consumer stops early (a ``break``, an interrupt), the producer thread is
    stopped and joined before this generator closes, so the caller can close
    what the items come from (a video file) without a thread still reading it.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=size)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as err:  # handed to the consumer
            put(err)

    th = threading.Thread(target=produce, daemon=True, name="formcheck-decode")
    th.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        th.join(timeout=10.0)


@dataclass(frozen=True, slots=True)
class ReviewResult:
    record: SessionRecord
    side: str | None
    side_auto: bool  # the side was chosen from the clip, not given
    fps: float
    frames: int
    frames_with_person: int
    duration_s: float
    decode_error: str | None
    annotated_path: Path | None
    interrupted: bool = False  # stopped on request before the end of the clip
    annotated_frames: int = 0  # frames drawn into annotated_path


def _choose(records: dict[str | None, SessionRecord]) -> str | None:
    """The side whose record saw the exercise: most reps, then longest hold, fewest faults."""

    def score(item: tuple[str | None, SessionRecord]) -> tuple[int, float, int]:
        rec = item[1]
        return (rec.reps, rec.best_hold_s, -len(rec.faults))

    return max(records.items(), key=score)[0]


def review_clip(
    path: str | Path,
    spec: ExerciseSpec,
    side: str | None = None,
    estimator: PoseEstimator | None = None,
    annotated_out: str | Path | None = None,
    progress: Progress | None = None,
    stop: StopRequests | None = None,
    history: HistoryRecorder | None = None,
    jobs: int = 1,
    pose_model: str | None = None,
) -> ReviewResult:
    """Review a recorded clip against ``spec``.

    With a spec that has sides and ``side=None``, both sides are scored from
    the same poses and the side the person actually worked is kept.
    Raises VideoError for unreadable clips (before any work is lost: a clip
    that breaks part-way is reviewed up to the break, and ``decode_error``
    says where).

    ``stop`` is polled before each frame: once it returns 1 or more the review
    stops there (``interrupted``; the sessions are not finished, so the record
    shows the set as still open) and the annotated video covers the frames
    reviewed. When the side was automatic that video is drawn afterwards; a
    further stop request cuts the drawing short too (``annotated_frames``).

    With ``history``, each side's set is written to the history database as it is
    counted (both candidate sides while the side is still unknown; the other is dropped
    at the end). A review that stops part-way (an error, ``stop``) is kept there, marked
    interrupted.

    With ``jobs`` > 1, no ``estimator`` and a spec that tracks no landmarks with optical
    flow, the poses are estimated by ``jobs`` processes, each on a segment of the clip
    with a model of its own (``pose_model``: None for the bundled model, or a ``.task``
    file; see :mod:`formcheck.parallel`); the engine still runs once here over the whole
    timeline. The landmarks after a segment's start are within a pixel or two of a
    one-process review's, not identical, so a rule near its threshold can decide
    differently there (docs/parallel.md).
    """
    sides: list[str | None] = [side] if (side or not spec.has_sides) else ["left", "right"]
    sessions = {s: ExerciseSession(spec, side=s) for s in sides}
    records = {s: SessionRecord(spec) for s in sides}
    auto = len(sides) > 1
    sinks: dict[str | None, SetSink] = {}
    segmented: SegmentedPoses | None = None
    # Not for a spec that measures in tracked space: a tracked point is relative to where
    # its tracking began, and a segment would begin it elsewhere (a hip hike's 2-3 cm lift
    # is then measured from another key frame: a rep was lost in the tests).
    if jobs > 1 and estimator is None and not spec.tracked_landmarks:
        from formcheck.parallel import SegmentedPoses

        segmented = SegmentedPoses(str(path), jobs, pose_model, stop=lambda: stops())
        if len(segmented.segments) == 1:  # too short to share out: this process does it
            segmented = None
    own_estimator = estimator is None and segmented is None
    est: PoseEstimator | None = estimator
    if own_estimator:
        est = create_estimator(model=pose_model)
    # Only the render pass after an automatic side needs every pose and result (see
    # _render_pass): they go to a temporary file, so memory doesn't grow with the clip.
    spool = _Spool() if auto and annotated_out is not None else None
    frames = with_person = 0
    last_t = 0.0
    writer: VideoWriter | None = None
    inline_render = annotated_out is not None and not auto
    tracker = tracker_for(spec.tracked_landmarks)
    interrupted = False
    annotated_frames = 0

    def stops() -> int:
        return 0 if stop is None else stop()

    def step(t_s: float, pose: PoseFrame | None, is_cut: bool, vf: VideoFrame | None) -> None:
        nonlocal frames, with_person, last_t
        if is_cut:
            for sess in sessions.values():
                sess.mark_cut(t_s)
        frames += 1
        with_person += pose is not None
        last_t = t_s
        first: FrameResult | None = None
        step_results: dict[str | None, FrameResult] = {}
        for s, sess in sessions.items():
            res = sess.step(pose, t_s)
            records[s].consume(res)
            first = res if first is None else first
            step_results[s] = res
            if s in sinks:
                sinks[s].consume(res)
        if spool is not None:
            spool.append((pose, step_results))
        if writer is not None and vf is not None and first is not None:
            writer.write(_annotate(vf, pose, first, spec))
        if progress is not None:
            progress(frames, total)

    with open_video(path) as src:
        total = src.frame_count_estimate
        if history is not None:  # the clip opened: its sets begin
            target, label, hold_s = set_target(spec)
            for s in sides:
                sinks[s] = history.begin_set(
                    spec, s, 1, 1, target, label, hold_s, 0.0, provisional=auto
                )
        try:
            if own_estimator and est is not None:
                est.__enter__()
            if inline_render:
                assert annotated_out is not None
                writer = VideoWriter(annotated_out, src.fps, src.size)
                writer.__enter__()
            if segmented is not None:
                interrupted = _run_segmented(segmented, src, writer is not None, stops, step)
            else:
                assert est is not None
                cuts = CutDetector()
                # Decoding and cut detection run in the prefetch thread.
                # Closed explicitly: its decode thread is joined before the clip closes.
                with contextlib.closing(
                    prefetch((vf, cuts.step(vf.image)) for vf in src)
                ) as decoded:
                    for vf, is_cut in decoded:
                        if stops():
                            interrupted = True
                            break
                        pose = est.estimate(vf.image, vf.t_s)
                        if tracker is not None:
                            pose = tracker.update(vf.image, pose)
                        step(vf.t_s, pose, is_cut, vf)
        except BaseException as err:
            if history is not None:  # keep what was counted, marked as interrupted
                history.end("interrupted", _why_stopped(err))
            raise
        finally:
            if writer is not None:
                writer.__exit__(None, None, None)
                annotated_frames = writer.frames_written
            if own_estimator and est is not None:
                est.__exit__(None, None, None)
        decode_error = src.decode_error if segmented is None else segmented.decode_error
        fps = src.fps
        length_s = src.duration_s
    if not interrupted:
        for s, sess in sessions.items():
            final = sess.finish(last_t)
            records[s].consume(final)
            if s in sinks:
                sinks[s].consume(final)
    chosen = _choose(records) if auto else sides[0]
    if history is not None:
        history.keep_only(sinks[chosen])
        if interrupted:
            history.end("interrupted", f"the review was stopped at {last_t:.1f} s")
        else:
            history.end("finished")
    record = records[chosen]
    if auto and annotated_out is not None:
        # After an interrupt the frames reviewed are drawn unless the user asks again.
        asked = stops() if interrupted else 0
        assert spool is not None
        with spool:
            annotated_frames = _render_pass(
                path, annotated_out, spec, spool, chosen, lambda: stops() > asked
            )
    if segmented is not None:
        model_name = segmented.model_name or "mediapipe-pose-full"
    else:
        model_name = getattr(est, "name", type(est).__name__)
    record.meta.update(
        {
            "file": Path(path).name,
            "fps": round(fps, 3),
            "frames": frames,
            "frames_with_person": with_person,
            "duration_s": round(last_t, 3),
            "length_s": round(length_s, 3),
            "decode_error": decode_error,
            "side_chosen_automatically": auto,
            "pose_model": model_name,
        }
    )
    return ReviewResult(
        record=record,
        side=chosen,
        side_auto=auto,
        fps=fps,
        frames=frames,
        frames_with_person=with_person,
        duration_s=last_t,
        decode_error=decode_error,
        annotated_path=Path(annotated_out) if annotated_out is not None else None,
        interrupted=interrupted,
        annotated_frames=annotated_frames,
    )


def _run_segmented(
    segmented: SegmentedPoses,
    src: VideoSource,
    draw: bool,
    stops: Callable[[], int],
    step: Callable[[float, PoseFrame | None, bool, VideoFrame | None], None],
) -> bool:
    """Feed the poses of the worker processes to ``step`` in time order; True if stopped.

    When drawing the annotated video, this process decodes the clip alongside (in the
    prefetch thread) and pairs each picture with its pose by time.
    """
    with contextlib.ExitStack() as stack:
        pictures = stack.enter_context(contextlib.closing(prefetch(iter(src)))) if draw else None
        stack.callback(segmented.close)
        for t_s, pose, is_cut in segmented:
            if stops():
                return True
            vf = None
            if pictures is not None:
                vf = next(pictures, None)
                while vf is not None and vf.t_s < t_s:
                    vf = next(pictures, None)
                if vf is not None and vf.t_s != t_s:
                    vf = None
            step(t_s, pose, is_cut, vf)
    return segmented.stopped


def _why_stopped(err: BaseException) -> str:
    if isinstance(err, KeyboardInterrupt):
        return "the review was interrupted (Ctrl-C)"
    return f"the review stopped: {err}".strip()


def _annotate(
    vf: VideoFrame, pose: PoseFrame | None, result: FrameResult, spec: ExerciseSpec
) -> np.ndarray:
    from formcheck.render import annotate

    return annotate(
        vf.image,
        pose,
        result,
        title=spec.name + (f" ({result.side})" if result.side else ""),
        reps_target=spec.count_target,
        hold_target_s=spec.hold_target_s,
        count_label=spec.count_label,
    )


class _Spool:
    """Items written one after another to an unnamed temporary file, read back in order."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self.count = 0

    def append(self, item: object) -> None:
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __iter__(self) -> Iterator[Any]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            yield pickle.load(self._file)

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


def _render_pass(
    path: str | Path,
    out: str | Path,
    spec: ExerciseSpec,
    spool: _Spool,
    side: str | None,
    stop: Callable[[], bool],
) -> int:
    """Second decode, drawing ``side``'s results from ``spool`` (when the side was automatic).

    Draws the frames that were reviewed, or fewer when ``stop()`` turns true; returns how many.
    """
    with open_video(path) as src, VideoWriter(out, src.fps, src.size) as writer:
        for vf, (pose, results) in zip(src, spool, strict=False):
            if stop():
                break
            writer.write(_annotate(vf, pose, results[side], spec))
    return writer.frames_written
