"""Verifying the audit chains: link by link, then against their signed checkpoints."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db.models import Q

from kyc.core import audit_keys
from kyc.core.models import GENESIS_HASH, GLOBAL_CHAIN, AuditChain, AuditCheckpoint, AuditEvent


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    events_checked: int
    broken_sequence: int | None = None
    problem: str = ""
    checkpoints_checked: int = 0
    chains_checked: int = 0
    last_signed_at: str = ""
    # Events appended after the last checkpoint that signed their chain.
    unsigned_events: int = 0


def chain_label(chain: str) -> str:
    return "the global chain" if chain == GLOBAL_CHAIN else f"the chain of case {chain}"


def checkpoint_digest(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _links(batch_size: int) -> ChainVerification:
    """Walk every chain from its first event; the verdict on the first broken link, if any."""
    heads = {c.key: (c.last_sequence, c.last_hash) for c in AuditChain.objects.all()}
    checked = 0
    chains = 0
    chain, position, prev_hash, last_event = None, 0, GENESIS_HASH, None

    def chain_end() -> ChainVerification | None:
        head = heads.pop(chain, None)
        if head != (position, prev_hash):
            said = head[0] if head else 0
            return ChainVerification(
                False, checked, (last_event.sequence + 1) if last_event else None,
                f"{chain_label(chain)} ends at its event {position} (#{last_event.sequence}) but its head says "
                f"{said}: events were removed", chains_checked=chains,
            )
        return None

    after = Q()
    while True:
        batch = list(AuditEvent.objects.filter(after).order_by("chain", "chain_sequence")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.chain != chain:
                if chain is not None and (broken := chain_end()):
                    return broken
                chain, position, prev_hash, last_event = event.chain, 0, GENESIS_HASH, None
                chains += 1
            if event.chain_sequence != position + 1:
                return ChainVerification(
                    False, checked, event.sequence,
                    f"event {position + 1} of {chain_label(chain)} is missing (before #{event.sequence})",
                    chains_checked=chains,
                )
            if event.prev_hash != prev_hash:
                return ChainVerification(
                    False, checked, event.sequence,
                    f"event #{event.sequence} does not point at the hash of the event before it in {chain_label(chain)}",
                    chains_checked=chains,
                )
            if event.compute_hash() != event.hash:
                return ChainVerification(
                    False, checked, event.sequence,
                    f"event #{event.sequence} ({event.action}) was changed after it was written", chains_checked=chains,
                )
            position, prev_hash, last_event = event.chain_sequence, event.hash, event
            checked += 1
        last = batch[-1]
        after = Q(chain__gt=last.chain) | Q(chain=last.chain, chain_sequence__gt=last.chain_sequence)
    if chain is not None and (broken := chain_end()):
        return broken
    emptied = sorted(key for key, (length, _hash) in heads.items() if length)
    if emptied:
        return ChainVerification(
            False, checked, None,
            f"every event of {chain_label(emptied[0])} was removed (its head says {heads[emptied[0]][0]})",
            chains_checked=chains,
        )
    return ChainVerification(True, checked, chains_checked=chains)


def audit_chain_verify(*, batch_size: int = 2000, exported: list[dict] | None = None) -> ChainVerification:
    """Walk every chain and check it against every signed checkpoint, stored or ``exported``.

    The walk finds a change made without re-hashing; the checkpoints find what a database writer
    can do and the walk cannot see: events changed and every later hash of their chain recomputed
    (named as the events between the last checkpoint of that chain that still matches and the
    first that does not), events removed from a chain's tail with its head moved back (named from
    the checkpoint that covered them), a checkpoint forged or altered (its signature fails) or
    removed (the next one names its digest). Checkpoints deleted from the database are still
    checked when an exported copy is given.
    """
    walked = _links(batch_size)
    if not walked.ok:
        return walked
    checked, chains = walked.events_checked, walked.chains_checked

    candidates = {(c.payload, c.signature, c.key_id) for c in AuditCheckpoint.objects.all()}
    candidates |= {(c["payload"], c["signature"], c["key_id"]) for c in exported or []}
    heads = dict(AuditChain.objects.values_list("key", "last_sequence"))
    if not candidates:
        return ChainVerification(True, checked, chains_checked=chains, unsigned_events=sum(heads.values()))
    keys = audit_keys.verifying_keys()
    if not keys:
        return ChainVerification(False, checked, None, "there are signed checkpoints but no verifying key to check "
                                 "them with (AUDIT_VERIFYING_KEYS)", chains_checked=chains)
    checkpoints = []
    for payload, signature, key_id in candidates:
        try:
            content = json.loads(payload)
            signed = {str(k): (int(v["sequence"]), str(v["hash"])) for k, v in content["chains"].items()}
            entry = (str(content["signed_at"]), str(content["previous"]), signed, checkpoint_digest(payload))
        except (ValueError, KeyError, TypeError, AttributeError):
            entry = None
        if entry is None or not audit_keys.signature_valid(payload, signature, key_id, keys):
            return ChainVerification(False, checked, None, f"a checkpoint does not verify with the published keys "
                                     f"(forged or altered): {payload[:120]}", chains_checked=chains)
        checkpoints.append(entry)
    checkpoints.sort(key=lambda entry: entry[0])

    previous_digest = ""
    vouched: dict[str, tuple[int, str]] = {}  # chain -> (position, signed_at) of its last matching checkpoint
    for signed_at, previous, signed, digest in checkpoints:
        if previous != previous_digest:
            return ChainVerification(
                False, checked, None,
                f"a checkpoint signed before {signed_at} is missing: that one follows a checkpoint with digest "
                f"{previous[:16]}…, which is not among those given", len(checkpoints), chains,
            )
        previous_digest = digest
        actual = {}
        wanted = Q()
        for chain, (position, _hash) in signed.items():
            wanted |= Q(chain=chain, chain_sequence=position)
        if signed:
            actual = {(c, p): (h, s) for c, p, h, s in AuditEvent.objects.filter(wanted)
                      .values_list("chain", "chain_sequence", "hash", "sequence")}
        for chain, (position, expected_hash) in sorted(signed.items()):
            found = actual.get((chain, position))
            if found is None:
                length = heads.get(chain, 0)
                return ChainVerification(
                    False, checked, None,
                    f"events {length + 1} to {position} of {chain_label(chain)} were removed: the checkpoint signed at "
                    f"{signed_at} covers it up to its event {position}, the database ends at {length}",
                    len(checkpoints), chains,
                )
            if found[0] != expected_hash:
                good, good_at = vouched.get(chain, (0, ""))
                since = (f"the last checkpoint that still matches it is at its event {good} ({good_at})" if good
                         else "no earlier checkpoint of it matches")
                first = AuditEvent.objects.filter(chain=chain, chain_sequence=good + 1).values_list("sequence", flat=True)
                return ChainVerification(
                    False, checked, first.first(),
                    f"events {good + 1} to {position} of {chain_label(chain)} (up to #{found[1]}) were rewritten and "
                    f"re-hashed after they were signed: the checkpoint signed at {signed_at} says its event {position} "
                    f"had hash {expected_hash[:16]}…, the database has {found[0][:16]}…; {since}",
                    len(checkpoints), chains,
                )
            vouched[chain] = (position, signed_at)
    unsigned = sum(max(0, length - vouched.get(chain, (0, ""))[0]) for chain, length in heads.items())
    return ChainVerification(True, checked, None, "", len(checkpoints), chains, checkpoints[-1][0], unsigned)


def case_audit_timeline(*, case_id) -> list[AuditEvent]:
    """The case's audit events, oldest first."""
    return list(AuditEvent.objects.filter(case_id=case_id).order_by("sequence"))
