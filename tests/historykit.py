"""A history database with weeks of sessions, written the way the app writes it: the real
engine (ExerciseSession) steps scripted poses and a HistoryRecorder's set sinks take its
results. Shared by the history, report and progress-page tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from posekit import lying_side, ramp

from formcheck.coaching import set_target
from formcheck.history import HistoryRecorder, HistoryStore
from formcheck.session import ExerciseSession
from formcheck.spec import get_spec

START = datetime(2026, 11, 2, 8, 0).astimezone()  # a Monday


def bridge_keys(reps: int, fast_last: bool = False) -> list[tuple[float, float]]:
    """Lying still 2 s, then ``reps`` bridges (up 1 s, hold 1 s, down 2 s, rest 1 s);
    with ``fast_last`` the last one drops in 0.2 s (the tempo rule's fault)."""
    keys = [(0.0, 125.0), (2.0, 125.0)]
    t = 2.0
    for i in range(reps):
        down = 0.2 if fast_last and i == reps - 1 else 2.0
        keys += [(t + 1, 172.0), (t + 2, 172.0), (t + 2 + down, 125.0), (t + 3 + down, 125.0)]
        t += 3 + down
    keys.append((t + 2, 125.0))
    return keys


def bridge_set(
    rec: HistoryRecorder,
    side: str | None,
    reps: int,
    set_no: int = 1,
    sets: int = 2,
    fast_last: bool = False,
    close: bool = True,
    hide_after_s: float | None = None,
) -> int:
    """One bridge set through the real engine into the history. Returns reps counted."""
    spec = get_spec("glute_bridge")
    target, label, hold_s = set_target(spec)
    sink = rec.begin_set(spec, side, set_no, sets, target, label, hold_s, 0.0)
    session = ExerciseSession(spec, side=side)
    last = 0.0
    for t, v in ramp(bridge_keys(reps, fast_last), 15.0):
        pose = None if hide_after_s is not None and t > hide_after_s else lying_side(t, v)
        sink.consume(session.step(pose, t))
        last = t
    if close:
        sink.consume(session.finish(last))
        sink.close("done")
    return sink.reps


def fill(path: Path, days: int = 21) -> HistoryStore:
    """``days`` days from START: a bridge routine most days (never on Sundays), with pain
    scores that ease, a few fast lowerings, fewer reps on the right side, one Stop (pain),
    one interrupted session, one poorly seen set and one saved clip review."""
    store = HistoryStore(path)
    for d in range(days):
        day = START + timedelta(days=d)
        if day.weekday() == 6:
            continue
        rec = HistoryRecorder(
            store, "live", "strength", "Strength routine", planned_per_week=6, started_at=day
        )
        rec.pain("before", max(0, 6 - d // 4))
        if d == 9:  # stopped for pain in the second set
            bridge_set(rec, "left", 3)
            bridge_set(rec, "right", 1, close=False)
            rec.end("stopped", "pain increased or spread")
            continue
        if d == 12:  # the tab was closed mid-set
            bridge_set(rec, "left", 2, close=False)
            rec.end("interrupted", "the page was closed during the set")
            continue
        bridge_set(rec, "left", 3, fast_last=d % 3 == 0)
        bridge_set(rec, "right", 2 if d < 10 else 3, hide_after_s=6.0 if d == 15 else None)
        rec.pain("after", max(0, 5 - d // 4))
        rec.end("finished")
    review = HistoryRecorder(
        store, "review", clip="bridge.mp4", started_at=START + timedelta(days=days - 1, hours=3)
    )
    bridge_set(review, "left", 2, sets=1)
    review.end("finished")
    return store
