"""Encryption at rest for personal data: field values and document files.

Keys are Fernet keys (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package: a
well-reviewed construction we do not write ourselves). ``KYC_ENCRYPTION_KEYS`` (or
``KYC_ENCRYPTION_KEYS_FILE``) lists them comma-separated, newest first: the first key encrypts,
every key decrypts, so rotation is: put a new key first, deploy, run
``manage.py rotate_encryption_keys``, then drop the old key. Development machines with no key
configured get a random key file under ``KYC_DATA_DIR`` on first use — never a key from the repository.

Document files are encrypted in chunks under a data key of their own, which these keys wrap
(``stream.py``, format KYCENC2); the whole-file functions at the end remain for the older format.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kyc.core.encryption.errors import DecryptionFailed

PREFIX = "enc1:"
FILE_MAGIC = b"KYCENC1\n"

_lock = threading.Lock()
_cached: tuple[tuple[str, ...], MultiFernet] | None = None


def _configured_keys() -> tuple[str, ...]:
    keys = tuple(settings.KYC_ENCRYPTION_KEYS)
    if keys:
        return keys
    if settings.PRODUCTION:
        raise ImproperlyConfigured("KYC_ENCRYPTION_KEYS (or KYC_ENCRYPTION_KEYS_FILE) is required in production.")
    key_file = Path(settings.DATA_DIR) / "encryption.key"
    with _lock:
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(Fernet.generate_key().decode())
    return (key_file.read_text().strip(),)


def key_ring() -> MultiFernet:
    """The configured keys: the newest encrypts (and wraps the data keys of files), every one decrypts."""
    global _cached
    keys = _configured_keys()
    if _cached is None or _cached[0] != keys:
        try:
            fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as exc:
            raise ImproperlyConfigured(f"KYC_ENCRYPTION_KEYS holds a value that is not a Fernet key: {exc}") from None
        _cached = (keys, fernet)
    return _cached[1]


def encrypt_text(plaintext: str) -> str:
    return PREFIX + key_ring().encrypt(plaintext.encode("utf-8")).decode("ascii")


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def decrypt_text(stored: str) -> str:
    """Decrypt a stored value; a value written before encryption was turned on is returned as is."""
    if not is_encrypted(stored):
        return stored
    try:
        return key_ring().decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionFailed("A stored value could not be decrypted with any configured key.") from None


def rotate_text(stored: str) -> str:
    """Re-encrypt with the newest key (and encrypt a legacy plaintext value)."""
    if not is_encrypted(stored):
        return encrypt_text(stored)
    return PREFIX + key_ring().rotate(stored[len(PREFIX):].encode("ascii")).decode("ascii")


# Files used to be one Fernet token each (FILE_MAGIC + token, "KYCENC1"). New files are written in
# chunks (stream.py, KYCENC2), because a token holds the whole file in memory several times.
# decrypt_bytes still reads the old format (and passes legacy plaintext through); the product no
# longer writes it, encrypt_bytes stays so that tests can make old files.


def encrypt_bytes(plaintext: bytes) -> bytes:
    return FILE_MAGIC + key_ring().encrypt(plaintext)


def decrypt_bytes(stored: bytes) -> bytes:
    if not stored.startswith(FILE_MAGIC):
        return stored
    try:
        return key_ring().decrypt(stored[len(FILE_MAGIC):])
    except InvalidToken:
        raise DecryptionFailed("A stored file could not be decrypted with any configured key.") from None

