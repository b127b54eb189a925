"""Group images queued by many worker processes into one CTyun call (up to 50 per call).

Every caller enqueues its job, then waits for its result. Whoever holds the account's leader
lock flushes: when ``max_items`` jobs are pending or the oldest has waited ``max_wait_ms``, it
claims up to ``max_items`` of them, releases the lock (so the next batch can form while this one
is in flight), makes the call, and writes each job's result back. Waiting is bounded: a caller
whose result does not arrive within ``timeout`` raises a TRANSIENT error (a leader that died).

Backends: a spool directory with ``flock`` (processes of one host; the quick start) or Redis
(a list per account, ``SET NX PX`` for the lock, one result key per job; every host).
Job payloads hold the image for at most the wait plus the call, and are deleted when claimed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from ...provider import ErrorClass, OcrError
from .. import coordination

Flush = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


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

    def submit(self, job: dict[str, Any], flush: Flush, *, timeout: float) -> dict[str, Any]:
        """Queue ``job`` (JSON-serialisable; ``image`` as bytes) and return its result."""
        job_id = uuid.uuid4().hex
        record = {**job, "id": job_id, "queued_at": time.time(),
                  "image": base64.b64encode(job["image"]).decode("ascii")}
        self._push(job_id, record)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self._result(job_id)
            if result is not None:
                return result
            self._lead(flush)
            result = self._result(job_id)
            if result is not None:
                return result
            time.sleep(0.01)
        self._discard(job_id)
        raise OcrError(ErrorClass.TRANSIENT, "The batched OCR call did not finish in time; the read will be retried.",
                       code="batch_timeout")

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

    _CLAIM = """
    local first = redis.call('LINDEX', KEYS[1], 0)
    if not first then return {} end
    local n = redis.call('LLEN', KEYS[1])
    local oldest = tonumber(cjson.decode(first)['queued_at'])
    local t = redis.call('TIME')
    local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
    if n < tonumber(ARGV[1]) and now - oldest < tonumber(ARGV[2]) then return {} end
    local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
    redis.call('LTRIM', KEYS[1], #items, -1)
    return items
    """

    def _claim_redis(self) -> list[dict[str, Any]]:
        assert self.redis is not None
        items = self.redis.eval(self._CLAIM, 1, f"ocr:batch:{self.key}", self.max_items, self.max_wait)
        return [json.loads(item) for item in items]

    # -- storage ----------------------------------------------------------------------------
    def _push(self, job_id: str, record: dict[str, Any]) -> None:
        data = json.dumps(record)
        if self.redis is not None:
            # queued_at uses this host's clock; Redis TIME decides due-ness: hosts must run NTP.
            self.redis.rpush(f"ocr:batch:{self.key}", data)
            return
        name = f"{time.time_ns():020d}-{job_id}.json"
        tmp = self.pending / f".{name}.tmp"
        tmp.write_text(data)
        os.replace(tmp, self.pending / name)

    def _answer(self, job_id: str, result: dict[str, Any]) -> None:
        data = json.dumps(result)
        if self.redis is not None:
            self.redis.set(f"ocr:batch-result:{job_id}", data, ex=300)
            return
        tmp = self.done / f".{job_id}.tmp"
        tmp.write_text(data)
        os.replace(tmp, self.done / f"{job_id}.json")

    def _result(self, job_id: str) -> dict[str, Any] | None:
        if self.redis is not None:
            data = self.redis.getdel(f"ocr:batch-result:{job_id}")
            return json.loads(data) if data else None
        path = self.done / f"{job_id}.json"
        try:
            data = path.read_text()
        except FileNotFoundError:
            return None
        path.unlink(missing_ok=True)
        return json.loads(data)

    def _discard(self, job_id: str) -> None:
        if self.redis is not None:
            return  # a late result expires by itself; an unclaimed job is answered and dropped
        for name in os.listdir(self.pending):
            if job_id in name:
                (self.pending / name).unlink(missing_ok=True)


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
