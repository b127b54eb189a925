"""The face checks' rules: face match, a face not found, liveness, the same face in another case.

Pure Python on what the face engine measured (descriptors, yaw angles, frame thumbnails): no
image, no Django, no clock. Distances are dlib's Euclidean distance between 128-d descriptors;
dlib publishes 0.6 as its same-person threshold (99.38 % on LFW).

Public API:

- ``FaceThresholds``, ``LivenessPolicy``: what the site configures
- ``face_match_finding(distance, thresholds=..., document_kind=...) -> Finding``
- ``face_not_found_finding(image, document_kind=..., frame_index=None) -> Finding``
- ``FrameFace``, ``liveness_finding(frames, challenge=..., selfie_descriptor=..., policy=...) -> Finding``
- ``liveness_not_performed_finding(applicant_declared=...) -> Finding``
- ``DuplicateFace``, ``duplicate_face_finding(others) -> Finding``
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .findings import Finding, Outcome

FACE_MATCH = "FACE_MATCH"
FACE_NOT_FOUND = "FACE_NOT_FOUND"
LIVENESS = "LIVENESS"
DUPLICATE_FACE = "DUPLICATE_FACE"

MEANINGS = {
    FACE_MATCH: "The selfie's face against the document portrait's face (descriptor distance, lower is closer).",
    FACE_NOT_FOUND: "No face was found in an image that should show one (the selfie, a liveness frame or the document portrait).",
    LIVENESS: "The liveness burst: the head turned as asked, the same face throughout, no repeated frames (or that no burst was taken).",
    DUPLICATE_FACE: "The selfie's face is the face of another case's selfie.",
}
OUTCOMES = {
    FACE_MATCH: ("pass", "warn", "fail"),
    FACE_NOT_FOUND: ("fail",),
    LIVENESS: ("pass", "warn", "fail"),
    DUPLICATE_FACE: ("pass", "warn"),
}

# Images FACE_NOT_FOUND can name.
SELFIE_IMAGE = "selfie"
PORTRAIT_IMAGE = "document_portrait"
LIVENESS_FRAME_IMAGE = "liveness_frame"


@dataclass(frozen=True)
class FaceThresholds:
    """Distance at or below ``match``: the same person (pass); above ``mismatch``: not the same
    person (fail); between them the reviewer decides (warn). A document portrait is older,
    smaller and printed, so its distance to a selfie runs higher than two selfies'."""

    match: float = 0.5
    mismatch: float = 0.6
    # The same face in two cases' selfies (both live captures): stricter than the document match.
    duplicate: float = 0.45

    def __post_init__(self) -> None:
        if not 0 < self.match <= self.mismatch:
            raise ValueError("face thresholds must satisfy 0 < match <= mismatch")
        if self.duplicate <= 0:
            raise ValueError("the duplicate-face threshold must be positive")


def face_match_finding(distance: float, *, thresholds: FaceThresholds, document_kind: str) -> Finding:
    """Pass, warn or fail by the distance between the selfie's and the portrait's descriptors."""
    evidence = {
        "distance": round(float(distance), 3),
        "match_threshold": thresholds.match,
        "mismatch_threshold": thresholds.mismatch,
        "compared": [{"source": SELFIE_IMAGE}, {"source": PORTRAIT_IMAGE, "document_kind": document_kind}],
    }
    shown = f"{distance:.2f}"
    if distance <= thresholds.match:
        return Finding(FACE_MATCH, Outcome.PASS,
                       f"The selfie matches the document portrait (distance {shown}, match at {thresholds.match:.2f} or less).",
                       evidence, document_kind)
    if distance <= thresholds.mismatch:
        return Finding(FACE_MATCH, Outcome.WARN,
                       f"The selfie may not be the document holder (distance {shown}, between {thresholds.match:.2f} and "
                       f"{thresholds.mismatch:.2f}): compare the faces.", evidence, document_kind)
    return Finding(FACE_MATCH, Outcome.FAIL,
                   f"The selfie does not match the document portrait (distance {shown}, above {thresholds.mismatch:.2f}).",
                   evidence, document_kind)


def face_not_found_finding(image: str, *, document_kind: str | None, frame_index: int | None = None,
                           undecodable: bool = False) -> Finding:
    """FACE_NOT_FOUND naming the image (selfie, document portrait, or liveness frame number)."""
    evidence: dict = {"image": image}
    if frame_index is not None:
        evidence["frame_index"] = frame_index
    if undecodable:
        evidence["undecodable"] = True
    where = {
        SELFIE_IMAGE: "the selfie",
        PORTRAIT_IMAGE: "the document portrait",
        LIVENESS_FRAME_IMAGE: f"liveness frame {frame_index}" if frame_index is not None else "the liveness frames",
    }.get(image, image)
    why = "could not be decoded" if undecodable else "shows no face the engine could find"
    return Finding(FACE_NOT_FOUND, Outcome.FAIL, f"No face was found: {where} {why}.", evidence, document_kind)


@dataclass(frozen=True)
class LivenessPolicy:
    """What a burst must show. ``min_turn`` is the yaw (degrees) each way from the frames' middle
    position that counts as a turn; ``same_face`` the largest descriptor distance between any
    frame and the selfie or the first frame; ``identical_below`` the mean absolute difference
    (0..1) of two consecutive frames' face thumbnails under which they count as the same still."""

    min_frames: int = 6
    min_turn: float = 10.0
    # Frames beyond ``min_turn`` each way: one frame's landmarks can jump, a turn lasts.
    min_turn_frames: int = 2
    same_face: float = 0.6
    identical_below: float = 0.004


@dataclass(frozen=True)
class FrameFace:
    """What the engine measured on one liveness frame (``None`` descriptor: no face found)."""

    index: int
    offset_ms: int
    sha256: str
    descriptor: tuple[float, ...] | None = None
    yaw: float | None = None
    signature: tuple[float, ...] = field(default=(), repr=False)


def _distance(a: Sequence[float], b: Sequence[float]) -> float:
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)))


def _mean_abs_difference(a: Sequence[float], b: Sequence[float]) -> float:
    if not a or len(a) != len(b):
        return 1.0
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


# The first turn each challenge asks for, as a sign of the yaw: positive yaw is the applicant's own
# left in a frame that is not mirrored (ocr_integration.faces.engine.FaceAnalysis).
_FIRST_TURN_SIGN = {"turn_left_then_right": 1, "turn_right_then_left": -1}


def liveness_finding(frames: Sequence[FrameFace], *, challenge: str, selfie_descriptor: Sequence[float] | None,
                     policy: LivenessPolicy) -> Finding:
    """Pass when the burst shows one live face turning as the challenge asked; else fail with the
    reason (``evidence["reason"]``, one code) and what was measured.

    Checked in this order, the first failure being the reason: enough frames (``too_few_frames``),
    a face in every frame (``face_missing``), no frame repeated (``repeated_frames``: the same bytes
    or a face thumbnail that did not change — a still replayed as the burst), the same face in
    every frame and in the selfie (``different_faces``), a turn each way of at least
    ``min_turn`` degrees in ``min_turn_frames`` frames (``no_turn``) in the order asked
    (``wrong_order``).
    """
    ordered = sorted(frames, key=lambda f: f.index)
    evidence: dict = {"challenge": challenge, "frames": len(ordered),
                      "yaws": [round(f.yaw, 1) for f in ordered if f.yaw is not None]}
    if challenge not in _FIRST_TURN_SIGN:
        failure = _Failure("unknown_challenge", "The liveness capture answers a challenge the checks do not know.")
    else:
        failure = (_count_failure(ordered, policy) or _missing_face_failure(ordered) or _repeat_failure(ordered, policy)
                   or _stranger_failure(ordered, selfie_descriptor, policy, evidence)
                   or _turn_failure(ordered, challenge, policy, evidence))
    if failure is not None:
        return Finding(LIVENESS, Outcome.FAIL, failure.message,
                       {**evidence, "reason": failure.reason, **failure.evidence}, None)
    return Finding(LIVENESS, Outcome.PASS,
                   f"The head turned as asked ({evidence['turn']:.0f} degrees in all) over {len(ordered)} distinct frames of one face.",
                   evidence, None)


def liveness_not_performed_finding(*, applicant_declared: bool) -> Finding:
    """No head-turn burst came with the selfie: a warning, never a pass. The selfie alone does not
    show that a live person took it (a printed photo passes the face match), so the reviewer
    decides, e.g. by asking for a new selfie with the check from a device with a camera.
    ``applicant_declared``: the applicant said they could not do it (no camera, no JavaScript)."""
    why = ("the applicant said they could not do it (no camera, or a browser without JavaScript)"
           if applicant_declared else "no head-turn burst was received")
    return Finding(LIVENESS, Outcome.WARN,
                   f"Liveness was not checked: {why}. The selfie alone does not show that a live person took it.",
                   {"reason": "not_performed", "applicant_declared": applicant_declared}, None)


@dataclass(frozen=True)
class _Failure:
    reason: str
    message: str
    evidence: dict = field(default_factory=dict)


def _listed(indexes: Sequence[int]) -> str:
    return ", ".join(map(str, indexes))


def _count_failure(ordered: Sequence[FrameFace], policy: LivenessPolicy) -> _Failure | None:
    if len(ordered) >= policy.min_frames:
        return None
    return _Failure("too_few_frames", f"The liveness capture has {len(ordered)} frames; at least {policy.min_frames} are needed.")


def _missing_face_failure(ordered: Sequence[FrameFace]) -> _Failure | None:
    missing = [f for f in ordered if f.descriptor is None]
    if not missing:
        return None
    # Counted from 1 for the reviewer, with the moment in the burst; the evidence keeps the
    # stored frame indexes (from 0).
    named = ", ".join(f"{f.index + 1} (at {f.offset_ms / 1000:.1f} s)" for f in missing)
    return _Failure("face_missing", f"No face was found in {len(missing)} of the {len(ordered)} liveness frames: "
                    f"{'frame' if len(missing) == 1 else 'frames'} {named}.",
                    {"frames_without_face": [f.index for f in missing],
                     "frames_without_face_at_ms": [f.offset_ms for f in missing]})


def _repeat_failure(ordered: Sequence[FrameFace], policy: LivenessPolicy) -> _Failure | None:
    repeated = [after.index for before, after in zip(ordered, ordered[1:], strict=False)
                if before.sha256 == after.sha256
                or _mean_abs_difference(before.signature, after.signature) < policy.identical_below]
    if not repeated:
        return None
    return _Failure("repeated_frames", f"Liveness frames repeat the frame before them ({_listed(repeated)}): "
                    "a still image replayed, not a moving face.", {"repeated_frames": repeated})


def _stranger_failure(ordered: Sequence[FrameFace], selfie_descriptor, policy: LivenessPolicy,
                      evidence: dict) -> _Failure | None:
    reference = selfie_descriptor if selfie_descriptor is not None else ordered[0].descriptor
    distances = [_distance(f.descriptor, reference) for f in ordered]
    evidence["largest_distance"] = round(max(distances), 3)
    strangers = [f.index for f, d in zip(ordered, distances, strict=True) if d > policy.same_face]
    if not strangers:
        return None
    against = "the selfie" if selfie_descriptor is not None else "the first frame"
    return _Failure("different_faces", f"Liveness frames {_listed(strangers)} show a different face from {against}.",
                    {"different_frames": strangers})


def _turn_failure(ordered: Sequence[FrameFace], challenge: str, policy: LivenessPolicy, evidence: dict) -> _Failure | None:
    yaws = [f.yaw for f in ordered]
    # The middle position is the median yaw: a burst that starts turned does not shift it much.
    middle = sorted(yaws)[len(yaws) // 2]
    sign = _FIRST_TURN_SIGN[challenge]
    first = [i for i, y in enumerate(yaws) if sign * (y - middle) >= policy.min_turn]
    second = [i for i, y in enumerate(yaws) if -sign * (y - middle) >= policy.min_turn]
    evidence["turn"] = round(max(yaws) - min(yaws), 1)
    needed = policy.min_turn_frames
    if len(first) < needed or len(second) < needed:
        return _Failure("no_turn", f"The head did not turn both ways by {policy.min_turn:.0f} degrees or more "
                        f"(it turned {evidence['turn']:.0f} degrees in all).")
    if second[needed - 1] < first[needed - 1]:
        return _Failure("wrong_order", "The head turned the other way first: the burst does not answer the challenge asked.")
    return None


@dataclass(frozen=True)
class DuplicateFace:
    """Another case whose selfie shows the same face, and how close it is."""

    case_id: str
    reference: str
    state: str
    distance: float


def duplicate_face_finding(others: Sequence[DuplicateFace]) -> Finding:
    """Pass when no other case has this face; warn naming the other cases (closest first)."""
    if not others:
        return Finding(DUPLICATE_FACE, Outcome.PASS, "No other case's selfie shows this face.", {}, SELFIE_IMAGE)
    closest = sorted(others, key=lambda o: o.distance)
    listed = [{"case_id": o.case_id, "reference": o.reference, "state": o.state, "distance": round(o.distance, 3)}
              for o in closest]
    where = "another case" if len(closest) == 1 else f"{len(closest)} other cases"
    return Finding(DUPLICATE_FACE, Outcome.WARN,
                   f"The same face is in {where}: {', '.join(o.reference for o in closest)}.",
                   {"other_cases": listed}, SELFIE_IMAGE)
