"""What the history says (formcheck/history/query.py), on three weeks of sessions written
through the real engine (tests/historykit.py): every number is checked against what the
kit did, day by day."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from historykit import START, bridge_set

from formcheck.history import HistoryRecorder, HistoryStore
from formcheck.history.query import HistoryView

DAYS = 21
LAST = START.date() + timedelta(days=DAYS - 1)
SUNDAYS = sum(1 for d in range(DAYS) if (START + timedelta(days=d)).weekday() == 6)


@pytest.fixture()
def view(filled_history: Path) -> HistoryView:
    return HistoryView(HistoryStore(filled_history), days=30, today=LAST)


def test_adherence_counts_days_with_data_against_the_plan(view: HistoryView) -> None:
    a = view.adherence()
    assert a["days"] == DAYS  # from the first day recorded, not 30
    assert a["planned_per_week"] == 6 and a["planned_days"] == 18
    # every day but Sundays, and the saved review on the last day (a Sunday)
    assert LAST.weekday() == 6
    assert a["days_with_data"] == DAYS - SUNDAYS + 1
    assert a["share"] == 1.0  # capped: more days than planned
    assert (a["live_sessions"], a["reviews"]) == (DAYS - SUNDAYS, 1)
    cal = view.calendar()
    assert len(cal) == 30 and sum(c["exercised"] for c in cal) == DAYS - SUNDAYS + 1
    assert [c["day"] for c in cal if c["weekday"] == "Sun" and c["exercised"]] == [LAST.isoformat()]


def test_sessions_keep_how_they_ended(view: HistoryView) -> None:
    status = {s["day"]: s["status"] for s in view.sessions if s["source"] == "live"}
    assert status[(START + timedelta(days=9)).date().isoformat()] == "stopped"
    assert status[(START + timedelta(days=12)).date().isoformat()] == "interrupted"
    assert list(status.values()).count("finished") == DAYS - SUNDAYS - 2
    stops = view.stops()
    assert [(s["day"], s["reason"]) for s in stops] == [
        ((START + timedelta(days=9)).date().isoformat(), "pain increased or spread")
    ]
    interrupted = [x for x in view.sets if x["status"] == "interrupted"]
    assert len(interrupted) == 1 and interrupted[0]["reps"] == 2  # its reps are kept


def test_per_exercise_sides_and_form(view: HistoryView) -> None:
    (bridge,) = view.per_exercise()
    assert bridge["prescribed"] == "2 × 10 reps"  # noqa: RUF001
    assert bridge["reps"] == sum(x["reps"] for x in view.sets) == bridge["full_reps"]
    assert bridge["attempts"] >= bridge["full_reps"]
    # a fast lowering on every third day's left set: those reps are not good form
    fast_days = [
        d for d in range(DAYS) if d % 3 == 0 and (START + timedelta(days=d)).weekday() != 6
    ]
    fast_days = [d for d in fast_days if d not in (9, 12)]
    assert bridge["good_form_share"] == pytest.approx(
        1 - len(fast_days) / bridge["full_reps"], abs=1e-3
    )
    (top,) = view.top_faults()
    assert (top["rule"], top["count"], top["days"]) == (
        "lower_slowly",
        len(fast_days),
        len(fast_days),
    )
    (side,) = view.sides()
    assert side["left"] > side["right"] and 0 < side["asymmetry"] < 1
    assert side["asymmetry"] == pytest.approx(1 - side["right"] / side["left"], abs=1e-3)


def test_pain_eases_and_its_trend_says_so(view: HistoryView) -> None:
    pain = view.pain()
    assert len(pain) == DAYS - SUNDAYS  # the review has none
    trend = view.pain_trend()
    assert trend["before"] is not None and trend["before"] < 0
    assert trend["after"] is not None and trend["after"] < 0


def test_range_of_motion_against_the_target(view: HistoryView) -> None:
    (rom,) = view.rom()
    assert rom["target"] == "above 160" and rom["measure"] == "peak"
    assert rom["latest"] == pytest.approx(172, abs=2)  # the kit lifts to 172 deg


def test_quality_flags(view: HistoryView) -> None:
    flags = {(q["day"], q["side"]): q["flags"] for q in view.quality()}
    day15 = (START + timedelta(days=15)).date().isoformat()
    assert "could be judged" in flags[(day15, "right")]  # hidden after 6 s
    day12 = (START + timedelta(days=12)).date().isoformat()
    assert "interrupted" in flags[(day12, "left")]


def test_the_period_filters_days(filled_history: Path) -> None:
    week = HistoryView(HistoryStore(filled_history), days=7, today=LAST)
    assert week.period.days == 7
    assert all(date.fromisoformat(s["day"]) > LAST - timedelta(days=7) for s in week.sessions)
    assert HistoryView(HistoryStore(filled_history), days=7, today=LAST + timedelta(days=60)).empty


def test_a_killed_review_keeps_its_best_candidate_side(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db")
    rec = HistoryRecorder(store, "review", clip="c.mp4")
    bridge_set(rec, "left", 3, sets=1, close=False)
    bridge_set(rec, "right", 1, sets=1, close=False)
    for sink in rec.sinks:  # what review_clip does while the side is unknown
        store.update("sets", sink.set_id, provisional=1)
    store.interrupt(rec.session_id, "killed")
    (kept,) = HistoryView(store, days=None).sets
    assert (kept["side"], kept["reps"], kept["status"]) == ("left", 3, "interrupted")


def test_an_open_session_is_in_progress_until_it_goes_quiet(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.db")
    rec = HistoryRecorder(store, "live", "daily", "Daily")
    bridge_set(rec, "left", 2, sets=1, close=False)
    assert HistoryView(store).sessions[0]["status"] == "in progress"
    store.update("sessions", rec.session_id, heartbeat_at="2000-01-01T00:00:00+00:00")
    view = HistoryView(store)
    assert view.sessions[0]["status"] == "interrupted" and view.sets[0]["status"] == "interrupted"
