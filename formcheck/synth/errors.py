"""The one error a ``formcheck synth`` user can hit: a bad request (exercise, view, fault...)."""

from __future__ import annotations

from formcheck.errors import FormcheckError


class SynthError(FormcheckError, ValueError):
    """A synthetic clip was requested with an unknown or inconsistent setting."""
