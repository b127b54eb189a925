"""Is this photo good enough to read? The instant quality gate at upload, in plain Python.

Measures one image (decoded, downscaled to 1000 px on its long side, well under a second) and
answers, for the side that was asked for, a list of problems, each ``refuse`` or ``warn``:

- ``no_document``: nothing that looks like a printed document (a plain colour, noise, a desk);
- ``blurry``: the printed text has no sharp edges left;
- ``glare``: a patch of light burns out part of the document;
- ``cut_off``: printed lines run into an edge of the photo (part of the document is outside it);
- ``wrong_side``: the side does not match what was asked for: the machine-readable lines (MRZ)
  missing where they must be (passport page, Emirates ID back) or present where they cannot be
  (Emirates ID front: it is the back); the Chinese ID's red emblem on the portrait side, or no
  emblem on the emblem side.

The measures are deliberately simple (morphology on the grey image: dark strokes on a light
ground, lines of them, their width and place; saturated blobs; red pixels): fast, explainable and
tunable in the admin (:class:`GateThresholds`). ``bench/quality_gate.py`` measures them on
generated captures. Imports nothing from Django.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageOps

WORK_SIDE_PX = 1000
MRZ_KINDS = {"passport", "emirates_id_back"}


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
    mrz_back_lines: int = 3  # long, even lines on an "Emirates ID front": it is the back
    emblem_red_min: float = 0.003  # share of strongly red pixels below which there is no emblem
    emblem_red_refuse: float = 0.03  # ... above which a "portrait side" shows the emblem


@dataclass(frozen=True)
class Problem:
    code: str  # no_document, blurry, glare, cut_off, wrong_side
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
    _count, _labels, stats, _centres = cv2.connectedComponentsWithStats(joined)
    lines = [(x, y, w, h) for x, y, w, h, area in stats[1:] if w > 2.5 * h and 4 <= h <= 40 and area > 0.3 * w * h]
    margin = 3
    edge_lines = sum(1 for x, y, w, h in lines if x <= margin or y <= margin or x + w >= width - margin or y + h >= height - margin)
    # An MRZ line: very long for its height, a large share of the photo's width, evenly filled.
    # MRZ lines all have the same number of characters: count the largest set of candidates that
    # start and end together (other long printed lines on a card front do not line up like that).
    candidates = [(x, w) for x, y, w, h, area in stats[1:] if w > 12 * h and w > 0.3 * width and area > 0.35 * w * h]
    mrz_lines = max(
        (sum(1 for x2, w2 in candidates if abs(x2 - x) <= 0.03 * width and abs(w2 - w) <= 0.05 * w) for x, w in candidates),
        default=0,
    )
    # Burnt-out light: the darkest channel saturated, smoothed so sensor noise does not break it up.
    burnt = (cv2.GaussianBlur(rgb.min(axis=2), (5, 5), 0) >= 253).astype(np.uint8)
    _n, _l, burnt_stats, _c = cv2.connectedComponentsWithStats(burnt)
    glare = float(max((s[4] for s in burnt_stats[1:]), default=0)) / grey.size
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    red = float((((hsv[..., 0] < 8) | (hsv[..., 0] > 172)) & (hsv[..., 1] > 120) & (hsv[..., 2] > 90)).mean())
    structure = float(cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).std())
    return Measures(text_fraction, len(lines), sharpness, glare, edge_lines, mrz_lines, red, structure)


def judge(measures: Measures, *, kind: str, thresholds: GateThresholds) -> GateResult:
    t, m = thresholds, measures
    problems: list[Problem] = []
    if m.text_fraction > t.max_text_fraction or (
        m.text_fraction < t.min_text_fraction and m.text_lines == 0 and m.structure < t.min_structure
    ):
        problems.append(Problem("no_document", True))
    elif m.text_fraction < t.min_text_fraction or m.sharpness < t.sharpness_refuse:
        problems.append(Problem("blurry", True))
    elif m.text_lines < t.min_text_lines:
        problems.append(Problem("no_document", True))
    elif m.sharpness < t.sharpness_warn:
        problems.append(Problem("blurry", False))
    if problems and problems[0].refuse:
        return GateResult(measures, problems)
    if m.glare >= t.glare_refuse:
        problems.append(Problem("glare", True))
    elif m.glare >= t.glare_warn:
        problems.append(Problem("glare", False))
    if m.edge_lines >= t.edge_lines_refuse:
        problems.append(Problem("cut_off", True))
    elif m.edge_lines:
        problems.append(Problem("cut_off", False))
    side = _side_problem(m, kind=kind, thresholds=t)
    if side is not None:
        problems.append(side)
    return GateResult(measures, problems)


def _side_problem(m: Measures, *, kind: str, thresholds: GateThresholds) -> Problem | None:
    # Refused only on strong evidence (a wrong refusal costs the applicant more than a warning):
    # three MRZ lines on an Emirates ID front are its back; a large red emblem on the Chinese ID's
    # portrait side is the other side; no red at all on the emblem side is the portrait side.
    # Missing MRZ lines where they must be only warn: small MRZ print in a distant photo is missed.
    t = thresholds
    if kind == "emirates_id_front" and m.mrz_lines >= t.mrz_back_lines:
        return Problem("wrong_side", True, "back")
    if kind in MRZ_KINDS and m.mrz_lines == 0:
        return Problem("wrong_side", False, "no_mrz" if kind == "passport" else "front")
    if kind == "cn_id_portrait" and m.red >= t.emblem_red_refuse:
        return Problem("wrong_side", True, "emblem")
    if kind == "cn_id_emblem" and m.red < t.emblem_red_min:
        return Problem("wrong_side", True, "portrait")
    return None


def check_capture(data: bytes, *, kind: str, thresholds: GateThresholds | None = None) -> GateResult:
    """Measure and judge one image of ``kind``; raises nothing for a decodable image."""
    return judge(measure(data), kind=kind, thresholds=thresholds or GateThresholds())
