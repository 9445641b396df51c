"""Other people in view: MediaPipe's own person detector, run alone now and then.

MediaPipe Pose follows one person. It finds that person with a detector (the
BlazePose detection model, bundled in the wheel as ``pose_detection.tflite``)
and then only tracks them; the detections are hidden, and the model does not
choose a person (upstream mediapipe issue #3190). Here the detector graph
(MediaPipe's ``PoseDetectionCpu`` subgraph, the same model the tracker starts
from) runs on its own every :attr:`PeopleWatch.every_s` seconds of video, and
every person it finds away from the tracked one is counted into
``PoseFrame.others``. It is offline: both the graph and the model ship in the
mediapipe 0.10.21 wheel.

Each detection has the mid-hip point and a second point whose distance from it
is the radius of a circle around the whole body. The detector sees the picture
shrunk to 224 x 224, so it also runs on square tiles of a wide picture
(:func:`tiles`) and one person found twice is merged (:func:`merge`). A
detection is the tracked person when its mid-hip lies near the tracked pose's
mid-hip or on the tracked body (:func:`is_tracked`: the detector takes feet or a
knee for a face now and then); the rest are other people (:func:`count_others`).
Measured figures are in the README ("More than one person in view").

Pixels stay at this boundary: the engine sees only the count.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

import cv2
import numpy as np

from formcheck.closing import ClosesOnExit
from formcheck.errors import PoseModelError
from formcheck.landmarks import Landmark, PoseFrame
from formcheck.pose.base import ImageBGR, PoseEstimator, check_image

_GRAPH = """
input_stream: "image"
output_stream: "detections"
node {
  calculator: "PoseDetectionCpu"
  input_stream: "IMAGE:image"
  output_stream: "DETECTIONS:detections"
}
"""

#: A detection's mid-hip within this many of its body radii of the tracked mid-hip is the
#: tracked person (a radius is about half a standing person's height).
SAME_RADII = 0.6
#: Or within this many torso lengths of one of the tracked person's visible landmarks.
ON_BODY = 0.25
#: The detector's own score floor is 0.5; detections below this are not counted as people.
MIN_SCORE = 0.6
#: Tiles cover the long side this many times over (overlap, so a person on a seam is whole
#: in one tile).
TILE_COVER = 1.25
_VISIBLE = 0.5


@dataclass(frozen=True, slots=True)
class Person:
    """One person the detector found, in pixels."""

    hip: tuple[float, float]  # mid-hip
    radius: float  # of a circle around the whole body, centred on the mid-hip
    score: float


class Detector(Protocol):
    """Finds people in a BGR image (:class:`PeopleDetector`; a fake one in tests)."""

    def detect(self, image_bgr: ImageBGR) -> list[Person]: ...

    def close(self) -> None: ...


class PeopleDetector(ClosesOnExit):
    """Every person BlazePose's detector finds in one BGR image (no tracking)."""

    def __init__(self) -> None:
        try:
            from google.protobuf import text_format
            from mediapipe.framework import calculator_pb2
            from mediapipe.python.solution_base import SolutionBase

            from formcheck.pose.mediapipe_backend import quiet_native_stderr
        except ImportError as err:  # pragma: no cover - environment problem
            raise PoseModelError(
                f"mediapipe is not installed ({err}); install mediapipe==0.10.21"
            ) from err
        config = text_format.Parse(_GRAPH, calculator_pb2.CalculatorGraphConfig())
        try:
            with quiet_native_stderr():
                self._graph: Any = SolutionBase(graph_config=config)
        except Exception as err:  # mediapipe raises RuntimeError/ValueError
            raise PoseModelError(f"could not start MediaPipe's person detector: {err}") from err
        self._closed = False

    def detect(self, image_bgr: ImageBGR) -> list[Person]:
        """The people in the image: the whole picture, then square tiles of it, merged."""
        return merge(self.detect_raw(image_bgr))

    def detect_raw(self, image_bgr: ImageBGR) -> list[Person]:
        """Every detection of the whole picture and of each tile, in image pixels (a person
        seen in several tiles is in the list several times)."""
        if self._closed:
            raise RuntimeError("PeopleDetector is closed")
        w, h = check_image(image_bgr)
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        people = self._detect(rgb, 0, 0)
        for x, y, side in tiles(w, h):
            people += self._detect(np.ascontiguousarray(rgb[y : y + side, x : x + side]), x, y)
        return people

    def _detect(self, rgb: np.ndarray, x0: int, y0: int) -> list[Person]:
        h, w = rgb.shape[:2]
        rgb.flags.writeable = False
        out = self._graph.process({"image": rgb})
        people: list[Person] = []
        for det in out.detections or ():
            kps = det.location_data.relative_keypoints
            if len(kps) < 2:
                continue
            hx, hy = kps[0].x * w, kps[0].y * h
            radius = float(np.hypot(kps[1].x * w - hx, kps[1].y * h - hy))
            score = float(det.score[0]) if det.score else 0.0
            people.append(Person((float(hx + x0), float(hy + y0)), radius, score))
        return people

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._graph.close()


def tiles(w: int, h: int) -> list[tuple[int, int, int]]:
    """Square tiles ``(x, y, side)`` along the picture's long side, overlapping.

    The detector sees the picture shrunk to 224 x 224 pixels: in a wide picture (two
    people side by side) a person's face is then a few pixels and is missed. Tiles of
    the short side's size keep people at the scale the model knows. A picture that is
    nearly square gets none (the whole picture is its one tile).
    """
    side, long = min(w, h), max(w, h)
    if long <= 1.1 * side:
        return []
    n = math.ceil(TILE_COVER * long / side)
    offs = [round(k * (long - side) / (n - 1)) for k in range(n)]
    return [(o, 0, side) if w >= h else (0, o, side) for o in offs]


def merge(people: Sequence[Person]) -> list[Person]:
    """One detection per person: a detection whose mid-hip is within ``SAME_RADII`` body
    radii of a stronger one's is the same person (seen in the whole picture and a tile)."""
    kept: list[Person] = []
    for p in sorted(people, key=lambda p: -p.score):
        if not any(_same(p, k) for k in kept):
            kept.append(p)
    return kept


def _same(a: Person, b: Person) -> bool:
    d = math.hypot(a.hip[0] - b.hip[0], a.hip[1] - b.hip[1])
    return d <= SAME_RADII * max(a.radius, b.radius)


def is_tracked(person: Person, pose: PoseFrame) -> bool:
    """Is this detection the person whose pose is ``pose``?

    Yes when its mid-hip is within ``SAME_RADII`` of its body radii of the pose's mid-hip,
    or lies on the pose's body (within ``ON_BODY`` torso lengths of one of its visible
    landmarks): the detector reads a body part (feet, a knee) as another face now and then.
    """
    hip = (pose.xy[Landmark.LEFT_HIP] + pose.xy[Landmark.RIGHT_HIP]) / 2.0
    at = np.asarray(person.hip, dtype=np.float64)
    if np.all(np.isfinite(hip)) and np.hypot(*(at - hip)) <= SAME_RADII * person.radius:
        return True
    shoulders = (pose.xy[Landmark.LEFT_SHOULDER] + pose.xy[Landmark.RIGHT_SHOULDER]) / 2.0
    torso = float(np.hypot(*(shoulders - hip)))
    scale = max(torso if np.isfinite(torso) else 0.0, 0.3 * person.radius)
    seen = pose.xy[(pose.visibility >= _VISIBLE) & np.isfinite(pose.xy).all(axis=1)]
    if len(seen) == 0 or scale <= 0.0:
        return False
    return float(np.min(np.hypot(*(seen - at).T))) <= ON_BODY * scale


def count_others(people: Sequence[Person], pose: PoseFrame) -> int:
    """How many of ``people`` are someone other than the tracked person."""
    return sum(1 for p in people if p.score >= MIN_SCORE and not is_tracked(p, pose))


class PeopleWatch(ClosesOnExit):
    """Wraps an estimator: its poses, with ``others`` counted every ``every_s`` of video.

    A check costs 3-6 detector runs (the whole picture and its tiles), about 40-80 ms
    at 640x480-1280x360, so it runs once a second (6-12% on top of the pose model in a
    review at 30 frames a second). Between checks every pose carries the last check's
    count. A frame without a
    tracked pose is not checked (there is nobody to tell the others from). The
    detector (:class:`PeopleDetector` unless one is given) starts at the first check.
    """

    def __init__(
        self, estimator: PoseEstimator, every_s: float = 1.0, detector: Detector | None = None
    ) -> None:
        if every_s <= 0:
            raise ValueError(f"every_s must be positive, got {every_s}")
        self.estimator = estimator
        self.every_s = every_s
        self.name = estimator.name
        self._detector = detector
        self._last_check: float | None = None
        self._others = 0

    def estimate(self, image_bgr: ImageBGR, t_s: float) -> PoseFrame | None:
        pose = self.estimator.estimate(image_bgr, t_s)
        if pose is None:
            return None
        last = self._last_check
        if last is None or t_s - last >= self.every_s - 1e-6 or t_s < last:
            if self._detector is None:
                self._detector = PeopleDetector()
            self._others = count_others(self._detector.detect(image_bgr), pose)
            self._last_check = t_s
        return dataclasses.replace(pose, others=self._others) if self._others else pose

    def close(self) -> None:
        try:
            self.estimator.close()
        finally:
            if self._detector is not None:
                self._detector.close()
                self._detector = None

    def __enter__(self) -> PeopleWatch:
        self.estimator.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
