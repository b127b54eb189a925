"""Image preparation to each API's limits; rate limiter and batch queue on Redis (a real
redis-server on loopback) as well as on the file backend."""

from __future__ import annotations

import base64
import io
import shutil
import socket
import subprocess
import threading
import time

import pytest
from PIL import Image

from ocr_integration.provider import ErrorClass, OcrError
from ocr_integration.vendors import images
from ocr_integration.vendors.ctyun.batching import BatchQueue
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


def test_a_read_that_gave_up_waiting_is_never_sent_to_the_vendor(coordination_url):
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
