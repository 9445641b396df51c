"""Robustness sweep: randomised synthetic clips through the whole review pipeline.

    python benchmarks/synth_sweep.py [--n 6] [--exercise glute_bridge] [--seed0 1000]

For each exercise, N clips with a random body, clothes, room, camera (within
the spec's views), camera degradation, tempo, side and (half of the time) one
injected fault. Exercises without a motion script are rendered from one of
their scenario files, picked at random (formcheck.synth.scenario_clip), with a
random body, room, camera placement and degradation. Each clip is rendered,
reviewed with the real pose model (formcheck.pipeline.review_clip), and
compared with the ground truth from its motion script or scenario. Prints
rep-count exact-match rate and MAE, hold-time error, and fault
precision/recall (per rule). A benchmark that prints numbers, not a test:
the engine is not tuned on these seeds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from formcheck.synth.clip import VIEWS, ClipConfig, render_clip  # noqa: E402
from formcheck.synth.motion import FAULTS  # noqa: E402
from formcheck.synth.scenario_clip import (  # noqa: E402
    not_renderable,
    render_scenario,
    scenario_paths,
)

BEFORE_S, AFTER_S = 0.5, 1.5
# Faults that can be seen from each view (hips level needs the foot-end view).
VIEW_FAULTS = {
    ("glute_bridge", "side"): ("lower_slowly", "reach_top"),
    ("glute_bridge", "foot_end"): ("hips_level", "lower_slowly", "reach_top"),
    ("standing_hip_hike", "front"): FAULTS["standing_hip_hike"],
}


def random_config(exercise: str, seed: int, spec_views: tuple[str, ...]) -> ClipConfig:
    rng = np.random.default_rng(seed)
    views = [v for v in VIEWS[exercise] if v in spec_views and (exercise, v) in VIEW_FAULTS]
    view = str(rng.choice(views))
    faults: tuple[str, ...] = ()
    if rng.uniform() < 0.5:
        faults = (str(rng.choice(VIEW_FAULTS[(exercise, view)])),)
    side = str(rng.choice(["left", "right"])) if exercise == "standing_hip_hike" else None
    reps = int(rng.integers(2, 5))
    return ClipConfig(
        exercise,
        reps=reps,
        faults=faults,
        view=view,
        side=side,
        seed=seed,
        tempo=float(rng.uniform(0.75, 1.3)),
        degrade=str(rng.choice(["mild", "strong"])),
        camera_jitter=1.0,
    )


def random_scenario(exercise: str, seed: int) -> Path:
    """One renderable scenario file of the exercise, half of the time a faulty one."""
    from formcheck.scenario import load_scenario

    rng = np.random.default_rng(seed)
    scs = [load_scenario(p) for p in scenario_paths(exercise)]
    scs = [sc for sc in scs if not not_renderable(sc)]
    faulty = [sc for sc in scs if not sc.clean]
    pool = faulty if faulty and rng.uniform() < 0.5 else [sc for sc in scs if sc.clean] or scs
    return Path(pool[int(rng.integers(len(pool)))].path)


@dataclass
class Tally:
    clips: int = 0
    detect: list[float] = field(default_factory=list)
    rep_exact: int = 0
    rep_abs: list[int] = field(default_factory=list)
    hold_abs: list[float] = field(default_factory=list)
    tp_intervals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    intervals: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    good_events: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    events: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    misses: list[str] = field(default_factory=list)
    not_checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def score(t: Tally, truth: dict[str, Any], report: dict[str, Any], name: str) -> None:
    s = report["summary"]
    t.clips += 1
    t.detect.append(s["frames_with_person"] / max(s["frames"], 1))
    err = int(s["reps"]) - int(truth["reps"])
    t.rep_abs.append(abs(err))
    t.rep_exact += err == 0
    problems = [] if err == 0 else [f"reps {s['reps']} want {truth['reps']}"]
    if truth["hold_s"]:
        want = max(truth["hold_s"])
        t.hold_abs.append(abs(float(s["hold_s"]) - want))
        if abs(float(s["hold_s"]) - want) > 0.5:
            problems.append(f"hold {s['hold_s']:.1f} want {want:.1f}")
    # A fault the report lists as not checked (its rule needs another camera view,
    # or judges a movement the spec marks low-confidence) is tallied apart, not as a miss.
    not_checked = set(s.get("not_checked", []))
    for rule in not_checked & set(truth["faults"]):
        t.not_checked[rule] += len(truth["faults"][rule])
    windows = {
        r: [(a - BEFORE_S, b + AFTER_S) for a, b in ivs]
        for r, ivs in truth["faults"].items()
        if r not in not_checked
    }
    events = report["faults"]
    for rule, wins in windows.items():
        for lo, hi in wins:
            t.intervals[rule] += 1
            if any(e["rule"] == rule and lo <= e["t_s"] <= hi for e in events):
                t.tp_intervals[rule] += 1
            else:
                problems.append(f"missed {rule} [{lo:.1f},{hi:.1f}]")
    for e in events:
        t.events[e["rule"]] += 1
        if any(lo <= e["t_s"] <= hi for lo, hi in windows.get(e["rule"], [])):
            t.good_events[e["rule"]] += 1
        else:
            problems.append(f"false {e['rule']} at {e['t_s']:.1f}")
    if problems:
        t.misses.append(f"{name}: " + "; ".join(problems))


def report_tally(name: str, t: Tally) -> None:
    if not t.clips:
        return
    print(f"\n== {name}: {t.clips} clips")
    print(
        f"  person detected: {100 * np.mean(t.detect):.1f}% of frames (min "
        f"{100 * min(t.detect):.1f}%)"
    )
    print(
        f"  reps: exact {t.rep_exact}/{t.clips} ({100 * t.rep_exact / t.clips:.0f}%), "
        f"MAE {np.mean(t.rep_abs):.2f}"
    )
    if t.hold_abs:
        print(
            f"  hold time: mean |error| {np.mean(t.hold_abs):.2f} s, max "
            f"{max(t.hold_abs):.2f} s over {len(t.hold_abs)} holds"
        )
    tp, n = sum(t.tp_intervals.values()), sum(t.intervals.values())
    good, ev = sum(t.good_events.values()), sum(t.events.values())
    rec = f"{tp}/{n} = {100 * tp / n:.0f}%" if n else "n/a"
    prec = f"{good}/{ev} = {100 * good / ev:.0f}%" if ev else "n/a (no events)"
    print(f"  faults: recall {rec}, precision {prec}")
    for rule in sorted(set(t.intervals) | set(t.events)):
        print(
            f"    {rule:22s} recall {t.tp_intervals[rule]}/{t.intervals[rule]}  "
            f"precision {t.good_events[rule]}/{t.events[rule]}"
        )
    for rule, k in sorted(t.not_checked.items()):
        print(f"    {rule:22s} injected {k}x where the report says it is not checked")
    for m in t.misses:
        print(f"  - {m}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=6, help="clips per exercise")
    ap.add_argument("--exercise", action="append", default=None)
    ap.add_argument("--seed0", type=int, default=1000)
    ap.add_argument("--keep", type=Path, default=None, help="keep clips and reports here")
    args = ap.parse_args(argv)

    from formcheck.pipeline import review_clip
    from formcheck.pose import create_estimator
    from formcheck.scenario import SPEC_DIR
    from formcheck.spec import get_spec

    exercises = args.exercise or sorted(
        p.stem for p in SPEC_DIR.glob("*.toml") if not get_spec(p.stem).is_timer
    )
    tallies: dict[str, Tally] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.keep or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        for ex in exercises:
            spec = get_spec(ex)
            tally = tallies.setdefault(ex, Tally())
            for i in range(args.n):
                seed = args.seed0 + 100 * exercises.index(ex) + i
                t0 = time.time()
                if ex in FAULTS:
                    cfg = random_config(ex, seed, tuple(spec.views))
                    name = (
                        f"{ex}_{cfg.view_name}_{cfg.side_name or 'x'}_"
                        f"{'+'.join(cfg.faults) or 'clean'}_s{seed}"
                    )
                    clip = out_dir / f"{name}.mp4"
                    truth = render_clip(cfg, clip)
                else:
                    path = random_scenario(ex, seed)
                    name = f"{ex}_{path.stem}_s{seed}"
                    clip = out_dir / f"{name}.mp4"
                    degrade = str(np.random.default_rng(seed).choice(["mild", "strong"]))
                    truth = render_scenario(path, clip, seed=seed, degrade=degrade)
                t1 = time.time()
                with create_estimator() as est:
                    res = review_clip(clip, spec, side=truth["side"], estimator=est)
                report = res.record.to_dict(timeline=False)
                if args.keep:
                    import json

                    clip.with_suffix(".report.json").write_text(json.dumps(report, indent=1))
                score(tally, truth, report, name)
                s = report["summary"]
                print(
                    f"{name}: reps {s['reps']}/{truth['reps']} hold {s['hold_s']:.1f}/"
                    f"{max(truth['hold_s'] or [0]):.1f} faults "
                    f"{sorted({e['rule'] for e in report['faults']})}/{sorted(truth['faults'])}"
                    f" (render {t1 - t0:.0f} s, review {time.time() - t1:.0f} s)",
                    flush=True,
                )
    total = Tally()
    for name, t in tallies.items():
        report_tally(name, t)
        total.clips += t.clips
        total.detect += t.detect
        total.rep_exact += t.rep_exact
        total.rep_abs += t.rep_abs
        total.hold_abs += t.hold_abs
        for d_src, d_dst in (
            (t.tp_intervals, total.tp_intervals),
            (t.intervals, total.intervals),
            (t.good_events, total.good_events),
            (t.events, total.events),
        ):
            for k, v in d_src.items():
                d_dst[k] += v
    if len(tallies) > 1:
        report_tally("all", total)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
