"""Regenerate the tables in docs/spec_format.md from the field declarations.

``python -m formcheck.spec.docs`` rewrites every block between
``<!-- generated: NAME -->`` and ``<!-- end generated -->``; a test checks
the file is current, so the docs can't drift from the code.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "spec_format.md"


def blocks() -> dict[str, Callable[[], str]]:
    from formcheck.rules import rules_markdown
    from formcheck.spec.fields import fields_markdown
    from formcheck.spec.model import HoldSettings, MotionSettings

    return {
        "motion": lambda: fields_markdown(MotionSettings),
        "hold": lambda: fields_markdown(HoldSettings),
        "rules": rules_markdown,
        "postures": _postures,
    }


def _postures() -> str:
    from formcheck.posture import POSTURE_GATES

    rows = ["| posture | the user is told |", "|---|---|"]
    rows += [f"| `{g.name}` | {g.instruction} |" for g in POSTURE_GATES.values()]
    return "\n".join(rows)


_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def render(text: str) -> str:
    makers = blocks()

    def fill(m: re.Match[str]) -> str:
        name = m.group(2)
        if name not in makers:
            raise KeyError(f"docs block {name!r} has no generator; known: {', '.join(makers)}")
        return m.group(1) + makers[name]().strip() + "\n" + m.group(4)

    return _BLOCK.sub(fill, text)


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        DOC.write_text(new, encoding="utf-8")
        print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
