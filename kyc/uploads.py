"""Turning an uploaded file into an image we are willing to store.

The server is authoritative: the content is sniffed (never the extension or the client's MIME
type), decoded under a pixel budget, rotated upright from its EXIF orientation and re-encoded,
which drops EXIF (GPS included) and anything smuggled after the image data.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from kyc.errors import ValidationFailed

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "BMP": "image/bmp", "TIFF": "image/tiff"}
MIN_SIDE_PX = 200
MAX_SIDE_PX = 10_000
MAX_PIXELS = 60_000_000


@dataclass(frozen=True)
class PreparedImage:
    content: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def prepare_upload(stream) -> PreparedImage:
    """Validate and re-encode an uploaded image, or raise ValidationFailed saying what is wrong."""
    max_bytes = settings.UPLOAD_MAX_BYTES
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ValidationFailed("The file is empty. Please choose a photo or scan of the document.")
    if size > max_bytes:
        raise ValidationFailed(
            f"The file is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(stream)
            image_format = image.format
            if image_format not in ACCEPTED_FORMATS:
                raise ValidationFailed(
                    "This file is not a JPEG, PNG, BMP or TIFF image. Please upload a photo or scan."
                )
            width, height = image.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE_PX:
                raise ValidationFailed(
                    f"The image is {width}×{height} pixels, larger than we accept "
                    f"({MAX_SIDE_PX} px per side). Please upload a smaller photo."
                )
            image.load()
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed("The image claims to be far larger than a document photo. Please upload another.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed(
            "This file could not be read as an image (it may be damaged or not an image). "
            "Please upload a JPEG or PNG photo."
        ) from None
    if min(width, height) < MIN_SIDE_PX:
        raise ValidationFailed(
            f"The image is only {width}×{height} pixels. Please upload a photo at least "
            f"{MIN_SIDE_PX} pixels on each side so the text can be read."
        )
    image = ImageOps.exif_transpose(image)
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    # PNG stays lossless (scans, screenshots); everything else becomes a high-quality JPEG.
    if image_format == "PNG":
        image.save(out, format="PNG", optimize=False)
        content_type = "image/png"
    else:
        image.save(out, format="JPEG", quality=92)
        content_type = "image/jpeg"
    content = out.getvalue()
    return PreparedImage(
        content=content,
        content_type=content_type,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )
