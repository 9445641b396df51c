"""``formcheck synth``: render a synthetic exercise clip and its ground-truth JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from formcheck.errors import FormcheckError
from formcheck.synth.clip import DEGRADES, LOOKS, VIEWS, ClipConfig, render_clip
from formcheck.synth.errors import SynthError
from formcheck.synth.motion import EXERCISES, FAULTS, HIKE_DECOYS, HIKE_VARIANTS


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 640x480, got {text!r}") from None
    return w, h


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the ``synth`` subcommand on the main CLI's subparsers."""
    p = subparsers.add_parser(
        "synth",
        help="render a synthetic exercise clip with exact ground truth",
        description="Render a synthetic clip of a mannequin doing an exercise, and write its "
        "ground truth (reps, holds, injected faults) as JSON next to it. "
        f"{', '.join(EXERCISES)} have motion scripts (--reps, --hold, --tempo); every exercise "
        "can be rendered from one of its scenario files (exercise_specs/scenarios/ID/), "
        "chosen with --scenario, or by --fault, --view and --side.",
    )
    configure(p)


def configure(p: argparse.ArgumentParser) -> None:
    faults = "; ".join(f"{ex}: {', '.join(fs)}" for ex, fs in FAULTS.items())
    views = "; ".join(f"{ex}: {', '.join(vs)}" for ex, vs in VIEWS.items())
    p.add_argument("exercise", help="exercise id (see `formcheck exercises`)")
    p.add_argument(
        "--scenario",
        default=None,
        metavar="NAME",
        help="render this scenario file of the exercise (exercise_specs/scenarios/ID/NAME.toml); "
        "the default for exercises without a motion script is its clean scenario",
    )
    p.add_argument("-o", "--out", required=True, type=Path, help="output clip (.mp4)")
    p.add_argument("--reps", type=int, default=None, help="number of reps (default per exercise)")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="ID",
        help=f"inject a fault (repeatable); {faults}",
    )
    p.add_argument("--view", default=None, help=f"camera view; {views}")
    p.add_argument(
        "--side", choices=("left", "right"), default=None, help="working side (standing_hip_hike)"
    )
    p.add_argument(
        "--hold",
        type=float,
        default=None,
        metavar="S",
        help="hold at the top after the reps, seconds (default per exercise; 0: none)",
    )
    p.add_argument(
        "--variant",
        choices=HIKE_VARIANTS,
        default="floor",
        help="standing_hip_hike: on the floor, or the working foot on a step",
    )
    p.add_argument(
        "--decoy",
        choices=HIKE_DECOYS,
        default=None,
        help="standing_hip_hike: do another movement instead of the hikes (none should count)",
    )
    p.add_argument("--tempo", type=float, default=None, help="speed factor (default: from seed)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--look",
        choices=LOOKS,
        default="random",
        help="body, clothes and room: fixed default or drawn from the seed",
    )
    p.add_argument(
        "--degrade",
        choices=DEGRADES,
        default="mild",
        help="camera noise, blur, lighting change and JPEG artefacts",
    )
    p.add_argument(
        "--camera-jitter",
        type=float,
        default=1.0,
        help="0: canonical camera for the view; 1: varied by the seed",
    )
    p.add_argument("--size", type=_size, default=(640, 480), metavar="WxH")
    p.add_argument("--fps", type=float, default=None, help="frames per second (default 30)")
    p.add_argument("--crf", type=int, default=28, help="H.264 quality (lower = bigger file)")
    p.add_argument(
        "--out-truth",
        type=Path,
        default=None,
        help="ground-truth JSON path (default: the clip's path with .json)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        if args.scenario is not None or args.exercise not in EXERCISES:
            truth = _run_scenario(args)
        else:
            cfg = ClipConfig(
                exercise=args.exercise,
                reps=args.reps,
                faults=tuple(args.fault),
                view=args.view,
                side=args.side,
                seed=args.seed,
                size=args.size,
                fps=args.fps or 30.0,
                hold_s=args.hold,
                tempo=args.tempo,
                look=args.look,
                degrade=args.degrade,
                camera_jitter=args.camera_jitter,
                variant=args.variant,
                decoy=args.decoy,
            )
            truth = render_clip(cfg, args.out, args.out_truth, crf=args.crf)
    except FormcheckError as err:
        print(f"formcheck synth: {err}", file=sys.stderr)
        return 2
    tpath = args.out_truth or args.out.with_suffix(".json")
    print(
        f"wrote {args.out} ({truth['n_frames']} frames, {truth['duration_s']} s, "
        f"{truth['reps']} reps, holds {truth['hold_s']}, "
        f"faults {', '.join(truth['faults']) or 'none'}) "
        f"and {tpath}"
    )
    return 0


def _run_scenario(args: argparse.Namespace) -> dict[str, Any]:
    from formcheck.spec import get_spec
    from formcheck.synth.scenario_clip import find_scenario, render_scenario

    get_spec(args.exercise)  # an unknown id: one line listing the known ones
    scripted = [
        f"--{name}" for name in ("reps", "hold", "tempo") if getattr(args, name) is not None
    ]
    if scripted:
        raise SynthError(
            f"{', '.join(scripted)}: set by the scenario file when rendering a scenario "
            f"(only {', '.join(EXERCISES)} have motion scripts)"
        )
    if len(args.fault) > 1:
        raise SynthError("a scenario shows at most one chosen fault: give --fault once")
    path = find_scenario(
        args.exercise,
        args.scenario,
        fault=args.fault[0] if args.fault else None,
        view=args.view,
        side=args.side,
    )
    return render_scenario(
        path,
        args.out,
        args.out_truth,
        crf=args.crf,
        seed=args.seed,
        look=args.look,
        degrade=args.degrade,
        camera_jitter=args.camera_jitter,
        size=args.size,
        fps=args.fps,
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m formcheck.synth")
    configure(p)
    return run(p.parse_args(argv))
