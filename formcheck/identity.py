"""Who is in view: a switch to another person, and other people seen beside the tracked one.

The pose model follows one person. When it loses them it finds whoever its
detector scores highest, which may be someone else: a partner in the room, or
the next person in a clip. Two signals come in here, both numpy only:

- :class:`IdentityWatch` spots a switch from the poses alone: the tracked body
  jumps further than a body moves (its main points, nose, shoulders, hips, knees
  and ankles, travel in the median more than ``max_jump`` torso lengths plus
  ``speed`` torso lengths per second of the gap: the whole body moved, or it
  turned head to foot in place), or its size changes more than a body's does
  between two frames a moment apart. Measured figures are in the README.
- :class:`OthersInView` smooths ``PoseFrame.others`` (people found beside the
  tracked one by :mod:`formcheck.pose.people`) into a steady judgement: other
  people are in view once seen for ``on_s``, gone once not seen for ``off_s``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from formcheck.landmarks import Landmark, PoseFrame

L = Landmark


#: The points whose travel tells a jump: one body's main points, with no hands or feet
#: (they move fast, and the model loses them first).
POINTS = (
    L.NOSE,
    L.LEFT_SHOULDER,
    L.RIGHT_SHOULDER,
    L.LEFT_HIP,
    L.RIGHT_HIP,
    L.LEFT_KNEE,
    L.RIGHT_KNEE,
    L.LEFT_ANKLE,
    L.RIGHT_ANKLE,
)


@dataclass(frozen=True, slots=True)
class Body:
    """Where a pose's body is and how big, in pixels: its main points (:data:`POINTS`)
    and its torso length (mid-shoulder to mid-hip)."""

    t_s: float
    points: npt.NDArray[np.float64]
    torso: float


def body_of(pose: PoseFrame) -> Body | None:
    """The pose's main points and torso length; None if they are not finite."""
    hip = (pose.xy[L.LEFT_HIP] + pose.xy[L.RIGHT_HIP]) / 2.0
    shoulders = (pose.xy[L.LEFT_SHOULDER] + pose.xy[L.RIGHT_SHOULDER]) / 2.0
    torso = float(np.hypot(*(shoulders - hip)))
    points = np.asarray(pose.xy[list(POINTS)], dtype=np.float64)
    if not (np.all(np.isfinite(points)) and np.isfinite(torso)) or torso <= 0.0:
        return None
    return Body(pose.t_s, points, torso)


class IdentityWatch:
    """Is this pose someone else than the last one? One call per frame, in time order.

    Args:
        max_jump: travel of the body's main points (the median), in torso lengths, that
            no movement makes between two frames a moment apart.
        speed: more travel allowed per second of gap (torso lengths per second: a quick
            walk) when frames were dropped or the person was lost for a moment.
        max_ratio: torso length change (larger over smaller) that no movement makes
            within ``ratio_within_s``.
        ratio_within_s: the size check applies only to poses this close in time.
        max_gap_s: after a gap this long without a pose nothing is compared (anyone may
            have walked in; the session treats a long absence on its own).
    """

    def __init__(
        self,
        max_jump: float = 1.2,
        speed: float = 4.0,
        max_ratio: float = 1.8,
        ratio_within_s: float = 0.25,
        max_gap_s: float = 2.0,
    ) -> None:
        self.max_jump = max_jump
        self.speed = speed
        self.max_ratio = max_ratio
        self.ratio_within_s = ratio_within_s
        self.max_gap_s = max_gap_s
        self._last: Body | None = None
        self.last_jump: float = 0.0  # the last compared travel, in torso lengths

    def reset(self) -> None:
        self._last = None

    def step(self, pose: PoseFrame | None) -> bool:
        """True when ``pose`` is not the body the previous pose was (a switch)."""
        if pose is None:
            return False
        now = body_of(pose)
        if now is None:
            return False
        last, self._last = self._last, now
        if last is None:
            return False
        dt = now.t_s - last.t_s
        if dt <= 0.0 or dt > self.max_gap_s:
            return False
        scale = max(now.torso, last.torso)
        travel = np.hypot(*(now.points - last.points).T)
        self.last_jump = float(np.median(travel)) / scale
        if self.last_jump > self.max_jump + self.speed * dt:
            return True
        ratio = scale / min(now.torso, last.torso)
        return dt <= self.ratio_within_s and ratio > self.max_ratio


class OthersInView:
    """Other people in view, with hysteresis: ``step`` returns the judged count.

    ``others`` > 0 must last ``on_s`` before it counts (three checks in a row, at one
    check a second: the detector now and then takes a machine or a cushion for a face
    for a check or two); back at 0 it must last ``off_s`` before it clears (it also
    misses someone half turned away now and then). :attr:`since_s` is when the
    judged state last began to change (the first frame that disagreed).
    """

    def __init__(self, on_s: float = 2.0, off_s: float = 2.0) -> None:
        self.on_s = on_s
        self.off_s = off_s
        self.count = 0  # the judged count of other people
        self.since_s = 0.0
        self._since: float | None = None  # when the raw signal began to disagree with count

    def step(self, others: int | None, t_s: float) -> bool:
        """Feed this frame's raw count (None: no pose, so nothing known; the judgement
        stands). True when the judgement changed between "others in view" and "none"."""
        if others is None:
            return False
        if (others > 0) == (self.count > 0):
            self._since = None
            self.count = others
            return False
        if self._since is None:
            self._since = t_s
        if t_s - self._since < (self.on_s if others > 0 else self.off_s):
            return False
        self.count, self.since_s, self._since = others, self._since, None
        return True
