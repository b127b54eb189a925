"""Who is working on a case: claim, release, assign.

A case is decided only by the reviewer who holds it (see services.decisions), and holding it is
taken under the case's row lock, so two reviewers can never decide the same case.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kyc.access import policy
from kyc.core.audit import Actor, audit_record
from kyc.errors import ValidationFailed
from kyc.models import Case
from kyc.services.cases import lock_case


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


@transaction.atomic
def case_claim(*, case_id, actor: Actor) -> Case:
    """Take a case waiting for review. Refused when someone else holds it."""
    user = actor.user
    policy.refuse(policy.hold_refusal(user))
    case = lock_case(case_id)
    policy.refuse(policy.claim_refusal(user, case))
    if case.assigned_to_id == user.pk:
        return case
    return _assign(case, to=user, actor=actor, action="case.claimed")


@transaction.atomic
def case_release(*, case_id, actor: Actor) -> Case:
    """Give a case back to the queue: its holder may, and so may whoever may assign cases."""
    user = actor.user
    case = lock_case(case_id)
    if case.assigned_to_id is None:
        return case
    policy.refuse(policy.release_refusal(user, case))
    return _assign(case, to=None, actor=actor, action="case.released")


@transaction.atomic
def case_assign(*, case_id, actor: Actor, assignee_id) -> Case:
    """A senior reviewer hands a case to a named reviewer (taking it from whoever held it)."""
    policy.refuse(policy.assign_refusal(actor.user))
    assignee = get_user_model().objects.filter(pk=assignee_id).first()
    if assignee is None:
        raise ValidationFailed(message="No such reviewer.")
    policy.refuse(policy.hold_refusal(assignee))
    case = lock_case(case_id)
    policy.refuse(policy.assignee_refusal(assignee, case))
    if case.assigned_to_id == assignee.pk:
        return case
    return _assign(case, to=assignee, actor=actor, action="case.assigned")
