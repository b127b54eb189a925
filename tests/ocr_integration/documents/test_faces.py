"""The face checks' rules (ocr_integration/documents/faces.py): pure, on measured values."""

import pytest

from ocr_integration.documents.faces import (
    DuplicateFace,
    FaceThresholds,
    FrameFace,
    LivenessPolicy,
    duplicate_face_finding,
    face_match_finding,
    face_not_found_finding,
    liveness_finding,
    liveness_not_performed_finding,
)
from ocr_integration.documents.findings import Outcome

THRESHOLDS = FaceThresholds(match=0.5, mismatch=0.6)
POLICY = LivenessPolicy()
FACE = tuple([0.1] * 128)


def near(face, by):
    """A descriptor ``by`` away from ``face`` (along one axis)."""
    return (face[0] + by, *face[1:])


def frames(yaws, *, face=FACE, repeat=(), stranger=(), missing=()):
    out = []
    for i, yaw in enumerate(yaws):
        descriptor = None if i in missing else (near(face, 0.9) if i in stranger else near(face, 0.01 * i))
        signature = tuple([0.5] * 16) if i in repeat else tuple([0.1 * (i % 7)] * 16)
        out.append(FrameFace(i, i * 300, "still" if i in repeat else f"sha{i}", descriptor,
                             None if descriptor is None else yaw, signature))
    return out


LEFT_THEN_RIGHT = [0, 8, 16, 18, 9, -2, -14, -17, -8, 0]


@pytest.mark.parametrize(("distance", "outcome"), [(0.31, Outcome.PASS), (0.5, Outcome.PASS), (0.55, Outcome.WARN),
                                                   (0.6, Outcome.WARN), (0.61, Outcome.FAIL), (0.9, Outcome.FAIL)])
def test_face_match_by_distance_with_the_distance_as_evidence(distance, outcome):
    finding = face_match_finding(distance, thresholds=THRESHOLDS, document_kind="passport")
    assert (finding.code, finding.outcome) == ("FACE_MATCH", outcome)
    assert finding.evidence["distance"] == distance
    assert f"{distance:.2f}" in finding.message
    assert finding.document_kind == "passport"


def test_thresholds_are_configurable_and_checked():
    strict = FaceThresholds(match=0.4, mismatch=0.45)
    assert face_match_finding(0.42, thresholds=strict, document_kind="passport").outcome == Outcome.WARN
    with pytest.raises(ValueError):
        FaceThresholds(match=0.7, mismatch=0.6)


@pytest.mark.parametrize(("image", "frame", "named"), [("selfie", None, "the selfie"),
                                                      ("document_portrait", None, "the document portrait"),
                                                      ("liveness_frame", 4, "liveness frame 4")])
def test_face_not_found_names_the_image(image, frame, named):
    finding = face_not_found_finding(image, document_kind="selfie", frame_index=frame)
    assert (finding.code, finding.outcome) == ("FACE_NOT_FOUND", Outcome.FAIL)
    assert named in finding.message
    assert finding.evidence["image"] == image


def test_a_burst_turning_as_asked_passes():
    finding = liveness_finding(frames(LEFT_THEN_RIGHT), challenge="turn_left_then_right", selfie_descriptor=FACE,
                               policy=POLICY)
    assert (finding.code, finding.outcome) == ("LIVENESS", Outcome.PASS), finding.message
    assert finding.evidence["turn"] == 35


def test_turning_the_other_way_first_fails_as_wrong_order():
    finding = liveness_finding(frames(LEFT_THEN_RIGHT), challenge="turn_right_then_left", selfie_descriptor=FACE,
                               policy=POLICY)
    assert (finding.outcome, finding.evidence["reason"]) == (Outcome.FAIL, "wrong_order")


def test_a_still_replayed_as_the_burst_fails_as_repeated_frames():
    finding = liveness_finding(frames([0] * 10, repeat=range(10)), challenge="turn_left_then_right",
                               selfie_descriptor=FACE, policy=POLICY)
    assert (finding.outcome, finding.evidence["reason"]) == (Outcome.FAIL, "repeated_frames")
    assert "still image replayed" in finding.message


def test_near_identical_frames_count_as_repeated_even_with_other_bytes():
    burst = frames(LEFT_THEN_RIGHT)
    burst[5] = FrameFace(5, 1500, "other-bytes", burst[5].descriptor, burst[5].yaw, burst[4].signature)
    finding = liveness_finding(burst, challenge="turn_left_then_right", selfie_descriptor=FACE, policy=POLICY)
    assert (finding.evidence["reason"], finding.evidence["repeated_frames"]) == ("repeated_frames", [5])


def test_a_burst_that_does_not_turn_fails_as_no_turn():
    finding = liveness_finding(frames([0, 1, -1, 2, 0, 1, -2, 0]), challenge="turn_left_then_right",
                               selfie_descriptor=FACE, policy=POLICY)
    assert finding.evidence["reason"] == "no_turn"


def test_one_frame_jumping_is_not_a_turn():
    finding = liveness_finding(frames([0, 1, 25, 0, -1, 0, -24, 0]), challenge="turn_left_then_right",
                               selfie_descriptor=FACE, policy=POLICY)
    assert finding.evidence["reason"] == "no_turn"


def test_another_face_in_the_burst_fails_naming_the_frames():
    finding = liveness_finding(frames(LEFT_THEN_RIGHT, stranger={3}), challenge="turn_left_then_right",
                               selfie_descriptor=FACE, policy=POLICY)
    assert (finding.evidence["reason"], finding.evidence["different_frames"]) == ("different_faces", [3])


def test_a_burst_of_someone_other_than_the_selfie_fails():
    finding = liveness_finding(frames(LEFT_THEN_RIGHT), challenge="turn_left_then_right",
                               selfie_descriptor=near(FACE, 0.8), policy=POLICY)
    assert finding.evidence["reason"] == "different_faces"


def test_too_few_frames_and_frames_without_a_face_fail_with_their_reason():
    short = liveness_finding(frames([0, 15, -15]), challenge="turn_left_then_right", selfie_descriptor=FACE, policy=POLICY)
    assert short.evidence["reason"] == "too_few_frames"
    blind = liveness_finding(frames(LEFT_THEN_RIGHT, missing={2, 6}), challenge="turn_left_then_right",
                             selfie_descriptor=FACE, policy=POLICY)
    assert (blind.evidence["reason"], blind.evidence["frames_without_face"]) == ("face_missing", [2, 6])
    # The reviewer reads which frames, counted from 1, and when in the burst.
    assert "2 of the 10 liveness frames: frames 3 (at 0.6 s), 7 (at 1.8 s)" in blind.message


@pytest.mark.parametrize("declared, why", [(True, "could not do it"), (False, "no head-turn burst was received")])
def test_no_burst_is_a_warning_that_liveness_was_not_checked_never_a_pass(declared, why):
    finding = liveness_not_performed_finding(applicant_declared=declared)
    assert finding.outcome == Outcome.WARN
    assert finding.evidence == {"reason": "not_performed", "applicant_declared": declared}
    assert "Liveness was not checked" in finding.message and why in finding.message


def test_duplicate_face_lists_the_other_cases_closest_first():
    assert duplicate_face_finding([]).outcome == Outcome.PASS
    finding = duplicate_face_finding([DuplicateFace("b", "K-B", "approved", 0.41),
                                      DuplicateFace("a", "K-A", "rejected", 0.2)])
    assert finding.outcome == Outcome.WARN
    assert [o["reference"] for o in finding.evidence["other_cases"]] == ["K-A", "K-B"]
    assert "K-A, K-B" in finding.message
