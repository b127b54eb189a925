"""Pipeline overhead: what the queue, the workers and our own code add to the vendor's time.

Issue 9, point 3, with point 7's baseline measured in the same run.

Light load: one document at a time. Each passport image is POSTed to a bench view that does what
the applicant's upload and submit do (``document_attach``, ``case_submit``: the read is queued on
commit); a real Celery worker reads it through the G42 client against the vendor simulator
(``--latency-ms``). Per document:

- end to end = the reading stored (``DocumentReading.created_at``) - the case submitted
  (``Case.submitted_at``), both written by the database's clients on this host;
- vendor time = the duration of the vendor HTTP call as the client measured it
  (``OcrAttempt.duration_ms``: the simulated latency, the simulator's work, loopback HTTP);
- overhead = end to end - vendor time: broker, worker, claim, file decryption, image
  preparation, signing, recording the reading. Target: median <= 50 ms.

Baseline (point 7): the same documents read naively inside the request (bench view
``naive_upload_and_read``), one at a time, same simulator: the same overhead computed from the
same timestamps, and the time the applicant's request takes in each design.

    .venv/bin/python bench/pipeline_overhead.py           # 40 documents each way
    .venv/bin/python bench/pipeline_overhead.py --smoke   # a few documents on SQLite, for CI
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
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
    start_simulator,
    vendor_environ,
)


def wait_for_reading(case_id, timeout: float) -> bool:
    from kyc.models import Document

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Document.objects.filter(case_id=case_id, read_state__in=["read", "failed"]).exists():
            return True
        time.sleep(0.02)
    return False


def one_at_a_time(mode: str, case_ids: list, specimens: Specimens, pause: float) -> list[float]:
    """POST each image in turn and wait for its reading; returns the request times (ms)."""
    from django.test import Client

    client = Client()
    request_ms = []
    for index, case_id in enumerate(case_ids):
        status, seconds = post_image(client, mode, case_id, "passport", specimens.image("passport", index))
        if status != 200:
            raise SystemExit(f"{mode}: the bench view answered HTTP {status}")
        request_ms.append(seconds * 1000)
        if not wait_for_reading(case_id, timeout=60):
            raise SystemExit(f"{mode}: no reading within 60 s")
        time.sleep(pause)  # light load: the worker is idle again when the next document comes
    return request_ms


def summarise(label: str, rows: list[dict], request_ms: list[float]) -> dict:
    end_to_end = [(r["stored"] - r["submitted"]).total_seconds() * 1000 for r in rows]
    vendor = [float(r["vendor_ms"]) for r in rows]
    overhead = [e - v for e, v in zip(end_to_end, vendor, strict=True)]
    # Where the overhead goes: before the claim (commit, broker, worker pick-up) and after it.
    to_claim = [(r["claimed"] - r["submitted"]).total_seconds() * 1000 for r in rows]
    in_worker = [o - q for o, q in zip(overhead, to_claim, strict=True)]
    print(f"{label}:")
    print(f"  request (what the applicant waits)   {describe(request_ms)}")
    print(f"  end to end (submit -> reading stored) {describe(end_to_end)}")
    print(f"  vendor call                           {describe(vendor)}")
    print(f"  overhead (end to end - vendor call)   {describe(overhead)}")
    print(f"    of which submit -> claimed          {describe(to_claim)}")
    print(f"    of which claimed -> stored - vendor {describe(in_worker)}", flush=True)
    return {
        "n": len(rows),
        "request_ms_median": round(statistics.median(request_ms), 1),
        "end_to_end_ms_median": round(statistics.median(end_to_end), 1),
        "vendor_ms_median": round(statistics.median(vendor), 1),
        "overhead_ms_median": round(statistics.median(overhead), 1),
        "overhead_ms_p95": round(percentile(overhead, 0.95), 1),
        "submit_to_claim_ms_median": round(statistics.median(to_claim), 1),
        "claim_to_stored_minus_vendor_ms_median": round(statistics.median(in_worker), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=40, help="documents each way (after one warm-up each)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--qps", type=float, default=5.0)
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between documents")
    parser.add_argument("--database-url", help="default: postgres://postgres@127.0.0.1:5432/kyc_bench_overhead")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--smoke", action="store_true", help="tiny run on SQLite and the on-disk broker, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.documents, args.workers, args.concurrency, args.pause = 3, 1, 1, 0.0

    sim = start_simulator(latency_ms=args.latency_ms, qps=args.qps)
    environ = {**vendor_environ(sim), "G42_OCR_QPS": str(args.qps), "OCR_DEFAULT_PROVIDER": "g42"}
    bench = prepare("overhead", smoke=args.smoke, database_url=args.database_url, environ=environ)
    print(f"machine: {machine()}; database: {bench.database_url.split('@')[-1]}; broker: {bench.broker_url}; {load()}")
    print(f"vendor: simulator at {sim.url}, {args.latency_ms} ms per call; one document at a time")
    specimens = Specimens()
    try:
        pipeline_cases = make_cases("passport", args.documents + 1, None, issuing_country="GBR")
        naive_cases = make_cases("passport", args.documents + 1, None, issuing_country="GBR", start=100_000)
        with bench_views():
            with celery_workers(bench, args.workers, concurrency=args.concurrency):
                print(f"workers: {args.workers} processes x {args.concurrency} (prefork); {load()}", flush=True)
                pipeline_ms = one_at_a_time("pipeline", pipeline_cases, specimens, args.pause)
            purge_queue()
            with naive_routing():
                naive_ms = one_at_a_time("naive", naive_cases, specimens, args.pause)
            purge_queue()
    finally:
        sim.stop()
    # The first document of each way warms connections and caches: not counted.
    pipeline = summarise("pipeline (queued, read by a worker)", document_timings(pipeline_cases[1:]), pipeline_ms[1:])
    naive = summarise("baseline (naive call inside the request)", document_timings(naive_cases[1:]), naive_ms[1:])
    print(f"after the run: {load()}")
    dump_json(args.json, {"pipeline": pipeline, "baseline": naive, "machine": machine(), "load": load()})
    result("overhead", pipeline["overhead_ms_median"] <= 50,
           f"median {pipeline['overhead_ms_median']} ms (target <= 50), p95 {pipeline['overhead_ms_p95']} ms, "
           f"vendor call median {pipeline['vendor_ms_median']} ms, n={pipeline['n']}")
    result("baseline", naive["n"] > 0,
           f"applicant's request: naive {naive['request_ms_median']} ms vs pipeline {pipeline['request_ms_median']} ms "
           f"(ratio {naive['request_ms_median'] / pipeline['request_ms_median']:.1f}); end to end: naive "
           f"{naive['end_to_end_ms_median']} ms vs pipeline {pipeline['end_to_end_ms_median']} ms; overhead naive "
           f"{naive['overhead_ms_median']} ms vs pipeline {pipeline['overhead_ms_median']} ms")


if __name__ == "__main__":
    main()
