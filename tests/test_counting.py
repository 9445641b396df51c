"""Rep counter and hold timer: feature sequences with timestamps -> expected events."""

import pytest
from posekit import ramp

from formcheck.counting import HoldTimer, RepCounter
from formcheck.results import HoldEnded, HoldStarted, PartialRep, Phase, RepCompleted
from formcheck.spec import MotionSpec, Threshold

BRIDGE = MotionSpec(
    "hip", Threshold("above", 160.0), Threshold("below", 145.0), min_range=10.0, min_duration_s=0.6
)
SQUAT = MotionSpec("knee", Threshold("below", 100.0), Threshold("above", 150.0), min_range=20.0)


def run(motion, samples, finish=True):
    c = RepCounter(motion)
    events, phases = [], []
    for t, v in samples:
        events += c.step(v, t)
        phases.append(c.phase)
    if finish:
        events += c.finish(samples[-1][0])
    return c, events, phases


def kinds(events):
    return [type(e).__name__ for e in events]


# (name, keyframes, expected reps, expected partial reps, last rep counted at clip end)
CASES = [
    ("one clean rep", [(0, 125), (1, 125), (2, 172), (3, 172), (5, 125), (6, 125)], 1, 0, False),
    ("two reps", [(0, 125), (1, 172), (2, 125), (3, 172), (4, 125)], 2, 0, False),
    ("never reaches the top", [(0, 125), (1, 150), (2, 125)], 0, 1, False),
    ("inside the dead band only", [(0, 125), (1, 140), (2, 125)], 0, 1, False),
    ("noise below min range", [(0, 125), (1, 131), (2, 125), (3, 130), (4, 125)], 0, 0, False),
    ("clip ends during the return", [(0, 125), (1, 172), (2, 150)], 1, 0, True),
    ("clip ends holding at the top", [(0, 125), (1, 172), (4, 170)], 1, 0, True),
    (
        "flicker at the top is one rep",
        [(0, 125), (1, 165), (1.2, 158), (1.4, 166), (1.6, 157), (1.8, 166), (3, 125)],
        1,
        0,
        False,
    ),
    ("too fast to be a rep", [(0, 125), (0.1, 172), (0.2, 125), (1, 125)], 0, 0, False),
    # first seen inside the dead band (the gate opening mid-way into position): no lift seen
    ("starts part-way, settles to rest", [(0, 152), (1, 125), (2, 125)], 0, 0, False),
    # a blip past exit and back in 0.2 s (a pose-model glitch) is quicker than any rep
    ("blip shorter than min duration", [(0, 125), (1, 125), (1.1, 152), (1.2, 125)], 0, 0, False),
]


@pytest.mark.parametrize(
    ("name", "keys", "reps", "partials", "at_end"), CASES, ids=[c[0] for c in CASES]
)
def test_rep_counter_table(name, keys, reps, partials, at_end):
    c, events, _ = run(BRIDGE, ramp(keys))
    done = [e for e in events if isinstance(e, RepCompleted)]
    assert len(done) == reps == c.reps
    assert len([e for e in events if isinstance(e, PartialRep)]) == partials
    if done:
        assert done[-1].at_clip_end is at_end
        assert [e.index for e in done] == list(range(1, reps + 1))


def test_rep_times_peak_and_rom():
    _, events, _ = run(BRIDGE, ramp([(0, 125), (1, 125), (2, 175), (3, 175), (4, 125)]))
    (rep,) = [e for e in events if isinstance(e, RepCompleted)]
    # Leaves rest (145) at 1.4 s, reaches the top (160) at 1.7 s, back past 145 at 3.6 s.
    assert rep.start_s == pytest.approx(1.4, abs=0.04)
    assert rep.top_s == pytest.approx(1.7, abs=0.04)
    assert rep.end_s == pytest.approx(3.6, abs=0.04)
    assert rep.peak == pytest.approx(175)
    assert rep.rom == pytest.approx(50, abs=0.5)


def test_phase_sequence():
    _, _, phases = run(BRIDGE, ramp([(0, 125), (1, 175), (2, 175), (3, 125)]), finish=False)
    order = [p for i, p in enumerate(phases) if i == 0 or p != phases[i - 1]]
    assert order == [Phase.REST, Phase.RISING, Phase.TOP, Phase.LOWERING, Phase.REST]


def test_missing_values_pause_the_counter():
    samples = ramp([(0, 125), (1, 172), (2, 125)])
    gapped = [(t, None if 0.9 < t < 1.3 else v) for t, v in samples]
    c, _, _ = run(BRIDGE, gapped)
    assert c.reps == 1


def test_below_oriented_motion_counts_squats():
    c, events, _ = run(SQUAT, ramp([(0, 175), (1, 90), (2, 175), (3, 85), (4, 175)]))
    assert c.reps == 2
    assert [e.peak for e in events if isinstance(e, RepCompleted)] == [
        pytest.approx(90),
        pytest.approx(85),
    ]


def hold_run(good_intervals, t_end, min_s=3.0, tol=0.5, fps=30):
    h = HoldTimer(min_s, tol)
    events = []
    n = int(t_end * fps) + 1
    for i in range(n):
        t = i / fps
        good = any(a <= t < b for a, b in good_intervals)
        events += h.step(good, t)
    events += h.finish(t_end)
    return h, events


@pytest.mark.parametrize(
    ("name", "good", "t_end", "held", "counted"),
    [
        ("one hold", [(1, 7)], 8, [6.0], [True]),
        ("too short to count", [(1, 2.5)], 4, [1.5], [False]),
        ("short drop-out is bridged", [(1, 4), (4.3, 8)], 9, [6.7], [True]),
        ("long drop-out splits", [(1, 4.5), (6, 10)], 11, [3.5, 4.0], [True, True]),
        ("clip ends mid-hold", [(2, 10)], 10, [8.0], [True]),
    ],
)
def test_hold_timer_table(name, good, t_end, held, counted):
    h, events = hold_run(good, t_end)
    ended = [e for e in events if isinstance(e, HoldEnded)]
    # Counted time runs from frame to frame: each segment can lose up to one frame (1/30 s).
    assert [e.held_s for e in ended] == [pytest.approx(x, abs=0.07) for x in held]
    assert [e.counted for e in ended] == counted
    assert len([e for e in events if isinstance(e, HoldStarted)]) == len(held)
    assert h.best_s == pytest.approx(
        max((x for x, c in zip(held, counted, strict=True) if c), default=0.0), abs=0.07
    )


RELATIVE = MotionSpec(
    "tilt",
    Threshold("above", 0.6),
    Threshold("below", 0.25),
    min_range=0.4,
    relative=True,
    baseline_s=3.0,
)


def test_relative_motion_counts_from_its_own_rest_level_and_reports_real_values():
    # Rest at 5.0 (an offset level for this person); each lift adds 1 degree.
    keys = [
        (0, 5.0),
        (2, 5.0),
        (2.5, 6.0),
        (3.5, 6.0),
        (4, 5.0),
        (6, 5.0),
        (6.5, 6.0),
        (7.5, 6.0),
        (8, 5.0),
        (10, 5.0),
    ]
    c, events, _ = run(RELATIVE, ramp(keys))
    reps = [e for e in events if isinstance(e, RepCompleted)]
    assert c.reps == 2
    assert [e.peak for e in reps] == [pytest.approx(6.0, abs=0.05)] * 2  # measured, not offset
    assert [e.rom for e in reps] == [pytest.approx(1.0, abs=0.05)] * 2


def test_relative_baseline_is_not_dragged_by_a_dip():
    # A dip the other way and back (e.g. the wrong working side) is not a lift.
    keys = [(0, 5.0), (2, 5.0), (2.5, 3.0), (3.5, 3.0), (4, 5.0), (6, 5.0)]
    c, _, _ = run(RELATIVE, ramp(keys))
    assert c.reps == 0
