"""Dashboard speed at scale: the reviewer queue and the case workspace over 100 000 cases.

Fills a dedicated PostgreSQL database (default ``kyc_bench``) with synthetic cases — each with its
documents, primary and second readings, findings and audit events — then times the queue page and
the case workspace in-process (server time: URL routing, queries, template rendering) and counts
their queries at two data sizes to show the count does not grow with the data.

    python bench/dashboard.py                 # 100 000 cases (filled once, reused next time)
    python bench/dashboard.py --smoke         # a few hundred cases on SQLite, for CI
Target: p95 <= 100 ms for both pages, constant query count.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import DEFAULT_BENCH_DATABASE, describe, machine, percentile, setup_django  # noqa: E402

KINDS = {
    "passport": ["passport"],
    "emirates_id": ["emirates_id_front", "emirates_id_back"],
    "cn_resident_id": ["cn_id_portrait", "cn_id_emblem"],
}
FINDING_CODES = [
    ("MRZ_CHECK_DIGIT", "pass"), ("DOC_EXPIRY", "pass"), ("VIZ_MRZ_BIRTH_DATE", "pass"),
    ("VIZ_MRZ_NAME", "warn"), ("APPLICANT_AGE", "pass"), ("OCR_CONFIDENCE", "pass"), ("READERS_DISAGREE", "fail"),
]


def fill(target: int, *, batch: int = 2000, seed: int = 7) -> None:
    from django.db import transaction
    from django.utils import timezone

    from kyc.models import Applicant, Case, CheckFinding, Document, DocumentReading

    rng = random.Random(seed)
    existing = Case.objects.count()
    if existing >= target:
        print(f"data: {existing} cases already present")
        analyse()
        return
    print(f"data: adding {target - existing} cases to {existing} ...", flush=True)
    started = time.perf_counter()
    now = timezone.now()
    states = ["ready_for_review"] * 5 + ["approved", "rejected", "needs_attention", "processing"]
    for offset in range(existing, target, batch):
        size = min(batch, target - offset)
        with transaction.atomic():
            applicants = Applicant.objects.bulk_create(
                [Applicant(email=f"bench{offset + i}@example.test") for i in range(size)]
            )
            cases = []
            for i, applicant in enumerate(applicants):
                document_type = rng.choice(list(KINDS))
                submitted = now - timedelta(minutes=rng.randrange(1, 60 * 24 * 30))
                cases.append(
                    Case(
                        applicant=applicant, document_type=document_type,
                        issuing_country=rng.choice(["ARE", "CHN", "GBR", "IND", "PAK"]),
                        state=rng.choice(states), submitted_at=submitted, state_changed_at=submitted, check_run=1,
                        reference=f"B-{offset + i:08d}",
                        failed_findings_count=sum(o == "fail" for _, o in FINDING_CODES),
                        warned_findings_count=sum(o == "warn" for _, o in FINDING_CODES),
                    )
                )
            cases = Case.objects.bulk_create(cases)
            documents = [
                Document(
                    case=case, kind=kind, file=f"bench/{kind}.jpg", sha256=f"{offset + n:064x}", byte_size=250_000,
                    width=1600, height=1000, content_type="image/jpeg", read_state="read",
                )
                for n, case in enumerate(cases)
                for kind in KINDS[case.document_type]
            ]
            documents = Document.objects.bulk_create(documents)
            readings = []
            for document in documents:
                fields = {
                    name: {"value": value, "confidence": 0.95, "box": [10, 10 + 30 * i, 400, 35 + 30 * i]}
                    for i, (name, value) in enumerate(
                        [("surname", "BENCH"), ("given_names", "SAMPLE"), ("document_number", "X0000000"),
                         ("birth_date", "1990-01-01"), ("expiry_date", "2031-01-01"), ("nationality", "GBR")]
                    )
                }
                for role in ("primary", "second"):
                    readings.append(
                        DocumentReading(
                            document=document, role=role, provider="local" if role == "second" else "huawei",
                            fields=fields, mrz_lines=["P<GBRBENCH<<SAMPLE" + "<" * 26, "X0000000" + "<" * 36],
                            raw_response={"result": {"bench": True}}, claim_token=f"bench-{document.id}",
                        )
                    )
            DocumentReading.objects.bulk_create(readings)
            CheckFinding.objects.bulk_create(
                CheckFinding(
                    case=case, check_run=1, code=code, outcome=outcome, message="Synthetic bench finding.",
                    evidence={"compared": [{"source": "mrz", "field": "birth_date", "value": "1990-01-01"}]},
                )
                for case in cases
                for code, outcome in FINDING_CODES
            )
        done = offset + size - existing
        if done % 20000 < batch:
            print(f"  {offset + size} cases ({done / (time.perf_counter() - started):.0f}/s)", flush=True)
    print(f"data: filled in {time.perf_counter() - started:.0f}s")
    analyse()


def analyse() -> None:
    """Fresh planner statistics and visibility map, as autovacuum would leave them soon after a bulk load."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def measure(requests: int) -> dict[str, object]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kyc.models import Case

    user, _ = User.objects.get_or_create(username="bench-reviewer", defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    case_ids = list(Case.objects.filter(state="ready_for_review").values_list("id", flat=True)[:2000])
    rng = random.Random(1)
    pages = {
        "queue": lambda: reverse("reviewer:queue"),
        "queue, page 5": lambda: reverse("reviewer:queue") + "?page=5",
        "case workspace": lambda: reverse("reviewer:case", args=[rng.choice(case_ids)]),
    }
    figures: dict[str, object] = {}
    for label, url in pages.items():
        client.get(url())  # warm caches, templates
        timings, query_counts = [], set()
        for _ in range(requests):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url())
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code}")
            query_counts.add(len(queries))
        figures[label] = (timings, sorted(query_counts))
        print(f"{label:16} {describe(timings)}; queries per request: {sorted(query_counts)}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database-url", default=DEFAULT_BENCH_DATABASE)
    parser.add_argument("--smoke", action="store_true", help="tiny run on SQLite for CI")
    args = parser.parse_args()
    if args.smoke:
        folder = tempfile.mkdtemp(prefix="kyc-bench-")
        args.database_url = f"sqlite:///{folder}/bench.sqlite3"
        args.cases, args.requests, sizes = 300, 5, [100, 300]
        setup_django(args.database_url, data_dir=folder)
    else:
        setup_django(args.database_url)
        sizes = [min(1000, args.cases), args.cases]
    print(f"machine: {machine()}; database: {args.database_url.split('@')[-1]}")
    results = {}
    for size in sizes:
        fill(size)
        print(f"--- {size} cases")
        results[size] = measure(args.requests)
    small, large = results[sizes[0]], results[sizes[-1]]
    verdicts = []
    for label in large:
        p95 = percentile(large[label][0], 0.95)
        constant = small[label][1] == large[label][1]
        verdicts.append(p95 <= 100 and constant)
        print(f"RESULT {label}: p95 {p95:.1f} ms (target 100), queries {small[label][1]} -> {large[label][1]} "
              f"({'constant' if constant else 'GROWS'})")
    print("RESULT dashboard:", "PASS" if all(verdicts) else "MISS")


if __name__ == "__main__":
    main()
