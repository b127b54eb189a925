"""The CTyun client over real HTTP against the simulator: ID card sides, general OCR, per-image
failures in a batch, up to 50 images per call, error classes and the shared 5 QPS limit."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap

import pytest
from PIL import Image

from ocr_integration.documents.kinds import DocumentKind as K
from ocr_integration.provider import ErrorClass, OcrError, ReadRequest
from ocr_integration.simulator.testing import vendor_environ
from ocr_integration.vendors.ctyun.client import (
    CtyunOcrClient,
    account_from_settings,
    ctyun_provider,
)
from ocr_integration.vendors.ratelimit import RateLimiter


def read(kind, image):
    return ctyun_provider().read(ReadRequest(kind, image, "image/png"))


def test_portrait_side_fields(vendors, specimen, recorded):
    spec = specimen(K.CN_ID_PORTRAIT)
    reading = read(K.CN_ID_PORTRAIT, spec.image)
    for name in ("full_name", "sex", "ethnicity", "birth_date", "id_number", "address"):
        assert reading.value(name) == spec.truth.fields[name], name
    assert reading.vendor_request_id and recorded[0].vendor_request_id == reading.vendor_request_id


def test_emblem_side_fields(vendors, specimen):
    spec = specimen(K.CN_ID_EMBLEM)
    reading = read(K.CN_ID_EMBLEM, spec.image)
    assert reading.value("issuing_authority") == spec.truth.fields["issuing_authority"]
    assert reading.value("validity_period") == spec.truth.fields["validity_period"]


def test_ctyun_front_is_the_emblem_side_so_a_portrait_photo_for_the_emblem_is_refused(vendors, specimen):
    with pytest.raises(OcrError) as caught:
        read(K.CN_ID_EMBLEM, specimen(K.CN_ID_PORTRAIT).image)
    assert caught.value.error_class == ErrorClass.INVALID_IMAGE and caught.value.code == "wrong_side"


def test_general_ocr_supplies_the_mrz(vendors, specimen):
    spec = specimen(K.PASSPORT)
    reading = read(K.PASSPORT, spec.image)
    assert reading.mrz_lines == tuple(spec.truth.mrz_lines)


def gif(width=200, height=120):
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "GIF")
    return out.getvalue()


def test_one_call_maps_each_image_success_or_failure_back(vendors, specimen, sim, recorded):
    client = CtyunOcrClient(account_from_settings())
    portrait, emblem = specimen(K.CN_ID_PORTRAIT), specimen(K.CN_ID_EMBLEM)
    # A GIF sent as it is (bypassing preparation) is refused by the API for that image only.
    results = client._read_batch("idcard", [(K.CN_ID_PORTRAIT, portrait.image), (K.CN_ID_EMBLEM, gif()),
                                            (K.CN_ID_EMBLEM, emblem.image)], ["a", "b", "c"])
    assert results[0].value("id_number") == portrait.truth.fields["id_number"]
    assert isinstance(results[1], OcrError) and results[1].code == "AI_OP_4009"
    assert results[1].error_class == ErrorClass.INVALID_IMAGE
    assert results[2].value("validity_period") == emblem.truth.fields["validity_period"]
    assert sim.batch_sizes == [3]
    assert sorted(a.subject_ref for a in recorded) == ["a", "b", "c"] and {a.batch_size for a in recorded} == {3}


def test_read_many_sends_up_to_50_per_call(vendors, specimen, sim):
    # The simulator answers fifty copies of one specimen in milliseconds (it decodes the specimen
    # once: simulator/answers.py); the margin is for a machine where this thread may wait seconds
    # for the CPU. What is tested is how the images are split into calls, not how fast.
    vendors.OCR_VENDOR_READ_TIMEOUT = 60.0
    spec = specimen(K.PASSPORT)
    results = CtyunOcrClient(account_from_settings()).read_many([ReadRequest(K.PASSPORT, spec.image, "image/png")] * 51)
    assert sim.batch_sizes == [50, 1]
    assert all(r.mrz_lines == tuple(spec.truth.mrz_lines) for r in results)


@pytest.mark.parametrize("change,code", [
    ({"secret_key": "wrong"}, "10020"),
    ({"access_key": "unknown-ak"}, "10002"),
    ({"app_key": "unknown-app"}, "40006"),
])
def test_credential_errors_are_configuration(vendors, specimen, change, code):
    vendors.OCR_VENDORS["ctyun"].update(change)
    with pytest.raises(OcrError) as caught:
        read(K.CN_ID_PORTRAIT, specimen(K.CN_ID_PORTRAIT).image)
    assert (caught.value.error_class, caught.value.code) == (ErrorClass.CONFIGURATION, code)


@pytest.mark.parametrize("fault,error_class,code", [
    ("5xx", ErrorClass.TRANSIENT, "50000"),
    ("malformed_json", ErrorClass.TRANSIENT, "malformed_response"),
    ("timeout", ErrorClass.TRANSIENT, "timeout"),
])
def test_faults(vendors, sim, specimen, fault, error_class, code):
    sim.inject(fault)
    with pytest.raises(OcrError) as caught:
        read(K.CN_ID_PORTRAIT, specimen(K.CN_ID_PORTRAIT).image)
    assert (caught.value.error_class, caught.value.code) == (error_class, code)


def test_throttle_answer_is_throttled(vendors, sim, specimen):
    sim.config.qps = 1
    image = specimen(K.CN_ID_PORTRAIT).image
    read(K.CN_ID_PORTRAIT, image)
    with pytest.raises(OcrError) as caught:
        read(K.CN_ID_PORTRAIT, image)
    assert caught.value.error_class == ErrorClass.THROTTLED and caught.value.http_status == 429
    # "Do not retry" (§5.3): a long back-off, not five quick retries.
    assert caught.value.retry_after == account_from_settings().throttle_backoff_s == 30.0


class FakeClock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def fake_clock_client(vendors, qps):
    vendors.OCR_VENDORS["ctyun"]["qps"] = qps
    clock = FakeClock()
    limiter = RateLimiter(vendors.OCR_VENDOR_COORDINATION_URL, clock=clock, sleep=clock.sleep)
    return CtyunOcrClient(account_from_settings(), limiter=limiter), limiter


def test_an_undocumented_error_under_load_is_throttling_with_a_long_back_off(vendors, sim, specimen):
    sim.config.qps = 1
    sim.config.ctyun_throttle_answer = "undocumented_code"
    client, limiter = fake_clock_client(vendors, qps=1)
    request = ReadRequest(K.CN_ID_PORTRAIT, specimen(K.CN_ID_PORTRAIT).image, "image/png")
    client.read(request)
    with pytest.raises(OcrError) as caught:
        client.read(request)  # queued behind the first send: the account is at its limit
    assert (caught.value.error_class, caught.value.http_status) == (ErrorClass.THROTTLED, 403)
    assert caught.value.retry_after == 30.0
    # Every process of the account now stays quiet for the back-off.
    assert limiter.acquire(client.account.rate_key, 1).waited >= 29.0


def test_the_same_undocumented_error_without_load_is_not_taken_for_throttling(vendors, sim, specimen):
    sim.config.qps = 1
    sim.config.ctyun_throttle_answer = "undocumented_code"
    client, _ = fake_clock_client(vendors, qps=0)  # no local limit: nothing waited
    request = ReadRequest(K.CN_ID_PORTRAIT, specimen(K.CN_ID_PORTRAIT).image, "image/png")
    client.read(request)
    with pytest.raises(OcrError) as caught:
        client.read(request)
    assert caught.value.error_class == ErrorClass.CONFIGURATION and caught.value.retry_after is None


def test_oversized_photo_is_fitted_under_5000_px(vendors, specimen):
    spec = specimen(K.CN_ID_PORTRAIT)
    big = Image.open(io.BytesIO(spec.image)).convert("RGB")
    big = big.resize((5600, int(big.height * 5600 / big.width)))
    out = io.BytesIO()
    big.save(out, "JPEG", quality=95)
    assert read(K.CN_ID_PORTRAIT, out.getvalue()).value("id_number") == spec.truth.fields["id_number"]


STAMPING_WORKER = textwrap.dedent("""
    import json, sys, threading, django
    django.setup()
    from ocr_integration.documents.kinds import DocumentKind as K
    from ocr_integration.provider import ReadRequest, OcrError
    from ocr_integration.specimens import generate_specimen
    from ocr_integration.vendors import attempts
    from ocr_integration.vendors.ctyun.client import CtyunOcrClient, account_from_settings
    from ocr_integration.vendors.ratelimit import RateLimiter
    attempts.set_sink(lambda a: None)

    class StampingLimiter(RateLimiter):
        # The shared limiter as the product builds it, also noting the clock reading at which it
        # admitted each send: the reading taken under the account's lock, so it is the limiter's
        # own decision, whatever the scheduler does to this thread afterwards.
        def __init__(self):
            self.last_reading = threading.local()
            super().__init__(clock=self.read_clock)
            self.admitted = []
        def read_clock(self):
            self.last_reading.value = time.time()
            return self.last_reading.value
        def acquire(self, key, qps, **kw):
            admission = super().acquire(key, qps, **kw)
            self.admitted.append(self.last_reading.value)
            return admission

    import time
    count, threads = int(sys.argv[1]), int(sys.argv[2])
    limiter = StampingLimiter()
    client = CtyunOcrClient(account_from_settings(), limiter=limiter)
    image = generate_specimen(K.CN_ID_PORTRAIT, 11).image
    out = []
    def work(n):
        for _ in range(n):
            try:
                out.append(client.read(ReadRequest(K.CN_ID_PORTRAIT, image, "image/png")).value("id_number"))
            except OcrError as exc:
                out.append("error:" + exc.code)
    ts = [threading.Thread(target=work, args=(count // threads,)) for _ in range(threads)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print(json.dumps({"results": out, "admitted": limiter.admitted}))
""")


@pytest.mark.slow
def test_a_burst_of_reads_at_5_qps_from_two_processes_is_spaced_by_the_shared_limiter(sim, tmp_path, specimen):
    """Two processes of five threads each send 40 reads on one account limited to 5 QPS. What is
    asserted is what the shared limiter decided (the clock readings at which it admitted each send,
    taken under the account's lock), not when the simulator saw the requests arrive: on a loaded
    machine the scheduler moves arrivals by more than the limiter's margin, which says nothing about
    the limiter (its arithmetic is tested with an injected clock in test_images_and_coordination.py).
    The simulator's own bucket is off for the same reason."""
    sim.config.qps = 0
    env = {**os.environ, **vendor_environ(sim, str(tmp_path), batching=False, ctyun_qps=5)}  # settings: pytest-django's
    env.pop("CACHE_URL", None)
    env.pop("OCR_VENDOR_COORDINATION_URL", None)
    procs = [subprocess.Popen([sys.executable, "-c", STAMPING_WORKER, "20", "5"], env=env, stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [json.loads(p.communicate(timeout=300)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)

    results = [r for o in outputs for r in o["results"]]
    assert results == [specimen(K.CN_ID_PORTRAIT).truth.fields["id_number"]] * 40
    assert sim.stats["requests"] == 40  # one call per read: nothing sent twice, nothing refused locally
    admitted = sorted(stamp for o in outputs for stamp in o["admitted"])
    assert len(admitted) == 40 and min(len(o["admitted"]) for o in outputs) == 20
    interval = RateLimiter().interval(5)  # 1.1 / 5 s: the 10 % margin included
    gaps = [later - earlier for earlier, later in zip(admitted, admitted[1:], strict=False)]
    assert min(gaps) >= interval - 1e-6, f"two sends {min(gaps):.4f} s apart across processes"
    # Hence never more than 5 admissions in any one second.
    assert max(sum(1 for t in admitted if start <= t < start + 1.0) for start in admitted) <= 5


def test_default_account_signs_beijing_time_which_the_gateway_accepts(vendors, specimen, recorded):
    assert account_from_settings().clock_zone == "Asia/Shanghai"
    assert read(K.CN_ID_PORTRAIT, specimen(K.CN_ID_PORTRAIT).image).value("id_number")
    assert [a.outcome for a in recorded] == ["success"]


def test_clock_zone_is_an_account_setting(vendors, sim, specimen):
    sim.config.ctyun_clock_zone = "UTC"  # a gateway that, unlike the document's, reads eop-date as UTC
    with pytest.raises(OcrError) as caught:
        read(K.CN_ID_PORTRAIT, specimen(K.CN_ID_PORTRAIT).image)
    assert (caught.value.error_class, caught.value.code) == (ErrorClass.CONFIGURATION, "10020")
    vendors.OCR_VENDORS["ctyun"]["clock_zone"] = "UTC"
    assert read(K.CN_ID_PORTRAIT, specimen(K.CN_ID_PORTRAIT).image).value("id_number")


def test_an_unknown_clock_zone_is_a_configuration_error_before_any_call(vendors, sim, specimen):
    vendors.OCR_VENDORS["ctyun"]["clock_zone"] = "Beijing"
    with pytest.raises(OcrError) as caught:
        read(K.CN_ID_PORTRAIT, specimen(K.CN_ID_PORTRAIT).image)
    assert caught.value.error_class == ErrorClass.CONFIGURATION and "not a time zone" in caught.value.message
    assert sim.stats["requests"] == 0


# --- documented alternative forms (vendor-docs/002 table vs example) ----------------------------

def test_id_card_detail_as_the_tables_string_reads_like_the_examples_object(vendors, sim, specimen):
    spec = specimen(K.CN_ID_PORTRAIT)
    sim.config.answer_forms = frozenset({"ctyun_detail_as_string"})
    reading = read(K.CN_ID_PORTRAIT, spec.image)
    assert isinstance(reading.raw_response["returnObj"][0]["detail"], str)
    for name in ("full_name", "id_number", "address"):
        assert reading.value(name) == spec.truth.fields[name], name


def test_general_ocr_line_without_text_is_not_a_failure(vendors, sim, specimen):
    spec = specimen(K.PASSPORT)
    sim.config.answer_forms = frozenset({"ctyun_line_without_text"})
    reading = read(K.PASSPORT, spec.image)
    assert "text" not in reading.raw_response["returnObj"][0]["detail"][0]
    assert reading.mrz_lines == tuple(spec.truth.mrz_lines)
