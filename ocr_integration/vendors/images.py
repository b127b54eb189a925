"""Fit an applicant's photo to an OCR API's limits before sending it.

# Reference: vendor-docs/001 Table 3-3/3-9/3-15 (Huawei/G42: JPEG/PNG/BMP/TIFF, <= 10 MB after
# base64, sides 15..4096 px for passport, 15..8192 px for the UAE ID and bank card);
# vendor-docs/003 约束与限制 (id-document: sides 100..8192 px); vendor-docs/004 (general-text:
# 15..4096 px); vendor-docs/002 §4.3.1/§4.3.2 接口要求 (CTyun: jpg/png/bmp, <= 10 MB, sides
# strictly between 32 and 5000 px).

A valid but oversized phone photo is rotated upright (EXIF), downscaled and re-encoded, never
refused. Only what no re-encoding can fix (not an image, or a side too short to read) raises
``OcrError(INVALID_IMAGE)``.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..provider import ErrorClass, OcrError

Image.MAX_IMAGE_PIXELS = 100_000_000  # a 100-megapixel photo is the most we will decode


@dataclass(frozen=True)
class ImageLimits:
    formats: frozenset[str]  # Pillow format names accepted as they are
    min_side: int
    max_side: int
    max_base64_bytes: int = 10 * 1024 * 1024
    exclusive: bool = False  # CTyun: "greater than 32x32, smaller than 5000x5000"

    @property
    def lowest(self) -> int:
        return self.min_side + 1 if self.exclusive else self.min_side

    @property
    def highest(self) -> int:
        return self.max_side - 1 if self.exclusive else self.max_side


HUAWEI_FORMATS = frozenset({"JPEG", "PNG", "BMP", "TIFF"})
# vendor-docs/001 ModelArts.4104: the request *body* may not exceed 10 MB, and the base64 image
# travels inside a JSON wrapper ({"image": "...", "side": "front", ...}): leave it room.
JSON_WRAPPER_ROOM = 4 * 1024
HUAWEI_BODY_LIMIT = 10 * 1024 * 1024 - JSON_WRAPPER_ROOM
HUAWEI_PASSPORT = ImageLimits(HUAWEI_FORMATS, 15, 4096, HUAWEI_BODY_LIMIT)
HUAWEI_GENERAL_TEXT = ImageLimits(HUAWEI_FORMATS, 15, 4096, HUAWEI_BODY_LIMIT)
HUAWEI_EMIRATES_ID = ImageLimits(HUAWEI_FORMATS, 15, 8192, HUAWEI_BODY_LIMIT)
HUAWEI_BANKCARD = ImageLimits(frozenset({"JPEG", "PNG", "BMP", "TIFF"}), 15, 8192, HUAWEI_BODY_LIMIT)
HUAWEI_ID_DOCUMENT = ImageLimits(HUAWEI_FORMATS, 100, 8192, HUAWEI_BODY_LIMIT)
CTYUN = ImageLimits(frozenset({"JPEG", "PNG", "BMP"}), 32, 5000, exclusive=True)

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "BMP": "image/bmp", "TIFF": "image/tiff"}


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    content_type: str
    width: int
    height: int
    reencoded: bool


def base64_size(n: int) -> int:
    return 4 * math.ceil(n / 3)


def _invalid(message: str, code: str) -> OcrError:
    return OcrError(ErrorClass.INVALID_IMAGE, message, code=code)


def prepare(data: bytes, limits: ImageLimits, *, checked: bool = False) -> PreparedImage:
    """The image as the API takes it: ``data`` itself when its format, orientation, sides and size
    already fit (only its header is read), else turned upright, downscaled and re-encoded.
    ``checked``: ``data`` is known to decode (``ReadRequest.checked``), so an image sent as it is
    is not decoded again to find out."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            source_format = probe.format or ""
            width, height = probe.size
            exif_orientation = probe.getexif().get(0x0112, 1) if hasattr(probe, "getexif") else 1
            needs_work = (
                source_format not in limits.formats
                or exif_orientation not in (None, 1)
                or max(width, height) > limits.highest
                or base64_size(len(data)) > limits.max_base64_bytes
            )
            if needs_work:
                probe.load()
                image = probe.copy()
            elif not checked:
                _check_decodes(probe)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise _invalid("The file is not a photo we can open. Please upload a JPEG or PNG photo.", "not_an_image") from exc

    if not needs_work:
        if min(width, height) < limits.lowest:
            raise _invalid("The photo is too small to read. Please take a closer, sharper photo.", "too_small")
        return PreparedImage(data, _MIME[source_format], width, height, reencoded=False)

    image = ImageOps.exif_transpose(image)
    width, height = image.size
    scale = min(1.0, limits.highest / max(width, height))
    if scale < 1.0:
        width, height = max(1, int(width * scale)), max(1, int(height * scale))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    if min(width, height) < limits.lowest:
        raise _invalid("The photo is too small or too narrow to read. Please photograph the whole document.", "too_small")

    # PNG keeps a lossless source lossless when it fits; everything else becomes JPEG.
    keep_png = source_format == "PNG" and "PNG" in limits.formats
    for quality in (92, 85, 75, 65):
        encoded, fmt = _encode(image, "PNG" if keep_png else "JPEG", quality)
        if base64_size(len(encoded)) <= limits.max_base64_bytes:
            return PreparedImage(encoded, _MIME[fmt], width, height, reencoded=True)
        keep_png = False
    # Still too large: shrink until it fits (a 10 MB JPEG at q65 is far beyond what OCR needs).
    while True:
        width, height = int(width * 0.8), int(height * 0.8)
        if min(width, height) < limits.lowest:
            raise _invalid("The photo could not be made small enough to send. Please take a new photo.", "too_large")
        smaller = image.resize((width, height), Image.Resampling.LANCZOS)
        encoded, fmt = _encode(smaller, "JPEG", 75)
        if base64_size(len(encoded)) <= limits.max_base64_bytes:
            return PreparedImage(encoded, _MIME[fmt], width, height, reencoded=True)


def _check_decodes(probe: Image.Image) -> None:
    """Decode an image that is sent as it is, only to refuse a broken file here rather than at the
    vendor. A JPEG is decoded at an eighth of its size (libjpeg's DCT scaling reads every byte of
    the stream, so a truncated or corrupt file still fails, for a third of the CPU of a full
    decode); the pixels are not kept."""
    if probe.format == "JPEG":
        probe.draft("L", (max(1, probe.size[0] // 8), max(1, probe.size[1] // 8)))
    probe.load()


def _encode(image: Image.Image, fmt: str, quality: int) -> tuple[bytes, str]:
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=quality, optimize=True)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            image = image.convert("RGB")
        image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue(), fmt
