"""ExerciseSession on constructed landmark sequences: reps, holds, faults, cannot-assess."""

import subprocess
import sys
from dataclasses import replace

import pytest
from enginekit import Recorded
from posekit import lying_side, ramp, standing_front

from formcheck.landmarks import Landmark as L
from formcheck.results import CannotAssess, FaultCleared, FaultRaised, Phase, RepCompleted
from formcheck.session import NO_PERSON, CueSelector, ExerciseSession
from formcheck.spec import get_spec

HIKE = get_spec("standing_hip_hike")
BRIDGE = get_spec("glute_bridge")
# The shipped hike spec marks its counting low-confidence (followed by optical flow, it is
# exact on most renders but not all: see its limits). These clean constructed landmarks
# show it exactly, so the counting logic itself is tested with the flag off.
HIKE_HIGH = replace(HIKE, reps=(replace(HIKE.reps[0], confidence="high"),))


def hike_keys(reps=5, hold_s=10.0, top=8.0, period=2.0):
    keys = [(0.0, 0.0), (1.0, 0.0)]
    t = 1.0
    for _ in range(reps):
        keys += [
            (t + period * 0.3, top),
            (t + period * 0.5, top),
            (t + period * 0.8, 0.0),
            (t + period, 0.0),
        ]
        t += period
    if hold_s:
        keys += [
            (t + 0.6, top),
            (t + 0.6 + hold_s, top),
            (t + 1.4 + hold_s, 0.0),
            (t + 2.4 + hold_s, 0.0),
        ]
    return keys


def run_hike(keys, side="right", working="right", lean=None, knee=None, spec=HIKE_HIGH, **kw):
    s = Recorded(spec, side=side)
    results = []
    for t, hike in ramp(keys):
        lean_deg = lean(t, hike) if lean else 0.0
        knee_deg = knee(t, hike) if knee else 180.0
        pose = standing_front(
            t, hike, working=working, lean_deg=lean_deg, working_knee_deg=knee_deg, **kw
        )
        results.append(s.step(pose, t))
    results.append(s.finish(keys[-1][0]))
    return s, results


def summary(s):
    return s.record.summary()


@pytest.mark.parametrize("side", ["left", "right"])
def test_clean_hip_hike_counts_reps_and_hold_without_faults(side):
    s, _ = run_hike(hike_keys(reps=5, hold_s=10.0), side=side, working=side)
    out = summary(s)
    # The lift into the hold is a rep too (as in the real bridge-hold label).
    assert out["reps"] == 6
    assert out["hold_s"] == pytest.approx(10.0, abs=0.5)
    assert out["faults"] == []
    assert out["side"] == side


def test_wrong_working_side_counts_nothing():
    s, _ = run_hike(hike_keys(reps=4), side="left", working="right")
    assert summary(s)["reps"] == 0


def test_trunk_lean_is_a_fault_during_the_reps():
    s, results = run_hike(hike_keys(reps=4, hold_s=0), lean=lambda t, h: 1.6 * h)  # ~13 deg
    out = summary(s)
    assert out["faults"] == ["no_lean"]
    raised = [e for r in results for e in r.events if isinstance(e, FaultRaised)]
    assert len(raised) == 4  # once per rep, cleared in between
    assert all(e.rep in (1, 2, 3, 4) for e in raised)
    assert out["reps"] == 4


def test_small_sway_is_not_a_lean_fault():
    s, _ = run_hike(hike_keys(reps=4, hold_s=0), lean=lambda t, h: 0.5 * h)  # ~4 deg
    assert summary(s)["faults"] == []


def test_bent_working_knee_is_a_fault():
    s, _ = run_hike(hike_keys(reps=3, hold_s=0), knee=lambda t, h: 180 - 3.5 * h)  # ~152 deg
    assert summary(s)["faults"] == ["working_leg_straight"]


def test_short_hold_is_a_fault_and_hold_counts_only_with_good_form():
    s, _ = run_hike(hike_keys(reps=2, hold_s=5.0))
    out = summary(s)
    assert out["faults"] == ["hold_too_short"]
    assert out["hold_s"] == pytest.approx(5.0, abs=0.5)
    # A lean during the hold stops its clock: the hold is split and neither part counts.
    s, _ = run_hike(
        hike_keys(reps=1, hold_s=10.0), lean=lambda t, h: 12.0 if 7.0 < t < 9.0 else 0.0
    )
    out = summary(s)
    assert out["hold_s"] < 8.0
    assert "no_lean" in out["faults"]


def test_low_confidence_hike_does_not_judge_the_hold():
    s, _ = run_hike(hike_keys(reps=2, hold_s=5.0), spec=HIKE)
    out = summary(s)
    assert out["faults"] == []  # a short hold is not judged from an estimated hold
    assert out["not_checked"] == ["hold_too_short"]
    assert out["counting_confidence"] == "low"
    assert out["reps"] == 3  # still counted, as an estimate


def test_rep_rows_carry_their_faults():
    # Rep 1 rises from 1.0 s, holds the top 1.6-2.0 s and is back at rest by 2.6 s.
    s, _ = run_hike(
        hike_keys(reps=3, hold_s=0), knee=lambda t, h: 150.0 if 1.4 < t < 2.4 else 180.0
    )
    rows = s.record.reps_rows()
    assert [r["faults"] for r in rows] == [["working_leg_straight"], [], []]


def bridge_run(keys, make=lying_side, **kw):
    s = Recorded(BRIDGE)
    results = [s.step(make(t, v, **kw), t) for t, v in ramp(keys)]
    results.append(s.finish(keys[-1][0]))
    return s, results


def test_bridge_side_view_reps_tempo_and_reach():
    keys = [
        (0, 125),
        (1, 125),
        (2, 172),
        (3, 172),
        (5, 125),
        (6, 125),  # slow: ok
        (7, 172),
        (8, 172),
        (8.3, 125),
        (9, 125),  # dropped in 0.3 s: too fast
        (10, 150),
        (11, 125),
        (12, 125),
    ]  # never reached the top
    s, _ = bridge_run(keys)
    out = summary(s)
    assert out["reps"] == 2
    assert out["faults"] == ["lower_slowly", "reach_top"]
    rows = s.record.reps_rows()
    assert [r["faults"] for r in rows] == [[], ["lower_slowly"]]
    # hips_level needs the foot-end view: not checked from the side
    assert "hips_level" not in out["faults"]


def test_fast_lowering_belongs_to_its_rep_when_judged_before_rest():
    """With a 142 deg rest the 10% level (about 146) is above exit (145): the tempo is judged
    while the rep is still under way, and must still land on that rep."""
    keys = [
        (0, 142),
        (1, 142),
        (2, 180),
        (3, 180),
        (5, 142),
        (6, 142),  # slow
        (7, 180),
        (8, 180),
        (8.3, 142),
        (9, 142),
    ]  # fast
    s, _ = bridge_run(keys)
    assert [r["faults"] for r in s.record.reps_rows()] == [[], ["lower_slowly"]]


def test_active_fault_is_suspended_when_the_person_leaves():
    s = Recorded(HIKE_HIGH, side="right")
    for t, v in ramp([(0, 0), (1, 0), (2, 8), (4, 8)]):
        r = s.step(standing_front(t, v, lean_deg=12.0), t)
    assert r.faults == ("no_lean",)
    r = s.step(None, 4.1)
    assert r.faults == () and r.cannot_assess == NO_PERSON
    assert any(isinstance(e, FaultCleared) for e in r.events)


def test_no_person_is_cannot_assess_not_a_fault():
    s = Recorded(BRIDGE)
    results = [s.step(None, i / 30) for i in range(30)]
    assert results[-1].cannot_assess == NO_PERSON
    assert results[-1].faults == ()
    assert results[-1].cue == NO_PERSON
    out = summary(s)
    assert out["assessed"] is False
    assert out["reason"] == "no person was found in the video"


def test_wrong_view_is_cannot_assess():
    """A person standing side-on to the camera is in the hip hike's posture, but the hike needs
    the front view: cannot assess, with the camera instruction."""
    from formcheck.figure import pose

    s = Recorded(HIKE, side="right")
    last = None
    for t, _ in ramp([(0, 0), (3, 0)]):
        last = s.step(pose("standing", "side", t_s=t), t)
    assert last is not None and last.cannot_assess is not None
    assert "Wrong camera view: face the camera" in last.cannot_assess
    out = summary(s)
    assert out["reps"] == 0 and out["faults"] == []
    # A few frames before the view was settled do not make the clip "assessed".
    assert out["frames_assessed"] < 0.2 * out["frames"]
    assert out["assessed"] is False
    assert out["reason"].startswith("Wrong camera view: face the camera")


def test_another_posture_is_not_the_exercise():
    """Lying down for a standing exercise: 0 reps, no faults, and it says why."""
    s = Recorded(HIKE, side="right")
    last = None
    for t, v in ramp([(0, 125), (1, 172), (2, 125)]):
        last = s.step(lying_side(t, v), t)
    assert last is not None and last.cannot_assess == (
        "This doesn't look like a standing hip hike: you seem to be lying on your back. "
        "Stand up straight with your feet hip-width apart"
    )
    out = summary(s)
    assert out["reps"] == 0 and out["faults"] == [] and out["assessed"] is False
    assert out["reason"] == last.cannot_assess


def test_standing_then_lying_still_counts_no_bridge_rep():
    """Standing in view for 2 s and then lying still counted one glute-bridge rep: a standing
    body reads ~173 deg, the top of a bridge, while the view was still undecided."""
    from formcheck.figure import pose

    s = Recorded(BRIDGE)
    results = [s.step(pose("standing", "side", t_s=t), t) for t, _ in ramp([(0, 0), (2, 0)])]
    assert all(r.reps == 0 and not r.in_posture for r in results)
    assert results[-1].cannot_assess.startswith("This doesn't look like a glute bridge")
    for t, _ in ramp([(0, 0), (4, 0)]):
        results.append(s.step(lying_side(2 + t, 125.0), 2 + t))
    results.append(s.finish(6.0))
    out = summary(s)
    assert out["reps"] == 0 and out["partial_reps"] == 0 and out["faults"] == []
    assert results[-2].in_posture


def test_hidden_knee_suspends_assessment_with_reason():
    hidden = {L.LEFT_KNEE: 0.1, L.RIGHT_KNEE: 0.1}
    s, results = bridge_run([(0, 125), (1, 172), (2, 125)], vis=hidden)
    assert summary(s)["reps"] == 0
    reasons = {e.reason for r in results for e in r.events if isinstance(e, CannotAssess)}
    assert any("knee" in r and "not visible" in r for r in reasons), reasons


def test_joint_out_of_frame_is_reported():
    def off_frame(t, v):
        p = lying_side(t, v)
        xy = p.xy.copy()
        xy[L.LEFT_KNEE] = (700.0, 300.0)  # beyond the 640 px width
        xy[L.RIGHT_KNEE] = (700.0, 300.0)
        return type(p)(p.t_s, xy, p.world, p.visibility, p.image_size)

    _, results = bridge_run([(0, 125), (1, 125)], make=off_frame)
    assert results[-2].cannot_assess is not None
    assert "out of frame" in results[-2].cannot_assess


def test_switch_side_keeps_separate_sets():
    s = Recorded(HIKE, side="right")
    for t, v in ramp(hike_keys(reps=2, hold_s=0)):
        s.step(standing_front(t, v, working="right"), t)
    t0 = 20.0
    s.switch_side("left", t0)
    for t, v in ramp(hike_keys(reps=3, hold_s=0)):
        s.step(standing_front(t0 + t, v, working="left"), t0 + t)
    s.finish(t0 + 20)
    d = s.record.to_dict()
    assert [(x["side"], x["reps"]) for x in d["sets"]] == [("right", 2), ("left", 3)]
    assert d["summary"]["side"] == "both"
    assert d["summary"]["reps"] == 5


def test_stop_records_reason_and_counts_no_more():
    s = Recorded(BRIDGE)
    for t, v in ramp([(0, 125), (1, 172), (2, 125)]):
        s.step(lying_side(t, v), t)
    s.stop("pain spreading down the leg", 2.5)
    for t, v in ramp([(0, 125), (1, 172), (2, 125)]):
        r = s.step(lying_side(3 + t, v), 3 + t)
    assert r.reps == 1
    out = summary(s)
    assert out["reps"] == 1
    assert out["stopped"] == {"reason": "pain spreading down the leg", "t_s": 2.5}


def test_rep_completed_events_are_per_frame_results():
    _, results = bridge_run([(0, 125), (1, 172), (2, 125)])
    reps = [e for r in results for e in r.events if isinstance(e, RepCompleted)]
    assert len(reps) == 1
    assert results[-2].reps == 1
    assert all(r.key_feature == "hip_extension" for r in results)


def test_cue_selector_keeps_a_cue_for_its_minimum_time():
    c = CueSelector(min_s=1.5)
    assert c.choose(["A"], 0.0) == "A"
    assert c.choose(["B"], 0.5) == "A"  # too soon to switch
    assert c.choose(["B", "A"], 1.0) == "A"  # A still valid: stays
    assert c.choose(["B"], 2.0) == "B"
    assert c.choose([], 2.5) == "B"
    assert c.choose([], 4.0) is None


def test_engine_imports_no_mediapipe_cv2_or_streamlit():
    code = (
        "import sys, formcheck.session, formcheck.record, formcheck.spec;"
        "bad = [m for m in ('mediapipe', 'cv2', 'streamlit', 'av') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


# -- issue 7: engine foundations ---------------------------------------------------------------


def _spec(**over):
    """A small spec document on top of the bridge's, parsed like a file."""
    from formcheck.spec import parse_spec

    doc = {
        "schema_version": 1,
        "id": "t",
        "name": "Test",
        "category": "stretch",
        "posture": "lying_on_back",
        "view": "side",
        "camera": "c",
        "instructions": ["do it"],
        "source": "s",
        "prescription": {"text": "t", "source": "001"},
        "features": {
            "hip_ext": {"kind": "joint_angle", "points": ["near:shoulder", "near:hip", "near:knee"]}
        },
    }
    doc.update(over)
    return replace(parse_spec(doc), posture=None)  # the posture gate is tested on its own


def _run(spec, frames):
    s = Recorded(spec)
    results = [s.step(pose, t) for t, pose in frames]
    results.append(s.finish(frames[-1][0]))
    return s, results


def test_hold_only_exercise_counts_holds_not_moves_and_checks_count_and_duration():
    """ "3 x 5 s": holds of about 6, 6 and 2 s are two counted holds, and the target is not met
    (today's main counted every move in and out as a rep and checked only the best hold)."""
    spec = _spec(
        hold={
            "feature": "hip_ext",
            "enter": {"above": 160.0},
            "exit": {"below": 145.0},
            "min_s": 3.0,
        },
        prescription={"text": "3 x 5 s", "source": "003", "reps": 3, "hold_s": 5},
    )
    keys, t = [(0, 125), (1, 125)], 1.0
    for held in (6.0, 6.0, 2.0):
        keys += [(t + 1, 172), (t + 1 + held, 172), (t + 2 + held, 125), (t + 4 + held, 125)]
        t += 4 + held
    s, results = _run(spec, [(tt, lying_side(tt, v)) for tt, v in ramp(keys)])
    out = s.record.summary()
    assert not any(isinstance(e, RepCompleted) for r in results for e in r.events)
    assert out["reps"] == 2 and out["holds"] == 2
    holds = [h["held_s"] for h in s.record.to_dict()["holds"] if h["counted"]]
    assert holds == pytest.approx([5.6, 5.6], abs=0.5)
    assert out["holds_at_target"] == 2
    assert out["meets_target"] == {"reps": False, "hold": False}
    assert results[-1].reps == 2


def test_hold_repetitions_each_timed_against_the_prescription():
    """ "10 reps, each held 10 s" (here 2 x 3 s): reps and holds both count."""
    spec = _spec(
        reps={"feature": "hip_ext", "enter": {"above": 160.0}, "exit": {"below": 145.0}},
        hold={"min_s": 2.0},
        prescription={
            "text": "2 reps, each held 3 s",
            "source": "003",
            "reps": 2,
            "hold_s": 3,
            "holds": 2,
        },
    )
    keys = [
        (0, 125),
        (1, 125),
        (2, 172),
        (5.6, 172),
        (6.5, 125),
        (7.5, 125),
        (8.5, 172),
        (12, 172),
        (13, 125),
        (14, 125),
    ]
    s, _ = _run(spec, [(t, lying_side(t, v)) for t, v in ramp(keys)])
    out = s.record.summary()
    assert out["reps"] == 2 and out["holds"] == 2 and out["holds_at_target"] == 2
    assert out["meets_target"] == {"reps": True, "hold": True}


def test_two_way_motion_counts_and_times_each_direction():
    """Lean left, hold, centre, lean right, hold: reps and holds per direction."""
    spec = _spec(
        posture="standing",
        view="front",
        features={
            "lean": {
                "kind": "segment_tilt",
                "points": ["mid:hip", "mid:shoulder"],
                "reference": "vertical",
            }
        },
        reps=[
            {
                "direction": "left",
                "feature": "lean",
                "enter": {"above": 12.0},
                "exit": {"below": 4.0},
            },
            {
                "direction": "right",
                "feature": "lean",
                "enter": {"below": -12.0},
                "exit": {"above": -4.0},
            },
        ],
        hold={"min_s": 2.0},
    )
    keys, t = [(0, 0), (1, 0)], 1.0
    for _ in range(2):
        keys += [
            (t + 1, 18),
            (t + 4, 18),
            (t + 5, 0),
            (t + 6, -18),
            (t + 9, -18),
            (t + 10, 0),
            (t + 11, 0),
        ]
        t += 11
    s, results = _run(spec, [(tt, standing_front(tt, lean_deg=v)) for tt, v in ramp(keys)])
    out = s.record.summary()
    assert out["by_direction"] == {
        "left": {"reps": 2, "holds": 2, "best_hold_s": out["by_direction"]["left"]["best_hold_s"]},
        "right": {
            "reps": 2,
            "holds": 2,
            "best_hold_s": out["by_direction"]["right"]["best_hold_s"],
        },
    }
    assert 2.0 < out["by_direction"]["left"]["best_hold_s"] < 3.5
    assert out["reps"] == 4
    reps = [e for r in results for e in r.events if isinstance(e, RepCompleted)]
    assert [(e.index, e.direction) for e in reps] == [
        (1, "left"),
        (2, "right"),
        (3, "left"),
        (4, "right"),
    ]
    assert {r.direction for r in results} >= {"left", "right"}


def test_timer_spec_steps_without_scoring():
    """A timer spec used to load and then crash step() with an AssertionError."""
    from formcheck.session import TIMER_CUE

    spec = _spec(
        category="timer",
        features={},
        prescription={"text": "5 min", "source": "004", "hold_s": 300},
    )
    s, results = _run(spec, [(t, lying_side(t, 125)) for t, _ in ramp([(0, 0), (3, 0)])])
    assert results[-2].cue == TIMER_CUE
    assert results[-2].cannot_assess is None and results[-2].faults == ()
    out = s.record.summary()
    assert out["checked_by_camera"] is False and out["assessed"] is False
    assert "timer" in out["reason"]


def test_side_only_rule_works_after_a_first_view_from_the_feet():
    """The bridge's side-only lower_slowly was bound to the counter of the first judged view,
    so a session that began foot-end never raised it."""
    from formcheck.landmarks import PoseFrame

    def foot_end(t):  # the bridge from the feet: shoulders wide, hips down
        p = standing_front(t)
        xy = p.xy.copy()
        return PoseFrame(t, xy, p.world, p.visibility, p.image_size)

    s = Recorded(replace(BRIDGE, posture=None))
    for t, _ in ramp([(0, 0), (2, 0)]):
        r = s.step(foot_end(t), t)
    assert r.view == "foot_end"
    keys = [(0, 125), (1, 125), (2, 172), (3, 172), (3.3, 125), (4, 125)]  # dropped fast
    for t, v in ramp(keys):
        s.step(lying_side(3 + t, v), 3 + t)
    s.finish(7.5)
    out = s.record.summary()
    assert out["views_seen"] == ["foot_end", "side"]
    assert "lower_slowly" in out["faults"]


def test_events_cover_the_set_and_the_report_is_a_fold_of_them():
    from formcheck.record import SessionRecord
    from formcheck.results import SetEnded, SetStarted, SideSwitched, Stopped, ViewSeen

    s = ExerciseSession(HIKE_HIGH, side="right")
    results = [
        s.step(standing_front(t, v, working="right"), t)
        for t, v in ramp(hike_keys(reps=2, hold_s=0))
    ]
    s.switch_side("left", 20.0)
    results += [
        s.step(standing_front(20 + t, v, working="left"), 20 + t)
        for t, v in ramp(hike_keys(reps=1, hold_s=0))
    ]
    results.append(s.stop("pain", 30.0))
    kinds = [type(e) for r in results for e in r.events]
    for k in (SetStarted, ViewSeen, SideSwitched, SetEnded, Stopped):
        assert k in kinds, k
    assert kinds[0] is SetStarted
    # The same stream folded twice gives the same report: nothing comes from elsewhere.
    a, b = SessionRecord(HIKE_HIGH), SessionRecord(HIKE_HIGH)
    for r in results:
        a.consume(r)
        b.consume(r)
    assert a.to_dict() == b.to_dict()
    d = a.to_dict()
    assert [(x["side"], x["reps"], x["ended"]) for x in d["sets"]] == [
        ("right", 2, "side_switched"),
        ("left", 1, "stopped"),
    ]
    assert d["summary"]["stopped"]["reason"] == "pain"


def _hike_losing_the_free_knee(lost: tuple[float, float]):
    """Three hikes (tops at 1.6-2.0, 3.6-4.0, 5.6-6.0 s) with the free (left) knee's tracked
    point lost (optical flow couldn't follow it) during ``lost``."""
    s = Recorded(HIKE_HIGH, side="right")
    keys = hike_keys(reps=3, hold_s=0)
    why = []
    for t, hike in ramp(keys):
        pose = standing_front(t, hike, working="right")
        if lost[0] <= t <= lost[1]:
            tracked = pose.tracked.copy()
            tracked[L.LEFT_KNEE] = float("nan")
            pose = replace(pose, tracked=tracked)
        why.append(s.step(pose, t).cannot_assess or "")
    s.finish(keys[-1][0])
    return s, why


@pytest.mark.parametrize(
    ("lost", "reps"),
    [
        ((0.0, 0.0), 3),
        ((3.45, 3.65), 3),  # lost for 0.2 s mid-rep: bridged
        ((3.3, 4.2), 2),  # lost for 0.9 s, longer than the spec's max_gap_s: not seen, not counted
    ],
)
def test_a_movement_lost_longer_than_max_gap_is_not_counted(lost, reps):
    assert HIKE.reps[0].max_gap_s == pytest.approx(0.4)
    s, why = _hike_losing_the_free_knee(lost)
    assert summary(s)["reps"] == reps, [r["top_s"] for r in s.record.reps_rows()]
    if lost[1] > 0:
        assert any("left knee could not be followed closely" in w for w in why), set(why)


def test_tracked_features_need_tracked_points():
    s = Recorded(HIKE_HIGH, side="right")
    reasons = [  # landmarks replayed without pixels
        s.step(replace(standing_front(t, 0.0), tracked=None), t).cannot_assess or ""
        for t in [i / 30 for i in range(90)]
    ]
    assert any("needs the video's pixels" in r for r in reasons), set(reasons)


def test_a_momentary_cue_does_not_stay_up_through_the_next_rep() -> None:
    """Issue 11: "Lower your hips slowly" stayed up from 4.3 s to 11.5 s, through the next
    rep. It is said once; when the next movement begins it goes (after its minimum time)."""
    from formcheck.scenario import frames, load_scenario
    from formcheck.session import CUE_MIN_S
    from formcheck.spec import SPEC_DIR

    sc = load_scenario(SPEC_DIR / "scenarios" / "glute_bridge" / "lower_too_fast.toml")
    session = ExerciseSession(get_spec("glute_bridge"))
    raised_at = None
    rising_with_cue = []
    for t, pose in frames(sc):
        r = session.step(pose, t)
        if any(e.kind == "fault_raised" for e in r.events):
            raised_at = t
        if raised_at is not None and r.phase in (Phase.RISING, Phase.TOP):
            if r.cue == "Lower your hips slowly" and t > raised_at + CUE_MIN_S + 0.05:
                rising_with_cue.append(round(t, 2))
    assert raised_at is not None, "the scenario's fast lowering raised no fault"
    assert rising_with_cue == []
