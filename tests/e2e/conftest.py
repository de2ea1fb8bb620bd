"""Browser fixtures: a headless system Chromium driven by Playwright's sync API.

Playwright never downloads a browser here: ``chromium_path`` (tests/conftest.py) finds the
distribution's Chromium and skips with a plain message when there is none. Static files come
from the finders (the suite uses plain static storage; ``live_server`` serves /static/).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (creating users) would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def chromium_browser(chromium_path: str) -> Iterator:
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_browser_page(chromium_browser, live_server) -> Iterator:
    """Call with ``locale=`` and ``viewport=`` to get a page in a fresh context (no cookies) on
    the live server; every context is closed at the end of the test."""
    contexts = []

    def make(*, locale: str = "en-GB", viewport: dict | None = None, device_scale_factor: float = 1):
        context = chromium_browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport=viewport or DESKTOP,
            device_scale_factor=device_scale_factor,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(new_browser_page):
    """A desktop-width page that prefers English."""
    return new_browser_page()


@pytest.fixture
def screenshot_dir() -> Path:
    """Where the browser tests leave their screenshots (gitignored), for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
