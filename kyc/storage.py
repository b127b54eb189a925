"""Private file storage: files never under a URL the web server serves, encrypted on disk.

On S3 the bucket encrypts (server-side encryption, see settings); on the filesystem the
application does, with the keys of ``ocr_integration.encryption.crypto``, so a copied disk or backup shows no image.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from ocr_integration.encryption import crypto


class PrivateFileSystemStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs["base_url"] = None
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    def url(self, name):
        raise ValueError("Document files have no public URL; serve them through the document view.")

    def _save(self, name, content):
        content.seek(0)
        return super()._save(name, ContentFile(crypto.encrypt_bytes(content.read())))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode:
            raise ValueError("Stored documents are written whole through save(), never opened for writing.")
        with super()._open(name, "rb") as stored:
            data = crypto.decrypt_bytes(stored.read())
        return ContentFile(data, name=name)

    def size(self, name):
        with self._open(name) as opened:
            return opened.size

    def rotate(self, name) -> None:
        """Re-encrypt one stored file with the newest key, in place (written to a new file, then renamed)."""
        import os

        path = self.path(name)
        with open(path, "rb") as stored:
            rotated = crypto.rotate_bytes(stored.read())
        temporary = f"{path}.rotating"
        with open(temporary, "wb") as out:
            out.write(rotated)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
