"""Live coaching end to end: a sample clip as Chromium's fake camera, through WebRTC.

The clip (converted to .y4m) is padded with still rest frames before and after,
because Chromium loops the file: the live count reaches the clip's true count,
then stays there through the padding (and the next pass's lead-in) until the
second pass adds reps. The test asserts the first long plateau of the count.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from browserkit import ROOT, launch_chromium, main_text, run_app, screenshot, wait_for_app

from formcheck.video import to_y4m

CLIP = ROOT / "sample_videos" / "glute_bridge_side_clean.mp4"
LEAD_S = 2.0  # rest frames before the clip (WebRTC takes ~1 s to connect)
TRAIL_S = 8.0  # rest frames after it
PLATEAU_S = 10.0  # longer than any pause between reps in one pass, shorter than the padding gap
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


def padded_y4m(src: Path, dst: Path, lead_s: float, trail_s: float) -> tuple[int, float]:
    """Convert ``src`` to 640x480 y4m with its first frame repeated for ``lead_s`` before and
    its last frame for ``trail_s`` after. Returns (frames, fps)."""
    raw = dst.with_suffix(".raw.y4m")
    to_y4m(src, raw, size=(640, 480))
    data = raw.read_bytes()
    raw.unlink()
    header, _, body = data.partition(b"\n")
    fields = dict((f[:1], f[1:]) for f in header.split()[1:])
    w, h = int(fields[b"W"]), int(fields[b"H"])
    num, den = (int(x) for x in fields[b"F"].split(b":"))
    fps = num / den
    size = w * h * 3 // 2
    frame_len = len(b"FRAME\n") + size
    n = len(body) // frame_len
    assert n * frame_len == len(body), "unexpected y4m layout"
    first, last = body[:frame_len], body[(n - 1) * frame_len :]
    lead, trail = round(lead_s * fps), round(trail_s * fps)
    with open(dst, "wb") as out:
        out.write(header + b"\n")
        out.write(first * lead)
        out.write(body)
        out.write(last * trail)
    return lead + n + trail, fps


@pytest.fixture(scope="module")
def fake_camera(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    if not CLIP.is_file():
        pytest.skip(f"{CLIP.name} is not in sample_videos/")
    truth = json.loads(CLIP.with_suffix(".json").read_text())
    y4m = tmp_path_factory.mktemp("camera") / "camera.y4m"
    padded_y4m(CLIP, y4m, LEAD_S, TRAIL_S)
    return y4m, int(truth["reps"])


def read_reps(pg: Any) -> int | None:
    try:
        text = pg.locator("#fc-reps").inner_text(timeout=2_000)
    except Exception:
        return None
    m = REPS_RE.search(text)
    return int(m.group(1)) if m else None


def test_live_counts_the_clips_reps(
    app_url: str, playwright_instance: Any, fake_camera: tuple[Path, int]
) -> None:
    y4m, truth = fake_camera
    browser = launch_chromium(
        playwright_instance,
        ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={y4m}"],
    )
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(KEEP_CAMERA_STREAM)
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.goto(app_url + "/")
        wait_for_app(pg, "#fc-reps")
        text = main_text(pg)
        assert "Live coaching" in text and "Camera." in text and "Prescription." in text
        assert "Reps 0 / 10" in text
        component = pg.frame_locator('iframe[title*="webrtc_streamer"]')
        component.get_by_role("button", name="Start set").click()

        # Poll the page text; find the first time the count stays put for PLATEAU_S.
        history: list[tuple[float, int]] = []
        t0 = time.monotonic()
        since, value = t0, -1
        plateau: int | None = None
        shot_taken = False
        while time.monotonic() - t0 < 120:
            n = read_reps(pg)
            now = time.monotonic()
            if n is not None and n != value:
                history.append((round(now - t0, 1), n))
                since, value = now, n
            if value == truth - 1 and not shot_taken and now - since > 1.5:
                screenshot(pg, "live", height=900)  # mid-set, with the overlay
                shot_taken = True
            if value > 0 and now - since >= PLATEAU_S:
                plateau = value
                break
            time.sleep(0.25)
        assert plateau is not None, f"the live count never settled: {history}"
        assert plateau == truth, f"live count {plateau}, truth {truth}; history {history}"
        text = main_text(pg)
        assert f"Reps {truth} / 10" in text
        assert "analysing" in text
        fps = re.search(r"analysing (\d+) frames/s", text)
        print(
            f"\nlive reps {plateau} (truth {truth}); count history {history}; "
            f"analysed {fps.group(1) if fps else '?'} frames/s"
        )

        # Another browser session has its own coach: it has counted nothing.
        other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        other.goto(app_url + "/")
        wait_for_app(other, "#fc-reps")
        assert "Reps 0 / 10" in main_text(other) and "Camera off" in main_text(other)
        other.context.close()

        # The camera goes away (its track stops): the page says so and the set is kept.
        frame = pg.locator('iframe[title*="webrtc_streamer"]').element_handle().content_frame()
        assert frame.evaluate("() => window.__fcStopCamera()") >= 1
        pg.get_by_text("The camera stopped sending video").wait_for(timeout=30_000)
        assert f"Reps {truth} / 10" in main_text(pg)

        # End the set: the summary keeps what was counted and offers the downloads.
        pg.get_by_role("button", name="End set").click()
        pg.get_by_role("heading", name="Last set").wait_for(timeout=30_000)
        wait_for_app(pg)
        summary = main_text(pg)
        assert re.search(rf"\b{plateau} reps?\b", summary), summary
        assert "Report (JSON)" in summary and "Reps (CSV)" in summary

        # A second set, stopped for pain: the reason is recorded and nothing more is asked.
        component.get_by_role("button", name="Start set").click()
        pg.wait_for_function(
            "() => /Set time 0:0[3-9]/.test(document.body.innerText)", timeout=60_000
        )
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
    playwright_instance: Any, fake_camera: tuple[Path, int], tmp_path: Path
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
    y4m, _ = fake_camera
    with run_app(tmp_path / "streamlit.log", address="0.0.0.0", host=ip, cert=(cert, key)) as url:
        browser = launch_chromium(
            playwright_instance,
            [
                "--ignore-certificate-errors",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={y4m}",
            ],
        )
        try:
            pg = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            pg.goto(url + "/")
            wait_for_app(pg, "#fc-reps")
            assert pg.evaluate("window.isSecureContext") is True
            assert "Browsers only allow the camera" not in main_text(pg)
            pg.frame_locator('iframe[title*="webrtc_streamer"]').get_by_role(
                "button", name="Start set"
            ).click()
            # The first rep of the clip comes back through the LAN connection (about
            # 8 s after Start on an idle machine; the slack is for a loaded one).
            pg.wait_for_function(
                "() => { const e = document.querySelector('#fc-reps');"
                " return !!e && /Reps [1-9]/.test(e.innerText); }",
                timeout=120_000,
            )
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
        pg.goto(url + "/")
        wait_for_app(pg, "#fc-reps")
        assert pg.evaluate("window.isSecureContext") is False
        text = main_text(pg)
        assert "Browsers only allow the camera on https:// or localhost" in text
        assert "--server.sslCertFile" in text
        pg.context.close()
