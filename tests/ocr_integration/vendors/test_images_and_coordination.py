"""Image preparation to each API's limits; rate limiter and batch queue on Redis (a real
redis-server on loopback) as well as on the file backend."""

from __future__ import annotations

import base64
import io
import json
import random
import shutil
import socket
import subprocess
import threading
import time
import uuid

import pytest
from PIL import Image

from ocr_integration.provider import ErrorClass, OcrError
from ocr_integration.vendors import images
from ocr_integration.vendors.ctyun.batching import IDLE_WAIT, BatchQueue
from ocr_integration.vendors.ratelimit import RateLimiter


def encoded(width, height, fmt="PNG", mode="RGB", **save):
    out = io.BytesIO()
    Image.new(mode, (width, height), "white").save(out, fmt, **save)
    return out.getvalue()


def test_image_within_limits_is_sent_unchanged():
    data = encoded(800, 600, "JPEG")
    prepared = images.prepare(data, images.HUAWEI_PASSPORT)
    assert prepared.data == data and not prepared.reencoded and prepared.content_type == "image/jpeg"


def test_unsupported_format_is_reencoded():
    prepared = images.prepare(encoded(400, 300, "GIF", mode="P"), images.CTYUN)
    assert prepared.reencoded and prepared.content_type in ("image/jpeg", "image/png")


def test_oversized_sides_are_downscaled_per_api():
    prepared = images.prepare(encoded(6000, 3000, "JPEG"), images.CTYUN)
    assert max(prepared.width, prepared.height) < 5000
    prepared = images.prepare(encoded(6000, 3000, "JPEG"), images.HUAWEI_EMIRATES_ID)
    assert (prepared.width, prepared.height) == (6000, 3000)
    assert max(images.prepare(encoded(6000, 3000, "JPEG"), images.HUAWEI_PASSPORT).width, 0) == 4096


def test_exif_rotation_is_applied():
    image = Image.new("RGB", (400, 200), "white")
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° to display
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    prepared = images.prepare(out.getvalue(), images.HUAWEI_PASSPORT)
    assert (prepared.width, prepared.height) == (200, 400)


@pytest.mark.parametrize("data,code", [(b"not an image", "not_an_image"), (encoded(20, 20), "too_small"),
                                       (encoded(5000, 40), "too_small")])
def test_what_no_reencoding_can_fix_is_an_invalid_image(data, code):
    with pytest.raises(OcrError) as caught:
        images.prepare(data, images.HUAWEI_ID_DOCUMENT)
    assert (caught.value.error_class, caught.value.code) == (ErrorClass.INVALID_IMAGE, code)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
                            stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(params=["file", "redis"])
def coordination_url(request, tmp_path):
    return str(tmp_path / "coord") if request.param == "file" else request.getfixturevalue("redis_url")


def test_rate_limiter_spaces_requests_across_threads(coordination_url):
    limiter = RateLimiter(coordination_url)
    key = f"test:{time.time_ns()}"
    stamps = []
    lock = threading.Lock()

    def take():
        limiter.acquire(key, 20)
        with lock:
            stamps.append(time.monotonic())

    threads = [threading.Thread(target=take) for _ in range(10)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    stamps.sort()
    assert stamps[-1] - stamps[0] >= 9 * 0.05 * 0.9


class FakeClock:
    """Time that passes only when a caller sleeps (or the test says so)."""

    def __init__(self, start=1_000_000.0):
        self.now = start

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def most_in_a_second(stamps):
    stamps, most, start = sorted(stamps), 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


@pytest.mark.parametrize("qps", [5, 2, 10])
def test_sends_stay_under_qps_in_every_second_even_with_jitter_after_admission(coordination_url, qps):
    clock = FakeClock()
    limiter = RateLimiter(coordination_url, clock=clock, sleep=clock.sleep)
    key = f"test:{time.time_ns()}"
    rng = random.Random(qps)
    sends = []
    for _ in range(150):
        clock.sleep(rng.uniform(0, 0.3 / qps))  # requests arrive faster than the quota allows
        limiter.acquire(key, qps)
        # Whatever stands between the admission and the vendor's clock (the socket write, the
        # network), up to 90 ms: the margin must absorb it.
        sends.append(clock() + rng.uniform(0, 0.09))
    assert most_in_a_second(sends) <= qps
    # ... without wasting the quota: within the 10 % margin of the allowed rate.
    assert (sends[-1] - sends[0]) <= 149 * 1.1 / qps + 0.1


def test_an_admission_that_had_to_wait_says_the_account_is_under_load(coordination_url):
    clock = FakeClock()
    limiter = RateLimiter(coordination_url, clock=clock, sleep=clock.sleep)
    key = f"test:{time.time_ns()}"
    assert not limiter.acquire(key, 5).under_load
    waiting = limiter.acquire(key, 5)
    assert waiting.under_load and waiting.waited == pytest.approx(0.22)
    clock.sleep(1.0)
    assert not limiter.acquire(key, 5).under_load


def test_rate_limiter_refuses_to_queue_beyond_max_wait(coordination_url):
    limiter = RateLimiter(coordination_url)
    key = f"test:{time.time_ns()}"
    limiter.penalize(key, 5)
    with pytest.raises(OcrError) as caught:
        limiter.acquire(key, 10, max_wait=1)
    assert caught.value.error_class == ErrorClass.THROTTLED and caught.value.retry_after > 3


def test_batch_queue_groups_concurrent_submissions(coordination_url):
    queue = BatchQueue(f"test:{time.time_ns()}", max_items=4, max_wait_ms=300, url=coordination_url)
    calls = []

    def flush(jobs):
        calls.append(len(jobs))
        return [{"echo": job["image"].decode()} for job in jobs]

    results = {}

    def submit(n):
        results[n] = queue.submit({"image": str(n).encode()}, flush, timeout=10)["echo"]

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(10)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results == {n: str(n) for n in range(10)}
    assert sum(calls) == 10 and max(calls) <= 4 and len(calls) <= 4


def test_a_full_batch_is_sent_at_once_not_at_the_deadline(coordination_url):
    # A 20 s batch wait: the only way the eight reads finish quickly is the full-batch rule.
    queue = BatchQueue(f"test:{time.time_ns()}", max_items=4, max_wait_ms=20_000, url=coordination_url)
    calls = []

    def flush(jobs):
        calls.append(len(jobs))
        return [{"echo": job["image"].decode()} for job in jobs]

    results = {}

    def submit(n):
        results[n] = queue.submit({"image": str(n).encode()}, flush, timeout=30)["echo"]

    started = time.monotonic()
    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results == {n: str(n) for n in range(8)}
    assert calls == [4, 4]
    assert time.monotonic() - started < 10


def test_a_read_that_gave_up_before_its_batch_was_claimed_is_never_sent(coordination_url):
    queue = BatchQueue(f"test:{time.time_ns()}", max_items=10, max_wait_ms=400, url=coordination_url)
    sent = []

    def flush(jobs):
        sent.extend(job["image"] for job in jobs)
        return [{"ok": True} for _ in jobs]

    with pytest.raises(OcrError) as caught:
        queue.submit({"image": b"impatient"}, flush, timeout=0.05)
    assert caught.value.error_class == ErrorClass.TRANSIENT and caught.value.code == "batch_timeout"
    assert queue.submit({"image": b"patient"}, flush, timeout=10) == {"ok": True}
    assert sent == [b"patient"]


def test_no_image_is_left_in_redis_once_the_batch_is_answered(redis_url):
    import redis

    queue = BatchQueue(f"test:{time.time_ns()}", max_items=3, max_wait_ms=100, url=redis_url)
    marker = f"synthetic-image-{time.time_ns()}".encode()
    threads = [threading.Thread(target=queue.submit, args=({"image": marker + bytes([n])}, lambda jobs: [{}] * len(jobs)),
                                kwargs={"timeout": 10}) for n in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    client = redis.Redis.from_url(redis_url)
    encoded = base64.b64encode(marker)[:16]
    for key in client.scan_iter("ocr:batch*"):
        kind = client.type(key)
        values = [client.get(key)] if kind == b"string" else client.lrange(key, 0, -1) if kind == b"list" else []
        assert not any(value and (marker in value or encoded in value) for value in values), key


# -- the Redis queue: wake-ups, foreign entries, expiry, clean-up ---------------------------------


def echo(calls):
    def flush(jobs):
        calls.append([job["image"] for job in jobs])
        return [{"echo": job["image"].decode()} for job in jobs]
    return flush


def timed_submit(queue, image, flush, *, timeout=10):
    started = time.monotonic()
    result = queue.submit({"image": image}, flush, timeout=timeout)
    return result, time.monotonic() - started


def test_a_leader_whose_own_job_missed_its_batch_sends_it_when_due(redis_url):
    # Three callers (other processes, not looking yet) queued ahead: this caller's push makes four,
    # it claims the oldest three, and its own job must then go when due, not after the idle wait.
    queue = BatchQueue(f"test:{time.time_ns()}", max_items=3, max_wait_ms=100, url=redis_url)
    for n in range(3):
        job_id = uuid.uuid4().hex
        queue._push(job_id, {"image": base64.b64encode(b"ahead%d" % n).decode(), "id": job_id,
                             "queued_at": time.time()}, timeout=10)
    calls = []
    result, took = timed_submit(queue, b"mine", echo(calls))
    assert result == {"echo": "mine"} and calls == [[b"ahead0", b"ahead1", b"ahead2"], [b"mine"]]
    assert took < IDLE_WAIT * 0.6


def test_entries_of_callers_that_gave_up_do_not_delay_the_next_job(redis_url):
    queue = BatchQueue(f"test:{time.time_ns()}", max_items=3, max_wait_ms=100, url=redis_url)
    for _ in range(3):
        with pytest.raises(OcrError):
            queue.submit({"image": b"impatient"}, echo([]), timeout=0)
    calls = []
    result, took = timed_submit(queue, b"mine", echo(calls))
    assert result == {"echo": "mine"} and calls == [[b"mine"]]
    assert took < IDLE_WAIT * 0.6


def test_an_unreadable_entry_at_the_head_is_dropped_not_fatal(redis_url):
    queue = BatchQueue(f"test:{time.time_ns()}", max_items=3, max_wait_ms=100, url=redis_url)
    queue.redis.rpush(queue._list_key(), json.dumps({"id": "abc", "queued_at": 1.7e9, "image": ""}))
    calls = []
    assert queue.submit({"image": b"mine"}, echo(calls), timeout=5) == {"echo": "mine"}
    assert calls == [[b"mine"]] and queue.redis.llen(queue._list_key()) == 0


def test_the_previous_releases_queue_of_the_same_account_is_left_alone(redis_url):
    # During a rolling deploy the old workers still drain their own list of JSON records.
    key = f"test:{time.time_ns()}"
    old_record = json.dumps({"id": "abc", "queued_at": time.time(), "image": ""})
    queue = BatchQueue(key, max_items=3, max_wait_ms=100, url=redis_url)
    queue.redis.rpush(f"ocr:batch:{key}", old_record)
    try:
        calls = []
        assert queue.submit({"image": b"mine"}, echo(calls), timeout=5) == {"echo": "mine"}
        assert calls == [[b"mine"]]
        assert queue.redis.lrange(f"ocr:batch:{key}", 0, -1) == [old_record.encode()]
    finally:
        queue.redis.delete(f"ocr:batch:{key}")


def test_a_head_dated_in_the_future_does_not_hold_the_queue(redis_url):
    # A job queued by a host whose clock is an hour ahead.
    queue = BatchQueue(f"test:{time.time_ns()}", max_items=3, max_wait_ms=100, url=redis_url)
    queue.redis.rpush(queue._list_key(), f"{time.time() + 3600:.6f} {uuid.uuid4().hex}")
    result, took = timed_submit(queue, b"mine", echo([]), timeout=5)
    assert result == {"echo": "mine"} and took < 1


def test_a_waiter_looks_again_at_least_every_idle_wait(redis_url, monkeypatch):
    # A due time 20 s away: what the waiter learned may stop being true (a clock, a lost wake-up).
    queue = BatchQueue(f"test:{time.time_ns()}", max_items=5, max_wait_ms=20_000, url=redis_url)
    looks = []
    claim_if_due = queue._claim_if_due
    monkeypatch.setattr(queue, "_claim_if_due", lambda: looks.append(time.monotonic()) or claim_if_due())
    with pytest.raises(OcrError):
        queue.submit({"image": b"mine"}, echo([]), timeout=2.5)
    assert max(b - a for a, b in zip(looks, looks[1:], strict=False)) < IDLE_WAIT + 0.3


def test_the_account_list_expires_when_nobody_pushes_to_it(redis_url):
    queue = BatchQueue(f"test:{time.time_ns()}", max_items=3, max_wait_ms=100, url=redis_url)
    with pytest.raises(OcrError):
        queue.submit({"image": b"impatient"}, echo([]), timeout=0)
    assert queue.redis.llen(queue._list_key()) == 1
    assert 0 < queue.redis.ttl(queue._list_key()) <= 300 + 1


@pytest.mark.parametrize("cleanup_fails", [False, True])
def test_a_job_whose_wait_failed_is_withdrawn_and_the_error_raised(redis_url, monkeypatch, cleanup_fails):
    import redis

    queue = BatchQueue(f"test:{time.time_ns()}", max_items=3, max_wait_ms=100, url=redis_url)
    pushed = []
    push = queue._push
    monkeypatch.setattr(queue, "_push", lambda job_id, record, **kw: (pushed.append(job_id), push(job_id, record, **kw)))

    def connection_lost(job_id, *, wait):
        raise redis.exceptions.ConnectionError("connection lost")

    monkeypatch.setattr(queue, "_result", connection_lost)
    if cleanup_fails:
        monkeypatch.setattr(queue, "_discard", lambda job_id: connection_lost(job_id, wait=0))
    with pytest.raises(redis.exceptions.ConnectionError):
        queue.submit({"image": b"mine"}, echo([]), timeout=5)
    assert queue.redis.exists(queue._job_key(pushed[0])) == (1 if cleanup_fails else 0)
    queue.redis.delete(queue._job_key(pushed[0]), queue._list_key())
