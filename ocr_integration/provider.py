"""The one interface every OCR provider implements, and the one error type it raises.

A provider is anything with a ``name`` and a ``read(request) -> Reading`` method: the vendor
clients in ``ocr_integration.vendors``, the embedded engine in ``ocr_integration.local``, and
test providers. Providers are looked up by name through ``settings.OCR_PROVIDERS`` (name ->
dotted path of a zero-argument factory), so configuration, not code, chooses who reads what.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .documents.kinds import DocumentKind
from .documents.reading import Reading

# The largest image any provider is given, in pixels: the embedded engine's working limit (its
# decode and detection memory). kyc/uploads/prepare.py refuses larger uploads with the same number, so an
# accepted upload is never one a reader will refuse later.
MAX_IMAGE_PIXELS = 40_000_000


@dataclass(frozen=True)
class ReadRequest:
    """One image to read. ``issuing_country`` is the applicant's choice (ICAO code), a hint only.
    ``checked``: the image was decoded and checked where it came from and is unchanged since (an
    upload, checked before it was stored, read back from the authenticated store), so preparing
    it for a vendor need not decode it again; a broken one would fail at the vendor, alone."""

    document_kind: DocumentKind
    image: bytes
    content_type: str
    issuing_country: str | None = None
    checked: bool = False


class ErrorClass(StrEnum):
    """What the caller should do about a failed read."""

    INVALID_IMAGE = "invalid_image"  # ask the applicant to recapture; retrying cannot help
    CONFIGURATION = "configuration"  # credentials, endpoint, quota: tell the admin
    THROTTLED = "throttled"  # back off, then retry
    TRANSIENT = "transient"  # retry
    UNKNOWN = "unknown"  # neither we nor the vendor know; retry a bounded number of times


RETRYABLE = frozenset({ErrorClass.THROTTLED, ErrorClass.TRANSIENT, ErrorClass.UNKNOWN})


class OcrError(Exception):
    """A read that failed. ``vendor_message`` is for the admin, never shown to applicants."""

    def __init__(
        self,
        error_class: ErrorClass,
        message: str,
        *,
        code: str = "",
        vendor_message: str = "",
        http_status: int | None = None,
        retry_after: float | None = None,
        vendor_request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.code = code
        self.vendor_message = vendor_message
        self.http_status = http_status
        self.retry_after = retry_after
        self.vendor_request_id = vendor_request_id

    @property
    def retryable(self) -> bool:
        return self.error_class in RETRYABLE

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code else ""
        return f"{self.error_class}{code}: {self.message}"


class OcrProvider(Protocol):
    name: str

    def read(self, request: ReadRequest) -> Reading:
        """Read one image, or raise :class:`OcrError`. Never returns a partial reading silently."""
        ...
