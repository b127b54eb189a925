"""The API docs page renders in a browser under the site's Content-Security-Policy, with no CDN."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_page_lists_the_endpoints(browser_page, screenshot):
    from playwright.sync_api import expect

    page = browser_page
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.goto("/api/docs/")
    expect(page.get_by_text("/api/v1/cases/{case_id}/documents/")).to_be_visible(timeout=15_000)
    screenshot(page, "swagger-ui")
    assert problems == []
