from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from kyc.core.audit import Actor
from kyc.services.cases import case_create
from kyc.services.consent import SENSITIVE, SENSITIVE_KINDS, consent_record
from kyc.services.documents import document_attach
from kyc.uploads.prepare import prepare_upload
from tests.support.personas import staff_member, staff_personas
from tests.support.providers import GREEN, colour_image
from tests.support.shared import migrated_sqlite_template

SCRIPTED = "tests.support.providers:ScriptedProvider"


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist), before any worker starts
        from tests.support.brokers import answering_brokers

        answering_brokers()


# A worker process's peak resident memory in a whole run (the OCR and face models, Django, a test
# database in SQLite): about 0.8 GB; 1 GB is counted per worker to leave the rest of the machine room.
WORKER_MEMORY_BYTES = 1 << 30


def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): two workers per core, as many as the memory holds.

    A good part of the run is waiting, not computing: real Celery workers reading scripted slow
    documents, stall sweeps, brokers restarting, Chromium pages loading. With one worker per core a
    core sits idle while its worker waits (the quiet run used 110 % of 2 cores, docs/performance.md,
    10); a second worker per core computes meanwhile. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` or ``-n N``
    still choose the number."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 0
    by_memory = memory // WORKER_MEMORY_BYTES if memory else 2 * cores
    return max(1, min(2 * cores, by_memory))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test's teardown, stop the Playwright and Chromium that browser tests share unless
    the next test of this process uses them too (tests/support/playwright_driver.py)."""
    yield
    from tests.support.playwright_driver import stop_unless_needed_by

    stop_unless_needed_by(nextitem)


def pytest_sessionfinish(session):
    from tests.support.playwright_driver import stop

    stop()


# Marks of the tests that run for seconds to minutes (real processes, a browser, big inputs).
LONG_RUNNING_MARKS = ("browser", "worker", "slow")


def _database_group(item) -> int:
    """pytest-django's order (it runs first): tests in a transaction, then transactional ones
    (they empty the tables the data migrations filled), then tests without a database."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    if transactional or "transactional_db" in fixtures or "live_server" in fixtures:
        return 1
    return 0 if marker or "db" in fixtures else 2


def pytest_collection_modifyitems(config, items):
    """Long-running tests without a database first of all, then within each of pytest-django's
    groups, long-running tests first.

    xdist's ``load`` scheduler (pyproject.toml) hands tests out in this order to whichever worker
    is free, so a long test starts while short ones can still fill the other worker's time,
    instead of starting last and running alone at the end. The long tests without the test
    database (the bench scripts' smoke runs, quickstart: subprocesses with databases of their own)
    need not wait for the groups before theirs; left in the last group they were the run's tail,
    one worker running them one after another while the other had nothing left (issue 18.9)."""
    def order(item):
        group = _database_group(item)
        long_running = any(item.get_closest_marker(mark) for mark in LONG_RUNNING_MARKS)
        return (not (long_running and group == 2), group, not long_running)

    items.sort(key=order)


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """On SQLite, each test process's test database starts as a copy of the run's migrated
    template (tests/support/shared.py) instead of applying every migration itself: ~3.5 s of CPU
    per xdist worker (docs/performance.md, 10). pytest-django is then told to keep the database it
    finds, so Django still runs ``migrate`` on it (nothing to apply; post_migrate handlers run as
    usual); the copy is deleted at the end of the session, as pytest-django deletes the database
    it created. ``--reuse-db`` and ``--create-db`` keep their meaning; PostgreSQL is migrated as before."""
    if request.config.getvalue("reuse_db"):
        return True
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3" or request.config.getvalue("create_db"):
        return False
    test_database = Path(database["TEST"]["NAME"])  # with pytest-django's per-worker suffix
    shutil.copyfile(migrated_sqlite_template(), test_database)
    request.addfinalizer(lambda: test_database.unlink(missing_ok=True))
    return True


@pytest.fixture
def scripted_ocr(settings):
    """Route every document kind to the scripted test provider."""
    settings.OCR_DEFAULT_PROVIDER = SCRIPTED
    settings.OCR_ROUTING = {}
    return SCRIPTED


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    # Staff personas have passwords: the production hasher would spend a fraction of a second on
    # each, on purpose. Sign-in behaviour does not depend on the hasher.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# Personas (tests/support/personas.py): one way to make the people the tests act as.


@pytest.fixture
def reviewer(db):
    return staff_member("reviewer", username="reviewer")


@pytest.fixture
def staff(db):
    """One user per role (the roles are groups created by data migrations), a second reviewer and
    senior reviewer, and an outsider (staff with no role)."""
    return staff_personas()


def upload(colour=GREEN, name="photo.png", fmt="PNG", size=(640, 420)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, colour_image(colour, size=size, fmt=fmt), content_type="image/png")


def make_case(document_type="passport", colours=None, **kwargs):
    """A draft case with every required side attached (all green unless ``colours`` says otherwise)."""
    from ocr_integration.documents.kinds import REQUIRED_KINDS, DocumentType

    case = case_create(actor=Actor.applicant(""), email="applicant@example.test", document_type=document_type, **kwargs)
    kinds = REQUIRED_KINDS[DocumentType(document_type)]
    if any(kind.value in SENSITIVE_KINDS for kind in kinds):  # as the applicant must, before a Chinese ID
        consent_record(case_id=case.id, scope=SENSITIVE, actor=Actor.applicant(case.applicant_id))
    for kind in kinds:
        colour = (colours or {}).get(kind.value, GREEN)
        # Each generated image carries a random mark, so two sides are never the same image.
        document_attach(case_id=case.id, kind=kind.value, prepared=prepare_upload(upload(colour, size=(640, 420))),
                        actor=Actor.applicant(case.applicant_id))
    return case


@pytest.fixture(autouse=True)
def _language_of_the_last_request_does_not_leak():
    # LocaleMiddleware activates the request's language in the thread and leaves it active after the
    # response; a test that asks for Arabic or Chinese pages must not change the language the next
    # test's messages are written in.
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server, a process of its own on a free loopback port, for the whole run."""
    from tests.support.s3 import start_s3_server

    server = start_s3_server()
    yield server
    server.stop()


class S3TestStorage:
    """The product's S3 storage pointed at the test server (a fresh bucket), and switchable to a
    down or hanging endpoint."""

    def __init__(self, settings, server):
        from tests.support.s3 import ClosedPort, HangingServer, new_bucket_name, storage_settings

        self._settings, self._server = settings, server
        self.bucket = new_bucket_name()
        self.client = server.client()
        self.client.create_bucket(Bucket=self.bucket)
        self._closed_port, self._hanging = ClosedPort(), HangingServer()
        self._storage_settings = storage_settings
        self.up()

    def _point_at(self, endpoint_url: str) -> None:
        default = self._storage_settings(endpoint_url=endpoint_url, bucket=self.bucket)
        self._settings.STORAGES = {**self._settings.STORAGES, "default": default}

    def up(self) -> None:
        self._point_at(self._server.endpoint_url)

    def down(self) -> None:
        self._point_at(self._closed_port.url)

    def hanging(self) -> None:
        self._point_at(self._hanging.url)

    def keys(self, prefix: str = "") -> list[str]:
        answer = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for item in answer.get("Contents", [])]

    def close(self) -> None:
        self._closed_port.close()
        self._hanging.close()


@pytest.fixture
def s3_storage(settings, s3_server):
    storage = S3TestStorage(settings, s3_server)
    yield storage
    storage.close()


@pytest.fixture
def json_lines():
    """The log lines written while the test runs, as the production JSON formatter writes them."""
    import io
    import json
    import logging

    from kyc.ops.logs import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    root.removeHandler(handler)
    root.setLevel(previous_level)
