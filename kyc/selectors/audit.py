"""Verifying the audit chain: link by link, then against its signed checkpoints."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kyc import audit_keys
from kyc.models import AuditChainHead, AuditCheckpoint, AuditEvent
from kyc.models.audit import GENESIS_HASH


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    events_checked: int
    broken_sequence: int | None = None
    problem: str = ""
    checkpoints_checked: int = 0
    # The last event a valid checkpoint vouches for, and when it was signed.
    signed_through: int = 0
    signed_at: str = ""


def _links(batch_size: int) -> tuple[ChainVerification, int]:
    """Walk the chain from the first event; returns the verdict and the last sequence seen."""
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    last_sequence = 0
    while True:
        batch = list(AuditEvent.objects.filter(sequence__gt=last_sequence).order_by("sequence")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.sequence != expected_sequence:
                return ChainVerification(
                    False, checked, expected_sequence, f"event #{expected_sequence} is missing"
                ), last_sequence
            if event.prev_hash != expected_prev:
                return ChainVerification(
                    False, checked, event.sequence,
                    f"event #{event.sequence} does not point at the hash of event #{event.sequence - 1}",
                ), last_sequence
            if event.compute_hash() != event.hash:
                return ChainVerification(
                    False, checked, event.sequence,
                    f"event #{event.sequence} ({event.action}) was changed after it was written",
                ), last_sequence
            expected_prev = event.hash
            expected_sequence += 1
            checked += 1
            last_sequence = event.sequence
    head = AuditChainHead.objects.filter(id=1).first()
    if head and (head.last_sequence != last_sequence or head.last_hash != expected_prev):
        return ChainVerification(
            False, checked, last_sequence + 1,
            f"the chain ends at #{last_sequence} but its head says #{head.last_sequence}: events were removed",
        ), last_sequence
    return ChainVerification(True, checked), last_sequence


def audit_chain_verify(*, batch_size: int = 2000, exported: list[dict] | None = None) -> ChainVerification:
    """Walk the chain and check it against every signed checkpoint, stored or ``exported``.

    The walk finds a change made without re-hashing; the checkpoints find what a database writer
    can do and the walk cannot see: events changed and every later hash recomputed (named as the
    events between the last checkpoint that still matches and the first that does not), events
    removed from the tail with the head moved back (named from the checkpoint that covered them),
    a checkpoint forged or altered (its signature fails). Checkpoints deleted from the database
    are still checked when an exported copy is given.
    """
    walked, last_sequence = _links(batch_size)
    if not walked.ok:
        return walked
    checked = walked.events_checked

    candidates = {(c.payload, c.signature, c.key_id) for c in AuditCheckpoint.objects.all()}
    candidates |= {(c["payload"], c["signature"], c["key_id"]) for c in exported or []}
    if not candidates:
        return walked
    keys = audit_keys.verifying_keys()
    if not keys:
        return ChainVerification(False, checked, None, "there are signed checkpoints but no verifying key to check "
                                 "them with (AUDIT_VERIFYING_KEYS)")
    checkpoints = []
    for payload, signature, key_id in candidates:
        try:
            content = json.loads(payload)
            sequence, expected_hash = content["chains"]["main"]["sequence"], content["chains"]["main"]["hash"]
            signed_at = content["signed_at"]
        except (ValueError, KeyError, TypeError):
            content = None
        if content is None or not audit_keys.signature_valid(payload, signature, key_id, keys):
            return ChainVerification(False, checked, None, f"a checkpoint does not verify with the published keys "
                                     f"(forged or altered): {payload[:120]}")
        checkpoints.append((int(sequence), str(signed_at), str(expected_hash)))
    checkpoints.sort()

    actual = dict(AuditEvent.objects.filter(sequence__in={s for s, _, _ in checkpoints}).values_list("sequence", "hash"))
    vouched = (0, "")
    for sequence, signed_at, expected_hash in checkpoints:
        if sequence > last_sequence:
            return ChainVerification(
                False, checked, last_sequence + 1,
                f"events #{last_sequence + 1} to #{sequence} were removed: the checkpoint signed at {signed_at} "
                f"covers the chain up to #{sequence}, the database ends at #{last_sequence}",
                len(checkpoints), *vouched,
            )
        if sequence and actual.get(sequence) != expected_hash:
            first = vouched[0] + 1
            since = f"the last checkpoint that still matches is at #{vouched[0]} ({vouched[1]})" if vouched[0] else \
                "no earlier checkpoint matches"
            return ChainVerification(
                False, checked, first,
                f"events #{first} to #{sequence} were rewritten and re-hashed after they were signed: the checkpoint "
                f"signed at {signed_at} says event #{sequence} had hash {expected_hash[:16]}…, the database has "
                f"{(actual.get(sequence) or '')[:16]}…; {since}",
                len(checkpoints), *vouched,
            )
        vouched = (sequence, signed_at)
    return ChainVerification(True, checked, None, "", len(checkpoints), *vouched)


def case_audit_timeline(*, case_id) -> list[AuditEvent]:
    """The case's audit events, oldest first."""
    return list(AuditEvent.objects.filter(case_id=case_id).order_by("sequence"))
