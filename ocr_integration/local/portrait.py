"""Where the holder's photo is, so that nothing read inside it is taken for a value.

The detector finds "text" in a portrait now and then (a collar, an earring, hair against the
background) and the recogniser makes a letter of it; on the Chinese ID that stray letter lands
right after the ethnicity. A portrait is the one large, upright, rectangular region of the page
whose colour and texture are not the paper's: blocks of the page are compared with the paper
(the page's median colour), the differing ones joined, and a component of plausible size and
shape (taller than wide, a few percent of the page or more) is a portrait. Cheap: a 16 px grid.
"""

from __future__ import annotations

import cv2
import numpy as np

BLOCK = 16
MIN_SHARE = 0.035  # of the page area
MAX_SHARE = 0.35
MIN_FILL = 0.6  # component area / its bounding box


TEXT_COVER = 0.3  # of a candidate's area covered by detected text lines: a block of values
# A detected box this many times taller than the page's median box is no line of print: the
# detector's stray box in a photo (a shoulder or collar read as "9" or "中") can be most of the
# photo's height, and covered a third of it on its own.
LINE_HEIGHT_LIMIT = 2.5


def portrait_boxes(image: np.ndarray, text_quads: list[np.ndarray] | None = None) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom, working pixels) that look like a portrait photo.

    ``text_quads`` (the detector's lines) rule out a block of text: on a small or blurred scan
    a column of bold values printed close together (dates, authority) joins into one solid
    region of photo size and shape, and reading nothing inside it loses those values. The
    detector finds a stray box or two in a real photo, never lines covering a third of it.
    """
    h, w = image.shape[:2]
    gh, gw = h // BLOCK, w // BLOCK
    if gh < 4 or gw < 4:
        return []
    lab = cv2.cvtColor(cv2.resize(image, (gw * 4, gh * 4), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2LAB).astype(np.float32)
    means = cv2.resize(lab, (gw, gh), interpolation=cv2.INTER_AREA)
    grey = lab[:, :, 0]
    local_sq = cv2.resize(grey * grey, (gw, gh), interpolation=cv2.INTER_AREA)
    spread = np.sqrt(np.maximum(local_sq - means[:, :, 0] ** 2, 0))
    paper = np.median(means.reshape(-1, 3), axis=0)
    distance = np.linalg.norm(means - paper, axis=2)
    # Text is dark on paper in thin strokes: at 4 px a block its mean barely moves but its spread
    # does; a photo moves the mean (colour, shade) over whole blocks.
    differs = ((distance > 28) | ((distance > 16) & (spread > 18))).astype(np.uint8)
    # Opening drops lines of bold text (one or two blocks high) that touch the photo; a photo
    # is a solid region many blocks across.
    differs = cv2.morphologyEx(differs, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(differs, connectivity=4)
    out = []
    for i in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        share = bw * bh / float(gw * gh)
        if not MIN_SHARE <= share <= MAX_SHARE or area < MIN_FILL * bw * bh:
            continue
        if not 0.9 <= bh / bw <= 2.0:
            continue
        # A photo is printed inside the page; shade or glare reaching the edge is not one.
        if x == 0 or y == 0 or x + bw >= gw or y + bh >= gh:
            continue
        box = (x * BLOCK, y * BLOCK, (x + bw) * BLOCK, (y + bh) * BLOCK)
        if text_quads and _text_cover(box, _lines_of_print(text_quads)) > TEXT_COVER:
            continue
        out.append(box)
    return out


def _lines_of_print(quads: list[np.ndarray]) -> list[np.ndarray]:
    """The detected boxes of about a text line's height (the page's median box height or less
    than ``LINE_HEIGHT_LIMIT`` times it)."""
    heights = [float(q[:, 1].max() - q[:, 1].min()) for q in quads]
    limit = LINE_HEIGHT_LIMIT * float(np.median(heights))
    return [q for q, height in zip(quads, heights, strict=True) if height <= limit]


def _text_cover(box: tuple[int, int, int, int], quads: list[np.ndarray]) -> float:
    """The share of ``box`` covered by the text lines whose centre lies in it."""
    left, top, right, bottom = box
    covered = 0.0
    for quad in quads:
        if not inside(quad, [box]):
            continue
        x0, y0 = max(left, float(quad[:, 0].min())), max(top, float(quad[:, 1].min()))
        x1, y1 = min(right, float(quad[:, 0].max())), min(bottom, float(quad[:, 1].max()))
        covered += max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return covered / max(1.0, float((right - left) * (bottom - top)))


def inside(quad: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> bool:
    """True when the centre of ``quad`` lies in one of ``boxes``."""
    cx, cy = (float(v) for v in quad.mean(axis=0))
    return any(left <= cx <= right and top <= cy <= bottom for left, top, right, bottom in boxes)
