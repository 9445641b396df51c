"""Crash safety of the history: a process killed with SIGKILL mid-set loses no rep it had
counted. Nothing here waits a fixed time: the killed process tells us (or the database
shows) how far it got, and only then is it killed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formcheck.history import HistoryStore
from formcheck.history.query import HistoryView

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

# A live routine (the page's LiveRoutine, scripted poses as the camera) that prints each
# rep as soon as process() returns, then, after two, waits forever on stdin: it is killed
# there, mid-set (the set's target is 5).
LIVE_CHILD = """
import sys
sys.path.insert(0, {tests!r})
from test_live_state import BLACK, Bridging, LEAD, REPS
from formcheck.history import HistoryRecorder, HistoryStore
from formcheck.live import LiveRoutine
from formcheck.routine import apply_prescription, single
from formcheck.spec import get_spec

store = HistoryStore({db!r})
routine = single(apply_prescription(get_spec("glute_bridge"), reps=5, sets=1))
rec = HistoryRecorder(store, "live", routine.id, routine.name)
coach = LiveRoutine(routine, estimator_factory=lambda: Bridging(LEAD + REPS), annotate=False,
                    history=rec)
seen = 0
for i in range(30 * 30):
    coach.process(BLACK, i / 30)
    live = coach.coach.live_set()
    reps = live.record.reps_rows() if live is not None else []
    for r in reps[seen:]:
        print("rep", r["rep"], r["start_s"], r["end_s"], flush=True)
    seen = len(reps)
    if seen >= 2:
        print("waiting", flush=True)
        sys.stdin.readline()
"""


def test_sigkill_mid_live_set_keeps_every_counted_rep(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    code = LIVE_CHILD.format(tests=str(TESTS), db=str(db))
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    printed = []
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("waiting"):
            break
        printed.append(line.split())
    else:
        pytest.fail(f"the live child ended early (exit {child.wait()})")
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=60) == -signal.SIGKILL
    assert len(printed) == 2
    with HistoryStore(db) as store:  # opening finds the writer gone: interrupted
        sets = store.rows("SELECT id, status, reps FROM sets")
        reps = store.rows("SELECT idx, start_s, end_s FROM reps WHERE full = 1 ORDER BY id")
        view = HistoryView(store, days=None)
    assert [(s["status"], s["reps"]) for s in sets] == [("interrupted", 2)]
    assert [(str(r["idx"]), r["start_s"], r["end_s"]) for r in reps] == [
        (p[1], pytest.approx(float(p[2]), abs=0.01), pytest.approx(float(p[3]), abs=0.01))
        for p in printed
    ]
    assert view.session_rows()[0]["status"] == "interrupted"


def _reps_in(db: Path) -> int:
    """Full reps in the database, read as another program would (it may not exist yet)."""
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT count(*) FROM reps WHERE full = 1").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0  # created but not migrated yet


@pytest.mark.slow
def test_sigkill_mid_review_keeps_every_counted_rep(tmp_path: Path) -> None:
    clip = ROOT / "sample_videos" / "glute_bridge_side_clean.mp4"
    killed, full = tmp_path / "killed.db", tmp_path / "full.db"
    args = [sys.executable, "-m", "formcheck", "review", str(clip), "-e", "glute_bridge", "-q"]
    child = subprocess.Popen([*args, "--save", "--history", str(killed)], cwd=ROOT)
    try:
        # Poll the database until the review has counted a rep, then kill it mid-clip.
        while _reps_in(killed) < 1:
            assert child.poll() is None, "the review ended before it was killed"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    # The same review run to its end is the reference.
    done = subprocess.run([*args, "--save", "--history", str(full)], cwd=ROOT, timeout=900)
    assert done.returncode == 0
    with HistoryStore(killed) as store:
        view = HistoryView(store, days=None)
        kept = [x for x in view.sets]
        assert view.sessions[0]["status"] == "interrupted"
        got = store.rows(
            "SELECT r.idx, r.start_s, r.end_s FROM reps r JOIN sets s ON s.id = r.set_id "
            "WHERE r.full = 1 AND s.id = ? ORDER BY r.id",
            (kept[0]["id"],),
        )
    with HistoryStore(full) as store:
        want = store.rows("SELECT idx, start_s, end_s FROM reps WHERE full = 1 ORDER BY id")
        side = store.rows("SELECT side FROM sets")[0]["side"]
    assert len(kept) == 1 and kept[0]["status"] == "interrupted"
    # every rep counted before the kill is there, exactly as the full review counted it
    assert 1 <= len(got) <= len(want)
    assert got == want[: len(got)]
    assert kept[0]["side"] == side
