"""Vendor quota use: how close the pipeline runs to a vendor's rate limit without being throttled.

Issue 9, point 1, with point 7's baseline measured in the same run.

1. Pipeline: ``--documents`` passport cases (synthetic specimens, attached through the services)
   are submitted in one transaction, so every read is queued at once; ``--workers`` real Celery
   worker processes (prefork, ``--concurrency`` each) read them through the G42 client against
   the vendor simulator (``--latency-ms`` per call, ``--qps`` per account, the client's limit
   set to the same figure). Achieved rate = vendor calls accepted ÷ the time from the first to
   the last; target: rate ÷ quota >= 0.95 and no throttle answer.
2. Baseline: the same work done naively, inside the request (bench view
   ``naive_upload_and_read``: attach, submit, call the vendor, record), from as many concurrent
   requests as the pipeline has worker slots, with no shared rate limit: reads per second, the
   share refused by the vendor, and what the applicant waits.

    .venv/bin/python bench/vendor_quota.py                # 500 documents, 2 workers x 2
    .venv/bin/python bench/vendor_quota.py --smoke        # a few documents on SQLite, for CI
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    Specimens,
    bench_views,
    celery_workers,
    describe,
    document_timings,
    dump_json,
    load,
    machine,
    make_cases,
    naive_routing,
    percentile,
    post_image,
    prepare,
    purge_queue,
    result,
    run_concurrently,
    start_simulator,
    submit_all,
    vendor_environ,
    wait_until_read,
)


def accepted_rate(sim) -> tuple[int, float]:
    """Vendor calls the simulator accepted, and their rate from the first to the last (per s)."""
    times = sorted(t for t, _, _ in sim.request_log)
    if len(times) < 2:
        return len(times), 0.0
    return len(times), (len(times) - 1) / (times[-1] - times[0])


def run_pipeline(bench, sim, args) -> dict:
    specimens = Specimens()
    started = time.perf_counter()
    case_ids = make_cases("passport", args.documents, specimens, issuing_country="GBR")
    print(f"data: {len(case_ids)} passport cases attached in {time.perf_counter() - started:.0f} s", flush=True)
    with celery_workers(bench, args.workers, concurrency=args.concurrency):
        print(f"workers: {args.workers} processes x {args.concurrency} (prefork); {load()}", flush=True)
        sim.reset_stats()
        queued_at = submit_all(case_ids)
        done = wait_until_read(args.documents, timeout=args.documents / args.qps * 3 + 120)
    calls, rate = accepted_rate(sim)
    rows = document_timings(case_ids)
    attempts = Counter()
    from ocr_integration.models import OcrAttempt

    attempts.update(OcrAttempt.objects.values_list("outcome", flat=True))
    last_stored = max((r["stored"].timestamp() for r in rows if r["stored"]), default=queued_at)
    figures = {
        "documents": args.documents, "done": done, "read": len(rows), "vendor_calls": calls,
        "rate_per_s": round(rate, 3), "quota_per_s": args.qps, "ratio": round(rate / args.qps, 3) if args.qps else None,
        "throttled": sim.stats["throttled"], "attempt_outcomes": dict(attempts),
        "documents_per_s": round(len(rows) / max(1e-9, last_stored - queued_at), 3),
        "vendor_ms_median": statistics.median([r["vendor_ms"] for r in rows]) if rows else None,
    }
    print(f"pipeline: {len(rows)}/{args.documents} read, {calls} vendor calls at {rate:.2f}/s "
          f"(quota {args.qps}/s, ratio {figures['ratio']}), throttle answers {figures['throttled']}, "
          f"attempt outcomes {dict(attempts)}; {figures['documents_per_s']} documents/s from submit to last reading",
          flush=True)
    return figures


def run_baseline(sim, args) -> dict:
    from django.test import Client

    specimens = Specimens()
    case_ids = make_cases("passport", args.baseline_requests, None, issuing_country="GBR", start=100_000)
    jobs = list(enumerate(case_ids))
    sim.reset_stats()
    with bench_views(), naive_routing():
        started = time.perf_counter()
        answers = run_concurrently(
            jobs, args.baseline_threads,
            lambda job: post_image(Client(), "naive", job[1], "passport", specimens.image("passport", job[0])),
        )
        elapsed = time.perf_counter() - started
    purge_queue()
    statuses = Counter(status for status, _ in answers)
    request_ms = [seconds * 1000 for _, seconds in answers]
    ok_ms = [seconds * 1000 for status, seconds in answers if status == 200]
    calls, rate = accepted_rate(sim)
    figures = {
        "requests": len(jobs), "threads": args.baseline_threads, "statuses": dict(statuses),
        "read_per_s": round(statuses.get(200, 0) / elapsed, 3), "vendor_calls_accepted": calls,
        "vendor_rate_per_s": round(rate, 3), "throttled": sim.stats["throttled"],
        "request_ms_median": round(statistics.median(request_ms), 1),
        "request_ms_p95": round(percentile(request_ms, 0.95), 1),
    }
    print(f"baseline (naive call in the request, {args.baseline_threads} concurrent requests, no shared limit): "
          f"{len(jobs)} requests in {elapsed:.1f} s, answers {dict(statuses)}, {figures['read_per_s']} reads/s, "
          f"throttle answers {figures['throttled']}", flush=True)
    print(f"  applicant waits: all requests {describe(request_ms)}; successful {describe(ok_ms)}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (at least 2 for the target)")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--qps", type=float, default=5.0, help="the vendor's limit per account, and ours")
    parser.add_argument("--baseline-requests", type=int, default=100)
    parser.add_argument("--baseline-threads", type=int, default=0, help="default: workers x concurrency")
    parser.add_argument("--database-url", help="default: postgres://postgres@127.0.0.1:5432/kyc_bench_quota")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--smoke", action="store_true", help="tiny run on SQLite and the on-disk broker, for CI")
    args = parser.parse_args()
    if args.smoke:
        # Still two workers sharing the quota and one baseline request per thread: the smoke run
        # proves every step runs and prints its figures, not the figures.
        args.documents, args.concurrency, args.baseline_requests = 4, 1, 2
    args.baseline_threads = args.baseline_threads or args.workers * args.concurrency

    sim = start_simulator(latency_ms=args.latency_ms, qps=args.qps)
    environ = {**vendor_environ(sim), "G42_OCR_QPS": str(args.qps), "OCR_DEFAULT_PROVIDER": "g42"}
    bench = prepare("quota", smoke=args.smoke, database_url=args.database_url, environ=environ)
    print(f"machine: {machine()}; database: {bench.database_url.split('@')[-1]}; broker: {bench.broker_url}; {load()}")
    print(f"vendor: simulator at {sim.url}, {args.latency_ms} ms per call, {args.qps} requests/s per account")
    try:
        pipeline = run_pipeline(bench, sim, args)
        baseline = run_baseline(sim, args)
    finally:
        sim.stop()
    print(f"after the run: {load()}")
    dump_json(args.json, {"pipeline": pipeline, "baseline": baseline, "machine": machine(), "load": load()})
    ratio = pipeline["ratio"] or 0.0
    result("vendor quota", pipeline["read"] == args.documents and ratio >= 0.95 and pipeline["throttled"] == 0,
           f"rate/quota {ratio:.3f} (target >= 0.95), throttle answers {pipeline['throttled']} (target 0), "
           f"{pipeline['read']}/{args.documents} read, {args.workers} workers x {args.concurrency}")
    throughput = baseline["read_per_s"] / pipeline["documents_per_s"] if pipeline["documents_per_s"] else float("nan")
    result("baseline", baseline["requests"] > 0,
           f"naive inline call: {baseline['read_per_s']} reads/s vs pipeline {pipeline['documents_per_s']} "
           f"(ratio {throughput:.2f}), {baseline['throttled']} of {baseline['requests']} requests throttled vs "
           f"{pipeline['throttled']}, applicant waits median {baseline['request_ms_median']} ms")


if __name__ == "__main__":
    main()
