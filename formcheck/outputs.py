"""Output files that never lose the user's data: checked before the work, written atomically.

Any command that writes files the user named (``review --json/--csv/--annotated``,
later ``report -o``) uses this module:

* :func:`check_outputs` runs **before** any work. Each path gets one line saying
  the file, what is wrong and what to do (:class:`~formcheck.errors.OutputError`)
  when it is empty, names a folder, a device or a pipe, is read-only, is one of
  the command's inputs (the same path, or the same file reached through a
  symlink, ``..`` or a hard link), is given for two outputs, or lies in a folder
  where no file can be created (``/proc``, a read-only disk, a file used as a
  folder). It proves the folder takes new files by creating and removing a
  temporary file there.
* A missing parent folder is **created** (as ``mkdir -p`` would), at check time so
  that one that can't be made fails before the work. The README's first command
  writes ``--annotated out/annotated.mp4`` into a folder a fresh checkout lacks,
  the annotated writer always made its folder, and the "wrote" line names the
  path, so a user expects the file to appear rather than an error. If nothing
  ends up written, :func:`remove_created` takes the new, still empty, folders
  away again.
* :class:`Staged` writes to a hidden temporary file in the target's own folder
  (``.NAME.formcheck-PID.XXXX.part``) and, on :meth:`Staged.commit`, flushes it
  to disk and renames it over the target with :func:`os.replace` (atomic on one
  file system). An interrupted or crashed write never leaves a half-written
  report or an unplayable video at the target, and an older file there stays
  intact until the new one is complete. A temporary file left by a killed
  process (``kill -9``) is removed by the next check of the same target.
* Symlinks are followed: writing to ``link.json`` replaces the file it points to
  and keeps the link.
"""

from __future__ import annotations

import errno
import glob
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from formcheck.errors import OutputError

__all__ = ["OutputPath", "Staged", "check_output", "check_outputs", "remove_created", "write_text"]

TEMP_TAG = ".formcheck-"
TEMP_SUFFIX = ".part"

_WHY = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "it is on a read-only file system",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "over the disk quota",
    errno.ENOENT: "it does not take new files",
    errno.ENAMETOOLONG: "the name is too long",
}


_EXAMPLE = {"--json": "report.json", "--csv": "reps.csv", "--annotated": "annotated.mp4"}


@dataclass(frozen=True, slots=True)
class OutputPath:
    """One checked output.

    Attributes:
        option: the option that named it, e.g. ``"--json"``.
        given: the path as the user gave it (used in messages).
        target: the file that will be replaced (absolute, symlinks followed).
        created: folders the check created for it, outermost first.
    """

    option: str
    given: str
    target: Path
    created: tuple[Path, ...] = ()

    def _failed(self, err: OSError) -> OutputError:
        return OutputError(
            f"{self.option} {self.given}: could not be written ({_why(err)}); "
            "any earlier file there is unchanged"
        )

    def write_text(self, text: str) -> None:
        """Write ``text`` atomically; a one-line OutputError if the disk refuses."""
        try:
            write_text(self.target, text)
        except OSError as err:
            raise self._failed(err) from None

    def stage(self) -> Staged:
        """A :class:`Staged` temporary file for this output (for writers that need a path)."""
        try:
            return Staged(self.target)
        except OSError as err:
            raise self._failed(err) from None

    def commit(self, staged: Staged) -> None:
        """Put a staged file in place; a one-line OutputError if that fails."""
        try:
            staged.commit()
        except OSError as err:
            raise self._failed(err) from None


def _why(err: OSError) -> str:
    return _WHY.get(err.errno or 0, err.strerror or type(err).__name__)


def _same_file(a: str | Path, b: str | Path) -> bool:
    """True when ``a`` and ``b`` are one file: same path after resolving, or same inode."""
    try:
        if os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b):
            return True
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: someone else's live process
        return True
    return True


def _clean_stale(target: Path) -> None:
    """Remove temporary files for ``target`` left by processes that no longer exist."""
    pattern = f".{glob.escape(target.name)}{TEMP_TAG}*{TEMP_SUFFIX}"
    for leftover in target.parent.glob(pattern):
        rest = leftover.name[len(target.name) + 1 + len(TEMP_TAG) :]
        pid_text = rest.split(".", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _pid_alive(int(pid_text)):
            try:
                leftover.unlink()
            except OSError:
                pass


def _temp_in(folder: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f".{name}{TEMP_TAG}{os.getpid()}.", suffix=TEMP_SUFFIX
    )
    os.close(fd)
    return Path(tmp)


def _make_parents(folder: Path, option: str, given: str) -> tuple[Path, ...]:
    """Create ``folder`` and its missing parents; the ones made, outermost first."""
    missing: list[Path] = []
    p = folder
    while not os.path.lexists(p):
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    if os.path.lexists(p) and not p.is_dir():
        raise OutputError(f"{option} {given}: {p} is a file, not a folder; give a path in a folder")
    created: list[Path] = []
    try:
        for d in reversed(missing):
            d.mkdir()
            created.append(d)
    except OSError as err:
        _remove_dirs(created)
        raise OutputError(
            f"{option} {given}: cannot create the folder {d} ({_why(err)}); "
            "give a path in a folder you can write to"
        ) from None
    return tuple(created)


def _remove_dirs(created: Iterable[Path]) -> None:
    for d in reversed(list(created)):
        try:
            d.rmdir()  # only when still empty
        except OSError:
            pass


def check_output(
    given: str | Path, option: str, inputs: Mapping[str, str | Path | None] | None = None
) -> OutputPath:
    """Check one output path before any work (see the module doc); one-line OutputError."""
    text = str(given)
    if not text.strip():
        raise OutputError(f"{option}: no file name given; give a file path")
    for label, src in (inputs or {}).items():
        if src is not None and str(src) and _same_file(text, src):
            raise OutputError(
                f"{option} {text} is {label} ({src}); writing it would destroy it: "
                "give the output another file name"
            )
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir():
        example = _EXAMPLE.get(option, "out")
        raise OutputError(
            f"{option} {text} is a folder; give a file name in it, e.g. {path / example}"
        )
    if os.path.exists(text):
        mode = os.stat(text).st_mode
        if not stat.S_ISREG(mode):
            raise OutputError(
                f"{option} {text} is not a regular file (a device or a pipe); give a file path"
            )
        if not os.access(text, os.W_OK):
            raise OutputError(
                f"{option} {text} is read-only; make it writable or give another file name"
            )
    target = Path(os.path.realpath(text))
    created = _make_parents(target.parent, option, text)
    try:
        _clean_stale(target)
        _temp_in(target.parent, target.name).unlink()
    except OSError as err:
        _remove_dirs(created)
        raise OutputError(
            f"{option} {text}: cannot create files in {target.parent} ({_why(err)}); "
            "give a path in a folder you can write to"
        ) from None
    return OutputPath(option=option, given=text, target=target, created=created)


def check_outputs(
    outputs: Mapping[str, str | Path | None],
    inputs: Mapping[str, str | Path | None] | None = None,
) -> dict[str, OutputPath]:
    """Check every output given (``{option: path or None}``); the checked ones by option.

    Two options naming one file are refused too. On any error, folders made for
    the outputs already checked are removed again.
    """
    checked: dict[str, OutputPath] = {}
    try:
        for option, given in outputs.items():
            if given is None:
                continue
            out = check_output(given, option, inputs)
            for other in checked.values():
                if _same_file(out.target, other.target):
                    raise OutputError(
                        f"{option} {out.given} is also the {other.option} file; "
                        "give each output its own file name"
                    )
            checked[option] = out
    except OutputError:
        remove_created(checked.values())
        raise
    return checked


def remove_created(outputs: Iterable[OutputPath]) -> None:
    """Remove the folders the checks created, where they are still empty."""
    for out in outputs:
        _remove_dirs(out.created)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Staged:
    """A temporary file next to ``target``; :meth:`commit` renames it over the target.

    As a context manager: commit on success, discard on an exception.
    """

    def __init__(self, target: str | Path) -> None:
        self.target = Path(target)
        self.path = _temp_in(self.target.parent, self.target.name)
        self._done = False

    def commit(self) -> None:
        """Flush the temporary file to disk and put it in place of the target, atomically."""
        if self._done:
            raise ValueError(f"{self.target}: already committed or discarded")
        self._done = True
        try:
            with open(self.path, "rb") as f:
                os.fsync(f.fileno())
            try:
                mode = stat.S_IMODE(os.stat(self.target).st_mode)
            except OSError:
                mode = 0o666 & ~_umask()
            os.chmod(self.path, mode)
            os.replace(self.path, self.target)
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise
        try:  # make the rename itself durable
            dfd = os.open(self.target.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dfd)
        except OSError:
            pass
        finally:
            os.close(dfd)

    def discard(self) -> None:
        """Remove the temporary file; the target is untouched."""
        self._done = True
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Staged:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._done:
            return
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def write_text(target: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with Staged(target) as st:
        st.path.write_text(text, encoding="utf-8")
