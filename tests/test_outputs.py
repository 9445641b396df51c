"""formcheck.outputs: output paths checked before any work, files written atomically."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from formcheck.errors import OutputError
from formcheck.outputs import (
    TEMP_SUFFIX,
    TEMP_TAG,
    Staged,
    check_output,
    check_outputs,
    remove_created,
    write_text,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _clip(tmp: Path) -> Path:
    clip = tmp / "clip.mp4"
    clip.write_bytes(b"not really a video, but an input all the same")
    return clip


def _symlink_to_clip(tmp: Path) -> str:
    (tmp / "link.mp4").symlink_to(tmp / "clip.mp4")
    return str(tmp / "link.mp4")


def _hard_link_to_clip(tmp: Path) -> str:
    os.link(tmp / "clip.mp4", tmp / "hard.mp4")
    return str(tmp / "hard.mp4")


def _dotdot_to_clip(tmp: Path) -> str:
    (tmp / "x").mkdir()
    return f"{tmp}/x/../clip.mp4"


def _read_only(tmp: Path) -> str:
    f = tmp / "old.json"
    f.write_text("{}")
    f.chmod(0o444)
    return str(f)


def _in_a_file(tmp: Path) -> str:
    (tmp / "notes.txt").write_text("a file, not a folder")
    return str(tmp / "notes.txt" / "r.json")


# (name, make the path given to --json, what the line must say)
BAD: list[tuple[str, Callable[[Path], str], str]] = [
    ("empty", lambda t: "", "--json: no file name given"),
    ("the clip itself", lambda t: str(t / "clip.mp4"), "is the clip being reviewed"),
    ("a symlink to the clip", _symlink_to_clip, "is the clip being reviewed"),
    ("a hard link to the clip", _hard_link_to_clip, "is the clip being reviewed"),
    ("x/../clip.mp4", _dotdot_to_clip, "is the clip being reviewed"),
    ("a folder", lambda t: str(t), "is a folder; give a file name in it, e.g."),
    ("a folder with a slash", lambda t: f"{t}/new/", "is a folder; give a file name in it"),
    ("a device", lambda t: "/dev/null", "is not a regular file (a device or a pipe)"),
    ("in /proc", lambda t: "/proc/x.json", "cannot create files in /proc"),
    ("in a folder under /proc", lambda t: "/proc/x/y.json", "cannot create the folder /proc/x"),
    ("inside a file", _in_a_file, "is a file, not a folder"),
    ("read-only", _read_only, "is read-only; make it writable"),
]
ROOT_MAY = {"read-only"}  # root writes read-only files anyway


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        pytest.param(
            *row,
            id=row[0],
            marks=pytest.mark.skipif(IS_ROOT and row[0] in ROOT_MAY, reason="root"),
        )
        for row in BAD
    ],
)
def test_bad_output_paths_get_one_line(
    tmp_path: Path, name: str, make: Callable[[Path], str], says: str
) -> None:
    clip = _clip(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    given = make(tmp_path)
    made = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(OutputError) as exc:
        check_output(given, "--json", {"the clip being reviewed": clip})
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("--json")
    assert says in msg, msg
    assert given in msg  # the file, as the user typed it
    assert clip.read_bytes().startswith(b"not really")  # the input is untouched
    assert sorted(p.name for p in tmp_path.rglob("*")) == made  # nothing left behind
    assert before <= made


def test_missing_folders_are_made_and_removed_when_unused(tmp_path: Path) -> None:
    out = check_output(tmp_path / "a" / "b" / "r.json", "--json")
    assert out.created == (tmp_path / "a", tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir() and list((tmp_path / "a" / "b").iterdir()) == []
    remove_created([out])
    assert not (tmp_path / "a").exists()
    # Once something was written there, the folders stay.
    out = check_output(tmp_path / "a" / "b" / "r.json", "--json")
    out.write_text("{}")
    remove_created([out])
    assert (tmp_path / "a" / "b" / "r.json").read_text() == "{}"


def test_a_refused_output_undoes_the_folders_made_for_the_others(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"--csv /proc/x\.csv: cannot create files in /proc"):
        check_outputs({"--json": str(tmp_path / "new" / "r.json"), "--csv": "/proc/x.csv"})
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("via", ["same path", "symlink", "dotdot"])
def test_two_outputs_naming_one_file_are_refused(tmp_path: Path, via: str) -> None:
    target = tmp_path / "r.json"
    other = {
        "same path": str(target),
        "symlink": str(tmp_path / "link.json"),
        "dotdot": f"{tmp_path}/sub/../r.json",
    }[via]
    if via == "symlink":
        (tmp_path / "link.json").symlink_to(target)
    if via == "dotdot":
        (tmp_path / "sub").mkdir()
    with pytest.raises(OutputError, match=r"^--csv .* is also the --json file; give each output"):
        check_outputs({"--json": str(target), "--csv": other, "--annotated": None})


def test_good_outputs_pass_and_nothing_is_left(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text("old")
    outs = check_outputs(
        {
            "--json": str(tmp_path / "old.json"),
            "--csv": str(tmp_path / "r.csv"),
            "--annotated": None,
        },
        {"the clip being reviewed": _clip(tmp_path)},
    )
    assert set(outs) == {"--json", "--csv"}
    assert outs["--json"].target == tmp_path / "old.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "old.json"]
    assert (tmp_path / "old.json").read_text() == "old"  # checking never writes the file


def test_staged_replaces_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old report")
    target.chmod(0o640)
    st = Staged(target)
    st.path.write_text("new rep")
    assert target.read_text() == "old report"  # half-way: the old file is intact
    assert st.path.parent == tmp_path and st.path.name.startswith(f".r.json{TEMP_TAG}")
    st.commit()
    assert target.read_text() == "new rep" and not st.path.exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file keeps its mode
    with pytest.raises(RuntimeError), Staged(target) as st2:
        st2.path.write_text("broken")
        raise RuntimeError("the writer failed")
    assert target.read_text() == "new rep" and not st2.path.exists()


def test_a_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "r.csv", "a,b\n")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "r.csv").stat().st_mode) == 0o644  # not mkstemp's 0600


def test_writing_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    (tmp_path / "link.json").symlink_to(real)
    out = check_output(tmp_path / "link.json", "--json")
    out.write_text("new")
    assert (tmp_path / "link.json").is_symlink() and real.read_text() == "new"


def test_a_killed_writer_leaves_the_old_file_and_its_leftover_is_cleaned(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text("old report")
    code = textwrap.dedent(
        f"""
        import sys, time
        from formcheck.outputs import Staged
        st = Staged({str(target)!r})
        with open(st.path, "w") as f:
            f.write("half a rep")
            f.flush()
            print("writing", flush=True)
            time.sleep(600)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        proc.kill()
    leftovers = list(tmp_path.glob(f".r.json{TEMP_TAG}*{TEMP_SUFFIX}"))
    assert len(leftovers) == 1  # a hidden temporary file, never the report itself
    assert target.read_text() == "old report"
    # A live process's temporary file is left alone; the dead one's goes at the next check.
    live = tmp_path / f".r.json{TEMP_TAG}1.abc{TEMP_SUFFIX}"  # pid 1 always exists
    live.write_text("")
    check_output(target, "--json")
    assert list(tmp_path.glob(f".r.json{TEMP_TAG}*")) == [live]
