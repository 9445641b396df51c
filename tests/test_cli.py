"""The command line: listings, spec checks, and one-line errors for bad input."""

from __future__ import annotations

import json
import re
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
    return subprocess.run(
        [sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, timeout=600
    )


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
    # grouped by where the person is, lying first and standing last
    headers = [line for line in out.splitlines() if line.endswith(":")]
    assert headers[0] == "On your back:" and headers[-2:] == ["Standing:", "Guided timers:"]
    assert out.index("glute_bridge") < out.index("On your front:")
    timers = out[out.index("Guided timers:") :]
    assert "tfl_stretch" in timers and "no camera" in timers and "squat_lift" not in timers


def test_check_spec_ok_and_bad(tmp_path: Path, capsys):
    assert main(["check-spec", str(SPEC_DIR / "glute_bridge.toml")]) == 0
    assert "ok" in capsys.readouterr().out
    bad = tmp_path / "glute_bridge.toml"
    bad.write_text(
        (SPEC_DIR / "glute_bridge.toml").read_text().replace('view = "side"', 'view = "top"')
    )
    assert main(["check-spec", str(bad)]) == EXIT_ERROR
    err = capsys.readouterr().err.strip()
    assert err == (
        "formcheck: error: glute_bridge.toml: view 'top' is not allowed; "
        "allowed: side, front, foot_end, oblique"
    )


def test_unknown_exercise(tmp_path: Path):
    proc = run_cli("review", str(tmp_path / "x.mp4"), "--exercise", "glute_brigde")
    assert proc.returncode == EXIT_ERROR
    assert "'glute_brigde' is not a known exercise; known:" in one_line_error(proc)


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


def test_a_guided_timer_is_not_reviewed(tmp_path: Path):
    proc = run_cli("review", str(tmp_path / "x.mp4"), "-e", "passive_low_back_stretch")
    assert proc.returncode == EXIT_ERROR
    assert "is a guided timer: the camera checks nothing" in one_line_error(proc)


@pytest.mark.parametrize(
    ("args", "code", "expect"),
    [
        (["timer", "tfl_stretch", "--side", "right"], 0, ["0:00  Right side  30 s", "1:10  Done"]),
        (["timer", "passive_low_back_stretch"], 0, ["0:00  Hold  300 s", "5:00  Done"]),
        (["timer", "squat_lift"], EXIT_ERROR, ["is checked by the camera, not a guided timer"]),
        (
            ["timer", "passive_low_back_stretch", "--side", "left"],
            EXIT_ERROR,
            ["not done per side"],
        ),
        (["timer", "nope"], EXIT_ERROR, ["'nope' is not a known exercise"]),
    ],
)
def test_timer_prints_the_plan_or_one_line(args, code, expect, capsys):
    assert main(args) == code
    out = capsys.readouterr()
    text = out.out if code == 0 else out.err
    for line in expect:
        assert line in text
    if code == 0:
        assert "The camera checks nothing; nothing is scored." in text


def test_side_on_exercise_without_sides(tmp_path: Path):
    proc = run_cli("review", str(tmp_path / "x.mp4"), "-e", "glute_bridge", "--side", "left")
    assert proc.returncode == EXIT_ERROR
    assert "not done per side" in one_line_error(proc)


def test_missing_model_file(tmp_path: Path):
    clip = tmp_path / "blank.mp4"
    _blank_clip(clip, seconds=0.5)
    proc = run_cli(
        "review", str(clip), "-e", "glute_bridge", "--model", str(tmp_path / "pose.task")
    )
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


def _top_level_atoms(data: bytes) -> list[bytes]:
    """The MP4's top-level box types, in file order."""
    atoms, i = [], 0
    while i + 8 <= len(data):
        size, kind = int.from_bytes(data[i : i + 4], "big"), data[i + 4 : i + 8]
        if size == 1:  # 64-bit size follows the type
            size = int.from_bytes(data[i + 8 : i + 16], "big")
        atoms.append(kind)
        if size < 8:  # 0: runs to the end of the file
            break
        i += size
    return atoms


def _frames_av_decodes(path: Path) -> int:
    """How many frames PyAV itself decodes before the damage (the oracle for the CLI)."""
    import av

    n = 0
    try:
        with av.open(str(path)) as c:
            for _ in c.decode(video=0):
                n += 1
    except av.FFmpegError:
        pass
    return n


@pytest.mark.slow
def test_corrupt_clip_keeps_what_was_decoded(tmp_path: Path, dev_clips: Path):
    """A clip cut off half-way is reviewed up to the break, and the report says so."""
    src = dev_clips / "bridge_side_a.mp4"
    data = src.read_bytes()
    atoms = _top_level_atoms(data)
    # The index (moov) is before the media data, so the first half stays decodable.
    assert atoms.index(b"moov") < atoms.index(b"mdat"), atoms
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(data[: len(data) // 2])
    decodable = _frames_av_decodes(broken)
    assert 0 < decodable < _frames_av_decodes(src)  # the cut really loses frames
    out = tmp_path / "r.json"
    proc = run_cli("review", str(broken), "-e", "glute_bridge", "--json", str(out), "-q")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "the file is truncated" in proc.stdout  # the user is told
    report = json.loads(out.read_text())
    clip = report["clip"]
    assert clip["frames"] == decodable  # every frame before the break was reviewed
    assert "truncated" in (clip["decode_error"] or ""), clip
    # labels.csv: tops at ~1.0-3.3 s and ~6.0-7.7 s; the cut falls at ~6.2 s, so the
    # first rep is complete in what was kept and the second has barely started.
    assert clip["duration_s"] < 7.0
    assert report["summary"]["reps"] == 1
    assert report["summary"]["assessed"] is True


def test_synth_is_wired_or_absent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys):
    """``formcheck synth`` exists exactly when the optional renderer imports, and then runs it."""
    import importlib.util

    def subcommands(help_text: str) -> set[str]:
        m = re.search(r"\{([a-z,-]+)\}", help_text)
        assert m, help_text
        return set(m.group(1).split(","))

    proc = run_cli("--help")
    assert proc.returncode == 0
    commands = subcommands(proc.stdout)
    assert {"review", "exercises", "check-spec"} <= commands
    if importlib.util.find_spec("formcheck.synth") is None:
        assert "synth" not in commands
    else:
        # Wired: listed, and the main CLI dispatches to the renderer.
        assert "synth" in commands
        out = tmp_path / "c.mp4"
        proc = run_cli(
            "synth",
            "standing_hip_hike",
            "--reps",
            "1",
            "--hold",
            "0",
            "--side",
            "left",
            "--size",
            "160x120",
            "--fps",
            "10",
            "--seed",
            "3",
            "-o",
            str(out),
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        truth = json.loads(out.with_suffix(".json").read_text())
        assert truth["reps"] == 1 and truth["side"] == "left" and out.stat().st_size > 0
        proc = run_cli("synth", "glute_bridge", "--fault", "no_lean", "-o", str(out))
        assert proc.returncode == 2 and "no injectable fault 'no_lean'" in proc.stderr

    # Absent (the renderer cannot be imported): no synth command, the rest still works.
    monkeypatch.setitem(sys.modules, "formcheck.synth.cli", None)  # import -> ImportError
    with pytest.raises(SystemExit) as exc:
        main(["synth", "glute_bridge", "-o", str(tmp_path / "x.mp4")])
    assert exc.value.code == 2
    assert "invalid choice: 'synth'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "synth" not in subcommands(capsys.readouterr().out)
    assert main(["exercises"]) == 0


@pytest.mark.skipif(shutil.which("formcheck") is None, reason="package not installed")
def test_console_script_installed():
    proc = subprocess.run(["formcheck", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "formcheck" in proc.stdout


def test_check_spec_reports_every_file(tmp_path: Path, capsys):
    good = [str(SPEC_DIR / "glute_bridge.toml"), str(SPEC_DIR / "standing_hip_hike.toml")]
    bad = tmp_path / "standing_hip_hike.toml"
    bad.write_text(
        (SPEC_DIR / "standing_hip_hike.toml").read_text().replace('view = "front"', 'view = "top"')
    )
    missing = tmp_path / "nope.toml"
    assert main(["check-spec", good[0], str(bad), str(missing), good[1]]) == EXIT_ERROR
    out, err = capsys.readouterr()
    oks = [ln for ln in out.splitlines() if ": ok (" in ln]
    assert [ln.split(": ok (")[0] for ln in oks] == good
    assert "checked 4 spec files: 2 ok, 2 failed" in out
    errors = err.strip().splitlines()
    assert len(errors) == 2, err
    assert errors[0].startswith("formcheck: error: standing_hip_hike.toml: view 'top'")
    assert errors[1].startswith("formcheck: error: ") and str(missing) in errors[1]
    assert "not found" in errors[1]


def test_check_spec_all_files_ok(capsys):
    files = [str(p) for p in sorted(SPEC_DIR.glob("*.toml"))]
    assert main(["check-spec", *files]) == 0
    out, err = capsys.readouterr()
    assert out.count(": ok (") == len(files) and err == ""


def test_exercises_json_lists_every_spec(capsys):
    assert main(["exercises", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["id"] for e in listed] == sorted(p.stem for p in SPEC_DIR.glob("*.toml"))
    for e in listed:
        assert set(e) == {"id", "name", "group", "category", "views", "posture", "prescription"}
        assert set(e["prescription"]) == {
            "text",
            "source",
            "reps",
            "sets",
            "hold_s",
            "holds",
            "sides",
        }
        assert e["posture"] is None or isinstance(e["posture"], str)
    by_id = {e["id"]: e for e in listed}
    bridge, hike = by_id["glute_bridge"], by_id["standing_hip_hike"]
    assert bridge["name"] == "Glute bridge" and bridge["category"] == "strength"
    assert bridge["group"] == "On your back" and hike["group"] == "Standing"
    assert bridge["views"] == ["side", "foot_end"]
    assert bridge["prescription"]["reps"] == [10, 15] and bridge["prescription"]["sets"] == 2
    assert bridge["prescription"]["hold_s"] == [10, 15] and bridge["prescription"]["sides"] == []
    assert hike["prescription"]["sides"] == ["left", "right"]
    assert hike["prescription"]["hold_s"] == [10, 10] and hike["prescription"]["source"] == "000"


def test_exercises_json_reads_the_specs_folder(tmp_path: Path, capsys):
    shutil.copy(SPEC_DIR / "glute_bridge.toml", tmp_path)
    assert main(["exercises", "--json", "--specs", str(tmp_path)]) == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)] == ["glute_bridge"]


@pytest.mark.parametrize("json_flag", [[], ["--json"]], ids=["text", "json"])
def test_exercises_says_the_specs_folder_is_missing(tmp_path: Path, capsys, json_flag):
    missing = tmp_path / "no_such_folder"
    assert main(["exercises", *json_flag, "--specs", str(missing)]) == EXIT_ERROR
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("formcheck: error: "), err
    assert str(missing) in lines[0] and ("not found" in lines[0] or "missing" in lines[0])


def test_exercises_with_a_bad_spec_prints_no_partial_json(tmp_path: Path, capsys):
    shutil.copy(SPEC_DIR / "glute_bridge.toml", tmp_path)
    (tmp_path / "broken.toml").write_text("id = \n")
    assert main(["exercises", "--json", "--specs", str(tmp_path)]) == EXIT_ERROR
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().startswith("formcheck: error: broken.toml: ") and err.count("\n") == 1


def test_routines_lists_and_shows_a_plan(capsys):
    assert main(["routines"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("daily ") and "strength" in out and "stretch" in out
    assert main(["routines", "daily"]) == 0
    out = capsys.readouterr().out
    assert "1. Lying piriformis stretch: 1 hold of 30 s each side" in out
    assert main(["routines", "nope"]) == EXIT_ERROR
    assert "'nope' is not a routine; shipped: daily" in capsys.readouterr().err


def test_check_routine_checks_every_file(tmp_path: Path, capsys):
    good = SPEC_DIR / "routines" / "strength.toml"
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'schema_version = 1\nid = "bad"\nname = "Bad"\n[[exercise]]\nid = "plank"\nsets = 0\n'
    )
    missing = tmp_path / "missing.toml"
    assert main(["check-routine", str(bad), str(good), str(missing)]) == EXIT_ERROR
    out, err = capsys.readouterr()
    assert f"{good}: ok (strength: 4 exercises" in out
    assert "checked 3 routine files: 1 ok, 2 failed" in out
    lines = err.strip().splitlines()
    assert (
        lines[0]
        == "formcheck: error: bad.toml: exercise[0].sets 0 is out of range; allowed: 1 to 10"
    )
    assert "missing.toml" in lines[1] and len(lines) == 2


@pytest.mark.parametrize(
    "args",
    [
        ["review", "clip.mp4", "-e", "glute_bridge"],
        ["exercises"],
        ["timer", "tfl_stretch"],
        ["routines"],
        ["check-routine", str(SPEC_DIR / "routines" / "daily.toml")],
    ],
    ids=lambda a: a[0],
)
def test_a_missing_specs_folder_is_named(tmp_path: Path, capsys, args: list[str]):
    """Never `known:` with an empty list: the folder itself is missing."""
    missing = tmp_path / "nonexistent"
    assert main([*args, "--specs", str(missing)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert (
        err
        == f"formcheck: error: spec folder not found: {missing} (give --specs an existing folder)\n"
    )


def test_check_spec_reports_every_kind_of_bad_file(tmp_path: Path, capsys):
    """Each file gets its own line, whatever is wrong with it; the good ones still pass."""
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "utf16.toml").write_bytes("id = 'x'".encode("utf-16"))
    (tmp_path / "broken.toml").write_text("id = \n")
    (tmp_path / "plank.toml").write_text((SPEC_DIR / "glute_bridge.toml").read_text())
    bad = ["folder.toml", "utf16.toml", "broken.toml", "missing.toml", "plank.toml"]
    files = [str(SPEC_DIR / "plank.toml")] + [str(tmp_path / b) for b in bad]
    assert main(["check-spec", *files]) == EXIT_ERROR
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith(f"{SPEC_DIR / 'plank.toml'}: ok (plank:")
    assert out.splitlines()[-1] == "checked 6 spec files: 1 ok, 5 failed"
    lines = err.splitlines()
    assert [ln.split(": ")[2].split("/")[-1] for ln in lines] == bad, err
    assert "is a folder" in lines[0] and "UTF-16" in lines[1] and "not valid TOML" in lines[2]
    assert "not found" in lines[3] and "must match the file name" in lines[4]
