"""The app's text, tables and tiles (formcheck/ui_helpers.py) for every spec shape.

Each shape is a scratch spec written to a temporary folder and loaded with
``load_specs(dir)`` (so these tests do not depend on which exercise files exist):
reps with a hold (the bridge), holds without reps done per side, reps each held
("10 reps, each held 10 s"), a two-way motion timed per direction, and a guided
timer. Records are folded from hand-written event streams, as the app folds the
engine's. Older helper tests live in tests/test_live.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcheck import ui_helpers as ui
from formcheck.record import SessionRecord
from formcheck.results import (
    Event,
    FaultRaised,
    FrameResult,
    HoldEnded,
    Phase,
    RepCompleted,
    SetStarted,
)
from formcheck.spec import ExerciseSpec, get_spec, load_specs

COMMON = """
schema_version = 1
view = "side"
camera = "Side view: camera at hip height."
instructions = ["Do it."]
source = "Seed 003: 'do it'"
limits = "Breathing cannot be seen."
"""
ANGLE = (
    '[features]\nhip = { kind = "joint_angle", '
    'points = ["near:shoulder", "near:hip", "near:knee"] }\n'
)
SCRATCH = {
    # Holds are the repetitions: 3 holds of 15-30 s, each side.
    "stretch_hold": COMMON
    + """
id = "stretch_hold"
name = "Stretch hold"
category = "stretch"
posture = "lying_on_back"
[prescription]
text = "Hold 15-30 s, 3 times each side."
source = "002, 003"
reps = 3
hold_s = [15, 30]
sides = ["left", "right"]
"""
    + ANGLE
    + """
[hold]
feature = "hip"
enter = { below = 60.0 }
exit = { above = 80.0 }
min_s = 3.0
""",
    # 10 reps, each held 10-30 s.
    "press_hold": COMMON
    + """
id = "press_hold"
name = "Press hold"
category = "strength"
posture = "lying_face_down"
[prescription]
text = "10 reps, each held 10 s, working up to 30 s."
source = "003"
reps = 10
holds = 10
hold_s = [10, 30]
"""
    + ANGLE
    + """
[reps]
feature = "hip"
enter = { below = 150.0 }
exit = { above = 165.0 }
[hold]
min_s = 3.0
""",
    # Two positions, each counted and held 5-20 s.
    "two_way": COMMON
    + """
id = "two_way"
name = "Two way"
category = "stretch"
posture = "hands_and_knees"
[prescription]
text = "Hold each position 5-20 s, repeat several times."
source = "003"
hold_s = [5, 20]
"""
    + ANGLE
    + """
[[reps]]
direction = "cow"
feature = "hip"
enter = { above = 100.0 }
exit = { below = 95.0 }
[[reps]]
direction = "cat"
feature = "hip"
enter = { below = 80.0 }
exit = { above = 85.0 }
[hold]
min_s = 2.0
""",
    "timer": """
schema_version = 1
id = "timer"
name = "Foam roller"
category = "timer"
view = "side"
camera = "Anywhere."
instructions = ["Roll slowly."]
source = "Seed 000: 'roll'"
[prescription]
text = "About 5 minutes."
source = "000"
""",
}


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExerciseSpec]:
    d = tmp_path_factory.mktemp("specs")
    for name, text in SCRATCH.items():
        (d / f"{name}.toml").write_text(text)
    specs = load_specs(d)
    specs["bridge"] = get_spec("glute_bridge")
    return specs


def frame(spec: ExerciseSpec, t: float, events: tuple[Event, ...] = (), **kw) -> FrameResult:
    fields = {
        "t_s": t,
        "side": None,
        "phase": Phase.REST,
        "reps": 0,
        "hold_s": 0.0,
        "best_hold_s": 0.0,
        "faults": (),
        "cue": None,
        "cannot_assess": None,
        "key_feature": spec.key_feature,
        "key_value": 120.0,
        "events": events,
        "assessed": True,
        "in_posture": True,
    }
    fields.update(kw)
    return FrameResult(**fields)  # type: ignore[arg-type]


def fold(spec: ExerciseSpec, events: list[Event], side: str | None = None) -> SessionRecord:
    """A record of one set: a frame per second to 30 s, each event at its own time."""
    rec = SessionRecord(spec)
    rec.consume(frame(spec, 0.0, (SetStarted(0.0, side, spec.id, 1),), side=side))
    for t in range(1, 31):
        evs = tuple(e for e in events if t - 1 < e.t_s <= t)
        rec.consume(frame(spec, float(t), evs, side=side))
    return rec


def hold(t0: float, t1: float, n: int, direction: str | None = None, side=None) -> HoldEnded:
    return HoldEnded(t1, side, t0, t1 - t0, True, direction=direction, index=n)


def rep(n: int, t0: float, t1: float, direction: str | None = None) -> RepCompleted:
    return RepCompleted(t1, None, n, t0, (t0 + t1) / 2, t1, 60.0, 60.0, direction=direction)


# -- the prescription ------------------------------------------------------------------


def test_prescription_facts_for_each_shape(shapes) -> None:
    assert ui.prescription_facts(shapes["stretch_hold"]) == [
        ("Holds", "3 of 15-30 s"),
        ("Sides", "left then right"),
    ]
    assert ui.prescription_facts(shapes["press_hold"]) == [
        ("Reps", "10"),
        ("Holds", "10 of 10-30 s"),
    ]
    assert ui.prescription_facts(shapes["two_way"]) == [("Hold", "5-20 s")]
    assert ui.prescription_facts(shapes["timer"]) == []
    assert dict(ui.prescription_facts(shapes["bridge"]))["Hold"] == "10-15 s"


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("001", "the strength-and-stretch round-up"),
        ("002, 003", "the HealthSoul guide and the physio clinic's stretches"),
        (
            "000; 001 and 004",
            "the Ki-Hara stretching routine, the strength-and-stretch round-up and the DIY "
            "back-pain stretch routine",
        ),
        ("exercise_catalogue.md D", "formcheck's own list"),
    ],
)
def test_prescription_source_names_the_articles(shapes, source, text) -> None:
    from dataclasses import replace

    spec = shapes["bridge"]
    spec = replace(spec, prescription=replace(spec.prescription, source=source))
    assert ui.prescription_source(spec) == text


# -- the live panel ----------------------------------------------------------------------


def lines(record: SessionRecord) -> list[tuple[str, str, str | None, bool | None]]:
    return [(x.label, x.value, x.target, x.met) for x in ui.target_lines(record)]


def test_summary_hold_only(shapes) -> None:
    spec = shapes["stretch_hold"]
    record = fold(
        spec,
        [hold(2, 18.5, 1, side="left"), hold(20, 28, 2, side="left")],
        side="left",
    )
    assert lines(record) == [
        ("Holds of 15 s", "1", "3", False),
        ("Best hold", "16.5 s", "15-30 s", True),
    ]
    assert ui.summary_headline(record) == "2 holds, best 16.5 s, no form faults."
    assert ui.rep_table_rows(record) == []
    rows = ui.hold_table_rows(record)
    assert [(r["hold"], r["side"], r["held (s)"], r["reached 15 s"]) for r in rows] == [
        (1, "left", 16.5, "yes"),
        (2, "left", 8.0, "no"),
    ]
    assert "direction" not in rows[0]
    assert ui.direction_rows(record) == []


def test_summary_reps_each_held(shapes) -> None:
    spec = shapes["press_hold"]
    events: list[Event] = []
    for n in range(1, 4):
        t0 = 1.0 + (n - 1) * 9
        events += [hold(t0 + 1, t0 + 1 + 10.5 - n, n), rep(n, t0, t0 + 8.9)]
    record = fold(spec, events)
    assert lines(record) == [
        ("Reps", "3", "10", False),
        ("Holds of 10 s", "0", "10", False),
        ("Best hold", "9.5 s", "10-30 s", False),
    ]
    assert ui.summary_headline(record) == "3 reps, 3 holds, best 9.5 s, no form faults."
    assert [r["rep"] for r in ui.rep_table_rows(record)] == [1, 2, 3]
    assert len(ui.hold_table_rows(record)) == 3


def test_summary_two_way(shapes) -> None:
    spec = shapes["two_way"]
    events: list[Event] = [
        hold(2, 8.1, 1, "cow"),
        rep(1, 1, 9, "cow"),
        rep(2, 10, 14, "cat"),
        hold(16, 23, 2, "cow"),
        rep(3, 15, 24, "cow"),
        FaultRaised(25.0, None, "hands_under_shoulders", "Hands!", 30.0, None),
    ]
    record = fold(spec, events)
    assert ui.summary_headline(record) == "3 reps (cow 2, cat 1), best hold 7.0 s, 1 form fault."
    assert ui.direction_rows(record) == [
        {"direction": "Cow", "reps": 2, "holds": 2, "best hold (s)": 7.0},
        {"direction": "Cat", "reps": 1, "holds": 0, "best hold (s)": 0.0},
    ]
    rows = ui.rep_table_rows(record)
    assert [(r["rep"], r["direction"]) for r in rows] == [(1, "Cow"), (2, "Cat"), (3, "Cow")]
    assert [r["direction"] for r in ui.hold_table_rows(record)] == ["Cow", "Cow"]
    labels = [s["label"] for s in ui.timeline_spans(record)]
    assert "rep 2 (cat)" in labels and "hold 7.0 s (cow)" in labels
    # No reps target ("repeat several times"); the best hold against 5-20 s.
    assert lines(record) == [("Reps", "3", None, None), ("Best hold", "7.0 s", "5-20 s", True)]


def test_summary_bridge_reps(shapes) -> None:
    spec = shapes["bridge"]
    record = fold(spec, [rep(1, 1, 5), rep(2, 6, 10)])
    assert ui.summary_headline(record) == "2 reps, no form faults."
    assert lines(record) == [
        ("Reps", "2", "10-15", False),
        ("Best hold", "0.0 s", "10-15 s", False),
    ]
    assert "direction" not in ui.rep_table_rows(record)[0]
    assert ui.hold_table_rows(record) == []


def test_summary_timer_is_not_assessed(shapes) -> None:
    record = fold(shapes["timer"], [])
    assert ui.target_lines(record) == []
    assert ui.summary_headline(record).startswith("Could not assess this clip: a guided timer")


# -- sample clips -----------------------------------------------------------------------


def test_sample_clips_of_the_exercise_come_first(tmp_path: Path) -> None:
    def clip(name: str, exercise: str | None) -> Path:
        p = tmp_path / name
        p.write_bytes(b"")
        if exercise is not None:
            p.with_suffix(".json").write_text(json.dumps({"exercise": exercise}))
        return p

    a = clip("aaa_side_clean.mp4", "cat_cow")  # named oddly: the truth says what it is
    b = clip("glute_bridge_side_clean.mp4", "glute_bridge")
    c = clip("knee_to_chest_left_clean.mp4", None)  # no truth: by name
    d = clip("double_knee_to_chest_clean.mp4", "double_knee_to_chest")
    e = clip("cat_cow_side_clean.mp4", "cat_cow")
    assert ui.order_sample_clips("cat_cow", [b, c, d, e, a]) == [a, e, d, b, c]
    assert ui.order_sample_clips("knee_to_chest", [b, c, d, e, a]) == [c, a, e, d, b]
    assert ui.clip_exercise(c) is None


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Seed 001: 'lift your hips'", "the strength-and-stretch round-up: 'lift your hips'"),
        ("002, 004", "the HealthSoul guide, the DIY back-pain stretch routine"),
        (
            "seeds 001 and 003",
            "the strength-and-stretch round-up and the physio clinic's stretches",
        ),
        (
            "on rendered clips MediaPipe missed it",
            "on animated test clips the pose model missed it",
        ),
        (
            "exercise_catalogue.md D (beyond the seeds)",
            "formcheck's own list (beyond the source articles)",
        ),
        ("hold 10.004 s, 15-30 s", "hold 10.004 s, 15-30 s"),
    ],
)
def test_plain_words_have_no_jargon(text: str, plain: str) -> None:
    from formcheck.ui_helpers import plain_words

    assert plain_words(text) == plain


def test_no_jargon_in_what_the_library_shows() -> None:
    from formcheck.spec import load_specs
    from formcheck.ui_helpers import plain_words, prescription_source

    for spec in load_specs().values():
        for text in (
            spec.source,
            spec.limits,
            spec.camera,
            spec.prescription.text,
            prescription_source(spec),
            *spec.instructions,
        ):
            shown = plain_words(text) if text is not prescription_source(spec) else text
            for word in ("MediaPipe", "Seed 0", "seed 0", "rendered", "exercise_catalogue"):
                assert word not in shown, (spec.id, shown)


@pytest.mark.parametrize(
    ("text", "out"),
    [
        ("no person", "no person."),
        ("left knee hidden.", "left knee hidden."),
        ("why?", "why?"),
        ("wait…", "wait…"),
        ("x. ", "x."),
    ],
)
def test_a_reason_ends_in_one_full_stop(text: str, out: str) -> None:
    assert ui.sentence(text) == out
