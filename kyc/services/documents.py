"""Attaching images to a case."""

from __future__ import annotations

import logging

from django.core.files.base import File
from django.db import transaction

from kyc.errors import ValidationFailed
from kyc.models import Document
from kyc.services.audit import Actor, audit_record
from kyc.services.cases import lock_case
from kyc.uploads import prepare_upload, refuse_storage_unavailable
from kyc.workflow import EDITABLE_STATES, CaseState
from ocr_integration.documents.kinds import KIND_LABELS, DocumentKind

logger = logging.getLogger(__name__)


def document_attach(*, case_id, kind: str, upload, actor: Actor) -> Document:
    """Validate, re-encode and store one image as the current image of ``kind``.

    An image replacing an earlier one of the same kind keeps the earlier one (no longer
    current) for the audit trail. Nothing is stored when anything is refused.
    """
    try:
        document_kind = DocumentKind(kind)
    except ValueError:
        raise ValidationFailed(f"Unknown document side {kind!r}.") from None
    # Decoding and re-encoding happen before the transaction: they are slow and touch no rows.
    prepared = prepare_upload(upload)
    with transaction.atomic():
        case = lock_case(case_id)
        if CaseState(case.state) not in EDITABLE_STATES:
            raise ValidationFailed("This case has been submitted; its images can no longer be changed.")
        if case.personal_data_erased_at is not None:
            # Its storage folder is being emptied (retried until it is): nothing may land there.
            raise ValidationFailed("This case's data has been erased; please start a new case.")
        allowed = case.allowed_kinds
        if document_kind not in allowed:
            raise ValidationFailed(
                f"A {KIND_LABELS[document_kind]} does not belong to this case; it needs "
                f"{', '.join(KIND_LABELS[k] for k in allowed)}."
            )
        if case.documents.filter(sha256=prepared.sha256, is_current=True).exists():
            raise ValidationFailed("This image is already attached to the case. Please upload the other side.")
        previous = case.documents.filter(kind=document_kind.value, is_current=True).first()
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        document = Document(
            case=case,
            kind=document_kind.value,
            sha256=prepared.sha256,
            byte_size=prepared.byte_size,
            width=prepared.width,
            height=prepared.height,
            content_type=prepared.content_type,
        )
        stored_name = None
        try:
            prepared.file.seek(0)
            try:
                document.file.save("upload", File(prepared.file), save=False)
            except OSError as exc:
                # S3 unreachable, hanging past its timeouts or refusing (kyc.storage.StorageUnavailable),
                # or a full disk: nothing is stored, the applicant may try again later.
                logger.error("could not store an uploaded image (%s)", type(exc).__name__)
                raise refuse_storage_unavailable() from None
            stored_name = document.file.name
            document.save(force_insert=True)
            audit_record(
                actor=actor,
                action="document.replaced" if previous else "document.attached",
                case_id=case.id,
                object_type="document",
                object_id=document.id,
                data={
                    "kind": document_kind.value,
                    "sha256": prepared.sha256,
                    "byte_size": document.byte_size,
                    "replaces": str(previous.id) if previous else None,
                },
            )
        except BaseException:
            # The row is rolled back with the transaction; the file must go with it.
            if stored_name:
                document.file.storage.delete(stored_name)
            raise
    return document


@transaction.atomic
def document_record_view(*, document: Document, actor: Actor) -> None:
    """Viewing an identity image is itself audited: regulators ask who saw what."""
    audit_record(
        actor=actor,
        action="document.viewed",
        case_id=document.case_id,
        object_type="document",
        object_id=document.id,
        data={"kind": document.kind},
    )
