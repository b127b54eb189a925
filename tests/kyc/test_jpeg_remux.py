"""The JPEG re-mux: the same pixels, none of the metadata, memory that does not grow with the file."""

from __future__ import annotations

import io
import os
import struct
import tracemalloc

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps

from kyc.uploads import jpeg_remux
from kyc.uploads.prepare import prepare_upload


def noise_photo(size=(900, 600), mode="RGB") -> Image.Image:
    # Noise: every 0xFF byte the encoder stuffs, in quantity, and no run-length shortcuts.
    bands = {"RGB": 3, "L": 1}[mode]
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * bands))


def encode(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", **options)
    return out.getvalue()


def with_segment(jpeg: bytes, marker: bytes, payload: bytes) -> bytes:
    """Insert a marker segment right after SOI."""
    return jpeg[:2] + marker + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def remuxed(content: bytes, source=None) -> tuple[bytes, jpeg_remux.JpegFrame]:
    sink = io.BytesIO()
    frame = jpeg_remux.remux(source or io.BytesIO(content), sink)
    return sink.getvalue(), frame


def pixels(content: bytes) -> bytes:
    with Image.open(io.BytesIO(content)) as image:
        return image.tobytes()


class TrickleReader(io.BytesIO):
    """A source that hands out a few bytes per read: every 0xFF lands on a block boundary somewhere."""

    def read(self, size=-1, /):
        return super().read(min(7, size) if size and size > 0 else 7)


def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (25.0, 12.0, 0.0), 3: "E", 4: (55.0, 16.0, 0.0)}
    return exif.tobytes()


def test_the_picture_is_copied_bit_for_bit_and_everything_else_is_left_behind():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(noise_photo(), quality=90, exif=exif_with_gps(), icc_profile=icc)
    original = with_segment(original, b"\xff\xfe", b"<script>alert(1)</script>")  # a comment
    original = with_segment(original, b"\xff\xe1", b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>secret</x:xmpmeta>")
    original += b"PK\x03\x04 a zip appended to make a polyglot"

    clean, frame = remuxed(original)

    assert (frame.width, frame.height, frame.components) == (900, 600, 3)
    assert pixels(clean) == pixels(original)
    for leftover in (b"PhoneMaker", b"Exif", b"ICC_PROFILE", b"<script>", b"xmpmeta", b"PK\x03\x04"):
        assert leftover not in clean
    assert clean.endswith(b"\xff\xd9")
    stored = Image.open(io.BytesIO(clean))
    assert not stored.getexif() and "icc_profile" not in stored.info


@pytest.mark.parametrize(
    "options",
    [
        {"quality": 95},
        {"quality": 75, "progressive": True},
        {"quality": 85, "restart_marker_blocks": 3},
        {"quality": 85, "subsampling": 0},
    ],
    ids=["baseline", "progressive", "restart-markers", "no-subsampling"],
)
def test_every_kind_of_huffman_jpeg_keeps_its_pixels_across_every_block_boundary(options):
    original = encode(noise_photo((640, 420)), **options)
    clean, _frame = remuxed(original, source=TrickleReader(original))
    assert pixels(clean) == pixels(original)


def test_a_greyscale_scan_keeps_its_pixels():
    original = encode(noise_photo((700, 500), mode="L"), quality=90)
    clean, frame = remuxed(original)
    assert frame.components == 1 and pixels(clean) == pixels(original)


def _patched(jpeg: bytes, marker: bytes, offset: int, value: bytes) -> bytes:
    at = jpeg.index(marker)
    return jpeg[: at + offset] + value + jpeg[at + offset + len(value):]


def _rgb_component_ids(jpeg: bytes) -> bytes:
    # Components named 'R', 'G', 'B' in the frame header (and in the scan header that refers to them).
    for marker, first_id in ((b"\xff\xc0", 10), (b"\xff\xda", 5)):
        for index, name in enumerate(b"RGB"):
            jpeg = _patched(jpeg, marker, first_id + index * (3 if marker == b"\xff\xc0" else 2), bytes([name]))
    return jpeg


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: encode(noise_photo().convert("CMYK"), quality=90), "Adobe"),
        (lambda: encode(noise_photo())[: -2000], "ends inside"),
        (lambda: _patched(encode(noise_photo()), b"\xff\xc0", 1, b"\xc9"), "0xC9"),  # arithmetic coding
        (lambda: _patched(encode(noise_photo()), b"\xff\xc0", 4, b"\x0c"), "8-bit"),  # 12-bit samples
        (lambda: _rgb_component_ids(encode(noise_photo())), "component ids"),
        (lambda: b"\xff\xd8\xff\xd9", "no picture"),
        (lambda: b"\x89PNG\r\n\x1a\n", "start-of-image"),
    ],
    ids=["cmyk-adobe", "truncated", "arithmetic", "12-bit", "rgb-component-ids", "no-frame", "not-jpeg"],
)
def test_what_the_copy_cannot_keep_exact_is_declined(make, reason):
    with pytest.raises(jpeg_remux.RemuxDeclined, match=reason):
        remuxed(make())


def test_an_upright_phone_photo_is_stored_remuxed_and_a_turned_one_keeps_its_orientation_alone():
    upright = prepare_upload(io.BytesIO(encode(noise_photo((640, 420)), quality=90, exif=exif_with_gps())))
    assert upright.remuxed and (upright.width, upright.height) == (640, 420)
    assert b"PhoneMaker" not in upright.read_all()

    photo = noise_photo((640, 420))
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        exif[0x010F] = "PhoneMaker"
        source = encode(photo, quality=90, exif=exif.tobytes())
        turned = prepare_upload(io.BytesIO(source))
        assert turned.remuxed and b"PhoneMaker" not in turned.read_all()
        # Shown and read upright, pixel for pixel what turning the decoded original gives.
        expected = ImageOps.exif_transpose(Image.open(io.BytesIO(source)))
        shown = ImageOps.exif_transpose(Image.open(io.BytesIO(turned.read_all())))
        assert (turned.width, turned.height) == expected.size == shown.size
        assert shown.tobytes() == expected.tobytes()
        # OpenCV (the embedded reader's decoder) turns it too.
        decoded = cv2.imdecode(np.frombuffer(turned.read_all(), dtype=np.uint8), cv2.IMREAD_COLOR)
        assert (decoded.shape[1], decoded.shape[0]) == expected.size


def test_the_hash_and_size_describe_the_stored_bytes():
    import hashlib

    prepared = prepare_upload(io.BytesIO(encode(noise_photo((640, 420)), quality=90)))
    content = prepared.read_all()
    assert prepared.byte_size == len(content)
    assert prepared.sha256 == hashlib.sha256(content).hexdigest()


def test_a_large_jpeg_is_prepared_without_holding_it_in_memory(settings, tmp_path):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024  # the prepared copy goes to disk past this
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(noise_photo((2400, 1600)), quality=95))
    size = path.stat().st_size
    assert size > 4 * 1024 * 1024
    with path.open("rb") as upload:
        tracemalloc.start()
        prepared = prepare_upload(upload)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert prepared.remuxed and prepared.byte_size > size * 0.99
    # Python allocations only (Pillow's small draft decode is not traced): a few blocks, not the file.
    assert peak < 1024 * 1024, f"{peak / 1_048_576:.1f} MiB of Python allocations for a {size / 1_048_576:.1f} MiB file"


def _jpeg_with_zip_inside_its_scan() -> tuple[bytes, bytes]:
    """A ZIP archive hidden between the last block of the scan and the end marker: decoders skip
    it, so the picture looks the same."""
    import zipfile

    for attempt in range(1000):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
            zipped.writestr("payload.html", f"<script>alert({attempt})</script>")
        if b"\xff" not in archive.getvalue():  # a 0xFF would end the scan data early
            break
    jpeg = encode(noise_photo((640, 420)), quality=90)
    return jpeg[:-2] + archive.getvalue() + b"\xff\xd9", archive.getvalue()


def test_re_encoding_mode_leaves_nothing_of_the_file_but_its_pixels(settings):
    content, archive = _jpeg_with_zip_inside_its_scan()
    settings.UPLOAD_SANITIZING = "reencode"
    prepared = prepare_upload(io.BytesIO(content))
    assert not prepared.remuxed
    assert archive[:30] not in prepared.read_all()
    # The re-mux, by design, keeps a JPEG's scan data as sent (docs/security.md says so).
    settings.UPLOAD_SANITIZING = "remux"
    assert prepare_upload(io.BytesIO(content)).remuxed


def test_a_temporary_folder_that_fails_is_our_fault_not_a_damaged_photo(settings, tmp_path):
    from kyc.uploads.prepare import UploadRefused

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "missing")
    with pytest.raises(UploadRefused) as refused:
        prepare_upload(io.BytesIO(encode(noise_photo((900, 600)), quality=95)))
    assert refused.value.code == "storage_unavailable" and refused.value.http_status == 503
    assert "our side" in str(refused.value)
