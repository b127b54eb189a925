"""Where worker processes coordinate: Redis in production, a directory on the quick start.

``settings.OCR_VENDOR_COORDINATION_URL`` is either ``redis://...`` or a filesystem path. Both
rate limits and the CTyun batch queue use it, so every worker process on the host (file) or on
every host (Redis) shares one budget and one queue per vendor account.
"""

from __future__ import annotations

import functools
import hashlib
import re
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
