"""Errors a user can act on. Each message is one line that says what to do."""

from __future__ import annotations


class FormcheckError(Exception):
    """Base class: the CLI prints ``str(err)`` and exits non-zero, no traceback."""


class SpecError(FormcheckError):
    """An exercise spec file is malformed (file, field, bad value, allowed values)."""


class VideoError(FormcheckError):
    """A clip is missing, unreadable, corrupt or not a video."""


class PoseModelError(FormcheckError):
    """A pose model could not be loaded (missing file, wrong format)."""


class OutputError(FormcheckError):
    """An output file can't be written where asked (or would overwrite an input)."""


class CameraError(FormcheckError):
    """The live camera stopped delivering frames."""
