"""Reviewers' decisions."""

from __future__ import annotations

from django.db import transaction

from kyc.errors import PermissionDenied, ValidationFailed
from kyc.models import Decision
from kyc.services.audit import Actor, audit_record
from kyc.services.cases import case_transition, lock_case
from kyc.workflow import DECIDABLE_STATES, CaseState
from ocr_integration.documents.kinds import REQUIRED_KINDS, DocumentType

_TARGET = {
    Decision.Outcome.APPROVE: CaseState.APPROVED,
    Decision.Outcome.REJECT: CaseState.REJECTED,
    Decision.Outcome.REQUEST_RESUBMISSION: CaseState.RESUBMISSION_REQUESTED,
}


@transaction.atomic
def case_decide(
    *,
    case_id,
    actor: Actor,
    outcome: str,
    reason_codes: list[str] | None = None,
    note: str = "",
    requested_kinds: list[str] | None = None,
) -> Decision:
    """Approve, reject or ask for resubmission. Enforces who may decide, not only what the page shows."""
    user = actor.user
    if user is None or not user.has_perm("kyc.decide_case"):
        raise PermissionDenied("Only reviewers may decide cases.")
    try:
        decision_outcome = Decision.Outcome(outcome)
    except ValueError:
        raise ValidationFailed(f"Unknown decision {outcome!r}.") from None
    case = lock_case(case_id)
    if case.created_by_id == user.pk:
        raise PermissionDenied("You created this case on the applicant's behalf; another reviewer must decide it.")
    if case.state not in DECIDABLE_STATES:
        raise ValidationFailed(f"The case is {case.state_label.lower()}; it cannot be decided now.")
    reason_codes = [code.strip() for code in (reason_codes or []) if code.strip()]
    note = note.strip()
    if decision_outcome == Decision.Outcome.REJECT and not note:
        raise ValidationFailed("A note is required when rejecting a case.")
    requested = list(requested_kinds or [])
    if decision_outcome == Decision.Outcome.REQUEST_RESUBMISSION:
        allowed = {k.value for k in REQUIRED_KINDS[DocumentType(case.document_type)]}
        if not requested or not set(requested) <= allowed:
            raise ValidationFailed("Choose which sides of the document the applicant must send again.")
        if not note:
            raise ValidationFailed("Say why, in words the applicant will see, when asking for new images.")
    if decision_outcome == Decision.Outcome.APPROVE and case.state == CaseState.NEEDS_ATTENTION:
        raise ValidationFailed("A case whose documents could not be read cannot be approved.")
    decision = Decision.objects.create(
        case=case,
        reviewer=user,
        outcome=decision_outcome.value,
        reason_codes=reason_codes,
        note=note,
        requested_kinds=requested,
    )
    audit_record(
        actor=actor,
        action="case.decided",
        case_id=case.id,
        object_type="decision",
        object_id=decision.id,
        data={"outcome": decision_outcome.value, "reason_codes": reason_codes, "requested_kinds": requested},
    )
    case_transition(
        case=case,
        target=_TARGET[decision_outcome],
        actor=actor,
        reason=note if decision_outcome == Decision.Outcome.REQUEST_RESUBMISSION else "",
    )
    if decision_outcome == Decision.Outcome.REQUEST_RESUBMISSION:
        # The sides to replace go back to the applicant; the others keep their readings.
        case.documents.filter(is_current=True, kind__in=requested).update(is_current=False)
    return decision
