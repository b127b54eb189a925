"""Black out the middle digits of a bank card number on the card's image.

A reading keeps only the masked number (first six and last four digits). The stored photo would
still show the whole number to anyone who opens it, so once a card has been read (and its Luhn
digit checked on the full number), the image kept for reviewers is replaced by a copy where the
hidden digits are painted over: the same digits that the masked number hides.

The embedded engine finds the lines; any line holding a run of 12 to 19 digits (grouped by spaces
or dashes, as cards print them) is treated as a card number, whatever the reader of the case was.
Each digit's place along the line is estimated from its place in the recognised text, with a
margin of half a character either way; the painted band covers the line's full height.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr_integration.documents.bank_card import card_number_runs

from . import engine
from .layout import crop


@dataclass(frozen=True)
class MaskedImage:
    image: bytes
    content_type: str
    numbers_masked: int  # how many card-number lines were painted over (0: none was found)


def _rows(quads: list[np.ndarray], texts: list[str]) -> list[list[tuple[np.ndarray, str]]]:
    """Boxes on one printed line, left to right: the detector often cuts a number into its groups."""
    boxes = sorted(zip(quads, texts, strict=True), key=lambda box: float(box[0][:, 1].mean()))
    rows: list[list[tuple[np.ndarray, str]]] = []
    for quad, text in boxes:
        height = float(quad[:, 1].max() - quad[:, 1].min())
        if rows:
            last = rows[-1][0][0]
            last_height = float(last[:, 1].max() - last[:, 1].min())
            if abs(float(last[:, 1].mean()) - float(quad[:, 1].mean())) < 0.5 * max(height, last_height):
                rows[-1].append((quad, text))
                continue
        rows.append([(quad, text)])
    return [sorted(row, key=lambda box: float(box[0][:, 0].min())) for row in rows]


def _hidden_spans(row: list[tuple[np.ndarray, str]]) -> list[tuple[np.ndarray, int, int, int]]:
    """(box, first, last, length) for each box holding digits that a masked number hides."""
    text, owners = "", []  # owners[i]: (box index, position in that box's text) of text[i]
    for index, (_quad, box_text) in enumerate(row):
        if text:
            text += " "
            owners.append((-1, -1))
        text += box_text
        owners.extend((index, position) for position in range(len(box_text)))
    spans: dict[int, list[int]] = {}
    for run in card_number_runs(text):
        digits = [run.start() + i for i, c in enumerate(run.group(0)) if c.isdigit()]
        for position in digits[6:-4]:
            box, local = owners[position]
            spans.setdefault(box, []).append(local)
    return [(row[box][0], min(local), max(local), len(row[box][1])) for box, local in spans.items()]


def _band(quad: np.ndarray, start: float, end: float) -> np.ndarray:
    """The part of a line's quadrilateral between two fractions of its length, as a polygon."""
    tl, tr, br, bl = quad.astype(np.float32)
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    down = (bl - tl) / max(float(np.linalg.norm(bl - tl)), 1.0)
    grow = down * height * 0.2  # the detector's boxes hug the glyphs

    def along(top: np.ndarray, bottom: np.ndarray, top_end: np.ndarray, bottom_end: np.ndarray, t: float):
        return top + (top_end - top) * t, bottom + (bottom_end - bottom) * t

    top_start, bottom_start = along(tl, bl, tr, br, start)
    top_stop, bottom_stop = along(tl, bl, tr, br, end)
    return np.array(
        [top_start - grow, top_stop - grow, bottom_stop + grow, bottom_start + grow], dtype=np.int32
    )


def mask_card_numbers(image: bytes, content_type: str) -> MaskedImage:
    """The image with every card number's hidden digits painted over (unchanged bytes if none)."""
    picture = cv2.imdecode(np.frombuffer(image, dtype=np.uint8), cv2.IMREAD_COLOR)
    if picture is None:
        return MaskedImage(image, content_type, 0)
    quads = engine.detect(picture)
    texts = engine.recognise([crop(picture, quad) for quad in quads])
    painted = 0
    for row in _rows(quads, [text for text, _score in texts]):
        for quad, first, last, length in _hidden_spans(row):
            # Half a character of margin either way: glyph widths vary and the text is an estimate.
            start = max(0.0, (first - 0.5) / length)
            end = min(1.0, (last + 1.5) / length)
            cv2.fillPoly(picture, [_band(quad, start, end)], (0, 0, 0))
            painted += 1
    if not painted:
        return MaskedImage(image, content_type, 0)
    if content_type == "image/png":
        ok, encoded = cv2.imencode(".png", picture)
        kept_type = "image/png"
    else:
        ok, encoded = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 92])
        kept_type = "image/jpeg"
    if not ok:  # pragma: no cover - OpenCV encodes what it decoded
        raise RuntimeError("could not encode the masked card image")
    return MaskedImage(encoded.tobytes(), kept_type, painted)
