"""Private S3 storage: django-storages' S3Storage with bounded waits and errors the product handles.

Objects are private and encrypted by the bucket (settings: ``default_acl``, ``object_parameters``).
Every call has a connect and a read timeout and a bounded number of attempts (botocore's
"standard" retries), so an S3 endpoint that hangs fails a request instead of holding it; every
failure to reach or use S3 is raised as ``kyc.storage.StorageUnavailable`` (an OSError), which the
upload answers with 503 ``storage_unavailable`` and the erasure records for a later retry.
"""

from __future__ import annotations

import boto3.exceptions
import botocore.exceptions
from botocore.config import Config
from storages.backends.s3 import S3Storage

from kyc.storage import StorageUnavailable

_S3_FAILURES = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, boto3.exceptions.Boto3Error)


def _unavailable(exc: Exception) -> StorageUnavailable:
    # The class and botocore's message name the operation, host and key (a UUID), no personal data.
    return StorageUnavailable(f"S3: {type(exc).__name__}: {exc}")


class PrivateS3Storage(S3Storage):
    def get_default_settings(self):
        return {**super().get_default_settings(), "connect_timeout": 3.0, "read_timeout": 5.0, "max_attempts": 2}

    def __init__(self, **settings):
        super().__init__(**settings)
        self.client_config = self.client_config.merge(Config(
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"max_attempts": self.max_attempts, "mode": "standard"},
        ))

    def save(self, name, content, max_length=None):
        # Not only _save: with file_overwrite off, picking a free name asks S3 first (HEAD).
        # A failed upload leaves no object: a single PUT is all or nothing, and a failed multipart
        # upload is aborted by boto3's transfer manager.
        try:
            return super().save(name, content, max_length=max_length)
        except _S3_FAILURES as exc:
            raise _unavailable(exc) from None

    def delete(self, name):
        try:
            super().delete(name)
        except _S3_FAILURES as exc:
            raise _unavailable(exc) from None

    def delete_prefix(self, prefix: str) -> None:
        """Delete every object whose key starts with ``prefix`` (a case's folder), whether or not a
        row names it. Raises StorageUnavailable if any could not be deleted."""
        client = self.connection.meta.client
        key_prefix = self._normalize_name(prefix)
        if not key_prefix.endswith("/"):
            key_prefix += "/"
        try:
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket_name, Prefix=key_prefix):
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if not keys:
                    continue
                answer = client.delete_objects(Bucket=self.bucket_name, Delete={"Objects": keys, "Quiet": True})
                if answer.get("Errors"):
                    # A batch delete answers 200 and lists the keys it could not delete.
                    first = answer["Errors"][0]
                    raise StorageUnavailable(
                        f"S3: {len(answer['Errors'])} objects not deleted ({first.get('Code', 'error')})"
                    )
        except _S3_FAILURES as exc:
            raise _unavailable(exc) from None
