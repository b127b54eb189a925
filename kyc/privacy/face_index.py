"""Blind index of face descriptors: keyed locality-sensitive hash buckets.

A face descriptor (128 floats) is personal data, stored encrypted (kyc.models.FaceDescriptor).
To find the same face in other cases without decrypting every descriptor, each one is also
indexed under ``TABLES`` bucket digests. A bucket is a p-stable (Gaussian) LSH of the descriptor
for Euclidean distance (Datar et al., 2004): ``floor((a·v + b) / WIDTH)`` for ``BITS`` random
projections ``a`` and offsets ``b``, one tuple per table. Close descriptors share a bucket in some
table with high probability, distant ones rarely. The projections are drawn from a generator
seeded by the search key, and the bucket is stored as an HMAC under that key, so the table tells
someone without the key only which cases share a bucket, never where a face lies.

A search digests the query's buckets, takes the cases found in the most tables (the
candidates), decrypts only their descriptors, and keeps those within the threshold.
"""

from __future__ import annotations

import hashlib
import hmac
import threading

import numpy as np
from django.conf import settings

TABLES = 40
BITS = 8
# Bucket width in descriptor units: dlib's same-person distances run 0.2-0.5, different people's
# 0.7-1.0.
WIDTH = 1.0
DIMENSIONS = 128

_lock = threading.Lock()
_projections: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}


def _key() -> bytes:
    configured = settings.SEARCH_INDEX_KEY
    base = configured.encode() if configured else hmac.new(
        settings.SECRET_KEY.encode(), b"kyc-search-index", hashlib.sha256).digest()
    # Its own key, derived: a face bucket digest and a name digest are never comparable.
    return hmac.new(base, b"kyc-face-index", hashlib.sha256).digest()


def _projections_for(key: bytes) -> tuple[np.ndarray, np.ndarray]:
    with _lock:
        found = _projections.get(key)
        if found is None:
            seed = int.from_bytes(hmac.new(key, b"projections", hashlib.sha256).digest(), "big")
            rng = np.random.default_rng(seed)
            found = (rng.standard_normal((TABLES * BITS, DIMENSIONS)), rng.uniform(0, WIDTH, TABLES * BITS))
            _projections[key] = found
        return found


def bucket_digests(descriptor) -> list[str]:
    """The descriptor's ``TABLES`` bucket digests (hex), one per table."""
    key = _key()
    a, b = _projections_for(key)
    cells = np.floor((a @ np.asarray(descriptor, dtype=np.float64) + b) / WIDTH).astype(np.int64).reshape(TABLES, BITS)
    return [hmac.new(key, f"{t}:{','.join(map(str, row))}".encode(), hashlib.sha256).hexdigest()
            for t, row in enumerate(cells.tolist())]


def encode_descriptor(descriptor) -> str:
    """The descriptor as text for its encrypted field (float32, base64: 684 characters)."""
    import base64

    return base64.b64encode(np.asarray(descriptor, dtype="<f4").tobytes()).decode()


def decode_descriptor(text: str) -> np.ndarray:
    import base64

    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float64)
