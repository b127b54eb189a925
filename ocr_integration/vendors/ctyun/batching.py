"""Group images queued by many worker processes into one CTyun call (up to 50 per call).

Every caller enqueues its job, then waits for its result. Whoever holds the account's leader
lock flushes: when ``max_items`` jobs are pending or the oldest has waited ``max_wait_ms``, it
claims up to ``max_items`` of them, releases the lock (so the next batch can form while this one
is in flight), makes the call, and writes each job's result back. Waiting is bounded: a caller
whose result does not arrive within ``timeout`` raises a TRANSIENT error (a leader that died).

Backends: a spool directory with ``flock`` (processes of one host; the quick start; waiters poll
every 10 ms) or Redis (every host). On Redis the account's list holds only ``"<queued_at> <job
id>"``; each job's payload (the image) is a key of its own, deleted when claimed or given up, so
checking whether a batch is due never moves an image. Every claim attempt, whether it claimed a
batch or not, learns when the oldest job still queued will be due, and the waiters sleep until
then (but never longer than ``IDLE_WAIT``) instead of polling: blocked in ``BLPOP`` on their
result list (woken the moment the result is pushed) while the due time is far, in short local
sleeps for the last ~110 ms (Redis checks blocking timeouts only ten times a second). A full
batch is claimed by the caller whose job filled it, at once; a leader that leaves a due batch
behind wakes one waiter to claim it.

A caller that gives up (its timeout, or an error) deletes its job. If no leader has fetched the
job yet, it is never sent; if its batch was already claimed, the call goes ahead and the result
expires unread. Job payloads hold the image for at most the wait plus the call.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import math
import os
import re
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
# Longest sleep between two looks: when no batch of this account is waiting (our job is in
# flight), and a bound on a due time that a host's clock may have got wrong.
IDLE_WAIT = 1.0
SPOOL_POLL = 0.01
# How long the account's list outlives its last push, beyond that caller's timeout: a list
# entry matters only while its caller waits, and callers of one account share a timeout (it
# derives from the account's settings); the margin covers callers whose settings give a timeout
# up to this much longer than the last pusher's (a settings change rolling out).
LIST_TTL_MARGIN = 300
# "<queued_at> <job id>": what ``_push`` writes. Anything else in the list (another release's
# format) has no payload of ours: it is claimed and dropped, never decoded.
_ENTRY = re.compile(r"\S+ ([0-9a-f]{32})")


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
        # ``due_at``: when (time.monotonic()) this thread's last claim attempt found the oldest
        # queued job due; None: nothing queued. Monotonic rather than "seconds from the look", as
        # a leader looks before its call and sleeps after it. Per thread: one queue serves many.
        self._seen = threading.local()

    def submit(self, job: dict[str, Any], flush: Flush, *, timeout: float) -> dict[str, Any]:
        """Queue ``job`` (JSON-serialisable; ``image`` as bytes) and return its result."""
        job_id = uuid.uuid4().hex
        record = {**job, "id": job_id, "queued_at": time.time(),
                  "image": base64.b64encode(job["image"]).decode("ascii")}
        try:
            self._push(job_id, record, timeout=timeout)
            result = self._wait_for_result(job_id, flush, timeout=timeout)
        except BaseException:
            # Redis failed, or the worker is stopping: take the image back now rather than leave
            # it until its key expires. The error that got us here is the one to raise.
            self._withdraw(job_id)
            raise
        if result is None:
            self._withdraw(job_id)
            raise OcrError(ErrorClass.TRANSIENT, "The batched OCR call did not finish in time; the read will be retried.",
                           code="batch_timeout")
        return result

    def _wait_for_result(self, job_id: str, flush: Flush, *, timeout: float) -> dict[str, Any] | None:
        """The job's result, leading whichever batch is due meanwhile; None after ``timeout``."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            self._lead(flush)
            result = self._result(job_id, wait=min(remaining, self._next_look()))
            if result is not None:
                return result
        return None

    def _next_look(self) -> float:
        """Seconds until this thread should try to claim again (at most ``IDLE_WAIT``)."""
        if self.redis is None:
            return SPOOL_POLL
        due_at = getattr(self._seen, "due_at", None)
        return IDLE_WAIT if due_at is None else min(IDLE_WAIT, max(0.0, due_at - time.monotonic()))

    def _note_due(self, due_ms: int) -> None:
        self._seen.due_at = None if due_ms < 0 else time.monotonic() + due_ms / 1000

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
    # Returns {claimed (1 or 0), milliseconds until the head of the list left behind is due (0:
    # due now, -1: list empty), claimed entry, claimed entry, ...}.
    # A head that is not "<number> ..." (another release's format) counts as due, so it is
    # claimed and dropped instead of failing every claim. So does one due more than a batch wait
    # later than it can be (queued by a host whose clock is ahead), which would otherwise hold
    # the whole queue until it fills.
    _CLAIM = """
    local max_items, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2])
    local t = redis.call('TIME')
    local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
    local function head_due_ms()
        local n = redis.call('LLEN', KEYS[1])
        if n == 0 then return -1 end
        if n >= max_items then return 0 end
        local oldest = tonumber(string.match(redis.call('LINDEX', KEYS[1], 0), '^(%S+) '))
        if not oldest then return 0 end
        local due_in = oldest + max_wait - now
        if due_in <= 0 or due_in > 2 * max_wait then return 0 end
        return math.ceil(due_in * 1000)
    end
    local due = head_due_ms()
    if due ~= 0 then return {0, due} end
    local items = redis.call('LRANGE', KEYS[1], 0, max_items - 1)
    redis.call('LTRIM', KEYS[1], #items, -1)
    table.insert(items, 1, head_due_ms())
    table.insert(items, 1, 1)
    return items
    """

    def _claim_redis(self) -> list[dict[str, Any]]:
        assert self.redis is not None
        claimed, due_ms, *entries = self.redis.eval(self._CLAIM, 1, self._list_key(), self.max_items,
                                                    self.max_wait)
        # Set after a claim too: the jobs left behind (this thread's own, when more than a batch
        # was queued ahead of it) are due at the new head's time, not after an idle wait.
        self._note_due(int(due_ms))
        if not int(claimed):
            return []
        if int(due_ms) == 0:
            # Another batch is due, and this thread is busy with its call: wake one waiter
            # (they sleep until the due time they last saw) to claim it now.
            self._push_expiring(self._wake_key(), "1", seconds=60)
        job_ids = [match[1] for entry in entries if (match := _ENTRY.fullmatch(_text(entry)))]
        if not job_ids:
            return []
        job_keys = [self._job_key(job_id) for job_id in job_ids]
        pipeline = self.redis.pipeline()
        pipeline.mget(job_keys)
        pipeline.delete(*job_keys)
        payloads, _deleted = pipeline.execute()
        # A job whose caller gave up before this fetch has no payload any more: it is not sent.
        return [json.loads(payload) for payload in payloads if payload is not None]

    # -- storage ----------------------------------------------------------------------------
    # "batch2": the previous release kept JSON records (images included) in ``ocr:batch:<key>``
    # and string results in ``ocr:batch-result:<id>``. Its workers and ours, side by side during
    # a rolling deploy, must not read each other's keys (a script error on every claim, WRONGTYPE
    # on results); each release drains its own.
    def _list_key(self) -> str:
        return f"ocr:batch2:{self.key}"

    @staticmethod
    def _job_key(job_id: str) -> str:
        return f"ocr:batch2-job:{job_id}"

    def _wake_key(self) -> str:
        return f"ocr:batch2-wake:{self.key}"

    @staticmethod
    def _result_key(job_id: str) -> str:
        return f"ocr:batch2-result:{job_id}"

    def _push(self, job_id: str, record: dict[str, Any], *, timeout: float) -> None:
        data = json.dumps(record)
        if self.redis is not None:
            # queued_at uses this host's clock; Redis TIME decides due-ness: hosts must run NTP.
            pipeline = self.redis.pipeline()
            pipeline.set(self._job_key(job_id), data, ex=int(timeout) + 60)
            pipeline.rpush(self._list_key(), f"{record['queued_at']:.6f} {job_id}")
            # Entries of callers that gave up stay until claimed; an account nobody uses any
            # more would keep them for ever.
            pipeline.expire(self._list_key(), math.ceil(timeout) + LIST_TTL_MARGIN)
            pipeline.execute()
            return
        name = f"{time.time_ns():020d}-{job_id}.json"
        tmp = self.pending / f".{name}.tmp"
        tmp.write_text(data)
        os.replace(tmp, self.pending / name)

    def _answer(self, job_id: str, result: dict[str, Any]) -> None:
        data = json.dumps(result)
        if self.redis is not None:
            self._push_expiring(self._result_key(job_id), data, seconds=300)
            return
        tmp = self.done / f".{job_id}.tmp"
        tmp.write_text(data)
        os.replace(tmp, self.done / f"{job_id}.json")

    def _push_expiring(self, key: str, value: str, *, seconds: int) -> None:
        """Append to a Redis list that goes away ``seconds`` after its last push, unread or not."""
        pipeline = self.redis.pipeline()
        pipeline.rpush(key, value)
        pipeline.expire(key, seconds)
        pipeline.execute()

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

    def _withdraw(self, job_id: str) -> None:
        """Discard the job if it is still queued, as well as can be: called on the way out of
        ``submit``, whose own error (or timeout) is the one to report."""
        with contextlib.suppress(Exception):
            self._discard(job_id)

    def _discard(self, job_id: str) -> None:
        if self.redis is not None:
            # Its list entry stays until claimed; a leader that claims it later finds no payload
            # and sends nothing. (One that fetched the payload before this sends it anyway.)
            self.redis.delete(self._job_key(job_id))
            return
        for name in os.listdir(self.pending):
            if job_id in name:
                (self.pending / name).unlink(missing_ok=True)


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


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
