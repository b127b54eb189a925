"""Verifying the audit chain."""

from __future__ import annotations

from dataclasses import dataclass

from kyc.models import AuditChainHead, AuditEvent
from kyc.models.audit import GENESIS_HASH


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    events_checked: int
    broken_sequence: int | None = None
    problem: str = ""


def audit_chain_verify(*, batch_size: int = 2000) -> ChainVerification:
    """Walk the chain from the first event and report the first broken link, if any."""
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
                )
            if event.prev_hash != expected_prev:
                return ChainVerification(
                    False, checked, event.sequence,
                    f"event #{event.sequence} does not point at the hash of event #{event.sequence - 1}",
                )
            if event.compute_hash() != event.hash:
                return ChainVerification(
                    False, checked, event.sequence,
                    f"event #{event.sequence} ({event.action}) was changed after it was written",
                )
            expected_prev = event.hash
            expected_sequence += 1
            checked += 1
            last_sequence = event.sequence
    head = AuditChainHead.objects.filter(id=1).first()
    if head and (head.last_sequence != last_sequence or head.last_hash != expected_prev):
        return ChainVerification(
            False, checked, last_sequence + 1,
            f"the chain ends at #{last_sequence} but its head says #{head.last_sequence}: events were removed",
        )
    return ChainVerification(True, checked)


def case_audit_timeline(*, case_id) -> list[AuditEvent]:
    """The case's audit events, oldest first."""
    return list(AuditEvent.objects.filter(case_id=case_id).order_by("sequence"))
