"""The rule registry and its evaluators: value sequences with timestamps -> when a fault is
raised and cleared; every kind's parameters, bounds and docs come from one dataclass."""

import dataclasses
from pathlib import Path

import pytest
from posekit import ramp

from formcheck.results import Phase
from formcheck.rules import (
    REST,
    RULE_KINDS,
    DriftRule,
    OscillationRule,
    RangeRule,
    RuleInput,
    TempoRule,
    rules_markdown,
)
from formcheck.spec import RuleSpec

DOCS = Path(__file__).resolve().parent.parent / "docs" / "spec_format.md"
_COMMON = {"grace_s"}


def rule(kind, feature="f", **kw):
    common = {k: kw.pop(k) for k in list(kw) if k in _COMMON}
    params_cls = RULE_KINDS[kind].params
    if "feature" in params_cls.__dataclass_fields__:
        kw["feature"] = feature
    return RuleSpec(
        id="r", kind=kind, cue="cue", description="d", params=params_cls(**kw), **common
    )


def raised_at(evaluator, samples, applies=lambda t: True):
    out = []
    for t, v in samples:
        verdict = evaluator.step(RuleInput(t, {"f": v}, REST, applies(t)))
        if verdict.raise_now:
            out.append(round(t, 2))
    return out


@pytest.mark.parametrize(
    ("name", "keys", "expected"),
    [
        ("inside the range", [(0, 2), (3, 4)], []),
        ("brief spike under grace", [(0, 0), (1, 0), (1.05, 9), (1.2, 0), (3, 0)], []),
        # 0 -> 9 over 1 s crosses 6 at 0.67 s; raised 0.3 s later
        ("sustained: raised once after grace", [(0, 0), (1, 9), (4, 9)], [1.0]),
        (
            "two separate violations",
            [(0, 0), (1, 9), (2, 9), (2.1, 0), (3, 0), (3.1, -9), (5, -9)],
            [1.0, 3.4],
        ),
    ],
)
def test_range_rule_with_absolute_limit(name, keys, expected):
    ev = RangeRule(rule("range", max=6.0, absolute=True, grace_s=0.3))
    # Ramps between keyframes cross 6 a little after each keyframe: allow one frame.
    got = raised_at(ev, ramp(keys))
    assert got == pytest.approx(expected, abs=0.1)


def test_range_rule_is_suspended_when_the_feature_is_missing():
    ev = RangeRule(rule("range", min=165.0, grace_s=0.3))
    samples = [(t, None if 1 <= t < 3 else 150.0) for t, _ in ramp([(0, 0), (4, 0)])]
    got = raised_at(ev, samples)
    # raised at 0.3, cleared by the gap (never raised during it), raised again 0.3 s after
    assert got == pytest.approx([0.3, 3.3], abs=0.05)


def test_drift_from_the_value_when_the_phase_began():
    ev = DriftRule(rule("drift", max_change=0.1, grace_s=0.2))
    samples = ramp([(0, 1.0), (1, 1.05), (2, 1.3), (3, 1.3)])
    got = raised_at(ev, samples)
    assert len(got) == 1 and 1.4 < got[0] < 1.7
    # Leaving the phase resets the baseline: the same level is fine in the next phase.
    ev2 = DriftRule(rule("drift", max_change=0.1, grace_s=0.2))
    assert raised_at(ev2, samples, applies=lambda t: t < 1.2 or t > 1.8) == []


@pytest.mark.parametrize(
    ("name", "keys", "raised"),
    [
        ("slow steady hold", [(0, 60), (5, 62)], False),
        ("bouncing 8 deg at 2 Hz", [(i * 0.25, 60 + (8 if i % 2 else 0)) for i in range(20)], True),
        (
            "small tremor under amplitude",
            [(i * 0.25, 60 + (1 if i % 2 else 0)) for i in range(20)],
            False,
        ),
        ("slow sway once a second", [(i * 1.0, 60 + (8 if i % 2 else 0)) for i in range(8)], False),
    ],
)
def test_oscillation_is_bouncing(name, keys, raised):
    ev = OscillationRule(rule("oscillation", window_s=2.0, min_amplitude=3.0, max_reversals=4))
    assert bool(raised_at(ev, ramp(keys))) is raised


@pytest.mark.parametrize("relative", [False, True])
@pytest.mark.parametrize(("rise_s", "raised"), [(0.15, True), (1.5, False)])
def test_rising_tempo_on_absolute_and_relative_motions(relative, rise_s, raised):
    from formcheck.counting import RepCounter
    from formcheck.spec import MotionSpec, Threshold

    # Absolute: rest 0, top above 0.6. Relative: the same lift on a 5.0 rest level.
    base = 5.0 if relative else 0.0
    motion = MotionSpec(
        "f", Threshold("above", 0.6), Threshold("below", 0.25), relative=relative, baseline_s=3.0
    )
    counter = RepCounter(motion)
    ev = TempoRule(rule("tempo", phase="rising", min_s=0.5, from_frac=0.8, to_frac=0.2))
    keys = [(0, base), (2, base), (2 + rise_s, base + 1.0), (4, base + 1.0), (5, base)]
    got = []
    for t, v in ramp(keys):
        counter.step(v, t)
        if ev.step(RuleInput(t, {"f": v}, counter.state(v), True)).raise_now:
            got.append(t)
    assert bool(got) is raised


def test_tempo_follows_whichever_motion_the_snapshot_describes():
    """The rule holds no counter: a lowering judged on a second view's feature still counts."""
    from formcheck.counting import RepCounter
    from formcheck.spec import MotionSpec, Threshold

    first = RepCounter(MotionSpec("a", Threshold("above", 160.0), Threshold("below", 145.0)))
    second = RepCounter(MotionSpec("b", Threshold("above", 0.25), Threshold("below", 0.1)))
    ev = TempoRule(rule("tempo", phase="lowering", min_s=0.7, from_frac=0.9, to_frac=0.1))
    for t, v in ramp([(0, 120), (1, 120), (2, 170), (3, 170), (5, 120)]):
        first.step(v, t)
        assert not ev.step(RuleInput(t, {"a": v}, first.state(v), True)).raise_now
    got = []
    for t, v in ramp([(6, 0.0), (7, 0.0), (8, 0.45), (9, 0.45), (9.2, 0.0), (10, 0.0)]):
        second.step(v, t)
        if ev.step(RuleInput(t, {"b": v}, second.state(v), True)).raise_now:
            got.append(t)
    assert len(got) == 1 and 9.0 < got[0] < 9.3


def test_every_kind_has_validated_typed_params_and_a_docs_section():
    for name, kind in RULE_KINDS.items():
        assert dataclasses.is_dataclass(kind.params), name
        assert callable(kind.params.validate), name
        assert f"### `{name}`" in rules_markdown()
    # docs/spec_format.md embeds the generated tables, so the docs can't drift from the code.
    from formcheck.spec.docs import render

    text = DOCS.read_text(encoding="utf-8")
    assert rules_markdown().strip() in text
    assert render(text) == text, "run: python -m formcheck.spec.docs"


def test_a_hold_phase_rule_applies_only_while_holding():
    from formcheck.rules import phase_matches

    assert phase_matches(("hold",), Phase.TOP, holding=True)
    assert not phase_matches(("hold",), Phase.TOP, holding=False)
    assert phase_matches(("any",), Phase.REST, holding=False)
