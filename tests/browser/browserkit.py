"""Helpers shared by the browser tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
BASE_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--use-fake-ui-for-media-stream",
]


def launch_chromium(p: Any, extra_args: list[str] | None = None) -> Any:
    """Debian's Chromium, headless, with no network services and no real devices."""
    return p.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=BASE_ARGS + (extra_args or [])
    )


def wait_for_app(pg: Any, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has rendered and finished running the script."""
    pg.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    pg.wait_for_selector('[data-testid="stMain"]', timeout=60_000)
    pg.wait_for_function(
        "() => { const w = document.querySelector('[data-testid=\"stStatusWidget\"]');"
        " return !w || !w.innerText.includes('Running'); }",
        timeout=timeout_ms,
    )


def main_text(pg: Any) -> str:
    return str(pg.locator('[data-testid="stMain"]').inner_text())


def screenshot(pg: Any, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=full_page)
    return path
