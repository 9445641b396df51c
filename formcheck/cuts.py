"""Scene-cut detection for edited clips (tutorials cut between camera angles).

A cut is a frame whose small grey thumbnail differs from the previous one by
more than ``threshold`` (mean absolute difference, 0-255). On the dev clips a
person exercising changes it by about 1; cuts and dissolves by 12-46.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt


class CutDetector:
    def __init__(self, threshold: float = 12.0, size: int = 32) -> None:
        self.threshold = threshold
        self.size = size
        self._prev: npt.NDArray[np.float32] | None = None

    def thumbnail(self, image_bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        small = cv2.resize(image_bgr, (self.size, self.size), interpolation=cv2.INTER_AREA)
        return np.asarray(small.astype(np.float32).mean(axis=2), dtype=np.float32)

    def step(self, image_bgr: npt.NDArray[np.uint8]) -> bool:
        """True when this frame starts a new shot."""
        thumb = self.thumbnail(image_bgr)
        prev, self._prev = self._prev, thumb
        if prev is None:
            return False
        return float(np.mean(np.abs(thumb - prev))) > self.threshold
