"""The Ed25519 keys that sign and verify audit checkpoints. Neither is ever stored in the database.

``AUDIT_SIGNING_KEY`` (or ``AUDIT_SIGNING_KEY_FILE``): the private key, PEM (PKCS#8), on the hosts
that write checkpoints (the beat worker, an operator running the command). ``AUDIT_VERIFYING_KEYS``
(or ``AUDIT_VERIFYING_KEYS_FILE``): one or more public keys, PEM, published wherever an auditor can
read them; old keys stay listed after a rotation so that old checkpoints still verify. Without it,
the verifying key is derived from the signing key.
"""

from __future__ import annotations

import base64
import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)


def generate_signing_key_pem() -> str:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for a verifying key: the first 16 hex digits of the SHA-256 of its raw bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signing_key() -> Ed25519PrivateKey | None:
    """The configured signing key, or None when this host does not sign checkpoints."""
    pem = (settings.AUDIT_SIGNING_KEY or "").strip()
    if not pem:
        return None
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY is not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY must be an Ed25519 key (manage.py audit_checkpoint --new-key).")
    return key


def verifying_keys() -> dict[str, Ed25519PublicKey]:
    """Every published verifying key by its id; the signing key's own when none is published."""
    keys: dict[str, Ed25519PublicKey] = {}
    for block in _PEM_BLOCK.findall(settings.AUDIT_VERIFYING_KEYS or ""):
        key = serialization.load_pem_public_key(block.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ImproperlyConfigured("AUDIT_VERIFYING_KEYS holds a key that is not Ed25519.")
        keys[key_id(key)] = key
    if not keys and (private := signing_key()) is not None:
        keys[key_id(private.public_key())] = private.public_key()
    return keys


def sign(payload: str) -> tuple[str, str]:
    """Sign ``payload``; returns (base64 signature, key id). Raises ImproperlyConfigured without a key."""
    key = signing_key()
    if key is None:
        raise ImproperlyConfigured("No AUDIT_SIGNING_KEY: this host cannot sign audit checkpoints.")
    return base64.b64encode(key.sign(payload.encode("utf-8"))).decode(), key_id(key.public_key())


def signature_valid(payload: str, signature: str, signed_by: str, keys: dict[str, Ed25519PublicKey]) -> bool:
    key = keys.get(signed_by)
    if key is None:
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), payload.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True
