"""Ground truth for a synthetic clip, taken from its motion script (never from the engine).

Schema (``schema_version`` 1), times in seconds from the first frame:

* ``exercise``, ``view``, ``side`` (working side or null), ``fps``, ``n_frames``, ``duration_s``
* ``reps``: completed full reps; ``rep_times``: [[start, end], ...] where a rep starts when
  the body leaves rest and ends when it is back at rest
* ``partial_reps``: [[start, end], ...] movements that never reached the top (not in ``reps``)
* ``holds``: [[start, end], ...] time held in the top position; the movement into and out
  of a hold is also a rep (a hip hike held 10 s is a hike)
* ``faults``: {rule_id: [[start, end], ...]} when each injected fault is present
* ``seed``, ``config``, ``render`` (body, camera, scene, degradation), ``script`` params
* ``landmarks_2d``: a few frames of projected BlazePose-equivalent points, {t: {name: [x, y]}}
"""

from __future__ import annotations

from typing import Any

from formcheck.synth.clip import Clip, ClipConfig

SCHEMA_VERSION = 1
REQUIRED_KEYS = (
    "schema_version",
    "exercise",
    "view",
    "side",
    "fps",
    "n_frames",
    "duration_s",
    "reps",
    "rep_times",
    "partial_reps",
    "holds",
    "faults",
    "seed",
)


def _iv(items: tuple[tuple[float, float], ...]) -> list[list[float]]:
    return [[round(a, 3), round(b, 3)] for a, b in items]


def truth_dict(clip: Clip, n_frames: int | None = None) -> dict[str, Any]:
    cfg, s = clip.config, clip.script
    n = clip.n_frames if n_frames is None else n_frames
    sample_t = sorted({round(t, 3) for iv in s.reps[:2] for t in (iv[0], (iv[0] + iv[1]) / 2)})
    return {
        "schema_version": SCHEMA_VERSION,
        "exercise": cfg.exercise,
        "view": cfg.view_name,
        "side": cfg.side_name,
        "fps": cfg.fps,
        "n_frames": n,
        "duration_s": round((n - 1) / cfg.fps, 3),
        "reps": len(s.reps),
        "rep_times": _iv(s.reps),
        "partial_reps": _iv(s.partial_reps),
        "holds": _iv(s.holds),
        "hold_s": [round(b - a, 3) for a, b in s.holds],
        "faults": {k: _iv(v) for k, v in s.faults.items()},
        "seed": cfg.seed,
        "config": {
            "reps": cfg.reps,
            "faults": list(cfg.faults),
            "hold_s": cfg.hold_s,
            "size": list(cfg.size),
            "look": cfg.look,
            "degrade": cfg.degrade,
            "camera_jitter": cfg.camera_jitter,
            "tempo": cfg.tempo,
            "fps": cfg.fps,
            "view": cfg.view,
            "side": cfg.side,
            "variant": cfg.variant,
            "decoy": cfg.decoy,
            "tempo_used": round(clip.tempo, 3),
        },
        "render": {
            "body": clip.body.to_dict(),
            "camera": clip.camera.to_dict(),
            "scene": clip.scene.to_dict(),
            "degrade": clip.degrade.to_dict(),
        },
        "script": dict(s.params),
        "landmarks_2d": {f"{t:.3f}": clip.landmarks_2d(t) for t in sample_t},
    }


def config_from_truth(d: dict[str, Any]) -> ClipConfig:
    """The :class:`ClipConfig` that rendered a clip, rebuilt from its truth JSON."""
    c = d["config"]
    return ClipConfig(
        exercise=d["exercise"],
        reps=c["reps"],
        faults=tuple(c["faults"]),
        view=c["view"],
        side=c["side"],
        seed=d["seed"],
        size=(int(c["size"][0]), int(c["size"][1])),
        fps=c["fps"],
        hold_s=c["hold_s"],
        tempo=c["tempo"],
        look=c["look"],
        degrade=c["degrade"],
        camera_jitter=c["camera_jitter"],
        variant=c.get("variant", "floor"),
        decoy=c.get("decoy"),
    )


def validate_truth(d: dict[str, Any]) -> list[str]:
    """Problems with a truth dict (empty when valid)."""
    errs = [f"missing key {k!r}" for k in REQUIRED_KEYS if k not in d]
    if errs:
        return errs
    if d["reps"] != len(d["rep_times"]):
        errs.append(f"reps {d['reps']} != len(rep_times) {len(d['rep_times'])}")
    for name in ("rep_times", "partial_reps", "holds", *[f"faults.{k}" for k in d["faults"]]):
        ivs = d["faults"][name[7:]] if name.startswith("faults.") else d[name]
        for a, b in ivs:
            if not 0 <= a < b <= d["duration_s"] + 1e-6:
                errs.append(f"{name}: bad interval [{a}, {b}] for duration {d['duration_s']}")
    return errs
