"""The pose-estimator interface every backend implements.

Backends convert whatever their model returns into our own
:class:`~formcheck.landmarks.PoseFrame` at this boundary; nothing
model-specific leaks out.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from formcheck.landmarks import PoseFrame

ImageBGR = npt.NDArray[np.uint8]


@runtime_checkable
class PoseEstimator(Protocol):
    """Finds one person's pose in a BGR image.

    Use as a context manager so model resources are released. ``estimate`` is
    called with frames in time order; ``t_s`` is the frame's own time (from
    the video, never the wall clock) and is copied into the result.
    """

    name: str

    def estimate(self, image_bgr: ImageBGR, t_s: float) -> PoseFrame | None:
        """The pose in ``image_bgr``, or ``None`` when no person is found."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> PoseEstimator: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def check_image(image_bgr: ImageBGR) -> tuple[int, int]:
    """Validate a BGR uint8 (H, W, 3) image and return its (width, height)."""
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
        raise ValueError(
            f"expected a uint8 BGR image of shape (H, W, 3), got {image_bgr.dtype} "
            f"{image_bgr.shape}"
        )
    h, w = image_bgr.shape[:2]
    return int(w), int(h)
