"""A browser session's live set (formcheck/app/live_state.py), driven as the live page does."""

from __future__ import annotations

import numpy as np
import pytest
from posekit import lying_side, ramp

from formcheck.app.live_state import LiveState
from formcheck.landmarks import PoseFrame
from formcheck.live import LiveCoach
from formcheck.spec import ExerciseSpec, get_spec

BLACK = np.zeros((480, 640, 3), dtype=np.uint8)
# Two bridge reps: rest 125 deg, top 172 deg.
TWO_REPS = [(0, 125), (1, 125), (2, 172), (3, 172), (5, 125), (6, 125), (7, 172), (8, 172)]
TWO_REPS += [(10, 125), (11, 125)]


class Bridging:
    """An estimator whose hip angle follows keyframes of set time."""

    def __init__(self) -> None:
        self.kt = [k[0] for k in TWO_REPS]
        self.kv = [k[1] for k in TWO_REPS]

    def estimate(self, image_bgr: np.ndarray, t_s: float) -> PoseFrame | None:
        return lying_side(t_s, float(np.interp(t_s, self.kt, self.kv)))


def factory(made: list[LiveCoach]):
    def make(spec: ExerciseSpec, side: str | None) -> LiveCoach:
        coach = LiveCoach(spec, side, estimator_factory=Bridging, annotate=False)
        made.append(coach)
        return coach

    return make


def play(state: LiveState, seconds: float | None = None) -> None:
    assert state.coach is not None
    for t, _ in ramp(TWO_REPS, 30.0):
        if seconds is not None and t > seconds:
            return
        state.coach.process(BLACK, t)


def test_a_set_from_start_to_summary() -> None:
    made: list[LiveCoach] = []
    state = LiveState(coach_factory=factory(made))
    bridge = get_spec("glute_bridge")
    assert state.ready_coach(bridge, None, playing=False) is True
    assert state.current_status().reps_text == "Reps 0 / 10"
    assert state.ready_coach(bridge, None, playing=False) is False  # the same coach
    play(state)
    status = state.refresh()
    assert status.reps == 2 and status.reps_text == "Reps 2 / 10"
    state.end_set()
    assert state.stop_stream is True
    assert state.last_record is not None and state.last_record.reps == 2
    # The stream is off again: a fresh coach for the next set; the summary stays.
    assert state.ready_coach(bridge, None, playing=False) is True
    assert len(made) == 2 and state.current_status().reps == 0
    assert state.last_record.reps == 2


def test_changing_exercise_keeps_the_set_so_far() -> None:
    made: list[LiveCoach] = []
    state = LiveState(coach_factory=factory(made))
    bridge, hike = get_spec("glute_bridge"), get_spec("standing_hip_hike")
    state.ready_coach(bridge, None, playing=False)
    play(state, seconds=6.0)  # one rep
    assert state.select(hike, "left") is True
    assert state.coach is None and state.key == ("standing_hip_hike", "left")
    assert state.last_record is not None and state.last_record.reps == 1
    assert state.select(hike, "left") is False
    state.ready_coach(hike, "left", playing=False)
    assert made[-1].side == "left"
    # A coach that saw no frames leaves no record behind.
    state.select(hike, "right")
    assert state.last_record.spec.id == "glute_bridge"


def test_stop_for_pain_is_recorded() -> None:
    state = LiveState(coach_factory=factory([]))
    state.ready_coach(get_spec("glute_bridge"), None, playing=True)
    play(state, seconds=3.0)
    state.end_set("pain increased")
    assert state.last_record is not None
    assert state.last_record.summary()["stopped"]["reason"] == "pain increased"
    # While the stream is still playing, the finished coach stays (it passes frames through).
    assert state.ready_coach(get_spec("glute_bridge"), None, playing=True) is False


def test_refresh_needs_a_coach() -> None:
    with pytest.raises(RuntimeError, match="ready_coach"):
        LiveState().refresh()
    assert LiveState().on_frame("frame") == "frame"  # no coach: frames pass through
