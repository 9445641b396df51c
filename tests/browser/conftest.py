"""Fixtures for browser end-to-end tests: the real app in Streamlit, Debian's Chromium.

Every test here is marked ``browser``. They skip cleanly when Chromium or
Playwright is missing. The app runs as ``streamlit run app.py`` on a free port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import CHROMIUM, launch_chromium, run_app


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def _sync_playwright() -> Any:
    if not CHROMIUM.is_file():
        pytest.skip("/usr/bin/chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    return sync_playwright


@pytest.fixture(scope="session")
def app_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared server's FORMCHECK_HOME: its history database is ``app_home/history.db``."""
    return tmp_path_factory.mktemp("app-home")


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, app_home: Path) -> Iterator[str]:
    """Start the app once for the session (on localhost, like the default config)."""
    _sync_playwright()  # skip early, before starting a server
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with run_app(log, home=app_home) as url:
        yield url


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    sync_playwright = _sync_playwright()
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    """A Chromium without a camera, for the review and library pages."""
    b = launch_chromium(playwright_instance)
    yield b
    b.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()
