"""``formcheck history`` and ``formcheck review --save`` (formcheck/history/cli.py):
listing, export, delete and one-line errors, on a real database file."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from formcheck.cli import EXIT_ERROR, main
from formcheck.history import HistoryStore
from formcheck.history.query import HistoryView
from formcheck.history.store import SCHEMA_VERSION, TABLES


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_history_lists_sessions_and_their_sets(filled_history: Path, capsys) -> None:
    code, out, _ = run(capsys, "history", "--history", str(filled_history))
    assert code == 0
    with HistoryStore(filled_history) as store:
        view = HistoryView(store, days=None)
        n = len(view.sessions)
    assert f"{n} session(s)" in out
    assert "stopped (pain increased or spread)" in out
    assert "interrupted (the page was closed during the set)" in out
    assert "bridge.mp4: finished" in out  # the saved review, by its clip's name
    code, out, _ = run(capsys, "history", "--history", str(filled_history), "--json")
    data = json.loads(out)
    assert len(data["sessions"]) == n
    stopped = [s for s in data["sessions"] if s["status"] == "stopped"]
    assert stopped and stopped[0]["sets"][-1]["status"] == "stopped"


def test_history_export_has_every_table(filled_history: Path, tmp_path: Path, capsys) -> None:
    with HistoryStore(filled_history) as store:
        counts = store.counts()
    out_json, out_csv = tmp_path / "all.json", tmp_path / "all.csv"
    assert (
        run(capsys, "history", "--history", str(filled_history), "--export", str(out_json))[0] == 0
    )
    data = json.loads(out_json.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert {t: len(data[t]) for t in TABLES} == counts
    assert (
        run(capsys, "history", "--history", str(filled_history), "--export", str(out_csv))[0] == 0
    )
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text())))
    per_table = {t: sum(1 for r in rows if r["table"] == t) for t in TABLES}
    assert per_table == counts
    code, _, err = run(
        capsys, "history", "--history", str(filled_history), "--export", str(tmp_path / "x.pdf")
    )
    assert code == EXIT_ERROR and "give a .json or .csv" in err


def test_delete_all_asks_first(filled_history: Path, capsys) -> None:
    code, _, err = run(capsys, "history", "--history", str(filled_history), "--delete-all")
    assert code == EXIT_ERROR and "add --yes" in err and err.count("\n") == 1
    with HistoryStore(filled_history) as store:
        assert store.counts()["sessions"] > 0  # nothing was deleted
    code, out, _ = run(capsys, "history", "--history", str(filled_history), "--delete-all", "--yes")
    assert code == 0 and "deleted" in out
    with HistoryStore(filled_history) as store:
        assert all(n == 0 for n in store.counts().values())
    code, out, _ = run(capsys, "history", "--history", str(filled_history))
    assert code == 0 and out.strip() == "nothing recorded yet"


def _newer(p: Path) -> None:
    HistoryStore(p).close()
    con = sqlite3.connect(p)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.close()


BAD = [
    ("missing", lambda p: None, "nothing recorded yet"),
    ("corrupt", lambda p: p.write_bytes(b"\x00garbage" * 100), "not a readable"),
    ("newer", _newer, "newer formcheck"),
]


@pytest.mark.parametrize(("what", "make", "says"), BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("command", ["history", "report"])
def test_a_bad_history_gets_one_line(
    tmp_path: Path, capsys, what: str, make, says: str, command: str
) -> None:
    db = tmp_path / "history.db"
    make(db)
    extra = ["-o", str(tmp_path / "r.pdf")] if command == "report" else []
    code, out, err = run(capsys, command, "--history", str(db), *extra)
    assert code == EXIT_ERROR and "wrote" not in out
    assert says in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "r.pdf").exists()


def test_review_history_needs_save(tmp_path: Path, capsys) -> None:
    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "glute_bridge_side_clean.mp4"
    code, _, err = run(
        capsys, "review", str(clip), "-e", "glute_bridge", "--history", str(tmp_path / "h.db")
    )
    assert code == EXIT_ERROR and "--history needs --save" in err


def test_review_save_refuses_a_bad_database_before_any_work(tmp_path: Path, capsys) -> None:
    clip = Path(__file__).resolve().parents[1] / "sample_videos" / "glute_bridge_side_clean.mp4"
    db = tmp_path / "h.db"
    db.write_bytes(b"garbage" * 100)
    code, out, err = run(
        capsys, "review", str(clip), "-e", "glute_bridge", "--save", "--history", str(db)
    )
    assert code == EXIT_ERROR and "not a readable" in err and out == ""
