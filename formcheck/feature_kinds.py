"""The registry of feature kinds: what each kind needs from a spec and how it is measured.

A kind declares how many points it takes, whether it needs a ``normalise``
segment, whether it works in the image plane, and a pure function from the
resolved points to one value. The spec parser checks specs against this
registry and :class:`formcheck.features.FeatureExtractor` calls it; adding a
kind is one :func:`register_feature_kind` call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from formcheck import geometry

Points = Sequence[np.ndarray]


@dataclass(frozen=True, slots=True)
class FeatureKind:
    """One kind of feature.

    ``measure(points, norm, reference)`` gets the kind's points and the
    ``normalise`` segment's two points (or None), each as an array, already cut
    to the image plane when ``image_plane`` is set.
    """

    name: str
    n_points: int
    normalise: Literal["required", "optional", "none"]
    image_plane: bool
    measure: Callable[[Points, Points | None, str], float]
    doc: str
    #: the values it can take, by tilt reference ("" for any): a threshold outside can never be met
    span: dict[str, tuple[float, float]] | None = None

    def limits(self, reference: str) -> tuple[float, float] | None:
        if self.span is None:
            return None
        return self.span.get(reference, self.span.get(""))


FEATURE_KINDS: dict[str, FeatureKind] = {}


def register_feature_kind(kind: FeatureKind) -> FeatureKind:
    if kind.name in FEATURE_KINDS:
        raise ValueError(f"feature kind {kind.name!r} is registered twice")
    FEATURE_KINDS[kind.name] = kind
    return kind


def _length(norm: Points | None) -> float:
    assert norm is not None
    return float(geometry.distance(norm[0], norm[1]))


def _scaled(value: float, length: float) -> float:
    return float(geometry.normalised(value, length))


def _tilt(p: Points, _n: Points | None, reference: str) -> float:
    fn = geometry.tilt_from_horizontal if reference == "horizontal" else geometry.tilt_from_vertical
    return float(fn(p[0], p[1]))


def _offset_along(p: Points, n: Points | None, _r: str) -> float:
    length = _length(n) if n is not None else float(geometry.distance(p[2], p[3]))
    return _scaled(float(geometry.offset_along(p[0], p[1], p[2], p[3])), length)


def _line_deviation(p: Points, n: Points | None, _r: str) -> float:
    length = _length(n) if n is not None else float(geometry.distance(p[0], p[2]))
    return _scaled(float(geometry.line_deviation(p[0], p[1], p[2])), length)


for _kind in (
    FeatureKind(
        "joint_angle",
        3,
        "none",
        False,
        lambda p, _n, _r: float(geometry.joint_angle(p[0], p[1], p[2])),
        "angle at b between a and c, 0 to 180 degrees; 180 = straight",
        {"": (0.0, 180.0)},
    ),
    FeatureKind(
        "segment_tilt",
        2,
        "none",
        True,
        _tilt,
        "signed tilt of p0 -> p1",
        {"horizontal": (-90.0, 90.0), "vertical": (-180.0, 180.0)},
    ),
    FeatureKind(
        "height",
        2,
        "required",
        True,
        lambda p, n, _r: _scaled(float(geometry.height_above(p[0], p[1])), _length(n)),
        "how far p is above ref in the image",
    ),
    FeatureKind(
        "distance",
        2,
        "required",
        False,
        lambda p, n, _r: _scaled(float(geometry.distance(p[0], p[1])), _length(n)),
        "distance between p0 and p1",
    ),
    FeatureKind(
        "line_deviation",
        3,
        "optional",
        True,
        _line_deviation,
        "signed distance of p from the line a-b; positive above it in the image",
    ),
    FeatureKind(
        "offset",
        3,
        "required",
        True,
        lambda p, n, _r: _scaled(float(geometry.offset_past(p[0], p[1], p[2])), _length(n)),
        "horizontal offset of p past ref, in the direction toward -> ref",
    ),
    FeatureKind(
        "ratio",
        4,
        "none",
        False,
        lambda p, _n, _r: _scaled(
            float(geometry.distance(p[0], p[1])), float(geometry.distance(p[2], p[3]))
        ),
        "distance a-b over distance c-d",
    ),
    FeatureKind(
        "offset_along",
        4,
        "optional",
        False,
        _offset_along,
        "signed offset of p from ref along the direction a -> b",
    ),
    FeatureKind(
        "angle_from_down",
        2,
        "none",
        False,
        lambda p, _n, _r: float(geometry.angle_from_down(p[0], p[1])),
        "unsigned angle of p0 -> p1 from straight down, 0 to 180 degrees (0 hanging, "
        "90 level); in `world` space it keeps the depth the image loses",
        {"": (0.0, 180.0)},
    ),
):
    register_feature_kind(_kind)
