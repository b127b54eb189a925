"""Encryption at rest for personal data: field values and document files.

Keys are Fernet keys (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package: a
well-reviewed construction we do not write ourselves). ``KYC_ENCRYPTION_KEYS`` (or
``KYC_ENCRYPTION_KEYS_FILE``) lists them comma-separated, newest first: the first key encrypts,
every key decrypts, so rotation is: put a new key first, deploy, run
``manage.py rotate_encryption_keys``, then drop the old key. Development machines with no key
configured get a random key file under ``KYC_DATA_DIR`` on first use — never a key from the repository.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "enc1:"
FILE_MAGIC = b"KYCENC1\n"

_lock = threading.Lock()
_cached: tuple[tuple[str, ...], MultiFernet] | None = None


class DecryptionFailed(Exception):
    """Stored ciphertext that no configured key opens: a key was dropped too early."""


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


def _fernet() -> MultiFernet:
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
    return PREFIX + _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def decrypt_text(stored: str) -> str:
    """Decrypt a stored value; a value written before encryption was turned on is returned as is."""
    if not is_encrypted(stored):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionFailed("A stored value could not be decrypted with any configured key.") from None


def rotate_text(stored: str) -> str:
    """Re-encrypt with the newest key (and encrypt a legacy plaintext value)."""
    if not is_encrypted(stored):
        return encrypt_text(stored)
    return PREFIX + _fernet().rotate(stored[len(PREFIX):].encode("ascii")).decode("ascii")


def encrypt_bytes(plaintext: bytes) -> bytes:
    return FILE_MAGIC + _fernet().encrypt(plaintext)


def decrypt_bytes(stored: bytes) -> bytes:
    if not stored.startswith(FILE_MAGIC):
        return stored
    try:
        return _fernet().decrypt(stored[len(FILE_MAGIC):])
    except InvalidToken:
        raise DecryptionFailed("A stored file could not be decrypted with any configured key.") from None


def rotate_bytes(stored: bytes) -> bytes:
    if not stored.startswith(FILE_MAGIC):
        return encrypt_bytes(stored)
    return FILE_MAGIC + _fernet().rotate(stored[len(FILE_MAGIC):])
