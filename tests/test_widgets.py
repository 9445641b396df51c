"""The shared page widgets' logic (formcheck/app/widgets.py) that runs without a browser."""

from __future__ import annotations

import os
from pathlib import Path

from formcheck.app.widgets import picture_stamp
from formcheck.ui_helpers import Tile


def test_picture_stamp_changes_when_a_scenario_changes(tmp_path: Path) -> None:
    """The position picture is cached on disk by this stamp: an edited spec or scenario, or
    a new scenario, must draw it afresh; nothing changed, the same stamp."""
    (tmp_path / "scenarios" / "plank").mkdir(parents=True)
    spec = tmp_path / "plank.toml"
    spec.write_text("id = 'plank'\n")
    clean = tmp_path / "scenarios" / "plank" / "clean.toml"
    clean.write_text("a = 1\n")
    first = picture_stamp("plank", tmp_path)
    assert "plank.toml" in first and "clean.toml" in first
    assert picture_stamp("plank", tmp_path) == first
    clean.write_text("a = 22\n")
    second = picture_stamp("plank", tmp_path)
    assert second != first
    (tmp_path / "scenarios" / "plank" / "sag.toml").write_text("b = 1\n")
    third = picture_stamp("plank", tmp_path)
    assert third != second
    os.utime(spec, ns=(1, 1))
    assert picture_stamp("plank", tmp_path) != third
    assert "plank" not in picture_stamp("other", tmp_path).split(";")[0]


def test_tiles_html_escapes_and_marks_rows() -> None:
    from formcheck.app.widgets import tiles_html

    html = tiles_html(
        [[Tile("Reps 1 / 2", "<b>", "fc-reps")], [Tile("Cat 1", "reps", "fc-dir-cat")]]
    )
    assert 'id="fc-reps"' in html and "&lt;b&gt;" in html and "<b>" not in html
    assert html.count('class="fc-tiles"') == 1 and html.count("fc-small-tiles") == 1
