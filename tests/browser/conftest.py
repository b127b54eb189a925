"""Shared Playwright fixtures: Debian's headless Chromium (never a downloaded browser) against
pytest-django's live server.

- ``playwright_driver``: the Playwright of this test process, shared by consecutive browser tests.
- ``browser``: the plain Chromium of this test process, shared like the driver.
- ``browser_page``: a fresh context and page (desktop, English) for one test.
- ``new_page(viewport=..., locale=..., javascript=..., mobile=...)``: more pages with other settings,
  e.g. ``new_page(**PHONE)``; all are closed at the end of the test.
- ``screenshot(page, name)``: saves ``test-artifacts/browser/<test>/<name>.png`` (kept as CI
  artefacts; the folder is gitignored).

Browser tests are marked ``browser``. They are skipped, with the reason, only when
/usr/bin/chromium is missing and the CI variable is not set: in CI they must run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.support import playwright_driver as playwright_driver_module
from tests.support.playwright_driver import close_connections_of_the_playwright_loop

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

DESKTOP = {"viewport": {"width": 1280, "height": 900}}

# Playwright's assertions (``expect(...)``) wait 5 s by default, and its actions 30 s: at load 30
# an upload's "Received" took longer than 5 s to show, and at load ~15 (two test workers beside
# other work on 2 cores) a passport's "Received" once took longer than 15 s. A longer wait costs a
# passing test nothing (it returns as soon as the page is right); set once here for every browser
# test, also those that start their own Playwright, and for the contexts' actions below.
EXPECT_TIMEOUT_MS = 30_000


def pytest_configure(config):
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
PHONE = {"viewport": {"width": 390, "height": 844}, "mobile": True}


def _chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def pytest_collection_modifyitems(config, items):
    if _chromium_available() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium); CI is not set")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def playwright_driver():
    """This process's Playwright, shared with the browser tests just before and after this one
    (tests/support/playwright_driver.py); its pages are closed by whoever opened them."""
    yield playwright_driver_module.playwright()
    close_connections_of_the_playwright_loop()


@pytest.fixture
def browser(playwright_driver):
    """This process's plain Chromium, shared like the driver; each test opens contexts of its own
    (``new_page``), closed at its end."""
    return playwright_driver_module.chromium(CHROMIUM, CHROMIUM_ARGS)


@pytest.fixture
def new_page(browser, live_server):
    contexts = []

    def make(*, viewport=None, locale="en-GB", javascript=True, mobile=False, accept_language=None):
        options = {
            "viewport": viewport or DESKTOP["viewport"],
            "locale": locale,
            "java_script_enabled": javascript,
            "base_url": live_server.url,
            "extra_http_headers": {"Accept-Language": accept_language or locale},
        }
        if mobile:
            options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        context = browser.new_context(**options)
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(new_page):
    return new_page(**DESKTOP)


@pytest.fixture
def screenshot(request):
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = True) -> Path:
        path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
