"""The whole chain through a real Celery worker process, on the configured database and on every
broker this machine offers.

The variants are collected from what answers when the tests start: the configured broker (the
on-disk one in the quick start, Redis in CI), Redis on 127.0.0.1:6379 and RabbitMQ on
127.0.0.1:5672 (guest/guest). CI starts both services, so CI runs every variant; a laptop with
neither runs the configured one only, and the README's plain `pytest` stays green without services.
Each run uses a queue of its own (tests/pytest_env.py), so a shared broker never mixes two runs.

The broker restart mid-read runs on a private broker server of the test's own, started and
restarted by the test, once on redis-server and once on a private RabbitMQ node (its own node name,
ports, database folder and cookie: tests/support/brokers.py): restarting the machine's shared
Redis or RabbitMQ would break everyone else's runs. A variant runs where its server is installed
(CI installs both).
"""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter
from contextlib import ExitStack

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from kombu import Connection

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.models import Case, CheckFinding, DocumentReading
from kyc.ops.heartbeat import HEARTBEAT_KEY
from kyc.services.cases import case_submit
from tests.conftest import SCRIPTED, make_case
from tests.hardening.faults import PrivateRedis, only_document, publishing_to
from tests.support.brokers import (
    RABBITMQ_SERVER,
    RABBITMQ_URL,
    REDIS_URL,
    PrivateRabbitMQ,
    answering_brokers,
)
from tests.support.providers import BLUE, CYAN, YELLOW, slow_read_started
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FINAL = {"ready_for_review", "needs_attention", "approved", "rejected"}
WORKER_ENV = {"OCR_DEFAULT_PROVIDER": SCRIPTED, "OCR_READ_MAX_RETRIES": "2", "SCRIPTED_SLOW_SECONDS": "3"}

def available_brokers() -> dict[str, str]:
    """Variant name -> broker URL, for every broker that answers (every one, in CI: there a
    broker that does not answer is a failure, not a variant quietly left out)."""
    configured = settings.CELERY_BROKER_URL
    brokers = {configured.split(":", 1)[0]: configured}
    answering = answering_brokers().split(",")
    for name, url in (("redis", REDIS_URL), ("amqp", RABBITMQ_URL)):
        if name not in brokers and name in answering:
            brokers[name] = url
    return brokers


def pytest_generate_tests(metafunc):
    if "broker_url" in metafunc.fixturenames:
        brokers = available_brokers()
        metafunc.parametrize("broker_url", list(brokers.values()), ids=list(brokers))


def settled(case_id):
    case = Case.objects.get(id=case_id)
    return case if case.state in FINAL else None


def test_submissions_flow_through_a_real_worker(broker_url, tmp_path, capsys):
    cache.delete(HEARTBEAT_KEY)  # only this test's worker can make /readyz say a worker is alive
    with ExitStack() as stack:
        if broker_url != settings.CELERY_BROKER_URL:
            stack.enter_context(publishing_to(broker_url))
            stack.callback(_delete_queue, broker_url)
        stack.enter_context(celery_worker(
            env_overrides={**WORKER_ENV, "CELERY_BROKER_URL": broker_url}, log_path=tmp_path / "worker.log"
        ))
        good = make_case("emirates_id")
        flaky = make_case("passport", colours={"passport": YELLOW})
        down = make_case("passport", colours={"passport": BLUE})
        for case in (good, flaky, down):
            case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))

        good_case = wait_for(lambda: settled(good.id), timeout=60, what="the good case to settle")
        flaky_case = wait_for(lambda: settled(flaky.id), timeout=60, what="the flaky case to settle")
        down_case = wait_for(lambda: settled(down.id), timeout=60, what="the failing case to settle")
        # The operator's view of the same run: every dependency reachable, the worker's heartbeat seen.
        readiness = Client().get("/readyz").json()
        assert readiness["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"}
        assert readiness["worker"]["status"] == "ok"

    assert good_case.state == "ready_for_review"
    assert DocumentReading.objects.filter(document__case=good, role="primary").count() == 2
    assert CheckFinding.objects.filter(case=good, check_run=1).exists()

    assert flaky_case.state == "ready_for_review"
    flaky_document = flaky.documents.get()
    assert flaky_document.read_attempts == 3
    assert DocumentReading.objects.filter(document=flaky_document).count() == 1

    assert down_case.state == "needs_attention"
    assert "transient" in down_case.state_reason

    actions = list(AuditEvent.objects.filter(case_id=good.id).values_list("action", flat=True))
    assert actions.count("document.read") == 2 and actions[-1] == "case.state_changed"
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out


def _delete_queue(broker_url: str) -> None:
    """A RabbitMQ queue outlives the run that declared it (durable); this run's is removed."""
    if broker_url.startswith("amqp"):
        with Connection(broker_url, connect_timeout=5) as connection:
            connection.default_channel.queue_delete(settings.CELERY_TASK_DEFAULT_QUEUE)


def private_brokers() -> list[str]:
    """The brokers this machine can start a private server of (CI installs both)."""
    names = []
    if shutil.which("redis-server"):
        names.append("redis")
    if RABBITMQ_SERVER:
        names.append("rabbitmq")
    return names


@pytest.fixture(params=private_brokers())
def private_broker(request, tmp_path):
    """A broker server of the test's own, which it may stop and start (never the shared ones)."""
    broker = PrivateRedis(tmp_path / "redis") if request.param == "redis" else PrivateRabbitMQ(tmp_path / "rabbitmq")
    broker.start()
    yield broker
    broker.stop()


# What the worker logs each time it connects to the broker (celery.worker.consumer.connection).
CONNECTED = {PrivateRedis: "Connected to redis://", PrivateRabbitMQ: "Connected to amqp://"}


def _settle_with_the_stall_sweep(cases, *, rounds: int = 24, interval: float = 5.0) -> None:
    # A sweep every 5 s (beat's is every minute in production): the lost read becomes stale
    # OCR_READ_STALL_SECONDS (10 s here) after its claim and is queued again within 5 s of that,
    # instead of waiting for a third of a minute; a read still in flight is younger than 10 s and
    # left alone, as before.
    from django.test import override_settings

    from kyc.tasks import requeue_stalled_reads

    for _ in range(rounds):  # 2 minutes in all, as before
        deadline = time.monotonic() + interval
        while time.monotonic() < deadline:
            if all(settled(case.id) for case in cases):
                return
            time.sleep(0.5)
        with override_settings(OCR_READ_STALL_SECONDS=10):
            requeue_stalled_reads.apply()


def test_broker_restart_mid_read_loses_nothing_and_the_worker_reconnects(private_broker, tmp_path):
    """The broker stops while one read is in flight and others are being acknowledged one after
    another (the moment kombu 5.7 used to stop the worker on Redis: kyc/ops/kombu_redis.py), then
    comes back. The in-flight read's message was never acknowledged, so the broker hands it out
    again; the case still ends with one reading per document."""
    log = tmp_path / "worker.log"
    with publishing_to(private_broker.url), celery_worker(
        # The slow read lasts long enough to still be in flight when the broker stops, on a loaded machine too.
        env_overrides={**WORKER_ENV, "CELERY_BROKER_URL": private_broker.url, "SCRIPTED_SLOW_SECONDS": "8"},
        log_path=log,
    ) as worker:
        slow = make_case("passport", colours={"passport": CYAN})
        quick = [make_case("emirates_id") for _ in range(5)]
        for case in (slow, *quick):
            case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
        digest = only_document(slow).sha256
        wait_for(lambda: slow_read_started(digest) >= 1, timeout=60, what="the slow read to start")
        wait_for(lambda: DocumentReading.objects.filter(document__case__in=quick).exists(), timeout=60,
                 what="the quick reads to be flowing")
        assert not DocumentReading.objects.filter(document__case=slow).exists(), "the slow read ended too soon"
        private_broker.stop()  # mid-read: the slow read holds its message unacknowledged; quick ones are being acked
        time.sleep(1)
        private_broker.start()
        after = make_case("passport")
        case_submit(case_id=after.id, actor=Actor.applicant(after.applicant_id))
        cases = [slow, *quick, after]
        if isinstance(private_broker, PrivateRedis):
            # On Redis, a message the worker had taken but not started when the connection dropped
            # stays in the broker's unacked set until its visibility timeout (an hour); what brings
            # its read back in the documented deployment is beat's stall sweep
            # (requeue_stalled_reads), run here as beat would, with a short stall time.
            _settle_with_the_stall_sweep(cases)
        for case in cases:
            wait_for(lambda case=case: settled(case.id), timeout=180, what=f"case {case.id} to settle")
        assert worker.poll() is None, f"the worker exited on the broker restart:\n{log.read_text()[-3000:]}"
    for case in cases:
        case.refresh_from_db()
        assert case.state == "ready_for_review", (case.state, case.state_reason)
        for document in case.documents.filter(is_current=True):
            assert DocumentReading.objects.filter(document=document, role="primary").count() == 1
    # The same worker process, connected again.
    assert log.read_text().count(CONNECTED[type(private_broker)]) >= 2, log.read_text()[-3000:]
    if isinstance(private_broker, PrivateRabbitMQ):
        # AMQP hands an unacknowledged message out again after the connection is lost: the slow read
        # really was delivered twice, and the second delivery added no reading (asserted above).
        deliveries = Counter(re.findall(r"read_document\[([0-9a-f-]+)\] received", log.read_text()))
        assert max(deliveries.values()) >= 2, deliveries
