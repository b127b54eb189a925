"""Group images queued by many worker processes into one CTyun call (up to 50 per call).

Every caller enqueues its job, then waits for its result. Whoever holds the account's leader
lock flushes: when ``max_items`` jobs are pending or the oldest has waited ``max_wait_ms``, it
claims up to ``max_items`` of them, releases the lock (so the next batch can form while this one
is in flight), makes the call, and writes each job's result back. Waiting is bounded: a caller
whose result does not arrive within ``timeout`` raises a TRANSIENT error (a leader that died).

Backends: a spool directory with ``flock`` (processes of one host; the quick start; waiters poll
every 10 ms) or Redis (every host). On Redis the account's list holds only ``"<queued_at> <job
id>"``; each job's payload (the image) is a key of its own, deleted when claimed or given up, so
checking whether a batch is due never moves an image. A claim attempt that finds nothing due
learns when the oldest job will be, and the waiters sleep until then instead of polling: blocked
in ``BLPOP`` on their result list (woken the moment the result is pushed) while the due time is
far, in a precise local sleep for the last ~100 ms (Redis checks blocking timeouts only ten
times a second). A full batch is claimed by the caller whose job filled it, at once; a leader
that leaves another full batch behind wakes one waiter to claim it.
Job payloads hold the image for at most the wait plus the call.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from ...provider import ErrorClass, OcrError
from .. import coordination

Flush = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]

# Redis wakes a blocked BLPOP up to this late after its timeout (it checks them at hz=10).
BLOCKING_TIMEOUT_SLACK = 0.11
# Longest sleep between two looks when no batch of this account is waiting (our job is in flight).
IDLE_WAIT = 1.0
SPOOL_POLL = 0.01


class BatchQueue:
    def __init__(self, key: str, *, max_items: int = 50, max_wait_ms: int = 200, url: str | None = None) -> None:
        self.key = key
        self.max_items = max(1, min(50, max_items))
        self.max_wait = max_wait_ms / 1000
        self.url = coordination.coordination_url() if url is None else url
        self.redis = coordination.redis_client(self.url) if coordination.is_redis(self.url) else None
        if self.redis is None:
            base = coordination.directory(self.url, "batches", coordination.safe_name(key))
            self.pending = base / "pending"
            self.done = base / "done"
            self.pending.mkdir(exist_ok=True)
            self.done.mkdir(exist_ok=True)
            self.lock_path = base / "leader.lock"
        # When this thread's last claim attempt found the oldest job due (seconds from then;
        # None: nothing queued, or a batch was just claimed). Per thread: one queue serves many.
        self._seen = threading.local()

    def submit(self, job: dict[str, Any], flush: Flush, *, timeout: float) -> dict[str, Any]:
        """Queue ``job`` (JSON-serialisable; ``image`` as bytes) and return its result."""
        job_id = uuid.uuid4().hex
        record = {**job, "id": job_id, "queued_at": time.time(),
                  "image": base64.b64encode(job["image"]).decode("ascii")}
        self._push(job_id, record, timeout=timeout)
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            self._lead(flush)
            result = self._result(job_id, wait=min(remaining, self._next_look()))
            if result is not None:
                return result
        self._discard(job_id)
        raise OcrError(ErrorClass.TRANSIENT, "The batched OCR call did not finish in time; the read will be retried.",
                       code="batch_timeout")

    def _next_look(self) -> float:
        """Seconds until this thread should try to claim again."""
        if self.redis is None:
            return SPOOL_POLL
        due_in = getattr(self._seen, "due_in", None)
        return IDLE_WAIT if due_in is None else max(0.0, due_in)

    # -- leadership -------------------------------------------------------------------------
    def _lead(self, flush: Flush) -> None:
        claimed = self._claim_if_due()
        if not claimed:
            return
        jobs = []
        for record in claimed:
            jobs.append({**record, "image": base64.b64decode(record["image"])})
        try:
            results = flush(jobs)
        except OcrError as exc:
            results = [error_result(exc)] * len(jobs)
        except Exception as exc:  # the leader must always answer every claimed job
            results = [error_result(OcrError(ErrorClass.UNKNOWN, "The batched OCR call failed.", code="batch_failed",
                                             vendor_message=type(exc).__name__))] * len(jobs)
        for record, result in zip(jobs, results, strict=True):
            self._answer(record["id"], result)

    def _claim_if_due(self) -> list[dict[str, Any]]:
        """The claimed jobs' records, oldest first, or [] when no batch is due (or another holds it)."""
        if self.redis is not None:
            return self._claim_redis()
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return []
            names = sorted(os.listdir(self.pending))
            names = [n for n in names if n.endswith(".json")]
            if not names:
                return []
            oldest = int(names[0].split("-", 1)[0]) / 1e9
            if len(names) < self.max_items and time.time() - oldest < self.max_wait:
                return []
            claimed = []
            for name in names[: self.max_items]:
                path = self.pending / name
                try:
                    claimed.append(json.loads(path.read_text()))
                    path.unlink()
                except (OSError, ValueError):
                    continue
            return claimed
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # KEYS[1]: the account's list of "<queued_at> <job id>", oldest first. ARGV: max items, max wait (s).
    # Returns {milliseconds until the oldest is due} (-1: nothing queued), or, having claimed,
    # {0, entries left queued, entry, entry, ...}.
    _CLAIM = """
    local first = redis.call('LINDEX', KEYS[1], 0)
    if not first then return {-1} end
    local n = redis.call('LLEN', KEYS[1])
    local oldest = tonumber(string.match(first, '^(%S+)'))
    local t = redis.call('TIME')
    local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
    local due_in = oldest + tonumber(ARGV[2]) - now
    if n < tonumber(ARGV[1]) and due_in > 0 then return {math.ceil(due_in * 1000)} end
    local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
    redis.call('LTRIM', KEYS[1], #items, -1)
    table.insert(items, 1, redis.call('LLEN', KEYS[1]))
    table.insert(items, 1, 0)
    return items
    """

    def _claim_redis(self) -> list[dict[str, Any]]:
        assert self.redis is not None
        status, *reply = self.redis.eval(self._CLAIM, 1, self._list_key(), self.max_items, self.max_wait)
        self._seen.due_in = int(status) / 1000 if int(status) > 0 else None
        if int(status) != 0:
            return []
        left, *entries = reply
        if int(left) >= self.max_items:
            # Another full batch is waiting, and this thread is busy with its call: wake one
            # waiter (they sleep until the due time they last saw) to claim it now.
            pipeline = self.redis.pipeline()
            pipeline.rpush(self._wake_key(), "1")
            pipeline.expire(self._wake_key(), 60)
            pipeline.execute()
        job_keys = [self._job_key(_text(entry).split(" ", 1)[1]) for entry in entries]
        pipeline = self.redis.pipeline()
        pipeline.mget(job_keys)
        pipeline.delete(*job_keys)
        payloads, _deleted = pipeline.execute()
        # A job whose caller gave up (timed out) has no payload any more: it is not sent.
        return [json.loads(payload) for payload in payloads if payload is not None]

    # -- storage ----------------------------------------------------------------------------
    def _list_key(self) -> str:
        return f"ocr:batch:{self.key}"

    @staticmethod
    def _job_key(job_id: str) -> str:
        return f"ocr:batch-job:{job_id}"

    def _wake_key(self) -> str:
        return f"ocr:batch-wake:{self.key}"

    @staticmethod
    def _result_key(job_id: str) -> str:
        return f"ocr:batch-result:{job_id}"

    def _push(self, job_id: str, record: dict[str, Any], *, timeout: float) -> None:
        data = json.dumps(record)
        if self.redis is not None:
            # queued_at uses this host's clock; Redis TIME decides due-ness: hosts must run NTP.
            pipeline = self.redis.pipeline()
            pipeline.set(self._job_key(job_id), data, ex=int(timeout) + 60)
            pipeline.rpush(self._list_key(), f"{record['queued_at']:.6f} {job_id}")
            pipeline.execute()
            return
        name = f"{time.time_ns():020d}-{job_id}.json"
        tmp = self.pending / f".{name}.tmp"
        tmp.write_text(data)
        os.replace(tmp, self.pending / name)

    def _answer(self, job_id: str, result: dict[str, Any]) -> None:
        data = json.dumps(result)
        if self.redis is not None:
            pipeline = self.redis.pipeline()
            pipeline.rpush(self._result_key(job_id), data)
            pipeline.expire(self._result_key(job_id), 300)
            pipeline.execute()
            return
        tmp = self.done / f".{job_id}.tmp"
        tmp.write_text(data)
        os.replace(tmp, self.done / f"{job_id}.json")

    def _result(self, job_id: str, *, wait: float) -> dict[str, Any] | None:
        """The job's result if it is there, waiting up to ``wait`` seconds for it."""
        if self.redis is not None:
            if wait > BLOCKING_TIMEOUT_SLACK:
                popped = self.redis.blpop([self._result_key(job_id), self._wake_key()],
                                          timeout=wait - BLOCKING_TIMEOUT_SLACK)
                data = popped[1] if popped and _text(popped[0]) == self._result_key(job_id) else None
            else:
                data = self.redis.lpop(self._result_key(job_id))
                if data is None and wait > 0:
                    time.sleep(min(wait, SPOOL_POLL * 2))
                    data = self.redis.lpop(self._result_key(job_id))
            return json.loads(data) if data else None
        path = self.done / f"{job_id}.json"
        try:
            data = path.read_text()
        except FileNotFoundError:
            time.sleep(wait)
            return None
        path.unlink(missing_ok=True)
        return json.loads(data)

    def _discard(self, job_id: str) -> None:
        if self.redis is not None:
            # Its list entry stays until claimed; with no payload it is skipped, never sent.
            self.redis.delete(self._job_key(job_id))
            return
        for name in os.listdir(self.pending):
            if job_id in name:
                (self.pending / name).unlink(missing_ok=True)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def error_result(exc: OcrError) -> dict[str, Any]:
    return {"error": {"error_class": str(exc.error_class), "message": exc.message, "code": exc.code,
                      "vendor_message": exc.vendor_message, "http_status": exc.http_status,
                      "retry_after": exc.retry_after, "vendor_request_id": exc.vendor_request_id}}


def raise_if_error(result: dict[str, Any]) -> dict[str, Any]:
    error = result.get("error")
    if error:
        raise OcrError(ErrorClass(error["error_class"]), error["message"], code=error.get("code", ""),
                       vendor_message=error.get("vendor_message", ""), http_status=error.get("http_status"),
                       retry_after=error.get("retry_after"), vendor_request_id=error.get("vendor_request_id"))
    return result
