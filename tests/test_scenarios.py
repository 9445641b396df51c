"""Scenario files: each runs through the engine and meets its [expect]; every spec has them;
every mistake in a file is one line naming the file, the field, the value and what is allowed."""

import copy
import re
import tomllib

import pytest

from formcheck.errors import SpecError
from formcheck.scenario import (
    SCENARIO_DIR,
    SPEC_DIR,
    load_scenario,
    main,
    parse_scenario,
    run_scenario,
    scenario_files,
)
from formcheck.spec import get_spec

FILES = scenario_files()


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_scenario(path):
    res = run_scenario(load_scenario(path))
    if res.status == "xfail":
        pytest.xfail(f"{res.scenario.xfail} | " + "; ".join(res.problems))
    assert res.status == "pass", "\n".join(res.problems)


#: (spec id, rule id or "clean") -> why there is no such scenario. Every entry must still be true.
LACKING = {
    ("standing_hip_hike", "hold_too_short"): (
        "suspended while the hike's counting confidence is low; short_hold.toml shows that "
        "the engine honestly raises nothing"
    ),
}


def test_every_spec_has_a_clean_scenario_and_one_per_rule():
    scenarios = [load_scenario(p) for p in FILES]
    problems = []
    for spec_path in sorted(SPEC_DIR.glob("*.toml")):
        sid = spec_path.stem
        if get_spec(sid).is_timer:  # a guided timer films nothing: nothing to pose or score
            assert not (SCENARIO_DIR / sid).exists(), f"{sid} is a timer: scenarios can't run"
            continue
        mine = [s for s in scenarios if s.exercise == sid]
        needed = {"clean": any(s.clean for s in mine)}
        covered = {rule for s in mine for rule in s.expect.faults}
        needed |= {r.id: r.id in covered for r in get_spec(sid).rules}
        for what, present in needed.items():
            listed = (sid, what) in LACKING
            if present and listed:
                problems.append(f"{sid}: {what} now has a scenario; remove it from LACKING")
            elif not present and not listed:
                kind = "clean scenario" if what == "clean" else f"scenario raising {what}"
                problems.append(
                    f"{sid}: no {kind} in {SCENARIO_DIR.name}/{sid}/ (add one, or list "
                    f"({sid!r}, {what!r}) in LACKING with the reason)"
                )
    stale = [k for k in LACKING if not (SPEC_DIR / f"{k[0]}.toml").is_file()]
    problems += [f"LACKING names {k[0]}, which is not a spec" for k in stale]
    assert not problems, "\n".join(problems)


# -- malformed files -------------------------------------------------------------------------

BRIDGE = tomllib.loads((SCENARIO_DIR / "glute_bridge" / "clean_side.toml").read_text())
HIKE = tomllib.loads((SCENARIO_DIR / "standing_hip_hike" / "lean.toml").read_text())


def _set(path, value, base=BRIDGE):
    def make():
        d = copy.deepcopy(base)
        node = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return d

    return make


def _del(path, base=BRIDGE):
    def make():
        d = copy.deepcopy(base)
        node = d
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        return d

    return make


KEYS = ["figure", "keyframes"]
MOVE = ["figure", "moves", "bridge"]

# (what is wrong, the document, the message expected after "x/bad.toml: ")
MISTAKES = [
    ("unknown field", _set(["colour"], "red"), r"colour is not a known field; allowed: desc"),
    ("misspelt field", _set(["exercize"], "x"), r"exercize .*did you mean 'exercise'\?"),
    ("no description", _del(["description"]), r"description is missing"),
    ("two-line description", _set(["description"], "a\nb"), r"description .* one non-empty line"),
    (
        "unknown exercise",
        _set(["exercise"], "bridge"),
        r"exercise 'bridge' is not a known exercise; known: .*glute_bridge, .*standing_hip_hike",
    ),
    (
        "bad view",
        _set(["view"], "top"),
        r"view 'top' is not allowed; allowed: side, front, foot_end",
    ),
    (
        "side without sides",
        _set(["side"], "left"),
        r"side 'left' is not allowed: glute_bridge has no",
    ),
    ("missing side", _del(["side"], HIKE), r"side is missing; standing_hip_hike is done per side"),
    ("bad side", _set(["side"], "both", HIKE), r"side 'both' is not allowed; allowed: left, right"),
    ("fps zero", _set(["fps"], 0), r"fps 0 is out of range; allowed: 1 to 240"),
    ("fps text", _set(["fps"], "30"), r"fps '30' is not a number"),
    ("empty xfail", _set(["xfail"], " "), r"xfail must say why"),
    (
        "near in front view",
        _set(["camera"], {"near": "left"}, HIKE),
        r"camera.near 'left' is only for the side view",
    ),
    (
        "bad image size",
        _set(["camera"], {"image_size": [640]}),
        r"camera.image_size \[640\] must be \[width, height\]",
    ),
    (
        "bad posture",
        _set(["figure", "posture"], "lying"),
        r"figure.posture 'lying' is not allowed; allowed: standing, sitting",
    ),
    (
        "bad anchor",
        _set(["figure", "anchor"], ["feet", "bum"]),
        r"figure.anchor\[1\] 'bum' is not allowed; allowed: feet, toes",
    ),
    ("jitter too big", _set(["figure", "jitter_px"], 50), r"figure.jitter_px 50 is out of range"),
    ("no keyframes", _set(KEYS, []), r"figure.keyframes is empty"),
    (
        "misspelt angle",
        _set(KEYS, [{"t": 0, "hip_flex": 40}]),
        r"figure.keyframes\[0\].hip_flex .*did you mean 'hip_flexion'\?.*an angle: trunk",
    ),
    (
        "angle out of range",
        _set(KEYS, [{"t": 0, "knee_flexion": 200}]),
        r"figure.keyframes\[0\].knee_flexion 200 is out of range; allowed: 0 to 160",
    ),
    (
        "angle as text",
        _set(KEYS, [{"t": 0, "trunk": "up"}]),
        r"figure.keyframes\[0\].trunk 'up' is not a number",
    ),
    (
        "t and dt",
        _set(KEYS, [{"t": 0, "dt": 1}]),
        r"keyframes\[0\] needs exactly one of t .* or dt",
    ),
    ("late start", _set(KEYS, [{"t": 1}]), r"keyframes\[0\].t 1.0 must be 0: the first keyframe"),
    (
        "time backwards",
        _set(KEYS, [{"t": 0}, {"t": 2}, {"t": 1}]),
        r"keyframes\[2\].t 1.0 is before the previous keyframe \(2 s\)",
    ),
    (
        "unknown move",
        _set(KEYS, [{"t": 0}, {"move": "brige"}]),
        r"keyframes\[1\].move 'brige' is not allowed; allowed: bridge",
    ),
    ("t in a move", _set(MOVE, [{"t": 3}]), r"figure.moves.bridge\[0\].t is not allowed in a move"),
    (
        "bad landmark",
        _set(KEYS, [{"t": 0, "visibility": {"kneee": 0.1}}]),
        r"keyframes\[0\].visibility.kneee 'kneee' is not a landmark; .* left_knee",
    ),
    (
        "visibility above 1",
        _set(KEYS, [{"t": 0, "visibility": {"left_knee": 2}}]),
        r"keyframes\[0\].visibility.left_knee 2 is out of range; allowed: 0 to 1",
    ),
    (
        "switch without sides",
        _set(KEYS, [{"t": 0}, {"dt": 1, "switch_side": "left"}]),
        r"keyframes\[1\].switch_side 'left' is not allowed: no sides",
    ),
    (
        "switch to same side",
        _set(KEYS, [{"t": 0}, {"dt": 1, "switch_side": "right"}], HIKE),
        r"keyframes\[1\].switch_side 'right' is not allowed; allowed: left",
    ),
    (
        "bad easing",
        _set(["figure", "easing"], "smooth"),
        r"figure.easing 'smooth' is not allowed; allowed: cosine, linear",
    ),
    (
        "figure under the floor",
        _set(KEYS, [{"t": 0, "hip_flexion": -40}]),
        r"keyframes\[0\] \(t = 0 s\) puts \w+ \d+ cm under the floor",
    ),
    ("no faults listed", _del(["expect", "faults"]), r"expect.faults is missing"),
    (
        "unknown rule",
        _set(["expect", "faults"], ["lower_slow"]),
        r"expect.faults\[0\] 'lower_slow' is not a rule of glute_bridge; rules: hips_level, ",
    ),
    (
        "fault_reps for another rule",
        _set(["expect", "fault_reps"], {"reach_top": [1]}),
        r"expect.fault_reps.reach_top names a rule that expect.faults does not list",
    ),
    (
        "bad rep number",
        _set(["expect"], {"faults": ["reach_top"], "fault_reps": {"reach_top": [-1]}}),
        r"expect.fault_reps.reach_top\[0\] -1 is not a rep number",
    ),
    (
        "holds disagree",
        _set(["expect"], {"faults": [], "holds": 2, "hold_s": [10.0]}),
        r"expect.holds 2 disagrees with expect.hold_s \(1 holds\)",
    ),
    (
        "reps by side without sides",
        _set(["expect", "reps_by_side"], {"left": 3}),
        r"expect.reps_by_side is not allowed: the exercise has no sides",
    ),
    (
        "reps by unknown side",
        _set(["expect", "reps_by_side"], {"up": 3}, HIKE),
        r"expect.reps_by_side.up 'up' is not allowed; allowed: left, right",
    ),
    (
        "empty cannot-assess text",
        _set(["expect", "cannot_assess"], [""]),
        r"expect.cannot_assess\[0\] '' is not a non-empty string",
    ),
]


@pytest.mark.parametrize(
    ("doc", "pattern"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_each_mistake_is_one_line_naming_file_field_and_allowed(doc, pattern):
    with pytest.raises(SpecError) as err:
        parse_scenario(doc(), "x/bad.toml")
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("x/bad.toml: ")
    assert re.search(pattern, msg), msg


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("description = 'a'\nfps = ", r"bad.toml: not valid TOML"), (None, r"not found")],
)
def test_unreadable_files(tmp_path, text, pattern):
    path = tmp_path / "glute_bridge" / "bad.toml"
    if text is not None:
        path.parent.mkdir()
        path.write_text(text)
    with pytest.raises(SpecError, match=pattern):
        load_scenario(path)


def test_exercise_must_match_its_folder(tmp_path):
    folder = tmp_path / "scenarios" / "standing_hip_hike"
    folder.mkdir(parents=True)
    (folder / "x.toml").write_text((SCENARIO_DIR / "glute_bridge" / "clean_side.toml").read_text())
    with pytest.raises(SpecError, match=r"exercise 'glute_bridge' must match the folder"):
        load_scenario(folder / "x.toml")


def test_cli_reports_a_bad_file_in_one_line(tmp_path, capsys):
    path = tmp_path / "glute_bridge" / "bad.toml"
    path.parent.mkdir()
    path.write_text('description = "x"\n')
    assert main([str(path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["ERROR glute_bridge/bad.toml: exercise is missing"]


# -- the docs --------------------------------------------------------------------------------

DOCS = (SPEC_DIR.parent / "docs" / "scenarios.md").read_text()


def test_the_docs_example_is_a_valid_scenario():
    example = DOCS.split("```toml\n", 1)[1].split("```", 1)[0]
    sc = parse_scenario(tomllib.loads(example), "glute_bridge/example.toml")
    assert sc.expect.faults == {"lower_slowly"} and len(sc.keys) == 14


def test_the_docs_name_every_angle_posture_and_anchor():
    from formcheck.figure import ANCHORS, PARAMS, POSTURES

    # right_ anchors are documented as "(and right_...)" next to their left_ twins
    names = [p.name for p in PARAMS] + list(POSTURES) + [a for a in ANCHORS if a[:6] != "right_"]
    missing = [n for n in names if f"`{n}`" not in DOCS and f" {n}" not in DOCS]
    assert not missing, f"docs/scenarios.md does not mention: {missing}"
