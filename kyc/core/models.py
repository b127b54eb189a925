"""The audit trail: append-only, hash-chained events, one chain per case.

Each event stores the SHA-256 of its own content and the hash of the event before it *in its
chain*, so that changing or removing any row with raw SQL breaks its chain at that row;
``manage.py verify_audit`` walks every chain and names the first broken link. The ORM refuses
updates and deletes. A case's events form the case's chain (``chain`` is the case id); events of
no case (sign-ins, configuration) form the ``global`` chain. Appending locks only the chain's
head row (``AuditChain``), so writers on unrelated cases never wait for each other; signed
checkpoints (``AuditCheckpoint``) bind every chain's head.

Events never carry personal values (names, numbers, images): they say which fields changed,
not to what, so the trail can be kept after personal data is erased.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import models

GENESIS_HASH = "0" * 64
GLOBAL_CHAIN = "global"


class AuditTrailIsAppendOnly(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("Audit events cannot be changed.")

    def delete(self):
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")

    def _raw_delete(self, using):
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    class ActorKind(models.TextChoices):
        STAFF = "staff", "Staff member"
        APPLICANT = "applicant", "Applicant"
        INTEGRATOR = "integrator", "Integrator (API key)"
        SYSTEM = "system", "System"

    # A global order over all chains, taken from the primary key's sequence (no lock); it may
    # have gaps (a rolled-back append), so gaps prove nothing: ``chain_sequence`` has none.
    sequence = models.PositiveBigIntegerField(unique=True)
    chain = models.CharField(max_length=40, default=GLOBAL_CHAIN)
    chain_sequence = models.PositiveBigIntegerField(default=0)
    # 1: the content hashed before chains existed (every such event is on the global chain, where
    # chain_sequence equals sequence); 2: the chain and its position are hashed too.
    hash_version = models.PositiveSmallIntegerField(default=2)
    occurred_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    # Plain values, not foreign keys: deleting a user or a case must never touch the trail.
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    case_id = models.UUIDField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        db_table = "kyc_auditevent"  # created by kyc's migrations before the table moved here
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "chain_sequence"], name="audit_event_chain_position"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")

    def content(self) -> dict[str, Any]:
        content = {
            "sequence": self.sequence,
            "occurred_at": self.occurred_at.isoformat(),
            "actor_kind": self.actor_kind,
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "case_id": str(self.case_id) if self.case_id else None,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }
        if self.hash_version >= 2:
            content["chain"] = self.chain
            content["chain_sequence"] = self.chain_sequence
        return content

    def compute_hash(self) -> str:
        canonical = json.dumps(self.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditChain(models.Model):
    """The head of one chain: its last event's position and hash. Locking it serialises appends
    to that chain only. ``checkpointed_sequence`` is where the last signed checkpoint left it."""

    key = models.CharField(max_length=40, unique=True)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    checkpointed_sequence = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "kyc_auditchain"

    def __str__(self) -> str:
        return f"audit chain {self.key} at #{self.last_sequence}"


class AuditCheckpoint(models.Model):
    """A signed statement of where the chain stood: its last event's sequence and hash.

    ``payload`` is the exact canonical JSON that was signed (Ed25519, with a key that is never in
    the database: ``AUDIT_SIGNING_KEY``), so anyone holding the published verifying key can check
    it. Someone who can write to the database can re-hash every event after one they changed,
    but cannot sign a new checkpoint; and a checkpoint exported before (a file shipped elsewhere)
    still names the events a truncation removed. Append-only, like the events.
    """

    created_at = models.DateTimeField()
    last_sequence = models.PositiveBigIntegerField(db_index=True)
    payload = models.TextField()
    signature = models.CharField(max_length=128)
    key_id = models.CharField(max_length=32)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        db_table = "kyc_auditcheckpoint"
        ordering = ["last_sequence", "created_at"]

    def __str__(self) -> str:
        return f"checkpoint at #{self.last_sequence}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit checkpoints cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit checkpoints cannot be deleted.")
