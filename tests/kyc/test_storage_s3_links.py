"""Links to stored documents under S3 storage (issue 20, "signed URL expiry"), against moto's S3
server (tests/support/s3.py).

The product gives no one a link into the bucket: an image is shown only through the app's
permission-checked, audited view, which decrypts it (objects are KYCENC2 ciphertext, so a
presigned S3 URL would hand out nothing a user could see, and would skip the access check and the
audit). So there is no link whose expiry could be tested; what is tested is that none is issued,
and that the bucket refuses whoever comes without credentials. (moto 5.2 serves a presigned GET
after its X-Amz-Expires and with a wrong signature alike, so it could not prove expiry anyway:
docs/security.md, "Links to stored documents".)"""

from __future__ import annotations

import httpx
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from kyc.api.models import Integrator
from tests.conftest import make_case
from tests.kyc.api.conftest import client_for as api_client_for
from tests.kyc.api.helpers import create_case, upload
from tests.support.personas import client_for, staff_member

pytestmark = pytest.mark.django_db


def test_a_stored_document_is_refused_to_a_request_without_credentials(s3_storage, s3_server):
    case = make_case("passport")
    name = case.documents.get().file.name
    bucket_url = f"{s3_server.endpoint_url}/{s3_storage.bucket}"
    assert httpx.get(f"{bucket_url}/{name}", timeout=10).status_code == 403
    # The same request with the product's credentials is served: the refusal is the ACL's, not a fault.
    assert s3_storage.client.get_object(Bucket=s3_storage.bucket, Key=name)["ContentLength"] > 0


def test_the_storage_issues_no_link_to_a_stored_object(s3_storage):
    """No presigned URL can be made through the product's storage, so none can outlive its use."""
    name = make_case("passport").documents.get().file.name
    with pytest.raises(ValueError, match="no public URL"):
        default_storage.url(name)


def test_pages_exports_and_the_api_show_images_through_the_app_never_a_bucket_url(s3_storage, s3_server):
    api = api_client_for(Integrator.objects.create(name="Acme Bank"))
    case_id = create_case(api)["id"]
    assert upload(api, case_id, "passport").status_code == 201
    senior = client_for(staff_member("senior", username="sam"))  # a senior may export evidence
    from kyc.models import Document

    document = Document.objects.get(case_id=case_id)
    answers = {
        "api case": api.get(f"/api/v1/cases/{case_id}/"),
        "workspace": senior.get(reverse("reviewer:case", args=[case_id])),
        "evidence page": senior.get(reverse("reviewer:export_html", args=[case_id])),
        "evidence json": senior.get(reverse("reviewer:export_json", args=[case_id])),
    }
    host = s3_server.endpoint_url.removeprefix("http://")
    for what, answer in answers.items():
        assert answer.status_code == 200, what
        body = answer.content.decode()
        for bucket_trace in (host, s3_storage.bucket, "X-Amz-", "AWSAccessKeyId", document.file.name):
            assert bucket_trace not in body, (what, bucket_trace)
    image = senior.get(reverse("reviewer:document_image", args=[document.id]))
    assert image.status_code == 200 and "Location" not in image  # served, not redirected to S3
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")  # decrypted by the app
