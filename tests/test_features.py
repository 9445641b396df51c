"""Feature extraction details the scenario files don't isolate: the lunge's front and back
leg (``front:`` / ``back:``), and the running median against pose-model glitches."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from formcheck.features import FeatureExtractor
from formcheck.landmarks import N_LANDMARKS, Landmark, PoseFrame
from formcheck.spec import get_spec

L = Landmark


def lunge(t: float, front: str = "right", front_knee_x: float = 420.0) -> PoseFrame:
    """A half-kneeling lunge seen side-on (image pixels, y down): ``front`` leg's knee up at
    hip height minus a thigh, the other knee on the floor under the hip."""
    xy = np.full((N_LANDMARKS, 2), 300.0)
    back = "left" if front == "right" else "right"
    pts = {
        f"{front}_hip": (300, 300),
        f"{back}_hip": (300, 300),
        f"{front}_knee": (front_knee_x, 330),
        f"{front}_ankle": (420, 450),
        f"{front}_heel": (405, 460),
        f"{front}_foot_index": (470, 460),
        f"{back}_knee": (300, 450),
        f"{back}_ankle": (180, 455),
        f"{back}_heel": (170, 450),
        f"{back}_foot_index": (150, 460),
        "left_shoulder": (300, 120),
        "right_shoulder": (300, 120),
    }
    for name, p in pts.items():
        xy[L[name.upper()]] = p
    world = np.zeros((N_LANDMARKS, 3))
    world[:, :2] = (xy - 300.0) / 400.0
    return PoseFrame(t, xy, world, np.full(N_LANDMARKS, 0.95), (640, 480))


@pytest.mark.parametrize("front", ["left", "right"])
def test_front_is_the_leg_with_the_higher_knee_whatever_its_label(front: str) -> None:
    spec = get_spec("kihara_hamstring_stretch")  # front_knee: front:hip, front:knee, front:ankle
    fx = FeatureExtractor(spec, "left")
    value = fx.compute(lunge(0.0, front), "side").values["front_knee"]
    # the front knee: thigh forward (120, 30), shin down (0, 120): about 104 degrees
    assert value == pytest.approx(104.0, abs=1.0)


def test_median_s_drops_a_two_frame_glitch_and_follows_a_real_change() -> None:
    spec = get_spec("kihara_hamstring_stretch")
    raw = replace(spec.features["front_knee"], median_s=0.0)
    plain = replace(spec, features={**spec.features, "front_knee": raw})
    smooth, jumpy = FeatureExtractor(spec, "left"), FeatureExtractor(plain, "left")
    # 30 fps: the knee glitches forward for 2 frames at 1.0 s, then really moves at 2.0 s
    xs = [420.0] * 60 + [520.0] * 2 + [420.0] * 28 + [470.0] * 60
    got_smooth, got_jumpy = [], []
    for i, x in enumerate(xs):
        pose = lunge(i / 30.0, "right", front_knee_x=x)
        got_smooth.append(smooth.compute(pose, "side").values["front_knee"])
        got_jumpy.append(jumpy.compute(pose, "side").values["front_knee"])
    glitch = slice(60, 62)
    assert max(abs(v - got_jumpy[0]) for v in got_jumpy[glitch]) > 10  # the raw value jumps
    assert max(abs(v - got_smooth[0]) for v in got_smooth[55:90]) < 0.5  # the median doesn't
    # a lasting change comes through within half the window (0.3 s of 0.6)
    assert got_smooth[-1] == pytest.approx(got_jumpy[-1])
    assert got_smooth[90 + 10] == pytest.approx(got_jumpy[-1])
