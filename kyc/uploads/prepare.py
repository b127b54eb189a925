"""Turning an uploaded file into an image we are willing to store.

The server is authoritative: the content is sniffed from its first bytes (never the extension or
the client's MIME type) and must agree with what the decoder finds; the byte size, the declared
pixel size and the decoded pixel count are bounded before any pixel is decompressed (a
decompression bomb declares a huge canvas in a tiny file). What is stored is the picture and
nothing else: EXIF (GPS included), XMP, ICC profiles, comments and anything smuggled after the
image data are dropped.

Two ways lead there, chosen by ``UPLOAD_SANITIZING``:

- ``remux`` (the default): an upright JPEG (the usual phone photo) keeps its compressed picture
  data byte for byte, without its metadata (``kyc.uploads.jpeg_remux``; checked by a decode at an eighth
  of its size); an 8-bit greyscale or RGB PNG (the usual scan) is rewritten from its pixel rows
  alone (``kyc.uploads.png_remux``; checked as it is rewritten). Memory stays a few hundred kilobytes
  whatever the file's size (a progressive JPEG's check needs its coefficients, about as much as
  its pixels), and a JPEG is not recompressed: no generation loss for OCR or for a forensic look
  at the photo. What it does not remove: bytes hidden inside a JPEG's entropy-coded data or its
  Huffman and quantisation tables (decoders skip them); they leave storage only inside the image,
  to OCR vendors and to reviewers' browsers (as image/jpeg with ``nosniff``).
- ``reencode``: nothing of the file's bytes survives, only its pixels, re-encoded, in bounded
  memory for the usual files: an 8-bit grey or colour JPEG is decoded and re-encoded a strip at a
  time by libvips (``kyc.uploads.stream_reencode``; a turned one re-encoded as stored, with its
  orientation alone, as the re-mux does), an 8-bit grey or RGB PNG rewritten from its rows with
  each row filtered afresh from its pixels (``png_remux.remux(refilter=True)``).
- Every image neither way covers (BMP, TIFF, CMYK, a palette, transparent, 16-bit or interlaced
  PNG, a damaged one): decoded whole, turned upright and re-encoded; it needs the pixels in
  memory (about three bytes each, twice over to turn them).

Either way the result goes to a temporary file, never into one bytes object, and is hashed as it
is written.

Every refusal raises :class:`UploadRefused` (a ``ValidationFailed``) with a stable ``code`` for
the API and the pages, and a message, translated when it is shown, that says what to do instead.

``prepare_upload`` is called once per upload, by the page or the API view that received it; what
it returns is what ``kyc.services.documents.document_attach`` checks and stores.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import tempfile
import warnings
from dataclasses import dataclass, replace
from typing import IO

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext_noop
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from kyc.errors import ValidationFailed
from kyc.uploads import jpeg_remux, png_remux
from ocr_integration.services import MAX_IMAGE_PIXELS

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "BMP": "image/bmp", "TIFF": "image/tiff"}
MIN_SIDE_PX = 200
MAX_SIDE_PX = 10_000
# One limit with the readers (the embedded engine refuses larger images): refused here, at upload,
# rather than accepted and left for the case to need attention later.
MAX_PIXELS = MAX_IMAGE_PIXELS
# A photo of a card or a passport page is never longer than this many times its width.
MAX_ASPECT_RATIO = 6.0
# Pillow's own guard (it warns at open, from the header), above anything the side limit lets
# reach our pixel check, so that ours (with its clear message) speaks first.
Image.MAX_IMAGE_PIXELS = MAX_SIDE_PX * MAX_SIDE_PX
# A truncated file must be refused, never silently completed with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

EXIF_ORIENTATION = 0x0112

logger = logging.getLogger(__name__)


class UploadRefused(ValidationFailed):
    """An uploaded file we will not store: ``UploadRefused(code, params, message=msgid)``."""


class UploadNotKept(UploadRefused):
    """Our side failed to keep the image (a full disk, object storage down): try again later."""

    code = "storage_unavailable"
    http_status = 503
    message = gettext_noop(
        "We could not save your photo just now; the problem is on our side. Please try again in a few minutes."
    )


class _TemporaryFileFailed(Exception):
    """Writing the prepared image to its temporary file failed (a full disk, a missing folder):
    our fault, never to be reported as a damaged photo."""


@dataclass(frozen=True, eq=False)
class PreparedImage:
    """The image to store: in a temporary file (deleted when closed or collected), never whole in memory."""

    file: IO[bytes]
    byte_size: int
    content_type: str
    width: int
    height: int
    sha256: str
    source_format: str = ""  # what the applicant sent: JPEG, PNG, BMP or TIFF
    remuxed: bool = False  # re-muxed (JPEG, PNG), not decoded and re-encoded

    def read_all(self) -> bytes:
        """The whole stored image as bytes: for tests and small images; storage streams ``file``."""
        self.file.seek(0)
        return self.file.read()


class _HashingWriter:
    """Writes to a file while hashing and counting what passes, so nothing is read back for it."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.digest = hashlib.sha256()
        self.byte_size = 0

    def write(self, data) -> int:
        self.digest.update(data)
        self.byte_size += len(data)
        try:
            return self.file.write(data)
        except OSError as exc:
            raise _TemporaryFileFailed(exc.errno) from None

    def flush(self) -> None:
        try:
            self.file.flush()
        except OSError as exc:
            raise _TemporaryFileFailed(exc.errno) from None

    def prepared(self, *, content_type: str, width: int, height: int, source_format: str,
                 remuxed: bool = False) -> PreparedImage:
        """What was written, as the image to store."""
        return PreparedImage(file=self.file, byte_size=self.byte_size, content_type=content_type, width=width,
                             height=height, sha256=self.digest.hexdigest(), source_format=source_format,
                             remuxed=remuxed)


def _temporary_file() -> IO[bytes]:
    # Small images stay in memory, larger ones go to disk, at the same threshold as Django's own
    # upload spooling; on disk the file has no name and is gone when closed.
    return tempfile.SpooledTemporaryFile(
        max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
    )


def sniff(head: bytes) -> str:
    """Name the container from its magic bytes: JPEG, PNG, BMP, TIFF, HEIC, PDF, GIF, WEBP or ''."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"BM") and len(head) >= 26:
        return "BMP"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "TIFF"
    if head[4:8] == b"ftyp" and head[8:12] in {
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis",
    }:
        return "HEIC"
    if head.lstrip(b"\x00\t\r\n \xef\xbb\xbf")[:5] == b"%PDF-":
        return "PDF"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WEBP"
    return ""


def _size_of(stream) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def prepare_upload(stream) -> PreparedImage:
    """Validate and re-encode an uploaded image, or raise UploadRefused saying what is wrong.

    Slow (a decode, or a re-mux and a reduced decode) and touching no rows: the caller runs it
    once, before ``document_attach`` opens its transaction, and hands over what it returns.
    """
    try:
        return _prepare(stream)
    except _TemporaryFileFailed as failure:
        logger.error("could not write a prepared upload to its temporary file (errno %s)", failure.args[0])
        raise UploadNotKept() from None


def _prepare(stream) -> PreparedImage:
    max_bytes = settings.UPLOAD_MAX_BYTES
    size = _size_of(stream)
    if size == 0:
        raise UploadRefused(
            "empty_file", message=gettext_noop("The file is empty. Please choose a photo or scan of the document.")
        )
    if size > max_bytes:
        raise UploadRefused(
            "file_too_large",
            {"size": size / 1_048_576, "limit": max_bytes / 1_048_576},
            message=gettext_noop("The file is %(size).1f MB; the limit is %(limit).0f MB. Please upload a smaller photo."),
        )
    head = stream.read(64)
    stream.seek(0)
    container = sniff(head)
    if container == "HEIC":
        raise UploadRefused(
            "heic_not_supported",
            message=gettext_noop(
                "HEIC/HEIF photos (the iPhone default) are not accepted. Please send a JPEG: on an "
                "iPhone choose Settings › Camera › Formats › Most Compatible, or share the photo as JPEG."
            ),
        )
    if container == "PDF":
        raise UploadRefused(
            "pdf_not_supported",
            message=gettext_noop("PDF files are not accepted. Please upload a photo or scan of the document as a JPEG or PNG image."),
        )
    if container not in ACCEPTED_FORMATS:
        raise UploadRefused(
            "unsupported_type",
            message=gettext_noop("This file is not a JPEG, PNG, BMP or TIFF image. Please upload a photo or scan of the document."),
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=[container])
            width, height = image.size
            _check_dimensions(width, height)
            if container in ("JPEG", "PNG") and settings.UPLOAD_SANITIZING == "remux":
                remuxed = (_remux_jpeg if container == "JPEG" else _remux_png)(stream, image)
                if remuxed is not None:
                    return remuxed
            # Under ``reencode``, an 8-bit grey or colour JPEG or PNG is re-encoded a strip at a
            # time; what the re-mux declines under ``remux`` (rare, often damaged) is judged by
            # the whole decode below, as tolerant as it always was.
            if settings.UPLOAD_SANITIZING == "reencode" and container in ("JPEG", "PNG"):
                streamed = (_reencode_jpeg if container == "JPEG" else _reencode_png)(stream, image)
                if streamed is not None:
                    return streamed
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)  # multi-page TIFF, animated PNG: the first page is the document
            image.load()
            # Decoded size can differ from the header's (JPEG draft modes, TIFF tiles): check again.
            _check_dimensions(*image.size)
            # In place: no copy of the pixels when the picture is already upright.
            ImageOps.exif_transpose(image, in_place=True)
            image = _to_rgb_or_grey(image)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(
            "decompression_bomb",
            message=gettext_noop("The image claims to be far larger than a document photo. Please upload another photo."),
        ) from None
    except _DAMAGED_IMAGE_ERRORS:
        raise UploadRefused(
            "corrupt_image",
            message=gettext_noop(
                "This file could not be read as an image (it may be damaged or incomplete). "
                "Please take the photo again or upload another file."
            ),
        ) from None
    width, height = image.size
    _check_shape(width, height)
    # Pillow carries some of the source's metadata (JPEG comments, ICC profiles) into a save made
    # from the same image object; nothing of it may pass.
    image.info = {}
    out = _HashingWriter(_temporary_file())
    # PNG stays lossless (scans, screenshots); everything else becomes a high-quality JPEG. Nothing
    # of the source's metadata is passed on: no exif=, no icc_profile=, no text chunks.
    if container == "PNG":
        image.save(out, format="PNG", optimize=False)
        content_type = "image/png"
    else:
        image.save(out, format="JPEG", quality=92)
        content_type = "image/jpeg"
    return out.prepared(content_type=content_type, width=width, height=height, source_format=container)


# Pillow signals a damaged file with many exception types; none of them is the user's to read.
_DAMAGED_IMAGE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError,
                         KeyError, ZeroDivisionError, MemoryError)


def _remux_jpeg(stream, image: Image.Image) -> PreparedImage | None:
    """The JPEG's picture without its metadata, checked by a reduced-size decode; None when the
    re-mux cannot keep it exact or upright (the caller then decodes and re-encodes it)."""
    if image.mode not in ("RGB", "L") or "adobe" in image.info:
        return None
    # Pillow's reading of the orientation (EXIF, then XMP), the same that exif_transpose follows.
    orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1
    # A photo taken sideways keeps its orientation (an EXIF segment holding that tag alone) and is
    # turned where it is decoded anyway: by the browser that shows it, by the OCR readers
    # (vendors/images.py, OpenCV's imdecode) and the capture gate. Turning it here meant decoding
    # it: 8.2x the file in memory (issue 21, point 5).
    prepared = _remuxed(stream, functools.partial(jpeg_remux.remux, orientation=orientation),
                        jpeg_remux.RemuxDeclined, content_type="image/jpeg", source_format="JPEG",
                        expected_size=image.size)
    if prepared is None:
        return None
    coded_width, coded_height = prepared.width, prepared.height
    # Decoding at an eighth of the size still runs the whole entropy decoder over every block, so
    # a damaged or truncated picture is refused as the full decode would refuse it, for 1/64 of
    # the memory.
    prepared.file.seek(0)
    with Image.open(prepared.file, formats=["JPEG"]) as check:
        check.draft(check.mode, (max(1, prepared.width // 8), max(1, prepared.height // 8)))
        check.load()
        if check.mode not in ("RGB", "L"):
            raise ValueError("the re-muxed picture decodes to an unexpected mode")
    if orientation in (5, 6, 7, 8):  # turned a quarter: the upright picture's sides swap
        prepared = replace(prepared, width=coded_height, height=coded_width)
    return prepared


def _reencode_jpeg(stream, image: Image.Image) -> PreparedImage | None:
    """The JPEG decoded and re-encoded strip by strip by libvips (``kyc.uploads.stream_reencode``),
    a turned one keeping its orientation alone; None (the stream back at its start) when that way
    does not cover it (CMYK, more than 8 bits). A damaged file is refused as the whole decode
    refuses it."""
    if image.mode not in ("RGB", "L"):
        return None
    orientation = image.getexif().get(EXIF_ORIENTATION, 1)  # from the header's APP1: no decode
    orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1
    _check_shape(*(image.size[::-1] if orientation in (5, 6, 7, 8) else image.size))  # before any decoding
    # Imported here: libvips costs 11 MiB resident once loaded, which a process under the
    # default setting never needs (kyc/apps.py loads it at start under ``reencode``).
    from kyc.uploads import stream_reencode

    out = _HashingWriter(_temporary_file())
    try:
        frame = stream_reencode.reencode_jpeg(stream, out, expected_size=image.size, orientation=orientation)
    except stream_reencode.ReencodeDeclined:
        out.file.close()
        stream.seek(0)
        return None
    except stream_reencode.DamagedImage as exc:
        out.file.close()
        raise OSError(str(exc)) from None  # the caller's "corrupt_image" refusal, as for the whole decode
    return out.prepared(content_type="image/jpeg", width=frame.width, height=frame.height, source_format="JPEG")


def _reencode_png(stream, image: Image.Image) -> PreparedImage | None:
    """The PNG rewritten from its rows, each filtered afresh from its pixels (``png_remux``'s
    ``refilter``): nothing of the file's bytes, in memory of a few strips. None when the rewrite
    declines it or finds it damaged: the whole decode then judges it, as under ``remux``."""
    return _remuxed(stream, functools.partial(png_remux.remux, refilter=True),
                    (png_remux.RemuxDeclined, png_remux.DamagedPng), content_type="image/png",
                    source_format="PNG", expected_size=image.size, remuxed=False)


def _remux_png(stream, image: Image.Image) -> PreparedImage | None:
    """The PNG rewritten from its pixel rows alone, checked as they pass (CRCs, row count and
    filters); None when the rewrite cannot keep it exact and upright, or finds it damaged: the
    full decode then judges it, as tolerant as it always was."""
    return _remuxed(stream, png_remux.remux, (png_remux.RemuxDeclined, png_remux.DamagedPng),
                    content_type="image/png", source_format="PNG", expected_size=image.size)


def _remuxed(stream, remux, declined, *, content_type: str, source_format: str,
             expected_size: tuple[int, int], remuxed: bool = True) -> PreparedImage | None:
    """Run ``remux`` from ``stream`` into a temporary file: the image to store, or None (the
    stream back at its start) when it raises one of ``declined`` or finds another size than the
    decoder's header did."""
    out = _HashingWriter(_temporary_file())
    stream.seek(0)
    try:
        frame = remux(stream, out)
    except declined:
        frame = None
    if frame is None or (frame.width, frame.height) != expected_size:
        out.file.close()
        stream.seek(0)
        return None
    _check_shape(frame.width, frame.height)
    return out.prepared(content_type=content_type, width=frame.width, height=frame.height,
                        source_format=source_format, remuxed=remuxed)


def _check_shape(width: int, height: int) -> None:
    if min(width, height) < MIN_SIDE_PX:
        raise UploadRefused(
            "image_too_small",
            {"width": width, "height": height, "min": MIN_SIDE_PX},
            message=gettext_noop(
                "The image is only %(width)d×%(height)d pixels. Please upload a photo at least %(min)d "
                "pixels on each side so the text can be read."
            ),
        )
    if max(width, height) / min(width, height) > MAX_ASPECT_RATIO:
        raise UploadRefused(
            "bad_aspect_ratio",
            {"width": width, "height": height},
            message=gettext_noop("The image is a very thin strip (%(width)d×%(height)d pixels), not a photo of a document."),
        )


def _check_dimensions(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValueError("no pixels")
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE_PX:
        raise UploadRefused(
            "image_too_large",
            {"width": width, "height": height, "max": MAX_SIDE_PX, "megapixels": MAX_PIXELS // 1_000_000},
            message=gettext_noop(
                "The image is %(width)d×%(height)d pixels, larger than we accept (%(max)d pixels per side, "
                "%(megapixels)d megapixels). Please upload a smaller photo."
            ),
        )


def _to_rgb_or_grey(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent pixels become white, as on paper, not black.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode == "1":
        return image.convert("L")
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        # 16-bit, 32-bit and floating-point greyscale (scanners, scientific TIFF): stretch the
        # values actually used onto 0..255, instead of clipping everything to black or white.
        if image.mode.startswith("I;16"):
            image = image.convert("I")
        low, high = image.getextrema()
        if high <= low:
            return image.point(lambda value: value * 0).convert("L")
        scale = 255.0 / (high - low)
        return image.point(lambda value: value * scale - low * scale).convert("L")
    return image.convert("RGB")


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops receiving a file as soon as it passes UPLOAD_MAX_BYTES (plus a little slack, so that
    ``prepare_upload`` gives the precise message), instead of spooling gigabytes to disk first.

    The rest of the request body is read and discarded (the browser gets an answer, not a reset),
    and ``request.upload_too_large`` is set for the view to answer with ``refuse_too_large()``.
    Install it before the body is parsed: ``request.upload_handlers.insert(0, SizeLimitUploadHandler(request))``.
    """

    SLACK_BYTES = 64 * 1024

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES + self.SLACK_BYTES:
            if self.request is not None:
                self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def refuse_too_large() -> UploadRefused:
    return UploadRefused(
        "file_too_large",
        {"limit": settings.UPLOAD_MAX_BYTES / 1_048_576},
        message=gettext_noop("The file is larger than the %(limit).0f MB limit. Please upload a smaller photo."),
    )


# --- the instant quality gate (kyc/uploads/capture_quality.py) -------------------------------------------
# One stable code per reason (API clients switch on them), one retake prompt each, in English here
# and translated where shown (``str(error)``, as every refusal; a warning with ``gettext``).
CAPTURE_PROMPTS = {
    ("no_document", ""): gettext_noop("We cannot see a document in this photo. Please photograph the document itself, flat and filling most of the picture."),
    ("blurry", ""): gettext_noop("This photo is blurred. Please hold the camera steady, let it focus, and take the photo again."),
    ("glare", ""): gettext_noop("Light is reflecting on the document and hides part of it. Please tilt the document or move away from the lamp, and try again."),
    ("cut_off", ""): gettext_noop("Part of the document is cut off. Please take the photo again with all four corners in the picture."),
    ("wrong_side", "back"): gettext_noop("This looks like the back of the card. Please photograph the front, with your photo."),
    ("wrong_side", "front"): gettext_noop("This looks like the front of the card. Please photograph the back, with the three machine-readable lines."),
    ("wrong_side", "no_mrz"): gettext_noop("We cannot find the two machine-readable lines at the bottom of the page. Please photograph the page with your photo, including those lines."),
    ("wrong_side", "emblem"): gettext_noop("This looks like the side with the national emblem. Please photograph the side with your photo."),
    ("wrong_side", "portrait"): gettext_noop("This looks like the side with your photo. Please photograph the side with the national emblem."),
    ("too_dark", ""): gettext_noop("This photo is too dark to read. Please turn on a light or move somewhere brighter, and take the photo again."),
    ("too_small", ""): gettext_noop("The document is too far away to read. Please move closer so that the document fills most of the picture."),
}
CAPTURE_WARNINGS = {
    "blurry": gettext_noop("Received, but the photo is a little blurred. If we cannot read it, we will ask you for a new one."),
    "glare": gettext_noop("Received, but there is some glare on the document. If we cannot read it, we will ask you for a new one."),
    "cut_off": gettext_noop("Received, but the document may be close to the edge of the photo. If we cannot read it, we will ask you for a new one."),
    "wrong_side": gettext_noop("Received, but we could not find the machine-readable lines. If we cannot read them, we will ask you for a new photo."),
    "too_dark": gettext_noop("Received, but the photo is rather dark. If we cannot read it, we will ask you for a new one."),
}


def capture_gate(prepared: PreparedImage, *, kind: str) -> list[str]:
    """Refuse a photo that cannot be read (``UploadRefused`` with ``capture_<reason>``); return the
    English warnings for a borderline one. Off with CAPTURE_GATE_ENABLED=false."""
    from kyc.selectors.configuration import capture_thresholds
    from kyc.uploads.capture_quality import check_capture

    if not settings.CAPTURE_GATE_ENABLED:
        return []
    result = check_capture(prepared.read_all(), kind=kind, thresholds=capture_thresholds())
    refused = result.refused
    if refused is not None:
        prompt = CAPTURE_PROMPTS.get((refused.code, refused.detail)) or CAPTURE_PROMPTS[(refused.code, "")]
        raise UploadRefused(f"capture_{refused.code}", message=prompt)
    return [CAPTURE_WARNINGS[w.code] for w in result.warnings if w.code in CAPTURE_WARNINGS]
