"""Shared set-up for the benchmark scripts: a dedicated database, Django, workers, the simulator, figures.

Every pipeline benchmark follows the same steps: ``prepare()`` (data folder, database, broker,
cache, environment for the worker processes), ``start_simulator()``, ``make_cases()`` (synthetic
specimens attached through the real services), ``celery_workers()`` (real worker processes
started as subprocesses, like tests/support/worker.py), ``submit_all()`` and ``wait_until_read()``.
``--smoke`` runs use SQLite, the on-disk broker and a coordination folder instead of PostgreSQL
and Redis, so that CI needs nothing but the repository; the code path is the same.
"""

from __future__ import annotations

import atexit
import io
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
# Where full runs put their data, from the environment so that several people can bench on one
# server: BENCH_POSTGRES (server URL), BENCH_DATABASE_PREFIX (each script's database is
# <prefix>_<name>, dropped and created afresh, and dropped again at the end unless
# BENCH_KEEP_DATABASE=1), BENCH_REDIS_BROKER and BENCH_REDIS_CACHE (URLs with host, port and
# database number). Every bench run also uses its own queue name and its own simulator port
# (which is part of every rate-limit and batch key), so runs sharing a Redis database never see
# each other's messages or budgets.
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE_PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "kyc_bench")
DEFAULT_BENCH_DATABASE = f"{POSTGRES_SERVER}/{DATABASE_PREFIX}"
REDIS_BROKER = os.environ.get("BENCH_REDIS_BROKER", "redis://127.0.0.1:6379/0")
REDIS_CACHE = os.environ.get("BENCH_REDIS_CACHE", "redis://127.0.0.1:6379/1")
KEEP_DATABASE = os.environ.get("BENCH_KEEP_DATABASE", "") == "1"


def bench_database_url(name: str) -> str:
    """The PostgreSQL URL of one script's own database."""
    return f"{POSTGRES_SERVER}/{DATABASE_PREFIX}_{name}"


def setup_django(database_url: str, *, data_dir: str | None = None, fresh: bool = False) -> None:
    """Point Django at the bench database (created if missing, or dropped and created when
    ``fresh``), migrate it, and set up."""
    sys.path.insert(0, str(REPO))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc.project.settings")
    # The benches send requests with Django's test client, whose host is "testserver".
    os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
    # These benches measure documents: reading, checks, queue, uploads. A case that asks for a
    # selfie (the default of a new install) cannot be submitted without one, and the face checks
    # have their own bench (bench/face_match.py). Set SELFIE_REQUIREMENT to measure them together.
    os.environ.setdefault("SELFIE_REQUIREMENT", "not_asked")
    if data_dir:
        os.environ["KYC_DATA_DIR"] = data_dir
    if database_url.startswith("postgres"):
        _create_postgres_database(database_url, fresh=fresh)
        if fresh and not KEEP_DATABASE:
            atexit.register(drop_postgres_database, database_url)
    else:
        _start_from_migrated_sqlite(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _start_from_migrated_sqlite(database_url: str) -> None:
    """A new SQLite database starts as a copy of ``BENCH_SQLITE_TEMPLATE`` when that names one: a
    database migrated by this code base, with nothing else in it (tests/bench builds one per test
    run for the smoke runs). ``migrate`` below still runs, and finds nothing to apply, instead of
    applying every migration again (~2.3 s of CPU per smoke run)."""
    template = os.environ.get("BENCH_SQLITE_TEMPLATE")
    path = Path(urlsplit(database_url).path[1:])  # as dj_database_url reads it: sqlite:////abs/path
    if template and database_url.startswith("sqlite:///") and not path.exists():
        shutil.copyfile(template, path)


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    scheme = "postgresql" if parts.scheme == "postgres" else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/postgres", "", "")), parts.path.lstrip("/")


def drop_postgres_database(database_url: str) -> None:
    """Drop a bench database at the end of the run (nothing left behind)."""
    import psycopg

    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # Django never set up: nothing to close
        pass
    admin_url, name = _admin_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _create_postgres_database(database_url: str, *, fresh: bool = False) -> None:
    import psycopg

    admin_url, name = _admin_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if fresh:
            # FORCE: a worker left over from an interrupted run must not keep the old data alive.
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def describe(values_ms: list[float]) -> str:
    if not values_ms:
        return "no values"
    return (
        f"median {statistics.median(values_ms):.1f} ms, p95 {percentile(values_ms, 0.95):.1f} ms, "
        f"max {max(values_ms):.1f} ms (n={len(values_ms)})"
    )


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def load() -> str:
    """The load averages (1, 5, 15 min), as ``uptime`` shows them: other people share the cores."""
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return f"load average {one}, {five}, {fifteen}"


def load1() -> str:
    """The 1-minute load average alone, for a table column beside each figure."""
    return Path("/proc/loadavg").read_text().split()[0]


def result(name: str, passed: bool, detail: str) -> bool:
    """Print the final verdict line of one target (the smoke test looks for these)."""
    print(f"RESULT {name}: {'PASS' if passed else 'MISS'} ({detail})", flush=True)
    return passed


# --- environment: database, broker, cache, data folder ----------------------------------------


@dataclass(frozen=True)
class Bench:
    name: str
    smoke: bool
    data_dir: Path
    database_url: str
    broker_url: str
    cache_url: str  # "" on a smoke run: the file cache and a coordination folder
    queue: str


def prepare(name: str, *, smoke: bool, database_url: str | None = None, environ: dict[str, str] | None = None) -> Bench:
    """Set the environment (read by Django here and by the worker processes), then set up Django.

    Full runs: PostgreSQL database ``kyc_bench_<name>``, dropped and created afresh, Redis broker
    and cache. Smoke runs: SQLite, the on-disk broker and the file cache in a temporary folder.
    """
    data_dir = Path(tempfile.mkdtemp(prefix=f"kyc-bench-{name}-"))
    # Encrypted specimen images and worker logs: hundreds of MB over a few runs in a shared /tmp.
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    if smoke:
        database_url = f"sqlite:///{data_dir}/bench.sqlite3"
        broker_url, cache_url = "filesystem://", ""
    else:
        database_url = database_url or bench_database_url(name)
        broker_url, cache_url = REDIS_BROKER, REDIS_CACHE
    bench = Bench(name, smoke, data_dir, database_url, broker_url, cache_url, f"kyc-bench-{name}-{os.getpid()}")
    os.environ.update({
        "KYC_DATA_DIR": str(data_dir),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_QUEUE": bench.queue,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "kyc.project.settings",
        # Retries are not what is measured; a short back-off keeps an unexpected retry visible
        # in the figures without stalling the run.
        "OCR_RETRY_BACKOFF_SECONDS": "0.5",
        "OCR_RETRY_BACKOFF_MAX_SECONDS": "5",
        **(environ or {}),
    })
    for variable in ("CACHE_URL", "OCR_VENDOR_COORDINATION_URL"):
        os.environ.pop(variable, None)
    if cache_url:
        os.environ["CACHE_URL"] = cache_url
    setup_django(database_url, data_dir=str(data_dir), fresh=not smoke)
    # The figures are the output: the per-request INFO lines of httpx and the attempt log are not.
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    return bench


def start_simulator(*, latency_ms: int, qps: float):
    """The vendor simulator in a thread of this process, on 127.0.0.1 and a free port."""
    sys.path.insert(0, str(REPO))
    from ocr_integration.simulator import Simulator, SimulatorConfig

    # use_engine=False: every image is one of our specimens, answered from its ground truth; an
    # image that is not must show up as a failure, not as seconds of embedded OCR.
    return Simulator(SimulatorConfig(latency_ms=latency_ms, qps=qps, use_engine=False, seed=1)).start()


def vendor_environ(sim, **options) -> dict[str, str]:
    """Variables pointing G42/Huawei and CTyun at the simulator (the data folder is prepare()'s)."""
    from ocr_integration.simulator.testing import vendor_environ as simulator_environ

    environ = simulator_environ(sim, "", **options)
    environ.pop("KYC_DATA_DIR")
    return environ


# --- worker processes ------------------------------------------------------------------------


@contextmanager
def celery_workers(bench: Bench, count: int, *, concurrency: int, pool: str = "prefork", command: list[str] | None = None,
                   ready_timeout: float = 180, queue: str | None = None):
    """Start ``count`` real Celery worker processes on this run's queue; stop them at the end.

    ``command`` replaces ``celery -A kyc.project worker`` (batching.py starts an instrumented worker).
    Each worker runs in its own process group, so that stopping it also stops its pool children.
    """
    command = command or [sys.executable, "-m", "celery", "-A", "kyc.project", "worker"]
    processes: list[tuple[subprocess.Popen, Path]] = []
    env = os.environ.copy()
    try:
        for index in range(count):
            log_path = bench.data_dir / f"worker-{index}.log"
            log = open(log_path, "w")  # noqa: SIM115 - the worker writes to it until it stops
            argv = [
                *command, f"--pool={pool}", f"--concurrency={concurrency}", "--loglevel=INFO", "-Q", queue or bench.queue,
                "-n", f"{bench.name}-{index}-{os.getpid()}@%h", "--without-mingle", "--without-gossip",
            ]
            process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
            log.close()
            processes.append((process, log_path))
            if bench.broker_url.startswith("filesystem"):
                # Kombu's on-disk broker rewrites its exchange table in place: two workers binding
                # their queue at the same moment can read it half written. One at a time there.
                _wait_ready(process, log_path, time.monotonic() + ready_timeout)
        deadline = time.monotonic() + ready_timeout
        for process, log_path in processes:
            _wait_ready(process, log_path, deadline)
        yield [process for process, _ in processes]
    finally:
        for process, _ in processes:
            _stop(process)
        forget_queue(bench.broker_url, queue or bench.queue)


def _wait_ready(process: subprocess.Popen, log_path: Path, deadline: float) -> None:
    while " ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None:
            raise RuntimeError(f"a Celery worker exited early:\n{log_path.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"a Celery worker was not ready in time:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


def forget_queue(broker_url: str, queue: str) -> None:
    """Delete this run's queue and its bindings from a Redis broker (nothing left behind)."""
    if not broker_url.startswith("redis"):
        return  # the on-disk broker lives in the run's data folder, removed at exit
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}",
                      *[f"{queue}\x06\x16{priority}" for priority in range(10)])
    finally:
        client.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    try:  # pool children still alive after their parent left
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --- cases -----------------------------------------------------------------------------------


class Specimens:
    """A few synthetic specimens per kind, as JPEG (what phones send), reused round-robin.

    The simulator recognises each by its ground truth, whatever the re-encoding on the way.
    """

    def __init__(self, per_kind: int = 12, seed: int = 90_000) -> None:
        self.per_kind = per_kind
        self.seed = seed
        self._images: dict[str, list[bytes]] = {}

    def image(self, kind: str, index: int) -> bytes:
        if kind not in self._images:
            from PIL import Image

            from ocr_integration.specimens import generate_specimen

            images = []
            for n in range(self.per_kind):
                specimen = generate_specimen(kind, self.seed + n)
                with Image.open(io.BytesIO(specimen.image)) as opened:
                    out = io.BytesIO()
                    opened.convert("RGB").save(out, format="JPEG", quality=90)
                images.append(out.getvalue())
            self._images[kind] = images
        return self._images[kind][index % self.per_kind]


def upload_file(image: bytes, name: str = "photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, image, content_type="image/jpeg")


def make_cases(document_type: str, count: int, specimens: Specimens | None, *, issuing_country: str = "",
               start: int = 0) -> list:
    """``count`` draft cases, through case_create, with every side attached through document_attach
    (none when ``specimens`` is None: a bench view attaches them)."""
    from kyc.core.audit import Actor
    from kyc.services.cases import case_create
    from kyc.services.consent import SENSITIVE, consent_record
    from kyc.services.documents import document_attach
    from kyc.uploads.prepare import prepare_upload
    from ocr_integration.documents.kinds import REQUIRED_KINDS, DocumentType

    case_ids = []
    for n in range(start, start + count):
        case = case_create(actor=Actor.applicant(""), email=f"bench{n}@example.test", document_type=document_type,
                           issuing_country=issuing_country)
        if document_type == "cn_resident_id":  # the separate consent a Chinese ID needs before its upload
            consent_record(case_id=case.id, scope=SENSITIVE, actor=Actor.applicant(case.applicant_id))
        for kind in REQUIRED_KINDS[DocumentType(document_type)] if specimens else ():
            document_attach(case_id=case.id, kind=kind.value, prepared=prepare_upload(upload_file(specimens.image(kind.value, n))),
                            actor=Actor.applicant(case.applicant_id))
        case_ids.append(case.id)
    return case_ids


def submit_all(case_ids: list) -> float:
    """Submit every case in one transaction, so that all their reads are queued at once (on commit).

    Returns the time.time() at which the queueing finished.
    """
    from django.db import transaction

    from kyc.core.audit import Actor
    from kyc.services.cases import case_submit

    with transaction.atomic():
        for case_id in case_ids:
            case_submit(case_id=case_id, actor=Actor.system("bench"))
    return time.time()


def wait_until_read(expected: int, *, timeout: float, progress_every: float = 15.0) -> int:
    """Wait until ``expected`` documents are read or failed for good; returns how many are done."""
    from kyc.models import Document

    deadline = time.monotonic() + timeout
    last_report = time.monotonic()
    done = 0
    while time.monotonic() < deadline:
        done = Document.objects.filter(read_state__in=[Document.ReadState.READ, Document.ReadState.FAILED]).count()
        if done >= expected:
            return done
        if time.monotonic() - last_report > progress_every:
            print(f"  ... {done}/{expected} documents done", flush=True)
            last_report = time.monotonic()
        time.sleep(0.2)
    return done


def document_timings(case_ids: list | None = None) -> list[dict]:
    """Per read document: kind, submit time, claim time, reading stored, vendor call time and batch size.

    Times are from the database (the web process and the workers share one clock here).
    """
    from django.db.models import Min

    from kyc.models import Document, DocumentReading
    from ocr_integration.models import OcrAttempt

    stored = dict(
        DocumentReading.objects.filter(role=DocumentReading.Role.PRIMARY)
        .values("document_id").annotate(first=Min("created_at")).values_list("document_id", "first")
    )
    calls: dict[str, list] = {}
    for ref, duration, created, batch, outcome in OcrAttempt.objects.values_list(
        "subject_ref", "duration_ms", "created_at", "batch_size", "outcome"
    ):
        calls.setdefault(ref, []).append((duration, created, batch, outcome))
    rows = []
    documents = Document.objects.select_related("case").filter(read_state=Document.ReadState.READ)
    if case_ids is not None:
        documents = documents.filter(case_id__in=case_ids)
    for document in documents:
        attempts = calls.get(str(document.id), [])
        successful = [a for a in attempts if a[3] == "success"]
        rows.append({
            "id": str(document.id),
            "kind": document.kind,
            "submitted": document.case.submitted_at,
            "claimed": document.claimed_at,
            "stored": stored.get(document.id),
            "vendor_ms": sum(a[0] for a in successful),
            "attempts": len(attempts),
            "batch": successful[-1][2] if successful else 0,
        })
    return rows


# --- the naive baseline (issue 9, point 7) ---------------------------------------------------


def naive_g42_provider():
    """The G42 client without the shared rate limiter: what a first, naive integration calls."""
    from dataclasses import replace

    from ocr_integration.vendors.huawei.client import HuaweiOcrClient, account_from_settings

    return HuaweiOcrClient(replace(account_from_settings("g42"), qps=0.0))


NAIVE_PROVIDER = "bench._common:naive_g42_provider"
NAIVE_RETRIES = 4
NAIVE_BACKOFF_SECONDS = 0.2


def naive_upload_and_read(request, case_id, kind):
    """The anti-pattern, as a view: store the upload, submit, and call the vendor inside the request.

    It does exactly the pipeline's work (document_attach, case_submit, then the read and its
    recording through kyc.services.readings) but synchronously, with no queue and no shared rate
    limit: the applicant waits for the vendor, and a throttle answer is the applicant's error.
    """
    from django.http import JsonResponse

    from kyc.core.audit import Actor
    from kyc.services import readings
    from kyc.services.cases import case_submit
    from kyc.services.documents import document_attach
    from kyc.uploads.prepare import prepare_upload
    from ocr_integration.provider import ErrorClass, OcrError

    document = document_attach(case_id=case_id, kind=kind, prepared=prepare_upload(request.FILES["file"]),
                               actor=Actor.system("bench")).document
    case_submit(case_id=case_id, actor=Actor.system("bench"))
    # A fair naive client: a throttle answer (429) is retried after a growing pause, as any HTTP
    # client with a retry policy would, up to NAIVE_RETRIES times; the applicant waits for all of it.
    for attempt in range(NAIVE_RETRIES + 1):
        try:
            readings.document_read(document_id=document.id, token=f"naive-{document.id}")
        except OcrError as error:
            if error.error_class != ErrorClass.THROTTLED or attempt == NAIVE_RETRIES:
                return JsonResponse({"ok": False, "error_class": str(error.error_class), "retries": attempt},
                                    status=503)
            time.sleep(NAIVE_BACKOFF_SECONDS * 2**attempt)
        else:
            return JsonResponse({"ok": True, "retries": attempt})
    raise AssertionError("unreachable")


def pipeline_upload_and_submit(request, case_id, kind):
    """The product's way, as one request for comparison: store the upload, submit, queue the read."""
    from django.http import JsonResponse

    from kyc.core.audit import Actor
    from kyc.services.cases import case_submit
    from kyc.services.documents import document_attach
    from kyc.uploads.prepare import prepare_upload

    document_attach(case_id=case_id, kind=kind, prepared=prepare_upload(request.FILES["file"]), actor=Actor.system("bench"))
    case_submit(case_id=case_id, actor=Actor.system("bench"))
    return JsonResponse({"ok": True})


def bench_urlconf():
    """The project's URLs plus the two bench views (requests go through every middleware)."""
    from types import ModuleType

    from django.urls import include, path
    from django.views.decorators.http import require_POST

    # A module object, not a namespace: Django caches resolvers by (hashable) urlconf.
    urlconf = ModuleType("bench_urls")
    urlconf.urlpatterns = [
        path("bench/naive/<uuid:case_id>/<str:kind>/", require_POST(naive_upload_and_read)),
        path("bench/pipeline/<uuid:case_id>/<str:kind>/", require_POST(pipeline_upload_and_submit)),
        path("", include("kyc.project.urls")),
    ]
    return urlconf


@contextmanager
def bench_views():
    """Route requests of the Django test client to bench_urlconf()."""
    import logging

    from django.test.utils import override_settings

    # The naive view's 503s (throttled reads) are counted by the bench; one log line each is noise.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)
    try:
        with override_settings(ROOT_URLCONF=bench_urlconf()):
            yield
    finally:
        request_log.setLevel(level)


def post_image(client, mode: str, case_id, kind: str, image: bytes) -> tuple[int, float]:
    """POST one image to a bench view (``naive`` or ``pipeline``); returns (status, seconds)."""
    started = time.perf_counter()
    response = client.post(f"/bench/{mode}/{case_id}/{kind}/", {"file": upload_file(image)})
    return response.status_code, time.perf_counter() - started


@contextmanager
def naive_routing():
    """Every kind read by the naive provider (no shared limit), for the baseline phase only."""
    from django.conf import settings
    from django.test.utils import override_settings

    from ocr_integration import services

    routes = {kind: "" for kind in settings.OCR_VENDOR_ROUTES}
    with override_settings(OCR_DEFAULT_PROVIDER=NAIVE_PROVIDER, OCR_ROUTING={}, OCR_VENDOR_ROUTES=routes):
        yield
    services._providers.pop(NAIVE_PROVIDER, None)


def run_concurrently(jobs: list, threads: int, work) -> list:
    """Run ``work(job)`` for every job on ``threads`` threads (each with its own DB connection)."""
    from django.db import connection

    results: list = [None] * len(jobs)
    cursor = iter(range(len(jobs)))
    lock = threading.Lock()

    def loop() -> None:
        try:
            while True:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    return
                results[index] = work(jobs[index])
        finally:
            connection.close()

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results


def purge_queue() -> None:
    """Drop the messages left on this run's queue (the baseline's submits queue reads nobody takes)."""
    from kyc.project.celery import app

    app.control.purge()


def dump_json(path: Path | None, data: dict) -> None:
    if path:
        path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
