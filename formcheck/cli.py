"""The ``formcheck`` command line: review, exercises, timer, routines, check-spec,
check-routine, synth.

Errors a user can cause (a bad clip, an unknown exercise, a malformed spec, a
missing model) print one line and exit non-zero; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck import __version__
from formcheck.errors import FormcheckError

if TYPE_CHECKING:
    from formcheck.spec import ExerciseSpec

EXIT_ERROR = 2  # bad input: nothing reviewed
EXIT_NOT_ASSESSED = 3  # reviewed, but nothing could be assessed (report written)


def _add_review(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("review", help="review a recorded clip: reps, holds and form faults")
    p.add_argument("clip", help="video file (mp4, mov, webm, ...)")
    p.add_argument(
        "--exercise", "-e", required=True, help="exercise id (see `formcheck exercises`)"
    )
    p.add_argument(
        "--side",
        choices=("left", "right"),
        help="working side, for exercises done per side (default: found from the clip)",
    )
    p.add_argument("--json", metavar="FILE", help="write the JSON report here")
    p.add_argument("--csv", metavar="FILE", help="write the per-rep table here")
    p.add_argument("--annotated", metavar="OUT.mp4", help="write an annotated H.264 video")
    p.add_argument(
        "--model",
        metavar="FILE.task",
        help="a MediaPipe Pose Landmarker .task file (default: the model bundled with mediapipe)",
    )
    p.add_argument(
        "--landmarks",
        metavar="FILE.csv",
        help="replay saved landmarks instead of running a pose model",
    )
    p.add_argument("--specs", metavar="DIR", help="directory of exercise specs")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _cmd_review(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from formcheck.pipeline import review_clip
    from formcheck.pose import create_estimator
    from formcheck.spec import SPEC_DIR, get_spec

    spec = get_spec(args.exercise, args.specs or SPEC_DIR)
    if spec.is_timer:
        raise FormcheckError(
            f"{spec.id} is a guided timer: the camera checks nothing for it, so there is "
            f"nothing to review. `formcheck timer {spec.id}` prints its plan; the app plays it"
        )
    if args.side and not spec.has_sides:
        raise FormcheckError(f"{spec.id} is not done per side; drop --side")
    if not Path(args.clip).exists():
        raise FormcheckError(f"clip not found: {args.clip}")
    estimator = create_estimator(model=args.model, replay=args.landmarks)
    bar = None if args.quiet else tqdm(unit="frame", desc=Path(args.clip).name, leave=False)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            if total and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

    try:
        with estimator:
            result = review_clip(
                args.clip,
                spec,
                side=args.side,
                estimator=estimator,
                annotated_out=args.annotated,
                progress=progress,
            )
    finally:
        if bar is not None:
            bar.close()
    rec = result.record
    if args.json:
        rec.to_json(args.json)
    if args.csv:
        rec.to_csv(args.csv)
    _print_summary(rec.summary(), result.side_auto, result.decode_error)
    for out in (args.json, args.csv, args.annotated):
        if out:
            print(f"wrote {out}")
    summary = rec.summary()
    if not summary["assessed"]:
        print(f"formcheck: not assessed: {summary['reason']}", file=sys.stderr)
        return EXIT_NOT_ASSESSED
    return 0


def _print_summary(s: dict[str, object], side_auto: bool, decode_error: str | None) -> None:
    target = s["target"]
    assert isinstance(target, dict)
    reps_t = target.get("reps")
    hold_t = target.get("hold_s")
    side = s["side"]
    print(
        f"{s['name']}"
        + (f", {side} side" + (" (found from the clip)" if side_auto else "") if side else "")
    )
    span = (
        ""
        if not reps_t
        else str(reps_t[0])
        if reps_t[0] == reps_t[1]
        else f"{reps_t[0]}-{reps_t[1]}"
    )
    reps_txt = f"{s['reps']}" + (f" (target {span})" if span else "")
    print(f"  reps:   {reps_txt}")
    if hold_t:
        print(f"  hold:   {s['hold_s']:.1f} s (target {hold_t[0]:g} s)")
    if s.get("counting_confidence") == "low":
        print("  note:   reps and hold are estimates for this exercise (the camera sees the")
        print("          movement only partly; see `formcheck exercises` and the spec's limits)")
    faults = s["faults"]
    print(f"  faults: {', '.join(faults) if faults else 'none'}")  # type: ignore[arg-type]
    if s.get("not_checked"):
        print(f"  not checked from this view: {', '.join(s['not_checked'])}")  # type: ignore[arg-type]
    warnings = s.get("warnings")
    for warning in warnings if isinstance(warnings, list) else []:
        print(f"  note:   {warning}")
    if decode_error:
        print(f"  note: {decode_error}")


def _spec_files(folder: str | None) -> list[Path]:
    """The ``*.toml`` files of ``--specs DIR`` (default: the shipped specs), sorted.

    A one-line error when the folder is missing, is not a folder, or holds no specs.
    """
    from formcheck.spec import SPEC_DIR

    d = Path(folder) if folder else Path(SPEC_DIR)
    if not d.exists():
        raise FormcheckError(f"spec folder not found: {d} (give --specs an existing folder)")
    if not d.is_dir():
        raise FormcheckError(f"--specs {d} is not a folder; give the folder of *.toml specs")
    files = sorted(p for p in d.glob("*.toml") if p.is_file())
    if not files:
        raise FormcheckError(f"no exercise specs (*.toml) in {d}")
    return files


def _pair(value: object) -> object:
    """A (lo, hi) tuple as a JSON list; None stays None."""
    return list(value) if isinstance(value, (tuple, list)) else value


def _exercise_json(spec: ExerciseSpec) -> dict[str, object]:
    from formcheck.app.picker import group_of

    p = spec.prescription
    return {
        "id": spec.id,
        "name": spec.name,
        "group": group_of(spec).label,
        "category": spec.category,
        "views": list(spec.views),
        "posture": spec.posture,
        "prescription": {
            "text": p.text,
            "source": p.source,
            "reps": _pair(p.reps),
            "sets": p.sets,
            "hold_s": _pair(p.hold_s),
            "holds": _pair(p.holds),
            "sides": list(p.sides),
        },
    }


def _cmd_exercises(args: argparse.Namespace) -> int:
    import json

    from formcheck.spec import load_spec

    specs = [load_spec(f) for f in _spec_files(args.specs)]
    if args.json:
        try:
            text = json.dumps([_exercise_json(s) for s in specs], indent=2, allow_nan=False)
        except ValueError as err:  # a NaN/inf the spec check let through: never invalid JSON
            raise FormcheckError(f"cannot list the specs as JSON: {err}") from None
        print(text)
        return 0
    from formcheck.app.picker import group_exercises

    by_id = {s.id: s for s in specs}
    width = max((len(s.id) for s in specs), default=10)
    for i, group in enumerate(group_exercises(specs)):
        print(("\n" if i else "") + f"{group.label}:")
        for sid in group.ids:
            spec = by_id[sid]
            views = "no camera" if spec.is_timer else "/".join(spec.views)
            sides = " per side" if spec.has_sides else ""
            print(f"  {spec.id:<{width}}  {views:<14}  {spec.prescription.text}{sides}")
    return 0


def _cmd_timer(args: argparse.Namespace) -> int:
    from formcheck.guided import TimerPlan, summary_line
    from formcheck.spec import SPEC_DIR, get_spec

    spec = get_spec(args.exercise, args.specs or SPEC_DIR)
    if not spec.is_timer:
        raise FormcheckError(
            f"{spec.id} is checked by the camera, not a guided timer: use "
            f"`formcheck review CLIP --exercise {spec.id}` or the app's Live coaching page"
        )
    if args.side and not spec.has_sides:
        raise FormcheckError(f"{spec.id} is not done per side; drop --side")
    plan = TimerPlan.from_spec(spec, args.side)
    print(f"{spec.name}: {spec.prescription.text}")
    print(f"Guided timer ({summary_line(plan)}). The camera checks nothing; nothing is scored.")
    for step in spec.instructions:
        print(f"  - {step}")
    print()
    print("\n".join(plan.lines()))
    return 0


def _cmd_check_spec(args: argparse.Namespace) -> int:
    """Check every file; each gets "ok" (stdout) or its one-line error (stderr)."""
    from formcheck.spec import load_spec

    failed = 0
    for f in args.files:
        try:
            spec = load_spec(f)
        except FormcheckError as err:
            if args.debug:
                raise
            failed += 1
            print(f"formcheck: error: {err}", file=sys.stderr)
            continue
        print(f"{f}: ok ({spec.id}: {len(spec.features)} features, {len(spec.rules)} rules)")
    if len(args.files) > 1:
        n = len(args.files)
        print(f"checked {n} spec files: {n - failed} ok, {failed} failed")
    return EXIT_ERROR if failed else 0


def _cmd_routines(args: argparse.Namespace) -> int:
    """List the shipped routines, or print one's plan (with ``ID`` or a file)."""
    from formcheck.app.coach_view import plan_lines
    from formcheck.routine import clock, load_routine, load_routines
    from formcheck.spec import SPEC_DIR, load_specs

    specs = load_specs(args.specs or SPEC_DIR)
    if args.routine is None:
        for r in load_routines(specs).values():
            print(f"{r.id:<10} {r.name} (about {clock(r.estimated_s())}): {r.description}")
        return 0
    shipped = load_routines(specs)
    if args.routine in shipped:
        routine = shipped[args.routine]
    elif args.routine.endswith(".toml"):
        routine = load_routine(args.routine, specs)
    else:
        raise FormcheckError(
            f"{args.routine!r} is not a routine; shipped: {', '.join(shipped)} "
            "(or give a .toml file)"
        )
    print(f"{routine.name} (about {clock(routine.estimated_s())})")
    if routine.description:
        print(routine.description)
    for line, item in zip(plan_lines(routine), routine.items, strict=True):
        print(f"  {line}" + (f"  ({item.note})" if item.note else ""))
    print(
        f"Rests: {routine.rest_s:g} s between sets, {routine.switch_s:g} s to switch sides, "
        f"{routine.change_s:g} s before the next exercise."
    )
    return 0


def _cmd_check_routine(args: argparse.Namespace) -> int:
    """Check every routine file; each gets "ok" (stdout) or its one-line error (stderr)."""
    from formcheck.routine import clock, load_routine
    from formcheck.spec import SPEC_DIR, load_specs

    specs = load_specs(args.specs or SPEC_DIR)
    failed = 0
    for f in args.files:
        try:
            r = load_routine(f, specs)
        except FormcheckError as err:
            if args.debug:
                raise
            failed += 1
            print(f"formcheck: error: {err}", file=sys.stderr)
            continue
        print(f"{f}: ok ({r.id}: {len(r.items)} exercises, about {clock(r.estimated_s())})")
    if len(args.files) > 1:
        n = len(args.files)
        print(f"checked {n} routine files: {n - failed} ok, {failed} failed")
    return EXIT_ERROR if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck",
        description="Camera form checking for lower-back-pain home exercises.",
    )
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_review(sub)
    p = sub.add_parser("exercises", help="list the exercise specs")
    p.add_argument("--specs", metavar="DIR", help="directory of exercise specs")
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list: id, name, category, views, posture, prescription",
    )
    p = sub.add_parser("timer", help="print a guided timer's plan: holds, rests and side switches")
    p.add_argument("exercise", help="a guided-timer exercise id (see `formcheck exercises`)")
    p.add_argument("--side", choices=("left", "right"), help="the side to start with")
    p.add_argument("--specs", metavar="DIR", help="directory of exercise specs")
    p = sub.add_parser(
        "check-spec", help="validate exercise spec files (all of them; exit 2 if any fails)"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p = sub.add_parser("routines", help="list the routines, or print one's plan")
    p.add_argument("routine", nargs="?", help="a routine id (daily, strength...) or a .toml file")
    p.add_argument("--specs", metavar="DIR", help="directory of exercise specs")
    p = sub.add_parser(
        "check-routine", help="validate routine files (all of them; exit 2 if any fails)"
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--specs", metavar="DIR", help="directory of exercise specs")
    try:
        from formcheck.synth.cli import add_parser as add_synth
    except ImportError:  # the synthetic-video renderer is optional
        pass
    else:
        add_synth(sub)
    return parser


def _python_only_stderr() -> None:
    """Send native (C++) writes on fd 2 to /dev/null; Python's sys.stderr keeps the terminal.

    MediaPipe's TFLite and absl threads log start-up chatter straight to fd 2,
    at times after the first frames; users need only formcheck's own lines.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return  # stderr is not a real file (captured in-process): leave it alone
    sys.stderr.flush()
    keep = os.dup(fd)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)
    sys.stderr = open(keep, "w", buffering=1, encoding="utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("review", "synth") and not args.debug:
        _python_only_stderr()
    handlers = {
        "review": _cmd_review,
        "exercises": _cmd_exercises,
        "check-spec": _cmd_check_spec,
        "timer": _cmd_timer,
        "routines": _cmd_routines,
        "check-routine": _cmd_check_routine,
        "synth": _synth_run,
    }
    try:
        return handlers[args.command](args)
    except FormcheckError as err:
        if args.debug:
            raise
        print(f"formcheck: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return 130


def _synth_run(args: argparse.Namespace) -> int:
    from formcheck.synth.cli import run

    return int(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
