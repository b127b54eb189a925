"""Webhooks: every state change of an integrator's case, posted as signed JSON to its endpoints.

Signature (documented in docs/api.md): header ``KYC-Signature: t=<unix seconds>,v1=<hex>`` where
``<hex>`` is HMAC-SHA256 with the endpoint's secret over ``"<t>." + raw body``. A new ``t`` is
signed at each attempt, so a receiver may refuse timestamps older than a few minutes (replays).

Deliveries are rows written in the transaction of the state change (no change, no delivery; no
delivery lost when the broker is down: ``requeue_due_webhooks`` picks them up), posted by a
Celery task with backoff, and every attempt is recorded with its outcome and duration. A database
connection dropped mid-delivery (a failover, a restart) neither loses the delivery until the next
sweep nor posts it twice: see ``webhook_deliver``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from kyc.api.models import IntegratorCase, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from kyc.core.audit import Actor, audit_record
from kyc.errors import ValidationFailed

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "KYC-Signature"
EVENT_CASE_STATE_CHANGED = "case.state_changed"
USER_AGENT = "kyc-onboarding-webhooks/1"


class WebhookUrlRefused(ValidationFailed):
    """A URL we must not post to: refused when it is registered, and a delivery to it is given up
    at once (the URL will not become acceptable by waiting)."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance_seconds: int = 300, now: float | None = None) -> bool:
    """What a receiver does (docs/api.md has the same in a standalone snippet)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), parts.get("v1", ""))


def check_url(url: str) -> None:
    """Refuse URLs we must not post to: not http(s), credentials in the URL, or (outside
    development) plain http and private, loopback or link-local addresses (SSRF)."""
    parts = urlsplit(url)
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_URLS
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise WebhookUrlRefused(message="The webhook URL must be an http(s) URL with a host name.")
    if parts.scheme == "http" and not allow_private:
        raise WebhookUrlRefused(message="The webhook URL must use https.")
    if parts.username or parts.password:
        raise WebhookUrlRefused(message="The webhook URL must not contain a user name or password.")
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        raise WebhookUrlRefused(message="The webhook host name does not resolve.") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise WebhookUrlRefused(message="The webhook URL points at a private or reserved network address.")


def case_event_payload(*, delivery_id, case, before: str, occurred_at, external_reference: str = "") -> dict:
    return {
        "id": str(delivery_id),
        "type": EVENT_CASE_STATE_CHANGED,
        "created_at": occurred_at.isoformat(),
        "data": {
            "case_id": str(case.id),
            "reference": case.reference,
            "external_reference": external_reference,
            "previous_state": before,
            "state": case.state,
            # Written by us or by a reviewer for the applicant (which side, why), never personal data.
            "state_reason": case.state_reason,
        },
    }


def webhooks_case_state_changed(*, case, before: str) -> list[WebhookDelivery]:
    """A receiver of ``kyc.services.hooks.case_state_changed`` (registered in ``KycApiConfig.ready()``),
    called by ``case_transition`` inside its transaction: one delivery per active endpoint of the
    case's integrator, posted once the change is committed. Cases not created through the API
    have no integrator and no webhooks."""
    link = IntegratorCase.objects.filter(case_id=case.id).only("integrator_id", "external_reference").first()
    if link is None:
        return []
    endpoints = list(WebhookEndpoint.objects.filter(integrator_id=link.integrator_id, is_active=True))
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, event_type=EVENT_CASE_STATE_CHANGED, case_id=case.id)
        delivery.payload = case_event_payload(
            delivery_id=delivery.id,
            case=case,
            before=before,
            occurred_at=case.state_changed_at or timezone.now(),
            external_reference=link.external_reference,
        )
        delivery.next_attempt_at = timezone.now()
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        transaction.on_commit(lambda delivery_id=delivery.id: _queue(delivery_id))
    return deliveries


def _queue(delivery_id, countdown: float | None = None) -> None:
    from kyc.api.tasks import deliver_webhook

    try:
        deliver_webhook.apply_async(args=[str(delivery_id)], countdown=countdown)
    except Exception:  # broker down: the row stays pending and requeue_due_deliveries sends it later
        logger.warning("could not queue webhook delivery %s; it will be picked up later", delivery_id)


@dataclass(frozen=True)
class AttemptOutcome:
    done: bool
    retry_in: float | None = None


def backoff_seconds(attempts: int) -> float:
    base = settings.WEBHOOK_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    # Jitter spreads a burst of retries to an endpoint that was down.
    return min(base * (0.75 + random.random() / 2), settings.WEBHOOK_BACKOFF_MAX_SECONDS)


def webhook_deliver(*, delivery_id) -> AttemptOutcome:
    """Make one attempt at a pending delivery and record it. Safe to run twice: the attempt is
    claimed with a conditional update, so two copies of a task never post the same attempt."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(id=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return AttemptOutcome(done=True)
    number = delivery.attempts + 1
    claimed = WebhookDelivery.objects.filter(
        id=delivery.id, state=WebhookDelivery.State.PENDING, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1)
    if not claimed:
        return AttemptOutcome(done=True)
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    status_code, error, url_refused = None, "", False
    started = time.monotonic()
    if not endpoint.is_active:
        error = "endpoint disabled"
    else:
        try:
            check_url(endpoint.url)
            response = httpx.post(
                endpoint.url,
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    SIGNATURE_HEADER: signature_header(endpoint.secret, body),
                    "KYC-Event-Id": str(delivery.id),
                    "KYC-Event-Type": delivery.event_type,
                    "KYC-Delivery-Attempt": str(number),
                },
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                follow_redirects=False,
            )
            status_code = response.status_code
        except WebhookUrlRefused as exc:
            error, url_refused = str(exc), True
        except httpx.TimeoutException:
            error = "timed out"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: connection failed"
    duration_ms = int((time.monotonic() - started) * 1000)
    succeeded = status_code is not None and 200 <= status_code < 300
    if status_code is not None and not succeeded:
        error = f"HTTP {status_code}"
    # 410 Gone: the receiver says the endpoint is gone for good, so the endpoint is disabled (as
    # Stripe and GitHub do), not only this delivery given up; the integrator sees why in the API.
    gone = status_code == 410
    permanent = not endpoint.is_active or gone or url_refused
    give_up = not succeeded and (permanent or number >= settings.WEBHOOK_MAX_ATTEMPTS)
    retry_in = None if succeeded or give_up else backoff_seconds(number)
    now = timezone.now()

    def record_attempt():
        with transaction.atomic():
            WebhookAttempt.objects.create(
                delivery=delivery, number=number, status_code=status_code, error=error[:300],
                duration_ms=duration_ms, succeeded=succeeded,
            )
            updates = {"last_status_code": status_code, "last_error": error[:300]}
            if succeeded:
                updates.update(state=WebhookDelivery.State.DELIVERED, delivered_at=now, next_attempt_at=None)
            elif give_up:
                updates.update(state=WebhookDelivery.State.FAILED, next_attempt_at=None)
            else:
                updates.update(next_attempt_at=now + timedelta(seconds=retry_in))
            WebhookDelivery.objects.filter(id=delivery.id).update(**updates)
            if gone:
                _endpoint_disable_gone(endpoint, now=now)

    _on_a_new_connection_if_dropped(record_attempt)
    if not succeeded:
        logger.info("webhook delivery %s attempt %d failed (%s)", delivery.id, number, error)
    return AttemptOutcome(done=retry_in is None, retry_in=retry_in)


def _on_a_new_connection_if_dropped(write) -> None:
    """Run ``write``; if the server dropped the connection (a failover, a restart, an operator's
    ``pg_terminate_backend``), run it once more on a new one.

    The POST has gone out by then: were the attempt left unrecorded, the task's retry would claim
    the next attempt and post the same event again, and without a retry the delivery would wait
    for the sweep. ``write`` is one transaction, so a first try cut off mid-way left nothing.
    """
    try:
        write()
    except (OperationalError, InterfaceError):
        connection.close()
        write()


def _endpoint_disable_gone(endpoint: WebhookEndpoint, *, now) -> None:
    """Disable an endpoint whose receiver answered 410 Gone (audited, once)."""
    reason = WebhookEndpoint.DisabledReason.RECEIVER_GONE
    disabled = WebhookEndpoint.objects.filter(id=endpoint.id, is_active=True).update(
        is_active=False, disabled_reason=reason, disabled_at=now
    )
    if disabled:
        audit_record(actor=Actor.system("webhooks"), action="webhook_endpoint.disabled",
                     object_type="webhook_endpoint", object_id=endpoint.id, data={"reason": reason.value})
        logger.info("webhook endpoint %s answered 410 Gone and is disabled", endpoint.id)


def due_delivery_ids(*, grace_seconds: int = 120) -> list:
    """Pending deliveries whose next attempt is overdue (a lost message, a broker outage)."""
    overdue = timezone.now() - timedelta(seconds=grace_seconds)
    return list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lt=overdue)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:500]
    )


def delivery_case_id(delivery_id):
    """The case a delivery is about (for the task's log lines), or None for an unknown or malformed id."""
    try:
        return WebhookDelivery.objects.filter(id=delivery_id).values_list("case_id", flat=True).first()
    except (ValueError, ValidationError):
        return None
