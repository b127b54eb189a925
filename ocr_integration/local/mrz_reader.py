"""Finding and reading the MRZ lines, with the check digits choosing between candidate readings.

Measured on this machine (shared notes, 2026-11-21): recognising each MRZ line narrowed to about
0.75 of its width stops the recogniser dropping ``P``/``U`` at ICAO spacing; the direction
classifier must stay off. The MRZ rows are picked from the detector's boxes by shape (the widest,
flattest lines at the bottom) and recognised narrowed; only when that reading fails its check
digits is each line read again as is, and every combination of the two readings (with fillers
re-fitted) is given to ``mrz.parse``. The first whose check digits all pass wins.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from ocr_integration.documents import mrz

from . import engine
from .layout import TextLine, compact, crop, latin

SQUEEZE = 0.75
MIN_ASPECT = 10.0
_MRZ_CHARS = re.compile(r"[A-Z0-9<]")


@dataclass
class MrzReading:
    result: mrz.MrzResult
    lines: list[TextLine]  # one per MRZ row, top to bottom (quad = the whole row)
    score: float  # mean recogniser score of the chosen readings


def clean(text: str) -> str:
    return compact(latin(text)).upper()


def looks_like_mrz(text: str) -> bool:
    cleaned = clean(text)
    if len(cleaned) < 20:
        return False
    share = sum(1 for c in cleaned if _MRZ_CHARS.match(c)) / len(cleaned)
    return share >= 0.9 and ("<" in cleaned or len(cleaned) >= 28)


def _rows(lines: list[TextLine]) -> list[list[TextLine]]:
    """Group boxes the detector split on one printed line (long filler runs can split it)."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda item: item.cy):
        if rows and abs(rows[-1][0].cy - line.cy) < 0.5 * max(rows[-1][0].height, line.height):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda item: item.left) for row in rows]


def _row_quad(row: list[TextLine]) -> np.ndarray:
    first, last = row[0].quad, row[-1].quad
    return np.array([first[0], last[1], last[2], first[3]], dtype=np.float32)


def find_rows(quads: list[np.ndarray], line_count: int) -> list[np.ndarray] | None:
    """The quads of the ``line_count`` MRZ rows by shape alone, or None."""
    shapes = [TextLine("", 0.0, q) for q in quads]
    widths = [float(np.linalg.norm(q[1] - q[0])) for q in quads]
    if not widths:
        return None
    widest = max(widths)
    candidates = [
        s for s, w in zip(shapes, widths, strict=True)
        if s.height > 0 and w / s.height >= MIN_ASPECT and w >= 0.3 * widest
    ]
    rows = _rows(candidates)
    if len(rows) < line_count:
        return None
    rows = rows[-line_count:]
    quads_out = [_row_quad(row) for row in rows]
    # MRZ rows are of equal length: reject a stack of unrelated long lines.
    lengths = [float(np.linalg.norm(q[1] - q[0])) for q in quads_out]
    if min(lengths) < 0.8 * max(lengths):
        return None
    return quads_out


def rows_from_text(page: list[TextLine], line_count: int) -> list[np.ndarray] | None:
    """Fallback: the MRZ rows found by what their text looks like."""
    rows = _rows([line for line in page if looks_like_mrz(line.text)])
    if len(rows) < line_count:
        return None
    return [_row_quad(row) for row in rows[-line_count:]]


def _fit(line: str, width: int) -> list[str]:
    """Candidate lines of exactly ``width``: fillers added to or removed from a filler run."""
    if len(line) == width:
        return [line]
    out = []
    runs = sorted(re.finditer(r"<{2,}", line), key=lambda m: -(m.end() - m.start()))
    diff = width - len(line)
    for run in runs[:2]:
        if diff > 0:
            out.append(line[: run.end()] + "<" * diff + line[run.end() :])
        elif run.end() - run.start() > -diff:
            out.append(line[: run.start()] + line[run.start() - diff :])
    out.append(line[:width] if diff < 0 else line + "<" * diff)
    return list(dict.fromkeys(out))


def _best(candidates: list[list[tuple[str, float]]], today: date) -> tuple[mrz.MrzResult, float, bool]:
    best: tuple[int, mrz.MrzResult, float] | None = None
    for combo in itertools.islice(itertools.product(*candidates), 96):
        result = mrz.parse([text for text, _ in combo], today=today, correct=True)
        score = sum(s for _, s in combo) / len(combo)
        if result.valid:
            return result, score, True
        passing = sum(1 for c in result.checks if c.ok) - len(result.errors)
        if best is None or passing > best[0]:
            best = (passing, result, score)
    assert best is not None  # product of non-empty lists
    return best[1], best[2], False


def read_rows(
    image: np.ndarray, quads: list[np.ndarray], squeezed: list[tuple[str, float]], *, width: int, today: date
) -> MrzReading:
    """Read the MRZ from its row quads, given the narrowed readings already made."""
    options = [[(variant, score) for variant in _fit(clean(text), width)] for text, score in squeezed]
    result, score, ok = _best(options, today)
    if not ok:
        as_is = engine.recognise([crop(image, q) for q in quads])
        options = [
            list(dict.fromkeys(opts + [(v, s) for v in _fit(clean(t), width)]))
            for opts, (t, s) in zip(options, as_is, strict=True)
        ]
        result, score, _ = _best(options, today)
    lines = [TextLine(line, s, q) for line, (_, s), q in zip(result.lines, squeezed, quads, strict=False)]
    return MrzReading(result, lines, score)
