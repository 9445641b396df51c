"""The posture gate: nothing counts until the person is in the spec's start posture.

Per frame, the posture registry (:mod:`formcheck.posture`) says whether the
pose matches the spec's ``posture`` (True, False, or None when it can't
tell). The gate adds time hysteresis so one odd frame neither opens nor shuts
it: it opens after :data:`OPEN_S` of matching frames and shuts after
:data:`CLOSE_S` of contrary ones. Frames that can't tell neither open nor
shut it. While shut, the session counts nothing and raises no faults, and the
user is told what to do: "Get into position: ..." before the set, or "This
doesn't look like a glute bridge: you seem to be standing" when the body is in
another posture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from formcheck.landmarks import PoseFrame
from formcheck.posture import POSTURE_GATES, classify_posture

if TYPE_CHECKING:
    from formcheck.spec import ExerciseSpec

OPEN_S = 0.5  # matching frames for this long open the gate
CLOSE_S = 2.0  # contrary frames for this long shut it again


@dataclass(frozen=True, slots=True)
class GateState:
    open: bool
    message: str  # what to tell the user while shut ("" when open)
    # False: the gate is open but this frame reads another posture and the gate is
    # strict (a plank): nothing is judged on it
    frame_ok: bool = True


class PostureTracker:
    """Time hysteresis over the per-frame posture check of one spec."""

    def __init__(self, spec: ExerciseSpec) -> None:
        self.spec = spec
        self.gate = None
        if spec.posture is not None:
            self.gate = POSTURE_GATES[spec.posture]
        self.open = self.gate is None
        self._since: float | None = None  # start of the current spell that would flip the gate
        self._seen: str | None = None  # the last posture classified, for the message
        self._why = ""  # why the last frame's posture could not be told

    @property
    def open_s(self) -> float:
        """Seconds of matching frames that open this gate."""
        g = self.gate
        return OPEN_S if g is None or g.open_s is None else g.open_s

    def reset(self) -> None:
        """Re-learn after a cut or a side switch: the gate must open again."""
        self.open = self.gate is None
        self._since = None

    def step(self, pose: PoseFrame, t_s: float) -> GateState:
        gate = self.gate
        if gate is None:
            return GateState(True, "")
        reading = classify_posture(pose, self.spec.min_visibility)
        ok = gate.judge(reading)
        self._seen = reading.posture
        self._why = reading.reason
        if ok is None:
            pass  # can't tell: the spell neither grows nor breaks
        elif ok != self.open:
            if self._since is None:
                self._since = t_s
            if t_s - self._since >= (self.open_s if ok else CLOSE_S):
                self.open, self._since = ok, None
        else:
            self._since = None
        frame_ok = not (gate.strict and ok is False)
        return GateState(self.open, "" if self.open else self.message(ok), frame_ok)

    def message(self, ok: bool | None) -> str:
        gate = self.gate
        assert gate is not None
        seen = self._seen
        if ok is None and self._why:
            return (
                f"Cannot assess your position: {self._why}. "
                "Move the camera or step back so your whole body is in view"
            )
        if seen is not None and seen not in gate.accepts:
            label = POSTURE_GATES[seen].label if seen in POSTURE_GATES else seen.replace("_", " ")
            return (
                f"This doesn't look like {_article(self.spec.name)}: you seem to be {label}. "
                f"{gate.instruction}"
            )
        return f"Get into position: {gate.instruction}"


def _article(name: str) -> str:
    low = name[0].lower() + name[1:]
    return ("an " if low[0] in "aeiou" else "a ") + low
