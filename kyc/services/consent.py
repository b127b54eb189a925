"""Consent to processing, recorded on the audit chain (append-only, hash-chained, kept after erasure).

Three scopes: ``processing`` (every case, with the privacy notice), ``sensitive_personal_information``
(a Chinese resident ID number is sensitive personal information under PIPL art. 28-29: it needs a
separate, explicit consent before the image is uploaded) and ``biometric`` (a selfie and the
liveness frames are biometric data: sensitive personal information under PIPL art. 28-29 and
sensitive personal data under the UAE PDPL (Federal Decree-Law 45/2021, art. 4): a separate,
explicit consent before any image of the face is stored).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from kyc.core.audit import Actor, audit_record
from kyc.core.models import AuditEvent
from kyc.errors import ConsentMissing, ValidationFailed
from kyc.models import Case
from ocr_integration.documents.kinds import DocumentKind

PROCESSING = "processing"
SENSITIVE = "sensitive_personal_information"
BIOMETRIC = "biometric"
SCOPES = (PROCESSING, SENSITIVE, BIOMETRIC)
# Bump when the wording of templates/applicant/privacy.html changes materially.
NOTICE_VERSION = "2026-12-1"  # the biometric section (issue 19)
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
    if kind == DocumentKind.SELFIE.value:
        require_biometric_consent(case_id=case_id)


def require_biometric_consent(*, case_id) -> None:
    """Refuse an image of the applicant's face (a selfie, liveness frames) before the separate consent."""
    if not consent_given(case_id=case_id, scope=BIOMETRIC):
        raise ConsentMissing(
            "biometric_consent_required",
            message=gettext_noop(
                "Before you take a selfie, please give your separate consent to the processing of your "
                "facial images, which are biometric data."
            ),
        )
