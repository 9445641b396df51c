"""Clip review end to end: upload a sample clip, check the summary, the plot and the table."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browserkit import ROOT, main_text, screenshot, wait_for_app, wait_until_settled

from formcheck.spec import get_spec, load_specs
from formcheck.video import VideoWriter

SAMPLES = ROOT / "sample_videos"


#: app.py draws this after everything else of a review result (summary, fault table,
#: video, plot, rep table).
RENDERED = "#fc-review-rendered"
ERROR = '[data-testid="stAlertContentError"]'
#: A file listed in the uploader (Streamlit 1.60 shows uploads as "file chips").
UPLOADED = '[data-testid="stFileChip"]'


def wait_for_review(pg: Any, clip_name: str) -> None:
    """Wait until the review of ``clip_name`` (or its error) is on the page in full.

    Not the "Summary" heading: the rest of the result (the fault table, the metrics) comes
    after it, and Streamlit draws a table only once its code has loaded; read at the
    heading, the table could still be missing. The marker is the result's last element,
    and the page must have settled (run over, no element still loading).
    """
    wait_until_settled(pg, f'{RENDERED}[data-clip="{clip_name}"], {ERROR}')


def open_review(pg: Any, app_url: str, exercise: str) -> None:
    """The review page on ``exercise`` (an id), through its deep link."""
    pg.goto(f"{app_url}/review?exercise={exercise}")
    name = get_spec(exercise).name
    pg.get_by_role("heading", name=re.compile(f"Review a clip · {re.escape(name)}")).wait_for()
    # Let that run finish first: a file given to the uploader while the page is still
    # being drawn can be dropped (the button then stays disabled).
    wait_for_app(pg)


def review(pg: Any, app_url: str, clip: Path, exercise: str = "glute_bridge") -> str:
    open_review(pg, app_url, exercise)
    uploader = pg.locator('[data-testid="stFileUploader"]')
    uploader.locator('input[type="file"]').set_input_files(str(clip))
    # Listed (a long name is shortened on screen; its title is the whole name): it is in.
    uploader.locator(f'{UPLOADED} [data-testid="stFileChipName"][title="{clip.name}"]').wait_for()
    pg.get_by_role("button", name=re.compile("Review clip")).click()  # waits until enabled
    wait_for_review(pg, clip.name)
    return main_text(pg)


def test_review_an_uploaded_clip(app_url: str, app_home: Path, page: Any) -> None:
    clip = SAMPLES / "glute_bridge_side_clean.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip.name} is not in sample_videos/")
    truth = json.loads(clip.with_suffix(".json").read_text())
    text = review(page, app_url, clip)
    reps = truth["reps"]
    assert f"{reps} reps, no form faults." in text, text
    assert "target 10-15" in text
    # The upload is gone from the page and the server once reviewed.
    assert "upload deleted" in text
    assert page.locator(UPLOADED).count() == 0  # review() saw it listed before
    assert "Report (JSON)" in text and "Reps (CSV)" in text
    # The annotated video plays in the browser; the plot and the per-rep table are there.
    video = page.locator('[data-testid="stVideo"]')
    assert video.count() == 1
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=\"stVideo\"]');"
        " return v && v.readyState >= 1 && v.duration > 0; }",
        timeout=30_000,
    )
    duration = page.evaluate("document.querySelector('[data-testid=\"stVideo\"]').duration")
    assert abs(duration - truth["duration_s"]) < 0.5
    assert "Over time" in text and "Reps" in text
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(state="attached")
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="attached")
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 1
    # The JSON report downloads and matches what the page says.
    with page.expect_download() as dl:
        page.get_by_role("button", name="Report (JSON)").click()
    report = json.loads(Path(dl.value.path()).read_text())
    assert report["summary"]["reps"] == reps and report["summary"]["exercise"] == "glute_bridge"
    assert saved_reviews(app_home, clip.name) == []  # reviews are not saved unless asked


def saved_reviews(home: Path, clip_name: str) -> list[dict]:
    """The server's saved reviews of ``clip_name``, with their sets' reps and faults."""
    from formcheck.history import HistoryStore

    db = home / "history.db"
    if not db.exists():
        return []
    with HistoryStore(db) as store:
        return store.rows(
            "SELECT s.status, x.reps, (SELECT count(*) FROM faults f WHERE f.set_id = x.id) "
            "AS faults FROM sessions s JOIN sets x ON x.session_id = s.id WHERE s.clip = ?",
            (clip_name,),
        )


def test_review_a_sample_clip_with_faults(app_url: str, app_home: Path, page: Any) -> None:
    """The sample picker; faults are listed with their times, inside the truth's spans.
    Saved to the history on request: the same reps and faults."""
    clip = SAMPLES / "glute_bridge_side_lower_fast.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip.name} is not in sample_videos/")
    truth = json.loads(clip.with_suffix(".json").read_text())
    open_review(page, app_url, "glute_bridge")
    page.get_by_text("Sample clip", exact=True).click()
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=clip.name).click()
    page.get_by_text("Save this review in my history").click()
    page.get_by_role("button", name=re.compile("Review clip")).click()
    wait_for_review(page, clip.name)
    assert page.locator(ERROR).count() == 0, main_text(page)
    n_faults = sum(len(spans) for spans in truth["faults"].values())
    assert saved_reviews(app_home, clip.name) == [
        {"status": "finished", "reps": truth["reps"], "faults": n_faults}
    ]
    table = page.locator('[data-testid="stTable"]')
    assert table.count() == 1  # the fault table
    text = main_text(page)
    assert f"{truth['reps']} reps, {n_faults} form faults." in text, text
    times = [
        int(m) * 60 + float(s)
        for m, s in re.findall(r"(\d+):(\d\d\.\d)\s+Lower slowly", table.inner_text())
    ]
    assert len(times) == n_faults, text
    for t, (start, end) in zip(sorted(times), truth["faults"]["lower_slowly"], strict=True):
        assert start - 0.5 <= t <= end + 0.5, (t, start, end)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(state="attached")
    page.get_by_role("heading", name="Summary").scroll_into_view_if_needed()
    screenshot(page, "review", height=1500)


def test_review_a_clip_without_a_person(app_url: str, page: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty_room.mp4"
    rng = np.random.default_rng(0)
    with VideoWriter(empty, 15.0, (320, 240)) as w:
        for _ in range(30):
            w.write(rng.integers(90, 110, size=(240, 320, 3), dtype=np.uint8))
    text = review(page, app_url, empty)
    assert "Could not assess this clip: no person was found in the video." in text
    assert "Traceback" not in text


def test_review_a_clip_of_another_exercise(app_url: str, page: Any) -> None:
    """A glute bridge reviewed as the standing hip hike: the posture gate never opens, so the
    page says why instead of counting (it used to assess the few frames with a front view)."""
    clip = SAMPLES / "glute_bridge_side_clean.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip.name} is not in sample_videos/")
    text = review(page, app_url, clip, exercise="standing_hip_hike")
    assert (
        "Could not assess this clip: This doesn't look like a standing hip hike: "
        "you seem to be lying on your back" in text
    )
    assert "Traceback" not in text


def test_review_a_file_that_is_not_a_video(app_url: str, page: Any, tmp_path: Path) -> None:
    broken = tmp_path / "holiday.mp4"
    broken.write_bytes(b"this is not a video\n" * 100)
    text = review(page, app_url, broken)
    assert "Summary" not in text and "Traceback" not in text
    error = page.locator('[data-testid="stAlertContentError"] [data-testid="stMarkdownContainer"]')
    message = error.inner_text().strip()
    assert message.startswith("cannot read holiday.mp4 as a video"), message
    assert "\n" not in message and "/tmp" not in message  # one actionable line, no temp path


def hold_only_clip(tmp_dir: Path) -> tuple[Path, str]:
    """A clip of a hold-only exercise and its exercise id: a sample from sample_videos/ (one
    without sides first), else one rendered now from the exercise's clean scenario."""
    specs = load_specs()
    hold_only = {i: s for i, s in specs.items() if s.hold_only}
    if not hold_only:
        pytest.skip("no hold-only exercise in exercise_specs/")
    samples = []
    for truth in sorted(SAMPLES.glob("*.json")):
        exercise = json.loads(truth.read_text()).get("exercise")
        clip = truth.with_suffix(".mp4")
        if exercise in hold_only and clip.is_file() and "clean" in clip.stem:
            samples.append((hold_only[exercise].has_sides, clip.name, clip, exercise))
    if samples:
        _, _, clip, exercise = min(samples)
        return clip, exercise
    # No sample yet: render one (about 1-2 minutes), one side at most.
    exercise = min(hold_only, key=lambda i: (hold_only[i].has_sides, i))
    clip = tmp_dir / f"{exercise}_clean.mp4"
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", "synth", exercise, "-o", str(clip)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot render a {exercise} clip: {done.stderr.strip()[-300:]}")
    return clip, exercise


def test_review_a_hold_only_exercise(app_url: str, page: Any, tmp_path: Path) -> None:
    """A stretch whose holds are its repetitions: the summary counts holds against the
    prescription (number and length), the holds table lists them, there is no reps table."""
    clip, exercise = hold_only_clip(tmp_path)
    spec = get_spec(exercise)
    truth = json.loads(clip.with_suffix(".json").read_text())
    held = truth["hold_s"]
    assert held, f"{clip.name}: its truth has no holds"
    text = review(page, app_url, clip, exercise=exercise)
    assert page.locator(ERROR).count() == 0, text
    m = re.search(r"(\d+) holds?, best (\d+\.\d) s, (no|\d+) form faults?\.", text)
    assert m is not None, text
    assert int(m.group(1)) == len(held), (m.group(0), held)
    assert abs(float(m.group(2)) - max(held)) <= 1.0, (m.group(0), held)
    target = spec.prescription.hold_target_s
    assert f"Holds of {target:g} s" in text and "Best hold" in text
    assert "Holds" in page.get_by_role("heading", level=3).all_inner_texts()
    assert "Reps" not in page.get_by_role("heading", level=3).all_inner_texts()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="attached")
    # The report agrees: for a hold-only exercise its reps are the counted holds.
    with page.expect_download() as dl:
        page.get_by_role("button", name="Report (JSON)").click()
    summary = json.loads(Path(dl.value.path()).read_text())["summary"]
    assert summary["exercise"] == exercise and summary["reps"] == summary["holds"] == len(held)
    # Its CSV is the holds table (a reps table would be empty).
    with page.expect_download() as dl:
        page.get_by_role("button", name="Holds (CSV)").click()
    rows = Path(dl.value.path()).read_text().splitlines()
    assert rows[0] == "side,start_s,end_s,held_s,counted,direction" and len(rows) > len(held)
    page.get_by_role("heading", name="Summary").scroll_into_view_if_needed()
    screenshot(page, "review_holds", height=1200)
