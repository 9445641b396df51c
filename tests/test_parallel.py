"""formcheck/parallel.py and formcheck/batch.py: one clip on every core, many clips at once.

The reviews here use the real pose model on real (sample) video, cut short so they
stay affordable on a busy 2-core machine; nothing here depends on timing.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from formcheck.batch import expand_inputs, report_names
from formcheck.parallel import plan_segments
from formcheck.pipeline import review_clip
from formcheck.spec import get_spec
from formcheck.video import VideoWriter, open_video

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, timeout=900
    )


@pytest.mark.parametrize(
    ("duration", "jobs", "count"),
    [
        (0.0, 4, 1),  # unknown length: one segment
        (20.0, 1, 1),
        (20.0, 2, 2),
        (20.0, 8, 5),  # no segment under MIN_SEGMENT_S
        (6.0, 2, 1),  # too short to share out
        (600.0, 2, 10),  # a long clip: segments of at most MAX_SEGMENT_S
        (130.0, 2, 4),  # a multiple of the processes: 4 of 32.5 s, not 3 of 43.3 s
        (100.0, 3, 3),
    ],
)
def test_segments_cover_the_clip_once(duration: float, jobs: int, count: int) -> None:
    segs = plan_segments(duration, jobs, overlap_s=2.0)
    assert len(segs) == count
    assert segs[0].start_s == 0.0 and segs[0].warmup_s == 0.0
    assert segs[-1].end_s == math.inf  # a clip longer than its container says is covered
    for a, b in itertools.pairwise(segs):
        assert a.end_s == b.start_s  # no gap, no overlap in what is owned
        assert b.warmup_s == 2.0
    assert all(s.end_s - s.start_s <= 60.0 + 1e-9 for s in segs[:-1])


def _short_clip(src: Path, dst: Path, seconds: float) -> Path:
    """The first ``seconds`` of a sample clip (the same pictures, re-encoded)."""
    with open_video(src) as v, VideoWriter(dst, v.fps, v.size) as w:
        for vf in v:
            if vf.t_s >= seconds:
                break
            w.write(vf.image)
    return dst


@pytest.mark.parametrize("start_s", [0.0, 3.3, 7.0, 19.9, 25.0])
def test_decoding_from_a_time_gives_the_times_of_a_decode_from_the_start(start_s: float) -> None:
    clip = SAMPLES / "glute_bridge_side_clean.mp4"
    if not clip.is_file():
        pytest.skip("no sample videos")
    with open_video(clip) as v:
        whole = [(vf.t_s, vf.image[::40, ::40].tobytes()) for vf in v]
        part = [(vf.t_s, vf.image[::40, ::40].tobytes()) for vf in v.frames_from(start_s)]
    assert part == [f for f in whole if f[0] >= start_s]


#: (sample clip, exercise, seconds kept): one per body position, with and without tracked
#: landmarks (standing_hip_hike follows parts with optical flow) and with an automatic side.
IDENTICAL = [
    ("glute_bridge_side_clean.mp4", "glute_bridge", 20.0),
    ("standing_hip_hike_left_clean.mp4", "standing_hip_hike", 20.0),
    ("bird_dog_leg_too_high.mp4", "bird_dog", 20.0),
]


def _counts(rec_json: str) -> dict[str, object]:
    s = json.loads(rec_json)["summary"]
    keep = ("reps", "holds", "holds_at_target", "faults", "assessed", "partial_reps", "side")
    return {k: s[k] for k in keep}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "exercise", "seconds"), IDENTICAL)
def test_segmented_review_counts_what_one_process_counts(
    name: str, exercise: str, seconds: float
) -> None:
    clip = SAMPLES / name
    if not clip.is_file():
        pytest.skip("no sample videos")
    spec = get_spec(exercise)
    one = review_clip(clip, spec, jobs=1)
    two = review_clip(clip, spec, jobs=2)
    assert two.frames == one.frames and two.frames_with_person == one.frames_with_person
    assert [t for t, _, _ in two.record.timeline] == [t for t, _, _ in one.record.timeline]
    assert _counts(two.record.to_json()) == _counts(one.record.to_json())
    # a hold's length is measured from frame times: within a frame of each other
    assert abs(two.record.best_hold_s - one.record.best_hold_s) <= 1.5 / one.fps
    assert two.record.meta["pose_model"] == one.record.meta["pose_model"]
    assert two.side == one.side


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "exercise", "jobs"),
    [
        ("glute_bridge_side_clean.mp4", "glute_bridge", 2),  # drawn alongside the workers
        # an automatic side: drawn after the review, from poses spooled to a temporary file
        ("kneeling_hip_flexor_stretch_left_clean.mp4", "kneeling_hip_flexor_stretch", 1),
    ],
)
def test_the_annotated_video_has_every_frame(
    tmp_path: Path, name: str, exercise: str, jobs: int
) -> None:
    clip = SAMPLES / name
    if not clip.is_file():
        pytest.skip("no sample videos")
    short = _short_clip(clip, tmp_path / "short.mp4", 9.0)
    out = tmp_path / "annotated.mp4"
    res = review_clip(short, get_spec(exercise), jobs=jobs, annotated_out=out)
    assert res.annotated_frames == res.frames > 200
    with open_video(out) as v:
        assert sum(1 for _ in v) == res.frames


@pytest.mark.slow
def test_segments_give_the_first_segment_exactly_and_the_rest_within_pixels(
    tmp_path: Path,
) -> None:
    """2 workers on a 12 s clip against one model run from the start: the first segment
    (a model from the start too) is bit-identical; after the boundary the warmed-up model
    is within a few pixels (MediaPipe tracks from the last frame, so it never matches
    exactly; docs/parallel.md has the table)."""
    import numpy as np

    from formcheck.cuts import CutDetector
    from formcheck.parallel import SegmentedPoses
    from formcheck.pose import create_estimator

    clip = SAMPLES / "glute_bridge_side_clean.mp4"
    if not clip.is_file():
        pytest.skip("no sample videos")
    short = _short_clip(clip, tmp_path / "short.mp4", 12.0)
    one = []
    cuts = CutDetector()
    with open_video(short) as v, create_estimator() as est:
        for vf in v:
            one.append((vf.t_s, est.estimate(vf.image, vf.t_s), cuts.step(vf.image)))
    seg = SegmentedPoses(str(short), 2)
    two = list(seg)
    assert len(seg.segments) == 2
    boundary = seg.segments[1].start_s
    assert [t for t, _, _ in two] == [t for t, _, _ in one]
    assert [c for _, _, c in two] == [c for _, _, c in one]
    after = []
    for (t, a, _), (_, b, _) in zip(one, two, strict=True):
        assert a is not None and b is not None
        if t < boundary:
            assert np.array_equal(a.xy, b.xy) and np.array_equal(a.visibility, b.visibility)
        else:
            after.append(float(np.abs(a.xy - b.xy).max()))
    assert after and float(np.median(after)) < 3.0 and max(after) < 12.0, after


def test_inputs_expand_folders_and_name_reports_once(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for n in ("b.mp4", "a.MOV", "notes.txt"):
        (tmp_path / "d" / n).write_bytes(b"")
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "a.mp4").write_bytes(b"")
    clips = expand_inputs([str(tmp_path / "d"), str(tmp_path / "e" / "a.mp4"), "missing.mp4"])
    assert [c.name for c in clips] == ["a.MOV", "b.mp4", "a.mp4", "missing.mp4"]
    assert report_names(clips) == ["a", "b", "a-2", "missing"]


@pytest.mark.slow
def test_a_batch_reviews_every_clip_and_a_bad_one_gets_its_row(tmp_path: Path) -> None:
    clip = SAMPLES / "glute_bridge_side_clean.mp4"
    if not clip.is_file():
        pytest.skip("no sample videos")
    good = _short_clip(clip, tmp_path / "in" / "good.mp4", 9.0)
    _short_clip(clip, tmp_path / "in" / "also.mp4", 3.0)
    (tmp_path / "in" / "broken.mp4").write_bytes(b"this is not a video")
    out = tmp_path / "out"
    proc = run_cli("review", str(tmp_path / "in"), "-e", "glute_bridge", "--out-dir", str(out))
    assert proc.returncode == 2, proc.stderr[-2000:]  # a clip failed
    assert "Traceback" not in proc.stderr
    with (out / "summary.csv").open() as f:
        rows = {r["clip"]: r for r in csv.DictReader(f)}
    assert list(rows) == ["also.mp4", "broken.mp4", "good.mp4"]
    assert rows["broken.mp4"]["reps"] == "" and "cannot read" in rows["broken.mp4"]["errors"]
    one = review_clip(good, get_spec("glute_bridge"), jobs=1)
    assert rows["good.mp4"]["reps"] == str(one.record.reps)
    assert rows["good.mp4"]["assessed"] == "yes"
    report = json.loads((out / "good.json").read_text())
    assert report["summary"]["reps"] == one.record.reps
    assert (out / "also.json").is_file() and not (out / "broken.json").exists()


def test_several_clips_need_an_out_dir(tmp_path: Path) -> None:
    proc = run_cli("review", "a.mp4", "b.mp4", "-e", "glute_bridge")
    assert proc.returncode == 2
    assert "--out-dir" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_the_ray_engine_runs_the_same_task(tmp_path: Path) -> None:
    """Ray started here (local), one CPU: the same rows and reports as the process pool."""
    pytest.importorskip("ray")
    from formcheck.batch import LocalEngine, RayEngine, review_batch

    clip = SAMPLES / "glute_bridge_side_clean.mp4"
    if not clip.is_file():
        pytest.skip("no sample videos")
    clips = [_short_clip(clip, tmp_path / "short.mp4", 5.0), tmp_path / "missing.mp4"]
    ray_rows = review_batch(clips, "glute_bridge", tmp_path / "ray", 1, engine=RayEngine(1))
    local_rows = review_batch(clips, "glute_bridge", tmp_path / "local", 1, engine=LocalEngine(1))
    assert ray_rows == local_rows
    assert ray_rows[1] is not None and "clip not found" in ray_rows[1].errors
    ray_json = (tmp_path / "ray" / "short.json").read_text()
    assert ray_json == (tmp_path / "local" / "short.json").read_text()


def test_the_default_engine_needs_no_ray(tmp_path: Path) -> None:
    """A batch on the local process pool never imports Ray (it is an optional extra)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from formcheck.batch import review_batch\n"
        "if __name__ == '__main__':\n"
        f"    out = Path({str(tmp_path)!r})\n"
        "    rows = review_batch([Path('missing.mp4')], 'glute_bridge', out, 1)\n"
        "    assert rows[0] is not None and 'clip not found' in rows[0].errors, rows\n"
        "    print('ray' in sys.modules)\n"
    )
    script = tmp_path / "batch_no_ray.py"
    script.write_text(code)
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "False"
