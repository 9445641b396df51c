"""The physio report: one or two A4 pages a clinician reads in a minute (PDF or HTML).

:func:`build_report` folds a :class:`~formcheck.history.query.HistoryView` into a
:class:`Report`: plain data, every number already worded, so the PDF (:func:`write_pdf`,
fpdf2) and the HTML (:func:`write_html`, one self-contained file: inline CSS and SVG, no
external resource) say exactly the same. :func:`write_report` picks the format by the
file's suffix and writes it atomically (a temporary file beside it, then a rename).

Sections: who and when, adherence (with a calendar strip), prescribed against done per
exercise, per-side counts and asymmetry, the top form warnings, range of motion against
the spec's target, pain before and after (with a chart) and every Stop (pain), and the
sets to read with care.
"""

from __future__ import annotations

import html
import importlib.util
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from formcheck.history.cli import write_atomic
from formcheck.history.query import HistoryView
from formcheck.history.store import HistoryError, HistoryStore

NOTE = (
    "Self-reported home exercise, measured by camera (formcheck). Counts are estimates "
    "from a pose model; not a clinical assessment."
)
#: The suffixes :func:`write_report` understands.
SUFFIXES = (".pdf", ".html", ".htm")
#: Asymmetry between sides above this share of the stronger side is flagged.
ASYMMETRY_FLAG = 0.20
#: At most this many rows of data-quality flags and of stops (the rest are counted).
MAX_QUALITY_ROWS = 12
MAX_STOP_ROWS = 10
#: The calendar strip shows at most this many boxes: longer periods get a box a week,
#: then a box every four weeks.
MAX_CALENDAR_BOXES = 93
#: Boxes in a row of the calendar strip.
CALENDAR_ROW = 31
#: Feature kinds measured in degrees (the others are shares of a body length).
ANGLE_KINDS = frozenset({"joint_angle", "segment_tilt", "angle_from_down"})
#: Where to find DejaVu Sans (for the characters beyond Latin-1). Without it the PDF uses
#: a core font and ASCII replacements.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
    Path.home() / "Library" / "Fonts",
)


# -- the report's data ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of worded cells; ``widths`` are shares of the page width."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    #: rows to highlight (an asymmetry above the flag, a range short of its target)
    flagged: tuple[bool, ...] = ()

    def is_flagged(self, i: int) -> bool:
        return i < len(self.flagged) and self.flagged[i]


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    lines: tuple[str, ...] = ()
    table: Table | None = None
    #: said instead of an empty table
    empty: str = ""
    #: said just before the table (after any chart)
    caption: str = ""
    #: said after the table (rows left out)
    more: str = ""


@dataclass(frozen=True, slots=True)
class CalendarBox:
    """One box of the calendar strip: a day (or a week, or four weeks)."""

    first: str
    last: str
    label: str  # the day of the month of its first day
    month: str  # the month's name above it (a row's first box, a new month), else ""
    share: float  # of its days with exercise (0 or 1 for a day)
    before_first: bool  # before anything was recorded (not counted as missed)


@dataclass(frozen=True, slots=True)
class PainPoint:
    day: str
    started_at: str
    before: int | None
    after: int | None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the report says, worded once for both formats."""

    name: str
    period: str
    first_day: str
    last_day: str
    generated: str
    note: str
    adherence: Section
    calendar: tuple[CalendarBox, ...]
    calendar_unit: int  # days a box stands for
    exercises: Section
    sides: Section
    faults: Section
    rom: Section
    pain: Section
    pain_points: tuple[PainPoint, ...]
    stop_days: tuple[str, ...]  # marked on the pain chart
    quality: Section

    @property
    def sections(self) -> tuple[Section, ...]:
        return (
            self.adherence,
            self.exercises,
            self.sides,
            self.faults,
            self.rom,
            self.pain,
            self.quality,
        )


# -- wording ----------------------------------------------------------------------------


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v)}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _per_week(v: float | None, unit: str = "") -> str:
    if v is None:
        return "— (one day only)"
    return f"{v:+.1f}{unit} a week"


def _humanise(feature: str | None) -> str:
    return (feature or "").replace("_", " ")


def _unit(exercise: str | None, feature: str | None) -> str:
    """° for an angle feature of the exercise's spec; nothing when unknown."""
    if not exercise or not feature:
        return ""
    try:
        from formcheck.spec import get_spec

        kind = get_spec(exercise).features[feature].kind
    except Exception:  # a spec renamed or removed since: no unit rather than no report
        return ""
    return "°" if kind in ANGLE_KINDS else ""


def _adherence(view: HistoryView) -> Section:
    a = view.adherence()
    planned = any(s["planned_per_week"] for s in view.sessions)
    plan = (
        f"{a['planned_per_week']} days a week (the routine's plan)"
        if planned
        else "every day (no routine plan recorded)"
    )
    stopped = sum(1 for s in view.sessions if s["status"] == "stopped")
    interrupted = sum(1 for s in view.sessions if s["status"] == "interrupted")
    running = sum(1 for s in view.sessions if s["status"] == "in progress")
    ends = []
    if stopped:
        ends.append(f"{stopped} stopped for pain")
    if interrupted:
        ends.append(f"{interrupted} interrupted")
    if running:
        ends.append(f"{running} still in progress")
    lines = (
        f"Days with exercise: {a['days_with_data']} of {a['planned_days']} planned days "
        f"({a['share']:.0%} of the plan), counted from the first session: {a['period']}; "
        f"planned {plan}.",
        f"Sessions: {a['sessions']} ({a['live_sessions']} live, "
        f"{_plural(a['reviews'], 'clip review')})" + (f"; {', '.join(ends)}." if ends else "."),
    )
    return Section("Adherence", lines)


def _calendar(view: HistoryView) -> tuple[tuple[CalendarBox, ...], int]:
    days = view.calendar()
    n = len(days)
    unit = 1 if n <= MAX_CALENDAR_BOXES else 7 if n <= MAX_CALENDAR_BOXES * 7 else 28
    first_record = view.since_first.first.isoformat()
    boxes: list[CalendarBox] = []
    for i in range(0, n, unit):
        chunk = days[i : i + unit]
        counted = [d for d in chunk if d["day"] >= first_record]
        first = date.fromisoformat(chunk[0]["day"])
        new_row = len(boxes) % CALENDAR_ROW == 0
        new_month = bool(boxes) and boxes[-1].first[:7] != chunk[0]["day"][:7]
        boxes.append(
            CalendarBox(
                first=chunk[0]["day"],
                last=chunk[-1]["day"],
                label=str(first.day),
                month=first.strftime("%b") if new_row or new_month else "",
                share=sum(d["exercised"] for d in chunk) / len(chunk),
                before_first=not counted,
            )
        )
    return tuple(boxes), unit


def _exercise_row(row: dict[str, Any], timer_holds: int = 0) -> tuple[str, ...]:
    """One row of the per-exercise table, from :meth:`HistoryView.per_exercise`."""
    sets = _plural(row["sets"], "set")
    if row["timer"]:
        return (
            row["name"],
            row["prescribed"],
            f"{sets}, {_plural(timer_holds, 'hold')}: guided timer (not measured)",
            "—",
            "—",
            "—",
        )
    if row["target_label"] == "holds":
        done = (
            f"{sets}, {_plural(row['holds'], 'hold')} "
            f"({row['holds_at_time']} held the full time; best {_num(row['best_hold_s'])} s)"
        )
    else:
        done = f"{sets}, {_plural(row['reps'], 'rep')} ({_num(row['mean_per_set'])} a set)"
    attempts = f"{row['full_reps']} of {row['attempts']}" if row["attempts"] else "—"
    return (
        row["name"],
        row["prescribed"],
        done,
        f"{row['sets_at_target']} of {row['sets']}",
        _pct(row["good_form_share"]),
        attempts,
    )


def _exercises(view: HistoryView) -> Section:
    rows = []
    for r in view.per_exercise():
        holds = sum(x["holds"] for x in view.sets if x["exercise"] == r["exercise"])
        rows.append(_exercise_row(r, holds))
    table = Table(
        ("Exercise", "Prescribed", "Done", "Sets at target", "Good form", "Full reps of attempts"),
        tuple(rows),
        (0.2, 0.13, 0.32, 0.11, 0.1, 0.14),
    )
    return Section(
        "Per exercise",
        ("Good form: the share of full reps with no form warning.",),
        table,
        "No sets in this period.",
    )


def _sides(view: HistoryView) -> Section:
    label = {r["exercise"]: r["target_label"] for r in view.per_exercise()}
    timer = {r["exercise"] for r in view.per_exercise() if r["timer"]}
    rows, flagged = [], []
    for r in view.sides():
        if r["exercise"] in timer:  # a guided timer measures nothing on either side
            continue
        unit = label.get(r["exercise"], "reps")
        a = r["asymmetry"]
        over = a is not None and a > ASYMMETRY_FLAG
        rows.append(
            (
                r["name"],
                f"{r['left']} {unit}",
                f"{r['right']} {unit}",
                _pct(a) + (f" — above {ASYMMETRY_FLAG:.0%}" if over else ""),
            )
        )
        flagged.append(over)
    return Section(
        "Per side",
        (
            "Asymmetry: the difference as a share of the stronger side; above "
            f"{ASYMMETRY_FLAG:.0%} is flagged.",
        ),
        Table(
            ("Exercise", "Left", "Right", "Asymmetry"),
            tuple(rows),
            (0.34, 0.18, 0.18, 0.3),
            tuple(flagged),
        ),
        "No exercise done one side at a time in this period.",
    )


def _faults(view: HistoryView) -> Section:
    rows = tuple(
        (
            f["exercise"],
            f["cue"],
            str(f["count"]),
            str(f["days"]),
            f["dates"][0],
            f["last"],
        )
        for f in view.top_faults(5)
    )
    return Section(
        "Top form warnings",
        ("The cues the camera gave most often, each time it was raised.",),
        Table(
            ("Exercise", "Form warning", "Times", "On days", "First", "Last"),
            rows,
            (0.2, 0.38, 0.08, 0.08, 0.13, 0.13),
        ),
        "No form warnings in this period.",
    )


def _rom(view: HistoryView) -> Section:
    ids = {x["name"]: x["exercise"] for x in view.sets}
    rows, short = [], []
    for r in view.rom():
        unit = _unit(ids.get(r["name"]), r["feature"])
        direction, _, value = r["target"].partition(" ")
        try:
            target = float(value)
            met = r["latest"] >= target if direction == "above" else r["latest"] <= target
        except ValueError:
            met = True
        rows.append(
            (
                r["name"],
                f"{_humanise(r['feature'])} ({r['measure']})",
                f"{r['target']}{unit}",
                f"{_num(r['first'])}{unit}",
                f"{_num(r['latest'])}{unit}" + ("" if met else " (short)"),
                _per_week(r["per_week"], unit),
                str(len(r["days"])),
            )
        )
        short.append(not met)
    return Section(
        "Range of motion",
        (
            "The median of each day's full reps against the spec's target; the change a "
            "week is a least-squares fit.",
        ),
        Table(
            ("Exercise", "Measure", "Target", "First", "Latest", "Change", "Days"),
            tuple(rows),
            (0.18, 0.22, 0.13, 0.1, 0.13, 0.16, 0.08),
            tuple(short),
        ),
        "No range of motion measured in this period.",
    )


def _pain(view: HistoryView) -> tuple[Section, tuple[PainPoint, ...]]:
    points = tuple(
        PainPoint(p["day"], p["started_at"], p["before"], p["after"]) for p in view.pain()
    )
    trend = view.pain_trend()
    lines = []
    for moment in ("before", "after"):
        scores = [getattr(p, moment) for p in points if getattr(p, moment) is not None]
        if scores:
            lines.append(
                f"Pain {moment} exercise (0-10): {scores[0]} at first, {scores[-1]} latest "
                f"over {_plural(len(scores), 'session')}; trend {_per_week(trend[moment])}."
            )
    if not lines:
        lines.append("No pain scores were given in this period.")
    stops = view.stops()
    rows = tuple(
        (s["started_at"][:10], s["started_at"][11:16], s["exercise"] or "—", s["reason"] or "—")
        for s in stops[-MAX_STOP_ROWS:]
    )
    more = len(stops) - len(rows)
    section = Section(
        "Pain",
        tuple(lines),
        Table(("Date", "Time", "Exercise", "Reason given"), rows, (0.13, 0.08, 0.25, 0.54)),
        caption=f"Stop (pain): {_plural(len(stops), 'session')} stopped for pain"
        + (", with the reason given:" if stops else "."),
        more=f"… and {_plural(more, 'earlier stop')}." if more > 0 else "",
    )
    return section, points


def _quality(view: HistoryView) -> Section:
    flags = view.quality()
    measured = sum(1 for x in view.sets if not x["timer"])
    shown = flags[-MAX_QUALITY_ROWS:]
    more = len(flags) - len(shown)
    return Section(
        "Data quality",
        (f"{len(flags)} of {_plural(measured, 'measured set')} to read with care.",),
        Table(
            ("Date", "Exercise", "Side", "Flag"),
            tuple((q["day"], q["exercise"], q["side"] or "—", q["flags"]) for q in shown),
            (0.13, 0.25, 0.1, 0.52),
        ),
        empty="No data-quality flags: every set was seen well enough to judge.",
        more=f"… and {_plural(more, 'earlier flagged set')}." if more > 0 else "",
    )


def build_report(view: HistoryView, name: str = "") -> Report:
    """The report's data from the history in ``view`` (for whom: ``name``)."""
    if view.empty:
        raise HistoryError(f"nothing recorded yet from {view.period.first} to {view.period.last}")
    calendar, unit = _calendar(view)
    pain, points = _pain(view)
    return Report(
        name=name.strip() or "—",
        period=view.period.label(),
        first_day=view.period.first.isoformat(),
        last_day=view.period.last.isoformat(),
        generated=view.now.strftime("%Y-%m-%d %H:%M"),
        note=NOTE,
        adherence=_adherence(view),
        calendar=calendar,
        calendar_unit=unit,
        exercises=_exercises(view),
        sides=_sides(view),
        faults=_faults(view),
        rom=_rom(view),
        pain=pain,
        pain_points=points,
        stop_days=tuple(sorted({s["day"] for s in view.stops()})),
        quality=_quality(view),
    )


def _calendar_caption(report: Report) -> str:
    each = {1: "a day", 7: "a week", 28: "four weeks"}[report.calendar_unit]
    return (
        f"Each box is {each} from {report.first_day} to {report.last_day}: filled when "
        "exercised"
        + (", darker for more days" if report.calendar_unit > 1 else "")
        + "; dotted before the first session."
    )


def _x_of_day(report: Report, day: str) -> float:
    """Where a day falls along the period, 0 to 1 (the middle of its day)."""
    first = date.fromisoformat(report.first_day)
    n = (date.fromisoformat(report.last_day) - first).days + 1
    return ((date.fromisoformat(day) - first).days + 0.5) / n


# -- PDF --------------------------------------------------------------------------------

_ASCII = str.maketrans(
    {
        "×": "x",  # noqa: RUF001
        "—": "-",
        "–": "-",  # noqa: RUF001
        "−": "-",  # noqa: RUF001
        "→": "->",
        "…": "...",
        "’": "'",  # noqa: RUF001
        "‘": "'",  # noqa: RUF001
        "“": '"',
        "”": '"',
        "≥": ">=",
        "≤": "<=",
    }
)

_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_ACCENT = (31, 78, 121)
_FLAG = (176, 32, 32)
_DONE = (46, 125, 90)
_EMPTY = (233, 236, 239)
_BEFORE = (214, 110, 40)
_AFTER = (40, 90, 170)


def _font_files() -> tuple[Path, Path] | None:
    """DejaVu Sans (regular, bold) if installed (or bundled with matplotlib)."""
    dirs = list(FONT_DIRS)
    mpl = importlib.util.find_spec("matplotlib")
    if mpl is not None and mpl.origin:
        dirs.append(Path(mpl.origin).parent / "mpl-data" / "fonts" / "ttf")
    for d in dirs:
        regular, bold = d / "DejaVuSans.ttf", d / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _pdf_bytes(report: Report) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    fonts = _font_files()

    class Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font(family, "", 7)
            self.set_text_color(*_MUTED)
            who = "" if report.name == "—" else f"{report.name} · "
            self.cell(
                0,
                4,
                t(f"{who}{report.period} · formcheck home exercise report · page ")
                + f"{self.page_no()} of {{nb}}",
                align="C",
            )

    pdf = Pdf(format="A4", unit="mm")
    if fonts is not None:
        family = "DejaVu"
        pdf.add_font(family, "", str(fonts[0]))
        pdf.add_font(family, "B", str(fonts[1]))

        def t(s: str) -> str:
            return s

    else:
        family = "Helvetica"

        def t(s: str) -> str:
            s = unicodedata.normalize("NFC", s.translate(_ASCII))
            return s.encode("latin-1", "replace").decode("latin-1")

    pdf.set_margins(14, 12, 14)
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_title(t(f"Home exercise report: {report.name}"))
    pdf.set_creator("formcheck")
    pdf.add_page()
    epw = pdf.epw
    left = pdf.l_margin

    def text_line(s: str, size: float = 8.5, style: str = "", color: Any = _INK) -> None:
        pdf.set_font(family, style, size)
        pdf.set_text_color(*color)
        pdf.multi_cell(epw, size * 0.5, t(s), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # header
    pdf.set_font(family, "B", 15)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(epw * 0.6, 8, t("Home exercise report"))
    pdf.set_font(family, "", 8)
    pdf.set_text_color(*_MUTED)
    pdf.cell(
        epw * 0.4,
        8,
        t(f"Generated {report.generated}"),
        align="R",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    text_line(f"For: {report.name}", size=10, style="B")
    text_line(f"Period: {report.period}", size=9)
    pdf.ln(1)
    pdf.set_fill_color(241, 243, 245)
    pdf.set_font(family, "", 7.5)
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(
        epw,
        3.8,
        t(report.note),
        fill=True,
        padding=(1, 2),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    def heading(title: str, need: float = 22) -> None:
        if pdf.will_page_break(need):
            pdf.add_page()
        pdf.ln(1.8)
        pdf.set_font(family, "B", 10.5)
        pdf.set_text_color(*_ACCENT)
        pdf.cell(epw, 5.5, t(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*_ACCENT)
        pdf.set_line_width(0.3)
        pdf.line(left, pdf.get_y(), left + epw, pdf.get_y())
        pdf.ln(1.2)

    def table(tab: Table, empty: str) -> None:
        if not tab.rows:
            if empty:
                text_line(empty, color=_MUTED)
            return
        pdf.ln(0.8)
        pdf.set_font(family, "", 7.8)
        pdf.set_text_color(*_INK)
        pdf.set_draw_color(200, 205, 210)
        pdf.set_line_width(0.2)
        pdf.set_fill_color(255, 255, 255)
        with pdf.table(
            col_widths=tuple(w * 100 for w in tab.widths),
            width=epw,
            line_height=3.6,
            text_align="LEFT",
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(
                emphasis="BOLD", size_pt=7.3, color=_MUTED, fill_color=(241, 243, 245)
            ),
            padding=(0.9, 1.0),
            v_align="TOP",
        ) as tbl:
            row = tbl.row()
            for c in tab.columns:
                row.cell(t(c))
            for i, cells in enumerate(tab.rows):
                style = FontFace(emphasis="BOLD", color=_FLAG) if tab.is_flagged(i) else None
                row = tbl.row()
                for c in cells:
                    row.cell(t(c), style=style)

    def section(sec: Section, chart: Any = None) -> None:
        # keep the heading with its lines and the first rows of a table
        rows = min(len(sec.table.rows) + 1, 6) if sec.table is not None and sec.table.rows else 1
        heading(sec.title, need=14 + 4.6 * len(sec.lines) + 5 * rows)
        for line in sec.lines:
            text_line(line)
        if chart is not None:
            chart()
        if sec.caption:
            text_line(sec.caption)
        if sec.table is not None:
            table(sec.table, sec.empty)
        if sec.more:
            text_line(sec.more, size=7.5, color=_MUTED)

    def calendar() -> None:
        boxes = report.calendar
        pitch = min(6.4, epw / CALENDAR_ROW)
        size = pitch * 0.86
        row_h = pitch + 2.6  # room for the month names above each row
        rows = (len(boxes) + CALENDAR_ROW - 1) // CALENDAR_ROW
        if pdf.will_page_break(rows * row_h + 10):
            pdf.add_page()
        pdf.ln(0.5)
        y0 = pdf.get_y() + 2.6
        pdf.set_line_width(0.2)
        for i, b in enumerate(boxes):
            x = left + (i % CALENDAR_ROW) * pitch
            y = y0 + (i // CALENDAR_ROW) * row_h
            if b.month:
                pdf.set_font(family, "", 5.5)
                pdf.set_text_color(*_MUTED)
                pdf.text(x, y - 0.8, b.month)
            if b.before_first:
                pdf.set_draw_color(190, 195, 200)
                pdf.set_dash_pattern(0.4, 0.4)
                pdf.rect(x, y, size, size, style="D")
                pdf.set_dash_pattern()
                ink: tuple[int, int, int] = (170, 175, 180)
            else:
                fill = tuple(
                    round(e + (d - e) * b.share) for e, d in zip(_EMPTY, _DONE, strict=True)
                )
                pdf.set_fill_color(*fill)
                pdf.rect(x, y, size, size, style="F")
                ink = (255, 255, 255) if b.share >= 0.5 else _MUTED
            pdf.set_font(family, "", 5)
            pdf.set_text_color(*ink)
            w = pdf.get_string_width(b.label)
            pdf.text(x + (size - w) / 2, y + size * 0.66, b.label)
        pdf.set_y(y0 + (rows - 1) * row_h + pitch + 0.3)
        text_line(_calendar_caption(report), size=7, color=_MUTED)

    def pain_chart() -> None:
        pts = report.pain_points
        if not pts:
            return
        h, w = 26.0, epw * 0.72
        if pdf.will_page_break(h + 12):
            pdf.add_page()
        pdf.ln(1.5)
        x0, y0 = left + 8, pdf.get_y() + 2

        def xy(day: str, score: int) -> tuple[float, float]:
            return x0 + w * _x_of_day(report, day), y0 + h * (1 - score / 10)

        pdf.set_font(family, "", 6)
        pdf.set_text_color(*_MUTED)
        pdf.set_line_width(0.15)
        for s in (0, 5, 10):
            y = y0 + h * (1 - s / 10)
            pdf.set_draw_color(215, 220, 225)
            pdf.line(x0, y, x0 + w, y)
            pdf.text(x0 - 3.5, y + 1, str(s))
        pdf.text(x0, y0 + h + 3.5, report.first_day)
        end = pdf.get_string_width(report.last_day)
        pdf.text(x0 + w - end, y0 + h + 3.5, report.last_day)
        pdf.set_draw_color(*_FLAG)
        pdf.set_line_width(0.3)
        pdf.set_dash_pattern(0.8, 0.6)
        for day in report.stop_days:
            x = x0 + w * _x_of_day(report, day)
            pdf.line(x, y0, x, y0 + h)
        pdf.set_dash_pattern()
        pdf.set_text_color(*_FLAG)
        for day in report.stop_days:
            x = x0 + w * _x_of_day(report, day)
            pdf.text(x + 0.6, y0 + 2, "Stop")
        for moment, color in (("before", _BEFORE), ("after", _AFTER)):
            series = [xy(p.day, v) for p in pts if (v := getattr(p, moment)) is not None]
            if not series:
                continue
            pdf.set_draw_color(*color)
            pdf.set_fill_color(*color)
            pdf.set_line_width(0.45)
            if len(series) > 1:
                pdf.polyline(series)
            for x, y in series:
                pdf.ellipse(x - 0.7, y - 0.7, 1.4, 1.4, style="F")
        lx = x0 + w + 6
        for i, (label, color) in enumerate(
            (("before exercise", _BEFORE), ("after exercise", _AFTER))
        ):
            y = y0 + 4 + i * 5
            pdf.set_fill_color(*color)
            pdf.rect(lx, y - 1.8, 4, 1.6, style="F")
            pdf.set_font(family, "", 7)
            pdf.set_text_color(*_INK)
            pdf.text(lx + 5.5, y, t(f"pain {label}"))
        pdf.set_font(family, "", 6)
        pdf.set_text_color(*_MUTED)
        pdf.text(lx, y0 + 16, t("0 = no pain, 10 = worst"))
        if report.stop_days:
            pdf.set_draw_color(*_FLAG)
            pdf.set_dash_pattern(0.8, 0.6)
            pdf.line(lx + 2, y0 + 18.5, lx + 2, y0 + 22.5)
            pdf.set_dash_pattern()
            pdf.set_font(family, "", 7)
            pdf.set_text_color(*_INK)
            pdf.text(lx + 5.5, y0 + 21.5, t("a Stop (pain)"))
        pdf.set_y(y0 + h + 5.5)

    section(report.adherence, calendar)
    section(report.exercises)
    section(report.sides)
    section(report.faults)
    section(report.rom)
    section(report.pain, pain_chart)
    section(report.quality)
    return bytes(pdf.output())


def write_pdf(report: Report, path: str | Path) -> None:
    write_atomic(Path(path), _pdf_bytes(report))


# -- HTML -------------------------------------------------------------------------------

_CSS = """
:root { --ink: #212529; --muted: #6c757d; --accent: #1f4e79; --flag: #b02020;
        --done: #2e7d5a; --empty: #e9ecef; }
* { box-sizing: border-box; }
body { margin: 0; background: #f1f3f5; color: var(--ink);
       font: 13px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 210mm; margin: 16px auto; background: #fff; padding: 12mm 14mm; }
h1 { color: var(--accent); font-size: 22px; margin: 0; }
.top { display: flex; justify-content: space-between; align-items: baseline; }
.generated { color: var(--muted); font-size: 11px; }
.who { font-weight: 600; font-size: 14px; margin: 4px 0 0; }
header p:last-child { margin-top: 6px; }
.note { background: #f1f3f5; color: var(--muted); font-size: 11px; padding: 5px 8px; margin: 0; }
h2 { color: var(--accent); font-size: 15px; border-bottom: 1.5px solid var(--accent);
     margin: 14px 0 5px; padding-bottom: 2px; }
p { margin: 2px 0; }
.muted { color: var(--muted); font-size: 11px; }
table { width: 100%; border-collapse: collapse; margin-top: 5px; font-size: 12px; }
th { color: var(--muted); text-align: left; font-size: 11px; font-weight: 600; }
th, td { border-bottom: 1px solid #c8cdd2; padding: 3px 4px; vertical-align: top; }
tr.flag td { color: var(--flag); font-weight: 600; }
svg { display: block; margin-top: 6px; max-width: 100%; height: auto; }
svg text { font-family: inherit; }
@page { size: A4; margin: 12mm 14mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  main { margin: 0; padding: 0; max-width: none; }
  table { font-size: 10px; }
  h2 { margin-top: 10px; }
  section { break-inside: avoid; }
}
"""


def _e(s: object) -> str:
    return html.escape(str(s), quote=True)


def _html_table(tab: Table, empty: str) -> str:
    if not tab.rows:
        return f'<p class="muted">{_e(empty)}</p>' if empty else ""
    cols = "".join(f'<col style="width:{w * 100:.1f}%">' for w in tab.widths)
    head = "".join(f"<th>{_e(c)}</th>" for c in tab.columns)
    flag = ' class="flag"'
    body = "".join(
        f"<tr{flag if tab.is_flagged(i) else ''}>"
        + "".join(f"<td>{_e(c)}</td>" for c in cells)
        + "</tr>"
        for i, cells in enumerate(tab.rows)
    )
    return (
        f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _html_calendar(report: Report) -> str:
    boxes = report.calendar
    per_row = min(len(boxes), CALENDAR_ROW)
    pitch, size, row_h = 22, 19, 33
    rows = (len(boxes) + per_row - 1) // per_row
    width, height = per_row * pitch, rows * row_h
    parts = [
        f'<svg class="calendar" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="calendar of days exercised">'
    ]
    for i, b in enumerate(boxes):
        x = (i % per_row) * pitch
        y = 12 + (i // per_row) * row_h
        if b.month:
            parts.append(f'<text x="{x}" y="{y - 3}" font-size="9" fill="#6c757d">{b.month}</text>')
        span = b.first if b.first == b.last else f"{b.first} to {b.last}"
        if b.before_first:
            cls, ink = "day before", "#aab0b5"
            shape = (
                f'<rect x="{x + 0.5}" y="{y + 0.5}" width="{size - 1}" height="{size - 1}" '
                'fill="none" stroke="#bec3c8" stroke-dasharray="2 2"/>'
            )
            title = f"{span}: before the first session"
        else:
            on = b.share > 0
            cls = "day on" if on else "day off"
            fill = "#{:02x}{:02x}{:02x}".format(
                *(round(e + (d - e) * b.share) for e, d in zip(_EMPTY, _DONE, strict=True))
            )
            ink = "#fff" if b.share >= 0.5 else "#6c757d"
            shape = f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{fill}"/>'
            what = "exercised" if report.calendar_unit == 1 else f"exercised {b.share:.0%}"
            title = f"{span}: {what if on else 'no exercise'}"
        parts.append(
            f'<g class="{cls}"><title>{_e(title)}</title>{shape}'
            f'<text x="{x + size / 2}" y="{y + 13}" font-size="9" text-anchor="middle" '
            f'fill="{ink}">{b.label}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts) + f'<p class="muted">{_e(_calendar_caption(report))}</p>'


def _html_pain_chart(report: Report) -> str:
    pts = report.pain_points
    if not pts:
        return ""
    x0, w, h, top = 26, 520, 120, 8
    parts = [
        f'<svg class="pain" viewBox="0 0 {x0 + w + 170} {h + top + 22}" '
        f'width="{x0 + w + 170}" height="{h + top + 22}" role="img" '
        'aria-label="pain before and after exercise, 0 to 10">'
    ]
    for s in (0, 5, 10):
        y = top + h * (1 - s / 10)
        parts.append(
            f'<line x1="{x0}" y1="{y}" x2="{x0 + w}" y2="{y}" stroke="#d7dce1"/>'
            f'<text x="{x0 - 6}" y="{y + 3}" font-size="10" text-anchor="end" '
            f'fill="#6c757d">{s}</text>'
        )
    parts.append(
        f'<text x="{x0}" y="{top + h + 15}" font-size="10" fill="#6c757d">'
        f"{report.first_day}</text>"
        f'<text x="{x0 + w}" y="{top + h + 15}" font-size="10" text-anchor="end" '
        f'fill="#6c757d">{report.last_day}</text>'
    )
    flag = "#{:02x}{:02x}{:02x}".format(*_FLAG)
    for day in report.stop_days:
        x = x0 + w * _x_of_day(report, day)
        parts.append(
            f'<g class="stop"><title>{day}: Stop (pain)</title>'
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + h}" stroke="{flag}" '
            'stroke-dasharray="4 3"/>'
            f'<text x="{x + 3:.1f}" y="{top + 9}" font-size="10" fill="{flag}">Stop</text></g>'
        )
    for moment, rgb in (("before", _BEFORE), ("after", _AFTER)):
        color = "#{:02x}{:02x}{:02x}".format(*rgb)
        series = [
            (x0 + w * _x_of_day(report, p.day), top + h * (1 - v / 10), p.day, v)
            for p in pts
            if (v := getattr(p, moment)) is not None
        ]
        if not series:
            continue
        if len(series) > 1:
            line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in series)
            parts.append(
                f'<polyline class="{moment}" points="{line}" fill="none" stroke="{color}" '
                'stroke-width="2"/>'
            )
        for x, y, day, v in series:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                f"<title>{day}: pain {moment} {v}</title></circle>"
            )
    lx = x0 + w + 16
    for i, (moment, rgb) in enumerate((("before", _BEFORE), ("after", _AFTER))):
        color = "#{:02x}{:02x}{:02x}".format(*rgb)
        y = top + 14 + i * 18
        parts.append(
            f'<rect x="{lx}" y="{y - 7}" width="14" height="6" fill="{color}"/>'
            f'<text x="{lx + 20}" y="{y}" font-size="11">pain {moment} exercise</text>'
        )
    parts.append(
        f'<text x="{lx}" y="{top + 62}" font-size="10" fill="#6c757d">'
        "0 = no pain, 10 = worst</text>"
    )
    if report.stop_days:
        parts.append(
            f'<line x1="{lx + 7}" y1="{top + 72}" x2="{lx + 7}" y2="{top + 86}" stroke="{flag}" '
            f'stroke-dasharray="4 3"/><text x="{lx + 20}" y="{top + 82}" font-size="11">'
            "a Stop (pain)</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _html_section(sec: Section, chart: str = "") -> str:
    lines = "".join(f"<p>{_e(line)}</p>" for line in sec.lines)
    caption = f"<p>{_e(sec.caption)}</p>" if sec.caption else ""
    table = _html_table(sec.table, sec.empty) if sec.table is not None else ""
    more = f'<p class="muted">{_e(sec.more)}</p>' if sec.more else ""
    return f"<section><h2>{_e(sec.title)}</h2>{lines}{chart}{caption}{table}{more}</section>"


def html_text(report: Report) -> str:
    """The report as one self-contained HTML page (no external resource at all)."""
    body = "".join(
        (
            _html_section(report.adherence, _html_calendar(report)),
            _html_section(report.exercises),
            _html_section(report.sides),
            _html_section(report.faults),
            _html_section(report.rom),
            _html_section(report.pain, _html_pain_chart(report)),
            _html_section(report.quality),
        )
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(f'Home exercise report: {report.name}, {report.period}')}</title>"
        f"<style>{_CSS}</style></head><body><main>"
        '<header><div class="top"><h1>Home exercise report</h1>'
        f'<span class="generated">Generated {_e(report.generated)}</span></div>'
        f'<p class="who">For: {_e(report.name)}</p><p>Period: {_e(report.period)}</p>'
        f'<p class="note">{_e(report.note)}</p></header>'
        f"{body}</main></body></html>\n"
    )


def write_html(report: Report, path: str | Path) -> None:
    write_atomic(Path(path), html_text(report).encode("utf-8"))


# -- both -------------------------------------------------------------------------------


def write_report(
    store: HistoryStore,
    path: str | Path,
    days: int | None = 30,
    name: str | None = None,
    today: date | None = None,
) -> Report:
    """The report on the last ``days`` days up to ``today`` (None: everything), for
    ``name`` (None: the name saved in the history's settings), as PDF or HTML by the
    suffix of ``path``. Nothing is written when there is nothing to report."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise HistoryError(
            f"{path}: give a report file name ending in .pdf, .html or .htm (a PDF or a web page)"
        )
    view = HistoryView(store, days=days, today=today)
    if view.empty:
        first, last = view.period.first, view.period.last
        since = f"in the last {days} days, {first} to {last}" if days else "at all"
        raise HistoryError(f"nothing recorded yet {since}; no report written to {path}")
    who = store.get_setting("name") if name is None else name
    report = build_report(view, who)
    if suffix == ".pdf":
        write_pdf(report, p)
    else:
        write_html(report, p)
    return report
