"""Live coaching: one :class:`LiveCoach` per browser session.

The WebRTC worker thread calls :meth:`LiveCoach.on_frame` (or
:meth:`LiveCoach.process` with a BGR image) for every camera frame. The coach
runs its own pose estimator and its own :class:`ExerciseSession`, draws the
result on the frame, and hands the immutable :class:`FrameResult` to the page
through a small queue (the oldest result is dropped when the page falls
behind). Nothing here touches ``st.*``.

Time comes from the frames (``av.VideoFrame.time``), made relative to the
first frame of the set, never from the wall clock. The wall clock is only
used to notice that frames have *stopped* arriving (camera lost).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from formcheck.coaching import CoachFrame, CoachPhase, RoutineCoach
from formcheck.errors import CameraError, FormcheckError
from formcheck.landmarks import PoseFrame
from formcheck.pose.tracking import PointTracker, tracker_for
from formcheck.record import SessionRecord
from formcheck.results import FaultRaised, FrameResult
from formcheck.routine import Routine
from formcheck.session import ExerciseSession
from formcheck.spec import ExerciseSpec
from formcheck.voice import Utterance, VoiceCues

if TYPE_CHECKING:
    import av

    from formcheck.history.recorder import HistoryRecorder
    from formcheck.pose import PoseEstimator

log = logging.getLogger(__name__)

ImageBGR = npt.NDArray[np.uint8]
EstimatorFactory = Callable[[], "PoseEstimator"]

#: Results kept for the page; at ~10 page updates a second this is ~1 s of slack.
QUEUE_SIZE = 32
#: Frames arriving with a time step smaller than this are treated as duplicates.
MIN_STEP_S = 1e-4
#: No frame for this long while playing: the camera is considered lost.
CAMERA_TIMEOUT_S = 3.0
#: Assumed frame period when the stream's clock jumps backwards (stream restart).
NOMINAL_PERIOD_S = 1 / 30


def frame_time(frame: av.VideoFrame) -> float | None:
    """The frame's presentation time in seconds (``pts * time_base``), or None."""
    t = frame.time
    if t is not None:
        return float(t)
    if frame.pts is not None and frame.time_base is not None:
        return float(frame.pts * frame.time_base)
    return None


def _default_factory() -> PoseEstimator:
    from formcheck.pose import create_estimator

    return create_estimator()


class LiveCoach:
    """One user's live set: estimator, session, result queue and timing.

    Args:
        spec: the exercise.
        side: the working side for specs with sides (None: the spec's first).
        estimator_factory: builds this coach's own estimator (default: the
            MediaPipe backend). Called once, by :meth:`warm_up` or on the first
            frame.
        queue_size: results kept for the page before the oldest is dropped.
        annotate: draw the skeleton and numbers on the returned frames.
    """

    def __init__(
        self,
        spec: ExerciseSpec,
        side: str | None = None,
        estimator_factory: EstimatorFactory | None = None,
        queue_size: int = QUEUE_SIZE,
        annotate: bool = True,
    ) -> None:
        self.spec = spec
        self.session = ExerciseSession(spec, side=side)
        self.tracker: PointTracker | None
        self.tracker = tracker_for(spec.tracked_landmarks)  # optical flow, if the spec uses it
        self.side = self.session.side
        #: the report: a fold of every result this coach's session returned
        self.record = SessionRecord(spec)
        self.results: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self.annotate = annotate
        self._factory = estimator_factory or _default_factory
        self._estimator: PoseEstimator | None = None
        self._lock = threading.RLock()
        self._offset: float | None = None  # stream time of the set's first frame
        self._last_t: float | None = None
        self._last_arrival: float | None = None  # monotonic; camera-loss detection only
        self._final: FrameResult | None = None
        self.frames = 0
        self.errors = 0
        self.error: str | None = None  # last processing error, one line
        self.record.meta["live"] = True

    # -- lifecycle ------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self._final is not None

    @property
    def last_t(self) -> float:
        """Time of the latest frame, seconds since the set's first frame."""
        return 0.0 if self._last_t is None else self._last_t

    def warm_up(self) -> None:
        """Create the pose estimator now (loading the model takes about a second)."""
        with self._lock:
            self._ensure_estimator()

    def _ensure_estimator(self) -> PoseEstimator:
        if self._estimator is None:
            est = self._factory()
            enter = getattr(est, "__enter__", None)
            if enter is not None:
                est = enter()
            self._estimator = est
        return self._estimator

    def close(self) -> None:
        """Release the estimator. Safe to call more than once."""
        with self._lock:
            est, self._estimator = self._estimator, None
        if est is not None:
            exit_ = getattr(est, "__exit__", None)
            if exit_ is not None:
                exit_(None, None, None)

    # -- frames ---------------------------------------------------------------

    def _set_time(self, stream_t: float) -> float:
        """Stream time -> set time: relative to the first frame, strictly increasing.

        A stream restart (or an RTP clock that jumps backwards) re-anchors the
        clock so the set's time keeps going forward by one nominal frame.
        """
        if self._offset is None:
            self._offset = stream_t
        t = stream_t - self._offset
        if self._last_t is not None and t <= self._last_t:
            if self._last_t - t > 1.0:  # a real jump back: re-anchor
                self._offset = stream_t - (self._last_t + NOMINAL_PERIOD_S)
                t = self._last_t + NOMINAL_PERIOD_S
            else:  # duplicate or jitter: nudge forward
                t = self._last_t + MIN_STEP_S
        return t

    def process(self, image_bgr: ImageBGR, t_s: float) -> ImageBGR:
        """Step the set with one camera image taken at stream time ``t_s``.

        Returns the annotated image (the input itself when annotation is off
        or the set is over). Errors are caught and kept in :attr:`error`: a
        bad frame never kills the stream.
        """
        with self._lock:
            self._last_arrival = time.monotonic()
            if self._final is not None:
                return image_bgr
            t = self._set_time(t_s)
            try:
                est = self._ensure_estimator()
                pose: PoseFrame | None = est.estimate(image_bgr, t)
                tracker = self._tracker()
                if tracker is not None:
                    pose = tracker.update(image_bgr, pose)
                result = self._analyse(pose, t)
            except FormcheckError as err:
                self._note_error(str(err))
                return image_bgr
            except Exception as err:  # a frame must never kill the stream
                log.exception("live frame failed")
                self._note_error(f"{type(err).__name__}: {err}")
                return image_bgr
            self._last_t = t
            self.frames += 1
        self._publish(result)
        if not self.annotate:
            return image_bgr
        return self._draw(image_bgr, pose, result)

    def _tracker(self) -> PointTracker | None:
        return self.tracker

    def _analyse(self, pose: PoseFrame | None, t: float) -> Any:
        """Step the engine with one pose; what the page is handed (a FrameResult here)."""
        result = self.session.step(pose, t)
        self.record.consume(result)
        return result

    def on_frame(self, frame: av.VideoFrame) -> av.VideoFrame:
        """The ``video_frame_callback`` for streamlit-webrtc."""
        import av as _av

        t = frame_time(frame)
        if t is None:  # no timestamp: cannot time reps honestly
            self._note_error("the camera stream has no timestamps")
            return frame
        image: ImageBGR = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
        out = self.process(image, t)
        if out is image and not self.annotate:
            return frame
        return _av.VideoFrame.from_ndarray(out, format="bgr24")

    def _draw(self, image: ImageBGR, pose: PoseFrame | None, result: Any) -> ImageBGR:
        from formcheck.render import annotate

        try:
            return annotate(
                image,
                pose,
                result,
                title=self.spec.name + (f" ({result.side})" if result.side else ""),
                reps_target=self.spec.count_target,
                hold_target_s=self.spec.hold_target_s,
                count_label=self.spec.count_label,
            )
        except Exception as err:
            log.exception("drawing failed")
            self._note_error(f"drawing failed: {err}")
            return image

    def _note_error(self, message: str) -> None:
        self.errors += 1
        self.error = message

    def _publish(self, result: Any) -> None:
        while True:
            try:
                self.results.put_nowait(result)
                return
            except queue.Full:
                try:
                    self.results.get_nowait()  # drop the oldest
                except queue.Empty:
                    pass

    # -- page side --------------------------------------------------------------

    def drain(self) -> list[Any]:
        """All results published since the last call, oldest first."""
        out: list[Any] = []
        while True:
            try:
                out.append(self.results.get_nowait())
            except queue.Empty:
                return out

    @property
    def analysed_fps(self) -> float | None:
        """Frames analysed per second of stream time (dropped frames are not analysed)."""
        if self.frames < 2 or self._last_t is None or self._last_t <= 0:
            return None
        return (self.frames - 1) / self._last_t

    def faults(self) -> list[FaultRaised]:
        """Faults raised so far in this set (from the record, so none are lost to the queue)."""
        with self._lock:
            return list(self.record.faults)

    def by_direction(self) -> dict[str, dict[str, Any]]:
        """Reps and holds so far per direction of a two-way exercise (empty for one-way)."""
        with self._lock:
            return self.record.by_direction()

    def camera_silence_s(self, now: float | None = None) -> float | None:
        """Seconds since the last frame arrived (monotonic clock), None before the first."""
        if self._last_arrival is None:
            return None
        return (time.monotonic() if now is None else now) - self._last_arrival

    def check_camera(self, timeout_s: float = CAMERA_TIMEOUT_S, now: float | None = None) -> None:
        """Raise CameraError when frames stopped arriving; the set's record is kept."""
        silence = self.camera_silence_s(now)
        if silence is not None and silence > timeout_s and not self.finished:
            raise CameraError(
                f"The camera stopped sending video {silence:.0f} s ago; your set so far is kept. "
                "Check the camera and press Start, or end the set."
            )

    def finish(self) -> SessionRecord:
        """End the set (thread-safe, idempotent): close open reps and holds; keep the record."""
        with self._lock:
            if self._final is None:
                self._final = self.session.finish(self.last_t)
                self.record.consume(self._final)
                self._publish(self._final)
        self.close()
        return self.record

    def stop(self, reason: str) -> SessionRecord:
        """The user stopped the set (e.g. pain): record why; nothing is counted after."""
        with self._lock:
            if self._final is None:
                self._final = self.session.stop(reason, self.last_t)
                self.record.consume(self._final)
                self._publish(self._final)
        self.close()
        return self.record


class LiveRoutine(LiveCoach):
    """Live coaching of a whole routine (or one exercise's prescription): camera check,
    3-2-1, each set to its target, rests, sides and the next exercise
    (:class:`~formcheck.coaching.RoutineCoach`), with spoken cues
    (:class:`~formcheck.voice.VoiceCues`).

    The worker thread publishes a :class:`~formcheck.coaching.CoachFrame` per frame and
    queues what to say; the page drains both. ``records`` holds every set's report.
    """

    def __init__(
        self,
        routine: Routine,
        estimator_factory: EstimatorFactory | None = None,
        queue_size: int = QUEUE_SIZE,
        annotate: bool = True,
        ready_s: float | None = None,
        history: HistoryRecorder | None = None,
    ) -> None:
        first = routine.items[0]
        super().__init__(first.spec, first.sides[0], estimator_factory, queue_size, annotate)
        self.routine = routine
        #: the history database's session (every set written as it happens), if any
        self.history = history
        self.coach = RoutineCoach(routine, ready_s=ready_s, history=history)
        self.voice = VoiceCues()
        self.said: queue.Queue[Utterance] = queue.Queue(maxsize=64)
        self._trackers: dict[str, PointTracker | None] = {}
        self._last_frame: CoachFrame | None = None

    @property
    def records(self) -> list[SessionRecord]:
        with self._lock:
            return list(self.coach.records)

    def _tracker(self) -> PointTracker | None:
        spec = self.coach.current_spec()
        if spec.id not in self._trackers:
            self._trackers[spec.id] = tracker_for(spec.tracked_landmarks)
        return self._trackers[spec.id]

    def _analyse(self, pose: PoseFrame | None, t: float) -> Any:
        frame = self.coach.step(pose, t)
        self._say(frame)
        self._last_frame = frame
        return frame

    def _say(self, frame: CoachFrame) -> None:
        for u in self.voice.consume(frame):
            try:
                self.said.put_nowait(u)
            except queue.Full:  # nobody is draining (the page is gone): drop the oldest
                try:
                    self.said.get_nowait()
                except queue.Empty:
                    pass
                self.said.put_nowait(u)

    def utterances(self) -> list[Utterance]:
        """Lines to speak since the last call, oldest first (the page sends them on)."""
        out: list[Utterance] = []
        while True:
            try:
                out.append(self.said.get_nowait())
            except queue.Empty:
                return out

    def _draw(self, image: ImageBGR, pose: PoseFrame | None, result: Any) -> ImageBGR:
        from formcheck.render import annotate, annotate_coach

        frame: CoachFrame = result
        try:
            if frame.result is not None and frame.phase == CoachPhase.ACTIVE:
                spec = self.coach.current_spec()
                return annotate(
                    image,
                    pose,
                    frame.result,
                    reps_target=frame.target if frame.target_label == "reps" else None,
                    hold_target_s=frame.hold_target_s,
                    count_label=spec.count_label,
                    compact=True,
                )
            return annotate_coach(image, pose, frame)
        except Exception as err:
            log.exception("drawing failed")
            self._note_error(f"drawing failed: {err}")
            return image

    def _control(self, action: Callable[[], None]) -> None:
        with self._lock:
            action()
            snap = self.coach.snapshot()
            self._say(snap)
            self._last_frame = snap
        self._publish(snap)

    def skip(self) -> None:
        """Skip the rest of the current exercise."""
        self._control(lambda: self.coach.skip(self.last_t))

    def next_step(self) -> None:
        """End the current set or rest now and go on."""
        self._control(lambda: self.coach.next_step(self.last_t))

    def finish(self) -> SessionRecord:
        """End the routine now; every set so far is kept (:attr:`records`). Returns the
        last set's record."""
        return self._end(lambda: self.coach.finish(self.last_t), "finished")

    def stop(self, reason: str) -> SessionRecord:
        """Stopped for ``reason`` (pain): the set under way records it; nothing more is
        asked. Returns that set's record."""
        return self._end(lambda: self.coach.stop(reason, self.last_t), "stopped", reason)

    def interrupt(self, reason: str) -> SessionRecord:
        """The page went away mid-routine (a closed tab): keep every set, and mark the
        one under way as interrupted in the history."""
        return self._end(
            lambda: self.coach.finish(self.last_t, interrupted=reason), "interrupted", reason
        )

    def _end(
        self, action: Callable[[], None], status: str, reason: str | None = None
    ) -> SessionRecord:
        if not self.finished:
            self._control(action)
            with self._lock:
                self._final = self.session.finish(self.last_t)  # marks this coach finished
            if self.history is not None:
                self.history.end(status, reason)
        self.close()
        records = self.records
        return records[-1] if records else self.record

    @property
    def last_frame(self) -> CoachFrame | None:
        return self._last_frame


def snapshot(coach: LiveCoach) -> dict[str, Any]:
    """Small status dict for logging and tests."""
    return {
        "exercise": coach.spec.id,
        "side": coach.side,
        "frames": coach.frames,
        "t_s": round(coach.last_t, 3),
        "reps": coach.record.reps,
        "finished": coach.finished,
        "error": coach.error,
    }
