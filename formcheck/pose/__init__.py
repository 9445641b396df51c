"""Pose estimation backends behind one :class:`PoseEstimator` protocol.

Importing this package does not import mediapipe: the MediaPipe backends
import it in their constructors.
"""

from __future__ import annotations

from pathlib import Path

from formcheck.errors import PoseModelError
from formcheck.pose.base import PoseEstimator

__all__ = ["PoseEstimator", "create_estimator"]


def create_estimator(model: str | None = None, replay: str | None = None) -> PoseEstimator:
    """Build the estimator the user asked for.

    - ``replay`` (a landmarks ``.csv``): replay saved landmarks, no model.
    - ``model`` ending in ``.task``: that MediaPipe Pose Landmarker bundle.
    - ``model`` ending in ``.csv``: same as ``replay``.
    - neither: MediaPipe Pose with the bundled model.

    The MediaPipe estimators come wrapped in :class:`~formcheck.pose.people.PeopleWatch`,
    so their poses say how many other people are in view (``PoseFrame.others``).
    """
    if replay is not None and model is not None:
        raise PoseModelError("pass either a pose model or a landmarks file to replay, not both")
    if replay is not None or (model is not None and model.lower().endswith(".csv")):
        from formcheck.pose.replay import ReplayPose

        path = replay if replay is not None else model
        assert path is not None
        if not Path(path).is_file():
            raise PoseModelError(f"landmarks file not found: {path}; pass a landmarks .csv file")
        return ReplayPose(path)
    from formcheck.pose.people import PeopleWatch

    if model is None:
        from formcheck.pose.mediapipe_backend import MediaPipePose

        return PeopleWatch(MediaPipePose())
    if model.lower().endswith(".task"):
        from formcheck.pose.tasks_backend import TasksPose

        return PeopleWatch(TasksPose(model))
    raise PoseModelError(
        f"unknown pose model {model!r}; pass a MediaPipe Pose Landmarker .task file, a landmarks "
        ".csv to replay, or omit --model to use the bundled model"
    )
