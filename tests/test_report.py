"""The physio report (formcheck/history/report.py) on a real history file: three weeks of
sessions written through the real engine (tests/historykit.py) plus a guided timer. Every
number the PDF and the HTML print is compared with what HistoryView computes."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from historykit import START

from formcheck.coaching import set_target
from formcheck.errors import FormcheckError
from formcheck.history import HistoryError, HistoryRecorder, HistoryStore
from formcheck.history import report as report_mod
from formcheck.history.query import HistoryView
from formcheck.history.report import (
    ASYMMETRY_FLAG,
    NOTE,
    build_report,
    html_text,
    write_report,
)
from formcheck.spec import get_spec

pypdf = pytest.importorskip("pypdf")

TODAY = date(2026, 11, 22)  # the filled history's last day
NAME = "Zoë Łukasz"  # Ł is beyond Latin-1: the PDF needs its Unicode font


@pytest.fixture(scope="module")
def history(filled_history_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The filled history, plus a guided-timer session (nothing measured) on its last day."""
    path = tmp_path_factory.mktemp("report") / "history.db"
    shutil.copyfile(filled_history_file, path)
    with HistoryStore(path) as store:
        spec = get_spec("ql_stretch")
        assert spec.is_timer
        rec = HistoryRecorder(
            store, "live", "relax", "Relax", planned_per_week=6, started_at=START + timedelta(20)
        )
        for side in ("left", "right"):
            sink = rec.begin_set(spec, side, 1, 1, *set_target(spec), 0.0)
            sink.count_holds(1)
            sink.close("done")
        rec.end("finished")
        assert not rec.errors
    return path


@pytest.fixture(scope="module")
def view(history: Path):
    store = HistoryStore(history)
    yield HistoryView(store, days=30, today=TODAY)
    store.close()


@pytest.fixture(scope="module")
def pdf_file(history: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    with HistoryStore(history) as store:
        write_report(store, out, days=30, name=NAME, today=TODAY)
    return out


@pytest.fixture(scope="module")
def html_file(history: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    with HistoryStore(history) as store:
        write_report(store, out, days=30, name=NAME, today=TODAY)
    return out


def flat(text: str) -> str:
    """Whitespace (table cells, wrapped lines) as single spaces."""
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    return len(reader.pages), flat(" ".join(p.extract_text() for p in reader.pages))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_visible_text(source: str) -> str:
    parser = _Text()
    parser.feed(source)
    return flat(" ".join(parser.parts))


def phrases(view: HistoryView) -> dict[str, list[str]]:
    """What each section must say, from the view's own folds (a table row's cells in order)."""
    a = view.adherence()
    assert a["days_with_data"] > a["planned_days"]  # the fixture exercises beyond the plan
    out: dict[str, list[str]] = {
        "header": [NOTE, f"For: {NAME}", view.period.label()],
        "adherence": [
            f"{a['days_with_data']} of {a['planned_days']} planned days (100% of the plan)",
            f"Sessions: {a['sessions']} ({a['live_sessions']} live, {a['reviews']} clip review",
        ],
    }
    rows = view.per_exercise()
    assert {r["timer"] for r in rows} == {True, False}  # a measured exercise and a timer
    out["per exercise"] = [f"{r['name']} {r['prescribed']}" for r in rows if not r["timer"]] + [
        f"{r['sets_at_target']} of {r['sets']} {r['good_form_share']:.0%} "
        f"{r['full_reps']} of {r['attempts']}"
        for r in rows
        if not r["timer"]
    ]
    timer = next(r for r in rows if r["timer"])
    timer_sets = [x for x in view.sets if x["timer"]]
    out["per exercise"].append(
        f"{timer['name']} {timer['prescribed']} {len(timer_sets)} sets, "
        f"{sum(x['holds'] for x in timer_sets)} holds: guided timer (not measured)"
    )
    sides = [s for s in view.sides() if s["exercise"] != timer_sets[0]["exercise"]]
    assert any(s["asymmetry"] > ASYMMETRY_FLAG for s in sides)  # fewer reps on the right
    out["sides"] = [
        f"{s['name']} {s['left']} reps {s['right']} reps {s['asymmetry']:.0%}"
        + (f" — above {ASYMMETRY_FLAG:.0%}" if s["asymmetry"] > ASYMMETRY_FLAG else "")
        for s in sides
    ]
    faults = view.top_faults(5)
    assert faults
    out["form warnings"] = [
        f"{f['exercise']} {f['cue']} {f['count']} {f['days']} {f['dates'][0]} {f['last']}"
        for f in faults
    ]
    out["range of motion"] = [
        f"{r['name']} {r['feature'].replace('_', ' ')} ({r['measure']}) {r['target']}°"
        for r in view.rom()
    ]
    trend = view.pain_trend()
    stops = view.stops()
    assert stops and trend["before"] is not None and trend["after"] is not None
    out["pain"] = [
        f"Pain before exercise (0-10): {view.pain()[0]['before']} at first",
        f"trend {trend['before']:+.1f} a week",
        f"trend {trend['after']:+.1f} a week",
        f"Stop (pain): {len(stops)} session",
    ] + [
        f"{s['started_at'][:10]} {s['started_at'][11:16]} {s['exercise']} {s['reason']}"
        for s in stops
    ]
    flags = view.quality()
    assert flags
    out["data quality"] = [f"{q['day']} {q['exercise']} {q['side']} {q['flags']}" for q in flags]
    return out


def missing(text: str, view: HistoryView) -> dict[str, list[str]]:
    gaps = {k: [p for p in ps if flat(p) not in text] for k, ps in phrases(view).items()}
    return {k: v for k, v in gaps.items() if v}


def test_the_pdf_says_what_the_history_holds(pdf_file: Path, view: HistoryView) -> None:
    pages, text = pdf_text(pdf_file)
    assert 1 <= pages <= 2
    assert missing(text, view) == {}
    for title in ("Adherence", "Per exercise", "Per side", "Top form warnings"):
        assert title in text
    for title in ("Range of motion", "Pain", "Data quality"):
        assert title in text


def test_the_html_says_the_same(html_file: Path, view: HistoryView) -> None:
    source = html_file.read_text(encoding="utf-8")
    assert missing(html_visible_text(source), view) == {}
    # the calendar strip: one filled box per day with exercise, one box per day of the period
    assert source.count('class="day on"') == view.adherence()["days_with_data"]
    assert source.count('<g class="day ') == view.period.days
    # the pain chart: a point per score, a marker per Stop (pain)
    pain = view.pain()
    scored = sum((p["before"] is not None) + (p["after"] is not None) for p in pain)
    assert source.count("<circle ") == scored
    assert source.count('<g class="stop">') == len({s["day"] for s in view.stops()})


def test_the_html_is_one_self_contained_file(html_file: Path) -> None:
    source = html_file.read_text(encoding="utf-8").lower()
    for never in (
        "http://",
        "https://",
        "<script",
        "<link",
        "@import",
        "url(",
        "src=",
        "@font-face",
    ):
        assert never not in source, never
    assert source.startswith("<!doctype html>") and '<meta charset="utf-8">' in source
    assert "@media print" in source and "<svg" in source


def test_both_formats_print_the_same_cells(history: Path, view: HistoryView) -> None:
    report = build_report(view, NAME)
    html = html_visible_text(html_text(report))
    _, pdf = pdf_text(_pdf(report, history.parent / "same.pdf"))
    for section in report.sections:
        for line in section.lines:
            assert flat(line) in html and flat(line) in pdf, line
        for row in section.table.rows if section.table else ():
            assert flat(" ".join(row)) in html and flat(" ".join(row)) in pdf, row


def _pdf(report, path: Path) -> Path:
    report_mod.write_pdf(report, path)
    return path


def test_the_calendar_strip_counts_the_days(view: HistoryView) -> None:
    report = build_report(view, NAME)
    assert report.calendar_unit == 1 and len(report.calendar) == view.period.days
    assert sum(b.share for b in report.calendar) == view.adherence()["days_with_data"]
    before = [b.first for b in report.calendar if b.before_first]
    assert before == [d["day"] for d in view.calendar() if d["day"] < START.date().isoformat()]
    assert report.stop_days == tuple(sorted({s["day"] for s in view.stops()}))


@pytest.mark.parametrize(("days", "unit"), [(93, 1), (365, 7), (3000, 28)])
def test_a_long_period_gets_a_box_a_week_or_four(history: Path, days: int, unit: int) -> None:
    with HistoryStore(history) as store:
        view = HistoryView(store, days=days, today=TODAY)
        report = build_report(view)
    assert report.calendar_unit == unit
    assert len(report.calendar) == -(-days // unit) <= report_mod.MAX_CALENDAR_BOXES * 2
    assert report.calendar[0].first == view.period.first.isoformat()
    assert report.calendar[-1].last == TODAY.isoformat()
    exercised = sum(
        round(b.share * ((date.fromisoformat(b.last) - date.fromisoformat(b.first)).days + 1))
        for b in report.calendar
    )
    assert exercised == view.adherence()["days_with_data"]
    assert report.name == "—"


EXERCISE_ROWS = [
    (
        "reps",
        {"name": "Glute bridge", "prescribed": "2 × 10 reps", "target_label": "reps", "sets": 4,  # noqa: RUF001
         "sets_at_target": 1, "reps": 30, "mean_per_set": 7.5, "full_reps": 30, "attempts": 33,
         "good_form_share": 0.9, "timer": False},
        0,
        ("Glute bridge", "2 × 10 reps", "4 sets, 30 reps (7.5 a set)", "1 of 4", "90%",  # noqa: RUF001
         "30 of 33"),
    ),
    (
        "holds",
        {"name": "Plank", "prescribed": "2 × 1 hold(s) of 20 s", "target_label": "holds",  # noqa: RUF001
         "sets": 2, "sets_at_target": 2, "holds": 2, "holds_at_time": 1, "best_hold_s": 21.5,
         "full_reps": 0, "attempts": 0, "good_form_share": None, "timer": False},
        0,
        ("Plank", "2 × 1 hold(s) of 20 s", "2 sets, 2 holds (1 held the full time; best 21.5 s)",  # noqa: RUF001
         "2 of 2", "—", "—"),
    ),
    (
        "guided timer",
        {"name": "QL stretch", "prescribed": "—", "target_label": "reps", "sets": 1,
         "sets_at_target": 0, "reps": 0, "timer": True},
        1,
        ("QL stretch", "—", "1 set, 1 hold: guided timer (not measured)", "—", "—", "—"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "timer_holds", "cells"),
    [r[1:] for r in EXERCISE_ROWS],
    ids=[r[0] for r in EXERCISE_ROWS],
)
def test_an_exercise_row_says_prescribed_and_done(row: dict, timer_holds: int, cells) -> None:
    assert report_mod._exercise_row(row, timer_holds) == cells


def test_without_dejavu_the_pdf_falls_back_to_ascii(
    history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, view: HistoryView
) -> None:
    monkeypatch.setattr(report_mod, "_font_files", lambda: None)
    out = tmp_path / "ascii.pdf"
    with HistoryStore(history) as store:
        write_report(store, out, days=30, name=NAME, today=TODAY)
    pages, text = pdf_text(out)
    assert 1 <= pages <= 2
    assert NOTE in text and "2 x 10 reps" in text and "Zoë ?ukasz" in text
    a = view.adherence()
    assert f"{a['days_with_data']} of {a['planned_days']} planned days" in text


def test_the_name_comes_from_the_history_settings(history: Path, tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    shutil.copyfile(history, db)
    with HistoryStore(db) as store:
        store.put_setting("name", "Ana <Ruiz> & co")
        write_report(store, tmp_path / "r.html", today=TODAY)
        write_report(store, tmp_path / "blank.html", name="  ", today=TODAY)
    source = (tmp_path / "r.html").read_text("utf-8")
    assert "For: Ana <Ruiz> & co" in html_visible_text(source) and "<Ruiz>" not in source
    assert "For: —" in html_visible_text((tmp_path / "blank.html").read_text("utf-8"))


def _one_line(err: pytest.ExceptionInfo[HistoryError]) -> str:
    line = str(err.value)
    assert line and "\n" not in line
    return line


def test_nothing_recorded_gets_one_line_and_keeps_the_old_report(
    history: Path, tmp_path: Path
) -> None:
    old = tmp_path / "report.pdf"
    old.write_bytes(b"last month's report")
    with HistoryStore(tmp_path / "empty.db") as store, pytest.raises(HistoryError) as err:
        write_report(store, old, days=30, today=TODAY)
    line = _one_line(err)
    assert "nothing recorded yet" in line and "30 days" in line and str(old) in line
    with HistoryStore(history) as store, pytest.raises(HistoryError) as err:
        write_report(store, old, days=7, today=START.date() - timedelta(days=1))  # before it all
    assert "nothing recorded yet in the last 7 days" in _one_line(err)
    assert old.read_bytes() == b"last month's report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db", "report.pdf"]


@pytest.mark.parametrize("name", ["report.txt", "report", "report.pdf.bak", "report.docx"])
def test_a_bad_suffix_gets_one_line(history: Path, tmp_path: Path, name: str) -> None:
    with HistoryStore(history) as store, pytest.raises(HistoryError) as err:
        write_report(store, tmp_path / name, today=TODAY)
    line = _one_line(err)
    assert str(tmp_path / name) in line and ".pdf, .html or .htm" in line
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_made_and_an_unwritable_one_gets_one_line(
    history: Path, tmp_path: Path
) -> None:
    """As review's outputs (formcheck/outputs.py): ``mkdir -p``, or one line."""
    with HistoryStore(history) as store:
        write_report(store, tmp_path / "new" / "report.pdf", today=TODAY)
        assert (tmp_path / "new" / "report.pdf").read_bytes().startswith(b"%PDF-")
        with pytest.raises(FormcheckError) as err:
            write_report(store, "/proc/formcheck-report.pdf", today=TODAY)
    line = _one_line(err)
    assert "/proc" in line and "cannot create files" in line


def test_a_report_replaces_the_old_one_whole(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.htm"
    out.write_text("x" * 1_000_000)
    with HistoryStore(history) as store:
        write_report(store, out, today=TODAY)
    source = out.read_text("utf-8")
    assert source.startswith("<!doctype html>") and source.rstrip().endswith("</html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.htm"]  # no temporary file left


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_the_pdf_renders_to_one_or_two_pages(pdf_file: Path, tmp_path: Path) -> None:
    import cv2

    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(pdf_file), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    pngs = sorted(tmp_path.glob("page*.png"))
    assert 1 <= len(pngs) <= 2
    for png in pngs:
        gray = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
        assert gray is not None and gray.shape[0] > gray.shape[1]  # A4 portrait
        assert (gray < 200).mean() > 0.004  # printed, not a blank page
