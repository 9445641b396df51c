"""The history database: one SQLite file on the user's machine.

Standard library ``sqlite3`` in WAL mode. Every write is its own transaction, so a
killed process loses nothing that was written (a rep is written the frame it is
counted). The schema has a version (``PRAGMA user_version``) and migrations: a newer
formcheck upgrades an older file in place; an older formcheck refuses a newer file
with one line.

No video and no images are stored: only what the engine concluded (reps, holds,
faults, spans it could not assess), what the user said (pain scores, stop reasons)
and when.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from formcheck.errors import FormcheckError

DB_NAME = "history.db"
HOME_ENV = "FORMCHECK_HOME"

#: Migrations, in order: MIGRATIONS[i] takes the schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,          -- local time, ISO 8601 with offset
        day TEXT NOT NULL,                 -- local date, YYYY-MM-DD
        source TEXT NOT NULL CHECK (source IN ('live', 'review')),
        routine TEXT,                      -- routine id (live), NULL for a review
        routine_name TEXT,
        planned_per_week INTEGER,          -- the routine's plan: days a week
        clip TEXT,                         -- review: the clip's file name (no video is kept)
        status TEXT NOT NULL DEFAULT 'open'
            CHECK (status IN ('open', 'finished', 'stopped', 'interrupted')),
        stop_reason TEXT,
        ended_at TEXT,
        pid INTEGER,                       -- the process writing it (to find interrupted ones)
        heartbeat_at TEXT                  -- last write
    );
    CREATE TABLE sets (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        exercise TEXT NOT NULL,
        name TEXT NOT NULL,
        side TEXT,
        set_no INTEGER NOT NULL DEFAULT 1,
        sets INTEGER NOT NULL DEFAULT 1,
        target INTEGER,                    -- reps or holds the set needs
        target_label TEXT NOT NULL DEFAULT 'reps' CHECK (target_label IN ('reps', 'holds')),
        hold_target_s REAL,
        rom_feature TEXT,                  -- the rep feature, and where its target is
        rom_target REAL,
        rom_direction TEXT,
        rom_relative INTEGER NOT NULL DEFAULT 0,
        started_s REAL,
        ended_s REAL,
        status TEXT NOT NULL DEFAULT 'open'
            CHECK (status IN ('open', 'done', 'stopped', 'interrupted')),
        stop_reason TEXT,
        reps INTEGER NOT NULL DEFAULT 0,
        holds INTEGER NOT NULL DEFAULT 0,
        best_hold_s REAL NOT NULL DEFAULT 0,
        partial_reps INTEGER NOT NULL DEFAULT 0,
        frames INTEGER NOT NULL DEFAULT 0,
        frames_with_person INTEGER NOT NULL DEFAULT 0,
        frames_assessed INTEGER NOT NULL DEFAULT 0,
        view TEXT,
        provisional INTEGER NOT NULL DEFAULT 0  -- review: one of two candidate sides
    );
    CREATE TABLE reps (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        idx INTEGER,                       -- 1-based within the set; NULL for a partial rep
        full INTEGER NOT NULL,             -- 0: an attempt that never reached the top
        start_s REAL, top_s REAL, end_s REAL,
        peak REAL, rom REAL,
        direction TEXT,
        at_clip_end INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,              -- 1-based among counted holds; 0 when not counted
        start_s REAL, end_s REAL, held_s REAL NOT NULL,
        counted INTEGER NOT NULL,
        direction TEXT
    );
    CREATE TABLE faults (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        t_s REAL NOT NULL,
        rule TEXT NOT NULL,
        cue TEXT NOT NULL,
        value REAL,
        rep INTEGER
    );
    CREATE TABLE unassessed (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES sets(id) ON DELETE CASCADE,
        start_s REAL NOT NULL,
        end_s REAL,
        code TEXT NOT NULL,
        reason TEXT NOT NULL
    );
    CREATE TABLE pain (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        moment TEXT NOT NULL CHECK (moment IN ('before', 'after')),
        score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
        at TEXT NOT NULL,
        UNIQUE (session_id, moment)
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE INDEX sets_session ON sets(session_id);
    CREATE INDEX reps_set ON reps(set_id);
    CREATE INDEX holds_set ON holds(set_id);
    CREATE INDEX faults_set ON faults(set_id);
    CREATE INDEX sessions_day ON sessions(day);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

#: The tables, in export order (parents first).
TABLES = ("sessions", "sets", "reps", "holds", "faults", "unassessed", "pain", "settings")


class HistoryError(FormcheckError):
    """The history database can't be read or written."""


def default_path() -> Path:
    """``$FORMCHECK_HOME/history.db``, else the user's data folder."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / DB_NAME
    import platformdirs

    return Path(platformdirs.user_data_dir("formcheck", appauthor=False)) / DB_NAME


def now_local() -> datetime:
    """The wall clock, for dating sessions (the engine's times come from the frames)."""
    return datetime.now().astimezone()


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class HistoryStore:
    """One open history database. Thread-safe: the live page writes from the camera's
    worker thread and reads from the page's thread."""

    def __init__(self, path: str | Path | None = None, create: bool = True) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self._lock = threading.RLock()
        if not self.path.exists():
            if not create:
                raise HistoryError(f"{self.path}: no history yet (nothing recorded yet)")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise HistoryError(
                    f"{self.path}: can't create its folder ({err.strerror}); "
                    f"set {HOME_ENV} or --history to a writable place"
                ) from None
        elif self.path.is_dir():
            raise HistoryError(f"{self.path} is a folder, not a history database file")
        try:
            self.db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10.0
            )
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.db.execute("PRAGMA synchronous = NORMAL")  # safe against a killed process
            self._migrate()
        except sqlite3.DatabaseError as err:
            raise HistoryError(
                f"{self.path}: not a readable formcheck history database ({err}); "
                "move it aside to start a new history"
            ) from None
        except PermissionError as err:
            raise HistoryError(f"{self.path}: {err.strerror}") from None
        self.journal_mode = str(mode)
        self._recover()

    # -- schema ----------------------------------------------------------------------

    def _migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: written by a newer formcheck (history schema {version}; this "
                f"one reads up to {SCHEMA_VERSION}); upgrade formcheck to read it"
            )
        if version == 0 and self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise HistoryError(
                f"{self.path}: an SQLite file that is not a formcheck history; "
                "give another --history path"
            )
        for v in range(version, SCHEMA_VERSION):
            with self.transaction():
                self.db.executescript(f"BEGIN; {MIGRATIONS[v]}; PRAGMA user_version = {v + 1};")

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _recover(self) -> None:
        """Sessions left open by a process that is gone were interrupted."""
        rows = self.db.execute("SELECT id, pid FROM sessions WHERE status = 'open'").fetchall()
        for row in rows:
            if not _pid_alive(row["pid"]):
                self.interrupt(row["id"], "the app stopped during the session")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            else:
                if self.db.in_transaction:
                    self.db.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """One statement, committed at once (autocommit)."""
        with self._lock:
            try:
                return self.db.execute(sql, params)
            except sqlite3.Error as err:  # full disk, file gone, read-only, closed
                raise HistoryError(f"{self.path}: can't write the history ({err})") from None

    def insert(self, table: str, **values: Any) -> int:
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = self.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(values.values()))
        return int(cur.lastrowid or 0)

    def update(self, table: str, row_id: int, **values: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in values)
        self.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*values.values(), row_id])

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self.db.execute(sql, params).fetchall()]

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions ----------------------------------------------------------------------

    def begin_session(
        self,
        source: str,
        routine: str | None = None,
        routine_name: str | None = None,
        clip: str | None = None,
        planned_per_week: int | None = None,
        started_at: datetime | None = None,
    ) -> int:
        at = started_at or now_local()
        return self.insert(
            "sessions",
            started_at=at.isoformat(timespec="seconds"),
            day=at.date().isoformat(),
            source=source,
            routine=routine,
            routine_name=routine_name,
            planned_per_week=planned_per_week,
            clip=clip,
            pid=os.getpid(),
            heartbeat_at=at.isoformat(timespec="seconds"),
        )

    def heartbeat(self, session_id: int) -> None:
        self.update("sessions", session_id, heartbeat_at=now_local().isoformat(timespec="seconds"))

    def end_session(self, session_id: int, status: str, reason: str | None = None) -> None:
        """``status``: finished, stopped (pain) or interrupted. Open sets end the same way."""
        set_status = {"finished": "done", "stopped": "stopped"}.get(status, "interrupted")
        with _writing(self.path), self.transaction():
            self.db.execute("BEGIN")
            self.db.execute(
                "UPDATE sets SET status = ?, stop_reason = coalesce(stop_reason, ?) "
                "WHERE session_id = ? AND status = 'open'",
                (set_status, reason if status != "finished" else None, session_id),
            )
            self.db.execute(
                "UPDATE sessions SET status = ?, stop_reason = ?, ended_at = ? WHERE id = ?",
                (status, reason, now_local().isoformat(timespec="seconds"), session_id),
            )

    def interrupt(self, session_id: int, reason: str) -> None:
        self.end_session(session_id, "interrupted", reason)

    def set_pain(self, session_id: int, moment: str, score: int | None) -> None:
        """The 0-10 pain score before or after (None clears it)."""
        if score is None:
            self.execute(
                "DELETE FROM pain WHERE session_id = ? AND moment = ?", (session_id, moment)
            )
            return
        if not 0 <= int(score) <= 10:
            raise HistoryError(f"pain score {score}: give a whole number from 0 to 10")
        self.execute(
            "INSERT INTO pain (session_id, moment, score, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (session_id, moment) DO UPDATE SET score = excluded.score, "
            "at = excluded.at",
            (session_id, moment, int(score), now_local().isoformat(timespec="seconds")),
        )

    # -- settings ----------------------------------------------------------------------

    def get_setting(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row["value"]) if row else default

    def put_setting(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- everything --------------------------------------------------------------------

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every table's rows (for export)."""
        return {t: self.rows(f"SELECT * FROM {t} ORDER BY rowid") for t in TABLES}

    def counts(self) -> dict[str, int]:
        return {t: int(self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}

    def delete_all(self) -> None:
        """Erase every session (the file stays, empty, with its schema)."""
        with _writing(self.path), self.transaction():
            self.db.execute("BEGIN")
            for t in reversed(TABLES):
                self.db.execute(f"DELETE FROM {t}")
        self.execute("VACUUM")


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as err:
        raise HistoryError(f"{path}: can't write the history ({err})") from None


def to_json_text(data: dict[str, list[dict[str, Any]]]) -> str:
    return json.dumps(
        {"schema_version": SCHEMA_VERSION, **data}, indent=1, ensure_ascii=False, default=str
    )
