"""Migration 0030 builds the new face index for the descriptors already stored: an upgraded
database finds the same face after it, with one entry per descriptor and the centroids row."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("kyc", "0029_face_bucket_bigint")]
AFTER = [("kyc", "0030_face_ivf_masked_sketches")]


@pytest.mark.django_db(transaction=True)
def test_upgrading_indexes_the_stored_descriptors_and_the_search_finds_them():
    from bench.face_index_tuning import at_distance, clustered_descriptors
    from kyc.privacy import face_index

    rng = np.random.default_rng(29)
    faces = clustered_descriptors(60, rng)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        applicant = old.get_model("kyc", "Applicant").objects.create(email="upgrade@example.test")
        case_model, document_model = old.get_model("kyc", "Case"), old.get_model("kyc", "Document")
        descriptor_model = old.get_model("kyc", "FaceDescriptor")
        for face in faces:
            case = case_model.objects.create(applicant=applicant, document_type="passport")
            selfie = document_model.objects.create(
                case=case, kind="selfie", file=f"x/{case.id}.jpg", sha256="0" * 64, byte_size=1, width=1, height=1,
                content_type="image/jpeg", read_state="not_read")
            # The historical model has the field class: stored encrypted, as the product stores it.
            descriptor_model.objects.create(case=case, document=selfie,
                                            descriptor=face_index.encode_descriptor(face))

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    from kyc.models import FaceCentroids, FaceDescriptor, FaceIndexEntry
    from kyc.services.faces import face_search

    assert FaceIndexEntry.objects.count() == FaceDescriptor.objects.count() == 60
    assert FaceCentroids.objects.get().k == 1  # 60 faces: one list, no centroid kept
    person = FaceDescriptor.objects.order_by("id").values_list("case_id", flat=True)[7]
    hits = face_search(at_distance(faces[7:8], 0.449, rng)[0])
    assert [hit.case_id for hit in hits] == [str(person)]
