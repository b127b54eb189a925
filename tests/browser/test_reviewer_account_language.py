"""An Arabic reviewer signs in on a browser that never saw the reviewer pages and gets them in
Arabic, right to left: the language is kept on the account (issue 15, point 6)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_reviewer_flow import sign_in
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import ensure_roles, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_arabic_reviewer_gets_arabic_pages_on_a_fresh_browser(new_page, screenshot, scripted_ocr, fast_hashing):
    ensure_roles()
    staff_member("reviewer", username="rita")
    case = ready_case()

    # At the office: English pages; she picks Arabic in the reviewer pages' language picker.
    office = new_page(locale="en-GB")
    sign_in(office, "rita")
    expect(office.locator("h1")).to_have_text("Queue")
    office.wait_for_load_state("load")
    with office.expect_navigation():
        office.select_option("#language-select", "ar")  # the picker sends itself
    expect(office.locator("html")).to_have_attribute("dir", "rtl")

    # At home, another browser asking for English, no cookie: the sign-in page is English, and
    # every page after it is Arabic, right to left.
    home = new_page(locale="en-GB")
    home.goto("/review/login/")
    expect(home.locator("html")).to_have_attribute("lang", "en")
    sign_in(home, "rita")
    expect(home.locator("html")).to_have_attribute("dir", "rtl")
    expect(home.locator("html")).to_have_attribute("lang", "ar")
    expect(home.locator("h1")).to_have_text("قائمة الانتظار")
    expect(home.locator("#language-select")).to_have_value("ar")
    screenshot(home, "queue-ar-fresh-browser")
    home.goto(f"/review/cases/{case.id}/")
    expect(home.locator("html")).to_have_attribute("dir", "rtl")
    expect(home.locator("html")).to_have_attribute("lang", "ar")
    expect(home.locator("nav.reviewer-nav")).to_contain_text("قائمة الانتظار")
    # Signed out, the sign-in page stays in her language (signing in set the cookie).
    home.locator("form[action$='/logout/'] button").click()
    expect(home.locator("html")).to_have_attribute("lang", "ar")
