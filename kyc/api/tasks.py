"""Webhook tasks: take ids, call one service, decide about retries."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from kyc.api import webhooks
from kyc.tasks import log_lines_name_the_case

DATABASE_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_webhook(self, delivery_id: str) -> None:
    # The number of attempts is counted in the database (WEBHOOK_MAX_ATTEMPTS), not by Celery.
    log_lines_name_the_case(id=webhooks.delivery_case_id(delivery_id))
    try:
        outcome = webhooks.webhook_deliver(delivery_id=delivery_id)
    except (OperationalError, InterfaceError) as exc:
        # A connection dropped before the attempt was claimed or posted (a failover, a restart):
        # try again soon on a new connection (the worker closes this task's connections on a
        # retry) rather than leave the delivery to the sweep, minutes later. A database down for
        # longer: the sweep (requeue_due_webhooks) takes it up once it is back.
        if self.request.retries >= DATABASE_RETRIES:
            raise
        raise self.retry(countdown=webhooks.backoff_seconds(self.request.retries + 1), exc=exc) from exc
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)


@shared_task
def requeue_due_webhooks() -> int:
    """Periodic: send again every pending delivery whose message was lost."""
    delivery_ids = webhooks.due_delivery_ids()
    for delivery_id in delivery_ids:
        deliver_webhook.delay(str(delivery_id))
    return len(delivery_ids)
