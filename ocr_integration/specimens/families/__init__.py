"""Layout families: synthetic documents in designs this project's reader was not written against.

The original generator (``generate_specimen``) draws one design per kind, the one the embedded
reader was built on, and stamps a marker the simulator reads back. A reader measured only on it
flatters itself. Here each kind comes in several *families* modelled on real ICAO 9303 practice
(bilingual, trilingual and numbered captions, Arabic + English, Chinese + English, pages without
captions, other printed date forms, fonts, field orders and positions, textured portraits), and
some families of every kind are *held out*: a reader is tuned on the others and measured on them.
Images carry no marker, so nothing but the printed page can tell a reader what is on it.

Public API::

    FAMILIES: dict[str, Family]              # name -> Family(name, kinds, held_out, description)
    render(kind, family, seed, *, faults=(), capture="clean") -> FamilySpecimen
    tuning_families(kind) -> list[str]
    held_out_families(kind) -> list[str]
    CAPTURES = ("clean", "degraded", "photo")

The identity behind a seed is the generator's (``identities.printed``), so the two sides of an
Emirates ID or a Chinese ID rendered with the same family, seed and faults are one card, and the
faults are the generator's :class:`~ocr_integration.specimens.Fault`. ``truth.fields`` holds the
fields this family prints on that side, in canonical form; ``truth.mrz_lines`` the MRZ as printed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from ocr_integration.documents.kinds import DocumentKind

from ..model import APPLICABLE_FAULTS, Fault
from . import capture as _capture
from . import cn_id, emirates_id, passport
from ._model import CAPTURES, Family, FamilySpecimen

MAX_SEED = 2**31 - 1


def _registry() -> dict[str, Family]:
    found: dict[str, Family] = {}
    for name, (style, held_out, description) in passport.STYLES.items():
        found[name] = Family(name, (DocumentKind.PASSPORT,), held_out, description, passport.drawer(style))
    for name, (style, held_out, description) in emirates_id.STYLES.items():
        found[name] = Family(
            name, (DocumentKind.EMIRATES_ID_FRONT, DocumentKind.EMIRATES_ID_BACK), held_out, description,
            emirates_id.drawer(style),
        )
    for name, (style, held_out, description) in cn_id.STYLES.items():
        found[name] = Family(
            name, (DocumentKind.CN_ID_PORTRAIT, DocumentKind.CN_ID_EMBLEM), held_out, description, cn_id.drawer(style)
        )
    return found


FAMILIES: dict[str, Family] = _registry()


def tuning_families(kind: DocumentKind | str) -> list[str]:
    """Families of ``kind`` a reader may be tuned on."""
    kind = DocumentKind(kind)
    return [f.name for f in FAMILIES.values() if kind in f.kinds and not f.held_out]


def held_out_families(kind: DocumentKind | str) -> list[str]:
    """Families of ``kind`` kept for measuring only."""
    kind = DocumentKind(kind)
    return [f.name for f in FAMILIES.values() if kind in f.kinds and f.held_out]


def render(
    kind: DocumentKind | str,
    family: str,
    seed: int,
    *,
    faults: Iterable[Fault | str] = (),
    capture: str = "clean",
) -> FamilySpecimen:
    """Draw one side in one family through one capture; the same arguments give the same bytes.

    Raises ``ValueError`` for an unknown family or capture, a kind the family does not draw, a
    fault the kind cannot carry or a seed out of range, and
    :class:`~ocr_integration.specimens.FontsMissing` without the fonts.
    """
    kind = DocumentKind(kind)
    chosen = FAMILIES.get(family)
    if chosen is None:
        raise ValueError(f"unknown layout family {family!r}; known: {', '.join(sorted(FAMILIES))}")
    if kind not in chosen.kinds:
        raise ValueError(f"the {family} family does not draw {kind}")
    if capture not in CAPTURES:
        raise ValueError(f"unknown capture {capture!r}; choose one of {', '.join(CAPTURES)}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"specimen seeds run from 0 to {MAX_SEED}")
    fault_set = frozenset(Fault(f) for f in faults)
    unsupported = fault_set - APPLICABLE_FAULTS[kind]
    if unsupported:
        raise ValueError(f"{kind} specimens cannot carry the fault(s): {', '.join(sorted(map(str, unsupported)))}")
    # The layout's randomness (jitter, portrait, paper) does not depend on the faults, so a faulty
    # page differs from its fault-free twin only where the fault is printed.
    layout_rng = random.Random(f"kyc-family:{family}:{kind}:{seed}")
    document, truth = chosen.draw(kind, seed, fault_set, layout_rng)
    capture_rng = random.Random(f"kyc-family-capture:{family}:{kind}:{seed}:{capture}")
    image, media_type = _capture.CAPTURE_FUNCTIONS[capture](document, capture_rng)
    return FamilySpecimen(kind, seed, fault_set, family, capture, image, media_type, truth)


__all__ = [
    "CAPTURES",
    "FAMILIES",
    "Family",
    "FamilySpecimen",
    "held_out_families",
    "render",
    "tuning_families",
]
