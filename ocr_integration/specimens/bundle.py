"""Writing specimens to disk: the management command and the bundled demo set share this."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ocr_integration.documents.kinds import DocumentKind

from .bundled import DIRECTORY as BUNDLED_DIRECTORY
from .generator import generate_specimen
from .model import Fault

# The demo set: for each document, clean sides, a degraded capture, and one faulty document per
# finding the cross-checks can raise. Seeds are fixed so the set is reproducible.
_PAIRS = {
    "emirates_id": (DocumentKind.EMIRATES_ID_FRONT, DocumentKind.EMIRATES_ID_BACK),
    "cn_resident_id": (DocumentKind.CN_ID_PORTRAIT, DocumentKind.CN_ID_EMBLEM),
}
BUNDLED_PLAN: tuple[tuple[tuple[DocumentKind, ...], int, tuple[Fault, ...], str | None], ...] = (
    ((DocumentKind.PASSPORT,), 101, (), None),
    ((DocumentKind.PASSPORT,), 102, (), None),
    ((DocumentKind.PASSPORT,), 103, (), "degraded"),
    ((DocumentKind.PASSPORT,), 104, (Fault.EXPIRED,), None),
    ((DocumentKind.PASSPORT,), 105, (Fault.WRONG_CHECK_DIGIT,), None),
    ((DocumentKind.PASSPORT,), 106, (Fault.VZ_MRZ_MISMATCH,), None),
    (_PAIRS["emirates_id"], 201, (), None),
    (_PAIRS["emirates_id"], 202, (), "degraded"),
    (_PAIRS["emirates_id"], 203, (Fault.VZ_MRZ_MISMATCH,), None),
    (_PAIRS["emirates_id"], 204, (Fault.EXPIRED,), None),
    (_PAIRS["cn_resident_id"], 301, (), None),
    (_PAIRS["cn_resident_id"], 302, (), "degraded"),
    (_PAIRS["cn_resident_id"], 303, (Fault.ID_BIRTH_MISMATCH,), None),
    (_PAIRS["cn_resident_id"], 304, (Fault.EXPIRED,), None),
    ((DocumentKind.BANK_CARD,), 401, (), None),
    ((DocumentKind.BANK_CARD,), 402, (), "degraded"),
    ((DocumentKind.BANK_CARD,), 403, (Fault.WRONG_CHECK_DIGIT,), None),
)


def file_stem(kind: DocumentKind, seed: int, faults: Iterable[Fault], degrade: str | None) -> str:
    parts = [str(kind), str(seed), *sorted(str(f) for f in faults)]
    if degrade:
        parts.append(degrade)
    return "-".join(parts)


def write_specimen(
    directory: Path, kind: DocumentKind, seed: int, faults: Iterable[Fault], degrade: str | None
) -> Path:
    """Write ``<stem>.png|jpg`` and ``<stem>.json`` (the ground truth); return the image path."""
    faults = tuple(faults)
    specimen = generate_specimen(kind, seed, faults=faults, degrade=degrade)
    stem = file_stem(kind, seed, faults, degrade)
    image_path = directory / f"{stem}.{specimen.extension}"
    image_path.write_bytes(specimen.image)
    sidecar = {
        "image": image_path.name,
        "content_type": specimen.content_type,
        "degradation": degrade or "clean",
        "truth": specimen.truth.to_json(),
    }
    (directory / f"{stem}.json").write_text(
        json.dumps(sidecar, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return image_path


def write_bundled_set(directory: Path = BUNDLED_DIRECTORY) -> list[Path]:
    """Regenerate the shipped demo set (replacing any image or sidecar already there)."""
    for old in (*directory.glob("*.png"), *directory.glob("*.jpg"), *directory.glob("*.json")):
        old.unlink()
    written = []
    for kinds, seed, faults, degrade in BUNDLED_PLAN:
        for kind in kinds:
            written.append(write_specimen(directory, kind, seed, faults, degrade))
    return written
