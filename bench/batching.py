"""CTyun batching: many Chinese ID images queued at once, read in few vendor calls, none waiting long.

Issue 9, point 2.

``--images`` Chinese resident ID images (``--images`` / 2 cases, portrait and emblem sides,
synthetic specimens) are submitted in one transaction, so all their reads are queued at once.
``--workers`` real Celery worker processes read them with the CTyun client, batching on
(``CTYUN_OCR_BATCH_WAIT_MS=--batch-wait-ms``, ``CTYUN_OCR_BATCH_MAX=50``), against the vendor
simulator (``--latency-ms``, ``--qps`` per account, our limit set to the same).

The batch path blocks the calling thread until its batch is answered, so the images in one call
can be no more than the reads waiting at the same moment. The README's deployment therefore
routes CTyun's reads to a queue of their own (``CTYUN_OCR_BATCH_QUEUE``, ``kyc.tasks.route_read``)
read by a thread-pool worker (``--pool=threads --concurrency=50``); this script runs exactly that
(``--workers`` such workers on that queue, ``--threads`` each).

Each image's wait is measured inside the workers: this script starts them itself (``--worker``
mode: the real ``kyc`` Celery app, with a probe around the batch queue's claim and the HTTP
post that records, for every image, the seconds from being queued to its batch being claimed
and to its vendor call being sent). Nothing else is changed.

Targets: vendor calls <= images / 20 (<= 25 for 500), i.e. >= 20 images per call, while no image
waits longer than the bound (``--max-wait-ms``, default: the batch wait plus one rate-limit slot,
1/qps) before its call is sent.

    .venv/bin/python bench/batching.py                    # 500 images, 1 batch worker x 50 threads
    .venv/bin/python bench/batching.py --smoke            # 20 images on SQLite, for CI
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    Specimens,
    celery_workers,
    describe,
    document_timings,
    dump_json,
    load,
    machine,
    make_cases,
    percentile,
    prepare,
    result,
    start_simulator,
    submit_all,
    vendor_environ,
    wait_until_read,
)

WAIT_LOG_VARIABLE = "BENCH_BATCH_WAIT_LOG"


# --- worker side ------------------------------------------------------------------------------


def install_wait_probe(folder: Path) -> None:
    """Record each image's queue wait in this worker process (one JSON line per vendor call)."""
    from ocr_integration.vendors import http
    from ocr_integration.vendors.ctyun import batching

    claimed_here = threading.local()
    out = folder / f"waits-{os.getpid()}.jsonl"
    lock = threading.Lock()
    claim_if_due, post = batching.BatchQueue._claim_if_due, http.post

    def probed_claim(self):
        claimed = claim_if_due(self)
        if claimed:
            claimed_here.batch = (time.time(), [record["queued_at"] for record in claimed])
        return claimed

    def probed_post(url, **kwargs):
        batch = getattr(claimed_here, "batch", None)
        if batch is not None:
            # The leader claims, then (same thread) waits for its rate-limit slot and posts.
            claimed_here.batch = None
            sent_at, (claimed_at, queued) = time.time(), batch
            line = json.dumps({"size": len(queued), "claim_waits": [claimed_at - q for q in queued],
                               "send_waits": [sent_at - q for q in queued]})
            with lock, out.open("a") as stream:
                stream.write(line + "\n")
        return post(url, **kwargs)

    batching.BatchQueue._claim_if_due = probed_claim
    http.post = probed_post


def worker_main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc.project.settings")
    import django

    django.setup()
    install_wait_probe(Path(os.environ[WAIT_LOG_VARIABLE]))
    from kyc.project.celery import app

    app.worker_main(["worker", *argv])


# --- bench side -------------------------------------------------------------------------------


def workers_cpu_seconds() -> float:
    """User + system CPU of this process's finished children (the workers, once stopped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def waits_from_commit(case_ids: list) -> list[float]:
    """Per image, milliseconds from the submit's commit (when its read became visible to the
    workers: every case is submitted in one transaction) to its successful vendor call being sent
    (the attempt's record time less the call's duration), from the database: the same clock for
    both designs, and no probe in the workers."""
    from datetime import timedelta

    from django.db.models import Max

    from kyc.models import Case, Document
    from ocr_integration.models import OcrAttempt

    committed = Case.objects.filter(id__in=case_ids).aggregate(last=Max("submitted_at"))["last"]
    documents = [str(i) for i in Document.objects.filter(case_id__in=case_ids).values_list("id", flat=True)]
    sent: dict[str, object] = {}
    for ref, created, duration in OcrAttempt.objects.filter(subject_ref__in=documents, outcome="success").values_list(
            "subject_ref", "created_at", "duration_ms"):
        at = created - timedelta(milliseconds=duration)
        sent[ref] = min(sent.get(ref, at), at)
    return [(at - committed).total_seconds() * 1000 for at in sent.values()]


def read_waits(folder: Path) -> tuple[list[int], list[float], list[float]]:
    sizes, claim_waits, send_waits = [], [], []
    for path in folder.glob("waits-*.jsonl"):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            sizes.append(entry["size"])
            claim_waits += [w * 1000 for w in entry["claim_waits"]]
            send_waits += [w * 1000 for w in entry["send_waits"]]
    return sizes, claim_waits, send_waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=500, help="an even number: two sides per case")
    parser.add_argument("--design", choices=("database", "threads"), default="database",
                        help="database: pending reads claimed from the database by the README's prefork worker "
                             "(--concurrency=2); threads: the batch queue (Redis leader election) in a worker of its "
                             "own, --pool=threads --concurrency=--threads, on CTYUN_OCR_BATCH_QUEUE")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (README: one per machine)")
    parser.add_argument("--threads", type=int, default=50, help="threads per batch worker (--design threads)")
    parser.add_argument("--concurrency", type=int, default=2, help="prefork processes per worker (--design database)")
    parser.add_argument("--batch-wait-ms", type=int, default=1000, help="CTYUN_OCR_BATCH_WAIT_MS")
    parser.add_argument("--max-wait-ms", type=float,
                        help="the bound on an image's wait; default: the batch wait plus the time the vendor's rate "
                             "needs for every call of the burst (images / 50 calls at --qps)")
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--qps", type=float, default=5.0)
    parser.add_argument("--database-url", help="default: postgres://postgres@127.0.0.1:5432/kyc_bench_batching")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--smoke", action="store_true", help="tiny run on SQLite and the on-disk broker, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.images, args.workers, args.threads, args.batch_wait_ms = 20, 1, 10, 500
    if args.max_wait_ms is None:
        # All images are queued at once: however they are batched, the last of the images / 50
        # calls cannot go before the account's rate allows it.
        args.max_wait_ms = args.batch_wait_ms + 1000 * math.ceil(args.images / 50) / args.qps

    sim = start_simulator(latency_ms=args.latency_ms, qps=args.qps)
    environ = {
        **vendor_environ(sim, batching=True, batch_wait_ms=args.batch_wait_ms, ctyun_qps=args.qps),
        "CTYUN_OCR_BATCH_MAX": "50", "OCR_DEFAULT_PROVIDER": "ctyun",
    }
    if args.design == "threads":
        # That design's deployment: CTyun's reads routed to a queue of their own
        # (CTYUN_OCR_BATCH_QUEUE), read by a thread-pool worker on that queue.
        environ["CTYUN_OCR_BATCH_QUEUE"] = f"kyc-bench-batching-{os.getpid()}-ctyun"
    bench = prepare("batching", smoke=args.smoke, database_url=args.database_url, environ=environ)
    wait_log = bench.data_dir / "waits"
    wait_log.mkdir()
    os.environ[WAIT_LOG_VARIABLE] = str(wait_log)
    print(f"machine: {machine()}; database: {bench.database_url.split('@')[-1]}; broker: {bench.broker_url}; {load()}")
    print(f"vendor: simulator at {sim.url}, {args.latency_ms} ms per call, {args.qps} requests/s; "
          f"batch wait {args.batch_wait_ms} ms, at most 50 images per call")
    try:
        started = time.perf_counter()
        case_ids = make_cases("cn_resident_id", args.images // 2, Specimens(), issuing_country="CHN")
        print(f"data: {len(case_ids)} cases ({2 * len(case_ids)} images) attached in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        if args.design == "threads":
            command = [sys.executable, str(Path(__file__).resolve()), "--worker"]
            workers = dict(concurrency=args.threads, pool="threads", command=command,
                           queue=os.environ["CTYUN_OCR_BATCH_QUEUE"])
        else:  # the README's worker, as it is: nothing instrumented
            workers = dict(concurrency=args.concurrency, pool="prefork")
        cpu_before = workers_cpu_seconds()
        with celery_workers(bench, args.workers, **workers):
            print(f"workers: {args.workers} x {workers['pool']} --concurrency={workers['concurrency']}; {load()}",
                  flush=True)
            sim.reset_stats()
            queued_at = submit_all(case_ids)
            done = wait_until_read(2 * len(case_ids), timeout=300)
            finished = time.time()
        # Stopped and waited for by now: their CPU (and their pool children's) is counted.
        worker_cpu = workers_cpu_seconds() - cpu_before
    finally:
        sim.stop()
    images = 2 * len(case_ids)
    rows = document_timings(case_ids)
    calls = sim.stats["ctyun:idcard"]
    sizes = list(sim.batch_sizes)
    probe_sizes, claim_waits, probe_send_waits = read_waits(wait_log)
    send_waits = waits_from_commit(case_ids)
    end_to_end = [(r["stored"] - r["submitted"]).total_seconds() * 1000 for r in rows]
    per_call = images / calls if calls else 0.0
    print(f"images: {len(rows)}/{images} read ({done} done) in {finished - queued_at:.1f} s; throttle answers "
          f"{sim.stats['throttled']}")
    print(f"vendor calls: {calls}, images per call: mean {per_call:.1f}, "
          f"min {min(sizes, default=0)}, median {statistics.median(sizes) if sizes else 0}, max {max(sizes, default=0)}")
    print(f"  batch sizes in order: {sizes}")
    if args.design == "threads":
        print(f"wait inside the batch queue, queued -> batch claimed:   {describe(claim_waits)}")
        print(f"wait inside the batch queue, queued -> vendor call sent: {describe(probe_send_waits)}")
    print(f"wait, submit committed -> vendor call sent: {describe(send_waits)} (bound {args.max_wait_ms:.0f} ms)")
    print(f"submit -> reading stored (includes waiting for a free worker thread): {describe(end_to_end)}")
    print(f"worker CPU (every worker process, start-up included): {worker_cpu:.1f} s")
    print(f"after the run: {load()}")
    worst = max(send_waits, default=float("inf"))
    dump_json(args.json, {
        "images": images, "read": len(rows), "calls": calls, "batch_sizes": sizes, "probe_batches": len(probe_sizes),
        "design": args.design, "claim_wait_ms_p95": percentile(claim_waits, 0.95), "send_wait_ms_max": worst,
        "send_wait_ms_p50": percentile(send_waits, 0.5), "probe_send_wait_ms_max": max(probe_send_waits, default=None),
        "worker_cpu_s": worker_cpu, "throttled": sim.stats["throttled"],
        "batch_wait_ms": args.batch_wait_ms, "bound_ms": args.max_wait_ms, "machine": machine(), "load": load(),
    })
    result("batching", len(rows) == images and calls * 20 <= images and worst <= args.max_wait_ms,
           f"{calls} vendor calls for {images} images (target <= {images // 20}), {per_call:.1f} images per call "
           f"(target >= 20), longest wait before the call {worst:.0f} ms (bound {args.max_wait_ms:.0f} ms), "
           f"design {args.design}, {args.workers} x {workers['pool']} --concurrency={workers['concurrency']}, "
           f"batch wait {args.batch_wait_ms} ms, throttles {sim.stats['throttled']}, worker CPU {worker_cpu:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2:])
    else:
        main()
