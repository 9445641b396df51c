"""Writing the history from the result stream (formcheck/history/recorder.py): a live
routine driven as the page drives it (LiveState, a scripted pose feed), and a clip review
with the real pose model. What the database holds must equal the sets' own reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_live_state import BLACK, bridge_routine, factory, play

from formcheck.app.live_state import CLOSED_TAB, LiveState
from formcheck.history import HistoryRecorder, HistoryStore
from formcheck.pipeline import review_clip
from formcheck.record import SessionRecord
from formcheck.routine import parse_routine
from formcheck.spec import get_spec, load_specs

ROOT = Path(__file__).resolve().parents[1]


def live(tmp_path: Path, reps: int = 2, sets: int = 2) -> tuple[LiveState, Path]:
    db = tmp_path / "history.db"
    state = LiveState(coach_factory=factory([]), history_path=db)
    state.select("bridge")
    state.pain_before = 6
    assert state.ready_coach(bridge_routine(reps=reps, sets=sets), playing=False)
    return state, db


def db_sets(db: Path) -> list[dict]:
    with HistoryStore(db) as store:
        return store.rows("SELECT * FROM sets ORDER BY id")


def db_reps(db: Path, set_id: int) -> list[dict]:
    with HistoryStore(db) as store:
        return store.rows(
            "SELECT idx, start_s, top_s, end_s, peak, rom FROM reps WHERE set_id = ? AND full = 1 "
            "ORDER BY id",
            (set_id,),
        )


def same_reps(record: SessionRecord, rows: list[dict]) -> None:
    want = record.reps_rows()
    assert [r["idx"] for r in rows] == [w["rep"] for w in want]
    for r, w in zip(rows, want, strict=True):
        assert r["start_s"] == pytest.approx(w["start_s"], abs=0.01)
        assert r["end_s"] == pytest.approx(w["end_s"], abs=0.01)
        assert r["rom"] == pytest.approx(w["rom"], abs=0.1)


def test_a_finished_routine_is_saved_set_by_set(tmp_path: Path) -> None:
    state, db = live(tmp_path, reps=3, sets=1)
    play(state)
    state.refresh()
    assert state.finished is not None
    state.set_pain_after(3)
    records = state.finished.records
    sets = db_sets(db)
    assert len(sets) == len(records) == 1
    for row, record in zip(sets, records, strict=True):
        assert row["status"] == "done" and row["reps"] == record.reps == 3
        assert (row["target"], row["target_label"]) == (3, "reps")
        assert row["frames"] == record.frames and row["frames_assessed"] == record.frames_assessed
        same_reps(record, db_reps(db, row["id"]))
    assert [(s["set_no"], s["sets"]) for s in sets] == [(1, 1)]
    with HistoryStore(db) as store:
        sess = store.rows("SELECT * FROM sessions")
        pain = store.rows("SELECT moment, score FROM pain ORDER BY moment")
    assert [(s["status"], s["source"], s["routine"]) for s in sess] == [
        ("finished", "live", "glute_bridge")
    ]
    assert sess[0]["planned_per_week"] == 7
    assert pain == [{"moment": "after", "score": 3}, {"moment": "before", "score": 6}]


def test_stop_for_pain_is_saved_with_its_reason(tmp_path: Path) -> None:
    state, db = live(tmp_path)
    play(state, until=10.5)  # mid set 1, one rep done
    state.refresh()
    state.end("pain increased")
    sets = db_sets(db)
    assert [(s["status"], s["stop_reason"]) for s in sets] == [("stopped", "pain increased")]
    assert sets[0]["reps"] == state.finished.records[0].reps >= 1
    with HistoryStore(db) as store:
        assert store.rows("SELECT status, stop_reason FROM sessions") == [
            {"status": "stopped", "stop_reason": "pain increased"}
        ]


def test_a_closed_tab_leaves_the_set_interrupted_with_its_reps(tmp_path: Path) -> None:
    state, db = live(tmp_path)
    play(state, until=14.5)  # set 1 under way, two reps in
    state.refresh()
    # Before the page notices, a second reader (a new tab) already sees every rep.
    in_progress = db_sets(db)
    assert in_progress[0]["status"] == "open" and in_progress[0]["reps"] >= 1
    state.abandon()
    sets = db_sets(db)
    assert [s["status"] for s in sets] == ["interrupted"]
    assert sets[0]["reps"] == state.finished.records[0].reps >= 1
    assert sets[0]["stop_reason"] == CLOSED_TAB
    same_reps(state.finished.records[0], db_reps(db, sets[0]["id"]))


def test_nothing_is_saved_when_saving_is_off(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    state = LiveState(coach_factory=factory([]), history_path=db)
    state.select("bridge")
    state.ready_coach(bridge_routine(reps=2, sets=1), playing=False)
    state.set_save(False)  # switched off before starting: the coach is remade
    assert state.ready_coach(bridge_routine(reps=2, sets=1), playing=False)
    play(state)
    state.refresh()
    assert state.finished is not None and state.finished.records[0].reps >= 2
    assert not db.exists() or db_sets(db) == []


def test_a_history_that_breaks_mid_set_never_stops_the_coaching(tmp_path: Path) -> None:
    state, _db = live(tmp_path, reps=2, sets=1)
    play(state, until=9.0)
    assert state.coach is not None and state.coach.history is not None
    state.coach.history.store.close()  # the file went away under us
    play(state, start=9.01)
    state.refresh()
    assert state.finished is not None and state.finished.records[0].reps >= 2
    assert state.history_error and "can't write the history" in state.history_error


def test_a_guided_timer_in_a_routine_saves_the_holds_it_played(tmp_path: Path) -> None:
    specs = load_specs()
    routine = parse_routine(
        {
            "schema_version": 1,
            "id": "t",
            "name": "Timer then done",
            "exercise": [{"id": "passive_low_back_stretch", "hold_s": 5}],
        },
        specs,
    )
    db = tmp_path / "history.db"
    state = LiveState(coach_factory=factory([]), history_path=db)
    state.select("t")
    state.ready_coach(routine, playing=False)
    assert state.coach is not None
    for i in range(12 * 30):  # 3-2-1, then the 5 s hold
        state.coach.process(BLACK, i / 30)
    state.refresh()
    sets = db_sets(db)
    assert [(s["exercise"], s["holds"], s["view"], s["status"]) for s in sets] == [
        ("passive_low_back_stretch", 1, "timer", "done")
    ]


@pytest.mark.slow
def test_a_saved_review_keeps_the_side_it_chose(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    store = HistoryStore(db)
    rec = HistoryRecorder(store, "review", clip="glute_bridge_side_clean.mp4")
    clip = ROOT / "sample_videos" / "glute_bridge_side_clean.mp4"
    result = review_clip(clip, get_spec("glute_bridge"), history=rec)
    sets = db_sets(db)
    assert len(sets) == 1 and sets[0]["side"] == result.side  # the other candidate is gone
    assert (sets[0]["provisional"], sets[0]["status"]) == (0, "done")
    assert sets[0]["reps"] == result.record.reps >= 3
    same_reps(result.record, db_reps(db, sets[0]["id"]))
    assert store.rows("SELECT status, clip FROM sessions") == [
        {"status": "finished", "clip": "glute_bridge_side_clean.mp4"}
    ]
