from __future__ import annotations

import numpy as np
import pytest

from formcheck.landmarks import N_LANDMARKS, Landmark, PoseFrame
from formcheck.render import FAULT_COLOUR, GREY_COLOUR, LEFT_COLOUR, OK_COLOUR, _clean, annotate
from formcheck.results import FrameResult, Phase


def _image(w: int = 640, h: int = 480) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(60, 200, (h, w, 3), dtype=np.uint8)


def _pose(w: int = 640, h: int = 480, vis: float = 0.95) -> PoseFrame:
    rng = np.random.default_rng(1)
    xy = rng.uniform(0.2, 0.8, (N_LANDMARKS, 2)) * (w, h)
    return PoseFrame(0.5, xy, np.zeros((N_LANDMARKS, 3)), np.full(N_LANDMARKS, vis), (w, h))


def _result(**kw: object) -> FrameResult:
    base: dict[str, object] = dict(
        t_s=0.5,
        side="left",
        phase=Phase.TOP,
        reps=3,
        hold_s=7.5,
        best_hold_s=7.5,
        faults=(),
        cue=None,
        cannot_assess=None,
        key_feature="hip_extension",
        key_value=164.0,
    )
    base.update(kw)
    return FrameResult(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("pose", "result"),
    [(True, True), (False, True), (True, False), (False, False)],
)
@pytest.mark.parametrize("size", [(854, 480), (1080, 1920), (65, 49)])
def test_annotate_returns_new_image(pose: bool, result: bool, size: tuple[int, int]) -> None:
    w, h = size
    img = _image(w, h)
    before = img.copy()
    out = annotate(
        img,
        _pose(w, h) if pose else None,
        _result() if result else None,
        title="Glute bridge (left)",
        reps_target=12,
        hold_target_s=10.0,
        key_landmark=Landmark.LEFT_HIP,
    )
    assert out.shape == img.shape and out.dtype == np.uint8
    assert out is not img
    assert np.array_equal(img, before)  # input untouched
    assert not np.array_equal(out, img)


def test_nothing_to_draw_leaves_image_equal() -> None:
    img = _image()
    out = annotate(img, None, None)
    assert np.array_equal(out, img) and out is not img


def test_skeleton_drawn_only_where_visible() -> None:
    img = np.zeros((480, 640, 3), np.uint8)
    shown = annotate(img, _pose(vis=0.95), None)
    hidden = annotate(img, _pose(vis=0.1), None)
    faded = annotate(img, _pose(vis=0.45), None)
    assert shown.sum() > 0
    assert hidden.sum() == 0
    assert 0 < faded.max() < shown.max()


def test_solid_joint_stays_full_strength_next_to_faded_one() -> None:
    img = np.zeros((480, 640, 3), np.uint8)
    xy = np.full((N_LANDMARKS, 2), 50.0)
    xy[Landmark.LEFT_HIP] = (300, 240)
    xy[Landmark.LEFT_KNEE] = (360, 240)
    vis = np.zeros(N_LANDMARKS)
    vis[Landmark.LEFT_HIP] = 0.95
    vis[Landmark.LEFT_KNEE] = 0.45
    pose = PoseFrame(0.0, xy, np.zeros((N_LANDMARKS, 3)), vis, (640, 480))
    out = annotate(img, pose, None)
    assert tuple(out[240, 300]) == LEFT_COLOUR
    knee = out[240, 360].astype(int)
    assert np.all(knee <= np.array(LEFT_COLOUR)) and 0 < knee.sum() < sum(LEFT_COLOUR) * 0.6
    assert out[50, 50].sum() == 0  # hidden points are not drawn


def test_nan_landmarks_are_skipped() -> None:
    pose = _pose()
    xy = pose.xy.copy()
    xy[Landmark.LEFT_KNEE] = np.nan
    pose = PoseFrame(pose.t_s, xy, pose.world, pose.visibility, pose.image_size)
    out = annotate(_image(), pose, _result())
    assert out.shape == (480, 640, 3)


def _banner_colour(out: np.ndarray, img: np.ndarray) -> np.ndarray:
    """Mean colour of the rows the banner darkened (the last changed rows of the top area)."""
    changed = np.any(out != img, axis=(1, 2))
    rows = np.nonzero(changed)[0]
    band = out[rows[-1] - 3 : rows[-1] - 1, :8]  # left edge of the banner, away from text
    return band.reshape(-1, 3).mean(axis=0)


@pytest.mark.parametrize(
    ("kw", "colour"),
    [
        ({"assessed": True}, OK_COLOUR),
        # never "Good form" over a frame that was not judged (a title card, a wrong view)
        ({}, GREY_COLOUR),
        ({"faults": ("hips_level",), "cue": "Keep your hips level"}, FAULT_COLOUR),
        ({"cannot_assess": "left knee is not visible", "phase": Phase.UNKNOWN}, GREY_COLOUR),
    ],
)
def test_banner_colour_follows_result(kw: dict[str, object], colour: tuple[int, int, int]) -> None:
    img = np.full((480, 640, 3), 128, np.uint8)
    out = annotate(img, None, _result(**kw), title="Glute bridge")
    got = _banner_colour(out, img)
    expected = 0.85 * np.array(colour) + 0.15 * 128
    np.testing.assert_allclose(got, expected, atol=3)


def test_unicode_text_does_not_crash() -> None:
    cue = "Don\u2019t arch \u2014 lower slowly\u2026"
    out = annotate(_image(), None, _result(cue=cue), title="Br\u00fccke")
    assert out.shape == (480, 640, 3)
    assert _clean(cue) == "Don't arch - lower slowly..."
    assert _clean("164\u00b0 Br\u00fccke") == "164\u00b0 Br?cke"


def test_rejects_non_colour_image() -> None:
    with pytest.raises(ValueError, match="BGR"):
        annotate(np.zeros((10, 10), np.uint8), None, None)


@pytest.mark.parametrize(
    ("label", "target", "want"),
    [("Reps", 12, "Reps 3 / 12"), ("Holds", 2, "Holds 3 / 2"), ("Holds", None, "Holds 3")],
)
def test_the_counter_names_what_it_counts(label: str, target: int | None, want: str) -> None:
    from formcheck.render import _chips

    chips = _chips(_result(reps=3), target, None, label)
    assert chips[0] == want


@pytest.mark.parametrize(
    ("message", "banner"),
    [
        ("left knee is not visible", "Cannot assess: left knee is not visible"),
        ("Get into position: lie on your back", "Get into position: lie on your back"),
        ("Cannot assess your position: no hips", "Cannot assess your position: no hips"),
        ("This doesn't look like a plank: you seem to be lying face down", None),
    ],
)
def test_the_banner_says_cannot_assess_once(message: str, banner: str | None) -> None:
    from formcheck.render import _banner

    got = _banner(_result(cannot_assess=message))
    assert got is not None and got[0] == (banner or message)


@pytest.mark.parametrize("size", [(640, 360), (640, 480), (1280, 720)])
def test_the_live_overlay_is_readable_and_leaves_the_clip_visible(size: tuple[int, int]) -> None:
    """The compact overlay: text at least ~2.5% of the frame's height even on 640x360, and
    the panel and banner only as wide as their text (captions elsewhere stay visible)."""
    w, h = size
    img = np.full((h, w, 3), 128, np.uint8)
    out = annotate(img, None, _result(assessed=True), reps_target=10, compact=True)
    changed = np.any(out != img, axis=2)
    rows = np.nonzero(changed.any(axis=1))[0]
    cols = np.nonzero(changed.any(axis=0))[0]
    assert cols.max() < 0.8 * w  # not the full width
    assert rows.max() < 0.35 * h  # the bottom of the clip (its captions) untouched
    big = annotate(img, None, _result(assessed=True), reps_target=10)
    # text strokes: the compact overlay's letters are no smaller than the full one's
    ink = lambda im: int(np.count_nonzero(np.all(im > 240, axis=2)))  # noqa: E731
    assert ink(out) >= ink(big) * 0.9
    from formcheck.render import COMPACT_FLOOR, _Style

    assert _Style.for_size(w, h, COMPACT_FLOOR).scale * 30 >= 0.025 * 360


def test_the_coach_overlay_shows_the_countdown_and_what_to_fix() -> None:
    from formcheck.coaching import CoachFrame, CoachPhase
    from formcheck.render import annotate_coach

    img = np.full((360, 640, 3), 128, np.uint8)

    def frame(phase: CoachPhase, **kw: object) -> CoachFrame:
        return CoachFrame(1.0, phase, 0, 1, "x", "X", 0, 1, 1, 1, None, **kw)  # type: ignore[arg-type]

    countdown = annotate_coach(img, None, frame(CoachPhase.COUNTDOWN, seconds_left=2.4))
    fix = annotate_coach(
        img, None, frame(CoachPhase.POSITION, seconds_left=None, problems=("Turn side-on",))
    )
    active = annotate_coach(img, None, frame(CoachPhase.ACTIVE, seconds_left=None))
    mid = slice(150, 210)
    assert np.any(countdown[mid] != 128) and not np.any(fix[mid] != 128)  # big, centred
    assert np.any(fix[:40] != 128)  # what to fix: a band at the top
    assert np.array_equal(active, img)  # a counted set uses annotate()
