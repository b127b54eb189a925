"""The face checks of a case (issue 19): the selfie against the document portrait, the liveness
burst, and the same face behind another case.

Called by the check pipeline (kyc.services.readings) beside the document cross-checks, outside
any transaction (the engine takes a fraction of a second per image): the findings it returns are
stored with the others, in the same check run, before the case is ready for review.

The selfie's descriptor is kept encrypted (kyc.models.FaceDescriptor) with keyed LSH bucket
digests (kyc.privacy.face_index) so that later cases find it without the table being decrypted;
only the candidates' descriptors are decrypted, to measure their exact distance.

Nothing here logs an image, a landmark or a descriptor.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F

from kyc.models import Case, Document, FaceDescriptor, FaceIndexEntry, LivenessCapture
from kyc.models.faces import BucketIn
from kyc.privacy import face_index
from ocr_integration import services as engine
from ocr_integration.documents import faces as rules
from ocr_integration.documents.findings import Finding, Outcome
from ocr_integration.documents.kinds import DocumentKind

logger = logging.getLogger(__name__)

# The side that carries the holder's photo, per document type.
PORTRAIT_KINDS = (DocumentKind.PASSPORT, DocumentKind.EMIRATES_ID_FRONT, DocumentKind.CN_ID_PORTRAIT)
# Candidates whose descriptors are decrypted per search (those in the most probed buckets first:
# at 100k cases a second selfie 0.45 away is among the first 100 97 % of the time, the first 200
# 97.5 %, the first 50 95 %: bench/face_index_tuning.py), and other cases listed in a finding.
SEARCH_CANDIDATES = 100
DUPLICATES_LISTED = 10


def face_thresholds() -> rules.FaceThresholds:
    return rules.FaceThresholds(match=settings.FACE_MATCH_THRESHOLD, mismatch=settings.FACE_MISMATCH_THRESHOLD,
                                duplicate=settings.FACE_DUPLICATE_THRESHOLD)


def liveness_policy() -> rules.LivenessPolicy:
    return rules.LivenessPolicy(min_frames=settings.LIVENESS_MIN_FRAMES, min_turn=settings.LIVENESS_MIN_TURN_DEGREES,
                                same_face=settings.FACE_MISMATCH_THRESHOLD)


@dataclass(frozen=True)
class _Seen:
    """One image as the engine saw it: its face (None: no face) or that it could not be decoded."""

    face: engine.FaceAnalysis | None
    undecodable: bool = False


def _look_at(image: bytes) -> _Seen:
    try:
        return _Seen(engine.analyse_face(image))
    except engine.FaceImageError:
        return _Seen(None, undecodable=True)


def _image_bytes(field_file) -> bytes:
    with field_file.open("rb") as stream:
        return stream.read()


def case_face_findings(*, case: Case, current_kinds: frozenset[str] | None = None) -> list[Finding]:
    """FACE_MATCH, FACE_NOT_FOUND, LIVENESS and DUPLICATE_FACE for a case with a selfie (none for a
    case without one). Indexes the selfie's face for later cases' duplicate search (replacing an
    earlier selfie's). Reads and computes; its only writes are the case's own descriptor rows.

    ``current_kinds``: the kinds of the case's current documents, when the caller has just read
    them (a case without a selfie then costs no query here).

    A failure of the engine itself (a bug, a missing model file) does not hold the case back: it
    becomes CHECK_ERROR, and the reviewer compares the faces by eye."""
    if current_kinds is not None and DocumentKind.SELFIE.value not in current_kinds:
        return []
    try:
        return _face_findings(case)
    except Exception as exc:
        # The class only: an engine message could quote a path under the case's folder.
        logger.exception("the face checks of case %s could not run (%s)", case.id, type(exc).__name__)
        return [Finding("CHECK_ERROR", Outcome.FAIL,
                        "The face checks could not run on this case; compare the selfie with the portrait by eye.",
                        {"check": "faces", "error": type(exc).__name__}, None)]


def _face_findings(case: Case) -> list[Finding]:
    selfie_document = _current(case, [DocumentKind.SELFIE])
    if selfie_document is None:
        return []
    findings: list[Finding] = []
    selfie = _look_at(_image_bytes(selfie_document.file))
    if selfie.face is None:
        findings.append(rules.face_not_found_finding(rules.SELFIE_IMAGE, document_kind=DocumentKind.SELFIE.value,
                                                     undecodable=selfie.undecodable))
    findings += _portrait_findings(case, selfie_document, selfie.face)
    findings += _liveness_findings(case, selfie.face)
    if selfie.face is not None:
        case_index_face(case=case, document=selfie_document, descriptor=selfie.face.descriptor)
        findings.append(rules.duplicate_face_finding(_same_faces(case, selfie.face.descriptor)))
    return findings


def _current(case: Case, kinds) -> Document | None:
    return (case.documents.filter(is_current=True, kind__in=[k.value for k in kinds])
            .order_by("-created_at").first())


def _portrait_findings(case: Case, selfie_document: Document, selfie_face) -> list[Finding]:
    portrait_document = _current(case, PORTRAIT_KINDS)
    if portrait_document is None:
        return []
    portrait = _look_at(_image_bytes(portrait_document.file))
    if portrait.face is None:
        return [rules.face_not_found_finding(rules.PORTRAIT_IMAGE, document_kind=portrait_document.kind,
                                             undecodable=portrait.undecodable)]
    if selfie_face is None:
        return []
    finding = rules.face_match_finding(engine.face_distance(selfie_face.descriptor, portrait.face.descriptor),
                                       thresholds=face_thresholds(), document_kind=portrait_document.kind)
    # Where the two faces are, for the reviewer's side-by-side view (ids and boxes, no pixels).
    return [replace(finding, evidence={
        **finding.evidence,
        "selfie": {"document_id": str(selfie_document.id), "box": list(selfie_face.box)},
        "portrait": {"document_id": str(portrait_document.id), "box": list(portrait.face.box)},
    })]


def _liveness_findings(case: Case, selfie_face) -> list[Finding]:
    capture = (LivenessCapture.objects.filter(case=case, is_current=True).prefetch_related("frames").first())
    if capture is None:
        # The applicant had no camera or no JavaScript (or the case came without a burst):
        # shown to the reviewer as not performed, never a silent pass.
        return [rules.liveness_not_performed_finding(applicant_declared=case.liveness_skipped_at is not None)]
    frames = []
    for frame in capture.frames.all():
        image = _image_bytes(frame.file)
        seen = _look_at(image)
        face = seen.face
        frames.append(rules.FrameFace(
            index=frame.index, offset_ms=frame.offset_ms,
            # The bytes as stored: the frame row's own hash is of the bytes as sent.
            sha256=hashlib.sha256(image).hexdigest(),
            descriptor=face.descriptor if face else None, yaw=face.yaw if face else None,
            signature=face.signature if face else (),
        ))
    return [rules.liveness_finding(frames, challenge=capture.challenge,
                                   selfie_descriptor=selfie_face.descriptor if selfie_face else None,
                                   policy=liveness_policy())]


@transaction.atomic
def case_index_face(*, case: Case, document: Document, descriptor) -> FaceDescriptor:
    """Keep the case's selfie descriptor (encrypted) and its bucket digests, replacing earlier ones.
    Not audited, like the search digests: it records no new fact, only a derived form of the
    selfie whose upload is audited."""
    FaceDescriptor.objects.filter(case=case).delete()
    stored = FaceDescriptor.objects.create(case=case, document=document,
                                           descriptor=face_index.encode_descriptor(descriptor))
    FaceIndexEntry.objects.bulk_create(
        [FaceIndexEntry(descriptor=stored, case=case, bucket=bucket)
         for bucket in dict.fromkeys(face_index.bucket_digests(descriptor))],
        ignore_conflicts=True,
    )
    return stored


def face_search(descriptor, *, exclude_case_id=None, threshold: float | None = None) -> list[rules.DuplicateFace]:
    """Other (not erased) cases whose selfie is within ``threshold`` of ``descriptor``, closest first.

    One query: the candidates are found over the bucket index alone (bucket, descriptor), those in
    the most probed buckets first, at most ``SEARCH_CANDIDATES``, and joined in the same statement to
    their encrypted descriptors and cases; only those are decrypted, and measured at once (numpy)."""
    threshold = settings.FACE_DUPLICATE_THRESHOLD if threshold is None else threshold
    # One extra slot: the asking case's own row may be among the candidates (the join drops it).
    ranked = candidate_query(descriptor)
    rows = (FaceDescriptor.objects.filter(id__in=ranked.values_list("descriptor_id", flat=True),
                                          case__personal_data_erased_at__isnull=True)
            .values_list("descriptor", "case_id", "case__reference", "case__state"))
    if exclude_case_id is not None:
        rows = rows.exclude(case_id=exclude_case_id)
    rows = list(rows)
    if not rows:
        return []
    stored = np.stack([face_index.decode_descriptor(text) for text, _case, _reference, _state in rows])
    distances = np.linalg.norm(stored - np.asarray(descriptor, dtype=np.float64), axis=1)
    found = [rules.DuplicateFace(str(case_id), reference, state, float(distance))
             for (_text, case_id, reference, state), distance in zip(rows, distances, strict=True)
             if distance <= threshold]
    return sorted(found, key=lambda d: d.distance)[:DUPLICATES_LISTED]


def candidate_query(descriptor):
    """The candidates' descriptor ids, most shared buckets first: an index-only scan of
    (bucket, descriptor) on PostgreSQL, the probed digests passed as one array (``BucketIn``). The
    asking case's own row may be among them (one slot; the fetch excludes it), and so may an erased
    case's only until erasure deletes its rows."""
    return (FaceIndexEntry.objects.filter(BucketIn(F("bucket"), face_index.probe_digests(descriptor)))
            .values("descriptor_id").annotate(tables=Count("*")).order_by("-tables")[:SEARCH_CANDIDATES + 1])


def _same_faces(case: Case, descriptor) -> list[rules.DuplicateFace]:
    return face_search(descriptor, exclude_case_id=case.id)
