"""Held-out check of the small movements measured by optical flow: the standing hip hike.

    python benchmarks/small_movements.py [--n 12] [--seed0 40000] [--jobs 2] [--keep DIR]

Renders N standing-hip-hike clips with parameters drawn from ``--seed0`` (both sides, 5-15
hikes, 15 or 30 fps, mild or strong degradation, on the floor or on a step, a 10 s hold or
none; one clip in four is a *decoy*: a hip abduction, a sway or a lean, which must count 0),
reviews each with the real pose model and optical flow (formcheck.pipeline.review_clip, the
side given as the user would choose it), and prints per clip and in total: hikes counted
against the truth, the hold's time against the truth, and faults. Then it prints what the
flow costs per frame next to the pose model's time on the same frames.

The tests never use these seeds: a benchmark that prints numbers, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.synth.clip import ClipConfig, render_clip  # noqa: E402
from formcheck.synth.motion import HIKE_DECOYS  # noqa: E402


def hike_config(seed: int) -> ClipConfig:
    rng = np.random.default_rng(seed)
    decoy = str(rng.choice(HIKE_DECOYS)) if rng.uniform() < 0.25 else None
    return ClipConfig(
        "standing_hip_hike",
        reps=int(rng.integers(5, 16)) if decoy is None else int(rng.integers(4, 8)),
        side=str(rng.choice(["left", "right"])),
        seed=seed,
        fps=float(rng.choice([15.0, 30.0])),
        hold_s=10.0 if (decoy is None and rng.uniform() < 0.6) else 0.0,
        degrade=str(rng.choice(["mild", "strong"])),
        variant=str(rng.choice(["floor", "step"])),
        decoy=decoy,
    )


def run_one(seed: int, folder: str) -> dict[str, Any]:
    from formcheck.pipeline import review_clip
    from formcheck.spec import get_spec

    cfg = hike_config(seed)
    out = Path(folder) / f"hike_{seed}.mp4"
    truth = render_clip(cfg, out)
    res = review_clip(out, get_spec("standing_hip_hike"), side=cfg.side)
    s = res.record.summary()
    return {"seed": seed, "cfg": cfg, "truth": truth, "summary": s}


def flow_cost(folder: str, seed: int) -> None:
    """Pose model and flow time per frame on one clip, side by side (one process)."""
    import cv2

    from formcheck.pose.mediapipe_backend import MediaPipePose
    from formcheck.pose.tracking import tracker_for
    from formcheck.spec import get_spec
    from formcheck.video import open_video

    cfg = ClipConfig("standing_hip_hike", reps=3, seed=seed, hold_s=0.0, size=(640, 480))
    clip = Path(folder) / "cost.mp4"
    render_clip(cfg, clip)
    tracker = tracker_for(get_spec("standing_hip_hike").tracked_landmarks)
    assert tracker is not None
    t_pose = t_flow = 0.0
    n = 0
    with open_video(clip) as src, MediaPipePose() as est:
        for vf in src:
            t0 = time.perf_counter()
            pose = est.estimate(vf.image, vf.t_s)
            t1 = time.perf_counter()
            tracker.update(vf.image, pose)
            t2 = time.perf_counter()
            if n >= 10:  # after warm-up
                t_pose += t1 - t0
                t_flow += t2 - t1
            n += 1
    m = max(n - 10, 1)
    print(
        f"\ncost per 640x480 frame over {m} frames (threads: cv2 {cv2.getNumThreads()}): "
        f"pose model {1000 * t_pose / m:.1f} ms, optical flow {1000 * t_flow / m:.1f} ms "
        f"({100 * t_flow / max(t_pose, 1e-9):.0f}% of the pose model); together "
        f"{m / (t_pose + t_flow):.1f} fps"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--seed0", type=int, default=40000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default=None, help="keep the clips in this folder")
    ap.add_argument("--no-cost", action="store_true", help="skip the cost measurement")
    args = ap.parse_args(argv)
    folder = args.keep or tempfile.mkdtemp(prefix="fc-small-")
    Path(folder).mkdir(parents=True, exist_ok=True)
    seeds = [args.seed0 + i for i in range(args.n)]
    exact = holds_ok = holds = 0
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for r in pool.map(run_one, seeds, [folder] * len(seeds)):
            cfg, truth, s = r["cfg"], r["truth"], r["summary"]
            ok = int(s["reps"]) == int(truth["reps"])
            exact += ok
            line = (
                f"seed {r['seed']}: {cfg.side:5} {cfg.variant:5} {cfg.decoy or 'hikes':9} "
                f"{cfg.fps:>4.0f} fps {cfg.degrade:6}  reps {s['reps']:>2} / {truth['reps']:>2}"
            )
            if truth["hold_s"]:
                holds += 1
                err = float(s["hold_s"]) - max(truth["hold_s"])
                holds_ok += abs(err) <= 0.5
                line += f"  hold {s['hold_s']:4.1f} / {max(truth['hold_s']):4.1f} s"
            line += f"  faults {','.join(s['faults']) or '-'}" + ("" if ok else "   <-- MISCOUNT")
            print(line, flush=True)
    print(f"\nexact counts {exact}/{len(seeds)}; holds within 0.5 s {holds_ok}/{holds}")
    if not args.no_cost:
        flow_cost(folder, args.seed0 + 999)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
