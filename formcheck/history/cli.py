"""``formcheck history`` and ``formcheck report``: the history from the command line."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from formcheck.history.query import HistoryView
from formcheck.history.store import HOME_ENV, HistoryError, HistoryStore, default_path, to_json_text

HISTORY_HELP = (
    f"the history database file (default: ${HOME_ENV}/history.db, else the user's data folder)"
)


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "history",
        help="list the saved sessions and sets; export or delete the history",
        description="Sessions saved on this computer: live sets (saved by default) and clip "
        "reviews run with --save. No video is stored.",
    )
    p.add_argument("--history", metavar="FILE", help=HISTORY_HELP)
    p.add_argument("--days", type=int, metavar="N", help="only the last N days (default: all)")
    p.add_argument("--json", action="store_true", help="print sessions and sets as JSON")
    p.add_argument(
        "--export", metavar="FILE", help="write everything to FILE (.json, or .csv: one table)"
    )
    p.add_argument(
        "--delete-all",
        action="store_true",
        help="erase every saved session (asks first; --yes skips the question)",
    )
    p.add_argument("--yes", action="store_true", help="with --delete-all: don't ask")
    p = sub.add_parser(
        "report",
        help="the physio report: adherence, per exercise, sides, form, range, pain (PDF or HTML)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="report.pdf or .html")
    p.add_argument("--days", type=int, default=30, metavar="N", help="the last N days (30)")
    p.add_argument("--history", metavar="FILE", help=HISTORY_HELP)
    p.add_argument("--name", help="who the report is for (remembered for next time)")


def _days(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 3660:
        raise HistoryError(f"--days {value}: give a number of days from 1 to 3660")
    return value


def _open(path: str | None, create: bool = False) -> HistoryStore:
    p = Path(path).expanduser() if path else default_path()
    if not p.exists() and not create:
        raise HistoryError(
            f"nothing recorded yet: no history at {p} (live sets are saved as you do them; "
            "`formcheck review CLIP --save` saves a review)"
        )
    return HistoryStore(p)


def run(args: argparse.Namespace) -> int:
    if args.command == "report":
        return _report(args)
    if args.delete_all:
        return _delete_all(args)
    store = _open(args.history)
    with store:
        if args.export:
            export(store, args.export)
            counts = store.counts()
            print(
                f"wrote {args.export}: {counts['sessions']} sessions, {counts['sets']} sets, "
                f"{counts['reps']} reps"
            )
            return 0
        view = HistoryView(store, days=_days(args.days))
        if view.empty:
            print("nothing recorded yet" + (f" in the last {args.days} days" if args.days else ""))
            return 0
        sessions = [{**row, "sets": view.set_rows(int(row["id"]))} for row in view.session_rows()]
        if args.json:
            print(json.dumps({"history": str(store.path), "sessions": sessions}, indent=1))
            return 0
        print(f"{store.path}: {len(sessions)} session(s), {view.period.label()}")
        for s in sessions:
            pain = f", pain {s['pain']}" if s["pain"] else ""
            why = f" ({s['stop_reason']})" if s["stop_reason"] else ""
            print(
                f"{s['started']}  {s['what'] or s['source']}: {s['status']}{why}, "
                f"{s['reps']} reps, {s['holds']} holds{pain}"
            )
            for x in s["sets"]:
                side = f" {x['side']}" if x["side"] else ""
                form = f", good form {x['good form']}" if x["good form"] else ""
                print(f"    {x['exercise']} set {x['set']}{side}: {x['done']}{form}, {x['status']}")
        return 0


def _report(args: argparse.Namespace) -> int:
    store = _open(args.history)
    with store:
        from formcheck.history.report import write_report

        if args.name is not None:
            store.put_setting("name", args.name)
        write_report(store, args.output, days=_days(args.days), name=args.name)
    print(f"wrote {args.output}")
    return 0


def _delete_all(args: argparse.Namespace) -> int:
    store = _open(args.history)
    with store:
        n = store.counts()["sessions"]
        if not args.yes:
            if not sys.stdin.isatty():
                raise HistoryError(
                    f"--delete-all would erase {n} session(s) from {store.path}; "
                    "add --yes to confirm when not at a terminal"
                )
            answer = input(f"Erase all {n} session(s) from {store.path}? Type 'delete': ")
            if answer.strip().lower() != "delete":
                print("nothing deleted")
                return 1
        store.delete_all()
    print(f"deleted {n} session(s) from {store.path}")
    return 0


def export_text(store: HistoryStore, suffix: str) -> str:
    """Everything in the history as JSON, or as one CSV table with a ``table`` column."""
    data = store.dump()
    if suffix == ".json":
        return to_json_text(data)
    columns: list[str] = ["table"]
    for rows in data.values():
        for row in rows:
            columns += [k for k in row if k not in columns]
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for table, rows in data.items():
        for row in rows:
            w.writerow({"table": table, **row})
    return out.getvalue()


def export(store: HistoryStore, path: str | Path) -> None:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise HistoryError(f"--export {path}: give a .json or .csv file name")
    write_atomic(p, export_text(store, suffix).encode("utf-8"), "--export")


def write_atomic(path: Path, data: bytes, option: str = "-o") -> None:
    """Write ``data`` to ``path`` as review's outputs are written (formcheck/outputs.py): the
    path checked first (one line), a missing folder made, a temporary file renamed over it."""
    from formcheck.outputs import Staged, check_output

    out = check_output(path, option)
    with Staged(out.target) as staged:
        staged.path.write_bytes(data)
