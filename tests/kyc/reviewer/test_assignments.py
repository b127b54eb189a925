"""Claim, release, assign: one holder at a time, enforced under the case's row lock."""

import threading

import pytest
from django.db import connection

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.errors import ConflictError, PermissionDenied, ValidationFailed
from kyc.models import Case
from kyc.services.assignments import case_assign, case_claim, case_release
from kyc.services.decisions import case_decide
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import staff_member


@pytest.mark.django_db
def test_claim_then_release_then_claim_by_another(staff, case_ready):
    rita, oscar = staff["reviewer"], staff["other_reviewer"]
    case_claim(case_id=case_ready.id, actor=Actor.staff(rita))
    with pytest.raises(ConflictError, match="rita is already working on this case"):
        case_claim(case_id=case_ready.id, actor=Actor.staff(oscar))
    with pytest.raises(PermissionDenied, match="Only the reviewer holding this case"):
        case_release(case_id=case_ready.id, actor=Actor.staff(oscar))
    case_release(case_id=case_ready.id, actor=Actor.staff(rita))
    case_claim(case_id=case_ready.id, actor=Actor.staff(oscar))
    case_ready.refresh_from_db()
    assert case_ready.assigned_to == oscar and case_ready.assigned_at is not None
    actions = list(AuditEvent.objects.filter(case_id=case_ready.id, action__startswith="case.")
                   .exclude(action__in=["case.created", "case.state_changed", "case.checked"])
                   .values_list("action", "actor_label"))
    assert actions == [("case.claimed", "rita"), ("case.released", "rita"), ("case.claimed", "oscar")]


@pytest.mark.django_db
def test_a_senior_reviewer_assigns_and_can_take_a_case_back(staff, case_ready):
    case_claim(case_id=case_ready.id, actor=Actor.staff(staff["reviewer"]))
    with pytest.raises(PermissionDenied, match="Only senior reviewers"):
        case_assign(case_id=case_ready.id, actor=Actor.staff(staff["reviewer"]), assignee_id=staff["other_reviewer"].pk)
    case_assign(case_id=case_ready.id, actor=Actor.staff(staff["senior"]), assignee_id=staff["other_reviewer"].pk)
    case_ready.refresh_from_db()
    assert case_ready.assigned_to == staff["other_reviewer"]
    event = AuditEvent.objects.get(action="case.assigned", case_id=case_ready.id)
    assert event.data == {"before": staff["reviewer"].pk, "after": staff["other_reviewer"].pk}
    # The former holder can no longer decide it.
    with pytest.raises(ConflictError):
        case_decide(case_id=case_ready.id, actor=Actor.staff(staff["reviewer"]), outcome="approve",
                    reason_codes=["documents-consistent"])
    case_release(case_id=case_ready.id, actor=Actor.staff(staff["senior"]))
    case_ready.refresh_from_db()
    assert case_ready.assigned_to is None


@pytest.mark.django_db
def test_cases_go_only_to_people_who_may_decide_them(staff, scripted_ocr):
    case = ready_case(created_by=staff["other_reviewer"])
    with pytest.raises(PermissionDenied):
        case_assign(case_id=case.id, actor=Actor.staff(staff["senior"]), assignee_id=staff["admin"].pk)
    with pytest.raises(ValidationFailed, match="created this case"):
        case_assign(case_id=case.id, actor=Actor.staff(staff["senior"]), assignee_id=staff["other_reviewer"].pk)
    with pytest.raises(PermissionDenied):
        case_claim(case_id=case.id, actor=Actor.staff(staff["admin"]))


@pytest.mark.django_db
def test_decided_and_unfinished_cases_cannot_be_claimed(staff, scripted_ocr):
    from tests.conftest import make_case

    draft = make_case()
    with pytest.raises(ConflictError, match="draft"):
        case_claim(case_id=draft.id, actor=Actor.staff(staff["reviewer"]))
    case = ready_case()
    case_claim(case_id=case.id, actor=Actor.staff(staff["reviewer"]))
    case_decide(case_id=case.id, actor=Actor.staff(staff["reviewer"]), outcome="approve",
                reason_codes=["documents-consistent"])
    with pytest.raises(ConflictError, match="approved"):
        case_assign(case_id=case.id, actor=Actor.staff(staff["senior"]), assignee_id=staff["other_reviewer"].pk)
    with pytest.raises(ConflictError, match="decided and locked"):
        case_release(case_id=case.id, actor=Actor.staff(staff["reviewer"]))
    assert Case.objects.get(id=case.id).assigned_to == staff["reviewer"]


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_claiming_at_the_same_moment_get_one_winner(scripted_ocr):
    reviewers = [staff_member("reviewer", username=f"racer{i}") for i in range(4)]
    case = ready_case()
    barrier = threading.Barrier(len(reviewers))
    results = []

    def attempt(user):
        try:
            barrier.wait(timeout=10)
            case_claim(case_id=case.id, actor=Actor.staff(user))
            results.append(("won", user.username))
        except ConflictError:
            results.append(("lost", user.username))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [name for outcome, name in results if outcome == "won"]
    assert len(results) == 4 and len(winners) == 1
    assert Case.objects.get(id=case.id).assigned_to.username == winners[0]
    assert AuditEvent.objects.filter(case_id=case.id, action="case.claimed").count() == 1
