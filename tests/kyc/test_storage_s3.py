"""S3 storage against a real S3 API server (moto's server mode, a process of its own on loopback):
private encrypted objects, erasure that empties the case's prefix, deletes retried while S3 is down,
and uploads answered 503 ``storage_unavailable`` with nothing stored while S3 is down or hanging."""

from __future__ import annotations

import pytest
from django.test import Client

from kyc.api.models import Integrator
from kyc.core.audit import Actor
from kyc.core.encryption import stream
from kyc.core.models import AuditEvent
from kyc.models import Case, Document, PendingFileDeletion
from kyc.models.document import case_storage_prefix
from kyc.services.retention import case_purge_personal_data
from kyc.tasks import purge_expired_personal_data
from tests.conftest import make_case
from tests.kyc.api.conftest import client_for
from tests.kyc.api.helpers import create_case, error_code, image_file
from tests.support.personas import staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):
    # Rate-limit counts live in the cache: one per test keeps tests independent.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}


def erase(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert case_purge_personal_data(case_id=case.id, actor=Actor.system("retention"), reason="test erasure")


def test_an_upload_is_stored_as_a_private_object_encrypted_by_the_bucket(s3_storage):
    case = make_case("passport")
    name = case.documents.get().file.name
    assert s3_storage.keys() == [name] and name.startswith(case_storage_prefix(case.id))
    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=name)
    assert head["ServerSideEncryption"] == "AES256"
    grants = s3_storage.client.get_object_acl(Bucket=s3_storage.bucket, Key=name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)  # no AllUsers grant
    with case.documents.get().file.open("rb") as stored:
        assert stored.read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_bucket_holds_only_ciphertext_of_our_own_keys(s3_storage):
    """Whoever reads the bucket (a leaked credential, a wrong bucket policy) sees no image: the
    object is in the application's KYCENC2 format, and only our keys open it."""
    case = make_case("passport")
    document = case.documents.get()
    with document.file.open("rb") as stored:
        image = stored.read()
    raw = s3_storage.client.get_object(Bucket=s3_storage.bucket, Key=document.file.name)["Body"].read()
    assert raw.startswith(stream.MAGIC) and b"PNG" not in raw[:64] and image not in raw
    assert document.file.size == len(image)  # sizes are of the image, not of the ciphertext


def test_erasure_deletes_every_object_under_the_case_prefix(s3_storage, django_capture_on_commit_callbacks):
    case, other = make_case("passport"), make_case("passport")
    prefix = case_storage_prefix(case.id)
    # An object no row names (as a copy a killed job would leave) goes too.
    s3_storage.client.put_object(Bucket=s3_storage.bucket, Key=f"{prefix}.rotating-abc123", Body=b"copy")
    assert len(s3_storage.keys(prefix)) == 2

    erase(case, django_capture_on_commit_callbacks)

    assert s3_storage.keys(prefix) == []
    assert s3_storage.keys() == [other.documents.get().file.name]  # another case's image stays
    assert not PendingFileDeletion.objects.exists()


def test_a_delete_that_fails_while_s3_is_down_is_retried_until_it_succeeds(s3_storage, django_capture_on_commit_callbacks):
    case = make_case("passport")
    name = case.documents.get().file.name
    s3_storage.down()
    erase(case, django_capture_on_commit_callbacks)

    # Erased in the database at once; the object is still there, and recorded as still to delete.
    assert Case.objects.get(id=case.id).personal_data_erased_at is not None
    assert Document.objects.get(case=case).file.name == ""
    assert s3_storage.keys() == [name]
    pending = PendingFileDeletion.objects.get()
    assert (pending.case_id, pending.name, pending.attempts) == (case.id, case_storage_prefix(case.id), 1)
    assert "StorageUnavailable" in pending.last_error

    # Admins see it.
    admin_user = staff_member("admin", username="privacy-officer")
    browser = Client()
    browser.force_login(admin_user)
    listing = browser.get("/admin/kyc/pendingfiledeletion/")
    assert listing.status_code == 200 and case_storage_prefix(case.id) in listing.content.decode()

    purge_expired_personal_data.apply()  # the hourly retention run, S3 still down
    assert PendingFileDeletion.objects.get().attempts == 2 and s3_storage.keys() == [name]

    s3_storage.up()
    purge_expired_personal_data.apply()
    assert s3_storage.keys() == [] and not PendingFileDeletion.objects.exists()
    assert AuditEvent.objects.filter(case_id=case.id, action="case.personal_data_erased").count() == 1


@pytest.mark.parametrize("outage", ["down", "hanging"])
def test_an_api_upload_while_s3_fails_answers_503_and_stores_nothing(s3_storage, outage):
    api = client_for(Integrator.objects.create(name="Acme Bank"))
    case = create_case(api)
    getattr(s3_storage, outage)()
    response = api.post(f"/api/v1/cases/{case['id']}/documents/", {"kind": "passport", "file": image_file()},
                        format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
    assert response.status_code == 503 and error_code(response) == "storage_unavailable"
    assert not Document.objects.filter(case_id=case["id"]).exists()
    assert not AuditEvent.objects.filter(case_id=case["id"], action="document.attached").exists()
    s3_storage.up()
    assert s3_storage.keys() == []
    # Nothing half-done: the same request, retried with the same key once S3 is back, is stored.
    retried = api.post(f"/api/v1/cases/{case['id']}/documents/", {"kind": "passport", "file": image_file()},
                       format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
    assert retried.status_code == 201, retried.json()
    assert s3_storage.keys() == [Document.objects.get(case_id=case["id"]).file.name]


@pytest.mark.parametrize("outage", ["down", "hanging"])
def test_an_applicant_upload_while_s3_fails_answers_503_and_stores_nothing(client, s3_storage, outage):
    response = client.post("/", {"email": "applicant@example.test", "document_type": "passport",
                                 "consent_processing": "on"})
    case = Case.objects.get(id=response["Location"].split("/")[2])
    getattr(s3_storage, outage)()
    response = client.post(f"/cases/{case.id}/documents/passport/", {"file": image_file()},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False and body["code"] == "storage_unavailable" and "our side" in body["message"]
    assert not Document.objects.filter(case=case).exists()
    s3_storage.up()
    assert s3_storage.keys() == []
