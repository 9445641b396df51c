"""Live coaching end to end: a sample clip as Chromium's fake camera, through WebRTC.

Chromium loops a fake-camera file, so a test that keeps reading after the clip ends
sees the second pass add reps. Nothing here is timed by the wall clock:

* The clip (converted to .y4m) is padded with its first frame for LEAD_S before and
  its last frame for TRAIL_S after, so a whole pass lasts far longer than a test
  needs: on a loaded machine the count still cannot reach the loop.
* The count is read at a *stream* time, from the page's "Set time" (the frames' own
  timestamps, see formcheck.live): once the set has run SETTLE_S past the end of the
  clip, every rep in it has been seen and the padding adds none.
* Two checks make the margins explicit instead of hoping: the camera started before
  the clip's first rep (else the lead-in was too short), and the camera was stopped
  before the file could loop (else the padding was too short). Both use the fact
  that a file camera can fall behind the wall clock but never run ahead of it.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browserkit import ROOT, launch_chromium, main_text, run_app, screenshot, wait_for_app

from formcheck.video import to_y4m

CLIP = ROOT / "sample_videos" / "glute_bridge_side_clean.mp4"
#: The live page (the app's default page) on the clip's exercise.
LIVE = "/?exercise=glute_bridge"
#: Still frames before the clip: WebRTC connects in about 1 s on an idle machine.
LEAD_S = 6.0
#: Still frames after it: the margin before the file loops (about 14 MB per second).
TRAIL_S = 45.0
#: Stream time past the clip's end before the count is read.
SETTLE_S = 6.0
#: Failure bound only (a broken stream); the checks themselves never wait on the clock.
GIVE_UP_S = 300.0
REPS_RE = re.compile(r"Reps (\d+) / (\d+)")
# Runs in every frame (the WebRTC component is an iframe): keeps the camera stream so a
# test can stop its track, the way a camera that is unplugged or taken by another app stops.
KEEP_CAMERA_STREAM = """
(() => {
  const md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) return;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    window.__fcStream = stream;
    return stream;
  };
  window.__fcStopCamera = () => {
    const tracks = window.__fcStream ? window.__fcStream.getVideoTracks() : [];
    tracks.forEach((t) => t.stop());
    return tracks.length;
  };
})();
"""
SET_TIME_RE = re.compile(r"Set time (\d+):(\d\d(?:\.\d+)?)")
#: The reps tile and the footer's set time, read in one go.
READ_PANEL = """() => {
  const reps = document.querySelector('#fc-reps');
  const main = document.querySelector('[data-testid="stMain"]');
  return [reps ? reps.innerText : '', main ? main.innerText : ''];
}"""
#: True once the footer's set time is at least ``min_s`` seconds.
SET_TIME_AT_LEAST = """(min_s) => {
  const m = /Set time (\\d+):(\\d\\d(?:\\.\\d+)?)/.exec(document.body.innerText);
  return !!m && Number(m[1]) * 60 + Number(m[2]) >= min_s;
}"""


@dataclass(frozen=True)
class FakeCamera:
    y4m: Path
    reps: int  # the clip's true count
    first_rep: tuple[float, float]  # (start, end) of its first rep, in clip time
    clip_s: float  # the clip's length inside the file (from LEAD_S on)
    loop_s: float  # the whole file: Chromium starts again from its first frame here


def padded_y4m(src: Path, dst: Path, lead_s: float, trail_s: float) -> tuple[int, int, float]:
    """Convert ``src`` to 640x480 y4m with its first frame repeated for ``lead_s`` before and
    its last frame for ``trail_s`` after. Streams frame by frame (the file is ~1 GB).
    Returns (clip frames, all frames, fps)."""
    raw = dst.with_suffix(".raw.y4m")
    to_y4m(src, raw, size=(640, 480))
    try:
        with open(raw, "rb") as f:
            header = f.readline()
            fields = dict((t[:1], t[1:]) for t in header.split()[1:])
            w, h = int(fields[b"W"]), int(fields[b"H"])
            num, den = (int(x) for x in fields[b"F"].split(b":"))
            fps = num / den
            frame_len = len(b"FRAME\n") + w * h * 3 // 2
            lead, trail = round(lead_s * fps), round(trail_s * fps)
            n = 0
            with open(dst, "wb") as out:
                out.write(header)
                last = b""
                while frame := f.read(frame_len):
                    assert len(frame) == frame_len and frame.startswith(b"FRAME"), "bad y4m"
                    for _ in range(lead if n == 0 else 0):
                        out.write(frame)
                    out.write(frame)
                    last, n = frame, n + 1
                assert n > 0, "empty clip"
                for _ in range(trail):
                    out.write(last)
    finally:
        raw.unlink(missing_ok=True)
    return n, lead + n + trail, fps


@pytest.fixture(scope="module")
def fake_camera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeCamera]:
    if not CLIP.is_file():
        pytest.skip(f"{CLIP.name} is not in sample_videos/")
    truth = json.loads(CLIP.with_suffix(".json").read_text())
    y4m = tmp_path_factory.mktemp("camera") / "camera.y4m"
    n, total, fps = padded_y4m(CLIP, y4m, LEAD_S, TRAIL_S)
    (start, end), *_ = truth["rep_times"]
    yield FakeCamera(y4m, int(truth["reps"]), (start, end), clip_s=n / fps, loop_s=total / fps)
    y4m.unlink(missing_ok=True)  # ~1 GB: do not leave it in pytest's kept temp dirs


def read_panel(pg: Any) -> tuple[int | None, float | None]:
    """(reps shown, set time shown in seconds); None for what the page does not show yet."""
    reps_text, main = pg.evaluate(READ_PANEL)
    m = REPS_RE.search(reps_text)
    t = SET_TIME_RE.search(main)
    return (
        int(m.group(1)) if m else None,
        int(t.group(1)) * 60 + float(t.group(2)) if t else None,
    )


@dataclass
class SetWatch:
    """What the page showed while the set ran, against the test's own clock."""

    started: float  # monotonic time of the Start click (the camera starts after it)
    history: list[tuple[float, int]]  # (set time, reps) each time the count changed
    first_frame_by_s: float  # camera time of the set's first frame is at most this
    reps: int | None = None


def watch_set(pg: Any, started: float, until_set_s: float, on_reading: Any = None) -> SetWatch:
    """Poll the panel until the set time reaches ``until_set_s``; return what was seen.

    ``first_frame_by_s``: each reading at wall time W (since Start) showing set time T
    bounds the camera time of the set's first frame by W - T (the frame shown was
    captured no later than W, and T after the first). A file camera's position is never
    ahead of its wall time, so the set saw the file from at most this point on.
    """
    watch = SetWatch(started, [], float("inf"))
    while True:
        reps, set_t = read_panel(pg)
        wall = time.monotonic() - started
        if set_t is not None:
            watch.first_frame_by_s = min(watch.first_frame_by_s, wall - set_t)
            if reps is not None and (not watch.history or watch.history[-1][1] != reps):
                watch.history.append((set_t, reps))
            if on_reading is not None:
                on_reading(reps, set_t)
            if set_t >= until_set_s:
                watch.reps = reps
                return watch
        if wall > GIVE_UP_S:
            pytest.fail(f"set time never reached {until_set_s:.1f} s; seen {watch.history}")
        time.sleep(0.25)


def stop_camera(pg: Any) -> None:
    """Stop the page's camera track (as an unplugged camera would): no frame comes after."""
    frame = pg.locator('iframe[title*="webrtc_streamer"]').element_handle().content_frame()
    assert frame.evaluate("() => window.__fcStopCamera()") >= 1


def test_live_counts_the_clips_reps(
    app_url: str, playwright_instance: Any, fake_camera: FakeCamera
) -> None:
    cam = fake_camera
    truth, loop_s = cam.reps, cam.loop_s
    first_rise_s = LEAD_S + cam.first_rep[0]  # in the camera file's time
    browser = launch_chromium(
        playwright_instance,
        ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={cam.y4m}"],
    )
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(KEEP_CAMERA_STREAM)
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(app_url + LIVE)
        wait_for_app(pg, "#fc-reps")
        text = main_text(pg)
        assert "Live coaching" in text and "Camera." in text and "Prescription." in text
        assert "Reps 0 / 10" in text
        component = pg.frame_locator('iframe[title*="webrtc_streamer"]')
        component.get_by_role("button", name="Start set").click()
        started = time.monotonic()

        # Read the count once the set's own clock is SETTLE_S past the end of the clip.
        shot: dict[str, float] = {}

        def mid_set_screenshot(reps: int | None, set_t: float) -> None:
            if reps == truth - 1 and "done" not in shot:  # mid-set, with the overlay
                shot.setdefault("since", set_t)
                if set_t - shot["since"] >= 1.5:
                    screenshot(pg, "live", height=900)
                    shot["done"] = set_t

        watch = watch_set(pg, started, LEAD_S + cam.clip_s + SETTLE_S, mid_set_screenshot)
        stop_camera(pg)  # no frame after this one: the count can no longer change
        stopped_by_s = time.monotonic() - started
        seen = f"count history (set time, reps) {watch.history}"
        assert watch.first_frame_by_s < first_rise_s, (
            f"the set's first frame came at most {watch.first_frame_by_s:.1f} s into the "
            f"camera file, after the clip's first rep began at {first_rise_s:.1f} s: "
            f"make LEAD_S longer; {seen}"
        )
        assert stopped_by_s < loop_s, (
            f"the camera ran {stopped_by_s:.1f} s; the file loops at {loop_s:.1f} s, "
            f"so a second pass may have been counted: make TRAIL_S longer; {seen}"
        )
        assert watch.reps == truth, f"live count {watch.reps}, truth {truth}; {seen}"
        text = main_text(pg)
        assert f"Reps {truth} / 10" in text
        fps = re.search(r"analysing (\d+) frames/s", text)
        assert fps is not None, text
        print(
            f"\nlive reps {watch.reps} (truth {truth}); {seen}; analysed {fps.group(1)} "
            f"frames/s; first frame <= {watch.first_frame_by_s:.1f} s into the file; "
            f"camera stopped {stopped_by_s:.1f} s after Start (file loops at {loop_s:.0f} s)"
        )

        # The camera went away (its track stopped): the page says so and the set is kept.
        pg.get_by_text("The camera stopped sending video").wait_for(timeout=30_000)
        assert f"Reps {truth} / 10" in main_text(pg)

        # Another browser session has its own coach: it has counted nothing.
        other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        other.goto(app_url + LIVE)
        wait_for_app(other, "#fc-reps")
        assert "Reps 0 / 10" in main_text(other) and "Camera off" in main_text(other)
        other.context.close()

        # End the set: the summary keeps what was counted and offers the downloads.
        pg.get_by_role("button", name="End set").click()
        pg.get_by_role("heading", name="Last set").wait_for(timeout=30_000)
        wait_for_app(pg)
        summary = main_text(pg)
        assert re.search(rf"\b{truth} reps?\b", summary), summary
        assert "Report (JSON)" in summary and "Reps (CSV)" in summary

        # A second set, stopped for pain: the reason is recorded and nothing more is asked.
        component.get_by_role("button", name="Start set").click()
        pg.wait_for_function(SET_TIME_AT_LEAST, arg=3.0, timeout=GIVE_UP_S * 1000)
        pg.get_by_role("button", name="Stop — pain").click()
        pg.get_by_text("Set stopped at").wait_for(timeout=30_000)
        wait_for_app(pg)
        summary = main_text(pg)
        assert "pain increased or spread down the leg" in summary
        assert "No more reps were asked for after that." in summary
    finally:
        browser.close()


def lan_address() -> str | None:
    """This machine's primary non-loopback IPv4 address (no packet is sent), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            ip = str(s.getsockname()[0])
        except OSError:
            return None
    return None if ip.startswith("127.") else ip


def test_live_from_another_device_over_https_on_the_lan(
    playwright_instance: Any, fake_camera: FakeCamera, tmp_path: Path
) -> None:
    """The documented LAN setup: bind to 0.0.0.0, serve HTTPS, open the LAN address.

    Browsers only allow the camera in a secure context; WebRTC then connects with
    host candidates only (no STUN/TURN on the internet)."""
    ip = lan_address()
    if ip is None:
        pytest.skip("no non-loopback network interface")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=formcheck-test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    cam = fake_camera
    truth, loop_s = cam.reps, cam.loop_s
    first_rise_s, first_rep_done_s = (LEAD_S + t for t in cam.first_rep)
    with run_app(tmp_path / "streamlit.log", address="0.0.0.0", host=ip, cert=(cert, key)) as url:
        browser = launch_chromium(
            playwright_instance,
            [
                "--ignore-certificate-errors",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={cam.y4m}",
            ],
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_init_script(KEEP_CAMERA_STREAM)
            pg = context.new_page()
            pg.goto(url + LIVE)
            wait_for_app(pg, "#fc-reps")
            assert pg.evaluate("window.isSecureContext") is True
            assert "Browsers only allow the camera" not in main_text(pg)
            pg.frame_locator('iframe[title*="webrtc_streamer"]').get_by_role(
                "button", name="Start set"
            ).click()
            started = time.monotonic()
            # The first rep of the clip comes back through the LAN connection: read the
            # count once the set's clock is SETTLE_S past the end of that rep.
            watch = watch_set(pg, started, first_rep_done_s + SETTLE_S)
            stop_camera(pg)
            stopped_by_s = time.monotonic() - started
            seen = f"count history (set time, reps) {watch.history}"
            assert watch.first_frame_by_s < first_rise_s, (
                f"the set's first frame came at most {watch.first_frame_by_s:.1f} s into "
                f"the file, after the first rep began at {first_rise_s:.1f} s; {seen}"
            )
            assert stopped_by_s < loop_s, f"the file may have looped; {seen}"
            # Later reps may be in already (the set's clock starts when WebRTC connects).
            assert watch.reps is not None and 1 <= watch.reps <= truth, seen
        finally:
            browser.close()


def test_plain_http_on_the_lan_explains_how_to_enable_the_camera(
    browser: Any, tmp_path: Path
) -> None:
    ip = lan_address()
    if ip is None:
        pytest.skip("no non-loopback network interface")
    with run_app(tmp_path / "streamlit.log", address="0.0.0.0", host=ip) as url:
        pg = browser.new_context().new_page()
        pg.goto(url + LIVE)
        wait_for_app(pg, "#fc-reps")
        assert pg.evaluate("window.isSecureContext") is False
        text = main_text(pg)
        assert "Browsers only allow the camera on https:// or localhost" in text
        assert "--server.sslCertFile" in text
        pg.context.close()


def test_live_panel_fits_every_spec_shape(app_url: str, page: Any) -> None:
    """Before a set (no camera needed): a hold-only exercise counts holds against its
    prescription, a two-way one shows a tile per direction, a per-side one the side picker."""
    from formcheck.spec import load_specs
    from formcheck.ui_helpers import LiveStatus, direction_label

    specs = load_specs()
    shapes = {
        "hold-only": [s for s in specs.values() if s.hold_only],
        "two-way": [s for s in specs.values() if s.directions],
        "per side": [s for s in specs.values() if s.has_sides],
    }
    seen = []
    for shape, found in shapes.items():
        if not found:
            continue
        spec = min(found, key=lambda s: s.id)
        page.goto(f"{app_url}/?exercise={spec.id}")
        wait_for_app(page, "#fc-reps")
        heading = page.get_by_role("heading", level=1).inner_text()
        assert spec.name in heading, (shape, heading)
        waiting = LiveStatus.waiting(spec, spec.prescription.sides[0] if spec.has_sides else None)
        assert page.locator("#fc-reps .fc-big").inner_text() == waiting.reps_text, shape
        if spec.hold_only:
            assert waiting.reps_text.startswith("Holds 0")
            assert page.locator("#fc-hold .fc-big").inner_text() == waiting.hold_text
        for d in spec.directions:
            tile = page.locator(f"#fc-dir-{d} .fc-big")
            assert tile.inner_text() == f"{direction_label(d)} 0", shape
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert (sidebar.get_by_text("Working side").count() == 1) == spec.has_sides, shape
        if shape == "two-way":
            screenshot(page, "live_two_way", height=700)
        seen.append(shape)
    assert seen, "no spec of these shapes in exercise_specs/"
