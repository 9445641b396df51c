"""Writing the history from the engine's event stream.

:class:`HistoryRecorder` is one session (a live routine, or a clip review) in the
database. Each set gets a :class:`SetSink`, a :class:`~formcheck.results.ResultSink`
fed the same :class:`~formcheck.results.FrameResult` stream as the report: every event
(a rep, a hold, a fault, a span it could not assess) is committed the frame it
happens, so a killed process loses at most the rep under way. Frame tallies (share
assessed) are written with each event and every few seconds of frame time.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from formcheck.history.store import HistoryError, HistoryStore
from formcheck.results import (
    Assessing,
    CannotAssess,
    FaultRaised,
    FrameResult,
    HoldEnded,
    PartialRep,
    RepCompleted,
    SetEnded,
    Stopped,
    ViewSeen,
)

if TYPE_CHECKING:
    from formcheck.spec import ExerciseSpec

#: Frame tallies are written at least this often (frame time), besides at each event.
TALLY_EVERY_S = 2.0


def _rom_target(spec: ExerciseSpec) -> tuple[str | None, float | None, str | None, bool]:
    """The rep feature, and the value the active position must pass (the spec's target)."""
    motion = spec.reps[0] if spec.reps else (spec.hold.motion if spec.hold else None)
    if motion is None:
        return None, None, None, False
    return motion.feature, motion.enter.value, motion.enter.direction, motion.relative


class SetSink:
    """One set's rows, written as its results arrive (a ResultSink)."""

    def __init__(self, store: HistoryStore, set_id: int, session_id: int) -> None:
        self.store = store
        self.set_id = set_id
        self.session_id = session_id
        self.frames = self.with_person = self.assessed = 0
        self.reps = self.holds = self.partials = 0
        self.best_hold_s = 0.0
        self._open_span: int | None = None
        self._tally_t: float | None = None
        self.closed = False
        self.error: str | None = None

    def consume(self, result: FrameResult) -> None:
        if self.closed:
            return
        if result.frame:
            self.frames += 1
            self.with_person += result.person
            self.assessed += result.assessed
        try:
            wrote = False
            for ev in result.events:
                wrote |= self._event(ev)
            due = self._tally_t is None or result.t_s - self._tally_t >= TALLY_EVERY_S
            if wrote or due or not result.frame:
                self._tally(result.t_s)
        except HistoryError as err:  # a full disk must not stop the coaching
            self.error = str(err)

    def _event(self, ev: object) -> bool:
        s = self.store
        if isinstance(ev, RepCompleted):
            self.reps += 1
            s.insert(
                "reps",
                set_id=self.set_id,
                idx=ev.index,
                full=1,
                start_s=ev.start_s,
                top_s=ev.top_s,
                end_s=ev.end_s,
                peak=ev.peak,
                rom=ev.rom,
                direction=ev.direction,
                at_clip_end=int(ev.at_clip_end),
            )
        elif isinstance(ev, PartialRep):
            self.partials += 1
            s.insert(
                "reps",
                set_id=self.set_id,
                idx=None,
                full=0,
                start_s=ev.start_s,
                end_s=ev.t_s,
                peak=ev.peak,
                direction=ev.direction,
            )
        elif isinstance(ev, HoldEnded):
            if ev.counted:
                self.holds += 1
                self.best_hold_s = max(self.best_hold_s, ev.held_s)
            s.insert(
                "holds",
                set_id=self.set_id,
                idx=ev.index,
                start_s=ev.start_s,
                end_s=ev.t_s,
                held_s=ev.held_s,
                counted=int(ev.counted),
                direction=ev.direction,
            )
        elif isinstance(ev, FaultRaised):
            s.insert(
                "faults",
                set_id=self.set_id,
                t_s=ev.t_s,
                rule=ev.rule,
                cue=ev.cue,
                value=ev.value,
                rep=ev.rep,
            )
        elif isinstance(ev, CannotAssess):
            self._end_span(ev.t_s)
            self._open_span = s.insert(
                "unassessed", set_id=self.set_id, start_s=ev.t_s, code=ev.code, reason=ev.reason
            )
        elif isinstance(ev, Assessing):
            self._end_span(ev.t_s)
        elif isinstance(ev, ViewSeen):
            s.update("sets", self.set_id, view=ev.view)
        elif isinstance(ev, Stopped):
            self._end_span(ev.t_s)
            s.update("sets", self.set_id, status="stopped", stop_reason=ev.reason, ended_s=ev.t_s)
        elif isinstance(ev, SetEnded):
            self._end_span(ev.t_s)
            s.update("sets", self.set_id, ended_s=ev.t_s)
        else:
            return False
        return True

    def _end_span(self, t_s: float) -> None:
        if self._open_span is not None:
            self.store.update("unassessed", self._open_span, end_s=t_s)
            self._open_span = None

    def _tally(self, t_s: float) -> None:
        self._tally_t = t_s
        self.store.update(
            "sets",
            self.set_id,
            reps=self.reps,
            holds=self.holds,
            best_hold_s=round(self.best_hold_s, 3),
            partial_reps=self.partials,
            frames=self.frames,
            frames_with_person=self.with_person,
            frames_assessed=self.assessed,
        )
        self.store.heartbeat(self.session_id)

    def count_holds(self, holds: int) -> None:
        """A guided timer's set: the holds it played in full (nothing is measured)."""
        self.holds = holds
        try:
            self.store.update("sets", self.set_id, holds=holds, view="timer")
        except HistoryError as err:
            self.error = str(err)

    def close(self, status: str = "done", reason: str | None = None) -> None:
        """The set ended: ``done``, ``stopped`` (pain) or ``interrupted``."""
        if self.closed:
            return
        self.closed = True
        try:
            self._tally(self._tally_t or 0.0)
            self.store.execute(
                "UPDATE sets SET status = CASE WHEN status = 'open' THEN ? ELSE status END, "
                "stop_reason = coalesce(stop_reason, ?) WHERE id = ?",
                (status, reason, self.set_id),
            )
        except HistoryError as err:
            self.error = str(err)


class HistoryRecorder:
    """One session in the history: its sets, pain scores and how it ended.

    Created lazily: nothing is written until the first set begins (a page opened and
    closed again records nothing)."""

    def __init__(
        self,
        store: HistoryStore,
        source: str,
        routine: str | None = None,
        routine_name: str | None = None,
        clip: str | None = None,
        planned_per_week: int | None = None,
        started_at: datetime | None = None,
    ) -> None:
        self.store = store
        self.source = source
        self._meta: dict[str, Any] = {
            "started_at": started_at,
            "routine": routine,
            "routine_name": routine_name,
            "clip": clip,
            "planned_per_week": planned_per_week,
        }
        self.session_id: int | None = None
        self.sinks: list[SetSink] = []
        self._pain: dict[str, int | None] = {}
        self._lock = threading.Lock()
        self.ended: str | None = None
        self.error: str | None = None

    def _session(self) -> int:
        with self._lock:
            if self.session_id is None:
                self.session_id = self.store.begin_session(self.source, **self._meta)
                for moment, score in self._pain.items():
                    self.store.set_pain(self.session_id, moment, score)
            return self.session_id

    def begin_set(
        self,
        spec: ExerciseSpec,
        side: str | None,
        set_no: int = 1,
        sets: int = 1,
        target: int | None = None,
        target_label: str = "reps",
        hold_target_s: float | None = None,
        started_s: float | None = None,
        provisional: bool = False,
    ) -> SetSink:
        try:
            session_id = self._session()
            set_id = self._insert_set(
                session_id, spec, side, set_no, sets, target, target_label, hold_target_s
            )
            self.store.update("sets", set_id, started_s=started_s, provisional=int(provisional))
        except HistoryError as err:  # a broken history must not stop the coaching
            self.error = str(err)
            sink = SetSink(self.store, 0, 0)
            sink.closed, sink.error = True, str(err)
            return sink
        sink = SetSink(self.store, set_id, session_id)
        self.sinks.append(sink)
        return sink

    def _insert_set(
        self,
        session_id: int,
        spec: ExerciseSpec,
        side: str | None,
        set_no: int,
        sets: int,
        target: int | None,
        target_label: str,
        hold_target_s: float | None,
    ) -> int:
        feature, value, direction, relative = _rom_target(spec)
        return self.store.insert(
            "sets",
            session_id=session_id,
            exercise=spec.id,
            name=spec.name,
            side=side,
            set_no=set_no,
            sets=sets,
            target=target,
            target_label=target_label,
            hold_target_s=hold_target_s,
            rom_feature=feature,
            rom_target=value,
            rom_direction=direction,
            rom_relative=int(relative),
        )

    def pain(self, moment: str, score: int | None) -> None:
        """A 0-10 pain score before or after. Before the first set it waits for the session."""
        self._pain[moment] = score
        if self.session_id is not None:
            try:
                self.store.set_pain(self.session_id, moment, score)
            except HistoryError as err:
                self.error = str(err)

    def keep_only(self, sink: SetSink) -> None:
        """A review scored two candidate sides: keep ``sink``'s set, drop the others."""
        for other in self.sinks:
            if other is not sink and other.set_id != sink.set_id:
                self.store.execute("DELETE FROM sets WHERE id = ?", (other.set_id,))
        self.store.update("sets", sink.set_id, provisional=0)
        self.sinks = [sink]

    def end(self, status: str = "finished", reason: str | None = None) -> None:
        """``finished``, ``stopped`` (pain: ``reason`` says why) or ``interrupted``."""
        if self.ended is not None:
            return
        self.ended = status
        set_status = {"finished": "done", "stopped": "stopped"}.get(status, "interrupted")
        for sink in self.sinks:
            sink.close(set_status, reason if status != "finished" else None)
        if self.session_id is not None:
            try:
                self.store.end_session(self.session_id, status, reason)
            except HistoryError as err:
                self.error = str(err)

    @property
    def errors(self) -> list[str]:
        """What could not be written (the coaching went on regardless)."""
        return [e for e in [self.error, *(s.error for s in self.sinks)] if e]
