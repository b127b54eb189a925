"""Audited writes per second with 1, 4 and 16 concurrent writers, each on cases of its own.

Every write is what a service does: one transaction that locks its case row, changes it and
appends an audit event (``kyc.core.audit.audit_record``). The writers never touch each
other's cases, so any loss of scaling comes from what all audited writes share: before issue 17
(point 8), the one chain-head row every append locked until its transaction committed; now each
case has its own chain and head row.
``--hold-ms`` keeps each transaction open that much longer after the append, standing for work
done before commit (checks, other inserts), which is what the shared lock serialises.

    python bench/audit_writes.py                  # PostgreSQL (kyc_privacy), 5 s per step
    python bench/audit_writes.py --smoke          # SQLite, a fraction of a second, for CI
Target: 4 writers reach at least 3x the writes per second of 1 (near-linear on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import load, machine, result, setup_django  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/kyc_privacy"


def make_cases(count: int) -> list:
    from kyc.core.audit import Actor
    from kyc.services.cases import case_create

    return [case_create(actor=Actor.applicant(""), email=f"bench{i}@example.test", document_type="passport").id
            for i in range(count)]


def run(writers: int, case_ids: list, seconds: float, hold_ms: float) -> float:
    from django.db import connection, transaction

    from kyc.core.audit import Actor, audit_record
    from kyc.models import Case

    actor = Actor.system("bench")
    counts = [0] * writers
    barrier = threading.Barrier(writers + 1)
    stop = threading.Event()

    def writer(index: int) -> None:
        own = case_ids[index::writers]
        try:
            barrier.wait()
            n = 0
            while not stop.is_set():
                case_id = own[n % len(own)]
                with transaction.atomic():
                    case = Case.objects.select_for_update().get(id=case_id)
                    Case.objects.filter(id=case.id).update(warned_findings_count=n % 7)
                    audit_record(actor=actor, action="bench.write", case_id=case.id, object_type="case",
                                 object_id=case.id, data={"n": n})
                    if hold_ms:
                        time.sleep(hold_ms / 1000)
                n += 1
            counts[index] = n
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DATABASE,
                        help="PostgreSQL URL; the schema is migrated, so use a database of the bench's own")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--hold-ms", type=float, default=2.0)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    writer_counts = [1, 4, 16]
    if args.smoke:
        data_dir = tempfile.mkdtemp(prefix="kyc-bench-audit-")
        setup_django(f"sqlite:///{data_dir}/bench.sqlite3", data_dir=data_dir)
        args.seconds, writer_counts = 0.3, [1, 4]
    else:
        setup_django(args.database)
    from django.db import connection

    print(f"machine: {machine()}; {load()}; database: {connection.vendor}")
    case_ids = make_cases(max(writer_counts) * 2)
    rates = {}
    for writers in writer_counts:
        rates[writers] = run(writers, case_ids, args.seconds, args.hold_ms)
        print(f"{writers:>2} writers: {rates[writers]:8.1f} audited writes/s "
              f"(x{rates[writers] / rates[1]:.2f} of one writer)", flush=True)
    from kyc.core.audit_verification import audit_chain_verify

    verification = audit_chain_verify()
    print(f"chain after the run: {'intact' if verification.ok else verification.problem}, "
          f"{verification.events_checked} events")
    scaling = rates[4] / rates[1]
    result("audit writes", scaling >= 3.0 and verification.ok,
           f"4 writers x{scaling:.2f} of 1 writer; target x3.0, hold {args.hold_ms} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
