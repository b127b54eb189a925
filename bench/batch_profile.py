"""Where one CTyun batch's time goes before and around its call: a profile of one batch, in process.

Issue 21, point 2 (companion of ``batching.py``, which times a burst through real workers).

``--cases`` Chinese ID cases (two images each) are submitted; then, in this process, the worker's
own functions claim one full batch of 50 (``documents_claim_batch``) and read it in one call
(``_read_together``: read and decrypt the stored images, prepare them for the API, the call
against the simulator, parse, record the attempts), under cProfile, ``--rounds`` times (the batch
is put back between rounds). Printed: CPU (``time.process_time``, which includes the simulator's
thread in this process) and wall time of the claim and of the batch's read, with the load average,
then the functions that took the most time. Storing the readings is not part of it: it comes
after every call of a claim (``batching.py`` prints the whole burst's CPU).

    .venv/bin/python bench/batch_profile.py            # 25 cases, 50 images, 2 rounds
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    Specimens,
    forget_queue,
    load,
    make_cases,
    prepare,
    start_simulator,
    submit_all,
    vendor_environ,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--top", type=int, default=20, help="functions printed per round")
    parser.add_argument("--database-url", help="default: postgres://postgres@127.0.0.1:5432/kyc_bench_batch_profile")
    args = parser.parse_args()
    sim = start_simulator(latency_ms=300, qps=5.0)
    environ = {**vendor_environ(sim, batching=True, batch_wait_ms=200, ctyun_qps=5.0), "CTYUN_OCR_BATCH_MAX": "50",
               "OCR_DEFAULT_PROVIDER": "ctyun"}
    bench = prepare("batch_profile", smoke=False, database_url=args.database_url, environ=environ)
    try:
        case_ids = make_cases("cn_resident_id", args.cases, Specimens(), issuing_country="CHN")
        submit_all(case_ids)
        forget_queue(bench.broker_url, bench.queue)  # no worker reads these messages: this process does

        from kyc.models import Document
        from kyc.services import batched_reads
        from ocr_integration import services as ocr

        ocr.batch_limits()  # imports and the account, once
        for round_ in range(args.rounds):
            token = f"profile-{round_}"
            profile = cProfile.Profile()
            cpu, wall = time.process_time(), time.perf_counter()
            profile.enable()
            documents = batched_reads.documents_claim_batch(group="ctyun:idcard", token=token, only_if_full=True)
            claim_cpu, claim_wall = time.process_time() - cpu, time.perf_counter() - wall
            read = batched_reads._read_together(documents[:50])
            profile.disable()
            read_cpu, read_wall = time.process_time() - cpu - claim_cpu, time.perf_counter() - wall - claim_wall
            failed = sum(1 for result in read.values() if isinstance(result, Exception))
            print(f"round {round_ + 1}: claimed {len(documents)}, read {len(read) - failed} in one call "
                  f"({failed} failed); claim {1000 * claim_cpu:.0f} ms CPU / {1000 * claim_wall:.0f} ms wall; "
                  f"batch read {1000 * read_cpu:.0f} ms CPU / {1000 * read_wall:.0f} ms wall "
                  f"(vendor latency 300 ms); {load()}")
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
            Document.objects.filter(claim_token=token).update(read_state=Document.ReadState.PENDING, claim_token="")
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
