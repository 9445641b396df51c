"""Posture gate: is the person in the exercise's start posture?

A spec names its start posture; nothing counts until the person is in it. This
module classifies one :class:`~formcheck.landmarks.PoseFrame` into one of
:data:`POSTURES` (or "can't tell"), and keeps the registry of
:class:`PostureGate` entries that the session asks (``gate.check(pose)``, or
``gate.judge(classify_posture(pose))`` to keep the reading for messages).
Time hysteresis (how long a posture must hold to open or close the gate)
belongs to the session; this is per-frame classification.

================ ======================= ============================================= ==========
posture          label                   what is checked                               dev clips
================ ======================= ============================================= ==========
lying_on_back    lying on your back      trunk flat or head-down; shoulders near the   100%
                                         floor; face up, or knees bent and up; never   (3,605)
                                         face down
lying_face_down  lying face down         trunk flat or raised up to 60 deg; hips and   100%
                                         knees near the floor; face down or propped    (540)
                                         on the arms
plank            in a plank              trunk flat; straight at the (support-side)    99.8%
                                         hip; hips off the floor near shoulder         (830);
                                         height; arms under the shoulders; face not    head-end
                                         up; legs straight or knees down               view: 0%
hands_and_knees  on your hands and knees trunk flat; a knee on the floor under a       100%
                                         near-vertical thigh; hips raised              (597)
childs_pose      in child's pose         trunk folded forward; a knee on the floor,    no clip
                                         deeply bent, thigh tipped forward; hips up    (0 dev
                                         off the knees, shoulders not well above       frames
                                         them; face not up                             read it)
kneeling         kneeling                trunk upright; both knees on the floor; hips  96%
                                         above the knees (tall, or on the heels)       (50)
half_kneeling    half-kneeling           trunk upright; one knee down, the other up    100%
                                         with its foot flat; hips up                   (300)
sitting          sitting                 trunk upright, not leaning back; body mass    83%
                                         behind the heels with knees up (a chair), or  (42; 12%
                                         hips as low as the knees (the floor)          standing)
standing         standing                no knee near the floor; a shin near           100%
                                         vertical; hips and shoulders up; body mass    (1,161)
                                         over the feet; deep knees only with the
                                         trunk leaning forward; feet seen
================ ======================= ============================================= ==========

Besides one gate per posture, two gates accept a pair, for exercises that move between
them: ``chair`` (sitting or standing: the sit-to-stand) and ``kneeling_lunge``
(half-kneeling or kneeling, and "can't tell" rather than "no" for a pose matching no
posture: the Ki-Hara lunges, whose hips travel back to the kneeling heel).

"dev clips": share of hand-labelled frames with a person read as the label
(frames in brackets), from ``benchmarks/posture_clips.py`` (MediaPipe Pose,
full model, every frame) on ../shared/clips/dev. Over all 7,462 labelled
frames: 95.3% match, 0.1% another posture (5 frames: a sitter lifting a foot
read as standing), the rest "can't tell" - almost all of it a plank filmed
from the head end, legs hidden. Every labelled standing frame reads standing
(every squat bottom, hip hinge and forward bend too) and, but for those 5,
nothing labelled otherwise does; every bridge top reads lying on the back.
The synthetic sample videos read their posture on 100% of frames, the
foot-end bridges (camera raised, looking down) included.

Signals
-------
Heights and angles come from MediaPipe's world landmarks (metres, hip-centred,
axes along the camera's: y down). For a level camera their y axis is
gravity: on the side-on dev clips world and image trunk angles agree within a
few degrees, while world z adds the depth a front view loses (sitting facing
the camera: thighs 40-50 deg from vertical in world, 5-10 deg in the image).
A frame without world landmarks (a replayed foreign file) falls back to image
pixels, which works side-on only.

All scale-free (see :class:`PostureSignals`): lengths in body units (median of
the torso, thigh and shin lengths, ~0.45 m), heights above the lowest body
point (the floor line). Measured on the labelled dev frames, 5th-95th
percentile:

- **Trunk angle** from straight up: upright postures 1-40 deg (squat bottoms
  to 44), lying and on all fours 77-126, a forward bend to 153. It splits
  sitting and kneeling from the floor postures; standing is decided by the
  legs.
- **Knee heights**: a knee on the floor 0-0.44 units (kneeling, the
  half-kneeling back knee, the bird dog's support knee); standing, squatting
  and sitting knees >= 0.97.
- **Hip and shoulder heights**: standing hips 1.0 (squat bottoms) to 2.2;
  bridge tops' hips <= 0.97 but shoulders <= 0.41 (crunch <= 0.68); prone
  hips 0.22-0.52; plank hips >= 0.48 and 0.6-1.4 of the shoulder height
  (cobra and prone on the forearms: 0.3-0.4).
- **Body mass along the feet** (a rough mass centre from the joints, along
  heel -> toe from the heels): standing 0.07-0.51, squat bottoms -0.11 to
  0.14 (balance keeps it over the feet), sitting on a stool -0.82 to -0.07
  (median -0.59: the seat holds it), downward dog 0.9-1.06. This tells a
  squat bottom from sitting, which look alike joint by joint.
- **Face direction** (ears -> nose, vertical part): lying on the back
  0.96-1.0 (crunch 0.43-0.72), prone -0.77 to -0.97, a cobra's head thrown
  back up to 0.57 (its arms under the shoulders say prone).
- **Arms under the shoulders** (upper or whole arm from straight down): plank
  and cobra 1-18 deg; lying 73-143.
- **Knees ahead of the hips** (along the face's direction): sitting 0.47-0.73,
  kneeling 0.75-0.87, half-kneeling 0.44-0.53; prone and cobra -0.84 to
  -0.98, which keeps a cobra's raised trunk from reading as kneeling, and (in
  world space, face not turned down) a floor sitter leaning forward toward the
  camera (0.4) from reading as lying face down at a camera pitch.

Each posture's score is its weakest term, each term a linear ramp between two
bounds set between the measured ranges (:func:`posture_scores` gives them);
a term whose landmarks are not visible is skipped unless the posture needs
it. The best score wins when it is at least :data:`MIN_SCORE`; confidence is
the best score minus half the runner-up's. On every frame of the dev clips
the answer changes 0-0.2 times a second (sit_to_stand_a 1.2, while the
person sits down and stands up); a back extension, which is none of the
postures, flips 1.9 times a second.

Cameras looking down
--------------------
A camera raised at the feet looks down along a floor exercise, and the
model's y axis then mixes height with depth: the foot-end bridge reads as
someone sitting, reclined, facing the camera. So when the trunk is seen
end-on (its depth share at least :data:`END_ON_DEPTH`) and an ankle is
visible, the world is also turned for cameras pitched down by
:data:`PITCHES`, each posture keeps its best score (a small penalty per
degree), floor postures up to 60 deg and upright ones up to
:data:`UPRIGHT_MAX_PITCH` (further, a squat seen from the front passes for
sitting). A plank seen from the head end, legs hidden, would otherwise read
prone or on all fours at some pitch; without an ankle it stays "can't tell".
Cost, on this shared 2-core machine under load: 0.36 ms a frame over the
dev clips, 1.0 ms a frame for the end-on foot-end bridges.

Known limits
------------
- A plank filmed from the head end: "can't tell" (the knees are hidden).
- Sitting is measured on one clip (a stool, facing the camera): the instants
  of sitting down and standing up flicker; floor sitting (90/90) is tested
  on stick figures only, and it is told from sitting on the heels by the hip
  height above the knees (0.15-0.3 units), a thin margin.
- A camera looking down more than ~20 deg at a seated person from the front
  makes the thighs look vertical: it reads standing.
- A prone back extension over a bench reads lying face down while the trunk
  is level (29% of its frames), plank when the arms hang under the
  shoulders (13%) and none of the postures when the trunk hangs (58%).
- Downward dog matches no posture (None).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from formcheck import geometry
from formcheck.landmarks import Landmark, PoseFrame

FloatArray = npt.NDArray[np.float64]

POSTURES: tuple[str, ...] = (
    "lying_on_back",
    "lying_face_down",
    "plank",
    "hands_and_knees",
    "childs_pose",
    "kneeling",
    "half_kneeling",
    "sitting",
    "standing",
)

#: Postures tried at every camera pitch (see "Cameras looking down" above).
FLOOR_POSTURES: tuple[str, ...] = ("lying_on_back", "lying_face_down", "plank", "hands_and_knees")
#: Below this best score the classification is None ("matches no posture").
MIN_SCORE = 0.35
#: Camera pitches (degrees down) tried by the search; 0 is the level camera.
PITCHES: tuple[float, ...] = (20.0, 40.0, 60.0)
#: Upright postures are tried pitched only this far (a phone on a shelf); further,
#: a squat seen from the front reads as sitting, and sitting as standing.
UPRIGHT_MAX_PITCH = 20.0
#: Score penalty per 60 degrees of pitch, so a level reading wins a tie.
PITCH_PENALTY = 0.1
#: The pitch search runs only for a trunk seen end-on: |trunk_depth| at least this.
END_ON_DEPTH = 0.3

_SIDES = ("left", "right")


def _pair(part: str) -> list[int]:
    return [int(Landmark[f"LEFT_{part}"]), int(Landmark[f"RIGHT_{part}"])]


_SH, _EL, _WR = _pair("SHOULDER"), _pair("ELBOW"), _pair("WRIST")
_HIP, _KNEE, _ANK = _pair("HIP"), _pair("KNEE"), _pair("ANKLE")
_HEEL, _TOE, _EAR = _pair("HEEL"), _pair("FOOT_INDEX"), _pair("EAR")
_NOSE = int(Landmark.NOSE)
_BODY = slice(int(Landmark.LEFT_SHOULDER), int(Landmark.RIGHT_FOOT_INDEX) + 1)


@dataclass(frozen=True, slots=True)
class SideSignals:
    """One body side's signals; NaN when a landmark is not visible.

    Angles are in degrees; ``*_h`` heights are above the floor line in body units.
    """

    thigh_deg: float  # hip -> knee from straight down: 0 vertical, 90 level, 180 up
    shin_deg: float  # knee -> ankle from straight down
    knee_deg: float  # hip-knee-ankle, 180 = straight
    hip_deg: float  # shoulder-hip-knee, 180 = straight
    upper_arm_deg: float  # shoulder -> elbow from straight down
    arm_deg: float  # shoulder -> wrist from straight down
    knee_h: float
    ankle_h: float
    wrist_h: float


@dataclass(frozen=True, slots=True)
class PostureSignals:
    """What :func:`classify_posture` measures on one frame (NaN: not measurable).

    Attributes:
        space: "world" (MediaPipe world landmarks) or "image" (pixels, no depth).
        pitch_deg: camera pitch (degrees down) the world was turned for; 0 = level.
        unit: body unit, the median of the torso, thigh and shin lengths.
        trunk_deg: hip -> shoulder mid-points from straight up (0 upright, 90 flat,
            180 head-down).
        hip_h, shoulder_h: mid-point heights above the floor line, in units.
        face_up: vertical component of ear mid-point -> nose, -1 (face down) to
            +1 (face up).
        mass_along_feet: a rough mass centre's position along the feet, from the
            heels toward the toes, in units (negative: behind the heels).
        lean_fwd_deg: the trunk's lean from vertical toward the toes (negative:
            leaning back, away from the feet); NaN without a foot direction.
        knees_ahead: the knees' mid-point ahead of the hips', along the way the
            face points (horizontally), in units; NaN when the face is not seen.
        trunk_depth: how much of the trunk (hip -> shoulder) runs along the camera
            axis, -1..1 (+1: shoulders straight away from the camera); NaN in
            image space. Near +-1 the body is seen end-on (foot-end, head-end).
        left, right: per-side signals.
    """

    space: str
    pitch_deg: float
    unit: float
    trunk_deg: float
    hip_h: float
    shoulder_h: float
    face_up: float
    mass_along_feet: float
    lean_fwd_deg: float
    knees_ahead: float
    trunk_depth: float
    left: SideSignals
    right: SideSignals


def _points(pose: PoseFrame, min_visibility: float, pitch_deg: float) -> tuple[FloatArray, str]:
    """(33, 3) points with y along gravity (down), NaN where not visible enough."""
    world = np.asarray(pose.world, dtype=float)
    body = world[_BODY]
    if np.all(np.isfinite(body)) and float(np.ptp(body[:, :2])) > 1e-6:
        pts, space = world.copy(), "world"
        if pitch_deg:
            # A camera pitched down by p sees gravity-down as (0, cos p, sin p).
            c, s = math.cos(math.radians(pitch_deg)), math.sin(math.radians(pitch_deg))
            pts[:, 1] = c * world[:, 1] + s * world[:, 2]
            pts[:, 2] = -s * world[:, 1] + c * world[:, 2]
    else:
        pts = np.zeros((len(pose.xy), 3))
        pts[:, :2] = pose.xy
        space = "image"
    pts[~(pose.visibility >= min_visibility)] = np.nan
    return pts, space


def _mid(p: FloatArray) -> FloatArray:
    """Mid-point of a (2, 3) left/right pair, or the one that is visible."""
    ok = np.isfinite(p[:, 0])
    if ok.all():
        return (p[0] + p[1]) / 2
    return p[int(np.argmax(ok))] if ok.any() else np.full(3, np.nan)


def _from_down(v: FloatArray) -> FloatArray:
    """Angle of vectors (..., 3) from straight down (+y), degrees; NaN for NaN input."""
    return np.degrees(np.arctan2(np.hypot(v[..., 0], v[..., 2]), v[..., 1]))


def _norm(v: FloatArray) -> FloatArray:
    return np.sqrt(np.sum(v * v, axis=-1))


_MISSING_WORDS = {"shoulder": "shoulders", "hip": "hips", "knee": "knees"}


def posture_signals(
    pose: PoseFrame, min_visibility: float = 0.5, pitch_deg: float = 0.0
) -> PostureSignals | str:
    """Measure the signals on one frame, or return why the landmarks can't tell.

    Needs at least one shoulder, hip and knee with visibility >= ``min_visibility``;
    otherwise returns a reason such as ``"hips and knees not visible"``.
    ``pitch_deg`` turns the world for a camera pitched down by that much.
    """
    pts, space = _points(pose, min_visibility, pitch_deg)
    sh_p, hip_p, knee_p = pts[_SH], pts[_HIP], pts[_KNEE]
    missing = [
        name
        for name, p in (("shoulder", sh_p), ("hip", hip_p), ("knee", knee_p))
        if not np.isfinite(p[:, 0]).any()
    ]
    if missing:
        words = [_MISSING_WORDS[m] for m in missing]
        text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        return f"{text} not visible"
    ank_p, el_p, wr_p = pts[_ANK], pts[_EL], pts[_WR]
    sh, hip = _mid(sh_p), _mid(hip_p)
    lengths = np.concatenate([[_norm(sh - hip)], _norm(knee_p - hip_p), _norm(ank_p - knee_p)])
    lengths = lengths[np.isfinite(lengths) & (lengths > 0)]
    if lengths.size == 0:
        return "body too small to measure"
    unit = float(np.median(lengths))
    floor = float(np.nanmax(pts[_BODY, 1]))

    def height(p: FloatArray) -> FloatArray:
        return (floor - p[..., 1]) / unit

    # one vectorised call each: rows are left/right knee, then left/right hip
    joints = geometry.joint_angle(
        np.concatenate([hip_p, sh_p]),
        np.concatenate([knee_p, hip_p]),
        np.concatenate([ank_p, knee_p]),
    )
    knee_ang, hip_ang = joints[:2], joints[2:]
    down = _from_down(np.concatenate([knee_p - hip_p, ank_p - knee_p, el_p - sh_p, wr_p - sh_p]))
    thigh, shin, upper_arm, arm = down[0:2], down[2:4], down[4:6], down[6:8]
    knee_h, ank_h, wr_h = height(knee_p), height(ank_p), height(wr_p)
    sides = [
        SideSignals(
            thigh_deg=float(thigh[i]),
            shin_deg=float(shin[i]),
            knee_deg=float(knee_ang[i]),
            hip_deg=float(hip_ang[i]),
            upper_arm_deg=float(upper_arm[i]),
            arm_deg=float(arm[i]),
            knee_h=float(knee_h[i]),
            ankle_h=float(ank_h[i]),
            wrist_h=float(wr_h[i]),
        )
        for i in range(2)
    ]
    d = pts[_NOSE] - _mid(pts[_EAR])
    n = float(_norm(d))
    face_up = -float(d[1]) / n if n > 1e-9 else math.nan
    trunk = sh - hip
    fwd = _feet_direction(pts, space, unit)
    lean = math.nan
    if fwd is not None:
        horiz = trunk[[0, 2]] if space == "world" else trunk[[0]]
        lean = math.degrees(math.atan2(float(horiz @ fwd), -float(trunk[1])))
    knees_ahead = math.nan
    facing = d[[0, 2]] if space == "world" else d[[0]]
    n_face = float(_norm(facing))
    knee = _mid(knee_p)
    if n_face > 1e-9:
        ahead = (knee - hip)[[0, 2]] if space == "world" else (knee - hip)[[0]]
        knees_ahead = float(ahead @ facing) / n_face / unit
    depth = math.nan
    if space == "world":
        level = pose.world[_SH].mean(axis=0) - pose.world[_HIP].mean(axis=0)
        n = float(_norm(level))
        depth = float(level[2]) / n if n > 1e-9 else math.nan
    return PostureSignals(
        space=space,
        pitch_deg=float(pitch_deg),
        unit=unit,
        trunk_deg=float(180.0 - _from_down(sh - hip)),
        hip_h=float(height(hip)),
        shoulder_h=float(height(sh)),
        face_up=face_up,
        mass_along_feet=_mass_along_feet(pts, sh, hip, fwd, space, unit),
        lean_fwd_deg=lean,
        knees_ahead=knees_ahead,
        trunk_depth=depth,
        left=sides[0],
        right=sides[1],
    )


#: Rough segment masses (share of body mass) for the mass centre.
_MASS = {"trunk": 0.50, "head": 0.08, "thighs": 0.20, "shanks": 0.12, "arms": 0.10}


def _feet_direction(pts: FloatArray, space: str, unit: float) -> FloatArray | None:
    """Horizontal unit vector heel -> toe (x, z in world space; x in image space).

    None when no whole foot (heel and toe) is visible, or the feet point at the
    camera so that their direction is lost (image space, front view).
    """
    heel, toe = pts[_HEEL], pts[_TOE]
    feet = np.isfinite(heel[:, 0]) & np.isfinite(toe[:, 0])
    if not feet.any():
        return None
    axes = [0, 2] if space == "world" else [0]
    fwd = (toe[feet] - heel[feet])[:, axes].mean(axis=0)
    n = float(_norm(fwd))
    return fwd / n if n >= 0.1 * unit else None


def _mass_along_feet(
    pts: FloatArray,
    sh: FloatArray,
    hip: FloatArray,
    fwd: FloatArray | None,
    space: str,
    unit: float,
) -> float:
    """The mass centre's horizontal position along the feet from the heels, in units.

    NaN without a foot direction (see :func:`_feet_direction`).
    """
    if fwd is None:
        return math.nan
    knee, ankle = _mid(pts[_KNEE]), _mid(pts[_ANK])
    elbow, wrist = _mid(pts[_EL]), _mid(pts[_WR])
    parts = (
        (_MASS["trunk"], 0.55 * hip + 0.45 * sh),
        (_MASS["head"], pts[_NOSE]),
        (_MASS["thighs"], (hip + knee) / 2),
        (_MASS["shanks"], (knee + ankle) / 2),
        (_MASS["arms"], (sh + elbow + wrist) / 3),
    )
    num, den = np.zeros(3), 0.0
    for weight, p in parts:
        if np.isfinite(p).all():
            num += weight * p
            den += weight
    if den == 0:
        return math.nan
    axes = [0, 2] if space == "world" else [0]
    heel, toe = pts[_HEEL], pts[_TOE]
    feet = np.isfinite(heel[:, 0]) & np.isfinite(toe[:, 0])
    com = (num / den)[axes]
    heel_mid = heel[feet][:, axes].mean(axis=0)
    return float((com - heel_mid) @ fwd) / unit


# -- scoring ----------------------------------------------------------------------


def ramp(x: float, zero_at: float, one_at: float) -> float:
    """0 at ``zero_at``, 1 at ``one_at``, linear between and clipped (either direction).

    NaN (not measured) stays NaN.
    """
    if not math.isfinite(x):
        return math.nan
    return max(0.0, min(1.0, (x - zero_at) / (one_at - zero_at)))


def _all(*terms: float) -> float:
    """All of: the weakest measured term (NaN when none is measured)."""
    known = [t for t in terms if math.isfinite(t)]
    return min(known) if known else math.nan


def _any(*terms: float) -> float:
    """Any of: the strongest measured term (NaN when none is measured)."""
    known = [t for t in terms if math.isfinite(t)]
    return max(known) if known else math.nan


def _need(term: float) -> float:
    """A term that must be measured: not measured counts as no evidence."""
    return term if math.isfinite(term) else 0.0


def _lo(*xs: float) -> float:
    known = [x for x in xs if math.isfinite(x)]
    return min(known) if known else math.nan


def _hi(*xs: float) -> float:
    known = [x for x in xs if math.isfinite(x)]
    return max(known) if known else math.nan


def posture_scores(sig: PostureSignals) -> dict[str, float]:
    """Evidence for each posture in [0, 1]; the bounds are from the dev clips.

    Comments give the measured ranges (5th-95th percentile over labelled frames)
    that each pair of bounds sits between.
    """
    left, right = sig.left, sig.right
    trunk = sig.trunk_deg
    knee_lo, knee_hi = _lo(left.knee_h, right.knee_h), _hi(left.knee_h, right.knee_h)
    # The side whose knee is lower (the kneeling knee, the support knee).
    low, high = (right, left) if right.knee_h < left.knee_h else (left, right)
    if not math.isfinite(low.knee_h):
        low, high = high, low
    arm_under = _lo(left.upper_arm_deg, right.upper_arm_deg, left.arm_deg, right.arm_deg)
    # upright postures: trunk 1-40 deg from vertical (sitting leans to 35), knees
    # not trailing behind the hips (a cobra's are about a thigh behind)
    upright = _all(ramp(trunk, 45, 30), ramp(sig.knees_ahead, -0.6, -0.3))
    flat = _all(ramp(trunk, 40, 60), ramp(trunk, 150, 130))  # floor postures 61-126
    hip_over_sh = sig.hip_h / sig.shoulder_h if sig.shoulder_h > 0 else math.nan
    scores = {
        "lying_on_back": _all(
            _all(ramp(trunk, 50, 65), ramp(trunk, 160, 140)),  # 80 (crunch) .. 126 (bridge top)
            ramp(sig.shoulder_h, 0.95, 0.7),  # shoulders down: <= 0.79; standing >= 1.19
            _any(
                ramp(sig.face_up, -0.2, 0.3),  # face up 0.43-1.0; prone <= -0.77
                _all(  # knees up: bent, above the hips (feet flat)
                    ramp(knee_hi - sig.hip_h, 0.1, 0.35),
                    ramp(_lo(left.knee_deg, right.knee_deg), 150, 130),
                ),
            ),
            ramp(sig.face_up, -0.6, -0.3),  # never face down
        ),
        "lying_face_down": _all(
            _all(ramp(trunk, 20, 30), ramp(trunk, 130, 115)),  # cobra 37 .. prone 90
            ramp(sig.hip_h, 0.6, 0.45),  # hips down: 0.22-0.52; plank >= 0.48
            ramp(knee_hi, 0.75, 0.55),  # legs along the floor: <= 0.41
            # knees not out in front (prone and cobra: -0.84 .. -0.98; a floor sitter
            # leaning forward toward the camera, read at a pitch: 0.4); only in world
            # space and with the face not turned down (above -0.7): a face looking
            # straight at the floor, or in image pixels, gives no forward direction
            ramp(sig.knees_ahead, 0.3, 0.0)
            if sig.space == "world" and sig.face_up > -0.7
            else math.nan,
            _any(
                ramp(sig.face_up, 0.3, -0.2),  # face down: -0.77 .. -0.97
                ramp(arm_under, 50, 30),  # or propped on the arms: 2-13 deg
            ),
        ),
        "plank": _all(
            flat,
            ramp(low.hip_deg, 120, 145),  # straight hips: 150-172; bird dog's support 90
            ramp(sig.hip_h, 0.3, 0.45),  # hips up: >= 0.48; prone 0.22-0.33
            ramp(hip_over_sh, 0.45, 0.6),  # hips near shoulder height: 0.6-1.4; cobra 0.3
            ramp(sig.shoulder_h, 0.45, 0.6),
            _need(ramp(arm_under, 55, 35)),  # on the arms: 1-18 deg; bridge 73-100
            ramp(sig.face_up, 0.3, 0.0),  # face not up: -0.67 .. -0.97; bridge 0.96-1.0
            _any(
                ramp(low.knee_deg, 130, 150),  # straight legs: 163-177
                ramp(knee_lo, 0.5, 0.3),  # or a knee plank, knees down
            ),
        ),
        "hands_and_knees": _all(
            flat,
            ramp(knee_lo, 0.6, 0.35),  # a knee down: 0-0.31
            ramp(low.thigh_deg, 55, 35),  # its thigh near vertical: 2-18 deg
            ramp(sig.hip_h, 0.5, 0.75),  # hips raised: 0.94-1.34
        ),
        # No dev clip: bounds from stick figures (hips back toward the heels from a
        # table-top, trunk folded over the thighs: thighs 35-50 deg, knees 25-40).
        "childs_pose": _all(
            _all(ramp(trunk, 50, 70), ramp(trunk, 160, 140)),  # folded forward, not upright
            ramp(knee_lo, 0.6, 0.35),  # a knee down
            ramp(low.knee_deg, 75, 55),  # deeply bent: table-top 81-92
            ramp(low.thigh_deg, 25, 35),  # thigh tipped forward: table-top 2-18 (bird dog 22)
            ramp(low.thigh_deg, 100, 80),  # but not along the floor (prone, knees bent)
            ramp(sig.hip_h - knee_lo, 0.15, 0.3),  # hips up off the knees' level
            ramp(sig.shoulder_h - sig.hip_h, 0.4, 0.2),  # shoulders not well above the hips
            ramp(sig.face_up, 0.3, 0.0),  # face not up
        ),
        "kneeling": _all(
            upright,
            ramp(knee_hi, 0.6, 0.35),  # both knees down: 0-0.17
            ramp(sig.hip_h - knee_hi, 0.15, 0.3),  # hips above the knees: on the heels >= 0.4
        ),
        "half_kneeling": _all(
            upright,
            ramp(knee_hi - knee_lo, 0.35, 0.6),  # one knee up, one down: >= 0.7 apart
            ramp(knee_lo, 0.7, 0.45),  # the back knee down: 0.14-0.44
            ramp(high.ankle_h, 0.7, 0.45),  # the front foot flat: 0.26-0.31
            ramp(sig.hip_h, 0.6, 0.85),  # hips up: 1.16-1.38
        ),
        "sitting": _all(
            upright,
            ramp(sig.lean_fwd_deg, -30, -15),  # not leaning back: 1-34 fwd; foot-end bridge -34
            _any(
                _all(
                    _need(ramp(sig.mass_along_feet, -0.1, -0.3)),  # seat: -0.82 .. -0.07
                    ramp(knee_lo, 0.2, 0.45),  # knees up (a chair): >= 0.92
                ),
                _all(  # on the floor: hips as low as the knees (on the heels >= 0.4)
                    ramp(sig.hip_h, 0.7, 0.5),
                    ramp(sig.hip_h - knee_lo, 0.3, 0.15),
                ),
            ),
        ),
        "standing": _all(
            ramp(knee_lo, 0.45, 0.75),  # no knee down: >= 0.97
            ramp(_lo(left.shin_deg, right.shin_deg), 60, 45),  # a shin near vertical: <= 40
            ramp(sig.lean_fwd_deg, -35, -20),  # not leaning back: >= -9
            _any(  # knees bent past 110 deg only with the trunk leaning forward (>= 29)
                ramp(_lo(left.knee_deg, right.knee_deg), 100, 125),
                ramp(sig.lean_fwd_deg, 15, 25),
            ),
            ramp(sig.hip_h, 0.5, 0.8),  # hips up: >= 1.0 (squat bottom)
            ramp(sig.shoulder_h, 0.6, 1.0),  # shoulders up: >= 1.19 (forward bend)
            ramp(sig.mass_along_feet, -0.35, -0.15),  # mass over the feet: -0.11 .. 0.51
            ramp(sig.mass_along_feet, 0.95, 0.75),  # (downward dog 0.9-1.06)
            _need(ramp(_lo(left.ankle_h, right.ankle_h), 0.7, 0.45)),  # feet down: <= 0.42
        ),
    }
    return {k: (v if math.isfinite(v) else 0.0) for k, v in scores.items()}


# -- classification -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostureReading:
    """One frame's posture.

    Attributes:
        posture: best classification, None when the landmarks can't tell or the
            pose matches none of :data:`POSTURES`.
        confidence: 0..1 (the best score minus half the runner-up's).
        reason: plain words when ``posture`` is None (e.g. "hips and knees not
            visible"); empty otherwise.
        scores: each posture's score; empty when the landmarks can't tell.
    """

    posture: str | None
    confidence: float
    reason: str
    scores: Mapping[str, float] = field(default_factory=dict)


def classify_posture(pose: PoseFrame, min_visibility: float = 0.5) -> PostureReading:
    """Classify one frame into one of :data:`POSTURES` (see the module docstring)."""
    sig = posture_signals(pose, min_visibility)
    if isinstance(sig, str):
        return PostureReading(None, 0.0, sig)
    scores = posture_scores(sig)
    ankles_seen = bool(np.nanmax(pose.visibility[_ANK]) >= min_visibility)
    end_on = abs(sig.trunk_depth) >= END_ON_DEPTH
    if end_on and ankles_seen:
        for pitch in PITCHES:
            turned = posture_signals(pose, min_visibility, pitch)
            assert not isinstance(turned, str)  # same landmarks, same visibility
            keep = 1.0 - PITCH_PENALTY * pitch / 60.0
            for name, value in posture_scores(turned).items():
                if name in FLOOR_POSTURES or pitch <= UPRIGHT_MAX_PITCH:
                    scores[name] = max(scores[name], keep * value)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, s1), (_, s2) = ranked[0], ranked[1]
    frozen = MappingProxyType(scores)
    if s1 < MIN_SCORE:
        why = "the pose matches no known starting position"
        if s1 > 0:
            label = POSTURE_GATES[best].label if best in POSTURE_GATES else best
            why += f" (closest: {label})"
        return PostureReading(None, 0.0, why, frozen)
    return PostureReading(best, max(0.0, s1 - 0.5 * s2), "", frozen)


# -- gates ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostureGate:
    """A start posture a spec can name.

    Attributes:
        name: registry key, e.g. "lying_on_back".
        label: for messages, e.g. "lying on your back".
        instruction: what to do, e.g. "Lie on your back with your knees bent and feet flat".
        accepts: classifications (from :data:`POSTURES`) that count as this posture.
        min_score: a pose matching no posture still counts as "can't tell" (None)
            rather than "no" while an accepted posture scores at least this.
        strict: frames read as another posture are not judged even while the gate is
            open (holds pause, rules wait), for a posture that is the exercise's
            position itself: a plank ends when the body is down on the floor, not
            :data:`~formcheck.posture_gate.CLOSE_S` later.
        open_s: seconds of matching frames that open the gate (None:
            :data:`~formcheck.posture_gate.OPEN_S`); shorter for a posture that is the
            held position itself, whose hold can't start until the gate is open.
    """

    name: str
    label: str
    instruction: str
    accepts: tuple[str, ...]
    min_score: float = 0.2
    strict: bool = False
    open_s: float | None = None

    def __post_init__(self) -> None:
        unknown = [a for a in self.accepts if a not in POSTURES]
        if not self.accepts or unknown:
            raise ValueError(
                f"posture gate {self.name!r}: accepts must name postures from "
                f"{', '.join(POSTURES)}; got {list(self.accepts)}"
            )

    def judge(self, reading: PostureReading) -> bool | None:
        """True: in the posture; False: clearly not; None: can't tell."""
        if reading.posture is not None:
            return reading.posture in self.accepts
        if not reading.scores:
            return None
        near = max(reading.scores.get(a, 0.0) for a in self.accepts)
        return None if near >= self.min_score else False

    def check(self, pose: PoseFrame, min_visibility: float = 0.5) -> bool | None:
        """Is the person in this posture? None when the landmarks can't tell."""
        return self.judge(classify_posture(pose, min_visibility))


POSTURE_GATES: dict[str, PostureGate] = {}


def register_posture(gate: PostureGate, replace: bool = False) -> PostureGate:
    """Add a gate to :data:`POSTURE_GATES`; a name already there needs ``replace=True``."""
    if gate.name in POSTURE_GATES and not replace:
        raise ValueError(f"posture gate {gate.name!r} is already registered")
    POSTURE_GATES[gate.name] = gate
    return gate


def posture_gate(name: str) -> PostureGate:
    """The registered gate, or a KeyError that lists the defined names."""
    try:
        return POSTURE_GATES[name]
    except KeyError:
        raise KeyError(
            f"posture {name!r} is not defined; defined: {', '.join(sorted(POSTURE_GATES))}"
        ) from None


for _gate in (
    PostureGate(
        "lying_on_back",
        "lying on your back",
        "Lie on your back with your knees bent and feet flat",
        ("lying_on_back",),
    ),
    PostureGate(
        "lying_face_down",
        "lying face down",
        "Lie face down with your hands under your shoulders",
        # a press-up top with the hips coming up reads as a plank
        ("lying_face_down", "plank"),
    ),
    PostureGate(
        "plank",
        "in a plank",
        "Get into a plank: elbows under your shoulders, body in a straight line",
        ("plank",),
        # lying prone reads the same straight line: it must not count as holding
        strict=True,
        # the plank is the hold: open quickly (99.8% of dev plank frames read plank); a hold
        # starting as the gate opens is credited with these 0.25 s (session.GATE_CREDIT_S)
        open_s=0.25,
    ),
    PostureGate(
        "hands_and_knees",
        "on your hands and knees",
        "Get on your hands and knees: hands under your shoulders, knees under your hips",
        ("hands_and_knees",),
    ),
    PostureGate(
        "childs_pose",
        "in child's pose",
        "Get on your hands and knees, then sit back toward your heels, arms reaching forward",
        # the start posture is hands and knees; the held position reads as child's pose
        ("childs_pose", "hands_and_knees"),
    ),
    PostureGate("kneeling", "kneeling", "Kneel on both knees", ("kneeling",)),
    PostureGate(
        "half_kneeling",
        "half-kneeling",
        "Kneel on one knee with the other foot flat on the floor in front",
        ("half_kneeling",),
    ),
    PostureGate(
        "kneeling_lunge",
        "in a kneeling lunge",
        "Kneel on one knee with the other foot flat on the floor in front",
        # a lunge whose hips travel back toward the kneeling heel reads as kneeling
        ("half_kneeling", "kneeling"),
        # with the hips right back and the front leg nearly straight it matches no posture
        # at all (rendered Ki-Hara hamstring stretch): "can't tell", not "no"
        min_score=0.0,
    ),
    PostureGate("sitting", "sitting", "Sit down with your back upright", ("sitting",)),
    PostureGate(
        "chair",
        "sitting on a chair or standing up from it",
        "Sit on a chair with your feet flat on the floor, then stand up",
        # an exercise that moves between the two (sit-to-stand): both count as in position
        ("sitting", "standing"),
    ),
    PostureGate(
        "standing", "standing", "Stand up straight with your feet hip-width apart", ("standing",)
    ),
):
    register_posture(_gate)
