"""SessionRecord: everything a session concluded, as a stable JSON report and CSV.

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

from formcheck.results import (
    Assessing,
    CannotAssess,
    Event,
    FaultRaised,
    FrameResult,
    HoldEnded,
    PartialRep,
    RepCompleted,
)

if TYPE_CHECKING:
    from formcheck.spec import ExerciseSpec

SCHEMA = "formcheck.report/1"
MIN_ASSESSED_SHARE = 0.2  # below this share of frames assessed, the clip is "not assessed"
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
    "faults",
)


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


class SessionRecord:
    """Accumulates events and per-frame results; never drops what was recorded."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.sets: list[_Set] = []
        self.faults: list[FaultRaised] = []
        self.cannot_spans: list[list[Any]] = []  # [start_s, end_s, reason]
        self.timeline: list[tuple[float, float | None, str]] = []
        self.frames = 0
        self.frames_with_person = 0
        self.frames_assessed = 0
        self.stop_reason: str | None = None
        self.stop_t_s: float | None = None
        self.meta: dict[str, Any] = {}
        self.cuts: list[float] = []  # scene cuts in an edited clip
        self._reasons: Counter[str] = Counter()
        self._keys: Counter[str] = Counter()  # the key feature measured, per frame

    # -- building -----------------------------------------------------------

    def start_set(self, side: str | None) -> None:
        self.sets.append(_Set(side))

    def add_event(self, ev: Event) -> None:
        cur = self.sets[-1]
        if isinstance(ev, RepCompleted):
            cur.reps.append(ev)
        elif isinstance(ev, HoldEnded):
            cur.holds.append(ev)
        elif isinstance(ev, PartialRep):
            cur.partials.append(ev)
        elif isinstance(ev, FaultRaised):
            self.faults.append(ev)
        elif isinstance(ev, CannotAssess):
            self.cannot_spans.append([ev.t_s, None, ev.reason])
        elif isinstance(ev, Assessing) and self.cannot_spans and self.cannot_spans[-1][1] is None:
            self.cannot_spans[-1][1] = ev.t_s

    def add_frame(self, result: FrameResult) -> None:
        cur = self.sets[-1]
        if cur.start_s is None:
            cur.start_s = result.t_s
        cur.end_s = result.t_s
        self.frames += 1
        self.frames_with_person += int(result.person)
        if result.cannot_assess is None and result.key_value is not None:
            self.frames_assessed += 1
        elif result.cannot_assess is not None:
            self._reasons[result.cannot_assess] += 1
        self.timeline.append((result.t_s, result.key_value, result.phase.value))
        if result.key_value is not None:
            self._keys[result.key_feature] += 1

    def stopped(self, reason: str, t_s: float) -> None:
        self.stop_reason, self.stop_t_s = reason, t_s

    # -- reading ------------------------------------------------------------

    @property
    def reps(self) -> int:
        return sum(len(s.reps) for s in self.sets)

    @property
    def best_hold_s(self) -> float:
        return max((h.held_s for s in self.sets for h in s.holds if h.counted), default=0.0)

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
                        "faults": faults,
                    }
                )
        return rows

    def summary(self) -> dict[str, Any]:
        spec = self.spec
        p = spec.prescription
        # A clip counts as assessed when a fair share of it could be: two frames out
        # of six hundred (a wrong camera view, say) are not an assessment.
        share = self.frames_assessed / self.frames if self.frames else 0.0
        assessed = self.frames_assessed > 0 and share >= MIN_ASSESSED_SHARE
        reason: str | None = None
        if not assessed:
            if self.frames_with_person == 0:
                reason = "no person was found in the video" if self.frames else "no frames"
            elif self._reasons:
                reason = self._reasons.most_common(1)[0][0]
            else:
                reason = "nothing could be assessed"
        sides = [s.side for s in self.sets]
        side: str | None = sides[0] if len(set(sides)) == 1 else "both"
        reps_target = p.reps_target
        hold_target = p.hold_target_s
        views_seen = set(self.meta.get("views_seen", []))
        not_checked = sorted(
            {r.id for r in spec.rules if views_seen and r.views and not set(r.views) & views_seen}
            # Rules that judge the movement itself are suspended when it is only partly seen.
            | {
                r.id
                for r in spec.rules
                if spec.low_confidence and r.kind in ("tempo", "reach", "hold_duration")
            }
        )
        return {
            "exercise": spec.id,
            "name": spec.name,
            "side": side,
            "reps": self.reps,
            "hold_s": round(self.best_hold_s, 2),
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
                "text": p.text,
                "source": p.source,
            },
            "meets_target": {
                "reps": None if reps_target is None else self.reps >= reps_target,
                "hold": None if hold_target is None else self.best_hold_s >= hold_target,
            },
            "stopped": None
            if self.stop_reason is None
            else {"reason": self.stop_reason, "t_s": _r(self.stop_t_s)},
            "not_checked": not_checked,
            "frames": self.frames,
            "frames_with_person": self.frames_with_person,
            "frames_assessed": self.frames_assessed,
            "assessed_share": round(share, 3),
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
                    "reps": len(s.reps),
                    "best_hold_s": round(
                        max((h.held_s for h in s.holds if h.counted), default=0.0), 2
                    ),
                }
                for s in self.sets
            ],
            "reps": self.reps_rows(),
            "holds": [
                {
                    "side": s.side,
                    "start_s": _r(h.start_s),
                    "end_s": _r(h.t_s),
                    "held_s": _r(h.held_s),
                    "counted": h.counted,
                }
                for s in self.sets
                for h in s.holds
            ],
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
            "clip": {**self.meta, "cuts_s": [_r(t) for t in self.cuts]},
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
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_csv(self, path: str | Path | None = None) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=REP_COLUMNS)
        w.writeheader()
        for row in self.reps_rows():
            w.writerow({**row, "faults": ";".join(row["faults"])})
        text = buf.getvalue()
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text
