"""Integrators send the selfie (a document side, ``kind=selfie``) and the liveness burst (issue 19),
with the same validation, idempotency and refusals as every upload."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kyc.models import Document, LivenessFrame
from tests.kyc.api.helpers import create_case, error_code, image_file, upload
from tests.support.providers import colour_image

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def selfie_asked(settings):
    settings.SELFIE_REQUIREMENT = "required"


def jpeg_frame(size=(320, 240)) -> SimpleUploadedFile:
    return SimpleUploadedFile("f.jpg", colour_image((190, 150, 130), size=size, fmt="JPEG"), content_type="image/jpeg")


def noisy_frame() -> SimpleUploadedFile:
    # Noise does not compress: a frame of a known, large size.
    out = io.BytesIO()
    Image.frombytes("RGB", (480, 360), os.urandom(480 * 360 * 3)).save(out, format="JPEG", quality=90)
    return SimpleUploadedFile("n.jpg", out.getvalue(), content_type="image/jpeg")


def consent(api, case_id) -> None:
    assert api.post(f"/api/v1/cases/{case_id}/consents/", {"scope": "biometric"}, format="json").status_code == 200


def challenge(api, case_id) -> dict:
    response = api.post(f"/api/v1/cases/{case_id}/liveness/challenge/")
    assert response.status_code == 200, response.json()
    return response.json()


def send_burst(api, case_id, nonce, frames=None, offsets=None, **headers):
    frames = frames if frames is not None else [jpeg_frame() for _ in range(10)]
    offsets = offsets if offsets is not None else [i * 300 for i in range(len(frames))]
    return api.post(f"/api/v1/cases/{case_id}/liveness/",
                    {"nonce": nonce, "frame": frames, "offset_ms": offsets}, format="multipart", **headers)


def test_selfie_and_burst_then_submit(api, django_capture_on_commit_callbacks):
    case = create_case(api, consents=["processing"])
    assert case["selfie_requirement"] == "required"
    assert case["missing_kinds"] == ["passport", "selfie"] and case["liveness_missing"] is True
    upload(api, case["id"], "passport")
    refused = api.post(f"/api/v1/cases/{case['id']}/submit/")
    assert refused.status_code == 400 and error_code(refused) == "selfie_missing"
    consent(api, case["id"])
    selfie = upload(api, case["id"], "selfie", file=jpeg_frame((480, 640)))
    assert selfie.status_code == 201 and selfie.json()["kind"] == "selfie"
    assert selfie.json()["read_state"] == "not_read"
    issued = challenge(api, case["id"])
    assert issued["challenge"] in ("turn_left_then_right", "turn_right_then_left")
    assert issued["min_frames"] <= 10 <= issued["max_frames"]
    stored = send_burst(api, case["id"], issued["nonce"])
    assert stored.status_code == 201, stored.json()
    assert stored.json()["frame_count"] == 10 and stored.json()["is_current"] is True
    detail = api.get(f"/api/v1/cases/{case['id']}/").json()
    assert detail["missing_kinds"] == [] and detail["liveness_missing"] is False
    with django_capture_on_commit_callbacks(execute=False) as reads:
        assert api.post(f"/api/v1/cases/{case['id']}/submit/").status_code == 200
    assert len(reads) == 1  # the passport page: a selfie is never sent to an OCR reader


def test_no_selfie_or_frames_without_the_biometric_consent(api):
    case = create_case(api)
    refused = upload(api, case["id"], "selfie", file=jpeg_frame())
    assert refused.status_code == 400 and error_code(refused) == "biometric_consent_required"
    refused = send_burst(api, case["id"], challenge(api, case["id"])["nonce"])
    assert refused.status_code == 400 and error_code(refused) == "biometric_consent_required"
    assert not Document.objects.exists() and not LivenessFrame.objects.exists()


def test_a_selfie_of_the_wrong_type_or_too_big_is_refused(api, settings):
    case = create_case(api)
    consent(api, case["id"])
    pdf = SimpleUploadedFile("me.pdf", b"%PDF-1.7\n" + b"0" * 2000, content_type="application/pdf")
    assert error_code(upload(api, case["id"], "selfie", file=pdf)) == "pdf_not_supported"
    settings.UPLOAD_MAX_BYTES = 4096
    big = upload(api, case["id"], "selfie", file=image_file(size=(900, 900)))
    assert big.status_code == 400 and error_code(big) == "file_too_large"
    assert not Document.objects.exists()


@pytest.mark.parametrize("count, offsets, code", [
    (3, None, "liveness_too_few_frames"),
    (20, None, "liveness_too_many_frames"),
    (8, [0, 300, 600, 500, 1200, 1500, 1800, 2100], "liveness_frames_out_of_order"),
])
def test_a_burst_of_the_wrong_shape_is_refused_with_its_code(api, count, offsets, code):
    case = create_case(api)
    consent(api, case["id"])
    refused = send_burst(api, case["id"], challenge(api, case["id"])["nonce"],
                         frames=[jpeg_frame() for _ in range(count)], offsets=offsets)
    assert refused.status_code == 400 and error_code(refused) == code
    assert not LivenessFrame.objects.exists()


def test_a_burst_with_a_frame_that_is_not_an_image_or_too_big_is_refused_whole(api, settings):
    case = create_case(api)
    consent(api, case["id"])
    nonce = challenge(api, case["id"])["nonce"]
    frames = [jpeg_frame() for _ in range(9)] + [SimpleUploadedFile("x.jpg", b"not an image at all" * 10)]
    assert error_code(send_burst(api, case["id"], nonce, frames=frames)) == "unsupported_type"
    noisy = [noisy_frame() for _ in range(10)]
    settings.UPLOAD_MAX_BYTES = sum(f.size for f in noisy) // 2  # each frame is within it, the burst is not
    assert max(f.size for f in noisy) < settings.UPLOAD_MAX_BYTES
    too_big = send_burst(api, case["id"], nonce, frames=noisy)
    # Refused from its declared size before the body is read (kyc.project.middleware).
    assert too_big.status_code == 413 and error_code(too_big) == "request_too_large"
    assert not LivenessFrame.objects.exists()


def test_offsets_must_match_the_frames(api):
    case = create_case(api)
    consent(api, case["id"])
    refused = send_burst(api, case["id"], challenge(api, case["id"])["nonce"], offsets=[0, 300])
    assert refused.status_code == 400 and error_code(refused) == "invalid_request"
    assert "offset_ms" in refused.json()["error"]["fields"]


def test_a_retried_burst_is_stored_once(api):
    case = create_case(api)
    consent(api, case["id"])
    nonce = challenge(api, case["id"])["nonce"]
    frames = [colour_image((190, 150, 130), size=(320, 240), fmt="JPEG") for _ in range(10)]

    def files():
        return [SimpleUploadedFile("f.jpg", data, content_type="image/jpeg") for data in frames]

    first = send_burst(api, case["id"], nonce, frames=files(), HTTP_IDEMPOTENCY_KEY="burst-1")
    replay = send_burst(api, case["id"], nonce, frames=files(), HTTP_IDEMPOTENCY_KEY="burst-1")
    assert first.status_code == replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    # Without the header the nonce makes it idempotent too: the same frames are the same capture.
    again = send_burst(api, case["id"], nonce, frames=files())
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert LivenessFrame.objects.count() == 10


def test_a_case_that_asks_for_no_selfie_refuses_one(api, settings):
    settings.SELFIE_REQUIREMENT = "not_asked"
    case = create_case(api)
    consent(api, case["id"])
    assert error_code(upload(api, case["id"], "selfie", file=jpeg_frame())) == "selfie_not_asked"
    response = api.post(f"/api/v1/cases/{case['id']}/liveness/challenge/")
    assert response.status_code == 400 and error_code(response) == "selfie_not_asked"


def test_another_integrators_case_is_not_found(api, other_api):
    case = create_case(api)
    assert other_api.post(f"/api/v1/cases/{case['id']}/liveness/challenge/").status_code == 404
    assert send_burst(other_api, case["id"], "x").status_code == 404
