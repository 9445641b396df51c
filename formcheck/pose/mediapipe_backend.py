"""MediaPipe Pose (the legacy ``mp.solutions.pose`` graph) as a :class:`PoseEstimator`.

Uses the BlazePose "full" landmark model bundled in the mediapipe 0.10.21
wheel, so it runs offline. mediapipe is imported lazily in the constructor so
that importing :mod:`formcheck.pose` does not load it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np

from formcheck.closing import ClosesOnExit
from formcheck.errors import PoseModelError
from formcheck.landmarks import N_LANDMARKS, PoseFrame
from formcheck.pose.base import ImageBGR, check_image

#: The only model complexity whose weights ship in the wheel.
BUNDLED_COMPLEXITY = 1


def landmarks_to_pose_frame(
    landmarks: Any, world_landmarks: Any, image_size: tuple[int, int], t_s: float
) -> PoseFrame:
    """Convert MediaPipe normalised + world landmark lists into a :class:`PoseFrame`.

    ``landmarks`` items have ``x``, ``y`` (0..1 of the image), ``visibility``;
    ``world_landmarks`` items have ``x``, ``y``, ``z`` in metres (may be None).
    """
    w, h = image_size
    if len(landmarks) != N_LANDMARKS:
        raise ValueError(f"expected {N_LANDMARKS} landmarks, got {len(landmarks)}")
    norm = np.array([(lm.x, lm.y) for lm in landmarks], dtype=np.float64)
    xy = norm * np.array([w, h], dtype=np.float64)
    vis = np.array([getattr(lm, "visibility", 0.0) or 0.0 for lm in landmarks], dtype=np.float64)
    if world_landmarks is not None and len(world_landmarks) == N_LANDMARKS:
        world = np.array([(lm.x, lm.y, lm.z) for lm in world_landmarks], dtype=np.float64)
    else:
        world = np.zeros((N_LANDMARKS, 3), dtype=np.float64)
    return PoseFrame(
        t_s=float(t_s),
        xy=xy,
        world=world,
        visibility=np.clip(vis, 0.0, 1.0),
        image_size=(w, h),
    )


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence MediaPipe's C++ start-up logging (TFLite, absl) on file descriptor 2.

    Python exceptions are unaffected; they still carry their messages.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (e.g. captured)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


class MediaPipePose(ClosesOnExit):
    """BlazePose via ``mediapipe.solutions.pose`` (bundled model, CPU, offline).

    Args mirror ``mp.solutions.pose.Pose``. Segmentation is always off.
    ``model_complexity`` must be 1: the lite (0) and heavy (2) models are not
    in the wheel and MediaPipe would try to download them at run time.
    """

    name = "mediapipe-pose-full"

    def __init__(
        self,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        static_image_mode: bool = False,
        smooth_landmarks: bool = True,
    ) -> None:
        if model_complexity != BUNDLED_COMPLEXITY:
            raise PoseModelError(
                f"model_complexity={model_complexity} is not available offline: only 1 (the "
                "bundled 'full' model) works; 0 and 2 download their model at run time"
            )
        for label, value in (
            ("min_detection_confidence", min_detection_confidence),
            ("min_tracking_confidence", min_tracking_confidence),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{label} must be in [0, 1], got {value}")
        try:
            with quiet_native_stderr():
                from mediapipe.python.solutions import pose as mp_pose
        except ImportError as err:  # pragma: no cover - environment problem
            raise PoseModelError(
                f"mediapipe is not installed ({err}); install mediapipe==0.10.21"
            ) from err
        try:
            with quiet_native_stderr():
                self._pose: Any = mp_pose.Pose(
                    static_image_mode=static_image_mode,
                    model_complexity=model_complexity,
                    smooth_landmarks=smooth_landmarks,
                    enable_segmentation=False,
                    smooth_segmentation=False,
                    min_detection_confidence=min_detection_confidence,
                    min_tracking_confidence=min_tracking_confidence,
                )
        except Exception as err:  # mediapipe raises RuntimeError/FileNotFoundError
            raise PoseModelError(f"could not start MediaPipe Pose: {err}") from err
        self._closed = False
        self._quiet_calls = 5  # the first process() calls log from C++ threads too

    def estimate(self, image_bgr: ImageBGR, t_s: float) -> PoseFrame | None:
        if self._closed:
            raise RuntimeError("MediaPipePose is closed")
        size = check_image(image_bgr)
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        if self._quiet_calls <= 0:
            results = self._pose.process(rgb)
        else:
            with quiet_native_stderr():
                results = self._pose.process(rgb)
            self._quiet_calls -= 1
        if results.pose_landmarks is None:
            return None
        world = results.pose_world_landmarks
        return landmarks_to_pose_frame(
            results.pose_landmarks.landmark,
            world.landmark if world is not None else None,
            size,
            t_s,
        )

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pose.close()
