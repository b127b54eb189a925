"""A scripted OCR provider for pipeline tests: it plays a vendor whose behaviour the image chooses.

The colour of the image's top-left pixel says what happens, so that a behaviour survives the
upload path's re-encoding and reaches a worker in another process:

- green  (0, 200, 0): reads successfully, returning synthetic canonical fields for the kind;
- red    (200, 0, 0): the image is unreadable (invalid_image, no retry helps);
- blue   (0, 0, 200): the vendor is down (transient) on every attempt;
- yellow (200, 200, 0): transient on the first two attempts, then reads (attempts counted in a
  file under KYC_DATA_DIR, which a worker process shares with the test);
- purple (128, 0, 128): configuration/auth error;
- cyan   (0, 200, 200): slow: marks the read as started (files under KYC_DATA_DIR named after the
  image's hash: ``.started`` counts the reads, ``.pid`` names the reading process), sleeps ``SCRIPTED_SLOW_SECONDS`` (default 4), then reads successfully;
  fault tests use it to act (kill a worker, drop a connection) while a read is in flight.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import time
from pathlib import Path

from PIL import Image

from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.documents.reading import Box, ReadField, Reading
from ocr_integration.provider import ErrorClass, OcrError, ReadRequest

GREEN, RED, BLUE, YELLOW, PURPLE = (0, 200, 0), (200, 0, 0), (0, 0, 200), (200, 200, 0), (128, 0, 128)
CYAN = (0, 200, 200)

SYNTHETIC_FIELDS = {
    DocumentKind.PASSPORT: {
        "surname": "TESTER", "given_names": "ALEX", "document_number": "X1234567",
        "nationality": "GBR", "birth_date": "1990-01-01", "sex": "M", "expiry_date": "2035-01-01",
    },
    DocumentKind.EMIRATES_ID_FRONT: {"id_number": "784-1990-1234567-1", "full_name": "Alex Tester"},
    DocumentKind.EMIRATES_ID_BACK: {"card_number": "123456789", "expiry_date": "2030-01-01"},
    DocumentKind.CN_ID_PORTRAIT: {"full_name": "测试", "id_number": "11010519491231002X"},
    DocumentKind.CN_ID_EMBLEM: {"validity_period": "2015.01.01-2035.01.01"},
    DocumentKind.BANK_CARD: {"card_number_masked": "411111******1111"},
}


def colour_image(colour: tuple[int, int, int], size=(640, 420), fmt="PNG") -> bytes:
    image = Image.new("RGB", size, (235, 235, 235))
    image.paste(colour, (0, 0, 40, 40))
    # A random mark far from the colour patch makes every image unique (attempt counters are
    # per image, and a case refuses the same image twice).
    image.paste(tuple(random.randrange(256) for _ in range(3)), (size[0] - 20, size[1] - 20, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def _folder() -> Path:
    folder = Path(os.environ.get("KYC_DATA_DIR", "/tmp")) / "scripted-provider"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_number(marker: Path, number: int) -> None:
    """Replaces the marker whole: a test process polls these files while a worker process writes
    them, and ``write_text`` truncates before it writes, so a reader could see an empty file
    (``int('')``: the broker-restart test failed so once at load 33). ``os.replace`` is atomic on
    one file system: a reader sees the old number or the new one."""
    partial = marker.with_name(f"{marker.name}.{os.getpid()}.partial")
    partial.write_text(str(number))
    os.replace(partial, marker)


def _read_number(marker: Path) -> int | None:
    try:
        return int(marker.read_text())
    except FileNotFoundError:
        return None


def slow_read_started(image_sha256: str) -> int:
    """How many slow reads of this (stored, re-encoded) image have started, in any process."""
    return _read_number(_folder() / f"{image_sha256}.started") or 0


def slow_reader_pid(image_sha256: str) -> int | None:
    """The process id of the latest slow read of this image."""
    return _read_number(_folder() / f"{image_sha256}.pid")


def _attempt_number(image: bytes) -> int:
    counter = _folder() / hashlib.sha256(image).hexdigest()
    count = (_read_number(counter) or 0) + 1
    _write_number(counter, count)
    return count


class ScriptedProvider:
    name = "scripted"

    def read(self, request: ReadRequest) -> Reading:
        pixel = Image.open(io.BytesIO(request.image)).convert("RGB").getpixel((5, 5))
        colour = min((GREEN, RED, BLUE, YELLOW, PURPLE, CYAN), key=lambda c: sum((a - b) ** 2 for a, b in zip(c, pixel, strict=True)))
        if colour == RED:
            raise OcrError(ErrorClass.INVALID_IMAGE, "no document found in the image", code="TEST.NO_DOC")
        if colour == PURPLE:
            raise OcrError(ErrorClass.CONFIGURATION, "credentials rejected", code="TEST.AUTH", http_status=401)
        if colour == BLUE or (colour == YELLOW and _attempt_number(request.image) <= 2):
            raise OcrError(ErrorClass.TRANSIENT, "vendor unavailable", code="TEST.DOWN", http_status=503)
        if colour == CYAN:
            digest = hashlib.sha256(request.image).hexdigest()
            _write_number(_folder() / f"{digest}.pid", os.getpid())  # who to kill, for fault tests
            _write_number(_folder() / f"{digest}.started", slow_read_started(digest) + 1)
            time.sleep(float(os.environ.get("SCRIPTED_SLOW_SECONDS", "4")))
        fields = {
            name: ReadField(value=value, confidence=0.97, box=Box(10, 10 + 20 * i, 200, 28 + 20 * i))
            for i, (name, value) in enumerate(SYNTHETIC_FIELDS[request.document_kind].items())
        }
        return Reading(
            provider=self.name,
            document_kind=request.document_kind,
            fields=fields,
            raw_response={"scripted": True},
            vendor_request_id="scripted-1",
        )


class SpecimenAnswerProvider:
    """Plays a vendor that reads our synthetic specimens perfectly (from their recoverable ground
    truth), optionally misreading one field, as a vendor sometimes does."""

    name = "specimen-vendor"
    misread: dict[str, str] = {}

    def read(self, request: ReadRequest) -> Reading:
        from ocr_integration.specimens import ground_truth_for_image

        truth = ground_truth_for_image(request.image)
        if truth is None:
            raise OcrError(ErrorClass.INVALID_IMAGE, "not a specimen", code="TEST.NOT_SPECIMEN")
        values = {**truth.fields, **self.misread}
        return Reading(
            provider=self.name,
            document_kind=request.document_kind,
            fields={name: ReadField(value=value, confidence=0.99) for name, value in values.items()},
            mrz_lines=truth.mrz_lines,
            raw_response={"specimen": True},
        )


class MisreadingSpecimenProvider(SpecimenAnswerProvider):
    name = "misreading-vendor"
    misread = {"document_number": "ZZ9999999"}


class UnreadBirthDateSpecimenProvider(SpecimenAnswerProvider):
    """Reads the MRZ and the visual zone but misses the printed birth date, as a reader does on a
    caption it does not know."""

    name = "unread-birth-date-vendor"

    def read(self, request: ReadRequest) -> Reading:
        reading = super().read(request)
        fields = {name: f for name, f in reading.fields.items() if name != "birth_date"}
        return Reading(self.name, reading.document_kind, fields, reading.mrz_lines, reading.raw_response)


class MrzOnlySpecimenProvider(SpecimenAnswerProvider):
    """Returns the MRZ lines and no printed field, as a general-text reader does."""

    name = "mrz-only-vendor"

    def read(self, request: ReadRequest) -> Reading:
        reading = super().read(request)
        return Reading(self.name, reading.document_kind, {}, reading.mrz_lines, reading.raw_response)


class MrzNameSlipSpecimenProvider(SpecimenAnswerProvider):
    """Reads the specimen but takes the first letter of the MRZ name that OCR confuses with a digit
    (O, I, Z, A, S, G, B) for that digit, as a reader does on a worn MRZ."""

    name = "mrz-name-slip-vendor"
    slips = {"O": "0", "I": "1", "Z": "2", "A": "4", "S": "5", "G": "6", "B": "8"}

    def read(self, request: ReadRequest) -> Reading:
        reading = super().read(request)
        first, *rest = reading.mrz_lines
        position = next(i for i in range(5, len(first)) if first[i] in self.slips)
        slipped = first[:position] + self.slips[first[position]] + first[position + 1 :]
        return Reading(self.name, reading.document_kind, reading.fields, (slipped, *rest), reading.raw_response)


class WarmUpCountingProvider(ScriptedProvider):
    """Counts warm-ups: the worker must load every provider its routing names at start."""

    name = "warm-up-counting"
    warm_ups = 0

    def warm_up(self) -> None:
        type(self).warm_ups += 1
