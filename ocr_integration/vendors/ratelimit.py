"""Per-vendor-account request rate limits shared by every worker process.

A reservation scheduler (GCRA): the shared state is the earliest time the next request may
start. Each caller atomically takes the next slot and moves that time on by ``1/qps``, then
sleeps until its slot. Requests therefore leave evenly spaced, so a vendor's own one-second
window never sees more than ``qps`` of ours, whatever the number of processes.

Backends: a Lua script on Redis (atomic across hosts, Redis's clock), or an ``flock``-ed file
per account (atomic across the processes of one host) when no Redis is configured.
A throttle answer that comes anyway pushes the account's next slot past ``Retry-After`` for
every process (``penalize``).
"""

from __future__ import annotations

import fcntl
import os
import struct
import time
from dataclasses import dataclass

from ..provider import ErrorClass, OcrError
from . import coordination

_RESERVE = """
local interval = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local penalty = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if penalty > 0 then
  nxt = math.max(nxt, now + penalty)
  redis.call('SET', KEYS[1], string.format('%.6f', nxt), 'PX', math.ceil((nxt - now) * 1000) + 60000)
  return '0'
end
local slot = math.max(now, nxt)
local wait = slot - now
if wait > max_wait then
  return string.format('-%.6f', wait)
end
local after = slot + interval
redis.call('SET', KEYS[1], string.format('%.6f', after), 'PX', math.ceil((after - now) * 1000) + 60000)
return string.format('%.6f', wait)
"""


@dataclass(frozen=True)
class Reservation:
    waited: float


class RateLimiter:
    def __init__(self, url: str | None = None) -> None:
        self.url = coordination.coordination_url() if url is None else url

    # -- public -------------------------------------------------------------------------------
    def acquire(self, key: str, qps: float, *, max_wait: float = 60.0) -> Reservation:
        """Wait for this process's turn on ``key``; raise THROTTLED rather than wait > max_wait."""
        if qps <= 0:
            return Reservation(0.0)
        wait = self._reserve(key, 1.0 / qps, max_wait)
        if wait < 0:
            raise OcrError(
                ErrorClass.THROTTLED,
                "Too many reads are queued for this OCR account; the read will be retried.",
                code="local_rate_limit",
                retry_after=-wait,
            )
        if wait > 0:
            time.sleep(wait)
        return Reservation(wait)

    def penalize(self, key: str, seconds: float) -> None:
        """No process may start a request on ``key`` for ``seconds`` (a vendor said Retry-After)."""
        if seconds > 0:
            self._reserve(key, 0.0, 0.0, penalty=seconds)

    # -- backends -----------------------------------------------------------------------------
    def _reserve(self, key: str, interval: float, max_wait: float, penalty: float = 0.0) -> float:
        if coordination.is_redis(self.url):
            client = coordination.redis_client(self.url)
            result = client.eval(_RESERVE, 1, f"ocr:rate:{key}", interval, max_wait, penalty)
            return float(result)
        return self._reserve_file(key, interval, max_wait, penalty)

    def _reserve_file(self, key: str, interval: float, max_wait: float, penalty: float) -> float:
        path = coordination.directory(self.url, "ratelimit") / coordination.safe_name(key)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.pread(fd, 8, 0)
            nxt = struct.unpack("<d", raw)[0] if len(raw) == 8 else 0.0
            now = time.time()
            if penalty > 0:
                os.pwrite(fd, struct.pack("<d", max(nxt, now + penalty)), 0)
                return 0.0
            slot = max(now, nxt)
            wait = slot - now
            if wait > max_wait:
                return -wait
            os.pwrite(fd, struct.pack("<d", slot + interval), 0)
            return wait
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def limiter() -> RateLimiter:
    return RateLimiter()
