"""Throughput of the review pipeline against raw MediaPipe, measured side by side.

    python benchmarks/bench_pipeline.py [CLIP] [--rounds 2]

Prints frames per second for:
  raw pose   MediaPipe (bundled full model) on frames already decoded in memory;
  pipeline   formcheck's whole review: decode, cut detection, pose, features,
             engine and record (no annotated video);
and their ratio (target: the pipeline keeps >= 90% of raw pose throughput).
Rounds alternate raw and pipeline so machine noise hits both alike; the
median of each is reported. Also prints the engine's own cost per frame.
Default clip: ../shared/clips/dev/bridge_side_a.mp4, else a sample video.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def default_clip() -> Path:
    shared = ROOT.parent / "shared" / "clips" / "dev" / "bridge_side_a.mp4"
    if shared.is_file():
        return shared
    samples = sorted((ROOT / "sample_videos").glob("glute_bridge*.mp4"))
    if not samples:
        raise SystemExit("no clip: pass one, or generate sample_videos/")
    return samples[0]


def raw_pose_fps(frames: list) -> float:
    from formcheck.pose.mediapipe_backend import MediaPipePose

    with MediaPipePose() as est:
        est.estimate(frames[0].image, frames[0].t_s)  # warm-up outside the timing
        t0 = time.perf_counter()
        for vf in frames:
            est.estimate(vf.image, vf.t_s)
        return len(frames) / (time.perf_counter() - t0)


def pipeline_fps(clip: Path, spec) -> tuple[float, int]:
    from formcheck.pipeline import review_clip
    from formcheck.pose.mediapipe_backend import MediaPipePose

    with MediaPipePose() as est:
        from formcheck.video import open_video

        with open_video(clip) as src:  # warm-up frame, as for raw
            first = next(iter(src))
        est.estimate(first.image, first.t_s)
        t0 = time.perf_counter()
        result = review_clip(clip, spec, estimator=est)
        return result.frames / (time.perf_counter() - t0), result.record.reps


def engine_ms_per_frame(clip: Path, spec, frames: list) -> float:
    """Session cost alone, on poses computed once."""
    from formcheck.pose.mediapipe_backend import MediaPipePose
    from formcheck.session import ExerciseSession

    with MediaPipePose() as est:
        poses = [(est.estimate(vf.image, vf.t_s), vf.t_s) for vf in frames]
    sess = ExerciseSession(spec)
    t0 = time.perf_counter()
    for pose, t in poses:
        sess.step(pose, t)
    return 1000 * (time.perf_counter() - t0) / len(poses)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", type=Path)
    ap.add_argument("--exercise", default="glute_bridge")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    from formcheck.spec import get_spec
    from formcheck.video import open_video

    clip = args.clip or default_clip()
    spec = get_spec(args.exercise)
    with open_video(clip) as src:
        frames = list(src)
        w, h = src.size
    print(f"clip: {clip.name}  {w}x{h}  {len(frames)} frames  exercise: {spec.id}")
    raw, pipe = [], []
    reps = 0
    for i in range(args.rounds):
        raw.append(raw_pose_fps(frames))
        fps, reps = pipeline_fps(clip, spec)
        pipe.append(fps)
        print(f"  round {i + 1}: raw pose {raw[-1]:6.1f} fps   pipeline {pipe[-1]:6.1f} fps")
    r, p = statistics.median(raw), statistics.median(pipe)
    print(f"raw MediaPipe pose      : {r:6.1f} fps  ({1000 / r:5.1f} ms/frame)")
    print(f"whole review pipeline   : {p:6.1f} fps  ({1000 / p:5.1f} ms/frame)  reps={reps}")
    print(f"pipeline / raw          : {p / r:6.1%}  (target >= 90%)")
    print(f"engine alone (session)  : {engine_ms_per_frame(clip, spec, frames):6.3f} ms/frame")


if __name__ == "__main__":
    main()
