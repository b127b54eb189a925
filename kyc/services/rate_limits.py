"""Fixed-window request counters in the database, counted atomically.

A read-then-write counter (DRF's throttle history in the cache, a get and a set) lets every
request of a burst read the same count; one upsert statement cannot. The database is the one
store every web process shares in every configuration (the cache may be per-host files), and
both SQLite (3.35+) and PostgreSQL speak ``ON CONFLICT ... RETURNING``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection

from kyc.models import RateCounter


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    hits: int
    retry_after_seconds: int


def rate_limit_hit(*, key: str, limit: int, window_seconds: int, now: float | None = None) -> RateDecision:
    """Count one request for ``key`` in the current window; allowed while the count is within ``limit``."""
    now = time.time() if now is None else now
    window_start = int(now) // window_seconds * window_seconds
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, hits) VALUES (%s, %s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (key) DO UPDATE SET "
            f"hits = CASE WHEN {table}.window_start = excluded.window_start THEN {table}.hits + 1 ELSE 1 END, "
            f"window_start = excluded.window_start "
            f"RETURNING hits",
            [key, window_start],
        )
        hits = cursor.fetchone()[0]
    return RateDecision(
        allowed=hits <= limit, hits=hits, retry_after_seconds=max(1, window_start + window_seconds - int(now)),
    )


def rate_counters_purge(*, older_than_seconds: int = 86400, now: float | None = None) -> int:
    """Delete counters whose window ended long ago (keys of integrators gone quiet)."""
    now = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(window_start__lt=int(now) - older_than_seconds).delete()
    return deleted


def _window_hits(key: str, window_start: int) -> int:
    row = RateCounter.objects.filter(key=key, window_start=window_start).values_list("hits", flat=True).first()
    return row or 0


def sliding_window_count(*, key: str, limit: int, window_seconds: int, count: bool, now: float | None = None) -> RateDecision:
    """A sliding window over the last ``window_seconds``: the current fixed window's hits plus the
    previous window's, weighted by how much of it the sliding window still covers (the "sliding
    window counter" of Cloudflare's limiter, exact enough and two rows per key). No reset on the hour
    lets a burst at 10:59 and another at 11:00 through.

    ``count=True`` counts one event first (call it inside the transaction that creates the thing,
    so that a refusal or a failure rolls the count back too); ``count=False`` only looks.
    """
    now = time.time() if now is None else now
    window_start = int(now) // window_seconds * window_seconds
    current_key = f"{key}@{window_start}"
    if count:
        current = rate_limit_hit(key=current_key, limit=limit, window_seconds=window_seconds, now=now).hits
    else:
        current = _window_hits(current_key, window_start)
    previous = _window_hits(f"{key}@{window_start - window_seconds}", window_start - window_seconds)
    covered = 1 - (now - window_start) / window_seconds
    estimate = current + previous * covered
    # Room for this event (already counted when count=True) and for one more when only looking.
    room = limit if count else limit - 1
    allowed = estimate <= room
    # When the estimate will have fallen back within the room, as the previous window slides out.
    elapsed = now - window_start
    if current <= room:
        retry = window_seconds * (1 - (room - current) / previous) - elapsed if previous else 0
    else:  # only once this window has become the previous one and slid out far enough
        retry = window_seconds - elapsed + window_seconds * (1 - room / current)
    return RateDecision(allowed=allowed, hits=round(estimate), retry_after_seconds=max(1, int(retry) + 1))
