"""Spoken cues: a fold of the coach's events into short utterances, one at a time.

:class:`VoiceCues` consumes every :class:`~formcheck.coaching.CoachFrame` in order and
returns what to say now. The words come from the same events the screen shows, so
screen and voice never disagree. Rules:

* one utterance at a time: a new one waits until the last has had time to be said
  (about 0.4 s a word); while it waits, a newer rep count replaces an older one and a
  cue that has cleared is dropped;
* the important lines (set done, rest, switch sides, next exercise, the countdown, a
  problem with the position) go first;
* a form cue is said when it appears, and not again while it stays up, nor within
  :data:`CUE_REPEAT_S` of last saying it;
* other people coming into view is said once each time they are judged in view
  (:data:`PEOPLE_LINE`), and not again within :data:`PEOPLE_REPEAT_S`; the screen keeps
  the warning up while they stay.

The browser speaks the words (the Web Speech API's ``speechSynthesis``): the server
sends no audio (streamlit-webrtc can't, upstream issue #1358). Time comes from frames.
Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

from formcheck.coaching import (
    CoachFrame,
    CountdownTick,
    CueShown,
    ExerciseBegins,
    HoldDone,
    HoldLeft,
    PositionProblem,
    RepCounted,
    RestBegins,
    RoutineEnds,
    SetBegins,
    TargetReached,
    TimerStepBegins,
)
from formcheck.results import PeopleInView

#: Seconds per word, plus a pause, for how long an utterance takes to say.
WORD_S = 0.4
PAUSE_S = 0.4
#: The same form cue is not said again within this many seconds.
CUE_REPEAT_S = 12.0
#: The same position problem is repeated at most this often while it lasts.
PROBLEM_REPEAT_S = 8.0
#: Said when other people come into view (the screen shows the whole warning).
PEOPLE_LINE = "More than one person in view: ask others to step out of view"
#: ... and not again within this many seconds (the detector misses someone now and then).
PEOPLE_REPEAT_S = 30.0
#: A waiting line older than this is dropped (it would come too late).
STALE_S = {
    "rep": 2.5,
    "cue": 3.0,
    "count": 1.2,
    "hold": 2.0,
    "problem": 4.0,
    "people": 5.0,
    "info": 20.0,
}
REPEAT_S = {"cue": CUE_REPEAT_S, "problem": PROBLEM_REPEAT_S, "people": PEOPLE_REPEAT_S}

HIGH, MID, LOW = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Utterance:
    """A line to speak: ``key`` groups lines that replace each other ("rep", "cue"...)."""

    t_s: float
    text: str
    key: str
    priority: int
    seq: int = 0  # increasing: lets the browser tell a new line from one already spoken
    interrupt: bool = False  # cut short the line being said (the countdown, "set done")

    @property
    def duration_s(self) -> float:
        return len(self.text.split()) * WORD_S + PAUSE_S


def _side(side: str | None) -> str:
    return f" {side} side" if side else ""


def _seconds(s: float) -> str:
    n = round(s)
    return f"{n} second" + ("" if n == 1 else "s")


def words(frame: CoachFrame) -> list[tuple[str, str, int]]:
    """The lines this frame's events call for: (text, key, priority).

    The end of a set is one line: the last rep's number, "set done" and what comes next
    ("10. Set done. Rest 30 seconds", "Set done. Switch sides", "Set done. Next: Plank").
    """
    out: list[tuple[str, str, int]] = []
    ending = any(isinstance(ev, TargetReached) for ev in frame.events)
    end: list[str] = []
    for ev in frame.events:
        if isinstance(ev, ExerciseBegins):
            line = ev.name if ev.item == 0 else f"Next: {ev.name}"
            if ending:
                end.append(line)
            else:
                out.append((line, "info", HIGH))
        elif isinstance(ev, PositionProblem) and ev.problem:
            out.append((ev.problem, "problem", HIGH))
        elif isinstance(ev, PeopleInView) and ev.others > 0:
            out.append((PEOPLE_LINE, "people", MID))
        elif isinstance(ev, CountdownTick):
            out.append(("Go" if ev.n == 0 else str(ev.n), "count", HIGH))
        elif isinstance(ev, SetBegins) and ev.sets > 1:
            out.append((f"Set {ev.set_no} of {ev.sets}", "info", MID))
        elif isinstance(ev, RepCounted):
            if ending:
                end.insert(0, str(ev.n))
            else:
                out.append((str(ev.n), "rep", MID))
        elif isinstance(ev, HoldLeft):
            out.append((f"{_seconds(ev.seconds)} left", "hold", MID))
        elif isinstance(ev, HoldDone):
            if not ending:
                out.append(("Done", "hold", HIGH))
        elif isinstance(ev, CueShown) and ev.cue:
            if not ending:
                out.append((ev.cue, "cue", LOW))
        elif isinstance(ev, TargetReached):
            end.append("Set done")
        elif isinstance(ev, RestBegins):
            line = ""
            if ev.why == "switch":
                line = "Switch sides"
            elif ev.why == "set":
                line = f"Rest {_seconds(ev.seconds)}"
            if line and ending:
                end.append(line)
            elif line:
                out.append((line, "info", HIGH))
        elif isinstance(ev, TimerStepBegins):
            out.append((ev.label, "info", HIGH))
        elif isinstance(ev, RoutineEnds):
            text = "Stopped. Rest, and take care" if ev.stopped else "Routine complete. Well done"
            if ending:
                end.append(text)
            else:
                out.append((text, "info", HIGH))
    if end:
        out.insert(0, (". ".join(end), "info", HIGH))
    return out


class VoiceCues:
    """Folds coach frames into utterances, at most one at a time (see the module doc)."""

    def __init__(self) -> None:
        self._waiting: list[Utterance] = []
        self._busy_until = -1e9
        self._said: dict[str, float] = {}  # cue or problem text -> when last said
        self._cue: str | None = None  # the cue on screen now
        self._seq = 0
        self.spoken: list[Utterance] = []  # everything said, in order (for tests and logs)

    def consume(self, frame: CoachFrame) -> list[Utterance]:
        """Add a frame; return what to say now (nothing, or one line)."""
        t = frame.t_s
        for ev in frame.events:
            if isinstance(ev, CueShown):
                self._cue = ev.cue
            elif isinstance(ev, PositionProblem) and ev.problem is None:
                self._waiting = [w for w in self._waiting if w.key != "problem"]  # fixed
            elif isinstance(ev, PeopleInView) and ev.others == 0:
                self._waiting = [w for w in self._waiting if w.key != "people"]  # gone
        if frame.phase != "active":
            self._cue = None
        for text, key, prio in words(frame):
            self._queue(Utterance(t, text, key, prio), t)
        return self._next(t)

    def _queue(self, u: Utterance, t: float) -> None:
        repeat = REPEAT_S.get(u.key)
        if repeat is not None:
            last = self._said.get(u.text)
            if last is not None and t - last < repeat:
                return
        if u.key in ("rep", "hold", "cue", "problem", "count"):
            # a newer line of the same kind replaces one still waiting
            self._waiting = [w for w in self._waiting if w.key != u.key]
        if u.key == "count":  # the 3-2-1 means the position is right: no problem after it
            self._waiting = [w for w in self._waiting if w.key != "problem"]
        if "Set done" in u.text:  # no rep count or cue of the finished set after it
            self._waiting = [w for w in self._waiting if w.key not in ("cue", "rep", "hold")]
        self._waiting.append(u)

    def _next(self, t: float) -> list[Utterance]:
        self._waiting = [
            w
            for w in self._waiting
            if t - w.t_s <= STALE_S.get(w.key, 10.0)
            and not (w.key == "cue" and w.text != self._cue)
        ]
        if not self._waiting:
            return []
        urgent = [w for w in self._waiting if w.key == "count" or "Set done" in w.text]
        if t < self._busy_until and not urgent:
            return []
        best = min(urgent or self._waiting, key=lambda w: (w.priority, w.t_s))
        self._waiting.remove(best)
        self._seq += 1
        cut = t < self._busy_until
        u = Utterance(t, best.text, best.key, best.priority, self._seq, cut)
        self._busy_until = t + u.duration_s
        if u.key in REPEAT_S:
            self._said[u.text] = t
        self.spoken.append(u)
        return [u]


__all__ = ["Utterance", "VoiceCues", "words"]
