"""The exercise library lists every spec with its view, prescription and checks."""

from __future__ import annotations

from typing import Any

from browserkit import screenshot, wait_for_app

from formcheck.spec import load_specs
from formcheck.ui_helpers import VIEW_LABELS


def test_library_lists_every_spec(app_url: str, page: Any) -> None:
    page.goto(f"{app_url}/library")
    wait_for_app(page)
    page.get_by_role("heading", name="Exercise library").wait_for()
    text = page.locator('[data-testid="stMain"]').inner_text()
    specs = load_specs()
    assert specs, "no specs in exercise_specs/"
    for spec in specs.values():
        assert spec.name in text, f"{spec.id} is missing from the library"
        assert spec.camera in text
        assert VIEW_LABELS[spec.view] in text
        for rule_id, description in spec.checks():
            what = description.partition(":")[2].strip() or description
            assert what.split("(")[0].strip() in text, f"{spec.id}: check {rule_id} not listed"
        for step in spec.instructions:
            assert step in text
    screenshot(page, "library", height=1300)
