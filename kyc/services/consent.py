"""Consent to processing, recorded on the audit chain (append-only, hash-chained, kept after erasure).

Two scopes: ``processing`` (every case, with the privacy notice) and ``sensitive_personal_information``
(a Chinese resident ID number is sensitive personal information under PIPL art. 28-29: it needs a
separate, explicit consent before the image is uploaded).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from kyc.errors import ConsentMissing, ValidationFailed
from kyc.core.models import AuditEvent
from kyc.models import Case
from kyc.core.audit import Actor, audit_record
from ocr_integration.documents.kinds import DocumentKind

PROCESSING = "processing"
SENSITIVE = "sensitive_personal_information"
SCOPES = (PROCESSING, SENSITIVE)
# Bump when the wording of templates/applicant/privacy.html changes materially.
NOTICE_VERSION = "2026-11-1"
SENSITIVE_KINDS = frozenset({DocumentKind.CN_ID_PORTRAIT.value, DocumentKind.CN_ID_EMBLEM.value})


@transaction.atomic
def consent_record(*, case_id, scope: str, actor: Actor) -> None:
    """Record that the applicant consented to ``scope`` (idempotent: a second consent is a no-op)."""
    if scope not in SCOPES:
        raise ValidationFailed(message=f"Unknown consent scope {scope!r}; use one of {', '.join(SCOPES)}.")
    Case.objects.select_for_update().get(id=case_id)
    if consent_given(case_id=case_id, scope=scope):
        return
    audit_record(
        actor=actor,
        action="consent.given",
        case_id=case_id,
        object_type="case",
        object_id=case_id,
        data={"scope": scope, "notice_version": NOTICE_VERSION},
    )


def consent_given(*, case_id, scope: str) -> bool:
    return AuditEvent.objects.filter(case_id=case_id, action="consent.given", data__scope=scope).exists()


def consents_of(*, case_id) -> list[str]:
    scopes = AuditEvent.objects.filter(case_id=case_id, action="consent.given").values_list("data", flat=True)
    return sorted({data.get("scope") for data in scopes if data.get("scope") in SCOPES})


def require_consent_for(*, case_id, kind: str) -> None:
    """Refuse an upload the applicant has not consented to."""
    if kind in SENSITIVE_KINDS and not consent_given(case_id=case_id, scope=SENSITIVE):
        raise ConsentMissing(
            message=gettext_noop(
                "Before you upload your Chinese resident ID card, please give your separate consent to "
                "the processing of your ID number, which is sensitive personal information."
            )
        )
