"""generate_specimen and ground_truth_for_image: the generator's two promises."""

from __future__ import annotations

import random
from collections.abc import Iterable

from PIL import Image

from ocr_integration.documents.kinds import DocumentKind

from . import degrade as _degrade
from . import identities, marker, render
from .model import APPLICABLE_FAULTS, MARKED_FAULTS, Degradation, Fault, GroundTruth, Specimen


def _faults(kind: DocumentKind, faults: Iterable[Fault | str]) -> frozenset[Fault]:
    chosen = frozenset(Fault(f) for f in faults)
    unsupported = chosen - APPLICABLE_FAULTS[kind]
    if unsupported:
        names = ", ".join(sorted(str(f) for f in unsupported))
        raise ValueError(f"{kind} specimens cannot carry the fault(s): {names}")
    unmarked = chosen - MARKED_FAULTS
    if unmarked:
        names = ", ".join(sorted(str(f) for f in unmarked))
        raise ValueError(f"the specimen marker has no bit for the fault(s) {names}; render them with specimens.families")
    return chosen


def ground_truth(kind: DocumentKind | str, seed: int, *, faults: Iterable[Fault | str] = ()) -> GroundTruth:
    """The ground truth of a specimen without drawing it (no fonts needed)."""
    kind = DocumentKind(kind)
    return identities.printed(kind, seed, _faults(kind, faults)).truth


def generate_specimen(
    kind: DocumentKind | str,
    seed: int,
    *,
    faults: Iterable[Fault | str] = (),
    degrade: Degradation | str | None = None,
) -> Specimen:
    """Draw one synthetic document image; the same arguments always give the same bytes.

    ``degrade`` is a :class:`Degradation`, a preset name (``light``, ``degraded``, ``heavy``,
    drawn from the seed) or ``None`` for a clean PNG. Raises ``ValueError`` for a fault the kind
    cannot carry and :class:`~ocr_integration.specimens.fonts.FontsMissing` without the fonts.
    """
    kind = DocumentKind(kind)
    fault_set = _faults(kind, faults)
    if not 0 <= seed <= marker.MAX_SEED:
        raise ValueError(f"specimen seeds run from 0 to {marker.MAX_SEED}")
    printed = identities.printed(kind, seed, fault_set)
    rng = random.Random(f"kyc-specimen-render:{kind}:{seed}")
    document = render.RENDERERS[kind](printed, rng)

    background = (rng.randint(150, 215), rng.randint(150, 210), rng.randint(140, 205))
    dw, dh = document.size
    width = round(dw / 0.84)
    side = (width - dw) // 2
    top = marker.marker_height(width) + round(0.05 * width)
    canvas = Image.new("RGB", (width, top + dh + side), background)
    canvas.paste(document, (side, top))

    if isinstance(degrade, str):
        degradation = _degrade.preset(degrade, random.Random(f"kyc-specimen-degrade:{kind}:{seed}:{degrade}"))
    else:
        degradation = degrade or Degradation()
    canvas = _degrade.apply(canvas, degradation, rng, background)
    marker.stamp(canvas, kind, seed, fault_set)
    image, content_type = _degrade.encode(canvas, degradation)
    return Specimen(kind, seed, fault_set, degradation, image, content_type, printed.truth)


def ground_truth_for_image(image: bytes) -> GroundTruth | None:
    """The ground truth of one of our specimens, or ``None`` for any other image.

    Works on re-encoded, EXIF-stripped and downscaled copies: the marker carries (kind, seed,
    faults) and the truth is rebuilt from them, deterministically and without fonts.
    """
    found = marker.read(image)
    if found is None:
        return None
    kind, seed, faults = found
    if not faults <= APPLICABLE_FAULTS[kind]:
        return None
    return identities.printed(kind, seed, faults).truth
