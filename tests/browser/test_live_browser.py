"""Live coaching end to end: sample clips as Chromium's fake camera, through WebRTC, with
the browser's speech recorded (``speechSynthesis.speak`` is wrapped in an init script).

Chromium loops a fake-camera file, so the clips are padded: their first frame is
repeated for LEAD_S before (WebRTC connecting, the camera check and the 3-2-1 all
happen on still frames) and their last frame for TRAIL_S after (the margin before the
file could loop). Nothing is timed by the wall clock: the tests wait for what the page
shows or says, and read the clock the page shows (the frames' own time).
"""

from __future__ import annotations

import json
import os
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
from composekit import centres, still_y4m

from formcheck.coaching import PEOPLE_NOTICE
from formcheck.video import to_y4m
from formcheck.voice import PEOPLE_LINE

CLIP = ROOT / "sample_videos" / "glute_bridge_side_clean.mp4"
#: A front view of a standing exercise: the wrong view for a squat, which wants the side.
FRONT_CLIP = ROOT / "sample_videos" / "standing_hip_hike_right_clean.mp4"
#: The live page on the clip's exercise (one exercise: its whole prescription).
LIVE = "/?exercise=glute_bridge"
#: Still frames before the clip: WebRTC connects (1-3 s), the camera check (1-2 s) and
#: the 3-2-1 (3 s) all happen before the clip's first rep.
LEAD_S = 12.0
#: Still frames after it: the margin before the file loops (about 14 MB per second).
TRAIL_S = 40.0
#: Failure bound only (a broken stream); the checks themselves never wait on the clock.
GIVE_UP_MS = int(os.environ.get("FC_GIVE_UP_MS", "300000"))
# Runs in every frame: records what the page speaks, and keeps the camera stream so a test
# can stop its track, the way a camera that is unplugged or taken by another app stops.
INIT = """
(() => {
  const said = [];
  window.__fcSaid = said;
  if (window.speechSynthesis) {
    const synth = window.speechSynthesis;
    synth.speak = (u) => { said.push(u.text); };
  }
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
#: The panel, read in one go.
READ_PANEL = """() => {
  const text = (id) => { const e = document.getElementById(id); return e ? e.innerText : ''; };
  return {count: text('fc-count'), label: text('fc-count-label'), cue: text('fc-cue'),
          where: text('fc-where'), foot: text('fc-foot'), hold: text('fc-hold'),
          notices: text('fc-notices'), said: window.__fcSaid ? [...window.__fcSaid] : []};
}"""
TIME_RE = re.compile(r"Time (\d+):(\d\d(?:\.\d+)?)")


@dataclass(frozen=True)
class FakeCamera:
    y4m: Path
    reps: int  # the clip's true count
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


def _camera(src: Path, tmp: Path, lead_s: float = LEAD_S) -> FakeCamera:
    if not src.is_file():
        pytest.skip(f"{src.name} is not in sample_videos/")
    truth = json.loads(src.with_suffix(".json").read_text())
    y4m = tmp / "camera.y4m"
    _, total, fps = padded_y4m(src, y4m, lead_s, TRAIL_S)
    return FakeCamera(y4m, int(truth["reps"]), total / fps)


@pytest.fixture(scope="module")
def fake_camera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeCamera]:
    cam = _camera(CLIP, tmp_path_factory.mktemp("camera"))
    yield cam
    cam.y4m.unlink(missing_ok=True)  # ~1 GB: do not leave it in pytest's kept temp dirs


def open_live(playwright_instance: Any, url: str, cam: FakeCamera, viewport=(1400, 1000)):
    browser = launch_chromium(
        playwright_instance,
        ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={cam.y4m}"],
    )
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.add_init_script(INIT)
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.goto(url)
    wait_for_app(pg, "#fc-count")
    return browser, pg


def upload_routine(pg: Any, tmp_path: Path, text: str, name: str) -> None:
    """Choose "A routine" in the sidebar and upload a routine file."""
    path = tmp_path / "mine.toml"
    path.write_text(text)
    sidebar = pg.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("A routine", exact=True).click()
    wait_for_app(pg, '[data-testid="stFileUploaderDropzoneInput"]')
    sidebar.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    pg.get_by_role("heading", name=name).wait_for(timeout=60_000)
    wait_for_app(pg, "#fc-count")


def start(pg: Any) -> None:
    pg.frame_locator('iframe[title*="webrtc_streamer"]').get_by_role("button", name="Start").click()


def wait_for(pg: Any, js_condition: str, timeout_ms: int = GIVE_UP_MS) -> dict:
    """Wait until ``js_condition`` (a function of the panel, ``p``) holds; the panel then."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        pg.wait_for_function(
            f"() => {{ const p = ({READ_PANEL})(); return ({js_condition}) ? p : null; }}",
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        screenshot(pg, "failed_wait", height=1000)
        pytest.fail(f"the page never showed {js_condition}; it shows {pg.evaluate(READ_PANEL)}")
    panel: dict = pg.evaluate(READ_PANEL)
    return panel


def stop_camera(pg: Any) -> None:
    """Stop the page's camera track (as an unplugged camera would): no frame comes after."""
    frame = pg.locator('iframe[title*="webrtc_streamer"]').element_handle().content_frame()
    assert frame.evaluate("() => window.__fcStopCamera()") >= 1


def test_a_live_set_ends_at_its_target_and_is_spoken(
    app_url: str, playwright_instance: Any, fake_camera: FakeCamera, tmp_path: Path
) -> None:
    """A routine file with one bridge set of the clip's reps: the camera check and the
    3-2-1 on the still lead-in, every rep spoken, then "set done" at the target."""
    cam = fake_camera
    n = cam.reps
    routine = (
        'schema_version = 1\nid = "mine"\nname = "Bridge test"\n'
        f'[[exercise]]\nid = "glute_bridge"\nsets = 1\nreps = {n}\n'
    )
    browser, pg = open_live(playwright_instance, app_url + LIVE, cam)
    try:
        upload_routine(pg, tmp_path, routine, "Bridge test")
        assert pg.locator("#fc-count").inner_text() == f"0 / {n}"
        start(pg)
        panel = wait_for(pg, "p.label === 'get ready'")  # the camera check passed: 3-2-1
        assert panel["count"] in ("3", "2", "1")
        wait_for(pg, "p.label === 'reps'")
        wait_for(pg, f"p.count === '{n - 1} / {n}'")
        screenshot(pg, "live", height=1000)
        wait_for(pg, "p.cue.startsWith('Routine complete')")
        # the page draws the panel, then hands the new line to the speech synthesis
        panel = wait_for(pg, "p.said.some((s) => s.includes('Set done'))")
        said = panel["said"]
        assert said[0] == "Glute bridge", said
        go = said.index("Go")
        assert [s for s in said[:go] if s in ("3", "2", "1")] == ["3", "2", "1"], said
        # a problem with the position may be said before the 3-2-1, never after it
        assert not any(s.startswith(("Get into", "Step", "Turn")) for s in said[go:]), said
        print("\nspoken:", said)
        assert [s for s in said[go:] if s.isdigit()] == [str(k) for k in range(1, n)], said
        assert said[-1] == f"{n}. Set done. Routine complete. Well done", said
        assert panel["count"] == f"{n} / {n}"
        time_read = TIME_RE.search(panel["foot"])
        assert time_read is not None, panel
        # End: the summary keeps the set, with its downloads
        pg.get_by_role("button", name="End").click()
        pg.get_by_text("set(s) recorded").wait_for(timeout=60_000)
        wait_for_app(pg)
        text = main_text(pg)
        assert "Bridge test: 1 set(s) recorded." in text
        pg.get_by_text("Glute bridge, set 1").click()
        wait_for_app(pg)
        assert "Report (JSON)" in main_text(pg)
    finally:
        browser.close()


ROUTINE_2 = """
schema_version = 1
id = "two"
name = "Two exercises"
change_s = 4
[[exercise]]
id = "glute_bridge"
sets = 1
reps = 1
[[exercise]]
id = "pelvic_tilt"
reps = 5
"""


def test_a_routine_moves_through_a_rest_into_the_next_exercise_and_mute_silences(
    app_url: str, playwright_instance: Any, fake_camera: FakeCamera, tmp_path: Path
) -> None:
    cam = fake_camera
    browser, pg = open_live(playwright_instance, app_url + LIVE, cam)
    try:
        upload_routine(pg, tmp_path, ROUTINE_2, "Two exercises")
        assert "exercise 1 of 2" in pg.locator("#fc-where").inner_text()
        pg.get_by_text("Mute voice").click()
        wait_for_app(pg, "#fc-count")
        start(pg)
        panel = wait_for(pg, "p.label === 'reps'")  # counting, and nothing said
        assert panel["said"] == [], panel
        panel = wait_for(pg, "p.label === 'next exercise'")  # the set is done: a rest
        assert panel["said"] == [], panel
        assert re.fullmatch(r"0:0[0-4]", panel["count"]), panel
        assert "Next: Pelvic tilt" in panel["cue"] and "Set done (1 / 1 reps)" in panel["cue"]
        # voice back on: the next lines are spoken
        pg.get_by_text("Mute voice").click()
        panel = wait_for(pg, "p.where.startsWith('Pelvic tilt') && p.label !== 'next exercise'")
        assert "exercise 2 of 2" in panel["where"], panel
        panel = wait_for(pg, "p.said.includes('Go')")  # its 3-2-1, spoken
        assert not any("Set done" in line for line in panel["said"]), panel  # muted: never
        # the camera goes away: the page says so and keeps the routine
        stop_camera(pg)
        pg.get_by_text("The camera stopped sending video").wait_for(timeout=60_000)
        # stop for pain: recorded, and nothing more is asked
        pg.get_by_role("button", name="Stop — pain").click()
        pg.get_by_text("Stopped: pain increased").wait_for(timeout=60_000)
        wait_for_app(pg)
        text = main_text(pg)
        assert "Your sets so far are kept" in text and "Glute bridge" in text
    finally:
        browser.close()


def test_the_camera_check_reports_the_wrong_view(
    app_url: str, playwright_instance: Any, tmp_path: Path
) -> None:
    """A hip hike filmed from the front, on the squat (which wants a side view): the check
    says to turn side-on, on screen and aloud, and nothing is counted."""
    cam = _camera(FRONT_CLIP, tmp_path, lead_s=2.0)
    browser, pg = open_live(playwright_instance, app_url + "/?exercise=squat_lift", cam)
    try:
        start(pg)
        panel = wait_for(pg, "p.cue === 'Turn side-on to the camera'")
        assert panel["label"] == "get in position"
        panel = wait_for(pg, "p.said.includes('Turn side-on to the camera')")
        screenshot(pg, "live_camera_check", height=1000)
        assert panel["count"] == "…"
    finally:
        browser.close()
        cam.y4m.unlink(missing_ok=True)


def test_another_person_in_view_is_warned_under_the_cue(
    app_url: str, playwright_instance: Any, tmp_path: Path
) -> None:
    """Two people standing side by side (two sample clips' middles, one still picture that
    Chromium's fake camera loops): the person detector finds the other one, and the panel
    warns under the cue, in the report's words, and says it once."""
    squat, hike = ROOT / "sample_videos" / "squat_lift_clean.mp4", FRONT_CLIP
    for clip in (squat, hike):
        if not clip.is_file():
            pytest.skip(f"{clip.name} is not in sample_videos/")
    y4m = still_y4m(centres(squat, hike, at_s=1.0), tmp_path / "two.y4m", seconds=2.0)
    cam = FakeCamera(y4m, 0, 2.0)
    browser, pg = open_live(playwright_instance, app_url + "/?exercise=squat_lift", cam)
    try:
        assert pg.locator("#fc-notices").count() == 0
        start(pg)
        panel = wait_for(pg, "p.notices.includes('More than one person in view')")
        assert panel["notices"] == PEOPLE_NOTICE, panel
        assert panel["cue"] and panel["cue"] != panel["notices"], panel  # the cue keeps its slot
        screenshot(pg, "live_two_people", height=1000)
        panel = wait_for(pg, f"p.said.includes('{PEOPLE_LINE}')")
        assert panel["said"].count(PEOPLE_LINE) == 1, panel
    finally:
        browser.close()


def test_the_coaching_view_is_readable_on_a_phone_and_from_the_floor(
    app_url: str, browser: Any
) -> None:
    """The count and the cue are on the first screen of a phone, and the numbers are at
    least a tenth of the viewport's height on a laptop and on a phone."""
    for name, (w, h) in {"live_wide": (1400, 1000), "live_phone": (390, 844)}.items():
        context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=w < 500)
        pg = context.new_page()
        icons: list[tuple[int, str]] = []
        pg.on(
            "response",
            lambda r, seen=icons: seen.append((r.status, r.url)) if "icon" in r.url else None,
        )
        pg.goto(app_url + LIVE)
        wait_for_app(pg, "#fc-cue")
        count = pg.locator("#fc-count").bounding_box()
        cue = pg.locator("#fc-cue").bounding_box()
        assert count is not None and cue is not None
        assert count["y"] >= 0 and count["y"] + count["height"] <= h, (name, count)
        assert cue["y"] + cue["height"] <= h, (name, cue)
        size = pg.evaluate(
            "() => parseFloat(getComputedStyle(document.getElementById('fc-count')).fontSize)"
        )
        assert size >= 0.1 * h, (name, size)
        screenshot(pg, name, height=h, max_width=w if w < 500 else 1100)
        # the page icon is served from this machine, on the first load too
        assert icons and all(status == 200 for status, _ in icons), icons
        assert all(url.startswith(app_url) for _, url in icons), icons
        # full screen: the coaching view alone (video, numbers, cue) fills the screen
        pg.locator("#fc-fullscreen").click()
        pg.wait_for_function("() => !!document.fullscreenElement")
        assert "st-key-fc-coach" in pg.evaluate("() => document.fullscreenElement.className")
        context.close()


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
            context.add_init_script(INIT)
            pg = context.new_page()
            pg.goto(url + LIVE)
            wait_for_app(pg, "#fc-count")
            assert pg.evaluate("window.isSecureContext") is True
            assert "Browsers only allow the camera" not in main_text(pg)
            start(pg)
            # The clip comes back through the LAN connection: the camera check passes and
            # the first rep is counted.
            panel = wait_for(pg, "p.count.startsWith('1 /')")
            assert panel["label"] == "reps" and panel["said"][:1] == ["Glute bridge"], panel
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
        wait_for_app(pg, "#fc-count")
        assert pg.evaluate("window.isSecureContext") is False
        text = main_text(pg)
        assert "Browsers only allow the camera on https:// or localhost" in text
        assert "--server.sslCertFile" in text
        pg.context.close()


def test_live_panel_fits_every_spec_shape(app_url: str, page: Any) -> None:
    """Before a set (no camera needed): a hold-only exercise counts holds of the prescribed
    time, a two-way one shows each way, a per-side one the side picker, a rep set no hold."""
    from formcheck.app.coach_view import coach_view
    from formcheck.routine import single
    from formcheck.spec import load_specs

    specs = load_specs()
    shapes = {
        "hold-only": [s for s in specs.values() if s.hold_only],
        "two-way": [s for s in specs.values() if s.directions],
        "per side": [s for s in specs.values() if s.has_sides and not s.is_timer],
        "reps": [s for s in specs.values() if s.reps and not s.hold_only and s.hold],
    }
    seen = []
    for shape, found in shapes.items():
        if not found:
            continue
        spec = min(found, key=lambda s: s.id)
        page.goto(f"{app_url}/?exercise={spec.id}")
        wait_for_app(page, "#fc-count")
        heading = page.get_by_role("heading", level=1).inner_text()
        assert spec.name in heading, (shape, heading)
        side = spec.prescription.sides[0] if spec.has_sides else None
        view = coach_view(None, False, single(spec, side))
        assert page.locator("#fc-count").inner_text() == view.count, shape
        assert page.locator("#fc-count-label").inner_text() == view.count_label, shape
        if spec.hold_only:
            assert view.count_label.startswith("holds of")
        if shape == "reps":
            assert view.count_label == "reps" and page.locator("#fc-hold").count() == 0
        if spec.directions:
            assert page.locator("#fc-directions").inner_text() == view.directions != ""
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert (sidebar.get_by_text("Working side").count() == 1) == spec.has_sides, shape
        if shape == "two-way":
            screenshot(page, "live_two_way", height=700)
        seen.append(shape)
    assert seen, "no spec of these shapes in exercise_specs/"


def test_a_tab_closed_mid_set_leaves_the_set_in_the_history(
    playwright_instance: Any, fake_camera: FakeCamera, tmp_path: Path, history_home: Path
) -> None:
    """Close the tab after the first rep: the server keeps the set, marked interrupted with
    its reps, and a new tab's Progress page finds it. (Its own server, with this test's
    FORMCHECK_HOME.)"""
    from formcheck.history import HistoryStore
    from formcheck.history.query import HistoryView

    with run_app(tmp_path / "streamlit.log") as url:
        browser, pg = open_live(playwright_instance, url + LIVE, fake_camera)
        try:
            start(pg)
            panel = wait_for(pg, "p.label === 'reps' && /^[1-9]/.test(p.count)")
            seen = int(panel["count"].split("/")[0])
            pg.context.close()  # the tab (and its browser window) goes away mid-set
            db = history_home / "history.db"
            deadline = GIVE_UP_MS / 1000
            waited, view = 0.0, None
            while waited < deadline:  # until the server has noticed (a state, not a time)
                if db.exists():
                    with HistoryStore(db) as store:
                        view = HistoryView(store, days=None)
                        sets = [x for x in view.sets if x["status"] == "interrupted"]
                        if sets and sets[0]["stop_reason"]:
                            break
                time.sleep(0.5)
                waited += 0.5
            else:
                pytest.fail(f"the set was never marked interrupted: {view and view.sets}")
            (row,) = view.sets
            assert row["exercise"] == "glute_bridge" and row["reps"] >= seen
            assert "closed" in row["stop_reason"]
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            pg2 = context.new_page()
            pg2.set_default_timeout(60_000)
            pg2.goto(url + "/progress")
            wait_for_app(pg2)
            text = main_text(pg2)
            assert "interrupted" in text, text[:2000]
            screenshot(pg2, "progress_after_closed_tab", height=1000)
        finally:
            browser.close()
