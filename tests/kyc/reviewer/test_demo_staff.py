"""The demo has two senior reviewers who can complete the four-eyes path between them."""

import pytest
from django.contrib.auth.models import User

from kyc.core.audit import Actor
from kyc.management.demo import ensure_demo_users
from kyc.models import Decision
from kyc.services.assignments import case_claim
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


@pytest.mark.slow
def test_the_demo_holds_a_four_eyes_case_waiting_for_senior2_and_one_it_confirmed(tmp_path, settings):
    """The demo's own images, read by the embedded reader: a declared birth date a year out fails
    DECLARED_BIRTH_DATE, senior's approval is an override; senior2 has confirmed one and can
    confirm the other."""
    from kyc.management.demo import DEMO_OVERRIDE_NOTE, demo_four_eyes_cases

    settings.MEDIA_ROOT = tmp_path
    ensure_roles()
    waiting, confirmed = demo_four_eyes_cases()
    pending = Decision.objects.get(case=waiting)
    assert pending.status == Decision.Status.AWAITING_SECOND and pending.is_override
    assert pending.reviewer.username == "senior" and pending.note == DEMO_OVERRIDE_NOTE
    assert waiting.findings.filter(code="DECLARED_BIRTH_DATE", outcome="fail").exists()
    final = Decision.objects.get(case=confirmed)
    assert final.status == Decision.Status.FINAL and final.second_reviewer.username == "senior2"
    confirmed.refresh_from_db()
    assert confirmed.state == "approved"
    # senior2 can finish the waiting one (and senior cannot confirm his own).
    decision_second_review(decision_id=pending.id, actor=Actor.staff(User.objects.get(username="senior2")),
                           confirm=True)
    waiting.refresh_from_db()
    assert waiting.state == "approved"
