"""SessionRecord: the report, as a fold over the session's result stream.

A :class:`SessionRecord` is a :class:`~formcheck.results.ResultSink`: it
consumes every :class:`~formcheck.results.FrameResult` in order and learns
everything from the results and their events (sets, reps, holds, faults,
views seen, cuts, stops). It never asks the session anything, so a live set
and a clip review fold into the same report.

The JSON schema (``"schema": "formcheck.report/1"``) is documented in
docs/report_schema.md; other tools read it, so fields are only ever added.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formcheck.outputs import write_text
from formcheck.results import (
    Assessing,
    CannotAssess,
    Event,
    FaultRaised,
    FrameResult,
    HoldEnded,
    PartialRep,
    PeopleInView,
    PersonSwitched,
    RepCompleted,
    SceneCut,
    SetEnded,
    SetStarted,
    Stopped,
    ViewSeen,
)

if TYPE_CHECKING:
    from formcheck.spec import ExerciseSpec

SCHEMA = "formcheck.report/1"
MIN_ASSESSED_SHARE = 0.2  # below this share of frames assessed, the clip is "not assessed"
#: Less video than this is "not assessed", whatever its frames showed. Nothing is judged until
#: the start posture has been seen for 0.5 s (posture_gate.OPEN_S), and the quickest rep any
#: spec counts takes 0.5 s (the hip hike's min_duration_s): a shorter fragment cannot hold one
#: countable rep, so calling it assessed would be a guess (tests/test_inputs.py checks this).
MIN_REVIEW_S = 1.0
#: What the report (and the live panel, formcheck.coaching.PEOPLE_NOTICE) says while other
#: people are in view beside the tracked one.
MORE_PEOPLE = "More than one person in view"
PEOPLE_ADVICE = (
    "the count follows one person, the one drawn on the video; ask others to step out of view"
)
HOLD_COLUMNS = ("side", "start_s", "end_s", "held_s", "counted", "direction")
REP_COLUMNS = (
    "side",
    "rep",
    "start_s",
    "top_s",
    "end_s",
    "duration_s",
    "peak",
    "rom",
    "at_clip_end",
    "direction",
    "faults",
)


def _judges_movement(kind: str) -> bool:
    from formcheck.rules import RULE_KINDS

    return RULE_KINDS[kind].judges_movement


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(float(x), nd)


@dataclass(slots=True)
class _Set:
    side: str | None
    start_s: float | None = None
    end_s: float | None = None
    reps: list[RepCompleted] = field(default_factory=list)
    holds: list[HoldEnded] = field(default_factory=list)
    partials: list[PartialRep] = field(default_factory=list)
    ended: str | None = None  # "finished", "stopped", "side_switched"; None: still open

    @property
    def counted_holds(self) -> list[HoldEnded]:
        return [h for h in self.holds if h.counted]


class SessionRecord:
    """Folds a session's results into the report; never drops what was recorded."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.sets: list[_Set] = []
        self.faults: list[FaultRaised] = []
        self.cannot_spans: list[list[Any]] = []  # [start_s, end_s, reason]
        self.timeline: list[tuple[float, float | None, str]] = []
        self.frames = 0
        self._first_t = self._last_t = 0.0
        self.frames_with_person = 0
        self.frames_assessed = 0
        self.stop_reason: str | None = None
        self.stop_t_s: float | None = None
        self.interrupted_by: dict[str, Any] | None = None  # {"signal": "SIGINT", "t_s": 4.2}
        self.meta: dict[str, Any] = {}
        self.cuts: list[float] = []  # scene cuts in an edited clip
        self.switches: list[float] = []  # the pose model jumped to another person
        self.people_spans: list[list[Any]] = []  # [start_s, end_s, most others] in view
        self.views_seen: set[str] = set()
        self._reasons: Counter[str] = Counter()
        self._keys: Counter[str] = Counter()  # the key feature measured, per frame

    # -- building -----------------------------------------------------------

    def consume(self, result: FrameResult) -> None:
        """Fold one result: its events, then (for a video frame) the frame itself."""
        for ev in result.events:
            self.add_event(ev)
        if result.frame:
            self.add_frame(result)

    def _current(self, side: str | None) -> _Set:
        if not self.sets:
            self.sets.append(_Set(side))
        return self.sets[-1]

    def add_event(self, ev: Event) -> None:
        if isinstance(ev, SetStarted):
            if not (self.sets and self.sets[-1].start_s is None and not self.sets[-1].reps):
                self.sets.append(_Set(ev.side))
            self.sets[-1].side = ev.side
            return
        cur = self._current(getattr(ev, "side", None))
        if isinstance(ev, SetEnded):
            cur.ended = ev.reason
        elif isinstance(ev, ViewSeen):
            self.views_seen.add(ev.view)
        elif isinstance(ev, SceneCut):
            self.cuts.append(ev.t_s)
        elif isinstance(ev, PersonSwitched):
            self.switches.append(ev.t_s)
        elif isinstance(ev, PeopleInView):
            self._people(ev)
        elif isinstance(ev, Stopped):
            self.stopped(ev.reason, ev.t_s)
        elif isinstance(ev, RepCompleted):
            cur.reps.append(ev)
        elif isinstance(ev, HoldEnded):
            cur.holds.append(ev)
        elif isinstance(ev, PartialRep):
            cur.partials.append(ev)
        elif isinstance(ev, FaultRaised):
            self.faults.append(ev)
        elif isinstance(ev, CannotAssess):
            if self.cannot_spans and self.cannot_spans[-1][1] is None:
                self.cannot_spans[-1][1] = ev.t_s  # one reason gave way to another
            self.cannot_spans.append([ev.t_s, None, ev.reason])
        elif isinstance(ev, Assessing) and self.cannot_spans and self.cannot_spans[-1][1] is None:
            self.cannot_spans[-1][1] = ev.t_s

    def add_frame(self, result: FrameResult) -> None:
        cur = self._current(result.side)
        if cur.start_s is None:
            cur.start_s = result.t_s
        cur.end_s = result.t_s
        if self.frames == 0:
            self._first_t = result.t_s
        self._last_t = result.t_s
        self.frames += 1
        self.frames_with_person += int(result.person)
        if result.assessed:
            self.frames_assessed += 1
        elif result.cannot_assess is not None:
            self._reasons[result.cannot_assess] += 1
        self.timeline.append((result.t_s, result.key_value, result.phase.value))
        if result.key_value is not None:
            self._keys[result.key_feature] += 1
        self.add_others(result.others)

    def _people(self, ev: PeopleInView) -> None:
        open_span = self.people_spans[-1] if self.people_spans else None
        if open_span is not None and open_span[1] is None:
            if ev.others > 0:
                open_span[2] = max(open_span[2], ev.others)
                return
            open_span[1] = ev.since_s  # gone since they were last seen
        elif ev.others > 0:
            self.people_spans.append([ev.since_s, None, ev.others])

    def add_others(self, others: int) -> None:
        """The judged count on a frame: the span's largest count of other people."""
        if others and self.people_spans and self.people_spans[-1][1] is None:
            self.people_spans[-1][2] = max(self.people_spans[-1][2], others)

    def warnings(self) -> list[str]:
        """Data-quality warnings, one sentence each (the report summary's ``warnings``)."""
        out: list[str] = []
        if self.people_spans:
            spans = ", ".join(
                f"{a:.1f}-{b:.1f} s" if b is not None else f"from {a:.1f} s"
                for a, b, _ in self.people_spans
            )
            out.append(f"{MORE_PEOPLE} ({spans}): {PEOPLE_ADVICE}")
        if self.switches:
            times = ", ".join(f"{t:.1f}" for t in self.switches)
            n = len(self.switches)
            out.append(
                f"The body in view jumped {n} time{'s' if n > 1 else ''} (at {times} s): "
                "another person, or a cut in the video; a movement under way then was not "
                "counted"
            )
        return out

    def stopped(self, reason: str, t_s: float) -> None:
        self.stop_reason, self.stop_t_s = reason, t_s

    def mark_interrupted(self, signal: str, t_s: float) -> None:
        """The review was cut short (Ctrl-C, SIGTERM) after the frame at ``t_s``: a partial
        report."""
        self.interrupted_by = {"signal": signal, "t_s": _r(t_s)}

    # -- reading ------------------------------------------------------------

    @property
    def reps(self) -> int:
        """Reps over all sets; for a hold-only exercise, the counted holds."""
        if self.spec.hold_only:
            return sum(len(s.counted_holds) for s in self.sets)
        return sum(len(s.reps) for s in self.sets)

    @property
    def reviewed_s(self) -> float:
        """Seconds of video the frames cover: first to last frame, plus one frame's time.

        From the frames' own times (a frame lasts the mean gap between frames); 0.0 for
        fewer than two frames.
        """
        if self.frames < 2:
            return 0.0
        span = self._last_t - self._first_t
        return span * self.frames / (self.frames - 1)

    @property
    def best_hold_s(self) -> float:
        return max((h.held_s for s in self.sets for h in s.counted_holds), default=0.0)

    def _targets(self) -> dict[str, Any]:
        """The prescription against every set: reps, and holds in count and duration."""
        p = self.spec.prescription
        sets = [s for s in self.sets if s.start_s is not None] or self.sets
        hold_t = p.hold_target_s
        holds_needed = (
            p.holds[0]
            if p.holds is not None
            else (p.reps_target if self.spec.hold_only and p.reps_target else 1)
        )
        reps_per_set = [len(s.counted_holds) if self.spec.hold_only else len(s.reps) for s in sets]
        at_target = [
            sum(1 for h in s.counted_holds if hold_t is not None and h.held_s >= hold_t - 0.05)
            for s in sets
        ]
        meets_reps = None
        if p.reps_target is not None and self.spec.category != "timer":
            meets_reps = bool(sets) and min(reps_per_set) >= p.reps_target
        meets_hold = None
        if hold_t is not None and self.spec.hold is not None:
            meets_hold = bool(sets) and min(at_target) >= holds_needed
        return {
            "reps": meets_reps,
            "hold": meets_hold,
            "holds_needed": holds_needed if self.spec.hold is not None else None,
            "holds_at_target": sum(at_target),
        }

    def by_direction(self) -> dict[str, dict[str, Any]]:
        """Reps and holds per direction of a two-way exercise (empty for one-way)."""
        out: dict[str, dict[str, Any]] = {}
        for d in self.spec.directions:
            holds = [h for s in self.sets for h in s.counted_holds if h.direction == d]
            out[d] = {
                "reps": sum(1 for s in self.sets for r in s.reps if r.direction == d),
                "holds": len(holds),
                "best_hold_s": round(max((h.held_s for h in holds), default=0.0), 2),
            }
        return out

    def reps_rows(self) -> list[dict[str, Any]]:
        rows = []
        for s in self.sets:
            for rep in s.reps:
                faults = sorted(
                    {f.rule for f in self.faults if f.side == s.side and f.rep == rep.index}
                )
                rows.append(
                    {
                        "side": s.side,
                        "rep": rep.index,
                        "start_s": _r(rep.start_s),
                        "top_s": _r(rep.top_s),
                        "end_s": _r(rep.end_s),
                        "duration_s": _r(rep.end_s - rep.start_s),
                        "peak": _r(rep.peak, 1),
                        "rom": _r(rep.rom, 1),
                        "at_clip_end": rep.at_clip_end,
                        "direction": rep.direction,
                        "faults": faults,
                    }
                )
        return rows

    def holds_rows(self) -> list[dict[str, Any]]:
        """Every hold (counted or too short), in order."""
        return [
            {
                "side": s.side,
                "start_s": _r(h.start_s),
                "end_s": _r(h.t_s),
                "held_s": _r(h.held_s),
                "counted": h.counted,
                "direction": h.direction,
            }
            for s in self.sets
            for h in s.holds
        ]

    def summary(self) -> dict[str, Any]:
        spec = self.spec
        p = spec.prescription
        # A clip counts as assessed when a fair share of it could be: two frames out
        # of six hundred (a wrong camera view, say) are not an assessment.
        share = self.frames_assessed / self.frames if self.frames else 0.0
        reviewed_s = self.reviewed_s
        # judged as reported (to 0.01 s): 14 frame gaps of 66.7 ms rounded to the ms are 1.0 s
        too_short = self.frames > 0 and round(reviewed_s, 2) < MIN_REVIEW_S
        assessed = self.frames_assessed > 0 and share >= MIN_ASSESSED_SHARE and not too_short
        reason: str | None = None
        if not assessed:
            if too_short:
                frames = f"{self.frames} frame" + ("s" if self.frames != 1 else "")
                reason = (
                    f"too short to assess: {reviewed_s:.1f} s of video ({frames}); at least "
                    f"{MIN_REVIEW_S:g} s is needed, so record the whole exercise"
                )
            elif self.frames_with_person == 0:
                reason = "no person was found in the video" if self.frames else "no frames"
            elif self._reasons:
                reason = self._reasons.most_common(1)[0][0]
            else:
                reason = "nothing could be assessed"
        sides = [s.side for s in self.sets]
        side: str | None = sides[0] if len(set(sides)) == 1 else "both"
        if spec.is_timer:
            assessed, reason = False, "a guided timer: the camera checks nothing for this exercise"
        views_seen = self.views_seen
        not_checked = sorted(
            {r.id for r in spec.rules if views_seen and r.views and not set(r.views) & views_seen}
            # Rules that judge the movement itself are suspended when it is only partly seen.
            | {r.id for r in spec.rules if spec.low_confidence and _judges_movement(r.kind)}
        )
        targets = self._targets()
        return {
            "exercise": spec.id,
            "name": spec.name,
            "side": side,
            "reps": self.reps,
            "hold_s": round(self.best_hold_s, 2),
            # counted holds (held at least the spec's minimum), and how many reached the target
            "holds": sum(len(s.counted_holds) for s in self.sets),
            "holds_at_target": targets["holds_at_target"],
            "by_direction": self.by_direction(),
            "faults": sorted({f.rule for f in self.faults}),
            "assessed": assessed,
            "reason": reason,
            "partial_reps": sum(len(s.partials) for s in self.sets),
            # "low": reps and hold_s are estimates for this exercise (see "limits")
            "counting_confidence": "low" if spec.low_confidence else "high",
            "limits": spec.limits,
            "target": {
                "reps": list(p.reps) if p.reps else None,
                "sets": p.sets,
                "hold_s": list(p.hold_s) if p.hold_s else None,
                "sides": list(p.sides),
                "holds": targets["holds_needed"],
                "text": p.text,
                "source": p.source,
            },
            "meets_target": {"reps": targets["reps"], "hold": targets["hold"]},
            "checked_by_camera": not spec.is_timer,
            "posture": spec.posture,
            "views_seen": sorted(views_seen),
            "interrupted": bool(self.sets) and self.sets[-1].ended is None,
            "stopped": None
            if self.stop_reason is None
            else {"reason": self.stop_reason, "t_s": _r(self.stop_t_s)},
            "not_checked": not_checked,
            # other people were seen beside the tracked one (see people_in_view)
            "others_in_view": bool(self.people_spans),
            "person_switches": len(self.switches),
            "warnings": self.warnings(),
            "frames": self.frames,
            "frames_with_person": self.frames_with_person,
            "frames_assessed": self.frames_assessed,
            "assessed_share": round(share, 3),
            "reviewed_s": round(reviewed_s, 2),
            "interrupted_by": self.interrupted_by,
        }

    def to_dict(self, timeline: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "summary": self.summary(),
            "sets": [
                {
                    "side": s.side,
                    "start_s": _r(s.start_s),
                    "end_s": _r(s.end_s),
                    "reps": len(s.counted_holds) if self.spec.hold_only else len(s.reps),
                    "holds": len(s.counted_holds),
                    "best_hold_s": round(max((h.held_s for h in s.counted_holds), default=0.0), 2),
                    "ended": s.ended,
                }
                for s in self.sets
            ],
            "reps": self.reps_rows(),
            "holds": self.holds_rows(),
            "faults": [
                {
                    "rule": f.rule,
                    "side": f.side,
                    "t_s": _r(f.t_s),
                    "cue": f.cue,
                    "value": _r(f.value),
                    "rep": f.rep,
                }
                for f in self.faults
            ],
            "cannot_assess": [
                {"start_s": _r(a), "end_s": _r(b), "reason": why} for a, b, why in self.cannot_spans
            ],
            "people_in_view": [
                {"start_s": _r(a), "end_s": _r(b), "others": n} for a, b, n in self.people_spans
            ],
            "clip": {
                **self.meta,
                "views_seen": sorted(self.views_seen),
                "cuts_s": [_r(t) for t in self.cuts],
                "person_switches_s": [_r(t) for t in self.switches],
            },
        }
        if timeline:
            out["timeline"] = {
                "feature": (
                    self._keys.most_common(1)[0][0] if self._keys else self.spec.key_feature
                ),
                "t_s": [_r(t, 3) for t, _, _ in self.timeline],
                "value": [_r(v) for _, v, _ in self.timeline],
                "phase": [ph for _, _, ph in self.timeline],
            }
        return out

    def to_json(self, path: str | Path | None = None) -> str:
        """The JSON report; written atomically to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            write_text(path, text)
        return text

    def to_csv(self, path: str | Path | None = None) -> str:
        """The reps table; for a hold-only exercise (a stretch, a plank), the holds table."""
        buf = io.StringIO()
        if self.spec.hold_only:
            w = csv.DictWriter(buf, fieldnames=HOLD_COLUMNS)
            w.writeheader()
            w.writerows(self.holds_rows())
        else:
            w = csv.DictWriter(buf, fieldnames=REP_COLUMNS)
            w.writeheader()
            for row in self.reps_rows():
                w.writerow({**row, "faults": ";".join(row["faults"])})
        text = buf.getvalue()
        if path is not None:
            write_text(path, text)
        return text
