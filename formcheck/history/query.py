"""What the history holds, folded for people: sessions, sets, adherence, progress per
exercise, sides, pain, form cues, range of motion and data-quality flags.

The progress page, ``formcheck history`` and the physio report all read this, so they
agree. Plain dicts and lists: easy to table, chart and print.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from formcheck.history.store import HistoryStore, _pid_alive, now_local

#: An open session not written for this long is shown as interrupted.
STALE_S = 60.0
#: A set judged on less than this share of its frames is flagged.
LOW_ASSESSED_SHARE = 0.5


def _status(row: dict[str, Any], now: datetime) -> str:
    """The session's status for people: an open one whose writer is gone or silent was
    interrupted."""
    if row["status"] != "open":
        return str(row["status"])
    try:
        beat = datetime.fromisoformat(row["heartbeat_at"])
        silent = (now - beat).total_seconds()
    except (TypeError, ValueError):
        silent = STALE_S + 1
    if silent > STALE_S or not _pid_alive(row["pid"]):
        return "interrupted"
    return "in progress"


def _share(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def _trend(points: list[tuple[str, float]]) -> float | None:
    """Least-squares change per week of a value over days (None with fewer than 2 days)."""
    if len({d for d, _ in points}) < 2:
        return None
    xs = [date.fromisoformat(d).toordinal() for d, _ in points]
    ys = [v for _, v in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        return None
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den * 7, 2)


@dataclass
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def label(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat()} ({self.days} days)"


class HistoryView:
    """The history of the last ``days`` days up to ``today`` (None: everything)."""

    def __init__(
        self,
        store: HistoryStore,
        days: int | None = 30,
        today: date | None = None,
        include_reviews: bool = True,
    ) -> None:
        self.store = store
        self.now = now_local()
        self.today = today or self.now.date()
        first_day = store.rows("SELECT min(day) AS d FROM sessions")[0]["d"]
        since = self.today - timedelta(days=days - 1) if days else None
        start = since or (date.fromisoformat(first_day) if first_day else self.today)
        self.period = Period(start, self.today)
        #: adherence counts from the first day anything was recorded, if that is later
        self.since_first = Period(
            max(start, date.fromisoformat(first_day)) if first_day else start, self.today
        )
        where = "WHERE s.day BETWEEN ? AND ?"
        params: list[Any] = [self.period.first.isoformat(), self.today.isoformat()]
        if not include_reviews:
            where += " AND s.source = 'live'"
        sessions = store.rows(
            f"SELECT s.* FROM sessions s {where} ORDER BY s.started_at, s.id", params
        )
        pain = store.rows("SELECT session_id, moment, score FROM pain")
        pains: dict[int, dict[str, int]] = defaultdict(dict)
        for p in pain:
            pains[p["session_id"]][p["moment"]] = p["score"]
        for s in sessions:
            s["status"] = _status(s, self.now)
            s["pain_before"] = pains[s["id"]].get("before")
            s["pain_after"] = pains[s["id"]].get("after")
        self.sessions = sessions
        by_id = {s["id"]: s for s in sessions}
        ids = list(by_id)
        marks = ",".join("?" for _ in ids) or "NULL"
        sets = store.rows(
            f"SELECT * FROM sets WHERE session_id IN ({marks}) ORDER BY session_id, id", ids
        )
        sets = self._drop_losing_candidates(sets)
        set_ids = [x["id"] for x in sets]
        smarks = ",".join("?" for _ in set_ids) or "NULL"
        reps = store.rows(f"SELECT * FROM reps WHERE set_id IN ({smarks}) ORDER BY id", set_ids)
        holds = store.rows(f"SELECT * FROM holds WHERE set_id IN ({smarks}) ORDER BY id", set_ids)
        faults = store.rows(f"SELECT * FROM faults WHERE set_id IN ({smarks}) ORDER BY id", set_ids)
        spans = store.rows(f"SELECT * FROM unassessed WHERE set_id IN ({smarks})", set_ids)
        self.reps, self.holds, self.faults = reps, holds, faults
        fault_reps = {(f["set_id"], f["rep"]) for f in faults if f["rep"] is not None}
        reps_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in reps:
            reps_of[r["set_id"]].append(r)
        view_spans = {x["set_id"] for x in spans if x["code"] == "view"}
        for x in sets:
            sess = by_id[x["session_id"]]
            x["day"] = sess["day"]
            x["started_at"] = sess["started_at"]
            x["source"] = sess["source"]
            if x["status"] == "open":
                x["status"] = "interrupted" if sess["status"] != "in progress" else "in progress"
            full = [r for r in reps_of[x["id"]] if r["full"]]
            x["full_reps"] = len(full)
            x["attempts"] = len(reps_of[x["id"]])
            x["good_reps"] = sum(1 for r in full if (x["id"], r["idx"]) not in fault_reps)
            x["good_form_share"] = _share(x["good_reps"], len(full))
            x["assessed_share"] = _share(x["frames_assessed"], x["frames"])
            x["faults"] = sum(1 for f in faults if f["set_id"] == x["id"])
            peaks = [r["peak"] for r in full if r["peak"] is not None]
            roms = [r["rom"] for r in full if r["rom"] is not None]
            x["median_peak"] = round(statistics.median(peaks), 1) if peaks else None
            x["median_rom"] = round(statistics.median(roms), 1) if roms else None
            x["count"] = x["holds"] if x["target_label"] == "holds" else x["reps"]
            x["at_target"] = x["target"] is not None and x["count"] >= x["target"]
            x["timer"] = x["view"] == "timer"
            x["wrong_view"] = x["id"] in view_spans
        self.sets = sets
        for s in sessions:
            mine = [x for x in sets if x["session_id"] == s["id"]]
            s["sets"] = len(mine)
            s["reps"] = sum(x["reps"] for x in mine)
            s["holds"] = sum(x["holds"] for x in mine)
            s["exercises"] = len({x["exercise"] for x in mine})

    @staticmethod
    def _drop_losing_candidates(sets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A review killed while it scored both sides keeps the side with more done."""
        keep: list[dict[str, Any]] = []
        best: dict[int, dict[str, Any]] = {}
        for x in sets:
            if not x["provisional"]:
                keep.append(x)
                continue
            cur = best.get(x["session_id"])
            if cur is None or (x["reps"], x["holds"]) > (cur["reps"], cur["holds"]):
                best[x["session_id"]] = x
        return sorted(keep + list(best.values()), key=lambda x: (x["session_id"], x["id"]))

    # -- folds -------------------------------------------------------------------------

    @property
    def empty(self) -> bool:
        return not self.sessions

    def calendar(self) -> list[dict[str, Any]]:
        """One row per day of the period: exercised or not, sessions, sets, reps."""
        rows = []
        d = self.period.first
        while d <= self.period.last:
            iso = d.isoformat()
            ss = [s for s in self.sessions if s["day"] == iso]
            xs = [x for x in self.sets if x["day"] == iso]
            rows.append(
                {
                    "day": iso,
                    "weekday": d.strftime("%a"),
                    "exercised": bool(xs),
                    "sessions": len(ss),
                    "sets": len(xs),
                    "reps": sum(x["reps"] for x in xs),
                    "holds": sum(x["holds"] for x in xs),
                }
            )
            d += timedelta(days=1)
        return rows

    def adherence(self) -> dict[str, Any]:
        """Days with data against the days the routines plan, and sessions."""
        plans = [s["planned_per_week"] for s in self.sessions if s["planned_per_week"]]
        per_week = max(plans) if plans else 7
        days = self.since_first.days
        planned = max(1, min(days, round(days * per_week / 7)))
        with_data = len({x["day"] for x in self.sets})
        return {
            "period": self.since_first.label(),
            "days": days,
            "planned_per_week": per_week,
            "planned_days": planned,
            "days_with_data": with_data,
            "share": min(1.0, _share(with_data, planned) or 0.0),
            "sessions": len(self.sessions),
            "live_sessions": sum(1 for s in self.sessions if s["source"] == "live"),
            "reviews": sum(1 for s in self.sessions if s["source"] == "review"),
        }

    def per_exercise(self) -> list[dict[str, Any]]:
        """Prescribed against done, form and attempts, per exercise."""
        out = []
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for x in self.sets:
            groups[x["exercise"]].append(x)
        for ex, xs in groups.items():
            label = Counter(x["target_label"] for x in xs).most_common(1)[0][0]
            target = Counter(x["target"] for x in xs).most_common(1)[0][0]
            hold_t = Counter(x["hold_target_s"] for x in xs).most_common(1)[0][0]
            sets_planned = Counter(x["sets"] for x in xs).most_common(1)[0][0]
            full = sum(x["full_reps"] for x in xs)
            good = sum(x["good_reps"] for x in xs)
            holds = [h for h in self.holds if h["set_id"] in {x["id"] for x in xs}]
            counted = [h for h in holds if h["counted"]]
            at_time = [h for h in counted if hold_t is None or h["held_s"] >= hold_t - 0.05]
            if label == "holds":
                each = f" of {hold_t:g} s" if hold_t else ""
                prescribed = f"{sets_planned} × {target or 1} hold(s){each}"  # noqa: RUF001
            else:
                prescribed = f"{sets_planned} × {target} reps" if target else "—"  # noqa: RUF001
            out.append(
                {
                    "exercise": ex,
                    "name": xs[0]["name"],
                    "prescribed": prescribed,
                    "target_label": label,
                    "sessions": len({x["session_id"] for x in xs}),
                    "sets": len(xs),
                    "sets_at_target": sum(1 for x in xs if x["at_target"]),
                    "reps": sum(x["reps"] for x in xs),
                    "mean_per_set": round(statistics.fmean(x["count"] for x in xs), 1),
                    "holds": len(counted),
                    "holds_at_time": len(at_time),
                    "best_hold_s": round(max((h["held_s"] for h in counted), default=0.0), 1),
                    "full_reps": full,
                    "attempts": sum(x["attempts"] for x in xs),
                    "good_form_share": _share(good, full),
                    "timer": all(x["timer"] for x in xs),
                }
            )
        return sorted(out, key=lambda r: r["name"])

    def per_day_exercise(self) -> list[dict[str, Any]]:
        """Reps, holds and good-form share per exercise per day (for the charts)."""
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for x in self.sets:
            groups[(x["day"], x["name"])].append(x)
        rows = []
        for (day, name), xs in sorted(groups.items()):
            full = sum(x["full_reps"] for x in xs)
            rows.append(
                {
                    "day": day,
                    "exercise": name,
                    "reps": sum(x["reps"] for x in xs),
                    "holds": sum(x["holds"] for x in xs),
                    "good_form_share": _share(sum(x["good_reps"] for x in xs), full),
                }
            )
        return rows

    def sides(self) -> list[dict[str, Any]]:
        """Per exercise done per side: counts each side and the asymmetry between them."""
        groups: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        names: dict[str, str] = {}
        for x in self.sets:
            if x["side"] in ("left", "right") and not x["timer"]:  # timers measure nothing
                groups[x["exercise"]][x["side"]] += x["count"]
                names[x["exercise"]] = x["name"]
        rows = []
        for ex, c in groups.items():
            left, right = c.get("left", 0), c.get("right", 0)
            hi = max(left, right)
            rows.append(
                {
                    "exercise": ex,
                    "name": names[ex],
                    "left": left,
                    "right": right,
                    # the difference as a share of the stronger side
                    "asymmetry": round(abs(left - right) / hi, 3) if hi else None,
                }
            )
        return sorted(rows, key=lambda r: r["name"])

    def pain(self) -> list[dict[str, Any]]:
        """Pain before and after, per session that has a score."""
        return [
            {
                "day": s["day"],
                "started_at": s["started_at"],
                "before": s["pain_before"],
                "after": s["pain_after"],
            }
            for s in self.sessions
            if s["pain_before"] is not None or s["pain_after"] is not None
        ]

    def pain_trend(self) -> dict[str, float | None]:
        rows = self.pain()
        return {
            k: _trend([(r["day"], float(r[k])) for r in rows if r[k] is not None])
            for k in ("before", "after")
        }

    def stops(self) -> list[dict[str, Any]]:
        """Every Stop (pain): when, in which exercise, and why."""
        out = []
        for s in self.sessions:
            if s["status"] != "stopped":
                continue
            stopped = [x for x in self.sets if x["session_id"] == s["id"] and x["stop_reason"]]
            out.append(
                {
                    "day": s["day"],
                    "started_at": s["started_at"],
                    "exercise": stopped[-1]["name"] if stopped else "",
                    "reason": s["stop_reason"] or "",
                }
            )
        return out

    def top_faults(self, n: int = 5) -> list[dict[str, Any]]:
        """The most frequent form cues, with their counts and the days they came up."""
        set_of = {x["id"]: x for x in self.sets}
        counts: Counter[tuple[str, str, str]] = Counter()
        days: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for f in self.faults:
            x = set_of.get(f["set_id"])
            if x is None:
                continue
            key = (x["name"], f["rule"], f["cue"])
            counts[key] += 1
            days[key].add(x["day"])
        return [
            {
                "exercise": k[0],
                "rule": k[1],
                "cue": k[2],
                "count": c,
                "days": len(days[k]),
                "last": max(days[k]),
                "dates": sorted(days[k]),
            }
            for k, c in counts.most_common(n)
        ]

    def rom(self) -> list[dict[str, Any]]:
        """Range of motion per exercise: the median peak reached against the spec's
        target, per day and its trend."""
        out = []
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for x in self.sets:
            if x["rom_target"] is not None and x["full_reps"]:
                groups[x["exercise"]].append(x)
        for ex, xs in groups.items():
            relative = bool(xs[0]["rom_relative"])
            key = "median_rom" if relative else "median_peak"
            per_day: dict[str, list[float]] = defaultdict(list)
            for x in xs:
                if x[key] is not None:
                    per_day[x["day"]].append(x[key])
            points = [(d, statistics.median(v)) for d, v in sorted(per_day.items())]
            if not points:
                continue
            target = xs[0]["rom_target"]
            direction = xs[0]["rom_direction"]
            out.append(
                {
                    "exercise": ex,
                    "name": xs[0]["name"],
                    "feature": xs[0]["rom_feature"],
                    "measure": "range from rest" if relative else "peak",
                    "target": f"{direction} {abs(target) if relative else target:g}",
                    "latest": round(points[-1][1], 1),
                    "first": round(points[0][1], 1),
                    "per_week": _trend(points),
                    "days": [{"day": d, "value": round(v, 1)} for d, v in points],
                }
            )
        return sorted(out, key=lambda r: r["name"])

    def quality(self) -> list[dict[str, Any]]:
        """Sets to read with care: little of them could be judged, or the wrong view."""
        out = []
        for x in self.sets:
            if x["timer"]:
                continue
            flags = []
            share = x["assessed_share"]
            if share is not None and share < LOW_ASSESSED_SHARE:
                flags.append(f"only {share:.0%} of it could be judged")
            if x["frames"] == 0:
                flags.append("no camera frames")
            if x["wrong_view"]:
                flags.append("the camera saw it from the wrong side for part of it")
            if x["status"] == "interrupted":
                flags.append("interrupted")
            if flags:
                out.append(
                    {
                        "day": x["day"],
                        "exercise": x["name"],
                        "side": x["side"] or "",
                        "flags": "; ".join(flags),
                    }
                )
        return out

    def session_rows(self) -> list[dict[str, Any]]:
        """Sessions, newest first, for listing."""
        return [
            {
                "id": s["id"],
                "started": s["started_at"].replace("T", " ")[:16],
                "what": s["routine_name"] or s["clip"] or "",
                "source": s["source"],
                "status": s["status"],
                "sets": s["sets"],
                "reps": s["reps"],
                "holds": s["holds"],
                "pain": ""
                if s["pain_before"] is None and s["pain_after"] is None
                else (
                    f"{'-' if s['pain_before'] is None else s['pain_before']} → "
                    f"{'-' if s['pain_after'] is None else s['pain_after']}"
                ),
                "stop_reason": s["stop_reason"] or "",
            }
            for s in reversed(self.sessions)
        ]

    def set_rows(self, session_id: int) -> list[dict[str, Any]]:
        return [
            {
                "exercise": x["name"],
                "set": f"{x['set_no']} of {x['sets']}",
                "side": x["side"] or "",
                "done": f"{x['count']} / {x['target']} {x['target_label']}"
                if x["target"]
                else f"{x['count']} {x['target_label']}",
                "good form": "" if x["good_form_share"] is None else f"{x['good_form_share']:.0%}",
                "assessed": "" if x["assessed_share"] is None else f"{x['assessed_share']:.0%}",
                "status": x["status"],
            }
            for x in self.sets
            if x["session_id"] == session_id
        ]
