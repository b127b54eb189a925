"""Dashboard speed at scale: every reviewer queue view and the case workspace at 100 000 cases.

Issue 21, point 4 (and issue 15, point 9: the queue with search). Each run starts from a fresh
PostgreSQL database (``<BENCH_DATABASE_PREFIX>_dashboard``, dropped and created, dropped again at
the end) and fills it with synthetic cases — each with its documents, primary and second
readings, findings, search digests (names and document numbers, as the readings service stores
them) and audit events on the case's hash chain (valid hashes) — first 1 000 cases, then 10 000,
then up to ``--cases`` (``--sizes``). The rows are streamed with COPY (100 000 cases in minutes,
not half an hour). The queue's counter table is folded after each fill, as the beat job does
every minute, and compacted.

At each size it times, **over HTTP** against ``gunicorn kyc.project.wsgi`` (the README's web command, with
the repository's gunicorn.conf.py, on a free loopback port) and **as a normal reviewer** (the
"reviewer" group, not a superuser), every queue view: the default page, every filter, every
sort, every kind of search (case reference, external reference, applicant name, document number,
and a term that finds nothing), a page reached by number, a deep page reached through "Next"
(keyset cursor), and the case workspace. The clock runs from sending the request to the last byte
of the answer. Query counts are taken in-process (Django's test client, same user, same URLs) and
must not grow from 1 000 to 100 000 cases.

    python bench/dashboard.py                 # 1 000, 10 000 then 100 000 cases, 60 requests per view
    python bench/dashboard.py --smoke         # 150 cases on SQLite, for CI
    python bench/dashboard.py --fill-only --cases 100000 --data-dir DIR    # then, on any code:
    python bench/dashboard.py --existing --in-process --data-dir DIR       # queries, PostgreSQL ms, pages, CPU
Target: p95 <= 100 ms for every view at 100 000 cases, constant query counts.
"""

from __future__ import annotations

import argparse
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    REPO,
    _stop,
    bench_database_url,
    dump_json,
    load,
    load1,
    machine,
    percentile,
    setup_django,
)

KINDS = {
    "passport": ["passport"],
    "emirates_id": ["emirates_id_front", "emirates_id_back"],
    "cn_resident_id": ["cn_id_portrait", "cn_id_emblem"],
}
FINDING_CODES = [
    ("MRZ_CHECK_DIGIT", "pass"), ("DOC_EXPIRY", "pass"), ("VIZ_MRZ_BIRTH_DATE", "pass"),
    ("VIZ_MRZ_NAME", "warn"), ("APPLICANT_AGE", "pass"), ("OCR_CONFIDENCE", "pass"), ("READERS_DISAGREE", "fail"),
]
SURNAMES = ["BENCH", "MUELLER", "WANG", "ALMANSOORI", "SMITH", "KHAN", "LI", "HADDAD", "GARCIA", "IVANOVA"]
GIVEN = ["SAMPLE", "ANNA", "WEI", "FATIMA", "JOHN", "OMAR", "MEI", "LAYLA", "CARLOS", "OLGA"]
AUDIT_ACTIONS = ["case.created", "document.attached", "case.submitted", "document.read", "case.checked"]


def _name(n: int) -> tuple[str, str]:
    return SURNAMES[n % len(SURNAMES)], f"{GIVEN[(n // 10) % len(GIVEN)]}{n}"


def _document_number(n: int) -> str:
    return f"X{n:08d}"


class _CopyTable:
    """Rows of one model streamed into its table with PostgreSQL's COPY (or ``bulk_create`` on
    SQLite, for the smoke run): the fill's rows are prepared by the model's own fields (defaults,
    encryption, JSON) but only once per column that does not vary, so a row costs a tuple, not a
    model instance and a ``get_db_prep_save`` per field."""

    def __init__(self, model, varying: tuple[str, ...]) -> None:
        from django.db import connection

        self.model, self.varying = model, varying
        fields = [f for f in model._meta.concrete_fields
                  if not (f.primary_key and f.attname not in varying and not f.has_default())]
        self.fields = fields
        sample = model()
        now = self._now()
        self.per_row_defaults = [f for f in fields if f.attname not in varying and f.has_default()
                                 and callable(f.default) and (f.unique or f.primary_key)]
        self.template = []
        for f in fields:
            value = getattr(sample, f.attname)
            if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
                value = now
            self.template.append(f.get_db_prep_save(value, connection))
        self.positions = {f.attname: i for i, f in enumerate(fields)}
        self.rows: list[list] = []
        self.postgres = connection.vendor == "postgresql"

    @staticmethod
    def _now():
        from django.utils import timezone

        return timezone.now()

    def constant(self, **values) -> _CopyTable:
        """Columns with the same value in every row of this fill, prepared (encrypted) once."""
        from django.db import connection

        for name, value in values.items():
            position = self.positions[name]
            self.template[position] = self.fields[position].get_db_prep_save(value, connection)
        return self

    def add(self, **values) -> None:
        """One row: ``values`` are the varying columns' Python values, prepared by their fields."""
        from django.db import connection

        row = list(self.template)
        for f in self.per_row_defaults:
            row[self.positions[f.attname]] = f.get_db_prep_save(f.get_default(), connection)
        for name, value in values.items():
            position = self.positions[name]
            row[position] = self.fields[position].get_db_prep_save(value, connection)
        self.rows.append(row)

    def add_prepared(self, **values) -> None:
        """One row whose varying values are already PostgreSQL values (no field preparation)."""
        if not self.postgres:  # SQLite (the smoke run) stores UUIDs and dates its own way
            return self.add(**values)
        row = list(self.template)
        for name, value in values.items():
            row[self.positions[name]] = value
        self.rows.append(row)

    def flush(self) -> None:
        from django.db import connection

        if not self.rows:
            return
        if connection.vendor == "postgresql":
            from psycopg import sql

            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(self.model._meta.db_table),
                sql.SQL(", ").join(sql.Identifier(f.column) for f in self.fields))
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            columns = ", ".join(f'"{f.column}"' for f in self.fields)
            marks = ", ".join("%s" for _ in self.fields)
            with connection.cursor() as cursor:
                cursor.executemany(f'INSERT INTO "{self.model._meta.db_table}" ({columns}) VALUES ({marks})',  # noqa: S608
                                   self.rows)
        self.rows = []


def fill(target: int, *, batch: int = 10_000, seed: int = 7) -> None:
    """Add cases until there are ``target`` (the database is fresh at the start of every run).

    Every row is valid as the product writes it — personal values encrypted (a reading's fields
    are one synthetic document, so its ciphertext is made once and shared), search digests keyed
    as the readings service keys them, each case's audit chain hashed by ``AuditEvent.compute_hash``
    — but streamed with COPY, ~20 rows per case, instead of model instances through ``bulk_create``
    (35 min for 100 000 cases before, at a load of 5-32). The queue's counter triggers on the case
    table fire for every row as they would for any insert."""
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from kyc.api.models import Integrator, IntegratorCase
    from kyc.core.models import GENESIS_HASH, AuditChain, AuditEvent
    from kyc.models import (
        Applicant,
        Case,
        CaseSearchDigest,
        CheckFinding,
        Document,
        DocumentReading,
    )
    from kyc.privacy import blind_index

    rng = random.Random(seed + target)
    existing = Case.objects.count()
    if existing >= target:
        return
    integrator, _ = Integrator.objects.get_or_create(name="bench integrator")
    reviewers = [user.pk for user in _staff_users()]
    print(f"data: adding {target - existing} cases to {existing} ... ({load()})", flush=True)
    started, cpu_started = time.perf_counter(), time.process_time()
    now = timezone.now()
    states = ["ready_for_review"] * 5 + ["needs_attention", "approved", "rejected", "processing",
                                         "resubmission_requested", "submitted"]
    fields = {
        name: {"value": value, "confidence": 0.95, "box": [10, 10 + 30 * i, 400, 35 + 30 * i]}
        for i, (name, value) in enumerate(
            [("surname", "BENCH"), ("given_names", "SAMPLE"), ("document_number", "X0000000"),
             ("birth_date", "1990-01-01"), ("expiry_date", "2031-01-01"), ("nationality", "GBR")]
        )
    }
    applicants = _CopyTable(Applicant, ("id", "email", "declared_full_name"))
    cases = _CopyTable(Case, ("id", "applicant_id", "document_type", "issuing_country", "state", "submitted_at",
                              "state_changed_at", "check_run", "reference", "failed_findings_count",
                              "warned_findings_count", "awaiting_second_approval", "assigned_to_id", "assigned_at"))
    links = _CopyTable(IntegratorCase, ("case_id", "integrator_id", "external_reference"))
    documents = _CopyTable(Document, ("id", "case_id", "kind", "file", "sha256", "byte_size", "width", "height",
                                      "content_type", "read_state"))
    # A reading's columns are the same synthetic document every time: encrypted once, in the template.
    readings = {
        role: _CopyTable(DocumentReading, ("document_id", "claim_token")).constant(
            role=role, provider="local" if role == "second" else "huawei", fields=fields,
            mrz_lines=["P<GBRBENCH<<SAMPLE" + "<" * 26, "X0000000" + "<" * 36], raw_response={"result": {"bench": True}})
        for role in ("primary", "second")
    }
    findings = _CopyTable(CheckFinding, ("case_id", "check_run", "code", "outcome")).constant(
        message="Synthetic bench finding.",
        evidence={"compared": [{"source": "mrz", "field": "birth_date", "value": "1990-01-01"}]})
    digests = _CopyTable(CaseSearchDigest, ("case_id", "field", "digest"))
    events = _CopyTable(AuditEvent, ("id", "sequence", "chain", "chain_sequence", "occurred_at", "action", "case_id",
                                     "object_id", "prev_hash", "hash")).constant(
        actor_kind="system", actor_label="bench", object_type="case", data={"bench": True})
    chains = _CopyTable(AuditChain, ("key", "last_sequence", "last_hash"))
    # One event object re-used for every event: only the hashed attributes change between them.
    event = AuditEvent(actor_kind="system", actor_label="bench", object_type="case", data={"bench": True})
    next_event = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    kinds = list(KINDS)
    for offset in range(existing, target, batch):
        size = min(batch, target - offset)
        for i in range(offset, offset + size):
            applicant_id, case_id = uuid.uuid4(), uuid.uuid4()
            applicants.add(id=applicant_id, email=f"bench{i}@example.test", declared_full_name=" ".join(_name(i)))
            document_type = rng.choice(kinds)
            submitted = now - timedelta(minutes=rng.randrange(1, 60 * 24 * 30))
            failed, warned = rng.random() < 0.3, rng.random() < 0.4
            state = rng.choice(states)
            assigned = (rng.choice(reviewers) if state in ("ready_for_review", "needs_attention")
                        and rng.random() < 0.2 else None)
            cases.add_prepared(
                id=case_id, applicant_id=applicant_id, document_type=document_type,
                issuing_country=rng.choice(["ARE", "CHN", "GBR", "IND", "PAK"]), state=state, submitted_at=submitted,
                state_changed_at=submitted, check_run=1, reference=f"B-{i:08d}", failed_findings_count=int(failed),
                warned_findings_count=int(warned),
                awaiting_second_approval=failed and state == "ready_for_review" and rng.random() < 0.1,
                assigned_to_id=assigned, assigned_at=now if assigned else None)
            if i % 10 == 0:
                links.add_prepared(case_id=case_id, integrator_id=integrator.pk, external_reference=f"EXT-{i:08d}")
            for k, kind in enumerate(KINDS[document_type]):
                document_id = uuid.uuid4()
                documents.add_prepared(
                    id=document_id, case_id=case_id, kind=kind, file=f"bench/{kind}.jpg", sha256=f"{i:060x}{k:04x}",
                    byte_size=250_000, width=1600, height=1000, content_type="image/jpeg", read_state="read")
                for table in readings.values():
                    table.add_prepared(document_id=document_id, claim_token=f"bench-{document_id}")
            for code, outcome in FINDING_CODES:
                if outcome == "fail":
                    outcome = "fail" if failed else "pass"
                elif outcome == "warn":
                    outcome = "warn" if warned else "pass"
                findings.add_prepared(case_id=case_id, check_run=1, code=code, outcome=outcome)
            for field, digest in blind_index.digests_for(names=[" ".join(_name(i))], numbers=[_document_number(i)]):
                digests.add_prepared(case_id=case_id, field=field, digest=digest)
            previous = GENESIS_HASH
            event.case_id, event.chain, event.object_id, event.occurred_at = case_id, str(case_id), str(case_id), submitted
            for position, action in enumerate(AUDIT_ACTIONS, start=1):
                event.sequence, event.chain_sequence, event.action, event.prev_hash = (
                    next_event, position, action, previous)
                digest = event.compute_hash()
                events.add_prepared(id=next_event, sequence=next_event, chain=str(case_id), chain_sequence=position,
                                    occurred_at=submitted, action=action, case_id=case_id, object_id=str(case_id),
                                    prev_hash=previous, hash=digest)
                previous = digest
                next_event += 1
            chains.add_prepared(key=str(case_id), last_sequence=len(AUDIT_ACTIONS), last_hash=previous)
        with transaction.atomic():
            for table in (applicants, cases, links, documents, *readings.values(), findings, digests, events, chains):
                table.flush()
        print(f"  {offset + size} cases ({(offset + size - existing) / (time.perf_counter() - started):.0f}/s, "
              f"{load()})", flush=True)
    _advance_event_sequence()
    print(f"data: filled in {time.perf_counter() - started:.0f} s wall, {time.process_time() - cpu_started:.0f} s "
          f"CPU of this process ({load()}): {Case.objects.count()} cases, {AuditEvent.objects.count()} audit events")
    analyse()


def _advance_event_sequence() -> None:
    """The events were inserted with explicit ids: move PostgreSQL's sequence past them."""
    from django.db import connection

    from kyc.core.models import AuditEvent

    if connection.vendor == "postgresql":
        table = AuditEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))", [table])  # noqa: S608


def analyse() -> None:
    """Fresh planner statistics and visibility map, as autovacuum would leave them soon after a bulk
    load; and the queue's counter rows folded, as the beat job does every minute (the fill's
    bulk inserts left one row per case; a minute of a real queue's changes leaves a few hundred)."""
    from django.db import connection

    from kyc.models import QueueCount
    from kyc.services.queue_counts import queue_counts_compact

    rows = QueueCount.objects.count()
    groups = queue_counts_compact()
    print(f"queue counter table: {rows} change rows folded into {groups} groups")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The fill appended one counter row per case (100 000) and the fold deleted them: the
            # live groups sit behind ~1 200 empty pages that every page's count would read (10-20 ms
            # under load at 100 000 cases). A queue folded every minute never grows that table past
            # a minute of changes, so the bench measures it compacted, as it is in service.
            cursor.execute(f"VACUUM FULL {QueueCount._meta.db_table}")
            cursor.execute("VACUUM ANALYZE")


def _staff_users():
    """A normal reviewer (the one measured) and a colleague, both in the "reviewer" group."""
    from django.contrib.auth.models import Group, User

    group = Group.objects.get(name="reviewer")
    for name in ("bench-reviewer", "bench-colleague"):
        user, created = User.objects.get_or_create(username=name, defaults={"is_staff": True})
        if created:
            user.groups.add(group)
        yield user


def views(size: int) -> dict[str, str]:
    """Every queue view a reviewer can open, by label -> path and query (built from the data)."""
    from django.urls import reverse

    from kyc.models import Case
    from kyc.selectors.queue import (
        SORT_FIELDS,
        QueueFilterSet,
        _encode_cursor,
        reviewer_queue_page_rows,
    )

    queue = reverse("reviewer:queue")
    reviewer = next(_staff_users())
    rng = random.Random(size)
    n = rng.randrange(size)
    surname, given = _name(n)
    waiting = list(Case.objects.filter(state="ready_for_review").values_list("id", flat=True)[:500])
    all_states = "&".join(f"state={s}" for s in ("ready_for_review", "needs_attention", "submitted", "processing",
                                                    "resubmission_requested", "approved", "rejected"))
    rows = reviewer_queue_page_rows(QueueFilterSet({}, user=reviewer))
    deep = rows[min(rows.count() - 1, 40 * 50 - 1)]  # the last row of page 40
    deep_cursor = _encode_cursor(deep, SORT_FIELDS["waiting"])
    result = {
        "queue (default)": "",
        "page 5 (by number)": "page=5",
        "page 41 (Next from page 40)": f"page=41&after={deep_cursor}",
        "all states": all_states,
        "state approved": "state=approved",
        "document type": "document_type=emirates_id",
        "side (document kind)": "document_kind=emirates_id_front",
        "side, all states": f"document_kind=cn_id_emblem&{all_states}",
        "supporting side (bank card)": "document_kind=bank_card",
        "country": "country=GBR",
        "finding fail": "finding=fail",
        "finding warn": "finding=warn",
        "finding clean": "finding=clean",
        "assigned me": "assigned=me",
        "assigned unassigned": "assigned=unassigned",
        "assigned others": "assigned=others",
        "waiting > 1h": "waiting=1h",
        "waiting > 24h": "waiting=24h",
        "waiting > 7d": "waiting=7d",
        "awaiting second approval": "awaiting_second=1",
        "over SLA": "over_sla=1",
        "filters combined": "document_type=passport&country=GBR&finding=fail&assigned=unassigned",
        "200 per page": "per_page=200",
        **{f"sort {key}": f"sort={key}" for key in SORT_FIELDS if key != "waiting"},
        "search reference": f"q=B-{n:08d}",
        "search external ref": f"q=EXT-{(n // 10) * 10:08d}",
        "search surname": f"q={surname.lower()}",
        "search full name": f"q={given.lower()}+{surname.lower()}",
        "search document no.": f"q={_document_number(n)}",
        "search, no match": "q=nobody+at+all",
    }
    paths = {label: f"{queue}?{query}" if query else queue for label, query in result.items()}
    paths["case workspace"] = lambda: reverse("reviewer:case", args=[rng.choice(waiting)])
    return paths


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, *, processes: int | None = None) -> subprocess.Popen:
    """The README's web command, on loopback; returns when it answers /healthz. ``processes``:
    WEB_CONCURRENCY (default: gunicorn.conf.py's, 2 per core)."""
    import os

    import httpx

    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
           "LOG_LEVEL": "WARNING",
           # No recycling of a process in the middle of a view's figures (the README's 2000 would).
           "GUNICORN_MAX_REQUESTS": "0"}
    if processes is not None:
        env["WEB_CONCURRENCY"] = str(processes)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "kyc.project.wsgi"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited at start")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    _stop(process)
    raise SystemExit("gunicorn did not answer in 60 s")


def server_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds used so far by each of gunicorn's worker processes (user + system): the web
    tier's own work per request, which other people's load on the machine does not inflate much."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    seconds = {}
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        seconds[child] = (int(fields[11]) + int(fields[12])) / tick
    return seconds


def cpu_used(before: dict[str, float], after: dict[str, float]) -> float:
    return sum(after[pid] - before[pid] for pid in before.keys() & after.keys())


def explain_ms(queries: list[dict], repeats: int = 3, *,
               show_plans: bool = False) -> tuple[float, float, str, bool, int]:
    """PostgreSQL's own execution time of a view's queries (``EXPLAIN (ANALYZE)`` on the statements
    the view ran, as it ran them): the sum over the view's queries and the slowest one (median of
    ``repeats``), the slowest one's first words, and whether any plan used JIT. Independent of the
    web tier and of HTTP; the load still slows it, far less than the wall clock. Last, the 8 kB
    pages the statements touched (shared buffers hit or read, summed): the work itself, which
    the machine's load does not change."""
    from django.db import connection

    total, worst, worst_sql, jit, pages = 0.0, 0.0, "", False, 0
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            times = []
            for _ in range(repeats):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else plan
                times.append(plan["Planning Time"] + plan["Execution Time"])
                touched = plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0)
                jit = jit or "JIT" in plan
            ms = sorted(times)[len(times) // 2]
            pages += touched
            if show_plans:  # --plans: every query's text plan, to see where the time goes
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                print(f"  {ms:.1f} ms: {sql[:300]}\n    " + "\n    ".join(row[0] for row in cursor.fetchall()))
            total += ms
            if ms > worst:
                worst, worst_sql = ms, " ".join(sql.split()[:6])[:70]
    return total, worst, worst_sql, jit, pages


def measure(size: int, requests: int, port: int, server_pid: int, *, warm_requests: int = 3) -> dict[str, dict]:
    import httpx
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    try:
        setup_test_environment()  # so that the test client keeps the page's context (the matching count)
    except RuntimeError:  # already set up at the first size
        pass
    reviewer = next(_staff_users())
    in_process = Client()
    in_process.force_login(reviewer)
    in_process.get("/review/")  # the session's first page looks up the reviewer's language once
    session = in_process.cookies[settings.SESSION_COOKIE_NAME].value
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", cookies={settings.SESSION_COOKIE_NAME: session},
                        timeout=30)
    figures: dict[str, dict] = {}
    print(f"--- {size} cases, {requests} requests per view, over HTTP as 'bench-reviewer' ({load()})", flush=True)
    print("| view | median ms | p95 ms | max ms | web CPU ms/request | queries | PostgreSQL ms (all queries) | "
          "pages touched | slowest query ms | matching | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    try:
        for label, path in views(size).items():
            url = path if isinstance(path, str) else None
            connection.queries_log.clear()  # a full log (9 000 entries under DEBUG) would shift the capture's slice
            with CaptureQueriesContext(connection) as queries:
                response = in_process.get(url or path())
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code} in process")
            try:
                matching = response.context["page"].paginator.count
            except (KeyError, TypeError):  # the workspace has no page of rows
                matching = None
            for _ in range(warm_requests):  # warm every server process's caches for this view
                http.get(url or path())
            timings = []
            cpu_before = server_cpu_seconds(server_pid)
            for _ in range(requests):
                started = time.perf_counter()
                answer = http.get(url or path())
                timings.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise SystemExit(f"{label}: HTTP {answer.status_code} over HTTP")
            cpu_ms = cpu_used(cpu_before, server_cpu_seconds(server_pid)) * 1000 / requests
            db_ms, worst_ms, worst_sql, jit, pages = (explain_ms(queries.captured_queries)
                                                      if connection.vendor == "postgresql"
                                                      else (float("nan"), float("nan"), "", False, 0))
            figures[label] = {"ms": timings, "queries": len(queries), "matching": matching, "load": load1(),
                              "server_cpu_ms": cpu_ms, "db_ms": db_ms, "slowest_query_ms": worst_ms,
                              "slowest_query": worst_sql, "jit": jit, "pages": pages}
            print(f"| {label} | {sorted(timings)[len(timings) // 2]:.1f} | {percentile(timings, 0.95):.1f} | "
                  f"{max(timings):.1f} | {cpu_ms:.1f} | {len(queries)} | {db_ms:.1f}{' JIT' if jit else ''} | "
                  f"{pages} | {worst_ms:.1f} | {'' if matching is None else matching} | {load1()} |", flush=True)
    finally:
        http.close()
    return figures


def measure_in_process(size: int, requests: int, *, only: str = "", show_plans: bool = False) -> dict[str, dict]:
    """Load-independent figures only, no HTTP: per view, the queries, PostgreSQL's execution time
    of each (EXPLAIN ANALYZE) and the CPU time of the whole request in this process (Django's test
    client: middleware, view, template), for ``--existing --in-process``."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    client = Client()
    client.force_login(next(_staff_users()))
    client.get("/review/")
    print(f"--- {size} cases, in process as 'bench-reviewer', {requests} requests per view ({load()})", flush=True)
    print("| view | queries | PostgreSQL ms (all queries) | pages touched | slowest query ms | slowest query | "
          "CPU ms/request (in process) | matching | load |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|")
    figures = {}
    for label, path in views(size).items():
        if only and not any(part.strip() and part.strip() in label for part in only.split(",")):
            continue
        url = path if isinstance(path, str) else path()
        connection.queries_log.clear()  # a full log (9 000 entries under DEBUG) would shift the capture's slice
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        try:
            matching = response.context["page"].paginator.count
        except (KeyError, TypeError):
            matching = None
        db_ms, worst_ms, worst_sql, jit, pages = explain_ms(queries.captured_queries, show_plans=show_plans)
        started = time.process_time()
        for _ in range(requests):
            client.get(url)
        cpu_ms = (time.process_time() - started) * 1000 / requests
        figures[label] = {"queries": len(queries), "db_ms": db_ms, "slowest_query_ms": worst_ms, "jit": jit,
                          "cpu_ms": cpu_ms, "matching": matching, "pages": pages}
        print(f"| {label} | {len(queries)} | {db_ms:.1f}{' JIT' if jit else ''} | {pages} | {worst_ms:.1f} | {worst_sql} | "
              f"{cpu_ms:.1f} | {'' if matching is None else matching} | {load1()} |", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--sizes", default="1000,10000",
                        help="smaller sizes measured on the way to --cases (comma-separated)")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per view")
    parser.add_argument("--database-url", default=None, help="default: <BENCH_POSTGRES>/<BENCH_DATABASE_PREFIX>_dashboard")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--smoke", action="store_true", help="tiny run on SQLite for CI")
    parser.add_argument("--existing", action="store_true",
                        help="measure the database as it is (no fill, not dropped): for a run whose fill was cut short")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="with --existing: the data folder of the run that filled the database (its key file)")
    parser.add_argument("--in-process", action="store_true",
                        help="with --existing: no HTTP, only queries, EXPLAIN ANALYZE times and in-process CPU")
    parser.add_argument("--views", default="",
                        help="with --in-process: only the views whose label contains one of these (comma-separated)")
    parser.add_argument("--fill-only", action="store_true",
                        help="fill --cases into a fresh database and keep it and --data-dir (no measuring): "
                             "for --existing --in-process runs on several versions of the code")
    parser.add_argument("--plans", action="store_true",
                        help="with --in-process: print every query's plan (EXPLAIN ANALYZE, BUFFERS)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="kyc-bench-dashboard-")
    import atexit
    import shutil

    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    if args.smoke:
        args.database_url = f"sqlite:///{folder}/bench.sqlite3"
        # Enough to run every view twice over (two sizes, two requests): the figures mean nothing here.
        args.cases, args.requests, sizes = 150, 2, [50, 150]
        # One web process, warmed by one request per view: the smoke run's figures mean nothing, and
        # each of the default 2 per core loads Django and the project (the smoke test's CPU, docs/performance.md 10).
        web_processes, warm_requests = 1, 1
    else:
        web_processes, warm_requests = None, 3
        args.database_url = args.database_url or bench_database_url("dashboard")
        sizes = sorted({min(int(n), args.cases) for n in args.sizes.split(",") if n.strip()} | {args.cases})
    # A fresh database every run (dropped again at exit): no figure is measured on old data.
    if args.fill_only and not args.data_dir:
        parser.error("--fill-only needs --data-dir (the encryption key the data is written with)")
    setup_django(args.database_url, data_dir=str(args.data_dir) if args.data_dir else folder,
                 fresh=not args.existing)
    if args.fill_only:
        from bench._common import drop_postgres_database

        atexit.unregister(drop_postgres_database)  # kept on purpose: dropped by the caller
    import logging

    logging.getLogger().setLevel(logging.WARNING)  # the figures are the output, not request logs
    print(f"machine: {machine()}; database: {args.database_url.split('@')[-1]}; {load()}")
    if args.fill_only:
        fill(args.cases)
        print(f"kept: {args.database_url.split('@')[-1]} and {args.data_dir} (drop them when done)")
        return
    port = _free_port()
    results = {}
    server = None
    if args.existing:
        from kyc.models import Case

        if not args.in_process:  # the run that filled it analysed it; measure it as it is
            analyse()
        sizes = [Case.objects.count()]
        print(f"measuring the existing data only: {sizes[0]} cases (no fill; not a fresh run)")
        if args.in_process:
            logging.getLogger().setLevel(logging.ERROR)
            measure_in_process(sizes[0], max(1, min(args.requests, 10)), only=args.views, show_plans=args.plans)
            return
    try:
        for size in sizes:
            if not args.existing:
                fill(size)
            if server is None:
                server = start_gunicorn(port, processes=web_processes)
            results[size] = measure(size, args.requests, port, server.pid, warm_requests=warm_requests)
    finally:
        if server is not None:
            _stop(server)
    small, large = results[sizes[0]], results[sizes[-1]]
    verdicts, slow, growing = [], [], []
    for label, figure in large.items():
        p95 = percentile(figure["ms"], 0.95)
        # Not growing with the data: a search matching thousands of cases skips its count (one
        # query fewer at 100 000 cases than at 1 000), which is not a page costing more.
        constant = figure["queries"] <= small[label]["queries"]
        verdicts.append(p95 <= 100 and constant)
        if p95 > 100:
            slow.append(f"{label} {p95:.0f} ms")
        if not constant:
            growing.append(f"{label} {small[label]['queries']} -> {figure['queries']}")
    print(f"after the run: {load()}")
    dump_json(args.json, {"sizes": sizes, "results": {s: {k: {**v, "p95": percentile(v["ms"], 0.95)} for k, v in r.items()}
                                                      for s, r in results.items()}, "machine": machine(), "load": load()})
    worst = max(large, key=lambda k: percentile(large[k]["ms"], 0.95))
    print(f"RESULT dashboard: {'PASS' if all(verdicts) else 'MISS'} ({len(large)} views at {sizes[-1]} cases; worst p95 "
          f"{worst} {percentile(large[worst]['ms'], 0.95):.1f} ms; over 100 ms: {', '.join(slow) or 'none'}; "
          f"query counts growing: {', '.join(growing) or 'none'}; load {load1()})")


if __name__ == "__main__":
    main()
