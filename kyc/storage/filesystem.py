"""Private file storage: files never under a URL the web server serves, encrypted by the application.

On the filesystem and on S3 alike (``kyc/storage/s3.py``) the application encrypts every stored
image with the keys of ``kyc.core.encryption.crypto``, so a copied disk, backup or bucket shows
no image and key rotation covers images too; on S3 the bucket's server-side encryption comes on top.
Files are written, read and rotated in chunks (``kyc.core.encryption.stream``, format KYCENC2),
so memory stays bounded by a few 64 KiB chunks whatever the size of the image.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from kyc.core.encryption import crypto, stream

# The name of a rotation's temporary copy begins with this; a rotation that was killed leaves one.
ROTATING_PREFIX = ".rotating-"


class StorageUnavailable(OSError):
    """The object store could not be reached in time or refused a request: our fault, never the
    applicant's. An OSError, like a full disk under filesystem storage, so callers handle both alike."""


class PrivateFileSystemStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs["base_url"] = None
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    def url(self, name):
        raise ValueError("Document files have no public URL; serve them through the document view.")

    def _save(self, name, content):
        # Django's own _save creates directories, wins name races (O_EXCL) and sets permissions;
        # it writes whatever chunks() yields.
        encrypting = _EncryptingFile(content)
        try:
            return super()._save(name, encrypting)
        except BaseException:
            if encrypting.started:
                # Django created the file (O_EXCL) and failed while writing it (a read error, a
                # full disk): no half-written image may stay behind. The name is the one asked
                # for: Django only picks another on a clash, before any chunk, and our names are
                # new UUIDs.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path(name))
            raise

    def _open(self, name, mode="rb"):
        """The plaintext of a stored file; ``size`` is the plaintext size.

        A KYCENC2 file is decrypted a chunk at a time as it is read (it is seekable, so Pillow can
        open it and FileResponse can stream it); an older KYCENC1 or plaintext file is read whole.
        """
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("Stored documents are written whole through save(), never opened for writing.")
        stored = open(self.path(name), "rb")  # the returned File owns it and closes it
        return decrypted_file(stored, name)

    def size(self, name):
        """The plaintext size: for a KYCENC2 file, from the file size (only the last chunk is
        decrypted, to check it), not by decrypting the whole file."""
        with self._open(name) as opened:
            return opened.size

    def delete_prefix(self, prefix: str) -> None:
        """Delete everything stored under ``prefix`` (a case's folder): files no row names and
        copies left by a killed rotation included. Nothing there is not an error."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.path(prefix))

    def discard_interrupted_rotations(self, prefix: str) -> int:
        """Delete the temporary copies that killed rotations left under ``prefix``; how many.

        The caller makes sure that no rotation is writing under ``prefix`` now (it holds the
        case's lock), so every copy found is a leftover.
        """
        try:
            _, names = self.listdir(prefix)
        except FileNotFoundError:
            return 0
        leftovers = [name for name in names if name.startswith(ROTATING_PREFIX)]
        for name in leftovers:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self.path(prefix), name))
        return len(leftovers)

    def rotate(self, name) -> None:
        """Re-encrypt one stored file with the newest key, in place.

        A KYCENC2 file gets its data key re-wrapped and its body copied unchanged; a KYCENC1 or
        plaintext file is converted to KYCENC2. The result is written to a new file beside the
        original, then renamed over it, so a failure leaves the original as it was.
        """
        path = self.path(name)
        with open(path, "rb") as stored:
            _replace_with(path, rotated_chunks(stored))


class _EncryptingFile(File):
    """An upload as FileSystemStorage._save should write it: ``chunks()`` yields the encrypted file.

    It has no ``temporary_file_path`` (given one, Django would move the plaintext temporary file
    into place), and the plaintext is kept out of ``self.file``, so read() or iteration cannot hand
    out plaintext by mistake.
    """

    def __init__(self, plaintext: File):
        super().__init__(None, name=plaintext.name)
        self._plaintext = plaintext
        self.started = False  # set once Django has created the file and asks for its bytes
        # Read now: missing keys must fail before Django creates the file, not leave it empty.
        self._keys = crypto.key_ring()

    def chunks(self, chunk_size=None) -> Iterator[bytes]:
        # chunk_size is ignored: the format fixes the size of its chunks.
        self.started = True
        self._plaintext.seek(0)
        return stream.encrypted_chunks(self._plaintext, keys=self._keys)


class EncryptedStream(io.RawIOBase):
    """The stored (encrypted) form of an image as a file read front to back, for stores that pull
    bytes with ``read()`` (boto3's upload) rather than take ``chunks()``."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def decrypted_file(stored: BinaryIO, name: str) -> File:
    """The plaintext of a stored file: KYCENC2 decrypted a chunk at a time as it is read (seekable,
    so Pillow can open it and FileResponse can stream it); KYCENC1 or plaintext read whole."""
    if magic_of(stored) != stream.MAGIC:
        with stored:
            return ContentFile(crypto.decrypt_bytes(stored.read()), name=name)
    try:
        plaintext = stream.DecryptingReader(stored, keys=crypto.key_ring())
    except BaseException:
        stored.close()
        raise
    opened = File(io.BufferedReader(plaintext, buffer_size=stream.CHUNK_SIZE), name=name)
    opened.size = plaintext.size
    return opened


def magic_of(stored: BinaryIO) -> bytes:
    """The first bytes, where a format's magic would be; the file is left at its start."""
    magic = stored.read(len(stream.MAGIC))
    stored.seek(0)
    return magic


def rotated_chunks(stored: BinaryIO) -> Iterator[bytes]:
    magic = magic_of(stored)
    if magic == stream.MAGIC:
        return stream.rewrapped_chunks(stored, keys=crypto.key_ring())
    if magic == crypto.FILE_MAGIC:
        # The old format is a single Fernet token: it can only be decrypted whole, as it always was.
        plaintext: BinaryIO = io.BytesIO(crypto.decrypt_bytes(stored.read()))
    else:
        plaintext = stored  # a legacy plaintext file, encrypted as it is read
    return stream.encrypted_chunks(plaintext, keys=crypto.key_ring())


def _replace_with(path: str, chunks: Iterator[bytes]) -> None:
    """Write ``chunks`` to a new private file beside ``path``, then atomically rename it over ``path``."""
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=ROTATING_PREFIX)
    try:
        with os.fdopen(descriptor, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            # On disk before the rename: a crash must not leave an empty file where the image was.
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
