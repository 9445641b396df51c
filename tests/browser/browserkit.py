"""Helpers shared by the browser tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
#: Where screenshots go. Refresh the committed ones with
#: ``FORMCHECK_SCREENSHOTS=docs/screenshots python -m pytest -m browser``.
SCREENSHOTS = Path(
    os.environ.get("FORMCHECK_SCREENSHOTS", Path(tempfile.gettempdir()) / "formcheck-screenshots")
)
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


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def run_app(
    log: Path,
    address: str = "127.0.0.1",
    host: str = "localhost",
    cert: tuple[Path, Path] | None = None,
    env: dict[str, str] | None = None,
    home: Path | None = None,
) -> Iterator[str]:
    """``streamlit run app.py`` on a free port until the block ends; yields the base URL.

    ``address`` is what the server binds to, ``host`` what the browser opens;
    ``cert`` = (certificate, key) serves HTTPS; ``env`` adds to the server's environment;
    ``home`` is the server's FORMCHECK_HOME (its history database's folder).
    """
    import pytest

    port = free_port("0.0.0.0" if address == "0.0.0.0" else address)
    args = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    scheme = "http"
    context: ssl.SSLContext | None = None
    if cert is not None:
        args += ["--server.sslCertFile", str(cert[0]), "--server.sslKeyFile", str(cert[1])]
        scheme = "https"
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # our own self-signed test certificate
    url = f"{scheme}://{host}:{port}"
    if home is not None:
        env = {**(env or {}), "FORMCHECK_HOME": str(home)}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"streamlit exited early:\n{log.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(
                        f"{url}/_stcore/health", timeout=2, context=context
                    ) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def launch_chromium(p: Any, extra_args: list[str] | None = None) -> Any:
    """Debian's Chromium, headless, with no network services and no real devices."""
    return p.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=BASE_ARGS + (extra_args or [])
    )


#: True once the script has finished its run and every element it sent is drawn. The app
#: root carries the run state (``data-test-script-state``); Streamlit loads most element
#: kinds (tables, metrics, alerts, video, charts...) on first use and shows a skeleton
#: (``stSkeleton``) in their place until their code has arrived. ``done`` is a selector
#: that must be on the page too (None: no extra condition).
SETTLED_JS = """(done) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]');
  return !!app && !!main
    && app.getAttribute('data-test-script-state') === 'notRunning'
    && (!done || !!document.querySelector(done))
    && !main.querySelector('[data-testid="stSkeleton"]');
}"""


def wait_for_app(pg: Any, selector: str | None = None, timeout_ms: int = 120_000) -> None:
    """Wait until ``selector`` (else the page title) is drawn, the script run that drew it
    is over, and every element on the page has been drawn (no sleeps: page states only).

    ``selector`` should be something the awaited run draws (after a click: something new),
    so that the finished run seen here is that run, not the one before the click.
    """
    pg.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    pg.wait_for_selector(selector or '[data-testid="stMain"] h1', timeout=timeout_ms)
    pg.wait_for_function(SETTLED_JS, arg=None, timeout=timeout_ms)


def wait_until_settled(pg: Any, done: str | None = None, timeout_ms: int = 180_000) -> None:
    """Wait until ``done`` (if given) is on the page and the page is settled (SETTLED_JS)."""
    pg.wait_for_function(SETTLED_JS, arg=done, timeout=timeout_ms)


def main_text(pg: Any) -> str:
    return str(pg.locator('[data-testid="stMain"]').inner_text())


def screenshot(pg: Any, name: str, height: int | None = None, max_width: int = 1100) -> Path:
    """Save ``<SCREENSHOTS>/<name>.png``, small: the viewport (``height`` tall if given),
    scaled down to ``max_width`` and reduced to a 256-colour palette (octree keeps the
    plot's light span colours)."""
    import io

    from PIL import Image

    directory = SCREENSHOTS if SCREENSHOTS.is_absolute() else ROOT / SCREENSHOTS
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    size = pg.viewport_size
    if height is not None:
        pg.set_viewport_size({"width": size["width"], "height": height})
        pg.wait_for_timeout(800)
    png = pg.screenshot()
    if height is not None:
        pg.set_viewport_size(size)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    if img.width > max_width:
        img = img.resize((max_width, round(img.height * max_width / img.width)), Image.LANCZOS)
    img.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    return path
