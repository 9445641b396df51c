"""The hands-and-knees exercises end to end on real clips (../shared/clips/dev; skipped without).

`formcheck review` runs the real MediaPipe model; each clip is reviewed once per module.
Tolerances: reps exact, the longest hold within 0.5 s, no fault on clean form.
There is no real clip of child's pose; its scenarios cover it (stick figures).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clipkit import labels, review

pytestmark = pytest.mark.slow

_CACHE: dict[tuple[str, str], dict] = {}


@pytest.fixture(scope="module")
def reviewed(dev_clips: Path, tmp_path_factory: pytest.TempPathFactory):
    """review(clip, exercise) -> the JSON report; each clip runs through the model once."""

    def get(clip: str, exercise: str) -> dict:
        key = (clip, exercise)
        if key not in _CACHE:
            out = tmp_path_factory.mktemp(Path(clip).stem)
            _CACHE[key] = review(dev_clips / clip, exercise, out)
        return _CACHE[key]

    return get


# -- cat-cow --------------------------------------------------------------------------------
#
# Label: 0-3.5 s from kneeling to table-top; cow ~5-8 s; cat ~9.5-13 s; cow again ~14.5 s to
# the end (15.9 s). No numbers for the holds, so they were read off frames (0.2 s apart,
# side by side): the head and back arrive in the cow at ~5.8 s and leave it at ~8.4 s
# (2.6 s); the cat is reached at ~10.2 s and left at ~12.8 s (2.6 s); the last cow is
# reached at ~14.8 s and still held when the clip ends (1.1 s, under the 2 s minimum for a
# hold). The positions are clean demonstrations (hands under shoulders, knees under hips).
CAT_COW_LONGEST_HOLD_S = 2.6


def test_cat_cow_counts_each_position_as_labelled(reviewed, dev_clips: Path):
    assert labels(dev_clips)["cat_cow_a.mp4"]["exercise"] == "cat_cow"
    report = reviewed("cat_cow_a.mp4", "cat_cow")
    s = report["summary"]
    assert s["assessed"] is True
    assert s["reps"] == 3
    assert s["by_direction"]["cow"]["reps"] == 2
    assert s["by_direction"]["cat"]["reps"] == 1
    assert s["faults"] == []
    assert s["partial_reps"] == 0
    directions = [(r["direction"], r["top_s"]) for r in report["reps"]]
    assert [d for d, _ in directions] == ["cow", "cat", "cow"]
    cow1, cat, cow2 = (t for _, t in directions)
    assert 4.8 <= cow1 <= 6.0 and 9.4 <= cat <= 10.5 and 14.0 <= cow2 <= 15.0
    assert report["reps"][-1]["at_clip_end"] is True  # the last cow is held to the end


def test_cat_cow_holds_each_position(reviewed):
    s = reviewed("cat_cow_a.mp4", "cat_cow")["summary"]
    assert s["hold_s"] == pytest.approx(CAT_COW_LONGEST_HOLD_S, abs=0.5)
    assert s["by_direction"]["cow"]["holds"] == 1
    assert s["by_direction"]["cat"]["holds"] == 1
    assert s["by_direction"]["cat"]["best_hold_s"] == pytest.approx(2.6, abs=0.5)
    # the seed asks 5-20 s per position; the demonstration holds about 3
    assert s["meets_target"]["hold"] is False


def test_cat_cow_waits_for_hands_and_knees(reviewed):
    """The clip opens kneeling upright (0-2 s): nothing is judged until the table-top."""
    report = reviewed("cat_cow_a.mp4", "cat_cow")
    first = report["cannot_assess"][0]
    assert first["start_s"] == 0.0 and first["end_s"] < 3.5
    assert "you seem to be kneeling" in first["reason"]
    assert all(r["start_s"] > 2.0 for r in report["reps"])


# -- bird dog -------------------------------------------------------------------------------
#
# Label: 3 reps, arm-reach phases ~1.2-2.4, 4.8-5.6, 7.6-8.8 s, one side only; close camera,
# shins cut off. Frames show the near (right) arm reaching and the far (left) leg lifting
# out of the picture, so the set is the right side (named by the reaching arm). Each reach
# is held about 1 s, under the 2 s that counts as a hold: no holds.
BIRD_DOG_REACHES = [(1.2, 2.4), (4.8, 5.6), (7.6, 8.8)]


def test_bird_dog_counts_the_labelled_reaches(reviewed, dev_clips: Path):
    label = labels(dev_clips)["bird_dog_a.mp4"]
    report = reviewed("bird_dog_a.mp4", "bird_dog")
    s = report["summary"]
    assert s["assessed"] is True
    assert s["side"] == "right"  # chosen from the clip: the right arm reaches
    assert s["reps"] == int(label["reps"]) == 3
    assert s["faults"] == []
    assert s["partial_reps"] == 0
    for rep, (a, b) in zip(report["reps"], BIRD_DOG_REACHES, strict=True):
        # the reach (top to return) overlaps the labelled phase, allowing the label's "~"
        assert rep["top_s"] <= b and rep["end_s"] >= a, (rep, (a, b))
        assert a - 0.3 <= rep["top_s"] <= b


def test_bird_dog_short_reaches_are_not_holds(reviewed):
    s = reviewed("bird_dog_a.mp4", "bird_dog")["summary"]
    assert s["holds"] == 0
    assert s["hold_s"] == pytest.approx(0.0, abs=0.5)
