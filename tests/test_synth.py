"""Synthetic clips: kinematics, camera, motion scripts, ground truth, CLI, and the real model."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from formcheck.errors import FormcheckError
from formcheck.synth.body import BONES, BodyParams, Dims, Pose, two_bone
from formcheck.synth.clip import ClipConfig, plan
from formcheck.synth.motion import FAULTS, make_script
from formcheck.synth.render import Camera
from formcheck.synth.truth import config_from_truth, truth_dict, validate_truth


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    u, v = a - b, c - b
    return float(np.degrees(np.arctan2(np.linalg.norm(np.cross(u, v)), np.dot(u, v))))


def _poses(cfg: ClipConfig, step: float = 0.1) -> list[tuple[float, Pose]]:
    clip = plan(cfg)
    ts = np.arange(0.0, clip.script.duration_s, step)
    return [(float(t), clip.pose(float(t))) for t in ts]


def _inside(
    t: float, ivs: list[list[float]] | tuple[tuple[float, float], ...], pad: float = 0.0
) -> bool:
    return any(a - pad <= t <= b + pad for a, b in ivs)


# ----------------------------------------------------------------------------- kinematics


@pytest.mark.parametrize(
    ("exercise", "faults", "seed"),
    [
        ("glute_bridge", (), 1),
        ("glute_bridge", ("hips_level", "lower_slowly"), 2),
        ("standing_hip_hike", ("no_lean",), 3),
        ("standing_hip_hike", ("working_leg_straight",), 4),
    ],
)
def test_bone_lengths_are_preserved_through_the_motion(
    exercise: str, faults: tuple[str, ...], seed: int
) -> None:
    clip = plan(ClipConfig(exercise, faults=faults, seed=seed))
    dims = Dims.of(clip.body)
    for _, pose in _poses(clip.config, 0.25):
        for a, b, attr in BONES:
            assert pose.bone_length(a, b) == pytest.approx(getattr(dims, attr), abs=1e-6), (a, b)


def test_two_bone_ik_reaches_the_target_and_bends_toward_the_pole() -> None:
    a, c = np.zeros(3), np.array([0.0, -0.7, 0.0])
    b = two_bone(a, c, 0.45, 0.45, pole=[0.0, 0.0, 1.0])
    assert np.linalg.norm(b - a) == pytest.approx(0.45)
    assert np.linalg.norm(c - b) == pytest.approx(0.45)
    assert b[2] > 0.1  # the knee points toward the pole
    far = two_bone(a, np.array([0.0, -2.0, 0.0]), 0.45, 0.45, pole=[0.0, 0.0, 1.0])
    assert far == pytest.approx([0.0, -0.45, 0.0], abs=1e-4)  # out of reach: straight


def test_body_dimensions_scale_with_height() -> None:
    short, tall = Dims.of(BodyParams(height_m=1.5)), Dims.of(BodyParams(height_m=1.9))
    assert tall.thigh / short.thigh == pytest.approx(1.9 / 1.5)
    standing = _poses(ClipConfig("standing_hip_hike", look="default"), 5.0)[0][1]
    top = standing["head"][1] + Dims.of(BodyParams()).head[1]
    assert top == pytest.approx(1.72, abs=0.03)  # the mannequin is as tall as asked


# ----------------------------------------------------------------------------- camera


def test_camera_projects_known_points() -> None:
    cam = Camera((0.0, 0.0, 5.0), (0.0, 0.0, 0.0), fov_deg=90.0, size=(640, 480))
    assert cam.focal == pytest.approx(320.0)
    assert cam.project([0.0, 0.0, 0.0]) == pytest.approx([320.0, 240.0])
    # looking down -z: world +x is image right, world +y is image up
    assert cam.project([1.0, 0.0, 0.0]) == pytest.approx([320.0 + 320.0 / 5.0, 240.0])
    assert cam.project([0.0, 1.0, 0.0]) == pytest.approx([320.0, 240.0 - 320.0 / 5.0])
    assert cam.project([0.0, 0.0, -5.0]) == pytest.approx([320.0, 240.0])  # on the axis


# ----------------------------------------------------------------------------- motion scripts


def _bridge_angles(cfg: ClipConfig) -> list[tuple[float, float, float]]:
    """(t, mid shoulder-hip-knee angle, pelvis roll) over the clip."""
    out = []
    for t, p in _poses(cfg, 0.05):
        sh = (p["left_shoulder"] + p["right_shoulder"]) / 2
        kn = (p["left_knee"] + p["right_knee"]) / 2
        d = p["left_hip"] - p["right_hip"]
        roll = float(np.degrees(np.arcsin(abs(d[1]) / np.linalg.norm(d))))
        out.append((t, _angle(sh, p["pelvis"], kn), roll))
    return out


@pytest.mark.parametrize("reps", [1, 3, 5])
def test_requested_rep_count(reps: int) -> None:
    for ex in ("glute_bridge", "standing_hip_hike"):
        clip = plan(ClipConfig(ex, reps=reps, seed=reps))
        # a hike's 10 s hold is a held hike, one more
        assert len(clip.script.reps) == reps + len(clip.script.holds)
        ivs = clip.script.reps
        assert all(a < b for a, b in ivs)
        assert all(b1 < a2 for (_, b1), (a2, _) in itertools.pairwise(ivs))


def test_clean_bridge_reaches_a_straight_line_and_rests_bent() -> None:
    cfg = ClipConfig("glute_bridge", reps=3, seed=5)
    script = plan(cfg).script
    series = _bridge_angles(cfg)
    rest = [a for t, a, _ in series if not _inside(t, script.reps)]
    assert 125.0 <= np.median(rest) <= 140.0
    for a0, b0 in script.reps:
        peak = max(a for t, a, _ in series if a0 <= t <= b0)
        assert peak >= 170.0
    assert max(r for _, _, r in series) < 0.5  # hips stay level
    assert script.faults == {}


def test_bridge_faults_happen_inside_their_intervals_only() -> None:
    cfg = ClipConfig("glute_bridge", reps=4, faults=("hips_level",), seed=6)
    script = plan(cfg).script
    ivs = script.faults["hips_level"]
    assert len(ivs) == 2  # reps 2 and 4
    for t, _, roll in _bridge_angles(cfg):
        if _inside(t, ivs):
            assert roll >= 5.0
        elif not _inside(t, ivs, pad=1.5):
            assert roll < 0.5
    peak = max(r for _, _, r in _bridge_angles(cfg))
    assert 10.0 <= peak <= 15.0

    partial = plan(ClipConfig("glute_bridge", reps=4, faults=("reach_top",), seed=7))
    assert len(partial.script.reps) == 2 and len(partial.script.partial_reps) == 2
    assert partial.script.faults["reach_top"] == partial.script.partial_reps
    for a0, b0 in partial.script.partial_reps:
        peak = max(a for t, a, _ in _bridge_angles(partial.config) if a0 <= t <= b0)
        assert 143.0 <= peak <= 152.0

    fast = plan(ClipConfig("glute_bridge", reps=3, faults=("lower_slowly",), seed=8)).script
    ((a, b),) = fast.faults["lower_slowly"]
    assert 0.25 <= b - a <= 0.45
    assert _inside((a + b) / 2, fast.reps)


def _hike_measures(cfg: ClipConfig) -> list[tuple[float, float, float, float]]:
    """(t, pelvis tilt, trunk lean from vertical, working knee angle)."""
    side = cfg.side_name
    out = []
    for t, p in _poses(cfg, 0.05):
        d = p["left_hip"] - p["right_hip"]
        tilt = float(np.degrees(np.arctan2(abs(d[1]), abs(d[0]))))
        trunk = p["chest"] - p["pelvis"]
        lean = float(np.degrees(np.arctan2(abs(trunk[0]), trunk[1])))
        knee = _angle(p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"])
        out.append((t, tilt, lean, knee))
    return out


@pytest.mark.parametrize("side", ["left", "right"])
def test_clean_hip_hike_tilts_the_pelvis_with_a_straight_working_leg(side: str) -> None:
    cfg = ClipConfig("standing_hip_hike", reps=3, side=side, seed=9)
    clip = plan(cfg)
    series = _hike_measures(cfg)
    for a0, b0 in clip.script.reps:
        assert max(tilt for t, tilt, _, _ in series if a0 <= t <= b0) >= 6.0
    assert max(lean for _, _, lean, _ in series) < 1.0
    assert min(knee for *_, knee in series) > 178.0
    # the free hip is the one that rises
    top = clip.pose(sum(clip.script.holds[0]) / 2)
    free = "right" if side == "left" else "left"
    assert top[f"{free}_hip"][1] > top[f"{side}_hip"][1] + 0.02
    ((h0, h1),) = clip.script.holds
    assert h1 - h0 == pytest.approx(10.0)


def test_hip_hike_faults() -> None:
    lean_cfg = ClipConfig("standing_hip_hike", reps=4, side="left", faults=("no_lean",), seed=10)
    ivs = plan(lean_cfg).script.faults["no_lean"]
    assert len(ivs) == 2
    for t, _, lean, knee in _hike_measures(lean_cfg):
        if _inside(t, ivs):
            assert lean >= 6.0
        elif not _inside(t, ivs, pad=1.0):
            assert lean < 0.5
        assert knee > 178.0
    knee_cfg = ClipConfig(
        "standing_hip_hike", reps=3, side="right", faults=("working_leg_straight",), seed=11
    )
    ivs = plan(knee_cfg).script.faults["working_leg_straight"]
    knees = [(t, k) for t, _, _, k in _hike_measures(knee_cfg)]
    assert 145.0 <= min(k for _, k in knees) <= 155.0
    assert all(k < 166.0 for t, k in knees if _inside(t, ivs))
    assert all(k > 178.0 for t, k in knees if not _inside(t, ivs, pad=1.0))
    short = plan(ClipConfig("standing_hip_hike", reps=2, faults=("hold_too_short",), seed=12))
    ((h0, h1),) = short.script.holds
    assert 3.0 <= h1 - h0 <= 5.0
    assert short.script.faults["hold_too_short"] == ((h0, h1),)


@pytest.mark.parametrize("side", ["left", "right"])
def test_the_free_foot_leaves_the_floor_as_the_hip_rises_and_the_weight_shifts(side: str) -> None:
    clip = plan(ClipConfig("standing_hip_hike", reps=2, side=side, seed=14, hold_s=0.0))
    free = "right" if side == "left" else "left"
    rest, top = clip.pose(0.2), clip.pose(sum(clip.script.reps[0]) / 2)
    rise = top[f"{free}_hip"][1] - rest[f"{free}_hip"][1]
    assert rise > 0.015  # a 7-10 degree hike lifts the free hip 2-3 cm
    for part in ("ankle", "heel", "toe"):  # the whole free foot clears the floor by as much
        assert top[f"{free}_{part}"][1] - rest[f"{free}_{part}"][1] == pytest.approx(
            rise, abs=0.006
        )
    for part in ("ankle", "heel", "toe"):  # the working foot stays planted
        assert np.allclose(top[f"{side}_{part}"], rest[f"{side}_{part}"])
    ws = 1.0 if side == "left" else -1.0  # the body's left is +x
    assert ws * (top["pelvis"][0] - rest["pelvis"][0]) > 0.005  # weight over the stance foot


def test_a_hike_on_a_step_stands_on_it_with_the_free_foot_hanging_beside() -> None:
    clip = plan(ClipConfig("standing_hip_hike", reps=2, side="right", variant="step", seed=15))
    assert clip.props(), "the step is drawn"
    step_h = clip.ctx.step_h
    assert 0.15 <= step_h / clip.ctx.dims.scale <= 0.2
    p = clip.pose(0.2)
    assert p["right_heel"][1] > step_h  # on the step
    assert p["left_ankle"][1] > step_h  # hanging at the step's height, off the floor
    top = clip.pose(sum(clip.script.reps[0]) / 2)
    assert top["left_ankle"][1] > p["left_ankle"][1] + 0.015


@pytest.mark.parametrize("decoy", ["abduction", "sway", "lean"])
def test_decoys_are_other_movements_with_no_hike_in_the_truth(decoy: str) -> None:
    cfg = ClipConfig("standing_hip_hike", reps=3, side="left", decoy=decoy, seed=16)
    clip = plan(cfg)
    assert clip.script.reps == () and clip.script.holds == ()
    truth = truth_dict(clip, n_frames=clip.n_frames)
    assert truth["reps"] == 0 and truth["config"]["decoy"] == decoy
    assert config_from_truth(truth) == cfg
    tilts = [tilt for _, tilt, _, _ in _hike_measures(cfg)]
    assert max(tilts) < 2.0  # the pelvis barely moves
    ts = np.arange(0.0, clip.script.duration_s, 0.1)
    out = [clip.pose(0.0)["right_ankle"][0] - clip.pose(float(t))["right_ankle"][0] for t in ts]
    # the free (right, -x) foot swings out 15 cm or more only in the abduction
    assert (max(out) > 0.15) == (decoy == "abduction"), max(out)
    with pytest.raises(FormcheckError, match="standing_hip_hike only"):
        ClipConfig("glute_bridge", decoy=decoy)


def test_unknown_fault_view_and_side_are_refused_with_the_choices() -> None:
    with pytest.raises(FormcheckError, match="available: hips_level"):
        plan(ClipConfig("glute_bridge", faults=("no_lean",)))
    with pytest.raises(FormcheckError, match="choose: side, foot_end"):
        ClipConfig("glute_bridge", view="front")
    with pytest.raises(FormcheckError, match="'left' or 'right'"):
        ClipConfig("standing_hip_hike", side="up")
    for ex, faults in FAULTS.items():
        dims = Dims.of(BodyParams())
        for f in faults:  # every declared fault is injectable
            script, _ = make_script(
                ex, dims, side="left", reps=2, faults=(f,), rng=np.random.default_rng(0)
            )
            assert script.faults[f], (ex, f)


# ----------------------------------------------------------------------------- truth and CLI


def test_truth_json_schema_and_config_round_trip() -> None:
    cfg = ClipConfig("standing_hip_hike", reps=3, side="left", faults=("no_lean",), seed=13)
    clip = plan(cfg)
    d = json.loads(json.dumps(truth_dict(clip)))
    assert validate_truth(d) == []
    assert d["exercise"] == "standing_hip_hike" and d["side"] == "left" and d["view"] == "front"
    # the held hike is a hike too: 3 + 1
    assert d["reps"] == 4 and len(d["holds"]) == 1 and d["hold_s"] == [pytest.approx(10.0)]
    assert set(d["faults"]) == {"no_lean"}
    assert d["duration_s"] == pytest.approx((clip.n_frames - 1) / 30.0, abs=1e-3)
    assert d["landmarks_2d"]  # a few frames of projected joints
    assert config_from_truth(d) == cfg
    assert validate_truth({**d, "reps": 5}) != []
    assert validate_truth({k: v for k, v in d.items() if k != "faults"}) == ["missing key 'faults'"]


def test_rendering_is_deterministic_and_sized() -> None:
    cfg = ClipConfig("glute_bridge", reps=1, seed=14, size=(320, 240))
    a, b = plan(cfg).render(2.0), plan(cfg).render(2.0)
    assert a.shape == (240, 320, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(
        a, plan(ClipConfig("glute_bridge", reps=1, seed=15, size=(320, 240))).render(2.0)
    )


def test_cli_writes_clip_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import av

    from formcheck.synth.cli import main

    out = tmp_path / "c.mp4"
    rc = main(
        [
            "standing_hip_hike",
            "--reps",
            "1",
            "--hold",
            "0",
            "--side",
            "left",
            "--size",
            "160x120",
            "--fps",
            "10",
            "--seed",
            "3",
            "-o",
            str(out),
        ]
    )
    assert rc == 0
    truth = json.loads(out.with_suffix(".json").read_text())
    assert truth["reps"] == 1 and truth["side"] == "left" and truth["fps"] == 10.0
    with av.open(str(out)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == truth["n_frames"]
    assert (frames[0].width, frames[0].height) == (160, 120)
    rc = main(["glute_bridge", "--fault", "no_lean", "-o", str(out)])
    assert rc == 2
    assert "no injectable fault 'no_lean'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the real model


@pytest.mark.parametrize(
    ("exercise", "view", "side"),
    [
        ("glute_bridge", "side", None),
        ("glute_bridge", "foot_end", None),
        ("standing_hip_hike", "front", "left"),
    ],
)
def test_real_model_finds_the_mannequin(exercise: str, view: str, side: str | None) -> None:
    mp = pytest.importorskip("mediapipe")
    from formcheck.landmarks import Landmark

    clip = plan(ClipConfig(exercise, view=view, side=side, reps=1, seed=16))
    t = sum(clip.script.reps[0]) / 2
    img = clip.render(t)
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        res = pose.process(img)
    assert res.pose_landmarks is not None, "no person found"
    gt = clip.landmarks_2d(t)
    w, h = clip.config.size
    errs = []
    for name in ("shoulder", "hip", "knee", "ankle"):
        for s in ("left", "right"):
            lm = res.pose_landmarks.landmark[Landmark[f"{s}_{name}".upper()]]
            errs.append(np.hypot(lm.x * w - gt[f"{s}_{name}"][0], lm.y * h - gt[f"{s}_{name}"][1]))
    assert float(np.median(errs)) < 25.0
