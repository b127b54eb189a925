"""Is this photo good enough to read? The instant quality gate at upload, in plain Python.

Measures one image (decoded, downscaled to 1000 px on its long side, well under a second) and
answers, for the side that was asked for, a list of problems, each ``refuse`` or ``warn``:

- ``too_dark``: the brightest part of the photo (a page's white) is still dark: taken in the dark;
- ``no_document``: nothing that looks like a printed document (a plain colour, noise, a desk);
- ``too_small``: the document's print spans a small part of the photo: taken from too far away;
- ``blurry``: the printed text has no sharp edges left;
- ``glare``: a patch of light burns out part of the document;
- ``cut_off``: printed lines run into an edge of the photo, or one side of the printed area has
  no document edge (a long straight edge along it) before the photo's edge: two corners of the
  document are outside the photo;
- ``wrong_side``: the side does not match what was asked for: the machine-readable lines (MRZ)
  missing where they must be (passport page, Emirates ID back) or present where they cannot be
  (Emirates ID front: it is the back); the Chinese ID's red emblem on the portrait side, or no
  emblem on the emblem side.

The measures are deliberately simple (morphology on the grey image: dark strokes on a light
ground, lines of them as turned rectangles, their width, place and alignment; straight edges
around them; saturated blobs; red pixels): fast, explainable and tunable in the admin
(:class:`GateThresholds`). ``bench/quality_gate.py`` measures them on generated captures, with
the thresholds tuned on one set and measured on another. Imports nothing from Django.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageOps

WORK_SIDE_PX = 1000
MRZ_KINDS = {"passport", "emirates_id_back"}
# How far a whole document's print reaches across it, against most documents: an Emirates ID
# back's machine-readable lines run the card's full width; the emblem side of a Chinese ID
# prints one compact block. A document photographed from too far away is told by its print's
# span in the photo, so that span is measured against what the kind's print can cover.
PRINT_EXTENT = {"emirates_id_back": 1.5, "cn_id_emblem": 0.9}


@dataclass(frozen=True)
class GateThresholds:
    """Where each measure refuses (and, for some, warns). Defaults from bench/quality_gate.py."""

    min_text_fraction: float = 0.008  # share of the image in dark strokes; below: no document or blurry
    max_text_fraction: float = 0.30  # above: noise, not print
    min_text_lines: int = 1
    min_structure: float = 20.0  # below, with no print either: a plain surface, not a blurred document
    sharpness_refuse: float = 0.16  # edge steepness of the strokes (|Laplacian| / stroke contrast)
    sharpness_warn: float = 0.24
    glare_refuse: float = 0.035  # largest burnt-out patch, share of the image
    glare_warn: float = 0.015
    edge_lines_refuse: int = 2  # printed lines touching an edge of the photo
    # Sides of the print with no document edge before the photo's edge: refused from 1 up to this
    # many (0: never). More open sides than that mean no edge was found at all (a surface as light
    # as the card), not a document cut on several sides.
    open_sides_refuse: int = 1
    open_gap_refuse: float = 0.16  # ... and only when the print comes this close (share of the photo) to that edge
    # The document's edges on both sides of the print run on into one edge of the photo (the two
    # long sides of a card cut at its top both run into the top of the photo): 2 refuses; 1 would
    # refuse on one such edge (a desk's clutter makes those in good photos); 0 never.
    edges_into_frame_refuse: int = 2
    mrz_min_lines: int = 2  # MRZ lines that must be found on a passport page / Emirates ID back (0: warn only)
    mrz_back_lines: int = 3  # long, even lines on an "Emirates ID front": it is the back
    emblem_red_min: float = 0.012  # largest strongly red patch (share of the photo) below which there is no emblem
    emblem_red_refuse: float = 0.012  # ... a round one with gold stars above which a "portrait side" shows the emblem
    # The brightest part of the photo (a page's white) darker than this grey level (of 255): taken
    # in the dark; its print cannot be told from sensor noise.
    dark_refuse: float = 90.0
    dark_warn: float = 120.0
    dark_min_structure: float = 1.5  # below: a plain surface (no document), however dark
    # The document's print spans less than this share of the photo's width (or height): taken
    # from too far away; the print is too small to read.
    min_print_span: float = 0.26  # times PRINT_EXTENT for the kind


@dataclass(frozen=True)
class Problem:
    code: str  # too_dark, no_document, too_small, blurry, glare, cut_off, wrong_side
    refuse: bool
    detail: str = ""  # e.g. "back" for a wrong side: which side it looks like


@dataclass(frozen=True)
class Measures:
    text_fraction: float
    text_lines: int
    sharpness: float
    glare: float
    edge_lines: int
    mrz_lines: int
    red: float
    structure: float  # spread of brightness at a coarse scale: a blurred document still has it
    open_sides: int = 0  # sides of the print with no document edge before the photo's edge
    open_gap: float = 1.0  # the narrowest room between the print and the photo's edge on such a side
    red_disc: float = 0.0  # the largest red patch (share of the photo) when it is round: an emblem
    brightness: float = 255.0  # the brightest grey (99th percentile): a page's white, however lit
    print_span: float = 1.0  # the document's print across the photo (share of its width or height, the larger)
    # Of the document's two edges beside its print (left and right of it, or above and below), how
    # many run on into one edge of the photo, at most: 2 when the document goes on past the frame
    # there (its corners on that side are outside the photo).
    edges_into_frame: int = 0


@dataclass(frozen=True)
class GateResult:
    measures: Measures
    problems: list[Problem] = field(default_factory=list)

    @property
    def refused(self) -> Problem | None:
        """The first refusing problem (the one to tell the applicant about), if any."""
        return next((p for p in self.problems if p.refuse), None)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.refuse]


def _decode(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (WORK_SIDE_PX * 2, WORK_SIDE_PX * 2))  # JPEG: decode at a reduced scale, fast
    # Turned after the reduced decode: turning first would decode the whole picture, twice.
    image = ImageOps.exif_transpose(image)
    rgb = np.asarray(image.convert("RGB"))
    h, w = rgb.shape[:2]
    scale = WORK_SIDE_PX / max(h, w)
    if scale < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return rgb


@dataclass(frozen=True)
class _Line:
    """A printed line: strokes joined along it, as a turned rectangle (photos are not level)."""

    cx: float
    cy: float
    long: float
    short: float
    angle: float  # radians, of the long side, from the horizontal, in (-pi/2, pi/2]
    fill: float  # share of the rectangle that is ink
    box: tuple[int, int, int, int]  # x, y, w, h, upright


def _lines(joined: np.ndarray) -> list[_Line]:
    contours, _ = cv2.findContours(joined, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < 20:
            continue
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if w < h:
            w, h, angle = h, w, angle + 90
        angle = (angle + 90) % 180 - 90
        found.append(_Line(cx, cy, w, max(h, 1.0), np.radians(angle), area / max(1.0, w * h), cv2.boundingRect(contour)))
    return found


MAX_TILT = np.radians(20)  # a document photographed askew; pens and cables lie at any angle


def _is_text(line: _Line) -> bool:
    return line.long > 2.5 * line.short and 4 <= line.short <= 40 and line.fill > 0.3 and abs(line.angle) <= MAX_TILT


def _print_box(lines: list[_Line]) -> tuple[int, int, int, int] | None:
    """left, top, right, bottom of the printed lines, or None with fewer than two."""
    text = [ln.box for ln in lines if _is_text(ln)]
    if len(text) < 2:
        return None
    return (
        min(x for x, y, w, h in text), min(y for x, y, w, h in text),
        max(x + w for x, y, w, h in text), max(y + h for x, y, w, h in text),
    )


def _mrz_rows(lines: list[_Line], side: int, print_width: int) -> int:
    """The largest set of long, even lines of one height that run parallel and start and end
    together, each spanning most of the printed area's width.

    MRZ lines all have the same number of characters in one fixed-pitch font and run across the
    whole page; other printed lines on a card front are shorter, and do not line up like that."""
    candidates = [
        ln for ln in lines
        if ln.long > 10 * ln.short and ln.long > 0.25 * side and ln.long > 0.6 * print_width and ln.fill > 0.35
        and abs(ln.angle) <= MAX_TILT
    ]
    best = 0
    for a in candidates:
        direction = np.array([np.cos(a.angle), np.sin(a.angle)])
        normal = np.array([-direction[1], direction[0]])
        together = 0
        for b in candidates:
            offset = np.array([b.cx - a.cx, b.cy - a.cy])
            if (
                abs(np.sin(b.angle - a.angle)) < 0.05
                and abs(b.long - a.long) <= 0.06 * a.long
                and abs(b.short - a.short) <= 0.4 * a.short
                and abs(offset @ direction) <= 0.04 * a.long
                and abs(offset @ normal) <= 10 * a.short
            ):
                together += 1
        best = max(best, together)
    return best


def _covered(intervals: list[tuple[float, float]], low: float, high: float) -> float:
    """Length of [low, high] that the union of ``intervals`` covers."""
    covered, reach = 0.0, low
    for start, stop in sorted(intervals):
        start, stop = max(start, reach), min(stop, high)
        if stop > start:
            covered += stop - start
            reach = stop
    return covered


def _open_sides(grey: np.ndarray, lines: list[_Line]) -> tuple[int, float, float]:
    """How many sides of the printed area have no document edge between them and the photo's
    edge: straight edges roughly parallel to that side, outside the print, that together run
    along most of it. A document cut off by the frame has one side (two corners) with none.
    Also: the narrowest gap between the print and the photo's edge on such a side, as a share
    of the photo (1.0 with none). And how much of the photo's width or height the print spans
    (1.0 with too little print to tell).

    Worked out on the photo turned level by the print's median slant (so a card photographed
    askew keeps its edges outside its print), one strip per side (so the print's own strokes do
    not drown the edge in the line search)."""
    text = _main_print(ln for ln in lines if _is_text(ln))
    if len(text) < 2:
        return 0, 1.0, 1.0
    height, width = grey.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), float(np.degrees(np.median([ln.angle for ln in text]))), 1.0)
    # Replicated borders: a constant fill would draw a straight edge of its own.
    level = cv2.warpAffine(grey, turn, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    boxes = []
    for ln in text:
        corners = cv2.transform(cv2.boxPoints(((ln.cx, ln.cy), (ln.long, ln.short), float(np.degrees(ln.angle))))[None], turn)[0]
        boxes.append((*corners.min(axis=0), *corners.max(axis=0)))
    left, top, right, bottom = (int(round(v)) for v in _trimmed_box(boxes))
    left, top = max(0, left), max(0, top)
    right, bottom = min(width, right), min(height, bottom)
    print_span = max((right - left) / width, (bottom - top) / height)
    if right - left < 20 or bottom - top < 20:
        return 0, 1.0, print_span
    edges = cv2.Canny(cv2.GaussianBlur(level, (5, 5), 0), 15, 45)
    slack = int(0.01 * max(height, width))
    strips = {  # (edge pixels beside the print, runs along its rows (True) or columns, gap to the photo's edge)
        "left": (edges[top:bottom, : left + slack], True, left / width),
        "right": (edges[top:bottom, right - slack:], True, (width - right) / width),
        "top": (edges[: top + slack, left:right], False, top / height),
        "bottom": (edges[bottom - slack:, left:right], False, (height - bottom) / height),
    }
    open_sides, gap = 0, 1.0
    for strip, along_rows, room in strips.values():
        span = strip.shape[0] if along_rows else strip.shape[1]
        segments = None
        if strip.size and min(strip.shape) >= 3:
            segments = cv2.HoughLinesP(strip, 1, np.pi / 360, threshold=25, minLineLength=max(15, int(0.1 * span)), maxLineGap=10)
        runs = []
        for x1, y1, x2, y2 in ([] if segments is None else segments.reshape(-1, 4)):
            dx, dy = abs(int(x2) - int(x1)), abs(int(y2) - int(y1))
            if along_rows and dy > 2 * dx:
                runs.append((min(y1, y2), max(y1, y2)))
            elif not along_rows and dx > 2 * dy:
                runs.append((min(x1, x2), max(x1, x2)))
        if _covered(runs, 0, span) < 0.6 * span:
            open_sides += 1
            gap = min(gap, room)
    return open_sides, gap, print_span


def _edges_into_frame(grey: np.ndarray, lines: list[_Line]) -> int:
    """How many of the document's two edges beside its print (0, 1 or 2) run on into one edge of
    the photo, at most: a document cut by the frame at its top has its left and right edges
    running up into the top of the photo; a whole document's edges end at its corners, inside it.

    An edge counts when it lies outside the print, runs across the cut side's direction (within
    about 25 degrees), comes within 1 % of the photo's edge, reaches at least a quarter of the
    way along the print, lies within 1.5 times the print's size of it (a document's edge is close to its
    print; a keyboard or a sheet further off is not), and does not also run into the opposite
    edge of the photo (a table's edge or a keyboard crosses the whole picture)."""
    text = _main_print(ln for ln in lines if _is_text(ln))
    if len(text) < 2:
        return 0
    height, width = grey.shape
    left, top, right, bottom = _trimmed_box([(ln.box[0], ln.box[1], ln.box[0] + ln.box[2], ln.box[1] + ln.box[3]) for ln in text])
    print_w, print_h = right - left, bottom - top
    if print_w < 20 or print_h < 20:
        return 0
    edges = cv2.Canny(cv2.GaussianBlur(grey, (5, 5), 0), 15, 45)
    tol_x, tol_y = max(3, int(0.01 * width)), max(3, int(0.01 * height))
    # Outside the print only: its own strokes would make edges of their own.
    beside = edges.copy()
    beside[top:bottom, left:right] = 0
    segments = cv2.HoughLinesP(beside, 1, np.pi / 360, threshold=30, minLineLength=max(20, int(0.15 * min(print_w, print_h))), maxLineGap=15)
    # Which of the document's two edges beside the print (before it, after it) run into each
    # edge of the photo.
    into: dict[str, set[str]] = {"top": set(), "bottom": set(), "left": set(), "right": set()}
    # A card's print can be compact (the emblem side of a Chinese ID): its edges lie up to about
    # one and a half times the print's own size away from it.
    reach = 1.5 * max(print_w, print_h)
    for x1, y1, x2, y2 in ([] if segments is None else segments.reshape(-1, 4)):
        x_lo, x_hi, y_lo, y_hi = (int(v) for v in (min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)))
        if y_hi - y_lo > 2 * (x_hi - x_lo):  # runs up and down: left or right of the print
            where = "before" if x_hi <= left else "after" if x_lo >= right else None
            if where is None or min(abs(x_hi - left), abs(x_lo - right)) > reach or (y_lo <= tol_y and y_hi >= height - tol_y):
                continue
            if y_lo <= tol_y and y_hi >= top + 0.25 * print_h:
                into["top"].add(where)
            elif y_hi >= height - tol_y and y_lo <= bottom - 0.25 * print_h:
                into["bottom"].add(where)
        elif x_hi - x_lo > 2 * (y_hi - y_lo):  # runs across: above or below the print
            where = "before" if y_hi <= top else "after" if y_lo >= bottom else None
            if where is None or min(abs(y_hi - top), abs(y_lo - bottom)) > reach or (x_lo <= tol_x and x_hi >= width - tol_x):
                continue
            if x_lo <= tol_x and x_hi >= left + 0.25 * print_w:
                into["left"].add(where)
            elif x_hi >= width - tol_x and x_lo <= right - 0.25 * print_w:
                into["right"].add(where)
    return max(len(sides) for sides in into.values())


def _main_print(lines) -> list[_Line]:
    """The largest group of printed lines that lie close together: the document's own print.

    Print apart from it (a label or another sheet on the desk, a sticker beside the card) is left
    out, or its side would be taken for the document's and the document called cut off there.
    Two lines belong together when the gap between their boxes is under four line heights, more
    than any line spacing or margin inside a passport page or an ID card."""
    lines = list(lines)
    if len(lines) < 3:
        return lines
    reach = 4 * float(np.median([ln.short for ln in lines]))
    group = list(range(len(lines)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, a in enumerate(lines):
        ax, ay, aw, ah = a.box
        for j in range(i + 1, len(lines)):
            bx, by, bw, bh = lines[j].box
            gap_x = max(0, max(ax, bx) - min(ax + aw, bx + bw))
            gap_y = max(0, max(ay, by) - min(ay + ah, by + bh))
            if gap_x <= reach and gap_y <= reach:
                group[root(i)] = root(j)
    members: dict[int, list[_Line]] = {}
    for i, line in enumerate(lines):
        members.setdefault(root(i), []).append(line)
    return max(members.values(), key=lambda m: sum(ln.long * ln.short for ln in m))


def _trimmed_box(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    """The box around (left, top, right, bottom) boxes, leaving out the outermost eighth on each
    side: on a desk, a few stray strokes (a pen, another sheet's lines) pass for print."""
    k = min(len(boxes) // 8, 3)
    return (
        sorted(b[0] for b in boxes)[k], sorted(b[1] for b in boxes)[k],
        sorted((b[2] for b in boxes), reverse=True)[k], sorted((b[3] for b in boxes), reverse=True)[k],
    )


def measure(data: bytes) -> Measures:
    rgb = _decode(data)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height, width = grey.shape
    # Dark strokes on a lighter ground (print), whatever the lighting.
    strokes = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 9)))
    ink = strokes > 40
    text_fraction = float(ink.mean())
    laplacian = np.abs(cv2.Laplacian(grey, cv2.CV_32F))
    sharpness = float(laplacian[ink].mean() / max(1.0, float(strokes[ink].mean()))) if ink.sum() > 50 else 0.0
    # Strokes joined along the line: printed lines are long, thin and well filled.
    joined = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 3)))
    lines = _lines(joined)
    text = [ln for ln in lines if _is_text(ln)]
    box = _print_box(lines)
    margin = 3
    edge_lines = sum(
        1 for ln in text
        if ln.box[0] <= margin or ln.box[1] <= margin or ln.box[0] + ln.box[2] >= width - margin or ln.box[1] + ln.box[3] >= height - margin
    )
    mrz_lines = _mrz_rows(lines, max(height, width), box[2] - box[0] if box else width)
    open_sides, open_gap, print_span = _open_sides(grey, lines)
    # Burnt-out light: the darkest channel saturated, smoothed so sensor noise does not break it up.
    burnt = (cv2.GaussianBlur(rgb.min(axis=2), (5, 5), 0) >= 253).astype(np.uint8)
    _n, _l, burnt_stats, _c = cv2.connectedComponentsWithStats(burnt)
    glare = float(max((s[4] for s in burnt_stats[1:]), default=0)) / grey.size
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    reds = (((hsv[..., 0] < 8) | (hsv[..., 0] > 172)) & (hsv[..., 1] > 120) & (hsv[..., 2] > 90)).astype(np.uint8)
    # The emblem is one red disc: the largest red patch (closed over the gold stars), not red
    # scattered over a portrait or a desk.
    reds = cv2.morphologyEx(reds, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    _n, _l, red_stats, _c = cv2.connectedComponentsWithStats(reds)
    largest = max(red_stats[1:], key=lambda s: s[4], default=None)
    red = float(largest[4]) / grey.size if largest is not None else 0.0
    # ... and an emblem: round (about as wide as high) with gold stars in it; a pink face in the
    # portrait is round too, but has no gold.
    red_disc = 0.0
    if largest is not None and 0.7 <= largest[2] / max(1, largest[3]) <= 1.4:
        x, y, w, h = largest[:4]
        patch = hsv[y: y + h, x: x + w]
        gold = ((patch[..., 0] >= 15) & (patch[..., 0] <= 35) & (patch[..., 1] > 100) & (patch[..., 2] > 120)).mean()
        red_disc = red if gold >= 0.02 else 0.0
    structure = float(cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).std())
    brightness = float(np.percentile(grey, 99))
    return Measures(
        text_fraction, len(text), sharpness, glare, edge_lines, mrz_lines, red, structure, open_sides, open_gap, red_disc,
        brightness, print_span, _edges_into_frame(grey, lines),
    )


def judge(measures: Measures, *, kind: str, thresholds: GateThresholds) -> GateResult:
    t, m = thresholds, measures
    problems: list[Problem] = []
    if m.text_fraction > t.max_text_fraction:  # noise, not print
        return GateResult(measures, [Problem("no_document", True)])
    # The dark before the rest: in the dark every other measure reads as no document or blurred,
    # and "turn on a light" is what helps. Not a plain surface, though (a blue square is dark
    # too, but no lamp will make it a document): a dim photo still has some light and shade.
    if m.brightness < t.dark_refuse and m.structure >= t.dark_min_structure:
        return GateResult(measures, [Problem("too_dark", True)])
    if m.text_fraction < t.min_text_fraction and m.text_lines == 0 and m.structure < t.min_structure:
        return GateResult(measures, [Problem("no_document", True)])
    if m.brightness < t.dark_warn:
        problems.append(Problem("too_dark", False))
    if m.text_lines >= t.min_text_lines and m.print_span < t.min_print_span * PRINT_EXTENT.get(kind, 1.0):
        problems.append(Problem("too_small", True))
    elif m.text_fraction < t.min_text_fraction or m.sharpness < t.sharpness_refuse:
        problems.append(Problem("blurry", True))
    elif m.text_lines < t.min_text_lines:
        problems.append(Problem("no_document", True))
    elif m.sharpness < t.sharpness_warn:
        problems.append(Problem("blurry", False))
    if any(p.refuse for p in problems):
        return GateResult(measures, problems)
    if m.glare >= t.glare_refuse:
        problems.append(Problem("glare", True))
    elif m.glare >= t.glare_warn:
        problems.append(Problem("glare", False))
    if (
        m.edge_lines >= t.edge_lines_refuse
        or (1 <= m.open_sides <= t.open_sides_refuse and m.open_gap <= t.open_gap_refuse)
        or (t.edges_into_frame_refuse and m.edges_into_frame >= t.edges_into_frame_refuse)
    ):
        problems.append(Problem("cut_off", True))
    elif m.edge_lines:
        problems.append(Problem("cut_off", False))
    side = _side_problem(m, kind=kind, thresholds=t)
    if side is not None:
        problems.append(side)
    return GateResult(measures, problems)


def _side_problem(m: Measures, *, kind: str, thresholds: GateThresholds) -> Problem | None:
    # Three MRZ lines on an Emirates ID front are its back; fewer MRZ lines than the page has on
    # a passport page or an Emirates ID back: another side or another document (the lines are
    # found turned, so a tilted photo keeps them); a large red emblem on the Chinese ID's portrait
    # side is the other side; no red at all on the emblem side is the portrait side.
    t = thresholds
    if kind == "emirates_id_front" and m.mrz_lines >= t.mrz_back_lines:
        return Problem("wrong_side", True, "back")
    if kind in MRZ_KINDS and (m.mrz_lines < t.mrz_min_lines or m.mrz_lines == 0):
        return Problem("wrong_side", m.mrz_lines < t.mrz_min_lines, "no_mrz" if kind == "passport" else "front")
    if kind == "cn_id_portrait" and m.red_disc >= t.emblem_red_refuse:
        return Problem("wrong_side", True, "emblem")
    if kind == "cn_id_emblem" and m.red < t.emblem_red_min:
        return Problem("wrong_side", True, "portrait")
    return None


def check_capture(data: bytes, *, kind: str, thresholds: GateThresholds | None = None) -> GateResult:
    """Measure and judge one image of ``kind``; raises nothing for a decodable image."""
    return judge(measure(data), kind=kind, thresholds=thresholds or GateThresholds())
