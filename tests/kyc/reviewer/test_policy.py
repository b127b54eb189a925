"""One policy for who may do what: the workspace shows a button exactly when the service lets the
click through (kyc/access/policy.py is asked by both)."""

import pytest
from django.db import transaction
from django.urls import reverse

from kyc.access import policy
from kyc.core.audit import Actor
from kyc.errors import ConflictError, KycError, PermissionDenied
from kyc.models import Case
from kyc.services.assignments import case_claim, case_release
from kyc.services.cases import case_retry_reading
from tests.support.personas import client_for

PERSONAS = ("reviewer", "other_reviewer", "senior", "admin")


def _allowed(action) -> bool:
    """Whether the service does it (its change rolled back, so the next persona sees the same case)."""
    try:
        with transaction.atomic():
            action()
            raise _RolledBack
    except _RolledBack:
        return True
    except KycError:
        return False


class _RolledBack(Exception):
    pass


@pytest.mark.django_db
@pytest.mark.parametrize("holder", [None, "reviewer"])
def test_the_claim_and_release_buttons_show_exactly_when_the_service_allows_them(staff, case_ready, holder):
    if holder:
        case_claim(case_id=case_ready.id, actor=Actor.staff(staff[holder]))
    case = Case.objects.get(id=case_ready.id)
    for persona in PERSONAS:
        user = staff[persona]
        page = client_for(user).get(reverse("reviewer:case", args=[case.id]))
        shown = page.context["can_claim"], page.context["can_release"]
        actor = Actor.staff(user)
        claims = case.assigned_to_id != user.pk and _allowed(
            lambda actor=actor: case_claim(case_id=case.id, actor=actor))
        releases = case.assigned_to_id is not None and _allowed(
            lambda actor=actor: case_release(case_id=case.id, actor=actor))
        assert shown == (claims, releases), persona


@pytest.mark.django_db
def test_only_a_case_that_needs_attention_is_read_again_and_only_by_a_decider(staff, case_ready):
    # The page used to be the only place that checked this; the service now refuses it too.
    with pytest.raises(ConflictError, match="needs attention"):
        case_retry_reading(case_id=case_ready.id, actor=Actor.staff(staff["reviewer"]))
    Case.objects.filter(id=case_ready.id).update(state="needs_attention")
    case = Case.objects.get(id=case_ready.id)
    assert not policy.can_retry(staff["admin"], case)
    with pytest.raises(PermissionDenied, match="Only reviewers"):
        case_retry_reading(case_id=case.id, actor=Actor.staff(staff["admin"]))
    assert policy.can_retry(staff["reviewer"], case)
    case_retry_reading(case_id=case.id, actor=Actor.staff(staff["reviewer"]))
    assert Case.objects.get(id=case.id).state == "processing"
