"""Per-frame posture classification on the real dev clips, against hand-labelled segments.

    python benchmarks/posture_clips.py [CLIP_STEM ...] [--cache DIR] [--confusion] [--samples]

For each clip in ../shared/clips/dev: the share of frames (with a person)
classified as each posture, and, inside the labelled segments below, the share
that matches the label ("match") and the share given another posture
("wrong"; the rest is "none": can't tell or matches no posture), plus how often
the per-frame answer changes (flips per second; the session's time hysteresis
smooths what is left). ``--samples`` adds the synthetic sample_videos/.

Landmarks come from ``DIR/<stem>.csv`` (default /tmp/posecache, written by
formcheck.pose.replay.save_landmarks) when present; otherwise MediaPipe runs
on the clip (bundled full model, video mode) and the landmarks are cached
there for next time. A benchmark that prints numbers, not a test.

The segments were labelled by looking at frames (contact sheets with the
landmarks drawn), from labels.csv and the exercise catalogue. Times between
segments are transitions, title cards or cuts and are not scored. "other"
marks a pose that is none of the postures (downward dog; a prone back
extension over a bench) and is reported, not scored.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.landmarks import PoseFrame  # noqa: E402
from formcheck.posture import POSTURES, classify_posture  # noqa: E402

DEV = ROOT.parent / "shared" / "clips" / "dev"
SAMPLES = ROOT / "sample_videos"
INF = float("inf")

#: (start_s, end_s, posture) per clip; frames outside every segment are not scored.
SEGMENTS: dict[str, list[tuple[float, float, str]]] = {
    "bridge_side_a": [(0, INF, "lying_on_back")],
    "bridge_hold_a": [(0, INF, "lying_on_back")],
    "pelvic_tilt_a": [(0, INF, "lying_on_back")],
    "cross_crunch_a": [(0, INF, "lying_on_back")],
    # title card 0-5 s; a close-up cut at 15-20.6 s; black from 37.7 s
    "knee_to_chest_a": [(5.5, 37.7, "lying_on_back")],
    # dark intro to 2 s, elevated oblique views, text card from 30.7 s
    "lower_back_rotation_a": [(2.0, 30.6, "lying_on_back")],
    # title card to ~2 s, several camera angles, end card from ~40 s
    "bridge_tutorial_cuts": [(2.5, 39.5, "lying_on_back")],
    # high plank, lowers to the floor (1.3-2.4 s), prone, cobra / upward dog
    # (4.5-8.4 s), back to plank (8.4-10 s), downward dog from 10.2 s
    "cobra_a": [(0, 1.2, "plank"), (2.5, 8.4, "lying_face_down"), (10.2, INF, "other")],
    "back_extension_a": [(0, INF, "other")],
    # prone (flat, then on the forearms, 0-11 s), forearm plank side-on,
    # head-end view (19-30.3 s), side-on again, prone on forearms (48.5-50.6 s),
    # knee plank on the forearms (51.6-57.4 s), dissolve to the end card
    "plank_a": [
        (0, 11.0, "lying_face_down"),
        (12.6, 18.8, "plank"),
        (19.0, 30.3, "plank"),  # seen from the head end
        (32.5, 47.2, "plank"),
        (48.5, 50.6, "lying_face_down"),
        (51.6, 57.4, "plank"),
    ],
    # sitting back on the heels, then moves onto hands and knees (2-3.5 s)
    "cat_cow_a": [(0, 2.0, "kneeling"), (3.5, INF, "hands_and_knees")],
    "bird_dog_a": [(0, INF, "hands_and_knees")],
    "kneeling_hip_flexor_a": [(0, INF, "half_kneeling")],
    "squat_side_a": [(0, INF, "standing")],
    "squat_side_b": [(0, INF, "standing")],
    "forward_bend_a": [(0, INF, "standing")],
    "hip_hinge_a": [(0, INF, "standing")],
    # front view, sitting on a stool; rises 0.95-1.5 s, sits down 3.4-3.65 s
    "sit_to_stand_a": [(0, 0.95, "sitting"), (1.5, 3.4, "standing"), (3.65, INF, "sitting")],
}

#: Synthetic sample videos (``--samples``): the posture from the exercise in the name.
SAMPLE_POSTURES = {"glute_bridge": "lying_on_back", "standing_hip_hike": "standing"}

SHORT = {
    "lying_on_back": "back",
    "lying_face_down": "face_dn",
    "plank": "plank",
    "hands_and_knees": "hands_kn",
    "childs_pose": "child",
    "kneeling": "kneel",
    "half_kneeling": "half_kn",
    "sitting": "sit",
    "standing": "stand",
    None: "none",
}


def label_at(stem: str, t_s: float) -> str | None:
    if stem.startswith("sample_"):
        return next((p for k, p in SAMPLE_POSTURES.items() if stem[7:].startswith(k)), None)
    for start, end, posture in SEGMENTS.get(stem, []):
        if start <= t_s < end:
            return posture
    return None


def landmarks(stem: str, cache: Path) -> list[tuple[float, PoseFrame | None]]:
    from formcheck.pose.replay import load_replay, save_landmarks

    path = cache / f"{stem}.csv"
    if path.is_file():
        return load_replay(path)
    from formcheck.pose import create_estimator
    from formcheck.video import open_video

    clip = SAMPLES / f"{stem[7:]}.mp4" if stem.startswith("sample_") else DEV / f"{stem}.mp4"
    rows: list[tuple[float, PoseFrame | None]] = []
    with create_estimator() as est, open_video(clip) as src:
        size = src.size
        for vf in src:
            rows.append((vf.t_s, est.estimate(vf.image, vf.t_s)))
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_landmarks(rows, tmp, image_size=size)
    tmp.replace(path)
    return rows


def measure(stem: str, cache: Path) -> dict:
    rows = landmarks(stem, cache)
    shares: Counter[str | None] = Counter()
    confusion: dict[str, Counter[str | None]] = {}
    person = scored = matched = wrong = flips = 0
    prev: str | None = None
    for t_s, pose in rows:
        if pose is None:
            continue
        person += 1
        got = classify_posture(pose).posture
        shares[got] += 1
        if got is not None and prev is not None and got != prev:
            flips += 1
        if got is not None:
            prev = got
        want = label_at(stem, t_s)
        if want is None:
            continue
        confusion.setdefault(want, Counter())[got] += 1
        if want != "other":
            scored += 1
            matched += got == want
            wrong += got is not None and got != want
    duration = rows[-1][0] - rows[0][0] if len(rows) > 1 else 0.0
    return {
        "frames": len(rows),
        "person": person,
        "shares": shares,
        "scored": scored,
        "match": matched / scored if scored else float("nan"),
        "wrong": wrong / scored if scored else float("nan"),
        "flips_per_s": flips / duration if duration > 0 else 0.0,
        "confusion": confusion,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stems", nargs="*", help="clip names without .mp4 (default: all labelled)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/posecache"))
    ap.add_argument("--confusion", action="store_true", help="print label -> result counts")
    ap.add_argument("--samples", action="store_true", help="also the synthetic sample_videos/")
    args = ap.parse_args(argv)
    stems = args.stems or [s for s in SEGMENTS if (DEV / f"{s}.mp4").is_file()]
    if args.samples:
        stems += [f"sample_{p.stem}" for p in sorted(SAMPLES.glob("*.mp4"))]
    if not stems:
        print(f"no clips: {DEV} is not available", file=sys.stderr)
        return 1
    cols = [*POSTURES, None]
    print(
        f"{'clip':34s} {'frames':>6s} {'match':>6s} {'wrong':>6s} {'flip/s':>6s} "
        + " ".join(f"{SHORT[c]:>8s}" for c in cols)
    )
    total_scored = total_matched = total_wrong = 0
    for stem in stems:
        m = measure(stem, args.cache)
        n = max(m["person"], 1)
        match = "-" if m["scored"] == 0 else f"{100 * m['match']:5.1f}%"
        bad = "-" if m["scored"] == 0 else f"{100 * m['wrong']:5.1f}%"
        print(
            f"{stem:34s} {m['person']:6d} {match:>6s} {bad:>6s} {m['flips_per_s']:6.2f} "
            + " ".join(f"{100 * m['shares'][c] / n:7.1f}%" for c in cols),
            flush=True,
        )
        if m["scored"]:
            total_scored += m["scored"]
            total_matched += round(m["match"] * m["scored"])
            total_wrong += round(m["wrong"] * m["scored"])
        if args.confusion:
            for want, got in m["confusion"].items():
                parts = ", ".join(f"{SHORT[g]} {c}" for g, c in got.most_common())
                print(f"    {want:16s} -> {parts}")
    if total_scored:
        print(
            f"{'all scored frames':34s} {total_scored:6d} "
            f"{100 * total_matched / total_scored:5.1f}% {100 * total_wrong / total_scored:5.1f}%"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
