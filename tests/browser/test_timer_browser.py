"""A guided timer in the browser: an exercise the camera can't check gets its instructions,
its plan and a timer to start, pause and reset; no camera starts and nothing is scored.

Nothing here waits on the wall clock: the test waits for the page and the player to reach
states (running, a second gone, paused), each with a generous failure bound.
"""

from __future__ import annotations

from typing import Any

from browserkit import main_text, screenshot, wait_for_app, wait_until_settled

from formcheck.guided import TimerPlan
from formcheck.spec import get_spec
from formcheck.ui_helpers import TIMER_NOTE

EXERCISE = "tfl_stretch"  # two 30 s holds with a side switch
PAGE = "#fc-timer-page"


def _player(page: Any) -> Any:
    frame = page.frame_locator('iframe[title="st.iframe"]').first
    frame.locator("#fc-timer").wait_for()
    return frame


def test_the_timer_plays_its_plan_without_a_camera(app_url: str, page: Any) -> None:
    spec = get_spec(EXERCISE)
    plan = TimerPlan.from_spec(spec)
    page.goto(f"{app_url}/?exercise={EXERCISE}")
    wait_for_app(page)
    wait_until_settled(page, PAGE)
    text = main_text(page)
    assert f"Guided timer · {spec.name}" in text
    assert TIMER_NOTE in text
    for step in spec.instructions:
        assert step in text
    assert page.locator(PAGE).get_attribute("data-steps") == str(len(plan.steps))
    # No camera: no WebRTC component, no Start set button.
    assert page.locator('iframe[title*="webrtc"]').count() == 0
    assert page.get_by_role("button", name="Start set").count() == 0

    player = _player(page)
    label = player.locator("#fc-timer-label")
    left = player.locator("#fc-timer-left")
    assert label.inner_text() == plan.steps[0].label  # "Left side", ready to go
    assert left.inner_text() == "0:30"
    player.locator("#fc-timer-mute").check()  # no speech in the test run
    player.locator("#fc-timer-start").click()
    box = player.locator('#fc-timer[data-state="running"]')
    box.wait_for(timeout=30_000)
    # The countdown moves (a state, however long the busy machine takes to get there).
    player.locator("#fc-timer-left:not(:text-is('0:30'))").wait_for(timeout=60_000)
    assert player.locator("#fc-timer-next").inner_text().startswith("Next: Switch to the right")
    screenshot(page, "timer_running")
    player.locator("#fc-timer-start").click()  # pause
    player.locator('#fc-timer[data-state="paused"]').wait_for(timeout=30_000)
    paused_at = left.inner_text()
    assert player.locator("#fc-timer-start").inner_text() == "Resume"
    assert left.inner_text() == paused_at  # paused: it stays put
    player.locator("#fc-timer-reset").click()
    player.locator('#fc-timer[data-state="ready"]').wait_for(timeout=30_000)
    assert left.inner_text() == "0:30"


def test_the_timer_fits_a_phone(app_url: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?exercise={EXERCISE}")
        wait_for_app(page)
        wait_until_settled(page, PAGE)
        player = _player(page)
        assert player.locator("#fc-timer-left").is_visible()
        # the countdown is on the first screen, no scrolling (the note and title above it)
        box = page.locator('iframe[title="st.iframe"]').first.bounding_box()
        assert box is not None and box["y"] + 0.5 * box["height"] < 844, box
        screenshot(page, "timer_phone", max_width=390)
    finally:
        context.close()


def test_review_page_sends_a_timer_to_the_live_page(app_url: str, page: Any) -> None:
    page.goto(f"{app_url}/review?exercise={EXERCISE}")
    wait_for_app(page)
    text = main_text(page)
    assert "nothing to review" in text
    assert page.get_by_role("link", name="Start the timer").count() == 1
