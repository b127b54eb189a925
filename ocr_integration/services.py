"""What the rest of the product asks of OCR: read an image, check a case, and what was recorded.

The boundary of ``ocr_integration``: ``kyc`` imports this module (and the pure document library,
``ocr_integration.documents``) and nothing else of it. Which provider reads which document kind
is configuration (``settings.OCR_ROUTING``, the environment, the admin's routing rules).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from ocr_integration import routing
from ocr_integration.documents import duplicates
from ocr_integration.documents.crosschecks import FINDING_CODES, CaseReadings, CheckPolicy
from ocr_integration.documents.crosschecks import check_case as _check_case
from ocr_integration.documents.findings import Finding
from ocr_integration.documents.kinds import READ_KINDS, DocumentKind
from ocr_integration.documents.reading import Reading
from ocr_integration.provider import (
    MAX_IMAGE_PIXELS,
    ErrorClass,
    OcrError,
    OcrProvider,
    ReadRequest,
)
from ocr_integration.selectors import (
    VendorFigures,
    attempt_counts,
    attempts_for_subjects,
    vendor_figures,
)

# What callers may use besides the functions below: the request and error types of a read, the
# pixel bound every reader accepts, the records of attempts.
__all__ = [
    "MAX_IMAGE_PIXELS", "DocumentReadResult", "ErrorClass", "OcrError", "ReadRequest", "VendorFigures",
    "BatchLimits", "attempt_counts", "attempts_for_subjects", "batch_group", "batch_group_kinds", "batch_limits",
    "bundled_specimens", "check_case", "read_documents_together",
    "FaceAnalysis", "FaceImageError", "analyse_face", "face_crop", "face_distance", "warm_up_face_engine",
    "finding_meaning", "get_provider", "read_document", "vendor_figures", "warm_up_providers",
]

logger = logging.getLogger(__name__)

_providers: dict[str, OcrProvider] = {}
_providers_lock = threading.Lock()
# The settings a built provider depends on: which class a name means, and the accounts and
# timeouts vendor clients are built with.
PROVIDER_SETTINGS = frozenset({
    "OCR_PROVIDERS", "OCR_DEFAULT_PROVIDER", "OCR_ROUTING", "OCR_VENDORS", "OCR_VENDOR_ROUTES",
    "OCR_VENDOR_READ_TIMEOUT", "OCR_VENDOR_CONNECT_TIMEOUT", "OCR_VENDOR_COORDINATION_URL",
})


@dataclass(frozen=True)
class DocumentReadResult:
    primary: Reading
    second: Reading | None = None


def get_provider(name: str) -> OcrProvider:
    """The provider configured under ``name``, built once per process (models load once)."""
    with _providers_lock:
        provider = _providers.get(name)
        if provider is None:
            path = settings.OCR_PROVIDERS.get(name) or (name if ":" in name else None)
            if path is None:
                raise OcrError(
                    ErrorClass.CONFIGURATION,
                    f"No OCR provider named {name!r} is configured (known: {', '.join(sorted(settings.OCR_PROVIDERS))}).",
                )
            # "package.module:factory", the form settings and routing rules use. Django's
            # import_string names the path in its ImportError, which a hand-split getattr did not.
            factory = import_string(path.replace(":", "."))
            provider = factory()
            _providers[name] = provider
        return provider


def forget_providers() -> None:
    """Drop every provider built so far: the next read builds them again from the current settings.

    Called when a setting they are built from changes (``override_settings`` and pytest-django's
    ``settings`` fixture send ``setting_changed``); embedded engine models stay loaded (they are
    cached by ``ocr_integration.local.engine``, once per process)."""
    with _providers_lock:
        _providers.clear()


@receiver(setting_changed)
def _forget_providers_built_from_a_changed_setting(*, setting: str, **kwargs) -> None:
    if setting in PROVIDER_SETTINGS:
        forget_providers()


def read_document(request: ReadRequest, *, subject_ref: str) -> DocumentReadResult:
    """Read one image with the configured primary provider (and fallback), plus any second reader.

    Raises OcrError when the primary (and fallback) cannot read it. A failing second reader
    never fails the read: its absence is itself visible to the reviewer.
    """
    from ocr_integration.vendors import attempts

    route = routing.route_for(request.document_kind)
    # Every vendor HTTP call made below is recorded as an OcrAttempt for this subject.
    with attempts.subject(subject_ref):
        try:
            primary = _read_with(route.primary, request)
        except OcrError as exc:
            if route.fallback is None or not routing.should_fall_back(exc):
                raise
            logger.warning("primary OCR provider %s failed (%s); trying fallback %s", route.primary, exc.error_class, route.fallback)
            primary = _read_with(route.fallback, request)
        second = None
        if route.second_reader:
            try:
                second = _read_with(route.second_reader, request)
            except OcrError as exc:
                logger.warning("second reader %s failed for %s: %s", route.second_reader, subject_ref, exc.error_class)
    return DocumentReadResult(primary=primary, second=second)


def _read_with(name: str, request: ReadRequest) -> Reading:
    """``name``'s reading. Vendor clients record each HTTP call themselves; any other reader (the
    embedded engine) is recorded here, one attempt per read with its duration, so the metrics
    page counts every reader."""
    from ocr_integration.models import OcrAttempt
    from ocr_integration.vendors import attempts

    provider = get_provider(name)
    if getattr(provider, "records_attempts", False):
        return provider.read(request)
    started = time.monotonic()
    # A reader may be configured by a dotted path ("package.module:Class"): record the short name
    # it reads under, which is what the metrics page shows (and fits the column).
    reader_name = str(getattr(provider, "name", "") or name)[: OcrAttempt._meta.get_field("vendor").max_length]

    def record(outcome: str, code: str = "") -> None:
        attempts.record(attempts.Attempt(reader_name, "engine/read", outcome, code, None,
                                         int((time.monotonic() - started) * 1000)))

    try:
        reading = provider.read(request)
    except OcrError as exc:
        record(str(exc.error_class), exc.code)
        raise
    except Exception:
        record(str(ErrorClass.UNKNOWN), "internal_error")
        raise
    record("success")
    return reading


def check_case(case: CaseReadings, *, today: date, policy: CheckPolicy) -> list[Finding]:
    return _check_case(case, today=today, policy=policy)


def document_identities(document_type, readings: list[Reading]):
    """What identifies the case's document (issuing state and number), for the duplicate search."""
    return duplicates.document_identities(document_type, readings)


def duplicate_document_finding(identity, others) -> Finding:
    return duplicates.duplicate_document_finding(identity, others)


OtherCase = duplicates.OtherCase


def mask_card_number_on_image(image: bytes, content_type: str):
    """The card image with the digits the masked number hides painted over, by the embedded engine
    (whichever reader read the card). Returns a ``MaskedImage``; ``numbers_masked == 0`` when no
    card number was found on it (the bytes are then unchanged)."""
    from ocr_integration.local.card_mask import mask_card_numbers

    return mask_card_numbers(image, content_type)


def finding_meaning(code: str) -> str | None:
    """What a finding code checks, in a reviewer's words (None for a code the engine does not emit)."""
    known = FINDING_CODES.get(code)
    return known[1] if known else None


@dataclass(frozen=True)
class BatchLimits:
    """How a batch of pending reads forms: at most ``max_items`` per vendor call, and no read
    waits for company longer than ``wait_seconds``."""

    max_items: int
    wait_seconds: float
    call_interval_seconds: float = 0.0  # the account's rate: one call per interval at most


routes_read_once = routing.routes_read_once


def batch_group(kind: str) -> str | None:
    """The batch a read of this kind joins (reads of one group can share one vendor call), or
    None when its primary reader reads one image per call. Bank cards never batch: their image is
    masked around the read, one at a time."""
    if kind == DocumentKind.BANK_CARD:
        return None
    route = routing.route_for(DocumentKind(kind))
    if route.primary != "ctyun" or not bool(settings.OCR_VENDORS["ctyun"].get("batching", True)):
        return None
    from ocr_integration.vendors.ctyun.client import ID_KINDS

    return "ctyun:idcard" if DocumentKind(kind) in ID_KINDS else "ctyun:general"


def batch_group_kinds(group: str) -> list[str]:
    """Every document kind whose reads join ``group`` now."""
    from ocr_integration.vendors.ctyun.client import ID_KINDS

    # Only the kinds of the group's API family can be in it (each routing look-up is a query).
    family = [k for k in DocumentKind if (k in ID_KINDS) == (group == "ctyun:idcard")]
    return [str(kind) for kind in family if batch_group(kind) == group]


def batch_limits() -> BatchLimits:
    """The CTyun account's batch size, wait bound and rate (settings or the admin's account)."""
    from ocr_integration.vendors.ctyun.client import account_from_settings
    from ocr_integration.vendors.ratelimit import SEND_MARGIN

    account = account_from_settings("ctyun")
    return BatchLimits(max_items=max(1, min(50, account.batch_max)), wait_seconds=max(0, account.batch_wait_ms) / 1000,
                       call_interval_seconds=(1 + SEND_MARGIN) / account.qps if account.qps > 0 else 0.0)


def read_documents_together(requests: list[ReadRequest], *, subject_refs: list[str]) -> list[DocumentReadResult | OcrError]:
    """Read images of one batch group in as few vendor calls as allowed (50 images per call), then
    each one's fallback (where its primary failed) and second reader, one by one, as
    :func:`read_document` would. One result or OcrError per request, in order."""
    from ocr_integration.vendors import attempts

    if not requests:
        return []
    try:
        primaries = get_provider("ctyun").read_many(requests, subject_refs=subject_refs)
    except OcrError as exc:  # the account is not configured: every image fails alike
        primaries = [exc] * len(requests)
    results: list[DocumentReadResult | OcrError] = []
    routes: dict[DocumentKind, routing.Route] = {}  # one look-up per kind, not one query per image
    for request, subject_ref, primary in zip(requests, subject_refs, primaries, strict=True):
        if request.document_kind not in routes:
            routes[request.document_kind] = routing.route_for(request.document_kind)
        route = routes[request.document_kind]
        with attempts.subject(subject_ref):
            if isinstance(primary, OcrError):
                if route.fallback is None or not routing.should_fall_back(primary):
                    results.append(primary)
                    continue
                logger.warning("primary OCR provider ctyun failed (%s); trying fallback %s", primary.error_class,
                               route.fallback)
                try:
                    primary = _read_with(route.fallback, request)
                except OcrError as exc:
                    results.append(exc)
                    continue
            second = None
            if route.second_reader:
                try:
                    second = _read_with(route.second_reader, request)
                except OcrError as exc:
                    logger.warning("second reader %s failed for %s: %s", route.second_reader, subject_ref,
                                   exc.error_class)
        results.append(DocumentReadResult(primary=primary, second=second))
    return results


def share_cores_among_reads(concurrent_reads: int) -> None:
    """Tell the embedded engine how many reads this worker runs at once (called before its pool
    starts), so that each read gets its share of the cores and no more."""
    from ocr_integration.local import engine

    engine.share_cores_among(concurrent_reads)


def warm_up_providers() -> None:
    """Build every provider the routing uses, so that model loading happens at worker start."""
    names = {settings.OCR_DEFAULT_PROVIDER}
    try:
        for kind in READ_KINDS:
            route = routing.route_for(kind)  # settings, environment and admin rules alike
            names.update(n for n in (route.primary, route.fallback, route.second_reader) if n)
    except Exception:  # the database may not be reachable yet: warm up the default at least
        logger.exception("could not read the OCR routing at worker start")
    for name in names:
        try:
            provider = get_provider(name)
        except Exception:  # a misconfigured provider must not stop the worker: reads will report it
            logger.exception("could not build OCR provider %s", name)
            continue
        warm_up = getattr(provider, "warm_up", None)
        if callable(warm_up):
            warm_up()


# --- faces (issue 19): bytes in, plain results out --------------------------------------------------
# The engine (dlib) is imported when first asked for, so that a process that never checks a face
# never loads it; its models are loaded once per process (ocr_integration.faces.engine).

from ocr_integration.faces.engine import FaceAnalysis, FaceImageError  # noqa: E402 - plain types, no dlib import


def analyse_face(image: bytes) -> FaceAnalysis | None:
    """The most face-like face in an encoded image (box, 68 landmarks, descriptor, yaw), or None.

    Raises FaceImageError for bytes that are no image."""
    from ocr_integration.faces import engine

    return engine.analyse(image)


def face_distance(a, b) -> float:
    """Distance between two face descriptors (dlib's Euclidean distance)."""
    from ocr_integration.faces import engine

    return engine.distance(a, b)


def face_crop(image: bytes, box) -> bytes:
    """A small JPEG of the face box of ``image`` with a margin (the reviewer's side-by-side view)."""
    from ocr_integration.faces import engine

    return engine.face_crop(image, box)


def warm_up_face_engine() -> None:
    """Load the face models now (worker start), not on the first case."""
    from ocr_integration.faces import engine

    engine.warm_up()


def bundled_specimens(kind=None):
    """The synthetic specimen documents shipped with the package (the demo's cases are made of them).

    Imported when asked for: the specimen generator is not needed to read or check anything."""
    from ocr_integration.specimens.bundled import bundled_specimens as bundled

    return bundled(kind)


def face_specimens():
    """The face specimens (``ocr_integration.specimens.faces``: document portraits, selfies, liveness
    bursts of public-domain faces) for the demo; its photographs need the ``test`` extra.

    Imported when asked for, like the bundled specimens."""
    from ocr_integration.specimens import faces

    return faces
