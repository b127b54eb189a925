"""Rewriting a PNG without what it carries besides the picture, without decoding it.

The picture of an 8-bit greyscale or RGB PNG is its header (IHDR) and its compressed rows
(IDAT); every other chunk is colour management, text (where tools put locations, names and
scripts), EXIF, timestamps or private data, and bytes after the end chunk (IEND) are no part of
it. Copying IHDR, the IDAT data and IEND keeps the pixels bit for bit. The copy is checked as a
decoder would check it, without holding the pixels: every chunk's CRC, and the row stream
decompressed block by block to exactly ``height`` rows of ``width`` pixels, each row starting
with a valid filter type. A 6000 x 6000 scan is checked in memory of a few blocks, where
decoding it would hold 100 MB of pixels.

The copy declines (``RemuxDeclined``) what it would have to convert rather than copy: palettes,
transparency, 16-bit samples, interlacing, animation, unknown critical chunks, an orientation
other than upright. The caller then decodes and re-encodes. Plain Python: nothing from Django.
"""

from __future__ import annotations

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
# Chunks Pillow may find an EXIF orientation in (EXIF; XMP in iTXt; ImageMagick's "Raw profile
# type exif" text): read whole, up to this size, and a larger one is declined.
ORIENTATION_CHUNKS = {b"eXIf", b"iTXt", b"tEXt", b"zTXt"}
ORIENTATION_CHUNK_LIMIT = 1024 * 1024


class RemuxDeclined(Exception):
    """The file is not one the re-mux copies; decode and re-encode it instead."""


class DamagedPng(ValueError):
    """The PNG is broken (a CRC, the row data): the decoder would refuse it too."""


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


class _RowChecker:
    """Decompresses the IDAT stream block by block and checks it holds exactly the declared rows."""

    def __init__(self, frame: PngFrame) -> None:
        self.stride = 1 + frame.width * frame.channels
        self.expected = self.stride * frame.height
        self.received = 0
        self.inflater = zlib.decompressobj()

    def feed(self, compressed: bytes) -> None:
        data = compressed
        while True:
            try:
                rows = self.inflater.decompress(data, BLOCK_BYTES)
            except zlib.error:
                raise DamagedPng("the row data is not a valid zlib stream") from None
            self._check(rows)
            data = self.inflater.unconsumed_tail
            if self.inflater.eof:
                if data or self.inflater.unused_data:
                    raise RemuxDeclined("data after the end of the row stream")
                return
            # A full block may leave output pending inside zlib even with no input left: drain it.
            if not data and len(rows) < BLOCK_BYTES:
                return

    def _check(self, rows: bytes) -> None:
        if self.received + len(rows) > self.expected:
            raise DamagedPng("more row data than the header declares")
        first_filter = (-self.received) % self.stride
        filters = rows[first_filter::self.stride]
        if filters and max(filters) > 4:
            raise DamagedPng("a row with an unknown filter type")
        self.received += len(rows)

    def finish(self) -> None:
        if not self.inflater.eof or self.received != self.expected:
            raise DamagedPng("less row data than the header declares")


def _orientation(kind: bytes, data: bytes) -> int | None:
    if kind in (b"tEXt", b"zTXt"):
        if data.startswith(b"Raw profile type exif\x00"):
            raise RemuxDeclined("EXIF kept in a text chunk")
        return None
    if kind == b"eXIf":
        from PIL import Image  # the EXIF parser we trust; Pillow is already the image library here

        try:
            exif = Image.Exif()
            exif.load(data)
            return exif.get(EXIF_ORIENTATION)
        except Exception:  # an unreadable EXIF block: let the full decoder decide what it means
            raise RemuxDeclined("an EXIF block that does not parse") from None
    keyword, _, rest = data.partition(b"\x00")
    if keyword == b"XML:com.adobe.xmp" and rest[:1] != b"\x00":
        raise RemuxDeclined("compressed XMP")
    match = re.search(rb'tiff:Orientation(="|>)([0-9])', data)  # XMP, as Pillow reads it
    return int(match[2]) if match else None


def remux(source: BinaryIO, sink: BinaryIO) -> PngFrame:
    """Copy the picture of the PNG in ``source`` (at its start) to ``sink``, and nothing else.

    Raises RemuxDeclined when the copy cannot keep it exact and upright, DamagedPng when the file
    is broken; ``sink`` then holds a partial copy that the caller discards.
    """
    try:
        signature = _read_exact(source, 8)
    except DamagedPng:
        signature = b""
    if signature != SIGNATURE:
        raise RemuxDeclined("no PNG signature")
    sink.write(SIGNATURE)
    frame: PngFrame | None = None
    rows: _RowChecker | None = None
    idat_seen = idat_ended = False
    orientations: dict[bytes, int | None] = {}
    while True:
        length, kind = struct.unpack(">I4s", _read_exact(source, 8))
        if length > MAX_CHUNK_BYTES:
            raise DamagedPng("a chunk longer than PNG allows")
        critical = kind[0:1].isupper()
        if frame is None and kind != b"IHDR":
            raise DamagedPng("the header chunk is not first")
        if critical and kind not in KNOWN_CRITICAL:
            raise RemuxDeclined(f"an unknown critical chunk {kind!r}")
        if kind == b"acTL":
            raise RemuxDeclined("an animated PNG")
        if idat_seen and kind != b"IDAT":
            idat_ended = True
        elif kind == b"IDAT" and idat_ended:
            raise DamagedPng("row data in two separate runs")

        keep = kind in (b"IHDR", b"IDAT", b"IEND")
        if kind in ORIENTATION_CHUNKS and length > ORIENTATION_CHUNK_LIMIT:
            raise RemuxDeclined("a metadata chunk too large to look for an orientation in")
        whole = kind == b"IHDR" or kind in ORIENTATION_CHUNKS
        crc = zlib.crc32(kind)
        head = struct.pack(">I4s", length, kind)
        if keep:
            sink.write(head)
        if whole:
            data = _read_exact(source, length)
            crc = zlib.crc32(data, crc)
            if keep:
                sink.write(data)
        else:
            remaining = length
            while remaining:
                block = _read_exact(source, min(BLOCK_BYTES, remaining))
                remaining -= len(block)
                crc = zlib.crc32(block, crc)
                if kind == b"IDAT":
                    rows.feed(block)
                if keep:
                    sink.write(block)
        stored_crc = _read_exact(source, 4)
        if struct.unpack(">I", stored_crc)[0] != crc & 0xFFFFFFFF:
            raise DamagedPng(f"the {kind.decode('latin-1')} chunk fails its CRC")
        if keep:
            sink.write(stored_crc)

        if kind == b"IHDR":
            frame = _frame_of(data)
            rows = _RowChecker(frame)
        elif kind == b"IDAT":
            idat_seen = True
        elif kind in ORIENTATION_CHUNKS:
            orientation = _orientation(kind, data)
            if orientation is not None:
                orientations.setdefault(b"iTXt" if kind != b"eXIf" else kind, orientation)
        elif kind == b"IEND":
            if not idat_seen:
                raise DamagedPng("no row data")
            rows.finish()
            # Pillow, and so the full decode, reads the EXIF orientation first and XMP's second.
            orientation = orientations.get(b"eXIf") or orientations.get(b"iTXt") or 1
            if orientation != 1:
                raise RemuxDeclined("the picture must be turned upright")
            return frame  # anything after IEND is left behind, on purpose


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
