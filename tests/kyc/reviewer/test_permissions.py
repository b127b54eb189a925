"""Every reviewer and admin URL × every persona: who gets in, who is sent to sign in, who is refused."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from kyc.access.applicants import SESSION_CASES_KEY
from kyc.core.audit import Actor
from kyc.models import Case, Decision, Document
from kyc.services.assignments import case_claim
from kyc.services.decisions import case_decide
from tests.kyc.reviewer.conftest import ready_case
from tests.support.module_world import built_once_and_rolled_back
from tests.support.personas import client_for, staff_personas

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "applicant", "reviewer", "senior", "admin"]
OK, LOGIN, DENIED = "ok", "login", "denied"

# url name -> (method, expected outcome per persona reviewer / senior / admin)
MATRIX = {
    "queue": ("get", OK, OK, OK),
    "case": ("get", OK, OK, OK),
    "document_image": ("get", OK, OK, OK),
    "claim": ("post", OK, OK, DENIED),
    "release": ("post", OK, OK, DENIED),
    "assign": ("post", DENIED, OK, DENIED),
    "decide": ("post", OK, OK, DENIED),
    "second_review": ("post", DENIED, OK, DENIED),
    "add_note": ("post", OK, OK, DENIED),
    "retry_reading": ("post", OK, OK, DENIED),
    "export_json": ("get", DENIED, OK, OK),
    "export_html": ("get", DENIED, OK, OK),
    "export_pdf": ("get", DENIED, OK, OK),
    "metrics": ("get", DENIED, OK, OK),
    "admin:kyc_reasoncode_changelist": ("get", DENIED, DENIED, OK),
    "admin:kyc_reasoncode_add": ("get", DENIED, DENIED, OK),
    "admin:kyc_siteconfiguration_add": ("get", DENIED, DENIED, OK),
    "admin:kyc_core_auditevent_changelist": ("get", DENIED, DENIED, OK),
    "admin:kyc_staffloginthrottle_changelist": ("get", DENIED, DENIED, OK),
    "admin:kyc_totpdevice_changelist": ("get", DENIED, DENIED, OK),
    "admin:kyc_casenote_changelist": ("get", DENIED, DENIED, OK),
    "admin:auth_user_changelist": ("get", DENIED, DENIED, OK),
    "admin:kyc_case_changelist": ("get", DENIED, DENIED, OK),
    # Every staff member manages their own second factor; the admin index lists what each may see.
    "second_factor": ("get", OK, OK, OK),
    "admin:index": ("get", OK, OK, OK),
}


@pytest.fixture(scope="module")
def _matrix_world(django_db_setup, django_db_blocker):
    """The staff and the case, built once for the module's 125 tests (tests/support/module_world.py).
    Ids only: each test reads its own fresh objects (``staff`` and ``world`` below)."""
    yield from built_once_and_rolled_back(django_db_blocker, _build_world)


def _build_world() -> dict:
    staff = staff_personas()
    case = ready_case(failed=True)
    # A pending override approval, so that the second-review URL has something to act on.
    case_claim(case_id=case.id, actor=Actor.staff(staff["other_reviewer"]))
    proposal = case_decide(case_id=case.id, actor=Actor.staff(staff["other_reviewer"]), outcome="approve",
                           reason_codes=["manual-verification"], note="checked by eye")
    return {
        "staff": {persona: user.id for persona, user in staff.items()},
        "case": case.id, "decision": proposal.id, "document": case.documents.first().id,
    }


@pytest.fixture
def staff(_matrix_world, db):
    return {persona: User.objects.get(id=user_id) for persona, user_id in _matrix_world["staff"].items()}


@pytest.fixture
def world(_matrix_world, db, scripted_ocr):
    return {
        "case": Case.objects.get(id=_matrix_world["case"]),
        "decision": Decision.objects.get(id=_matrix_world["decision"]),
        "document": Document.objects.get(id=_matrix_world["document"]),
    }


def url_for(name, world, staff):
    case, decision = world["case"], world["decision"]
    if name.startswith("admin:"):
        return reverse(name)
    args = {
        "queue": [], "metrics": [], "second_factor": [],
        "document_image": [world["document"].id],
        "second_review": [case.id, decision.id],
    }.get(name, [case.id])
    return reverse(f"reviewer:{name}", args=args)


def post_data(name, staff):
    return {
        "assign": {"assignee": staff["other_reviewer"].pk},
        "second_review": {"confirm": "no", "note": "not convinced"},
        "add_note": {"body": "Looked at the MRZ."},
        "decide": {"outcome": "reject", "reason_codes": ["document-expired"], "note": "expired"},
    }.get(name, {})


def client_as(persona, staff, world):
    if persona == "anonymous":
        return Client()
    if persona == "applicant":
        # An applicant has no staff account, only a browser session bound to their own case.
        client = Client()
        session = client.session
        session[SESSION_CASES_KEY] = [str(world["case"].id)]
        session.save()
        return client
    return client_for(staff[persona])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix(world, staff, persona, name):
    method, *per_role = MATRIX[name]
    expected = LOGIN if persona in ("anonymous", "applicant") else dict(zip(["reviewer", "senior", "admin"], per_role, strict=True))[persona]
    client = client_as(persona, staff, world)
    url = url_for(name, world, staff)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, post_data(name, staff))
    if expected == LOGIN:
        assert response.status_code == 302
        if response["Location"].startswith("/admin/login/"):
            # The admin's own sign-in hands over to the staff sign-in (lockout, second factor).
            response = client.get(response["Location"])
            assert response.status_code == 302
        assert "/review/login/" in response["Location"]
    elif expected == DENIED:
        assert response.status_code == 403, response.status_code
    else:
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            assert "/login/" not in response["Location"]


def test_the_second_review_by_a_senior_actually_happens_through_the_page(world, staff):
    client = client_for(staff["senior"])
    client.post(reverse("reviewer:second_review", args=[world["case"].id, world["decision"].id]),
                {"confirm": "yes"})
    world["case"].refresh_from_db()
    assert world["case"].state == "approved"
    assert Decision.objects.get(id=world["decision"].id).second_reviewer == staff["senior"]


@pytest.mark.parametrize("name", ["login", "login_verify"])
def test_the_sign_in_pages_are_open_to_everyone(db, name):
    response = Client().get(reverse(f"reviewer:{name}"))
    # The verify step without a pending password check sends back to the first step.
    assert response.status_code == (200 if name == "login" else 302)
