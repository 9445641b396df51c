"""Scratch folders for a browser session's files (an uploaded clip, the annotated video, an
uploaded routine), and the removal at server start of those a killed server left behind.

A scratch folder is ``$TMPDIR/formcheck-XXXXXXXX`` holding an owner file (:data:`OWNER`):
the id of the process that made it and that process's start time. The folder goes when
its ``with`` block ends; a server stopped by SIGKILL (or a power cut) runs no clean-up, so
:func:`remove_leftovers`, run when the server starts, removes every folder whose owner
process is gone. It never touches a folder without an owner file (someone else's, or made
by an older formcheck: ``formcheck-*`` is not a name only we use), a folder owned by a live
process (another formcheck server on this computer), or another user's folder. The start
time catches a process id that the system has since given to another process (Linux; where
there is no ``/proc``, a live process id counts as the owner's).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

PREFIX: Final = "formcheck-"
OWNER: Final = ".formcheck-owner"


def start_time(pid: int) -> str:
    """When process ``pid`` started (clock ticks after boot, field 22 of ``/proc/PID/stat``),
    or "" when that is unknown (no such process, or no ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # Field 2, the command name, is in parentheses and may hold spaces; field 3 follows ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else ""


def owner_line(pid: int | None = None) -> str:
    """What a scratch folder's owner file says: ``"PID START_TIME"``."""
    pid = os.getpid() if pid is None else pid
    return f"{pid} {start_time(pid)}".strip()


def owner_alive(line: str) -> bool:
    """Whether the process an owner file names is still running (True when unsure)."""
    parts = line.split()
    try:
        pid = int(parts[0])
    except (IndexError, ValueError):
        return True  # not a file we wrote: leave the folder alone
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # a live process of another user
    except OSError:
        return True
    started = parts[1] if len(parts) > 1 else ""
    now = start_time(pid)
    return not started or not now or now == started


@contextmanager
def scratch_dir() -> Iterator[Path]:
    """A fresh ``formcheck-*`` folder owned by this process, deleted when the block ends."""
    with tempfile.TemporaryDirectory(prefix=PREFIX) as tmp:
        folder = Path(tmp)
        # Written whole or not at all (a folder without it is never removed by others).
        part = folder / (OWNER + ".part")
        part.write_text(owner_line() + "\n")
        os.replace(part, folder / OWNER)
        yield folder


def remove_leftovers(root: Path | None = None) -> list[Path]:
    """Remove the scratch folders in ``root`` (the temp folder) whose owner process is gone.

    Returns the folders removed."""
    root = Path(tempfile.gettempdir()) if root is None else root
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed = []
    for folder in sorted(root.glob(PREFIX + "*")):
        try:
            if folder.is_symlink() or not folder.is_dir():
                continue
            if uid is not None and folder.stat().st_uid != uid:
                continue
            line = (folder / OWNER).read_text()
        except OSError:
            continue  # no owner file: not ours
        if owner_alive(line):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed
