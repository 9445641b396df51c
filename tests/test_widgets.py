"""The shared page widgets' logic (formcheck/app/widgets.py) that runs without a browser."""

from __future__ import annotations

import os
from pathlib import Path

from formcheck.app.widgets import picture_stamp


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
