"""Private S3 storage: django-storages' S3Storage with bounded waits and errors the product handles.

Objects are private and encrypted twice: by the application, in the same KYCENC2 format as on the
filesystem (so ``KYC_ENCRYPTION_KEYS`` and key rotation cover them, and a leaked bucket or a
misconfigured bucket policy shows no image), and by the bucket (``default_acl``, ``object_parameters``).
Every call has a connect and a read timeout and a bounded number of attempts (botocore's
"standard" retries), so an S3 endpoint that hangs fails a request instead of holding it; every
failure to reach or use S3 is raised as ``kyc.storage.filesystem.StorageUnavailable`` (an OSError), which the
upload answers with 503 ``storage_unavailable`` and the erasure records for a later retry.
"""

from __future__ import annotations

import io

import boto3.exceptions
import botocore.exceptions
from botocore.config import Config
from django.core.files.base import File
from storages.backends.s3 import S3Storage

from kyc.core.encryption import crypto, stream
from kyc.storage.filesystem import (
    EncryptedStream,
    StorageUnavailable,
    decrypted_file,
    rotated_chunks,
)

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

    def _save(self, name, content):
        # boto3 pulls the body with read(): hand it the encrypted stream, never the plaintext.
        keys = crypto.key_ring()  # missing keys fail here, before anything is sent
        content.seek(0)
        encrypted = File(io.BufferedReader(EncryptedStream(stream.encrypted_chunks(content, keys=keys))), name=name)
        encrypted.content_type = "application/octet-stream"
        return super()._save(name, encrypted)

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Stored documents are written whole through save(), never opened for writing.")
        try:
            stored = super()._open(name, mode)
            return decrypted_file(stored, name)
        except _S3_FAILURES as exc:
            raise _unavailable(exc) from None

    def url(self, name, parameters=None, expire=None, http_method=None):
        # As on the filesystem: an image is shown only through the permission-checked, audited
        # document view. A presigned URL would skip both and hand out KYCENC2 ciphertext anyway.
        raise ValueError("Document files have no public URL; serve them through the document view.")

    def size(self, name):
        """The plaintext size, as on the filesystem (S3's own size is the encrypted one)."""
        with self._open(name) as opened:
            return opened.size

    def rotate(self, name) -> None:
        """Re-encrypt one stored object with the newest key. One PUT replaces the object whole, so
        a failure leaves the original as it was and no temporary copy is ever made."""
        try:
            with S3Storage._open(self, name, "rb") as stored:
                rotated = File(io.BufferedReader(EncryptedStream(rotated_chunks(stored))), name=name)
                rotated.content_type = "application/octet-stream"
                super()._save(name, rotated)
        except _S3_FAILURES as exc:
            raise _unavailable(exc) from None

    def discard_interrupted_rotations(self, prefix: str) -> int:
        # A rotation on S3 replaces an object with one PUT: a killed one leaves nothing behind.
        return 0

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
