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


def wait_for_app(pg: Any, selector: str | None = None, timeout_ms: int = 120_000) -> None:
    """Wait until the page has rendered (``selector``, else its title) and the script is idle."""
    pg.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    pg.wait_for_selector(selector or '[data-testid="stMain"] h1', timeout=timeout_ms)
    pg.wait_for_timeout(600)  # Streamlit shows its running icon only after a short delay
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')",
        timeout=timeout_ms,
    )


def main_text(pg: Any) -> str:
    return str(pg.locator('[data-testid="stMain"]').inner_text())


def screenshot(pg: Any, name: str, height: int | None = None, max_width: int = 1100) -> Path:
    """Save docs/screenshots/<name>.png, small: the viewport (``height`` tall if given),
    scaled down to ``max_width`` and PNG-compressed."""
    import cv2
    import numpy as np

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = pg.viewport_size
    if height is not None:
        pg.set_viewport_size({"width": size["width"], "height": height})
        pg.wait_for_timeout(800)
    png = pg.screenshot()
    if height is not None:
        pg.set_viewport_size(size)
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    if w > max_width:
        img = cv2.resize(img, (max_width, round(h * max_width / w)), interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(path), img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path
