"""/readyz against a real S3 API (moto's server, tests/support/s3.py): the bucket reachable, down,
hanging, or gone."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def storage_check(client: Client) -> tuple[int, str, str]:
    response = client.get("/readyz")
    return response.status_code, response.json()["checks"]["storage"], response.content.decode()


def test_readyz_sees_the_s3_bucket(s3_storage):
    probe = Client(HTTP_HOST="10.1.2.3:8000")
    assert storage_check(probe)[:2] == (200, "ok")

    for outage in (s3_storage.down, s3_storage.hanging):
        outage()
        status, storage, body = storage_check(probe)
        assert (status, storage) == (503, "unavailable")
        assert "127.0.0.1" not in body and s3_storage.bucket not in body

    s3_storage.up()
    assert storage_check(probe)[:2] == (200, "ok")
    s3_storage.client.delete_bucket(Bucket=s3_storage.bucket)  # a bucket deleted or misnamed
    assert storage_check(probe)[:2] == (503, "unavailable")
