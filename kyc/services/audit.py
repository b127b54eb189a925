"""Recording audit events on the hash chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from kyc.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user, an applicant (by session), an integrator (by API key), the system."""

    kind: str
    id: str = ""
    label: str = ""
    user: Any = None  # the Django user for staff actors

    @classmethod
    def staff(cls, user) -> Actor:
        return cls(kind=AuditEvent.ActorKind.STAFF, id=str(user.pk), label=user.get_username(), user=user)

    @classmethod
    def applicant(cls, applicant_id) -> Actor:
        return cls(kind=AuditEvent.ActorKind.APPLICANT, id=str(applicant_id), label="applicant")

    @classmethod
    def integrator(cls, integrator_id, name: str) -> Actor:
        return cls(kind=AuditEvent.ActorKind.INTEGRATOR, id=str(integrator_id), label=name)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind=AuditEvent.ActorKind.SYSTEM, label=label)


def audit_record(
    *,
    actor: Actor,
    action: str,
    case_id=None,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    event = AuditEvent(
        sequence=head.last_sequence + 1,
        occurred_at=timezone.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        case_id=case_id,
        object_type=object_type,
        object_id=str(object_id),
        data=data or {},
        prev_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    head.last_sequence = event.sequence
    head.last_hash = event.hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return event
