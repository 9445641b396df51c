"""One browser session's live coaching: the current coach, the last finished set, what
the panel shows. The live page drives it; tests drive it the same way without a
browser (tests/test_live_state.py). Nothing here imports streamlit.

The WebRTC worker thread only calls :meth:`LiveState.on_frame`; everything
else runs in the page's script thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from formcheck import ui_helpers as ui
from formcheck.live import LiveCoach
from formcheck.record import SessionRecord
from formcheck.results import FaultRaised
from formcheck.spec import ExerciseSpec

CoachFactory = Callable[[ExerciseSpec, str | None], LiveCoach]


def _default_coach(spec: ExerciseSpec, side: str | None) -> LiveCoach:
    return LiveCoach(spec, side)


@dataclass
class LiveState:
    """Per browser session: the current coach, the last finished set, the panel's view."""

    coach_factory: CoachFactory = _default_coach
    key: tuple[str, str | None] | None = None  # (exercise id, side) of the current coach
    coach: LiveCoach | None = None
    last_record: SessionRecord | None = None
    fault_feed: list[FaultRaised] = field(default_factory=list)
    status: ui.LiveStatus | None = None
    stop_stream: bool = False  # End set / Stop pressed: stop the camera stream on the next run

    def on_frame(self, frame: Any) -> Any:
        """The video_frame_callback: runs in the WebRTC worker thread, never calls st.*."""
        coach = self.coach
        return frame if coach is None else coach.on_frame(frame)

    def select(self, spec: ExerciseSpec, side: str | None) -> bool:
        """The page shows ``spec`` (and ``side``). When that changed, keep the old coach's
        set (if it saw frames), close it and start afresh. Returns whether it changed."""
        key = (spec.id, side)
        if self.key == key:
            return False
        self.keep_set()
        if self.coach is not None:
            self.coach.close()
        self.coach = None
        self.key, self.fault_feed, self.status = key, [], None
        return True

    def keep_set(self, reason: str | None = None) -> None:
        """Finish the current coach's set (if it saw frames) and keep its record.

        The finished coach stays in place (it passes frames through untouched) until
        the stream has stopped; only then does a fresh coach take over.
        """
        coach = self.coach
        if coach is None or coach.finished:
            return
        if coach.frames > 0 or reason is not None:
            self.last_record = coach.stop(reason) if reason is not None else coach.finish()

    def end_set(self, reason: str | None = None) -> None:
        """*End set* (reason None) or *Stop (pain)*: keep the set, stop the camera stream."""
        self.keep_set(reason)
        self.stop_stream = True

    def ready_coach(self, spec: ExerciseSpec, side: str | None, playing: bool) -> bool:
        """Make sure a coach for ``spec`` is ready for the next set: a new one when there is
        none, or when the last one finished and the stream is off. Returns whether a new
        coach was made (the page then warms its model up while the camera is off)."""
        self.select(spec, side)
        if self.coach is None or (self.coach.finished and not playing):
            self.coach = self.coach_factory(spec, side)
            self.fault_feed, self.status = [], None
            return True
        return False

    def refresh(self) -> ui.LiveStatus:
        """Take the results the coach published since the last call; the panel's status."""
        coach = self.coach
        if coach is None:
            raise RuntimeError("no coach: call ready_coach() first")
        results = coach.drain()
        if results:
            self.status = ui.LiveStatus.from_result(
                results[-1], coach.spec, by_direction=coach.by_direction()
            )
        self.fault_feed = coach.faults()
        return self.current_status()

    def current_status(self) -> ui.LiveStatus:
        """The latest status, or the waiting one before the first frame."""
        if self.status is not None:
            return self.status
        coach = self.coach
        if coach is None:
            raise RuntimeError("no coach: call ready_coach() first")
        return ui.LiveStatus.waiting(coach.spec, coach.side)
