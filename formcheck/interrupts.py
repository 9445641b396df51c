"""Ctrl-C (SIGINT) and SIGTERM for commands that must not lose the user's data.

Python's own SIGINT handler raises ``KeyboardInterrupt`` wherever the main
thread happens to be. During the first second of a review that is inside an
import or the pose model's start-up, where it surfaced as a traceback, was
swallowed by library code (the review went on) or was reported as a failed
import ("mediapipe is not installed"); SIGTERM had no handler at all and
killed the process with nothing written. :class:`StopSignals` replaces both
handlers with one that never raises:

* **Before the work starts** there is nothing to save: the handler writes one
  line (``formcheck: interrupted (SIGINT); nothing was written``) and ends the
  process at once with ``os._exit`` (exit 130 for SIGINT, 143 for SIGTERM).
* **Once the work has started** (:meth:`StopSignals.defer`) a signal is only
  counted. The work loop polls :meth:`StopSignals.requests` at each frame,
  stops, and the command writes what it has and exits with the same code.
  A second signal stops the finishing work too (drawing the rest of an
  annotated video); writing the report itself is quick and always completes.

Handlers can only be installed from the main thread; elsewhere
:meth:`StopSignals.install` does nothing and returns False.

``python -m formcheck`` installs them first thing (formcheck/__main__.py), and
``main()`` again for the console script. Before that, while Python itself
starts (site-packages, ``.pth`` files: about 0.1-0.4 s on a busy machine), a
signal gets Python's own behaviour; formcheck has not run yet.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

__all__ = ["EXIT_CODES", "StopSignals"]

#: Exit code for each handled signal: 128 + the signal number, as shells report it.
EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
EARLY_LINE = "formcheck: interrupted ({name}); nothing was written"


def _write_line(fd: int, line: str) -> None:
    """Write one line without Python's buffered streams (safe inside a signal handler)."""
    try:
        os.write(fd, (line.rstrip("\n") + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


class StopSignals:
    """SIGINT and SIGTERM handlers for one command run (see the module doc)."""

    def __init__(self, early_line: str = EARLY_LINE) -> None:
        self.early_line = early_line
        self.first: int | None = None  # the first signal received
        self.count = 0
        self.deferred = False
        self._previous: dict[int, Any] = {}
        self._stderr = -1

    def install(self) -> bool:
        """Take over SIGINT and SIGTERM (main thread only); True when installed.

        The early line goes to a copy of file descriptor 2 made here: while the pose
        model loads, fd 2 and ``sys.stderr`` are pointed at /dev/null to hide
        MediaPipe's native logging, and the line must not vanish with it.
        """
        if threading.current_thread() is not threading.main_thread():
            return False
        try:
            self._stderr = os.dup(2)
        except OSError:
            self._stderr = -1
        for sig in EXIT_CODES:
            self._previous[sig] = signal.signal(sig, self._handle)
        return True

    def restore(self) -> None:
        """Put back the handlers that were there before :meth:`install`."""
        for sig, prev in self._previous.items():
            signal.signal(sig, prev if prev is not None else signal.SIG_DFL)
        self._previous.clear()
        if self._stderr >= 0:
            os.close(self._stderr)
            self._stderr = -1

    def defer(self) -> None:
        """From now on a signal only asks the work to stop; nothing exits on its own."""
        self.deferred = True

    def requests(self) -> int:
        """How many stop signals have arrived (polled by the work loop)."""
        return self.count

    @property
    def name(self) -> str | None:
        """``"SIGINT"`` or ``"SIGTERM"`` for the first signal received, else None."""
        return None if self.first is None else signal.Signals(self.first).name

    @property
    def exit_code(self) -> int | None:
        return None if self.first is None else EXIT_CODES[signal.Signals(self.first)]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.first is None:
            self.first = signum
        if self.deferred:
            return
        try:
            sys.stdout.flush()
        except (RuntimeError, OSError, ValueError):  # a print was under way: drop it
            pass
        _write_line(
            self._stderr if self._stderr >= 0 else 2,
            self.early_line.format(name=signal.Signals(signum).name),
        )
        os._exit(EXIT_CODES[signal.Signals(signum)])
