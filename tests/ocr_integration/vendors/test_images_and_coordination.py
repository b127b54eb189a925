"""Image preparation to each API's limits; the rate limiter on Redis (a real redis-server on
loopback) as well as on the file backend."""

from __future__ import annotations

import io
import random
import shutil
import socket
import subprocess
import threading
import time

import pytest
from PIL import Image

from ocr_integration.provider import ErrorClass, OcrError
from ocr_integration.vendors import images
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


def test_a_broken_jpeg_within_limits_is_refused_before_it_is_sent():
    # Noise, so that the entropy-coded data is long and a cut falls inside it.
    rng = random.Random(7)
    noise = Image.frombytes("L", (800, 600), bytes(rng.randrange(256) for _ in range(800 * 600)))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=90)
    whole = out.getvalue()
    assert not images.prepare(whole, images.HUAWEI_PASSPORT).reencoded
    with pytest.raises(OcrError) as caught:
        images.prepare(whole[: len(whole) // 2], images.HUAWEI_PASSPORT)
    assert (caught.value.error_class, caught.value.code) == (ErrorClass.INVALID_IMAGE, "not_an_image")


def test_an_image_checked_at_upload_is_sent_as_it_is_without_a_second_decode():
    # A stored image was decoded when it was uploaded and comes back from the authenticated
    # store unchanged (ReadRequest.checked): only its header is read before the call. The same
    # cut file shows that no decode runs (it would refuse it, as above).
    rng = random.Random(7)
    noise = Image.frombytes("L", (800, 600), bytes(rng.randrange(256) for _ in range(800 * 600)))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=90)
    cut = out.getvalue()[: len(out.getvalue()) // 2]
    prepared = images.prepare(cut, images.CTYUN, checked=True)
    assert prepared.data is cut and not prepared.reencoded
    # What does not fit the API is still decoded, turned and re-encoded, checked or not.
    with pytest.raises(OcrError):
        images.prepare(b"not an image", images.CTYUN, checked=True)


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
