"""Spoken cues (formcheck/voice.py): the words come from the coach's events, one line at a
time, important lines first, a cue said once while it stays up."""

from __future__ import annotations

import itertools

import pytest
from test_coaching import BRIDGE, item, play, routine

from formcheck.coaching import (
    CoachFrame,
    CoachPhase,
    CueShown,
    RepCounted,
    RestBegins,
    RoutineCoach,
    TargetReached,
)
from formcheck.voice import CUE_REPEAT_S, PEOPLE_LINE, PEOPLE_REPEAT_S, VoiceCues, words


def frame(t: float, *events, phase: CoachPhase = CoachPhase.ACTIVE) -> CoachFrame:
    return CoachFrame(
        t, phase, 0, 1, "glute_bridge", "Glute bridge", 0, 1, 1, 1, None, None, events=tuple(events)
    )


def speak(frames) -> list[tuple[float, str]]:
    voice = VoiceCues()
    out = []
    for f in frames:
        out += [(u.t_s, u.text) for u in voice.consume(f)]
    return out


def test_a_routine_is_spoken_from_its_events() -> None:
    coach = RoutineCoach(routine(item("glute_bridge", sets=2, reps=2)))
    said = [text for _, text in speak(play(coach, BRIDGE, times=3))]
    assert said[:6] == ["Glute bridge", "3", "2", "1", "Go", "Set 1 of 2"]
    assert "1" in said[6:] and "2. Set done. Rest 3 seconds" in said
    assert said[-1] == "2. Set done. Routine complete. Well done"


def test_one_line_at_a_time_unless_the_countdown_cuts_in() -> None:
    voice = VoiceCues()
    spoken = []
    coach = RoutineCoach(routine(item("glute_bridge", sets=2, reps=2)))
    for f in play(coach, BRIDGE, times=3):
        spoken += voice.consume(f)
    for a, b in itertools.pairwise(spoken):
        assert b.interrupt or b.t_s >= a.t_s + a.duration_s - 1e-9, (a, b)
    assert [u.seq for u in spoken] == list(range(1, len(spoken) + 1))


def test_the_end_of_a_set_is_one_line_with_what_comes_next() -> None:
    f = frame(
        10.0,
        RepCounted(10.0, 10, 10),
        TargetReached(10.0, "glute_bridge", 1, 2, None, 10, "reps"),
        RestBegins(10.0, 30.0, "set", "Glute bridge", None, 2),
        phase=CoachPhase.REST,
    )
    assert words(f) == [("10. Set done. Rest 30 seconds", "info", 0)]
    switch = frame(
        5.0,
        TargetReached(5.0, "x", 1, 1, "left", 3, "reps"),
        RestBegins(5.0, 10.0, "switch", "X", "right", 1),
    )
    assert words(switch)[0][0] == "Set done. Switch sides"


def test_a_cue_is_said_once_while_it_stays_up_and_not_again_soon() -> None:
    cue = "Lower your hips slowly"
    frames = [frame(0.0, CueShown(0.0, cue))]
    frames += [frame(0.1 * k) for k in range(1, 40)]  # still up: no new event
    frames += [frame(4.0, CueShown(4.0, None)), frame(5.0, CueShown(5.0, cue))]
    frames += [
        frame(5.0 + CUE_REPEAT_S + 1, CueShown(0, None)),
        frame(5.0 + CUE_REPEAT_S + 2, CueShown(0, cue)),
    ]
    said = speak(frames)
    assert [text for _, text in said] == [cue, cue]
    assert said[1][0] == pytest.approx(5.0 + CUE_REPEAT_S + 2)


def test_a_cue_that_cleared_before_its_turn_is_not_said() -> None:
    frames = [
        frame(0.0, RestBegins(0.0, 30.0, "set", "Glute bridge", None, 2)),
        frame(0.1, CueShown(0.1, "Keep your hips level")),
        frame(0.5, CueShown(0.5, None)),
    ]
    frames += [frame(0.5 + 0.1 * k) for k in range(1, 60)]
    assert [t for _, t in speak(frames)] == ["Rest 30 seconds"]


def test_a_newer_rep_count_replaces_an_older_one_waiting() -> None:
    frames = [
        frame(0.0, RestBegins(0.0, 30.0, "set", "Glute bridge", None, 2)),
        frame(0.2, RepCounted(0.2, 1, 10)),
        frame(0.6, RepCounted(0.6, 2, 10)),
    ]
    frames += [frame(0.6 + 0.1 * k) for k in range(1, 40)]
    assert [t for _, t in speak(frames)] == ["Rest 30 seconds", "2"]


def test_a_problem_fixed_before_its_turn_is_not_said() -> None:
    from formcheck.coaching import CountdownTick, ExerciseBegins, PositionProblem

    frames = [
        frame(
            0.0,
            ExerciseBegins(0.0, "glute_bridge", "Glute bridge and more words", 0, 1),
            phase=CoachPhase.POSITION,
        ),
        frame(0.5, PositionProblem(0.5, "Turn side-on to the camera"), phase=CoachPhase.POSITION),
        frame(1.0, PositionProblem(1.0, None), CountdownTick(1.0, 3), phase=CoachPhase.COUNTDOWN),
    ]
    frames += [frame(1.0 + 0.1 * k, phase=CoachPhase.COUNTDOWN) for k in range(1, 40)]
    said = [t for _, t in speak(frames)]
    assert said == ["Glute bridge and more words", "3"]


def test_no_position_problem_is_said_after_the_countdown() -> None:
    from formcheck.coaching import CountdownTick, ExerciseBegins, PositionProblem

    frames = [
        frame(
            0.0,
            ExerciseBegins(0.0, "glute_bridge", "Glute bridge and more words", 0, 1),
            phase=CoachPhase.POSITION,
        ),
        frame(0.3, PositionProblem(0.3, "Get into position"), phase=CoachPhase.POSITION),
        frame(0.6, CountdownTick(0.6, 3), phase=CoachPhase.COUNTDOWN),
    ]
    frames += [frame(0.6 + 0.1 * k, phase=CoachPhase.COUNTDOWN) for k in range(1, 40)]
    assert [t for _, t in speak(frames)] == ["Glute bridge and more words", "3"]


def test_others_coming_into_view_are_said_once_each_time_and_not_again_soon() -> None:
    from formcheck.results import PeopleInView, PersonSwitched

    came = [3.0, 10.0, 10.0 + PEOPLE_REPEAT_S + 1]  # judged in view at these times
    frames = []
    for t in came:
        frames.append(frame(t, PeopleInView(t, 1, t - 2.0)))
        frames += [frame(t + 0.1 * k) for k in range(1, 30)]  # they stay: nothing new
        frames.append(frame(t + 4.0, PeopleInView(t + 4.0, 0, t + 2.0)))  # gone
    frames.append(frame(60.0, PersonSwitched(60.0, 2.0)))  # shown, not said
    said = speak(frames)
    assert [text for _, text in said] == [PEOPLE_LINE, PEOPLE_LINE]
    assert [t for t, _ in said] == [3.0, pytest.approx(came[2])]  # not again within 30 s


def test_others_gone_before_their_turn_are_not_said() -> None:
    from formcheck.results import PeopleInView

    frames = [
        frame(0.0, RestBegins(0.0, 30.0, "set", "Glute bridge", None, 2)),
        frame(0.1, PeopleInView(0.1, 1, -1.9)),
        frame(0.5, PeopleInView(0.5, 0, -1.5)),
    ]
    frames += [frame(0.5 + 0.1 * k) for k in range(1, 60)]
    assert [t for _, t in speak(frames)] == ["Rest 30 seconds"]
