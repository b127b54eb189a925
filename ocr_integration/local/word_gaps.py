"""Word breaks the recogniser dropped, put back from the printed line's own ink.

The recogniser returns a line of capitals with the space between two words sometimes lost
("PASSPORTOFFICE" for PASSPORT OFFICE). The line image still shows the break: a run of blank
columns far wider than the gaps between the letters of a word. This module finds such runs and
lets the caller recognise the pieces on either side of one; the break is put back only when the
pieces read, joined, are the letters first read. Letters are never changed, only spaces added.
"""

from __future__ import annotations

import cv2
import numpy as np

# A blank run counts as a word break when it is at least this many times the line's typical gap
# between letters and at least this fraction of the text height (the letter gaps of a blurred
# photo are a pixel or two, so the ratio alone would take noise for a break).
GAP_OVER_LETTER_GAP = 2.5
GAP_OVER_HEIGHT = 0.22


def blank_runs(line_image: np.ndarray) -> tuple[list[tuple[int, int]], int]:
    """The runs of ink-free columns between the first and the last inked column, and the height
    the measure is relative to. ``line_image`` is the upright crop of one printed line."""
    grey = cv2.cvtColor(line_image, cv2.COLOR_BGR2GRAY) if line_image.ndim == 3 else line_image
    h = grey.shape[0]
    # The middle band of the line: accents and the neighbour lines' descenders stay out of it.
    band = grey[int(h * 0.2): max(int(h * 0.8), int(h * 0.2) + 1)]
    _, ink = cv2.threshold(band, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    inked = ink.sum(axis=0) > 0
    columns = np.flatnonzero(inked)
    if columns.size == 0:
        return [], h
    runs: list[tuple[int, int]] = []
    start = None
    for x in range(int(columns[0]), int(columns[-1]) + 1):
        if not inked[x] and start is None:
            start = x
        elif inked[x] and start is not None:
            runs.append((start, x))
            start = None
    return runs, h


def word_breaks(line_image: np.ndarray) -> list[float]:
    """Where the line image shows a break between words, as fractions of its width (left to
    right); empty when every blank run is of the size of the gaps between letters."""
    runs, h = blank_runs(line_image)
    if not runs:
        return []
    widths = sorted(b - a for a, b in runs)
    letter_gap = max(float(np.median(widths)), 1.0)
    width = line_image.shape[1]
    return [
        ((a + b) / 2) / width for a, b in runs
        if (b - a) >= GAP_OVER_LETTER_GAP * letter_gap and (b - a) >= GAP_OVER_HEIGHT * h
    ]


def respace(value: str, spaced_line: str) -> str:
    """``value`` with the word breaks of ``spaced_line`` (the same letters, spaced), where the
    value's letters run inside the line's; ``value`` unchanged when they do not."""
    letters = [c for c in value if not c.isspace()]
    line_letters = [c for c in spaced_line if not c.isspace()]
    breaks_before = set()
    count = 0
    for c in spaced_line:
        if c.isspace():
            breaks_before.add(count)
        else:
            count += 1
    joined, line_joined = "".join(letters), "".join(line_letters)
    at = line_joined.find(joined)
    if not joined or at < 0 or line_joined.find(joined, at + 1) >= 0:
        return value
    out: list[str] = []
    seen = 0
    for c in value:
        if not c.isspace() and seen and (at + seen) in breaks_before and out and out[-1] != " ":
            out.append(" ")
        out.append(c)
        if not c.isspace():
            seen += 1
    return "".join(out)


def pieces(quad: np.ndarray, breaks: list[float]) -> list[np.ndarray]:
    """The line's quadrilateral cut at ``breaks`` (fractions of its width), left to right."""
    tl, tr, br, bl = quad.astype(np.float32)
    cuts = [0.0, *breaks, 1.0]
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        out.append(np.array([tl + (tr - tl) * a, tl + (tr - tl) * b, bl + (br - bl) * b, bl + (br - bl) * a],
                            dtype=np.float32))
    return out
