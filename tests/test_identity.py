"""formcheck.identity and the session around it: a switch to another person, other people.

Constructed PoseFrames (tests/posekit.py), no model: the pose model's poses are moved
and scaled as a jump to another body would move them. Real clips are in
tests/test_people_clips.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from enginekit import Recorded
from posekit import lying_side, ramp

from formcheck.identity import IdentityWatch, OthersInView, body_of
from formcheck.landmarks import PoseFrame
from formcheck.results import CannotAssess, PeopleInView, PersonSwitched
from formcheck.session import WAIT_AFTER_ABSENCE, WAIT_AFTER_SWITCH
from formcheck.spec import get_spec

BRIDGE = get_spec("glute_bridge")
FPS = 30.0
WIDE = (1600, 480)


def moved(pose: PoseFrame, dx: float = 0.0, scale: float = 1.0) -> PoseFrame:
    """The pose shifted ``dx`` pixels and scaled about its mid-hip (another body), in a
    picture wide enough for both."""
    hip = pose.xy[[23, 24]].mean(axis=0)
    xy = (pose.xy - hip) * scale + hip + (dx, 0.0)
    return dataclasses.replace(pose, xy=xy, image_size=WIDE)


TORSO = body_of(lying_side(0.0)).torso  # type: ignore[union-attr]


def track(steps: list[tuple[float, float, float] | tuple[float, None, None]]) -> list[float]:
    """Feed ``(t_s, dx_in_torsos, scale)`` poses (``(t_s, None, None)``: no pose); the times
    at which the watch said "someone else"."""
    watch = IdentityWatch()
    out = []
    for t, dx, scale in steps:
        pose = None if dx is None else moved(lying_side(t), dx * TORSO, scale or 1.0)
        if watch.step(pose):
            out.append(t)
    return out


def frames(t0: float, t1: float, dx=lambda t: 0.0, scale=lambda t: 1.0) -> list:
    n = round((t1 - t0) * FPS)
    return [(t0 + k / FPS, dx(t0 + k / FPS), scale(t0 + k / FPS)) for k in range(n)]


def gap(t0: float, t1: float) -> list:
    n = round((t1 - t0) * FPS)
    return [(t0 + k / FPS, None, None) for k in range(n)]


IDENTITY_CASES = {
    "still": (frames(0, 3), []),
    # a quick walk across the picture: 3 torso lengths a second
    "walking": (frames(0, 3, dx=lambda t: 3.0 * t), []),
    # a jump of 3 torso lengths between two frames: someone else
    "jump": (frames(0, 1) + frames(1, 2, dx=lambda t: 3.0), [1.0]),
    # lost for 0.3 s, found 3 torso lengths away: further than 0.3 s of walking
    "jump_over_a_short_gap": (frames(0, 1) + gap(1, 1.3) + frames(1.3, 2, dx=lambda t: 3.0), [1.3]),
    # lost for 1 s, found 3 torso lengths away: a person could have walked there
    "moved_over_a_long_gap": (frames(0, 1) + gap(1, 2) + frames(2, 3, dx=lambda t: 3.0), []),
    # lost for 3 s: nothing is compared (anyone may have come in)
    "lost_too_long": (frames(0, 1) + gap(1, 4) + frames(4, 5, dx=lambda t: 20.0), []),
    # twice the size from one frame to the next, in the same place
    "size_jump": (frames(0, 1) + frames(1, 2, scale=lambda t: 2.0), [1.0]),
    # stepping toward the camera: twice the size over two seconds
    "size_change_over_time": (frames(0, 2, scale=lambda t: 1.0 + t / 2.0), []),
    # back and forth between two people: every jump counts
    "alternating": (
        frames(0, 1)
        + frames(1, 2, dx=lambda t: 4.0)
        + frames(2, 3)
        + frames(3, 4, dx=lambda t: 4.0),
        [1.0, 2.0, 3.0],
    ),
}


@pytest.mark.parametrize("case", IDENTITY_CASES)
def test_identity_watch(case: str) -> None:
    steps, want = IDENTITY_CASES[case]
    assert track(steps) == pytest.approx(want, abs=1e-6)


def mirrored(pose: PoseFrame) -> PoseFrame:
    """The same place, head to foot the other way: another person on the same mat."""
    hip_x = pose.xy[[23, 24], 0].mean()
    xy = pose.xy.copy()
    xy[:, 0] = 2 * hip_x - xy[:, 0]
    return dataclasses.replace(pose, xy=xy)


def test_identity_watch_sees_a_body_turned_round_in_place() -> None:
    watch = IdentityWatch()
    poses = [moved(lying_side(k / FPS)) for k in range(30)]
    poses += [mirrored(moved(lying_side(1.0 + k / FPS))) for k in range(30)]
    assert [round(p.t_s, 2) for p in poses if watch.step(p)] == [1.0]
    # the hips stayed where they were: only the whole body's travel tells
    hips = [p.xy[[23, 24]].mean(axis=0) for p in poses[29:31]]
    assert np.allclose(hips[0], hips[1])


def test_identity_watch_ignores_a_pose_without_a_body() -> None:
    watch = IdentityWatch()
    assert not watch.step(lying_side(0.0))
    broken = dataclasses.replace(lying_side(0.033), xy=np.full((33, 2), np.nan))
    assert body_of(broken) is None
    assert not watch.step(broken)
    assert watch.step(moved(lying_side(0.066), 5 * TORSO))  # compared with the last good body


def others_run(raw: list[tuple[float, float, int | None]]) -> list[tuple[float, int, float]]:
    """Feed raw counts held over ``[t0, t1)`` at 30 fps; the (t, count, since) judgements."""
    view = OthersInView()
    out = []
    for t0, t1, n in raw:
        for k in range(round((t1 - t0) * FPS)):
            t = t0 + k / FPS
            if view.step(n, t):
                out.append((round(t, 2), view.count, round(view.since_s, 2)))
    return out


OTHERS_CASES = {
    "never": ([(0, 5, 0)], []),
    # the detector checks once a second: one or two checks seeing someone is not enough
    "one_check": ([(0, 2, 0), (2, 3, 1), (3, 6, 0)], []),
    "two_checks": ([(0, 2, 0), (2, 4, 1), (4, 6, 0)], []),
    "someone_stays": ([(0, 2, 0), (2, 6, 1)], [(4.0, 1, 2.0)]),
    # a missed check while they stay does not clear it; 2 s without them does
    "missed_check": ([(0, 3, 1), (3, 4, 0), (4, 5, 2)], [(2.0, 1, 0.0)]),
    "they_leave": ([(0, 3, 1), (3, 6, 0)], [(2.0, 1, 0.0), (5.0, 0, 3.0)]),
    # frames without a pose say nothing either way
    "no_pose": ([(0, 3, 1), (3, 6, None)], [(2.0, 1, 0.0)]),
}


@pytest.mark.parametrize("case", OTHERS_CASES)
def test_others_in_view(case: str) -> None:
    raw, want = OTHERS_CASES[case]
    assert others_run(raw) == want


# -- the session: a rep is never made of two people's movements ---------------------------


def bridge_run(switch_at: float | None, others: tuple[float, float] | None = None) -> Recorded:
    """Two bridges (rest 1 s, up over 1 s, top 1 s, down over 1 s); ``switch_at``: from then
    on the poses are another person's, 3 torso lengths to the right; ``others``: a span in
    which the detector saw someone else."""
    keys = [(0.0, 125.0), (1.0, 125.0)]
    t = 1.0
    for _ in range(2):
        keys += [(t + 1.0, 172.0), (t + 2.0, 172.0), (t + 3.0, 125.0), (t + 4.0, 125.0)]
        t += 4.0
    rec = Recorded(BRIDGE)
    for t, angle in ramp(keys):
        pose = moved(lying_side(t, angle))
        if switch_at is not None and t >= switch_at:
            pose = moved(pose, 3.0 * TORSO)
        if others is not None and others[0] <= t < others[1]:
            pose = dataclasses.replace(pose, others=1)
        rec.step(pose, t)
    rec.finish(keys[-1][0])
    return rec


def test_no_switch_two_reps() -> None:
    rec = bridge_run(None)
    assert rec.record.reps == 2
    assert rec.record.switches == []
    assert rec.record.summary()["warnings"] == []


def test_a_rep_half_one_person_half_another_is_not_counted() -> None:
    # the switch comes at the first rep's top (2.5 s): its rise was one person, its return
    # another's. Without the switch this clip counts 2 (test above).
    rec = bridge_run(2.5)
    r = rec.record
    assert r.switches == [pytest.approx(2.5, abs=0.02)]
    assert r.reps == 1
    (rep,) = [row for row in r.reps_rows()]
    assert rep["start_s"] > 2.5  # the second rep, all the new person's
    s = r.summary()
    assert s["person_switches"] == 1
    assert s["warnings"][0].startswith("The body in view jumped 1 time (at 2.5 s)")
    assert r.to_dict()["clip"]["person_switches_s"] == [2.5]
    # until the new person is seen at rest, the movement under way is not judged
    assert [why for t, _, why in r.cannot_spans if t > 1.0] == [WAIT_AFTER_SWITCH]


def test_a_switch_at_rest_loses_nothing() -> None:
    rec = bridge_run(4.6)  # between the reps, at rest
    assert rec.record.reps == 2
    assert rec.record.switches == [pytest.approx(4.6, abs=0.02)]


def test_switch_event_and_smoothing_restart() -> None:
    rec = Recorded(BRIDGE)
    results = [rec.step(moved(lying_side(k / FPS)), k / FPS) for k in range(30)]
    # someone else, elsewhere, with their hips up
    far = moved(lying_side(1.0, 172.0), 3.0 * TORSO)
    res = rec.step(far, 1.0)
    (ev,) = [e for e in res.events if isinstance(e, PersonSwitched)]
    assert ev.jump == pytest.approx(3.0, abs=0.05)
    assert results[-1].cannot_assess is None
    assert any(isinstance(e, CannotAssess) and e.code == "wait_for_rest" for e in res.events)
    # the smoothing restarted on the new body: its first frame is not dragged toward the old
    assert res.features["hip_extension"] == pytest.approx(172.0, abs=0.5)


@pytest.mark.parametrize(
    ("gone_s", "back_at", "reps", "waits"),
    [
        (1.0, 125.0, 2, False),  # a short loss: the lift finishes when they are back
        (3.0, 125.0, 1, False),  # a long one: the lift under way is dropped
        (3.0, 172.0, 1, True),  # back at the top: that lift is not judged until rest
    ],
)
def test_a_lift_with_no_one_in_view_for_long_is_dropped(
    gone_s: float, back_at: float, reps: int, waits: bool
) -> None:
    """Someone lifts, leaves the picture at the top, and someone (the same person or not)
    is back ``gone_s`` later, then lifts once more."""
    rec = Recorded(BRIDGE)
    keys = [(0.0, 125.0), (1.0, 125.0), (2.0, 172.0), (3.0, 172.0)]
    t_back = 3.0 + gone_s
    keys += [(t_back, back_at), (t_back + 1.0, 125.0), (t_back + 2.0, 125.0)]
    keys += [(t_back + 3.0, 172.0), (t_back + 4.0, 172.0), (t_back + 5.0, 125.0)]
    keys += [(t_back + 6.0, 125.0)]
    for t, angle in ramp(keys):
        pose = None if 3.0 <= t < t_back else moved(lying_side(t, angle))
        rec.step(pose, t)
    rec.finish(keys[-1][0])
    assert rec.record.reps == reps
    assert rec.record.switches == []  # nothing was compared: not a switch
    why = [sp[2] for sp in rec.record.cannot_spans]
    assert (WAIT_AFTER_ABSENCE in why) is waits


def test_a_scene_cut_is_not_also_a_switch() -> None:
    rec = Recorded(BRIDGE)
    for k in range(30):
        rec.step(moved(lying_side(k / FPS)), k / FPS)
    rec.session.mark_cut(1.0)  # the next shot frames the body elsewhere
    res = rec.step(moved(lying_side(1.0), 3.0 * TORSO), 1.0)
    assert not any(isinstance(e, PersonSwitched) for e in res.events)
    assert rec.record.cuts == [1.0]


def test_others_in_view_warns_and_counting_goes_on() -> None:
    rec = bridge_run(None, others=(0.5, 6.0))
    r = rec.record
    assert r.reps == 2  # the tracked person's reps still count
    assert r.people_spans == [[pytest.approx(0.5), pytest.approx(6.0), 1]]
    s = r.summary()
    assert s["others_in_view"] is True
    assert s["warnings"] == [
        "More than one person in view (0.5-6.0 s): the count follows one person, the one "
        "drawn on the video; ask others to step out of view"
    ]
    assert r.to_dict()["people_in_view"] == [{"start_s": 0.5, "end_s": 6.0, "others": 1}]


def test_others_in_view_events_and_results() -> None:
    rec = Recorded(BRIDGE)
    seen = []
    for k in range(round(6 * FPS)):
        t = k / FPS
        pose = dataclasses.replace(moved(lying_side(t)), others=2 if t < 3.0 else 0)
        res = rec.step(pose, t)
        seen += [(round(e.t_s, 2), e.others) for e in res.events if isinstance(e, PeopleInView)]
        assert res.others == (2 if 2.0 <= t < 5.0 else 0)  # the judgement, not the raw count
    assert seen == [(2.0, 2), (5.0, 0)]
    assert rec.record.people_spans == [[0.0, pytest.approx(3.0), 2]]
    assert rec.record.summary()["warnings"][0].startswith(
        "More than one person in view (0.0-3.0 s)"
    )


def test_warning_while_still_in_view_at_the_end() -> None:
    rec = bridge_run(None, others=(3.0, 99.0))
    assert rec.record.people_spans == [[pytest.approx(3.0), None, 1]]
    assert "(from 3.0 s)" in rec.record.summary()["warnings"][0]
    assert rec.record.to_dict()["people_in_view"][0]["end_s"] is None


def test_the_cli_summary_prints_the_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    from formcheck.cli import _print_summary

    rec = bridge_run(2.5, others=(0.5, 6.0))
    _print_summary(rec.record.summary(), False, None)
    notes = [line for line in capsys.readouterr().out.splitlines() if "note:" in line]
    assert notes == [
        "  note:   More than one person in view (0.5-6.0 s): the count follows one person, the "
        "one drawn on the video; ask others to step out of view",
        "  note:   The body in view jumped 1 time (at 2.5 s): another person, or a cut in the "
        "video; a movement under way then was not counted",
    ]
