"""Signed checkpoints of the audit chain, and their export to write-once storage.

A checkpoint signs (Ed25519, kyc.audit_keys) the sequence and hash of the chain's last event.
Written periodically by Celery beat (``kyc.tasks.write_audit_checkpoint``) and on demand
(``manage.py audit_checkpoint``); each one can be appended to a file an operator ships elsewhere
(``AUDIT_CHECKPOINT_EXPORT_PATH``, or ``manage.py audit_checkpoint --export``).
``kyc.selectors.audit.audit_chain_verify`` checks the chain against them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kyc import audit_keys
from kyc.models import AuditCheckpoint, AuditEvent
from kyc.models.audit import GENESIS_HASH

CHECKPOINT_VERSION = 1
# One chain today; the payload names chains so that a checkpoint can bind several.
MAIN_CHAIN = "main"


def checkpoint_payload(*, last_sequence: int, last_hash: str, signed_at) -> str:
    """The exact text that is signed: canonical JSON (sorted keys, no spaces)."""
    return json.dumps(
        {"version": CHECKPOINT_VERSION, "signed_at": signed_at.isoformat(),
         "chains": {MAIN_CHAIN: {"sequence": last_sequence, "hash": last_hash}}},
        sort_keys=True, separators=(",", ":"),
    )


def audit_checkpoint_write(*, only_if_changed: bool = False) -> AuditCheckpoint | None:
    """Sign where the chain stands now (its last committed event) and store the checkpoint.

    Takes no lock: the last committed event is a consistent point, and appends go on meanwhile.
    With ``only_if_changed`` (the periodic task), nothing is written while the chain is unchanged.
    Appends the checkpoint to ``AUDIT_CHECKPOINT_EXPORT_PATH`` once it is committed.
    """
    last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
    last_sequence, last_hash = (last["sequence"], last["hash"]) if last else (0, GENESIS_HASH)
    if only_if_changed:
        latest = AuditCheckpoint.objects.order_by("-last_sequence").values_list("last_sequence", flat=True).first()
        if latest == last_sequence:
            return None
    signed_at = timezone.now()
    payload = checkpoint_payload(last_sequence=last_sequence, last_hash=last_hash, signed_at=signed_at)
    signature, key_id = audit_keys.sign(payload)
    with transaction.atomic():
        checkpoint = AuditCheckpoint.objects.create(
            created_at=signed_at, last_sequence=last_sequence, payload=payload, signature=signature, key_id=key_id,
        )
        if settings.AUDIT_CHECKPOINT_EXPORT_PATH:
            path = Path(settings.AUDIT_CHECKPOINT_EXPORT_PATH)
            transaction.on_commit(lambda: _append(path, [checkpoint]))
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
