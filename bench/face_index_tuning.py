"""Duplicate-face index tuning (issue 19): recall against candidates for LSH parameters, no database.

The keyed LSH of kyc/privacy/face_index.py (p-stable projections, ``BITS`` per table, ``TABLES``
tables, multi-probe by ``probe_cells``) is run here in memory on synthetic descriptors, with an
integer hash of each bucket in place of its keyed digest (the same buckets, only faster to compute), so
that many parameter sets can be compared in minutes. For each set it prints:

- **recall** of a second selfie of someone in the population at exactly 0.35, 0.40 and 0.45 (the
  duplicate threshold: the worst case of "at or under the threshold"), counting a hit only when
  the true case is among the ``SEARCH_CANDIDATES`` that the product would decrypt (ranked by
  buckets shared, ties counted against it);
- **cost**: index rows read per search (what the candidate query aggregates on PostgreSQL), the
  distinct candidates, and the digests probed (index look-ups).

The distance does not depend on where the pair lies (a Gaussian projection of the difference of
two descriptors depends only on its length), so recall is a property of the parameters alone;
the population decides the cost. The population is **clustered** (``clustered_descriptors``), not
isotropic noise, because real descriptors are: groups of people (the detector's training data
has demographics) whose members sit closer to each other than to the rest, in a space whose
variance is concentrated in a few directions. It is calibrated so that about 0.5 % of stranger
pairs fall under dlib's 0.6 (as dlib's published 99.38 % on LFW suggests), median ~0.8; strangers
in the same group median ~0.7. Real descriptors may be more clustered still: a real population's
figures could be worse, which is what a production deployment should re-measure.

    python bench/face_index_tuning.py [--size 100000] [--queries 200] [--set BITS,TABLES,WIDTH,PROBES ...]
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python bench/face_index_tuning.py --size 1000000 --exact-scan

Time is CPU time of this process (``time.process_time``), with the load average.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The calibration of clustered_descriptors (see the module docstring).
GROUPS = 12
SPECTRUM_POWER = 0.4
GROUP_SPREAD = 0.45
IDENTITY_SPREAD = 0.72


def clustered_descriptors(count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` identity descriptors: one of ``GROUPS`` group centres plus the identity's own
    offset, both Gaussian with a variance falling as ``i ** -2 * SPECTRUM_POWER`` along fixed
    orthogonal directions (a few directions carry most of the spread, as in learned embeddings).
    The groups and directions are fixed (seeded), so populations and queries drawn with different
    generators come from the same distribution."""
    structure = np.random.default_rng(1919)
    basis, _ = np.linalg.qr(structure.standard_normal((128, 128)))
    scale = np.arange(1, 129) ** -SPECTRUM_POWER
    scale /= np.sqrt((scale ** 2).sum())
    centres = (structure.standard_normal((GROUPS, 128)) * scale) @ basis.T * GROUP_SPREAD / np.sqrt(2)
    groups = rng.integers(0, GROUPS, count)
    offsets = (rng.standard_normal((count, 128)) * scale) @ basis.T * IDENTITY_SPREAD / np.sqrt(2)
    # A common offset, as dlib's descriptors have (irrelevant to distances and to the LSH).
    return 0.05 + centres[groups] + offsets


def at_distance(points: np.ndarray, distance: float, rng: np.random.Generator) -> np.ndarray:
    """Each point moved ``distance`` in a random direction: a second selfie of that person."""
    direction = rng.standard_normal(points.shape)
    return points + distance * direction / np.linalg.norm(direction, axis=1)[:, None]


def stranger_distances(population: np.ndarray, rng: np.random.Generator, pairs: int = 200_000) -> np.ndarray:
    a, b = rng.integers(0, len(population), pairs), rng.integers(0, len(population), pairs)
    keep = a != b
    return np.linalg.norm(population[a[keep]] - population[b[keep]], axis=1)


class InMemoryIndex:
    """The product's buckets for one parameter set, hashed to integers, sorted per table."""

    def __init__(self, population: np.ndarray, *, bits: int, tables: int, width: float, probes: int, seed: int = 5):
        from kyc.privacy import face_index

        rng = np.random.default_rng(seed)
        self.bits, self.tables, self.width, self.probes = bits, tables, width, probes
        self.a = rng.standard_normal((tables * bits, 128))
        self.b = rng.uniform(0, width, tables * bits)
        self.multipliers = rng.integers(1, 2 ** 62, bits, dtype=np.int64)
        self.shifts, self.crossings = face_index.perturbations(bits)
        self.probe_cells = face_index.probe_cells
        hashes = np.empty((len(population), tables), dtype=np.int64)
        for start in range(0, len(population), 20_000):
            cells = np.floor(self._positions(population[start:start + 20_000])).astype(np.int64)
            hashes[start:start + 20_000] = (cells * self.multipliers).sum(axis=2)
        self.order = np.argsort(hashes, axis=0, kind="stable")
        self.sorted = np.take_along_axis(hashes, self.order, axis=0)

    def _positions(self, descriptors: np.ndarray) -> np.ndarray:
        return ((descriptors @ self.a.T + self.b) / self.width).reshape(len(descriptors), self.tables, self.bits)

    def search(self, query: np.ndarray, sharpness: float = 0.0) -> tuple[np.ndarray, np.ndarray, int]:
        """(candidate ids, rank of each: the summed weight of the buckets it shares, index rows read).
        A bucket's weight is ``exp(-sharpness * score)`` (its probe score; the query's own bucket
        scores 0): with ``sharpness`` 0 the rank is the count of buckets shared."""
        cells, scores = self.probe_cells(self._positions(query[None, :])[0], self.probes,
                                         shifts=self.shifts, crossings=self.crossings)
        weights = np.exp(-sharpness * scores)
        probe_hashes = (cells * self.multipliers).sum(axis=2)
        found, found_weights = [], []
        for table in range(self.tables):
            column = self.sorted[:, table]
            low = np.searchsorted(column, probe_hashes[table], "left")
            high = np.searchsorted(column, probe_hashes[table], "right")
            for lo, hi, weight in zip(low, high, weights[table], strict=True):
                if hi > lo:
                    found.append(self.order[lo:hi, table])
                    found_weights.append(np.full(hi - lo, weight))
        if not found:
            return np.array([], dtype=np.int64), np.array([]), 0
        ids = np.concatenate(found)
        unique, inverse = np.unique(ids, return_inverse=True)
        return unique, np.bincount(inverse, weights=np.concatenate(found_weights)), len(ids)


def measure(index: InMemoryIndex, population: np.ndarray, *, queries: int, cap: int, sharpness: float,
            rng: np.random.Generator) -> dict:
    present = rng.choice(len(population), queries, replace=False)
    recall = {}
    rows, candidates = [], []
    for distance in (0.35, 0.40, 0.45):
        hits = 0
        for target, query in zip(present, at_distance(population[present], distance, rng), strict=True):
            ids, shared, read = index.search(query, sharpness)
            rows.append(read)
            candidates.append(len(ids))
            mine = shared[ids == target]
            hits += bool(len(mine)) and int((shared >= mine[0]).sum()) - 1 < cap
        recall[distance] = hits / queries
    for query in clustered_descriptors(queries // 2, rng):
        ids, _shared, read = index.search(query, sharpness)
        rows.append(read)
        candidates.append(len(ids))
    return {"recall": recall, "rows": rows, "candidates": candidates}


def exact_scan(population: np.ndarray, *, queries: int, rng: np.random.Generator) -> str:
    """The alternative to the LSH at large sizes: every descriptor held decrypted in memory as
    float32, one matrix-vector product per search (``|m|^2 - 2 m.q + |q|^2``). CPU time of this
    thread per search (one core: run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1) and how many
    second selfies 0.449 away it finds (all, unless float32 rounding puts one past 0.45)."""
    matrix = population.astype(np.float32)
    norms = np.einsum("ij,ij->i", matrix, matrix)
    present = rng.choice(len(matrix), queries, replace=False)
    found, cpu = 0, []
    for target, query in zip(present, at_distance(population[present], 0.449, rng).astype(np.float32), strict=True):
        started = time.thread_time()
        within = np.flatnonzero(norms - 2 * (matrix @ query) + query @ query <= 0.45 ** 2)
        cpu.append((time.thread_time() - started) * 1000)
        found += target in within
    return (f"exact scan of {len(matrix)} float32 descriptors ({matrix.nbytes / 2 ** 20:.0f} MiB): CPU per search "
            f"median {np.median(cpu):.1f} ms, p95 {np.percentile(cpu, 95):.1f} ms; found {found} of {queries} "
            f"second selfies 0.449 away")


def main() -> int:
    from bench._common import load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--cap", type=int, default=None, help="candidates decrypted (default: the product's)")
    parser.add_argument("--sharpness", type=float, action="append", default=None,
                        help="rank candidates by the buckets shared weighted exp(-sharpness * probe score); 0: a count")
    parser.add_argument("--set", action="append", default=None, metavar="BITS,TABLES,WIDTH,PROBES")
    parser.add_argument("--exact-scan", action="store_true", help="only time an exact in-memory scan")
    args = parser.parse_args()

    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc.project.settings")
    django.setup()
    from kyc.privacy import face_index
    from kyc.services.faces import SEARCH_CANDIDATES

    cap = args.cap or SEARCH_CANDIDATES
    sets = args.set or [f"{face_index.BITS},{face_index.TABLES},{face_index.WIDTH},{face_index.PROBES}",
                        "14,40,1.0,12", "10,40,1.0,12", "11,32,1.0,30", "13,40,1.0,60"]
    rng = np.random.default_rng(19)
    population = clustered_descriptors(args.size, rng)
    strangers = stranger_distances(population, rng)
    print(f"population: {args.size} clustered synthetic descriptors; stranger distances median "
          f"{np.median(strangers):.2f}, 1st percentile {np.percentile(strangers, 1):.2f}, under 0.6 "
          f"{(strangers < 0.6).mean():.2%}, under 0.45 {(strangers < 0.45).mean():.3%}; cap {cap}; {load()}")
    if args.exact_scan:
        print(exact_scan(population, queries=args.queries, rng=np.random.default_rng(23)))
        print(load())
        return 0
    print("bits tables width probes sharpness | recall at 0.35 / 0.40 / 0.45 | rows read median / p95 | candidates "
          "median / p95 | digests per search | stored rows per case | CPU s")
    for spec, sharpness in [(spec, sharpness) for spec in sets for sharpness in args.sharpness or [0.0]]:
        bits, tables, width, probes = spec.split(",")
        started = time.process_time()
        index = InMemoryIndex(population, bits=int(bits), tables=int(tables), width=float(width), probes=int(probes))
        figures = measure(index, population, queries=args.queries, cap=cap, sharpness=sharpness,
                          rng=np.random.default_rng(23))
        recall = figures["recall"]
        print(f"{bits:>4} {tables:>6} {width:>5} {probes:>6} {sharpness:>9} | {recall[0.35]:6.1%} / {recall[0.40]:6.1%} / "
              f"{recall[0.45]:6.1%} | {np.median(figures['rows']):6.0f} / {np.percentile(figures['rows'], 95):6.0f} | "
              f"{np.median(figures['candidates']):6.0f} / {np.percentile(figures['candidates'], 95):6.0f} | "
              f"{int(tables) * (1 + int(probes)):5d} | {tables} | {time.process_time() - started:.0f}", flush=True)
    print(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
