"""Scratch folders (formcheck/app/scratch.py): made with an owner file, gone after use, and
the ones a killed server left behind removed at the next start, and only those."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from formcheck.app import scratch
from formcheck.app.scratch import OWNER, owner_alive, owner_line, remove_leftovers, scratch_dir

ROOT = Path(__file__).resolve().parents[1]
HAS_PROC = Path(f"/proc/{os.getpid()}/stat").is_file()


@pytest.fixture()
def tmpdir_(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp folder (what $TMPDIR names) is ``tmp_path`` for the test."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_scratch_folder_has_an_owner_and_goes_after_use(tmpdir_: Path) -> None:
    with scratch_dir() as folder:
        assert folder.parent == tmpdir_ and folder.name.startswith("formcheck-")
        assert (folder / OWNER).read_text().split() == owner_line().split()
        assert owner_line().split()[0] == str(os.getpid())
        (folder / "upload.mp4").write_bytes(b"clip")
        assert remove_leftovers() == []  # its owner (this process) is alive
    assert not folder.exists()
    with pytest.raises(RuntimeError), scratch_dir() as folder:
        raise RuntimeError("review failed")
    assert not folder.exists()


def test_owner_alive() -> None:
    me = owner_line()
    rows = [
        (me, True),  # this process
        (str(os.getpid()), True),  # no start time recorded: the id alone
        (f"{dead_pid()} 12345", False),  # exited
        (str(dead_pid()), False),
        ("", True),  # not a file we wrote: leave it alone
        ("garbage", True),
        ("0 1", True),
        ("-5 1", True),
    ]
    if HAS_PROC:
        rows.append((f"{os.getpid()} 1", False))  # the id now names another process
    for line, alive in rows:
        assert owner_alive(line) is alive, line


def plant(root: Path, name: str, owner: str | None) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "upload.mp4").write_bytes(b"someone's clip")
    if owner is not None:
        (folder / OWNER).write_text(owner + "\n")
    return folder


def test_only_folders_of_dead_owners_are_removed(
    tmpdir_: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    dead = plant(tmpdir_, "formcheck-dead1234", f"{dead_pid()} 999")
    alive = plant(tmpdir_, "formcheck-live1234", owner_line())
    unowned = plant(tmpdir_, "formcheck-screenshots", None)  # not ours: no owner file
    garbled = plant(tmpdir_, "formcheck-garbled1", "not a pid")
    other = plant(tmpdir_, "other-dead1234", f"{dead_pid()} 999")  # not our prefix
    (tmpdir_ / "formcheck-afile").write_text("a file, not a folder")
    elsewhere = plant(tmp_path_factory.mktemp("elsewhere"), "formcheck-target", f"{dead_pid()}")
    (tmpdir_ / "formcheck-link").symlink_to(elsewhere)

    assert remove_leftovers() == [dead]
    assert not dead.exists()
    for kept in (alive, unowned, garbled, other, elsewhere, tmpdir_ / "formcheck-afile"):
        assert kept.exists(), kept
    assert (tmpdir_ / "formcheck-link").is_symlink()
    assert remove_leftovers(tmpdir_) == []  # nothing more to do


HOLDER = """
import sys
from formcheck.app.scratch import scratch_dir
with scratch_dir() as folder:
    (folder / "upload.mp4").write_bytes(b"x" * 1000)
    print(folder, flush=True)
    sys.stdin.read()  # until the test closes it (or kills this process)
"""


def hold_scratch(tmp: Path) -> tuple[subprocess.Popen[str], Path]:
    """A process holding a scratch folder in ``tmp`` with an upload in it (as the review
    page does while it reviews), and that folder."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the folder and the upload are written
    return proc, Path(line.strip())


def test_the_upload_of_a_killed_process_is_removed_at_the_next_start(tmpdir_: Path) -> None:
    killed, left = hold_scratch(tmpdir_)
    holding, held = hold_scratch(tmpdir_)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        assert (left / "upload.mp4").is_file()  # SIGKILL ran no clean-up
        assert remove_leftovers() == [left]
        assert held.is_dir()  # its owner is still running
    finally:
        for proc in (killed, holding):
            if proc.stdin:
                proc.stdin.close()
            proc.wait()
    assert not held.exists()  # cleaned by its owner on a normal exit


def test_start_time_is_blank_for_no_process() -> None:
    assert scratch.start_time(dead_pid()) == ""
    if HAS_PROC:
        assert scratch.start_time(os.getpid()).isdigit()
