"""ExerciseSession on constructed landmark sequences: reps, holds, faults, cannot-assess."""

import subprocess
import sys
from dataclasses import replace

import pytest
from enginekit import Recorded
from posekit import lying_side, ramp, standing_front

from formcheck.landmarks import Landmark as L
from formcheck.results import CannotAssess, FaultCleared, FaultRaised, RepCompleted
from formcheck.session import NO_PERSON, CueSelector, ExerciseSession
from formcheck.spec import get_spec

HIKE = get_spec("standing_hip_hike")
BRIDGE = get_spec("glute_bridge")
# The shipped hike spec marks its counting low-confidence (MediaPipe barely sees the
# hike on video). These clean constructed landmarks do show it, so the counting
# logic itself is tested with the flag off.
HIKE_HIGH = replace(HIKE, reps=(replace(HIKE.reps[0], confidence="high"),))


def hike_keys(reps=5, hold_s=10.0, top=8.0, period=2.0):
    keys = [(0.0, 0.0), (1.0, 0.0)]
    t = 1.0
    for _ in range(reps):
        keys += [(t + period * 0.3, top), (t + period * 0.5, top), (t + period * 0.8, 0.0),
                 (t + period, 0.0)]
        t += period
    if hold_s:
        keys += [(t + 0.6, top), (t + 0.6 + hold_s, top), (t + 1.4 + hold_s, 0.0),
                 (t + 2.4 + hold_s, 0.0)]
    return keys


def run_hike(keys, side="right", working="right", lean=None, knee=None, spec=HIKE_HIGH, **kw):
    s = Recorded(spec, side=side)
    results = []
    for t, hike in ramp(keys):
        lean_deg = lean(t, hike) if lean else 0.0
        knee_deg = knee(t, hike) if knee else 180.0
        pose = standing_front(t, hike, working=working, lean_deg=lean_deg,
                              working_knee_deg=knee_deg, **kw)
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
    s, _ = run_hike(hike_keys(reps=1, hold_s=10.0),
                    lean=lambda t, h: 12.0 if 7.0 < t < 9.0 else 0.0)
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
    s, _ = run_hike(hike_keys(reps=3, hold_s=0),
                    knee=lambda t, h: 150.0 if 1.4 < t < 2.4 else 180.0)
    rows = s.record.reps_rows()
    assert [r["faults"] for r in rows] == [["working_leg_straight"], [], []]


def bridge_run(keys, make=lying_side, **kw):
    s = Recorded(BRIDGE)
    results = [s.step(make(t, v, **kw), t) for t, v in ramp(keys)]
    results.append(s.finish(keys[-1][0]))
    return s, results


def test_bridge_side_view_reps_tempo_and_reach():
    keys = [(0, 125), (1, 125), (2, 172), (3, 172), (5, 125), (6, 125),  # slow: ok
            (7, 172), (8, 172), (8.3, 125), (9, 125),  # dropped in 0.3 s: too fast
            (10, 150), (11, 125), (12, 125)]  # never reached the top
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
    keys = [(0, 142), (1, 142), (2, 180), (3, 180), (5, 142), (6, 142),  # slow
            (7, 180), (8, 180), (8.3, 142), (9, 142)]  # fast
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
    """A person standing front-on while the bridge expects side or foot-end views... is frontal,
    which the bridge accepts as foot-end; the hip hike (front only) rejects a side-on person."""
    s = Recorded(HIKE, side="right")
    last = None
    for t, v in ramp([(0, 125), (1, 172), (2, 125)]):
        last = s.step(lying_side(t, v), t)
    assert last is not None and last.cannot_assess is not None
    assert "Wrong camera view: face the camera" in last.cannot_assess
    out = summary(s)
    assert out["reps"] == 0 and out["faults"] == []
    # A few frames before the view was settled do not make the clip "assessed".
    assert 0 < out["frames_assessed"] < 0.2 * out["frames"]
    assert out["assessed"] is False
    assert out["reason"].startswith("Wrong camera view: face the camera")


def test_hidden_knee_suspends_assessment_with_reason():
    hidden = {L.LEFT_KNEE: 0.1, L.RIGHT_KNEE: 0.1}
    s, results = bridge_run([(0, 125), (1, 172), (2, 125)], vis=hidden)
    assert summary(s)["reps"] == 0
    reasons = {e.reason for r in results for e in r.events if isinstance(e, CannotAssess)}
    assert any("knee is not visible" in r for r in reasons), reasons


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
