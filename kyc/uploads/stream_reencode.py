"""Decoding and re-encoding a JPEG in strips, in memory that does not grow with the picture.

What ``UPLOAD_SANITIZING=reencode`` promises is that nothing of the file's bytes is stored, only
its pixels, re-encoded. Pillow can only do that with the whole picture decoded in memory (three
bytes a pixel: 4.6 × a phone JPEG's file, 8.3 × when it also turned it). libvips (``pyvips``,
with the library itself from ``pyvips-binary``) runs the decoder and the encoder as one pipeline
over strips of rows (``access="sequential"``): libjpeg decodes a few rows, they are compressed
and written out, and the next rows are decoded into the same buffers. (A PNG is re-encoded from
its rows by ``png_remux.remux(refilter=True)``, in less memory than libvips needs for one.)

- Metadata is not carried (``keep=NONE``: no EXIF, XMP, ICC profile, comments or text chunks),
  and nothing after the picture is read at all.
- A JPEG turned by its EXIF orientation is re-encoded as stored and given a fresh EXIF segment
  holding that orientation and nothing else (``jpeg_remux.orientation_app1``, as the re-mux does):
  turning it would need the whole picture in memory, and every place that decodes our images
  applies the orientation anyway (browsers, ``vendors/images.py``, OpenCV's ``imdecode``, the
  capture gate).
- A file libjpeg calls damaged or truncated raises :class:`DamagedImage`; what this way does not
  cover (not 8-bit grey or colour) raises :class:`ReencodeDeclined` before any pixel is decoded,
  and the caller decodes it whole as before.

Plain Python: nothing from Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

import pyvips

from kyc.uploads.jpeg_remux import orientation_app1

# A source read through Python callbacks cannot be revisited, and every upload is a new one:
# libvips's operation cache would only hold each upload's file open after its request.
pyvips.cache_set_max(0)
# One worker thread per pipeline: a strip is decoded and encoded in turn anyway (neither codec
# runs in parallel), and every further thread holds strips of its own (1.1-1.4 MiB measured).
pyvips.concurrency_set(1)

JPEG_QUALITY = 92  # as the Pillow way: high quality for OCR and the reviewer's eye
# Refuse what libjpeg reports as an error (a truncated file included), never complete a
# picture with grey; their warnings (e.g. stray bytes before a marker, common in camera files)
# are tolerated, as Pillow tolerates them.
FAIL_ON = "error"


class ReencodeDeclined(Exception):
    """This way does not cover the file; decode it whole instead."""


class DamagedImage(Exception):
    """The decoder found the file damaged or incomplete."""


@dataclass(frozen=True)
class Frame:
    """The stored picture's sides as it is shown (turned by its orientation)."""

    width: int
    height: int


def reencode_jpeg(source: BinaryIO, sink: BinaryIO, *, expected_size: tuple[int, int],
                  orientation: int = 1) -> Frame:
    """Decode the JPEG in ``source`` (read from its start) strip by strip and write it to
    ``sink`` re-encoded, without metadata but ``orientation`` (1-8) alone. ``expected_size`` is
    the header's size as Pillow read it: another size from libvips is declined, not trusted.

    Raises DamagedImage or ReencodeDeclined; ``sink`` then holds a partial image to discard.
    """
    source.seek(0)
    # Both callback objects must stay referenced until the save ends: libvips calls back into
    # them from its threads, and a collected one is a crash, not an exception.
    reader = _Reader(source)
    vips_source = pyvips.SourceCustom()
    vips_source.on_read(reader.read)
    vips_source.on_seek(reader.seek)
    writer = _OrientationWriter(sink, orientation_app1(orientation) if orientation != 1 else b"")
    vips_target = pyvips.TargetCustom()
    vips_target.on_write(writer.write)
    try:
        # The JPEG loader by name: libvips picks no other decoder whatever the bytes say.
        image = pyvips.Image.jpegload_source(vips_source, access="sequential", fail_on=FAIL_ON)
    except pyvips.Error as exc:
        reader.raise_failure()
        raise DamagedImage("the header could not be read") from exc
    if (image.width, image.height) != expected_size:
        raise ReencodeDeclined("libvips reads another size than the header's")
    if image.format != "uchar" or image.bands not in (1, 3):
        raise ReencodeDeclined("not 8-bit grey or colour")
    try:
        # 4:2:0 chroma, as Pillow's encoder at this quality (libvips would keep full chroma).
        image.write_to_target(vips_target, ".jpg", Q=JPEG_QUALITY, subsample_mode="on",
                              keep=pyvips.enums.ForeignKeep.NONE)
    except pyvips.Error as exc:
        # Our side's failures (the upload's file, the temporary file) are raised as they are,
        # never reported as a damaged photo.
        reader.raise_failure()
        writer.raise_failure()
        raise DamagedImage("the picture could not be decoded to its end") from exc
    writer.raise_failure()
    writer.finish()
    width, height = expected_size
    return Frame(height, width) if orientation in (5, 6, 7, 8) else Frame(width, height)


class _Reader:
    """``source``'s reads and seeks for libvips's callbacks. An exception cannot cross the C
    library: it is kept, the library is told the read failed, and it is raised afterwards."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.failure: BaseException | None = None

    def read(self, size: int) -> bytes:
        try:
            return self.source.read(size)
        except Exception as exc:  # noqa: BLE001 - raised again by raise_failure, after libvips
            self.failure = exc
            return b""  # the end of the file: the load or the save fails

    def seek(self, offset: int, whence: int) -> int:
        try:
            return self.source.seek(offset, whence)
        except Exception as exc:  # noqa: BLE001 - as in read
            self.failure = exc
            return -1

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure


class _OrientationWriter:
    """Passes the encoder's output to ``sink``, with ``segment`` (an EXIF APP1) put in after the
    JPEG's start marker and its JFIF header; passes it unchanged when ``segment`` is empty."""

    def __init__(self, sink: BinaryIO, segment: bytes) -> None:
        self.sink = sink
        self.segment = segment
        self.head = b""
        self.failure: BaseException | None = None

    def write(self, data: bytes) -> int:
        try:
            if not self.segment:
                self.sink.write(data)
                return len(data)
            self.head += bytes(data)
            end = self._end_of_header()
            if end is not None:
                self.sink.write(self.head[:end] + self.segment + self.head[end:])
                self.segment, self.head = b"", b""
            return len(data)
        except Exception as exc:  # noqa: BLE001 - an exception cannot cross libvips: kept, raised after
            self.failure = exc
            return -1

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def _end_of_header(self) -> int | None:
        """Where the segment goes once enough of the output is seen, else None."""
        if len(self.head) < 4:
            return None
        if not self.head.startswith(b"\xff\xd8"):
            raise DamagedImage("the encoder wrote no JPEG start marker")
        if self.head[2:4] != b"\xff\xe0":
            return 2
        if len(self.head) < 6:
            return None
        end = 4 + int.from_bytes(self.head[4:6], "big")
        return end if len(self.head) >= end else None

    def finish(self) -> None:
        if self.segment:
            raise DamagedImage("the encoder wrote no JPEG header")
