"""Pure helpers for the Streamlit app: text formatting, view models and the timeline plot.

Nothing here imports streamlit, so the pages (formcheck/app/) stay layout and
these functions are tested directly (tests/test_ui_helpers.py). The plot is an
Altair chart (Altair ships with Streamlit).

Every spec shape is covered: reps; reps each held for a time (the prescription's
``holds``); holds without reps (a plank, a stretch: the holds are the
repetitions); two-way motions counted and timed per direction (cat / cow, left /
right); per-side sets; and guided timers (nothing checked).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import altair as alt

    from formcheck.record import SessionRecord
    from formcheck.spec import ExerciseSpec

VIEW_LABELS: dict[str, str] = {
    "side": "Side view",
    "front": "Front view",
    "foot_end": "Foot-end view",
    "oblique": "Oblique view",
}

CATEGORY_LABELS: dict[str, str] = {
    "strength": "Strength and stability",
    "stretch": "Stretch",
    "timer": "Guided timer (not checked by the camera)",
}

PAIN_REASON = "pain increased or spread down the leg"


def _num(x: float) -> str:
    """7.0 -> '7', 7.5 -> '7.5' (targets read better without a trailing .0)."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def direction_label(direction: str) -> str:
    """``'cat'`` -> ``'Cat'``, ``'left'`` -> ``'Left'``, ``'knees_left'`` -> ``'Knees left'``."""
    return direction.replace("_", " ").capitalize()


def format_clock(t_s: float) -> str:
    """Seconds as ``m:ss.s``: 7.46 -> '0:07.5', 65.0 -> '1:05.0'."""
    t = max(0.0, t_s)
    minutes, seconds = divmod(t, 60.0)
    if round(seconds, 1) >= 60.0:
        minutes, seconds = minutes + 1, 0.0
    return f"{int(minutes)}:{seconds:04.1f}"


def rule_title(rule_id: str) -> str:
    """``'lower_slowly'`` -> ``'Lower slowly'``."""
    return rule_id.replace("_", " ").capitalize()


def check_markdown(rule_id: str, description: str) -> str:
    """A library line for one form check: a bold name, then what is checked.

    A description that starts with its own short name ("No leaning: the trunk
    ...") keeps that name; otherwise the rule id is the name.
    """
    head, sep, rest = description.partition(":")
    if sep and rest.strip() and 0 < len(head.split()) <= 5:
        return f"**{head.strip()}**: {rest.strip()}"
    return f"**{rule_title(rule_id)}**: {description}"


def holds_target(spec: ExerciseSpec) -> int | None:
    """How many holds a set needs (see :attr:`ExerciseSpec.holds_target`)."""
    return spec.holds_target


def _span(lo: float, hi: float, unit: str = "") -> str:
    return (_num(lo) if lo == hi else f"{_num(lo)}-{_num(hi)}") + unit


def prescription_facts(spec: ExerciseSpec) -> list[tuple[str, str]]:
    """(label, value) pairs for the prescription, e.g. ('Reps', '10-15').

    Holds that are counted (a hold-only exercise, or "10 reps, each held 10 s") read
    ``('Holds', '2-3 of 15-30 s')``; a single hold reads ``('Hold', '10 s')``.
    """
    p = spec.prescription
    out: list[tuple[str, str]] = []
    hold = None if p.hold_s is None else _span(*p.hold_s, " s")
    counted = p.holds if p.holds is not None else (p.reps if spec.hold_only else None)
    if p.reps is not None and not spec.hold_only:
        out.append(("Reps", _span(*p.reps)))
    if counted is not None:
        out.append(("Holds", _span(*counted) + ("" if hold is None else f" of {hold}")))
    elif hold is not None:
        out.append(("Hold", hold))
    if p.sets is not None:
        out.append(("Sets", str(p.sets)))
    if p.sides:
        out.append(("Sides", " then ".join(p.sides)))
    return out


#: The five source articles (the specs cite them by number), as a user knows them.
ARTICLES = {
    "000": "the Ki-Hara stretching routine",
    "001": "the strength-and-stretch round-up",
    "002": "the HealthSoul guide",
    "003": "the physio clinic's stretches",
    "004": "the DIY back-pain stretch routine",
}
_PLAIN = [
    (re.compile(r"\b[Ss]eeds? (\d{3}) and (\d{3})\b"), lambda m: f"{_art(m[1])} and {_art(m[2])}"),
    (re.compile(r"\b[Ss]eeds? (\d{3})(?:'s)?\b"), lambda m: _art(m[1])),
    (re.compile(r"(?<![\d.])(00[0-4])(?![\d.])"), lambda m: _art(m[1])),
    (
        re.compile(r"exercise_catalogue\.md(?: section)?(?: [A-D]\b)?"),
        lambda m: "formcheck's own list",
    ),
    (re.compile(r"\bthe seeds\b"), lambda m: "the source articles"),
    (re.compile(r"\bMediaPipe\b"), lambda m: "the pose model"),
    (re.compile(r"\b(?:rendered clips|renders)\b"), lambda m: "animated test clips"),
    (re.compile(r"\brendered\b"), lambda m: "animated"),
]


def _art(number: str) -> str:
    return ARTICLES.get(number, f"article {number}")


def sentence(text: str) -> str:
    """``text`` ending in one full stop (never "..", "!." or "?.")."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def plain_words(text: str) -> str:
    """A spec's text for a user: article names instead of seed numbers, no library or
    file names ("MediaPipe", "exercise_catalogue.md", "rendered clips")."""
    for pattern, repl in _PLAIN:
        text = pattern.sub(repl, text)
    return text


def prescription_source(spec: ExerciseSpec) -> str:
    """Where the prescription comes from, in words: ``'the HealthSoul guide'``, ``'the
    HealthSoul guide and the physio clinic's stretches'``, or the spec's own words."""
    raw = spec.prescription.source.strip()
    parts = [x.strip() for x in raw.replace(";", ",").replace(" and ", ",").split(",")]
    parts = [x for x in parts if x]
    if parts and all(x.isdigit() for x in parts):
        names = [_art(x) for x in parts]
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + f" and {names[-1]}"
    return plain_words(raw)


@dataclass(frozen=True, slots=True)
class TargetLine:
    """One line of 'result against prescription'."""

    label: str
    value: str
    target: str | None
    met: bool | None


def target_lines(record: SessionRecord) -> list[TargetLine]:
    """Reps, holds and the best hold against the prescription, for the summary.

    A hold-only exercise has no reps line: its holds are the repetitions, counted
    against the prescription in number and duration ("Holds of 15 s": 2, target 3).
    """
    s = record.summary()
    spec = record.spec
    p = spec.prescription
    lines: list[TargetLine] = []
    if spec.reps:
        reps_t = s["target"]["reps"]
        lines.append(
            TargetLine(
                "Reps (estimate)" if spec.low_confidence else "Reps",
                str(s["reps"]),
                None if reps_t is None else _span(reps_t[0], reps_t[1]),
                s["meets_target"]["reps"],
            )
        )
    if spec.hold is None:
        return lines
    needed = holds_target(spec)
    hold_t = s["target"]["hold_s"]
    if needed is not None or spec.hold_only:
        if hold_t is not None:
            label, value = f"Holds of {_num(hold_t[0])} s", s["holds_at_target"]
            met = s["meets_target"]["hold"]
        else:
            label, value = "Holds", s["holds"]
            met = None if needed is None else s["holds"] >= needed
        lines.append(TargetLine(label, str(value), None if needed is None else str(needed), met))
    if p.hold_s is not None:
        lines.append(
            TargetLine(
                "Best hold",
                f"{s['hold_s']:.1f} s",
                None if hold_t is None else _span(hold_t[0], hold_t[1], " s"),
                None if hold_t is None else s["hold_s"] >= hold_t[0] - 0.05,
            )
        )
    return lines


def direction_rows(record: SessionRecord) -> list[dict[str, Any]]:
    """For a two-way exercise: reps and holds per direction (empty for one-way)."""
    with_holds = record.spec.hold is not None
    return [
        {
            "direction": direction_label(d),
            "reps": v["reps"],
            **({"holds": v["holds"], "best hold (s)": v["best_hold_s"]} if with_holds else {}),
        }
        for d, v in record.by_direction().items()
    ]


def fault_rows(record: SessionRecord) -> list[dict[str, Any]]:
    """One row per fault raised: when, which form point, the rep (and side for sided specs)."""
    sided = record.spec.has_sides
    return [
        {
            "time": format_clock(f.t_s),
            "form point": rule_title(f.rule),
            "rep": "" if f.rep is None else str(f.rep),
            **({"side": f.side or ""} if sided else {}),
        }
        for f in record.faults
    ]


def rep_table_rows(record: SessionRecord) -> list[dict[str, Any]]:
    """The per-rep table with readable column names (a side column only for sided specs,
    a direction column only for two-way ones). Empty for a hold-only exercise: see
    :func:`hold_table_rows`."""
    sided, two_way = record.spec.has_sides, bool(record.spec.directions)
    rows = []
    for r in record.reps_rows():
        rows.append(
            {
                "rep": r["rep"],
                **({"side": r["side"] or ""} if sided else {}),
                **({"direction": direction_label(r["direction"] or "")} if two_way else {}),
                "start": format_clock(r["start_s"]),
                "top": "" if r["top_s"] is None else format_clock(r["top_s"]),
                "end": format_clock(r["end_s"]),
                "duration (s)": r["duration_s"],
                "peak": r["peak"],
                "range": r["rom"],
                "form faults": ", ".join(rule_title(x) for x in r["faults"]) or "none",
            }
        )
    return rows


def hold_table_rows(record: SessionRecord) -> list[dict[str, Any]]:
    """One row per counted hold: when, how long, and whether it reached the prescribed time
    (side and direction columns only where the spec has them)."""
    spec = record.spec
    target = spec.prescription.hold_target_s
    rows = []
    for s in record.sets:
        for n, h in enumerate(s.counted_holds, start=1):
            rows.append(
                {
                    "hold": h.index or n,
                    **({"side": s.side or ""} if spec.has_sides else {}),
                    **(
                        {"direction": direction_label(h.direction or "")} if spec.directions else {}
                    ),
                    "start": format_clock(h.start_s),
                    "end": format_clock(h.t_s),
                    "held (s)": round(h.held_s, 1),
                    **(
                        {f"reached {_num(target)} s": "yes" if h.held_s >= target - 0.05 else "no"}
                        if target is not None
                        else {}
                    ),
                }
            )
    return rows


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def summary_headline(record: SessionRecord) -> str:
    """One sentence for the top of a summary: ``'3 reps, no form faults.'``,
    ``'2 holds, best 16.2 s, no form faults.'``, ``'4 reps (cat 2, cow 2), best hold
    6.1 s, 1 form fault.'``."""
    s = record.summary()
    if not s["assessed"]:
        return (
            f"Could not assess this {('set' if record.meta.get('live') else 'clip')}: "
            f"{sentence(str(s['reason']))}"
        )
    parts = []
    spec = record.spec
    if spec.reps:
        text = _plural(s["reps"], "rep")
        if spec.directions:
            text += (
                " ("
                + ", ".join(
                    f"{d.replace('_', ' ')} {v['reps']}" for d, v in s["by_direction"].items()
                )
                + ")"
            )
        parts.append(text)
    if spec.hold is not None:
        if spec.hold_only or spec.prescription.holds is not None:
            parts.append(_plural(s["holds"], "hold"))
            if s["hold_s"] > 0:
                parts.append(f"best {s['hold_s']:.1f} s")
        elif s["hold_s"] > 0:
            parts.append(f"best hold {s['hold_s']:.1f} s")
    n_faults = len(record.faults)
    parts.append("no form faults" if n_faults == 0 else _plural(n_faults, "form fault"))
    text = ", ".join(parts)
    return text[0].upper() + text[1:] + "."


def stopped_text(record: SessionRecord) -> str | None:
    """Why and when the user stopped the set, or None when it was not stopped."""
    stopped = record.summary()["stopped"]
    if stopped is None:
        return None
    return (
        f"Set stopped at {format_clock(stopped['t_s'] or 0.0)}: {stopped['reason']}. "
        "No more reps were asked for after that."
    )


def coverage_warning(record: SessionRecord, min_share: float = 0.5) -> str | None:
    """A warning when less than ``min_share`` of the frames could be assessed, with the main
    reason (by time), e.g. a clip filmed from the wrong side. None when coverage is fine or
    when nothing at all was assessed (the summary headline says so already)."""
    if record.frames == 0 or record.frames_assessed == 0:
        return None
    share = record.frames_assessed / record.frames
    if share >= min_share:
        return None
    end = record.timeline[-1][0] if record.timeline else 0.0
    by_reason: dict[str, float] = {}
    for start, stop, reason in record.cannot_spans:
        if reason and reason != "starting":
            by_reason[reason] = by_reason.get(reason, 0.0) + (
                (end if stop is None else stop) - start
            )
    text = f"Only {share:.0%} of the clip could be assessed"
    if by_reason:
        main = max(by_reason, key=lambda r: by_reason[r])
        text += f". Mostly: {main.rstrip('.')}"
    return text + "."


# ---------------------------------------------------------------------------
# Timeline plot
# ---------------------------------------------------------------------------

SPAN_COLOURS = {
    "rep": "#2e7d32",
    "hold": "#1565c0",
    "cannot assess": "#9e9e9e",
    "fault": "#c62828",
}


def timeline_spans(record: SessionRecord) -> list[dict[str, Any]]:
    """Rep, hold and cannot-assess spans as rows (kind, start, end, label)."""
    spans: list[dict[str, Any]] = []
    for s in record.sets:
        for rep in s.reps:
            way = f" ({rep.direction.replace('_', ' ')})" if rep.direction else ""
            spans.append(
                {
                    "kind": "rep",
                    "start": rep.start_s,
                    "end": rep.end_s,
                    "label": f"rep {rep.index}{way}",
                }
            )
        for h in s.holds:
            if h.counted:
                way = f" ({h.direction.replace('_', ' ')})" if h.direction else ""
                spans.append(
                    {
                        "kind": "hold",
                        "start": h.start_s,
                        "end": h.t_s,
                        "label": f"hold {h.held_s:.1f} s{way}",
                    }
                )
    end_default = record.timeline[-1][0] if record.timeline else 0.0
    for start, end, reason in record.cannot_spans:
        if reason == "starting":
            continue
        spans.append(
            {
                "kind": "cannot assess",
                "start": start,
                "end": end if end is not None else end_default,
                "label": str(reason),
            }
        )
    return spans


def timeline_chart(record: SessionRecord, height: int = 260) -> alt.LayerChart:
    """The key feature over time, with rep / hold / cannot-assess spans and fault marks."""
    import altair as alt
    import pandas as pd

    spec = record.spec
    feature = spec.key_feature
    desc = spec.features[feature].description if feature in spec.features else ""
    line_df = pd.DataFrame(
        [{"t": t, "value": v} for t, v, _ in record.timeline if v is not None],
        columns=["t", "value"],
    )
    spans_df = pd.DataFrame(timeline_spans(record), columns=["kind", "start", "end", "label"])
    faults_df = pd.DataFrame(
        [
            {"t": f.t_s, "kind": "fault", "label": f"{rule_title(f.rule)}: {f.cue}"}
            for f in record.faults
        ],
        columns=["t", "kind", "label"],
    )
    kinds = list(SPAN_COLOURS)
    colour = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=kinds, range=[SPAN_COLOURS[k] for k in kinds]),
        legend=alt.Legend(title=None, orient="top"),
    )
    x = alt.X("t:Q", title="time (s)")
    rects = (
        alt.Chart(spans_df)
        .mark_rect(opacity=0.18)
        .encode(
            x=alt.X("start:Q", title="time (s)"),
            x2="end:Q",
            color=colour,
            tooltip=[
                "label:N",
                alt.Tooltip("start:Q", format=".1f"),
                alt.Tooltip("end:Q", format=".1f"),
            ],
        )
    )
    line = (
        alt.Chart(line_df)
        .mark_line(color="#37474f", strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=f"{feature.replace('_', ' ')}", scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("t:Q", format=".2f"), alt.Tooltip("value:Q", format=".1f")],
        )
    )
    rules = (
        alt.Chart(faults_df)
        .mark_rule(strokeWidth=2, strokeDash=[4, 3])
        .encode(x=x, color=colour, tooltip=["label:N", alt.Tooltip("t:Q", format=".1f")])
    )
    return (
        alt.layer(rects, line, rules)
        .properties(
            height=height,
            title=alt.TitleParams(
                desc or feature, fontSize=12, fontWeight="normal", anchor="start"
            ),
        )
        .resolve_scale(color="shared")
    )


#: What the app says for a guided timer (a spec with ``category = "timer"``).
TIMER_NOTE = (
    "Guided timer: the camera checks nothing for this exercise. Follow the steps; "
    "formcheck only keeps the time."
)


def start_position(spec: ExerciseSpec) -> str | None:
    """The spec's start posture as the user is told it ("Lie on your back ..."), or None."""
    if spec.posture is None:
        return None
    from formcheck.posture import POSTURE_GATES

    gate = POSTURE_GATES.get(spec.posture)
    return None if gate is None else gate.instruction + "."


def clip_exercise(clip: Path) -> str | None:
    """The exercise a sample clip shows, from its ground truth (``NAME.json`` next to it),
    else None."""
    truth = clip.with_suffix(".json")
    try:
        data = json.loads(truth.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    exercise = data.get("exercise") if isinstance(data, dict) else None
    return exercise if isinstance(exercise, str) else None


def order_sample_clips(exercise_id: str, clips: Iterable[Path]) -> list[Path]:
    """Sample clips with this exercise's first (from their ground truth, else their name),
    then the others, each part in name order."""

    def mine(clip: Path) -> bool:
        shown = clip_exercise(clip)
        return (
            shown == exercise_id if shown is not None else clip.stem.startswith(exercise_id + "_")
        )

    ordered = sorted(clips, key=lambda c: c.name)
    return [c for c in ordered if mine(c)] + [c for c in ordered if not mine(c)]
