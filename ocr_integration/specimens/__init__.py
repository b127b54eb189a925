"""Synthetic specimen documents with known ground truth (never a real person's data).

Public API::

    generate_specimen(kind, seed, *, faults=(), degrade=None) -> Specimen
    ground_truth(kind, seed, *, faults=()) -> GroundTruth           # no image, no fonts
    ground_truth_for_image(image_bytes) -> GroundTruth | None       # survives re-encoding
    bundled_specimens(kind=None) -> list[BundledSpecimen]           # pre-generated, no fonts

plus the value types :class:`Specimen`, :class:`GroundTruth`, :class:`Degradation`,
:class:`Fault` and the :class:`FontsMissing` error.

Those draw the one design the embedded reader was built on, with a marker. For measuring a
reader honestly, :mod:`ocr_integration.specimens.families` draws unmarked layout families
(some held out) through clean, scanned and photographed captures; see docs/specimens.md.
"""

from __future__ import annotations

from .bundled import BundledSpecimen, bundled_specimens
from .fonts import FontsMissing
from .generator import generate_specimen, ground_truth, ground_truth_for_image
from .model import APPLICABLE_FAULTS, Degradation, Fault, GroundTruth, Specimen

__all__ = [
    "APPLICABLE_FAULTS",
    "BundledSpecimen",
    "Degradation",
    "Fault",
    "FontsMissing",
    "GroundTruth",
    "Specimen",
    "bundled_specimens",
    "generate_specimen",
    "ground_truth",
    "ground_truth_for_image",
]
