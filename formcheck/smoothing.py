"""One-euro filter (Casiez et al., CHI 2012), driven by frame timestamps.

Vectorised over any array shape, so one filter smooths all 33 landmarks.
Timestamps come from the video; a gap longer than ``reset_after_s`` (the
person left the frame) restarts the filter instead of dragging old values in.
The smoothing is defined in seconds, not frames (see :func:`_alpha`), so a
stream with dropped frames is smoothed like the full-rate clip.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[np.float64]


#: The frame step the filter's constants are tuned at: at this step it is the classic
#: one-euro filter (``alpha = 1 / (1 + tau / dt)``).
REF_DT_S = 1.0 / 30.0


def _alpha(cutoff: Arr | float, dt: float) -> Arr:
    """Weight of the new sample after ``dt`` seconds.

    The classic one-euro weight ``1 / (1 + tau / dt)`` is a per-frame constant: with frames
    dropped (a live stream analysed at 8-26 fps) it keeps far more of the old estimate per
    second than at 30 fps, so the output lags the body by up to half a second and a quick
    lowering never reads back below a rep's exit level. Here the share of the old estimate
    kept decays exponentially in time: one ``REF_DT_S`` step keeps what the classic filter
    keeps per frame at 30 fps, and a gap of ``k`` such steps keeps that share to the power
    ``k``, so the filter's time response does not depend on the frame rate.
    """
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, dtype=float))
    keep_per_step = tau / (tau + REF_DT_S)
    return np.asarray(1.0 - keep_per_step ** (dt / REF_DT_S), dtype=float)


class OneEuroFilter:
    """Adaptive low-pass: smooth when still, responsive when moving.

    Args:
        min_cutoff: cutoff frequency (Hz) at zero speed; lower = smoother.
        beta: how fast the cutoff rises with speed; higher = less lag.
        d_cutoff: cutoff for the derivative estimate.
        reset_after_s: restart after a gap this long between samples.
    """

    def __init__(
        self,
        min_cutoff: float = 1.0,
        beta: float = 0.05,
        d_cutoff: float = 1.0,
        reset_after_s: float = 0.5,
    ) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(
                f"need min_cutoff > 0, d_cutoff > 0, beta >= 0; "
                f"got {min_cutoff}, {d_cutoff}, {beta}"
            )
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset_after_s = reset_after_s
        self._t: float | None = None
        self._x: Arr | None = None
        self._dx: Arr | None = None

    def reset(self) -> None:
        self._t = self._x = self._dx = None

    def __call__(self, x: npt.ArrayLike, t_s: float) -> Arr:
        xa = np.asarray(x, dtype=float)
        if (
            self._t is None
            or self._x is None
            or self._dx is None
            or (t_s - self._t > self.reset_after_s)
            or self._x.shape != xa.shape
        ):
            self._t, self._x, self._dx = t_s, xa.copy(), np.zeros_like(xa)
            return xa.copy()
        dt = t_s - self._t
        if dt <= 0:  # duplicate or out-of-order timestamp: keep the last estimate
            return self._x.copy()
        # NaN inputs (a landmark missing this frame) keep their previous estimate.
        xa = np.where(np.isnan(xa), self._x, xa)
        prev_x = np.where(np.isnan(self._x), xa, self._x)
        dx = (xa - prev_x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        dx_hat = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
        a = _alpha(cutoff, dt)
        x_hat = a * xa + (1 - a) * prev_x
        self._t, self._x, self._dx = t_s, x_hat, dx_hat
        return np.asarray(x_hat.copy(), dtype=float)
