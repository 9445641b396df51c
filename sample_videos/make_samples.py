"""Regenerate the committed sample clips and their ground-truth JSON.

    python sample_videos/make_samples.py            # all clips
    python sample_videos/make_samples.py NAME ...   # only these

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
}


#: clip name -> (exercise id, scenario name, seed)
SCENARIOS: dict[str, tuple[str, str, int]] = {}


def main(names: list[str]) -> int:
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
