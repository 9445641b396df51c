"""End to end: `formcheck review` on every committed synthetic clip matches its ground truth.

Real video, the real pose model, the real CLI. The truth JSON next to each clip
comes from the motion script that rendered it (formcheck.synth), never from the
engine. Tolerances:

* rep count and partial-rep count: exact;
* hold time: the report's hold_s within 0.5 s of the longest scripted hold;
* each injected fault interval [a, b] has an event of that rule at a - 0.5 <= t <= b + 1.5
  (the engine needs its grace time, and tempo/hold faults are judged when the phase ends);
* every fault event the engine raises lies in such a window of an injected fault (so
  clean clips raise none).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
CLIPS = sorted(SAMPLES.glob("*.mp4"))
BEFORE_S, AFTER_S, HOLD_TOL_S = 0.5, 1.5, 0.5

#: Reviews run two at a time: one MediaPipe process uses about one core.
WORKERS = 2


def _run_review(clip: Path, tmp: Path) -> dict[str, Any] | str:
    """The JSON report, or what the command printed when it failed."""
    truth = _truth(clip)
    out = tmp / f"{clip.stem}.report.json"
    cmd = [
        sys.executable,
        "-m",
        "formcheck",
        "review",
        str(clip),
        "--exercise",
        truth["exercise"],
        "--json",
        str(out),
        "--quiet",
    ]
    if truth["side"]:
        cmd += ["--side", truth["side"]]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        return f"{clip.name}: exit {proc.returncode}: {proc.stderr[-2000:]}"
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, dict[str, Any] | str]:
    """Every sample clip reviewed once by the real CLI, WORKERS at a time."""
    from concurrent.futures import ThreadPoolExecutor

    tmp = tmp_path_factory.mktemp("reports")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        done = pool.map(lambda c: (c, _run_review(c, tmp)), CLIPS)
        return dict(done)


def _truth(clip: Path) -> dict[str, Any]:
    return json.loads(clip.with_suffix(".json").read_text())


def test_the_sample_set_is_there() -> None:
    assert len(CLIPS) >= 8, "sample_videos/ is missing clips: run sample_videos/make_samples.py"
    views = {(t["exercise"], t["view"], t["side"], bool(t["faults"])) for t in map(_truth, CLIPS)}
    for need in [
        ("glute_bridge", "side", None),
        ("glute_bridge", "foot_end", None),
        ("standing_hip_hike", "front", "left"),
        ("standing_hip_hike", "front", "right"),
    ]:
        assert (*need, False) in views and (*need, True) in views, need


def test_every_exercise_has_a_clean_sample_and_a_faulty_one() -> None:
    """One clean clip per exercise, plus one with a fault where the spec has form rules."""
    from formcheck.scenario import SPEC_DIR
    from formcheck.spec import get_spec

    truths = [_truth(c) for c in CLIPS]
    problems = []
    for path in sorted(SPEC_DIR.glob("*.toml")):
        spec = get_spec(path.stem)
        if spec.is_timer:  # a guided timer: the camera checks nothing, there is nothing to film
            continue
        mine = [t for t in truths if t["exercise"] == spec.id]
        if not any(not t["faults"] for t in mine):
            problems.append(f"{spec.id}: no clean sample")
        if spec.rules and not any(t["faults"] for t in mine):
            problems.append(f"{spec.id}: no sample with a fault")
    assert not problems, "add them to sample_videos/make_samples.py:\n" + "\n".join(problems)


#: Measured gaps: (clip, aspect) -> why it fails today. Each is a strict xfail, so
#: the test fails as soon as one starts passing and the entry must be removed.
_FOOT_END = (
    "from the feet the raised thighs hide the pelvis: MediaPipe misses the 10-15 degree hip drop"
)
KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("standing_hip_hike_right_short_hold", "faults"): "hold_too_short is not judged: the "
    "spec still marks the hike's count an estimate (exact on 13 of 16 held-out renders)",
    ("glute_bridge_foot_end_clean", "reps"): "the model loses the person for ~1.5 s and the "
    "lifts read as partial reps",
    ("glute_bridge_foot_end_hip_drop", "faults"): _FOOT_END,
    ("kihara_quad_stretch_left_clean", "reps"): "the kneeling lunge with the back foot "
    "raised: MediaPipe merges or swaps the legs for 0.3-0.5 s at a time, so one forward move "
    "reads split and the last move back reads as sitting; 5 of 6 moves counted",
}
ASPECTS = ("reps", "hold", "faults")


def _cases() -> list[Any]:
    out = []
    for clip in CLIPS:
        for aspect in ASPECTS:
            why = KNOWN_GAPS.get((clip.stem, aspect))
            marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
            out.append(pytest.param(clip, aspect, marks=marks, id=f"{clip.stem}-{aspect}"))
    return out


def test_known_gaps_name_real_clips() -> None:
    stems = {c.stem for c in CLIPS}
    assert {clip for clip, _ in KNOWN_GAPS} <= stems


@pytest.mark.parametrize(("clip", "aspect"), _cases())
def test_review_matches_ground_truth(
    clip: Path, aspect: str, reports: dict[Path, dict[str, Any] | str]
) -> None:
    truth = _truth(clip)
    report = reports[clip]
    assert not isinstance(report, str), report
    s = report["summary"]
    assert s["assessed"], s["reason"]
    assert s["frames_with_person"] >= 0.9 * s["frames"]
    if aspect == "reps":
        assert s["reps"] == truth["reps"], (s["reps"], truth["rep_times"], report["reps"])
        assert s.get("partial_reps", 0) == len(truth["partial_reps"])
        if truth.get("reps_by_direction"):
            got = {d: v["reps"] for d, v in s["by_direction"].items()}
            assert got == truth["reps_by_direction"], s["by_direction"]
    elif aspect == "hold":
        if truth["hold_s"] is None:
            pytest.skip(f"{truth['scenario']} asserts no hold times")
        want_hold = max(truth["hold_s"], default=0.0)
        tol = max(HOLD_TOL_S, truth.get("hold_tolerance_s", 0.0))
        assert abs(s["hold_s"] - want_hold) <= tol, (s["hold_s"], truth["holds"])
    else:
        events = report["faults"]
        windows = {
            rule: [(a - BEFORE_S, b + AFTER_S) for a, b in ivs]
            for rule, ivs in truth["faults"].items()
        }
        for rule, wins in windows.items():
            for lo, hi in wins:
                hits = [e["t_s"] for e in events if e["rule"] == rule and lo <= e["t_s"] <= hi]
                assert hits, f"{rule} not raised in [{lo:.2f}, {hi:.2f}]; events: {events}"
        stray = [
            e
            for e in events
            if not any(lo <= e["t_s"] <= hi for lo, hi in windows.get(e["rule"], []))
        ]
        assert not stray, f"faults raised outside any injected interval: {stray}"


@pytest.mark.parametrize("clip", CLIPS, ids=lambda c: c.stem)
def test_one_person_is_not_taken_for_two(
    clip: Path, reports: dict[Path, dict[str, Any] | str]
) -> None:
    """Each sample shows one person: no one else in view, and no jump to another body
    (tests/test_people_clips.py shows the warnings where there are two)."""
    report = reports[clip]
    assert not isinstance(report, str), report
    s = report["summary"]
    assert (s["others_in_view"], s["person_switches"]) == (False, 0), s["warnings"]
