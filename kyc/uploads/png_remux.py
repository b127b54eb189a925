"""Rewriting a PNG as its pixel rows alone, without decoding it into an image.

The picture of an 8-bit greyscale or RGB PNG is its header (IHDR) and its compressed rows (IDAT);
every other chunk is colour management, text (where tools put locations, names and scripts),
EXIF, timestamps or private data, and bytes after the end chunk (IEND) are no part of it. Here
the rows are inflated 64 KiB at a time, checked as a decoder checks them (every chunk's CRC,
exactly ``height`` rows of ``width`` pixels, each starting with a valid filter type) and deflated
again into fresh IDAT chunks, between a header and an end chunk written from scratch. Nothing of
the file's bytes is copied, only the pixel rows: no payload survives in a chunk, in the deflate
stream's own structure or after its end. The pixels are kept bit for bit, and a 6000 x 6000 scan
goes through in memory of a few blocks, where decoding it would hold 100 MB of pixels.

The rewrite declines (``RemuxDeclined``) what it would have to convert rather than copy:
palettes, transparency, 16-bit samples, interlacing, animation, unknown critical chunks, an
orientation other than upright (or one it cannot be sure of). ``DamagedPng`` says the file is
broken in a way a tolerant decoder may still accept. Either way the caller decodes and
re-encodes instead. Plain Python: nothing from Django.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

SIGNATURE = b"\x89PNG\r\n\x1a\n"
BLOCK_BYTES = 64 * 1024
# Colour types copied as they are: greyscale and RGB, 8 bits per sample.
CHANNELS = {0: 1, 2: 3}
KNOWN_CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
EXIF_ORIENTATION = 0x0112
# The longest chunk a PNG may declare (2^31 - 1); chunks are read in blocks, never whole.
MAX_CHUNK_BYTES = 2**31 - 1
# Chunks Pillow may find an orientation in: EXIF (eXIf, or ImageMagick's "Raw profile type exif"
# text) and XMP (text). They are read whole up to this size, inflated up to it if compressed;
# a larger one is declined.
TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt"}
METADATA_LIMIT = 1024 * 1024
XMP_ORIENTATION = re.compile(rb'tiff:Orientation(?:="|>)\s*([0-9]+)')
# zlib's default: what Pillow's own PNG encoder uses, so re-encoded and rewritten PNGs compare.
DEFLATE_LEVEL = 6


class RemuxDeclined(Exception):
    """The file is not one the rewrite keeps exact and upright; decode and re-encode it instead."""


class DamagedPng(ValueError):
    """The PNG is broken (a CRC, the row data, the chunk order); let the decoder judge it."""


@dataclass(frozen=True)
class PngFrame:
    width: int
    height: int
    channels: int


def _read_exact(source: BinaryIO, count: int) -> bytes:
    data = source.read(count)
    while len(data) < count:  # a raw stream may hand out less than asked
        more = source.read(count - len(data))
        if not more:
            raise DamagedPng("the file ends inside a chunk")
        data += more
    return data


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I4s", len(data), kind) + data + struct.pack(">I", zlib.crc32(kind + data))


class _RowRewriter:
    """Inflates the IDAT stream block by block, checks it holds exactly the declared rows, and
    deflates the rows again into new IDAT chunks written to ``sink``."""

    def __init__(self, frame: PngFrame, sink: BinaryIO, *, refilter: bool = False) -> None:
        self.stride = 1 + frame.width * frame.channels
        self.expected = self.stride * frame.height
        self.received = 0
        self.inflater = zlib.decompressobj()
        self.deflater = zlib.compressobj(DEFLATE_LEVEL)
        self.pending = bytearray()
        self.sink = sink
        self.refilter = _Refilter(frame) if refilter else None

    def feed(self, compressed: bytes) -> None:
        data = compressed
        while True:
            try:
                rows = self.inflater.decompress(data, BLOCK_BYTES)
            except zlib.error:
                raise DamagedPng("the row data is not a valid zlib stream") from None
            self._take(rows)
            data = self.inflater.unconsumed_tail
            if self.inflater.eof:
                if data or self.inflater.unused_data:
                    raise DamagedPng("data after the end of the row stream")
                return
            # A full block may leave output pending inside zlib even with no input left: drain it.
            if not data and len(rows) < BLOCK_BYTES:
                return

    def _take(self, rows: bytes) -> None:
        if self.received + len(rows) > self.expected:
            raise DamagedPng("more row data than the header declares")
        first_filter = (-self.received) % self.stride
        filters = rows[first_filter::self.stride]
        if filters and max(filters) > 4:
            raise DamagedPng("a row with an unknown filter type")
        self.received += len(rows)
        if self.refilter is not None:
            rows = self.refilter.take(rows)
        self._emit(self.deflater.compress(rows))

    def _emit(self, compressed: bytes) -> None:
        self.pending += compressed
        while len(self.pending) >= BLOCK_BYTES:
            self.sink.write(_chunk(b"IDAT", bytes(self.pending[:BLOCK_BYTES])))
            del self.pending[:BLOCK_BYTES]

    def finish(self) -> None:
        if not self.inflater.eof or self.received != self.expected:
            raise DamagedPng("less row data than the header declares")
        if self.refilter is not None:
            self._emit(self.deflater.compress(self.refilter.finish()))
        self._emit(self.deflater.flush())
        if self.pending:
            self.sink.write(_chunk(b"IDAT", bytes(self.pending)))


class _Refilter:
    """Rows as the file filtered them in, rows filtered afresh from their pixels out, a strip at
    a time: so that not even the file's choice of filter per row (a few bits a row) survives.

    Pillow's C codec does both halves on a strip small enough to stay a few hundred kilobytes:
    the strip's filtered rows, behind the previous strip's last pixel row (unfiltered, filter
    type 0), are decoded as a small PNG image (its ``zip`` decoder reverses the filters), and
    that image is encoded again (the encoder chooses each row's filter from its pixels, as for
    any PNG it writes); its first row, the context, is dropped."""

    # Each strip passes through six or so copies (stored stream, image, its PNG, ...): 64 KiB
    # keeps them under half a megabyte; 256 KiB cost 1.3 MiB more at the peak (PNG scan bench).
    STRIP_BYTES = 64 * 1024

    def __init__(self, frame: PngFrame) -> None:
        self.width = frame.width
        self.mode = "L" if frame.channels == 1 else "RGB"
        self.stride = 1 + frame.width * frame.channels
        self.strip_rows = max(1, self.STRIP_BYTES // self.stride)
        self.previous = bytes(self.stride)  # filter 0 and black: the rows above the first
        self.rows = bytearray()

    def take(self, rows: bytes) -> bytes:
        self.rows += rows
        out = bytearray()
        while len(self.rows) >= self.strip_rows * self.stride:
            out += self._strip(self.strip_rows)
        return bytes(out)

    def finish(self) -> bytes:
        return self._strip(len(self.rows) // self.stride) if self.rows else b""

    def _strip(self, count: int) -> bytes:
        from PIL import Image

        size = count * self.stride
        filtered = bytes(self.rows[:size])
        del self.rows[:size]
        # Stored (level 0) deflate: the decoder needs a zlib stream, not compression.
        stream = zlib.compress(self.previous + filtered, 0)
        try:
            image = Image.frombytes(self.mode, (self.width, count + 1), stream, "zip", self.mode)
        except (ValueError, OSError):
            raise DamagedPng("rows that do not unfilter") from None
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=0)
        refiltered = zlib.decompress(b"".join(_idat_of(out.getvalue())))
        self.previous = b"\x00" + image.crop((0, count, self.width, count + 1)).tobytes()
        return refiltered[self.stride:]


def _idat_of(png: bytes):
    """The IDAT payloads of a PNG that Pillow just wrote (trusted: no checks)."""
    position = len(SIGNATURE)
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        if kind == b"IDAT":
            yield png[position + 8:position + 8 + length]
        position += 12 + length


def _inflate_bounded(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, METADATA_LIMIT)
    except zlib.error:
        raise RemuxDeclined("a compressed text chunk that does not inflate") from None
    if inflater.unconsumed_tail:
        raise RemuxDeclined("a compressed text chunk too large to look for an orientation in")
    return text


def _text_of(kind: bytes, data: bytes) -> tuple[bytes, bytes]:
    """(keyword, text) of a tEXt, zTXt or iTXt chunk, the text inflated when compressed."""
    keyword, _, rest = data.partition(b"\x00")
    if kind == b"tEXt":
        return keyword, rest
    if kind == b"zTXt":
        return keyword, _inflate_bounded(rest[1:])
    compressed = rest[:1] == b"\x01"
    _language, _, rest = rest[2:].partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    return keyword, _inflate_bounded(text) if compressed else text


def _check_upright(kind: bytes, data: bytes, exif_seen: bool) -> None:
    """Decline unless the chunk surely leaves the picture upright. Pillow, which the full decode
    follows, reads EXIF and XMP from several places and lets the last of a kind win; rather than
    mirror its rules, any orientation other than 1 anywhere, or EXIF twice, declines."""
    if kind == b"eXIf":
        if exif_seen:
            raise RemuxDeclined("two EXIF blocks")
        from PIL import Image  # the EXIF parser we trust; Pillow is already the image library here

        try:
            exif = Image.Exif()
            exif.load(data)
            orientation = exif.get(EXIF_ORIENTATION)
        except Exception:  # an unreadable EXIF block: let the full decoder decide what it means
            raise RemuxDeclined("an EXIF block that does not parse") from None
        if orientation not in (None, 1):
            raise RemuxDeclined("the picture must be turned upright")
        return
    if data.partition(b"\x00")[0] == b"Raw profile type exif":
        raise RemuxDeclined("EXIF kept in a text chunk")
    _keyword, text = _text_of(kind, data)
    if any(value != b"1" for value in XMP_ORIENTATION.findall(text)):
        raise RemuxDeclined("the picture must be turned upright")


def remux(source: BinaryIO, sink: BinaryIO, *, refilter: bool = False) -> PngFrame:
    """Write the pixel rows of the PNG in ``source`` (at its start) to ``sink`` as a new PNG;
    with ``refilter``, each row filtered afresh from its pixels (``UPLOAD_SANITIZING=reencode``).

    Raises RemuxDeclined or DamagedPng (see the module's docstring); ``sink`` then holds a
    partial file that the caller discards.
    """
    try:
        signature = _read_exact(source, 8)
    except DamagedPng:
        signature = b""
    if signature != SIGNATURE:
        raise RemuxDeclined("no PNG signature")
    frame: PngFrame | None = None
    rows: _RowRewriter | None = None
    idat_seen = idat_ended = exif_seen = False
    while True:
        length, kind = struct.unpack(">I4s", _read_exact(source, 8))
        if length > MAX_CHUNK_BYTES:
            raise DamagedPng("a chunk longer than PNG allows")
        if (frame is None) != (kind == b"IHDR"):
            raise DamagedPng("the header chunk is not first, or comes twice")
        if kind[0:1].isupper() and kind not in KNOWN_CRITICAL:
            raise RemuxDeclined(f"an unknown critical chunk {kind!r}")
        if kind == b"acTL":
            raise RemuxDeclined("an animated PNG")
        if idat_seen and kind != b"IDAT":
            idat_ended = True
        elif kind == b"IDAT" and idat_ended:
            raise DamagedPng("row data in two separate runs")
        metadata = kind == b"eXIf" or kind in TEXT_CHUNKS
        if metadata and length > METADATA_LIMIT:
            raise RemuxDeclined("a metadata chunk too large to look for an orientation in")

        crc = zlib.crc32(kind)
        data = b""
        if kind == b"IHDR" or metadata:
            data = _read_exact(source, length)
            crc = zlib.crc32(data, crc)
        else:
            remaining = length
            while remaining:
                block = _read_exact(source, min(BLOCK_BYTES, remaining))
                remaining -= len(block)
                crc = zlib.crc32(block, crc)
                if kind == b"IDAT":
                    rows.feed(block)
        if struct.unpack(">I", _read_exact(source, 4))[0] != crc & 0xFFFFFFFF:
            raise DamagedPng(f"the {kind.decode('latin-1')} chunk fails its CRC")

        if kind == b"IHDR":
            frame = _frame_of(data)
            sink.write(SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", frame.width, frame.height, 8,
                                                               _COLOUR_TYPE[frame.channels], 0, 0, 0)))
            rows = _RowRewriter(frame, sink, refilter=refilter)
        elif kind == b"IDAT":
            idat_seen = True
        elif metadata:
            _check_upright(kind, data, exif_seen)
            exif_seen = exif_seen or kind == b"eXIf"
        elif kind == b"IEND":
            if not idat_seen:
                raise DamagedPng("no row data")
            rows.finish()
            sink.write(_chunk(b"IEND", b""))
            return frame  # whatever IEND held, and anything after it, is left behind


_COLOUR_TYPE = {channels: colour_type for colour_type, channels in CHANNELS.items()}


def _frame_of(header: bytes) -> PngFrame:
    if len(header) != 13:
        raise DamagedPng("a header chunk of the wrong size")
    width, height, depth, colour_type, compression, filtering, interlace = struct.unpack(">IIBBBBB", header)
    if width == 0 or height == 0:
        raise DamagedPng("an image with no pixels")
    if colour_type not in CHANNELS or depth != 8:
        raise RemuxDeclined("not 8-bit greyscale or RGB")
    if compression or filtering:
        raise DamagedPng("an unknown compression or filter method")
    if interlace:
        raise RemuxDeclined("an interlaced PNG")
    return PngFrame(width=width, height=height, channels=CHANNELS[colour_type])
