"""Exercise motion scripts: keyframed controls with timing, and the poses they drive.

A :class:`Script` is the single source of ground truth: it decides when each
rep starts (leaves rest) and ends (back at rest), when holds run and when a
fault is injected. Its numbers describe how people move (a bridge reaching a
near-straight shoulder-hip-knee line, a 2 s lowering, a 8 degree pelvis hike),
written without looking at the engine's spec thresholds.

Controls per exercise:

* glute_bridge: ``lift`` (trunk elevation about the shoulders, degrees) and
  ``roll`` (pelvis roll about the body's long axis, degrees; positive lowers
  the hip on ``drop_side``).
* standing_hip_hike: ``hike`` (pelvis tilt, degrees, free hip higher),
  ``lean`` (trunk lateral lean toward the working side, degrees) and ``knee``
  (working knee flexion, degrees).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from formcheck.synth.body import Dims, Pose, Vec, frame, rotation, two_bone, unit
from formcheck.synth.errors import SynthError

EXERCISES = ("glute_bridge", "standing_hip_hike")
FAULTS: dict[str, tuple[str, ...]] = {
    "glute_bridge": ("hips_level", "lower_slowly", "reach_top"),
    "standing_hip_hike": ("no_lean", "working_leg_straight", "hold_too_short"),
}
DEFAULT_REPS = {"glute_bridge": 4, "standing_hip_hike": 5}
DEFAULT_HOLD_S = {"glute_bridge": 0.0, "standing_hip_hike": 10.0}

Interval = tuple[float, float]


def _ease(x: float) -> float:
    return 0.5 - 0.5 * np.cos(np.pi * min(max(x, 0.0), 1.0))


@dataclass(frozen=True, slots=True)
class Script:
    """Keyframed controls plus the ground truth they imply (times in seconds)."""

    exercise: str
    side: str | None
    duration_s: float
    keys: tuple[tuple[float, dict[str, float]], ...]
    reps: tuple[Interval, ...]
    partial_reps: tuple[Interval, ...]
    holds: tuple[Interval, ...]
    faults: dict[str, tuple[Interval, ...]]
    params: dict[str, float | str] = field(default_factory=dict)

    def controls(self, t: float) -> dict[str, float]:
        """Controls at time t: cosine-eased between keyframes, constant outside."""
        keys = self.keys
        if t <= keys[0][0]:
            return dict(keys[0][1])
        for (t0, c0), (t1, c1) in itertools.pairwise(keys):
            if t <= t1:
                a = _ease((t - t0) / (t1 - t0)) if t1 > t0 else 1.0
                return {k: c0[k] + (c1[k] - c0[k]) * a for k in c0}
        return dict(keys[-1][1])


class _Timeline:
    def __init__(self, **controls: float) -> None:
        self.t = 0.0
        self.keys: list[tuple[float, dict[str, float]]] = [(0.0, dict(controls))]

    @property
    def now(self) -> dict[str, float]:
        return self.keys[-1][1]

    def to(self, dt: float, **controls: float) -> float:
        """Move to ``controls`` over ``dt`` seconds; returns the new time."""
        c = dict(self.now)
        c.update(controls)
        self.t += dt
        self.keys.append((self.t, c))
        return self.t


def _fault_reps(n: int) -> set[int]:
    """Which reps (0-based) carry an injected rep fault: every second one, from the second."""
    return {0} if n == 1 else {i for i in range(n) if i % 2 == 1}


def _intervals_where(
    keys: Sequence[tuple[float, dict[str, float]]], name: str, thresh: float
) -> tuple[Interval, ...]:
    """Intervals where |control| >= thresh, found on a 1 ms grid of the eased keyframes."""
    s = Script("x", None, keys[-1][0], tuple(keys), (), (), (), {})
    ts = np.arange(0.0, keys[-1][0] + 1e-3, 1e-3)
    on = np.array([abs(s.controls(float(t))[name]) >= thresh for t in ts])
    out: list[Interval] = []
    start: float | None = None
    for t, o in zip(ts, on, strict=True):
        if o and start is None:
            start = float(t)
        elif not o and start is not None:
            out.append((round(start, 3), round(float(t), 3)))
            start = None
    if start is not None:
        out.append((round(start, 3), round(float(ts[-1]), 3)))
    return tuple(out)


# ----------------------------------------------------------------------------- glute bridge


@dataclass(frozen=True, slots=True)
class BridgeSetup:
    """Where the body lies: shoulders at the origin, body along +x, feet planted."""

    dims: Dims
    knee_rest_deg: float = 90.0
    shoulder_y: float = 0.0
    hip_y: float = 0.0
    drop_side: str = "left"

    @staticmethod
    def of(dims: Dims, knee_rest_deg: float = 90.0, drop_side: str = "left") -> BridgeSetup:
        k = dims.scale
        return BridgeSetup(dims, knee_rest_deg, 0.09 * k, 0.10 * k, drop_side)

    @property
    def lift_rest(self) -> float:
        return float(np.degrees(np.arcsin((self.hip_y - self.shoulder_y) / self.dims.trunk)))

    @property
    def ankle_x(self) -> float:
        d = self.dims
        k = np.radians(self.knee_rest_deg)
        reach = np.sqrt(d.thigh**2 + d.shank**2 - 2 * d.thigh * d.shank * np.cos(k))
        hip_x = d.trunk * np.cos(np.radians(self.lift_rest))
        return float(hip_x + np.sqrt(reach**2 - (self.hip_y - d.ankle_h) ** 2))


def bridge_pose(st: BridgeSetup, lift: float, roll: float) -> Pose:
    """Supine bridge: trunk pivots about the shoulders by ``lift``; feet stay planted."""
    d = st.dims
    h = d.scale
    left = np.array([0.0, 0.0, -1.0])  # supine, head toward -x: the body's left is -z
    sc = np.array([0.0, st.shoulder_y, 0.0])
    a = np.radians(max(lift, st.lift_rest))
    pc = sc + d.trunk * np.array([np.cos(a), np.sin(a), 0.0])
    up = unit(sc - pc)
    fwd = np.cross(left, up)
    th = np.radians(roll) * (1.0 if st.drop_side == "left" else -1.0)
    l_rolled = np.cos(th) * left - np.sin(th) * fwd
    pel = frame(l_rolled, up)
    chest = frame(left, up)
    j: dict[str, Vec] = {"pelvis": pc}
    ax = st.ankle_x
    for s, sg in (("left", 1.0), ("right", -1.0)):
        hip = pc + sg * d.hip_half * l_rolled
        ankle = np.array([ax, d.ankle_h, 0.0]) + sg * (d.hip_half + 0.02 * h) * left
        knee = two_bone(hip, ankle, d.thigh, d.shank, np.array([0.0, 1.0, 0.0]) + 0.15 * sg * left)
        j[f"{s}_hip"], j[f"{s}_knee"], j[f"{s}_ankle"] = hip, knee, ankle
        _foot(j, s, d, ankle, np.array([1.0, 0.0, 0.0]) + 0.12 * sg * left, flat=True)
        sh = sc + sg * d.shoulder_half * left
        el = sh + d.upper_arm * unit(np.array([0.96, -0.12, 0.0]) + 0.22 * sg * left)
        el[1] = max(el[1], 0.03 * h)
        el = sh + d.upper_arm * unit(el - sh)
        wr = el + d.forearm * unit(np.array([1.0, 0.0, 0.0]) + 0.05 * sg * left)
        j[f"{s}_shoulder"], j[f"{s}_elbow"], j[f"{s}_wrist"] = sh, el, wr
        j[f"{s}_hand"] = wr + d.hand * np.array([1.0, -0.1, 0.0])
    j["chest"] = sc - d.shoulder_drop * up * -1.0
    head_up = unit(np.array([-1.0, 0.12, 0.0]))
    head_r = frame(left, head_up)
    j["head"] = np.array([-(d.neck * 0.95), d.head[2] + 0.005 * h, 0.0])
    return Pose(j, {"pelvis": pel, "chest": chest, "head": head_r})


def _foot(
    j: dict[str, Vec], s: str, d: Dims, ankle: Vec, fwd: Vec, flat: bool, toe: Vec | None = None
) -> None:
    h = d.scale
    f = unit(np.array([fwd[0], 0.0, fwd[2]]))
    heel = ankle - d.heel_back * f
    heel[1] = ankle[1] - 0.6 * d.ankle_h
    if flat or toe is None:
        toe = heel + (d.foot - 0.03 * h) * f
        toe[1] = 0.028 * h
        heel[1] = max(heel[1], 0.04 * h)
    j[f"{s}_heel"], j[f"{s}_toe"] = heel, toe


def bridge_lift_for_angle(st: BridgeSetup, angle_deg: float) -> float:
    """Trunk lift (degrees) at which the mid shoulder-hip-knee angle equals ``angle_deg``.

    The angle opens as the hips rise until the line is straight; the search stays on
    that rising branch (the lift that gives the straightest line caps it).
    """
    grid = np.linspace(st.lift_rest, 60.0, 120)
    angles = [bridge_angle(st, float(g)) for g in grid]
    lo, hi = st.lift_rest, float(grid[int(np.argmax(angles))])
    if bridge_angle(st, lo) >= angle_deg:
        return lo
    if bridge_angle(st, hi) <= angle_deg:
        return hi
    for _ in range(40):
        mid = (lo + hi) / 2
        if bridge_angle(st, mid) < angle_deg:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def bridge_angle(st: BridgeSetup, lift: float) -> float:
    """Shoulder-hip-knee angle (degrees, 3D, body midline) for a given trunk lift."""
    p = bridge_pose(st, lift, 0.0)
    sh = (p["left_shoulder"] + p["right_shoulder"]) / 2
    hp = p["pelvis"]
    kn = (p["left_knee"] + p["right_knee"]) / 2
    u, v = sh - hp, kn - hp
    return float(np.degrees(np.arctan2(np.linalg.norm(np.cross(u, v)), np.dot(u, v))))


def bridge_script(
    dims: Dims,
    reps: int,
    faults: Sequence[str],
    rng: np.random.Generator,
    tempo: float = 1.0,
    hold_s: float = 0.0,
) -> tuple[Script, BridgeSetup]:
    st = BridgeSetup.of(
        dims,
        knee_rest_deg=float(rng.uniform(74, 86)),
        drop_side=str(rng.choice(["left", "right"])),
    )
    rest = st.lift_rest
    bad = _fault_reps(reps)
    tl = _Timeline(lift=rest, roll=0.0)
    tl.to(float(rng.uniform(1.0, 1.5)))  # settle
    rep_iv: list[Interval] = []
    partial: list[Interval] = []
    fast: list[Interval] = []
    roll_peak = float(rng.uniform(11, 15))
    for i in range(reps):
        faulty = i in bad
        top_angle = float(rng.uniform(172, 178))
        if faulty and "reach_top" in faults:
            top_angle = float(rng.uniform(145, 150))
        top = bridge_lift_for_angle(st, top_angle)
        roll = roll_peak if faulty and "hips_level" in faults else 0.0
        t0 = tl.t
        tl.to(rng.uniform(1.1, 1.4) / tempo, lift=top, roll=roll)
        tl.to(rng.uniform(0.9, 1.2) / tempo)  # hold the top briefly (breathe, squeeze)
        lower = rng.uniform(1.9, 2.3) / tempo
        if faulty and "lower_slowly" in faults:
            lower = float(rng.uniform(0.3, 0.4))
        t_low = tl.t
        t1 = tl.to(lower, lift=rest, roll=0.0)
        if faulty and "lower_slowly" in faults:
            fast.append((round(t_low, 3), round(t1, 3)))
        (partial if faulty and "reach_top" in faults else rep_iv).append(
            (round(t0, 3), round(t1, 3))
        )
        tl.to(rng.uniform(0.9, 1.3) / tempo)  # rest on the floor
    holds: list[Interval] = []
    if hold_s > 0:
        top = bridge_lift_for_angle(st, float(rng.uniform(172, 178)))
        tl.to(1.3 / tempo, lift=top)
        h0 = tl.t
        h1 = tl.to(hold_s)
        holds.append((round(h0, 3), round(h1, 3)))
        tl.to(2.0 / tempo, lift=rest)
        tl.to(1.0)
    tl.to(1.0)
    fault_iv: dict[str, tuple[Interval, ...]] = {}
    if "hips_level" in faults:
        fault_iv["hips_level"] = _intervals_where(tl.keys, "roll", roll_peak / 2)
    if "lower_slowly" in faults:
        fault_iv["lower_slowly"] = tuple(fast)
    if "reach_top" in faults:
        fault_iv["reach_top"] = tuple(partial)
    script = Script(
        "glute_bridge",
        None,
        round(tl.t, 3),
        tuple(tl.keys),
        tuple(rep_iv),
        tuple(partial),
        tuple(holds),
        fault_iv,
        {
            "knee_rest_deg": round(st.knee_rest_deg, 2),
            "drop_side": st.drop_side,
            "roll_peak_deg": round(roll_peak, 2),
        },
    )
    return script, st


# ----------------------------------------------------------------------------- standing hip hike


def hike_pose(
    d: Dims,
    side: str,
    hike: float,
    lean: float,
    knee: float,
    shift: float = 0.0,
    abduct: float = 0.0,
    step_h: float = 0.0,
) -> Pose:
    """Standing, facing +z (the body's left is +x); ``side`` is the working (stance) side.

    ``hike``: pelvis tilt (degrees, free hip higher); the free leg hangs nearly straight
    from its hip, so its foot leaves the floor as the hip rises. ``shift``: the pelvis moves
    this far (metres) toward the working side, the weight going over the stance foot (or a
    sway, without a hike). ``abduct``: the free leg swings out sideways (degrees). ``step_h``:
    the working foot stands on a step this high, the free foot hanging beside it.
    """
    h = d.scale
    ws = 1.0 if side == "left" else -1.0
    out = np.radians(9.0)
    j: dict[str, Vec] = {}
    foot_x = d.hip_half + 0.015 * h
    ankle_w = np.array([ws * foot_x, step_h + d.ankle_h, 0.0])
    kf = np.radians(knee)
    reach_w = np.sqrt(d.thigh**2 + d.shank**2 + 2 * d.thigh * d.shank * np.cos(kf))
    hip_x = ws * (d.hip_half + shift)
    hip_w = np.array([hip_x, ankle_w[1] + np.sqrt(reach_w**2 - (hip_x - ankle_w[0]) ** 2), 0.0])
    th = np.radians(hike)
    hip_f = hip_w + 2 * d.hip_half * np.array([-ws * np.cos(th), np.sin(th), 0.0])
    hips = {side: hip_w, ("right" if side == "left" else "left"): hip_f}
    pc = (hip_w + hip_f) / 2
    pel = frame(hips["left"] - hips["right"], np.array([0.0, 1.0, 0.0]))
    trunk_r = rotation([0.0, 0.0, 1.0], -ws * lean)
    tdir = trunk_r @ np.array([0.0, 1.0, 0.0])
    chest_r = frame(trunk_r @ np.array([1.0, 0.0, 0.0]), tdir)
    chest = pc + (d.trunk + d.shoulder_drop) * tdir
    head_up = unit(tdir + np.array([0.0, 1.0, 0.0]))
    head_r = frame(np.array([1.0, 0.0, 0.0]), head_up)
    j["pelvis"], j["chest"] = pc, chest
    j["head"] = chest + d.neck * head_up + 0.012 * h * head_r[:, 2]
    for s, sg in (("left", 1.0), ("right", -1.0)):
        working = s == side
        hip = hips[s]
        fwd = np.array([sg * np.sin(out), 0.0, np.cos(out)])
        pole = np.array([sg * 0.35, 0.0, 1.0])
        if working:
            ankle = ankle_w
            ground = step_h
        else:
            # nearly straight, hanging from the hip (swung out by ``abduct``); on the floor
            # it rests on it, beside a step it hangs at the step's height
            fk = np.radians(3.0)
            reach = np.sqrt(d.thigh**2 + d.shank**2 + 2 * d.thigh * d.shank * np.cos(fk))
            ab = np.radians(abduct)
            ankle = hip + reach * np.array([-ws * np.sin(ab), -np.cos(ab), 0.0])
            ankle[2] = 0.0
            ankle[1] = max(float(ankle[1]), d.ankle_h)
            ground = float(ankle[1]) - d.ankle_h
        knee_j = two_bone(hip, ankle, d.thigh, d.shank, pole)
        j[f"{s}_ankle"], j[f"{s}_knee"] = ankle, knee_j
        _foot(j, s, d, ankle - np.array([0.0, ground, 0.0]), fwd, flat=True)
        for part in ("heel", "toe"):
            j[f"{s}_{part}"] = j[f"{s}_{part}"] + np.array([0.0, ground, 0.0])
        j[f"{s}_hip"] = hip
        sh = chest + chest_r @ np.array([sg * d.shoulder_half, -d.shoulder_drop, 0.0])
        j[f"{s}_shoulder"] = sh
        if working:  # hand on the working hip
            wr = hip + np.array([sg * 0.075 * h, 0.12 * h, -0.01 * h])
            el = two_bone(sh, wr, d.upper_arm, d.forearm, np.array([sg * 1.0, 0.0, -0.6]))
            wr = el + d.forearm * unit(wr - el)
            hand = wr + d.hand * unit(np.array([-sg * 0.35, -0.35, 0.85]))
        else:
            el = sh + d.upper_arm * unit(np.array([sg * 0.16, -1.0, 0.0]))
            wr = el + d.forearm * unit(np.array([sg * 0.1, -1.0, 0.18]))
            hand = wr + d.hand * unit(np.array([sg * 0.03, -1.0, 0.1]))
        j[f"{s}_elbow"], j[f"{s}_wrist"], j[f"{s}_hand"] = el, wr, hand
    return Pose(j, {"pelvis": pel, "chest": chest_r, "head": head_r})


#: Movements that are not hikes, for checking that they are not counted as one.
HIKE_DECOYS = ("abduction", "sway", "lean")
HIKE_VARIANTS = ("floor", "step")


def hike_script(
    dims: Dims,
    side: str,
    reps: int,
    faults: Sequence[str],
    rng: np.random.Generator,
    tempo: float = 1.0,
    hold_s: float = 10.0,
    decoy: str | None = None,
) -> Script:
    """``reps`` hikes (or, with ``decoy``, as many of another movement and no hold)."""
    h = dims.scale
    bad = _fault_reps(reps)
    tl = _Timeline(hike=0.0, lean=0.0, knee=0.0, shift=0.0, abduct=0.0)
    tl.to(float(rng.uniform(1.0, 1.5)))
    rep_iv: list[Interval] = []
    lean_peak = float(rng.uniform(12, 15))
    knee_peak = float(rng.uniform(28, 32))  # working knee ~150 degrees
    shift_top = float(rng.uniform(0.01, 0.03)) * h  # weight over the stance foot
    rest = {"hike": 0.0, "lean": 0.0, "knee": 0.0, "shift": 0.0, "abduct": 0.0}
    for i in range(reps):
        faulty = i in bad
        top = float(rng.uniform(7, 10))
        if decoy == "abduction":  # the free leg swings out; the pelvis barely moves
            pose = {"abduct": float(rng.uniform(18, 30)), "hike": float(rng.uniform(0, 1.5))}
        elif decoy == "sway":  # the whole body sways over the stance foot and back
            pose = {"shift": float(rng.uniform(0.04, 0.07)) * h * (1 if i % 2 == 0 else -1)}
        elif decoy == "lean":  # the trunk leans to the side, the pelvis stays level
            pose = {"lean": float(rng.uniform(10, 15)) * (1 if i % 2 == 0 else -1)}
        else:
            pose = {
                "hike": top,
                "shift": shift_top * top / 8.0,
                "lean": lean_peak if faulty and "no_lean" in faults else 0.0,
                "knee": knee_peak if faulty and "working_leg_straight" in faults else 0.0,
            }
        t0 = tl.t
        tl.to(rng.uniform(0.8, 1.0) / tempo, **{**rest, **pose})
        tl.to(rng.uniform(0.5, 0.7) / tempo)
        t1 = tl.to(rng.uniform(0.8, 1.0) / tempo, **rest)
        if decoy is None:
            rep_iv.append((round(t0, 3), round(t1, 3)))
        tl.to(rng.uniform(0.6, 0.8) / tempo)
    holds: list[Interval] = []
    short: list[Interval] = []
    if "hold_too_short" in faults:
        hold_s = float(rng.uniform(3.5, 4.5))
    if hold_s > 0 and decoy is None:
        t0 = tl.to(0.6)
        top = float(rng.uniform(7, 10))
        tl.to(1.0 / tempo, hike=top, shift=shift_top * top / 8.0)
        h0 = tl.t
        h1 = tl.to(hold_s)
        holds.append((round(h0, 3), round(h1, 3)))
        if "hold_too_short" in faults:
            short.append((round(h0, 3), round(h1, 3)))
        t1 = tl.to(1.0 / tempo, hike=0.0, shift=0.0)
        rep_iv.append((round(t0, 3), round(t1, 3)))  # the held hike is a hike too
    tl.to(1.2)
    fault_iv: dict[str, tuple[Interval, ...]] = {}
    if "no_lean" in faults:
        fault_iv["no_lean"] = _intervals_where(tl.keys, "lean", lean_peak / 2)
    if "working_leg_straight" in faults:
        fault_iv["working_leg_straight"] = _intervals_where(tl.keys, "knee", knee_peak / 2)
    if "hold_too_short" in faults:
        fault_iv["hold_too_short"] = tuple(short)
    params: dict[str, float | str] = {
        "lean_peak_deg": round(lean_peak, 2),
        "knee_flex_peak_deg": round(knee_peak, 2),
        "weight_shift_m": round(shift_top, 3),
    }
    if decoy is not None:
        params["decoy"] = decoy
    return Script(
        "standing_hip_hike",
        side,
        round(tl.t, 3),
        tuple(tl.keys),
        tuple(rep_iv),
        (),
        tuple(holds),
        fault_iv,
        params,
    )


@dataclass(frozen=True, slots=True)
class HikeSetup:
    """What a hike pose needs besides its controls."""

    dims: Dims
    side: str
    step_h: float = 0.0  # 0: on the floor


def make_script(
    exercise: str,
    dims: Dims,
    *,
    side: str | None,
    reps: int,
    faults: Sequence[str],
    rng: np.random.Generator,
    tempo: float = 1.0,
    hold_s: float | None = None,
    variant: str = "floor",
    decoy: str | None = None,
) -> tuple[Script, object]:
    """Build an exercise's script; returns (script, pose context for :func:`pose_at`)."""
    if exercise not in EXERCISES:
        raise SynthError(f"unknown exercise {exercise!r}; synthesised: {', '.join(EXERCISES)}")
    unknown = [f for f in faults if f not in FAULTS[exercise]]
    if unknown:
        raise SynthError(
            f"{exercise} has no injectable fault {unknown[0]!r}; "
            f"available: {', '.join(FAULTS[exercise])}"
        )
    if reps < 0:
        raise SynthError(f"reps must be >= 0, got {reps}")
    hold = DEFAULT_HOLD_S[exercise] if hold_s is None else hold_s
    if exercise == "glute_bridge":
        return bridge_script(dims, reps, faults, rng, tempo, hold)
    if variant not in HIKE_VARIANTS:
        raise SynthError(f"variant must be one of {', '.join(HIKE_VARIANTS)}, got {variant!r}")
    if decoy is not None and decoy not in HIKE_DECOYS:
        raise SynthError(f"decoy must be one of {', '.join(HIKE_DECOYS)}, got {decoy!r}")
    s = side or "right"
    step_h = float(rng.uniform(0.15, 0.2)) * dims.scale if variant == "step" else 0.0
    script = hike_script(dims, s, reps, faults, rng, tempo, hold, decoy)
    return script, HikeSetup(dims, s, step_h)


def pose_at(script: Script, ctx: object, t: float) -> Pose:
    c = script.controls(t)
    if script.exercise == "glute_bridge":
        assert isinstance(ctx, BridgeSetup)
        return bridge_pose(ctx, c["lift"], c["roll"])
    assert isinstance(ctx, HikeSetup)
    return hike_pose(
        ctx.dims,
        ctx.side,
        c["hike"],
        c["lean"],
        c["knee"],
        shift=c.get("shift", 0.0),
        abduct=c.get("abduct", 0.0),
        step_h=ctx.step_h,
    )
