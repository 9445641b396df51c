"""The grouped exercise picker (formcheck/app/picker.py): groups, captions and its state."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from formcheck.app.picker import (
    ALL_GROUPS,
    GROUPS,
    ExercisePicker,
    group_exercises,
    group_of,
    option_caption,
)
from formcheck.posture import POSTURE_GATES
from formcheck.spec import ExerciseSpec, get_spec, load_specs
from formcheck.spec.model import HoldSpec, Prescription

BRIDGE = get_spec("glute_bridge")


def variant(exercise_id: str, posture: str | None, category: str = "strength", **kw):
    """A copy of the bridge spec under another id, posture and category."""
    name = kw.pop("name", exercise_id.replace("_", " ").capitalize())
    return replace(BRIDGE, id=exercise_id, name=name, posture=posture, category=category, **kw)


def test_every_shipped_spec_is_in_exactly_one_group() -> None:
    specs = load_specs()
    groups = group_exercises(specs.values())
    listed = [i for g in groups for i in g.ids]
    assert sorted(listed) == sorted(specs), "a spec is missing or listed twice"
    assert all(g.ids for g in groups), "an empty group is shown"
    order = [g.key for g in ALL_GROUPS]
    keys = [g.key for g in groups]
    assert keys == sorted(keys, key=order.index), "groups out of order"
    assert "other" not in keys, "a shipped spec's posture has no group"


def test_every_posture_gate_has_a_group() -> None:
    """A new start posture needs a place in the picker (else it lands in 'Other')."""
    grouped = {p for g in GROUPS for p in g.postures}
    assert set(POSTURE_GATES) <= grouped, set(POSTURE_GATES) - grouped


# (posture, category) -> group key
GROUPING = [
    ("lying_on_back", "strength", "back"),
    ("lying_on_back", "stretch", "back"),
    ("lying_face_down", "strength", "front"),
    ("plank", "strength", "front"),
    ("hands_and_knees", "stretch", "hands_knees"),
    ("kneeling", "stretch", "kneeling"),
    ("half_kneeling", "stretch", "kneeling"),
    ("sitting", "stretch", "sitting"),
    ("standing", "strength", "standing"),
    (None, "timer", "timers"),
    ("hanging_upside_down", "stretch", "other"),
]


@pytest.mark.parametrize(("posture", "category", "group"), GROUPING)
def test_group_of_follows_the_start_posture(posture, category, group) -> None:
    assert group_of(variant("x", posture, category)).key == group


def test_groups_in_order_and_strength_before_stretch_within_a_group() -> None:
    specs = [
        variant("timer_a", None, "timer", name="Foam roller"),
        variant("stand_a", "standing", name="Squat"),
        variant("back_stretch", "lying_on_back", "stretch", name="Arch"),
        variant("back_b", "lying_on_back", name="Bridge"),
        variant("back_a", "lying_on_back", name="Tilt"),
        variant("front_a", "plank", name="Plank"),
        variant("odd", "upside_down", name="Odd"),
        variant("sit_a", "sitting", "stretch", name="Seated"),
        variant("kneel_a", "half_kneeling", "stretch", name="Lunge"),
        variant("hk_a", "hands_and_knees", name="Bird dog"),
    ]
    groups = group_exercises(specs)
    assert [g.key for g in groups] == [
        "back",
        "front",
        "hands_knees",
        "kneeling",
        "sitting",
        "standing",
        "timers",
        "other",
    ]
    back = groups[0]
    assert back.label == "On your back"
    # strength first (by name), then the stretch
    assert back.ids == ("back_b", "back_a", "back_stretch")
    assert sum(len(g.ids) for g in groups) == len(specs)


def hold_only(spec: ExerciseSpec, **presc) -> ExerciseSpec:
    motion = spec.reps[0]
    return replace(
        spec,
        reps=(),
        hold=HoldSpec(motion=motion, min_s=3.0, tolerance_s=0.5, requires_form=True),
        prescription=replace(spec.prescription, **presc),
    )


def two_way(spec: ExerciseSpec, *ways: str) -> ExerciseSpec:
    m = spec.reps[0]
    return replace(spec, reps=tuple(replace(m, direction=w) for w in ways))


CAPTIONS = [
    (BRIDGE, "Strength · reps and a hold"),
    (replace(BRIDGE, hold=None), "Strength · reps"),
    (
        hold_only(
            replace(BRIDGE, category="stretch"), reps=(2, 3), hold_s=(15.0, 30.0), sides=("left",)
        ),
        "Stretch · holds of 15-30 s · each side",
    ),
    (
        replace(
            two_way(BRIDGE, "cat", "cow"),
            category="stretch",
            prescription=Prescription("", "003", hold_s=(5.0, 20.0)),
        ),
        "Stretch · cat and cow, held 5-20 s",
    ),
    (
        replace(
            BRIDGE,
            prescription=Prescription(
                "", "003", reps=(10, 10), holds=(10, 10), hold_s=(10.0, 30.0)
            ),
        ),
        "Strength · reps held 10-30 s",
    ),
    (replace(BRIDGE, category="timer", posture=None, reps=(), hold=None), "Guided timer"),
]


@pytest.mark.parametrize(("spec", "caption"), CAPTIONS)
def test_option_caption_says_what_is_counted(spec, caption) -> None:
    assert option_caption(spec) == caption


def picker_over(*specs: ExerciseSpec) -> ExercisePicker:
    return ExercisePicker.create({s.id: s for s in specs})


SPECS = (
    variant("bridge", "lying_on_back", name="Bridge"),
    variant("knee_to_chest", "lying_on_back", "stretch", name="Knee to chest"),
    variant("plank", "plank", name="Plank"),
    variant("press_up", "lying_face_down", name="Press-up"),
    variant("hike", "standing", name="Hike"),
)


def test_picker_starts_at_the_first_exercise_or_the_default() -> None:
    assert picker_over(*SPECS).exercise == "bridge"
    p = ExercisePicker.create({s.id: s for s in SPECS}, default="hike")
    assert (p.exercise, p.group.key) == ("hike", "standing")
    assert ExercisePicker.create({s.id: s for s in SPECS}, default="nope").exercise == "bridge"
    with pytest.raises(ValueError, match="no exercise specs"):
        ExercisePicker.create({})


def test_knee_to_chest_is_two_clicks_away() -> None:
    p = picker_over(*SPECS)
    p.select_group("standing")  # somewhere else first
    p.select_group("back")  # click 1
    p.select_exercise("knee_to_chest")  # click 2
    assert p.exercise == "knee_to_chest" and p.group.label == "On your back"


def test_changing_group_returns_to_the_exercise_last_picked_there() -> None:
    p = picker_over(*SPECS)
    p.select_exercise("knee_to_chest")
    p.select_group("front")
    assert p.exercise == "plank"  # the group's first: nothing picked there yet
    p.select_exercise("press_up")
    p.select_group("back")
    assert p.exercise == "knee_to_chest"
    p.select_group("front")
    assert p.exercise == "press_up"
    # The current group again, a cleared widget, an unknown group or exercise: no change.
    for noop in ("front", None, "kneeling"):
        p.select_group(noop)
        assert p.exercise == "press_up"
    p.select_exercise("nope")
    p.select_exercise(None)
    assert p.exercise == "press_up"
    assert p.exercise in p.group.ids


def test_deep_links_are_followed_once() -> None:
    p = picker_over(*SPECS)
    assert p.follow_link("hike") is True and p.exercise == "hike"
    assert p.linked_to() == "hike"
    p.select_exercise("plank")  # the user picks another; the URL still says hike
    assert p.follow_link("hike") is False and p.exercise == "plank"
    assert p.linked_to() == "plank"
    assert p.follow_link("plank") is False
    assert p.follow_link(None) is False and p.follow_link("no_such") is False
    assert p.follow_link("knee_to_chest") is True  # a new link (from the library, a bookmark)
    assert p.exercise == "knee_to_chest" and p.group.key == "back"
    p.select_group("front")  # the group remembers the linked exercise
    p.select_group("back")
    assert p.exercise == "knee_to_chest"


def test_picker_module_does_not_import_streamlit() -> None:
    code = (
        "import sys, formcheck.app.picker, formcheck.app.live_state;"
        "print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
