"""Who is working on a case: claim, release, assign.

A case is decided only by the reviewer who holds it (see services.decisions), and holding it is
taken under the case's row lock, so two reviewers can never decide the same case.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kyc.errors import ConflictError, PermissionDenied, ValidationFailed
from kyc.models import Case
from kyc.services.audit import Actor, audit_record
from kyc.services.cases import lock_case
from kyc.workflow import DECIDABLE_STATES, FINAL_STATES


def _require_decider(user) -> None:
    if user is None or not user.is_active or not user.has_perm("kyc.decide_case"):
        raise PermissionDenied(message="Only reviewers who may decide cases can hold them.")


def _assign(case: Case, *, to, actor: Actor, action: str) -> Case:
    before = case.assigned_to_id
    case.assigned_to = to
    case.assigned_at = timezone.now() if to is not None else None
    case.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
    audit_record(
        actor=actor, action=action, case_id=case.id, object_type="case", object_id=case.id,
        data={"before": before, "after": to.pk if to is not None else None},
    )
    return case


def _require_open(case: Case) -> None:
    if case.state not in DECIDABLE_STATES:
        raise ConflictError(message=f"The case is {case.state_label.lower()}; it is not waiting for a reviewer.")


@transaction.atomic
def case_claim(*, case_id, actor: Actor) -> Case:
    """Take a case waiting for review. Refused when someone else holds it."""
    user = actor.user
    _require_decider(user)
    case = lock_case(case_id)
    _require_open(case)
    if case.created_by_id == user.pk:
        raise PermissionDenied(message="You created this case on the applicant's behalf; another reviewer must take it.")
    if case.assigned_to_id == user.pk:
        return case
    if case.assigned_to_id is not None:
        raise ConflictError(message=f"{case.assigned_to.get_username()} is already working on this case.")
    return _assign(case, to=user, actor=actor, action="case.claimed")


@transaction.atomic
def case_release(*, case_id, actor: Actor) -> Case:
    """Give a case back to the queue: its holder may, and so may whoever may assign cases."""
    user = actor.user
    case = lock_case(case_id)
    if case.assigned_to_id is None:
        return case
    if case.state in FINAL_STATES:
        raise ConflictError(message="The case is decided and locked; who held it stays on record.")
    if case.assigned_to_id != user.pk and not user.has_perm("kyc.assign_case"):
        raise PermissionDenied(message="Only the reviewer holding this case, or a senior reviewer, can release it.")
    return _assign(case, to=None, actor=actor, action="case.released")


@transaction.atomic
def case_assign(*, case_id, actor: Actor, assignee_id) -> Case:
    """A senior reviewer hands a case to a named reviewer (taking it from whoever held it)."""
    user = actor.user
    if user is None or not user.has_perm("kyc.assign_case"):
        raise PermissionDenied(message="Only senior reviewers can assign cases to others.")
    assignee = get_user_model().objects.filter(pk=assignee_id).first()
    if assignee is None:
        raise ValidationFailed(message="No such reviewer.")
    _require_decider(assignee)
    case = lock_case(case_id)
    _require_open(case)
    if case.created_by_id == assignee.pk:
        raise ValidationFailed(message=f"{assignee.get_username()} created this case and may not review it.")
    if case.assigned_to_id == assignee.pk:
        return case
    return _assign(case, to=assignee, actor=actor, action="case.assigned")
