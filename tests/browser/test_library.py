"""The exercise library lists every spec with a picture of its position, its view,
prescription and checks, grouped like the sidebar's picker."""

from __future__ import annotations

import re
from typing import Any

from browserkit import screenshot, wait_for_app, wait_until_settled

from formcheck.app.picker import group_exercises
from formcheck.spec import load_specs
from formcheck.ui_helpers import VIEW_LABELS, plain_words, prescription_source

#: library_page draws this after everything else (the pictures included).
RENDERED = "#fc-library-rendered"


def card(page: Any, exercise_id: str) -> Any:
    return page.locator(f".st-key-fc-ex-{exercise_id}")


def test_library_lists_every_spec_with_its_picture(app_url: str, page: Any) -> None:
    specs = load_specs()
    assert specs, "no specs in exercise_specs/"
    page.goto(f"{app_url}/library")
    wait_for_app(page)
    page.get_by_role("heading", name="Exercise library").wait_for()
    page.get_by_text("Show every group").click()
    # Every exercise is on the page, in the picker's order, once the marker lists them all.
    groups = group_exercises(specs.values())
    order = " ".join(i for g in groups for i in g.ids)
    wait_until_settled(page, f'{RENDERED}[data-exercises="{order}"]')
    headings = [h.strip() for h in page.locator('[data-testid="stMain"] h2').all_inner_texts()]
    assert len(headings) == len(groups), headings
    for heading, group in zip(headings, groups, strict=True):
        assert heading.endswith(group.label), (heading, group.label)  # after its icon
    missing_pictures = []
    for spec in specs.values():
        box = card(page, spec.id)
        assert box.count() == 1, f"{spec.id} is missing from the library"
        if spec.is_timer:  # a guided timer films nothing: a placeholder, no picture
            assert "no picture" in (box.text_content() or ""), spec.id
            assert box.locator('[data-testid="stImage"] img').count() == 0
        elif box.locator('[data-testid="stImage"] img').count() != 1:
            missing_pictures.append(spec.id)
        # textContent: the source sits in a closed expander
        text = box.text_content() or ""
        assert spec.name in text
        assert plain_words(spec.camera) in text, f"{spec.id}: camera placement not shown"
        assert ("no camera" if spec.is_timer else VIEW_LABELS[spec.view]) in text
        assert prescription_source(spec) in text, f"{spec.id}: prescription source not shown"
        for rule_id, description in spec.checks():
            what = description.partition(":")[2].strip() or description
            assert what.split("(")[0].strip() in text, f"{spec.id}: check {rule_id} not listed"
        if spec.limits:
            assert plain_words(spec.limits) in text, f"{spec.id}: what is not checked is not shown"
        for step in spec.instructions:
            assert plain_words(step) in text
        # in a user's words: no seed numbers, library or file names
        for word in ("MediaPipe", "Seed 0", "seed 0", "rendered clips", "exercise_catalogue"):
            assert word not in text, (spec.id, word)
    assert not missing_pictures, f"no picture of the position for {missing_pictures}"
    # Each picture is a real image (drawn, not a broken link).
    widths = page.eval_on_selector_all(
        '[data-testid="stImage"] img', "imgs => imgs.map(i => i.naturalWidth)"
    )
    pictured = [s for s in specs.values() if not s.is_timer]
    assert len(widths) >= len(pictured) and all(w > 0 for w in widths), widths


def test_knee_to_chest_is_two_clicks_away(app_url: str, page: Any) -> None:
    """Sidebar: the group, then the exercise; the library shows that group, and the
    choice is in the URL (a deep link) and carries over to the other pages."""
    specs = load_specs()
    target = "knee_to_chest" if "knee_to_chest" in specs else sorted(specs)[0]
    spec = specs[target]
    group = next(g for g in group_exercises(specs.values()) if target in g.ids)
    page.goto(f"{app_url}/library?exercise=standing_hip_hike")  # start somewhere else
    wait_until_settled(page, RENDERED)
    sidebar = page.locator('[data-testid="stSidebar"]')
    groups = sidebar.locator('[data-testid="stButtonGroup"]')  # pills: role radio
    groups.get_by_role("radio", name=re.compile(group.label)).click()  # click 1
    wait_until_settled(page, f".st-key-fc-ex-{group.ids[0]}")
    sidebar.locator('[data-testid="stRadio"]').first.get_by_text(
        spec.name, exact=True
    ).click()  # click 2
    wait_until_settled(page, f".st-key-fc-ex-{target} .fc-selected")
    assert page.url.endswith(f"?exercise={target}"), page.url
    shown = page.locator(RENDERED).get_attribute("data-exercises").split()
    assert shown == list(group.ids)
    card(page, target).scroll_into_view_if_needed()
    screenshot(page, "library", height=1000)
    # The library's own link opens live coaching on that exercise.
    card(page, target).get_by_role("link", name="Coach live").click()
    wait_for_app(page, "#fc-count")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == spec.name, heading
