"""Text lines on a page: cropping them straight, and finding one line relative to another."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np

from ocr_integration.documents.reading import Box


@dataclass
class TextLine:
    text: str
    score: float
    quad: np.ndarray  # 4 x 2, working-image pixels

    @property
    def left(self) -> float:
        return float(self.quad[:, 0].min())

    @property
    def right(self) -> float:
        return float(self.quad[:, 0].max())

    @property
    def top(self) -> float:
        return float(self.quad[:, 1].min())

    @property
    def bottom(self) -> float:
        return float(self.quad[:, 1].max())

    @property
    def height(self) -> float:
        """The text height along the line's own slant (the axis-aligned height grows with tilt)."""
        tl, tr, br, bl = self.quad
        return float((np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2)

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    def box(self, scale: float) -> Box:
        """The line's box in the caller's image (``scale`` = working / original pixels)."""
        return Box.around([(x / scale, y / scale) for x, y in self.quad.tolist()])


def crop(image: np.ndarray, quad: np.ndarray, *, squeeze: float = 1.0, pad: float = 0.12) -> np.ndarray:
    """The quadrilateral warped to an upright rectangle, optionally narrowed to ``squeeze`` width."""
    tl, tr, br, bl = quad.astype(np.float32)
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    # A little margin above and below: the detector's boxes hug the glyphs.
    grow = height * pad
    unit_down = (bl - tl) / max(np.linalg.norm(bl - tl), 1.0)
    src = np.array([tl - unit_down * grow, tr - unit_down * grow, br + unit_down * grow, bl + unit_down * grow], dtype=np.float32)
    out_w = max(int(round(width * squeeze)), 8)
    out_h = max(int(round(height + 2 * grow)), 8)
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(image, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


# Lookalikes the recogniser returns for Latin capitals and digits (Greek, Cyrillic, full width).
_LATIN = str.maketrans(
    {
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
        "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "А": "A", "В": "B", "Е": "E", "К": "K",
        "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I",
        "く": "<", "〈": "<", "‹": "<", "＜": "<", "«": "<<", "《": "<<", "〔": "<"
    }
)


def latin(text: str) -> str:
    """Full-width forms folded, Greek/Cyrillic lookalikes of Latin letters replaced."""
    return unicodedata.normalize("NFKC", text).translate(_LATIN)


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def label_match(text: str, label: str) -> bool:
    """True when a line starts with ``label`` (case, spaces and a trailing colon ignored)."""
    return compact(latin(text)).lower().startswith(compact(label).lower())


def after_label(text: str, label: str) -> str:
    """The part of ``text`` after ``label`` and an optional colon, when both sit in one box."""
    folded = latin(text)
    pattern = r"\s*".join(re.escape(c) for c in compact(label))
    m = re.match(rf"\s*{pattern}\s*[:：]?\s*(.*)$", folded, flags=re.IGNORECASE)
    return m.group(1).strip() if m else ""


def below(lines: list[TextLine], label: TextLine) -> TextLine | None:
    """The nearest line under ``label`` that starts near its left edge (stacked label/value)."""
    best = None
    for line in lines:
        if line is label or line.cy <= label.cy + label.height * 0.5:
            continue
        if abs(line.left - label.left) > label.height * 1.5:
            continue
        if line.top - label.bottom > label.height * 1.8:
            continue
        if best is None or line.top < best.top:
            best = line
    return best


def _row_offset(label: TextLine, line: TextLine) -> float:
    """How far ``line``'s centre lies above or below the row through ``label``, the row following
    the label's own slant (on a photo still tilted a little, a value far right of its label
    stands higher or lower than the label)."""
    tl, tr = label.quad[0], label.quad[1]
    dx = float(tr[0] - tl[0])
    slope = float(tr[1] - tl[1]) / dx if dx > 1 else 0.0
    slope = max(-0.25, min(0.25, slope))
    lc, vc = label.quad.mean(axis=0), line.quad.mean(axis=0)
    return float(vc[1] - (lc[1] + slope * (vc[0] - lc[0])))


def right_of(lines: list[TextLine], label: TextLine) -> list[TextLine]:
    """Lines on the same row, to the right of ``label``, left to right."""
    row = [
        line
        for line in lines
        if line is not label
        and line.left > label.left + (label.right - label.left) * 0.5
        and abs(_row_offset(label, line)) < max(label.height, line.height) * 0.6
    ]
    return sorted(row, key=lambda line: line.left)
