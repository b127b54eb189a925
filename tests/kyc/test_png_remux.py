"""The PNG rewrite: the same pixels, nothing else of the file, checked without decoding."""

from __future__ import annotations

import io
import os
import struct
import tracemalloc
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from kyc.uploads import png_remux
from kyc.uploads.prepare import UploadRefused, prepare_upload


def noise(size=(700, 500), mode="RGB") -> Image.Image:
    bands = len(mode)
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * bands))


def encode(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **options)
    return out.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def insert_after_header(png: bytes, *chunks: bytes) -> bytes:
    end_of_header = 8 + 8 + 13 + 4
    return png[:end_of_header] + b"".join(chunks) + png[end_of_header:]


def remuxed(content: bytes, source=None) -> tuple[bytes, png_remux.PngFrame]:
    sink = io.BytesIO()
    frame = png_remux.remux(source or io.BytesIO(content), sink)
    return sink.getvalue(), frame


def pixels(content: bytes) -> tuple[str, bytes]:
    with Image.open(io.BytesIO(content)) as image:
        return image.mode, image.tobytes()


class TrickleReader(io.BytesIO):
    def read(self, size=-1, /):
        return super().read(min(5, size) if size and size > 0 else 5)


def gps_exif(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "ScannerMaker"
    exif[0x8825] = {1: "N", 2: (25.0, 12.0, 0.0)}
    if orientation:
        exif[0x0112] = orientation
    return exif.tobytes()


def test_the_pixels_are_kept_bit_for_bit_and_every_other_chunk_is_left_behind():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script> at 51.5N")
    info.add_itxt("Description", "where-i-live", zip=True)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(noise(), pnginfo=info, icc_profile=icc, exif=gps_exif()) + b"<?php system($_GET['c']); ?>"

    clean, frame = remuxed(original)

    assert (frame.width, frame.height, frame.channels) == (700, 500, 3)
    assert pixels(clean) == pixels(original[: original.index(b"<?php")])
    for leftover in (b"<script>", b"where-i-live", b"ScannerMaker", b"iCCP", b"eXIf", b"tEXt", b"<?php"):
        assert leftover not in clean
    assert clean.endswith(b"IEND\xaeB`\x82")


def test_a_large_scan_in_many_row_chunks_survives_every_block_boundary():
    original = encode(noise((1200, 900)), compress_level=1)
    assert original.count(b"IDAT") > 1
    clean, _frame = remuxed(original, source=TrickleReader(original))
    assert pixels(clean) == pixels(original)


def test_a_greyscale_scan_is_copied():
    original = encode(noise((640, 480), mode="L"))
    clean, frame = remuxed(original)
    assert frame.channels == 1 and pixels(clean) == pixels(original)


def _with_header_byte(png: bytes, offset: int, value: int) -> bytes:
    header = bytearray(png[16:29])
    header[offset] = value
    return png[:8] + chunk(b"IHDR", bytes(header)) + png[33:]


def _apng() -> bytes:
    out = io.BytesIO()
    noise((300, 300)).save(out, format="PNG", save_all=True, append_images=[noise((300, 300))])
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: encode(noise(mode="RGBA")), "8-bit greyscale or RGB"),
        (lambda: encode(noise().convert("P")), "8-bit greyscale or RGB"),
        (lambda: encode(Image.new("I;16", (300, 300), 1000)), "8-bit greyscale or RGB"),
        (lambda: _with_header_byte(encode(noise()), 12, 1), "interlaced"),
        (_apng, "animated"),
        (lambda: insert_after_header(encode(noise()), chunk(b"ABCD", b"x")), "critical"),
        (lambda: encode(noise(), exif=gps_exif(orientation=6)), "upright"),
        (lambda: insert_after_header(encode(noise()), chunk(b"zTXt", b"Raw profile type exif\x00\x00x")), "text chunk"),
    ],
    ids=["rgba", "palette", "16-bit", "interlaced", "apng", "unknown-critical", "exif-orientation", "raw-exif-text"],
)
def test_what_the_copy_would_have_to_convert_is_declined(make, reason):
    with pytest.raises(png_remux.RemuxDeclined, match=reason):
        remuxed(make())


def _rows(width: int, height: int, filter_type: int = 0) -> bytes:
    return (bytes([filter_type]) + b"\x80" * width).ljust(width + 1, b"\x80") * height


def _grey_png(rows: bytes, width: int = 300, height: int = 300) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: (lambda b: b[:60] + bytes([b[60] ^ 0xFF]) + b[61:])(encode(noise())), "CRC"),
        (lambda: _grey_png(_rows(300, 299)), "less row data"),
        (lambda: _grey_png(_rows(300, 301)), "more row data"),
        (lambda: _grey_png(_rows(300, 300, filter_type=7)), "filter"),
        (lambda: _grey_png(_rows(300, 300))[:-30], "ends inside"),
        (lambda: insert_after_header(_grey_png(_rows(300, 300)), chunk(b"IHDR", b"\x00" * 13)), "twice"),
    ],
    ids=["broken-crc", "too-few-rows", "too-many-rows", "bad-filter", "truncated", "second-header"],
)
def test_damage_is_found_without_decoding(make, reason):
    with pytest.raises(png_remux.DamagedPng, match=reason):
        remuxed(make())


def test_a_well_formed_grey_png_built_by_hand_is_accepted():
    clean, frame = remuxed(_grey_png(_rows(300, 300)))
    assert (frame.width, frame.height) == (300, 300)
    assert Image.open(io.BytesIO(clean)).getpixel((10, 10)) == 0x80


def test_through_prepare_upload_a_turned_scan_is_re_encoded_upright_and_a_damaged_one_decoded():
    turned = prepare_upload(io.BytesIO(encode(noise((640, 420)), exif=gps_exif(orientation=6))))
    assert not turned.remuxed and (turned.width, turned.height) == (420, 640)
    assert b"ScannerMaker" not in turned.read_all()

    plain = prepare_upload(io.BytesIO(encode(noise((640, 420)))))
    assert plain.remuxed and plain.content_type == "image/png"

    # One row short: the rewrite will not judge it; the decoder does, as tolerant as before.
    damaged = prepare_upload(io.BytesIO(_grey_png(_rows(300, 299))))
    assert not damaged.remuxed and (damaged.width, damaged.height) == (300, 300)
    with pytest.raises(UploadRefused) as refused:
        prepare_upload(io.BytesIO(_grey_png(_rows(300, 300))[:-40]))
    assert refused.value.code == "corrupt_image"


def test_nothing_of_the_source_bytes_is_kept_only_the_rows():
    image = noise((500, 400))
    rewritten = {remuxed(encode(image, compress_level=level))[0] for level in (0, 1, 9)}
    # However the source was compressed, the same rows give the same file: its deflate stream,
    # block layout and chunking are gone.
    assert len(rewritten) == 1
    secret = b"SMUGGLED-IN-IEND" * 10
    with_iend_data = encode(image).replace(chunk(b"IEND", b""), chunk(b"IEND", secret))
    clean, _frame = remuxed(with_iend_data)
    assert secret not in clean and clean == rewritten.pop()


XMP = b'<x:xmpmeta><rdf:Description tiff:Orientation="%d"/></x:xmpmeta>'


def _itxt(keyword: bytes, text: bytes, compressed: bool = False) -> bytes:
    body = zlib.compress(text) if compressed else text
    return chunk(b"iTXt", keyword + b"\x00" + (b"\x01\x00" if compressed else b"\x00\x00") + b"\x00\x00" + body)


def _raw_exif_text(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    raw = exif.tobytes()
    return f"\nexif\n{len(raw):8d}\n{raw.hex()}\n".encode()


@pytest.mark.parametrize(
    "extra",
    [
        [chunk(b"tEXt", b"XML:com.adobe.xmp\x00" + XMP % 6)],
        [chunk(b"zTXt", b"XML:com.adobe.xmp\x00\x00" + zlib.compress(XMP % 6))],
        [_itxt(b"XML:com.adobe.xmp", XMP % 6, compressed=True)],
        [_itxt(b"Comment", XMP % 1), _itxt(b"XML:com.adobe.xmp", XMP % 6)],
        [_itxt(b"XML:com.adobe.xmp", XMP % 1), _itxt(b"XML:com.adobe.xmp", XMP % 6)],
        [_itxt(b"Raw profile type exif", _raw_exif_text(6))],
        [chunk(b"eXIf", gps_exif(orientation=1)), chunk(b"eXIf", gps_exif(orientation=6))],
    ],
    ids=["xmp-in-text", "xmp-in-ztxt", "compressed-xmp", "comment-then-xmp", "xmp-twice", "raw-exif-itxt", "exif-twice"],
)
def test_any_hint_that_the_picture_is_turned_is_left_to_the_decoder(extra):
    content = insert_after_header(encode(noise((640, 420))), *extra)
    with pytest.raises(png_remux.RemuxDeclined):
        remuxed(content)
    # What the decoder makes of it, upright or not, is what is stored.
    assert not prepare_upload(io.BytesIO(content)).remuxed


def test_a_zlib_bomb_within_the_limits_is_checked_in_bounded_memory(settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
    # 6000 x 6000 greyscale zeros (under the 40-megapixel limit): 36 MB of rows in well under 100 kB of file.
    content = encode(Image.new("L", (6000, 6000), 0), optimize=True)
    assert len(content) < 100_000
    tracemalloc.start()
    prepared = prepare_upload(io.BytesIO(content))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert prepared.remuxed and (prepared.width, prepared.height) == (6000, 6000)
    assert peak < 2 * 1024 * 1024, f"{peak / 1_048_576:.1f} MiB to check 36 MB of rows"
