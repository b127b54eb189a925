"""Per-vendor-account request rate limits shared by every worker process, applied at send time.

# Reference: vendor-docs/002 §5.3 FAQ (CTyun: 5 QPS per account by default; "do not retry" when
# an error comes back after raising concurrency); vendor-docs/001 §4.2 APIG.0308 (throttling).

The shared state is the earliest time the next request may be *sent*. A caller asks to send
only once its request is built and signed (``acquire`` sits right before the HTTP call): if that
time has come, it moves it on by ``(1 + margin) / qps`` and sends at once; otherwise it sleeps
until then and asks again. Nothing is reserved ahead, so a caller that is slow between its
turn and its send (a reservation scheduler's weakness: the vendor saw 5.09-5.20 requests in a
second at 5 QPS) cannot push two sends closer than the interval. The margin (10 % by default)
absorbs what is left: the microseconds between the stamp and the socket write, and network
jitter of up to ``margin * window`` (100 ms at any QPS) before one second holds more than ``qps``.

Backends: a Lua script on Redis (atomic across hosts; Redis's clock), or an ``flock``-ed file per
account (atomic across the processes of one host). A throttle answer that comes anyway pushes
the account's next send past ``Retry-After`` for every process (``penalize``). The clock and
the sleep are injectable, so the limiter is tested deterministically.
"""

from __future__ import annotations

import fcntl
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..provider import ErrorClass, OcrError
from . import coordination

SEND_MARGIN = 0.10

_ADMIT = """
local interval = tonumber(ARGV[1])
local penalty = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if penalty > 0 then
  nxt = math.max(nxt, now + penalty)
  redis.call('SET', KEYS[1], string.format('%.6f', nxt), 'PX', math.ceil((nxt - now) * 1000) + 60000)
  return '0'
end
-- the state is kept to the microsecond: a shorter wait is no wait (and must stamp, not return '0')
if nxt - now >= 0.000001 then
  return string.format('%.6f', nxt - now)
end
local after = now + interval
redis.call('SET', KEYS[1], string.format('%.6f', after), 'PX', math.ceil((after - now) * 1000) + 60000)
return '0'
"""


@dataclass(frozen=True)
class Admission:
    """A send allowed now. ``waited``: seconds spent queueing for it (> 0: the account is at its
    limit, which the CTyun client reads as "under load")."""

    waited: float

    @property
    def under_load(self) -> bool:
        return self.waited > 0


class RateLimiter:
    def __init__(self, url: str | None = None, *, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None, margin: float = SEND_MARGIN) -> None:
        self.url = coordination.coordination_url() if url is None else url
        self._injected_clock = clock is not None
        self.clock = clock or time.time
        self.sleep = sleep or time.sleep
        self.margin = margin

    # -- public -------------------------------------------------------------------------------
    def interval(self, qps: float) -> float:
        return (1.0 + self.margin) / qps

    def acquire(self, key: str, qps: float, *, max_wait: float = 60.0) -> Admission:
        """Return when this process may send one request on ``key`` now (call it right before
        the send); raise THROTTLED rather than wait more than ``max_wait`` seconds in all."""
        if qps <= 0:
            return Admission(0.0)
        interval = self.interval(qps)
        waited = 0.0
        while True:
            wait = self._admit(key, interval)
            if wait <= 0:
                return Admission(waited)
            if waited + wait > max_wait:
                raise OcrError(
                    ErrorClass.THROTTLED,
                    "Too many reads are queued for this OCR account; the read will be retried.",
                    code="local_rate_limit",
                    retry_after=wait,
                )
            self.sleep(wait)
            waited += wait

    def penalize(self, key: str, seconds: float) -> None:
        """No process may send on ``key`` for ``seconds`` (a vendor said Retry-After, or throttled)."""
        if seconds > 0:
            self._admit(key, 0.0, penalty=seconds)

    # -- backends -----------------------------------------------------------------------------
    def _admit(self, key: str, interval: float, penalty: float = 0.0) -> float:
        """0 when a send is admitted (and stamped) now, else the seconds until the next chance."""
        if coordination.is_redis(self.url):
            client = coordination.redis_client(self.url)
            now = self.clock() if self._injected_clock else -1.0
            return float(client.eval(_ADMIT, 1, f"ocr:rate:{key}", interval, penalty, now))
        return self._admit_file(key, interval, penalty)

    def _admit_file(self, key: str, interval: float, penalty: float) -> float:
        path = coordination.directory(self.url, "ratelimit") / coordination.safe_name(key)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.pread(fd, 8, 0)
            nxt = struct.unpack("<d", raw)[0] if len(raw) == 8 else 0.0
            now = self.clock()
            if penalty > 0:
                os.pwrite(fd, struct.pack("<d", max(nxt, now + penalty)), 0)
                return 0.0
            if now < nxt:
                return nxt - now
            os.pwrite(fd, struct.pack("<d", now + interval), 0)
            return 0.0
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def limiter() -> RateLimiter:
    return RateLimiter()
