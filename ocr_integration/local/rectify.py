"""Finding the document in a photo and warping it flat and upright before anything is read.

A phone photo shows the document tilted (perspective), turned a few degrees and lying on
whatever was under it. The reader's layout reasoning (rows, "below", "right of") assumes an
upright page, so the document's outline is found first and the page warped to a rectangle of
the document's own proportions. A flat scan or a crop of the document alone has no outline
inside the image and is left exactly as it is.

The outline is looked for on a small copy (about 512 px), so it costs a few milliseconds: edges
(grey level and colour) are closed into bands and every closed contour is approximated by a
polygon; a convex four-cornered one that is large, nearly rectangular in its corners and of a
plausible shape wins. The inner side of the band around the document is a contour of its own,
so clutter touching the document from outside does not hide it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FIND_LONG_SIDE = 512
MIN_AREA = 0.12  # of the image: a smaller document is too small to read anyway
MAX_AREA = 0.97  # a "quad" this large is the image frame itself
MIN_CORNER_DEG = 62.0
# Measured width / height of the quad may differ from the document's by perspective and by
# the corner error; beyond this it is some other rectangle (a book, a screen, a photo).
ASPECT_TOLERANCE = 0.3
# Each side of the outline must run along an edge for most of its length.
MIN_SUPPORT = 0.45
# Lab distance between the colours either side of a document edge (median of each strip).
BOUNDARY_CONTRAST = 8.0


@dataclass
class Rectified:
    image: np.ndarray
    # 3 x 3 homography from rectified pixels to source pixels; None when the image was kept.
    to_source: np.ndarray | None

    def source_points(self, points: np.ndarray) -> np.ndarray:
        """Points (N x 2) of the rectified image in the source image's pixels."""
        if self.to_source is None:
            return points
        mapped = cv2.perspectiveTransform(points.reshape(-1, 1, 2).astype(np.float64), self.to_source)
        return mapped.reshape(-1, 2).astype(np.float32)


def _order(quad: np.ndarray) -> np.ndarray:
    """Corners clockwise from the top left (rotation below 45 degrees assumed)."""
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    quad = quad[np.argsort(angles)]  # clockwise in image coordinates, starting near -180 deg
    # The top-left corner is the one with the smallest x + y.
    start = int(np.argmin(quad.sum(axis=1)))
    return np.roll(quad, -start, axis=0).astype(np.float32)


def _corner_angles(quad: np.ndarray) -> list[float]:
    out = []
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-6))
        out.append(float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))))
    return out


def _sides(quad: np.ndarray) -> tuple[float, float]:
    tl, tr, br, bl = quad
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(width), float(height)


def _edges(small: np.ndarray) -> np.ndarray:
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    edges = cv2.Canny(grey, 30, 90)
    # Colour edges: a light document on light paper or a light table differs mostly in hue and
    # saturation, not in brightness.
    lab = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2LAB), (5, 5), 0)
    for channel in (1, 2):
        edges |= cv2.Canny(lab[:, :, channel], 12, 36)
    saturation = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1], (5, 5), 0)
    edges |= cv2.Canny(saturation, 30, 90)
    return edges


def _plausible(quad: np.ndarray, area: float, aspect: float | None) -> bool:
    if not cv2.isContourConvex(quad.reshape(-1, 1, 2).astype(np.float32)):
        return False
    quad_area = cv2.contourArea(quad.astype(np.float32))
    if not MIN_AREA * area <= quad_area <= MAX_AREA * area:
        return False
    if min(_corner_angles(quad)) < MIN_CORNER_DEG:
        return False
    width, height = _sides(quad)
    if height <= 0:
        return False
    return aspect is None or abs(width / height - aspect) <= ASPECT_TOLERANCE * aspect


def _support(quad: np.ndarray, near_edge: np.ndarray) -> float:
    """The share of each side that runs along an edge; the weakest side counts."""
    h, w = near_edge.shape
    shares = []
    steps = np.linspace(0.05, 0.95, 40)[:, None]
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        points = np.rint(a + (b - a) * steps).astype(int)
        inside = (points[:, 0] >= 0) & (points[:, 0] < w) & (points[:, 1] >= 0) & (points[:, 1] < h)
        if inside.mean() < 0.8:
            return 0.0
        points = points[inside]
        shares.append(float(near_edge[points[:, 1], points[:, 0]].mean()))
    return min(shares) * 0.5 + sum(shares) / 8


def _boundary_sides(quad: np.ndarray, lab: np.ndarray) -> int:
    """How many sides separate two different colours (median of a strip inside vs outside).

    A document's edge has the page on one side and the table on the other; a false outline
    along a column of left-aligned captions or a row of text has paper on both sides.
    """
    h, w = lab.shape[:2]
    centre = quad.mean(axis=0)
    steps = np.linspace(0.1, 0.9, 24)[:, None]
    count = 0
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        points = a + (b - a) * steps
        normal = np.array([-(b - a)[1], (b - a)[0]], dtype=np.float32)
        normal /= max(float(np.linalg.norm(normal)), 1e-6)
        if np.dot(centre - (a + b) / 2, normal) < 0:
            normal = -normal  # pointing inwards
        strips = []
        for offset in (6.0, -6.0):
            p = np.rint(points + normal * offset).astype(int)
            p[:, 0] = np.clip(p[:, 0], 0, w - 1)
            p[:, 1] = np.clip(p[:, 1], 0, h - 1)
            strips.append(np.median(lab[p[:, 1], p[:, 0]].astype(np.float32), axis=0))
        if float(np.linalg.norm(strips[0] - strips[1])) > BOUNDARY_CONTRAST:
            count += 1
    return count


def _line_candidates(edges: np.ndarray) -> list[np.ndarray]:
    """Quadrilaterals bounded by the longest straight edges (two roughly horizontal, two vertical)."""
    sh, sw = edges.shape
    segments = cv2.HoughLinesP(edges, 1, np.pi / 180, threshold=50, minLineLength=0.15 * min(sh, sw), maxLineGap=12)
    if segments is None:
        return []
    horizontal: list[tuple[float, np.ndarray]] = []
    vertical: list[tuple[float, np.ndarray]] = []
    for x1, y1, x2, y2 in segments.reshape(-1, 4).astype(np.float64):
        length = float(np.hypot(x2 - x1, y2 - y1))
        angle = float(np.degrees(np.arctan2(y2 - y1, x2 - x1))) % 180
        # A line as (point, direction) in homogeneous form for intersections.
        line = np.cross([x1, y1, 1.0], [x2, y2, 1.0])
        if angle < 35 or angle > 145:
            horizontal.append((length, line))
        elif 55 < angle < 125:
            vertical.append((length, line))
    horizontal = _distinct(horizontal, sw / 2, axis=1)
    vertical = _distinct(vertical, sh / 2, axis=0)
    if len(horizontal) < 2 or len(vertical) < 2:
        return []
    # Every (top, bottom) x (left, right) pair at once; lines are sorted, so corners come out
    # clockwise from the top left.
    hi, hj = np.triu_indices(len(horizontal), 1)
    vi, vj = np.triu_indices(len(vertical), 1)
    top, bottom = horizontal[hi][:, None, :], horizontal[hj][:, None, :]
    left, right = vertical[vi][None, :, :], vertical[vj][None, :, :]
    corners = np.stack([np.cross(top, left), np.cross(top, right), np.cross(bottom, right), np.cross(bottom, left)], axis=2)
    corners = corners.reshape(-1, 4, 3)
    ok = np.all(np.abs(corners[:, :, 2]) > 1e-9, axis=1)
    corners = corners[ok]
    quads = corners[:, :, :2] / corners[:, :, 2:]
    return [q.astype(np.float32) for q in quads]


def _distinct(lines: list[tuple[float, np.ndarray]], at: float, *, axis: int, keep: int = 12) -> np.ndarray:
    """The longest lines, one per edge (Hough finds each edge several times), sorted by position
    (y at ``at`` for horizontal lines, x for vertical ones)."""
    out: list[np.ndarray] = []
    for _, line in sorted(lines, key=lambda item: -item[0]):
        unit = line / max(np.hypot(line[0], line[1]), 1e-9)
        if any(abs(np.dot(unit[:2], other[:2])) > 0.998 and abs(abs(unit[2]) - abs(other[2])) < 8 for other in out):
            continue
        out.append(unit)
        if len(out) == keep:
            break

    def position(line: np.ndarray) -> float:
        a, b, c = line
        # Horizontal: y where x = at; vertical: x where y = at.
        return float(-(a * at + c) / b) if axis == 1 else float(-(b * at + c) / a)

    out.sort(key=position)
    return np.array(out).reshape(-1, 3)


def _quick_filter(quads: np.ndarray, area: float, aspect: float | None) -> np.ndarray:
    """Vectorised size, shape and corner checks before the slower edge support."""
    if len(quads) == 0:
        return quads
    x, y = quads[:, :, 0], quads[:, :, 1]
    shoelace = 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1))
    ok = (shoelace >= MIN_AREA * area) & (shoelace <= MAX_AREA * area)
    edges = np.roll(quads, -1, axis=1) - quads
    lengths = np.linalg.norm(edges, axis=2)
    width = (lengths[:, 0] + lengths[:, 2]) / 2
    height = (lengths[:, 1] + lengths[:, 3]) / 2
    if aspect is not None:
        ok &= np.abs(width / np.maximum(height, 1e-6) - aspect) <= ASPECT_TOLERANCE * aspect
    prev = np.roll(edges, 1, axis=1)
    cos = -np.sum(prev * edges, axis=2) / np.maximum(lengths * np.roll(lengths, 1, axis=1), 1e-6)
    ok &= np.all(np.degrees(np.arccos(np.clip(cos, -1, 1))) >= MIN_CORNER_DEG, axis=1)
    return quads[ok]


def find_document(image: np.ndarray, aspect: float | None = None) -> np.ndarray | None:
    """The document's corners (4 x 2, clockwise from top left, source pixels), or None."""
    h, w = image.shape[:2]
    factor = min(1.0, FIND_LONG_SIDE / max(h, w))
    small = cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA) if factor < 1 else image
    sh, sw = small.shape[:2]
    area = float(sh * sw)
    edges = _edges(small)
    near_edge = cv2.dilate(edges, np.ones((5, 5), np.uint8)) > 0
    candidates: list[np.ndarray] = []
    contours, _ = cv2.findContours(cv2.dilate(edges, np.ones((3, 3), np.uint8)), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for contour in contours:
        if cv2.contourArea(contour) < MIN_AREA * area:
            continue
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) == 4:
            candidates.append(_order(approx.reshape(4, 2).astype(np.float32)))
    candidates += list(_quick_filter(np.array(_line_candidates(edges)).reshape(-1, 4, 2), area, aspect))
    scored: list[tuple[float, int, np.ndarray]] = []
    for index, quad in enumerate(candidates):
        if not _plausible(quad, area, aspect):
            continue
        support = _support(quad, near_edge)
        if support < MIN_SUPPORT:
            continue
        # The largest well-supported outline: false ones inside the document (a column of
        # left-aligned captions, the MRZ band, the portrait) are smaller than the document.
        scored.append((support + cv2.contourArea(quad) / area, index, quad))
    # Best first (the earlier candidate on a tie); the colour test across each side is the
    # costly one, so it runs only until an outline passes it.
    scored.sort(key=lambda item: (-item[0], item[1]))
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB)
    for _score, _index, quad in scored:
        if _boundary_sides(quad, lab) >= 3:
            return (quad / factor).astype(np.float32)
    return None


def rectify(image: np.ndarray, *, aspect: float | None, short_side: int) -> Rectified:
    """The document warped upright to ``short_side`` pixels high, or the image as it is.

    ``aspect`` is the document's width / height (ICAO sizes); None for kinds without a fixed
    format, which are then only straightened to the proportions measured on the photo.
    """
    quad = find_document(image, aspect)
    if quad is None:
        return Rectified(image, None)
    width, height = _sides(quad)
    # Nearly the whole image and nearly square to it: a scan with a thin margin, keep it.
    h, w = image.shape[:2]
    tl, tr, _br, bl = quad
    tilt = abs(float(np.degrees(np.arctan2(tr[1] - tl[1], tr[0] - tl[0]))))
    if width * height > 0.85 * w * h and tilt < 1.0:
        return Rectified(image, None)
    out_h = int(round(min(short_side, height * 1.15)))
    out_w = int(round(out_h * (aspect if aspect is not None else width / height)))
    target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    forward = cv2.getPerspectiveTransform(quad, target)
    warped = cv2.warpPerspective(image, forward, (out_w, out_h), flags=cv2.INTER_AREA if out_h < height else cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return Rectified(warped, np.linalg.inv(forward))
