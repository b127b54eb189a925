"""The product's Prometheus metrics, computed from the database at each scrape.

Computed at scrape time rather than counted in process memory: gunicorn runs several processes and
workers run on several machines, and a scrape answered by any one of them must give the same,
whole answer. A handful of grouped queries per scrape (every 15-60 s) costs the database little.
Counts only: no label carries a name, a number or any other personal value.
"""

from __future__ import annotations

import logging
import statistics
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import generate_latest

from kyc.domain.workflow import CaseState
from kyc.models import Case, Decision, Document
from kyc.ops import heartbeat
from kyc.services import hooks

logger = logging.getLogger(__name__)

TIME_TO_DECISION_WINDOW = timedelta(hours=24)
BROKER_TIMEOUT_SECONDS = 3
TIME_TO_DECISION_QUANTILES = (0.5, 0.95)


def _cases_per_state() -> GaugeMetricFamily:
    family = GaugeMetricFamily("kyc_cases", "Cases in each state.", labels=["state"])
    counts = dict(Case.objects.order_by().values_list("state").annotate(n=Count("id")))
    for state in CaseState:  # every state, zeros included, so an alert on absence never misfires
        family.add_metric([state.value], counts.get(state.value, 0))
    return family


def _reads_waiting() -> list[GaugeMetricFamily]:
    # A draft's documents are pending too, but nobody has asked for them to be read yet.
    waiting = Document.objects.filter(
        is_current=True,
        read_state__in=[Document.ReadState.PENDING, Document.ReadState.READING],
        case__state__in=[CaseState.SUBMITTED, CaseState.PROCESSING],
    )
    counts = dict(waiting.order_by().values_list("read_state").annotate(n=Count("id")))
    family = GaugeMetricFamily("kyc_reads_waiting", "Documents waiting to be read, by read state.", labels=["read_state"])
    for read_state in (Document.ReadState.PENDING, Document.ReadState.READING):
        family.add_metric([read_state.value], counts.get(read_state.value, 0))
    oldest = waiting.aggregate(oldest=Min("case__submitted_at"))["oldest"]
    age = GaugeMetricFamily(
        "kyc_reads_oldest_wait_seconds", "Seconds since the submission of the case of the longest-waiting read (0 when none waits)."
    )
    age.add_metric([], max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0)
    return [family, age]


def _vendor_calls() -> CounterMetricFamily:
    from ocr_integration import services as ocr

    family = CounterMetricFamily(
        "kyc_vendor_calls", "OCR vendor calls recorded, by vendor and outcome (success, or the error class).",
        labels=["vendor", "outcome"],
    )
    for vendor, outcome, n in ocr.attempt_counts():
        family.add_metric([vendor, outcome], n)
    return family


def _time_to_decision() -> list[GaugeMetricFamily]:
    since = timezone.now() - TIME_TO_DECISION_WINDOW
    seconds = sorted(
        max((decided - submitted).total_seconds(), 0.0)
        for decided, submitted in Decision.objects.filter(
            status=Decision.Status.FINAL, created_at__gte=since, case__submitted_at__isnull=False
        ).values_list("created_at", "case__submitted_at")[:100_000]
    )
    family = GaugeMetricFamily(
        "kyc_time_to_decision_seconds",
        "Seconds from submission to final decision, over the decisions of the last 24 hours.",
        labels=["quantile"],
    )
    if len(seconds) >= 2:
        cuts = statistics.quantiles(seconds, n=100, method="inclusive")
        for quantile in TIME_TO_DECISION_QUANTILES:
            family.add_metric([str(quantile)], cuts[round(quantile * 100) - 1])
    elif seconds:
        for quantile in TIME_TO_DECISION_QUANTILES:
            family.add_metric([str(quantile)], seconds[0])
    count = GaugeMetricFamily("kyc_decisions_last_24h", "Final decisions made in the last 24 hours.")
    count.add_metric([], len(seconds))
    return [family, count]


def _worker_heartbeat() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "kyc_worker_heartbeat_age_seconds", "Seconds since any Celery worker last wrote its heartbeat (absent: never)."
    )
    age = heartbeat.seconds_since_last_beat()
    if age is not None:
        family.add_metric([], age)
    return family


def _broker_queue() -> list[GaugeMetricFamily]:
    """Messages waiting in the task queue (not yet taken by a worker), and whether the broker answers."""
    from kyc.project.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    depth = GaugeMetricFamily(
        "kyc_broker_queue_messages", "Task messages waiting on the broker, not yet taken by a worker.", labels=["queue"]
    )
    reachable = GaugeMetricFamily("kyc_broker_reachable", "1 when the broker answered this scrape, else 0.")
    try:
        with app.connection_for_read(connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
            try:
                _, messages, _ = connection.default_channel.queue_declare(queue=queue, passive=True)
            except connection.channel_errors:
                messages = 0  # no worker or publisher has declared the queue yet: nothing waits in it
    except Exception as exc:
        logger.warning("metrics: the broker did not answer (%s)", type(exc).__name__, extra={"error_class": type(exc).__name__})
        reachable.add_metric([], 0)
        return [depth, reachable]
    depth.add_metric([queue], messages)
    reachable.add_metric([], 1)
    return [depth, reachable]


class ProductCollector:
    def collect(self):
        yield _cases_per_state()
        yield from _reads_waiting()
        yield _vendor_calls()
        yield from hooks.metric_families()  # the outer apps' own (the API's webhook backlog)
        yield from _time_to_decision()
        yield _worker_heartbeat()
        yield from _broker_queue()


def render() -> bytes:
    """The metrics in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ProductCollector())
    return generate_latest(registry)
