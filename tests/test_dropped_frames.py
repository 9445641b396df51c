"""Live analyses 8-26 of the camera's 30 frames a second: counts and faults must not change.

The live app drops the frames that arrive while the previous one is still being
analysed, irregularly (issue 11). Here the real model's poses of a sample clip
are replayed through :class:`ExerciseSession` once with every frame (what
`formcheck review` does) and then with only the frames a seeded drop pattern
keeps, at 8, 12 and 20 fps: the rep count and the set of faulted reps must be
the same. Nothing here depends on how fast the machine is: the patterns are
seeded and time comes from the frames.

Two kinds of pattern: ``bernoulli`` keeps each frame with probability fps / 30;
``busy`` is how the live stream drops frames: analysing a frame takes a random
time (about 1 / fps), and the first frame that arrives after that is analysed.

The poses are computed once per test session with every frame; live also runs the
pose model on the kept frames only, which these replays do not (see the report
of issue 11).
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from formcheck.landmarks import PoseFrame
from formcheck.record import SessionRecord
from formcheck.results import FaultRaised, HoldEnded
from formcheck.session import ExerciseSession
from formcheck.spec import get_spec

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
RATES = (8, 12, 20)
KINDS = ("bernoulli", "busy")
SEEDS = (0, 1, 2)

#: Clips whose full-rate review is right (test_sample_videos), each with what it exercises.
CLIPS = {
    "glute_bridge_side_clean": "3 reps, no fault",
    "glute_bridge_side_lower_fast": "4 reps; reps 2 and 4 lowered too fast (a tempo rule)",
    "glute_bridge_side_partial": "2 reps and 2 partial lifts (reach_top)",
    "knee_to_chest_left_clean": "2 held reps (the settle detector and the hold timer)",
}

Frames = list[tuple[float, PoseFrame | None, bool]]  # (t_s, pose, a cut before this frame)


@dataclass(frozen=True)
class Outcome:
    reps: int  # what the report counts (holds, for a hold-only exercise)
    holds: int
    faulted: frozenset[tuple[str, int | None]]  # (rule, rep) of every fault raised


@pytest.fixture(scope="session")
def poses() -> dict[str, Frames]:
    """Each clip's poses from the real model, every frame, computed once per session."""
    pytest.importorskip("mediapipe")
    return {}


def _frames(cache: dict[str, Frames], stem: str) -> Frames:
    if stem not in cache:
        from formcheck.cuts import CutDetector
        from formcheck.pose import create_estimator
        from formcheck.pose.tracking import tracker_for
        from formcheck.video import open_video

        spec = get_spec(_truth(stem)["exercise"])
        tracker = tracker_for(spec.tracked_landmarks)
        cuts = CutDetector()
        out: Frames = []
        with open_video(SAMPLES / f"{stem}.mp4") as src, create_estimator() as est:
            for vf in src:
                cut = cuts.step(vf.image)
                pose = est.estimate(vf.image, vf.t_s)
                if tracker is not None:
                    pose = tracker.update(vf.image, pose)
                out.append((vf.t_s, pose, cut))
        cache[stem] = out
    return cache[stem]


def _truth(stem: str) -> dict:
    return json.loads((SAMPLES / f"{stem}.json").read_text())


def keep_pattern(n: int, kind: str, fps: float, seed: int, source_fps: float = 30.0) -> list[int]:
    """Indices of the frames a live stream analysing about ``fps`` frames a second keeps."""
    rng = random.Random(seed)
    if kind == "bernoulli":
        return [i for i in range(n) if i == 0 or rng.random() < fps / source_fps]
    assert kind == "busy", kind
    # Waiting for the next frame after the work is done adds half a frame on average.
    mean_busy_s = 1.0 / fps - 0.5 / source_fps
    kept: list[int] = []
    free_at = 0.0
    for i in range(n):
        t = i / source_fps
        if t >= free_at:
            kept.append(i)
            free_at = t + rng.gammavariate(2.0, mean_busy_s / 2.0)  # irregular
    return kept


def replay(stem: str, frames: Frames, keep: list[int] | None = None) -> Outcome:
    """Step a session with the kept frames (all of them when ``keep`` is None)."""
    truth = _truth(stem)
    spec = get_spec(truth["exercise"])
    session = ExerciseSession(spec, side=truth["side"])
    record = SessionRecord(spec)  # the report, folded as review and live fold it
    events = []
    prev, last_t = -1, 0.0
    for i in range(len(frames)) if keep is None else keep:
        t_s, pose, _ = frames[i]
        if any(cut for _, _, cut in frames[prev + 1 : i + 1]):
            session.mark_cut(t_s)  # the cut detector compares the frames it is given
        prev, last_t = i, t_s
        result = session.step(pose, t_s)
        record.consume(result)
        events += result.events
    result = session.finish(last_t)
    record.consume(result)
    events += result.events
    return Outcome(
        reps=record.reps,
        holds=sum(isinstance(e, HoldEnded) and e.counted for e in events),
        faulted=frozenset((e.rule, e.rep) for e in events if isinstance(e, FaultRaised)),
    )


def test_patterns_keep_about_the_asked_rate() -> None:
    n = 30 * 60
    for kind in KINDS:
        for fps in RATES:
            for seed in SEEDS:
                kept = keep_pattern(n, kind, fps, seed)
                assert kept == keep_pattern(n, kind, fps, seed)  # seeded: the same every run
                assert 0.8 * fps <= len(kept) / 60 <= 1.2 * fps, (kind, fps, seed, len(kept))
                gaps = {b - a for a, b in itertools.pairwise(kept)}
                assert len(gaps) > 2  # irregular, not every k-th frame


@pytest.mark.parametrize("stem", list(CLIPS))
def test_full_rate_replay_matches_the_clips_truth(stem: str, poses: dict[str, Frames]) -> None:
    full = replay(stem, _frames(poses, stem))
    truth = _truth(stem)
    assert full.reps == truth["reps"], CLIPS[stem]
    assert {rule for rule, _ in full.faulted} == set(truth["faults"]), full.faulted


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fps", RATES)
@pytest.mark.parametrize("stem", list(CLIPS))
def test_dropped_frames_count_and_fault_like_the_full_rate_review(
    stem: str, fps: int, kind: str, poses: dict[str, Frames]
) -> None:
    frames = _frames(poses, stem)
    full = replay(stem, frames)
    for seed in SEEDS:
        keep = keep_pattern(len(frames), kind, fps, seed)
        got = replay(stem, frames, keep)
        assert got.reps == full.reps, (seed, got, full)
        assert got.faulted == full.faulted, (seed, got, full)
        assert got.holds == full.holds, (seed, got, full)
