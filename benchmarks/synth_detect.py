"""Detection rate and landmark error of the real pose model on synthetic clips.

    python benchmarks/synth_detect.py [CLIP.mp4 ...]    # default: sample_videos/*.mp4

For each clip: the share of frames where MediaPipe Pose (model_complexity=1,
video mode) finds a person, and the median pixel distance between its
landmarks and the mannequin's projected joints (rebuilt from the truth JSON).
A benchmark that prints numbers, not a test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.landmarks import Landmark  # noqa: E402
from formcheck.synth.clip import plan  # noqa: E402
from formcheck.synth.truth import config_from_truth  # noqa: E402

POINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")


def measure(path: Path) -> dict[str, float]:
    import av
    import mediapipe as mp

    truth = json.loads(path.with_suffix(".json").read_text())
    clip = plan(config_from_truth(truth))
    w, h = clip.config.size
    n = found = 0
    errs: dict[str, list[float]] = {p: [] for p in POINTS}
    with av.open(str(path)) as container, mp.solutions.pose.Pose(model_complexity=1) as pose:
        for i, frame in enumerate(container.decode(video=0)):
            img = frame.to_ndarray(format="rgb24")
            res = pose.process(img)
            n += 1
            if not res.pose_landmarks:
                continue
            found += 1
            gt = clip.landmarks_2d(i / clip.config.fps)
            lm = res.pose_landmarks.landmark
            for p in POINTS:
                for s in ("left", "right"):
                    k = Landmark[f"{s}_{p}".upper()]
                    e = np.hypot(lm[k].x * w - gt[f"{s}_{p}"][0], lm[k].y * h - gt[f"{s}_{p}"][1])
                    errs[p].append(float(e))
    out = {"frames": n, "detected": found / max(n, 1)}
    out.update({p: float(np.median(v)) if v else float("nan") for p, v in errs.items()})
    return out


def main(args: list[str]) -> int:
    paths = [Path(a) for a in args] or sorted((ROOT / "sample_videos").glob("*.mp4"))
    print(f"{'clip':40s} frames detected " + " ".join(f"{p:>8s}" for p in POINTS) + "  (median px)")
    for p in paths:
        m = measure(p)
        print(
            f"{p.stem:40s} {m['frames']:6.0f} {100 * m['detected']:7.1f}% "
            + " ".join(f"{m[q]:8.1f}" for q in POINTS),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
