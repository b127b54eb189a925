"""Celery tasks: take ids, call one service, decide about retries. No business logic here."""

from __future__ import annotations

import logging
import random

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from kyc.ops import logs
from kyc.services import batched_reads, readings
from ocr_integration.services import ErrorClass, OcrError
from ocr_integration.services import routes_read_once as ocr_routes_read_once

logger = logging.getLogger(__name__)


def _backoff_seconds(retries: int, error: OcrError) -> float:
    if error.retry_after:
        return min(float(error.retry_after), settings.OCR_RETRY_BACKOFF_MAX_SECONDS)
    base = settings.OCR_RETRY_BACKOFF_SECONDS * (2**retries)
    # Jitter keeps a burst of failed reads from retrying in lock-step against the vendor.
    return min(base * (0.5 + random.random()), settings.OCR_RETRY_BACKOFF_MAX_SECONDS)


def log_lines_name_the_case(**lookup) -> None:
    """Every line this task logs from here on names its case (id and reference, never personal data)."""
    from kyc.models import Case

    if not lookup or None in lookup.values():
        return
    try:
        found = Case.objects.filter(**lookup).values_list("id", "reference").first()
    except Exception:  # a malformed id or a lost database: the service below reports it, with its retry rules
        return
    if found:
        logs.bind_case(case_id=found[0], reference=found[1])


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def read_document(self, document_id: str) -> None:
    # One routing for the whole task (its batch group, then its reader), read once.
    with ocr_routes_read_once():
        _read_document(self, document_id)


def _read_document(task, document_id: str) -> None:
    token = task.request.id or f"direct-{document_id}"
    try:  # the case, for the log lines, and the kind, in one query before the claim
        target = batched_reads.document_read_target(document_id=document_id)
    except Exception:  # a malformed id or a lost database: the single read below reports it, with its retry rules
        target = None
    if target is not None:
        logs.bind_case(case_id=target.case_id, reference=target.case_reference)
    try:
        group = batched_reads.batch_group_of(target.kind) if target is not None else None
    except Exception:  # the routing could not be read: the single read below reports it, with its retry rules
        group = None
    if group is not None:
        # This read joins the others waiting in the database (batched_reads): one batch task reads
        # whatever of them still waits once this one's wait bound is over; a full batch goes now.
        waits = batched_reads.document_waits_for_batch(document_id=document_id, token=token)
        if waits:  # not when another process's batch holds it, or it is read: nothing is left for that task
            try:
                wait = batched_reads.batch_wait_seconds()
            except OcrError:  # the CTyun account is missing: the claim below fails and says so
                wait = 0.0
            read_batch.apply_async((group,), countdown=wait)
        # Whether or not its own document waits, full batches of others may: in a burst, the second
        # process's first task often finds its document in the first process's claim, and must
        # still take the next batches at once rather than after hundreds of such tasks.
        _read_batch_or_retry(task, group=group, token=token, only_if_full=True,
                             document_id=document_id if waits else None)
        return
    try:
        readings.document_read(document_id=document_id, token=token)
    except OcrError as error:
        failure = error
    except Exception as exc:  # a bug or a dropped connection: retry, and give up like any other failure
        logger.exception("reading document %s failed unexpectedly", document_id)
        failure = OcrError(ErrorClass.UNKNOWN, f"internal error ({type(exc).__name__})")
    else:
        return
    if failure.retryable and task.request.retries < settings.OCR_READ_MAX_RETRIES:
        logger.info(
            "read of document %s failed (%s), retry %d", document_id, failure.error_class, task.request.retries + 1
        )
        raise task.retry(countdown=_backoff_seconds(task.request.retries, failure), exc=failure)
    readings.document_mark_unreadable(document_id=document_id, token=token, error=failure)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def read_batch(self, group: str) -> None:
    """Read whatever of ``group`` waits (up to a batch) in one vendor call."""
    with ocr_routes_read_once():  # the group's kinds and each one's reader: one routing, read once
        _read_batch_or_retry(self, group=group, token=self.request.id or f"direct-batch-{group}", only_if_full=False)


def _read_batch_or_retry(task, *, group: str, token: str, only_if_full: bool, document_id: str | None = None) -> None:
    try:
        failure = batched_reads.documents_read_batch(group=group, token=token, only_if_full=only_if_full).retry
    except OcrError as error:  # before any call: the CTyun account is missing
        failure = error
    except Exception as exc:  # a bug or a dropped connection: retry, and give up like any other failure
        logger.exception("a batch of %s reads failed unexpectedly", group)
        failure = OcrError(ErrorClass.UNKNOWN, f"internal error ({type(exc).__name__})")
    if failure is None:
        return
    if failure.retryable and task.request.retries < settings.OCR_READ_MAX_RETRIES:
        logger.info("a batch of %s reads failed (%s), retry %d", group, failure.error_class, task.request.retries + 1)
        raise task.retry(countdown=_backoff_seconds(task.request.retries, failure), exc=failure)
    batched_reads.documents_give_up_batch(token=token, error=failure)
    if document_id is not None and failure.error_class == ErrorClass.CONFIGURATION:
        # Nothing could be claimed: this read fails for good as a single read would, with the reason.
        readings.document_mark_unreadable(document_id=document_id, token=token, error=failure)


def queue_read(document_id) -> bool:
    """Queue one read; False when the broker cannot take it now.

    Called on commit of a submission: the case is already saved, so a broker outage must not turn
    the applicant's successful submit into an error page. The document stays pending and
    ``requeue_stalled_reads`` queues it once the broker is back.
    """
    try:
        read_document.delay(str(document_id))
    except Exception:  # kombu raises OperationalError, or the transport's own errors
        logger.warning("could not queue the read of document %s; the stall sweep will queue it later", document_id)
        return False
    return True


@shared_task
def requeue_stalled_reads() -> int:
    """Periodic: queue again every read that a lost worker or a lost message left hanging."""
    document_ids = readings.stalled_document_ids()
    for document_id in document_ids:
        queue_read(document_id)
    if document_ids:
        logger.warning("queued %d stalled document reads again", len(document_ids))
    # A worker lost between storing a case's last reading and its checks (which run after that
    # commit) leaves the case processing with every side read: check it here.
    for case_id in readings.unchecked_read_case_ids():
        readings.case_check_when_read(case_id=case_id)
    return len(document_ids)


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def send_decision_email(self, decision_id: int) -> None:
    """Tell the applicant about a decision (queued on commit by services.decisions)."""
    from kyc.services.notifications import decision_email_send

    log_lines_name_the_case(decisions__id=decision_id)
    try:
        decision_email_send(decision_id=decision_id)
    except (OSError, OperationalError, InterfaceError) as exc:  # the mail server or the database is unreachable: later
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def send_unreadable_return_email(self, case_id: str, kind: str) -> None:
    """Ask the applicant for a new photo of a side that could not be read (queued on commit)."""
    from kyc.services.notifications import unreadable_return_email_send

    log_lines_name_the_case(id=case_id)
    try:
        unreadable_return_email_send(case_id=case_id, kind=kind)
    except (OSError, OperationalError, InterfaceError) as exc:  # the mail server or the database is unreachable: later
        raise self.retry(exc=exc) from exc


@shared_task
def purge_expired_personal_data() -> int:
    """Periodic (hourly): retry the file deletes earlier erasures could not finish, then erase the
    images and personal values of cases past their retention period."""
    from kyc.services.retention import purge_expired_personal_data as purge

    count = purge()
    if count:
        logger.info("retention: erased the personal data of %d cases", count)
    return count


@shared_task
def retrain_face_index() -> int | None:
    """Periodic (daily): retrain the face index's centroids when the population has doubled, when
    erasures since the training pass a share, or monthly (kyc.services.faces); returns the new
    centroids' version, None when nothing was due."""
    from kyc.services.faces import face_index_retrain_if_due

    built = face_index_retrain_if_due()
    return built.version if built else None


@shared_task
def purge_rate_counters() -> int:
    """Periodic (daily): drop API rate counters whose window ended a day ago or more."""
    from kyc.services.rate_limits import rate_counters_purge

    return rate_counters_purge()


@shared_task
def compact_queue_counts() -> int:
    """Periodic (every minute): fold the queue's counter rows into one per group."""
    from kyc.services.queue_counts import queue_counts_compact

    return queue_counts_compact()


@shared_task
def reconcile_queue_counts() -> int:
    """Periodic (hourly): recount the queue's counter table from the cases; returns the groups fixed."""
    from kyc.services.queue_counts import queue_counts_reconcile

    return queue_counts_reconcile()


@shared_task
def write_audit_checkpoint() -> int | None:
    """Periodic (beat): sign where the audit chain stands, when it moved since the last checkpoint."""
    from kyc.core import audit_keys
    from kyc.core.audit_checkpoints import audit_checkpoint_write

    if audit_keys.signing_key() is None:
        logger.warning("audit checkpoints are not signed: AUDIT_SIGNING_KEY is not set on this worker")
        return None
    checkpoint = audit_checkpoint_write(only_if_changed=True)
    return checkpoint.last_sequence if checkpoint else None
