"""Every allowed and every refused case transition, in the pure state machine and through the service."""

import itertools

import pytest
from django.db import transaction

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.domain.workflow import ALLOWED_TRANSITIONS, CaseState, IllegalTransition, assert_transition
from kyc.models import Case
from kyc.services.cases import case_create, case_transition

ALL_PAIRS = list(itertools.product(CaseState, CaseState))
ALLOWED = [
    ("draft", "submitted"),
    ("submitted", "processing"),
    ("submitted", "needs_attention"),
    ("submitted", "resubmission_requested"),
    ("processing", "resubmission_requested"),
    ("processing", "ready_for_review"),
    ("processing", "needs_attention"),
    ("ready_for_review", "approved"),
    ("ready_for_review", "rejected"),
    ("ready_for_review", "resubmission_requested"),
    ("needs_attention", "processing"),
    ("needs_attention", "resubmission_requested"),
    ("needs_attention", "rejected"),
    ("resubmission_requested", "submitted"),
    # An erasure request withdraws any open case.
    ("draft", "withdrawn"),
    ("submitted", "withdrawn"),
    ("processing", "withdrawn"),
    ("ready_for_review", "withdrawn"),
    ("needs_attention", "withdrawn"),
    ("resubmission_requested", "withdrawn"),
]


def test_the_documented_transitions_are_exactly_the_allowed_ones():
    table = {(a.value, b.value) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == set(ALLOWED)


@pytest.mark.parametrize("current,target", ALL_PAIRS, ids=lambda s: s.value)
def test_state_machine_allows_or_refuses_every_pair(current, target):
    if (current.value, target.value) in ALLOWED:
        assert_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as refused:
            assert_transition(current, target)
        assert f"'{current.value}' cannot move to '{target.value}'" in str(refused.value)


@pytest.mark.parametrize("final", ["approved", "rejected", "withdrawn"])
def test_final_states_say_so(final):
    with pytest.raises(IllegalTransition, match="none \\(the case is final\\)"):
        assert_transition(final, "processing")


@pytest.mark.django_db
@pytest.mark.parametrize("current,target", ALL_PAIRS, ids=lambda s: s.value)
def test_service_transition_writes_audit_or_changes_nothing(current, target):
    case = case_create(actor=Actor.applicant(""), email="a@example.test", document_type="passport")
    Case.objects.filter(id=case.id).update(state=current.value)
    events_before = AuditEvent.objects.count()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(id=case.id)
        if (current.value, target.value) in ALLOWED:
            case_transition(case=locked, target=target, actor=Actor.system("test"), reason="because")
        else:
            with pytest.raises(IllegalTransition):
                case_transition(case=locked, target=target, actor=Actor.system("test"))
    case.refresh_from_db()
    if (current.value, target.value) in ALLOWED:
        assert case.state == target.value
        event = AuditEvent.objects.order_by("-sequence").first()
        assert AuditEvent.objects.count() == events_before + 1
        assert event.action == "case.state_changed"
        assert event.data["before"] == current.value and event.data["after"] == target.value
    else:
        assert case.state == current.value
        assert AuditEvent.objects.count() == events_before
