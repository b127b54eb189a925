"""Key rotation with the documents on S3, on the real S3 API server of tests/support/s3.py.

Signed URL expiry is not tested here: the product hands out no S3 URL (document images are served
through the reviewer's views), and moto's server does not enforce a presigned URL's expiry (a URL
signed for 1 s still answered 200 after 2.5 s when tried), so such a test could not fail."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from kyc.models import Applicant
from tests.conftest import make_case

pytestmark = pytest.mark.django_db


def test_key_rotation_with_documents_on_s3_leaves_everything_readable_with_the_new_key_alone(s3_storage, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.KYC_ENCRYPTION_KEYS = [old]
    case = make_case("passport")
    document = case.documents.get()
    with document.file.open("rb") as stored:
        image = stored.read()

    settings.KYC_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys")
    settings.KYC_ENCRYPTION_KEYS = [new]  # the old key retired: nothing may need it any more

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT email FROM {Applicant._meta.db_table} WHERE id = %s", [Applicant._meta.pk.get_db_prep_value(case.applicant_id, connection)])
        (stored_email,) = cursor.fetchone()
    assert stored_email and "applicant@example.test" not in stored_email  # still ciphertext at rest
    assert Applicant.objects.get(id=case.applicant_id).email == "applicant@example.test"
    document.refresh_from_db()
    with document.file.open("rb") as stored:
        assert stored.read() == image
    assert s3_storage.keys() == [document.file.name]  # rotation left no copy behind
