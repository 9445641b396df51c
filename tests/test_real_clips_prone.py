"""Prone press-up and plank end to end on real clips (../shared/clips/dev; skipped without it).

Each clip is reviewed once per exercise (``formcheck review``, the real MediaPipe model) and
the reports are shared by the tests below. labels.csv gives no numbers for these clips
("cobra in the first half, then moves to downward dog"; "forearm plank and variations"),
so the truth was worked out from frames (ffmpeg, 2-10 fps around every change):

cobra_a.mp4 (17.6 s, 25 fps), side-on:
  0-1.0 s high plank (hips a little piked); 1.0-2.4 s lowers to the floor (hips sag
  first, the shoulders still high); 2.4-3.6 s lying face down, hands under the shoulders;
  3.6-4.9 s pushes up; arms straight and trunk still from ~4.9 s (the head keeps tipping
  back); the trunk starts down at ~8.2-8.3 s, hips lifting into a plank (9.0-9.4 s), then
  downward dog to the end. So one cobra (prone press-up) with the pelvis on the floor,
  held ~3.35 s (4.9 to 8.25 s), clean form.
plank_a.mp4 (65.9 s, 29.97 fps), studio, one person, cross-dissolves between shots:
  0-6 s lying face down; 6.5-12.2 s prone on the forearms (a sphinx); 12.2-12.8 s lifts
  into a forearm plank, in position from ~12.9 s; a dissolve to a head-end view starts at
  ~17.9 s (side-on plank until ~18.3 s); 19-30 s the same plank from the head end (the
  line can't be seen from there); dissolve back: the side-on plank is the stronger layer
  from ~30.35 s and clean from 30.6 s, until the next dissolve's first trace at 47.25 s
  (still the stronger layer to ~47.45 s); 48-50.5 s prone on the forearms; 51.2-58.2 s a
  knee plank on the forearms (shoulders, hips and knees in a line, lower legs up); end
  card from ~58.3 s. Planks side-on: ~5.4 s (12.9-18.3), ~16.85 s (16.65 s of clean frames,
  17.1 s of dominant ones), ~7.0 s (the knee plank). No sag or pike a person would call
  a fault.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clipkit import labels, review

pytestmark = pytest.mark.slow

_CACHE: dict[tuple[str, str], dict] = {}


@pytest.fixture(scope="module")
def reviewed(dev_clips: Path, tmp_path_factory: pytest.TempPathFactory):
    """``reviewed(clip, exercise)``: the JSON report, each pair reviewed once per module."""
    out = tmp_path_factory.mktemp("prone")

    def get(clip: str, exercise: str, exit_code: int = 0) -> dict:
        key = (clip, exercise)
        if key not in _CACHE:
            d = out / exercise
            d.mkdir(exist_ok=True)
            _CACHE[key] = review(dev_clips / clip, exercise, d, exit_code=exit_code)
        return _CACHE[key]

    return get


def test_labels_name_these_clips(dev_clips: Path):
    rows = labels(dev_clips)
    assert rows["cobra_a.mp4"]["exercise"] == "prone_press_up"
    assert rows["plank_a.mp4"]["exercise"] == "plank"


def test_cobra_is_one_press_up_held_about_3_4_s(reviewed):
    r = reviewed("cobra_a.mp4", "prone_press_up")
    s = r["summary"]
    assert s["assessed"] is True
    assert s["reps"] == 1
    assert s["hold_s"] == pytest.approx(3.35, abs=0.5)  # frames: 4.9 to 8.25 s
    assert s["faults"] == []  # the pelvis stays on the floor in the cobra
    # the lowering from the high plank (1.0-2.4 s, shoulders up to 37 deg with the hips
    # still up) is neither a rep nor a partial one: it lasts under the 2 s a press-up needs
    assert s["partial_reps"] == 0
    (rep,) = r["reps"]
    assert 3.5 < rep["start_s"] < 4.5 and 3.8 < rep["top_s"] < 5.0 and 8.2 < rep["end_s"] < 9.6
    assert 45 < rep["peak"] < 58  # trunk ~51 deg off the floor (reported, not judged)
    (hold,) = [h for h in r["holds"] if h["counted"]]
    assert 4.5 < hold["start_s"] < 5.3 and 7.9 < hold["end_s"] < 8.6


def test_plank_time_is_only_the_side_on_planks(reviewed):
    r = reviewed("plank_a.mp4", "plank")
    s = r["summary"]
    assert s["assessed"] is True
    assert s["faults"] == []  # straight planks: MediaPipe reads the hip +0.04-0.06 above the line
    # longest: the second side-on stretch, 16.65-17.1 s by how the dissolves count
    assert s["hold_s"] == pytest.approx(16.85, abs=0.5)
    holds = [h for h in r["holds"] if h["counted"]]
    # the two forearm planks and the knee plank (timed while it reads as a plank; its last
    # ~0.7 s reads lying face down, so it comes out ~5.7 s of ~7 s)
    assert s["reps"] == s["holds"] == len(holds) == 3
    first, second, knees = holds
    assert first["held_s"] == pytest.approx(5.4, abs=0.5)  # 12.9-18.3 s
    assert 12.4 <= first["start_s"] and first["end_s"] <= 18.7
    assert 30.4 <= second["start_s"] and second["end_s"] <= 47.9
    assert 50.5 <= knees["start_s"] and knees["end_s"] <= 58.6
    # lying prone and prone on the forearms (0-12 s, 48-50.5 s) read the same straight line,
    # but count no plank time; from the head end (19-30 s) the line can't be seen
    assert all(not (h["start_s"] < 12.2 or 47.9 < h["start_s"] < 50.5) for h in r["holds"])
    assert any(
        c["start_s"] < 20 and (c["end_s"] or 99) > 19.5 and "Wrong camera view" in c["reason"]
        for c in r["cannot_assess"]
    )


def test_a_cobra_is_not_a_plank(reviewed):
    r = reviewed("cobra_a.mp4", "plank", exit_code=3)
    s = r["summary"]
    # the brief high plank at the start (~1 s) is too short to be a hold, and the cobra
    # reads lying face down
    assert s["reps"] == s["holds"] == 0 and s["hold_s"] == 0.0
    assert s["faults"] == []
    assert s["assessed"] is False  # too little of the clip is a plank to assess it as one


def test_planks_and_forearm_rests_are_not_press_ups(reviewed):
    r = reviewed("plank_a.mp4", "prone_press_up")
    s = r["summary"]
    # the press-up gate lets planks in (a press-up whose hips come up reads as a plank),
    # but their shoulder-hip line stays near level; resting on the forearms (22-27 deg)
    # stays under a press-up's 30 degrees
    assert s["reps"] == 0 and s["holds"] == 0
    assert s["faults"] == []
    assert s["assessed"] is True
