"""Fault injection with real processes: a worker killed mid-read, a broker restart, a dropped
database connection, and vendor faults through the simulator.

For each, cases are submitted and every one must end ready for review or needing attention,
with one reading per read document, checks run once, no decision by the machine and each
state change notified to the integrator's webhook as exactly one event.

Timings are compressed: a "slow" read takes SCRIPTED_SLOW_SECONDS=3, a read is presumed lost
after OCR_READ_STALL_SECONDS=10 (the smallest the setting allows), retries back off 0.2-1 s.
"""

from __future__ import annotations

import os
import signal
import time
from contextlib import ExitStack

import pytest
from django.db import connection

from kyc.models import Case, DocumentReading
from tests.conftest import SCRIPTED
from tests.hardening import faults
from tests.hardening.faults import (
    PrivateRedis,
    WebhookReceiver,
    assert_settled_once,
    integrator_case,
    integrator_with_webhook,
    only_document,
    publishing_to,
    submit,
    wait_settled,
)
from tests.support.providers import BLUE, CYAN, YELLOW, slow_read_started, slow_reader_pid
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

STALL_SECONDS = 10
WORKER_ENV = {
    "OCR_DEFAULT_PROVIDER": SCRIPTED,
    "OCR_READ_MAX_RETRIES": "2",
    "SCRIPTED_SLOW_SECONDS": "3",
    "OCR_READ_STALL_SECONDS": str(STALL_SECONDS),
    "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
    "WEBHOOK_BACKOFF_SECONDS": "0.2",
}


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.OCR_READ_STALL_SECONDS = STALL_SECONDS
    with WebhookReceiver() as listening:
        yield listening


def wait_slow_read_started(case, *, count: int = 1, timeout: float = 60) -> int:
    digest = only_document(case).sha256
    wait_for(lambda: slow_read_started(digest) >= count, timeout=timeout, what="the slow read to start")
    return slow_reader_pid(digest)


def test_pool_process_killed_mid_read_is_redelivered(tmp_path, receiver):
    integrator = integrator_with_webhook(receiver.url)
    slow = integrator_case(integrator, colours={"passport": CYAN})
    others = [integrator_case(integrator, "emirates_id"), integrator_case(integrator, colours={"passport": YELLOW})]
    with celery_worker(env_overrides=WORKER_ENV, log_path=tmp_path / "worker.log"):
        for case in (slow, *others):
            submit(case)
        pid = wait_slow_read_started(slow)
        os.kill(pid, signal.SIGKILL)  # the pool process reading the document, mid-read
        wait_settled([slow, *others], timeout=120)
        assert_settled_once([slow, *others], receiver=receiver, killed_mid_flight=True)
        log = (tmp_path / "worker.log").read_text()
    # The message was redelivered (acks_late + reject_on_worker_lost) and read again, stored once.
    assert "SIGKILL" in log or "WorkerLostError" in log
    document = only_document(slow)
    assert slow_read_started(document.sha256) == 2
    assert document.read_attempts == 2
    slow.refresh_from_db()
    assert slow.state == "ready_for_review"


def test_whole_worker_killed_mid_read_is_requeued_by_the_stall_sweep(tmp_path, receiver):
    integrator = integrator_with_webhook(receiver.url)
    slow = integrator_case(integrator, colours={"passport": CYAN})
    with celery_worker(env_overrides=WORKER_ENV, log_path=tmp_path / "worker-1.log") as first:
        submit(slow)
        wait_slow_read_started(slow)
        faults.kill_tree(first.pid)  # main process and pool at once: nothing is acked or rejected
        first.wait(timeout=10)
    later = integrator_case(integrator, "emirates_id")
    with celery_worker(env_overrides=WORKER_ENV, log_path=tmp_path / "worker-2.log"):
        submit(later)
        # The lost read is queued again by the stall sweep once its claim is older than STALL_SECONDS.
        wait_settled([slow, later], timeout=120, sweep=True)
        assert_settled_once([slow, later], receiver=receiver, sweep=True, killed_mid_flight=True)
    assert slow_read_started(only_document(slow).sha256) == 2


def test_broker_restart(tmp_path, receiver):
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    integrator = integrator_with_webhook(receiver.url)
    before = integrator_case(integrator, colours={"passport": CYAN})
    during = integrator_case(integrator, "emirates_id")
    after = integrator_case(integrator)
    env = {**WORKER_ENV, "CELERY_BROKER_URL": redis.url}
    try:
        with publishing_to(redis.url), ExitStack() as workers:
            first = workers.enter_context(celery_worker(env_overrides=env, log_path=tmp_path / "worker-1.log"))
            submit(before)
            wait_slow_read_started(before)
            redis.stop()
            # Submitting while the broker is down must still succeed for the applicant: the case
            # is committed and the read is picked up by the stall sweep once the broker is back.
            submit(during)
            time.sleep(1)
            redis.start()
            log = tmp_path / "worker-1.log"
            outcome = wait_for(
                lambda: "crashed" if first.poll() is not None
                else "reconnected" if log.read_text().count("Connected to redis") >= 2 else None,
                timeout=60, what="the worker to reconnect or exit",
            )
            if outcome == "crashed":
                # Celery 5.7 / kombu 5.7 on Redis can die when the broker drops while a message is
                # unacked ("Unrecoverable error: AttributeError ... 'hostname'" while restoring it).
                # Production runs workers under a supervisor that restarts them; so does this test.
                workers.enter_context(celery_worker(env_overrides=env, log_path=tmp_path / "worker-2.log"))
            submit(after)
            wait_settled([before, during, after], timeout=120, sweep=True)
            assert_settled_once([before, during, after], receiver=receiver, sweep=True,
                                killed_mid_flight=outcome == "crashed")
    finally:
        redis.stop()


def test_dropped_database_connection(tmp_path, receiver):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no server connection to drop (the worker opens the database file itself); "
                    "run with DATABASE_URL=postgres://... for this test")
    integrator = integrator_with_webhook(receiver.url)
    slow = integrator_case(integrator, colours={"passport": CYAN})
    with celery_worker(env_overrides=WORKER_ENV, log_path=tmp_path / "worker.log"):
        submit(slow)
        wait_slow_read_started(slow)
        # Every other session on this run's test database is the worker's (or its pool's).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            (terminated,) = cursor.fetchone()
        assert terminated >= 1
        later = integrator_case(integrator, "emirates_id", colours={"emirates_id_back": BLUE})
        submit(later)
        wait_settled([slow, later], timeout=120)
        assert_settled_once([slow, later], receiver=receiver)
        log = (tmp_path / "worker.log").read_text()
    # The read in flight lost its connection when it came to store the reading: the task retried
    # on a fresh connection, read again under the same claim and stored one reading.
    assert "failed unexpectedly" in log
    assert slow_read_started(only_document(slow).sha256) == 2
    later.refresh_from_db()
    assert later.state == "needs_attention"
    assert DocumentReading.objects.filter(document=only_document(slow)).count() == 1


# --- Vendor faults through the simulator ------------------------------------------------------
# The simulator answers from the specimens' ground truth. Its "timeout" sleeps 3 s against a
# client read timeout of 1.5 s; the vendor's "10 minutes down" is compressed to the few seconds it
# takes the task to exhaust OCR_READ_MAX_RETRIES with back-offs capped at 1 s.


def vendor_worker_env(simulator, settings, *, auth: str = "aksk") -> dict[str, str]:
    from ocr_integration.simulator.testing import vendor_environ

    return {
        **WORKER_ENV,
        **vendor_environ(simulator, str(settings.DATA_DIR), auth=auth),
        # G42 OCR is AK/SK only (vendor-docs/001 §2.3, refused otherwise): token auth runs on the Huawei account.
        "OCR_DEFAULT_PROVIDER": "g42" if auth == "aksk" else "huawei",
        "OCR_READ_MAX_RETRIES": "6",
        "OCR_VENDOR_READ_TIMEOUT": "1.5",
        "OCR_VENDOR_CONNECT_TIMEOUT": "1",
    }


@pytest.fixture
def simulator():
    from ocr_integration.simulator import Simulator, SimulatorConfig

    started = Simulator(SimulatorConfig(use_engine=False, fault_timeout_s=3.0, seed=2)).start()
    yield started
    started.stop()


def test_flaky_vendor(tmp_path, receiver, simulator, settings):
    """5xx bursts, a timeout, malformed JSON, 429 with Retry-After and tokens expiring mid-run."""
    from tests.hardening.faults import specimen_case, vendor_attempts

    integrator = integrator_with_webhook(receiver.url)
    cases = [specimen_case(integrator, "passport", seed) for seed in (21, 22, 23)]
    cases.append(specimen_case(integrator, "emirates_id", 24))
    env = {**vendor_worker_env(simulator, settings, auth="token"), "OCR_READ_MAX_RETRIES": "10"}
    with celery_worker(env_overrides=env, log_path=tmp_path / "worker.log"):
        simulator.inject("5xx", 3)
        simulator.inject("timeout", 1)
        simulator.inject("malformed_json", 1)
        simulator.inject("token_expiry", 1)
        for case in cases[:2]:
            submit(case)
        wait_settled(cases[:2], timeout=120)
        simulator.expire_tokens()  # every cached token dies between two reads
        simulator.inject("5xx", 2)
        # One request a second for the account: two pool processes reading at once get 429 + Retry-After.
        simulator.config.qps = 1.0
        simulator.buckets.clear()
        for case in cases[2:]:
            submit(case)
        wait_settled(cases, timeout=120)
        assert_settled_once(cases, receiver=receiver)
    for case in cases:
        case.refresh_from_db()
        assert case.state == "ready_for_review", (case.state, case.state_reason)
    faults_seen = {name: simulator.stats[f"fault:{name}"] for name in ("5xx", "timeout", "malformed_json", "token_expiry")}
    assert faults_seen == {"5xx": 5, "timeout": 1, "malformed_json": 1, "token_expiry": 1}
    assert simulator.stats["iam_tokens_issued"] >= 2, "the expired token was never replaced"
    attempts = vendor_attempts(cases)
    # One successful vendor attempt per document, and every failed one recorded too.
    assert attempts["success"] == 5, attempts
    assert sum(n for outcome, n in attempts.items() if outcome != "success") >= 8, attempts
    assert simulator.stats["throttled"] >= 1 and attempts["throttled"] == simulator.stats["throttled"], attempts


def test_vendor_down_for_a_long_time(tmp_path, receiver, settings):
    """The vendor refuses connections for longer than the retries last: every case goes to
    'needs attention' with the reason; once it is back, a reviewer's retry reads each case once."""
    from kyc.core.audit import Actor
    from kyc.services.cases import case_retry_reading
    from ocr_integration.simulator import Simulator, SimulatorConfig
    from tests.hardening.faults import specimen_case, vendor_attempts

    simulator = Simulator(SimulatorConfig(use_engine=False, seed=3)).start()
    port = simulator.port
    integrator = integrator_with_webhook(receiver.url)
    cases = [specimen_case(integrator, "passport", seed) for seed in (31, 32)]
    env = {**vendor_worker_env(simulator, settings), "OCR_READ_MAX_RETRIES": "2"}
    simulator.stop()  # down: connection refused
    try:
        with celery_worker(env_overrides=env, log_path=tmp_path / "worker.log"):
            for case in cases:
                submit(case)
            wait_settled(cases, timeout=120)
            for case in cases:
                case.refresh_from_db()
                assert case.state == "needs_attention", case.state
                assert "transient" in case.state_reason and "3 attempts" in case.state_reason, case.state_reason
            simulator = Simulator(SimulatorConfig(use_engine=False, seed=3), port=port).start()
            for case in cases:
                case_retry_reading(case_id=case.id, actor=Actor.system("hardening-test"))
            wait_for(lambda: all(Case.objects.get(id=c.id).state == "ready_for_review" for c in cases),
                     timeout=60, what="the retried cases to be read")
            assert_settled_once(cases, receiver=receiver)
    finally:
        simulator.stop()
    attempts = vendor_attempts(cases)
    assert attempts["success"] == 2 and attempts["transient"] >= 6, attempts
