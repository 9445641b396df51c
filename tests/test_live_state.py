"""A browser session's live routine (formcheck/app/live_state.py and formcheck/live.py's
LiveRoutine), driven as the live page does, with a scripted estimator as the camera."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from posekit import lying_side, ramp

from formcheck.app.coach_view import coach_view, plan_lines
from formcheck.app.live_state import LiveState
from formcheck.coaching import PEOPLE_NOTICE, CoachPhase
from formcheck.history import HistoryRecorder
from formcheck.landmarks import PoseFrame
from formcheck.live import LiveRoutine
from formcheck.routine import Routine, apply_prescription, load_routines, single
from formcheck.spec import get_spec, load_specs
from formcheck.voice import PEOPLE_LINE

BLACK = np.zeros((480, 640, 3), dtype=np.uint8)
LEAD = [(0, 125), (6, 125)]  # lying still: the camera check and the 3-2-1
# Bridge reps from 6 s on: rest 125 deg, top 172 deg.
REPS = [(7, 125), (8, 172), (9, 172), (11, 125), (12, 125), (13, 172), (14, 172), (16, 125)]
REPS += [(17, 125), (18, 172), (19, 172), (21, 125), (30, 125)]


class Bridging:
    """An estimator whose hip angle follows keyframes of set time."""

    def __init__(self, keys: list[tuple[float, float]]) -> None:
        self.kt = [k[0] for k in keys]
        self.kv = [k[1] for k in keys]

    def estimate(self, image_bgr: np.ndarray, t_s: float) -> PoseFrame | None:
        return lying_side(t_s, float(np.interp(t_s, self.kt, self.kv)))


def factory(made: list[LiveRoutine], keys=LEAD + REPS):
    def make(routine: Routine, history: HistoryRecorder | None = None) -> LiveRoutine:
        coach = LiveRoutine(
            routine, estimator_factory=lambda: Bridging(keys), annotate=False, history=history
        )
        made.append(coach)
        return coach

    return make


def bridge_routine(reps: int = 2, sets: int = 2) -> Routine:
    return single(apply_prescription(get_spec("glute_bridge"), reps=reps, sets=sets))


def play(state: LiveState, until: float = 30.0, start: float = 0.0) -> None:
    assert state.coach is not None
    for t, _ in ramp(LEAD + REPS, 30.0):
        if start <= t <= until:
            state.coach.process(BLACK, t)


def test_a_routine_from_start_to_summary() -> None:
    made: list[LiveRoutine] = []
    state = LiveState(coach_factory=factory(made))
    routine = bridge_routine(reps=2, sets=1)
    state.select("bridge")
    assert state.ready_coach(routine, playing=False) is True
    assert coach_view(state.frame, playing=False).message == "Press Start to begin"
    assert state.ready_coach(routine, playing=False) is False  # the same coach
    play(state)
    frame = state.refresh()
    assert frame is not None and frame.phase == CoachPhase.DONE
    view = coach_view(frame, playing=True)
    assert (view.count, view.count_label) == ("2 / 2", "reps")
    assert view.message == "Routine complete. Well done!"
    said = [u.text for _, u in state.speech]
    assert said[-1] == "2. Set done. Routine complete. Well done"
    # the routine played to its end: kept like End does
    assert state.finished is not None and state.finished.records[0].reps >= 2
    assert state.finished.rows[0]["set"] == "1 of 1" and state.finished.stopped is None
    # the stream is off again: a fresh coach for the next run; the summary stays
    assert state.ready_coach(routine, playing=False) is True
    assert len(made) == 2 and state.finished.records[0].reps >= 2


def test_the_panel_follows_the_routine_phase_by_phase() -> None:
    state = LiveState(coach_factory=factory([]))
    state.ready_coach(bridge_routine(reps=2, sets=2), playing=True)
    seen = {}
    assert state.coach is not None
    for t, _ in ramp(LEAD + REPS, 30.0):
        state.coach.process(BLACK, t)
        frame = state.refresh()
        if frame is not None:
            seen.setdefault(frame.phase, coach_view(frame, True))
    assert seen[CoachPhase.POSITION].count_label == "get in position"
    assert seen[CoachPhase.COUNTDOWN].count == "3"
    assert seen[CoachPhase.ACTIVE].count == "0 / 2"
    assert seen[CoachPhase.ACTIVE].where == "Glute bridge · set 1 of 2"
    rest = seen[CoachPhase.REST]
    assert rest.count == "0:30" and rest.message.startswith("Set done (2 / 2 reps). Rest.")


def test_stop_for_pain_is_recorded_and_nothing_more_is_asked() -> None:
    state = LiveState(coach_factory=factory([]))
    state.ready_coach(bridge_routine(reps=10), playing=True)
    play(state, until=10.0)  # one rep into set 1
    state.end("pain increased")
    assert state.stop_stream is True and state.finished is not None
    assert state.finished.stopped == "pain increased"
    record = state.finished.records[0]
    assert record.summary()["stopped"]["reason"] == "pain increased"
    assert [u.text for _, u in state.speech][-1] == "Stopped. Rest, and take care"
    # frames after the stop change nothing
    assert state.coach is not None and state.coach.finished
    play(state, start=10.1)
    assert state.finished.records[0].reps == record.reps


def test_skip_and_next_move_on() -> None:
    specs = load_specs()
    routine = load_routines(specs)["strength"]
    state = LiveState(coach_factory=factory([]))
    state.ready_coach(routine, playing=True)
    play(state, until=10.0)
    state.refresh()
    state.skip()
    frame = state.refresh()
    assert frame is not None and frame.exercise == "standing_hip_hike"
    assert frame.phase == CoachPhase.REST
    state.next_step()  # end the change-over rest now
    frame = state.refresh()
    assert frame is not None and frame.phase == CoachPhase.POSITION


def test_changing_routine_keeps_the_one_under_way() -> None:
    state = LiveState(coach_factory=factory([]))
    state.select("a")
    state.ready_coach(bridge_routine(), playing=False)
    play(state, until=10.0)
    assert state.select("b") is True and state.coach is None
    assert state.finished is not None and state.finished.records
    assert state.select("b") is False
    # a coach that saw no frames leaves nothing behind
    state.ready_coach(bridge_routine(), playing=False)
    before = state.finished
    state.select("c")
    assert state.finished is before


def test_pain_scores_before_and_after_are_kept() -> None:
    state = LiveState(coach_factory=factory([]))
    state.pain_before = 4
    state.ready_coach(bridge_routine(reps=2, sets=1), playing=True)
    play(state)
    state.refresh()
    state.set_pain_after(2)
    assert state.finished is not None
    assert (state.finished.pain_before, state.finished.pain_after) == (4, 2)


def test_the_plan_in_words() -> None:
    daily = load_routines(load_specs())["daily"]
    lines = plan_lines(daily)
    assert lines[0] == "1. Lying piriformis stretch: 1 hold of 30 s each side"
    assert any("timer" in line for line in lines)
    assert plan_lines(bridge_routine(reps=10, sets=2)) == ["1. Glute bridge: 2 sets of 10 reps"]


def test_refresh_needs_a_coach() -> None:
    with pytest.raises(RuntimeError, match="ready_coach"):
        LiveState().refresh()
    assert LiveState().on_frame("frame") == "frame"  # no coach: frames pass through


class WithOthers(Bridging):
    """The bridging estimator, with the person detector's count of others in a span."""

    def __init__(self, keys: list[tuple[float, float]], others: tuple[float, float]) -> None:
        super().__init__(keys)
        self.others = others

    def estimate(self, image_bgr: np.ndarray, t_s: float) -> PoseFrame | None:
        pose = super().estimate(image_bgr, t_s)
        a, b = self.others
        return None if pose is None else dataclasses.replace(pose, others=int(a <= t_s < b))


# (others in view from, to), the phase when they are first told, and (frame time, the
# panel's warning lines then): judged in view after 2 s, gone 2 s after they left, and the
# warning stays PEOPLE_HOLD_S (2 s) after that
PANEL_PEOPLE = {
    "before_counting": (  # the camera check and the 3-2-1: no set, no session yet
        (0.0, 4.0),
        CoachPhase.COUNTDOWN,
        [(1.9, ()), (2.0, (PEOPLE_NOTICE,)), (7.9, (PEOPLE_NOTICE,)), (8.0, ())],
    ),
    "while_counting": (  # the set's message keeps the cue slot
        (9.0, 20.0),
        CoachPhase.ACTIVE,
        [(10.9, ()), (11.0, (PEOPLE_NOTICE,)), (23.9, (PEOPLE_NOTICE,)), (24.0, ())],
    ),
    "a_moment_only": ((9.0, 10.5), None, [(9.0, ()), (11.0, ()), (13.0, ())]),
}


@pytest.mark.parametrize("case", PANEL_PEOPLE)
def test_the_panel_warns_while_others_are_in_view(case: str) -> None:
    others, phase, want = PANEL_PEOPLE[case]

    def make(routine: Routine, history: HistoryRecorder | None = None) -> LiveRoutine:
        est = WithOthers(LEAD + REPS, others)
        return LiveRoutine(routine, estimator_factory=lambda: est, annotate=False)

    state = LiveState(coach_factory=make, save=False)
    # 4 reps wanted, 3 made: the set counts to the end (a done routine shows no warnings)
    state.ready_coach(bridge_routine(reps=4, sets=1), playing=True)
    assert coach_view(state.frame, True).notices == ()
    assert state.coach is not None
    shown: dict[float, tuple[str, ...]] = {}
    told: list[CoachPhase] = []
    for t, _ in ramp(LEAD + REPS, 30.0):
        state.coach.process(BLACK, t)
        frame = state.refresh()  # as the page does, once per frame here
        assert frame is not None
        view = coach_view(frame, True)
        shown[round(t, 2)] = view.notices
        if view.notices:
            assert view.message not in view.notices  # under the message, not in its place
            told.append(frame.phase)
    assert [(t, shown[t]) for t, _ in want] == want
    assert told[:1] == ([] if phase is None else [phase])
    said = [u.text for _, u in state.speech]
    assert said.count(PEOPLE_LINE) == (0 if case == "a_moment_only" else 1)
