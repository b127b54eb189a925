"""The public value types of the specimen generator."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ocr_integration.documents.kinds import DocumentKind


class Fault(StrEnum):
    """A defect put into a specimen on purpose, so that a check has something to find.

    Faults belong to the document, not to one side of it: the front and the back of an
    Emirates ID generated with the same seed and the same faults form one faulty card.
    """

    WRONG_CHECK_DIGIT = "wrong_check_digit"  # MRZ check digit, GB 11643 check char, card Luhn
    EXPIRED = "expired"  # expiry date (or the end of a Chinese ID's validity) in the past
    VZ_MRZ_MISMATCH = "vz_mrz_mismatch"  # printed birth date differs from the MRZ's
    ID_BIRTH_MISMATCH = "id_birth_mismatch"  # Chinese ID number encodes another birth date
    # Chinese ID prints the other sex than the number's sequence parity says. Layout families
    # only: the specimen marker has no bit left for it (see ``MARKED_FAULTS``).
    ID_SEX_MISMATCH = "id_sex_mismatch"


# Bit positions in the specimen marker; never renumber (old images would decode wrongly).
FAULT_BITS: dict[Fault, int] = {
    Fault.WRONG_CHECK_DIGIT: 0,
    Fault.EXPIRED: 1,
    Fault.VZ_MRZ_MISMATCH: 2,
    Fault.ID_BIRTH_MISMATCH: 3,
}
# Faults the marked generator (``generate_specimen``) can carry: the marker's four fault bits are
# all taken, so a later fault is drawn by the layout families (which carry no marker) only.
MARKED_FAULTS = frozenset(FAULT_BITS)

APPLICABLE_FAULTS: dict[DocumentKind, frozenset[Fault]] = {
    DocumentKind.PASSPORT: frozenset(
        {Fault.WRONG_CHECK_DIGIT, Fault.EXPIRED, Fault.VZ_MRZ_MISMATCH}
    ),
    DocumentKind.EMIRATES_ID_FRONT: frozenset(
        {Fault.WRONG_CHECK_DIGIT, Fault.EXPIRED, Fault.VZ_MRZ_MISMATCH}
    ),
    DocumentKind.EMIRATES_ID_BACK: frozenset(
        {Fault.WRONG_CHECK_DIGIT, Fault.EXPIRED, Fault.VZ_MRZ_MISMATCH}
    ),
    DocumentKind.CN_ID_PORTRAIT: frozenset(
        {Fault.WRONG_CHECK_DIGIT, Fault.EXPIRED, Fault.ID_BIRTH_MISMATCH, Fault.ID_SEX_MISMATCH}
    ),
    DocumentKind.CN_ID_EMBLEM: frozenset(
        {Fault.WRONG_CHECK_DIGIT, Fault.EXPIRED, Fault.ID_BIRTH_MISMATCH, Fault.ID_SEX_MISMATCH}
    ),
    DocumentKind.BANK_CARD: frozenset({Fault.WRONG_CHECK_DIGIT, Fault.EXPIRED}),
}


@dataclass(frozen=True)
class GroundTruth:
    """What is printed on a specimen, in the canonical field names of ``reading.py``.

    ``fields`` holds what a perfect reader of *this side* would report; ``mrz_lines`` the
    MRZ exactly as printed (empty for sides without one). ``extras`` holds printed values
    that have no canonical field (the full bank card number, which readings only keep
    masked; the Emirates ID's occupation line labels ...), for simulators and benches.
    """

    kind: DocumentKind
    seed: int
    faults: frozenset[Fault]
    fields: dict[str, str]
    mrz_lines: tuple[str, ...] = ()
    extras: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "kind": str(self.kind),
            "seed": self.seed,
            "faults": sorted(str(f) for f in self.faults),
            "fields": dict(self.fields),
            "mrz_lines": list(self.mrz_lines),
            "extras": dict(self.extras),
            "synthetic": True,
        }

    @classmethod
    def from_json(cls, data: dict) -> GroundTruth:
        return cls(
            kind=DocumentKind(data["kind"]),
            seed=int(data["seed"]),
            faults=frozenset(Fault(f) for f in data.get("faults", ())),
            fields={str(k): str(v) for k, v in data["fields"].items()},
            mrz_lines=tuple(data.get("mrz_lines", ())),
            extras={str(k): str(v) for k, v in data.get("extras", {}).items()},
        )


@dataclass(frozen=True)
class Degradation:
    """How a capture spoils an image. Zero / None everywhere means a clean scan."""

    jpeg_quality: int | None = None  # None: PNG
    blur_radius: float = 0.0  # Gaussian, in pixels of the full-size image
    noise_sigma: float = 0.0  # Gaussian noise, 0..255 scale
    rotation_deg: float = 0.0
    perspective: float = 0.0  # corner displacement as a fraction of the shorter side
    scale: float = 1.0  # < 1: a low-resolution capture
    glare: float = 0.0  # 0..1 strength of a bright elliptical highlight


@dataclass(frozen=True)
class Specimen:
    """One generated image and what is printed on it."""

    kind: DocumentKind
    seed: int
    faults: frozenset[Fault]
    degradation: Degradation
    image: bytes
    content_type: str
    truth: GroundTruth

    @property
    def extension(self) -> str:
        return "jpg" if self.content_type == "image/jpeg" else "png"
