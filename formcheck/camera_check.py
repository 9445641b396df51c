"""Is the person ready to be counted? Body in frame, the spec's view, the start posture.

Before a set starts the coach runs this "get in position" check on every frame
(:class:`PositionCheck`), with a throw-away :class:`~formcheck.session.ExerciseSession`
that reads the view and the posture gate exactly as the set will. Nothing is
counted or judged while it runs. Each problem is one instruction the user can
act on ("Turn side-on to the camera", "Step back: your feet are cut off").

numpy and the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.features import view_instruction
from formcheck.landmarks import Landmark, PoseFrame
from formcheck.results import CannotAssess, FrameResult
from formcheck.session import ExerciseSession
from formcheck.spec import ExerciseSpec

#: The position must be right this long before the 3-2-1 starts.
READY_S = 1.0
#: A point this far (fraction of the frame) outside the picture is cut off.
OUTSIDE = 0.01
#: Or this close to an edge while the model barely sees it.
EDGE = 0.03
LOW_VISIBILITY = 0.35

#: Body parts the whole-body check looks at, with the instruction when one is cut off.
PARTS: tuple[tuple[str, tuple[Landmark, ...]], ...] = (
    ("feet", (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE, Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL)),
    ("head", (Landmark.NOSE, Landmark.LEFT_EAR, Landmark.RIGHT_EAR)),
    ("knees", (Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE)),
    ("hips", (Landmark.LEFT_HIP, Landmark.RIGHT_HIP)),
    ("shoulders", (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)),
)
NOBODY = "Step into view: nobody is in the picture"
VIEW_ADVICE = {
    "side": "Turn side-on to the camera",
    "front": "Face the camera",
    "foot_end": "Put the camera at your feet, looking along your body",
    "oblique": "Turn partly toward the camera",
}


def cut_off_parts(pose: PoseFrame) -> list[str]:
    """Body parts outside the picture (or at its edge and unseen), head to feet order."""
    w, h = pose.image_size
    xy = np.asarray(pose.xy) / np.array([w, h], dtype=float)
    vis = np.asarray(pose.visibility)
    out = []
    for name, points in PARTS:
        idx = [int(p) for p in points]
        pts, v = xy[idx], vis[idx]
        outside = (pts < -OUTSIDE) | (pts > 1 + OUTSIDE)
        edge = ((pts < EDGE) | (pts > 1 - EDGE)) & (v[:, None] < LOW_VISIBILITY)
        # all of a part's points gone (one far-side point alone is often extrapolated)
        if bool(np.all(np.any(outside | edge, axis=1))):
            out.append(name)
    return out


def cut_off_advice(parts: list[str]) -> str:
    """One instruction for the parts that are cut off."""
    if not parts:
        return ""
    what = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    verb = "is" if parts == ["head"] else "are"
    return f"Step back or move the camera further away: your {what} {verb} cut off"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The check at one frame: what to fix (empty when the position is right)."""

    t_s: float
    problems: tuple[str, ...]
    ready: bool  # right for READY_S: the countdown may start
    result: FrameResult | None = None  # the probe session's reading

    @property
    def ok(self) -> bool:
        return not self.problems


class PositionCheck:
    """Runs the get-in-position check frame by frame for one exercise and side."""

    def __init__(self, spec: ExerciseSpec, side: str | None, ready_s: float = READY_S) -> None:
        self.spec = spec
        self.side = side
        self.ready_s = ready_s
        self._probe = ExerciseSession(spec, side=side)
        self._code = "starting"
        self._ok_since: float | None = None

    def step(self, pose: PoseFrame | None, t_s: float) -> CheckResult:
        result = self._probe.step(pose, t_s)
        for ev in result.events:
            if isinstance(ev, CannotAssess):
                self._code = ev.code
            elif ev.kind == "assessing":
                self._code = ""
        problems = self.problems(pose, result)
        if problems:
            self._ok_since = None
        elif self._ok_since is None:
            self._ok_since = t_s
        ready = self._ok_since is not None and t_s - self._ok_since >= self.ready_s
        return CheckResult(t_s, tuple(problems), ready, result)

    def problems(self, pose: PoseFrame | None, result: FrameResult) -> list[str]:
        if pose is None:
            return [NOBODY]
        out = []
        cut = cut_off_parts(pose)
        if cut:
            out.append(cut_off_advice(cut))
        if self._code == "view":
            out.append(VIEW_ADVICE.get(self.spec.view, view_instruction(self.spec)))
        elif self._code == "posture" and result.cannot_assess:
            out.append(_sentence(result.cannot_assess))
        elif not result.in_posture and self.spec.posture is not None and not out:
            out.append("Get into the start position")
        return out


def _sentence(text: str) -> str:
    return text.rstrip(" .")


__all__ = ["NOBODY", "CheckResult", "PositionCheck", "cut_off_advice", "cut_off_parts"]
