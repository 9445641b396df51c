"""Progress: what was done over days and weeks, from the history on this computer.

The days exercised against the routine's plan, reps, holds and good form per exercise,
the two sides, pain before and after, the most frequent form cues, range of motion, sets
to read with care, every session with its sets, and the user's data: the physio report,
export and delete.

Everything shown comes from :class:`formcheck.history.query.HistoryView` (the same folds
``formcheck history`` and the report use). The chart builders here are plain functions
of those folds; :func:`render` only lays them out.
"""

from __future__ import annotations

import html
import logging
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from formcheck.history.query import HistoryView
from formcheck.history.store import HistoryError, HistoryStore, default_path

log = logging.getLogger(__name__)

#: The period choices, and their number of days (None: everything).
PERIODS: dict[str, int | None] = {
    "Last 7 days": 7,
    "Last 30 days": 30,
    "Last 90 days": 90,
    "Everything": None,
}
DEFAULT_PERIOD = "Last 30 days"
PERIOD_WIDGET = "progress-period"
NAME_WIDGET = "progress-name"
DELETED = "progress-deleted"  # sessions erased by the last Delete all (for its message)
#: The sessions list shows this many (newest first); the export has them all.
SESSIONS_SHOWN = 60
EMPTY = (
    "Nothing recorded yet: finished sets from Live coaching appear here "
    "(and clip reviews you choose to save)."
)

#: Calendar colours: a day with sets, a day stopped for pain, a day without.
DAY_COLOURS = {"exercised": "#2e7d32", "stopped for pain": "#ef6c00", "no exercise": "#e3ebe6"}
SIDE_COLOURS = {"left": "#1565c0", "right": "#ef6c00"}
PAIN_COLOURS = {"before": "#8e24aa", "after": "#00897b"}
#: A chart's whole height in pixels (its axes and legend included).
CHART_HEIGHT = 280
STATUS_WORDS = {
    "finished": "finished",
    "stopped": "stopped for pain",
    "interrupted": "interrupted",
    "in progress": "in progress",
}


# ---------------------------------------------------------------------------
# What the charts show (plain functions of the view's folds)
# ---------------------------------------------------------------------------


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _day_label(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def calendar_cells(view: HistoryView) -> list[dict[str, Any]]:
    """One cell per day of the period, in a grid of weeks (rows) by weekdays (columns); each
    week's label says how many days it had exercise against the plan's days a week."""
    plan = view.adherence()["planned_per_week"]
    stopped = {s["day"] for s in view.stops()}
    days = view.calendar()
    per_week: dict[date, int] = {}
    for row in days:
        monday = _monday(date.fromisoformat(row["day"]))
        per_week[monday] = per_week.get(monday, 0) + int(row["exercised"])
    cells = []
    for row in days:
        d = date.fromisoformat(row["day"])
        monday = _monday(d)
        status = (
            "stopped for pain"
            if row["day"] in stopped
            else "exercised"
            if row["exercised"]
            else "no exercise"
        )
        cells.append(
            {
                "day": row["day"],
                "date": d.day,
                "weekday": d.strftime("%a"),
                "week": f"Week of {_day_label(monday)} · {per_week[monday]} of {plan}",
                "week_start": monday.isoformat(),
                "status": status,
                "sessions": row["sessions"],
                "sets": row["sets"],
                "reps": row["reps"],
                "holds": row["holds"],
            }
        )
    return cells


def calendar_chart(cells: list[dict[str, Any]]) -> alt.LayerChart:
    weeks = list(dict.fromkeys(c["week"] for c in sorted(cells, key=lambda c: c["week_start"])))
    weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    df = pd.DataFrame(cells)
    base = alt.Chart(df).encode(
        x=alt.X(
            "weekday:O",
            sort=weekdays,
            title=None,
            axis=alt.Axis(orient="top", labelAngle=0, ticks=False, domain=False),
        ),
        y=alt.Y(
            "week:O",
            sort=weeks,
            title=None,
            axis=alt.Axis(ticks=False, domain=False, labelLimit=240),
        ),
    )
    kinds = list(DAY_COLOURS)
    rects = base.mark_rect(cornerRadius=4, stroke="#ffffff", strokeWidth=3).encode(
        color=alt.Color(
            "status:N",
            scale=alt.Scale(domain=kinds, range=[DAY_COLOURS[k] for k in kinds]),
            legend=alt.Legend(title=None, orient="bottom", direction="vertical"),
        ),
        tooltip=[
            alt.Tooltip("day:N", title="day"),
            alt.Tooltip("status:N", title="what"),
            "sessions:Q",
            "sets:Q",
            "reps:Q",
            "holds:Q",
        ],
    )
    text = base.mark_text(fontSize=11).encode(
        text="date:Q",
        color=alt.condition(
            alt.datum.status == "no exercise", alt.value("#5b6b62"), alt.value("#ffffff")
        ),
    )
    # The height is the whole chart's (axis and legend too): Streamlit fits it.
    return alt.LayerChart(layer=[rects, text], height=32 * len(weeks) + 120)


def count_rows(view: HistoryView) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(reps per day and exercise, holds per day and exercise): each exercise counted in
    what its prescription counts."""
    label = {r["name"]: r["target_label"] for r in view.per_exercise()}
    reps, holds = [], []
    for r in view.per_day_exercise():
        if label.get(r["exercise"]) == "holds":
            holds.append({"day": r["day"], "exercise": r["exercise"], "holds": r["holds"]})
        else:
            reps.append({"day": r["day"], "exercise": r["exercise"], "reps": r["reps"]})
    return reps, holds


def _day_axis() -> alt.X:
    return alt.X("day:T", timeUnit="utcyearmonthdate", title=None, axis=alt.Axis(format="%d %b"))


def count_chart(rows: list[dict[str, Any]], what: str) -> alt.Chart:
    """Reps (or holds) per day, stacked by exercise."""
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=_day_axis(),
            y=alt.Y(f"sum({what}):Q", title=what),
            color=alt.Color("exercise:N", legend=alt.Legend(title=None, orient="bottom")),
            tooltip=["day:N", "exercise:N", f"{what}:Q"],
        )
        .properties(height=CHART_HEIGHT)
    )


def form_rows(view: HistoryView) -> list[dict[str, Any]]:
    return [
        {"day": r["day"], "exercise": r["exercise"], "good form": r["good_form_share"]}
        for r in view.per_day_exercise()
        if r["good_form_share"] is not None
    ]


def form_chart(rows: list[dict[str, Any]]) -> alt.Chart:
    """The share of full reps done without a form fault, per day and exercise."""
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=True)
        .encode(
            x=_day_axis(),
            y=alt.Y(
                "good form:Q",
                title="reps in good form",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("exercise:N", legend=alt.Legend(title=None, orient="bottom")),
            tooltip=["day:N", "exercise:N", alt.Tooltip("good form:Q", format=".0%")],
        )
        .properties(height=CHART_HEIGHT)
    )


def side_rows(view: HistoryView) -> list[dict[str, Any]]:
    return [
        {"exercise": r["name"], "side": side, "count": r[side]}
        for r in view.sides()
        for side in ("left", "right")
    ]


def side_chart(rows: list[dict[str, Any]]) -> alt.Chart:
    sides = list(SIDE_COLOURS)
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            y=alt.Y("exercise:N", title=None),
            yOffset=alt.YOffset("side:N", sort=sides),
            x=alt.X("count:Q", title="reps or holds"),
            color=alt.Color(
                "side:N",
                scale=alt.Scale(domain=sides, range=[SIDE_COLOURS[s] for s in sides]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=["exercise:N", "side:N", "count:Q"],
        )
        .properties(height=70 * len({r["exercise"] for r in rows}) + 110)
    )


def asymmetry_line(row: dict[str, Any]) -> str:
    """``Glute bridge: 55 left, 39 right (the right did 29% fewer).``"""
    left, right = row["left"], row["right"]
    base = f"**{row['name']}:** {left} left, {right} right"
    if row["asymmetry"] is None or left == right:
        return base + " (even)."
    weaker = "right" if right < left else "left"
    return base + f" (the {weaker} did {row['asymmetry']:.0%} fewer)."


def pain_rows(view: HistoryView) -> list[dict[str, Any]]:
    return [
        {"when": r["started_at"], "day": r["day"], "moment": moment, "score": r[moment]}
        for r in view.pain()
        for moment in ("before", "after")
        if r[moment] is not None
    ]


def pain_chart(rows: list[dict[str, Any]]) -> alt.Chart:
    moments = list(PAIN_COLOURS)
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("when:T", title=None, axis=alt.Axis(format="%d %b")),
            y=alt.Y("score:Q", title="pain (0-10)", scale=alt.Scale(domain=[0, 10])),
            color=alt.Color(
                "moment:N",
                scale=alt.Scale(domain=moments, range=[PAIN_COLOURS[m] for m in moments]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=["day:N", "moment:N", "score:Q"],
        )
        .properties(height=CHART_HEIGHT)
    )


def trend_words(per_week: float | None, what: str) -> str:
    if per_week is None:
        return f"{what}: too few days for a trend."
    if abs(per_week) < 0.05:
        return f"{what}: steady."
    way = "down" if per_week < 0 else "up"
    return f"{what}: {way} {abs(per_week):.1f} points a week."


def fault_chart(rows: list[dict[str, Any]]) -> alt.Chart:
    df = pd.DataFrame([{**r, "what": f"{r['cue']} ({r['exercise']})"} for r in rows])
    return (
        alt.Chart(df)
        .mark_bar(color="#ef6c00")
        .encode(
            y=alt.Y("what:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("count:Q", title="times", axis=alt.Axis(tickMinStep=1, format="d")),
            tooltip=["exercise:N", "cue:N", "count:Q", "days:Q", "last:N"],
        )
        .properties(height=36 * len(rows) + 80)
    )


def rom_target(row: dict[str, Any]) -> float | None:
    """The number in the fold's target (``'above 160'`` -> 160.0)."""
    try:
        return float(str(row["target"]).split()[-1])
    except (ValueError, IndexError):
        return None


def rom_chart(row: dict[str, Any]) -> alt.LayerChart:
    """One exercise's median peak (or range from rest) per day, and its target."""
    measure = f"{row['measure']} ({str(row['feature']).replace('_', ' ')})"
    df = pd.DataFrame(row["days"])
    line = (
        alt.Chart(df)
        .mark_line(point=True, color="#37474f")
        .encode(
            x=_day_axis(),
            y=alt.Y("value:Q", title=measure, scale=alt.Scale(zero=False)),
            tooltip=["day:N", "value:Q"],
        )
    )
    layers: list[Any] = [line]
    target = rom_target(row)
    if target is not None:
        layers.append(
            alt.Chart(pd.DataFrame([{"target": target, "label": f"target: {row['target']}"}]))
            .mark_rule(color="#2e7d32", strokeDash=[6, 4], strokeWidth=2)
            .encode(y="target:Q", tooltip=["label:N"])
        )
    return alt.LayerChart(layer=layers, height=CHART_HEIGHT - 20, title=row["name"])


def session_label(row: dict[str, Any]) -> str:
    """``Sat 21 Nov 2026, 08:00 · Strength routine · finished · 6 reps · pain 2 → 1``."""
    try:
        t = datetime.strptime(row["started"], "%Y-%m-%d %H:%M")
        when = f"{t:%a} {t.day} {t:%b %Y, %H:%M}"
    except ValueError:
        when = row["started"]
    what = row["what"] or ""
    if row["source"] == "review":
        what = f"Clip review: {what}" if what else "Clip review"
    status = STATUS_WORDS.get(row["status"], row["status"])
    if row["stop_reason"]:
        status += f" ({row['stop_reason']})"
    parts = [when, what, status, f"{row['reps']} reps"]
    if row["holds"]:
        parts.append(f"{row['holds']} holds")
    if row["pain"]:
        parts.append(f"pain {row['pain']}")
    return " · ".join(p for p in parts if p)


# ---------------------------------------------------------------------------
# Downloads (made when clicked, from a store of their own)
# ---------------------------------------------------------------------------


def export_bytes(path: Path, suffix: str) -> bytes:
    """Everything in the history as JSON or as one CSV table (``formcheck history
    --export``'s format)."""
    from formcheck.history.cli import export_text

    with HistoryStore(path, create=False) as store:
        return export_text(store, suffix).encode("utf-8")


def report_writer() -> Callable[..., Any] | None:
    """The physio report's writer, or None when this install has none (or a broken one:
    the rest of the page must not go down with it)."""
    try:
        from formcheck.history.report import write_report
    except Exception:
        log.exception("the physio report can't be loaded")
        return None
    return write_report


def report_bytes(path: Path, suffix: str, days: int | None, name: str | None) -> bytes:
    write = report_writer()
    if write is None:
        raise HistoryError("the physio report is not available in this install")
    with tempfile.TemporaryDirectory(prefix="formcheck-report-") as tmp:
        out = Path(tmp) / f"report{suffix}"
        with HistoryStore(path, create=False) as store:
            write(store, out, days=days, name=name or None)
        return out.read_bytes()


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def render() -> None:
    st.title("Progress")
    deleted = st.session_state.pop(DELETED, None)
    if deleted is not None:
        st.success(
            f"Deleted all history ({deleted} session{'s' if deleted != 1 else ''}).",
            icon=":material/delete:",
        )
    try:
        path = default_path()
        store = HistoryStore(path)
    except HistoryError as err:
        st.error(str(err), icon=":material/error:")
        _marker("error")
        return
    with store:
        try:
            _render(store)
        except (HistoryError, sqlite3.Error) as err:  # damaged after its header, or gone
            log.warning("progress page: %s", err)
            st.error(f"{store.path}: can't read the history ({err})", icon=":material/error:")
            _marker("error")


def _render(store: HistoryStore) -> None:
    if store.counts()["sessions"] == 0:
        st.info(EMPTY, icon=":material/insights:")
        _your_data(store, None, empty=True)
        _marker("empty")
        return
    choice = st.segmented_control(
        "Period",
        list(PERIODS),
        default=DEFAULT_PERIOD,
        required=True,
        key=PERIOD_WIDGET,
        label_visibility="collapsed",
    )
    days = PERIODS[choice or DEFAULT_PERIOD]
    view = HistoryView(store, days=days)
    st.caption(
        f"{view.period.label()}. Live sets are saved as you do them; "
        "a clip review is saved when you choose to save it."
    )
    charts = 0
    if view.empty:
        st.info(
            f"Nothing recorded in the {(choice or DEFAULT_PERIOD).lower()}. "
            "Choose a longer period to see earlier sessions.",
            icon=":material/insights:",
        )
    else:
        charts += _days_section(view)
        charts += _counts_section(view)
        left, right = st.columns(2, gap="large")
        with left:
            charts += _sides_section(view)
        with right:
            charts += _pain_section(view)
        left, right = st.columns(2, gap="large")
        with left:
            charts += _faults_section(view)
        with right:
            charts += _rom_section(view)
        _quality_section(view)
        _sessions_section(view)
    _your_data(store, days, empty=False)
    _marker("shown", view.period.label(), sessions=len(view.sessions), charts=charts)


def _marker(state: str, period: str = "", sessions: int = 0, charts: int = 0) -> None:
    """Drawn last: the page is complete once this is on it (browser tests wait on it)."""
    st.markdown(
        f'<span id="fc-progress-rendered" data-state="{html.escape(state)}" '
        f'data-period="{html.escape(period)}" data-sessions="{sessions}" '
        f'data-charts="{charts}"></span>',
        unsafe_allow_html=True,
    )


def _numbers(rows: list[dict[str, Any]], key: str) -> None:
    with st.expander("Numbers", icon=":material/table:", key=f"progress-numbers-{key}"):
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def _days_section(view: HistoryView) -> int:
    st.header("Days exercised", anchor="days")
    a = view.adherence()
    plan = a["planned_per_week"]
    # A row that stays a row on a phone (columns would stack the three numbers).
    row = st.container(horizontal=True, gap="medium")
    row.metric(
        "Days with exercise",
        f"{a['days_with_data']} of {a['planned_days']}",
        help=f"Days with at least one set, against the days your routine plans "
        f"({plan} a week) since {view.since_first.first.isoformat()}.",
    )
    row.metric("Of the plan", f"{a['share']:.0%}")
    reviews = f", {a['reviews']} clip review{'s' if a['reviews'] != 1 else ''}"
    row.metric(
        "Sessions",
        str(a["sessions"]),
        help=f"{a['live_sessions']} live{reviews if a['reviews'] else ''}",
    )
    if any(s["planned_per_week"] for s in view.sessions):
        plan_words = f"Your routine plans {plan} day{'s' if plan != 1 else ''} a week."
    else:
        plan_words = "No routine plan recorded: counted against every day."
    live = a["live_sessions"]
    st.caption(
        f"{plan_words} {live} live session{'s' if live != 1 else ''}"
        f"{reviews if a['reviews'] else ''}."
    )
    cells = calendar_cells(view)
    st.altair_chart(calendar_chart(cells), width="stretch")
    _numbers(
        [
            {k: c[k] for k in ("day", "weekday", "status", "sessions", "sets", "reps", "holds")}
            for c in cells
        ],
        "calendar",
    )
    return 1


def _counts_section(view: HistoryView) -> int:
    st.header("Reps, holds and good form", anchor="counts")
    reps, holds = count_rows(view)
    form = form_rows(view)
    charts = 0
    left, right = st.columns(2, gap="large")
    with left:
        if reps:
            st.subheader("Reps each day")
            st.altair_chart(count_chart(reps, "reps"), width="stretch")
            _numbers(reps, "reps")
            charts += 1
        if holds:
            st.subheader("Holds each day")
            st.altair_chart(count_chart(holds, "holds"), width="stretch")
            _numbers(holds, "holds")
            charts += 1
    with right:
        st.subheader("Reps in good form")
        if form:
            st.altair_chart(form_chart(form), width="stretch")
            _numbers(form, "form")
            charts += 1
        else:
            st.caption("No full reps in this period to judge.")
    st.markdown("**Each exercise against its prescription**")
    rows = [
        {
            "exercise": r["name"],
            "prescribed": r["prescribed"],
            "sessions": r["sessions"],
            "sets": r["sets"],
            "sets at target": r["sets_at_target"],
            "reps": r["reps"],
            "holds": r["holds"],
            "per set": f"{r['mean_per_set']:g}",
            "good form": "" if r["good_form_share"] is None else f"{r['good_form_share']:.0%}",
        }
        for r in view.per_exercise()
    ]
    table = pd.DataFrame(rows)
    if not table.empty and (table["holds"] == 0).all():
        table = table.drop(columns="holds")
    st.table(table, hide_index=True, border="horizontal")
    return charts


def _sides_section(view: HistoryView) -> int:
    st.header("Left and right", anchor="sides")
    sides = view.sides()
    if not sides:
        st.caption("No exercise done one side at a time in this period.")
        return 0
    for row in sides:
        st.markdown(asymmetry_line(row))
    rows = side_rows(view)
    st.altair_chart(side_chart(rows), width="stretch")
    _numbers(
        [
            {
                "exercise": r["name"],
                "left": r["left"],
                "right": r["right"],
                "difference": "" if r["asymmetry"] is None else f"{r['asymmetry']:.0%}",
            }
            for r in sides
        ],
        "sides",
    )
    return 1


def _pain_section(view: HistoryView) -> int:
    st.header("Pain before and after", anchor="pain")
    rows = pain_rows(view)
    charts = 0
    if rows:
        trend = view.pain_trend()
        st.markdown(
            f"{trend_words(trend['before'], 'Before')} {trend_words(trend['after'], 'After')}"
        )
        st.altair_chart(pain_chart(rows), width="stretch")
        _numbers(
            [{"day": r["day"], "before": r["before"], "after": r["after"]} for r in view.pain()],
            "pain",
        )
        charts = 1
    else:
        st.caption("No pain scores in this period.")
    stops = view.stops()
    st.markdown("**Stop (pain)**")
    if stops:
        st.table(
            pd.DataFrame(
                [{"day": s["day"], "exercise": s["exercise"], "reason": s["reason"]} for s in stops]
            ),
            hide_index=True,
            border="horizontal",
        )
    else:
        st.caption("No session stopped for pain in this period.")
    return charts


def _faults_section(view: HistoryView) -> int:
    st.header("Most frequent form cues", anchor="cues")
    rows = view.top_faults(8)
    if not rows:
        st.caption("No form cues in this period.")
        return 0
    st.altair_chart(fault_chart(rows), width="stretch")
    _numbers(
        [
            {
                "cue": r["cue"],
                "exercise": r["exercise"],
                "times": r["count"],
                "days": r["days"],
                "last": r["last"],
            }
            for r in rows
        ],
        "cues",
    )
    return 1


def _rom_section(view: HistoryView) -> int:
    st.header("Range of motion", anchor="range")
    rows = view.rom()
    if not rows:
        st.caption("No exercise with a range target in this period.")
        return 0
    for row in rows:
        per_week = row["per_week"]
        change = (
            ""
            if per_week is None
            else ", no change"
            if abs(per_week) < 0.05
            else f", {per_week:+.1f} a week"
        )
        st.caption(
            f"{row['name']}: median {row['measure']} {row['latest']:g} on the last day "
            f"(target {row['target']}; first day {row['first']:g}{change})."
        )
        st.altair_chart(rom_chart(row), width="stretch")
    _numbers(
        [
            {"exercise": r["name"], "day": d["day"], "value": d["value"], "target": r["target"]}
            for r in rows
            for d in r["days"]
        ],
        "range",
    )
    return len(rows)


def _quality_section(view: HistoryView) -> None:
    st.header("Sets to read with care", anchor="quality")
    rows = view.quality()
    if not rows:
        st.caption("Nothing to flag: every set was seen well and finished.")
        return
    st.caption("Their counts and form are less sure than the others'.")
    st.table(pd.DataFrame(rows), hide_index=True, border="horizontal")


def _sessions_section(view: HistoryView) -> None:
    st.header("Sessions", anchor="sessions")
    rows = view.session_rows()
    if len(rows) > SESSIONS_SHOWN:
        st.caption(f"The newest {SESSIONS_SHOWN} of {len(rows)}; the export below has them all.")
    for row in rows[:SESSIONS_SHOWN]:
        icon = {
            "stopped": ":material/pan_tool:",
            "interrupted": ":material/warning:",
            "in progress": ":material/radio_button_checked:",
        }.get(row["status"], ":material/check_circle:")
        with st.expander(session_label(row), icon=icon, key=f"progress-session-{row['id']}"):
            sets = view.set_rows(int(row["id"]))
            if sets:
                st.table(pd.DataFrame(sets), hide_index=True, border="horizontal")
            else:
                st.caption("No sets.")


def _your_data(store: HistoryStore, days: int | None, empty: bool) -> None:
    st.header("Your data", anchor="data")
    path = store.path
    st.markdown(f"Stored only on this computer at `{path}`. No video is stored.")
    if NAME_WIDGET not in st.session_state:
        st.session_state[NAME_WIDGET] = store.get_setting("name")
    name = st.text_input(
        "Who the report is for",
        key=NAME_WIDGET,
        on_change=_save_name,
        args=(path,),
        placeholder="Your name (optional)",
        help="Printed on the physio report. Kept in the history file.",
    )
    if empty:
        return
    stamp = date.today().isoformat()
    if report_writer() is None:
        st.caption("The physio report is not available in this install.")
    else:
        st.markdown("**Physio report** (the period chosen above)")
        row = st.container(horizontal=True)
        for suffix, label, mime in (
            (".pdf", "Report (PDF)", "application/pdf"),
            (".html", "Report (HTML)", "text/html"),
        ):
            row.download_button(
                label,
                _deferred(report_bytes, path, suffix, days, name),
                f"formcheck_report_{stamp}{suffix}",
                mime,
                key=f"progress-report-{suffix[1:]}",
                icon=":material/description:",
                on_click="ignore",
            )
    st.markdown("**Export everything**")
    row = st.container(horizontal=True)
    for suffix, label, mime in (
        (".json", "Everything (JSON)", "application/json"),
        (".csv", "Everything (CSV)", "text/csv"),
    ):
        row.download_button(
            label,
            _deferred(export_bytes, path, suffix),
            f"formcheck_history_{stamp}{suffix}",
            mime,
            key=f"progress-export-{suffix[1:]}",
            icon=":material/download:",
            on_click="ignore",
        )
    with st.expander("Delete all history", icon=":material/delete:", key="progress-delete-box"):
        n = store.counts()["sessions"]
        st.warning(
            f"This erases all {n} saved session{'s' if n != 1 else ''} from this computer "
            "for good. Export them first if you may want them.",
            icon=":material/warning:",
        )
        with st.form("progress-delete", clear_on_submit=True, border=False):
            typed = st.text_input("Type DELETE to confirm", key="progress-delete-confirm")
            if st.form_submit_button("Delete all history", type="primary"):
                if typed.strip() != "DELETE":
                    st.error("Nothing deleted: type DELETE in the box to confirm.")
                else:
                    store.delete_all()
                    st.session_state[DELETED] = n
                    st.session_state.pop(NAME_WIDGET, None)
                    st.rerun()


def _deferred(fn: Callable[..., bytes], *args: Any) -> Callable[[], bytes]:
    """The download's bytes, made when the button is clicked (on a thread of its own)."""
    return lambda: fn(*args)


def _save_name(path: Path) -> None:
    try:
        with HistoryStore(path) as store:
            store.put_setting("name", str(st.session_state.get(NAME_WIDGET, "")).strip())
    except HistoryError as err:
        st.toast(f"The name was not saved: {err}", icon=":material/error:")
