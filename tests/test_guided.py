"""Guided timers: the plan built from a prescription, and what is on screen at a given time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from formcheck.guided import (
    REST_BETWEEN_REPS_S,
    REST_BETWEEN_SETS_S,
    SWITCH_SIDES_S,
    TimerPlan,
    summary_line,
)
from formcheck.spec import get_spec, load_specs
from formcheck.spec.model import Prescription

TFL = get_spec("tfl_stretch")


def _plan(**prescription: object) -> TimerPlan:
    p = Prescription(text="x", source="x", **prescription)  # type: ignore[arg-type]
    return TimerPlan.from_spec(replace(TFL, prescription=p))


# prescription -> the steps, as (kind, label, seconds)
PLANS = [
    ({"hold_s": (300.0, 300.0)}, [("hold", "Hold", 300.0)]),
    (
        {"hold_s": (30.0, 30.0), "sides": ("left", "right")},
        [
            ("hold", "Left side", 30.0),
            ("switch", "Switch to the right side", SWITCH_SIDES_S),
            ("hold", "Right side", 30.0),
        ],
    ),
    (  # a range: the upper end (the seed's target)
        {"hold_s": (15.0, 30.0), "reps": (2, 3)},
        [
            ("hold", "Hold · 1 of 3", 30.0),
            ("rest", "Rest", REST_BETWEEN_REPS_S),
            ("hold", "Hold · 2 of 3", 30.0),
            ("rest", "Rest", REST_BETWEEN_REPS_S),
            ("hold", "Hold · 3 of 3", 30.0),
        ],
    ),
    (
        {"hold_s": (10.0, 10.0), "reps": (1, 1), "sets": 2},
        [
            ("hold", "Hold · set 1 of 2", 10.0),
            ("rest", "Rest before set 2", REST_BETWEEN_SETS_S),
            ("hold", "Hold · set 2 of 2", 10.0),
        ],
    ),
    ({}, [("hold", "Hold", 30.0)]),  # no hold given: a default, still a timer
]


@pytest.mark.parametrize(("prescription", "steps"), PLANS)
def test_plan_follows_the_prescription(prescription, steps):
    plan = _plan(**prescription)
    assert [(s.kind, s.label, s.seconds) for s in plan.steps] == steps
    assert plan.total_s == sum(s for _, _, s in steps)
    assert plan.hold_s == sum(s for k, _, s in steps if k == "hold")


def test_the_first_side_can_be_chosen():
    plan = TimerPlan.from_spec(TFL, first_side="right")
    assert [s.label for s in plan.steps] == [
        "Right side",
        "Switch to the left side",
        "Left side",
    ]


# elapsed -> (step index, seconds left, done); tfl_stretch: hold 30, switch 10, hold 30
AT = [
    (0.0, 0, 30.0, False),
    (12.5, 0, 17.5, False),
    (30.0, 1, 10.0, False),  # a step ends exactly at its boundary
    (39.9, 1, 0.1, False),
    (40.0, 2, 30.0, False),
    (70.0, 3, 0.0, True),
    (500.0, 3, 0.0, True),
]


@pytest.mark.parametrize(("elapsed", "index", "left", "done"), AT)
def test_at_says_where_the_plan_is(elapsed, index, left, done):
    state = TimerPlan.from_spec(TFL).at(elapsed)
    assert state.index == index and state.done is done
    assert state.remaining_s == pytest.approx(left)
    assert (state.step is None) is done


def test_at_rejects_negative_time():
    with pytest.raises(ValueError, match="elapsed_s must be >= 0"):
        TimerPlan.from_spec(TFL).at(-1.0)


def test_every_shipped_timer_has_a_plan_with_its_hold():
    timers = [s for s in load_specs().values() if s.is_timer]
    assert len(timers) == 6
    for spec in timers:
        plan = TimerPlan.from_spec(spec)
        holds = [s for s in plan.steps if s.kind == "hold"]
        assert holds and all(s.seconds == spec.prescription.hold_s[1] for s in holds)
        assert len(holds) == max(1, len(spec.prescription.sides))
        assert plan.lines()[-1].endswith("Done")
        assert summary_line(plan)


def test_summary_line_and_json():
    plan = TimerPlan.from_spec(get_spec("passive_low_back_stretch"))
    assert summary_line(plan) == "1 hold of 300 s (5:00)"
    assert '"label": "Hold"' in plan.to_json()
    assert summary_line(TimerPlan.from_spec(TFL)) == "2 holds of 30 s, 1:10 in all with rests"
