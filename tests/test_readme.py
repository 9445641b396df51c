"""The README stays true to the specs: every exercise is in its table, none that isn't."""

import re
from pathlib import Path

from formcheck.spec.files import SPEC_DIR

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_table_lists_exactly_the_shipped_exercises():
    text = README.read_text()
    section = text[text.index("## What it checks now") : text.index("Measured on real clips")]
    listed = set(re.findall(r"^\| [A-Z][^|]* \| ([a-z_]+) \|", section, flags=re.M))
    assert listed == {p.stem for p in SPEC_DIR.glob("*.toml")}
