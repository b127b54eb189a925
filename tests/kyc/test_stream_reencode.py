"""UPLOAD_SANITIZING=reencode: a JPEG re-encoded a strip at a time by libvips, a PNG from its rows
filtered afresh; nothing of the file's bytes kept, a turned photo keeping its orientation alone."""

from __future__ import annotations

import io
import struct

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw, ImageOps, PngImagePlugin

from kyc.uploads import png_remux
from kyc.uploads.prepare import UploadRefused, prepare_upload


@pytest.fixture(autouse=True)
def _reencode(settings):
    settings.UPLOAD_SANITIZING = "reencode"


def card_photo(size=(900, 600)) -> Image.Image:
    """A smooth picture with edges, where a re-encode at quality 92 stays close to the original
    (on noise every JPEG generation differs a lot) and a wrong turn differs a lot."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, size[0] // 3, size[1] // 2), fill=(200, 30, 30))
    draw.ellipse((size[0] // 2, size[1] // 3, size[0] - 60, size[1] - 40), fill=(20, 60, 220))
    draw.text((60, size[1] - 80), "ID 1234567890", fill=(255, 255, 255))
    return image


def jpeg(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, **options)
    return out.getvalue()


def exif(orientation: int | None = None) -> bytes:
    tags = Image.Exif()
    if orientation is not None:
        tags[0x0112] = orientation
    tags[0x010F] = "PhoneMaker"
    tags[0x8825] = {1: "N", 2: (25.0, 12.0, 0.0), 3: "E", 4: (55.0, 16.0, 0.0)}  # GPS
    return tags.tobytes()


def upright(content: bytes) -> np.ndarray:
    return np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(content))).convert("RGB"), dtype=np.int16)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_turned_photo_is_re_encoded_as_stored_and_decodes_upright_like_the_original(orientation):
    source = jpeg(card_photo(), exif=exif(orientation))
    prepared = prepare_upload(io.BytesIO(source))
    stored = prepared.read_all()
    assert not prepared.remuxed and prepared.content_type == "image/jpeg"
    expected = upright(source)
    assert (prepared.height, prepared.width) == expected.shape[:2]
    # Only the orientation is left of the EXIF, and only when the photo needs turning.
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == ({} if orientation == 1 else {0x0112: orientation})
    shown = upright(stored)
    assert shown.shape == expected.shape
    assert np.abs(shown - expected).mean() < 2.0  # a second JPEG generation at quality 92
    # OpenCV (the embedded reader's decoder) turns it the same way.
    decoded = cv2.imdecode(np.frombuffer(stored, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert np.abs(decoded[:, :, ::-1].astype(np.int16) - expected).mean() < 2.0


def test_nothing_of_the_jpeg_but_its_pixels_is_kept():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    source = jpeg(card_photo(), exif=exif(6), icc_profile=icc, comment=b"secret-comment")
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>secret-xmp</x:xmpmeta>"
    source = source[:2] + b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp + source[2:]
    source += b"PK\x03\x04secret-after-the-end"
    stored = prepare_upload(io.BytesIO(source)).read_all()
    for secret in (b"PhoneMaker", b"GPS", b"secret-comment", b"secret-xmp", b"secret-after", b"ICC_PROFILE", icc[:40]):
        assert secret not in stored, secret
    # The same pixels give the same file, whatever came with them: duplicates are still found.
    bare = jpeg(card_photo(), exif=exif(6))
    assert prepare_upload(io.BytesIO(bare)).sha256 == prepare_upload(io.BytesIO(source)).sha256


@pytest.mark.parametrize("cut", [lambda c: c[: len(c) // 3], lambda c: c[: len(c) - 200]])
def test_a_truncated_jpeg_is_refused_with_the_same_clear_error_as_the_whole_decode(settings, cut):
    content = cut(jpeg(card_photo(), exif=exif(6)))
    with pytest.raises(UploadRefused) as streamed:
        prepare_upload(io.BytesIO(content))
    settings.UPLOAD_SANITIZING = "remux"  # its re-mux declines a cut file: Pillow's whole decode refuses it
    with pytest.raises(UploadRefused) as whole:
        prepare_upload(io.BytesIO(content))
    assert streamed.value.code == whole.value.code == "corrupt_image"
    assert str(streamed.value) == str(whole.value) and "damaged" in str(streamed.value)


def test_a_jpeg_libvips_does_not_stream_is_still_converted_whole():
    cmyk = io.BytesIO()
    Image.new("CMYK", (640, 420), (0, 0, 0, 0)).save(cmyk, format="JPEG")
    prepared = prepare_upload(io.BytesIO(cmyk.getvalue()))
    assert Image.open(io.BytesIO(prepared.read_all())).mode == "RGB"


def test_a_temporary_folder_that_fails_is_our_fault_not_a_damaged_photo(settings, tmp_path):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "missing")
    with pytest.raises(UploadRefused) as refused:
        prepare_upload(io.BytesIO(jpeg(card_photo((1600, 1100)))))
    assert refused.value.code == "storage_unavailable" and refused.value.http_status == 503


def png(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **options)
    return out.getvalue()


def test_a_png_is_rewritten_from_its_pixels_bit_for_bit_with_fresh_filters():
    picture = card_photo((700, 500))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-location-51.5N")
    stored = {prepare_upload(io.BytesIO(png(picture, compress_level=level, pnginfo=info))).read_all()
              for level in (0, 1, 9)}
    # Rows filtered and compressed three ways by the source give one file: nothing of the
    # file's bytes (not its filter per row, not its deflate stream) is kept, only the pixels.
    assert len(stored) == 1
    content = stored.pop()
    assert b"secret-location" not in content
    assert Image.open(io.BytesIO(content)).tobytes() == picture.tobytes()


def test_refiltering_keeps_every_pixel_across_strip_boundaries():
    rng = np.random.default_rng(5)
    for mode, shape in (("RGB", (301, 517, 3)), ("L", (2000, 173)), ("RGB", (1, 300, 3))):
        pixels = rng.integers(0, 256, shape, dtype=np.uint8)
        pixels[::4] = 40  # rows the encoder filters differently from the noise around them
        source = png(Image.fromarray(pixels, mode))
        sink = io.BytesIO()
        png_remux.remux(io.BytesIO(source), sink, refilter=True)
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(sink.getvalue()))), pixels), shape


def test_a_damaged_png_is_refused_as_before():
    content = png(card_photo((640, 420)))
    with pytest.raises(UploadRefused) as refused:
        prepare_upload(io.BytesIO(content[: len(content) // 3]))
    assert refused.value.code == "corrupt_image"
