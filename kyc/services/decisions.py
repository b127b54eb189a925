"""Reviewers' decisions, with the policy that defends them.

- Only the reviewer holding the case (services.assignments) decides it; nobody decides a case
  they created on the applicant's behalf; a decided case is final.
- Every decision gives at least one reason code from the admin's list; rejecting, asking for
  resubmission and overriding a failed check all need a note.
- Policy four-eyes: approving a case with any failed check (an override) only proposes the
  approval; a second, different senior reviewer confirms or declines it, whose account was not
  created, given a role or had its password reset by someone else within the cooling-off period
  (``FOUR_EYES_COOLING_OFF_HOURS``): an admin cannot mint the second approver they need.
- The applicant hears of a final decision by email, in their language, once the decision is
  committed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kyc.access import policy
from kyc.core.audit import Actor, audit_record
from kyc.domain.workflow import CaseState
from kyc.errors import PermissionDenied, ValidationFailed
from kyc.models import Case, Decision, ReasonCode
from kyc.services.cases import case_transition, lock_case
from kyc.services.staff_auth import staff_recently_elevated
from ocr_integration.documents.kinds import DocumentKind

_TARGET = {
    Decision.Outcome.APPROVE: CaseState.APPROVED,
    Decision.Outcome.REJECT: CaseState.REJECTED,
    Decision.Outcome.REQUEST_RESUBMISSION: CaseState.RESUBMISSION_REQUESTED,
}


def has_failed_findings(case: Case) -> bool:
    return case.findings.filter(check_run=case.check_run, outcome="fail").exists()


def _clean_reason_codes(codes: list[str] | None, outcome: Decision.Outcome) -> list[str]:
    cleaned = list(dict.fromkeys(code.strip() for code in (codes or []) if code and code.strip()))
    if not cleaned:
        raise ValidationFailed(message="Choose at least one reason code for the decision.", field="reason_codes")
    known = {rc.code: rc for rc in ReasonCode.objects.filter(code__in=cleaned, is_active=True)}
    unknown = [code for code in cleaned if code not in known]
    if unknown:
        raise ValidationFailed(message=f"Unknown or retired reason code: {', '.join(unknown)}.", field="reason_codes")
    misplaced = [code for code in cleaned if not known[code].applies(outcome.value)]
    if misplaced:
        raise ValidationFailed(
            message=f"Reason code {', '.join(misplaced)} does not apply to {outcome.label.lower()}.", field="reason_codes"
        )
    return cleaned


def _pending_approval(case: Case) -> Decision | None:
    return case.decisions.filter(status=Decision.Status.AWAITING_SECOND).first()


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
    """Approve, reject or ask for resubmission. Enforces who may decide, not only what the page shows.

    Returns the decision; ``decision.status`` is ``awaiting_second`` when the approval overrides a
    failed check and waits for a second senior reviewer (the case does not move yet).
    """
    user = actor.user
    policy.refuse(policy.decider_refusal(user))
    try:
        decision_outcome = Decision.Outcome(outcome)
    except ValueError:
        raise ValidationFailed(message=f"Unknown decision {outcome!r}.", field="outcome") from None
    case = lock_case(case_id)
    policy.refuse(policy.decide_refusal(user, case, pending_approval=_pending_approval(case)))
    codes = _clean_reason_codes(reason_codes, decision_outcome)
    note = note.strip()
    requested = list(dict.fromkeys(requested_kinds or []))
    is_override = decision_outcome == Decision.Outcome.APPROVE and has_failed_findings(case)
    if decision_outcome == Decision.Outcome.REJECT and not note:
        raise ValidationFailed(message="A note is required when rejecting a case.", field="note")
    if is_override and not note:
        raise ValidationFailed(message="A check failed on this case: explain in a note why you approve it anyway.",
                               field="note")
    if decision_outcome == Decision.Outcome.REQUEST_RESUBMISSION:
        allowed = {k.value for k in case.resubmittable_kinds}
        if not requested or not set(requested) <= allowed:
            raise ValidationFailed(message="Choose which sides of the document the applicant must send again.",
                                   field="requested_kinds")
        if not note:
            raise ValidationFailed(message="Say why, in words the applicant will see, when asking for new images.",
                                   field="note")
    else:
        requested = []
    if decision_outcome == Decision.Outcome.APPROVE and case.state == CaseState.NEEDS_ATTENTION:
        raise ValidationFailed(message="A case whose documents could not be read cannot be approved.")
    decision = Decision.objects.create(
        case=case,
        reviewer=user,
        outcome=decision_outcome.value,
        status=Decision.Status.AWAITING_SECOND if is_override else Decision.Status.FINAL,
        is_override=is_override,
        reason_codes=codes,
        note=note,
        requested_kinds=requested,
    )
    data = {"outcome": decision_outcome.value, "reason_codes": codes, "requested_kinds": requested,
            "override": is_override}
    if is_override:
        case.awaiting_second_approval = True
        case.save(update_fields=["awaiting_second_approval"])
        audit_record(actor=actor, action="case.approval_proposed", case_id=case.id, object_type="decision",
                     object_id=decision.id, data=data)
        return decision
    audit_record(actor=actor, action="case.decided", case_id=case.id, object_type="decision",
                 object_id=decision.id, data=data)
    _finish(case=case, decision=decision, actor=actor)
    return decision


@transaction.atomic
def decision_second_review(*, decision_id, actor: Actor, confirm: bool, note: str = "") -> Decision:
    """The second senior reviewer confirms (the case is approved) or declines an override approval."""
    user = actor.user
    policy.refuse(policy.second_reviewer_refusal(user))
    case_id = Decision.objects.filter(id=decision_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise ValidationFailed(message="No such decision.")
    case = lock_case(case_id)  # the case first, as every other writer does: no lock-order deadlock
    decision = Decision.objects.select_for_update().get(id=decision_id)
    policy.refuse(policy.second_review_refusal(user, case, decision))
    if confirm and staff_recently_elevated(user=user):
        raise PermissionDenied(
            message=f"Your account was created, given a role or had its password reset in the last "
            f"{settings.FOUR_EYES_COOLING_OFF_HOURS} hours: another senior reviewer must confirm this approval."
        )
    note = note.strip()
    if not confirm and not note:
        raise ValidationFailed(message="Say in a note why you decline this approval; the first reviewer will read it.",
                               field="note")
    decision.second_reviewer = user
    decision.second_note = note
    decision.second_reviewed_at = timezone.now()
    decision.status = Decision.Status.FINAL if confirm else Decision.Status.DECLINED
    decision.save(update_fields=["second_reviewer", "second_note", "second_reviewed_at", "status"])
    case.awaiting_second_approval = False
    case.save(update_fields=["awaiting_second_approval"])
    data = {"outcome": decision.outcome, "reason_codes": decision.reason_codes, "override": True,
            "first_reviewer": decision.reviewer_id, "second_reviewer": user.pk}
    if not confirm:
        audit_record(actor=actor, action="case.approval_declined", case_id=case.id, object_type="decision",
                     object_id=decision.id, data=data)
        return decision
    audit_record(actor=actor, action="case.decided", case_id=case.id, object_type="decision",
                 object_id=decision.id, data=data)
    _finish(case=case, decision=decision, actor=actor)
    return decision


def _finish(*, case: Case, decision: Decision, actor: Actor) -> None:
    outcome = Decision.Outcome(decision.outcome)
    case_transition(
        case=case,
        target=_TARGET[outcome],
        actor=actor,
        reason=decision.note if outcome == Decision.Outcome.REQUEST_RESUBMISSION else "",
        data={"decision": decision.id},  # the reason's words: that decision's encrypted note
    )
    if outcome == Decision.Outcome.REQUEST_RESUBMISSION:
        # The sides to replace go back to the applicant; the others keep their readings.
        case.documents.filter(is_current=True, kind__in=decision.requested_kinds).update(is_current=False)
        if DocumentKind.SELFIE.value in decision.requested_kinds:
            # A new selfie comes with a new head-turn burst: the face checks compare the two.
            case.liveness_captures.filter(is_current=True).update(is_current=False)
            # ... and the applicant is asked for the head turn again, even if they skipped it before.
            case.liveness_skipped_at = None
        # The case comes back to the shared queue when the applicant resubmits.
        case.assigned_to = None
        case.assigned_at = None
        case.save(update_fields=["assigned_to", "assigned_at", "liveness_skipped_at", "updated_at"])
    from kyc.tasks import send_decision_email

    transaction.on_commit(lambda: send_decision_email.delay(decision.id))
