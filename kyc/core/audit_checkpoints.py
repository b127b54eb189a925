"""Signed checkpoints of the audit chain, and their export to write-once storage.

A checkpoint signs (Ed25519, kyc.core.audit_keys) the head (position and hash) of every chain that
moved since the previous checkpoint, and that checkpoint's digest: together they bind all chains.
Written periodically by Celery beat (``kyc.tasks.write_audit_checkpoint``) and on demand
(``manage.py audit_checkpoint``); each one can be appended to a file an operator ships elsewhere
(``AUDIT_CHECKPOINT_EXPORT_PATH``, or ``manage.py audit_checkpoint --export``).
``kyc.core.audit_verification.audit_chain_verify`` checks the chain against them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kyc.core import audit_keys
from kyc.core.audit_verification import checkpoint_digest
from kyc.core.models import AuditChain, AuditCheckpoint, AuditEvent

CHECKPOINT_VERSION = 2


def checkpoint_payload(*, chains: dict[str, tuple[int, str]], chain_count: int, previous: str, signed_at) -> str:
    """The exact text that is signed: canonical JSON (sorted keys, no spaces).

    ``chains``: the head (position, hash) of every chain that moved since the previous checkpoint,
    so that over the checkpoints every chain's every head is signed; ``previous``: the digest of
    the previous checkpoint's payload, so that a checkpoint removed from the series is noticed.
    """
    return json.dumps(
        {"version": CHECKPOINT_VERSION, "signed_at": signed_at.isoformat(), "previous": previous,
         "chain_count": chain_count,
         "chains": {key: {"sequence": position, "hash": last_hash} for key, (position, last_hash) in chains.items()}},
        sort_keys=True, separators=(",", ":"),
    )


def audit_checkpoint_write(*, only_if_changed: bool = False) -> AuditCheckpoint | None:
    """Sign the heads of the chains that moved since the last checkpoint and store the checkpoint.

    Holds no lock while it reads and signs: the chain heads read are committed ones, and appends
    go on meanwhile (a chain that moves during the signature is signed again next time). With
    ``only_if_changed`` (the periodic task), nothing is written while no chain moved. Appends the
    checkpoint to ``AUDIT_CHECKPOINT_EXPORT_PATH`` once it is committed.
    """
    moved = {key: (position, last_hash) for key, position, last_hash in
             AuditChain.objects.filter(last_sequence__gt=F("checkpointed_sequence"))
             .values_list("key", "last_sequence", "last_hash")}
    if only_if_changed and not moved:
        return None
    latest = AuditCheckpoint.objects.order_by("-created_at", "-id").values_list("payload", flat=True).first()
    signed_at = timezone.now()
    payload = checkpoint_payload(
        chains=moved, chain_count=AuditChain.objects.count(),
        previous=checkpoint_digest(latest) if latest else "", signed_at=signed_at,
    )
    signature, key_id = audit_keys.sign(payload)
    last_event = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    with transaction.atomic():
        checkpoint = AuditCheckpoint.objects.create(
            created_at=signed_at, last_sequence=last_event, payload=payload, signature=signature, key_id=key_id,
        )
        if settings.AUDIT_CHECKPOINT_EXPORT_PATH:
            path = Path(settings.AUDIT_CHECKPOINT_EXPORT_PATH)
            transaction.on_commit(lambda: _append(path, [checkpoint]))
    # One statement per chain, each its own transaction: never several chain rows locked at once
    # (a writer holding one of them and waiting for another would deadlock with us).
    for key, (position, _hash) in moved.items():
        AuditChain.objects.filter(key=key, checkpointed_sequence__lt=position).update(checkpointed_sequence=position)
    return checkpoint


def exported_line(checkpoint: AuditCheckpoint) -> str:
    return json.dumps({"payload": checkpoint.payload, "signature": checkpoint.signature,
                       "key_id": checkpoint.key_id}, sort_keys=True)


def _append(path: Path, checkpoints) -> int:
    # O_APPEND: lines are only ever added, as on a write-once medium.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        count = 0
        for checkpoint in checkpoints:
            out.write(exported_line(checkpoint) + "\n")
            count += 1
    return count


def audit_checkpoints_export(*, path: Path) -> int:
    """Write every stored checkpoint to a new file (one JSON line each); refuses to overwrite."""
    if path.exists():
        raise FileExistsError(f"{path} exists; checkpoints are exported to a new file.")
    return _append(path, AuditCheckpoint.objects.order_by("last_sequence", "created_at").iterator())


def read_exported_checkpoints(path: Path) -> list[dict]:
    """The checkpoints of an exported file, as dicts with payload, signature and key_id."""
    checkpoints = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            checkpoints.append({"payload": str(item["payload"]), "signature": str(item["signature"]),
                                "key_id": str(item["key_id"])})
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{path}, line {number}: not an exported audit checkpoint") from None
    return checkpoints
