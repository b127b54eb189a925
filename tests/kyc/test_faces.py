"""The face checks through the pipeline (issue 19): a case with a selfie and a liveness burst gets
FACE_MATCH, FACE_NOT_FOUND, LIVENESS and DUPLICATE_FACE findings before it is ready for review,
the same face in two cases is found through the blind index (one entry per face: its k-means
list's keyed digest and its masked sketch), and an erased case drops out.

Faces are public-domain portraits shipped by scikit-image and matplotlib
(ocr_integration/specimens/faces.py): two identities, "collins" and "hopper".
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kyc.core.audit import Actor
from kyc.models import CheckFinding, FaceDescriptor, FaceIndexEntry
from kyc.services.cases import case_create, case_submit
from kyc.services.consent import BIOMETRIC, consent_record
from kyc.services.documents import document_attach
from kyc.services.liveness import (
    BurstFrame,
    liveness_challenge_issue,
    liveness_frames_attach,
    liveness_skip,
)
from kyc.services.retention import case_purge_personal_data
from kyc.tasks import read_document
from kyc.uploads.prepare import prepare_upload
from ocr_integration import services
from ocr_integration.specimens import faces as face_specimens
from tests.support.personas import staff_member
from tests.support.providers import colour_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def faces_asked(settings):
    settings.OCR_DEFAULT_PROVIDER = "tests.support.providers:SpecimenAnswerProvider"
    settings.OCR_ROUTING = {}
    settings.SELFIE_REQUIREMENT = "required"
    settings.LIVENESS_MIN_FRAMES = BURST_FRAMES
    services._providers.clear()


# The fewest frames the liveness policy accepts (LIVENESS_MIN_FRAMES, 6): every case runs the engine on
# each frame, and six frames of the rendered turn still show two frames beyond the turn each way.
BURST_FRAMES = 6


@pytest.fixture(scope="module")
def images():
    """Generated once: the generator warps and encodes (a second or two per burst)."""
    return {
        "collins_passport": face_specimens.document_with_portrait("passport", 41, "collins").image,
        "collins_selfie": face_specimens.selfie("collins", 2).image,
        "collins_selfie_again": face_specimens.selfie("collins", 5).image,
        "hopper_selfie": face_specimens.selfie("hopper", 1).image,
        "collins_burst": [f.image for f in face_specimens.liveness_burst("collins", "turn_left_then_right",
                                                                          frames=BURST_FRAMES)],
        "replayed_still": [f.image for f in face_specimens.replayed_still_burst("collins", frames=BURST_FRAMES)],
        "no_face": colour_image((190, 170, 150), size=(480, 640), fmt="JPEG"),
    }


def upload(image: bytes, name="image.jpg"):
    return prepare_upload(SimpleUploadedFile(name, image, content_type="image/jpeg"))


def checked_case(django_capture_on_commit_callbacks, *, passport: bytes, selfie: bytes, burst: list[bytes] | None,
                 challenge="turn_left_then_right"):
    """A submitted case read and checked; ``burst`` None: the applicant said they have no camera."""
    case = case_create(actor=Actor.applicant(""), email="faces@example.test", document_type="passport")
    applicant = Actor.applicant(case.applicant_id)
    consent_record(case_id=case.id, scope=BIOMETRIC, actor=applicant)
    document_attach(case_id=case.id, kind="passport", prepared=upload(passport), actor=applicant)
    document_attach(case_id=case.id, kind="selfie", prepared=upload(selfie), actor=applicant)
    if burst is None:
        liveness_skip(case_id=case.id, actor=applicant)
    else:
        issued = liveness_challenge_issue(case_id=case.id, actor=applicant)
        if issued.challenge != challenge:  # the server picks the challenge; the burst must answer it
            issued.challenge = challenge
            issued.save(update_fields=["challenge"])
        liveness_frames_attach(case_id=case.id, nonce=issued.nonce, actor=applicant,
                               frames=[BurstFrame(image=upload(frame), offset_ms=i * 330) for i, frame in enumerate(burst)])
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=applicant)
    for document in case.documents.filter(kind="passport"):
        read_document.apply(args=[str(document.id)], task_id=f"faces-{document.id}")
    case.refresh_from_db()
    assert case.state == "ready_for_review"
    return case


def findings(case) -> dict[str, CheckFinding]:
    rows = CheckFinding.objects.filter(case=case, check_run=case.check_run, code__in=[
        "FACE_MATCH", "FACE_NOT_FOUND", "LIVENESS", "DUPLICATE_FACE", "CHECK_ERROR"])
    out = {}
    for row in rows:
        out[row.code] = row
    return out


def test_the_holder_passes_face_match_and_liveness_before_review(django_capture_on_commit_callbacks, images, tmp_path):
    case = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                        selfie=images["collins_selfie"], burst=images["collins_burst"])
    found = findings(case)
    assert "CHECK_ERROR" not in found
    assert found["FACE_MATCH"].outcome == "pass", found["FACE_MATCH"].message
    assert found["FACE_MATCH"].evidence["distance"] < 0.5
    assert found["LIVENESS"].outcome == "pass", found["LIVENESS"].evidence
    assert found["DUPLICATE_FACE"].outcome == "pass"
    # The descriptor is kept encrypted, with one index entry.
    stored = FaceDescriptor.objects.get(case=case)
    assert FaceIndexEntry.objects.filter(case=case).count() == 1
    assert FaceIndexEntry.objects.get(case=case).descriptor_id == stored.id

    # The reviewer sees the two faces side by side with the distance.
    reviewer = staff_member(username="face-reviewer", permissions=["kyc.review_case"])
    client = Client()
    client.force_login(reviewer)
    page = client.get(f"/review/cases/{case.id}/").content.decode()
    assert 'class="face-compare"' in page
    assert f"/review/documents/{found['FACE_MATCH'].evidence['selfie']['document_id']}/image" in page
    assert f"{found['FACE_MATCH'].evidence['distance']:.2f}" in page

    # So does the evidence PDF: the two faces side by side above the findings, with the distance.
    if shutil.which("pdftotext"):
        exporter = staff_member(username="face-exporter", permissions=["kyc.review_case", "kyc.export_evidence"])
        client.force_login(exporter)
        pdf = tmp_path / "evidence.pdf"
        pdf.write_bytes(client.get(f"/review/cases/{case.id}/evidence.pdf").content)
        text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        assert "Selfie and document portrait" in text
        assert f"Face distance {found['FACE_MATCH'].evidence['distance']:.2f}" in text
        assert text.index("Selfie and document portrait") < text.index("Findings")
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
        # Each document image once in the Documents section and the two faces again above.
        assert len(images.splitlines()[2:]) >= case.documents.count() + 2


def test_someone_else_holding_the_passport_fails_face_match(django_capture_on_commit_callbacks, images):
    case = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                        selfie=images["hopper_selfie"], burst=images["collins_burst"])
    found = findings(case)
    assert found["FACE_MATCH"].outcome == "fail"
    assert found["FACE_MATCH"].evidence["distance"] > 0.6
    # The burst is the passport holder's, not the selfie's: the liveness check says so too.
    assert (found["LIVENESS"].outcome, found["LIVENESS"].evidence["reason"]) == ("fail", "different_faces")


def test_a_selfie_without_a_face_is_named_in_face_not_found(django_capture_on_commit_callbacks, images):
    case = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                        selfie=images["no_face"], burst=images["collins_burst"])
    found = findings(case)
    assert found["FACE_NOT_FOUND"].outcome == "fail"
    assert found["FACE_NOT_FOUND"].evidence["image"] == "selfie"
    assert "the selfie" in found["FACE_NOT_FOUND"].message
    assert "FACE_MATCH" not in found and "DUPLICATE_FACE" not in found


def test_a_still_replayed_as_the_burst_fails_liveness_with_the_reason(django_capture_on_commit_callbacks, images):
    case = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                        selfie=images["collins_selfie"], burst=images["replayed_still"])
    liveness = findings(case)["LIVENESS"]
    assert (liveness.outcome, liveness.evidence["reason"]) == ("fail", "repeated_frames")
    assert "still image replayed" in liveness.message


def test_the_burst_must_answer_the_challenge_asked(django_capture_on_commit_callbacks, images):
    case = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                        selfie=images["collins_selfie"], burst=images["collins_burst"],
                        challenge="turn_right_then_left")
    liveness = findings(case)["LIVENESS"]
    assert (liveness.outcome, liveness.evidence["reason"]) == ("fail", "wrong_order")


def test_the_same_face_in_two_cases_is_found_and_an_erased_case_drops_out(django_capture_on_commit_callbacks, images):
    first = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                         selfie=images["collins_selfie"], burst=images["collins_burst"])
    other = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                         selfie=images["hopper_selfie"], burst=images["collins_burst"])
    assert findings(other)["DUPLICATE_FACE"].outcome == "pass"

    second = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                          selfie=images["collins_selfie_again"], burst=images["collins_burst"])
    duplicate = findings(second)["DUPLICATE_FACE"]
    assert duplicate.outcome == "warn"
    assert [o["reference"] for o in duplicate.evidence["other_cases"]] == [first.reference]
    assert first.reference in duplicate.message

    reviewer = staff_member(username="dup-face-reviewer", permissions=["kyc.review_case"])
    client = Client()
    client.force_login(reviewer)
    page = client.get(f"/review/cases/{second.id}/").content.decode()
    assert f'href="/review/cases/{first.id}/"' in page

    case_purge_personal_data(case_id=first.id, actor=Actor.system("test"), reason="erasure request")
    assert not FaceDescriptor.objects.filter(case=first).exists()
    assert not FaceIndexEntry.objects.filter(case=first).exists()
    third = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                         selfie=images["collins_selfie"], burst=images["collins_burst"])
    listed = [o["reference"] for o in findings(third)["DUPLICATE_FACE"].evidence["other_cases"]]
    assert first.reference not in listed and second.reference in listed


def test_a_case_without_a_burst_shows_liveness_as_not_performed_never_as_passed(django_capture_on_commit_callbacks,
                                                                                 images):
    """No camera or no JavaScript: the applicant goes on with the selfie alone; the reviewer sees a
    LIVENESS warning saying the check was not done (the face match still runs)."""
    case = checked_case(django_capture_on_commit_callbacks, passport=images["collins_passport"],
                        selfie=images["collins_selfie"], burst=None)
    found = findings(case)
    assert found["LIVENESS"].outcome == "warn"
    assert found["LIVENESS"].evidence == {"reason": "not_performed", "applicant_declared": True}
    assert "not checked" in found["LIVENESS"].message and "could not do it" in found["LIVENESS"].message
    assert found["FACE_MATCH"].outcome == "pass"
    reviewer = staff_member(username="no-burst-reviewer", permissions=["kyc.review_case"])
    client = Client()
    client.force_login(reviewer)
    page = client.get(f"/review/cases/{case.id}/").content.decode()
    assert "Liveness was not checked: the applicant said they could not do it" in page


def test_a_document_portrait_without_a_face_is_named_in_face_not_found(django_capture_on_commit_callbacks, images):
    from ocr_integration.specimens import generate_specimen

    # The plain specimen's photo box is a grey silhouette, never a face.
    case = checked_case(django_capture_on_commit_callbacks, passport=generate_specimen("passport", 41).image,
                        selfie=images["collins_selfie"], burst=images["collins_burst"])
    found = findings(case)
    assert (found["FACE_NOT_FOUND"].outcome, found["FACE_NOT_FOUND"].evidence["image"]) == ("fail", "document_portrait")
    assert found["FACE_NOT_FOUND"].document_kind == "passport"
    assert "the document portrait" in found["FACE_NOT_FOUND"].message
    assert "FACE_MATCH" not in found
    assert found["LIVENESS"].outcome == "pass"


def stored_faces(faces, email="many-faces@example.test"):
    """Cases with a selfie whose descriptors are ``faces``, indexed as the pipeline indexes them."""
    from kyc.models import Applicant, Case, Document
    from kyc.services.faces import case_index_face

    applicant = Applicant.objects.create(email=email)
    cases = Case.objects.bulk_create([Case(applicant=applicant, document_type="passport") for _ in faces])
    selfies = Document.objects.bulk_create([
        Document(case=c, kind="selfie", file=f"x/{c.id}.jpg", sha256="0" * 64, byte_size=1, width=1, height=1,
                 content_type="image/jpeg", read_state="not_read") for c in cases])
    for case, selfie, face in zip(cases, selfies, faces, strict=True):
        case_index_face(case=case, document=selfie, descriptor=face)
    return cases


def found_again(cases, faces, people, second_selfies) -> int:
    from kyc.services.faces import face_search

    return sum(bool(hits) and hits[0].case_id == str(cases[person].id)
               for person, hits in zip(people, map(face_search, second_selfies), strict=True))


@pytest.mark.parametrize("lists", [1, 40])
def test_the_search_finds_a_second_selfie_at_the_threshold_and_decrypts_only_the_closest_sketches(db, lists):
    """A second selfie of the same person as far away as the duplicate threshold allows (0.449, the
    hardest duplicate) is found among 500 stored faces, with one list (k = 1: every sketch ranked)
    and with 8 (the search reads the lists nearest the query); only the closest sketches'
    descriptors are decrypted. A face just beyond the threshold is not listed, nor a stranger.
    Synthetic descriptors clustered like real ones: groups of people, the spread in a few
    directions, strangers ~0.8 apart with a tail to ~0.6 (bench/face_index_tuning.py)."""
    import numpy as np

    from bench.face_index_tuning import at_distance, clustered_descriptors
    from kyc.models import FaceCentroids
    from kyc.privacy import face_index
    from kyc.services.faces import SEARCH_CANDIDATES, candidate_ids, face_index_rebuild, face_search

    rng = np.random.default_rng(7)
    faces = clustered_descriptors(1000, rng)
    cases = stored_faces(faces)
    built = face_index_rebuild(k=lists)
    # Lists of fewer than 20 faces are merged into their neighbours: k = 40 may end a few lists short.
    assert (built.k == 1) if lists == 1 else (face_index.PROBES < built.k <= lists)
    assert FaceCentroids.objects.get().k == built.k
    assert FaceIndexEntry.objects.count() == len(faces)  # one entry per face

    people = rng.choice(len(faces), 20, replace=False)
    second_selfies = at_distance(faces[people], 0.449, rng)
    assert found_again(cases, faces, people, second_selfies) >= 19
    read = [candidate_ids(face)[1] for face in second_selfies]
    assert all(len(candidate_ids(face)[0]) == SEARCH_CANDIDATES + 1 for face in second_selfies)
    if lists > 1:
        assert max(read) < len(faces)  # the 16 probed lists, never the whole table

    assert not any(face_search(face) for face in at_distance(faces[people], 0.46, rng))
    assert not any(face_search(stranger) for stranger in at_distance(faces[people], 0.6, rng))
    assert not any(face_search(stranger) for stranger in clustered_descriptors(20, rng))


def test_a_face_indexed_after_the_training_joins_its_nearest_list_and_is_found(db):
    import numpy as np

    from bench.face_index_tuning import at_distance, clustered_descriptors
    from kyc.services.faces import face_index_rebuild

    rng = np.random.default_rng(13)
    faces = clustered_descriptors(400, rng)
    stored_faces(faces[:300], email="before@example.test")
    face_index_rebuild(k=6)
    later = stored_faces(faces[300:], email="after@example.test")
    people = rng.choice(100, 10, replace=False)
    assert found_again(later, faces[300:], people, at_distance(faces[300:][people], 0.449, rng)) >= 9


def test_a_retraining_rebuild_finds_the_same_duplicates(db):
    """What the periodic task and migration 0030 run: new centroids (another k), every entry
    re-assigned and re-sketched across batch boundaries; a search finds what it found before."""
    import numpy as np

    from bench.face_index_tuning import at_distance, clustered_descriptors
    from kyc.models import FaceCentroids
    from kyc.services.faces import face_index_rebuild, face_search

    rng = np.random.default_rng(11)
    faces = clustered_descriptors(300, rng)
    stored_faces(faces)
    queries = at_distance(faces[:30], 0.40, rng)
    first = face_index_rebuild(k=1)
    before = [[hit.case_id for hit in face_search(q)] for q in queries]
    second = face_index_rebuild(k=5, batch_size=7)
    assert (second.version, second.k, second.indexed) == (first.version + 1, 5, 300)
    assert FaceCentroids.objects.get().version == second.version
    assert FaceIndexEntry.objects.count() == 300
    assert [[hit.case_id for hit in face_search(q)] for q in queries] == before
    assert sum(map(bool, before)) >= 29


def test_the_stored_sketch_is_masked_by_the_search_key_and_the_list_digest_too(db, settings):
    """Someone with the database but not the key reads neither the sketch (it differs from the
    plain sketch, and is another one under another key) nor the list (its digest is keyed)."""
    import numpy as np

    from bench.face_index_tuning import clustered_descriptors
    from kyc.privacy import face_index
    from kyc.services.faces import face_index_rebuild, face_index_search_key

    faces = clustered_descriptors(30, np.random.default_rng(3))
    settings.SEARCH_INDEX_KEY = "one search key for this test, long enough to be a real one"
    stored_faces(faces)
    entry = FaceIndexEntry.objects.select_related("descriptor").order_by("id").first()
    face = faces[0]
    keys = face_index.index_keys(face_index_search_key())
    plain = face_index.sketches(keys, face)[0]
    stored = np.frombuffer(bytes(entry.sketch), dtype=np.uint8)
    assert len(stored) == face_index.SKETCH_BYTES
    assert face_index.hamming(stored[None, :], plain)[0] > 150  # about half the 512 bits differ
    assert (face_index.unmask(keys, [entry.descriptor_id], stored[None, :])[0] == plain).all()

    settings.SEARCH_INDEX_KEY = "another search key for this test, as long as the first one"
    face_index_rebuild()
    again = FaceIndexEntry.objects.get(descriptor_id=entry.descriptor_id)
    assert face_index.hamming(np.frombuffer(bytes(again.sketch), dtype=np.uint8)[None, :], stored)[0] > 150
    assert again.bucket != entry.bucket


def test_the_centroids_are_encrypted_at_rest(db):
    import numpy as np
    from django.db import connection

    from bench.face_index_tuning import clustered_descriptors
    from kyc.models import FaceCentroids
    from kyc.privacy import face_index
    from kyc.services.faces import face_index_rebuild

    stored_faces(clustered_descriptors(200, np.random.default_rng(5)))
    face_index_rebuild(k=4)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT centroids FROM {FaceCentroids._meta.db_table}")
        raw = cursor.fetchone()[0]
    centroids = face_index.decode_centroids(FaceCentroids.objects.get().centroids)
    assert centroids.shape == (4, 128)
    assert face_index.encode_centroids(centroids) not in raw
    assert not raw.startswith(face_index.encode_centroids(centroids)[:20])


def test_no_centroid_stands_for_fewer_than_twenty_faces(db):
    """An erased face stays in its centroid's average until the next retraining: the average must
    be of many faces, never close to one of them."""
    import numpy as np

    from bench.face_index_tuning import clustered_descriptors
    from kyc.privacy import face_index

    faces = clustered_descriptors(300, np.random.default_rng(17))
    centroids = face_index.train(faces, 40)
    counts = np.bincount(face_index.nearest_lists(centroids, faces, 1)[:, 0], minlength=len(centroids))
    assert counts.min() >= face_index.MIN_LIST_SIZE and 1 < len(centroids) < 40
    assert face_index.train(faces[:30], 10) is None  # too few faces for two lists: one, and no centroid


def test_erasing_a_case_removes_its_index_entry_and_the_retraining_follows_erasures(db):
    """Erasure deletes the entry with the descriptor at once; the centroids, averages over many
    faces, are retrained by the periodic task once more than 2 % of the faces trained on are gone
    (and monthly), audited."""
    import numpy as np

    from bench.face_index_tuning import at_distance, clustered_descriptors
    from kyc.core.audit import Actor
    from kyc.core.models import AuditEvent
    from kyc.models import FaceCentroids
    from kyc.services.faces import face_index_rebuild, face_index_retrain_if_due, face_search

    rng = np.random.default_rng(19)
    faces = clustered_descriptors(200, rng)
    cases = stored_faces(faces)
    face_index_rebuild(k=4)
    assert face_index_retrain_if_due() is None  # just trained: nothing due

    case_purge_personal_data(case_id=cases[0].id, actor=Actor.system("test"), reason="erasure request")
    assert not FaceIndexEntry.objects.filter(case=cases[0]).exists()
    assert not face_search(at_distance(faces[:1], 0.3, rng)[0])
    assert face_index_retrain_if_due() is None  # 1 of 200: under the share
    for case in cases[1:5]:
        case_purge_personal_data(case_id=case.id, actor=Actor.system("test"), reason="erasure request")
    built = face_index_retrain_if_due()
    assert built is not None and built.indexed == 195
    assert FaceCentroids.objects.get().cases_counted == 195
    event = AuditEvent.objects.filter(action="face_index.retrained").latest("id")
    assert event.data["reason"] == "erasures" and event.data["descriptors"] == 195


def test_the_retraining_is_due_when_the_population_doubles_or_after_a_month(db, monkeypatch):
    import datetime

    import numpy as np
    from django.utils import timezone

    from bench.face_index_tuning import clustered_descriptors
    from kyc.privacy import face_index
    from kyc.services.faces import face_index_rebuild, face_index_retrain_reason

    stored_faces(clustered_descriptors(100, np.random.default_rng(23)))
    face_index_rebuild(k=3)
    assert face_index_retrain_reason() is None
    assert face_index_retrain_reason(now=timezone.now() + datetime.timedelta(days=31)) == "age"
    # Growth matters once the population is large enough for more than one list.
    from kyc.models import FaceCentroids

    FaceCentroids.objects.update(cases_counted=60)
    assert face_index_retrain_reason() is None  # 100 now: not doubled
    FaceCentroids.objects.update(cases_counted=40, k=1)
    assert face_index_retrain_reason() is None  # doubled, but still one list: nothing to train
    monkeypatch.setattr(face_index, "SINGLE_LIST_BELOW", 50)  # as if 100 faces were a large population
    assert face_index_retrain_reason() == "grown"
