"""The feature-kind registry: every kind in the spec vocabulary is registered, and each
measures what its docs say on hand-built points (signs included)."""

import numpy as np
import pytest

from formcheck.feature_kinds import FEATURE_KINDS
from formcheck.spec.model import FEATURE_KINDS as VOCABULARY


def test_registry_is_the_spec_vocabulary():
    assert tuple(FEATURE_KINDS) == VOCABULARY


def P(*xy):
    return [np.array(p, dtype=float) for p in xy]


# (kind, points, normalise, reference, expected)
CASES = [
    ("joint_angle", P((0, 0), (1, 0), (2, 0)), None, "horizontal", 180.0),
    ("joint_angle", P((0, 0), (1, 0), (1, 1)), None, "horizontal", 90.0),
    ("segment_tilt", P((0, 0), (1, -1)), None, "horizontal", 45.0),  # p1 higher in the image
    ("segment_tilt", P((0, 0), (0, -1)), None, "vertical", 0.0),
    # A plank seen from the side: shoulder (0, 100), hip, ankle (200, 100); y points down.
    ("line_deviation", P((0, 100), (100, 80), (200, 100)), None, "horizontal", 0.1),  # pike
    ("line_deviation", P((0, 100), (100, 130), (200, 100)), None, "horizontal", -0.15),  # sag
    ("line_deviation", P((200, 100), (100, 130), (0, 100)), None, "horizontal", -0.15),  # mirrored
    # Knee past the toes: heel x=0, toe x=20, knee x=30; shin length 40.
    ("offset", P((30, 0), (20, 50), (0, 50)), P((0, 0), (0, 40)), "horizontal", 0.25),
    ("offset", P((10, 0), (20, 50), (0, 50)), P((0, 0), (0, 40)), "horizontal", -0.25),
    (
        "offset",
        P((-30, 0), (-20, 50), (0, 50)),
        P((0, 0), (0, 40)),
        "horizontal",
        0.25,
    ),  # facing left
    ("ratio", P((0, 0), (3, 4), (0, 0), (0, 10)), None, "horizontal", 0.5),
    ("height", P((0, 0), (0, 30)), P((0, 0), (60, 0)), "horizontal", 0.5),
    # Knees rolled toward the left shoulder (world metres): right shoulder (-0.2, 0, 0),
    # left (0.2, 0, 0); hips at the origin, knees 0.3 m to the left and 0.3 m up.
    ("offset_along", P((0.3, -0.3, 0), (0, 0, 0), (-0.2, 0, 0), (0.2, 0, 0)), None, "", 0.75),
    ("offset_along", P((-0.1, 0, 0.4), (0, 0, 0), (-0.2, 0, 0), (0.2, 0, 0)), None, "", -0.25),
    ("offset_along", P((30, 0), (0, 0), (0, 0), (10, 0)), P((0, 0), (0, 60)), "", 0.5),
    # A thigh (hip -> knee) hanging, level, and pointing at the camera (world z).
    ("angle_from_down", P((0, 0), (0, 40)), None, "", 0.0),
    ("angle_from_down", P((0, 0), (-40, 0)), None, "", 90.0),
    ("angle_from_down", P((0, 0, 0), (0, 0.3, -0.3)), None, "", 45.0),
]


@pytest.mark.parametrize(("kind", "pts", "norm", "ref", "expected"), CASES)
def test_each_kind_measures_what_it_says(kind, pts, norm, ref, expected):
    k = FEATURE_KINDS[kind]
    assert len(pts) == k.n_points
    assert k.measure(pts, norm, ref) == pytest.approx(expected, abs=1e-6)


def test_degenerate_points_give_nan_not_an_error():
    line = FEATURE_KINDS["line_deviation"]
    assert np.isnan(line.measure(P((5, 5), (1, 1), (5, 5)), None, "horizontal"))
