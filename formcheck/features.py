"""Per-frame features of a spec, with visibility gating.

A :class:`FeatureExtractor` resolves a spec's side-relative references
(``near:knee``, ``working:hip``, ``mid:hip``) and turns each PoseFrame into a
value per feature, or ``None`` with the reason it cannot be measured (a joint
not visible enough, outside the image, or a feature not measurable from this
camera view). Nothing here guesses: a missing value stays missing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from formcheck import geometry
from formcheck.feature_kinds import FEATURE_KINDS
from formcheck.landmarks import Landmark, PoseFrame
from formcheck.spec import ExerciseSpec, FeatureSpec, PointRef

#: Landmarks used to decide which side of the body faces the camera.
_NEAR_VOTE_PARTS = ("shoulder", "hip", "knee", "ankle")


def sided(part: str, side: str) -> Landmark:
    """``sided('knee', 'left')`` -> ``Landmark.LEFT_KNEE``."""
    return Landmark[f"{side}_{part}".upper()]


def other(side: str) -> str:
    return "right" if side == "left" else "left"


@dataclass(frozen=True, slots=True)
class FeatureValues:
    """Values by feature name; ``reasons`` says why a value is None."""

    values: dict[str, float | None]
    reasons: dict[str, str]


class NearSideResolver:
    """Decides once which body side is nearer the camera, by vote over early frames.

    Each confident frame votes for the side whose key landmarks are more
    visible (ties broken by world depth: smaller z is nearer). The decision is
    fixed after ``frames_needed`` votes; until then the running majority is used.
    """

    def __init__(self, frames_needed: int = 15) -> None:
        self.frames_needed = frames_needed
        self._votes: list[str] = []
        self.decided: str | None = None

    def update(self, pose: PoseFrame) -> str:
        if self.decided is not None:
            return self.decided
        vis = {
            s: np.mean([pose.visibility[sided(p, s)] for p in _NEAR_VOTE_PARTS])
            for s in ("left", "right")
        }
        if abs(vis["left"] - vis["right"]) > 0.05:
            vote = "left" if vis["left"] > vis["right"] else "right"
        else:
            z = {
                s: np.nanmean([pose.world[sided(p, s), 2] for p in _NEAR_VOTE_PARTS])
                for s in ("left", "right")
            }
            vote = "left" if z["left"] <= z["right"] else "right"
        self._votes.append(vote)
        majority = max(("left", "right"), key=self._votes.count)
        if len(self._votes) >= self.frames_needed:
            self.decided = majority
        return majority


class RaisedSideTracker:
    """Which leg is raised: the side whose ankle (or ``part``) is higher in the image.

    For ``raised:`` references. A person lying side-on has one leg up (a nerve glide,
    a knee to the chest), and the pose model's left/right labels for it are not to be
    trusted: on rendered clips it called the raised leg the far one whichever it was.
    The choice changes only when the other ankle is higher by ``margin`` torso lengths,
    so two legs at rest side by side don't flip it; until both ankles are seen it is
    the near side.
    """

    def __init__(
        self, min_visibility: float = 0.5, margin: float = 0.15, part: str = "ankle"
    ) -> None:
        self.min_visibility = min_visibility
        self.margin = margin
        self.part = part  # "knee": the front leg of a half-kneeling lunge (``front:``)
        self.side: str | None = None

    def update(self, pose: PoseFrame, near: str) -> str:
        points = {s: sided(self.part, s) for s in ("left", "right")}
        if all(pose.visibility[a] >= self.min_visibility for a in points.values()):
            xy = pose.xy
            sh = (xy[Landmark.LEFT_SHOULDER] + xy[Landmark.RIGHT_SHOULDER]) / 2
            hip = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2
            torso = float(geometry.distance(sh, hip))
            up = {s: -float(xy[a][1]) for s, a in points.items()}
            higher = "left" if up["left"] >= up["right"] else "right"
            if self.side is None or (
                higher != self.side and up[higher] - up[self.side] > self.margin * torso
            ):
                self.side = higher
        return self.side if self.side is not None else near


class ViewClassifier:
    """Profile (side-on) or frontal (front / foot-end), from shoulder and hip widths.

    ``ratio`` = (shoulder width + hip width) / (2 * torso length), in image
    pixels. Side-on, the left and right points overlap (about 0.1-0.3 on the
    real dev clips); facing the camera, or seen from the feet with the torso
    foreshortened, they are far apart (about 0.6). A majority over
    ``window_s`` of frames smooths the decision; ratios in the ambiguous band
    don't vote.
    """

    PROFILE_BELOW = 0.35
    FRONTAL_ABOVE = 0.5

    def __init__(self, window_s: float = 1.5) -> None:
        self.window_s = window_s
        self._votes: deque[tuple[float, str]] = deque()

    @staticmethod
    def ratio(pose: PoseFrame) -> float:
        xy = pose.xy
        ls, rs = xy[Landmark.LEFT_SHOULDER], xy[Landmark.RIGHT_SHOULDER]
        lh, rh = xy[Landmark.LEFT_HIP], xy[Landmark.RIGHT_HIP]
        widths = geometry.distance(ls, rs) + geometry.distance(lh, rh)
        torso = geometry.distance((ls + rs) / 2, (lh + rh) / 2)
        return float(geometry.normalised(widths, 2 * torso))

    def update(self, pose: PoseFrame) -> str | None:
        """Add a frame; return "profile", "frontal" or None (not yet known)."""
        r = self.ratio(pose)
        if np.isfinite(r):
            if r < self.PROFILE_BELOW:
                self._votes.append((pose.t_s, "profile"))
            elif r > self.FRONTAL_ABOVE:
                self._votes.append((pose.t_s, "frontal"))
        while self._votes and self._votes[0][0] < pose.t_s - self.window_s:
            self._votes.popleft()
        if len(self._votes) < 3:
            return None
        kinds = [k for _, k in self._votes]
        return max(("profile", "frontal"), key=kinds.count)


#: Which spec views each classifier result is compatible with.
VIEW_CLASSES = {
    "side": ("profile",),
    "front": ("frontal",),
    "foot_end": ("frontal",),
    "oblique": ("profile", "frontal"),
}


def view_for(spec: ExerciseSpec, view_class: str | None) -> str | None:
    """The first of the spec's views that the observed view class fits, else None."""
    if view_class is None:
        return spec.view
    for v in spec.views:
        if view_class in VIEW_CLASSES[v]:
            return v
    return None


def view_instruction(spec: ExerciseSpec) -> str:
    wanted = {
        "side": "turn side-on to the camera",
        "front": "face the camera",
        "foot_end": "put the camera at your feet, raised and looking down along your body",
        "oblique": "turn partly toward the camera",
    }
    return "Wrong camera view: " + wanted[spec.view] + f" ({spec.camera})"


def _part_name(lm: Landmark) -> str:
    return lm.name.lower().replace("_", " ")


class FeatureExtractor:
    """Computes a spec's features for one session (one side, one view).

    Args:
        spec: the exercise.
        working_side: the user's working side for ``working:``/``free:`` refs,
            or None when the spec has no sides (those refs then fall back to
            the near side).
    """

    def __init__(self, spec: ExerciseSpec, working_side: str | None) -> None:
        self.spec = spec
        self.working_side = working_side
        self.near = NearSideResolver()
        self.raised = RaisedSideTracker(spec.min_visibility)
        self._raised_side: str | None = None  # this frame's, for ``raised:`` references
        self.front = RaisedSideTracker(spec.min_visibility, part="knee")
        # (t_s, value) within each ``median_s`` window, for features that ask for one
        self._recent: dict[str, deque[tuple[float, float]]] = {
            n: deque() for n, f in spec.features.items() if f.median_s > 0
        }
        self._front_side: str | None = None  # this frame's, for ``front:`` / ``back:``

    def _side_of(self, ref: PointRef, near: str) -> str:
        if ref.kind == "near":
            return near
        if ref.kind == "raised":
            return self._raised_side or near
        if ref.kind in ("front", "back"):
            front = self._front_side or near
            return front if ref.kind == "front" else other(front)
        if ref.kind == "far":
            return other(near)
        working = self.working_side or near
        return working if ref.kind == "working" else other(working)

    def _point(
        self, pose: PoseFrame, ref: PointRef, near: str, space: str
    ) -> tuple[np.ndarray, float, Landmark]:
        # World space keeps depth (z): a knee bending toward the camera is
        # foreshortened in the image but not in 3D. Tracked space is the image refined by
        # optical flow (the caller checked that the pose has it).
        coords = pose.world if space == "world" else pose.xy
        if space == "tracked" and pose.tracked is not None:
            coords = pose.tracked
        if ref.kind == "fixed":
            assert ref.landmark is not None
            lm = ref.landmark
            return coords[lm], float(pose.visibility[lm]), lm
        assert ref.part is not None
        if ref.kind == "mid":
            a, b = sided(ref.part, "left"), sided(ref.part, "right")
            worst = a if pose.visibility[a] <= pose.visibility[b] else b
            return (
                (coords[a] + coords[b]) / 2,
                float(min(pose.visibility[a], pose.visibility[b])),
                worst,
            )
        lm = sided(ref.part, self._side_of(ref, near))
        return coords[lm], float(pose.visibility[lm]), lm

    def _in_frame(self, pose: PoseFrame, lm: Landmark) -> bool:
        x, y = pose.xy[lm]
        w, h = pose.image_size
        margin = 0.02
        return bool(-margin * w <= x <= (1 + margin) * w and -margin * h <= y <= (1 + margin) * h)

    def compute(self, pose: PoseFrame, view: str) -> FeatureValues:
        near = self.near.update(pose)
        self._raised_side = self.raised.update(pose, near)
        self._front_side = self.front.update(pose, near)
        values: dict[str, float | None] = {}
        reasons: dict[str, str] = {}
        for name, f in self.spec.features.items():
            if f.views and view not in f.views:
                values[name] = None
                reasons[name] = f"{name} is not measurable from the {view.replace('_', '-')} view"
                continue
            val, why = self._one(pose, f, near)
            if val is not None and name in self._recent:
                val = self._median(name, pose.t_s, val, f.median_s)
            values[name] = val
            if why:
                reasons[name] = why
        return FeatureValues(values, reasons)

    def _median(self, name: str, t_s: float, value: float, window_s: float) -> float:
        """The running median of the last ``window_s`` seconds of measured values: a glitch
        of a frame or two (the pose model swapping or merging the legs) doesn't pass."""
        recent = self._recent[name]
        if recent and t_s < recent[-1][0]:  # time went back (a new clip): start again
            recent.clear()
        recent.append((t_s, value))
        while recent[0][0] < t_s - window_s:
            recent.popleft()
        return float(np.median([v for _, v in recent]))

    def _one(self, pose: PoseFrame, f: FeatureSpec, near: str) -> tuple[float | None, str]:
        refs = f.points + (f.normalise or ())
        if f.space == "tracked" and pose.tracked is None:
            return (
                None,
                f"{f.name} needs the video's pixels (tracked points); these landmarks have none",
            )
        pts = []
        for i, ref in enumerate(refs):
            # a normalise segment is a length scale: from the landmarks in tracked space too
            space = "image" if (f.space == "tracked" and i >= len(f.points)) else f.space
            p, vis, lm = self._point(pose, ref, near, space)
            if not self._in_frame(pose, lm):
                return None, f"{_part_name(lm)} is out of frame"
            if vis < self.spec.min_visibility:
                return None, f"{_part_name(lm)} is not visible"
            if not np.all(np.isfinite(p)):
                if space == "tracked" and np.all(np.isfinite(pose.xy[lm])):
                    return None, f"{_part_name(lm)} could not be followed closely on this frame"
                return None, f"{_part_name(lm)} is not visible"
            pts.append(p)
        kind = FEATURE_KINDS[f.kind]
        if kind.image_plane:
            pts = [p[:2] for p in pts]  # image-plane directions (world y also points down)
        n = len(f.points)
        norm = pts[n:] if f.normalise is not None else None
        with np.errstate(divide="ignore", invalid="ignore"):
            val = kind.measure(pts[:n], norm, f.reference)
        x = float(val)
        if not np.isfinite(x):
            return None, f"{f.name} is undefined (points coincide)"
        return x, ""
