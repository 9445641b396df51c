"""The Progress page in a real browser, on a history written through the real engine
(tests/historykit.py): the numbers it shows are HistoryView's, its charts draw, the
sessions list keeps an interrupted set's reps and a Stop's reason, the downloads hold
everything, Delete all empties the history; an empty history says so and an unreadable
one gets one line while the other pages still work.

The app runs with FORMCHECK_HOME set to this module's own folder; each test puts the
history file it needs there (the page opens the file on every run). Nothing waits on the
clock: the page draws a marker (``#fc-progress-rendered``) last, with its state and
period, and the tests wait for it.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from browserkit import main_text, run_app, screenshot, wait_for_app, wait_until_settled

from formcheck.app.progress_page import EMPTY, report_writer
from formcheck.history import HistoryStore
from formcheck.history.query import HistoryView
from formcheck.history.store import TABLES

MARKER = "#fc-progress-rendered"
CHARTS = '[data-testid="stVegaLiteChart"]'
GIVE_UP_S = 60.0
#: Per chart: how many marks it has drawn (svg paths, or a canvas with a size).
DRAWN_JS = """(sel) => [...document.querySelectorAll(sel)].map(c => {
  const canvas = c.querySelector('canvas');
  if (canvas) return canvas.width > 0 && canvas.height > 0 ? 1 : 0;
  return c.querySelectorAll('svg g.role-mark path, svg g.role-mark text').length;
})"""


@pytest.fixture(scope="module")
def progress_app(
    tmp_path_factory: pytest.TempPathFactory, playwright_instance: Any
) -> Iterator[tuple[str, Path]]:
    """The app with its own FORMCHECK_HOME (its server's environment). Yields (URL,
    the history file's path). (``playwright_instance``: skip before starting a server
    when there is no browser.)"""
    home = tmp_path_factory.mktemp("progress-home")
    with run_app(tmp_path_factory.mktemp("streamlit") / "streamlit.log", home=home) as url:
        yield url, home / "history.db"


def put_history(db: Path, source: Path | bytes | None) -> None:
    """Make ``db`` a copy of ``source``, these bytes, or nothing at all."""
    for f in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        f.unlink(missing_ok=True)
    if isinstance(source, Path):
        shutil.copyfile(source, db)
    elif isinstance(source, bytes):
        db.write_bytes(source)


def open_progress(page: Any, url: str, state: str) -> None:
    page.goto(f"{url}/progress")
    wait_for_app(page)
    wait_until_settled(page, f'{MARKER}[data-state="{state}"]')


def metric_values(page: Any) -> list[str]:
    return [v.strip() for v in page.get_by_test_id("stMetricValue").all_inner_texts()]


def adherence_values(view: HistoryView) -> list[str]:
    a = view.adherence()
    return [
        f"{a['days_with_data']} of {a['planned_days']}",
        f"{a['share']:.0%}",
        str(a["sessions"]),
    ]


def expected_charts(view: HistoryView) -> int:
    """The calendar, reps and/or holds, good form, sides, pain, form cues, one per range."""
    labels = {r["target_label"] for r in view.per_exercise()}
    form = any(r["good_form_share"] is not None for r in view.per_day_exercise())
    return (
        1
        + ("reps" in labels)
        + ("holds" in labels)
        + form
        + bool(view.sides())
        + bool(view.pain())
        + bool(view.top_faults())
        + len(view.rom())
    )


def scroll_to(page: Any, target: Any) -> None:
    """Put ``target`` at the top of the view, under the page's navigation bar (and the
    mouse out of the way, so nothing shows its hover state)."""
    page.mouse.move(1, 300)
    target.evaluate(
        """e => {
          e.scrollIntoView({block: 'start'});
          for (let p = e.parentElement; p; p = p.parentElement) {
            if (p.scrollHeight > p.clientHeight && getComputedStyle(p).overflowY !== 'visible') {
              p.scrollBy(0, -70);
              break;
            }
          }
        }"""
    )


def download(page: Any, button: str) -> bytes:
    with page.expect_download(timeout=GIVE_UP_S * 1000) as dl:
        page.get_by_role("button", name=button).click()
    return Path(dl.value.path()).read_bytes()


def poll(check: Any, what: str) -> Any:
    """``check()`` until it returns something true (the server writes on its own thread)."""
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting: {what}")


def test_progress_shows_the_history_and_erases_it(
    progress_app: tuple[str, Path], filled_history_file: Path, page: Any, browser: Any
) -> None:
    url, db = progress_app
    put_history(db, filled_history_file)
    with HistoryStore(db) as store:
        last_7 = HistoryView(store, days=7)
        last_30 = HistoryView(store, days=30)
        everything = HistoryView(store, days=None)
        counts = store.counts()
    assert counts["sessions"] > 0

    # The default period is the last 30 days: its numbers are HistoryView's.
    open_progress(page, url, "shown")
    marker = page.locator(MARKER)
    assert marker.get_attribute("data-period") == last_30.period.label()
    if last_30.empty:  # the filled weeks are long past on this machine's clock
        assert "Nothing recorded in the last 30 days" in main_text(page)
    else:
        assert metric_values(page) == adherence_values(last_30)

    # The last 7 days (past the filled weeks unless the clock is back in them).
    periods = page.get_by_test_id("stButtonGroup")
    periods.get_by_text("Last 7 days", exact=True).click()
    wait_until_settled(page, f'{MARKER}[data-period="{last_7.period.label()}"]')
    if last_7.empty:
        assert "Nothing recorded in the last 7 days" in main_text(page)
        assert page.locator(CHARTS).count() == 0
    else:
        assert metric_values(page) == adherence_values(last_7)

    # Everything: the numbers, every chart drawn, the calendar one cell a day.
    periods.get_by_text("Everything", exact=True).click()
    wait_until_settled(page, f'{MARKER}[data-period="{everything.period.label()}"]')
    assert metric_values(page) == adherence_values(everything)
    assert int(marker.get_attribute("data-sessions")) == len(everything.sessions)
    n = expected_charts(everything)
    assert n >= 7, "the filled history should give every kind of chart"
    assert int(marker.get_attribute("data-charts")) == n
    assert page.locator(CHARTS).count() == n
    page.wait_for_function(
        f"(sel) => ({DRAWN_JS})(sel).every(k => k > 0)", arg=CHARTS, timeout=GIVE_UP_S * 1000
    )
    calendar = page.locator(CHARTS).first
    cells = calendar.locator("svg g.mark-rect path")
    assert cells.count() == len(everything.calendar()) == everything.period.days
    # Each chart has its numbers under it.
    assert page.get_by_text("Numbers", exact=True).count() == n

    text = main_text(page)
    side = everything.sides()[0]
    assert f"{side['left']} left, {side['right']} right" in text
    assert f"{side['asymmetry']:.0%} fewer" in text
    chart_text = " ".join(page.eval_on_selector_all(CHARTS, "cs => cs.map(c => c.textContent)"))
    assert everything.top_faults(1)[0]["cue"] in chart_text
    for flagged in everything.quality():
        assert flagged["flags"] in text

    # The sessions, newest first; the stopped one says why, the interrupted one keeps its reps.
    rows = everything.session_rows()
    labels = page.locator('[data-testid="stExpander"] summary').all_inner_texts()
    sessions = [lab for lab in labels if " · " in lab]
    assert len(sessions) == len(rows)
    for lab, row in zip(sessions, rows, strict=True):  # newest first
        t = datetime.strptime(row["started"], "%Y-%m-%d %H:%M")
        assert f"{t.day} {t:%b %Y}, {t:%H:%M}" in lab, (lab, row)
    stopped = next(r for r in rows if r["status"] == "stopped")
    interrupted = next(r for r in rows if r["status"] == "interrupted")
    stop_box = page.locator(f".st-key-progress-session-{stopped['id']}")
    assert stopped["stop_reason"] and stopped["stop_reason"] in stop_box.inner_text()
    assert "pain increased or spread" in text  # the Stop (pain) list
    box = page.locator(f".st-key-progress-session-{interrupted['id']}")
    assert "interrupted" in box.inner_text() and f"{interrupted['reps']} reps" in box.inner_text()
    box.locator("summary").click()
    (cut,) = everything.set_rows(int(interrupted["id"]))
    assert cut["status"] == "interrupted" and cut["done"].startswith(f"{interrupted['reps']} /")
    table = box.get_by_test_id("stTable")
    table.wait_for()
    assert cut["done"] in table.inner_text() and "interrupted" in table.inner_text()

    scroll_to(page, page.get_by_role("heading", name="Sessions"))
    screenshot(page, "progress_sessions")
    scroll_to(page, page.get_by_role("heading", name="Reps, holds and good form"))
    screenshot(page, "progress_charts")
    scroll_to(page, page.get_by_role("heading", name="Left and right"))
    screenshot(page, "progress_charts_2")
    scroll_to(page, page.get_by_role("heading", name="Progress", level=1))
    screenshot(page, "progress")

    # A phone: the same page, one column.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        pg = phone.new_page()
        pg.set_default_timeout(30_000)
        open_progress(pg, url, "shown")
        assert pg.locator(CHARTS).count() == int(pg.locator(MARKER).get_attribute("data-charts"))
        screenshot(pg, "progress_phone")
        scroll_to(pg, pg.locator(CHARTS).first)
        screenshot(pg, "progress_phone_calendar")
    finally:
        phone.close()

    # Who the report is for: kept in the history's settings.
    name = page.get_by_role("textbox", name="Who the report is for")
    name.fill("Alex Example")
    name.press("Enter")

    def saved_name() -> str:
        with HistoryStore(db) as store:
            return store.get_setting("name")

    poll(lambda: saved_name() == "Alex Example", "the name in the history's settings")
    wait_until_settled(page, MARKER)

    # Export everything: the JSON has every table, row for row; the CSV is one table.
    with HistoryStore(db) as store:
        counts = store.counts()
    data = json.loads(download(page, "Everything (JSON)"))
    assert set(TABLES) <= set(data)
    assert {t: len(data[t]) for t in TABLES} == counts
    assert data["settings"] == [{"key": "name", "value": "Alex Example"}]
    rows_csv = list(csv.DictReader(io.StringIO(download(page, "Everything (CSV)").decode())))
    assert len(rows_csv) == sum(counts.values())
    assert {r["table"] for r in rows_csv} == {t for t, k in counts.items() if k}

    # The physio report, when this install has one.
    if report_writer() is not None:
        pdf = download(page, "Report (PDF)")
        assert pdf.startswith(b"%PDF-")
        report = download(page, "Report (HTML)").decode()
        assert "<html" in report.lower() and "Alex Example" in report
    else:
        assert "The physio report is not available in this install." in main_text(page)

    # Delete all: nothing goes without DELETE typed; then everything goes.
    page.get_by_text("Delete all history", exact=True).first.click()
    form = page.get_by_test_id("stForm")
    confirm = form.get_by_role("textbox", name="Type DELETE to confirm")
    confirm.fill("delete")
    form.get_by_role("button", name="Delete all history").click()
    page.get_by_text("Nothing deleted: type DELETE in the box to confirm.").wait_for()
    wait_until_settled(page, MARKER)
    with HistoryStore(db) as store:
        assert store.counts() == counts
    confirm.fill("DELETE")
    form.get_by_role("button", name="Delete all history").click()
    wait_until_settled(page, f'{MARKER}[data-state="empty"]')
    text = main_text(page)
    n_sessions = counts["sessions"]
    assert f"Deleted all history ({n_sessions} sessions)." in text
    assert EMPTY in text
    assert page.locator(CHARTS).count() == 0
    with HistoryStore(db) as store:
        assert set(store.counts().values()) == {0}


def test_an_empty_history_says_so(progress_app: tuple[str, Path], page: Any) -> None:
    url, db = progress_app
    put_history(db, None)
    open_progress(page, url, "empty")
    text = main_text(page)
    assert EMPTY in text
    assert f"Stored only on this computer at {db}. No video is stored." in text
    assert page.locator(CHARTS).count() == 0
    assert page.get_by_role("button", name="Everything (JSON)").count() == 0
    assert page.get_by_test_id("stAlertContentError").count() == 0
    screenshot(page, "progress_empty", height=700)


def test_an_unreadable_history_is_one_line_and_the_app_still_works(
    progress_app: tuple[str, Path], page: Any
) -> None:
    url, db = progress_app
    garbage = bytes(range(256)) * 64
    put_history(db, garbage)
    open_progress(page, url, "error")
    errors = page.get_by_test_id("stAlertContentError")
    assert errors.count() == 1
    line = errors.get_by_test_id("stMarkdownContainer").inner_text().strip()
    assert "\n" not in line, line
    assert str(db) in line and "not a readable formcheck history" in line, line
    assert page.get_by_test_id("stException").count() == 0
    assert "Traceback" not in main_text(page)
    screenshot(page, "progress_error", height=500)
    # The other pages still load, and the file is as it was (nothing is lost or replaced).
    for path, title in (("/library", "Exercise library"), ("/review", "Review a clip")):
        page.goto(f"{url}{path}")
        wait_for_app(page)
        assert title in page.get_by_role("heading", level=1).inner_text()
    assert db.read_bytes() == garbage
