"""Shared helpers for the end-to-end tests on real clips (../shared/clips/dev)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path


def review(
    clip: Path,
    exercise: str,
    tmp_path: Path,
    *extra: str,
    exit_code: int = 0,
    stderr: list | None = None,
) -> dict:
    """``formcheck review`` on a clip; checks the exit code, returns the JSON report (and, when
    ``stderr`` is a list, appends what the command printed there)."""
    out = tmp_path / f"{clip.stem}.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "formcheck",
            "review",
            str(clip),
            "-e",
            exercise,
            "--json",
            str(out),
            "-q",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == exit_code, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    if stderr is not None:
        stderr.append(proc.stderr)
    return json.loads(out.read_text())


def labels(dev: Path) -> dict[str, dict[str, str]]:
    with (dev / "labels.csv").open() as f:
        return {row["file"]: row for row in csv.DictReader(f)}
