"""formcheck.pose.tracking: following body parts to a fraction of a pixel with optical flow.

The pictures here are made for the purpose: a textured "leg" (a blurred random pattern,
like cloth) in front of a textured background, moved by known sub-pixel amounts with an
affine warp, and the landmarks the pose model would give (jittered by a few pixels, as
MediaPipe's are). Rendered clips with the real pose model are in test_sample_videos.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.landmarks import Landmark as L
from formcheck.landmarks import PoseFrame
from formcheck.pose.replay import load_replay, save_landmarks
from formcheck.pose.tracking import BANDS, PointTracker, band_of, tracker_for
from formcheck.spec import get_spec

W, H = 640, 480
KNEES = (L.LEFT_KNEE, L.RIGHT_KNEE)


def _texture(h: int, w: int, seed: int, contrast: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.6)
    t = t / (t.std() + 1e-9)
    return np.clip(110 + contrast * t, 0, 255).astype(np.float32)


BACKGROUND = _texture(H, W, 1, 25.0)
LEG = _texture(H, W, 2, 35.0)


def _leg_mask(x: float) -> np.ndarray:
    """A vertical leg 40 px wide centred on x, from y = 150 to 420."""
    m = np.zeros((H, W), np.float32)
    cv2.rectangle(m, (int(x - 20), 150), (int(x + 20), 420), 1.0, -1)
    return m


def scene(left_dy: float = 0.0, left_dx: float = 0.0, plain: bool = False) -> np.ndarray:
    """Two legs at x = 280 (the person's right) and 360 (left); the left one moved by
    (left_dx, left_dy) pixels (sub-pixel allowed), the right one still."""
    img = BACKGROUND.copy()
    legs = np.full((H, W), 60.0, np.float32) if plain else LEG
    for x, dx, dy in ((280.0, 0.0, 0.0), (360.0, left_dx, left_dy)):
        mat = np.float32([[1, 0, dx], [0, 1, dy]])
        tex = cv2.warpAffine(
            legs, mat, (W, H), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
        )
        mask = cv2.warpAffine(_leg_mask(x), mat, (W, H), flags=cv2.INTER_LINEAR)
        img = img * (1 - mask) + tex * mask
    g = np.clip(img, 0, 255).astype(np.uint8)
    return cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)


def pose(
    t: float, left_dy: float = 0.0, left_dx: float = 0.0, jitter: float = 0.0, seed: int = 0
) -> PoseFrame:
    """A standing person whose legs are the two in :func:`scene`."""
    rng = np.random.default_rng(seed)
    xy = np.zeros((33, 2))
    xy[[L.RIGHT_SHOULDER, L.LEFT_SHOULDER]] = [(270, 40), (370, 40)]
    for side, x, dx, dy in (("RIGHT", 280.0, 0.0, 0.0), ("LEFT", 360.0, left_dx, left_dy)):
        xy[L[f"{side}_HIP"]] = (x + dx, 150 + dy)
        xy[L[f"{side}_KNEE"]] = (x + dx, 280 + dy)
        xy[L[f"{side}_ANKLE"]] = (x + dx, 410 + dy)
    xy += rng.normal(0, jitter, xy.shape)
    return PoseFrame(t, xy, np.zeros((33, 3)), np.full(33, 0.99), (W, H))


def run(moves: list[tuple[float, float]], jitter: float = 2.0, plain: bool = False) -> np.ndarray:
    """(left dx, left dy) per frame -> the tracked knees (n, 2, 2)."""
    tr = PointTracker(KNEES)
    out = []
    for i, (dx, dy) in enumerate(moves):
        p = tr.update(scene(dy, dx, plain), pose(i / 30, dy, dx, jitter, seed=i))
        assert p is not None and p.tracked is not None
        out.append(p.tracked[list(KNEES)])
    return np.asarray(out)


def test_a_sub_pixel_lift_is_followed_while_the_landmarks_jitter():
    lifts = [0.0] * 5 + [-0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -5.0, -4.0, -2.0, -0.7, 0.0]
    tracked = run([(0.0, dy) for dy in lifts], jitter=2.0)
    left_y, right_y = tracked[:, 0, 1], tracked[:, 1, 1]
    moved = left_y - left_y[0]
    # the left shin followed to 0.15 px although the landmarks jump by 2 px per frame
    assert np.max(np.abs(moved - np.array(lifts))) < 0.15, np.round(moved, 2)
    # the still leg reads still
    assert np.max(np.abs(right_y - right_y[0])) < 0.15


def test_a_leg_swung_out_of_its_band_is_not_followed():
    moves = [(0.0, 0.0)] * 3 + [(dx, 0.0) for dx in (4.0, 10.0, 18.0, 26.0, 30.0)]
    tracked = run(moves, jitter=0.0)
    assert np.all(np.isfinite(tracked[:3]))
    assert np.isnan(tracked[-1, 0]).all()  # the left knee: its corners disagree or are gone
    assert np.isfinite(tracked[-1, 1]).all()  # the right knee did not move


def test_a_plain_untextured_leg_is_not_tracked_rather_than_guessed():
    tracked = run([(0.0, dy) for dy in (0.0, 0.0, -2.0, -4.0)], jitter=0.0, plain=True)
    # The plain leg's corners are only its outline: the vertical edges can't show a vertical
    # move, so either the knee is lost (NaN) or the bottom edge (in its band) gives it.
    left = tracked[-1, 0, 1] - tracked[0, 0, 1]
    assert np.isnan(left) or abs(left - -4.0) < 0.5


def test_exposure_changes_do_not_move_the_parts():
    # A camera's auto-exposure (gain and offset) changes between frames while the leg
    # lifts 2 px: Lucas-Kanade matches grey levels, so each crop is normalised first
    # (without that the lift reads up to 0.06 px off here, and far worse over a
    # periodic background such as floor boards).
    tr = PointTracker(KNEES)
    ys = []
    for i, (gain, offset) in enumerate(
        ((1, 0), (1, 0), (0.6, 30), (1.5, -40), (0.7, 50), (1.3, 0))
    ):
        dy = -2.0 if i > 2 else 0.0
        img = cv2.convertScaleAbs(scene(dy), alpha=gain, beta=offset)
        p = tr.update(img, pose(i / 30, dy))
        assert p is not None and p.tracked is not None
        ys.append(p.tracked[L.LEFT_KNEE, 1] - dy)
    assert np.ptp(ys) < 0.02, np.round(ys, 3)


def test_pass_through_and_reset():
    tr = PointTracker(KNEES)
    assert tr.update(scene(), None) is None
    done = pose(0.0)
    replayed = PoseFrame(
        0.0, done.xy, done.world, done.visibility, done.image_size, tracked=done.xy
    )
    assert tr.update(scene(), replayed) is replayed  # replayed with its points: untouched
    a = tr.update(scene(), pose(1.0))
    b = tr.update(scene(-3.0), pose(1.1, -3.0))
    assert a is not None and b is not None and a.tracked is not None and b.tracked is not None
    assert b.tracked[L.LEFT_KNEE, 1] - a.tracked[L.LEFT_KNEE, 1] == pytest.approx(-3.0, abs=0.15)
    c = tr.update(scene(), pose(0.5))  # time went back: a new clip starts from its landmarks
    assert c is not None and c.tracked is not None
    assert np.allclose(c.tracked[L.LEFT_KNEE], c.xy[L.LEFT_KNEE])
    # untracked landmarks are copies of the pose model's
    assert np.allclose(c.tracked[L.NOSE], c.xy[L.NOSE])


def test_wrong_image_size_gives_no_tracked_points():
    tr = PointTracker(KNEES)
    small = cv2.resize(scene(), (320, 240))
    p = tr.update(small, pose(0.0))
    assert p is not None and p.tracked is not None
    assert np.isnan(p.tracked[list(KNEES)]).all()


@pytest.mark.parametrize("part", sorted(BANDS))
def test_every_band_is_a_bone_on_the_same_side(part):
    for side in ("left", "right"):
        band = band_of(L[f"{side}_{part}".upper()])
        assert band is not None
        a, b, t0, t1 = band
        assert a.name.startswith(side.upper()) and b.name.startswith(side.upper())
        assert 0.0 <= t0 < t1 <= 1.0
    assert band_of(L.NOSE) is None  # a disc


def test_the_hike_spec_tracks_both_knees_and_a_spec_without_tracked_features_none():
    assert get_spec("standing_hip_hike").tracked_landmarks == (L.LEFT_KNEE, L.RIGHT_KNEE)
    assert get_spec("glute_bridge").tracked_landmarks == ()
    assert tracker_for(()) is None


def test_tracked_points_survive_a_landmarks_file(tmp_path: Path):
    tr = PointTracker(KNEES)
    frames = []
    for i, dy in enumerate((0.0, -1.5, -3.0)):
        frames.append(tr.update(scene(dy), pose(i / 30, dy)))
    lost = frames[-1]
    assert lost is not None and lost.tracked is not None
    t = np.array(lost.tracked)
    t[L.RIGHT_KNEE] = np.nan  # a part lost on that frame
    frames[-1] = PoseFrame(
        lost.t_s, lost.xy, lost.world, lost.visibility, lost.image_size, tracked=t
    )
    untracked = pose(0.2)
    path = tmp_path / "lm.csv"
    save_landmarks([*frames, untracked], path)
    back = [p for _, p in load_replay(path)]
    for a, b in zip(frames, back[:3], strict=True):
        assert a is not None and b is not None and a.tracked is not None and b.tracked is not None
        assert np.allclose(a.tracked, b.tracked, atol=1e-3, equal_nan=True)
    assert back[3] is not None and back[3].tracked is None
    with open(path, newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["tracked"] == "1" and row["left_knee_tx"]
