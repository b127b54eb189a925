"""The filter bar's counts come from a counter table the database keeps (kyc/models/queue_count.py).

They must stay exactly what counting the cases gives, through every way a case changes group:
creation, submission and reading, claims and releases, decisions (with a second approval),
resubmission, erasure, bulk updates and deletes, and rolled-back transactions. Each check compares
the page's counts with plain COUNT queries over the cases, for every filter of the bar.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from kyc.core.audit import Actor
from kyc.domain.workflow import CaseState
from kyc.models import Case, QueueCount
from kyc.selectors.queue import LISTABLE_STATES, QueueFilterSet, reviewer_queue_counts
from kyc.services.assignments import case_claim, case_release
from kyc.services.cases import case_transition, lock_case
from kyc.services.decisions import case_decide, decision_second_review
from kyc.services.queue_counts import queue_counts_compact, queue_counts_reconcile
from kyc.services.retention import applicant_erase
from tests.conftest import make_case
from tests.kyc.reviewer.conftest import ready_case

pytestmark = pytest.mark.django_db

ALL_STATES = [s.value for s in LISTABLE_STATES]
FILTERS = [
    {},
    {"state": ALL_STATES},
    {"state": ["approved", "rejected"]},
    {"document_type": "emirates_id"},
    {"document_kind": "emirates_id_back"},
    {"document_kind": "emirates_id_back", "state": ALL_STATES},
    {"document_kind": "bank_card"},
    {"country": "gbr"},
    {"finding": "fail"},
    {"finding": "warn"},
    {"finding": "clean"},
    {"assigned": "me"},
    {"assigned": "unassigned"},
    {"assigned": "others"},
    {"waiting": "24h"},
    {"waiting": "1h", "state": ALL_STATES},
    {"over_sla": "1"},
    {"awaiting_second": "1"},
    {"document_type": "passport", "country": "GBR", "finding": "fail", "assigned": "unassigned", "waiting": "1h"},
    {"q": "nobody at all"},
]


def counted(filters: dict, user) -> dict:
    """What COUNT(*) over the cases says, filter by filter (no counter table involved)."""
    filterset = QueueFilterSet(filters, user=user)
    cases = filterset.cases(include_states=False)
    chosen = cases.filter(state__in=filterset.values.states)
    sla_cutoff = timezone.now() - timedelta(hours=settings.REVIEW_SLA_HOURS)
    return {
        "by_state": {state: cases.filter(state=state).count() for state in ALL_STATES},
        "mine": chosen.filter(assigned_to=user).count(),
        "unassigned": chosen.filter(assigned_to__isnull=True).count(),
        "failed": chosen.filter(failed_findings_count__gt=0).count(),
        "awaiting_second": chosen.filter(awaiting_second_approval=True).count(),
        "over_sla": chosen.filter(submitted_at__lte=sla_cutoff).count(),
    }


def shown(filters: dict, user) -> dict:
    counts = reviewer_queue_counts(QueueFilterSet(filters, user=user))
    return {"by_state": counts.by_state, "mine": counts.mine, "unassigned": counts.unassigned,
            "failed": counts.failed, "awaiting_second": counts.awaiting_second, "over_sla": counts.over_sla}


def assert_counts_exact(user, step: str) -> None:
    for filters in FILTERS:
        assert shown(filters, user) == counted(filters, user), f"after {step}, filters {filters}"


def age(case: Case, delta: timedelta) -> None:
    Case.objects.filter(id=case.id).update(submitted_at=timezone.now() - delta)


def test_counts_stay_exact_through_the_life_of_cases(staff, scripted_ocr):
    reviewer, other = staff["reviewer"], staff["other_reviewer"]
    passport = ready_case("passport", issuing_country="GBR", failed=True)
    emirates = ready_case("emirates_id", issuing_country="ARE", warned=True)
    chinese = ready_case("cn_resident_id", issuing_country="CHN")
    clean = ready_case("passport", issuing_country="GBR")
    draft = make_case("passport")  # not listable: counted in no state of the bar
    for case, delta in ((passport, timedelta(days=3)), (emirates, timedelta(hours=5)),
                        (chinese, timedelta(minutes=5)), (clean, timedelta(days=10))):
        age(case, delta)
    assert_counts_exact(reviewer, "reading four cases")
    assert shown({}, reviewer)["by_state"]["ready_for_review"] == 4

    case_claim(case_id=emirates.id, actor=Actor.staff(reviewer))
    case_claim(case_id=chinese.id, actor=Actor.staff(other))
    assert_counts_exact(reviewer, "two claims")
    assert shown({}, reviewer)["mine"] == 1

    case_release(case_id=chinese.id, actor=Actor.staff(other))
    case_decide(case_id=emirates.id, actor=Actor.staff(reviewer), outcome="request_resubmission",
                reason_codes=["image-unreadable"], note="The back is blurred.", requested_kinds=["emirates_id_back"])
    assert_counts_exact(reviewer, "a release and a resubmission request")
    # The side filter counts the case waiting for its back from its documents: it has no back now.
    assert shown({"document_kind": "emirates_id_back", "state": ALL_STATES}, reviewer)["by_state"][
        "resubmission_requested"] == 0
    assert shown({"document_kind": "emirates_id_front", "state": ALL_STATES}, reviewer)["by_state"][
        "resubmission_requested"] == 1

    case_claim(case_id=clean.id, actor=Actor.staff(reviewer))
    case_decide(case_id=clean.id, actor=Actor.staff(reviewer), outcome="reject", reason_codes=["document-expired"],
                note="Expired in 2020.")
    senior, other_senior = staff["senior"], staff["other_senior"]
    case_claim(case_id=passport.id, actor=Actor.staff(senior))
    proposal = case_decide(case_id=passport.id, actor=Actor.staff(senior), outcome="approve",
                           reason_codes=["manual-verification"], note="MRZ misread; checked by eye.")
    assert_counts_exact(reviewer, "a rejection and an override waiting for its second approval")
    assert shown({}, reviewer)["awaiting_second"] == 1
    decision_second_review(decision_id=proposal.id, actor=Actor.staff(other_senior), confirm=True)
    assert_counts_exact(reviewer, "the second approval")
    assert shown({"state": ["approved"]}, reviewer)["by_state"]["approved"] == 1

    applicant_erase(applicant_id=chinese.applicant_id, actor=Actor.system("test"))
    applicant_erase(applicant_id=draft.applicant_id, actor=Actor.system("test"))
    assert_counts_exact(reviewer, "two erasures (a waiting case withdrawn)")

    # Writes that bypass the services (an admin's bulk update, a delete) are counted too.
    Case.objects.filter(id=passport.id).update(issuing_country="FRA", failed_findings_count=2)
    Case.objects.filter(id=draft.id).delete()
    assert_counts_exact(reviewer, "a bulk update and a delete")

    # Folding the rows changes no count, and recounting finds nothing to repair.
    rows_before = QueueCount.objects.count()
    assert queue_counts_compact() < rows_before
    assert_counts_exact(reviewer, "folding")
    assert queue_counts_reconcile() == 0
    assert_counts_exact(reviewer, "recounting")


def test_a_rolled_back_transition_leaves_no_count_behind(staff, scripted_ocr):
    case = ready_case()
    before = shown({"state": ALL_STATES}, staff["reviewer"])

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        case_transition(case=lock_case(case.id), target=CaseState.WITHDRAWN, actor=Actor.system("test"))
        raise Abort
    assert shown({"state": ALL_STATES}, staff["reviewer"]) == before == counted({"state": ALL_STATES}, staff["reviewer"])


def test_reconciling_repairs_counts_that_drifted(staff, scripted_ocr, capsys):
    ready_case(issuing_country="GBR")
    ready_case(issuing_country="GBR", failed=True)
    reviewer = staff["reviewer"]
    # Drift: a row nobody's change explains (written by hand, or the triggers missing a while).
    QueueCount.objects.create(state="ready_for_review", document_type="passport", issuing_country="GBR",
                              has_failed=False, has_warned=False, awaiting_second_approval=False, assignee_id=0, n=5)
    assert shown({}, reviewer)["by_state"]["ready_for_review"] == 7 != counted({}, reviewer)["by_state"]["ready_for_review"]

    call_command("queue_counts", "--reconcile")
    assert "1 groups were wrong" in capsys.readouterr().out
    assert_counts_exact(reviewer, "reconciling")
    call_command("queue_counts")
    assert "Folded" in capsys.readouterr().out
    assert_counts_exact(reviewer, "folding")
