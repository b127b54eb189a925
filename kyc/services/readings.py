"""Reading documents and checking cases: the pipeline's writes."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from kyc.core.audit import Actor, audit_events_together, audit_record
from kyc.domain.workflow import CaseState
from kyc.i18n.labels import UNREADABLE_RETURN_REASON
from kyc.models import (
    Case,
    CaseSearchDigest,
    CheckFinding,
    Document,
    DocumentReading,
    PendingFileDeletion,
)
from kyc.models.document import case_storage_prefix
from kyc.privacy.blind_index import DOCUMENT_IDENTITY
from kyc.selectors.configuration import check_policy
from kyc.services.cases import case_transition, lock_case
from kyc.services.faces import case_face_findings
from kyc.services.retention import pending_file_deletions_retry
from kyc.services.search_index import (
    case_index_document_identity,
    case_index_for_search,
    reading_search_values,
)
from ocr_integration import services as ocr
from ocr_integration.documents.crosschecks import CaseReadings, DeclaredData
from ocr_integration.documents.findings import Finding
from ocr_integration.documents.kinds import DocumentKind, DocumentType
from ocr_integration.documents.reading import Reading
from ocr_integration.services import ErrorClass, OcrError, ReadRequest

logger = logging.getLogger(__name__)
PIPELINE = Actor.system("ocr-pipeline")


def document_claim_for_reading(*, document_id, token: str) -> Document | None:
    """Claim a document for reading, atomically. ``None``: nothing to do (read, or claimed by a live task).

    A claim by the same token (the same task redelivered after a crash) or a claim older than
    OCR_READ_STALL_SECONDS (a lost worker) can be taken over.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.OCR_READ_STALL_SECONDS)
    claimable = Q(read_state=Document.ReadState.PENDING) | Q(
        Q(read_state=Document.ReadState.READING) & (Q(claim_token=token) | Q(claimed_at__lt=stale_before))
    )
    with transaction.atomic():
        # The attempt is counted in the claim itself (one statement less per read).
        claimed = Document.objects.filter(claimable, id=document_id, is_current=True).update(
            read_state=Document.ReadState.READING, claim_token=token, claimed_at=now,
            read_attempts=F("read_attempts") + 1,
        )
        if not claimed:
            return None
        # The document (already locked by the claim) and its case, locked, in one statement; the
        # applicant (not locked) for the checks that run before the reading is stored.
        document = (Document.objects.select_related("case__applicant").select_for_update(of=("self", "case"))
                    .get(id=document_id))
        case = document.case
        if case.state == CaseState.SUBMITTED:
            case_transition(case=case, target=CaseState.PROCESSING, actor=PIPELINE)
        elif case.state != CaseState.PROCESSING:
            # The case moved on (decided, withdrawn) while the message waited: nothing to read.
            Document.objects.filter(id=document_id).update(
                read_state=Document.ReadState.PENDING, claim_token="", read_attempts=F("read_attempts") - 1
            )
            return None
    return document


def document_read(*, document_id, token: str) -> bool:
    """Claim, read and record one document. Returns False when there was nothing to do.

    Raises OcrError when the read failed; the caller (the task) decides whether to retry.
    """
    document = document_claim_for_reading(document_id=document_id, token=token)
    if document is None:
        return False
    with document.file.open("rb") as stream:
        image = stream.read()
    request = ReadRequest(
        document_kind=DocumentKind(document.kind),
        image=image,
        content_type=document.content_type,
        issuing_country=document.case.issuing_country or None,
    )
    result = ocr.read_document(request, subject_ref=str(document.id))
    masked_image = _store_masked_card_image(document, image) if document.kind == DocumentKind.BANK_CARD else None
    try:
        recorded = document_record_reading(document_id=document.id, token=token, result=result,
                                           masked_image=masked_image, claimed=document)
    except BaseException:
        if masked_image:
            document.file.storage.delete(masked_image.name)
        raise
    if not recorded and masked_image:
        document.file.storage.delete(masked_image.name)
    return recorded


@dataclass(frozen=True)
class StoredMaskedImage:
    """A bank card image with its hidden digits painted over, stored beside the image as sent."""

    name: str
    sha256: str
    byte_size: int
    content_type: str


def _store_masked_card_image(document: Document, image: bytes) -> StoredMaskedImage | None:
    """Store the card image with its hidden digits painted over, or None when no number was found
    on it (the image then stays as sent, and the reviewer is told)."""
    masked = ocr.mask_card_number_on_image(image, document.content_type)
    if not masked.numbers_masked:
        return None
    extension = "png" if masked.content_type == "image/png" else "jpg"
    name = f"{case_storage_prefix(document.case_id)}{document.id}-masked.{extension}"
    stored = document.file.storage.save(name, ContentFile(masked.image))
    return StoredMaskedImage(stored, hashlib.sha256(masked.image).hexdigest(), len(masked.image), masked.content_type)


def _swap_in_masked_card_image(document: Document, masked_image: StoredMaskedImage | None) -> None:
    document.card_number_masked_on_image = masked_image is not None
    if masked_image is None:
        document.save(update_fields=["card_number_masked_on_image"])
    else:
        as_sent = document.file.name
        document.file.name = masked_image.name
        document.sha256 = masked_image.sha256
        document.byte_size = masked_image.byte_size
        document.content_type = masked_image.content_type
        document.save(update_fields=["file", "sha256", "byte_size", "content_type", "card_number_masked_on_image"])
        # The image as sent goes once this commits; a failed delete is retried by every retention run.
        PendingFileDeletion.objects.create(case_id=document.case_id, name=as_sent)
        case_id = document.case_id
        transaction.on_commit(lambda: pending_file_deletions_retry(case_id=case_id))
    audit_record(
        actor=PIPELINE,
        action="document.card_number_masked" if masked_image else "document.card_number_not_found",
        case_id=document.case_id,
        object_type="document",
        object_id=document.id,
        data={"kind": document.kind},
    )


def document_record_reading(
    *, document_id, token: str, result: ocr.DocumentReadResult, masked_image: StoredMaskedImage | None = None,
    claimed: Document | None = None,
) -> bool:
    """Store a finished read. A duplicate (the claim was lost or the work was done) is dropped.

    ``masked_image``: for a bank card, the stored copy of its image with the hidden digits painted
    over, which replaces the image as sent in the same transaction (deleted once that commits).

    The cross-checks never run inside the reading's transaction nor under its locks. When this is
    the last side to be read, they run before it, on the other sides' committed readings and this
    one (still in memory); the transaction that stores the reading then only confirms that nothing
    changed meanwhile (the case still processing, every side read, the same readings) and stores
    the findings and the move to ``ready_for_review`` with it: one commit. If something changed
    (two last sides finishing together), the checks run again after the commit
    (:func:`case_check_when_read`).

    ``claimed``: the document as loaded by the claim, with its case and applicant (saves reading
    them again; the transaction confirms the case's state and readings under its lock anyway).
    """
    ahead = _checks_ahead(document_id=document_id, result=result, claimed=claimed)
    stored = _store_reading(document_id=document_id, token=token, result=result, ahead=ahead,
                           masked_image=masked_image)
    if stored is None:
        return False
    case_id, still_to_check = stored
    if still_to_check:
        case_check_when_read(case_id=case_id)
    return True


_ROLES = (DocumentReading.Role.PRIMARY, DocumentReading.Role.SECOND)


@dataclass(frozen=True)
class _ChecksAhead:
    """Checks computed before the reading's transaction, and the other readings they used."""

    findings: list[Finding]
    other_reading_ids: frozenset


def _checks_ahead(*, document_id, result: ocr.DocumentReadResult,
                  claimed: Document | None = None) -> _ChecksAhead | None:
    """The case's checks with this reading, when every other current side is already read; None
    when another side is still to come (then this reading is not the last) or the case moved on."""
    document = claimed or Document.objects.select_related("case__applicant").get(id=document_id)
    case = document.case
    if case.state != CaseState.PROCESSING:
        return None
    latest: dict[tuple[str, str], tuple[str, Reading]] = {}
    used: dict[tuple[str, str], int] = {}
    kinds = set()
    # The current sides and every reading of them, in one query.
    sides = (Document.objects.filter(case=case, is_current=True)
             .order_by("readings__created_at", "readings__id")
             .values_list("id", "kind", "read_state", "readings__id", "readings__role", "readings__provider",
                          "readings__fields", "readings__mrz_lines", "readings__vendor_request_id"))
    for side_id, kind, read_state, reading_id, role, provider, fields, mrz_lines, vendor_request_id in sides:
        kinds.add(kind)
        if side_id != document.id and read_state not in Document.SETTLED_READ_STATES:
            return None
        if reading_id is not None:
            latest[(kind, role)] = (role, Reading.from_json({
                "provider": provider, "document_kind": kind, "fields": fields, "mrz_lines": mrz_lines,
                "raw_response": {}, "vendor_request_id": vendor_request_id,
            }))
            used[(kind, role)] = reading_id
    for role, reading in zip(_ROLES, (result.primary, result.second), strict=True):
        if reading is not None:
            # A side read again: this reading replaces the earlier one, in the earlier one's place.
            latest[(document.kind, role)] = (role, reading)
            used.pop((document.kind, role), None)
    evidence = _evidence(case, list(latest.values()))
    findings = ocr.check_case(evidence, today=timezone.now().date(), policy=check_policy())
    findings += _duplicate_document_findings(case, evidence.primary)
    findings += case_face_findings(case=case, current_kinds=frozenset(kinds))
    return _ChecksAhead(findings, frozenset(used.values()))


@transaction.atomic
def _store_reading(*, document_id, token: str, result: ocr.DocumentReadResult, ahead: _ChecksAhead | None,
                   masked_image: StoredMaskedImage | None = None):
    """The reading rows, the document's state and their audit row; with them, the checks computed
    ahead and the move to review when they still hold (a bank card's masked image replaces the one
    as sent). ``(case id, checks still to run?)``, or None for a duplicate."""
    # The document and its case, both locked, in one statement.
    document = Document.objects.select_related("case").select_for_update().get(id=document_id)
    if document.read_state != Document.ReadState.READING or document.claim_token != token:
        return None
    with audit_events_together():
        return _store_reading_locked(document, token=token, result=result, ahead=ahead, masked_image=masked_image)


def _store_reading_locked(document: Document, *, token: str, result: ocr.DocumentReadResult,
                          ahead: _ChecksAhead | None, masked_image: StoredMaskedImage | None):
    case = document.case
    if document.kind == DocumentKind.BANK_CARD:
        _swap_in_masked_card_image(document, masked_image)
    new_ids = set()
    for role, reading in ((DocumentReading.Role.PRIMARY, result.primary), (DocumentReading.Role.SECOND, result.second)):
        if reading is None:
            continue
        stored = DocumentReading.objects.create(
            document=document,
            role=role,
            provider=reading.provider,
            fields={name: f.to_json() for name, f in reading.fields.items()},
            mrz_lines=list(reading.mrz_lines),
            raw_response=reading.raw_response,
            vendor_request_id=reading.vendor_request_id or "",
            claim_token=token,
        )
        new_ids.add(stored.id)
        names, numbers = reading_search_values({name: f.to_json() for name, f in reading.fields.items()})
        case_index_for_search(case_id=case.id, names=names, numbers=numbers)
    document.read_state = Document.ReadState.READ
    document.failure_class = ""
    document.failure_reason = ""
    document.save(update_fields=["read_state", "failure_class", "failure_reason"])
    audit_record(
        actor=PIPELINE,
        action="document.read",
        case_id=case.id,
        object_type="document",
        object_id=document.id,
        data={
            "kind": document.kind,
            "provider": result.primary.provider,
            "second_reader": result.second.provider if result.second else None,
            # Which fields were read, never their values.
            "fields": sorted(result.primary.fields),
        },
    )
    if case.state != CaseState.PROCESSING:
        return case.id, False
    any_unread, reading_ids = _sides_and_reading_ids(case)
    if any_unread:
        return case.id, False
    if ahead is not None and reading_ids == ahead.other_reading_ids | new_ids:
        _store_findings(case, ahead.findings, save_case=False)
        case_transition(case=case, target=CaseState.READY_FOR_REVIEW, actor=PIPELINE, also_saving=_FINDING_COUNTS)
        return case.id, False
    return case.id, True


def case_check_when_read(*, case_id) -> bool:
    """Once every current side of a processing case is read: run the cross-checks, store their
    findings and hand the case to reviewers (``ready_for_review``). False when there is nothing to
    do (a side is still being read, or the case is not processing). Safe to run twice.

    The checks are pure computation on a snapshot of the readings, so they run outside any
    transaction and hold no lock; the short transaction after them locks the case, checks that it
    is still processing and that its readings are still the ones checked (two sides finishing
    together both get here: the first one moves the case, the second finds nothing to do), then
    stores the findings and moves the case.
    """
    case = Case.objects.select_related("applicant").get(id=case_id)
    if case.state != CaseState.PROCESSING:
        return False
    rows = _current_readings(case)
    findings = _findings_for(case, rows)
    with transaction.atomic(), audit_events_together():
        case = lock_case(case_id)
        if case.state != CaseState.PROCESSING or _unread_sides(case).exists():
            return False
        if _current_reading_ids(case) != {row.id for row in rows}:
            # A reading was stored while the checks ran: check what is there now (rare).
            findings = _findings_for(case, _current_readings(case))
        _store_findings(case, findings, save_case=False)
        case_transition(case=case, target=CaseState.READY_FOR_REVIEW, actor=PIPELINE, also_saving=_FINDING_COUNTS)
    return True


def _unread_sides(case: Case):
    return case.documents.filter(is_current=True).exclude(read_state__in=Document.SETTLED_READ_STATES)


@transaction.atomic
def document_mark_unreadable(*, document_id, token: str, error: OcrError) -> bool:
    """Give up on a document for good: the case needs a person's attention, with the reason."""
    document = Document.objects.select_for_update().get(id=document_id)
    if document.read_state == Document.ReadState.READ or (
        document.read_state == Document.ReadState.READING and document.claim_token != token
    ):
        return False
    case = lock_case(document.case_id)
    reason = _reason_for(error, document)
    document.read_state = Document.ReadState.FAILED
    document.failure_class = str(error.error_class)
    document.failure_reason = reason
    document.save(update_fields=["read_state", "failure_class", "failure_reason"])
    audit_record(
        actor=PIPELINE,
        action="document.unreadable",
        case_id=case.id,
        object_type="document",
        object_id=document.id,
        data={"kind": document.kind, "error_class": str(error.error_class), "error_code": error.code},
    )
    if case.state in (CaseState.SUBMITTED, CaseState.PROCESSING):
        if _may_return_to_applicant(error, document):
            _return_to_applicant(case=case, document=document)
        else:
            case_transition(case=case, target=CaseState.NEEDS_ATTENTION, actor=PIPELINE, reason=reason)
    return True


def _may_return_to_applicant(error: OcrError, document: Document) -> bool:
    """Only the applicant can fix an image nothing can be read from, and a reviewer could do no more
    than ask them; so it goes back to them, unless this side already came back as many times as the
    budget allows (then a person looks at why)."""
    if error.error_class != ErrorClass.INVALID_IMAGE:
        return False
    returned_before = Document.objects.filter(
        case_id=document.case_id, kind=document.kind, is_current=False,
        read_state=Document.ReadState.FAILED, failure_class=str(ErrorClass.INVALID_IMAGE),
    ).count()
    return returned_before < settings.APPLICANT_UNREADABLE_RETURNS


def _return_to_applicant(*, case: Case, document: Document) -> None:
    # The applicant-facing reason, translated when shown or emailed (kyc.i18n.labels); the reviewer's
    # reason for the document stays on the document.
    case_transition(case=case, target=CaseState.RESUBMISSION_REQUESTED, actor=PIPELINE,
                    reason=UNREADABLE_RETURN_REASON, data={"returned_kind": document.kind})
    Document.objects.filter(id=document.id).update(is_current=False)
    from kyc.tasks import send_unreadable_return_email

    transaction.on_commit(lambda: send_unreadable_return_email.delay(str(case.id), document.kind))


def _reason_for(error: OcrError, document: Document) -> str:
    label = document.kind_label
    if error.error_class == ErrorClass.INVALID_IMAGE:
        return f"{label}: the image could not be read ({error.message}). Ask the applicant for a new photo."
    if error.error_class == ErrorClass.CONFIGURATION:
        return f"{label}: the OCR service refused our configuration ({error.code or error.message}). Tell the admin."
    return f"{label}: reading failed after {document.read_attempts} attempts ({error.error_class}: {error.message})."


def _current_readings(case: Case) -> list[DocumentReading]:
    """The latest reading per current side and role, in a stable order."""
    readings = DocumentReading.objects.filter(document__case=case, document__is_current=True).select_related(
        "document"
    )
    latest: dict[tuple[str, str], DocumentReading] = {}
    for row in readings.order_by("created_at", "id"):
        latest[(row.document.kind, row.role)] = row
    return list(latest.values())


def _current_reading_ids(case: Case) -> set:
    """The ids :func:`_current_readings` would return, without loading the rows."""
    latest: dict[tuple[str, str], object] = {}
    rows = DocumentReading.objects.filter(document__case=case, document__is_current=True)
    for kind, role, reading_id in rows.order_by("created_at", "id").values_list("document__kind", "role", "id"):
        latest[(kind, role)] = reading_id
    return set(latest.values())


def _sides_and_reading_ids(case: Case) -> tuple[bool, set]:
    """(is a current side still unread?, the ids :func:`_current_readings` would return), in one
    query: the current sides, each joined to its readings."""
    latest: dict[tuple[str, str], object] = {}
    any_unread = False
    rows = Document.objects.filter(case=case, is_current=True).order_by("readings__created_at", "readings__id")
    for kind, read_state, role, reading_id in rows.values_list("kind", "read_state", "readings__role", "readings__id"):
        any_unread = any_unread or read_state not in Document.SETTLED_READ_STATES
        if reading_id is not None:
            latest[(kind, role)] = reading_id
    return any_unread, set(latest.values())


def _reading_of(row: DocumentReading) -> Reading:
    return Reading.from_json(
        {
            "provider": row.provider,
            "document_kind": row.document.kind,
            "fields": row.fields,
            "mrz_lines": row.mrz_lines,
            "raw_response": {},
            "vendor_request_id": row.vendor_request_id,
        }
    )


def _case_readings_from(case: Case, rows: list[DocumentReading]) -> CaseReadings:
    return _evidence(case, [(row.role, _reading_of(row)) for row in rows])


def _evidence(case: Case, readings: list[tuple[str, Reading]]) -> CaseReadings:
    primary = [reading for role, reading in readings if role == DocumentReading.Role.PRIMARY]
    second = [reading for role, reading in readings if role != DocumentReading.Role.PRIMARY]
    applicant = case.applicant
    return CaseReadings(
        document_type=DocumentType(case.document_type),
        primary=primary,
        second=second,
        declared=DeclaredData(
            full_name=applicant.declared_full_name or None, birth_date=applicant.declared_birth_date,
            issuing_state=case.issuing_country or None,
        ),
    )


def case_readings(*, case: Case) -> CaseReadings:
    """What the cross-checks need for ``case``: its current readings (the latest per side and role)
    and what the applicant declared."""
    return _case_readings_from(case, _current_readings(case))


def _findings_for(case: Case, rows: list[DocumentReading]) -> list[Finding]:
    readings = _case_readings_from(case, rows)
    findings = ocr.check_case(readings, today=timezone.now().date(), policy=check_policy())
    return findings + _duplicate_document_findings(case, readings.primary) + case_face_findings(case=case)


def _duplicate_document_findings(case: Case, primary: list[Reading]) -> list[Finding]:
    """DUPLICATE_DOCUMENT: other cases whose document has the same keyed identity digest (the
    numbers themselves are never compared in clear, nor decrypted)."""
    findings = []
    for identity in ocr.document_identities(DocumentType(case.document_type), primary):
        value = case_index_document_identity(case_id=case.id, identity_key=identity.key)
        others = (
            CaseSearchDigest.objects.filter(field=DOCUMENT_IDENTITY, digest=value)
            .exclude(case_id=case.id)
            .filter(case__personal_data_erased_at__isnull=True)
            .order_by("-case__created_at")
            .values_list("case_id", "case__reference", "case__state")[:_DUPLICATES_LISTED]
        )
        findings.append(ocr.duplicate_document_finding(
            identity, [ocr.OtherCase(str(case_id), reference, state) for case_id, reference, state in others]
        ))
    return findings


# A document behind more cases than this is a pattern the reviewer sees from the first few.
_DUPLICATES_LISTED = 10


def case_run_checks(*, case: Case) -> list[CheckFinding]:
    """Run every cross-check on the case's current readings and store the findings as a new run."""
    return _store_findings(case, _findings_for(case, _current_readings(case)))


_FINDING_COUNTS = ("check_run", "failed_findings_count", "warned_findings_count")


def _store_findings(case: Case, findings: list[Finding], *, save_case: bool = True) -> list[CheckFinding]:
    """The findings as the case's next check run, with the counts the queue shows and an audit row.

    ``save_case=False``: the caller saves ``_FINDING_COUNTS`` itself, with the move to review
    that follows in the same transaction (one UPDATE of the case instead of two)."""
    case.check_run += 1
    outcomes = Counter(str(f.outcome) for f in findings)
    case.failed_findings_count = outcomes.get("fail", 0)
    case.warned_findings_count = outcomes.get("warn", 0)
    if save_case:
        case.save(update_fields=list(_FINDING_COUNTS))
    rows = CheckFinding.objects.bulk_create(
        CheckFinding(
            case=case,
            check_run=case.check_run,
            code=f.code,
            outcome=str(f.outcome),
            message=f.message,
            evidence=f.evidence,
            document_kind=f.document_kind or "",
        )
        for f in findings
    )
    audit_record(
        actor=PIPELINE,
        action="case.checked",
        case_id=case.id,
        object_type="case",
        object_id=case.id,
        data={"check_run": case.check_run, "outcomes": dict(outcomes)},
    )
    return rows


def stalled_document_ids() -> list:
    """Documents whose read was lost: claimed long ago, or pending with no live claim in a moving case."""
    stale_before = timezone.now() - timedelta(seconds=settings.OCR_READ_STALL_SECONDS)
    return list(
        Document.objects.filter(
            is_current=True,
            case__state__in=[CaseState.SUBMITTED, CaseState.PROCESSING],
        )
        .filter(
            Q(read_state=Document.ReadState.READING, claimed_at__lt=stale_before)
            | Q(read_state=Document.ReadState.PENDING, case__state_changed_at__lt=stale_before)
        )
        .values_list("id", flat=True)
    )


def unchecked_read_case_ids() -> list:
    """Processing cases whose every current side was read long ago but which were never checked:
    the worker was lost between storing the last reading and the checks (they run after that commit)."""
    stale_before = timezone.now() - timedelta(seconds=settings.OCR_READ_STALL_SECONDS)
    unread = Document.objects.filter(case=OuterRef("pk"), is_current=True).exclude(
        read_state__in=Document.SETTLED_READ_STATES
    )
    return list(
        Case.objects.filter(state=CaseState.PROCESSING, state_changed_at__lt=stale_before)
        .filter(~Exists(unread))
        .values_list("id", flat=True)
    )
