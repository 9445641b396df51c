"""Routine files (formcheck/routine.py): the shipped ones, the plan, and every mistake's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from formcheck.errors import SpecError
from formcheck.routine import (
    DEFAULT_ROUTINE,
    ROUTINE_DIR,
    load_routine,
    load_routines,
    parse_routine,
    single,
)
from formcheck.spec import load_specs

SPECS = load_specs()
#: seed 004's groups, in its order: hips, then hamstrings / TFL / psoas, the lower back last
SEED_004_STEP = {
    "piriformis_stretch": 1,
    "seated_hip_stretch": 1,
    "standing_hamstring_stretch": 2,
    "tfl_stretch": 2,
    "kneeling_hip_flexor_stretch": 2,
    "psoas_strap_stretch": 2,
    "ql_stretch": 3,
    "passive_low_back_stretch": 3,
}
GOOD = """
schema_version = 1
id = "mine"
name = "My routine"
rest_s = 20

[[exercise]]
id = "glute_bridge"
sets = 2
reps = 12

[[exercise]]
id = "knee_to_chest"
reps = 3
hold_s = 20
sides = ["right"]
"""


def test_the_shipped_routines_load_and_the_daily_one_comes_first() -> None:
    routines = load_routines(SPECS)
    assert next(iter(routines)) == DEFAULT_ROUTINE
    assert {"daily", "strength", "stretch"} <= set(routines)
    for r in routines.values():
        assert r.name and r.description
        assert 4 * 60 <= r.estimated_s() <= 14 * 60, (r.id, r.estimated_s())


def test_the_daily_routine_follows_seed_004s_order_in_about_ten_minutes() -> None:
    daily = load_routines(SPECS)[DEFAULT_ROUTINE]
    steps = [SEED_004_STEP[i.exercise] for i in daily.items]
    assert steps == sorted(steps) and steps[0] == 1 and steps[-1] == 3
    assert 8 * 60 <= daily.estimated_s() <= 12 * 60


def test_a_routine_changes_the_prescription_it_names() -> None:
    r = parse_routine(_toml(GOOD), SPECS, "mine.toml")
    bridge, hug = r.items
    assert bridge.sets == 2 and bridge.spec.count_target == 12 and bridge.sides == (None,)
    assert bridge.rest_s == 20
    assert hug.sides == ("right",) and hug.spec.count_target == 3
    assert hug.spec.hold_target_s == 20
    # the spec itself is untouched
    assert SPECS["glute_bridge"].count_target == 10


def test_the_plan_goes_set_by_set_side_by_side_with_rests() -> None:
    r = parse_routine(_toml(GOOD), SPECS, "mine.toml")
    plan = [(s.kind, s.item, s.set_no, s.side, s.why) for s in r.plan()]
    assert plan == [
        ("set", 0, 1, None, ""),
        ("rest", 0, 2, None, "set"),
        ("set", 0, 2, None, ""),
        ("rest", 1, 1, "right", "change"),
        ("set", 1, 1, "right", ""),
    ]


def test_one_exercise_is_its_whole_prescription_with_the_chosen_side_first() -> None:
    r = single(SPECS["knee_to_chest"], "right")
    assert r.items[0].sides == ("right", "left")
    kinds = [(s.kind, s.side, s.why) for s in r.plan()]
    assert kinds == [("set", "right", ""), ("rest", "left", "switch"), ("set", "left", "")]
    assert [s.kind for s in single(SPECS["glute_bridge"]).plan()] == ["set", "rest", "set"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("reps = 12", "reps = 0"),
            "mine.toml: exercise[0].reps 0 is out of range; allowed: 1 to 100",
        ),
        (
            ('id = "glute_bridge"', 'id = "glute_bridg"'),
            "exercise[0].id 'glute_bridg' is not a known exercise",
        ),
        (("sets = 2", "set = 2"), "exercise[0].set is not a known field; did you mean 'sets'?"),
        (
            ('sides = ["right"]', 'sides = ["up"]'),
            "exercise[1].sides[0] 'up' is not allowed; allowed: left, right",
        ),
        (
            ('sides = ["right"]', 'sides = ["right", "right"]'),
            "exercise[1].sides ['right', 'right'] names a side twice",
        ),
        (("hold_s = 20", "hold_s = 9999"), "exercise[1].hold_s 9999 is out of range"),
        (("hold_s = 20", 'hold_s = "20"'), "exercise[1].hold_s '20' is not a number"),
        (("rest_s = 20", "rest_s = -1"), "mine.toml: rest_s -1 is out of range"),
        (('name = "My routine"', 'name = " "'), "mine.toml: name is empty"),
        (('id = "mine"', 'id = "Mine!"'), "mine.toml: id 'Mine!' is not an id"),
        (("schema_version = 1", "schema_version = 2"), "schema_version 2 is out of range"),
        (("schema_version = 1", "colour = 1"), "colour is not a known field"),
        (
            ('"glute_bridge"\nsets = 2\nreps = 12', '"squat_lift"\nholds = 3'),
            "exercise[0].holds squat_lift: it has no holds",
        ),
    ],
)
def test_every_mistake_is_one_line(change: tuple[str, str], message: str) -> None:
    text = GOOD.replace(*change, 1)
    assert text != GOOD
    with pytest.raises(SpecError) as err:
        parse_routine(_toml(text), SPECS, "mine.toml")
    line = str(err.value)
    assert "\n" not in line and message in line, line


def test_sides_on_an_exercise_without_sides_and_reps_on_a_hold_only_one() -> None:
    bad_sides = GOOD.replace('id = "glute_bridge"', 'id = "glute_bridge"\nsides = ["left"]')
    with pytest.raises(SpecError, match=r"exercise\[0\]\.sides glute_bridge is not done per side"):
        parse_routine(_toml(bad_sides), SPECS, "mine.toml")
    holds = GOOD.replace("reps = 3\nhold_s = 20", "holds = 3")
    with pytest.raises(SpecError, match="its holds are its reps: use reps"):
        parse_routine(_toml(holds), SPECS, "mine.toml")


def test_files_broken_as_files_get_one_line(tmp_path: Path) -> None:
    cases = {
        "missing.toml": None,
        "bad.toml": b"id = [",
        "latin.toml": "name = 'caf\u00e9'".encode("latin-1"),
        "empty.toml": b"",
    }
    for name, data in cases.items():
        p = tmp_path / name
        if data is not None:
            p.write_bytes(data)
        with pytest.raises(SpecError) as err:
            load_routine(p, SPECS)
        assert "\n" not in str(err.value) and name in str(err.value)
    other = tmp_path / "other.toml"
    other.write_text(GOOD)
    with pytest.raises(SpecError, match="id 'mine' must match the file name 'other'"):
        load_routine(other, SPECS)
    with pytest.raises(SpecError, match="routine folder not found"):
        load_routines(SPECS, tmp_path / "nowhere")


def test_the_shipped_files_are_where_the_docs_say() -> None:
    assert ROUTINE_DIR.name == "routines" and (ROUTINE_DIR / "daily.toml").is_file()


def _toml(text: str) -> dict:
    import tomllib

    return tomllib.loads(text)
