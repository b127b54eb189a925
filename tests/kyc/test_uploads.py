"""Server-side upload validation: sniffed content, limits, bombs, re-encoding, clear refusals."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageOps

from kyc.uploads.prepare import UploadRefused, prepare_upload, sniff


def image_bytes(fmt="PNG", size=(640, 420), mode="RGB", colour=(30, 120, 200), **save) -> bytes:
    image = Image.new(mode, size, colour if mode not in ("L", "I;16", "1") else 128)
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def refused(content: bytes, name="upload.jpg") -> UploadRefused:
    with pytest.raises(UploadRefused) as info:
        prepare_upload(SimpleUploadedFile(name, content, content_type="image/jpeg"))
    assert str(info.value)
    return info.value


@pytest.mark.parametrize(("fmt", "stored"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("BMP", "image/jpeg"), ("TIFF", "image/jpeg")])
def test_accepted_formats_are_re_encoded(fmt, stored):
    prepared = prepare_upload(io.BytesIO(image_bytes(fmt)))
    assert prepared.content_type == stored
    assert prepared.source_format == fmt
    assert (prepared.width, prepared.height) == (640, 420)
    assert Image.open(io.BytesIO(prepared.read_all())).size == (640, 420)


def test_the_extension_and_declared_type_are_ignored():
    # PNG content named .jpg and declared image/jpeg is a PNG.
    prepared = prepare_upload(SimpleUploadedFile("x.jpg", image_bytes("PNG"), content_type="image/jpeg"))
    assert prepared.source_format == "PNG"


def _exif_with_gps_and_orientation(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (25.0, 12.0, 0.0), 3: "E", 4: (55.0, 16.0, 0.0)}  # GPS IFD
    return exif.tobytes()


def test_exif_and_gps_are_stripped_and_only_the_orientation_is_kept():
    original = image_bytes("JPEG", size=(640, 420), exif=_exif_with_gps_and_orientation(6))
    assert b"PhoneMaker" in original
    prepared = prepare_upload(io.BytesIO(original))
    # Orientation 6 (rotate 90° clockwise to view): the image is shown and read upright, portrait.
    assert (prepared.width, prepared.height) == (420, 640)
    stored = Image.open(io.BytesIO(prepared.read_all()))
    assert dict(stored.getexif()) == {0x0112: 6}
    assert ImageOps.exif_transpose(stored).size == (420, 640)
    assert b"PhoneMaker" not in prepared.read_all() and b"GPS" not in prepared.read_all()


def test_exif_and_gps_are_stripped_and_only_the_orientation_is_kept_when_re_encoding(settings):
    settings.UPLOAD_SANITIZING = "reencode"
    prepared = prepare_upload(io.BytesIO(image_bytes("JPEG", size=(640, 420), exif=_exif_with_gps_and_orientation(6))))
    assert not prepared.remuxed
    assert (prepared.width, prepared.height) == (420, 640)
    # Re-encoded as stored, with a fresh EXIF segment holding the orientation alone (as the
    # re-mux does): turning it here would hold the whole picture in memory.
    stored = Image.open(io.BytesIO(prepared.read_all()))
    assert dict(stored.getexif()) == {0x0112: 6}
    assert ImageOps.exif_transpose(stored).size == (420, 640)
    assert b"PhoneMaker" not in prepared.read_all() and b"GPS" not in prepared.read_all()


def test_data_smuggled_after_the_image_is_dropped():
    content = image_bytes("JPEG") + b"<script>alert(1)</script>" + b"PK\x03\x04zip"
    prepared = prepare_upload(io.BytesIO(content))
    assert b"<script>" not in prepared.read_all() and b"PK\x03\x04" not in prepared.read_all()


def test_png_text_chunks_are_dropped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-location-51.5N")
    prepared = prepare_upload(io.BytesIO(image_bytes("PNG", pnginfo=info)))
    assert b"secret-location" not in prepared.read_all()


def test_transparency_becomes_white_and_odd_modes_are_converted():
    rgba = prepare_upload(io.BytesIO(image_bytes("PNG", mode="RGBA", colour=(0, 0, 0, 0))))
    assert Image.open(io.BytesIO(rgba.read_all())).convert("RGB").getpixel((10, 10)) == (255, 255, 255)
    cmyk = prepare_upload(io.BytesIO(image_bytes("JPEG", mode="CMYK", colour=(0, 0, 0, 0))))
    assert Image.open(io.BytesIO(cmyk.read_all())).mode == "RGB"
    grey16 = prepare_upload(io.BytesIO(image_bytes("TIFF", mode="I;16")))
    assert Image.open(io.BytesIO(grey16.read_all())).mode == "L"
    bilevel = prepare_upload(io.BytesIO(image_bytes("PNG", mode="1")))
    assert Image.open(io.BytesIO(bilevel.read_all())).mode == "L"


def test_a_multipage_tiff_keeps_its_first_page():
    first = Image.new("RGB", (640, 420), (255, 0, 0))
    second = Image.new("RGB", (300, 300), (0, 0, 255))
    out = io.BytesIO()
    first.save(out, format="TIFF", save_all=True, append_images=[second])
    prepared = prepare_upload(io.BytesIO(out.getvalue()))
    assert (prepared.width, prepared.height) == (640, 420)


def test_re_encoding_is_deterministic_so_duplicates_are_found():
    content = image_bytes("JPEG")
    assert prepare_upload(io.BytesIO(content)).sha256 == prepare_upload(io.BytesIO(content)).sha256


HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "empty_file", "empty"),
        (HEIC_HEAD, "heic_not_supported", "HEIC"),
        (b"\x00\x00\x00\x1cftypmif1" + b"\x00" * 64, "heic_not_supported", "HEIC"),
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF", "pdf_not_supported", "PDF"),
        (b"GIF89a" + b"\x00" * 64, "unsupported_type", "JPEG, PNG, BMP or TIFF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64, "unsupported_type", "JPEG, PNG, BMP or TIFF"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "unsupported_type", "JPEG, PNG, BMP or TIFF"),
        (b"MZ\x90\x00" + b"\x00" * 200, "unsupported_type", "JPEG, PNG, BMP or TIFF"),
        (b"PK\x03\x04" + b"\x00" * 200, "unsupported_type", "JPEG, PNG, BMP or TIFF"),
        (b"just some text that is not an image", "unsupported_type", "JPEG, PNG, BMP or TIFF"),
    ],
)
def test_files_that_are_not_accepted_images_are_refused_by_content(content, code, words):
    error = refused(content)
    assert error.code == code and words in str(error)


def test_too_many_bytes_are_refused(settings):
    settings.UPLOAD_MAX_BYTES = 50_000
    error = refused(image_bytes("BMP", size=(640, 420)))
    assert error.code == "file_too_large" and "limit" in str(error)


def test_small_and_thin_images_are_refused():
    error = refused(image_bytes("PNG", size=(150, 100)))
    assert error.code == "image_too_small" and "150×100" in str(error)
    error = refused(image_bytes("PNG", size=(2400, 210)))
    assert error.code == "bad_aspect_ratio"


def test_an_image_above_the_side_limit_is_refused():
    error = refused(image_bytes("PNG", size=(10_001, 300)))
    assert error.code == "image_too_large" and "10001×300" in str(error)


def _png_with_declared_size(width: int, height: int) -> bytes:
    """A tiny file whose header claims a vast canvas: the classic decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * 0  # rows are never reached
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * 10)) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_decoding():
    for width, height in ((9000, 9000), (50_000, 50_000), (2**31 - 1, 2**31 - 1)):
        error = refused(_png_with_declared_size(width, height))
        assert error.code in {"image_too_large", "decompression_bomb", "corrupt_image"}, (width, height)


def test_a_zlib_bomb_within_the_limits_is_bounded():
    # 9000×6000 greyscale of zeros compresses to a few kB and decodes to 54 MB: allowed by the
    # pixel budget, so it must decode and re-encode without error (and no more memory than that).
    image = Image.new("L", (6000, 6000), 0)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 200_000
    prepared = prepare_upload(io.BytesIO(out.getvalue()))
    assert (prepared.width, prepared.height) == (6000, 6000)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "BMP", "TIFF"])
def test_truncated_and_damaged_images_are_refused(fmt):
    content = image_bytes(fmt, size=(800, 600), colour=(10, 200, 30))
    error = refused(content[: len(content) // 3])
    assert error.code in {"corrupt_image", "unsupported_type"}
    assert "damaged" in str(error) or "JPEG, PNG" in str(error)


def test_a_png_with_a_broken_checksum_is_refused():
    content = bytearray(image_bytes("PNG"))
    content[40] ^= 0xFF
    assert refused(bytes(content)).code == "corrupt_image"


def test_a_header_that_lies_about_its_type_is_refused():
    # JPEG magic with PNG inside: the decoder must agree with the sniffed type.
    assert refused(b"\xff\xd8\xff" + image_bytes("PNG")).code == "corrupt_image"


def test_sniff_names_each_container():
    assert sniff(image_bytes("JPEG")[:64]) == "JPEG"
    assert sniff(image_bytes("PNG")[:64]) == "PNG"
    assert sniff(image_bytes("BMP")[:64]) == "BMP"
    assert sniff(image_bytes("TIFF")[:64]) == "TIFF"
    assert sniff(HEIC_HEAD) == "HEIC"
    assert sniff(b"%PDF-1.4") == "PDF"
    assert sniff(b"hello") == ""


def test_messages_follow_the_language_active_where_they_are_shown():
    from django.utils import translation

    error = refused(b"%PDF-1.7\n%%EOF")
    assert error.code == "pdf_not_supported"
    with translation.override("ar"):
        arabic = str(error)
    assert "PDF" in arabic and "not accepted" not in arabic
    with translation.override("en"):
        assert "not accepted" in str(error)
    with translation.override("ar"):
        too_small = str(refused(image_bytes("PNG", size=(120, 90))))
    assert "120" in too_small and "pixels" not in too_small  # the params fill the translated text


@pytest.mark.parametrize(("width", "height"), [(8000, 6000), (7745, 7745), (6325, 6325)])
def test_an_image_the_embedded_engine_would_refuse_is_refused_at_upload(width, height):
    """Over 40 megapixels the local OCR engine refuses to read (the case would need attention
    later): the upload says so at once, from the header, before any pixel is decoded."""
    error = refused(_png_with_declared_size(width, height))
    assert error.code == "image_too_large"
    assert f"{width}×{height}" in str(error) and "40 megapixels" in str(error)


def test_uploads_and_the_embedded_engine_share_one_pixel_limit():
    from kyc.uploads import prepare as uploads
    from ocr_integration.local import provider
    from ocr_integration.provider import MAX_IMAGE_PIXELS

    assert uploads.MAX_PIXELS == provider.MAX_PIXELS == MAX_IMAGE_PIXELS
