"""The face checks of a case (issue 19): the selfie against the document portrait, the liveness
burst, and the same face behind another case.

Called by the check pipeline (kyc.services.readings) beside the document cross-checks, outside
any transaction (the engine takes a fraction of a second per image): the findings it returns are
stored with the others, in the same check run, before the case is ready for review.

The selfie's descriptor is kept encrypted (kyc.models.FaceDescriptor) with one blind index entry
(kyc.privacy.face_index: the keyed digest of its k-means list and its masked keyed sketch) so that
later cases find it without the table being decrypted; only the 100 candidates whose sketches are
closest are decrypted, to measure their exact distance. The centroids are retrained by a periodic
task (``face_index_retrain_if_due``) as the population grows and as faces are erased.

Nothing here logs an image, a landmark or a descriptor.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from kyc.core.audit import Actor, audit_record
from kyc.models import (
    Case,
    Document,
    FaceCentroids,
    FaceDescriptor,
    FaceIndexEntry,
    LivenessCapture,
)
from kyc.models.faces import BucketIn
from kyc.privacy import face_index
from ocr_integration import services as engine
from ocr_integration.documents import faces as rules
from ocr_integration.documents.findings import Finding, Outcome
from ocr_integration.documents.kinds import DocumentKind

logger = logging.getLogger(__name__)

# The side that carries the holder's photo, per document type.
PORTRAIT_KINDS = (DocumentKind.PASSPORT, DocumentKind.EMIRATES_ID_FRONT, DocumentKind.CN_ID_PORTRAIT)
# Candidates whose descriptors are decrypted per search (the closest sketches of the probed lists:
# at 1M cases a second selfie 0.449 away is among the first 100 ~99 % of the time with 512-bit
# sketches, bench/face_index_tuning.py --compare), and other cases listed in a finding.
SEARCH_CANDIDATES = 100
DUPLICATES_LISTED = 10
# When the periodic task retrains the centroids (face_index_retrain_if_due): the population has
# doubled since training (lists grow uneven as new faces join the nearest existing one); more than
# this share of the faces trained on has been erased or replaced; or the training is older than
# RETRAIN_AFTER. The last two bound how long an erased face stays in its centroid's average (with
# at least face_index.MIN_LIST_SIZE faces): RETRAIN_AFTER plus the task's period (a day).
RETRAIN_GROWTH = 2.0
RETRAIN_ERASED_SHARE = 0.02
RETRAIN_AFTER = timedelta(days=30)


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


def face_index_search_key() -> bytes:
    """The face index's own key, derived from the search key (or the secret key when none is set):
    a face list digest and a name digest are never comparable."""
    configured = settings.SEARCH_INDEX_KEY
    base = configured.encode() if configured else hmac.new(
        settings.SECRET_KEY.encode(), b"kyc-search-index", hashlib.sha256).digest()
    return hmac.new(base, b"kyc-face-index", hashlib.sha256).digest()


def _index_keys() -> face_index.FaceIndexKeys:
    return face_index.index_keys(face_index_search_key())


@dataclass(frozen=True)
class TrainedLists:
    """The centroids in force: ``version`` 0 and no centroids before any training (one list)."""

    version: int
    trained_at: datetime | None
    centroids: np.ndarray | None


_UNTRAINED = TrainedLists(0, None, None)
_centroids_lock = threading.Lock()
# The decrypted centroids of this process, reused while the row's (version, trained_at) is unchanged
# (trained_at too: a test database rolled back and retrained can reuse a version number).
_centroids_cache: dict[str, TrainedLists] = {}


def _trained_lists(*, using: str = "default", share_lock: bool = False) -> TrainedLists:
    """The centroids in force: one small query for the row's version, the decryption only when it
    changed. ``share_lock``: hold the row against a retraining until the transaction ends (on
    PostgreSQL, FOR SHARE: writers of entries do not wait for each other, only for a retraining)."""
    table = FaceCentroids._meta.db_table
    connection = connections[using]
    with connection.cursor() as cursor:
        lock = " FOR SHARE" if share_lock and connection.vendor == "postgresql" else ""
        # The table name is the model's, the lock a constant: nothing here comes from outside.
        cursor.execute(f"SELECT version, trained_at FROM {table} WHERE id = %s{lock}",  # noqa: S608
                       [FaceCentroids.CURRENT])
        row = cursor.fetchone()
    if row is None:
        return _UNTRAINED
    version, trained_at = row[0], row[1]
    with _centroids_lock:
        cached = _centroids_cache.get(using)
        if cached is not None and (cached.version, cached.trained_at) == (version, trained_at):
            return cached
    text = FaceCentroids.objects.using(using).filter(pk=FaceCentroids.CURRENT).values_list("centroids", flat=True).first()
    found = TrainedLists(version, trained_at, face_index.decode_centroids(text or ""))
    with _centroids_lock:
        _centroids_cache[using] = found
    return found


@transaction.atomic
def case_index_face(*, case: Case, document: Document, descriptor) -> FaceDescriptor:
    """Keep the case's selfie descriptor (encrypted) and its one index entry (its list's digest and
    its masked sketch), replacing earlier ones. Not audited, like the search digests: it records no
    new fact, only a derived form of the selfie whose upload is audited."""
    FaceDescriptor.objects.filter(case=case).delete()
    stored = FaceDescriptor.objects.create(case=case, document=document,
                                           descriptor=face_index.encode_descriptor(descriptor))
    lists = _trained_lists(share_lock=True)
    keys = _index_keys()
    nearest = face_index.nearest_lists(lists.centroids, descriptor, 1)[0]
    FaceIndexEntry.objects.create(
        descriptor=stored, case=case, bucket=face_index.list_digests(keys, lists.version, nearest)[0],
        sketch=face_index.masked_sketches(keys, [stored.id], descriptor)[0].tobytes())
    return stored


def face_search(descriptor, *, exclude_case_id=None, threshold: float | None = None) -> list[rules.DuplicateFace]:
    """Other (not erased) cases whose selfie is within ``threshold`` of ``descriptor``, closest first.

    Three queries: the centroids' version (the centroids themselves only when they changed), the
    probed lists' entries (``candidate_ids``), and the candidates' encrypted descriptors joined to
    their cases; only those are decrypted, and measured at once (numpy)."""
    threshold = settings.FACE_DUPLICATE_THRESHOLD if threshold is None else threshold
    candidates, _read = candidate_ids(descriptor)
    if not len(candidates):
        return []
    rows = (FaceDescriptor.objects.filter(id__in=candidates.tolist(), case__personal_data_erased_at__isnull=True)
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


def candidate_ids(descriptor, *, candidates: int = SEARCH_CANDIDATES + 1) -> tuple[np.ndarray, int]:
    """The descriptor ids to decrypt, closest sketch first, and the number of entries read: the
    entries of the ``face_index.PROBES`` lists nearest ``descriptor``, read in one statement (an
    index-only scan of (bucket) INCLUDE (descriptor, sketch) on PostgreSQL), unmasked and ranked by
    Hamming distance. One slot more than ``SEARCH_CANDIDATES`` by default: the asking case's own
    entry may be among them (the fetch excludes it)."""
    keys = _index_keys()
    rows = list(probed_entries(descriptor, keys=keys))
    if not rows:
        return np.zeros(0, dtype=np.int64), 0
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    stored = np.frombuffer(b"".join(bytes(row[1]) for row in rows), dtype=np.uint8).reshape(len(rows), -1)
    distance = face_index.hamming(face_index.unmask(keys, ids, stored), face_index.sketches(keys, descriptor)[0])
    order = np.argsort(distance, kind="stable") if len(rows) <= candidates else \
        np.argpartition(distance, candidates - 1)[:candidates]
    return ids[order], len(rows)


def probed_entries(descriptor, *, keys: face_index.FaceIndexKeys | None = None):
    """(descriptor id, masked sketch) of the entries in the ``face_index.PROBES`` lists nearest
    ``descriptor``, as one statement; the probed digests go as one array (``BucketIn``)."""
    lists = _trained_lists()
    nearest = face_index.nearest_lists(lists.centroids, descriptor, face_index.PROBES)[0]
    digests = face_index.list_digests(keys or _index_keys(), lists.version, nearest)
    return FaceIndexEntry.objects.filter(BucketIn(F("bucket"), digests)).values_list("descriptor_id", "sketch")


def _same_faces(case: Case, descriptor) -> list[rules.DuplicateFace]:
    return face_search(descriptor, exclude_case_id=case.id)


@dataclass(frozen=True)
class FaceIndexBuilt:
    version: int
    k: int
    indexed: int


def face_index_rebuild(descriptor_model=FaceDescriptor, entry_model=FaceIndexEntry, centroids_model=FaceCentroids,
                       *, k: int | None = None, batch_size: int = 2000, using: str = "default") -> FaceIndexBuilt:
    """Train the centroids on the stored descriptors, then re-assign and re-sketch every one of them
    (after a retraining, or a change of the search key or the scheme). Two streamed passes over the
    descriptors in batches of ``batch_size`` (one decryption each): the first keeps a uniform sample
    of ``face_index.TRAINING_SAMPLE`` for k-means and counts them, the second writes one entry per
    descriptor (one bulk insert per batch), so memory stays flat at any table size.

    One transaction, holding the centroids row: searches meanwhile use the previous lists and
    entries, and a selfie indexed meanwhile waits for the new ones. Takes the model classes so that
    a migration can pass its historical ones. ``k``: forced (tests, benches); else
    ``face_index.lists_for`` the population. Not audited here: ``face_index_retrain`` is."""
    from kyc.core.encryption import crypto

    def descriptors():
        rows = (descriptor_model.objects.using(using).order_by("pk")
                .values_list("id", "case_id", "descriptor").iterator(chunk_size=batch_size))
        while True:
            chunk = [row for _, row in zip(range(batch_size), rows, strict=False)]
            if not chunk:
                return
            # The field decrypts on read; decrypt_text passes plain text through (and decrypts a
            # value read through a model without the field class, e.g. a bare historical one).
            yield chunk, np.stack([face_index.decode_descriptor(crypto.decrypt_text(text)) for _i, _c, text in chunk])

    keys = _index_keys()
    with transaction.atomic(using=using):
        previous = centroids_model.objects.using(using).select_for_update().filter(pk=FaceCentroids.CURRENT).first()
        sample, population = face_index.reservoir(
            (vector.astype(np.float32) for _chunk, vectors in descriptors() for vector in vectors),
            face_index.TRAINING_SAMPLE)
        last_id = descriptor_model.objects.using(using).order_by("-pk").values_list("pk", flat=True).first() or 0
        wanted = face_index.lists_for(population) if k is None else k
        centroids = face_index.train(np.array(sample, dtype=np.float32).reshape(-1, face_index.DIMENSIONS), wanted)
        version = (previous.version if previous else 0) + 1
        trained_k = 1 if centroids is None else len(centroids)
        centroids_model.objects.using(using).update_or_create(pk=FaceCentroids.CURRENT, defaults={
            "version": version, "k": trained_k,
            "centroids": face_index.encode_centroids(centroids), "trained_at": timezone.now(),
            "cases_counted": population, "last_descriptor_id": last_id})
        entry_model.objects.using(using).all().delete()
        indexed = 0
        for chunk, vectors in descriptors():
            ids = [descriptor_id for descriptor_id, _case, _text in chunk]
            digests = face_index.list_digests(keys, version, face_index.nearest_lists(centroids, vectors, 1)[:, 0])
            masked = face_index.masked_sketches(keys, ids, vectors)
            entry_model.objects.using(using).bulk_create(
                [entry_model(descriptor_id=descriptor_id, case_id=case_id, bucket=digest, sketch=sketch.tobytes())
                 for (descriptor_id, case_id, _text), digest, sketch in zip(chunk, digests, masked, strict=True)],
                batch_size=5000)
            indexed += len(chunk)
    return FaceIndexBuilt(version, trained_k, indexed)


def face_index_retrain_reason(*, now: datetime | None = None) -> str | None:
    """Why the centroids are due for retraining now (None: they are not): ``untrained``, ``grown``,
    ``erasures`` or ``age`` (see RETRAIN_GROWTH, RETRAIN_ERASED_SHARE, RETRAIN_AFTER)."""
    now = now or timezone.now()
    trained = FaceCentroids.objects.filter(pk=FaceCentroids.CURRENT).first()
    population = FaceDescriptor.objects.count()
    if trained is None:
        return "untrained" if population else None
    if population >= RETRAIN_GROWTH * max(trained.cases_counted, 1) and face_index.lists_for(population) > 1:
        return "grown"
    if trained.k > 1:
        # Faces trained on that are gone since (erased, or replaced by a new selfie): each is still
        # in its centroid's average.
        still_there = FaceDescriptor.objects.filter(pk__lte=trained.last_descriptor_id).count()
        if trained.cases_counted - still_there > RETRAIN_ERASED_SHARE * trained.cases_counted:
            return "erasures"
        if now - trained.trained_at >= RETRAIN_AFTER:
            return "age"
    return None


@transaction.atomic
def face_index_retrain(*, actor: Actor, reason: str, k: int | None = None) -> FaceIndexBuilt:
    """Retrain the centroids and rebuild the index on them (``face_index_rebuild``), audited in the
    same transaction (counts and k, nothing of any face)."""
    built = face_index_rebuild(k=k)
    audit_record(actor=actor, action="face_index.retrained", object_type="face_centroids",
                 object_id=str(FaceCentroids.CURRENT),
                 data={"reason": reason, "version": built.version, "k": built.k, "descriptors": built.indexed})
    return built


@transaction.atomic
def face_index_retrain_if_due(*, actor: Actor | None = None, now: datetime | None = None) -> FaceIndexBuilt | None:
    """The periodic task's service: retrain when ``face_index_retrain_reason`` says so. Safe to run
    twice at once: the second waits on the centroids row, then finds nothing due."""
    FaceCentroids.objects.select_for_update().filter(pk=FaceCentroids.CURRENT).first()
    reason = face_index_retrain_reason(now=now)
    if reason is None:
        return None
    return face_index_retrain(actor=actor or Actor.system("face-index"), reason=reason)
