"""Recording audit events on the hash chains: one chain per case, and the global one."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.sql.subqueries import InsertQuery
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
    for each other (issue 17, point 8). Inside :func:`audit_events_together`, the event is appended
    at the end of that block, with the block's other events (its id, sequence and hash are set then).
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    event = AuditEvent(
        occurred_at=timezone.now(),
        chain=str(case_id) if case_id else GLOBAL_CHAIN,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        case_id=case_id,
        object_type=object_type,
        object_id=str(object_id),
        data=data or {},
    )
    together = _together.blocks[-1] if getattr(_together, "blocks", None) else None
    if together is None:
        _append([event])
    elif together.savepoints == _open_savepoints(connection):
        together.events.append((event, None))
    else:
        # In a savepoint opened inside the block, which may roll back on its own: the event is
        # kept only if the savepoint is not rolled back, which Django tells by dropping the
        # on-commit callbacks registered inside it.
        marker = _EventKept()
        transaction.on_commit(marker)
        together.events.append((event, marker))
    return event


class _EventKept:
    """An on-commit callback that does nothing: its presence says its savepoint was not rolled back."""

    def __call__(self) -> None:
        pass


@dataclass
class _Together:
    savepoints: tuple
    events: list = field(default_factory=list)


_together = threading.local()


def _open_savepoints(connection) -> tuple:
    # A nested atomic block without a savepoint stacks None: it cannot roll back on its own.
    return tuple(sid for sid in connection.savepoint_ids if sid)


@contextmanager
def audit_events_together():
    """A transaction (or part of one) whose audit events are appended together at its end: per
    chain, one statement locks the head and takes the ids, one inserts the events and moves the
    head, instead of four statements per event (issue 21 point 3). Each chain keeps the order in
    which the events were recorded; the event of a savepoint rolled back inside the block is dropped
    with the change it recorded.

    The block is atomic without a savepoint of its own: if it raises, the enclosing transaction
    can only roll back, so no change of the block can be committed without its events.
    """
    with transaction.atomic(savepoint=False):
        connection = transaction.get_connection()
        block = _Together(_open_savepoints(connection))
        blocks = _together.__dict__.setdefault("blocks", [])
        blocks.append(block)
        try:
            yield
        finally:
            blocks.pop()
        pending = {id(callback) for _, callback, _ in connection.run_on_commit}
        _append([event for event, marker in block.events if marker is None or id(marker) in pending])


def _append(events: list[AuditEvent]) -> None:
    """Chain ``events`` (in the order given) onto their chains' heads and write them."""
    by_chain: dict[str, list[AuditEvent]] = {}
    for event in events:
        by_chain.setdefault(event.chain, []).append(event)
    for chain, chained in by_chain.items():
        if connection.vendor == "postgresql":
            _append_postgresql(chain, chained)
        else:
            _append_portable(chain, chained)


def _link(head_sequence: int, head_hash: str, events: list[AuditEvent], ids: list[int]) -> None:
    for event, event_id in zip(events, ids, strict=True):
        event.id = event.sequence = event_id
        event.chain_sequence = head_sequence = head_sequence + 1
        event.prev_hash = head_hash
        event.hash = head_hash = event.compute_hash()


def _append_portable(chain: str, events: list[AuditEvent]) -> None:
    head = _lock_chain(chain)
    _link(head.last_sequence, head.last_hash, events, [_next_event_id() + n for n in range(len(events))])
    AuditEvent.objects.bulk_create(events)
    head.last_sequence = events[-1].chain_sequence
    head.last_hash = events[-1].hash
    head.save(update_fields=["last_sequence", "last_hash"])


def _append_postgresql(chain: str, events: list[AuditEvent]) -> None:
    """Two statements for any number of events of one chain: the head locked with the ids taken
    from the table's sequence, then the events inserted and the head moved in one statement."""
    event_table = AuditEvent._meta.db_table
    chain_table = connection.ops.quote_name(AuditChain._meta.db_table)
    lock_sql = (
        f"SELECT head.id, head.last_sequence, head.last_hash, nextval(pg_get_serial_sequence(%s, 'id')) "  # noqa: S608
        f"FROM {chain_table} AS head CROSS JOIN generate_series(1, %s) WHERE head.key = %s FOR UPDATE OF head"
    )
    with connection.cursor() as cursor:
        cursor.execute(lock_sql, [event_table, len(events), chain])
        rows = cursor.fetchall()
        if not rows:
            _lock_chain(chain)  # creates the head (a savepoint: another writer may create it too)
            cursor.execute(lock_sql, [event_table, len(events), chain])
            rows = cursor.fetchall()
        head_id, head_sequence, head_hash = rows[0][:3]
        _link(head_sequence, head_hash, events, sorted(row[3] for row in rows))
        insert = InsertQuery(AuditEvent)
        insert.insert_values(AuditEvent._meta.concrete_fields, events)
        [(insert_sql, insert_params)] = insert.get_compiler(connection=connection).as_sql()
        cursor.execute(
            f"WITH appended AS ({insert_sql}) UPDATE {chain_table} SET last_sequence = %s, last_hash = %s "  # noqa: S608
            "WHERE id = %s",
            [*insert_params, events[-1].chain_sequence, events[-1].hash, head_id],
        )
    for event in events:
        event._state.adding = False
        event._state.db = connection.alias


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
