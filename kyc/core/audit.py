"""Recording audit events on the hash chains: one chain per case, and the global one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kyc.core.models import GLOBAL_CHAIN, AuditChain, AuditEvent


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
    """Append one event to its chain (the case's, or the global one for events of no case).

    Must run inside the transaction of the change it records. Locks that chain's head row until
    the transaction ends, and nothing shared by all chains: writers on unrelated cases never wait
    for each other (issue 17, point 8).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    chain = str(case_id) if case_id else GLOBAL_CHAIN
    head = _lock_chain(chain)
    event = AuditEvent(
        id=_next_event_id(),
        occurred_at=timezone.now(),
        chain=chain,
        chain_sequence=head.last_sequence + 1,
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
    event.sequence = event.id
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    head.last_sequence = event.chain_sequence
    head.last_hash = event.hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return event


def field_changes(before: dict[str, Any], after: dict[str, Any], fields) -> dict[str, dict[str, Any]]:
    """``{field: {"before": ..., "after": ...}}`` for each of ``fields`` whose value differs: what a
    configuration change's audit event carries (never for personal values or secrets)."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in fields
        if before.get(name) != after.get(name)
    }


def _lock_chain(chain: str) -> AuditChain:
    head = AuditChain.objects.select_for_update().filter(key=chain).first()
    if head is None:
        try:
            with transaction.atomic():  # a savepoint: another writer may create the same chain
                AuditChain.objects.create(key=chain)
        except IntegrityError:
            pass
        head = AuditChain.objects.select_for_update().get(key=chain)
    return head


def _next_event_id() -> int:
    """The next event id, from the table's own identity sequence on PostgreSQL (no lock, gaps on
    rollback); on SQLite, whose IMMEDIATE transactions hold the database's one write lock, the
    largest id plus one."""
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        else:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return int(cursor.fetchone()[0])
