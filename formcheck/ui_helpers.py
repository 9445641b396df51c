"""Pure helpers for the Streamlit app: text formatting, view models and the timeline plot.

Nothing here imports streamlit, so the app stays a thin layout file and these
functions are tested directly (tests/test_live.py). The plot is an Altair
chart (Altair ships with Streamlit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from formcheck.results import FrameResult, Phase

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

PHASE_LABELS: dict[Phase, str] = {
    Phase.UNKNOWN: "Getting ready",
    Phase.REST: "At rest",
    Phase.RISING: "Lifting",
    Phase.TOP: "At the top",
    Phase.LOWERING: "Lowering",
}

PAIN_REASON = "pain increased or spread down the leg"


def _num(x: float) -> str:
    """7.0 -> '7', 7.5 -> '7.5' (targets read better without a trailing .0)."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def format_reps(reps: int, target: int | None) -> str:
    """``format_reps(3, 12)`` -> ``'Reps 3 / 12'``; without a target ``'Reps 3'``."""
    return f"Reps {reps}" if target is None else f"Reps {reps} / {target}"


def format_hold(hold_s: float, target_s: float | None) -> str:
    """``format_hold(7.46, 10)`` -> ``'Hold 7.5 / 10 s'``; without a target ``'Hold 7.5 s'``."""
    held = f"{max(0.0, hold_s):.1f}"
    return f"Hold {held} s" if target_s is None else f"Hold {held} / {_num(target_s)} s"


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


def side_label(side: str | None) -> str:
    return "" if side is None else f"{side} side"


def reps_target(spec: ExerciseSpec) -> int | None:
    return spec.prescription.reps_target if spec.reps else None


def hold_target(spec: ExerciseSpec) -> float | None:
    return spec.prescription.hold_target_s if spec.hold is not None else None


def prescription_facts(spec: ExerciseSpec) -> list[tuple[str, str]]:
    """(label, value) pairs for the prescription, e.g. ('Reps', '10-15')."""
    p = spec.prescription
    out: list[tuple[str, str]] = []
    if p.reps is not None:
        lo, hi = p.reps
        out.append(("Reps", f"{lo}" if lo == hi else f"{lo}-{hi}"))
    if p.sets is not None:
        out.append(("Sets", str(p.sets)))
    if p.hold_s is not None:
        lo_s, hi_s = p.hold_s
        out.append(("Hold", f"{_num(lo_s)} s" if lo_s == hi_s else f"{_num(lo_s)}-{_num(hi_s)} s"))
    if p.sides:
        out.append(("Sides", " then ".join(p.sides)))
    return out


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """What the live page shows for the latest frame, as text."""

    t_s: float
    reps: int
    reps_text: str
    hold_s: float
    hold_text: str | None  # None when the spec has no hold
    best_hold_s: float
    phase: str
    cue: str | None
    cannot_assess: str | None
    faults: tuple[str, ...]
    person: bool
    side: str | None

    @classmethod
    def from_result(cls, result: FrameResult, spec: ExerciseSpec) -> LiveStatus:
        ht = hold_target(spec)
        return cls(
            t_s=result.t_s,
            reps=result.reps,
            reps_text=format_reps(result.reps, reps_target(spec)),
            hold_s=result.hold_s,
            hold_text=None if spec.hold is None else format_hold(result.hold_s, ht),
            best_hold_s=result.best_hold_s,
            phase=PHASE_LABELS[result.phase],
            cue=result.cue,
            cannot_assess=result.cannot_assess,
            faults=result.faults,
            person=result.person,
            side=result.side,
        )

    @classmethod
    def waiting(cls, spec: ExerciseSpec, side: str | None) -> LiveStatus:
        """Before the first frame arrives."""
        return cls(
            t_s=0.0,
            reps=0,
            reps_text=format_reps(0, reps_target(spec)),
            hold_s=0.0,
            hold_text=None if spec.hold is None else format_hold(0.0, hold_target(spec)),
            best_hold_s=0.0,
            phase=PHASE_LABELS[Phase.UNKNOWN],
            cue=None,
            cannot_assess=None,
            faults=(),
            person=False,
            side=side,
        )


# ---------------------------------------------------------------------------
# Summaries of a finished set or a reviewed clip
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetLine:
    """One line of 'result against prescription'."""

    label: str
    value: str
    target: str | None
    met: bool | None


def target_lines(record: SessionRecord) -> list[TargetLine]:
    """Reps and hold against the prescription, for the summary."""
    s = record.summary()
    spec = record.spec
    lines: list[TargetLine] = []
    if spec.reps:
        reps_t = s["target"]["reps"]
        lines.append(
            TargetLine(
                "Reps (estimate)" if spec.low_confidence else "Reps",
                str(s["reps"]),
                None if reps_t is None else f"{reps_t[0]}-{reps_t[1]}",
                s["meets_target"]["reps"],
            )
        )
    if spec.hold is not None and spec.prescription.hold_s is not None:
        hold_t = s["target"]["hold_s"]
        lines.append(
            TargetLine(
                "Best hold",
                f"{s['hold_s']:.1f} s",
                None if hold_t is None else f"{_num(hold_t[0])}-{_num(hold_t[1])} s",
                s["meets_target"]["hold"],
            )
        )
    return lines


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
    """The per-rep table with readable column names (a side column only for sided specs)."""
    rows = []
    for r in record.reps_rows():
        rows.append(
            {
                "rep": r["rep"],
                **({"side": r["side"] or ""} if record.spec.has_sides else {}),
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


def summary_headline(record: SessionRecord) -> str:
    """One sentence for the top of a summary."""
    s = record.summary()
    if not s["assessed"]:
        return (
            f"Could not assess this {('set' if record.meta.get('live') else 'clip')}: "
            f"{s['reason']}."
        )
    parts = []
    spec = record.spec
    if spec.reps:
        parts.append(f"{s['reps']} rep{'s' if s['reps'] != 1 else ''}")
    if spec.hold is not None and s["hold_s"] > 0:
        parts.append(f"best hold {s['hold_s']:.1f} s")
    n_faults = len(record.faults)
    parts.append(
        "no form faults"
        if n_faults == 0
        else f"{n_faults} form fault{'s' if n_faults != 1 else ''}"
    )
    text = ", ".join(parts)
    text = text[0].upper() + text[1:] + "."
    return text


def next_side(record: SessionRecord) -> str | None:
    """For a spec done one side at a time: the prescribed side after this set's, if any."""
    sides = record.spec.prescription.sides
    done = record.sets[-1].side if record.sets else None
    if not sides or done not in sides:
        return None
    i = sides.index(done)
    return sides[i + 1] if i + 1 < len(sides) else None


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
            spans.append(
                {"kind": "rep", "start": rep.start_s, "end": rep.end_s, "label": f"rep {rep.index}"}
            )
        for h in s.holds:
            if h.counted:
                spans.append(
                    {
                        "kind": "hold",
                        "start": h.start_s,
                        "end": h.t_s,
                        "label": f"hold {h.held_s:.1f} s",
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
