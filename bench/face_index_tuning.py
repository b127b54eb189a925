"""Duplicate-face index tuning (issue 19): recall against candidates for LSH parameters, no database.

The keyed LSH the product used until migration 0030 (p-stable projections, ``LSH_BITS`` per
table, ``LSH_TABLES`` tables, multi-probe by ``probe_cells``; kept here, the product now has the IVF
of (b) below) is run here in memory on synthetic descriptors, with an
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

``--compare lsh,ivf`` instead measures two fixes for 1M cases (docs/performance.md 10): (a) the
product's LSH with its candidates (the ``--prefilter`` sharing the most buckets, 0: all) ranked
by a keyed sketch's Hamming distance (``KeyedSketch``) before the ``SEARCH_CANDIDATES`` are
decrypted, and (b) an IVF (k-means centroids, each case under its nearest ``ASSIGN``, a query
reading the lists of its nearest ``PROBES``) ranked by the same sketch; per method, recall at
0.449 / 0.40 / 0.35, entries read, candidates ranked and CPU per search.
bench/face_ivf_postgres.py runs (b) on PostgreSQL.

    python bench/face_index_tuning.py [--size 100000] [--queries 200] [--set BITS,TABLES,WIDTH,PROBES ...]
    python bench/face_index_tuning.py --size 1000000 --compare lsh,ivf --prefilter 5000,0 --ivf 1000,1,8/16 \
        [--sketch-bits 512]
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


# The product's LSH until migration 0030 (kyc/privacy/face_index.py then): 40 tables of 18
# projections of width 1.6, 40 probes per table.
LSH_BITS, LSH_TABLES, LSH_WIDTH, LSH_PROBES = 18, 40, 1.6, 40
LSH_SPEC = f"{LSH_BITS},{LSH_TABLES},{LSH_WIDTH},{LSH_PROBES}"


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


def probe_cells(position: np.ndarray, probes: int, *, shifts, crossings) -> tuple[np.ndarray, np.ndarray]:
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



class InMemoryIndex:
    """The product's buckets for one parameter set, hashed to integers, sorted per table."""

    def __init__(self, population: np.ndarray, *, bits: int, tables: int, width: float, probes: int, seed: int = 5):
        rng = np.random.default_rng(seed)
        self.bits, self.tables, self.width, self.probes = bits, tables, width, probes
        self.a = rng.standard_normal((tables * bits, 128))
        self.b = rng.uniform(0, width, tables * bits)
        self.multipliers = rng.integers(1, 2 ** 62, bits, dtype=np.int64)
        self.shifts, self.crossings = perturbations(bits)
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
        cells, scores = probe_cells(self._positions(query[None, :])[0], self.probes,
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


# --- Candidate ranking and IVF (brief "face", issue 19 point 4 at 1M) ---------------------------

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


class KeyedSketch:
    """A ``bits``-bit sketch per descriptor, for ranking candidates by Hamming distance before any
    is decrypted. ``kind``:

    - ``"cos"``: bit j = [cos(w_j·v + b_j) > 0], w_j Gaussian with scale ``scale``, b_j uniform
      in [0, 2π) (shift-invariant kernel LSH, Raginsky and Lazebnik 2009): the chance that two
      descriptors' bits differ grows with their Euclidean distance, whatever their position, so
      no population mean is needed;
    - ``"sign"``: bit j = [w_j·(v - centre) > 0] (sign random projection: estimates the angle
      around ``centre``, which must be the population's mean).

    In the product ``w`` and ``b`` would be drawn from the search key, and the stored sketch
    masked with a keyed pad per row (see the docs): here only the ranking is measured."""

    def __init__(self, bits: int, *, kind: str = "cos", scale: float = 3.0, centre=None, seed: int = 7):
        rng = np.random.default_rng(seed)
        self.kind, self.bits = kind, bits
        self.w = rng.standard_normal((bits, 128)) * (scale if kind == "cos" else 1.0)
        self.b = rng.uniform(0, 2 * np.pi, bits)
        self.centre = np.zeros(128) if centre is None else np.asarray(centre)

    def of(self, descriptors: np.ndarray) -> np.ndarray:
        out = np.empty((len(descriptors), self.bits // 8), dtype=np.uint8)
        for start in range(0, len(descriptors), 50_000):
            chunk = descriptors[start:start + 50_000]
            if self.kind == "cos":
                bits = np.cos(chunk @ self.w.T + self.b) > 0
            else:
                bits = (chunk - self.centre) @ self.w.T > 0
            out[start:start + 50_000] = np.packbits(bits, axis=1)
        return out


def hamming(sketches: np.ndarray, query: np.ndarray) -> np.ndarray:
    return _POPCOUNT[np.bitwise_xor(sketches, query)].sum(axis=1, dtype=np.int32)


def rank_of(target_index: int, scores: np.ndarray, *, higher_first: bool) -> int:
    """Where the candidate at ``target_index`` ranks among ``scores`` (0: first), ties against it."""
    mine = scores[target_index]
    return int((scores >= mine).sum() if higher_first else (scores <= mine).sum()) - 1


def kmeans(population: np.ndarray, k: int, *, iterations: int, sample: int, seed: int = 11) -> np.ndarray:
    """Lloyd's k-means on a random sample (float32, chunked): the IVF's coarse centroids. In the
    product they would be trained by the worker on decrypted descriptors at rebuild time and kept
    encrypted at rest (they are averages of real faces)."""
    rng = np.random.default_rng(seed)
    points = population[rng.choice(len(population), min(sample, len(population)), replace=False)].astype(np.float32)
    centroids = points[rng.choice(len(points), k, replace=False)].copy()
    for _ in range(iterations):
        nearest = nearest_centroids(points, centroids, 1)[:, 0]
        sums = np.zeros_like(centroids)
        np.add.at(sums, nearest, points)
        counts = np.bincount(nearest, minlength=k)
        moved = counts > 0
        centroids[moved] = sums[moved] / counts[moved, None]
    return centroids


def nearest_centroids(points: np.ndarray, centroids: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` nearest centroids of each point, nearest first (rows x count)."""
    norms = np.einsum("ij,ij->i", centroids, centroids)
    out = np.empty((len(points), count), dtype=np.int64)
    for start in range(0, len(points), 10_000):
        chunk = points[start:start + 10_000].astype(np.float32)
        distances = norms[None, :] - 2 * chunk @ centroids.T
        best = np.argpartition(distances, count - 1, axis=1)[:, :count] if count < len(centroids) else \
            np.broadcast_to(np.arange(len(centroids)), distances.shape)
        order = np.argsort(np.take_along_axis(distances, best, axis=1), axis=1)
        out[start:start + 10_000] = np.take_along_axis(best, order, axis=1)
    return out


class IVFIndex:
    """Inverted lists: each descriptor under its ``assign`` nearest centroids; a query reads the
    lists of its ``probes`` nearest centroids (rows read = the entries of those lists)."""

    def __init__(self, population: np.ndarray, centroids: np.ndarray, *, assign: int):
        self.centroids = centroids
        lists = nearest_centroids(population, centroids, assign)
        flat = lists.reshape(-1)
        self.order = np.argsort(flat, kind="stable")
        self.members = np.repeat(np.arange(len(population)), assign)[self.order]
        self.starts = np.searchsorted(flat[self.order], np.arange(len(centroids) + 1))

    def search(self, query: np.ndarray, probes: int) -> tuple[np.ndarray, int]:
        nearest = nearest_centroids(query[None, :], self.centroids, probes)[0]
        found = [self.members[self.starts[c]:self.starts[c + 1]] for c in nearest]
        ids = np.concatenate(found)
        return np.unique(ids), len(ids)


def compare(population: np.ndarray, *, methods: list[str], queries: int, cap: int, sketch_bits: int,
            sketch_kind: str, sketch_scale: float, prefilters: list[int], ivf_specs: list[str], lsh_spec: str,
            rng_seed: int = 23) -> None:
    """Recall at 0.449 / 0.40 / 0.35 (the true case among the ``cap`` decrypted), rows read and
    candidates per search, CPU per search in memory, for (a) the product's LSH with its candidates
    ranked by a sketch's Hamming distance instead of buckets shared, and (b) an IVF whose
    candidates are ranked by the same sketch."""
    from bench._common import load

    rng = np.random.default_rng(rng_seed)
    present = rng.choice(len(population), queries, replace=False)
    distances = (0.449, 0.40, 0.35)
    query_sets = {d: at_distance(population[present], d, rng) for d in distances}
    sketch = KeyedSketch(sketch_bits, kind=sketch_kind, scale=sketch_scale,
                         centre=population[:100_000].mean(axis=0))
    started = time.process_time()
    sketches = sketch.of(population)
    print(f"sketch: {sketch_bits} bits ({sketch_kind}, scale {sketch_scale}), {sketches.nbytes / 2 ** 20:.0f} MiB "
          f"for {len(population)} cases, {time.process_time() - started:.0f} s CPU; {load()}", flush=True)

    def report(label: str, hits: dict, rows: list, candidates: list, cpu: list, extra: str = "") -> None:
        print(f"{label:<44} | " + " / ".join(f"{hits[d] / queries:6.1%}" for d in distances)
              + f" | {np.median(rows):7.0f} / {np.percentile(rows, 95):7.0f} | {np.median(candidates):7.0f} / "
              f"{np.percentile(candidates, 95):7.0f} | {np.median(cpu):6.1f} / {np.percentile(cpu, 95):6.1f}{extra}",
              flush=True)

    print("method | recall at 0.449 / 0.40 / 0.35 | rows read median / p95 | candidates ranked median / p95 | "
          "CPU ms per search median / p95 (in memory)")
    if "lsh" in methods:
        bits, tables, width, probes = lsh_spec.split(",")
        index = InMemoryIndex(population, bits=int(bits), tables=int(tables), width=float(width), probes=int(probes))
        for prefilter in prefilters:
            by_count = dict.fromkeys(distances, 0)
            by_sketch = dict.fromkeys(distances, 0)
            in_prefilter = dict.fromkeys(distances, 0)
            found_at_all = dict.fromkeys(distances, 0)
            rows, candidates, cpu = [], [], []
            for d in distances:
                for target, query in zip(present, query_sets[d], strict=True):
                    t0 = time.thread_time()
                    ids, shared, read = index.search(query)
                    where = np.flatnonzero(ids == target)
                    # The ``prefilter`` sharing the most buckets (0: all) go on to the sketch.
                    keep = np.argsort(-shared, kind="stable")[:prefilter] if prefilter else np.arange(len(ids))
                    ham = hamming(sketches[ids[keep]], sketch.of(query[None, :])[0])
                    cpu.append((time.thread_time() - t0) * 1000)
                    rows.append(read)
                    candidates.append(len(keep))
                    if not len(where):
                        continue
                    found_at_all[d] += 1
                    by_count[d] += rank_of(where[0], shared, higher_first=True) < cap
                    if prefilter and rank_of(where[0], shared, higher_first=True) >= prefilter:
                        continue
                    in_prefilter[d] += 1
                    position = np.flatnonzero(ids[keep] == target)
                    if len(position):
                        by_sketch[d] += rank_of(position[0], ham, higher_first=False) < cap
            if prefilter == prefilters[0]:
                report(f"LSH {lsh_spec}, any candidate", found_at_all, rows, candidates, cpu)
                report(f"LSH {lsh_spec}, {cap} by buckets shared", by_count, rows, candidates, cpu)
            report(f"LSH {lsh_spec}, top {prefilter or 'all'} by buckets (exact)", in_prefilter, rows, candidates, cpu)
            report(f"LSH {lsh_spec}, top {prefilter or 'all'} -> {cap} by sketch", by_sketch, rows, candidates, cpu)
        del index
    if "ivf" in methods:
        for spec in ivf_specs:
            k, assign, probe_list = spec.split(",", 2)
            started = time.process_time()
            centroids = kmeans(population, int(k), iterations=8, sample=max(50 * int(k), 100_000))
            index = IVFIndex(population, centroids, assign=int(assign))
            sizes = np.diff(index.starts)
            print(f"IVF k={k} assign={assign}: built in {time.process_time() - started:.0f} s CPU; list entries "
                  f"median {np.median(sizes):.0f}, p95 {np.percentile(sizes, 95):.0f}, max {sizes.max()}; {load()}",
                  flush=True)
            for probes in map(int, probe_list.split("/")):
                any_hit = dict.fromkeys(distances, 0)
                by_sketch = dict.fromkeys(distances, 0)
                rows, candidates, cpu = [], [], []
                for d in distances:
                    for target, query in zip(present, query_sets[d], strict=True):
                        t0 = time.thread_time()
                        ids, read = index.search(query, probes)
                        ham = hamming(sketches[ids], sketch.of(query[None, :])[0])
                        cpu.append((time.thread_time() - t0) * 1000)
                        rows.append(read)
                        candidates.append(len(ids))
                        where = np.flatnonzero(ids == target)
                        if len(where):
                            any_hit[d] += 1
                            by_sketch[d] += rank_of(where[0], ham, higher_first=False) < cap
                report(f"IVF k={k} x{assign} probes {probes}, any candidate", any_hit, rows, candidates, cpu)
                report(f"IVF k={k} x{assign} probes {probes}, {cap} by sketch", by_sketch, rows, candidates, cpu)
            del index
    print(load())


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
    parser.add_argument("--compare", default=None, metavar="lsh,ivf",
                        help="rank candidates by a keyed sketch (LSH and/or IVF) instead of the parameter sweep")
    parser.add_argument("--sketch-bits", type=int, default=256)
    parser.add_argument("--sketch-kind", choices=["cos", "sign"], default="cos")
    parser.add_argument("--sketch-scale", type=float, default=3.0)
    parser.add_argument("--prefilter", default="0", help="LSH candidates (most buckets shared) passed to the sketch, "
                        "comma-separated; 0: all")
    parser.add_argument("--ivf", action="append", default=None, metavar="K,ASSIGN,PROBES[/PROBES...]")
    args = parser.parse_args()

    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc.project.settings")
    django.setup()
    from kyc.services.faces import SEARCH_CANDIDATES

    cap = args.cap or SEARCH_CANDIDATES
    sets = args.set or [LSH_SPEC,
                        "14,40,1.0,12", "10,40,1.0,12", "11,32,1.0,30", "13,40,1.0,60"]
    rng = np.random.default_rng(19)
    population = clustered_descriptors(args.size, rng)
    strangers = stranger_distances(population, rng)
    print(f"population: {args.size} clustered synthetic descriptors; stranger distances median "
          f"{np.median(strangers):.2f}, 1st percentile {np.percentile(strangers, 1):.2f}, under 0.6 "
          f"{(strangers < 0.6).mean():.2%}, under 0.45 {(strangers < 0.45).mean():.3%}; cap {cap}; {load()}")
    if args.compare:
        compare(population, methods=args.compare.split(","), queries=args.queries, cap=cap,
                sketch_bits=args.sketch_bits, sketch_kind=args.sketch_kind, sketch_scale=args.sketch_scale,
                prefilters=[int(p) for p in args.prefilter.split(",")], ivf_specs=args.ivf or ["1000,2,8/16"],
                lsh_spec=LSH_SPEC)
        return 0
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
