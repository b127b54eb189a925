"""Blind index of face descriptors: keyed locality-sensitive hash buckets.

A face descriptor (128 floats) is personal data, stored encrypted (kyc.models.FaceDescriptor).
To find the same face in other cases without decrypting every descriptor, each one is also
indexed under ``TABLES`` bucket digests. A bucket is a p-stable (Gaussian) LSH of the descriptor
for Euclidean distance (Datar et al., 2004): ``floor((a·v + b) / WIDTH)`` for ``BITS`` random
projections ``a`` and offsets ``b``, one tuple per table. Close descriptors share a bucket in some
table with high probability, distant ones rarely. The projections are drawn from a generator
seeded by the search key, and the bucket is stored as a keyed digest (BLAKE2b, 64 bits) under that key, so the table tells
someone without the key only which cases share a bucket, never where a face lies.

Multi-probe (Lv et al., 2007): ``BITS`` = 18 projections per table keep a stranger's bucket
rarely shared, so a query also looks, in each table, in the ``PROBES`` neighbouring buckets it is
likeliest to share with a close face: shifted by one cell on one projection, or on two, ranked by
the sum of the squared distances to the boundaries crossed (Lv et al.'s score). Only the query
computes these; the stored rows stay one per table. A search digests those buckets, takes the
cases found in the most of them (the candidates), decrypts only the first ``SEARCH_CANDIDATES``
of them (kyc.services.faces), and keeps those within the threshold.

Chosen with bench/face_index_tuning.py on clustered synthetic descriptors (docs/architecture.md):
a second selfie exactly 0.45 away (the duplicate threshold, the worst case) is found ~95 % of
the time at 100k cases among the 100 candidates decrypted, one 0.40 away ~100 %, where the earlier
14 projections of width 1.0 with 12 one-shift probes found ~45 % and ~90 %. The price is index
rows read: ~4 000 per search at 100k (p95 ~14 000) instead of a few hundred: p-stable LSH for a
ratio of ~1.4 between a duplicate's distance and a close stranger's reads on the order of
N^(2/3) rows.
"""

from __future__ import annotations

import hashlib
import hmac
import threading

import numpy as np
from django.conf import settings

TABLES = 40
BITS = 18
# Neighbouring buckets a query also looks in, per table (one- and two-projection shifts).
PROBES = 40
# Bucket width in descriptor units (dlib's same-person distances run 0.2-0.5, different people's
# 0.6-1.0): wide cells with many projections tell a duplicate at 0.45 from a stranger at 0.6 better
# than narrow ones with few (bench/face_index_tuning.py).
WIDTH = 1.6
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


def _digests(key: bytes, cells: np.ndarray) -> list[int]:
    """The digest of each bucket, given as rows of (table, cell on each projection): a keyed
    BLAKE2b of the row as little-endian int32 bytes, cut to 64 bits and stored as a signed bigint.
    64 bits keep buckets apart (~4e7 stored digests at 1M cases against 1 640 probed per search:
    a chance collision once in ~3e8 searches, and a collision only adds a candidate that the exact
    distance then rejects); an integer makes each (bucket, descriptor) index entry 24 bytes instead
    of ~56 with the 128-bit hex text, and each comparison an integer one, not a collation's. BLAKE2's own key mode is a PRF
    (RFC 7693), as HMAC-SHA256 was, at a third of its cost in CPython (1 640 digests per search)."""
    blake2b = hashlib.blake2b
    return [int.from_bytes(blake2b(row.tobytes(), key=key, digest_size=8, person=b"kyc-face-bucket").digest(),
                           "little", signed=True)
            for row in np.ascontiguousarray(cells, dtype="<i4")]


def _positions(key: bytes, descriptors: np.ndarray) -> np.ndarray:
    """Where each descriptor falls along each projection, in cells (rows x TABLES x BITS)."""
    a, b = _projections_for(key)
    return ((descriptors @ a.T + b) / WIDTH).reshape(len(descriptors), TABLES, BITS)


def bucket_digests(descriptor) -> list[int]:
    """The descriptor's ``TABLES`` bucket digests (signed 64-bit), one per table: what is stored."""
    return bucket_digests_many(np.asarray(descriptor, dtype=np.float64)[None, :])[0]


def bucket_digests_many(descriptors) -> list[list[int]]:
    """``bucket_digests`` of each row of a matrix of descriptors (one projection for all)."""
    key = _key()
    cells = np.floor(_positions(key, np.asarray(descriptors, dtype=np.float64))).astype(np.int64)
    tables = np.broadcast_to(np.arange(TABLES)[None, :, None], (len(cells), TABLES, 1))
    digests = _digests(key, np.concatenate([tables, cells], axis=2).reshape(-1, BITS + 1))
    return [digests[i * TABLES:(i + 1) * TABLES] for i in range(len(cells))]


def perturbations(bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Every shift of a bucket by one cell on one projection or on two different ones: the shifts
    (perturbations x bits, values -1/0/+1) and, per shift, the two boundary columns it crosses
    (column ``j < bits`` is projection ``j`` downwards, ``bits + j`` upwards; a one-projection
    shift names its column twice)."""
    crossings = [(j, j) for j in range(2 * bits)]
    crossings += [(i, j) for i in range(2 * bits) for j in range(i + 1, 2 * bits) if i % bits != j % bits]
    shifts = np.zeros((len(crossings), bits), dtype=np.int64)
    for n, crossed in enumerate(crossings):
        for column in dict.fromkeys(crossed):
            shifts[n, column % bits] += -1 if column < bits else 1
    return shifts, np.array(crossings, dtype=np.int64)


_SHIFTS, _CROSSINGS = perturbations(BITS)


def probe_cells(position: np.ndarray, probes: int = PROBES, *, shifts=_SHIFTS,
                crossings=_CROSSINGS) -> tuple[np.ndarray, np.ndarray]:
    """The cells a query looks in, per table: its own, then the ``probes`` shifts with the lowest
    score (sum of the squared distances to the boundaries crossed, in cells), from where it lies
    in each table (``position``: tables x bits, in cells). Returns the cells (tables x (1 + probes)
    x bits) and their scores (tables x (1 + probes); 0 for the query's own cell)."""
    cells = np.floor(position).astype(np.int64)
    below = position - cells  # distance to the lower boundary; 1 - below to the upper one
    squared = np.concatenate([below, 1 - below], axis=1) ** 2  # tables x 2 bits
    two = crossings[:, 0] != crossings[:, 1]
    score = squared[:, crossings[:, 0]] + np.where(two, squared[:, crossings[:, 1]], 0.0)
    # The ``probes`` lowest, then in order: a partition is linear, a full sort of the ~650 shifts
    # per table is not (and was a third of the client's probe CPU).
    lowest = np.argpartition(score, probes - 1, axis=1)[:, :probes] if probes < score.shape[1] else \
        np.broadcast_to(np.arange(score.shape[1]), score.shape)
    best = np.take_along_axis(lowest, np.argsort(np.take_along_axis(score, lowest, axis=1), axis=1, kind="stable"),
                              axis=1)
    scores = np.concatenate([np.zeros((len(cells), 1)), np.take_along_axis(score, best, axis=1)], axis=1)
    return np.concatenate([cells[:, None, :], cells[:, None, :] + shifts[best]], axis=1), scores


def probe_digests(descriptor) -> list[int]:
    """The digests a search looks up: per table the query's own bucket, then the ``PROBES``
    neighbouring buckets it is likeliest to share with a close face (``probe_cells``)."""
    key = _key()
    probes, _scores = probe_cells(_positions(key, np.asarray(descriptor, dtype=np.float64)[None, :])[0])
    tables = np.broadcast_to(np.arange(TABLES)[:, None, None], (TABLES, PROBES + 1, 1))
    return _digests(key, np.concatenate([tables, probes], axis=2).reshape(-1, BITS + 1))


def encode_descriptor(descriptor) -> str:
    """The descriptor as text for its encrypted field (float32, base64: 684 characters)."""
    import base64

    return base64.b64encode(np.asarray(descriptor, dtype="<f4").tobytes()).decode()


def decode_descriptor(text: str) -> np.ndarray:
    import base64

    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float64)


def rebuild(descriptor_model, entry_model, *, batch_size: int = 2000, using: str = "default") -> int:
    """Re-digest every stored descriptor under the current scheme (after ``TABLES``, ``BITS`` or
    ``WIDTH`` change, or the search key): delete the index rows, then stream the descriptors in
    batches of ``batch_size`` (one decryption each, one vectorised projection per batch, one bulk
    insert per batch), so memory stays flat at any table size. Takes the model classes so that a
    migration can pass its historical ones. Returns the number of descriptors indexed."""
    from kyc.core.encryption import crypto

    entry_model.objects.using(using).all().delete()
    rows = (descriptor_model.objects.using(using).order_by("pk")
            .values_list("id", "case_id", "descriptor").iterator(chunk_size=batch_size))
    indexed = 0
    while True:
        chunk = [row for _, row in zip(range(batch_size), rows, strict=False)]
        if not chunk:
            return indexed
        # The field decrypts on read; decrypt_text passes plain text through (and decrypts a value
        # read through a model without the field class, e.g. a bare historical one).
        vectors = np.stack([decode_descriptor(crypto.decrypt_text(text)) for _id, _case, text in chunk])
        entry_model.objects.using(using).bulk_create(
            [entry_model(descriptor_id=descriptor_id, case_id=case_id, bucket=bucket)
             for (descriptor_id, case_id, _text), digests in zip(chunk, bucket_digests_many(vectors), strict=True)
             for bucket in dict.fromkeys(digests)],
            batch_size=10_000)
        indexed += len(chunk)
