"""The stick figure: angles asked for are the angles measured back; side, front and foot-end
cameras see what a camera would; anchors keep parts on the floor; every catalogue posture fits."""

import numpy as np
import pytest

from formcheck import geometry as g
from formcheck.features import ViewClassifier
from formcheck.figure import ANCHORS, POSTURES, VIEWS, Camera, Figure, pose
from formcheck.landmarks import Landmark as L


def placed(posture="standing", anchor=None, **angles):
    fig = Figure(posture, anchor=anchor)
    return fig.place(fig.angles(angles))


def mid(p, part):
    return (p[L[f"LEFT_{part}"]] + p[L[f"RIGHT_{part}"]]) / 2


# (posture, angles, "side a b c" (the angle at b), in the world (3D) or the side image, degrees)
ANGLES = [
    ("standing", {"knee_flexion": 90}, "left hip knee ankle", "world", 90),
    ("standing", {"right_knee_flexion": 35}, "right hip knee ankle", "world", 145),
    ("standing", {"elbow_flexion": 120}, "left shoulder elbow wrist", "world", 60),
    ("standing", {"shoulder_flexion": 90}, "left hip shoulder elbow", "world", 90),
    ("sitting", {"left_hip_flexion": 100}, "left shoulder hip knee", "world", 80),
    ("lying_on_back", {"hip_flexion": 55}, "left shoulder hip knee", "image", 125),
    ("lying_on_back", {"hip_flexion": 8}, "left shoulder hip knee", "image", 172),
    ("half_kneeling", {"right_knee_flexion": 70}, "right hip knee ankle", "image", 110),
]  # fmt: skip


@pytest.mark.parametrize(("posture", "angles", "joint", "space", "expected"), ANGLES)
def test_angles_asked_are_angles_measured(posture, angles, joint, space, expected):
    frame = pose(posture, "side", **angles)
    pts = frame.world if space == "world" else frame.xy
    side, *parts = joint.split()
    a, b, c = (pts[L[f"{side}_{part}".upper()]] for part in parts)
    assert float(g.joint_angle(a, b, c)) == pytest.approx(expected, abs=1.0)


def test_trunk_sets_the_trunk_and_hip_flexion_is_relative_to_it():
    xy = pose("standing", "side", trunk=60, hip_flexion=60).xy  # a hinge: thighs stay vertical
    trunk = abs(float(g.tilt_from_vertical(mid(xy, "HIP"), mid(xy, "SHOULDER"))))
    assert trunk == pytest.approx(60, abs=0.5)
    assert float(g.tilt_from_vertical(xy[L.LEFT_KNEE], xy[L.LEFT_HIP])) == pytest.approx(0, abs=0.5)


# Front view: (angles, feature measured in the image, expected degrees)
def _hip_line(xy):
    return g.tilt_from_horizontal(xy[L.RIGHT_HIP], xy[L.LEFT_HIP])


def _trunk(xy):
    return g.tilt_from_vertical(mid(xy, "HIP"), mid(xy, "SHOULDER"))


FRONT = [
    ({"pelvis_tilt": 8}, _hip_line, 8),
    ({"pelvis_tilt": -5}, _hip_line, -5),
    ({"trunk_lean": 10}, _trunk, 10),
    ({"trunk_lean": -12}, _trunk, -12),
]


@pytest.mark.parametrize(("angles", "measure", "expected"), FRONT)
def test_frontal_plane_angles_from_the_front(angles, measure, expected):
    frame = pose("standing", "front", **angles)
    assert float(measure(frame.xy)) == pytest.approx(expected, abs=0.3)


def test_side_view_overlaps_near_and_far_and_trusts_the_near_side_more():
    for near, far in (("left", "RIGHT"), ("right", "LEFT")):
        f = pose("lying_on_back", "side", near=near)
        assert ViewClassifier.ratio(f) < 0.2
        for part in ("SHOULDER", "HIP", "KNEE", "ANKLE"):
            gap = np.linalg.norm(f.xy[L[f"LEFT_{part}"]] - f.xy[L[f"RIGHT_{part}"]])
            assert 0 < gap < 25
            assert f.visibility[L[f"{far}_{part}"]] < f.visibility[L[f"{near.upper()}_{part}"]]
    # From the left a person on their back has the head on the image's right; from the right, left.
    assert pose("lying_on_back", "side", near="left").xy[L.NOSE, 0] > 320
    assert pose("lying_on_back", "side", near="right").xy[L.NOSE, 0] < 320


@pytest.mark.parametrize(
    ("posture", "view"), [("standing", "front"), ("lying_on_back", "foot_end")]
)
def test_front_and_foot_end_views_separate_left_and_right(posture, view):
    f = pose(posture, view)
    assert ViewClassifier.ratio(f) > 0.5
    for part in ("SHOULDER", "HIP", "KNEE"):  # the person's right on the image's left
        assert f.xy[L[f"RIGHT_{part}"], 0] < f.xy[L[f"LEFT_{part}"], 0] - 20
    assert np.all(f.visibility == f.visibility[0])


def test_foot_end_sees_the_bridge_lift_the_hips_and_the_roll_tilt_them():
    hips = lambda f: mid(f.xy, "HIP")[1]  # noqa: E731
    fig = Figure("lying_on_back")
    rest, up = fig.place(fig.angles()), fig.place(fig.angles({"hip_flexion": 5}))
    rolled = fig.place(fig.angles({"hip_flexion": 5, "pelvis_rotation": 12}))
    cam = Camera.for_view("foot_end", [rest, up, rolled])
    assert hips(cam.frame(up, 0)) < hips(cam.frame(rest, 0)) - 20  # higher in the image
    xy = cam.frame(rolled, 0).xy
    assert g.tilt_from_horizontal(xy[L.RIGHT_HIP], xy[L.LEFT_HIP]) == pytest.approx(12, abs=1.5)


def test_world_is_metres_between_the_hips_with_y_down():
    f = pose("standing", "front")
    assert np.allclose(mid(f.world, "HIP"), 0, atol=1e-9)
    assert f.world[L.NOSE, 1] < -0.6 and f.world[L.LEFT_ANKLE, 1] > 0.7
    assert np.linalg.norm(f.world[L.LEFT_HIP] - f.world[L.LEFT_KNEE]) == pytest.approx(0.42)


def test_anchors_keep_parts_on_the_floor():
    for hip in (50, 20, 5):  # a bridge pivots about the shoulders; the feet stay down and flat
        p = placed("lying_on_back", hip_flexion=hip).points
        for part in ("LEFT_HEEL", "LEFT_FOOT_INDEX", "RIGHT_HEEL", "RIGHT_FOOT_INDEX"):
            assert p[L[part], 1] == pytest.approx(0, abs=1e-6)
        assert p[L.LEFT_SHOULDER, 1] == pytest.approx(0.07, abs=0.01)
    hike = placed("standing", anchor=["right_foot"], pelvis_tilt=8).points
    assert hike[L.RIGHT_HEEL, 1] == pytest.approx(0, abs=1e-6)
    assert hike[L.LEFT_HEEL, 1] > 0.02  # the free foot lifts with the hip


def test_visibility_overrides_out_of_frame_and_jitter():
    fig = Figure("standing")
    p = fig.place(fig.angles())
    cam = Camera.for_view("front", [p])
    f = cam.frame(p, 0.0, visibility={L.LEFT_KNEE: 0.1}, out_of_frame=[L.RIGHT_WRIST])
    assert f.visibility[L.LEFT_KNEE] == 0.1
    assert not 0 <= f.xy[L.RIGHT_WRIST, 0] <= 640 and f.visibility[L.RIGHT_WRIST] <= 0.1
    clean = cam.frame(p, 0.0).xy
    a = cam.frame(p, 0.0, jitter_px=1.0, rng=np.random.default_rng(3)).xy
    b = cam.frame(p, 0.0, jitter_px=1.0, rng=np.random.default_rng(3)).xy
    assert np.array_equal(a, b)
    assert 0.6 < float(np.std(a - clean)) < 1.4


@pytest.mark.parametrize("posture", POSTURES)
@pytest.mark.parametrize("view", VIEWS)
def test_every_base_posture_is_on_the_floor_and_in_the_picture(posture, view):
    p = placed(posture)
    assert p.below_floor() == []
    f = Camera.for_view(view, [p]).frame(p, 0.0)
    assert np.all(np.isfinite(f.xy)) and np.all((f.xy >= 0) & (f.xy <= [640, 480]))


def _ang(p, a, b, c):
    return float(g.joint_angle(p[L[a]], p[L[b]], p[L[c]]))


# Every posture of exercise_catalogue.md: (name, posture, anchor, angles, check on room points)
CATALOGUE = [
    (
        "bridge top",
        "lying_on_back",
        None,
        {"hip_flexion": 5, "neck_flexion": 20},
        lambda p: (
            p[L.LEFT_HIP, 1] > 0.25 and _ang(p, "LEFT_SHOULDER", "LEFT_HIP", "LEFT_KNEE") > 170
        ),
    ),
    (
        "knee to chest",
        "lying_on_back",
        ["shoulders", "left_foot"],
        {"right_hip_flexion": 130, "right_knee_flexion": 120},
        lambda p: _ang(p, "RIGHT_SHOULDER", "RIGHT_HIP", "RIGHT_KNEE") < 60,
    ),
    (
        "double knee to chest",
        "lying_on_back",
        ["shoulders", "hips"],
        {"hip_flexion": 130, "knee_flexion": 120, "neck_flexion": 30},
        lambda p: _ang(p, "LEFT_SHOULDER", "LEFT_HIP", "LEFT_KNEE") < 60,
    ),
    (
        "knees rolled to one side",
        "lying_on_back",
        None,
        {"pelvis_rotation": 50},
        lambda p: (
            abs(mid(p, "KNEE")[2]) > 0.2
            and abs(p[L.LEFT_SHOULDER, 1] - p[L.RIGHT_SHOULDER, 1]) < 0.01
        ),
    ),
    (
        "press-up",
        "lying_face_down",
        None,
        {"elbow_flexion": 20, "shoulder_flexion": 0, "hip_flexion": -42},
        lambda p: mid(p, "SHOULDER")[1] > 0.35 and mid(p, "HIP")[1] < 0.12,
    ),
    (
        "forearm plank",
        "plank",
        None,
        {},
        lambda p: _ang(p, "LEFT_SHOULDER", "LEFT_HIP", "LEFT_ANKLE") > 170,
    ),
    (
        "high plank",
        "high_plank",
        None,
        {},
        lambda p: _ang(p, "LEFT_SHOULDER", "LEFT_ELBOW", "LEFT_WRIST") > 175,
    ),
    (
        "cat (head down)",
        "hands_and_knees",
        None,
        {"neck_flexion": 40},
        lambda p: p[L.NOSE, 1] < mid(p, "SHOULDER")[1] - 0.1,
    ),
    (
        "cow (head up)",
        "hands_and_knees",
        None,
        {"neck_flexion": -40},
        lambda p: p[L.NOSE, 1] > mid(p, "SHOULDER")[1],
    ),
    (
        "bird dog",
        "hands_and_knees",
        ["right_hand", "left_knee"],
        {"left_shoulder_flexion": 166, "right_hip_flexion": -14, "right_knee_flexion": 0},
        lambda p: (
            abs(p[L.LEFT_WRIST, 1] - p[L.LEFT_SHOULDER, 1]) < 0.08
            and abs(p[L.RIGHT_ANKLE, 1] - p[L.RIGHT_HIP, 1]) < 0.08
        ),
    ),
    (
        "child's pose",
        "hands_and_knees",
        ["hands", "knees"],
        {
            "hip_flexion": 140,
            "knee_flexion": 150,
            "shoulder_flexion": 165,
            "ankle_dorsiflexion": -60,
        },
        lambda p: np.linalg.norm(mid(p, "HIP") - mid(p, "ANKLE")) < 0.3,
    ),
    (
        "kneeling",
        "kneeling",
        None,
        {},
        lambda p: abs(mid(p, "HIP")[0] - mid(p, "SHOULDER")[0]) < 0.01 and p[L.LEFT_ANKLE, 1] < 0.1,
    ),
    (
        "half kneeling, hips forward",
        "half_kneeling",
        None,
        {
            "left_hip_flexion": -25,
            "left_knee_flexion": 115,
            "right_hip_flexion": 70,
            "right_knee_flexion": 100,
        },
        lambda p: _ang(p, "RIGHT_HIP", "RIGHT_KNEE", "RIGHT_ANKLE") < 95,
    ),
    (
        "chair",
        "sitting",
        None,
        {},
        lambda p: abs(_ang(p, "LEFT_HIP", "LEFT_KNEE", "LEFT_ANKLE") - 90) < 1,
    ),
    (
        "90/90",
        "sitting_on_floor",
        ["hips"],
        {
            "left_hip_flexion": 90,
            "left_hip_abduction": 45,
            "left_hip_rotation": 90,
            "left_knee_flexion": 90,
            "right_hip_flexion": 0,
            "right_hip_abduction": 90,
            "right_knee_flexion": 90,
            "ankle_dorsiflexion": -30,
        },
        lambda p: (
            abs(_ang(p, "LEFT_HIP", "LEFT_KNEE", "LEFT_ANKLE") - 90) < 1
            and p[L.LEFT_ANKLE, 2] < p[L.LEFT_KNEE, 2]
            and p[L.RIGHT_ANKLE, 0] < p[L.RIGHT_KNEE, 0] - 0.3
        ),
    ),
    (
        "squat",
        "standing",
        None,
        {"trunk": 35, "hip_flexion": 100, "knee_flexion": 100, "shoulder_flexion": 80},
        lambda p: (
            abs(_ang(p, "LEFT_HIP", "LEFT_KNEE", "LEFT_ANKLE") - 80) < 1 and mid(p, "HIP")[1] < 0.6
        ),
    ),
    (
        "hip hinge",
        "standing",
        None,
        {"trunk": 55, "hip_flexion": 65, "knee_flexion": 15},
        lambda p: mid(p, "HIP")[0] < mid(p, "ANKLE")[0],
    ),
    (
        "forward bend",
        "standing",
        None,
        {"trunk": 100, "hip_flexion": 100, "shoulder_flexion": 90},
        lambda p: mid(p, "WRIST")[1] < 0.3,
    ),
    (
        "hip hike with lean",
        "standing",
        ["right_foot"],
        {"pelvis_tilt": 8, "trunk_lean": -10},
        lambda p: p[L.LEFT_HIP, 1] > p[L.RIGHT_HIP, 1] + 0.02,
    ),
    (
        "seated side bend",
        "sitting_on_floor",
        None,
        {
            "trunk_lean": -25,
            "left_shoulder_abduction": 160,
            "right_shoulder_flexion": 120,
            "right_elbow_flexion": 100,
        },
        lambda p: p[L.LEFT_WRIST, 1] > p[L.NOSE, 1],
    ),
]


@pytest.mark.parametrize(
    ("posture", "anchor", "angles", "check"),
    [c[1:] for c in CATALOGUE],
    ids=[c[0] for c in CATALOGUE],
)
def test_every_catalogue_posture_can_be_expressed(posture, anchor, angles, check):
    p = placed(posture, anchor=anchor, **angles)
    assert p.below_floor() == []
    assert check(p.points)


def test_anchor_names_cover_both_sides_and_each_side():
    assert {"feet", "left_foot", "right_foot", "hands", "left_hand", "toes", "left_toes"} <= set(
        ANCHORS
    )
