"""Finding the document in a photo and warping it flat and upright before anything is read.

A phone photo shows the document tilted (perspective), turned a few degrees and lying on
whatever was under it. The reader's layout reasoning (rows, "below", "right of") assumes an
upright page, so the document's outline is found first and the page warped to a rectangle of
the document's own proportions. A flat scan or a crop of the document alone has no outline
inside the image and is left exactly as it is.

The outline is looked for on a small copy (about 640 px), so it costs a few milliseconds: edges
(grey level and colour) are closed into bands and every closed contour is approximated by a
polygon; a convex four-cornered one that is large, nearly rectangular in its corners and of a
plausible shape wins. The inner side of the band around the document is a contour of its own,
so clutter touching the document from outside does not hide it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FIND_LONG_SIDE = 640
MIN_AREA = 0.12  # of the image: a smaller document is too small to read anyway
MAX_AREA = 0.97  # a "quad" this large is the image frame itself
MIN_CORNER_DEG = 62.0
# Measured width / height of the quad may differ from the document's by perspective and by
# the corner error; beyond this it is some other rectangle (a book, a screen, a photo).
ASPECT_TOLERANCE = 0.3


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
    edges = cv2.Canny(grey, 40, 110)
    # Colour edges: a light document on a light but coloured table differs mostly in saturation.
    saturation = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1], (5, 5), 0)
    edges |= cv2.Canny(saturation, 40, 110)
    return cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=1)


def find_document(image: np.ndarray, aspect: float | None = None) -> np.ndarray | None:
    """The document's corners (4 x 2, clockwise from top left, source pixels), or None."""
    h, w = image.shape[:2]
    factor = min(1.0, FIND_LONG_SIDE / max(h, w))
    small = cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA) if factor < 1 else image
    sh, sw = small.shape[:2]
    area = float(sh * sw)
    contours, _ = cv2.findContours(_edges(small), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    best: tuple[float, np.ndarray] | None = None
    for contour in contours:
        own_area = cv2.contourArea(contour)
        if own_area < MIN_AREA * area:
            continue
        hull = cv2.convexHull(contour)
        hull_area = cv2.contourArea(hull)
        if hull_area > MAX_AREA * area or own_area < 0.85 * hull_area:
            continue
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) != 4 or not cv2.isContourConvex(approx):
            continue
        quad = _order(approx.reshape(4, 2).astype(np.float32))
        if min(_corner_angles(quad)) < MIN_CORNER_DEG:
            continue
        width, height = _sides(quad)
        if height <= 0:
            continue
        if aspect is not None and abs(width / height - aspect) > ASPECT_TOLERANCE * aspect:
            continue
        if best is None or hull_area > best[0]:
            best = (hull_area, quad)
    if best is None:
        return None
    quad = best[1] / factor
    # The band's inner contour lies a pixel or two inside the edge: grow the quad back out.
    centre = quad.mean(axis=0)
    return (centre + (quad - centre) * 1.01).astype(np.float32)


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
