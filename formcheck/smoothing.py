"""One-euro filter (Casiez et al., CHI 2012), driven by frame timestamps.

Vectorised over any array shape, so one filter smooths all 33 landmarks.
Timestamps come from the video; a gap longer than ``reset_after_s`` (the
person left the frame) restarts the filter instead of dragging old values in.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[np.float64]


def _alpha(cutoff: Arr | float, dt: float) -> Arr:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, dtype=float))
    return np.asarray(1.0 / (1.0 + tau / dt), dtype=float)


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
