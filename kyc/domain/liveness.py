"""What a liveness burst must be before it is stored, in plain Python (no Django).

The checks that judge the faces in the frames (yaw, same face, near-identical frames) are the face
engine's (``ocr_integration.documents.faces``, after submission, as findings). These are only the
shape of the upload: enough frames and not too many, in the order the camera took them, within one
short movement. A burst that fails them is refused at once, with a code, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class BurstLimits:
    min_frames: int
    max_frames: int
    max_duration_ms: int


@dataclass(frozen=True)
class BurstRefusal:
    """Why a burst is refused: a stable ``code`` and the numbers its message names."""

    code: str
    params: dict


def burst_refusal(offsets_ms: Sequence[int], limits: BurstLimits) -> BurstRefusal | None:
    """The first reason the burst whose frames were taken at ``offsets_ms`` (in the order sent) is
    refused, or None when its shape is acceptable."""
    count = len(offsets_ms)
    if count < limits.min_frames:
        return BurstRefusal("liveness_too_few_frames", {"count": count, "minimum": limits.min_frames})
    if count > limits.max_frames:
        return BurstRefusal("liveness_too_many_frames", {"count": count, "maximum": limits.max_frames})
    if any(offset < 0 for offset in offsets_ms):
        return BurstRefusal("liveness_frames_out_of_order", {})
    # Strictly increasing: two frames at the same instant, or a later frame sent first, is not
    # one camera's burst (frames shuffled or copied to pass the order the challenge asks for).
    if any(later <= earlier for earlier, later in zip(offsets_ms, offsets_ms[1:], strict=False)):
        return BurstRefusal("liveness_frames_out_of_order", {})
    duration = offsets_ms[-1] - offsets_ms[0]
    if duration > limits.max_duration_ms:
        return BurstRefusal(
            "liveness_too_long", {"seconds": duration / 1000, "limit": limits.max_duration_ms / 1000}
        )
    return None
