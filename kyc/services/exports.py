"""Evidence exports for regulators, and the audit records of who looked at personal data."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from kyc.access import policy
from kyc.core.audit import Actor, audit_record
from kyc.core.audit_verification import audit_chain_verify
from kyc.selectors.workspace import case_workspace

EXPORT_FORMAT_VERSION = 1


@transaction.atomic
def case_record_view(*, case_id, actor: Actor, what: str = "workspace") -> None:
    """A staff member saw a case's personal data (the workspace shows names, numbers, dates)."""
    audit_record(actor=actor, action="case.viewed", case_id=case_id, object_type="case", object_id=case_id,
                 data={"what": what})


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def case_evidence_export(*, case_id, actor: Actor, export_format: str = "json") -> dict[str, Any]:
    """Everything that defends a case's outcome, as one JSON-able document.

    The export itself is audited first (it discloses personal data); the chain is verified after
    that event is written, so the verification covers the record of this very export.
    """
    policy.refuse(policy.export_refusal(actor.user))
    with transaction.atomic():
        event = audit_record(actor=actor, action="case.exported", case_id=case_id, object_type="case",
                             object_id=case_id, data={"format": export_format})
    workspace = case_workspace(case_id=case_id)
    verification = audit_chain_verify()
    case = workspace.case
    applicant = case.applicant
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "generated_by": actor.label,
        "export_event_sequence": event.sequence,
        "audit_chain_verification": {
            "ok": verification.ok,
            "events_checked": verification.events_checked,
            "broken_sequence": verification.broken_sequence,
            "problem": verification.problem,
            "signed_checkpoints_checked": verification.checkpoints_checked,
            "events_not_yet_signed": verification.unsigned_events,
        },
        "case": {
            "id": str(case.id),
            "reference": case.reference,
            "document_type": case.document_type,
            "issuing_country": case.issuing_country,
            "state": case.state,
            "state_reason": case.state_reason,
            "created_at": _iso(case.created_at),
            "submitted_at": _iso(case.submitted_at),
            "check_run": case.check_run,
            "created_by": case.created_by.get_username() if case.created_by else None,
        },
        "applicant": {
            "id": str(applicant.id),
            "email": applicant.email,
            "declared_full_name": applicant.declared_full_name,
            "declared_birth_date": _iso(applicant.declared_birth_date),
            "language": applicant.language,
        },
        "documents": [
            {
                "id": str(panel.document.id),
                "kind": panel.document.kind,
                "sha256": panel.document.sha256,
                "byte_size": panel.document.byte_size,
                "width": panel.document.width,
                "height": panel.document.height,
                "content_type": panel.document.content_type,
                "uploaded_at": _iso(panel.document.created_at),
                "readings": [
                    {
                        "role": reading.role,
                        "provider": reading.provider,
                        "vendor_request_id": reading.vendor_request_id,
                        "fields": reading.fields,
                        "mrz_lines": reading.mrz_lines,
                        "read_at": _iso(reading.created_at),
                    }
                    for reading in (panel.primary, panel.second)
                    if reading is not None
                ],
                "comparison": [
                    {"field": row.name, "values": row.values, "mismatch": row.mismatch} for row in panel.rows
                ],
            }
            for panel in workspace.panels
        ],
        "findings": [
            {"code": f.code, "outcome": f.outcome, "message": f.message, "explanation": f.explanation,
             "evidence": f.evidence, "document_kind": f.document_kind,
             # The evidence as the workspace reads it: a sentence and expected / found / where rows.
             "sentence": str(f.readable.sentence),
             "table": [{"field": str(r.label), "expected": str(r.expected), "found": str(r.found),
                        "where": str(r.where)} for r in f.readable.rows]}
            for f in workspace.findings
        ],
        "decisions": [
            {
                "outcome": d.outcome,
                "status": d.status,
                "override": d.is_override,
                "reviewer": d.reviewer.get_username(),
                "second_reviewer": d.second_reviewer.get_username() if d.second_reviewer else None,
                "reason_codes": d.reason_codes,
                "note": d.note,
                "second_note": d.second_note,
                "requested_kinds": d.requested_kinds,
                "decided_at": _iso(d.created_at),
                "second_reviewed_at": _iso(d.second_reviewed_at),
            }
            for d in workspace.decisions
        ],
        "notes": [
            {"author": n.author.get_username(), "body": n.body, "created_at": _iso(n.created_at)}
            for n in workspace.notes
        ],
        "vendor_attempts": [
            {"vendor": a.vendor, "endpoint": a.endpoint, "outcome": a.outcome, "error_code": a.error_code,
             "http_status": a.http_status, "duration_ms": a.duration_ms, "vendor_request_id": a.vendor_request_id,
             "at": _iso(a.created_at)}
            for a in workspace.attempts
        ],
        "audit_events": [
            {"sequence": e.sequence, "occurred_at": _iso(e.occurred_at), "actor_kind": e.actor_kind,
             "actor": e.actor_label, "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
             "data": e.data, "prev_hash": e.prev_hash, "hash": e.hash}
            for e in workspace.timeline
        ],
    }
