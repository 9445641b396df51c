"""What the coaching view shows for a :class:`~formcheck.coaching.CoachFrame`, as text:
the big count, the hold countdown, the one message, the step line, and the warnings
under the message (other people in view, a jump to another body: the frame's
``notices``). Pure (no streamlit): the live page lays it out, tests read it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from formcheck.coaching import CoachFrame, CoachPhase, set_target
from formcheck.routine import Routine, clock
from formcheck.ui_helpers import direction_label


@dataclass(frozen=True, slots=True)
class CoachView:
    count: str  # the big number: "7 / 10", "2 / 3", a countdown "3", a rest "0:25"
    count_label: str  # under it: "reps", "holds of 30 s", "get ready", "rest"
    hold: str | None  # the hold countdown ("8 s left", "Done") when the set counts holds
    message: str  # the one line: what to fix, the cue, "Good form", "Set done"...
    kind: str  # "ok", "fault", "cannot", "stopped", "info": the message's colour
    where: str  # "Glute bridge · set 1 of 2 · left side · exercise 1 of 4"
    directions: str = ""  # two-way exercises: "Cat 1 hold · Cow 2 holds"
    #: warnings under the message, not in its place ("More than one person in view: ...")
    notices: tuple[str, ...] = ()


def _where(frame: CoachFrame) -> str:
    parts = [frame.name]
    if frame.sets > 1:
        parts.append(f"set {frame.set_no} of {frame.sets}")
    if frame.side:
        parts.append(f"{frame.side} side")
    if frame.items > 1:
        parts.append(f"exercise {frame.item + 1} of {frame.items}")
    return " · ".join(parts)


def _count(frame: CoachFrame) -> tuple[str, str]:
    if frame.target is None:
        return str(frame.count), frame.target_label
    label = frame.target_label
    if label == "holds" and frame.hold_target_s:
        label = f"holds of {frame.hold_target_s:g} s"
    return f"{frame.count} / {frame.target}", label


def directions_text(by_direction: Mapping[str, Mapping[str, Any]] | None, holds: bool) -> str:
    """Each way of a two-way exercise so far: ``'Cat 1 hold · Cow 2 holds'``."""
    parts = []
    for d, tally in (by_direction or {}).items():
        n = int(tally["holds"] if holds else tally["reps"])
        what = ("hold" if holds else "rep") + ("" if n == 1 else "s")
        parts.append(f"{direction_label(d)} {n} {what}")
    return " · ".join(parts)


def coach_view(
    frame: CoachFrame | None,
    playing: bool,
    routine: Routine | None = None,
    by_direction: Mapping[str, Mapping[str, Any]] | None = None,
) -> CoachView:
    """The view for ``frame`` (None: nothing analysed yet; ``routine`` then gives the first
    set's target). ``by_direction``: the set's tally per direction (two-way exercises)."""
    view = _view(frame, playing, routine, by_direction)
    if frame is not None and frame.notices:
        view = dataclasses.replace(view, notices=frame.notices)
    return view


def _view(
    frame: CoachFrame | None,
    playing: bool,
    routine: Routine | None,
    by_direction: Mapping[str, Mapping[str, Any]] | None,
) -> CoachView:
    if frame is None:
        msg = "Starting the camera…" if playing else "Press Start to begin"
        if routine is None:
            return CoachView("-", "", None, msg, "cannot", "")
        item = routine.items[0]
        n, label, hold_s = set_target(item.spec)
        count = "0" if n is None else f"0 / {n}"
        if label == "holds" and hold_s:
            label = f"holds of {hold_s:g} s"
        if item.spec.is_timer:
            count, label = "0:00", "guided timer"
        where = item.spec.name + (f" · {item.sides[0]} side" if item.sides[0] else "")
        if len(routine.items) > 1:
            where += f" · exercise 1 of {len(routine.items)}"
        dirs = directions_text(
            {d: {"reps": 0, "holds": 0} for d in item.spec.directions}, label != "reps"
        )
        return CoachView(count, label, None, msg, "cannot", where, dirs)
    where = _where(frame)
    phase = frame.phase
    left = frame.seconds_left
    if phase == CoachPhase.POSITION:
        msg = frame.problems[0] if frame.problems else "Hold still: checking your position"
        return CoachView("…", "get in position", None, msg, "cannot", where)
    if phase == CoachPhase.COUNTDOWN:
        n = max(1, math.ceil(left or 0))
        return CoachView(
            str(n), "get ready", None, "Starting: hold the start position", "info", where
        )
    if phase == CoachPhase.TIMER:
        return CoachView(
            clock(left or 0),
            "guided timer",
            None,
            f"{frame.label} (not checked by the camera)",
            "info",
            where,
        )
    if phase == CoachPhase.REST:
        count, label = _count(frame)
        done = frame.done_name
        msg = {
            "Switch sides": f"Switch sides: {frame.side} side next" if frame.side else "Switch",
            "Next exercise": f"Next: {frame.name}",
        }.get(frame.label, f"Rest. Next: {frame.name}, set {frame.set_no} of {frame.sets}")
        if done:
            msg = f"Set done ({count} {label}). " + msg
        return CoachView(clock(left or 0), frame.label.lower() or "rest", None, msg, "info", where)
    if phase in (CoachPhase.DONE, CoachPhase.STOPPED):
        count, label = _count(frame)
        if phase == CoachPhase.STOPPED:
            return CoachView(
                count, label, None, "Stopped. Your sets so far are kept.", "stopped", where
            )
        return CoachView(count, label, None, "Routine complete. Well done!", "ok", where)
    # active
    count, label = _count(frame)
    hold = None
    if frame.target_label == "holds" and frame.hold_target_s:
        if frame.hold_left_s is not None:
            hold = "Done" if frame.hold_left_s <= 0.05 else f"{math.ceil(frame.hold_left_s)} s left"
        else:
            hold = f"hold {frame.hold_target_s:g} s"
    r = frame.result
    if r is None or not r.person:
        msg, kind = "Step into view: nobody is in the picture", "cannot"
    elif r.cannot_assess:
        msg, kind = r.cannot_assess, "cannot"
    elif frame.cue:
        msg, kind = frame.cue, "fault"
    elif r.assessed:
        msg, kind = "Good form: keep going", "ok"
    else:
        msg, kind = "Getting ready…", "cannot"
    dirs = directions_text(by_direction, frame.target_label == "holds")
    return CoachView(count, label, hold, msg, kind, where, dirs)


def plan_lines(routine: Routine) -> list[str]:
    """The routine as lines for the plan box: "1. Glute bridge: 2 sets of 10 reps"."""
    out = []
    for i, item in enumerate(routine.items, start=1):
        spec = item.spec
        p = spec.prescription
        if spec.is_timer:
            hold = p.hold_s[0] if p.hold_s else 0
            what = f"timer, {hold:g} s"
        else:
            n, label, hold_s = set_target(spec)
            what = f"{n} {label}" if n is not None else "until you end it"
            if label == "holds" and hold_s:
                what = f"{n} hold{'s' if n != 1 else ''} of {hold_s:g} s"
        sets = f"{item.sets} sets of " if item.sets > 1 else ""
        sides = (
            " each side"
            if item.sides != (None,) and len(item.sides) > 1
            else (f" ({item.sides[0]} side)" if item.sides[0] else "")
        )
        out.append(f"{i}. {spec.name}: {sets}{what}{sides}")
    return out
