"""Pre-generated specimens shipped with the code, so the demo needs no fonts and no apt.

Each image ``<kind>-<seed>[-<faults>][-<preset>].<png|jpg>`` has a sidecar ``.json`` holding its
ground truth (``GroundTruth.to_json()``) plus the file name and content type. Regenerate with
``manage.py make_specimens --bundled``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ocr_integration.documents.kinds import DocumentKind

from ..model import GroundTruth

DIRECTORY = Path(__file__).resolve().parent


@dataclass(frozen=True)
class BundledSpecimen:
    path: Path
    content_type: str
    truth: GroundTruth
    degradation: str  # "clean" or the preset name

    @property
    def kind(self) -> DocumentKind:
        return self.truth.kind

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


def bundled_specimens(kind: DocumentKind | str | None = None) -> list[BundledSpecimen]:
    """The shipped specimens (optionally of one kind), in a stable order."""
    found = []
    for sidecar in sorted(DIRECTORY.glob("*.json")):
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        truth = GroundTruth.from_json(data["truth"])
        if kind is not None and truth.kind != DocumentKind(kind):
            continue
        found.append(
            BundledSpecimen(
                path=DIRECTORY / data["image"],
                content_type=data["content_type"],
                truth=truth,
                degradation=data.get("degradation", "clean"),
            )
        )
    return found
