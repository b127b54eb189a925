"""/metrics as Prometheus scrapes it: a bearer token, and the product's gauges with true values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from kyc.api.models import Integrator, WebhookDelivery, WebhookEndpoint
from kyc.core.audit import Actor
from kyc.models import Case, Decision
from kyc.ops import heartbeat
from kyc.services.cases import case_submit
from ocr_integration.models import OcrAttempt
from tests.conftest import make_case
from tests.hardening.faults import free_port

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests-0f3a9c"


@pytest.fixture
def scraper(settings):
    settings.METRICS_TOKEN = TOKEN
    return Client(HTTP_HOST="10.1.2.3:8000", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_metrics_need_the_token(settings):
    settings.METRICS_TOKEN = TOKEN
    assert Client().get("/metrics").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get("/metrics").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}").get("/metrics").status_code == 200


def test_metrics_are_off_without_a_token(settings):
    settings.METRICS_TOKEN = ""
    assert Client(HTTP_AUTHORIZATION="Bearer ").get("/metrics").status_code == 404


def test_cases_per_state_and_reads_waiting(scraper):
    draft = make_case("passport")
    submitted = make_case("emirates_id")
    case_submit(case_id=submitted.id, actor=Actor.applicant(submitted.applicant_id))
    Case.objects.filter(id=submitted.id).update(submitted_at=timezone.now() - timedelta(minutes=10))
    samples = scrape(scraper)
    assert samples[("kyc_cases", (("state", "draft"),))] == 1
    assert samples[("kyc_cases", (("state", "submitted"),))] == 1
    assert samples[("kyc_cases", (("state", "approved"),))] == 0
    # Documents of a draft are not waiting to be read; the submitted Emirates ID's two sides are.
    assert samples[("kyc_reads_waiting", (("read_state", "pending"),))] == 2
    assert 600 <= samples[("kyc_reads_oldest_wait_seconds", ())] < 3600
    assert draft.documents.count() == 1


def test_vendor_calls_by_vendor_and_outcome(scraper):
    for vendor, outcome in [("g42", "success"), ("g42", "success"), ("g42", "transient"), ("ctyun", "rate_limited")]:
        OcrAttempt.objects.create(vendor=vendor, endpoint="ocr/passport", outcome=outcome, duration_ms=120)
    samples = scrape(scraper)
    assert samples[("kyc_vendor_calls_total", (("outcome", "success"), ("vendor", "g42")))] == 2
    assert samples[("kyc_vendor_calls_total", (("outcome", "transient"), ("vendor", "g42")))] == 1
    assert samples[("kyc_vendor_calls_total", (("outcome", "rate_limited"), ("vendor", "ctyun")))] == 1


def test_webhook_backlog(scraper):
    endpoint = WebhookEndpoint.objects.create(integrator=Integrator.objects.create(name="metrics"), url="https://example.test/h")
    for state in ("pending", "pending", "delivered", "failed"):
        WebhookDelivery.objects.create(endpoint=endpoint, event_type="case.state_changed",
                                       case_id="00000000-0000-0000-0000-000000000001", payload={}, state=state)
    WebhookDelivery.objects.filter(state="pending").update(created_at=timezone.now() - timedelta(minutes=5))
    samples = scrape(scraper)
    assert samples[("kyc_webhook_backlog", ())] == 2
    assert samples[("kyc_webhook_failed", ())] == 1
    assert samples[("kyc_webhook_oldest_pending_seconds", ())] >= 300


def test_time_to_decision(scraper, reviewer):
    now = timezone.now()
    for hours in (1, 2, 3, 4, 10):
        case = make_case("passport")
        Case.objects.filter(id=case.id).update(submitted_at=now - timedelta(hours=hours))
        decision = Decision.objects.create(case=case, reviewer=reviewer, outcome="approved")
        Decision.objects.filter(id=decision.id).update(created_at=now)
    samples = scrape(scraper)
    assert samples[("kyc_decisions_last_24h", ())] == 5
    median = samples[("kyc_time_to_decision_seconds", (("quantile", "0.5"),))]
    assert 3 * 3600 - 60 <= median <= 3 * 3600 + 60
    assert samples[("kyc_time_to_decision_seconds", (("quantile", "0.95"),))] > 4 * 3600


def test_worker_heartbeat_age(scraper):
    heartbeat.beat()
    assert scrape(scraper)[("kyc_worker_heartbeat_age_seconds", ())] <= heartbeat.HEARTBEAT_STALE_SECONDS


def test_no_label_carries_personal_data(scraper):
    case = make_case("passport")  # the applicant's email is applicant@example.test
    case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    text = scraper.get("/metrics").content.decode()
    assert "example.test" not in text and str(case.id) not in text and str(case.applicant_id) not in text


def test_broker_queue_depth(scraper, settings):
    from celery import current_app

    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-metrics"  # a queue no worker of this run consumes
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    assert scrape(scraper)[("kyc_broker_queue_messages", (("queue", queue),))] == 0  # not declared yet
    for _ in range(3):
        current_app.send_task("kyc.tasks.requeue_stalled_reads", queue=queue)
    try:
        samples = scrape(scraper)
        assert samples[("kyc_broker_queue_messages", (("queue", queue),))] == 3
        assert samples[("kyc_broker_reachable", ())] == 1
    finally:
        with current_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)


def test_an_unreachable_broker_is_a_zero_not_an_error(scraper, monkeypatch):
    from celery import current_app

    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setattr(current_app.conf, "broker_url", unreachable)
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)
    samples = scrape(scraper)
    assert samples[("kyc_broker_reachable", ())] == 0
    assert samples[("kyc_cases", (("state", "draft"),))] == 0  # the rest of the scrape is whole
