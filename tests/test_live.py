"""LiveCoach (the per-session live engine) and the app's pure UI helpers.

A scripted estimator stands in for the camera model here; the real model and a
real browser are exercised in tests/browser/.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from fractions import Fraction

import av
import numpy as np
import pytest
from posekit import lying_side, ramp

from formcheck.errors import CameraError
from formcheck.landmarks import PoseFrame
from formcheck.live import LiveCoach, frame_time
from formcheck.results import FaultRaised, Phase
from formcheck.spec import get_spec
from formcheck.ui_helpers import (
    check_markdown,
    coverage_warning,
    fault_rows,
    format_clock,
    prescription_facts,
    rep_table_rows,
    stopped_text,
    summary_headline,
    target_lines,
    timeline_chart,
    timeline_spans,
)

BLACK = np.zeros((480, 640, 3), dtype=np.uint8)


class ScriptedPose:
    """An estimator whose hip angle follows keyframes of *set* time (the coach's clock)."""

    name = "scripted"

    def __init__(self, keys: list[tuple[float, float]], person_until: float = 1e9) -> None:
        self.kt = [k[0] for k in keys]
        self.kv = [k[1] for k in keys]
        self.person_until = person_until
        self.seen: list[float] = []
        self.entered = self.closed = 0

    def estimate(self, image_bgr: np.ndarray, t_s: float) -> PoseFrame | None:
        self.seen.append(t_s)
        if t_s > self.person_until:
            return None
        return lying_side(t_s, float(np.interp(t_s, self.kt, self.kv)))

    def close(self) -> None:
        self.closed += 1

    def __enter__(self) -> ScriptedPose:
        self.entered += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Two clean bridge reps: rest 125 deg, top 172 deg, about 2 s down each.
TWO_REPS = [
    (0, 125),
    (1, 125),
    (2, 172),
    (3, 172),
    (5, 125),
    (6, 125),
    (7, 172),
    (8, 172),
    (10, 125),
    (11, 125),
]


def coach_for(keys, **kw) -> tuple[LiveCoach, ScriptedPose]:
    est = ScriptedPose(keys, **kw.pop("est_kw", {}))
    coach = LiveCoach(get_spec("glute_bridge"), estimator_factory=lambda: est, annotate=False, **kw)
    return coach, est


def feed(coach: LiveCoach, keys, start: float = 0.0, fps: float = 30.0) -> None:
    for t, _ in ramp(keys, fps):
        coach.process(BLACK, start + t)


def test_counts_reps_and_publishes_results() -> None:
    coach, est = coach_for(TWO_REPS)
    feed(coach, TWO_REPS)
    results = coach.drain()
    assert results, "no results reached the page queue"
    assert len(results) == 32  # the page only gets the latest results; older ones dropped
    assert results[-1].reps == 2 and results[-1].t_s == pytest.approx(11.0)
    assert [r.index for r in coach.record.sets[0].reps] == [1, 2]
    assert coach.drain() == []  # drained
    assert est.entered == 1


def test_time_comes_from_the_frames_relative_to_the_first() -> None:
    """RTP clocks start anywhere; the set's clock starts at 0 and follows the frames."""
    coach, est = coach_for(TWO_REPS)
    feed(coach, TWO_REPS, start=86_400.0)  # a stream clock that starts at one day
    assert est.seen[0] == 0.0
    assert est.seen[-1] == pytest.approx(11.0)
    assert coach.record.reps == 2


def test_clock_jumping_back_is_reanchored_and_stays_increasing() -> None:
    coach, est = coach_for([(0, 125), (100, 125)])
    for t in (50.0, 50.1, 50.2, 3.0, 3.1, 3.1):  # a stream restart, then a duplicate
        coach.process(BLACK, t)
    diffs = np.diff(est.seen)
    assert np.all(diffs > 0), est.seen
    assert est.seen[3] == pytest.approx(0.2 + 1 / 30)


def test_queue_drops_the_oldest_when_the_page_falls_behind() -> None:
    coach, _ = coach_for(TWO_REPS, queue_size=4)
    for i in range(10):
        coach.process(BLACK, i / 30)
    got = coach.drain()
    assert [round(r.t_s * 30) for r in got] == [6, 7, 8, 9]


def test_finish_keeps_the_record_and_stops_counting() -> None:
    coach, est = coach_for(TWO_REPS)
    feed(coach, TWO_REPS[:6])  # one rep, then 6 s
    record = coach.finish()
    assert record.reps == 1 and coach.finished
    assert est.closed == 1  # the estimator is released with the set
    n = len(est.seen)
    out = coach.process(BLACK, 20.0)
    assert out is BLACK and len(est.seen) == n  # frames pass through untouched
    assert coach.finish() is record  # idempotent
    assert record.summary()["reps"] == 1


def test_stop_for_pain_is_recorded_and_nothing_counts_after() -> None:
    coach, _ = coach_for(TWO_REPS)
    feed(coach, TWO_REPS[:6])
    record = coach.stop("pain increased")
    s = record.summary()
    assert s["stopped"]["reason"] == "pain increased"
    assert s["stopped"]["t_s"] == pytest.approx(6.0)
    feed(coach, TWO_REPS, start=7.0)
    assert record.reps == 1
    assert stopped_text(record) == (
        "Set stopped at 0:06.0: pain increased. No more reps were asked for after that."
    )
    assert summary_headline(record) == "1 rep, no form faults."
    assert stopped_text(coach_for(TWO_REPS)[0].finish()) is None


def test_finish_from_another_thread_while_frames_arrive() -> None:
    coach, _ = coach_for(TWO_REPS)
    stop = threading.Event()

    def camera() -> None:
        t = 0.0
        while not stop.is_set() and t < 30:
            coach.process(BLACK, t)
            t += 1 / 30

    th = threading.Thread(target=camera)
    th.start()
    while coach.frames < 60:
        pass
    record = coach.finish()
    frames = record.frames
    stop.set()
    th.join()
    assert record.frames == frames  # nothing was added after finish


def test_camera_loss_is_reported_and_the_set_is_kept() -> None:
    coach, _ = coach_for(TWO_REPS)
    assert coach.camera_silence_s() is None
    coach.check_camera()  # no frame yet: nothing to report
    feed(coach, TWO_REPS[:6])
    last = coach._last_arrival
    assert last is not None
    coach.check_camera(now=last + 1.0)
    with pytest.raises(CameraError, match="set so far is kept"):
        coach.check_camera(now=last + 5.0)
    assert coach.record.reps == 1


def test_processing_errors_do_not_kill_the_stream() -> None:
    class Broken(ScriptedPose):
        def estimate(self, image_bgr: np.ndarray, t_s: float) -> PoseFrame | None:
            if 1.0 < t_s < 1.2:
                raise RuntimeError("model hiccup")
            return super().estimate(image_bgr, t_s)

    est = Broken(TWO_REPS)
    coach = LiveCoach(get_spec("glute_bridge"), estimator_factory=lambda: est, annotate=False)
    feed(coach, TWO_REPS)
    assert coach.errors > 0 and "model hiccup" in (coach.error or "")
    assert coach.record.reps == 2


def test_no_person_gives_a_reason_not_faults() -> None:
    coach, _ = coach_for(TWO_REPS, est_kw={"person_until": -1.0})
    feed(coach, [(0, 125), (2, 125)])
    last = coach.drain()[-1]
    assert last.cannot_assess is not None and "No person" in last.cannot_assess
    assert last.faults == () and not last.person


def test_each_coach_has_its_own_estimator_and_session() -> None:
    made: list[ScriptedPose] = []

    def factory() -> ScriptedPose:
        made.append(ScriptedPose(TWO_REPS))
        return made[-1]

    spec = get_spec("glute_bridge")
    a = LiveCoach(spec, estimator_factory=factory, annotate=False)
    b = LiveCoach(spec, estimator_factory=factory, annotate=False)
    a.warm_up()
    feed(a, TWO_REPS)
    feed(b, TWO_REPS[:3])
    assert len(made) == 2 and made[0] is not made[1]
    assert a.record.reps == 2 and b.record.reps == 0
    assert a.session is not b.session


def test_sided_spec_uses_the_chosen_side() -> None:
    coach = LiveCoach(
        get_spec("standing_hip_hike"),
        side="right",
        estimator_factory=lambda: ScriptedPose(TWO_REPS),
        annotate=False,
    )
    assert coach.side == "right"


def test_video_frame_callback_uses_the_frame_time() -> None:
    coach, est = coach_for(TWO_REPS)
    for i in range(5):
        frame = av.VideoFrame.from_ndarray(BLACK, format="bgr24")
        frame.pts = 900_000 + i * 3000  # 90 kHz RTP clock, 30 fps
        frame.time_base = Fraction(1, 90_000)
        out = coach.on_frame(frame)
        assert isinstance(out, av.VideoFrame) and (out.width, out.height) == (640, 480)
    assert est.seen == pytest.approx([0, 1 / 30, 2 / 30, 3 / 30, 4 / 30])
    frame = av.VideoFrame.from_ndarray(BLACK, format="bgr24")
    assert frame_time(frame) is None  # no pts: no time, and the coach won't invent one
    assert coach.on_frame(frame) is frame and coach.error is not None


def test_live_module_does_not_import_streamlit_or_mediapipe() -> None:
    code = (
        "import sys, formcheck.live, formcheck.ui_helpers;"
        "bad = [m for m in ('streamlit', 'mediapipe', 'streamlit_webrtc') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# -- ui_helpers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "text"), [(0.0, "0:00.0"), (7.46, "0:07.5"), (65.0, "1:05.0"), (59.97, "1:00.0")]
)
def test_format_clock(t, text) -> None:
    assert format_clock(t) == text


def test_check_markdown_does_not_repeat_the_title() -> None:
    assert check_markdown("hips_level", "Hips level: the hip line stays level.") == (
        "**Hips level**: the hip line stays level."
    )
    assert check_markdown("no_lean", "No leaning: the trunk stays upright.") == (
        "**No leaning**: the trunk stays upright."
    )
    assert check_markdown("no_lean", "Trunk stays upright.") == "**No lean**: Trunk stays upright."
    assert check_markdown("x", "A long sentence that happens to have: a colon") == (
        "**X**: A long sentence that happens to have: a colon"
    )


def test_prescription_facts_from_the_seeds() -> None:
    facts = dict(prescription_facts(get_spec("glute_bridge")))
    assert facts["Reps"] == "10-15" and facts["Sets"] == "2" and facts["Hold"] == "10-15 s"
    hike = dict(prescription_facts(get_spec("standing_hip_hike")))
    assert hike["Sides"] == "left then right"


def test_summary_tables_and_timeline_chart() -> None:
    # One full rep and one fast drop (lower_slowly), then an attempt that stops short.
    keys = [
        (0, 125),
        (1, 125),
        (2, 172),
        (3, 172),
        (5, 125),
        (6, 125),
        (7, 172),
        (7.5, 172),
        (7.8, 125),
        (9, 125),
        (10, 152),
        (11, 125),
        (12, 125),
    ]
    coach, _ = coach_for(keys)
    feed(coach, keys)
    record = coach.finish()
    assert record.reps == 2
    rows = rep_table_rows(record)
    assert [r["rep"] for r in rows] == [1, 2]
    assert rows[0]["start"].startswith("0:0")
    faults = fault_rows(record)
    assert {f["form point"] for f in faults} >= {"Lower slowly"}
    assert all(f["time"].count(":") == 1 for f in faults)
    lines = {line.label: line for line in target_lines(record)}
    assert lines["Reps"].value == "2" and lines["Reps"].target == "10-15"
    assert lines["Reps"].met is False
    spans = timeline_spans(record)
    assert [s["kind"] for s in spans].count("rep") == 2
    chart = timeline_chart(record).to_dict()
    assert len(chart["layer"]) == 3
    assert isinstance(record.faults[0], FaultRaised)


def test_live_phases_follow_the_movement() -> None:
    # Frame by frame through TWO_REPS (rise 1-2 s, top 2-3 s, down 3-5 s, rest 5-6 s, ...),
    # each result names the phase the body is in, and counts on the return to rest.
    coach, _ = coach_for(TWO_REPS)
    runs: list[tuple[Phase, float, int]] = []  # (phase, first time seen, reps then)
    for t, _ in ramp(TWO_REPS, 30.0):
        coach.process(BLACK, t)
        r = coach.drain()[-1]
        if not runs or runs[-1][0] != r.phase:
            runs.append((r.phase, t, r.reps))
    cycle = [Phase.RISING, Phase.TOP, Phase.LOWERING, Phase.REST]
    # unknown until the posture gate opens (0.5 s lying on the back)
    assert [r[0] for r in runs] == [Phase.UNKNOWN, Phase.REST, *cycle, *cycle], runs
    assert runs[1][1] == pytest.approx(0.5, abs=0.1)
    for rep, start in enumerate((0.0, 5.0)):  # the two reps' keyframes start 5 s apart
        lift, top, lower, rest = runs[2 + 4 * rep : 6 + 4 * rep]
        assert start + 1.0 < lift[1] < start + 2.0  # while rising 125 -> 172 deg
        assert lift[1] < top[1] <= start + 2.0 + 1e-9  # at the top by the time 172 is reached
        assert start + 3.0 < lower[1] < start + 5.0  # after the top, while going down
        assert lower[1] < rest[1] <= start + 5.0 + 1e-9  # back at rest by 125 deg
        assert (lift[2], lower[2], rest[2]) == (rep, rep, rep + 1)  # counted on the return


def test_coverage_warning_names_the_main_reason() -> None:
    keys = [(0, 125), (12, 125)]
    coach, _ = coach_for(keys, est_kw={"person_until": 2.0})
    feed(coach, keys)
    record = coach.finish()
    warning = coverage_warning(record)
    assert warning is not None
    assert warning.startswith("Only 1") and "Mostly: No person in view" in warning
    full, _ = coach_for(keys)
    feed(full, keys)
    assert coverage_warning(full.finish()) is None


def test_estimated_counts_are_labelled() -> None:
    hike = get_spec("standing_hip_hike")
    record = LiveCoach(hike, side="left", estimator_factory=lambda: ScriptedPose(TWO_REPS)).finish()
    labels = [line.label for line in target_lines(record)]
    assert labels[0] == ("Reps (estimate)" if hike.low_confidence else "Reps")
    assert "Best hold" in labels
    bridge = coach_for(TWO_REPS)[0].finish()
    assert target_lines(bridge)[0].label == "Reps"


def test_live_set_reports_what_its_views_could_not_check() -> None:
    """A side-view live bridge used to report ``not_checked: []`` (only the clip pipeline
    filled the views-seen back channel); the report now folds the ViewSeen events."""
    coach, _ = coach_for(TWO_REPS)
    feed(coach, TWO_REPS)
    summary = coach.finish().summary()
    assert summary["views_seen"] == ["side"]
    assert summary["not_checked"] == ["hips_level"]
    assert summary["reps"] == 2


def test_start_position_and_timer_note() -> None:
    from dataclasses import replace

    from formcheck.ui_helpers import TIMER_NOTE, start_position

    bridge = get_spec("glute_bridge")
    assert start_position(bridge) == "Lie on your back with your knees bent and feet flat."
    assert start_position(get_spec("standing_hip_hike")).startswith("Stand")
    timer = replace(bridge, category="timer", posture=None, reps=(), hold=None, rules=())
    assert start_position(timer) is None and timer.is_timer
    assert "checks nothing" in TIMER_NOTE
