"""One Playwright driver, and one plain Chromium, per test process while browser tests run back to back.

A browser test used to start its own Playwright driver (a Node process, ~0.7 s of CPU) and its own
Chromium (with the driver and one small page, 1.2-1.5 s) of its ~4 s (docs/performance.md, 10).
Now the first browser test of a run of consecutive ones starts both, each test gets fresh browser
contexts (its own cookies, storage and cache: Playwright's unit of isolation), and both stop
after the last test of the run, before any test that does not use them (``stop_unless_needed_by``,
called by tests/conftest.py after every test's teardown).

Why not once per session: Playwright's sync API keeps an asyncio loop running in this thread while
it is started, which Django's async-safety guard sees in every ORM call; browser tests set
DJANGO_ALLOW_ASYNC_UNSAFE for that, and neither the loop nor the variable may reach other tests (or
the processes they start). Ordered by tests/conftest.py, a worker's browser tests come one after
another, so this costs one start per run of them, not one per test.
"""

from __future__ import annotations

import os

# The fixture that every test using the shared driver requests (directly or through ``browser``).
FIXTURE = "playwright_driver"
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

_running: dict = {}  # "playwright", "async_unsafe_before", "chromium" while started


def playwright():
    """The process's Playwright, started if it is not; DJANGO_ALLOW_ASYNC_UNSAFE is set meanwhile."""
    if not _running:
        from playwright.sync_api import sync_playwright

        _running["async_unsafe_before"] = os.environ.get(ASYNC_UNSAFE)
        # While Playwright runs, the tests' own ORM calls are still plain synchronous code.
        os.environ[ASYNC_UNSAFE] = "true"
        _running["playwright"] = sync_playwright().start()
    return _running["playwright"]


def chromium(executable_path: str, args: list[str]):
    """The process's plain Chromium (no camera), launched if it is not or if it went away."""
    browser = _running.get("chromium")
    if browser is None or not browser.is_connected():
        browser = playwright().chromium.launch(executable_path=executable_path, args=args, headless=True)
        _running["chromium"] = browser
    return browser


def close_connections_of_the_playwright_loop() -> None:
    """Close the database connections the test used while Playwright ran; call it before Playwright stops.

    Playwright's sync API keeps an asyncio loop running in this thread, and while a loop runs,
    Django keeps the thread's connections apart from those it uses without one (asgiref's
    ``Local``: context-local storage in an "async" thread): every ORM call of a browser test goes
    through a second connection of the main thread, which ``close_all()`` without the loop never
    sees. Left open to the end of the run, under PostgreSQL it made pytest-django's ``DROP
    DATABASE`` of the xdist workers' test databases fail ("being accessed by other users"), which
    left ``test_kyc_ci_gw1..3`` behind (docs/performance.md, 10)."""
    from django.db import connections

    connections.close_all()


def stop() -> None:
    """Close Chromium and stop Playwright, if started; put DJANGO_ALLOW_ASYNC_UNSAFE back."""
    if not _running:
        return
    try:
        close_connections_of_the_playwright_loop()
        browser = _running.get("chromium")
        if browser is not None and browser.is_connected():
            browser.close()
    finally:
        _running["playwright"].stop()
        before = _running["async_unsafe_before"]
        if before is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = before
        _running.clear()


def stop_unless_needed_by(next_item) -> None:
    """After a test's teardown: stop unless the next test of this process uses the driver too."""
    if _running and (next_item is None or FIXTURE not in getattr(next_item, "fixturenames", ())):
        stop()
