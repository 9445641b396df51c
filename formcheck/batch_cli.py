"""``formcheck review A.mp4 B.mp4 DIR/ --exercise ID --out-dir OUT``: the command line of
:mod:`formcheck.batch`.

Exit codes: 0 when every clip was reviewed and assessed, 3 when some were reviewed but
not assessed, 2 when some could not be reviewed (their rows say why), 130 / 143 after
Ctrl-C / SIGTERM (the rows of the clips done are kept).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.errors import FormcheckError

if TYPE_CHECKING:
    from formcheck.batch import Row
    from formcheck.interrupts import StopSignals
    from formcheck.spec import ExerciseSpec

#: Single-clip options a batch has no place for.
_SINGLE_ONLY = {
    "--json": "json",
    "--csv": "csv",
    "--annotated": "annotated",
    "--landmarks": "landmarks",
    "--save": "save",
    "--history": "history",
    "--side": "side",
}


def run_batch(args: argparse.Namespace, spec: ExerciseSpec) -> int:
    from tqdm import tqdm

    from formcheck.batch import Engine, LocalEngine, RayEngine, expand_inputs, review_batch
    from formcheck.parallel import available_cores

    if spec.is_timer:
        raise FormcheckError(f"{spec.id} is a guided timer: there is nothing to review")
    if args.out_dir is None:
        raise FormcheckError(
            "several clips (or a folder) need --out-dir DIR: one report per clip goes there"
        )
    for option, attr in _SINGLE_ONLY.items():
        if getattr(args, attr, None):
            raise FormcheckError(
                f"{option} is for one clip; with --out-dir each clip's report goes to the folder"
            )
    clips = expand_inputs(args.clip)
    out_dir = Path(args.out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise FormcheckError(f"--out-dir {out_dir} is a file; give a folder")
    jobs = args.jobs or available_cores()
    engine: Engine = (
        RayEngine(jobs, args.ray_address) if args.engine == "ray" else LocalEngine(jobs)
    )
    signals: StopSignals = args.stop_signals
    signals.defer()  # from here a Ctrl-C stops the batch; the clips done are kept
    bar = None if args.quiet else tqdm(total=len(clips), unit="clip", desc="review")

    def progress(row: Row) -> None:
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(row.clip, refresh=False)

    try:
        rows = review_batch(
            clips,
            spec.id,
            out_dir,
            jobs=jobs,
            specs=args.specs,
            model=args.model,
            want_csv=args.per_rep_csv,
            progress=progress,
            stop=signals.requests,
            engine=engine,
        )
    finally:
        if bar is not None:
            bar.close()
    failed = not_assessed = 0
    for row in rows:
        if row is None:
            continue
        if row.reps is None:
            failed += 1
            print(f"  {row.clip}: error: {row.errors}", file=sys.stderr)
        elif not row.assessed:
            not_assessed += 1
    done = sum(r is not None for r in rows)
    print(
        f"reviewed {done - failed} of {len(clips)} clips ({failed} failed, "
        f"{not_assessed} not assessed); wrote {out_dir / 'summary.csv'}"
    )
    if signals.first is not None:
        print(
            f"formcheck: interrupted by {signals.name}: {done} of {len(clips)} clips done, "
            "their reports and rows are kept",
            file=sys.stderr,
        )
        return signals.exit_code or 130
    if failed:
        return 2
    return 3 if not_assessed else 0
