"""The applicant's session key changes when a case is started or resumed (issue 17, point 10):
a session identifier planted before (session fixation) never gains access to the case."""

import pytest
from django.conf import settings
from django.test import Client

from kyc.models import Case
from kyc.views.applicant import resume_token

pytestmark = pytest.mark.django_db
START = {"email": "applicant@example.test", "document_type": "passport", "consent_processing": "on"}


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}


def planted_session() -> tuple[Client, str]:
    """A browser whose session an attacker created first and whose key the attacker knows."""
    client = Client()
    session = client.session
    session["language_seen"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client, session.session_key


def attacker_with(session_key: str) -> Client:
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return attacker


def test_starting_a_case_gives_the_session_a_new_key():
    client, planted = planted_session()
    response = client.post("/", START)
    assert response.status_code == 302
    case = Case.objects.get(id=response["Location"].split("/")[2])
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted
    assert client.get(f"/cases/{case.id}/").status_code == 200
    assert attacker_with(planted).get(f"/cases/{case.id}/").status_code == 404


def test_resuming_a_case_gives_the_session_a_new_key():
    case = Case.objects.get(id=Client().post("/", START)["Location"].split("/")[2])
    client, planted = planted_session()
    response = client.get(f"/resume/{resume_token(case)}/")
    assert response.status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != planted
    assert client.get(f"/cases/{case.id}/").status_code == 200
    assert attacker_with(planted).get(f"/cases/{case.id}/").status_code == 404
