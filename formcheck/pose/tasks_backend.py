"""A user-supplied MediaPipe Pose Landmarker ``.task`` model as a :class:`PoseEstimator`.

Runs ``mediapipe.tasks.python.vision.PoseLandmarker`` in VIDEO mode, which
needs strictly increasing integer millisecond timestamps: frame times are
converted to ms and nudged forward when two frames round to the same ms.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import cv2

from formcheck.closing import ClosesOnExit
from formcheck.errors import PoseModelError
from formcheck.landmarks import PoseFrame
from formcheck.pose.base import ImageBGR, check_image
from formcheck.pose.mediapipe_backend import landmarks_to_pose_frame


def _model_error(path: Path, why: str) -> PoseModelError:
    return PoseModelError(
        f"pose model file {why}: {path}; pass the path to a MediaPipe Pose Landmarker "
        ".task file, or omit --model to use the bundled model"
    )


class TasksPose(ClosesOnExit):
    """Pose Landmarker (.task bundle) in VIDEO running mode, one person."""

    def __init__(
        self,
        model_path: str | Path,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        path = Path(model_path)
        self.name = f"mediapipe-tasks:{path.name}"
        if not path.is_file():
            raise _model_error(path, "not found")
        try:
            data = path.read_bytes()
        except OSError as err:
            raise _model_error(path, f"is unreadable ({err.strerror})") from err
        # A .task file is a zip bundle of .tflite models; reject anything else early,
        # with our message rather than a C++ stack trace.
        try:
            with zipfile.ZipFile(path) as bundle:
                names = bundle.namelist()
        except (zipfile.BadZipFile, OSError) as err:
            raise _model_error(path, "is not a .task bundle (not a zip archive)") from err
        if not any(n.endswith(".tflite") for n in names):
            raise _model_error(path, "is not a .task bundle (no .tflite models inside)")
        try:
            from mediapipe.tasks.python.core.base_options import BaseOptions
            from mediapipe.tasks.python.vision import (
                PoseLandmarker,
                PoseLandmarkerOptions,
                RunningMode,
            )
        except ImportError as err:  # pragma: no cover - environment problem
            raise PoseModelError(
                f"mediapipe is not installed ({err}); install mediapipe==0.10.21"
            ) from err
        options = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=data),
            running_mode=RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=False,
        )
        try:
            self._landmarker: Any = PoseLandmarker.create_from_options(options)
        except Exception as err:  # mediapipe raises RuntimeError/ValueError
            msg = " ".join(str(err).split())[:160]
            raise _model_error(path, f"could not be loaded ({msg})") from err
        self._last_ms = -1
        self._closed = False

    def _timestamp_ms(self, t_s: float) -> int:
        ms = round(t_s * 1000.0)
        if ms <= self._last_ms:
            ms = self._last_ms + 1
        self._last_ms = ms
        return ms

    def estimate(self, image_bgr: ImageBGR, t_s: float) -> PoseFrame | None:
        if self._closed:
            raise RuntimeError("TasksPose is closed")
        import mediapipe as mp

        size = check_image(image_bgr)
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        result = self._landmarker.detect_for_video(image, self._timestamp_ms(t_s))
        if not result.pose_landmarks:
            return None
        world = result.pose_world_landmarks[0] if result.pose_world_landmarks else None
        return landmarks_to_pose_frame(result.pose_landmarks[0], world, size, t_s)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._landmarker.close()
