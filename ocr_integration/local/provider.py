"""The embedded OCR provider: rapidocr on this machine, no vendor, nothing downloaded.

Reads every document kind the product accepts. For the MRZ sides it reads the MRZ lines with the
check digits steering the correction of OCR confusions (see ``mrz_reader``); for the visual zones
it reads the label/value layouts (see ``fields``). It never logs the text it read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

import cv2
import numpy as np

from ocr_integration.documents import bank_card
from ocr_integration.documents.kinds import KIND_LABELS, DocumentKind
from ocr_integration.documents.mrz import MrzResult
from ocr_integration.documents.mrz import parse as mrz_parse
from ocr_integration.documents.reading import Box, ReadField, Reading
from ocr_integration.provider import MAX_IMAGE_PIXELS, ErrorClass, OcrError, ReadRequest

from . import engine, fields, mrz_reader, portrait, rectify, word_gaps
from .layout import TextLine, crop

logger = logging.getLogger(__name__)

# Working resolution: the detector is given at least 736 px on the short side anyway; more only
# costs time (the whole-page pass is the slow part).
WORK_SHORT_SIDE = 800
MIN_SHORT_SIDE = 120
MIN_LINE_SCORE = 0.5
MAX_PIXELS = MAX_IMAGE_PIXELS  # shared with kyc/uploads/prepare.py: what is accepted, the engine reads

_MRZ_SHAPE = {DocumentKind.PASSPORT: (2, 44), DocumentKind.EMIRATES_ID_BACK: (3, 30)}
# Sides that carry the holder's photo: what the detector finds inside it is not read.
_WITH_PORTRAIT = frozenset({DocumentKind.PASSPORT, DocumentKind.EMIRATES_ID_FRONT, DocumentKind.CN_ID_PORTRAIT})
# Width / height of each format (ICAO 9303: TD3 page 125 x 88 mm, ID-1 card 85.6 x 54 mm); the
# rectifier restores these proportions, which a tilted photo foreshortens.
_ASPECT = {
    DocumentKind.PASSPORT: 125.0 / 88.0,
    DocumentKind.EMIRATES_ID_FRONT: 85.6 / 54.0,
    DocumentKind.EMIRATES_ID_BACK: 85.6 / 54.0,
    DocumentKind.CN_ID_PORTRAIT: 85.6 / 54.0,
    DocumentKind.CN_ID_EMBLEM: 85.6 / 54.0,
    DocumentKind.BANK_CARD: 85.6 / 54.0,
}

warm_up = engine.warm_up


def _decode(data: bytes) -> np.ndarray:
    if not data:
        raise OcrError(ErrorClass.INVALID_IMAGE, "The file is empty.", code="empty_image")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise OcrError(
            ErrorClass.INVALID_IMAGE,
            "The file is not an image we can read; upload a JPEG or PNG photo of the document.",
            code="not_an_image",
        )
    h, w = image.shape[:2]
    if min(h, w) < MIN_SHORT_SIDE or h * w > MAX_PIXELS:
        raise OcrError(
            ErrorClass.INVALID_IMAGE,
            f"The image is {w} x {h} pixels; take a photo between {MIN_SHORT_SIDE} px on the short"
            f" side and {MAX_PIXELS // 1_000_000} megapixels.",
            code="image_size",
        )
    return image


@dataclass
class _Working:
    """The image the engine reads and the way back to the caller's pixels."""

    image: np.ndarray
    scale: float  # working / source pixels when only resized
    rectified: rectify.Rectified | None  # set when the document was found and warped upright
    source_size: tuple[int, int]  # width, height of the caller's image

    def box(self, quad: np.ndarray) -> Box:
        """A working-image quadrilateral as a box in the caller's image (clipped to it)."""
        if self.rectified is not None:
            points = self.rectified.source_points(quad)
        else:
            points = quad / self.scale
        w, h = self.source_size
        points = np.clip(points, [0, 0], [w - 1, h - 1])
        return Box.around(points.tolist())


def _working(image: np.ndarray, kind: DocumentKind, *, flatten: bool = True) -> _Working:
    h, w = image.shape[:2]
    flat = rectify.rectify(image, aspect=_ASPECT.get(kind), short_side=WORK_SHORT_SIDE) if flatten else None
    if flat is not None and flat.to_source is not None:
        return _Working(flat.image, 1.0, flat, (w, h))
    scale = min(1.0, WORK_SHORT_SIDE / min(h, w))
    if scale == 1.0:
        return _Working(image, 1.0, None, (w, h))
    resized = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return _Working(resized, scale, None, (w, h))


def _no_document(kind: DocumentKind, what: str) -> OcrError:
    return OcrError(
        ErrorClass.INVALID_IMAGE,
        f"No {what} found in this image of the {KIND_LABELS[kind].lower()}."
        " Take a sharp photo of the whole document, flat and well lit, filling most of the frame.",
        code="no_document",
    )


def _inside_any(quad: np.ndarray, rows: list[np.ndarray]) -> bool:
    """True when the centre of ``quad`` lies within one of the row quads."""
    centre = quad.mean(axis=0)
    for row in rows:
        if cv2.pointPolygonTest(row.reshape(-1, 1, 2).astype(np.float32), (float(centre[0]), float(centre[1])), False) >= 0:
            return True
    return False


def _reread_row(image: np.ndarray, row: list[TextLine]) -> tuple[str, float]:
    """Recognise boxes on one printed line as a single line (left to right)."""
    first, last = row[0].quad, row[-1].quad
    quad = np.array([first[0], last[1], last[2], first[3]], dtype=np.float32)
    return engine.recognise([crop(image, quad)])[0]


def _repair_with_visual_zone(result: MrzResult, found: fields.Found, today: date) -> MrzResult | None:
    """A TD3 MRZ whose document number is taken from the visual zone, when only that settles it.

    A document number can have several check-passing corrections (``Z``/``2``), which the check
    digits cannot choose between. The printed number is taken into the line as read only when it
    makes every check pass. A wrong check digit as printed stays wrong: the visual zone repeats
    the same number. (A ``0`` read for ``O`` in a name needs no help: the MRZ parser corrects
    digits in names itself and reports it.)
    """
    if result.format != "TD3" or len(result.lines) != 2 or result.checks_ok:
        return None
    number = found.get("document_number", ("",))[0]
    if not (0 < len(number) <= 9 and number.isalnum()):
        return None
    line1, line2 = result.lines
    candidate = number.upper().ljust(9, "<") + line2[9:]
    trial = mrz_parse((line1, candidate), today=today, correct=False)
    if not trial.checks_ok:
        return None
    read1, read2 = result.read_lines
    repaired = mrz_parse((read1, candidate[:9] + read2[9:]), today=today, correct=True)
    # Keep the repair only if it leaves the MRZ no worse than it was.
    if len(repaired.failed_checks) > len(result.failed_checks) or len(repaired.errors) > len(result.errors):
        return None
    return repaired


def _name_row_read_again(result: MrzResult, page: _Page, found: fields.Found, today: date) -> MrzResult | None:
    """A TD3 MRZ whose name row is read again as is, when its narrowed reading lost characters
    and the names it gives are not the printed ones.

    The name row has no check digit: a letter the narrowed reading dropped ("DALU" for DALUN,
    with most of the fillers) passes every check, and the fillers re-fitted hide the loss. Read
    at its full width the row can come back whole. The second reading is kept only when it is
    exactly the row's width and every check still passes; it is the MRZ as printed, never the
    visual zone's names, so an MRZ that truly differs from the page still differs. Costs a
    recognition only on a page whose printed names and MRZ names disagree.
    """
    if result.format != "TD3" or not result.valid or not page.squeezed or page.mrz_quads is None:
        return None
    width = _MRZ_SHAPE[DocumentKind.PASSPORT][1]
    if len(mrz_reader.clean(page.squeezed[0][0])) >= width:
        return None
    printed = {name: found[name][0] for name in ("surname", "given_names") if name in found}
    if not printed or all(
        fields.latin_capitals(value) == fields.latin_capitals(result.fields.get(name, "")) for name, value in printed.items()
    ):
        return None
    text, _ = engine.recognise([crop(page.image, page.mrz_quads[0])])[0]
    row = mrz_reader.clean(text)
    if len(row) != width:
        return None
    again = mrz_parse((row, result.read_lines[1]), today=today, correct=True)
    return again if again.valid else None


def _mrz_as_read(result: MrzResult) -> tuple[str, ...]:
    """The MRZ lines as printed-and-recognised, for the reading.

    The check digits chose which recognition of each row to keep, but the look-alike
    corrections that made them pass (``0`` for ``O`` in a name, ``Z`` for ``2`` in a date) are
    left to the cross-checks, which make the same corrections from these lines and list each one
    as ``MRZ_CORRECTED`` evidence for the reviewer, as for any vendor's MRZ. The one repair kept
    is a document number taken from the visual zone (``_repair_with_visual_zone``): the checks
    cannot make it from the MRZ alone, and the raw response records it.
    """
    return tuple(result.read_lines)


def _space_names_like_mrz(found: fields.Found, mrz_fields: dict[str, str]) -> None:
    """The recogniser drops the space between printed names; when the printed name is the MRZ
    name letter for letter, take the MRZ's word breaks. Letters are never changed."""
    for name in ("surname", "given_names"):
        if name not in found or not mrz_fields.get(name):
            continue
        value, score, line = found[name]
        spaced = " ".join(mrz_fields[name].split())
        if value.replace(" ", "") == spaced.replace(" ", "") and value != spaced:
            found[name] = (spaced, score, line)


# Printed values of words whose lost spaces are put back from the line image (the names take the
# MRZ's word breaks instead, in ``_space_names_like_mrz``).
_WORD_FIELDS = ("place_of_birth", "issuing_authority")


def _restore_word_breaks(found: fields.Found, image: np.ndarray) -> None:
    """Spaces the recogniser dropped inside a value of words ("PASSPORTOFFICE"), put back where
    the line image shows a break between words that the recognised text has no space for.

    The line is cut at the image's word breaks and the pieces recognised on their own; the breaks
    are kept only when the pieces, joined, are the letters first read. Letters never change, and
    a line whose image shows no more breaks than its text has spaces costs no recognition.
    """
    for name in _WORD_FIELDS:
        if name not in found:
            continue
        value, score, line = found[name]
        breaks = word_gaps.word_breaks(crop(image, line.quad, pad=0.0))
        if len(breaks) <= line.text.strip().count(" "):
            continue
        texts = [text.strip() for text, _ in engine.recognise([crop(image, q) for q in word_gaps.pieces(line.quad, breaks)])]
        if not all(texts) or "".join(texts).replace(" ", "") != line.text.replace(" ", ""):
            continue
        found[name] = (word_gaps.respace(value, " ".join(texts)), score, line)


@dataclass
class _Page:
    image: np.ndarray  # working copy
    working: _Working
    lines: list[TextLine]  # recognised lines outside the MRZ
    mrz_quads: list[np.ndarray] | None
    squeezed: list[tuple[str, float]]  # narrowed readings of the MRZ rows


def _cut_by_outline(quads: list[np.ndarray], image: np.ndarray) -> bool:
    """True when text runs into the edge of a rectified image: the outline taken for the
    document's was some other line inside it (a row of text, a fold), and text was cut off."""
    h, w = image.shape[:2]
    margin = 2.0
    return any(
        q[:, 0].min() <= margin or q[:, 1].min() <= margin or q[:, 0].max() >= w - 1 - margin or q[:, 1].max() >= h - 1 - margin
        for q in quads
    )


def _recognise_page(working: _Working, kind: DocumentKind, source: np.ndarray) -> _Page:
    image = working.image
    quads = engine.detect(image)
    if working.rectified is not None and _cut_by_outline(quads, image):
        working = _working(source, kind, flatten=False)
        image = working.image
        quads = engine.detect(image)
    if not quads:
        raise _no_document(kind, "text")
    shape = _MRZ_SHAPE.get(kind)
    mrz_quads = mrz_reader.find_rows(quads, shape[0]) if shape else None
    page_quads = quads if mrz_quads is None else [q for q in quads if not _inside_any(q, mrz_quads)]
    if kind in _WITH_PORTRAIT:
        photos = portrait.portrait_boxes(image, page_quads)
        page_quads = [q for q in page_quads if not portrait.inside(q, photos)]
    # The MRZ rows (narrowed) are recognised apart from the other lines: the recogniser pads each
    # batch to its widest line, and in one call the rows (about 20 line heights wide) shared a
    # batch with the page's next widest lines, padding them to MRZ width.
    recognised = engine.recognise([crop(image, q) for q in page_quads])
    squeezed = []
    if mrz_quads is not None:
        squeezed = engine.recognise([crop(image, q, squeeze=mrz_reader.SQUEEZE) for q in mrz_quads])
    lines = [
        TextLine(text, score, quad)
        for quad, (text, score) in zip(page_quads, recognised, strict=False)
        # Below 0.5 the recogniser is guessing (the specimen marker, guilloche, a logo).
        if text.strip() and score >= MIN_LINE_SCORE
    ]
    if shape and mrz_quads is None:
        # Not found by shape: look for MRZ-like text among the recognised lines.
        mrz_quads = mrz_reader.rows_from_text(lines, shape[0])
        if mrz_quads is not None:
            squeezed = engine.recognise([crop(image, q, squeeze=mrz_reader.SQUEEZE) for q in mrz_quads])
            lines = [line for line in lines if not _inside_any(line.quad, mrz_quads)]
    if not lines and not squeezed:
        raise _no_document(kind, "readable text")
    return _Page(image, working, lines, mrz_quads, squeezed)


def _visual_fields(kind: DocumentKind, page: _Page, today: date, mrz_fields: dict[str, str]) -> fields.Found:
    """The visual-zone fields, refusing the image when the one field that proves the kind is absent.

    ``mrz_fields`` (empty without an MRZ) only helps to find and choose printed values; a value
    is never taken from the MRZ.
    """
    lines = page.lines
    if kind is DocumentKind.PASSPORT:
        return fields.passport(
            lines, mrz_fields=mrz_fields, today=today,
            read_region=lambda quads: engine.recognise([crop(page.image, q, pad=0.0) for q in quads]),
        )
    if kind is DocumentKind.EMIRATES_ID_BACK:
        return fields.emirates_id_back(lines, mrz_fields=mrz_fields)
    if kind is DocumentKind.EMIRATES_ID_FRONT:
        found, needed = fields.emirates_id_front(lines, today=today), "id_number"
        what = "Emirates ID number"
    elif kind is DocumentKind.CN_ID_PORTRAIT:
        found = fields.cn_id_portrait(
            lines, today=today,
            read_region=lambda quads: engine.recognise([crop(page.image, q, pad=0.0) for q in quads]),
        )
        needed = "id_number"
        what = "citizen ID number (公民身份号码)"
    elif kind is DocumentKind.CN_ID_EMBLEM:
        found = fields.cn_id_emblem(lines)
        needed = next(iter(found), "issuing_authority")
        what = "issuing authority or validity period"
    else:
        found = fields.bank_card_fields(lines, reread=lambda row: _reread_row(page.image, row))
        needed, what = "card_number_masked", "card number"
    if needed not in found:
        raise _no_document(kind, what)
    return found


class LocalOcrProvider:
    """The embedded engine behind the provider interface (zero-argument constructor)."""

    name = "local"

    def warm_up(self) -> float:
        """Load the models now (the worker calls this at start); seconds taken."""
        return engine.warm_up()

    def read(self, request: ReadRequest) -> Reading:
        kind = DocumentKind(request.document_kind)
        started = time.perf_counter()
        today = datetime.now(UTC).date()
        source = _decode(request.image)
        working = _working(source, kind)
        try:
            return self._read(kind, source, working, today, started)
        except OcrError:
            if working.rectified is None:
                raise
            # The outline taken for the document's was a line inside it and cut part of the
            # document off (the field that proves the kind is missing): read the photo as taken.
            return self._read(kind, source, _working(source, kind, flatten=False), today, started)

    def _read(self, kind: DocumentKind, source: np.ndarray, working: _Working, today: date, started: float) -> Reading:
        page = _recognise_page(working, kind, source)

        mrz = None
        raw_mrz: dict = {}
        if kind in _MRZ_SHAPE:
            if page.mrz_quads is None:
                raise _no_document(kind, "machine-readable zone")
            mrz = mrz_reader.read_rows(
                page.image, page.mrz_quads, page.squeezed, width=_MRZ_SHAPE[kind][1], today=today
            )
            if mrz.result.format is None or not any(c.ok for c in mrz.result.checks):
                raise _no_document(kind, "readable machine-readable zone")
            raw_mrz = {
                "score": round(mrz.score, 4),
                "boxes": [page.working.box(line.quad).to_json() for line in mrz.lines],
            }

        found = _visual_fields(kind, page, today, mrz.result.fields if mrz is not None else {})
        if kind is DocumentKind.PASSPORT and mrz is not None:
            again = _name_row_read_again(mrz.result, page, found, today)
            if again is not None:
                mrz.result = again
        if kind is DocumentKind.PASSPORT:
            _restore_word_breaks(found, page.image)
        if kind is DocumentKind.PASSPORT and mrz is not None:
            repaired = _repair_with_visual_zone(mrz.result, found, today)
            if repaired is not None:
                mrz.result = repaired
                raw_mrz["repaired_from_visual_zone"] = True
            if mrz.result.valid:
                _space_names_like_mrz(found, mrz.result.fields)
        if mrz is not None:
            raw_mrz.update(
                format=mrz.result.format,
                checks_ok=mrz.result.checks_ok,
                correction_status=mrz.result.correction_status,
                corrections=[c.to_json() for c in mrz.result.corrections],
            )
        read_fields = {
            name: ReadField(value=value, confidence=round(score, 4), box=page.working.box(line.quad))
            for name, (value, score, line) in found.items()
        }
        recognised = [
            {"text": line.text, "score": round(line.score, 4), "box": page.working.box(line.quad).to_json()}
            for line in page.lines
        ]
        if kind is DocumentKind.BANK_CARD:
            # The full card number is never stored, not even in the recognised lines kept for the reviewer.
            for line in recognised:
                line["text"] = bank_card.mask_numbers_in_text(line["text"])
        elapsed = time.perf_counter() - started
        # Counts and timings only: never the text.
        logger.info(
            "local OCR read %s: %d lines, %d fields, mrz=%s in %.2f s",
            kind, len(page.lines), len(read_fields), mrz is not None, elapsed,
        )
        return Reading(
            provider=self.name,
            document_kind=kind,
            fields=read_fields,
            mrz_lines=_mrz_as_read(mrz.result) if mrz is not None else (),
            raw_response={
                "engine": "rapidocr",
                "seconds": round(elapsed, 3),
                "working_scale": round(page.working.scale, 4),
                "rectified": page.working.rectified is not None,
                "mrz": raw_mrz,
                "lines": recognised,
            },
        )
