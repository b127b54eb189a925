"""Readiness checks: can this process reach the database, the cache, the broker and the file store?

Each check answers "ok" or "unavailable" and nothing else: an exception's message may hold a host
name, a bucket or a URL with credentials, so only its class is logged and nothing of it is shown.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection

from kyc.ops import heartbeat

logger = logging.getLogger(__name__)

BROKER_CONNECT_TIMEOUT_SECONDS = 3


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"kyc:ops:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was just written")
    cache.delete(key)


def check_broker() -> None:
    from kyc.project.celery import app

    with app.connection_for_write(connect_timeout=BROKER_CONNECT_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_CONNECT_TIMEOUT_SECONDS)
        broker.default_channel  # noqa: B018 - opening a channel is what proves the broker answers


def check_storage() -> None:
    bucket = getattr(default_storage, "bucket", None)  # django-storages' S3: a boto3 Bucket
    if bucket is not None:
        # HEAD of the bucket, with the storage's own credentials and timeouts: a missing bucket or
        # refused credentials fail here, where a HEAD of a missing object would answer "absent".
        bucket.meta.client.head_bucket(Bucket=bucket.name)
        return
    # The folder appears with the first upload; creating it now is what that upload would do.
    location = Path(default_storage.location)
    location.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not os.access(location, os.W_OK | os.X_OK):
        raise OSError("the document folder is not writable")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def readiness() -> dict[str, str]:
    """Every dependency by name: "ok" or "unavailable"."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:
            logger.warning("readiness check %s failed (%s)", name, type(exc).__name__,
                           extra={"check": name, "error_class": type(exc).__name__})
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    return results


def worker_status() -> dict[str, object]:
    """Whether a worker wrote its heartbeat recently. Informational: web pods stay in rotation without workers."""
    try:
        age = heartbeat.seconds_since_last_beat()
    except Exception as exc:
        logger.warning("could not read the worker heartbeat", extra={"error_class": type(exc).__name__})
        return {"status": "unknown"}
    if age is None:
        return {"status": "unknown"}
    return {
        "status": "ok" if age <= heartbeat.HEARTBEAT_STALE_SECONDS else "stale",
        "last_heartbeat_seconds_ago": round(age, 1),
    }
