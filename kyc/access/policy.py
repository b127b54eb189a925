"""Who may do what to a case: written once, asked by the pages (which buttons to show) and enforced
by the services (which refuse the rest), as Zulip's ``access_*`` helpers are.

Each rule is a ``*_refusal`` function that returns the error the service raises, or None when the
action is allowed; ``can_*`` is the same rule as a yes/no for a page. A page that shows a button
and a service that refuses the click therefore never disagree. Services call the rules on the
case row they hold locked, so a rule is decided on what is current, not on what a page saw.
"""

from __future__ import annotations

from kyc.domain.workflow import DECIDABLE_STATES, FINAL_STATES, CaseState
from kyc.errors import ConflictError, KycError, PermissionDenied, ValidationFailed

DECIDE = "kyc.decide_case"
ASSIGN = "kyc.assign_case"
SECOND_APPROVE = "kyc.second_approve_case"
ADD_NOTE = "kyc.add_casenote"
EXPORT = "kyc.export_evidence"

_CREATOR_REFUSED = "You created this case on the applicant's behalf; another reviewer must decide it."


def refuse(refusal: KycError | None) -> None:
    """Raise the refusal a rule returned (nothing when the rule allows the action)."""
    if refusal is not None:
        raise refusal


def _has(user, perm: str) -> bool:
    return user is not None and user.is_active and user.has_perm(perm)


def _name(user) -> str:
    return user.get_username() if user is not None else "someone"


# --- holding a case: claim, release, assign -------------------------------------------------

def hold_refusal(user) -> KycError | None:
    """May ``user`` hold a case at all (be its reviewer)?"""
    if not _has(user, DECIDE):
        return PermissionDenied(message="Only reviewers who may decide cases can hold them.")
    return None


def _open_refusal(case) -> KycError | None:
    if case.state not in DECIDABLE_STATES:
        return ConflictError(message=f"The case is {case.state_label.lower()}; it is not waiting for a reviewer.")
    return None


def claim_refusal(user, case) -> KycError | None:
    """May ``user`` take ``case``? Holding it already is allowed (the claim does nothing)."""
    if refusal := hold_refusal(user) or _open_refusal(case):
        return refusal
    if case.created_by_id == user.pk:
        return PermissionDenied(message="You created this case on the applicant's behalf; another reviewer must take it.")
    if case.assigned_to_id not in (None, user.pk):
        return ConflictError(message=f"{_name(case.assigned_to)} is already working on this case.")
    return None


def can_claim(user, case) -> bool:
    return case.assigned_to_id is None and claim_refusal(user, case) is None


def release_refusal(user, case) -> KycError | None:
    """May ``user`` give ``case`` back to the queue? Its holder may, and whoever may assign cases."""
    if case.state in FINAL_STATES:
        return ConflictError(message="The case is decided and locked; who held it stays on record.")
    if user is None or (case.assigned_to_id != user.pk and not _has(user, ASSIGN)):
        return PermissionDenied(message="Only the reviewer holding this case, or a senior reviewer, can release it.")
    return None


def can_release(user, case) -> bool:
    return case.assigned_to_id is not None and release_refusal(user, case) is None


def assign_refusal(user) -> KycError | None:
    """May ``user`` hand cases to others?"""
    if not _has(user, ASSIGN):
        return PermissionDenied(message="Only senior reviewers can assign cases to others.")
    return None


def can_assign(user, case=None) -> bool:
    """May ``user`` assign cases (``case``: this one, which must be waiting for a reviewer)?"""
    return assign_refusal(user) is None and (case is None or _open_refusal(case) is None)


def assignee_refusal(assignee, case) -> KycError | None:
    """May ``case`` be handed to ``assignee``?"""
    if refusal := hold_refusal(assignee) or _open_refusal(case):
        return refusal
    if case.created_by_id == assignee.pk:
        return ValidationFailed(message=f"{assignee.get_username()} created this case and may not review it.")
    return None


# --- deciding ------------------------------------------------------------------------------

def decider_refusal(user) -> KycError | None:
    """May ``user`` decide cases at all?"""
    if not _has(user, DECIDE):
        return PermissionDenied(message="Only reviewers may decide cases.")
    return None


def decide_refusal(user, case, *, pending_approval) -> KycError | None:
    """May ``user`` decide ``case`` now? ``pending_approval``: its approval waiting for a second
    senior reviewer, if any (no other decision can be taken meanwhile)."""
    if refusal := decider_refusal(user):
        return refusal
    if case.created_by_id == user.pk:
        return PermissionDenied(message=_CREATOR_REFUSED)
    if case.state not in DECIDABLE_STATES:
        return ConflictError(message=f"The case is {case.state_label.lower()}; it cannot be decided now.")
    if case.assigned_to_id is None:
        return ConflictError(message="Claim the case before deciding it.")
    if case.assigned_to_id != user.pk:
        return ConflictError(message=f"{_name(case.assigned_to)} is working on this case; only they can decide it.")
    if pending_approval is not None:
        return ConflictError(
            message="An approval of this case is waiting for a second senior reviewer, who must confirm or decline it first."
        )
    return None


def can_decide(user, case, *, pending_approval) -> bool:
    return decide_refusal(user, case, pending_approval=pending_approval) is None


def second_reviewer_refusal(user) -> KycError | None:
    """May ``user`` give second approvals at all?"""
    if not _has(user, SECOND_APPROVE):
        return PermissionDenied(message="Only senior reviewers can give the second approval.")
    return None


def second_review_refusal(user, case, decision) -> KycError | None:
    """May ``user`` confirm or decline ``decision`` (an approval waiting for a second senior reviewer)?

    The cooling-off rule for accounts changed recently (``staff_recently_elevated``) reads the
    audit trail and applies to confirming only: the service adds it.
    """
    if refusal := second_reviewer_refusal(user):
        return refusal
    if decision.status != decision.Status.AWAITING_SECOND:
        return ConflictError(message="This approval has already been confirmed or declined.")
    if decision.reviewer_id == user.pk:
        return PermissionDenied(message="The second approval must come from a different senior reviewer.")
    if case.created_by_id == user.pk:
        return PermissionDenied(message=_CREATOR_REFUSED)
    if case.state not in DECIDABLE_STATES:
        return ConflictError(message=f"The case is {case.state_label.lower()}; it cannot be decided now.")
    return None


def can_second_review(user, case, decision) -> bool:
    return decision is not None and second_review_refusal(user, case, decision) is None


def retry_refusal(user, case) -> KycError | None:
    """May ``user`` send a case the machine gave up on back to be read again?"""
    if refusal := decider_refusal(user):
        return refusal
    if case.state != CaseState.NEEDS_ATTENTION:
        return ConflictError(message="Only a case that needs attention can be read again.")
    return None


def can_retry(user, case) -> bool:
    return retry_refusal(user, case) is None


# --- notes and evidence ----------------------------------------------------------------------

def note_refusal(user) -> KycError | None:
    if user is None or not user.has_perm(ADD_NOTE):
        return PermissionDenied(message="Only reviewers can add notes.")
    return None


def can_note(user) -> bool:
    return note_refusal(user) is None


def export_refusal(user) -> KycError | None:
    if user is None or not user.has_perm(EXPORT):
        return PermissionDenied(message="Only senior reviewers and admins can export evidence.")
    return None


def can_export(user) -> bool:
    return export_refusal(user) is None


def configure_refusal(user, perm: str) -> KycError | None:
    """May ``user`` change configuration guarded by ``perm`` (``app_label.codename``)?"""
    if user is None or not user.has_perm(perm):
        return PermissionDenied(message="Only admins may change the configuration.")
    return None
