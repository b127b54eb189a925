"""CTyun batching: many Chinese ID images queued at once, read in few vendor calls, none waiting long.

Issue 9, point 2; issue 21, point 2; issue 18, point 7.

``--images`` Chinese resident ID images (``--images`` / 2 cases, portrait and emblem sides,
synthetic specimens) are submitted in one transaction, so all their reads are queued at once.
``--workers`` real Celery workers, as the README runs them (``celery -A kyc.project worker
--concurrency=2``, prefork), read them with the CTyun client against the vendor simulator
(``--latency-ms``, ``--qps`` per account, our limit set to the same), batching on
(``CTYUN_OCR_BATCH_WAIT_MS=--batch-wait-ms``, ``CTYUN_OCR_BATCH_MAX=50``). The batches are
claimed from the database of pending reads (``kyc/services/batched_reads.py``); nothing in the
workers is instrumented.

Each image's wait is read from the database afterwards: from the submit's commit (when the read
became visible to the workers) to its vendor call being sent (the attempt's record time less the
call's duration). Targets: vendor calls <= images / 20 (<= 25 for 500), i.e. >= 20 images per
call, 0 throttles, and no image waiting longer than the bound (``--max-wait-ms``; default the
batch wait plus the time the vendor's rate needs for all images / 50 calls: no batching can send
the last call of a burst earlier). The workers' CPU (user + system, start-up included) and the
load average are printed beside the figures, and the CPU of the burst alone (from the submit to
the last reading stored, start-up left out): divided by the cores, the soonest any run on this
machine can store the last reading. Where the wait goes: every call in the order sent, with when
its images were claimed and when it went (from the database), and the earliest the rate allows
the last call given the first. ``bench/batch_profile.py`` profiles one batch in process.

The design this replaced (a Redis/flock leader-elected batch queue in a thread-pool worker of its
own) can be measured with this script at commit dbdfab9 (``--design threads``); its figures are
in docs/performance.md, 2.

    .venv/bin/python bench/batching.py                    # 500 images, the README's worker
    .venv/bin/python bench/batching.py --smoke            # 20 images on SQLite, for CI
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import sys
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

# --- bench side -------------------------------------------------------------------------------


def workers_cpu_seconds() -> float:
    """User + system CPU of this process's finished children (the workers, once stopped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def waits_from_commit(case_ids: list) -> list[float]:
    """Per image, milliseconds from the submit's commit (when its read became visible to the
    workers: every case is submitted in one transaction) to its successful vendor call being sent
    (the attempt's record time less the call's duration), from the database: the same clock for
    any design, and no probe in the workers."""
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


def process_groups_cpu_seconds(groups: list[int]) -> float:
    """User + system CPU so far of every live process in these process groups (a worker and its
    pool children, each started in a group of its own), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) in groups:  # pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def calls_from_commit(case_ids: list) -> list[dict]:
    """Per successful vendor call, in the order sent: its size, when its images were claimed and
    when it was sent (seconds from the submit's commit), from the database. Where a burst's wait
    goes: commit -> claim is the read message's delivery and the claim; claim -> sent is reading,
    decrypting and preparing the images plus the rate limiter's wait."""
    from datetime import timedelta

    from django.db.models import Max

    from kyc.models import Case, Document
    from ocr_integration.models import OcrAttempt

    committed = Case.objects.filter(id__in=case_ids).aggregate(last=Max("submitted_at"))["last"]
    claimed = {str(i): at for i, at in Document.objects.filter(case_id__in=case_ids).values_list("id", "claimed_at")}
    calls: dict[str, dict] = {}
    for ref, created, duration, request_id in OcrAttempt.objects.filter(
            subject_ref__in=list(claimed), outcome="success").values_list(
            "subject_ref", "created_at", "duration_ms", "vendor_request_id"):
        call = calls.setdefault(request_id, {"size": 0, "sent": created - timedelta(milliseconds=duration),
                                             "claimed": claimed[ref]})
        call["size"] += 1
        call["claimed"] = min(call["claimed"], claimed[ref]) if claimed[ref] else call["claimed"]
    rows = sorted(calls.values(), key=lambda c: c["sent"])
    return [{"size": c["size"], "claimed_s": (c["claimed"] - committed).total_seconds() if c["claimed"] else None,
             "sent_s": (c["sent"] - committed).total_seconds()} for c in rows]


def print_calls(calls: list[dict], *, qps: float) -> None:
    """The calls in the order sent, and the earliest the last could have gone given the first."""
    from ocr_integration.vendors.ratelimit import SEND_MARGIN

    interval = (1 + SEND_MARGIN) / qps
    print(f"  calls in the order sent (seconds from the commit; our limiter spaces calls {interval:.2f} s apart):")
    previous = None
    for n, call in enumerate(calls, 1):
        claimed = "?" if call["claimed_s"] is None else f"{call['claimed_s']:.2f}"
        gap = "" if previous is None else f", {call['sent_s'] - previous:+.2f} s after the previous"
        print(f"    {n:2}: {call['size']} images claimed at {claimed}, sent at {call['sent_s']:.2f}{gap}")
        previous = call["sent_s"]
    if calls:
        floor = calls[0]["sent_s"] + (len(calls) - 1) * interval
        print(f"  first call {calls[0]['sent_s']:.2f} s after the commit; the rate alone then allows the last at "
              f"{floor:.2f} s; it went at {calls[-1]['sent_s']:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=500, help="an even number: two sides per case")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (README: one per machine)")
    parser.add_argument("--concurrency", type=int, default=2, help="prefork processes per worker (README: the cores)")
    parser.add_argument("--batch-wait-ms", type=int, default=200,
                        help="CTYUN_OCR_BATCH_WAIT_MS (default: the product's default, as the README runs it)")
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
        args.images, args.workers, args.batch_wait_ms = 20, 1, 500
    if args.max_wait_ms is None:
        # All images are queued at once: however they are batched, the last of the images / 50
        # calls cannot go before the account's rate allows it.
        args.max_wait_ms = args.batch_wait_ms + 1000 * math.ceil(args.images / 50) / args.qps

    sim = start_simulator(latency_ms=args.latency_ms, qps=args.qps)
    environ = {
        **vendor_environ(sim, batching=True, batch_wait_ms=args.batch_wait_ms, ctyun_qps=args.qps),
        "CTYUN_OCR_BATCH_MAX": "50", "OCR_DEFAULT_PROVIDER": "ctyun",
    }
    bench = prepare("batching", smoke=args.smoke, database_url=args.database_url, environ=environ)
    print(f"machine: {machine()}; database: {bench.database_url.split('@')[-1]}; broker: {bench.broker_url}; {load()}")
    print(f"vendor: simulator at {sim.url}, {args.latency_ms} ms per call, {args.qps} requests/s; "
          f"batch wait {args.batch_wait_ms} ms, at most 50 images per call")
    try:
        started = time.perf_counter()
        case_ids = make_cases("cn_resident_id", args.images // 2, Specimens(), issuing_country="CHN")
        print(f"data: {len(case_ids)} cases ({2 * len(case_ids)} images) attached in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        workers = dict(concurrency=args.concurrency, pool="prefork")
        cpu_before = workers_cpu_seconds()
        with celery_workers(bench, args.workers, **workers) as processes:
            groups = [process.pid for process in processes]
            print(f"workers: {args.workers} x {workers['pool']} --concurrency={workers['concurrency']}; {load()}",
                  flush=True)
            sim.reset_stats()
            ready_cpu = process_groups_cpu_seconds(groups)
            queued_at = submit_all(case_ids)
            done = wait_until_read(2 * len(case_ids), timeout=300)
            finished = time.time()
            burst_cpu = process_groups_cpu_seconds(groups) - ready_cpu
        # Stopped and waited for by now: their CPU (and their pool children's) is counted.
        worker_cpu = workers_cpu_seconds() - cpu_before
    finally:
        sim.stop()
    images = 2 * len(case_ids)
    rows = document_timings(case_ids)
    calls = sim.stats["ctyun:idcard"]
    sizes = list(sim.batch_sizes)
    send_waits = waits_from_commit(case_ids)
    calls_sent = calls_from_commit(case_ids)
    end_to_end = [(r["stored"] - r["submitted"]).total_seconds() * 1000 for r in rows]
    per_call = images / calls if calls else 0.0
    print(f"images: {len(rows)}/{images} read ({done} done) in {finished - queued_at:.1f} s; throttle answers "
          f"{sim.stats['throttled']}")
    print(f"vendor calls: {calls}, images per call: mean {per_call:.1f}, "
          f"min {min(sizes, default=0)}, median {statistics.median(sizes) if sizes else 0}, max {max(sizes, default=0)}")
    print(f"  batch sizes in order: {sizes}")
    print(f"wait, submit committed -> vendor call sent: {describe(send_waits)} (bound {args.max_wait_ms:.0f} ms)")
    print_calls(calls_sent, qps=args.qps)
    print(f"submit -> reading stored (includes storing the readings of the batches before it): {describe(end_to_end)}")
    print(f"worker CPU (every worker process, start-up included): {worker_cpu:.1f} s; of it the burst "
          f"(from the submit to the last reading stored): {burst_cpu:.1f} s, {1000 * burst_cpu / images:.1f} ms "
          f"per image; on {os.cpu_count()} cores no run can store the last reading sooner than "
          f"{burst_cpu / (os.cpu_count() or 1):.1f} s")
    print(f"after the run: {load()}")
    worst = max(send_waits, default=float("inf"))
    dump_json(args.json, {
        "images": images, "read": len(rows), "calls": calls, "batch_sizes": sizes,
        "send_wait_ms_max": worst, "send_wait_ms_p50": percentile(send_waits, 0.5),
        "worker_cpu_s": worker_cpu, "burst_cpu_s": burst_cpu, "calls_sent": calls_sent, "throttled": sim.stats["throttled"],
        "batch_wait_ms": args.batch_wait_ms, "bound_ms": args.max_wait_ms, "machine": machine(), "load": load(),
    })
    result("batching", len(rows) == images and calls * 20 <= images and worst <= args.max_wait_ms
           and sim.stats["throttled"] == 0,
           f"{calls} vendor calls for {images} images (target <= {images // 20}), {per_call:.1f} images per call "
           f"(target >= 20), longest wait before the call {worst:.0f} ms (bound {args.max_wait_ms:.0f} ms), "
           f"{args.workers} x {workers['pool']} --concurrency={workers['concurrency']}, "
           f"batch wait {args.batch_wait_ms} ms, throttles {sim.stats['throttled']}, worker CPU {worker_cpu:.1f} s")


if __name__ == "__main__":
    main()
