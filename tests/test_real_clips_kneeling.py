"""The kneeling stretches end to end on a real clip (../shared/clips/dev; skipped without).

`formcheck review` runs the real MediaPipe model; the clip is reviewed once per module.
There is no real clip of the Ki-Hara quad or hamstring stretch; their scenarios and samples
cover them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clipkit import labels, review

pytestmark = pytest.mark.slow

_CACHE: dict[tuple[str, str, str | None], dict] = {}


@pytest.fixture(scope="module")
def reviewed(dev_clips: Path, tmp_path_factory: pytest.TempPathFactory):
    def get(clip: str, exercise: str, side: str | None = None) -> dict:
        key = (clip, exercise, side)
        if key not in _CACHE:
            out = tmp_path_factory.mktemp(Path(clip).stem)
            extra = ("--side", side) if side else ()
            _CACHE[key] = review(dev_clips / clip, exercise, out, *extra)
        return _CACHE[key]

    return get


def test_kneeling_hip_flexor_hold_lasts_the_clip(reviewed, dev_clips: Path):
    """kneeling_hip_flexor_a: 'half-kneeling lunge with arm raise; held'. Frames (0.5 s
    apart): she is in the lunge, torso upright, from the first frame to the last (10.0 s),
    raising one arm at ~2.5 s. The hold starts when the posture check confirms the lunge
    (0.67 s of frames) and runs to the end: about 9.3 s, with no fault."""
    assert labels(dev_clips)["kneeling_hip_flexor_a.mp4"]["exercise"] == (
        "kneeling_hip_flexor_stretch"
    )
    report = reviewed("kneeling_hip_flexor_a.mp4", "kneeling_hip_flexor_stretch", "left")
    s = report["summary"]
    assert s["assessed"] is True
    assert s["holds"] == 1
    assert s["hold_s"] == pytest.approx(9.3, abs=0.5)
    assert s["faults"] == []
    assert report["holds"][0]["start_s"] < 1.2


def test_a_held_lunge_is_no_ki_hara_rep(reviewed):
    """The same still lunge as a Ki-Hara quad stretch: the hips don't travel, nothing counts."""
    s = reviewed("kneeling_hip_flexor_a.mp4", "kihara_quad_stretch", "left")["summary"]
    assert s["reps"] == 0 and s["faults"] == [] and s["partial_reps"] == 0
