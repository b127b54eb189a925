"""Pipeline overhead: what the queue, the workers and our own code add to the vendor's time.

Issue 9, point 3, with point 7's baseline measured in the same run.

Light load: one document at a time. Each passport image is POSTed to a bench view that does what
the applicant's upload and submit do (``document_attach``, ``case_submit``: the read is queued on
commit); a real Celery worker reads it through the G42 client against the vendor simulator
(``--latency-ms``). Per document:

- end to end = the case seen "ready for review", committed - the case submitted (``Case.submitted_at``).
  The clock stops where the applicant's and the reviewer's wait stops: when another connection
  first sees the case in ``ready_for_review`` (polled every 5 ms from this process, so the figure
  is an upper bound by at most the poll interval: it cannot flatter us). That includes the
  reading's insert, its audit row, the cross-checks, the findings, the transition and the commit;
- stored -> ready = that moment - the reading's insert (``DocumentReading.created_at``): the
  checks, findings, transition and commit (the part issue 21 point 3 is about);
- vendor time = the duration of the vendor HTTP call as the client measured it
  (``OcrAttempt.duration_ms``: the simulated latency, the simulator's work, loopback HTTP);
- overhead = end to end - vendor time: broker, worker, claim, file decryption, image
  preparation, signing, recording the reading, checks, transition, commit. Target: median <= 50 ms.

Recording a read up to "ready for review" is also replayed in this process for every case, in
CPU time, wall time and queries (``time_recording``), and the whole read task is run in this
process on as many fresh cases (``time_reads_in_process``: CPU time of the reading thread, SQL
statements per read): figures a loaded machine does not inflate.

The checks are also timed in this process, on the stored readings of every case read, in CPU time
(``time.process_time``) as well as wall time, because CPU time does not grow with the load other
people put on the machine: ``check_case`` alone, and ``case_run_checks`` (checks and their writes,
rolled back).

Baseline (point 7): the same documents read naively inside the request (bench view
``naive_upload_and_read``), one at a time, same simulator: the same overhead computed from the
same timestamps, and the time the applicant's request takes in each design.

    .venv/bin/python bench/pipeline_overhead.py           # 40 documents each way
    .venv/bin/python bench/pipeline_overhead.py --smoke   # a few documents on SQLite, for CI
    .venv/bin/python bench/pipeline_overhead.py --redis-url redis://127.0.0.1:6379/4 \
        --database-url postgres://postgres@127.0.0.1:5432/kyc_mine   # a Redis database and a database of your own
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
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
    submit_all,
    vendor_environ,
)

# Seen by this process, after commit: case id -> aware datetime.
READY_SEEN: dict = {}
_WAITING_STATES = ("draft", "submitted", "processing")


def wait_for_ready(case_id, timeout: float) -> bool:
    """Poll (another connection, autocommit) until the case has left the pipeline's states."""
    from django.utils import timezone

    from kyc.models import Case

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = Case.objects.filter(id=case_id).values_list("state", flat=True).first()
        if state not in _WAITING_STATES:
            READY_SEEN[case_id] = (timezone.now(), state)
            return True
        time.sleep(0.005)
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
        if not wait_for_ready(case_id, timeout=60):
            raise SystemExit(f"{mode}: the case was not ready for review within 60 s")
        time.sleep(pause)  # light load: the worker is idle again when the next document comes
    return request_ms


def sessions_opened() -> int | None:
    """PostgreSQL sessions opened on this database so far (``pg_stat_database.sessions``), None on
    SQLite. Across the pipeline's reads it counts the workers' new connections: a load-independent
    figure of what each task pays before its first statement."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    time.sleep(1.5)  # a backend reports its statistics at most once a second
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def with_ready_times(rows: list[dict]) -> list[dict]:
    """``rows`` (document_timings) with the moment each one's case was seen ready, committed."""
    from kyc.models import Document

    case_of = {str(document_id): case_id for document_id, case_id in
               Document.objects.filter(id__in=[uuid.UUID(r["id"]) for r in rows]).values_list("id", "case_id")}
    out = []
    for row in rows:
        seen = READY_SEEN.get(case_of.get(row["id"]))
        if seen is None:
            continue
        when, state = seen
        if state != "ready_for_review":
            raise SystemExit(f"a case ended in {state}, not ready_for_review: the bench needs readable passports")
        out.append({**row, "ready": when})
    return out


def summarise(label: str, rows: list[dict], request_ms: list[float]) -> dict:
    rows = with_ready_times(rows)
    end_to_end = [(r["ready"] - r["submitted"]).total_seconds() * 1000 for r in rows]
    vendor = [float(r["vendor_ms"]) for r in rows]
    overhead = [e - v for e, v in zip(end_to_end, vendor, strict=True)]
    # Where the overhead goes: before the claim (commit, broker, worker pick-up), in the worker up
    # to the reading's insert, and from the insert to the committed "ready for review".
    to_claim = [(r["claimed"] - r["submitted"]).total_seconds() * 1000 for r in rows]
    stored_to_ready = [(r["ready"] - r["stored"]).total_seconds() * 1000 for r in rows]
    in_worker = [o - q - t for o, q, t in zip(overhead, to_claim, stored_to_ready, strict=True)]
    print(f"{label}:")
    print(f"  request (what the applicant waits)   {describe(request_ms)}")
    print(f"  end to end (submit -> ready, committed) {describe(end_to_end)}")
    print(f"  vendor call                           {describe(vendor)}")
    print(f"  overhead (end to end - vendor call)   {describe(overhead)}")
    print(f"    of which submit -> claimed          {describe(to_claim)}")
    print(f"    of which claimed -> stored - vendor {describe(in_worker)}")
    print(f"    of which stored -> ready, committed {describe(stored_to_ready)}", flush=True)
    return {
        "n": len(rows),
        "request_ms_median": round(statistics.median(request_ms), 1),
        "end_to_end_ms_median": round(statistics.median(end_to_end), 1),
        "vendor_ms_median": round(statistics.median(vendor), 1),
        "overhead_ms_median": round(statistics.median(overhead), 1),
        "overhead_ms_p95": round(percentile(overhead, 0.95), 1),
        "submit_to_claim_ms_median": round(statistics.median(to_claim), 1),
        "claim_to_stored_minus_vendor_ms_median": round(statistics.median(in_worker), 1),
        "stored_to_ready_ms_median": round(statistics.median(stored_to_ready), 1),
    }


def time_checks(case_ids: list, rounds: int = 3) -> dict:
    """The cross-checks on each case's stored readings, in this process: CPU and wall time per case."""
    from django.db import transaction
    from django.utils import timezone

    from kyc.models import Case
    from kyc.selectors.configuration import check_policy
    from kyc.services import readings
    from ocr_integration import services as ocr

    pure_cpu, pure_wall, stored_cpu, stored_wall, counted = [], [], [], [], []
    policy, today = check_policy(), timezone.now().date()
    for case in Case.objects.filter(id__in=case_ids).select_related("applicant"):
        evidence = readings.case_readings(case=case)
        for _ in range(rounds):
            cpu, wall = time.process_time(), time.perf_counter()
            counted.append(len(ocr.check_case(evidence, today=today, policy=policy)))
            pure_cpu.append((time.process_time() - cpu) * 1000)
            pure_wall.append((time.perf_counter() - wall) * 1000)
        with transaction.atomic():
            cpu, wall = time.process_time(), time.perf_counter()
            readings.case_run_checks(case=case)
            stored_cpu.append((time.process_time() - cpu) * 1000)
            stored_wall.append((time.perf_counter() - wall) * 1000)
            transaction.set_rollback(True)
    print(f"checks, in this process ({load()}); findings per case: median {statistics.median(counted)}:")
    print(f"  check_case, CPU time                  {describe(pure_cpu)}")
    print(f"  check_case, wall time                 {describe(pure_wall)}")
    print(f"  case_run_checks (with writes), CPU    {describe(stored_cpu)}")
    print(f"  case_run_checks (with writes), wall   {describe(stored_wall)}", flush=True)
    return {"check_case_cpu_ms_median": round(statistics.median(pure_cpu), 2),
            "check_case_wall_ms_median": round(statistics.median(pure_wall), 2),
            "case_run_checks_cpu_ms_median": round(statistics.median(stored_cpu), 2),
            "case_run_checks_wall_ms_median": round(statistics.median(stored_wall), 2)}


def time_recording(case_ids: list, *, show_queries: bool = False) -> dict:
    """Recording a finished read up to "ready for review", in this process, per case: CPU time,
    wall time and queries of ``document_record_reading`` (the reading's insert, its audit row, the
    checks, the findings and the transition). Each case is put back as it was just before its
    reading was stored and the work is rolled back afterwards (the commit itself is not in these
    figures; it is in the end-to-end figures above)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from kyc.models import Case, Document, DocumentReading
    from kyc.services import readings
    from ocr_integration import services as ocr
    from ocr_integration.documents.reading import Reading

    cpu_ms, wall_ms, queries = [], [], []
    for case_id in case_ids:
        document = Document.objects.get(case_id=case_id)
        row = DocumentReading.objects.filter(document=document, role="primary").latest("created_at")
        reading = Reading.from_json({"provider": row.provider, "document_kind": document.kind, "fields": row.fields,
                                     "mrz_lines": row.mrz_lines, "raw_response": row.raw_response,
                                     "vendor_request_id": row.vendor_request_id})
        with transaction.atomic():
            Document.objects.filter(id=document.id).update(read_state="reading", claim_token="bench-replay")
            Case.objects.filter(id=case_id).update(state="processing")
            with CaptureQueriesContext(connection) as captured:
                cpu, wall = time.process_time(), time.perf_counter()
                stored = readings.document_record_reading(document_id=document.id, token="bench-replay",
                                                          result=ocr.DocumentReadResult(reading))
                cpu_ms.append((time.process_time() - cpu) * 1000)
                wall_ms.append((time.perf_counter() - wall) * 1000)
            queries.append(len(captured.captured_queries))
            if show_queries and len(queries) == 1:
                for query in captured.captured_queries:
                    print(f"    {query['time']} s  {query['sql'][:160]}")
            if not stored or Case.objects.get(id=case_id).state != "ready_for_review":
                raise SystemExit("the replayed reading did not make the case ready for review")
            transaction.set_rollback(True)
    print(f"reading stored -> ready, replayed in this process ({load()}), per case:")
    print(f"  CPU time                              {describe(cpu_ms)}")
    print(f"  wall time (no commit)                 {describe(wall_ms)}")
    print(f"  queries                               median {statistics.median(queries)}, max {max(queries)}",
          flush=True)
    return {"record_to_ready_cpu_ms_median": round(statistics.median(cpu_ms), 2),
            "record_to_ready_wall_ms_median": round(statistics.median(wall_ms), 2),
            "record_to_ready_queries_median": statistics.median(queries)}


def time_reads_in_process(specimens: Specimens, count: int) -> dict:
    """The read task's body (``kyc.tasks.read_document``: claim, vendor call, checks, recording,
    "ready for review", committed) run in this process on ``count`` fresh cases, one at a time:
    the CPU time of this thread (``time.thread_time``: the simulator answers from another thread,
    and the wait for the vendor costs no CPU) and the SQL statements per read, BEGIN and COMMIT
    included. Neither grows with the load other people put on the machine; the Celery message
    handling of a real worker is not in them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kyc import tasks
    from kyc.models import Case, Document

    case_ids = make_cases("passport", count + 1, specimens, issuing_country="GBR", start=200_000)
    submit_all(case_ids)
    purge_queue()  # the reads the submits queued are run here instead
    cpu_ms, statements = [], []
    for index, case_id in enumerate(case_ids):
        document_id = Document.objects.get(case_id=case_id, is_current=True).id
        with CaptureQueriesContext(connection) as captured:
            cpu = time.thread_time()
            tasks.read_document(str(document_id))
            spent = (time.thread_time() - cpu) * 1000
        if Case.objects.get(id=case_id).state != "ready_for_review":
            raise SystemExit("a read in this process did not make its case ready for review")
        if index:  # the first one warms connections and caches
            cpu_ms.append(spent)
            statements.append(len(captured.captured_queries))
    print(f"read task run in this process ({load()}), per read:")
    print(f"  CPU time of the reading thread        {describe(cpu_ms)}")
    print(f"  SQL statements (BEGIN/COMMIT included) median {statistics.median(statements)}, max {max(statements)}",
          flush=True)
    return {"read_task_cpu_ms_median": round(statistics.median(cpu_ms), 2),
            "read_task_cpu_ms_p95": round(percentile(cpu_ms, 0.95), 2),
            "read_task_statements_median": statistics.median(statements)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=40, help="documents each way (after one warm-up each)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--qps", type=float, default=5.0)
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between documents")
    parser.add_argument("--database-url", help="default: postgres://postgres@127.0.0.1:5432/kyc_bench_overhead")
    parser.add_argument("--redis-url", help="broker and cache for full runs (default: bench/_common.py's)")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one replayed recording")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--smoke", action="store_true", help="tiny run on SQLite and the on-disk broker, for CI")
    args = parser.parse_args()
    if args.smoke:
        args.documents, args.workers, args.concurrency, args.pause = 3, 1, 1, 0.0

    if args.redis_url:
        import bench._common as common

        common.REDIS_BROKER = common.REDIS_CACHE = args.redis_url
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
                sessions_before = sessions_opened()
                pipeline_ms = one_at_a_time("pipeline", pipeline_cases, specimens, args.pause)
                sessions_after = sessions_opened()
            purge_queue()
            with naive_routing():
                naive_ms = one_at_a_time("naive", naive_cases, specimens, args.pause)
            purge_queue()
        in_process = time_reads_in_process(specimens, args.documents)
    finally:
        sim.stop()
    # The first document of each way warms connections and caches: not counted.
    pipeline = summarise("pipeline (queued, read by a worker)", document_timings(pipeline_cases[1:]), pipeline_ms[1:])
    if sessions_before is not None:
        pipeline["sessions_opened"] = sessions_after - sessions_before
        print(f"  PostgreSQL sessions opened during the {len(pipeline_cases)} worker reads: {pipeline['sessions_opened']}")
    naive = summarise("baseline (naive call inside the request)", document_timings(naive_cases[1:]), naive_ms[1:])
    checks = time_checks(pipeline_cases[1:])
    checks.update(time_recording(pipeline_cases[1:], show_queries=args.show_queries))
    checks.update(in_process)
    print(f"after the run: {load()}")
    dump_json(args.json, {"pipeline": pipeline, "baseline": naive, "checks": checks, "machine": machine(),
                          "load": load()})
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
