"""The value types of the layout families."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from ocr_integration.documents.kinds import DocumentKind

from ..model import Fault, GroundTruth

# (kind, seed, faults, rng) -> the document alone (no background) and what is printed on it.
Drawer = Callable[[DocumentKind, int, frozenset[Fault], random.Random], tuple[Image.Image, GroundTruth]]

CAPTURES = ("clean", "degraded", "photo")


@dataclass(frozen=True)
class Family:
    """One document design: captions, languages, fonts, field order and positions.

    ``held_out`` families are never looked at while tuning a reader: they measure how it does
    on designs it was not fitted to.
    """

    name: str
    kinds: tuple[DocumentKind, ...]
    held_out: bool
    description: str
    draw: Drawer = field(repr=False, compare=False)


@dataclass(frozen=True)
class FamilySpecimen:
    """One rendered image of one side, in one family, through one capture."""

    kind: DocumentKind
    seed: int
    faults: frozenset[Fault]
    family: str
    capture: str
    image: bytes
    media_type: str
    truth: GroundTruth

    @property
    def extension(self) -> str:
        return "jpg" if self.media_type == "image/jpeg" else "png"
