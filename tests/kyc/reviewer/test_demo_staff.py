"""The demo has two senior reviewers who can complete the four-eyes path between them."""

import pytest
from django.contrib.auth.models import User

from kyc.management.demo import ensure_demo_users
from kyc.models import Decision
from kyc.services.assignments import case_claim
from kyc.core.audit import Actor
from kyc.services.decisions import case_decide, decision_second_review
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import ensure_roles

pytestmark = pytest.mark.django_db


def test_one_demo_senior_confirms_the_others_override(scripted_ocr):
    ensure_roles()
    ensure_demo_users()
    seniors = [u for u in User.objects.order_by("username") if u.has_perm("kyc.second_approve_case")]
    assert [u.username for u in seniors] == ["senior", "senior2"]
    case = ready_case(failed=True)
    first, second = seniors
    case_claim(case_id=case.id, actor=Actor.staff(first))
    proposal = case_decide(case_id=case.id, actor=Actor.staff(first), outcome="approve",
                           reason_codes=["documents-consistent"], note="Printed date checked on the image.")
    assert proposal.status == Decision.Status.AWAITING_SECOND
    decision_second_review(decision_id=proposal.id, actor=Actor.staff(second), confirm=True)
    case.refresh_from_db()
    assert case.state == "approved"
    ensure_demo_users()  # running the quick start again changes nothing
    assert User.objects.filter(username__startswith="senior").count() == 2
