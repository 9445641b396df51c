import math

import numpy as np
import pytest

from formcheck.geometry import (
    angle_from_down,
    distance,
    height_above,
    joint_angle,
    normalised,
    tilt_from_horizontal,
    tilt_from_vertical,
)
from formcheck.smoothing import OneEuroFilter


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((1, 0), (0, 0), (0, 1), 90.0),  # right angle
        ((1, 0), (0, 0), (-1, 0), 180.0),  # straight
        ((1, 0), (0, 0), (1, 0), 0.0),  # folded
        ((1, 0), (0, 0), (1, math.sqrt(3)), 60.0),  # equilateral corner
        ((3, 0), (0, 0), (3, 4), math.degrees(math.atan2(4, 3))),  # 3-4-5 triangle
        ((1, 0, 0), (0, 0, 0), (0, 0, 1), 90.0),  # 3D
        ((0, 0, 0), (1, 1, 1), (2, 2, 2), 180.0),  # 3D straight
    ],
)
def test_joint_angle_on_hand_built_triangles(a, b, c, expected):
    assert joint_angle(a, b, c) == pytest.approx(expected, abs=1e-9)


def test_joint_angle_is_vectorised_and_nan_for_degenerate():
    a = np.array([[1, 0], [1, 0], [0, 0]])
    b = np.zeros((3, 2))
    c = np.array([[0, 1], [-1, 0], [1, 1]])
    out = joint_angle(a, b, c)
    assert out[:2] == pytest.approx([90.0, 180.0])
    assert math.isnan(out[2])


def test_joint_angle_accurate_near_straight():
    # acos(dot) loses precision near 180; atan2 keeps it.
    assert joint_angle((-1, 0), (0, 0), (1, 1e-6)) == pytest.approx(180 - math.degrees(1e-6))


@pytest.mark.parametrize(
    ("p0", "p1", "expected"),
    [
        ((0, 0), (10, 0), 0.0),
        ((0, 0), (10, -10), 45.0),  # p1 higher (smaller y)
        ((0, 0), (-10, -10), 45.0),  # same whichever side p1 is on
        ((0, 0), (10, 10), -45.0),  # p1 lower
    ],
)
def test_tilt_from_horizontal(p0, p1, expected):
    assert tilt_from_horizontal(p0, p1) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("p0", "p1", "expected"),
    [
        ((0, 0), (0, -10), 0.0),  # straight up
        ((0, 0), (10, -10), 45.0),  # leaning right
        ((0, 0), (-10, -10), -45.0),  # leaning left
        ((0, 0), (10, 0), 90.0),
    ],
)
def test_tilt_from_vertical(p0, p1, expected):
    assert tilt_from_vertical(p0, p1) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("p0", "p1", "expected"),
    [
        ((0, 0), (0, 10), 0.0),  # hanging straight down (image y points down)
        ((0, 0), (-10, 10), 45.0),  # unsigned: either way from down
        ((0, 0), (0, -10), 180.0),
        ((0, 0, 0), (0, 0, 5), 90.0),  # straight at or away from the camera: level
        ((0, 0, 0), (3, 4, 0), pytest.approx(36.87, abs=0.01)),
    ],
)
def test_angle_from_down(p0, p1, expected):
    assert angle_from_down(p0, p1) == pytest.approx(expected)
    assert np.isnan(angle_from_down(p0, p0))


def test_distance_height_and_normalise():
    assert distance((0, 0), (3, 4)) == pytest.approx(5.0)
    assert height_above((0, 10), (0, 50)) == pytest.approx(40.0)
    assert normalised(10.0, 4.0) == pytest.approx(2.5)
    assert math.isnan(normalised(1.0, 0.0))


def test_one_euro_smooths_noise_and_follows_steps():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    rng = np.random.default_rng(0)
    ts = np.arange(0, 3, 1 / 30)
    noisy = 100 + rng.normal(0, 2, ts.size)
    out = np.array([f(x, t) for x, t in zip(noisy, ts, strict=True)])
    assert np.std(out[30:]) < np.std(noisy[30:]) / 2
    # A gap longer than reset_after_s restarts at the new value.
    assert f(500.0, 10.0) == pytest.approx(500.0)


def test_one_euro_vectorised_keeps_shape_and_rejects_bad_params():
    f = OneEuroFilter()
    x = np.ones((33, 2))
    assert f(x, 0.0).shape == (33, 2)
    assert f(x * 2, 1 / 30).shape == (33, 2)
    with pytest.raises(ValueError, match="min_cutoff"):
        OneEuroFilter(min_cutoff=0)
