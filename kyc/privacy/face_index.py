"""Blind index of face descriptors: keyed locality-sensitive hash buckets.

A face descriptor (128 floats) is personal data, stored encrypted (kyc.models.FaceDescriptor).
To find the same face in other cases without decrypting every descriptor, each one is also
indexed under ``TABLES`` bucket digests. A bucket is a p-stable (Gaussian) LSH of the descriptor
for Euclidean distance (Datar et al., 2004): ``floor((a·v + b) / WIDTH)`` for ``BITS`` random
projections ``a`` and offsets ``b``, one tuple per table. Close descriptors share a bucket in some
table with high probability, distant ones rarely. The projections are drawn from a generator
seeded by the search key, and the bucket is stored as an HMAC under that key, so the table tells
someone without the key only which cases share a bucket, never where a face lies.

Selective keys with multi-probe (Lv et al., 2007): ``BITS`` = 14 projections per table make a
stranger's descriptor (~0.9 away) share a bucket with the query in a table about once in 400 000,
where a second selfie of the same person (~0.33 away) does about once in 70. A query therefore
also probes, in each table, the ``PROBES`` neighbouring buckets that it lies closest to (one
projection shifted by one cell, nearest boundaries first): only the query computes these, the
stored rows stay one per table. A search digests those buckets, takes the cases found in the
most of them (the candidates, a few dozen at 100k cases), decrypts only their descriptors, and
keeps those within the threshold. (The first version, 8 projections and no probes, drew ~2 000
candidates at 100k and lost a fifth of the true matches behind its cap of 500.)
"""

from __future__ import annotations

import hashlib
import hmac
import threading

import numpy as np
from django.conf import settings

TABLES = 40
BITS = 14
# Neighbouring buckets a query also looks in, per table.
PROBES = 12
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


def _digests(key: bytes, cells: np.ndarray) -> list[str]:
    """The digest of each bucket, given as rows of (table, cell on each projection): HMAC of the
    row as little-endian int32 bytes, cut to 128 bits (plenty to keep buckets apart, and half the
    index and each search's query text of the full 256)."""
    return [hmac.digest(key, row.tobytes(), "sha256").hex()[:32] for row in np.ascontiguousarray(cells, dtype="<i4")]


def _positions(key: bytes, descriptors: np.ndarray) -> np.ndarray:
    """Where each descriptor falls along each projection, in cells (rows x TABLES x BITS)."""
    a, b = _projections_for(key)
    return ((descriptors @ a.T + b) / WIDTH).reshape(len(descriptors), TABLES, BITS)


def bucket_digests(descriptor) -> list[str]:
    """The descriptor's ``TABLES`` bucket digests (hex), one per table: what is stored."""
    return bucket_digests_many(np.asarray(descriptor, dtype=np.float64)[None, :])[0]


def bucket_digests_many(descriptors) -> list[list[str]]:
    """``bucket_digests`` of each row of a matrix of descriptors (one projection for all)."""
    key = _key()
    cells = np.floor(_positions(key, np.asarray(descriptors, dtype=np.float64))).astype(np.int64)
    tables = np.broadcast_to(np.arange(TABLES)[None, :, None], (len(cells), TABLES, 1))
    digests = _digests(key, np.concatenate([tables, cells], axis=2).reshape(-1, BITS + 1))
    return [digests[i * TABLES:(i + 1) * TABLES] for i in range(len(cells))]


def probe_digests(descriptor) -> list[str]:
    """The digests a search looks up: per table the query's own bucket, then the ``PROBES``
    buckets across the boundaries it lies closest to (one cell shifted on one projection)."""
    key = _key()
    position = _positions(key, np.asarray(descriptor, dtype=np.float64)[None, :])[0]
    cells = np.floor(position).astype(np.int64)
    below = position - cells  # distance to the lower boundary; 1 - below to the upper one
    nearest = np.argsort(np.concatenate([below, 1 - below], axis=1), axis=1, kind="stable")[:, :PROBES]
    probes = np.repeat(cells[:, None, :], PROBES + 1, axis=1)  # TABLES x (1 + PROBES) x BITS
    tables = np.arange(TABLES)
    for probe in range(PROBES):
        choice = nearest[:, probe]
        probes[tables, probe + 1, choice % BITS] += np.where(choice < BITS, -1, 1)
    tables = np.broadcast_to(np.arange(TABLES)[:, None, None], (TABLES, PROBES + 1, 1))
    return _digests(key, np.concatenate([tables, probes], axis=2).reshape(-1, BITS + 1))


def encode_descriptor(descriptor) -> str:
    """The descriptor as text for its encrypted field (float32, base64: 684 characters)."""
    import base64

    return base64.b64encode(np.asarray(descriptor, dtype="<f4").tobytes()).decode()


def decode_descriptor(text: str) -> np.ndarray:
    import base64

    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float64)
