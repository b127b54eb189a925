"""A reviewer's language is kept on their account: chosen on a reviewer page, applied at sign-in on
any browser and on every reviewer page; before sign-in the cookie (or the browser) decides."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from kyc.core.models import AuditEvent
from kyc.models import StaffPreferences
from tests.support.personas import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str):
    return client.post(reverse("reviewer:login"), {"username": username, "password": PASSWORD})


def test_the_language_chosen_on_a_reviewer_page_follows_the_reviewer_to_a_new_browser(staff):
    rita = staff["reviewer"]
    first_browser = client_for(rita)
    response = first_browser.post(reverse("reviewer:language"), {"language": "ar", "next": "/review/"})
    assert response.status_code == 302 and response["Location"] == "/review/"
    assert StaffPreferences.objects.get(user=rita).language == "ar"
    event = AuditEvent.objects.get(action="staff.language_changed")
    assert event.data == {"before": "", "after": "ar"} and event.object_id == str(rita.pk)
    assert '<html lang="ar" dir="rtl">' in first_browser.get(reverse("reviewer:queue")).content.decode()

    # A fresh browser that asks for English: the sign-in page is English, the pages after it Arabic.
    fresh = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="en"' in fresh.get(reverse("reviewer:login")).content.decode()
    response = sign_in(fresh, rita.username)
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    queue = fresh.get(reverse("reviewer:queue"))
    assert '<html lang="ar" dir="rtl">' in queue.content.decode()
    assert "قائمة الانتظار" in queue.content.decode()
    assert queue["Content-Language"] == "ar"

    # Even with the cookie set to English afterwards, every reviewer page keeps the account's language.
    fresh.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="ar" dir="rtl">' in fresh.get(reverse("reviewer:second_factor")).content.decode()


def test_before_sign_in_the_cookie_chooses_and_a_reviewer_without_a_choice_keeps_it(staff):
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert '<html lang="zh-hans" dir="ltr">' in browser.get(reverse("reviewer:login")).content.decode()
    response = sign_in(browser, staff["other_reviewer"].username)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies  # no choice on the account: cookie kept
    assert '<html lang="zh-hans" dir="ltr">' in browser.get(reverse("reviewer:queue")).content.decode()
    assert not StaffPreferences.objects.filter(user=staff["other_reviewer"]).exists()


def test_a_language_the_pages_do_not_have_is_refused_and_nothing_is_stored(staff):
    browser = client_for(staff["reviewer"])
    response = browser.post(reverse("reviewer:language"), {"language": "xx", "next": "/review/"}, follow=True)
    assert "is not a language of the reviewer pages" in response.content.decode()
    assert not StaffPreferences.objects.filter(user=staff["reviewer"]).exists()
    # An outside address to go back to is not followed.
    response = browser.post(reverse("reviewer:language"), {"language": "en", "next": "https://elsewhere.test/"})
    assert response["Location"] == reverse("reviewer:queue")


def test_only_signed_in_staff_can_keep_a_language(staff):
    response = Client().post(reverse("reviewer:language"), {"language": "ar"})
    assert response.status_code == 302 and reverse("reviewer:login") in response["Location"]
    assert not StaffPreferences.objects.exists()
