"""Webhook tasks: take ids, call one service, decide about retries."""

from __future__ import annotations

from celery import shared_task

from kyc.api import webhooks
from kyc.tasks import log_lines_name_the_case


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_webhook(self, delivery_id: str) -> None:
    # The number of attempts is counted in the database (WEBHOOK_MAX_ATTEMPTS), not by Celery.
    log_lines_name_the_case(id=webhooks.delivery_case_id(delivery_id))
    outcome = webhooks.webhook_deliver(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)


@shared_task
def requeue_due_webhooks() -> int:
    """Periodic: send again every pending delivery whose message was lost."""
    delivery_ids = webhooks.due_delivery_ids()
    for delivery_id in delivery_ids:
        deliver_webhook.delay(str(delivery_id))
    return len(delivery_ids)
