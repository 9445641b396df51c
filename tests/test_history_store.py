"""The history database file (formcheck/history/store.py): schema, migrations, WAL,
recovery of interrupted sessions and one-line errors for bad files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.history import HistoryError, HistoryStore, default_path
from formcheck.history.store import SCHEMA_VERSION, TABLES


def test_a_new_file_has_the_schema_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "history.db"
    with HistoryStore(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.journal_mode == "wal"
        assert set(store.counts()) == set(TABLES)
        assert all(n == 0 for n in store.counts().values())
    with HistoryStore(db) as again:  # reopening migrates nothing and loses nothing
        assert again.schema_version == SCHEMA_VERSION


def test_the_default_file_follows_formcheck_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FORMCHECK_HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / "history.db"
    monkeypatch.delenv("FORMCHECK_HOME")
    assert default_path().name == "history.db" and "formcheck" in str(default_path())


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _newer(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.close()
    return path


def _foreign(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE photos (id INTEGER)")
    con.close()
    return path


BAD_FILES = [
    ("garbage bytes", lambda p: _write(p, b"not a database at all\n" * 50), "not a readable"),
    ("a newer schema", _newer, "newer formcheck"),
    ("another program's SQLite", _foreign, "not a formcheck history"),
    ("a folder", lambda p: (p.mkdir(), p)[1], "is a folder"),
]


@pytest.mark.parametrize(("what", "make", "says"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_gets_one_line(tmp_path: Path, what: str, make, says: str) -> None:
    path = make(tmp_path / "history.db")
    with pytest.raises(HistoryError) as err:
        HistoryStore(path)
    line = str(err.value)
    assert says in line and "\n" not in line and str(path) in line


def test_an_unwritable_folder_gets_one_line(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/formcheck/history.db")  # even root can't create folders in /proc
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        target = ro / "x" / "history.db"
    with pytest.raises(HistoryError, match="can't create its folder"):
        HistoryStore(target)


def test_pain_scores_are_0_to_10_and_can_change(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        sid = store.begin_session("live", "daily", "Daily back routine")
        store.set_pain(sid, "before", 6)
        store.set_pain(sid, "before", 5)  # changed her mind: one score per moment
        store.set_pain(sid, "after", 3)
        rows = store.rows("SELECT moment, score FROM pain ORDER BY moment")
        assert rows == [{"moment": "after", "score": 3}, {"moment": "before", "score": 5}]
        store.set_pain(sid, "after", None)
        assert store.counts()["pain"] == 1
        with pytest.raises(HistoryError, match="0 to 10"):
            store.set_pain(sid, "before", 11)


def test_a_session_left_open_by_a_dead_process_is_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    # A child process opens a session and a set, then dies without closing them.
    code = (
        "from formcheck.history import HistoryStore\n"
        f"s = HistoryStore({str(db)!r})\n"
        "sid = s.begin_session('live', 'daily', 'Daily')\n"
        "s.insert('sets', session_id=sid, exercise='glute_bridge', name='Glute bridge')\n"
        "import os; os._exit(9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], timeout=120)
    assert proc.returncode == 9
    with HistoryStore(db) as store:
        sess = store.rows("SELECT status, stop_reason FROM sessions")
        sets = store.rows("SELECT status FROM sets")
    assert sess == [{"status": "interrupted", "stop_reason": "the app stopped during the session"}]
    assert sets == [{"status": "interrupted"}]


def test_a_session_of_this_process_stays_open(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with HistoryStore(db) as writer:
        writer.begin_session("live", "daily", "Daily")
        with HistoryStore(db) as reader:  # the progress page opened while coaching
            assert reader.rows("SELECT status FROM sessions") == [{"status": "open"}]


def test_delete_all_empties_every_table(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        sid = store.begin_session("live")
        store.set_pain(sid, "before", 2)
        store.put_setting("name", "A. Patient")
        store.delete_all()
        assert all(n == 0 for n in store.counts().values())
        assert store.schema_version == SCHEMA_VERSION
