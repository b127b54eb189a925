"""Personas and ready-to-review cases for the reviewer dashboard tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from kyc.models import Case, CheckFinding
from kyc.core.audit import Actor
from kyc.services.cases import case_submit
from kyc.tasks import read_document
from tests.conftest import make_case

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Five personas per test: the production hasher would spend seconds on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ensure_roles() -> None:
    """The groups and reason codes come from a data migration; a transactional test elsewhere may
    have flushed them, so put them back (what every ``migrate`` runs, idempotent). Not the data
    migration itself: it names the permissions of its day (the audit trail was kyc's then)."""
    from kyc.access.roles import ensure_roles_and_reason_codes

    ensure_roles_and_reason_codes()


# Personas are established staff: their accounts predate the four-eyes cooling-off period
# (FOUR_EYES_COOLING_OFF_HOURS); tests of that period make fresh accounts themselves.
ESTABLISHED = timedelta(days=30)


def make_member(username: str, group: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=group is not None,
                                    date_joined=timezone.now() - ESTABLISHED)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def staff(db):
    """One user per role (the roles are groups created by a data migration)."""
    ensure_roles()
    return {
        "reviewer": make_member("rita", "reviewer"),
        "other_reviewer": make_member("oscar", "reviewer"),
        "senior": make_member("sam", "senior reviewer"),
        "other_senior": make_member("sue", "senior reviewer"),
        "admin": make_member("ada", "admin"),
    }


def ready_case(document_type="passport", *, failed: bool = False, warned: bool = False, **kwargs):
    """A case that went through the (scripted) OCR pipeline and waits for review.

    The real cross-checks run on the scripted provider's synthetic readings, whose outcomes are
    not what these tests are about: the current run's findings are replaced by one passing check,
    plus a failed and/or a warning finding when ``failed`` / ``warned`` ask for them.
    """
    case = make_case(document_type, **kwargs)
    case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    for document in case.documents.filter(is_current=True):
        read_document.apply(args=[str(document.id)], task_id=f"read-{document.id}")
    case.refresh_from_db()
    assert case.state == "ready_for_review", case.state_reason
    CheckFinding.objects.filter(case=case).delete()
    CheckFinding.objects.create(case=case, check_run=case.check_run, code="DOC_EXPIRY", outcome="pass",
                                message="The document is valid until 2035-01-01.",
                                evidence={"compared": [{"source": "scripted", "field": "expiry_date",
                                                        "value": "2035-01-01"}]})
    for outcome, wanted in (("fail", failed), ("warn", warned)):
        if wanted:
            CheckFinding.objects.create(
                case=case, check_run=case.check_run, code="VIZ_MRZ_BIRTH_DATE", outcome=outcome,
                message="The birth date in the MRZ differs from the visual zone.",
                evidence={"compared": [{"source": "visual", "field": "birth_date", "value": "1990-01-01"},
                                       {"source": "mrz", "field": "birth_date", "value": "1990-01-07"}]},
                document_kind=case.documents.first().kind,
            )
    # The checks service keeps these counts on the case; the replaced findings must agree with them.
    Case.objects.filter(id=case.id).update(failed_findings_count=int(failed), warned_findings_count=int(warned))
    case.refresh_from_db()
    return case


@pytest.fixture
def case_ready(scripted_ocr):
    return ready_case()


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
