"""Duplicate-face search as an IVF with masked sketches, measured on PostgreSQL (issue 19 point 4).

A prototype of the method that ``bench/face_index_tuning.py --compare`` chose in memory, run on
PostgreSQL as the product would run it, so that its cost per search is measured rather than
estimated. The product has since been built on it (kyc.privacy.face_index, migration 0030: 512-bit
sketches, k ~ sqrt(N), measured by bench/face_match.py); this prototype keeps its own tables in a
database of its own (``<prefix>_ivf``, dropped at the end), no Django models, for parameter runs
at 1M without populating cases.

What is stored, per case (``assign`` = 1):

- ``ivf_entry``: the keyed digest of the case's list (its nearest centroid; a keyed BLAKE2b of
  the list number, so the table names no list), the descriptor's id, and its 256-bit sketch
  (``KeyedSketch``: bits of cos(w·v + b) for keyed w, b; ``--sketch-bits``) **masked**: XORed with a pad that is
  AES-256 of (descriptor id, block) under a key derived from the search key (counter mode with
  the id as nonce: a descriptor row is never re-sketched under the same id and key). The
  database holder sees which cases share a list and 32 random-looking bytes per case;
  one covering index (list digest) INCLUDE (descriptor id, sketch): a search reads its lists'
  entries in index order, index-only;
- ``face_descriptor``: the descriptor, Fernet-encrypted as the product stores it (float32 base64).

The centroids (k-means on the descriptors, ``k`` x 128 float32) are personal data in the same way
as the descriptors (averages of real faces): kept Fernet-encrypted at rest and decrypted by a
worker once (here: held in memory, as a worker would after decrypting them).

A search: the ``probes`` nearest centroids -> their digests -> one statement reading those lists'
(id, masked sketch) -> unmask (one AES call for all) -> Hamming distance to the query's sketch
-> the ``candidates`` closest ids -> one statement fetching their encrypted descriptors -> Fernet
decrypt and exact distance -> those within 0.45.

    python bench/face_ivf_postgres.py --sizes 100000 --k 300 --probes 8,16 --queries 200
    python bench/face_ivf_postgres.py --sizes 1000000 --k 1000 --probes 16 --queries 200

Prints per size: wall and CPU (this process, and the PostgreSQL backend's schedstat) per search,
rows read, recall of a second selfie 0.449 / 0.40 / 0.35 away, new faces matched, the storage of
each table and index, with the load average.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import DATABASE_PREFIX, POSTGRES_SERVER, describe, load  # noqa: E402
from bench.face_index_tuning import (  # noqa: E402
    KeyedSketch,
    at_distance,
    clustered_descriptors,
    hamming,
    kmeans,
    nearest_centroids,
)
from kyc.privacy.face_index import decode_descriptor, encode_descriptor  # noqa: E402  (as the product stores them)

THRESHOLD = 0.45
SEARCH_KEY = hashlib.sha256(b"bench-only search key: never a real one").digest()


class Pads:
    """The keyed pad of each row's sketch: AES-256 in counter mode with the descriptor id as the
    nonce, computed for many rows in one call (ECB over the counter blocks is CTR's keystream)."""

    def __init__(self, key: bytes, sketch_bytes: int):
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        self.cipher = Cipher(algorithms.AES(hashlib.blake2b(key, person=b"kyc-face-sketch", digest_size=32)
                                            .digest()), modes.ECB())
        self.blocks = -(-sketch_bytes // 16)
        self.sketch_bytes = sketch_bytes

    def of(self, ids: np.ndarray) -> np.ndarray:
        counters = np.zeros((len(ids), self.blocks, 2), dtype="<u8")
        counters[:, :, 0] = np.asarray(ids, dtype=np.uint64)[:, None]
        counters[:, :, 1] = np.arange(self.blocks, dtype=np.uint64)[None, :]
        encryptor = self.cipher.encryptor()
        stream = encryptor.update(counters.tobytes()) + encryptor.finalize()
        return np.frombuffer(stream, dtype=np.uint8).reshape(len(ids), -1)[:, :self.sketch_bytes]


def list_digests(key: bytes, lists) -> list[int]:
    return [int.from_bytes(hashlib.blake2b(int(n).to_bytes(4, "little"), key=key, digest_size=8,
                                           person=b"kyc-face-list").digest(), "little", signed=True)
            for n in lists]


def build(connection, population: np.ndarray, *, k: int, sketch: KeyedSketch, pads: Pads, fernet) -> np.ndarray:
    started, cpu = time.perf_counter(), time.process_time()
    centroids = kmeans(population, k, iterations=8, sample=max(50 * k, 100_000))
    lists = nearest_centroids(population, centroids, 1)[:, 0]
    trained = time.process_time() - cpu
    ids = np.arange(1, len(population) + 1)
    masked = np.bitwise_xor(sketch.of(population), pads.of(ids))
    digests = np.array(list_digests(SEARCH_KEY, range(k)), dtype=np.int64)[lists]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE face_descriptor (id bigint PRIMARY KEY, descriptor text NOT NULL)")
        cursor.execute("CREATE TABLE ivf_entry (list bigint NOT NULL, descriptor_id bigint NOT NULL, "
                       "sketch bytea NOT NULL)")
        with cursor.copy("COPY face_descriptor (id, descriptor) FROM STDIN") as copy:
            for descriptor_id, vector in zip(ids, population, strict=True):
                copy.write_row((int(descriptor_id), fernet.encrypt(encode_descriptor(vector).encode()).decode()))
        with cursor.copy("COPY ivf_entry (list, descriptor_id, sketch) FROM STDIN") as copy:
            for descriptor_id, digest, row in zip(ids, digests, masked, strict=True):
                copy.write_row((int(digest), int(descriptor_id), row.tobytes()))
        cursor.execute("CREATE INDEX ivf_entry_list ON ivf_entry (list) INCLUDE (descriptor_id, sketch)")
        cursor.execute("CREATE INDEX ivf_entry_descriptor ON ivf_entry (descriptor_id)")  # erasure by id
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # the visibility map, for index-only scans
    print(f"{len(population)} cases stored in {time.perf_counter() - started:.0f} s (k-means k={k}: "
          f"{trained:.0f} s CPU); {load()}", flush=True)
    return centroids


def storage(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, pg_total_relation_size(oid), pg_relation_size(oid) FROM pg_class "
                       "WHERE relname IN ('ivf_entry', 'face_descriptor', 'ivf_entry_list', "
                       "'ivf_entry_descriptor', 'face_descriptor_pkey') ORDER BY relname")
        return ", ".join(f"{name} {size / 2 ** 20:.1f} MiB" for name, _total, size in cursor.fetchall())


def backend_cpu_ns(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def search(connection, query: np.ndarray, *, centroids, probes: int, candidates: int, sketch: KeyedSketch,
           pads: Pads, fernet) -> tuple[list[tuple[int, float]], int]:
    """(descriptor ids within the threshold with their distances, entries read)."""
    nearest = nearest_centroids(query[None, :], centroids, probes)[0]
    digests = "{" + ",".join(map(str, list_digests(SEARCH_KEY, nearest))) + "}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT descriptor_id, sketch FROM ivf_entry WHERE list = ANY((SELECT %s::bigint[])::bigint[])",
                       (digests,), binary=True)
        rows = cursor.fetchall()
        if not rows:
            return [], 0
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        masked = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.uint8).reshape(len(rows), -1)
        distance = hamming(np.bitwise_xor(masked, pads.of(ids)), sketch.of(query[None, :])[0])
        closest = ids[np.argsort(distance, kind="stable")[:candidates]]
        cursor.execute("SELECT id, descriptor FROM face_descriptor WHERE id = ANY(%s)", (closest.tolist(),))
        fetched = cursor.fetchall()
    stored = np.stack([decode_descriptor(fernet.decrypt(text.encode()).decode()) for _id, text in fetched])
    exact = np.linalg.norm(stored - query, axis=1)
    return [(row[0], float(d)) for row, d in zip(fetched, exact, strict=True) if d <= THRESHOLD], len(rows)


def main() -> int:
    import psycopg
    from cryptography.fernet import Fernet

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--k", default="300", help="centroids per size, comma-separated like --sizes")
    parser.add_argument("--probes", default="8,16")
    parser.add_argument("--candidates", type=int, default=100, help="descriptors decrypted per search")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sketch-bits", type=int, default=256)
    args = parser.parse_args()

    sketch = KeyedSketch(args.sketch_bits, kind="cos", scale=3.0)
    pads = Pads(SEARCH_KEY, args.sketch_bits // 8)
    fernet = Fernet(Fernet.generate_key())
    database = f"{DATABASE_PREFIX}_ivf"
    for size, k in zip(map(int, args.sizes.split(",")), map(int, args.k.split(",")), strict=True):
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.execute(f"CREATE DATABASE {database}")
        try:
            with psycopg.connect(f"{POSTGRES_SERVER}/{database}", autocommit=True) as connection:
                rng = np.random.default_rng(19)
                population = clustered_descriptors(size, rng)
                centroids = build(connection, population, k=k, sketch=sketch, pads=pads, fernet=fernet)
                print(f"  storage: {storage(connection)}")
                present = rng.choice(size, args.queries // 2, replace=False)
                queries = {d: at_distance(population[present], d, rng) for d in (0.449, 0.40, 0.35)}
                absent = clustered_descriptors(args.queries - len(present), rng)
                for probes in map(int, args.probes.split(",")):
                    options = dict(centroids=centroids, probes=probes, candidates=args.candidates, sketch=sketch,
                                   pads=pads, fernet=fernet)
                    recall = {}
                    for d in (0.40, 0.35):
                        recall[d] = np.mean([any(i == t + 1 for i, _ in search(connection, q, **options)[0])
                                             for t, q in zip(present, queries[d], strict=True)])
                    wall, cpu, server, read, found, false_hits = [], [], [], [], 0, 0
                    for n, query in enumerate(np.vstack([queries[0.449], absent])):
                        before = backend_cpu_ns(connection)
                        t, c = time.perf_counter(), time.thread_time()
                        hits, entries = search(connection, query, **options)
                        wall.append((time.perf_counter() - t) * 1000)
                        cpu.append((time.thread_time() - c) * 1000)
                        server.append((backend_cpu_ns(connection) - before) / 1e6)
                        read.append(entries)
                        if n < len(present):
                            found += any(i == present[n] + 1 for i, _ in hits)
                        else:
                            false_hits += bool(hits)
                    both = [a + b for a, b in zip(cpu, server, strict=True)]
                    print(f"IVF at {size}, k={k}, probes {probes}, {args.candidates} decrypted: wall {describe(wall)}; "
                          f"{load()}")
                    print(f"  CPU client {describe(cpu)}\n  CPU PostgreSQL {describe(server)}\n  CPU both {describe(both)}")
                    print(f"  entries read median {np.median(read):.0f}, p95 {np.percentile(read, 95):.0f}; recall at "
                          f"0.449 {found / len(present):.1%}, 0.40 {recall[0.40]:.1%}, 0.35 {recall[0.35]:.1%}; "
                          f"{false_hits} of {len(absent)} new faces matched", flush=True)
        finally:
            with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {database}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
