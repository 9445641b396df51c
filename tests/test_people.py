"""formcheck.pose.people: MediaPipe's person detector, and telling the tracked person from others.

The matching rules run on constructed detections and poses; the detector itself runs
(the real bundled model) on frames of the sample videos, alone and side by side. Whole
two-person clips are in tests/test_people_clips.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from posekit import lying_side

from formcheck.landmarks import PoseFrame
from formcheck.pose.people import (
    PeopleWatch,
    Person,
    count_others,
    is_tracked,
    merge,
    tiles,
)
from formcheck.video import open_video

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


@pytest.mark.parametrize(
    ("size", "want"),
    [
        ((400, 400), []),  # square: the whole picture is the tile
        ((640, 480), [(0, 0, 480), (160, 0, 480)]),
        ((1280, 720), [(0, 0, 720), (280, 0, 720), (560, 0, 720)]),
        ((1280, 360), [(0, 0, 360), (230, 0, 360), (460, 0, 360), (690, 0, 360), (920, 0, 360)]),
        ((480, 854), [(0, 0, 480), (0, 187, 480), (0, 374, 480)]),  # portrait: down the picture
    ],
)
def test_tiles(size: tuple[int, int], want: list[tuple[int, int, int]]) -> None:
    got = tiles(*size)
    assert got == want
    w, h = size
    for x, y, side in got:  # inside the picture, and together they cover it
        assert 0 <= x and x + side <= w and 0 <= y and y + side <= h
    if got:
        assert max(x + s for x, _, s in got) == w and max(y + s for _, y, s in got) == h


def test_merge_keeps_one_detection_per_person() -> None:
    a = Person((300.0, 200.0), 200.0, 0.9)
    a_in_a_tile = Person((330.0, 210.0), 180.0, 0.8)  # 32 px away, radius 200: the same
    b = Person((900.0, 200.0), 200.0, 0.7)
    assert merge([a_in_a_tile, b, a]) == [a, b]


LYING = lying_side(0.0)  # hips at x = 300, shoulders at 170, knees at 420, ankles at 470


@pytest.mark.parametrize(
    ("person", "tracked"),
    [
        (Person((305.0, 350.0), 180.0, 0.95), True),  # its own detection: at its hips
        (Person((470.0, 382.0), 120.0, 0.8), True),  # feet read as a face: on its body
        (Person((1000.0, 350.0), 180.0, 0.95), False),  # someone else, further along
        (Person((300.0, 60.0), 150.0, 0.9), False),  # someone standing behind, above it
    ],
)
def test_is_tracked(person: Person, tracked: bool) -> None:
    assert is_tracked(person, LYING) is tracked


def test_count_others_ignores_weak_detections() -> None:
    people = [
        Person((305.0, 350.0), 180.0, 0.95),
        Person((1000.0, 350.0), 180.0, 0.9),
        Person((1400.0, 350.0), 180.0, 0.55),  # below MIN_SCORE
    ]
    assert count_others(people, LYING) == 1


class FakeEstimator:
    name = "fake"

    def __init__(self, poses: dict[float, PoseFrame | None]) -> None:
        self.poses = poses
        self.closed = False

    def estimate(self, image_bgr: np.ndarray, t_s: float) -> PoseFrame | None:
        return self.poses[t_s]

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FakeDetector:
    def __init__(self, others_from: float) -> None:
        self.others_from = others_from
        self.calls: list[float] = []
        self.closed = False
        self.t = 0.0

    def detect(self, image_bgr: np.ndarray) -> list[Person]:
        self.calls.append(self.t)
        me = Person((300.0, 350.0), 180.0, 0.95)
        other = Person((1000.0, 350.0), 180.0, 0.95)
        return [me, other] if self.t >= self.others_from else [me]

    def close(self) -> None:
        self.closed = True


def test_people_watch_checks_every_half_second_and_carries_the_count() -> None:
    times = [round(k / 10, 1) for k in range(20)]  # 10 frames a second
    poses = {t: None if 0.6 <= t < 0.9 else dataclasses.replace(LYING, t_s=t) for t in times}
    det = FakeDetector(others_from=1.0)
    img = np.zeros((480, 640, 3), np.uint8)
    with PeopleWatch(FakeEstimator(poses), every_s=0.5, detector=det) as watch:
        got = []
        for t in times:
            det.t = t
            pose = watch.estimate(img, t)
            got.append(None if pose is None else pose.others)
    # every half second of video (no pose 0.6-0.8 s: nothing returned, nothing checked)
    assert det.calls == [0.0, 0.5, 1.0, 1.5]
    assert got == [0, 0, 0, 0, 0, 0, None, None, None, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert det.closed
    assert watch.name == "fake"


def test_people_watch_rejects_a_bad_period() -> None:
    with pytest.raises(ValueError, match="every_s must be positive"):
        PeopleWatch(FakeEstimator({}), every_s=0.0)


# -- the real detector ------------------------------------------------------------------


def _frame(name: str, t_s: float) -> np.ndarray:
    with open_video(SAMPLES / name) as src:
        for vf in src:
            if vf.t_s >= t_s:
                return vf.image
    raise AssertionError(f"{name} has no frame at {t_s} s")


@pytest.fixture(scope="module")
def detector():
    from formcheck.pose.people import PeopleDetector

    with PeopleDetector() as det:
        yield det


@pytest.mark.parametrize(
    ("clips", "halves"),
    [
        (["glute_bridge_side_clean.mp4"], [0]),
        (["squat_lift_clean.mp4"], [0]),
        (["glute_bridge_side_clean.mp4", "squat_lift_clean.mp4"], [0, 1]),
        (["sit_to_stand_clean.mp4", "hip_hinge_clean.mp4"], [0, 1]),
    ],
)
def test_detector_finds_each_person(detector, clips: list[str], halves: list[int]) -> None:
    image = np.hstack([_frame(c, 2.0) for c in clips])
    people = [p for p in detector.detect(image) if p.score >= 0.6]
    assert sorted(int(p.hip[0] // 640) for p in people) == halves


def test_saved_landmarks_keep_the_count_of_others(tmp_path: Path) -> None:
    """A replay of saved landmarks reproduces the warning (the count is a column)."""
    from formcheck.pose.replay import load_replay, save_landmarks

    poses = [dataclasses.replace(LYING, t_s=0.0, others=2), dataclasses.replace(LYING, t_s=0.1)]
    path = tmp_path / "lm.csv"
    save_landmarks(poses, path)
    assert [p.others for _, p in load_replay(path) if p is not None] == [2, 0]
