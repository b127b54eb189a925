"""The Content-Security-Policy in a real browser: the applicant's journey (with its static JS:
previews, client-side checks, upload progress, live status) and the API docs page run without a
single violation. Headless Debian Chromium against the live server."""

from __future__ import annotations

import pytest

from kyc.models import Document
from tests.browser.conftest import browser, browser_page, new_page, playwright_driver  # noqa: F401 - the shared fixtures
from tests.hardening.corpus import encode, photo
from tests.support.worker import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__csp || []")


def test_the_applicant_journey_and_the_api_docs_run_under_the_policy(browser_page, settings, tmp_path):  # noqa: F811
    settings.APPLICANT_CASE_RATE = settings.APPLICANT_UPLOAD_RATE = "100000/3600"
    page = browser_page
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    seen: dict[str, list[str]] = {}

    page.goto("/")
    page.fill("input[name=email]", "applicant@example.test")
    page.check("input[name=document_type][value=passport]")
    page.check("input[name=consent_processing]")
    seen["start"] = violations(page)
    page.click("form.start-form button[type=submit]")
    page.wait_for_url("**/cases/**")
    seen["case"] = violations(page)

    image = tmp_path / "passport.jpg"
    image.write_bytes(encode(photo(500), "JPEG", quality=90))
    page.set_input_files("form.upload-form input[type=file]", str(image))  # the preview uses a blob: URL
    page.click("form.upload-form button[type=submit]")
    wait_for(lambda: Document.objects.filter(kind="passport").exists(), timeout=20, what="the upload to be stored")
    page.wait_for_load_state("networkidle")
    seen["after upload"] = violations(page)

    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=20_000)
    seen["api docs"] = violations(page)

    found = {name: v for name, v in seen.items() if v}
    assert not found, f"Content-Security-Policy violations: {found}"
    assert not [m for m in console if "Content Security Policy" in m], console

    # And the policy bites: a script injected inline (what an XSS would do) does not run.
    page.goto("/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__injected = 1";
                              document.body.appendChild(s); }""")
    assert page.evaluate("window.__injected === undefined")
    assert any(v.startswith("script-src") for v in violations(page)), violations(page)
