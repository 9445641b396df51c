"""Coaching a routine (formcheck/coaching.py) and the camera check (formcheck/camera_check.py),
played on the scenario files' poses: get in position, 3-2-1, the set to its target, rest,
the next set, side or exercise; stop, skip, timers."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator

import numpy as np
import pytest

from formcheck.camera_check import NOBODY, PositionCheck, cut_off_advice, cut_off_parts
from formcheck.coaching import (
    PEOPLE_HOLD_S,
    PEOPLE_NOTICE,
    SWITCH_NOTICE,
    SWITCH_SHOW_S,
    CoachFrame,
    CoachPhase,
    CountdownTick,
    CueShown,
    HoldDone,
    HoldLeft,
    Notices,
    RepCounted,
    RestBegins,
    RoutineCoach,
    RoutineEnds,
    SetBegins,
    TargetReached,
    TimerStepBegins,
    set_target,
)
from formcheck.landmarks import PoseFrame
from formcheck.results import PeopleInView, PersonSwitched
from formcheck.routine import Routine, RoutineItem, apply_prescription, single
from formcheck.scenario import frames, load_scenario
from formcheck.spec import load_specs
from formcheck.spec.files import SPEC_DIR

SPECS = load_specs()
SCENARIOS = SPEC_DIR / "scenarios"


def poses(name: str) -> list[tuple[float, PoseFrame | None]]:
    return list(frames(load_scenario(SCENARIOS / f"{name}.toml")))


BRIDGE = poses("glute_bridge/clean_side")  # 4 reps in 21.5 s


def looped(
    clip: list[tuple[float, PoseFrame | None]], times: int
) -> Iterator[tuple[float, PoseFrame | None]]:
    """The clip again and again, its time running on (a person repeating the movement)."""
    span = clip[-1][0] + (clip[1][0] - clip[0][0])
    for k in range(times):
        for t, p in clip:
            tt = t + k * span
            yield tt, (None if p is None else dataclasses.replace(p, t_s=tt))


def routine(*items: RoutineItem, rest_s: float = 3.0, switch_s: float = 2.0) -> Routine:
    return Routine("test", "Test", "", items, rest_s, switch_s, 2.0)


def item(
    exercise: str,
    sets: int = 1,
    sides: tuple[str | None, ...] = (None,),
    rest_s: float = 3.0,
    **kw,
) -> RoutineItem:
    spec = apply_prescription(SPECS[exercise], sets=sets, **kw)
    return RoutineItem(spec, sets, sides, rest_s)


def play(coach: RoutineCoach, clip, times: int = 1, until=None) -> list[CoachFrame]:
    out = []
    for t, p in looped(clip, times):
        f = coach.step(p, t)
        out.append(f)
        if until is not None and until(f):
            break
    return out


def events(frames_: list[CoachFrame], kind: type) -> list:
    return [e for f in frames_ for e in f.events if isinstance(e, kind)]


def test_a_set_checks_the_position_counts_down_and_ends_at_its_target() -> None:
    coach = RoutineCoach(routine(item("glute_bridge", sets=2, reps=2)))
    out = play(coach, BRIDGE, times=3)
    phases = [f.phase for f in out]
    # get in position, 3-2-1, counted, rest, and again for set 2
    firsts = [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p]
    assert firsts[:5] == ["position", "countdown", "active", "rest", "position"]
    assert [e.n for e in events(out, CountdownTick)][:4] == [3, 2, 1, 0]
    reached = events(out, TargetReached)
    assert [(e.set_no, e.count) for e in reached] == [(1, 2), (2, 2)]
    assert [(e.n, e.target) for e in events(out, RepCounted)] == [(1, 2), (2, 2)] * 2
    assert out[-1].phase == CoachPhase.DONE
    assert events(out, RoutineEnds)[0].stopped is None
    # nothing counted before the set began: its first rep starts after the 3-2-1
    begins = events(out, SetBegins)
    first = coach.records[0]
    reps = [r for s in first.sets for r in s.reps]
    assert reps and reps[0].start_s >= begins[0].t_s
    # reps after the target are recorded in the set, never announced
    assert first.reps >= 2 and len(events(out, RepCounted)) == 4


def test_the_rest_counts_down_and_says_what_comes_next() -> None:
    coach = RoutineCoach(routine(item("glute_bridge", sets=2, reps=1, rest_s=5.0)))
    out = play(coach, BRIDGE, times=2)
    rest = events(out, RestBegins)[0]
    assert (rest.seconds, rest.why, rest.next_set) == (5.0, "set", 2)
    during = [f for f in out if f.phase == CoachPhase.REST]
    assert during[0].seconds_left == pytest.approx(5.0, abs=0.05)
    assert all(a.seconds_left >= b.seconds_left for a, b in itertools.pairwise(during))
    assert during[-1].seconds_left <= 0.05
    # the done set's count stays up during the rest
    assert during[0].count == 1 and during[0].done_name == "Glute bridge"


def test_a_wrong_view_is_reported_and_nothing_starts() -> None:
    coach = RoutineCoach(single(SPECS["squat_lift"]))
    out = play(coach, poses("squat_lift/front_view"))
    assert {f.phase for f in out} == {CoachPhase.POSITION}
    assert out[-1].problems == ("Turn side-on to the camera",)
    assert coach.records == []


def test_nobody_in_view_and_a_body_cut_off() -> None:
    check = PositionCheck(SPECS["glute_bridge"], None)
    assert check.step(None, 0.0).problems == (NOBODY,)
    t, pose = BRIDGE[0]
    assert pose is not None and cut_off_parts(pose) == []
    _w, h = pose.image_size
    xy = np.asarray(pose.xy).copy()
    feet = [27, 28, 29, 30, 31, 32]
    xy[feet, 1] = h * 1.1  # below the bottom edge
    cut = dataclasses.replace(pose, xy=xy)
    assert cut_off_parts(cut) == ["feet"]
    assert check.step(cut, t).problems[0] == (
        "Step back or move the camera further away: your feet are cut off"
    )
    assert cut_off_advice(["head", "feet"]).endswith("your head and feet are cut off")


def test_stop_for_pain_ends_the_routine_and_records_why() -> None:
    coach = RoutineCoach(routine(item("glute_bridge", sets=2, reps=3)))
    play(coach, BRIDGE, until=lambda f: f.phase == CoachPhase.ACTIVE and f.count == 1)
    coach.stop("pain increased")
    snap = coach.snapshot()
    assert snap.phase == CoachPhase.STOPPED and coach.done
    assert [e.stopped for e in snap.events if isinstance(e, RoutineEnds)] == ["pain increased"]
    assert coach.records[0].summary()["stopped"] is not None
    after = play(coach, BRIDGE)
    assert not events(after, RepCounted) and not events(after, SetBegins)
    assert coach.records[0].reps == 1


def test_skip_moves_to_the_next_exercise_and_keeps_the_set_so_far() -> None:
    coach = RoutineCoach(
        routine(item("glute_bridge", sets=2, reps=3), item("knee_to_chest", sides=("right",)))
    )
    play(coach, BRIDGE, until=lambda f: f.phase == CoachPhase.ACTIVE and f.count == 1)
    coach.skip()
    snap = coach.snapshot()
    assert coach.skipped == ["glute_bridge"]
    assert snap.exercise == "knee_to_chest" and snap.phase == CoachPhase.REST
    assert coach.records[0].reps == 1 and len(coach.records) == 1


def test_holds_count_down_and_each_full_hold_counts() -> None:
    # two holds of 6.5 s on the right; the set asks for 2 holds of 4 s
    spec_item = item("knee_to_chest", sides=("right",), reps=2, hold_s=4.0)
    assert set_target(spec_item.spec) == (2, "holds", 4.0)
    coach = RoutineCoach(routine(spec_item), countdown_s=1)
    out = play(coach, poses("knee_to_chest/clean_right"), times=2)
    done = events(out, HoldDone)
    assert [(d.n, d.target) for d in done] == [(1, 2), (2, 2)]
    assert events(out, TargetReached)[0].label == "holds"
    active = [f for f in out if f.hold_left_s is not None]
    assert active and min(f.hold_left_s for f in active) == 0.0
    assert not events(out, HoldLeft)  # 4 s holds: no "5 seconds left"
    long_item = item("knee_to_chest", sides=("right",), reps=1, hold_s=6.5)
    out = play(RoutineCoach(routine(long_item), countdown_s=1), poses("knee_to_chest/clean_right"))
    assert [e.seconds for e in events(out, HoldLeft)] == [5]


def test_a_guided_timer_plays_its_holds_with_no_camera_check() -> None:
    timer = item("tfl_stretch", sides=("left", "right"), hold_s=4.0)
    coach = RoutineCoach(routine(timer, switch_s=2.0), countdown_s=1)
    out = []
    for k in range(200):
        out.append(coach.step(None, k / 10))
    labels = [e.label for e in events(out, TimerStepBegins)]
    assert labels == ["Left side", "Right side"]
    assert [e.why for e in events(out, RestBegins)] == ["switch"]
    assert out[-1].phase == CoachPhase.DONE
    assert not any(f.problems for f in out)


def test_time_comes_from_the_frames_only() -> None:
    a = play(RoutineCoach(routine(item("glute_bridge", reps=2))), BRIDGE)
    b = play(RoutineCoach(routine(item("glute_bridge", reps=2))), BRIDGE)
    assert [(f.phase, f.count, f.seconds_left) for f in a] == [
        (f.phase, f.count, f.seconds_left) for f in b
    ]


def test_only_form_cues_are_cues_even_at_a_few_frames_a_second() -> None:
    """At 5 fps the set's session shows its posture message for its minimum time after the
    3-2-1; that is not a form cue, and is never shown or said as one."""
    coach = RoutineCoach(routine(item("glute_bridge", reps=2)))
    sparse = BRIDGE[::6]
    out = play(coach, sparse)
    rule_cues = {r.cue for r in SPECS["glute_bridge"].rules}
    cues = [e.cue for e in events(out, CueShown) if e.cue is not None]
    assert all(c in rule_cues for c in cues), cues
    assert events(out, TargetReached)


# -- who is in view: the warnings under the cue (Notices) ------------------------------------

PEOPLE = PEOPLE_NOTICE
SWITCH = SWITCH_NOTICE
NOTICE_CASES: dict[str, tuple[list[tuple[float, tuple]], dict[float, tuple[str, ...]]]] = {
    # (frame time, its events) -> the lines shown at these frame times
    "nobody_else": ([(1.0, (CueShown(1.0, "Keep your hips level"),))], {1.0: (), 9.0: ()}),
    "others_come": (
        [(3.0, (PeopleInView(3.0, 1, 1.0),))],
        {2.9: (), 3.0: (PEOPLE,), 60.0: (PEOPLE,)},
    ),
    # judged gone at 7 s: up for PEOPLE_HOLD_S more, then cleared
    "others_leave": (
        [(3.0, (PeopleInView(3.0, 2, 1.0),)), (7.0, (PeopleInView(7.0, 0, 5.0),))],
        {6.9: (PEOPLE,), 7.0: (PEOPLE,), 8.9: (PEOPLE,), 9.0: (), 30.0: ()},
    ),
    # back before the hold ran out: no gap in the warning
    "back_within_the_hold": (
        [
            (3.0, (PeopleInView(3.0, 1, 1.0),)),
            (7.0, (PeopleInView(7.0, 0, 5.0),)),
            (8.5, (PeopleInView(8.5, 1, 6.5),)),
        ],
        {8.0: (PEOPLE,), 9.5: (PEOPLE,), 20.0: (PEOPLE,)},
    ),
    "switch": (
        [(5.0, (PersonSwitched(5.0, 2.4),))],
        {4.9: (), 5.0: (SWITCH,), 8.9: (SWITCH,), 9.0: ()},
    ),
    "switch_with_others_in_view": (
        [(3.0, (PeopleInView(3.0, 1, 1.0),)), (5.0, (PersonSwitched(5.0, 2.4),))],
        {5.0: (PEOPLE, SWITCH), 9.0: (PEOPLE,)},
    ),
}


@pytest.mark.parametrize("case", NOTICE_CASES)
def test_notices_fold_the_events_on_frame_time(case: str) -> None:
    steps, want = NOTICE_CASES[case]
    assert (PEOPLE_HOLD_S, SWITCH_SHOW_S) == (2.0, 4.0)  # the tables' times assume these
    notices = Notices()
    got = {}
    at = dict(steps)
    for t in sorted(set(at) | set(want)):
        notices.consume(at.get(t, ()))
        if t in want:
            got[t] = notices.lines(t)
    assert got == want


def mirrored(pose: PoseFrame) -> PoseFrame:
    """The same place, head to foot the other way: another person on the same mat."""
    hip_x = pose.xy[[23, 24], 0].mean()
    xy = pose.xy.copy()
    xy[:, 0] = 2 * hip_x - xy[:, 0]
    return dataclasses.replace(pose, xy=xy)


def test_others_in_view_are_told_in_every_phase_and_a_switch_is_passed_on() -> None:
    """Someone beside the user from 1 s to 5 s (the camera check and the 3-2-1), again from
    12 s to 15 s (counting); at 9 s the tracked body turns head to foot (another person)."""
    coach = RoutineCoach(routine(item("glute_bridge", reps=4)))
    out = []
    for t, p in BRIDGE:
        if p is not None:
            if 1.0 <= t < 5.0 or 12.0 <= t < 15.0:
                p = dataclasses.replace(p, others=1)
            if t >= 9.0:
                p = mirrored(p)
        out.append(coach.step(p, t))
    seen = [(round(e.t_s, 2), e.others) for e in events(out, PeopleInView)]
    assert seen == [(3.0, 1), (7.0, 0), (14.0, 1), (17.0, 0)]  # 2 s on, 2 s off (OthersInView)
    at = {round(f.t_s, 2): f for f in out}
    assert at[3.0].phase == CoachPhase.COUNTDOWN and at[3.0].notices == (PEOPLE,)
    assert at[4.5].phase == CoachPhase.ACTIVE and at[4.5].notices == (PEOPLE,)  # a new set
    assert at[8.97].notices == (PEOPLE,) and at[9.0].notices == (SWITCH,)  # 7 s + the hold
    assert [round(e.t_s, 2) for e in events(out, PersonSwitched)] == [9.0]
    assert at[12.97].notices == (SWITCH,) and at[13.0].notices == ()  # 9 s + 4 s
    assert at[14.0].notices == (PEOPLE,)
    assert at[19.0].notices == ()
    # the form cue keeps its slot: the notices are never a cue
    assert not any(e.cue in (PEOPLE, SWITCH) for e in events(out, CueShown))
    # the set's report (its own session) says the same
    warnings = coach.records[0].summary()["warnings"]
    assert warnings[0].startswith("More than one person in view (12.0-15.0 s): ")
    assert warnings[0].endswith(PEOPLE.split(": ", 1)[1])
    assert warnings[1].startswith("The body in view jumped 1 time (at 9.0 s)")


def test_no_notices_once_the_routine_is_over() -> None:
    coach = RoutineCoach(routine(item("glute_bridge", reps=1)))
    for t, p in BRIDGE:
        f = coach.step(None if p is None else dataclasses.replace(p, others=1), t)
    assert f.phase == CoachPhase.DONE and f.notices == ()
