"""Throughput of the review pipeline against raw MediaPipe, measured side by side.

    python benchmarks/bench_pipeline.py [CLIP] [--rounds 2] [--jobs 2] [--parallel]

With ``--parallel`` it also prints, in the same run: ``review --jobs 1`` and
``--jobs N`` frames per second on the clip made ``--long`` times longer (concatenated
with ffmpeg in a temporary folder, so it has several segments to share out) and their
ratio to raw MediaPipe on the clip; batch throughput on 4 copies of the clip
(clips/minute); PyAV decoding with and without its own threads, and to a half-size
picture; and the peak memory (largest process) of a review, with an annotated video, of
the long clip and of one 4x longer still. The load average is printed with the figures:
on a shared machine they are distorted.

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
import itertools
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


def review_fps(clip: Path, spec, jobs: int) -> float:
    """Frames per second of review_clip with ``jobs`` processes, model start-up included."""
    from formcheck.pipeline import review_clip

    t0 = time.perf_counter()
    result = review_clip(clip, spec, jobs=jobs)
    return result.frames / (time.perf_counter() - t0)


def decode_fps(clip: Path, thread_type: str) -> float:
    import av

    with av.open(str(clip)) as c:
        stream = c.streams.video[0]
        stream.thread_type = thread_type
        t0 = time.perf_counter()
        n = sum(1 for f in c.decode(stream) if f.to_ndarray(format="bgr24") is not None)
    return n / (time.perf_counter() - t0)


def batch_clips_per_min(clips: list[Path], spec, jobs: int, out: Path) -> float:
    from formcheck.batch import review_batch

    t0 = time.perf_counter()
    rows = review_batch(clips, spec.id, out, jobs=jobs)
    assert all(r is not None and r.reps is not None for r in rows), rows
    return len(clips) * 60 / (time.perf_counter() - t0)


def decode_half_fps(clip: Path) -> float:
    """PyAV's threads, converting each frame to a half-size picture (swscale) instead."""
    import av

    with av.open(str(clip)) as c:
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        w, h = stream.codec_context.width // 2, stream.codec_context.height // 2
        t0 = time.perf_counter()
        n = sum(
            1
            for f in c.decode(stream)
            if f.to_ndarray(format="bgr24", width=w, height=h) is not None
        )
    return n / (time.perf_counter() - t0)


def peak_rss_mb(clip: Path, exercise: str, jobs: int, annotated: Path) -> float:
    """Largest resident set of any process of one review (run in a fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "from formcheck.pipeline import review_clip\n"
        "from formcheck.spec import get_spec\n"
        "if __name__ == '__main__':\n"
        f"    review_clip({str(clip)!r}, get_spec({exercise!r}), jobs={jobs},\n"
        f"                annotated_out={str(annotated)!r})\n"
        "    import resource\n"
        "    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "    print(max(me, kids))\n"
    )
    script = Path("/tmp") / f"formcheck_bench_rss_{jobs}.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    script.unlink()
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def long_clip(clip: Path, times: int, out: Path) -> Path:
    import subprocess

    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{clip.resolve()}'\n" for _ in range(times)))
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            str(out),
        ],
        check=True,
    )
    return out


def parallel_figures(
    clip: Path, spec, jobs: int, raw: float, rounds: int, times: int, memory: bool
) -> None:
    import tempfile

    from formcheck.video import open_video

    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        longer = long_clip(clip, times, t / "long.mp4") if times > 1 else clip
        with open_video(longer) as src:
            print(f"long clip: {clip.name} x{times}, {src.duration_s:.1f} s")
        one, many = [], []
        for _ in range(rounds):
            one.append(review_fps(longer, spec, 1))
            many.append(review_fps(longer, spec, jobs))
        o, m = statistics.median(one), statistics.median(many)
        print(
            f"review --jobs 1         : {o:6.1f} fps  ratio to raw {o / raw:5.2f}  (target >= 0.95)"
        )
        print(
            f"review --jobs {jobs}         : {m:6.1f} fps  ratio to raw {m / raw:5.2f}"
            "  (target >= 1.7)"
        )
        print(f"decode, thread_type AUTO : {decode_fps(clip, 'AUTO'):6.1f} fps")
        print(f"decode, no threads       : {decode_fps(clip, 'NONE'):6.1f} fps")
        print(f"decode, AUTO, half size  : {decode_half_fps(clip):6.1f} fps")
        cpm = batch_clips_per_min([clip] * 4, spec, jobs, t / "batch")
        print(f"batch of 4 clips, {jobs} jobs: {cpm:6.2f} clips/minute")
        if memory:
            longest = long_clip(longer, 4, t / "longest.mp4")
            for j in (1, jobs):
                a_mb = peak_rss_mb(longer, spec.id, j, t / "a.mp4")
                b_mb = peak_rss_mb(longest, spec.id, j, t / "b.mp4")
                print(
                    f"peak memory --jobs {j}     : {a_mb:6.0f} MB (long clip)  "
                    f"{b_mb:6.0f} MB (4x longer), with an annotated video"
                )
    print(f"load average after : {Path('/proc/loadavg').read_text().strip()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", type=Path)
    ap.add_argument("--exercise", default="glute_bridge")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--parallel", action="store_true", help="also the --jobs / batch / memory figures"
    )
    ap.add_argument("--long", type=int, default=5, help="with --parallel: the clip this many times")
    ap.add_argument("--no-memory", action="store_true", help="with --parallel: skip memory")
    args = ap.parse_args()
    from formcheck.spec import get_spec
    from formcheck.video import open_video

    clip = args.clip or default_clip()
    spec = get_spec(args.exercise)
    with open_video(clip) as src:
        frames = list(itertools.islice(src, 400))  # the first 400 frames, in memory
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
    if args.parallel:
        del frames
        parallel_figures(clip, spec, args.jobs, r, args.rounds, args.long, not args.no_memory)


if __name__ == "__main__":
    main()
