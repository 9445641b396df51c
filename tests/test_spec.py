"""Every spec loads; every kind of mistake fails with file, field, value and allowed values."""

import copy
import re
import tomllib
from pathlib import Path

import pytest

from formcheck.errors import SpecError
from formcheck.spec import SPEC_DIR, get_spec, load_spec, load_specs, parse_spec

SPEC_FILES = sorted(SPEC_DIR.glob("*.toml"))


@pytest.mark.parametrize("path", SPEC_FILES, ids=[p.stem for p in SPEC_FILES])
def test_every_spec_file_loads(path):
    spec = load_spec(path)
    assert spec.id == path.stem
    assert spec.prescription.source and spec.source
    if spec.is_timer:  # a guided timer checks nothing, and says so
        assert not spec.rules and not spec.features and spec.posture is None
        assert "checks nothing" in spec.limits
        return
    assert spec.rules, "a spec should check at least one form point"
    for view in spec.views:
        assert spec.motion_for(view) is not None


def test_low_confidence_counting_is_declared_and_reported():
    specs = load_specs()
    assert specs["standing_hip_hike"].low_confidence
    assert not specs["glute_bridge"].low_confidence
    from formcheck.record import SessionRecord

    assert SessionRecord(specs["standing_hip_hike"]).summary()["counting_confidence"] == "low"
    assert SessionRecord(specs["glute_bridge"]).summary()["counting_confidence"] == "high"


def test_the_two_named_exercises_exist():
    specs = load_specs()
    assert {"glute_bridge", "standing_hip_hike"} <= set(specs)
    assert specs["standing_hip_hike"].prescription.sides == ("left", "right")
    assert specs["standing_hip_hike"].prescription.hold_s == (10.0, 10.0)
    assert specs["glute_bridge"].prescription.reps == (10, 15)


def base() -> dict:
    return tomllib.loads((SPEC_DIR / "glute_bridge.toml").read_text())


def mutate(fn):
    d = copy.deepcopy(base())
    fn(d)
    return d


def _set(path, value):
    def fn(d):
        node = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return fn


def _del(path):
    def fn(d):
        node = d
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return fn


# (what is wrong, mutation, expected message pattern)
MISTAKES = [
    ("unknown top-level field", _set(["colour"], "red"), r"colour is not a known field; allowed:"),
    ("wrong schema version", _set(["schema_version"], 9), r"schema_version 9 is not supported"),
    ("bad view", _set(["view"], "top"), r"view 'top' is not allowed; allowed: side, front"),
    ("views without primary", _set(["views"], ["foot_end"]), r"views .* must include the primary"),
    ("bad category", _set(["category"], "cardio"), r"category 'cardio' is not allowed"),
    ("missing name", _del(["name"]), r"name is missing"),
    ("id not snake case", _set(["id"], "Glute Bridge"), r"id 'Glute Bridge' must be a lower_snake"),
    (
        "unknown feature kind",
        _set(["features", "pelvis_tilt", "kind"], "curvature"),
        r"features.pelvis_tilt.kind 'curvature' is not allowed; allowed: joint_angle",
    ),
    (
        "unknown landmark",
        _set(["features", "pelvis_tilt", "points"], ["left_hipp", "right_hip"]),
        r"features.pelvis_tilt.points\[0\] 'left_hipp' is not a landmark",
    ),
    (
        "unknown side prefix",
        _set(
            ["features", "hip_extension", "points"], ["near:shoulder", "nearest:hip", "near:knee"]
        ),
        r"points\[1\] 'nearest:hip' has an unknown side 'nearest'; allowed: mid, near",
    ),
    (
        "unknown body part",
        _set(["features", "hip_extension", "points"], ["near:shoulder", "near:belly", "near:knee"]),
        r"unknown body part 'belly'",
    ),
    (
        "wrong number of points",
        _set(["features", "hip_extension", "points"], ["left_hip"]),
        r"features.hip_extension.points has 1 points; joint_angle needs 3",
    ),
    (
        "rule on undefined feature",
        lambda d: d["rules"][0].update(feature="pelvis_tlt"),
        r"rules\[0\].feature 'pelvis_tlt' is not defined; defined: hip_extension, hip_lift, "
        r"pelvis_tilt",
    ),
    (
        "unknown rule kind",
        lambda d: d["rules"][0].update(kind="vibes"),
        r"rules\[0\].kind 'vibes' is not allowed; allowed: range, drift",
    ),
    (
        "unknown phase",
        lambda d: d["rules"][0].update(phases=["up"]),
        r"rules\[0\].phases\[0\] 'up' is not allowed; allowed: rest, rising, top",
    ),
    (
        "rule view not in spec",
        lambda d: d["rules"][0].update(views=["front"]),
        r"rules\[0\].views\[0\] 'front' is not allowed; allowed: side, foot_end",
    ),
    (
        "range with neither bound",
        lambda d: d["rules"][0].pop("max"),
        r"rules\[0\] needs min, max or both",
    ),
    (
        "range min above max",
        lambda d: d["rules"][0].update(min=10.0, max=5.0),
        r"rules\[0\].min 10 must be below max 5",
    ),
    (
        "number given as string",
        lambda d: d["rules"][0].update(max="six"),
        r"rules\[0\].max 'six' is not a number",
    ),
    (
        "negative grace",
        lambda d: d["rules"][0].update(grace_s=-1.0),
        r"rules\[0\].grace_s -1 is out of range; allowed: 0 to 60",
    ),
    (
        "unknown rule field",
        lambda d: d["rules"][0].update(colour="red"),
        r"rules\[0\].colour is not a known field",
    ),
    (
        "duplicate rule id",
        lambda d: d["rules"][1].update(id="hips_level"),
        r"rules\[1\].id 'hips_level' is used twice",
    ),
    (
        "tempo fractions reversed",
        lambda d: d["rules"][1].update(from_frac=0.1, to_frac=0.9),
        r"rules\[1\].to_frac 0.9 must be below from_frac 0.1",
    ),
    (
        "tempo bad phase",
        lambda d: d["rules"][1].update(phase="top"),
        r"rules\[1\].phase 'top' is not allowed; allowed: rising, lowering",
    ),
    (
        "no dead band",
        lambda d: d["reps"][0].update(exit={"below": 170.0}),
        r"reps\[0\].exit below 170 leaves no dead band with enter above 160",
    ),
    (
        "thresholds same direction",
        lambda d: d["reps"][0].update(exit={"above": 140.0}),
        r"reps\[0\].exit must point the other way from enter",
    ),
    (
        "threshold not a table",
        lambda d: d["reps"][0].update(enter=160),
        r"reps\[0\].enter 160 is not a table like \{ above = 160.0 \}",
    ),
    (
        "threshold bad key",
        lambda d: d["reps"][0].update(enter={"over": 160.0}),
        r"reps\[0\].enter .* must have exactly one of: above, below",
    ),
    (
        "bad confidence",
        lambda d: d["reps"][0].update(confidence="medium"),
        r"reps\[0\].confidence 'medium' is not allowed; allowed: high, low",
    ),
    (
        "relative baseline not positive",
        lambda d: d["reps"][0].update(baseline_s=0.0),
        r"reps\[0\].baseline_s 0 is out of range; allowed: 0.05 to 600",
    ),
    ("view with no motion", lambda d: d["reps"].pop(1), r"views lists 'foot_end' but no \[reps\]"),
    (
        "bad prescription side",
        lambda d: d["prescription"].update(sides=["middle"]),
        r"prescription.sides\[0\] 'middle' is not allowed; allowed: left, right",
    ),
    (
        "bad reps range",
        lambda d: d["prescription"].update(reps=[15, 10]),
        r"prescription.reps \[15, 10\] must be \[lo, hi\] with lo <= hi",
    ),
    ("missing prescription", _del(["prescription"]), r"prescription is missing"),
    (
        "min_visibility out of range",
        _set(["min_visibility"], 1.5),
        r"min_visibility 1.5 is out of range; allowed: 0 to 1",
    ),
    ("key feature undefined", _set(["key_feature"], "nope"), r"key_feature 'nope' is not defined"),
    (
        "no reps or hold",
        lambda d: (d.pop("reps"), d.pop("hold"), d.pop("rules")),
        r"reps is missing: a spec needs \[reps\], \[hold\] or both",
    ),
    (
        "hold without feature and no reps",
        lambda d: (d.pop("reps"), d.pop("rules")),
        r"hold.feature is missing",
    ),
    # Issue 7: numbers must be finite, in range, and whole where they count things.
    (
        "NaN threshold",
        lambda d: d["reps"][0].update(enter={"above": float("nan")}),
        r"reps\[0\].enter.above nan is not a finite number",
    ),
    (
        "infinite rule bound",
        lambda d: d["rules"][0].update(max=float("inf")),
        r"rules\[0\].max inf is not a finite number",
    ),
    (
        "fractional reps",
        lambda d: d["prescription"].update(reps=12.7),
        r"prescription.reps 12.7 is not a whole number",
    ),
    (
        "NaN in reps range",
        lambda d: d["prescription"].update(reps=[10, float("nan")]),
        r"prescription.reps\[1\] nan is not a whole number",
    ),
    (
        "integer too large",
        _set(["min_visibility"], 10**40),
        r"min_visibility an integer of 41 digits is out of range",
    ),
    (
        "negative duration",
        lambda d: d["reps"][0].update(min_duration_s=-1.0),
        r"reps\[0\].min_duration_s -1 is out of range; allowed: 0 to 600",
    ),
    (
        "zero hold minimum",
        lambda d: d["hold"].update(min_s=0.0),
        r"hold.min_s 0 is out of range; allowed: above 0 to 3600",
    ),
    (
        "tempo min above max",
        lambda d: d["rules"][1].update(max_s=0.5),
        r"rules\[1\].min_s 0.7 must be below max_s 0.5",
    ),
    (
        "absolute with a negative max",
        lambda d: d["rules"][0].update(max=-1.0),
        r"rules\[0\].max -1 is not allowed: the rule compares \|value\| \(absolute = true\)",
    ),
    (
        "working side without sides",
        _set(
            ["features", "hip_extension", "points"], ["working:shoulder", "near:hip", "near:knee"]
        ),
        r"features.hip_extension.points\[0\] 'working:shoulder' needs a working side",
    ),
    (
        "joint angle of one point repeated",
        _set(["features", "hip_extension", "points"], ["near:hip", "near:hip", "near:knee"]),
        r"features.hip_extension.points .* repeats a point",
    ),
    (
        "zero sets",
        lambda d: d["prescription"].update(sets=0),
        r"prescription.sets 0 is out of range; allowed: 1 to 100",
    ),
    ("missing posture", _del(["posture"]), r"posture is missing: name the start posture"),
    (
        "unknown posture",
        _set(["posture"], "upside_down"),
        r"posture 'upside_down' is not allowed; allowed: lying_on_back, lying_face_down",
    ),
    (
        "two motions in one view without directions",
        lambda d: d["reps"].append({**d["reps"][0]}),
        r"reps\[0\].direction is missing: the side view has 2 \[\[reps\]\] entries",
    ),
    (
        "a direction without its partner",
        lambda d: d["reps"][0].update(direction="up"),
        r"reps\[0\].direction 'up' has no partner",
    ),
    (
        "timer with scoring",
        _set(["category"], "timer"),
        r"category 'timer' checks nothing with the camera",
    ),
    (
        "ratio with normalise",
        _set(["features", "hip_lift", "kind"], "ratio"),
        r"features.hip_lift.points has 2 points; ratio needs 4",
    ),
    (
        "reference on a joint angle",
        lambda d: d["features"]["hip_extension"].update(reference="vertical"),
        r"features.hip_extension.reference only applies to segment_tilt",
    ),
]


@pytest.mark.parametrize(("what", "fn", "pattern"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_names_file_field_and_allowed_values(what, fn, pattern):
    with pytest.raises(SpecError) as info:
        parse_spec(mutate(fn), file="glute_bridge.toml")
    msg = str(info.value)
    assert msg.startswith("glute_bridge.toml: ")
    assert re.search(pattern, msg), msg
    assert "\n" not in msg


def test_file_level_errors(tmp_path: Path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("id = [unclosed")
    with pytest.raises(SpecError, match=r"bad.toml: not valid TOML"):
        load_spec(bad)
    renamed = tmp_path / "other_name.toml"
    renamed.write_text((SPEC_DIR / "glute_bridge.toml").read_text())
    with pytest.raises(SpecError, match=r"id 'glute_bridge' must match the file name 'other_name'"):
        load_spec(renamed)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SpecError, match=r"bin\.toml: .*UTF-8"):
        load_spec(binary)


def test_unknown_exercise_lists_known_ids():
    with pytest.raises(SpecError, match=r"'plankk' is not a known exercise; known: .*glute_bridge"):
        get_spec("plankk")


@pytest.mark.parametrize(
    "bad",
    [
        "../../x",
        "../exercise_specs/glute_bridge",
        "/etc/passwd",
        "glute_bridge.toml",
        "Glute_Bridge",
        "",
    ],
)
def test_exercise_is_an_id_never_a_path(bad):
    with pytest.raises(SpecError, match=r"is not an exercise id; known: .*glute_bridge"):
        get_spec(bad)


def test_missing_spec_folder_says_so(tmp_path: Path):
    with pytest.raises(SpecError, match=r"spec folder not found: .*nope"):
        load_specs(tmp_path / "nope")


def _doc(**over):
    doc = {
        "schema_version": 1,
        "id": "x",
        "name": "X",
        "category": "stretch",
        "posture": "lying_on_back",
        "view": "front",
        "camera": "c",
        "instructions": ["do it"],
        "source": "s",
        "prescription": {"text": "t", "source": "001"},
    }
    doc.update(over)
    return doc


def test_two_way_motion_counts_each_direction():
    spec = parse_spec(
        _doc(
            features={
                "roll": {
                    "kind": "segment_tilt",
                    "points": ["mid:hip", "mid:knee"],
                    "reference": "vertical",
                }
            },
            reps=[
                {
                    "direction": "left",
                    "feature": "roll",
                    "enter": {"above": 30.0},
                    "exit": {"below": 10.0},
                },
                {
                    "direction": "right",
                    "feature": "roll",
                    "enter": {"below": -30.0},
                    "exit": {"above": -10.0},
                },
            ],
            hold={"min_s": 5.0},
        )
    )
    assert spec.directions == ("left", "right")
    assert [m.direction for m in spec.motions_for("front")] == ["left", "right"]


def test_timer_spec_checks_nothing():
    spec = parse_spec(
        _doc(category="timer", prescription={"text": "about 5 min", "source": "004", "hold_s": 300})
    )
    assert spec.is_timer and spec.rules == () and spec.reps == () and spec.hold is None
    doc = _doc(category="timer")
    del doc["posture"]
    assert parse_spec(doc).posture is None  # a timer needs no posture


def test_new_feature_kinds_parse():
    spec = parse_spec(
        _doc(
            features={
                "body_line": {
                    "kind": "line_deviation",
                    "points": ["near:shoulder", "near:hip", "near:ankle"],
                },
                "knee_past_toes": {
                    "kind": "offset",
                    "points": ["near:knee", "near:foot_index", "near:heel"],
                    "normalise": ["near:hip", "near:knee"],
                },
                "reach": {
                    "kind": "ratio",
                    "points": ["left_wrist", "left_ankle", "left_shoulder", "left_hip"],
                },
            },
            hold={
                "feature": "body_line",
                "enter": {"above": -0.05},
                "exit": {"below": -0.1},
                "min_s": 5.0,
            },
            prescription={"text": "t", "source": "001", "reps": [2, 3], "hold_s": [15, 30]},
        )
    )
    assert {f.kind for f in spec.features.values()} == {"line_deviation", "offset", "ratio"}
    assert spec.hold_only


def test_spec_language_expresses_catalogue_shapes():
    """Holds without reps, below-oriented reps, oscillation, drift, per-side holds all parse."""
    doc = {
        "schema_version": 1,
        "id": "knee_to_chest",
        "name": "Knee to chest",
        "category": "stretch",
        "posture": "lying_on_back",
        "view": "side",
        "camera": "side",
        "instructions": ["pull"],
        "source": "001, 003",
        "prescription": {
            "text": "hold 15-30 s",
            "source": "003",
            "hold_s": [15, 30],
            "sides": ["left", "right"],
        },
        "features": {
            "hip_flex": {
                "kind": "joint_angle",
                "points": ["working:shoulder", "working:hip", "working:knee"],
            },
            "other_leg": {"kind": "joint_angle", "points": ["free:hip", "free:knee", "free:ankle"]},
            "hip_height": {
                "kind": "height",
                "points": ["mid:hip", "near:heel"],
                "normalise": ["mid:shoulder", "mid:hip"],
            },
        },
        "hold": {
            "feature": "hip_flex",
            "enter": {"below": 70.0},
            "exit": {"above": 90.0},
            "min_s": 5.0,
        },
        "rules": [
            {
                "id": "bouncing",
                "kind": "oscillation",
                "feature": "hip_flex",
                "phases": ["hold"],
                "cue": "Don't bounce",
                "description": "no bouncing",
                "max_reversals": 4,
            },
            {
                "id": "hips_down",
                "kind": "drift",
                "feature": "hip_height",
                "max_change": 0.1,
                "cue": "Keep hips down",
                "description": "hips stay down",
            },
            {
                "id": "hold_long_enough",
                "kind": "hold_duration",
                "min_s": 15.0,
                "cue": "Hold 15 s",
                "description": "hold",
            },
        ],
    }
    spec = parse_spec(doc)
    assert spec.reps == ()
    assert spec.hold is not None and spec.hold.motion is not None
    assert spec.motion_for("side") is spec.hold.motion
    assert [r.kind for r in spec.rules] == ["oscillation", "drift", "hold_duration"]
