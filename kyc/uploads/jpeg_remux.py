"""Rewriting a JPEG without what it carries besides the picture, without decoding it.

A JPEG is a row of marker segments around entropy-coded picture data. The picture needs only
the frame header (SOF), the quantisation and Huffman tables (DQT, DHT), the restart interval
(DRI) and the scans (SOS and their data). Everything else is metadata or worse: APPn segments
(EXIF with GPS, XMP, ICC profiles, maker notes, MPF second pictures, thumbnails), comments
(COM) and anything after the end marker (a ZIP or an HTML page appended to make a polyglot).
Copying only the first group gives the same pixels, bit for bit, in memory that does not grow
with the file: the re-mux reads and writes 64 KiB at a time, where decoding and re-encoding a
12-megapixel photo holds 36 MB of pixels.

The re-mux declines (``RemuxDeclined``) whatever it would have to interpret rather than copy:
arithmetic coding, lossless and hierarchical frames, 12-bit samples, CMYK and Adobe colour
transforms, component layouts whose colour space depends on the dropped markers. The caller
then decodes and re-encodes the image as before. Plain Python: nothing from Django.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

SOI, EOI, SOS, DQT, DHT, DRI, COM = 0xD8, 0xD9, 0xDA, 0xDB, 0xC4, 0xDD, 0xFE
# Huffman-coded sequential (baseline, extended) and progressive frames: the ones we copy.
COPIED_FRAMES = {0xC0, 0xC1, 0xC2}
APP_MARKERS = range(0xE0, 0xF0)
RESTART_MARKERS = range(0xD0, 0xD8)
# A fresh JFIF header, version 1.01, square pixels, no thumbnail. With it, a decoder reads three
# components as YCbCr whatever their ids: the colour space no longer depends on dropped markers.
JFIF_APP0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
EXIF_ORIENTATION_TAG = 0x0112
BLOCK_BYTES = 64 * 1024


class RemuxDeclined(Exception):
    """The file is not one the re-mux copies; decode and re-encode it instead."""


@dataclass(frozen=True)
class JpegFrame:
    width: int
    height: int
    components: int
    progressive: bool


class _Reader:
    """Buffered reads from a file, in blocks: the file is never held whole."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.buffer = b""
        self.position = 0

    def _fill(self, wanted: int) -> None:
        while len(self.buffer) - self.position < wanted:
            block = self.source.read(BLOCK_BYTES)
            if not block:
                raise RemuxDeclined("the file ends inside the image")
            self.buffer = self.buffer[self.position:] + block
            self.position = 0

    def read(self, count: int) -> bytes:
        self._fill(count)
        data = self.buffer[self.position:self.position + count]
        self.position += count
        return data

    def skip(self, count: int) -> None:
        while count:
            available = len(self.buffer) - self.position
            if not available:
                self._fill(1)
                continue
            step = min(count, available)
            self.position += step
            count -= step

    def next_marker(self) -> int:
        """The next marker's code; fill bytes (0xFF runs) before it are allowed and dropped."""
        if self.read(1) != b"\xff":
            raise RemuxDeclined("a marker was expected")
        code = self.read(1)[0]
        while code == 0xFF:
            code = self.read(1)[0]
        return code

    def copy_entropy_data(self, sink) -> int:
        """Copy scan data up to the next marker that is not a restart marker or a stuffed 0xFF;
        return that marker's code (consumed, not written)."""
        while True:
            self._fill(2)
            data = self.buffer
            at = data.find(b"\xff", self.position)
            while at != -1 and at + 1 < len(data):
                following = data[at + 1]
                if following == 0x00 or following in RESTART_MARKERS:
                    at = data.find(b"\xff", at + 2)
                    continue
                if following == 0xFF:  # fill bytes before a marker
                    at += 1
                    continue
                sink.write(data[self.position:at])
                self.position = at + 2
                return following
            # No marker in what is buffered: write all of it but a trailing 0xFF, whose meaning
            # depends on the byte after it.
            end = len(data) - 1 if data.endswith(b"\xff") else len(data)
            sink.write(data[self.position:end])
            self.position = end
            self._fill(len(data) - end + 1)


def _frame_of(payload: bytes, marker: int) -> JpegFrame:
    if len(payload) < 6:
        raise RemuxDeclined("short frame header")
    precision, height, width, components = struct.unpack(">BHHB", payload[:6])
    if precision != 8:
        raise RemuxDeclined("not 8-bit samples")
    if height == 0 or width == 0:
        raise RemuxDeclined("the height is given later (DNL) or the frame is empty")
    if components not in (1, 3) or len(payload) != 6 + 3 * components:
        raise RemuxDeclined("neither greyscale nor three-component colour")
    return JpegFrame(width=width, height=height, components=components, progressive=marker == 0xC2)


def orientation_app1(orientation: int) -> bytes:
    """An EXIF segment that holds the orientation tag and nothing else (big-endian TIFF, one
    IFD entry), so that a photo taken sideways is shown and read upright without its pixels
    being decoded here: browsers, Pillow's ``exif_transpose`` and OpenCV's ``imdecode`` turn it."""
    if not 1 <= orientation <= 8:
        raise ValueError(f"EXIF orientation {orientation} is not 1-8")
    tiff = (b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
            + struct.pack(">HHIHH", EXIF_ORIENTATION_TAG, 3, 1, orientation, 0) + struct.pack(">I", 0))
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def remux(source: BinaryIO, sink: BinaryIO, *, orientation: int = 1) -> JpegFrame:
    """Copy the picture of the JPEG in ``source`` (at its start) to ``sink``, and nothing else
    but, when ``orientation`` is not 1, an EXIF segment holding that orientation alone.

    Raises RemuxDeclined when the file is not a JPEG the copy can keep exact (see the module's
    docstring); ``sink`` then holds a partial copy that the caller discards.
    """
    reader = _Reader(source)
    if reader.read(2) != b"\xff\xd8":
        raise RemuxDeclined("no start-of-image marker")
    sink.write(b"\xff\xd8" + JFIF_APP0 + (orientation_app1(orientation) if orientation != 1 else b""))
    frame: JpegFrame | None = None
    marker = reader.next_marker()
    while True:
        if marker == EOI:
            if frame is None:
                raise RemuxDeclined("no picture before the end marker")
            sink.write(b"\xff\xd9")
            return frame  # anything after the end marker is left behind, on purpose
        if marker in RESTART_MARKERS or marker in (SOI, 0x01):
            raise RemuxDeclined("a standalone marker out of place")
        length = struct.unpack(">H", reader.read(2))[0]
        if length < 2:
            raise RemuxDeclined("a segment length below its own two bytes")
        if marker == 0xEE:
            if reader.read(length - 2).startswith(b"Adobe"):
                raise RemuxDeclined("an Adobe colour transform decides the colour space")
        elif marker in APP_MARKERS or marker == COM:
            reader.skip(length - 2)
        elif marker in (DQT, DHT, DRI) or marker in COPIED_FRAMES or marker == SOS:
            payload = reader.read(length - 2)
            if marker in COPIED_FRAMES:
                if frame is not None:
                    raise RemuxDeclined("a second frame header")
                frame = _frame_of(payload, marker)
                if frame.components == 3 and payload[6::3] not in (b"\x01\x02\x03", b"\x00\x01\x02"):
                    # Ids 'R','G','B' and the like mean RGB without the JFIF header we add.
                    raise RemuxDeclined("component ids that name a colour space")
            if marker == SOS and frame is None:
                raise RemuxDeclined("a scan before the frame header")
            sink.write(b"\xff" + bytes([marker]) + struct.pack(">H", length) + payload)
            if marker == SOS:
                marker = reader.copy_entropy_data(sink)
                continue
        else:
            raise RemuxDeclined(f"marker 0x{marker:02X} is not one the copy keeps exact")
        marker = reader.next_marker()
