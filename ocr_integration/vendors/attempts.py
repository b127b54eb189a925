"""One record per vendor HTTP call: vendor, endpoint, outcome, code, status, duration, request id.

Never the image, never a field value: only what an admin needs to see that a vendor misbehaves.
The subject reference (an opaque string chosen by the caller, e.g. a document id) is taken from
a context variable that ``ocr_integration.services`` sets around a read.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

logger = logging.getLogger(__name__)

_subject_ref: contextvars.ContextVar[str] = contextvars.ContextVar("ocr_subject_ref", default="")


@dataclass(frozen=True)
class Attempt:
    vendor: str  # provider name: huawei, g42, ctyun ...
    endpoint: str  # API path without host or project id, e.g. ocr/passport, iam/tokens
    outcome: str  # "success" or an ErrorClass value
    error_code: str = ""
    http_status: int | None = None
    duration_ms: int = 0
    vendor_request_id: str = ""
    batch_size: int = 1
    subject_ref: str = ""


@contextlib.contextmanager
def subject(ref: str) -> Iterator[None]:
    """Attribute every attempt made inside the block to ``ref`` (opaque, never personal data)."""
    token = _subject_ref.set(ref)
    try:
        yield
    finally:
        _subject_ref.reset(token)


def current_subject() -> str:
    return _subject_ref.get()


def _save_to_database(attempt: Attempt) -> None:
    from ..models import OcrAttempt

    OcrAttempt.objects.create(**_columns(attempt))


def _columns(attempt: Attempt) -> dict:
    return dict(
        vendor=attempt.vendor,
        endpoint=attempt.endpoint[:120],
        outcome=attempt.outcome,
        error_code=attempt.error_code[:64],
        http_status=attempt.http_status,
        duration_ms=attempt.duration_ms,
        vendor_request_id=attempt.vendor_request_id[:128],
        batch_size=attempt.batch_size,
        subject_ref=attempt.subject_ref[:128],
    )


_sink: Callable[[Attempt], None] = _save_to_database


def set_sink(sink: Callable[[Attempt], None] | None) -> None:
    """Replace where attempts go (``None`` restores the database)."""
    global _sink
    _sink = sink or _save_to_database


@contextlib.contextmanager
def observed() -> Iterator[list[Attempt]]:
    """The attempts recorded inside the block (they still reach the usual sink too)."""
    seen: list[Attempt] = []
    forward = _sink

    def both(attempt: Attempt) -> None:
        seen.append(attempt)
        forward(attempt)

    set_sink(both)
    try:
        yield seen
    finally:
        set_sink(forward)


def _attributed(attempt: Attempt, subject_ref: str | None) -> Attempt:
    if subject_ref is None:
        subject_ref = current_subject()
    if subject_ref != attempt.subject_ref:
        attempt = Attempt(**{**attempt.__dict__, "subject_ref": subject_ref})
    logger.info(
        "ocr attempt vendor=%s endpoint=%s outcome=%s code=%s status=%s duration_ms=%s request_id=%s",
        attempt.vendor, attempt.endpoint, attempt.outcome, attempt.error_code,
        attempt.http_status, attempt.duration_ms, attempt.vendor_request_id,
    )
    return attempt


def record(attempt: Attempt, *, subject_ref: str | None = None) -> None:
    """Record an attempt; a failure to record is logged and never fails the read."""
    attempt = _attributed(attempt, subject_ref)
    try:
        _sink(attempt)
    except Exception:  # recording must never turn a good read into a failure
        logger.exception("could not record an OCR attempt (vendor=%s)", attempt.vendor)


def record_many(attempts: list[tuple[Attempt, str]]) -> None:
    """Record ``(attempt, subject ref)`` pairs, e.g. one per image of a batched call: in one insert
    when they go to the database (fifty round trips would hold back the batch's next call)."""
    attributed = [_attributed(attempt, subject_ref) for attempt, subject_ref in attempts]
    if _sink is not _save_to_database:
        for attempt in attributed:
            try:
                _sink(attempt)
            except Exception:  # recording must never turn a good read into a failure
                logger.exception("could not record an OCR attempt (vendor=%s)", attempt.vendor)
        return
    from ..models import OcrAttempt

    try:
        OcrAttempt.objects.bulk_create([OcrAttempt(**_columns(attempt)) for attempt in attributed])
    except Exception:  # recording must never turn a good read into a failure
        logger.exception("could not record %d OCR attempts", len(attributed))
