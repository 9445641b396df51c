"""Many clips: ``formcheck review A.mp4 B.mp4 DIR/ --exercise ID --out-dir OUT [--jobs N]``.

Each clip is reviewed whole in one of ``jobs`` worker processes (one pose model
each; see :mod:`formcheck.parallel`), its report written to ``OUT/<clip>.json``
(and ``.csv`` with ``csv=True``) as soon as it is done, atomically. A clip that
can't be reviewed (not a video, corrupt, no model) gets its row with the error
and the batch goes on. ``OUT/summary.csv`` has one row per clip, in the order
given: clip, reps, holds, faults, assessed, errors; it is rewritten after each
clip, so a batch stopped part-way (Ctrl-C) keeps the rows of the clips done.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from formcheck.errors import FormcheckError
from formcheck.outputs import write_text

#: Video file endings taken from a folder given as input.
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi")
SUMMARY_COLUMNS = ("clip", "reps", "holds", "faults", "assessed", "errors")


@dataclass(frozen=True, slots=True)
class Row:
    clip: str
    reps: int | None = None
    holds: int | None = None
    faults: str = ""
    assessed: bool | None = None
    errors: str = ""
    report: str = ""  # the JSON report's file name in the out dir


def expand_inputs(items: Sequence[str]) -> list[Path]:
    """The clips: files as given, folders expanded to their videos (sorted by name)."""
    clips: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in VIDEO_SUFFIXES
            )
            if not found:
                raise FormcheckError(
                    f"no videos in folder {p} (looked for {', '.join(VIDEO_SUFFIXES)})"
                )
            clips.extend(found)
        else:
            clips.append(p)  # a missing or bad file gets its row with the error
    return clips


def report_names(clips: Sequence[Path]) -> list[str]:
    """One report name per clip: its stem, numbered when two clips share one."""
    seen: dict[str, int] = {}
    names = []
    for c in clips:
        n = seen.get(c.stem, 0)
        seen[c.stem] = n + 1
        names.append(c.stem if n == 0 else f"{c.stem}-{n + 1}")
    return names


@dataclass(frozen=True, slots=True)
class Done:
    """What a worker hands back: the row and the reports' text (written by the parent,
    so a worker on another machine needs only to read the clip)."""

    row: Row
    json: str = ""
    csv: str = ""


def review_one(
    clip: str, exercise: str, specs: str | None, model: str | None, report: str, want_csv: bool
) -> Done:
    """Review one clip (runs in a worker process or a Ray task); never raises."""
    from formcheck.pipeline import review_clip
    from formcheck.spec import SPEC_DIR, get_spec

    name = Path(clip).name
    try:
        spec = get_spec(exercise, specs or SPEC_DIR)
        result = review_clip(clip, spec, pose_model=model)
        rec = result.record
        s = rec.summary()
        errors = f"decode: {result.decode_error}" if result.decode_error else ""
        if not s["assessed"]:
            errors = "; ".join(e for e in (errors, f"not assessed: {s['reason']}") if e)
        row = Row(
            clip=name,
            reps=int(s["reps"]),
            holds=int(s["holds"]),
            faults=" ".join(s["faults"]),
            assessed=bool(s["assessed"]),
            errors=errors,
            report=report + ".json",
        )
        return Done(row, rec.to_json(), rec.to_csv() if want_csv else "")
    except FormcheckError as err:
        return Done(Row(clip=name, errors=str(err)))
    except Exception as err:  # one bad clip never stops the batch
        return Done(Row(clip=name, errors=f"{type(err).__name__}: {err}"))


def summary_csv(rows: Iterable[Row | None], clips: Sequence[Path]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SUMMARY_COLUMNS)
    for clip, row in zip(clips, rows, strict=True):
        if row is None:
            w.writerow([clip.name, "", "", "", "", "not reviewed (the batch was stopped)"])
            continue
        assessed = "" if row.assessed is None else ("yes" if row.assessed else "no")
        w.writerow(
            [
                row.clip,
                "" if row.reps is None else row.reps,
                "" if row.holds is None else row.holds,
                row.faults,
                assessed,
                row.errors,
            ]
        )
    return buf.getvalue()


#: A batch task's arguments (see review_one) and a way to run them all.
Task = tuple[str, str, str | None, str | None, str, bool]


class Engine(Protocol):
    """Runs review_one over tasks; yields (task index, Done) as each finishes.

    ``stop`` is polled about ten times a second; once it is non-zero the engine stops
    its work and returns."""

    def run(self, tasks: Sequence[Task], stop: Callable[[], int]) -> Iterator[tuple[int, Done]]:
        """Yield each task's result as it finishes."""
        ...


@dataclass
class LocalEngine:
    """Worker processes on this machine (the default; see formcheck.parallel.make_pool)."""

    jobs: int

    def run(self, tasks: Sequence[Task], stop: Callable[[], int]) -> Iterator[tuple[int, Done]]:
        from formcheck.parallel import make_pool

        pool = make_pool(max(1, min(self.jobs, len(tasks))))
        finished = False
        try:
            pending = {i: pool.apply_async(review_one, t) for i, t in enumerate(tasks)}
            while pending and not stop():
                done = [i for i, r in pending.items() if r.ready()]
                if not done:
                    time.sleep(0.1)
                for i in done:
                    yield i, pending.pop(i).get()
            finished = not pending
        finally:
            if finished:
                pool.close()
            else:
                pool.terminate()
            pool.join()


@dataclass
class RayEngine:
    """Ray tasks (``pip install -e ".[ray]"``): ``address`` None starts Ray on this machine
    with ``jobs`` CPUs; ``"auto"`` or ``"ray://HEAD:10001"`` joins a running cluster (whose
    workers must read the clips at the same paths; the reports are written here)."""

    jobs: int
    address: str | None = None

    def run(self, tasks: Sequence[Task], stop: Callable[[], int]) -> Iterator[tuple[int, Done]]:
        try:
            import ray
        except ImportError as err:
            raise FormcheckError(
                'the Ray engine needs Ray: pip install -e ".[ray]" (or use the default engine)'
            ) from err
        # No usage reports. Ray's own processes still probe the network (an audit found
        # 8.8.8.8, cloud metadata addresses): Ray is outside the privacy promise
        # (docs/parallel.md); the default engine makes no connection.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        started = not ray.is_initialized()
        if started:
            opts: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if self.address is None:
                opts["num_cpus"] = self.jobs
                # the driver on the loopback address (Ray's own address probe still runs)
                opts["_node_ip_address"] = "127.0.0.1"
            ray.init(address=self.address, **opts)
        try:
            remote = ray.remote(num_cpus=1)(review_one)
            refs = {remote.remote(*t): i for i, t in enumerate(tasks)}
            while refs and not stop():
                done, _ = ray.wait(list(refs), num_returns=1, timeout=0.1)
                for ref in done:
                    yield refs.pop(ref), ray.get(ref)
            for ref in refs:
                ray.cancel(ref, force=True)
        finally:
            if started:
                ray.shutdown()


def review_batch(
    clips: Sequence[Path],
    exercise: str,
    out_dir: Path,
    jobs: int,
    specs: str | None = None,
    model: str | None = None,
    want_csv: bool = False,
    progress: Callable[[Row], None] | None = None,
    stop: Callable[[], int] | None = None,
    engine: Engine | None = None,
) -> list[Row | None]:
    """Review ``clips`` (with ``jobs`` local processes, or ``engine``); the rows in the order
    given (None: not reviewed).

    Each report is written as its clip finishes; ``progress`` is called with its row.
    ``stop`` is polled: once it is non-zero the work stops and the clips not done keep
    ``None``. ``summary.csv`` is rewritten after each clip.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    names = report_names(clips)
    rows: list[Row | None] = [None] * len(clips)
    summary = out_dir / "summary.csv"
    tasks: list[Task] = [
        (str(c), exercise, specs, model, names[i], want_csv) for i, c in enumerate(clips)
    ]
    runner = engine if engine is not None else LocalEngine(jobs)
    try:
        for i, done in runner.run(tasks, stop if stop is not None else lambda: 0):
            if done.json:
                write_text(out_dir / (names[i] + ".json"), done.json)
            if done.csv:
                write_text(out_dir / (names[i] + ".csv"), done.csv)
            rows[i] = done.row
            write_text(summary, summary_csv(rows, clips))
            if progress is not None:
                progress(done.row)
    finally:
        write_text(summary, summary_csv(rows, clips))
    return rows
