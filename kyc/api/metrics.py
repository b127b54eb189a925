"""The API app's Prometheus metrics, registered with kyc.services.hooks and scraped with the
product's own (kyc.ops.metrics)."""

from __future__ import annotations

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from kyc.api.models import WebhookDelivery


def webhook_backlog() -> list[GaugeMetricFamily]:
    pending = WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING)
    figures = pending.aggregate(n=Count("id"), oldest=Min("created_at"))
    backlog = GaugeMetricFamily("kyc_webhook_backlog", "Webhook deliveries not yet delivered nor given up.")
    backlog.add_metric([], figures["n"])
    oldest = GaugeMetricFamily("kyc_webhook_oldest_pending_seconds", "Age of the oldest pending webhook delivery (0 when none).")
    oldest.add_metric([], max((timezone.now() - figures["oldest"]).total_seconds(), 0.0) if figures["oldest"] else 0.0)
    failed = GaugeMetricFamily("kyc_webhook_failed", "Webhook deliveries given up after every attempt.")
    failed.add_metric([], WebhookDelivery.objects.filter(state=WebhookDelivery.State.FAILED).count())
    return [backlog, oldest, failed]
