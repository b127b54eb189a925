"""Blind index of face descriptors: an inverted file (IVF) whose entries carry masked keyed sketches.

A face descriptor (128 floats) is personal data, stored encrypted (kyc.models.FaceDescriptor).
To find the same face in other cases without decrypting the table, each descriptor also has one
index entry:

- ``bucket``: the keyed digest of its *list*, the number of its nearest centroid (k-means over
  the stored descriptors, trained by the worker on decrypted descriptors; ``train``). A keyed
  BLAKE2b of (centroid version, list number), so the table names no list and a retraining's
  lists never collide with the previous training's;
- ``sketch``: ``SKETCH_BITS`` bits, bit j = [cos(w_j·v + b_j) > 0] with w_j Gaussian (scale
  ``SKETCH_SCALE``) and b_j uniform in [0, 2π), both drawn from the search key (shift-invariant
  kernel LSH, Raginsky and Lazebnik 2009: two descriptors' bits differ with a probability that
  grows with their Euclidean distance, ~0.34 at 0.45, ~0.42 at 0.6), **masked**: XORed with
  AES-256-CTR under a key derived from the search key, the descriptor's id as the nonce (a new
  selfie is a new descriptor row, so no pad is used twice under one key). Stored in clear, the
  sketches would give every pair of cases' Hamming distance: a noisy distance matrix of the
  whole population. Masked, they read as 64 random bytes to someone without the key.

A search takes the query's ``PROBES`` nearest centroids, reads those lists' (descriptor id,
masked sketch), unmasks them, ranks them by Hamming distance to the query's sketch and hands the
closest ids to the caller, which decrypts those descriptors alone and measures them exactly
(kyc.services.faces). Chosen with bench/face_index_tuning.py --compare and bench/face_ivf_postgres.py
(docs/architecture.md, "Duplicate faces"): at 1M cases, k = 1 000, 16 probes, 512-bit sketches,
a second selfie 0.449 away is among the 100 decrypted ~99 % of the time, reading ~17 000 entries.

What the index tells someone with the database but not the key: which cases share a list (a
partition into k cells of ~N/k cases, no grading inside a cell) and the cells' sizes.

Plain Python and numpy: no Django. The caller passes the search key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import threading
from dataclasses import dataclass

import numpy as np

DIMENSIONS = 128
SKETCH_BITS = 512
SKETCH_BYTES = SKETCH_BITS // 8
SKETCH_SCALE = 3.0
# Lists read per search: 8 lose the duplicate when it lies across a cell boundary (93-96 % at 1M),
# 16 keep it (96-99 %) at ~1.7 % of the entries at k = 1 000.
PROBES = 16
# Below this many descriptors there is one list (k = 1) and no centroid is stored: every sketch is
# ranked (a few thousand 64-byte rows per search), and no average of a handful of faces is kept.
SINGLE_LIST_BELOW = 4000
# A centroid stands for at least this many faces: an erased face stays in its centroid's average
# until the next retraining, so the average must not be close to any one face.
MIN_LIST_SIZE = 20
# Descriptors k-means trains on (a uniform sample; Lloyd iterations over it).
TRAINING_SAMPLE = 100_000
TRAINING_ITERATIONS = 10

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


@dataclass(frozen=True)
class FaceIndexKeys:
    """What the search key gives the index: the sketch's projections, the pad's AES key and the
    list digests' BLAKE2b key, each derived separately (none of them reveals another)."""

    projections: np.ndarray  # SKETCH_BITS x DIMENSIONS
    offsets: np.ndarray  # SKETCH_BITS
    pad_key: bytes
    list_key: bytes


_lock = threading.Lock()
_keys: dict[bytes, FaceIndexKeys] = {}


def index_keys(search_key: bytes) -> FaceIndexKeys:
    """The index's keys under ``search_key`` (drawn once per key and process)."""
    with _lock:
        found = _keys.get(search_key)
        if found is None:
            def derive(label: bytes) -> bytes:
                return hmac.new(search_key, b"kyc-face-index:" + label, hashlib.sha256).digest()

            rng = np.random.default_rng(int.from_bytes(derive(b"sketch"), "big"))
            found = FaceIndexKeys(projections=rng.standard_normal((SKETCH_BITS, DIMENSIONS)) * SKETCH_SCALE,
                                  offsets=rng.uniform(0, 2 * np.pi, SKETCH_BITS),
                                  pad_key=derive(b"pad"), list_key=derive(b"list"))
            _keys[search_key] = found
        return found


def sketches(keys: FaceIndexKeys, descriptors) -> np.ndarray:
    """The plain sketch of each row of ``descriptors`` (rows x SKETCH_BYTES, uint8)."""
    vectors = np.atleast_2d(np.asarray(descriptors, dtype=np.float64))
    return np.packbits(np.cos(vectors @ keys.projections.T + keys.offsets) > 0, axis=1)


def pads(keys: FaceIndexKeys, descriptor_ids) -> np.ndarray:
    """AES-256-CTR keystream of each descriptor id (rows x SKETCH_BYTES): the counter block is
    (id, block number) little-endian, so one ECB call over all counter blocks gives every row's
    keystream at once."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    ids = np.asarray(descriptor_ids, dtype=np.uint64).reshape(-1)
    blocks = -(-SKETCH_BYTES // 16)
    counters = np.zeros((len(ids), blocks, 2), dtype="<u8")
    counters[:, :, 0] = ids[:, None]
    counters[:, :, 1] = np.arange(blocks, dtype=np.uint64)[None, :]
    encryptor = Cipher(algorithms.AES(keys.pad_key), modes.ECB()).encryptor()  # noqa: S305 (CTR built by hand)
    stream = encryptor.update(counters.tobytes()) + encryptor.finalize()
    return np.frombuffer(stream, dtype=np.uint8).reshape(len(ids), -1)[:, :SKETCH_BYTES]


def masked_sketches(keys: FaceIndexKeys, descriptor_ids, descriptors) -> np.ndarray:
    """What is stored: each descriptor's sketch XORed with its id's pad."""
    return np.bitwise_xor(sketches(keys, descriptors), pads(keys, descriptor_ids))


def unmask(keys: FaceIndexKeys, descriptor_ids, stored: np.ndarray) -> np.ndarray:
    return np.bitwise_xor(stored, pads(keys, descriptor_ids))


def hamming(sketch_rows: np.ndarray, query_sketch: np.ndarray) -> np.ndarray:
    """Bits differing between each row and the query's sketch."""
    return _POPCOUNT[np.bitwise_xor(sketch_rows, query_sketch)].sum(axis=1, dtype=np.int32)


def list_digests(keys: FaceIndexKeys, version: int, lists) -> list[int]:
    """The keyed digest of each list number under centroid ``version``, as a signed 64-bit integer
    (what ``bucket`` stores). 64 bits: k lists per version, a chance collision never in practice."""
    blake2b = hashlib.blake2b
    return [int.from_bytes(blake2b(int(version).to_bytes(8, "little") + int(n).to_bytes(4, "little"),
                                   key=keys.list_key, digest_size=8, person=b"kyc-face-list").digest(),
                           "little", signed=True)
            for n in lists]


def nearest_lists(centroids: np.ndarray | None, descriptors, count: int) -> np.ndarray:
    """The ``count`` nearest centroids of each descriptor, nearest first (rows x min(count, k)).
    ``centroids`` None: one list (k = 1), list 0 for everything."""
    vectors = np.atleast_2d(np.asarray(descriptors, dtype=np.float32))
    if centroids is None or len(centroids) <= 1:
        return np.zeros((len(vectors), 1), dtype=np.int64)
    count = min(count, len(centroids))
    norms = np.einsum("ij,ij->i", centroids, centroids)
    out = np.empty((len(vectors), count), dtype=np.int64)
    for start in range(0, len(vectors), 10_000):
        distances = norms[None, :] - 2 * vectors[start:start + 10_000] @ centroids.T
        best = (np.argpartition(distances, count - 1, axis=1)[:, :count] if count < len(centroids)
                else np.broadcast_to(np.arange(len(centroids)), distances.shape))
        order = np.argsort(np.take_along_axis(distances, best, axis=1), axis=1, kind="stable")
        out[start:start + 10_000] = np.take_along_axis(best, order, axis=1)
    return out


def lists_for(population: int) -> int:
    """k for a population: 1 below ``SINGLE_LIST_BELOW``, else ~sqrt(N) (at 1M, k = 1 000 found
    99.2 % at the threshold against 97.4 % for 2 000, over 500 queries in memory)."""
    if population < SINGLE_LIST_BELOW:
        return 1
    return min(int(math.sqrt(population)), population // MIN_LIST_SIZE)


def train(sample: np.ndarray, k: int, *, seed: int = 19) -> np.ndarray | None:
    """k-means centroids (float32, k' x 128, k' <= k) over ``sample`` (the decrypted descriptors,
    or a uniform sample of them), with every centroid standing for at least ``MIN_LIST_SIZE`` of
    the sample: a smaller list's centroid is dropped and its faces go to their next nearest.
    None for k = 1 (no centroid is kept)."""
    if k <= 1:
        return None
    rng = np.random.default_rng(seed)
    points = np.asarray(sample, dtype=np.float32)
    # No more lists than the sample can fill to the minimum size.
    k = min(k, len(points) // MIN_LIST_SIZE)
    if k <= 1:
        return None
    centroids = points[rng.choice(len(points), k, replace=False)].copy()
    for _ in range(TRAINING_ITERATIONS):
        nearest = nearest_lists(centroids, points, 1)[:, 0]
        counts = np.bincount(nearest, minlength=len(centroids))
        sums = np.zeros_like(centroids)
        np.add.at(sums, nearest, points)
        kept = counts >= MIN_LIST_SIZE
        if kept.sum() <= 1:
            return None
        # Small lists are merged into their neighbours by dropping their centroid (Lloyd's next
        # step re-assigns their faces); empty ones too.
        centroids = sums[kept] / counts[kept, None]
    # The last means were computed on the last assignment: check the sizes once more.
    while len(centroids) > 1:
        counts = np.bincount(nearest_lists(centroids, points, 1)[:, 0], minlength=len(centroids))
        if counts.min() >= MIN_LIST_SIZE:
            break
        centroids = centroids[counts >= MIN_LIST_SIZE] if (counts >= MIN_LIST_SIZE).any() else centroids[:1]
    return centroids.astype(np.float32) if len(centroids) > 1 else None


def encode_centroids(centroids: np.ndarray | None) -> str:
    """The centroids as text for their encrypted field (float32, base64; empty for k = 1)."""
    if centroids is None:
        return ""
    return base64.b64encode(np.asarray(centroids, dtype="<f4").tobytes()).decode()


def decode_centroids(text: str) -> np.ndarray | None:
    if not text:
        return None
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(-1, DIMENSIONS).copy()


def encode_descriptor(descriptor) -> str:
    """The descriptor as text for its encrypted field (float32, base64: 684 characters)."""
    return base64.b64encode(np.asarray(descriptor, dtype="<f4").tobytes()).decode()


def decode_descriptor(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float64)


def reservoir(rows, size: int, *, seed: int = 23):
    """A uniform sample of ``size`` items from an iterable of unknown length, in one pass
    (Vitter's algorithm R), and how many items there were."""
    rng = np.random.default_rng(seed)
    kept: list = []
    seen = 0
    for item in rows:
        if len(kept) < size:
            kept.append(item)
        else:
            slot = int(rng.integers(0, seen + 1))
            if slot < size:
                kept[slot] = item
        seen += 1
    return kept, seen
