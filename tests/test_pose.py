from __future__ import annotations

import itertools
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import PoseModelError
from formcheck.landmarks import N_LANDMARKS, Landmark, PoseFrame
from formcheck.pose import PoseEstimator, create_estimator
from formcheck.pose.replay import HEADER, ReplayPose, iter_replay, load_replay, save_landmarks

CLIPS = Path(__file__).resolve().parents[1].parent / "shared" / "clips" / "dev"


def _pose(t_s: float, seed: int = 0, size: tuple[int, int] = (640, 480)) -> PoseFrame:
    rng = np.random.default_rng(seed)
    w, h = size
    return PoseFrame(
        t_s=t_s,
        xy=rng.uniform(0, 1, (N_LANDMARKS, 2)) * (w, h),
        world=rng.normal(0, 0.3, (N_LANDMARKS, 3)),
        visibility=rng.uniform(0, 1, N_LANDMARKS),
        image_size=size,
    )


@pytest.fixture(scope="module")
def bridge_frame() -> tuple[np.ndarray, float]:
    clip = CLIPS / "bridge_side_a.mp4"
    if not clip.exists():
        pytest.skip(f"{clip} not available")
    from formcheck.video import open_video

    with open_video(clip) as src:
        frame = next(itertools.islice(src, 60, None))  # ~2 s: hips up
    return frame.image, frame.t_s


# -- import hygiene ----------------------------------------------------------------


def test_importing_pose_package_does_not_load_mediapipe() -> None:
    code = (
        "import sys, formcheck.pose, formcheck.pose.replay, formcheck.pose.base;"
        "assert 'mediapipe' not in sys.modules, 'mediapipe imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


# -- the real MediaPipe model ----------------------------------------------------------


def test_mediapipe_finds_person_on_real_frame(bridge_frame: tuple[np.ndarray, float]) -> None:
    image, t_s = bridge_frame
    before = image.copy()
    with create_estimator() as est:
        assert isinstance(est, PoseEstimator)
        assert est.name
        pose = est.estimate(image, t_s)
    assert np.array_equal(image, before)
    assert pose is not None
    assert pose.t_s == t_s
    h, w = image.shape[:2]
    assert pose.image_size == (w, h)
    assert pose.visibility.shape == (N_LANDMARKS,)
    assert pose.xy.shape == (N_LANDMARKS, 2) and pose.world.shape == (N_LANDMARKS, 3)
    # The body's main joints are confidently inside the frame.
    body = [Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP, Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE]
    body += [Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE]
    best_side_vis = max(pose.visibility[[11, 23, 25]].mean(), pose.visibility[[12, 24, 26]].mean())
    assert best_side_vis > 0.8
    for lm in body:
        x, y = pose.point(lm)
        assert 0 <= x < w and 0 <= y < h, (lm.name, x, y)
    # World coordinates are metres around the hips: a body is well under 3 m across.
    assert np.all(np.abs(pose.world) < 1.5)
    hips_mid = pose.world[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]].mean(axis=0)
    assert np.all(np.abs(hips_mid) < 0.1)


def test_mediapipe_blank_image_is_none() -> None:
    from formcheck.pose.mediapipe_backend import MediaPipePose

    grey = np.full((480, 640, 3), 128, np.uint8)
    with MediaPipePose(static_image_mode=True) as est:
        assert est.estimate(grey, 0.0) is None


@pytest.mark.parametrize("complexity", [0, 2])
def test_mediapipe_other_complexities_refused(complexity: int) -> None:
    from formcheck.pose.mediapipe_backend import MediaPipePose

    with pytest.raises(PoseModelError, match="download") as info:
        MediaPipePose(model_complexity=complexity)
    assert "\n" not in str(info.value)


def test_mediapipe_rejects_non_bgr() -> None:
    from formcheck.pose.mediapipe_backend import MediaPipePose

    with MediaPipePose() as est, pytest.raises(ValueError, match="BGR"):
        est.estimate(np.zeros((10, 10), np.uint8), 0.0)


# -- the Tasks backend: only the error paths (no .task bundle is available offline) ---------


def test_tasks_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "pose_landmarker.task"
    with pytest.raises(PoseModelError, match=r"pose model file not found: .*pose_landmarker"):
        create_estimator(model=str(missing))


def test_tasks_garbage_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(PoseModelError, match=r"not a \.task bundle") as info:
        create_estimator(model=str(bad))
    assert "omit --model" in str(info.value)


def test_tasks_bundle_mediapipe_rejects(tmp_path: Path) -> None:
    """A zip of the legacy .tflite files lacks Tasks metadata: mediapipe's own error is wrapped."""
    import mediapipe

    root = Path(mediapipe.__file__).parent / "modules"
    bundle = tmp_path / "legacy.task"
    with zipfile.ZipFile(bundle, "w") as z:
        z.write(root / "pose_detection" / "pose_detection.tflite", "pose_detector.tflite")
        z.write(
            root / "pose_landmark" / "pose_landmark_full.tflite", "pose_landmarks_detector.tflite"
        )
    with pytest.raises(PoseModelError, match="could not be loaded") as info:
        create_estimator(model=str(bundle))
    assert "\n" not in str(info.value)


def test_tasks_timestamps_are_strictly_increasing() -> None:
    from formcheck.pose.tasks_backend import TasksPose

    est = TasksPose.__new__(TasksPose)  # only the timestamp logic; no model needed
    est._last_ms = -1
    got = [est._timestamp_ms(t) for t in (0.0, 0.0, 0.0334, 0.0334, 0.0336, 1.0)]
    assert got == [0, 1, 33, 34, 35, 1000]


def test_create_estimator_unknown_model() -> None:
    with pytest.raises(PoseModelError, match="unknown pose model"):
        create_estimator(model="heavy")
    with pytest.raises(PoseModelError, match="not both"):
        create_estimator(model="a.task", replay="b.csv")
    with pytest.raises(PoseModelError, match="landmarks file not found"):
        create_estimator(replay="/nonexistent/x.csv")


# -- replay ---------------------------------------------------------------------------


def test_replay_round_trip(tmp_path: Path) -> None:
    poses = [_pose(0.0, 1), None, _pose(0.0667, 2), _pose(0.1, 3)]
    items: list[tuple[float, PoseFrame | None]] = [
        (0.0, poses[0]),
        (0.0333, None),
        (0.0667, poses[2]),
        (0.1, poses[3]),
    ]
    path = tmp_path / "lm.csv"
    assert save_landmarks(items, path) == 4
    header = path.read_text().splitlines()[0].split(",")
    assert tuple(header) == HEADER
    assert header[:7] == ["t_s", "image_w", "image_h", "nose_x", "nose_y", "nose_z", "nose_v"]

    rows = load_replay(path)
    assert [t for t, _ in rows] == pytest.approx([0.0, 0.0333, 0.0667, 0.1])
    assert rows[1][1] is None
    for (_, got), want in zip(rows, poses, strict=True):
        if want is None:
            assert got is None
            continue
        assert got is not None
        assert got.image_size == want.image_size
        assert got.t_s == pytest.approx(want.t_s)
        np.testing.assert_allclose(got.xy, want.xy, atol=1e-3)
        np.testing.assert_allclose(got.world, want.world, atol=1e-6)
        np.testing.assert_allclose(got.visibility, want.visibility, atol=1e-6)
    assert [p is None for p in iter_replay(path)] == [False, True, False, False]


def test_save_plain_pose_frames(tmp_path: Path) -> None:
    path = tmp_path / "lm.csv"
    save_landmarks([_pose(0.5, 1), _pose(0.6, 2)], path)
    assert [round(t, 3) for t, _ in load_replay(path)] == [0.5, 0.6]


def test_replay_estimator_matches_by_time(tmp_path: Path) -> None:
    path = tmp_path / "lm.csv"
    save_landmarks([(0.0, _pose(0.0, 1)), (0.1, None), (0.2, _pose(0.2, 3))], path)
    image = np.zeros((480, 640, 3), np.uint8)
    with create_estimator(replay=str(path)) as est:
        assert isinstance(est, ReplayPose)
        a = est.estimate(image, 0.01)
        assert a is not None and a.t_s == 0.01
        np.testing.assert_allclose(a.xy, _pose(0.0, 1).xy, atol=1e-3)
        assert est.estimate(image, 0.1) is None  # saved as "no person"
        assert est.estimate(image, 0.2) is not None
        assert est.estimate(image, 5.0) is None  # beyond the file
    # A different image size rescales the normalised coordinates.
    big = np.zeros((960, 1280, 3), np.uint8)
    with ReplayPose(path) as est:
        b = est.estimate(big, 0.0)
    assert b is not None and b.image_size == (1280, 960)
    np.testing.assert_allclose(b.xy, _pose(0.0, 1).xy * 2, atol=2e-3)


def test_replay_estimator_by_order(tmp_path: Path) -> None:
    path = tmp_path / "lm.csv"
    save_landmarks([(0.0, _pose(0.0, 1)), (0.1, _pose(0.1, 2))], path)
    image = np.zeros((480, 640, 3), np.uint8)
    with ReplayPose(path, match="order") as est:
        first = est.estimate(image, 7.0)
        second = est.estimate(image, 7.0)
        assert est.estimate(image, 7.0) is None
    assert first is not None and second is not None
    np.testing.assert_allclose(second.xy, _pose(0.1, 2).xy, atol=1e-3)


def test_foreign_landmarks_format(tmp_path: Path) -> None:
    names = ["nose", "left_shoulder", "left_hip", "left_knee"]
    header = ["label"] + [f"{n}_{s}" for n in names for s in "xyzv"]
    rows = [
        ["C", *["0.5", "0.25", "-0.1", "0.9"] * 4],
        ["H", *["0.4", "0.5", "0.2", "0.8"] * 4],
        ["C", *[""] * 16],
    ]
    path = tmp_path / "foreign.csv"
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n")

    frames = list(iter_replay(path, fps=10.0))
    assert len(frames) == 3
    a, b, c = frames
    assert c is None
    assert a is not None and b is not None
    assert a.image_size == (1000, 1000)
    assert a.t_s == 0.0 and b.t_s == pytest.approx(0.1)
    np.testing.assert_allclose(a.point(Landmark.LEFT_HIP), (500.0, 250.0))
    assert a.visibility[Landmark.LEFT_HIP] == pytest.approx(0.9)
    # landmarks the file lacks: invisible, no position
    assert a.visibility[Landmark.RIGHT_HIP] == 0.0
    assert np.all(np.isnan(a.point(Landmark.RIGHT_HIP)))
    assert np.all(a.world == 0.0)
    sized = next(iter_replay(path, image_size=(640, 480)))
    assert sized is not None
    np.testing.assert_allclose(sized.point(Landmark.NOSE), (320.0, 120.0))


def test_replay_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(PoseModelError, match="no <landmark>_x/_y columns"):
        list(iter_replay(path))
    path.write_text("nose_x,nose_y\nabc,0.1\n")
    with pytest.raises(PoseModelError, match="row 2"):
        list(iter_replay(path))
