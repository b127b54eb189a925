"""Webhooks against a real HTTP receiver on 127.0.0.1: registration, signing, retries, records."""

from __future__ import annotations

import json
import time

import psycopg
import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from kyc.api import webhooks
from kyc.api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from kyc.api.tasks import deliver_webhook, requeue_due_webhooks
from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.domain.workflow import CaseState
from kyc.services.cases import case_submit, case_transition, lock_case
from tests.conftest import make_case
from tests.kyc.api.helpers import create_case, error_code, upload
from tests.support.personas import staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_backoff(settings):
    settings.WEBHOOK_BACKOFF_SECONDS = 0.01
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


def register(api, url) -> dict:
    response = api.post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def submit_case(api, django_capture_on_commit_callbacks):
    case = create_case(api, external_reference="ext-7")
    upload(api, case["id"], "passport")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api.post(f"/api/v1/cases/{case['id']}/submit/")
    return case, callbacks


def test_register_list_and_disable_endpoints(api, other_api, receiver):
    endpoint = register(api, receiver.url)
    assert endpoint["secret"].startswith("whsec_")
    listed = api.get("/api/v1/webhooks/").json()
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    assert other_api.get("/api/v1/webhooks/").json() == []
    assert other_api.delete(f"/api/v1/webhooks/{endpoint['id']}/").status_code == 404
    assert api.delete(f"/api/v1/webhooks/{endpoint['id']}/").status_code == 204
    assert api.get("/api/v1/webhooks/").json() == []
    assert WebhookEndpoint.objects.get().is_active is False  # kept with its delivery records
    shown = api.get(f"/api/v1/webhooks/{endpoint['id']}/").json()
    assert (shown["is_active"], shown["disabled_reason"]) == (False, "integrator")


@pytest.mark.parametrize("url", ["ftp://example.test/hook", "not a url", "http://user:pw@127.0.0.1/hook"])
def test_bad_webhook_urls_are_refused(api, url):
    response = api.post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 400 and error_code(response) in {"invalid_request", "validation_failed"}


def test_private_addresses_are_refused_when_not_allowed(api, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    for url in ("http://example.test/hook", "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://[::1]/hook"):
        response = api.post("/api/v1/webhooks/", {"url": url}, format="json")
        assert response.status_code == 400, url
    assert WebhookEndpoint.objects.count() == 0


def test_a_state_change_is_delivered_signed(api, receiver, django_capture_on_commit_callbacks):
    endpoint = register(api, receiver.url)
    case, callbacks = submit_case(api, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert len(callbacks) == 2  # the OCR read and the webhook, both after commit
    deliver_webhook.apply(args=[str(delivery.id)])

    [request] = receiver.requests
    assert request.path == "/hooks/kyc"
    payload = json.loads(request.body)
    assert payload["type"] == "case.state_changed" and payload["id"] == str(delivery.id)
    assert payload["data"] == {
        "case_id": case["id"], "reference": case["reference"], "external_reference": "ext-7",
        "previous_state": "draft", "state": "submitted", "state_reason": "",
    }
    assert request.headers["kyc-event-id"] == str(delivery.id)
    assert request.headers["content-type"] == "application/json"
    signature = request.headers["kyc-signature"]
    assert webhooks.verify_signature(endpoint["secret"], signature, request.body)
    assert not webhooks.verify_signature("whsec_wrong", signature, request.body)
    assert not webhooks.verify_signature(endpoint["secret"], signature, request.body + b" ")
    assert not webhooks.verify_signature(endpoint["secret"], signature, request.body, now=time.time() + 3600)

    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.attempts == 1 and delivery.last_status_code == 200
    [attempt] = WebhookAttempt.objects.all()
    assert attempt.succeeded and attempt.status_code == 200 and attempt.duration_ms >= 0


def test_the_documented_verification_snippet_accepts_our_signature(api, receiver, django_capture_on_commit_callbacks):
    endpoint = register(api, receiver.url)
    submit_case(api, django_capture_on_commit_callbacks)
    deliver_webhook.apply(args=[str(WebhookDelivery.objects.get().id)])
    [request] = receiver.requests
    namespace: dict = {}
    exec(_snippet_from_docs(), namespace)  # the Python snippet in docs/api.md, verbatim
    assert namespace["verify"](endpoint["secret"], request.headers["kyc-signature"], request.body)
    assert not namespace["verify"](endpoint["secret"], request.headers["kyc-signature"], b"{}")


def _snippet_from_docs() -> str:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text()
    start = text.index("```python\n# verify-webhook") + len("```python\n")
    return text[start:text.index("```", start)]


def test_failures_are_retried_with_backoff_and_every_attempt_recorded(api, receiver, django_capture_on_commit_callbacks):
    receiver.statuses = [500, 503, 200]
    register(api, receiver.url)
    submit_case(api, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.apply(args=[str(delivery.id)])  # eager retries run at once
    assert len(receiver.requests) == 3
    assert [r.headers["kyc-delivery-attempt"] for r in receiver.requests] == ["1", "2", "3"]
    # The same event each time, freshly signed.
    assert len({r.body for r in receiver.requests}) == 1
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.attempts == 3
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("number", "status_code", "succeeded"))
    assert attempts == [(1, 500, False), (2, 503, False), (3, 200, True)]


def test_delivery_gives_up_after_the_maximum_attempts(api, receiver, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500]
    register(api, receiver.url)
    submit_case(api, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.apply(args=[str(delivery.id)])
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 3 and delivery.last_error == "HTTP 500"
    assert len(receiver.requests) == 3


def test_an_unreachable_endpoint_is_recorded_as_a_connection_failure(api, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    register(api, "http://127.0.0.1:9/nothing-listens-here")
    submit_case(api, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.apply(args=[str(delivery.id)])
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert all("connection failed" in a.error or a.error == "timed out" for a in WebhookAttempt.objects.all())


def test_410_gone_disables_the_endpoint_visibly_and_later_events_are_not_posted(
        api, receiver, django_capture_on_commit_callbacks):
    receiver.statuses = [410]
    endpoint = register(api, receiver.url)
    case, _ = submit_case(api, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.apply(args=[str(delivery.id)])
    delivery.refresh_from_db()
    assert delivery.state == "failed" and delivery.attempts == 1 and len(receiver.requests) == 1

    # The integrator sees that and why the endpoint stopped.
    shown = api.get(f"/api/v1/webhooks/{endpoint['id']}/").json()
    assert shown["is_active"] is False and shown["disabled_reason"] == "receiver_gone" and shown["disabled_at"]
    assert api.get("/api/v1/webhooks/").json() == []
    # So do admins, and the audit trail.
    admin_user = staff_member("admin", username="integrations-admin")
    browser = Client()
    browser.force_login(admin_user)
    listing = browser.get("/admin/kyc_api/webhookendpoint/").content.decode()
    assert "The receiver answered 410 Gone" in listing
    assert AuditEvent.objects.get(action="webhook_endpoint.disabled").data == {"reason": "receiver_gone"}

    # A later state change of the case is not posted again.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        case_transition(case=lock_case(case["id"]), target=CaseState.WITHDRAWN, actor=Actor.system("test"))
    assert WebhookDelivery.objects.count() == 1 and len(receiver.requests) == 1


def test_the_deliveries_endpoint_lists_every_attempt(api, receiver, django_capture_on_commit_callbacks):
    receiver.statuses = [500, 503, 200]
    endpoint = register(api, receiver.url)
    submit_case(api, django_capture_on_commit_callbacks)
    deliver_webhook.apply(args=[str(WebhookDelivery.objects.get().id)])
    [listed] = api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").json()["results"]
    log = listed["attempt_log"]
    assert [(a["number"], a["status_code"], a["error"], a["succeeded"]) for a in log] == [
        (1, 500, "HTTP 500", False), (2, 503, "HTTP 503", False), (3, 200, "", True),
    ]
    assert all(isinstance(a["duration_ms"], int) and a["duration_ms"] >= 0 and a["attempted_at"] for a in log)


def test_a_delivered_event_is_not_sent_twice(api, receiver, django_capture_on_commit_callbacks):
    register(api, receiver.url)
    submit_case(api, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.apply(args=[str(delivery.id)])
    deliver_webhook.apply(args=[str(delivery.id)])  # the same message delivered twice
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_while_the_receiver_answers_neither_loses_nor_repeats_the_event(api, receiver):
    """The database drops the worker's connection (a failover, a restart) after the POST went out
    and before the attempt is recorded: the attempt is recorded on a new connection, so the
    delivery shows as delivered and no retry posts the event a second time."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no server connection to drop; run with DATABASE_URL=postgres://...")
    endpoint = WebhookEndpoint.objects.get(id=register(api, receiver.url)["id"])
    case = make_case()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type=webhooks.EVENT_CASE_STATE_CHANGED, case_id=case.id,
        payload={"type": webhooks.EVENT_CASE_STATE_CHANGED, "data": {"case_id": str(case.id)}},
        next_attempt_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (our_backend,) = cursor.fetchone()
    database = connection.settings_dict

    def drop_our_connection():
        with psycopg.connect(host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"],
                             password=database["PASSWORD"], dbname=connection.settings_dict["NAME"],
                             autocommit=True) as other:
            assert other.execute("SELECT pg_terminate_backend(%s)", [our_backend]).fetchone() == (True,)

    receiver.while_answering = drop_our_connection
    outcome = deliver_webhook.apply(args=[str(delivery.id)])
    receiver.while_answering = None

    assert outcome.successful()
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED
    assert list(delivery.attempt_records.values_list("number", "succeeded")) == [(1, True)]
    deliver_webhook.apply(args=[str(delivery.id)])  # a redelivered message finds it done
    assert len(receiver.requests) == 1


def test_only_the_owning_integrators_endpoints_hear_of_a_case(api, other_api, receiver, django_capture_on_commit_callbacks):
    register(other_api, receiver.url)
    submit_case(api, django_capture_on_commit_callbacks)
    # A case started in the browser belongs to no integrator: no webhooks either.
    browser_case = make_case("passport")
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=browser_case.id, actor=Actor.applicant(browser_case.applicant_id))
    assert WebhookDelivery.objects.count() == 0


def test_deliveries_are_listed_for_their_endpoint(api, other_api, receiver, django_capture_on_commit_callbacks):
    endpoint = register(api, receiver.url)
    submit_case(api, django_capture_on_commit_callbacks)
    deliver_webhook.apply(args=[str(WebhookDelivery.objects.get().id)])
    body = api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").json()
    assert body["count"] == 1 and body["results"][0]["state"] == "delivered"
    assert other_api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/").status_code == 404


def test_a_rolled_back_change_sends_nothing(api, receiver):
    register(api, receiver.url)
    case = create_case(api)
    # Submitting without images fails inside the transaction: no state change, no delivery.
    assert api.post(f"/api/v1/cases/{case['id']}/submit/").status_code == 400
    assert WebhookDelivery.objects.count() == 0


def test_lost_deliveries_are_queued_again(api, receiver, django_capture_on_commit_callbacks):
    register(api, receiver.url)
    submit_case(api, django_capture_on_commit_callbacks)  # the on-commit message is never sent
    from datetime import timedelta

    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    # Queued on this test run's own broker; delivering it (as the worker would) sends it once.
    assert requeue_due_webhooks.apply().get() == 1
    deliver_webhook.apply(args=[str(WebhookDelivery.objects.get().id)])
    assert len(receiver.requests) == 1
    assert requeue_due_webhooks.apply().get() == 0


def test_listing_deliveries_costs_the_same_queries_however_many_attempts(api, receiver, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    receiver.statuses = [500, 200]
    endpoint = register(api, receiver.url)
    url = f"/api/v1/webhooks/{endpoint['id']}/deliveries/"
    submit_case(api, django_capture_on_commit_callbacks)
    deliver_webhook.apply(args=[str(WebhookDelivery.objects.get().id)])
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(url).json()["results"]) == 1
    for _ in range(2):
        submit_case(api, django_capture_on_commit_callbacks)
    for delivery in WebhookDelivery.objects.filter(state="pending"):
        deliver_webhook.apply(args=[str(delivery.id)])
    with CaptureQueriesContext(connection) as three:
        body = api.get(url).json()
    assert len(body["results"]) == 3 and sum(len(d["attempt_log"]) for d in body["results"]) >= 4
    assert len(three.captured_queries) == len(one.captured_queries)


def test_the_delivery_tasks_log_lines_name_their_case(api, receiver, json_lines, django_capture_on_commit_callbacks):
    register(api, receiver.url)
    case, _ = submit_case(api, django_capture_on_commit_callbacks)
    deliver_webhook.apply(args=[str(WebhookDelivery.objects.get().id)], task_id="hook-1")
    hook_lines = [line for line in json_lines() if line.get("task_id") == "hook-1"]
    assert hook_lines
    assert all(line.get("case") == case["id"] and line.get("case_reference") == case["reference"]
               for line in hook_lines), hook_lines
