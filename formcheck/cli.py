"""The ``formcheck`` command line: review, exercises, timer, routines, check-spec,
check-routine, history, report, synth.

Errors a user can cause (a bad clip, an unknown exercise, a malformed spec, a
missing model, an output that can't be written) print one line and exit
non-zero; ``--debug`` shows the traceback instead. Outputs are checked before
any work and written atomically (formcheck/outputs.py). Ctrl-C and SIGTERM
print one line and exit 130 / 143; during a review, what was reviewed is
written first (formcheck/interrupts.py).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck import __version__
from formcheck.errors import FormcheckError

if TYPE_CHECKING:
    from formcheck.history import HistoryRecorder
    from formcheck.interrupts import StopSignals
    from formcheck.outputs import OutputPath
    from formcheck.pipeline import ReviewResult
    from formcheck.spec import ExerciseSpec

EXIT_ERROR = 2  # bad input: nothing reviewed
EXIT_NOT_ASSESSED = 3  # reviewed, but nothing could be assessed (report written)


def _add_review(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("review", help="review a recorded clip: reps, holds and form faults")
    p.add_argument(
        "clip",
        nargs="+",
        help="video file (mp4, mov, webm, ...); several files or a folder with --out-dir",
    )
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
    p.add_argument(
        "--save",
        action="store_true",
        help="save the review in the history (each rep as it is counted; no video is kept)",
    )
    p.add_argument("--history", metavar="FILE", help="with --save: the history database file")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="processes: one clip's pose in N segments (default 1); with --out-dir, "
        "clips at a time (default: the cores available)",
    )
    p.add_argument(
        "--out-dir",
        metavar="DIR",
        help="review many clips: one report per clip here, and summary.csv",
    )
    p.add_argument(
        "--per-rep-csv",
        action="store_true",
        help="with --out-dir: also write each clip's per-rep table (CLIP.csv)",
    )
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="with --out-dir: processes here (default) or Ray tasks (pip install -e '.[ray]')",
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="with --engine ray: a running cluster ('auto', 'ray://HEAD:10001'); default: local",
    )


def _cmd_review(args: argparse.Namespace) -> int:
    from formcheck import outputs
    from formcheck.spec import SPEC_DIR, get_spec

    spec = get_spec(args.exercise, args.specs or SPEC_DIR)
    if args.jobs is not None and args.jobs < 1:
        raise FormcheckError(f"--jobs must be 1 or more, got {args.jobs}")
    if args.engine != "local" and args.out_dir is None:
        raise FormcheckError("--engine ray reviews clips in batches: add --out-dir DIR")
    if args.out_dir is not None or len(args.clip) > 1 or Path(args.clip[0]).is_dir():
        from formcheck.batch_cli import run_batch

        return run_batch(args, spec)
    args.clip = args.clip[0]
    if spec.is_timer:
        raise FormcheckError(
            f"{spec.id} is a guided timer: the camera checks nothing for it, so there is "
            f"nothing to review. `formcheck timer {spec.id}` prints its plan; the app plays it"
        )
    if args.side and not spec.has_sides:
        raise FormcheckError(f"{spec.id} is not done per side; drop --side")
    if not Path(args.clip).exists():
        raise FormcheckError(f"clip not found: {args.clip}")
    history = None
    if args.save:
        from formcheck.history import HistoryRecorder, HistoryStore

        store = HistoryStore(args.history)  # a bad database is refused before any work
        history = HistoryRecorder(store, "review", clip=Path(args.clip).name)
    elif args.history:
        raise FormcheckError("--history needs --save (reviews are not saved by default)")
    # Every output is checked before any work (formcheck/outputs.py).
    outs = outputs.check_outputs(
        {"--json": args.json, "--csv": args.csv, "--annotated": args.annotated},
        inputs={
            "the clip being reviewed": args.clip,
            "the --landmarks file": args.landmarks,
            "the --model file": args.model,
        },
    )
    try:
        return _review(args, spec, outs, history)
    finally:
        outputs.remove_created(outs.values())  # folders made for outputs never written


def _review(
    args: argparse.Namespace,
    spec: ExerciseSpec,
    outs: dict[str, OutputPath],
    history: HistoryRecorder | None = None,
) -> int:
    from tqdm import tqdm

    from formcheck.pipeline import review_clip
    from formcheck.pose import create_estimator
    from formcheck.video import open_video

    signals: StopSignals = args.stop_signals
    with open_video(args.clip):  # not a video, a still image: one line now, not after model load
        pass
    # Several processes only for a pose model (a replay has none to share out).
    replay = args.landmarks or (args.model or "").lower().endswith(".csv")
    # One clip: one process unless asked (segments move the landmarks by a pixel or two,
    # which can flip a fault near its threshold; see docs/parallel.md).
    jobs = 1 if replay else (args.jobs or 1)
    estimator = create_estimator(model=args.model, replay=args.landmarks) if jobs == 1 else None
    # From here a Ctrl-C or SIGTERM stops the review at the next frame; what was reviewed is kept.
    signals.defer()
    video = outs["--annotated"].stage() if "--annotated" in outs else None
    bar = None if args.quiet else tqdm(unit="frame", desc=Path(args.clip).name, leave=False)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            if total and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

    try:
        with estimator if estimator is not None else contextlib.nullcontext():
            result = review_clip(
                args.clip,
                spec,
                side=args.side,
                estimator=estimator,
                annotated_out=video.path if video is not None else None,
                progress=progress,
                stop=signals.requests,
                history=history,
                jobs=jobs,
                pose_model=args.model,
            )
    except BaseException:
        if video is not None:
            video.discard()
        raise
    finally:
        if bar is not None:
            bar.close()
    rec = result.record
    if result.frames == 0 and result.interrupted:
        if video is not None:
            video.discard()
        print(
            f"formcheck: interrupted by {signals.name} before any frame was reviewed; "
            "nothing was written",
            file=sys.stderr,
        )
        return signals.exit_code or 130
    if result.interrupted:
        rec.mark_interrupted(signals.name or "unknown", result.duration_s)
    written: dict[str, str] = {}
    try:
        if "--json" in outs:
            outs["--json"].write_text(rec.to_json())
            written["--json"] = args.json
        if "--csv" in outs:
            outs["--csv"].write_text(rec.to_csv())
            written["--csv"] = args.csv
    finally:
        if video is not None:
            if result.annotated_frames > 0:
                outs["--annotated"].commit(video)
                written["--annotated"] = args.annotated
            else:
                video.discard()
    summary = rec.summary()
    _print_summary(summary, result.side_auto, result.decode_error)
    _print_reviewed(summary, result.fps)
    if signals.first is not None:
        print(_interrupted_line(signals.name or "a signal", result, written), file=sys.stderr)
        return signals.exit_code or 130
    for out in written.values():
        print(f"wrote {out}")
    if history is not None:
        print(f"saved to the history: {history.store.path}")
    if not summary["assessed"]:
        print(f"formcheck: not assessed: {summary['reason']}", file=sys.stderr)
        return EXIT_NOT_ASSESSED
    return 0


#: Below this frame rate a movement is seen in too few frames (the engine is tested from 8).
LOW_FPS = 8.0


def _print_reviewed(s: dict[str, object], fps: float) -> None:
    """How much video was reviewed: seconds and frames (of how long, when cut short)."""
    frames = s["frames"]
    reviewed = float(s["reviewed_s"])  # type: ignore[arg-type]
    line = (
        f"  video:  {reviewed:.1f} s, {frames} frame{'s' if frames != 1 else ''} at {fps:.3g} fps"
    )
    stop = s.get("interrupted_by")
    if isinstance(stop, dict):
        line += f", interrupted by {stop['signal']} at {stop['t_s']:.1f} s"
    print(line)
    if 0 < fps < LOW_FPS:
        print(
            f"  note:   {fps:.3g} fps is too few frames to follow a movement reliably "
            f"(formcheck is tested from {LOW_FPS:g} fps)"
        )


def _interrupted_line(sig: str, result: ReviewResult, written: dict[str, str]) -> str:
    """The one line after a Ctrl-C or SIGTERM: when it came and what was written."""
    what = ", ".join(written.values()) if written else "nothing (no --json, --csv or --annotated)"
    if result.interrupted:
        length = float(result.record.meta.get("length_s") or 0.0)
        of = f" of {length:.1f} s" if length > 0 else ""
        return (
            f"formcheck: interrupted by {sig} at {result.duration_s:.1f} s{of}: wrote {what} "
            "(what was reviewed; the report is marked interrupted)"
        )
    if "--annotated" in written and result.annotated_frames < result.frames:
        t = result.record.timeline[result.annotated_frames - 1][0]
        return (
            f"formcheck: interrupted by {sig} while drawing the annotated video: wrote {what} "
            f"(the report is complete; the video stops at {t:.1f} s)"
        )
    return f"formcheck: interrupted by {sig} after the review finished: wrote {what} (complete)"


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
    from formcheck.history.cli import add_parsers as add_history

    add_history(sub)
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
    from formcheck.interrupts import StopSignals

    # Ctrl-C / SIGTERM: one line and exit 130 / 143, never a traceback (formcheck/interrupts.py).
    signals = StopSignals()
    signals.install()
    try:
        return _main(argv, signals)
    finally:
        signals.restore()


def _main(argv: Sequence[str] | None, signals: StopSignals) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.stop_signals = signals
    if args.command == "synth":
        signals.restore()  # the renderer keeps Python's KeyboardInterrupt
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
        "history": _history_run,
        "report": _history_run,
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


def _history_run(args: argparse.Namespace) -> int:
    from formcheck.history.cli import run

    return run(args)


def _synth_run(args: argparse.Namespace) -> int:
    from formcheck.synth.cli import run

    return int(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
