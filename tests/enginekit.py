"""A session with its report attached, for tests: every result is folded as the app does."""

from __future__ import annotations

from formcheck.landmarks import PoseFrame
from formcheck.record import SessionRecord
from formcheck.results import FrameResult
from formcheck.session import ExerciseSession
from formcheck.spec import ExerciseSpec


class Recorded:
    """``ExerciseSession`` + ``SessionRecord``: step, finish and stop fold into ``record``."""

    def __init__(self, spec: ExerciseSpec, **kw: object) -> None:
        self.session = ExerciseSession(spec, **kw)  # type: ignore[arg-type]
        self.record = SessionRecord(spec)

    def _fold(self, result: FrameResult) -> FrameResult:
        self.record.consume(result)
        return result

    def step(self, pose: PoseFrame | None, t_s: float) -> FrameResult:
        return self._fold(self.session.step(pose, t_s))

    def finish(self, t_s: float) -> FrameResult:
        return self._fold(self.session.finish(t_s))

    def stop(self, reason: str, t_s: float) -> FrameResult:
        return self._fold(self.session.stop(reason, t_s))

    def switch_side(self, side: str, t_s: float) -> None:
        self.session.switch_side(side, t_s)
