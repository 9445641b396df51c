"""The command line: listings, spec checks, and one-line errors for bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.cli import EXIT_ERROR, EXIT_NOT_ASSESSED, main
from formcheck.spec import SPEC_DIR
from formcheck.video import VideoWriter


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True,
                          text=True, timeout=600)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("formcheck:")]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(errors) == 1, proc.stderr
    return errors[0]


def test_exercises_lists_every_spec(capsys):
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    for path in SPEC_DIR.glob("*.toml"):
        assert path.stem in out
    assert "per side" in out  # the hip hike is per side


def test_check_spec_ok_and_bad(tmp_path: Path, capsys):
    assert main(["check-spec", str(SPEC_DIR / "glute_bridge.toml")]) == 0
    assert "ok" in capsys.readouterr().out
    bad = tmp_path / "glute_bridge.toml"
    bad.write_text((SPEC_DIR / "glute_bridge.toml").read_text().replace('view = "side"',
                                                                         'view = "top"'))
    assert main(["check-spec", str(bad)]) == EXIT_ERROR
    err = capsys.readouterr().err.strip()
    assert err == ("formcheck: error: glute_bridge.toml: view 'top' is not allowed; "
                   "allowed: side, front, foot_end, oblique")


def test_unknown_exercise(tmp_path: Path):
    proc = run_cli("review", str(tmp_path / "x.mp4"), "--exercise", "glute_brigde")
    assert proc.returncode == EXIT_ERROR
    assert "unknown exercise 'glute_brigde'; known:" in one_line_error(proc)


def test_missing_clip(tmp_path: Path):
    proc = run_cli("review", str(tmp_path / "nope.mp4"), "--exercise", "glute_bridge")
    assert proc.returncode == EXIT_ERROR
    assert "not found" in one_line_error(proc)


def test_not_a_video(tmp_path: Path):
    f = tmp_path / "notes.mp4"
    f.write_text("this is not a video\n" * 50)
    proc = run_cli("review", str(f), "--exercise", "glute_bridge")
    assert proc.returncode == EXIT_ERROR
    assert "notes.mp4" in one_line_error(proc)


def test_side_on_exercise_without_sides(tmp_path: Path):
    proc = run_cli("review", str(tmp_path / "x.mp4"), "-e", "glute_bridge", "--side", "left")
    assert proc.returncode == EXIT_ERROR
    assert "not done per side" in one_line_error(proc)


def test_missing_model_file(tmp_path: Path):
    clip = tmp_path / "blank.mp4"
    _blank_clip(clip, seconds=0.5)
    proc = run_cli("review", str(clip), "-e", "glute_bridge", "--model",
                   str(tmp_path / "pose.task"))
    assert proc.returncode == EXIT_ERROR
    assert "pose.task" in one_line_error(proc)


def _blank_clip(path: Path, seconds: float, fps: float = 15.0) -> None:
    with VideoWriter(path, fps, (320, 240)) as w:
        for i in range(int(seconds * fps)):
            img = np.full((240, 320, 3), 90 + (i % 5), np.uint8)
            w.write(img)


def test_clip_with_nobody_still_writes_a_report(tmp_path: Path):
    clip = tmp_path / "empty_room.mp4"
    _blank_clip(clip, seconds=2.0)
    out = tmp_path / "r.json"
    proc = run_cli("review", str(clip), "-e", "glute_bridge", "--json", str(out), "-q")
    assert proc.returncode == EXIT_NOT_ASSESSED
    assert "no person was found" in one_line_error(proc)
    summary = json.loads(out.read_text())["summary"]
    assert summary["assessed"] is False
    assert summary["reason"] == "no person was found in the video"
    assert summary["reps"] == 0 and summary["faults"] == []


@pytest.mark.slow
def test_corrupt_clip_keeps_what_was_decoded(tmp_path: Path, dev_clips: Path):
    """A clip cut off half-way is reviewed up to the break, and the report says so."""
    src = dev_clips / "bridge_side_a.mp4"
    data = src.read_bytes()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(data[: len(data) // 2])
    out = tmp_path / "r.json"
    proc = run_cli("review", str(broken), "-e", "glute_bridge", "--json", str(out), "-q")
    assert "Traceback" not in proc.stderr
    if proc.returncode == EXIT_ERROR:  # the index (moov) was at the end: nothing decodable
        assert "broken.mp4" in one_line_error(proc)
    else:
        report = json.loads(out.read_text())
        assert report["clip"]["frames"] > 0


def test_synth_is_wired_or_absent():
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "review" in proc.stdout and "exercises" in proc.stdout


@pytest.mark.skipif(shutil.which("formcheck") is None, reason="package not installed")
def test_console_script_installed():
    proc = subprocess.run(["formcheck", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "formcheck" in proc.stdout
