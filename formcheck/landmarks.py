"""Our own pose types: the 33 BlazePose landmarks and one frame of pose.

Nothing from mediapipe crosses this boundary: backends convert into
:class:`PoseFrame`, whose arrays have validated shapes and are read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

N_LANDMARKS = 33


class Landmark(IntEnum):
    """BlazePose landmark indices (same order as MediaPipe's PoseLandmark)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


#: Body parts that exist on both sides, as used in side-relative references
#: such as ``near:knee`` or ``working:hip``.
SIDED_PARTS: tuple[str, ...] = (
    "eye",
    "ear",
    "shoulder",
    "elbow",
    "wrist",
    "pinky",
    "index",
    "thumb",
    "hip",
    "knee",
    "ankle",
    "heel",
    "foot_index",
)

#: Skeleton edges for drawing.
POSE_CONNECTIONS: tuple[tuple[Landmark, Landmark], ...] = (
    (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_ELBOW),
    (Landmark.LEFT_ELBOW, Landmark.LEFT_WRIST),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_ELBOW),
    (Landmark.RIGHT_ELBOW, Landmark.RIGHT_WRIST),
    (Landmark.LEFT_SHOULDER, Landmark.LEFT_HIP),
    (Landmark.RIGHT_SHOULDER, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.RIGHT_HIP),
    (Landmark.LEFT_HIP, Landmark.LEFT_KNEE),
    (Landmark.LEFT_KNEE, Landmark.LEFT_ANKLE),
    (Landmark.RIGHT_HIP, Landmark.RIGHT_KNEE),
    (Landmark.RIGHT_KNEE, Landmark.RIGHT_ANKLE),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_HEEL),
    (Landmark.LEFT_HEEL, Landmark.LEFT_FOOT_INDEX),
    (Landmark.LEFT_ANKLE, Landmark.LEFT_FOOT_INDEX),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_HEEL),
    (Landmark.RIGHT_HEEL, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.RIGHT_ANKLE, Landmark.RIGHT_FOOT_INDEX),
    (Landmark.NOSE, Landmark.LEFT_EYE),
    (Landmark.NOSE, Landmark.RIGHT_EYE),
    (Landmark.LEFT_EYE, Landmark.LEFT_EAR),
    (Landmark.RIGHT_EYE, Landmark.RIGHT_EAR),
)


def landmark_by_name(name: str) -> Landmark:
    """``'left_hip'`` -> ``Landmark.LEFT_HIP``; raises KeyError for unknown names."""
    return Landmark[name.upper()]


def _frozen(a: npt.ArrayLike, shape: tuple[int, ...], what: str) -> FloatArray:
    arr = np.array(a, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"PoseFrame.{what} must have shape {shape}, got {arr.shape}")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True)
class PoseFrame:
    """One person's pose in one video frame.

    Attributes:
        t_s: time of the frame in seconds, from the video (never the wall clock).
        xy: (33, 2) image coordinates in pixels, x to the right, y downwards.
        world: (33, 3) metric coordinates in metres, origin between the hips
            (MediaPipe's world landmarks); y points down, z away from the camera.
        visibility: (33,) in [0, 1], the model's confidence that the point is
            visible and inside the image.
        image_size: (width, height) of the frame in pixels.
        tracked: (33, 2) image coordinates refined by following the picture itself
            (optical flow, :mod:`formcheck.pose.tracking`) for the landmarks a spec
            measures in ``tracked`` space: sub-pixel and free of the landmarks'
            jitter, but each only relative to where its tracking began. Other
            landmarks are copies of ``xy``; NaN where a tracked part was lost.
            None when nothing was tracked (no pixels: a replay without them).
        others: how many other people were in view at the last check
            (:mod:`formcheck.pose.people`); 0 when none were, or nothing checked.
    """

    t_s: float
    xy: FloatArray
    world: FloatArray
    visibility: FloatArray
    image_size: tuple[int, int]
    tracked: FloatArray | None = None
    others: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "xy", _frozen(self.xy, (N_LANDMARKS, 2), "xy"))
        object.__setattr__(self, "world", _frozen(self.world, (N_LANDMARKS, 3), "world"))
        object.__setattr__(
            self, "visibility", _frozen(self.visibility, (N_LANDMARKS,), "visibility")
        )
        if self.tracked is not None:
            object.__setattr__(self, "tracked", _frozen(self.tracked, (N_LANDMARKS, 2), "tracked"))
        w, h = self.image_size
        if w <= 0 or h <= 0:
            raise ValueError(f"PoseFrame.image_size must be positive, got {self.image_size}")
        if not np.isfinite(self.t_s):
            raise ValueError(f"PoseFrame.t_s must be finite, got {self.t_s}")
        if self.others < 0:
            raise ValueError(f"PoseFrame.others must be >= 0, got {self.others}")

    def point(self, lm: Landmark) -> FloatArray:
        return self.xy[int(lm)]
