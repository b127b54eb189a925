"""Where worker processes coordinate: Redis in production, a directory on the quick start.

``settings.OCR_VENDOR_COORDINATION_URL`` is either ``redis://...`` or a filesystem path. The rate
limits and the Huawei token lock use it, so every worker process on the host (file) or on every
host (Redis) shares one budget per vendor account. (CTyun's batches need none of it: they are
claimed from the database.)
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings


def coordination_url() -> str:
    return str(getattr(settings, "OCR_VENDOR_COORDINATION_URL", "") or "")


def is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


@functools.cache
def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)


def directory(url: str, *parts: str) -> Path:
    base = Path(url.removeprefix("file://")) if url else Path(settings.DATA_DIR) / "ocr-vendors"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def safe_name(key: str) -> str:
    """A file name for an account key (keys hold no secrets, but may hold ``:`` and ``/``)."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", key)[:60]
    return f"{readable}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


@contextlib.contextmanager
def cross_process_lock(name: str, *, timeout: float = 20.0) -> Iterator[bool]:
    """Hold a lock shared by every worker process (Redis: every host). Yields whether it was won
    within ``timeout``: a caller that did not win may go ahead without it rather than fail.

    A cache ``add`` is not a lock on the file cache (its add is check-then-set); this is.
    """
    url = coordination_url()
    if is_redis(url):
        import redis.exceptions

        lock = redis_client(url).lock(f"ocr:lock:{safe_name(name)}", timeout=timeout, blocking_timeout=timeout)
        acquired = bool(lock.acquire())
        try:
            yield acquired
        finally:
            if acquired:
                with contextlib.suppress(redis.exceptions.LockError):
                    lock.release()
        return
    path = directory(url, "locks") / f"{safe_name(name)}.lock"
    with open(path, "a+") as handle:
        deadline = time.monotonic() + timeout
        acquired = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                acquired = True
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        try:
            yield acquired
        finally:
            if acquired:
                fcntl.flock(handle, fcntl.LOCK_UN)
