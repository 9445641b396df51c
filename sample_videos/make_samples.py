"""Regenerate the committed sample clips and their ground-truth JSON.

    python sample_videos/make_samples.py            # all clips
    python sample_videos/make_samples.py NAME ...   # only these
    python sample_videos/make_samples.py --truth-only [NAME ...]  # scenario clips' JSON only

Each entry is exactly one ``formcheck synth`` call (see README.md): CLIPS are rendered from
the motion scripts of glute_bridge and standing_hip_hike, SCENARIOS from scenario files
(``formcheck synth ID --scenario NAME --seed S --camera-jitter 0.5``).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from formcheck.synth.clip import ClipConfig, render_clip  # noqa: E402
from formcheck.synth.scenario_clip import render_scenario  # noqa: E402

J = 0.5  # camera jitter: a little variation around the canonical view
CLIPS: dict[str, ClipConfig] = {
    "glute_bridge_side_clean": ClipConfig(
        "glute_bridge", reps=3, view="side", seed=101, camera_jitter=J
    ),
    "glute_bridge_side_lower_fast": ClipConfig(
        "glute_bridge", reps=4, view="side", faults=("lower_slowly",), seed=102, camera_jitter=J
    ),
    "glute_bridge_side_partial": ClipConfig(
        "glute_bridge", reps=4, view="side", faults=("reach_top",), seed=103, camera_jitter=J
    ),
    "glute_bridge_foot_end_clean": ClipConfig(
        "glute_bridge", reps=3, view="foot_end", seed=104, camera_jitter=J
    ),
    "glute_bridge_foot_end_hip_drop": ClipConfig(
        "glute_bridge", reps=4, view="foot_end", faults=("hips_level",), seed=105, camera_jitter=J
    ),
    "standing_hip_hike_left_clean": ClipConfig(
        "standing_hip_hike", reps=4, view="front", side="left", seed=201, camera_jitter=J
    ),
    "standing_hip_hike_left_lean": ClipConfig(
        "standing_hip_hike",
        reps=4,
        view="front",
        side="left",
        faults=("no_lean",),
        seed=202,
        camera_jitter=J,
    ),
    "standing_hip_hike_right_clean": ClipConfig(
        "standing_hip_hike", reps=4, view="front", side="right", seed=203, camera_jitter=J
    ),
    "standing_hip_hike_right_bent_knee": ClipConfig(
        "standing_hip_hike",
        reps=4,
        view="front",
        side="right",
        faults=("working_leg_straight",),
        seed=204,
        camera_jitter=J,
    ),
    "standing_hip_hike_right_short_hold": ClipConfig(
        "standing_hip_hike",
        reps=4,
        view="front",
        side="right",
        faults=("hold_too_short",),
        seed=205,
        camera_jitter=J,
    ),
    "standing_hip_hike_left_step": ClipConfig(
        "standing_hip_hike",
        reps=5,
        view="front",
        side="left",
        variant="step",
        fps=15.0,
        seed=206,
        camera_jitter=J,
    ),
    "standing_hip_hike_right_abduction": ClipConfig(
        "standing_hip_hike",
        reps=4,
        view="front",
        side="right",
        decoy="abduction",
        seed=207,
        camera_jitter=J,
    ),
}


#: clip name -> (exercise id, scenario name, seed)
SCENARIOS: dict[str, tuple[str, str, int]] = {
    "knee_to_chest_left_clean": ("knee_to_chest", "clean_far_leg", 1301),
    "knee_to_chest_knee_not_to_chest": ("knee_to_chest", "knee_not_to_chest", 302),
    "double_knee_to_chest_clean": ("double_knee_to_chest", "clean", 2303),
    "double_knee_to_chest_knees_not_to_chest": ("double_knee_to_chest", "knees_not_to_chest", 304),
    "piriformis_stretch_left_clean": ("piriformis_stretch", "clean_left_far", 305),
    "piriformis_stretch_not_crossed": ("piriformis_stretch", "not_crossed", 306),
    "pelvic_tilt_clean": ("pelvic_tilt", "clean", 1307),
    "pelvic_tilt_hips_lifted": ("pelvic_tilt", "hips_lifted", 2308),
    "sciatic_nerve_glide_right_clean": ("sciatic_nerve_glide", "clean_right", 309),
    "sciatic_nerve_glide_thigh_drops": ("sciatic_nerve_glide", "thigh_drops", 2310),
    "lower_back_rotation_clean": ("lower_back_rotation", "clean", 311),
    "lower_back_rotation_dropped": ("lower_back_rotation", "dropped", 1312),
    "prone_press_up_clean": ("prone_press_up", "clean", 313),
    "prone_press_up_hips_up": ("prone_press_up", "hips_up", 314),
    "plank_clean": ("plank", "clean", 315),
    "plank_hips_pike": ("plank", "hips_pike", 316),
    "cat_cow_clean": ("cat_cow", "clean", 401),
    "cat_cow_hands_forward": ("cat_cow", "hands_forward", 402),
    "bird_dog_left_clean": ("bird_dog", "clean_left", 403),
    "bird_dog_leg_too_high": ("bird_dog", "leg_too_high", 404),
    "childs_pose_clean": ("childs_pose", "clean", 405),
    "childs_pose_not_back_far_enough": ("childs_pose", "not_back_far_enough", 406),
    "squat_lift_clean": ("squat_lift", "clean", 503),
    "squat_lift_leans_forward": ("squat_lift", "leans_forward", 504),
    "sit_to_stand_clean": ("sit_to_stand", "clean", 501),
    "sit_to_stand_drops": ("sit_to_stand", "drops", 502),
    "hip_hinge_clean": ("hip_hinge", "clean", 601),
    "hip_hinge_squatting": ("hip_hinge", "squatting", 602),
    "standing_hamstring_stretch_clean": ("standing_hamstring_stretch", "clean", 603),
    "standing_hamstring_stretch_bent_knees": ("standing_hamstring_stretch", "bent_knees", 604),
    "kneeling_hip_flexor_stretch_left_clean": ("kneeling_hip_flexor_stretch", "clean", 705),
    "kneeling_hip_flexor_stretch_leaning_forward": (
        "kneeling_hip_flexor_stretch",
        "leaning_forward",
        706,
    ),
    "kihara_quad_stretch_left_clean": ("kihara_quad_stretch", "clean_left", 701),
    "kihara_quad_stretch_leaning": ("kihara_quad_stretch", "leaning", 703),
    "kihara_hamstring_stretch_left_clean": ("kihara_hamstring_stretch", "clean_left", 901),
    "kihara_hamstring_stretch_short_moves": ("kihara_hamstring_stretch", "short_moves", 902),
    "kihara_side_bend_right_clean": ("kihara_side_bend", "clean_right", 903),
    "kihara_side_bend_drops": ("kihara_side_bend", "drops", 904),
    "seated_hip_stretch_left_clean": ("seated_hip_stretch", "clean_left", 905),
    "seated_hip_stretch_short_hold": ("seated_hip_stretch", "short_hold", 906),
}


def rewrite_truth(name: str) -> None:
    """Write a scenario clip's truth again from its scenario, without rendering the video
    (the truth is computed, not read off the video; the frame count comes from the old file)."""
    import json

    from formcheck.synth.scenario_clip import plan_scenario, scenario_truth

    ex, scenario, seed = SCENARIOS[name]
    path = ROOT / "exercise_specs" / "scenarios" / ex / f"{scenario}.toml"
    old = json.loads((HERE / f"{name}.json").read_text())
    truth = scenario_truth(plan_scenario(path, seed=seed, camera_jitter=J), old["n_frames"])
    (HERE / f"{name}.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")


def main(names: list[str]) -> int:
    if names[:1] == ["--truth-only"]:
        for name in names[1:] or list(SCENARIOS):
            rewrite_truth(name)
        return 0
    for name in names or [*CLIPS, *SCENARIOS]:
        out = HERE / f"{name}.mp4"
        if name in SCENARIOS:
            ex, scenario, seed = SCENARIOS[name]
            path = ROOT / "exercise_specs" / "scenarios" / ex / f"{scenario}.toml"
            truth = render_scenario(path, out, seed=seed, camera_jitter=J)
        else:
            truth = render_clip(CLIPS[name], out, crf=28)
        print(
            f"{name}: {truth['duration_s']} s, {truth['reps']} reps, "
            f"faults {sorted(truth['faults'])}, {out.stat().st_size / 1e3:.0f} kB",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
