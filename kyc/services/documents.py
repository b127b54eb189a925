"""Attaching images to a case: the one path every upload takes, from the pages, the API, the demo."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.files.base import File
from django.db import transaction

from kyc.core.audit import Actor, audit_record
from kyc.domain.workflow import EDITABLE_STATES, CaseState
from kyc.errors import (
    CaseErased,
    CaseNotEditable,
    DuplicateImage,
    SelfieNotAsked,
    SideNotInDocument,
)
from kyc.models import Case, Document
from kyc.services.cases import lock_case
from kyc.services.consent import require_consent_for
from kyc.uploads.prepare import PreparedImage, UploadNotKept, capture_gate
from ocr_integration.documents.kinds import DocumentKind, is_read_by_ocr

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttachedImage:
    document: Document
    # A borderline photo is stored; these English msgids say so (translated where shown).
    capture_warnings: list[str]


def document_attach(*, case_id, kind: str, prepared: PreparedImage, actor: Actor) -> AttachedImage:
    """Store ``prepared`` (what ``kyc.uploads.prepare.prepare_upload`` made of the upload, once, before
    this is called) as the current image of ``kind``, or raise the ``KycError`` that says why not.

    Every rule about what may be attached is checked here, once, with the case locked: the side
    belongs to the case's document, the case still takes images and was not erased, the applicant
    consented, the image was never sent for this case before (attached, or replaced: sending back
    the photo a reviewer refused helps no one), and the quality gate can read it. An image
    replacing an earlier one of the same kind keeps the earlier one (no longer current) for the
    audit trail. Nothing is stored when anything is refused.
    """
    with transaction.atomic():
        case = lock_case(case_id)
        document_kind = _attach_refusals(case=case, kind=kind, prepared=prepared)
        # The gate judges a printed document (sharpness of print, edges, machine-readable lines);
        # a face is judged by the face checks after submission instead.
        warnings = capture_gate(prepared, kind=document_kind.value) if is_read_by_ocr(document_kind.value) else []
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
            # A selfie is stored and checked like every image, but there is no text on it to read.
            read_state=Document.ReadState.PENDING if is_read_by_ocr(document_kind.value) else Document.ReadState.NOT_READ,
        )
        stored_name = None
        try:
            prepared.file.seek(0)
            try:
                document.file.save("upload", File(prepared.file), save=False)
            except OSError as exc:
                # S3 unreachable, hanging past its timeouts or refusing (kyc.storage.filesystem.StorageUnavailable),
                # or a full disk: nothing is stored, the applicant may try again later.
                logger.error("could not store an uploaded image (%s)", type(exc).__name__)
                raise UploadNotKept() from None
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
    return AttachedImage(document=document, capture_warnings=warnings)


def _attach_refusals(*, case: Case, kind: str, prepared: PreparedImage) -> DocumentKind:
    """The side ``kind`` names, if an image of it may be attached to ``case`` now; else the refusal."""
    try:
        document_kind = DocumentKind(kind)
    except ValueError:
        raise SideNotInDocument() from None
    if document_kind is DocumentKind.SELFIE:
        if not case.asks_for_selfie:
            raise SelfieNotAsked()
    elif document_kind not in case.allowed_kinds:
        raise SideNotInDocument()
    if CaseState(case.state) not in EDITABLE_STATES:
        raise CaseNotEditable()
    if case.personal_data_erased_at is not None:
        # Its storage folder is being emptied (retried until it is): nothing may land there.
        raise CaseErased()
    require_consent_for(case_id=case.id, kind=document_kind.value)
    duplicate = case.documents.filter(sha256=prepared.sha256).order_by("-created_at").first()
    if duplicate is not None:
        raise DuplicateImage(current=duplicate.is_current)
    return document_kind


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
