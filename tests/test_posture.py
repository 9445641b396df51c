"""Posture classification and gates on constructed stick figures (no pose model).

The figures (tests/posturekit.py) are built in 3D and seen by a pinhole camera
from the catalogue's views, so the world landmarks carry depth as MediaPipe's
do. The real-clip checks are in test_posture_clips.py.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import posturekit as pk
import pytest

from formcheck.landmarks import Landmark as L
from formcheck.posture import (
    POSTURE_GATES,
    POSTURES,
    PostureGate,
    PostureReading,
    classify_posture,
    posture_gate,
    posture_signals,
    ramp,
    register_posture,
)

# (figure, camera, expected posture)
CASES = [
    ("STANDING", "side", "standing"),
    ("STANDING", "front", "standing"),
    ("STANDING", "oblique", "standing"),
    ("STANDING", "shelf", "standing"),
    ("SQUAT_BOTTOM", "side", "standing"),
    ("SQUAT_BOTTOM", "front", "standing"),
    ("HIP_HINGE", "side", "standing"),
    ("HIP_HINGE", "front", "standing"),
    ("FORWARD_BEND", "side", "standing"),
    ("SITTING", "side", "sitting"),
    ("SITTING", "front", "sitting"),
    ("SITTING", "oblique", "sitting"),
    ("SITTING", "shelf", "sitting"),
    ("FLOOR_SITTING", "side", "sitting"),
    ("FLOOR_SITTING", "front", "sitting"),
    ("KNEELING", "side", "kneeling"),
    ("KNEELING", "front", "kneeling"),
    ("KNEELING_ON_HEELS", "side", "kneeling"),
    ("KNEELING_ON_HEELS", "front", "kneeling"),
    ("HALF_KNEELING", "side", "half_kneeling"),
    ("HALF_KNEELING", "front", "half_kneeling"),
    ("HALF_KNEELING", "oblique", "half_kneeling"),
    ("HANDS_AND_KNEES", "side", "hands_and_knees"),
    ("HANDS_AND_KNEES", "front", "hands_and_knees"),
    ("HANDS_AND_KNEES", "oblique", "hands_and_knees"),
    ("BIRD_DOG", "side", "hands_and_knees"),
    ("CHILDS_POSE", "side", "childs_pose"),
    ("CHILDS_POSE", "front", "childs_pose"),
    ("FOREARM_PLANK", "side", "plank"),
    ("FOREARM_PLANK", "front", "plank"),
    ("FOREARM_PLANK", "oblique", "plank"),
    ("HIGH_PLANK", "side", "plank"),
    ("HIGH_PLANK", "oblique", "plank"),
    ("LYING_FACE_DOWN", "side", "lying_face_down"),
    ("LYING_FACE_DOWN", "oblique", "lying_face_down"),
    ("COBRA", "side", "lying_face_down"),
    ("LYING_ON_BACK", "side", "lying_on_back"),
    ("LYING_ON_BACK", "front", "lying_on_back"),  # camera level at the feet
    ("LYING_ON_BACK", "low_end", "lying_on_back"),
    ("LYING_ON_BACK", "raised_end", "lying_on_back"),  # looking down 40 deg along the body
    ("LYING_ON_BACK", "oblique", "lying_on_back"),
    ("BRIDGE_TOP", "side", "lying_on_back"),
    ("BRIDGE_TOP", "raised_end", "lying_on_back"),
    ("LYING_STRAIGHT", "side", "lying_on_back"),
    ("LYING_STRAIGHT", "raised_end", "lying_on_back"),
]


@pytest.mark.parametrize(("figure", "camera", "expected"), CASES)
def test_figure_is_classified_as_its_posture(figure, camera, expected):
    reading = classify_posture(pk.view(getattr(pk, figure), camera))
    assert reading.posture == expected, (reading, posture_signals(pk.view(getattr(pk, figure))))
    assert 0.3 <= reading.confidence <= 1.0
    assert reading.reason == ""
    assert set(reading.scores) == set(POSTURES)


@pytest.mark.parametrize(
    ("figure", "expected"),
    [
        ("STANDING", "standing"),
        ("SQUAT_BOTTOM", "standing"),
        ("SITTING", "sitting"),
        ("KNEELING", "kneeling"),
        ("HALF_KNEELING", "half_kneeling"),
        ("HANDS_AND_KNEES", "hands_and_knees"),
        ("CHILDS_POSE", "childs_pose"),
        ("FOREARM_PLANK", "plank"),
        ("LYING_FACE_DOWN", "lying_face_down"),
        ("LYING_ON_BACK", "lying_on_back"),
        ("BRIDGE_TOP", "lying_on_back"),
    ],
)
def test_side_view_works_from_image_pixels_alone(figure, expected):
    """A replayed file without world landmarks: the image plane, no depth."""
    pose = pk.view(getattr(pk, figure), "side", world=False)
    sig = posture_signals(pose)
    assert not isinstance(sig, str) and sig.space == "image"
    assert classify_posture(pose).posture == expected


@pytest.mark.parametrize(
    ("figure", "camera"),
    [
        ("STANDING", "front"),
        ("SQUAT_BOTTOM", "side"),
        ("SITTING", "side"),
        ("HALF_KNEELING", "side"),
        ("HANDS_AND_KNEES", "side"),
        ("CHILDS_POSE", "side"),
        ("FOREARM_PLANK", "side"),
        ("LYING_ON_BACK", "side"),
        ("LYING_ON_BACK", "raised_end"),
        ("BRIDGE_TOP", "side"),
    ],
)
def test_stable_under_landmark_jitter(figure, camera):
    """MediaPipe's landmarks jitter a few pixels; the answer must not flicker."""
    fig = getattr(pk, figure)
    want = classify_posture(pk.view(fig, camera)).posture
    got = {classify_posture(pk.view(fig, camera, noise_px=3.0, seed=s)).posture for s in range(40)}
    assert got == {want}


def test_standing_is_not_a_bridge_top():
    """Bug (a): a standing body reads ~173 deg shoulder-hip-knee, like a bridge top."""
    standing, top = pk.view(pk.STANDING, "side"), pk.view(pk.BRIDGE_TOP, "side")
    for pose in (standing, top):
        sig = posture_signals(pose)
        assert not isinstance(sig, str) and sig.left.hip_deg > 155  # alike at the hip
    gate = POSTURE_GATES["lying_on_back"]
    assert gate.check(standing) is False
    assert gate.check(top) is True
    assert POSTURE_GATES["standing"].check(top) is False


def test_a_pose_matching_no_posture_says_so():
    reading = classify_posture(pk.view(pk.DOWNWARD_DOG, "side"))
    assert reading.posture is None
    assert reading.reason.startswith("the pose matches no known starting position")
    assert reading.scores  # the landmarks could be measured
    assert POSTURE_GATES["standing"].check(pk.view(pk.DOWNWARD_DOG, "side")) is False
    assert POSTURE_GATES["plank"].check(pk.view(pk.DOWNWARD_DOG, "side")) is False


# -- can't tell -------------------------------------------------------------------------


HIPS = (L.LEFT_HIP, L.RIGHT_HIP)
KNEES = (L.LEFT_KNEE, L.RIGHT_KNEE)
SHOULDERS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)


@pytest.mark.parametrize(
    ("hidden", "reason"),
    [
        (HIPS, "hips not visible"),
        (HIPS + KNEES, "hips and knees not visible"),
        (SHOULDERS + HIPS + KNEES, "shoulders, hips and knees not visible"),
        (KNEES, "knees not visible"),
    ],
)
@pytest.mark.parametrize("figure", ["STANDING", "LYING_ON_BACK"])
def test_cant_tell_without_hips_knees_or_shoulders(figure, hidden, reason):
    pose = pk.view(getattr(pk, figure), "side", vis=dict.fromkeys(hidden, 0.1))
    reading = classify_posture(pose)
    assert reading == PostureReading(None, 0.0, reason)
    assert reading.scores == {}
    for gate in POSTURE_GATES.values():
        assert gate.check(pose) is None


def test_one_side_visible_is_enough():
    hide = (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_SHOULDER, L.RIGHT_ANKLE)
    pose = pk.view(pk.LYING_ON_BACK, "side", vis=dict.fromkeys(hide, 0.2))
    assert classify_posture(pose).posture == "lying_on_back"


def test_min_visibility_is_honoured():
    pose = pk.view(pk.STANDING, "side", vis=dict.fromkeys(HIPS, 0.6))
    assert classify_posture(pose, min_visibility=0.5).posture == "standing"
    assert classify_posture(pose, min_visibility=0.7).reason == "hips not visible"


# -- gates and registry ------------------------------------------------------------------


def test_every_posture_has_a_gate_with_words():
    assert POSTURES == (
        "lying_on_back",
        "lying_face_down",
        "plank",
        "hands_and_knees",
        "childs_pose",
        "kneeling",
        "half_kneeling",
        "sitting",
        "standing",
    )
    # one gate per posture, plus gates for exercises that move between two (sit-to-stand)
    assert set(POSTURE_GATES) == {*POSTURES, "chair", "kneeling_lunge"}
    assert POSTURE_GATES["chair"].accepts == ("sitting", "standing")
    for name, gate in POSTURE_GATES.items():
        assert gate.name == name
        assert (name in gate.accepts or name not in POSTURES) and set(gate.accepts) <= set(POSTURES)
        assert gate.label and gate.instruction[0].isupper()
    assert POSTURE_GATES["lying_on_back"].label == "lying on your back"
    # a press-up top whose hips come up reads as a plank: still in position
    assert POSTURE_GATES["lying_face_down"].accepts == ("lying_face_down", "plank")
    # child's pose starts on hands and knees; only its own gate takes the held position
    assert POSTURE_GATES["childs_pose"].accepts == ("childs_pose", "hands_and_knees")
    assert "childs_pose" not in POSTURE_GATES["hands_and_knees"].accepts


def test_gate_judges_a_reading():
    gate = POSTURE_GATES["lying_on_back"]
    scores = dict.fromkeys(POSTURES, 0.0)
    assert gate.judge(PostureReading("lying_on_back", 0.9, "", scores)) is True
    assert gate.judge(PostureReading("standing", 0.9, "", scores)) is False
    assert gate.judge(PostureReading(None, 0.0, "hips not visible")) is None
    assert gate.judge(PostureReading(None, 0.0, "no match", scores)) is False
    near = {**scores, "lying_on_back": 0.3}
    assert gate.judge(PostureReading(None, 0.0, "no match", near)) is None


def test_register_posture_adds_replaces_and_refuses_duplicates():
    gate = PostureGate(
        "on_the_floor",
        "on the floor",
        "Get down on the floor",
        ("lying_on_back", "lying_face_down"),
    )
    try:
        assert register_posture(gate) is gate
        assert posture_gate("on_the_floor") is gate
        assert gate.check(pk.view(pk.LYING_FACE_DOWN, "side")) is True
        assert gate.check(pk.view(pk.STANDING, "side")) is False
        with pytest.raises(ValueError, match="already registered"):
            register_posture(gate)
        other = PostureGate("on_the_floor", "down", "Lie down", ("lying_on_back",))
        assert register_posture(other, replace=True) is other
        assert POSTURE_GATES["on_the_floor"] is other
    finally:
        POSTURE_GATES.pop("on_the_floor", None)


def test_gate_must_accept_known_postures():
    with pytest.raises(ValueError, match="accepts must name postures from lying_on_back"):
        PostureGate("x", "x", "Do x", ("lying_on_side",))
    with pytest.raises(ValueError):
        PostureGate("x", "x", "Do x", ())


def test_unknown_posture_name_lists_the_defined_ones():
    with pytest.raises(
        KeyError, match="posture 'lying' is not defined; defined: chair, childs_pose, half_kneeling"
    ):
        posture_gate("lying")


def test_reading_is_frozen():
    reading = classify_posture(pk.view(pk.STANDING, "side"))
    with pytest.raises(AttributeError):
        reading.posture = "sitting"  # type: ignore[misc]


# -- pieces --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "zero_at", "one_at", "expected"),
    [
        (5.0, 0.0, 10.0, 0.5),
        (-1.0, 0.0, 10.0, 0.0),
        (11.0, 0.0, 10.0, 1.0),
        (5.0, 10.0, 0.0, 0.5),  # falling ramp
        (12.0, 10.0, 0.0, 0.0),
        (-3.0, 10.0, 0.0, 1.0),
    ],
)
def test_ramp(x, zero_at, one_at, expected):
    assert ramp(x, zero_at, one_at) == pytest.approx(expected)


def test_ramp_keeps_nan():
    assert math.isnan(ramp(math.nan, 0.0, 1.0))


def test_signals_measure_what_they_say():
    sig = posture_signals(pk.view(pk.STANDING, "side"))
    assert not isinstance(sig, str)
    assert sig.space == "world" and sig.pitch_deg == 0.0
    assert sig.trunk_deg == pytest.approx(0.0, abs=1.0)
    assert sig.left.thigh_deg == pytest.approx(0.0, abs=1.0)
    assert sig.left.knee_deg == pytest.approx(180.0, abs=1.0)
    assert sig.shoulder_h > sig.hip_h > sig.left.knee_h > sig.left.ankle_h >= 0
    assert sig.unit == pytest.approx(np.median([0.50, 0.45, 0.45, 0.42, 0.42]), abs=0.01)
    lying = posture_signals(pk.view(pk.LYING_ON_BACK, "side"))
    assert not isinstance(lying, str)
    assert lying.trunk_deg == pytest.approx(90.0, abs=1.0)
    assert lying.face_up == pytest.approx(1.0, abs=0.05)
    assert posture_signals(pk.view(pk.LYING_FACE_DOWN, "side")).face_up < -0.9  # type: ignore[union-attr]


def test_engine_module_imports_no_pose_model_or_video_library():
    code = (
        "import sys, formcheck.posture;"
        "bad = [m for m in ('mediapipe', 'cv2', 'av', 'streamlit') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
