"""Reads that CTyun answers in batches (up to 50 images per call), assembled from the database.

A document waiting to be read is a row in the ``pending`` read state, from the moment its case
is submitted. The read task of a batched kind does not read its own image: it looks at every
read of its batch group that is waiting. When a full batch waits, it claims the oldest
``max_items`` of them and reads them in one vendor call; in any case it queues a batch task for
when its own read's wait bound is over, which claims whatever of the group is still waiting then.
So a batch is made of every read waiting at that moment, not of the reads one worker's processes
happen to hold: the README's prefork worker batches as well as any other, with no worker of its own.

Claims follow the rules of a single read (``readings.document_claim_for_reading``): a claim is
the task's id; a task delivered again resumes the documents claimed under its id (and reads no
other); a claim older than ``OCR_READ_STALL_SECONDS`` (a worker that died with its batch) is
taken over by the next batch (the stall sweep queues a read for it).

On PostgreSQL the batch is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED``: two processes
claiming at once take two different batches, and neither waits for the other. SQLite has no row
locks: there the claim is one conditional ``UPDATE`` (a document still waiting) per batch, so
each document goes to exactly one claimer (SQLite runs one writer at a time).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from kyc.domain.workflow import CaseState
from kyc.models import Document
from kyc.services.cases import case_transition, lock_case
from kyc.services.readings import PIPELINE, document_mark_unreadable, document_record_reading
from ocr_integration import services as ocr
from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.services import ErrorClass, OcrError, ReadRequest

logger = logging.getLogger(__name__)

# Batches one claim may take when several full ones wait (a burst of submissions): their calls
# then go one after another at the account's rate, before any reading is stored, instead of each
# waiting for the previous batch's readings to be stored (seconds of CPU each). Five is a second
# of calls at CTyun's default 5 requests/s, so what one claim holds back stays small.
BATCHES_PER_CLAIM = 5

# Calls of one claim in flight at once, each batch read in a thread of its own: a call is mostly
# waiting (for the account's rate limiter, then for the vendor), so while one waits the next
# batch's images are read and prepared, and the account's rate paces a burst rather than one
# process's round trips (300 ms each against the simulator, 220 ms between calls at 5 per second).
CALLS_IN_FLIGHT = 2


@dataclass(frozen=True)
class BatchRead:
    """What one batch did: documents claimed, read and stored, given up for good; and the error
    to retry after, when some are still claimed for a later attempt (a retryable failure)."""

    claimed: int = 0
    read: int = 0
    given_up: int = 0
    retry: OcrError | None = None


@dataclass(frozen=True)
class ReadTarget:
    """What a read task needs before its claim: the case, to name on its log lines, and the kind."""

    case_id: object
    case_reference: str
    kind: str


def document_read_target(*, document_id) -> ReadTarget | None:
    """The document's case and kind, in one query; None for an unknown document."""
    found = Document.objects.filter(id=document_id).values_list("case_id", "case__reference", "kind").first()
    return ReadTarget(*found) if found else None


def batch_group_of(kind: str) -> str | None:
    """The batch group a read of ``kind`` joins, or None when its reader reads one per call."""
    return ocr.batch_group(kind)


def document_waits_for_batch(*, document_id, token: str) -> bool:
    """Whether the document's read still waits for a batch that ``token`` may claim: pending, or
    claimed under ``token`` (its task delivered again), or claimed by a worker presumed lost.
    False once another batch holds it or it is read: in a burst, most read tasks find their
    document in a batch another process took, and then have nothing to do."""
    stale_before = timezone.now() - timedelta(seconds=settings.OCR_READ_STALL_SECONDS)
    return Document.objects.filter(_claimable(token=token, stale_before=stale_before), id=document_id,
                                   is_current=True).exists()


def batch_wait_seconds() -> float:
    """The longest a read waits for company before its batch is sent (``CTYUN_OCR_BATCH_WAIT_MS``)."""
    return ocr.batch_limits().wait_seconds


def _group_documents(group: str):
    return Document.objects.filter(
        is_current=True, kind__in=ocr.batch_group_kinds(group),
        case__state__in=[CaseState.SUBMITTED, CaseState.PROCESSING],
    )


def _claimable(*, token: str, stale_before) -> Q:
    """Waiting to be read: pending, or claimed under ``token``, or claimed by a worker presumed lost."""
    return Q(read_state=Document.ReadState.PENDING) | Q(
        Q(read_state=Document.ReadState.READING) & (Q(claim_token=token) | Q(claimed_at__lt=stale_before))
    )


def documents_claim_batch(*, group: str, token: str, only_if_full: bool) -> list[Document]:
    """Claim the group's waiting reads, oldest submission first, under ``token``: with
    ``only_if_full``, every full batch waiting (up to ``BATCHES_PER_CLAIM``); without it, whatever
    waits (up to as many), provided the oldest has waited the batch wait since its case was
    submitted.

    A token that already holds documents (its task delivered again, or retried) gets exactly those
    back. Only documents of cases still submitted or processing are claimed; their case moves to
    ``processing`` when the reading is stored (:func:`documents_read_batch`), so that a claim is
    one statement and its first call goes out at once.
    """
    own = list(Document.objects.filter(read_state=Document.ReadState.READING, claim_token=token,
                                       is_current=True).values_list("id", flat=True))
    if not own:
        limits = ocr.batch_limits()
        now = timezone.now()
        stale_before = now - timedelta(seconds=settings.OCR_READ_STALL_SECONDS)
        waiting = (_group_documents(group).filter(_claimable(token=token, stale_before=stale_before))
                   .order_by("case__submitted_at", "created_at"))
        claim = dict(read_state=Document.ReadState.READING, claim_token=token, claimed_at=now,
                     read_attempts=F("read_attempts") + 1)
        if connection.features.has_select_for_update_skip_locked:
            with transaction.atomic():
                ids = _to_claim(list(waiting.select_for_update(skip_locked=True, of=("self",))
                                     .values_list("id", "case__submitted_at")[:limits.max_items * BATCHES_PER_CLAIM]),
                                limits, now=now, only_if_full=only_if_full)
                if not ids:
                    return []
                Document.objects.filter(id__in=ids).update(**claim)
        else:
            ids = _to_claim(list(waiting.values_list("id", "case__submitted_at")[:limits.max_items * BATCHES_PER_CLAIM]),
                            limits, now=now, only_if_full=only_if_full)
            if not ids:
                return []
            # One statement: of two claimers that picked the same documents, the first takes them.
            Document.objects.filter(_claimable(token=token, stale_before=stale_before), id__in=ids).update(**claim)
    return list(Document.objects.select_related("case").filter(read_state=Document.ReadState.READING,
                                                               claim_token=token, is_current=True)
                .order_by("case__submitted_at", "created_at"))


def _to_claim(waiting: list[tuple], limits: ocr.BatchLimits, *, now, only_if_full: bool) -> list:
    """Of the waiting ``(id, submitted at)`` pairs, oldest first, the ids to claim now: the whole
    batches among them when ``only_if_full``; else all of them once the oldest has waited the batch
    wait since its submit, and none before (its own batch task comes then: a steady trickle of
    reads still makes batches of a wait's worth, not one call per batch task)."""
    if only_if_full:
        whole = len(waiting) - len(waiting) % limits.max_items
        return [document_id for document_id, _ in waiting[:whole]]
    if not waiting:
        return []
    oldest = waiting[0][1]
    if oldest is not None and oldest > now - timedelta(seconds=limits.wait_seconds):
        return []
    return [document_id for document_id, _ in waiting]


def _case_moves_to_processing(document: Document) -> bool:
    """Start the case's processing, as a single read's claim does; False (the claim let go, the
    reading dropped) when the case was decided or withdrawn while its batch was read."""
    with transaction.atomic():
        case = lock_case(document.case_id)
        if case.state == CaseState.SUBMITTED:
            case_transition(case=case, target=CaseState.PROCESSING, actor=PIPELINE)
        elif case.state != CaseState.PROCESSING:
            Document.objects.filter(id=document.id, claim_token=document.claim_token).update(
                read_state=Document.ReadState.PENDING, claim_token="")
            return False
    return True


def documents_read_batch(*, group: str, token: str, only_if_full: bool) -> BatchRead:
    """Claim a batch (:func:`documents_claim_batch`), read it in one vendor call per 50 images,
    store each reading.

    An image that cannot be read (a permanent error) is given up for good, as a single read's
    would be; the ones that failed in a way a retry can fix stay claimed under ``token`` and the
    error is returned, for the task to retry after a back-off (it then resumes exactly those).
    """
    documents = documents_claim_batch(group=group, token=token, only_if_full=only_if_full)
    if not documents:
        return BatchRead()
    limits = ocr.batch_limits()
    max_items = limits.max_items
    batches = [documents[start:start + max_items] for start in range(0, len(documents), max_items)]
    # Every call first, at the account's rate; then the readings are stored (seconds of CPU for a
    # few hundred), so that no batch's call waits for another's storing.
    results: dict = {}
    if len(batches) == 1:
        results.update(_read_together(batches[0]))
    else:
        with ThreadPoolExecutor(max_workers=CALLS_IN_FLIGHT, thread_name_prefix="batch-call") as calls:
            reads = [calls.submit(_read_together_in_thread, batches[0])]
            # The second call cannot go before one rate interval after the first: preparing its
            # batch in that interval, rather than beside the first's (the two share one process's
            # interpreter), lets the first call go sooner.
            time.sleep(min(limits.call_interval_seconds, 1.0))
            reads += [calls.submit(_read_together_in_thread, batch) for batch in batches[1:]]
            for read in reads:
                results.update(read.result())
    read = given_up = 0
    retry: OcrError | None = None
    for document in documents:
        result = results[document.id]
        if not _case_moves_to_processing(document):
            continue
        if isinstance(result, OcrError):
            if result.retryable:
                # The longest back-off asked for wins: a throttle's quiet time covers every image.
                if retry is None or (result.retry_after or 0) > (retry.retry_after or 0):
                    retry = result
            elif document_mark_unreadable(document_id=document.id, token=token, error=result):
                given_up += 1
        elif document_record_reading(document_id=document.id, token=token, result=result):
            read += 1
    return BatchRead(claimed=len(documents), read=read, given_up=given_up, retry=retry)


def _read_together_in_thread(documents: list[Document]) -> dict:
    try:
        return _read_together(documents)
    finally:
        connections.close_all()  # this thread's own (its attempts' inserts), not the task's


def _read_together(documents: list[Document]) -> dict:
    """{document id: DocumentReadResult or OcrError} for one batch, read in one vendor call."""
    requests, results = {}, {}
    for document in documents:
        try:
            with document.file.open("rb") as stream:
                image = stream.read()
        except OSError as exc:  # the store is unreachable: this one waits for the retry
            results[document.id] = OcrError(ErrorClass.TRANSIENT,
                                            f"the stored image could not be opened ({type(exc).__name__})")
            continue
        # Checked at upload (decoded, or re-muxed and decoded at an eighth) and read back from the
        # authenticated store: decoding it again before the call cost 1.2 ms CPU an image, 58 ms
        # a batch, most of the time from the claim to the call.
        requests[document.id] = ReadRequest(document_kind=DocumentKind(document.kind), image=image,
                                            content_type=document.content_type,
                                            issuing_country=document.case.issuing_country or None, checked=True)
    read = ocr.read_documents_together(list(requests.values()), subject_refs=[str(i) for i in requests])
    results.update(zip(requests, read, strict=True))
    return results


def documents_give_up_batch(*, token: str, error: OcrError) -> int:
    """Give up for good on every document still claimed under ``token`` (its retries are spent)."""
    ids = list(Document.objects.filter(read_state=Document.ReadState.READING, claim_token=token)
               .values_list("id", flat=True))
    return sum(document_mark_unreadable(document_id=document_id, token=token, error=error) for document_id in ids)
