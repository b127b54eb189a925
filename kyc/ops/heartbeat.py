"""Worker liveness through the shared cache: every worker writes the time now and then; /readyz and
/metrics read it.

One key for all workers: the question an operator asks is "is any worker consuming?", and a key per
worker would need a list of workers that the cache cannot enumerate.
"""

from __future__ import annotations

import logging
import time

from celery import bootsteps
from django.core.cache import cache

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "kyc:ops:worker-heartbeat"
HEARTBEAT_INTERVAL_SECONDS = 10.0
# A heartbeat older than this (three missed beats) means no worker is alive.
HEARTBEAT_STALE_SECONDS = 3 * HEARTBEAT_INTERVAL_SECONDS


def beat() -> None:
    """Record that a worker is alive now. A cache outage is logged, never fatal to the worker."""
    try:
        cache.set(HEARTBEAT_KEY, time.time(), timeout=None)
    except Exception as exc:
        logger.warning("could not write the worker heartbeat (%s)", type(exc).__name__)


def seconds_since_last_beat() -> float | None:
    """Seconds since any worker last wrote its heartbeat; None when none ever has (or it expired)."""
    written = cache.get(HEARTBEAT_KEY)
    if written is None:
        return None
    return max(time.time() - float(written), 0.0)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker bootstep: beats on the worker's own timer, in the main process, while it consumes."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        beat()
        self.timer_entry = worker.timer.call_repeatedly(HEARTBEAT_INTERVAL_SECONDS, beat, priority=10)

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None
