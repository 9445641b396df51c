"""One browser session's live coaching: the routine under way, what the panel shows,
what to say, the last finished routine and the pain scores. The live page drives it;
tests drive it the same way without a browser (tests/test_live_state.py). Nothing here
imports streamlit.

The WebRTC worker thread only calls :meth:`LiveState.on_frame`; everything else runs
in the page's script thread.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.coaching import CoachFrame
from formcheck.history import HistoryError, HistoryRecorder, HistoryStore
from formcheck.live import LiveRoutine
from formcheck.record import SessionRecord
from formcheck.results import FaultRaised
from formcheck.routine import Routine
from formcheck.voice import Utterance

CoachFactory = Callable[[Routine, HistoryRecorder | None], LiveRoutine]
_RUNS = itertools.count(1)
CLOSED_TAB = "the page was closed during the set"


def _default_coach(routine: Routine, history: HistoryRecorder | None) -> LiveRoutine:
    return LiveRoutine(routine, history=history)


@dataclass
class FinishedRoutine:
    """A routine that ended: its sets' records and how it ended."""

    routine: Routine
    records: list[SessionRecord]
    rows: list[dict[str, object]]
    stopped: str | None
    skipped: list[str]
    pain_before: int | None = None
    pain_after: int | None = None
    history: HistoryRecorder | None = None  # where its sets were saved

    def set_pain_after(self, score: int | None) -> None:
        if score == self.pain_after:
            return
        self.pain_after = score
        if self.history is not None:
            try:
                self.history.pain("after", score)
            except HistoryError:
                pass  # the page shows the history's error already


@dataclass
class LiveState:
    """Per browser session: the live routine, the panel's view, speech, the last routine."""

    coach_factory: CoachFactory = _default_coach
    key: str | None = None  # the routine's key (its id, or "exercise:side")
    coach: LiveRoutine | None = None
    run: int = 0  # numbers each coach, so the browser never repeats a line of an old one
    frame: CoachFrame | None = None
    fault_feed: list[FaultRaised] = field(default_factory=list)
    finished: FinishedRoutine | None = None
    stop_stream: bool = False  # End / Stop pressed: stop the camera stream on the next run
    pain_before: int | None = None
    speech: list[tuple[str, Utterance]] = field(default_factory=list)  # (id, line), newest last
    by_direction: dict[str, dict[str, Any]] = field(default_factory=dict)  # the set's, per way
    #: save every set to the history database (``history_path``; None: the default file)
    save: bool = True
    history_path: Path | None = None
    history_error: str | None = None  # one line, when the history can't be written
    _store: HistoryStore | None = None
    _pain_sent: int | None = None

    def on_frame(self, frame: Any) -> Any:
        """The video_frame_callback: runs in the WebRTC worker thread, never calls st.*."""
        coach = self.coach
        return frame if coach is None else coach.on_frame(frame)

    def select(self, key: str) -> bool:
        """The page shows routine ``key``. When that changed, keep what the old coach did
        (if it saw frames) and drop it. Returns whether it changed."""
        if self.key == key:
            return False
        self.keep()
        if self.coach is not None:
            self.coach.close()
        self.coach, self.key, self.frame, self.fault_feed = None, key, None, []
        return True

    def ready_coach(self, routine: Routine, playing: bool) -> bool:
        """A coach for the next run of ``routine``: a new one when there is none, or when
        the last one finished and the stream is off. Returns whether one was made (the page
        then loads its model while the camera is off)."""
        if self.coach is None or (self.coach.finished and not playing):
            self.coach = self.coach_factory(routine, self._recorder(routine))
            self._pain_sent = None
            self.run = next(_RUNS)
            self.frame, self.fault_feed = None, []
            return True
        return False

    def set_save(self, save: bool) -> None:
        """Save (or not) the next run's sets; a coach that has seen no frame yet is remade."""
        if save == self.save:
            return
        self.save = save
        coach = self.coach
        if coach is not None and coach.frames == 0 and not coach.finished:
            coach.close()
            self.coach = None

    def _recorder(self, routine: Routine) -> HistoryRecorder | None:
        """A new session in the history for the next run (None when not saving)."""
        if not self.save:
            return None
        try:
            if self._store is None:
                self._store = HistoryStore(self.history_path)
        except HistoryError as err:
            self.history_error = str(err)
            return None
        self.history_error = None
        return HistoryRecorder(
            self._store,
            "live",
            routine=routine.id,
            routine_name=routine.name,
            planned_per_week=routine.days_per_week,
        )

    def _send_pain_before(self) -> None:
        coach = self.coach
        if coach is None or coach.history is None or self.pain_before == self._pain_sent:
            return
        self._pain_sent = self.pain_before
        try:
            coach.history.pain("before", self.pain_before)
        except HistoryError as err:
            self.history_error = str(err)

    def abandon(self) -> None:
        """The tab was closed mid-routine: keep its sets; the history marks the set under
        way as interrupted."""
        coach = self.coach
        if coach is None or coach.finished or coach.frames == 0:
            self.keep()
            return
        coach.interrupt(CLOSED_TAB)
        self._finished_from(coach)

    def keep(self, reason: str | None = None) -> None:
        """End the routine under way (if it saw frames) and keep its sets."""
        coach = self.coach
        if coach is None or coach.finished:
            return
        if coach.frames == 0 and reason is None:
            return
        self._send_pain_before()
        if reason is not None:
            coach.stop(reason)
        else:
            coach.finish()
        self._finished_from(coach)

    def _finished_from(self, coach: LiveRoutine) -> None:
        self._take_speech()
        self.frame = coach.last_frame
        self.finished = FinishedRoutine(
            coach.routine,
            coach.records,
            coach.coach.summary_rows(),
            coach.coach.stopped,
            list(coach.coach.skipped),
            self.pain_before,
            history=coach.history,
        )
        if coach.history is not None and coach.history.errors:
            self.history_error = coach.history.errors[-1]

    def end(self, reason: str | None = None) -> None:
        """*End* (reason None) or *Stop (pain)*: keep the routine, stop the camera."""
        self.keep(reason)
        self.stop_stream = True

    def skip(self) -> None:
        if self.coach is not None and not self.coach.finished:
            self.coach.skip()

    def next_step(self) -> None:
        if self.coach is not None and not self.coach.finished:
            self.coach.next_step()

    def refresh(self) -> CoachFrame | None:
        """Take what the coach published since the last call; the frame to show."""
        coach = self.coach
        if coach is None:
            raise RuntimeError("no coach: call ready_coach() first")
        frames = coach.drain()
        if coach.frames:
            self._send_pain_before()
        if frames:
            self.frame = frames[-1]
        live = coach.coach.live_set()
        self.fault_feed = list(live.record.faults) if live is not None else []
        self.by_direction = live.record.by_direction() if live is not None else {}
        self._take_speech()
        if coach.coach.done and not coach.finished:
            self.keep()  # the routine played to its end: keep it like End does
        return self.frame

    def _take_speech(self) -> None:
        coach = self.coach
        if coach is None:
            return
        for u in coach.utterances():
            self.speech.append((f"{self.run}-{u.seq}", u))
        del self.speech[:-8]  # the browser only needs the newest few

    def set_pain_after(self, score: int | None) -> None:
        if self.finished is not None:
            self.finished.set_pain_after(score)
