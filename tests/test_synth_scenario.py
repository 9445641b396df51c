"""Scenario files rendered with the mannequin (formcheck.synth.scenario_clip): the picture
matches the scenario's landmarks, the truth comes from the scenario, and the real model sees
each exercise's position as its start posture."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from formcheck.scenario import SPEC_DIR, load_scenario, scenario_files
from formcheck.synth.body import BONES, Dims
from formcheck.synth.errors import SynthError
from formcheck.synth.scenario_clip import (
    MIRROR,
    find_scenario,
    mannequin_pose,
    not_renderable,
    plan_scenario,
    position_image,
    position_time,
)
from formcheck.synth.truth import validate_truth

FILES = [p for p in scenario_files() if not not_renderable(load_scenario(p))]
IDS = [f"{p.parent.name}/{p.stem}" for p in FILES]
#: Exercises the camera checks (a guided timer films nothing, so has no picture).
SPEC_IDS = sorted(
    p.stem for p in SPEC_DIR.glob("*.toml") if 'category = "timer"' not in p.read_text()
)


@cache
def _clip(path: Path, seed: int = 1):  # type: ignore[no-untyped-def]
    return plan_scenario(path, seed=seed)


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_the_renderer_sees_the_landmarks_where_the_scenario_puts_them(path: Path) -> None:
    """Mirroring the room for the mannequin changes no pixel: both cameras agree, and the
    mannequin's bones have its own lengths through the whole movement."""
    clip = _clip(path)
    d = Dims.of(clip.body)
    for t in np.linspace(0.0, clip.scenario.duration_s, 7):
        placed = clip.placed(float(t))
        want = clip.figure_camera.project(placed.points)
        got = clip.camera.project(placed.points * MIRROR)
        assert np.abs(got - want).max() < 1e-6
        pose = mannequin_pose(placed.points, d)
        for a, b, length in BONES:
            assert pose.bone_length(a, b) == pytest.approx(getattr(d, length), rel=1e-6)
        for r in pose.frames.values():
            assert np.allclose(r.T @ r, np.eye(3), atol=1e-9)
            assert np.linalg.det(r) == pytest.approx(1.0)


def test_the_body_faces_the_way_its_landmarks_say() -> None:
    """The mannequin's chest frame points its 'left' at the left shoulder (no mirror image)."""
    clip = _clip(find_scenario("glute_bridge", "clean_side"))
    placed = clip.placed(1.0)
    pose = mannequin_pose(placed.points, Dims.of(clip.body))
    left = pose.joints["left_shoulder"] - pose.joints["right_shoulder"]
    assert float(left @ pose.frames["chest"][:, 0]) > 0
    # lying on the back: the face (head forward) points up at the ceiling
    assert pose.frames["head"][1, 2] > 0.7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": "nope"}, "has no scenario 'nope'; scenarios: clean_foot_end, clean_side"),
        ({"fault": "no_lean"}, "has no scenario to render with fault no_lean"),
        ({"view": "front"}, "has no scenario to render with view front"),
    ],
)
def test_choosing_a_scenario_fails_with_the_choices(args: dict[str, str], message: str) -> None:
    with pytest.raises(SynthError, match=message.replace("(", r"\(")):
        find_scenario("glute_bridge", **args)


@pytest.mark.parametrize(
    ("args", "stem"),
    [
        ({}, "clean_side"),  # the spec's own view first, then "clean"
        ({"view": "foot_end"}, "clean_foot_end"),
        ({"fault": "lower_slowly"}, "lower_too_fast"),
    ],
)
def test_choosing_a_scenario(args: dict[str, str], stem: str) -> None:
    assert find_scenario("glute_bridge", **args).stem == stem


@pytest.mark.parametrize(
    ("exercise", "name", "why"),
    [
        ("standing_hip_hike", "clean_per_side", "switches side mid-clip"),
        ("glute_bridge", "knee_hidden", "hides landmarks by hand"),
    ],
)
def test_a_scenario_a_clip_cannot_reproduce_is_refused(exercise: str, name: str, why: str) -> None:
    with pytest.raises(SynthError, match=why):
        plan_scenario(find_scenario(exercise, name))


def test_cli_renders_a_scenario_with_truth_from_the_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import av

    from formcheck.synth.cli import main

    out = tmp_path / "c.mp4"
    args = ["--size", "160x120", "--fps", "6", "--seed", "2", "-o", str(out)]
    assert main(["glute_bridge", "--scenario", "lower_too_fast", *args]) == 0
    truth = json.loads(out.with_suffix(".json").read_text())
    sc = load_scenario(find_scenario("glute_bridge", fault="lower_slowly"))
    assert validate_truth(truth) == []
    assert truth["truth_source"] == "scenario"
    assert truth["scenario"].endswith("glute_bridge/lower_too_fast.toml")
    assert truth["reps"] == sc.expect.reps == len(truth["rep_times"])
    assert sorted(truth["faults"]) == ["lower_slowly"]
    for a, b in truth["faults"]["lower_slowly"]:  # inside the reps the scenario names
        assert any(ra - 0.6 <= a and b <= rb + 1.5 for ra, rb in truth["rep_times"])
    with av.open(str(out)) as c:
        n = sum(1 for _ in c.decode(video=0))
    assert n == truth["n_frames"] and truth["fps"] == 6
    # options that only motion scripts have are refused, on one line
    assert main(["glute_bridge", "--scenario", "clean_side", "--reps", "3", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "formcheck synth: --reps: set by the scenario file when rendering a scenario "
        "(only glute_bridge, standing_hip_hike have motion scripts)"
    ]
    assert main(["no_such_exercise", *args]) == 2
    assert "no_such_exercise" in capsys.readouterr().err


@pytest.mark.parametrize("exercise", SPEC_IDS)
def test_library_picture_shows_the_mannequin(exercise: str) -> None:
    img = position_image(exercise, (200, 150))
    assert img.shape == (150, 200, 3) and img.dtype == np.uint8
    clip = plan_scenario(find_scenario(exercise), seed=3, look="default", camera_jitter=0.0)
    xy = clip.figure_camera.project(clip.placed(position_time(clip.scenario)).points)
    inside = (xy[:, 0] > 0) & (xy[:, 0] < 640) & (xy[:, 1] > 0) & (xy[:, 1] < 480)
    assert inside.all(), "the whole body is in the picture"
    assert position_image(exercise, (200, 150)) is not position_image(exercise, (200, 150))


@pytest.mark.parametrize("exercise", SPEC_IDS)
def test_real_model_reads_the_rendered_position_as_the_start_posture(exercise: str) -> None:
    """MediaPipe on the library's picture of the position (full size), and the spec's gate.

    One still image in static mode: MediaPipe's person detector misses some renders of
    lying bodies (e.g. the bridge at seed 5, every frame) that it tracks in a video."""
    pytest.importorskip("mediapipe")
    from formcheck.pose.mediapipe_backend import MediaPipePose
    from formcheck.posture import POSTURE_GATES, classify_posture
    from formcheck.spec import get_spec

    spec = get_spec(exercise)
    clip = plan_scenario(
        find_scenario(exercise), seed=3, look="default", degrade="none", camera_jitter=0.0
    )
    t = position_time(clip.scenario)
    with MediaPipePose(static_image_mode=True) as est:
        pose = est.estimate(np.ascontiguousarray(clip.render(t)[:, :, ::-1]), t)
    assert pose is not None, "no person found"
    if spec.posture is not None:
        reading = classify_posture(pose, spec.min_visibility)
        assert POSTURE_GATES[spec.posture].judge(reading), (reading.posture, reading.reason)


def test_a_chair_stands_under_the_seated_hips() -> None:
    """[figure] chair = true: a seat at the seated hips' height, legs down to the floor,
    drawn with the body (the sit-to-stand's scenarios); none without it."""
    sit = plan_scenario(SPEC_DIR / "scenarios" / "sit_to_stand" / "clean.toml", seed=2)
    assert sit.scenario.chair and sit.props
    pts = np.concatenate([np.stack([c.a, c.b]) for c in sit.props]) * MIRROR
    seated = min(
        (sit.placed(t) for t in sit.times[::15]),
        key=lambda p: float(p.points[[23, 24], 1].mean()),
    )
    hip_y = float(seated.points[[23, 24], 1].mean())
    assert pts[:, 1].min() == pytest.approx(0.0, abs=1e-9)  # legs on the floor
    seat_top = max(float(c.a[1]) + c.ra for c in sit.props[:9])
    assert hip_y - 0.15 < seat_top < hip_y  # the hips rest on the seat
    frame = sit.render(1.0)
    wood = np.all(np.abs(frame.astype(int) - [122, 84, 52]) < 40, axis=-1)
    assert wood.sum() > 200, "the chair is in the picture"
    bridge = plan_scenario(SPEC_DIR / "scenarios" / "glute_bridge" / "clean_side.toml", seed=2)
    assert not bridge.scenario.chair and bridge.props == ()


def test_a_hold_only_exercise_counts_its_holds_as_its_repetitions() -> None:
    """The report counts a stretch's holds as its reps, so its truth does too."""
    from formcheck.spec import get_spec
    from formcheck.synth.scenario_clip import scenario_truth

    exercise = next(i for i in SPEC_IDS if get_spec(i).hold_only)
    clip = plan_scenario(find_scenario(exercise), seed=1, size=(160, 120), fps=5)
    truth = scenario_truth(clip, len(clip.times))
    assert validate_truth(truth) == []
    assert truth["reps"] == len(truth["hold_s"]) == len(truth["holds"]) > 0
    assert truth["rep_times"] == truth["holds"]
