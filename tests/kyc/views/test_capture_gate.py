"""The instant quality gate at upload: a photo that cannot be read is refused at once with a
specific, translated retake prompt (and an error code on the API); a good one is stored."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kyc.models import Document, SiteConfiguration
from kyc.uploads.capture_quality import check_capture
from ocr_integration.specimens.families import render
from tests.kyc.views.test_applicant import start_case, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _gate_on(settings):
    settings.CAPTURE_GATE_ENABLED = True


def jpeg(rgb: np.ndarray, name="photo.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=88)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def capture(kind: str, family: str, seed: int = 3) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(render(kind, family, seed, capture="clean").image)).convert("RGB"))


PASSPORT = ("passport", "passport_bilingual_fr")
EID_BACK = ("emirates_id_back", "eid_classic_inline")


def test_a_good_passport_page_is_stored_and_a_plain_blue_square_is_not(client):
    case = start_case(client)
    assert upload(client, case, "passport", file=jpeg(capture(*PASSPORT)), json=True).status_code == 200
    blue = np.zeros((900, 1200, 3), np.uint8)
    blue[:] = (30, 80, 200)
    refused = upload(client, case, "passport", file=jpeg(blue), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_no_document"
    assert "We cannot see a document in this photo" in refused.json()["message"]
    assert Document.objects.filter(case=case).count() == 1


def test_a_blurred_photo_gets_a_retake_prompt_in_the_applicants_language(client):
    case = start_case(client)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    blurred = cv2.GaussianBlur(capture(*PASSPORT), (0, 0), 8)
    refused = upload(client, case, "passport", file=jpeg(blurred), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_blurry"
    assert refused.json()["message"] == "这张照片模糊不清。请拿稳相机，等待对焦后重新拍摄。"
    # Without JavaScript the same prompt comes back on the page, at the side.
    response = client.post(f"/cases/{case.id}/documents/passport/", {"file": jpeg(blurred)}, follow=True)
    assert "这张照片模糊不清" in response.content.decode()
    assert not Document.objects.filter(case=case).exists()


def test_the_back_of_an_emirates_id_is_refused_as_its_front(client):
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    case = start_case(client, document_type="emirates_id")
    refused = upload(client, case, "emirates_id_front", file=jpeg(capture(*EID_BACK)), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_wrong_side"
    assert refused.json()["message"].startswith("يبدو أن هذا هو الوجه الخلفي للبطاقة")
    assert upload(client, case, "emirates_id_back", file=jpeg(capture(*EID_BACK)), json=True).status_code == 200


def test_a_cut_off_page_and_a_burnt_out_patch_are_refused():
    page = capture(*PASSPORT)
    h, w = page.shape[:2]
    cut = np.ascontiguousarray(page[:, : int(w * 0.7)])
    assert check_capture(jpeg(cut).read(), kind="passport").refused.code == "cut_off"
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    light = np.clip(1.6 * np.exp(-(((xx - w / 2) / (0.22 * w)) ** 2 + ((yy - h / 2) / (0.18 * h)) ** 2)), 0, 1)[..., None]
    glare = np.clip(page * (1 - light) + 255 * light, 0, 255).astype(np.uint8)
    assert check_capture(jpeg(glare).read(), kind="passport").refused.code == "glare"
    noise = np.random.default_rng(1).integers(0, 256, (900, 1200, 3), dtype=np.uint8)
    assert check_capture(jpeg(noise).read(), kind="passport").refused.code == "no_document"


def test_thresholds_set_in_the_admin_apply(client):
    case = start_case(client)
    SiteConfiguration.objects.update_or_create(id=1, defaults={"capture_sharpness_refuse": 4.5})
    refused = upload(client, case, "passport", file=jpeg(capture(*PASSPORT)), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_blurry"


def test_a_page_cut_off_where_no_line_runs_into_the_edge_is_refused_unless_the_admin_turns_it_off(client):
    # The top 30 % of the page outside the photo: the cut passes above the print, so only the
    # missing document edge on that side tells.
    page = capture(*PASSPORT)
    cut = np.ascontiguousarray(page[int(page.shape[0] * 0.3):])
    result = check_capture(jpeg(cut).read(), kind="passport")
    assert result.refused.code == "cut_off" and result.measures.edge_lines < 2
    case = start_case(client)
    refused = upload(client, case, "passport", file=jpeg(cut), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_cut_off"
    SiteConfiguration.objects.update_or_create(id=1, defaults={"capture_open_sides_refuse": 0})
    assert upload(client, case, "passport", file=jpeg(cut), json=True).status_code == 200


def test_an_emirates_id_front_given_as_its_back_is_refused_unless_the_admin_relaxes_the_mrz_rule(client):
    case = start_case(client, document_type="emirates_id")
    front = jpeg(capture("emirates_id_front", "eid_classic_inline"))
    refused = upload(client, case, "emirates_id_back", file=front, json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_wrong_side"
    assert refused.json()["message"].startswith("This looks like the front of the card")
    SiteConfiguration.objects.update_or_create(id=1, defaults={"capture_mrz_min_lines": 0})
    accepted = upload(client, case, "emirates_id_back", file=jpeg(capture("emirates_id_front", "eid_classic_inline")), json=True)
    assert accepted.status_code == 200 and accepted.json()["warnings"]


def test_a_passport_page_without_its_machine_readable_lines_is_refused():
    # The bottom of the page, with the lines, left out of the photo: what the applicant must do
    # is take in the whole page, so "cut off" comes first; the missing lines are found too.
    page = capture(*PASSPORT)
    no_mrz = np.ascontiguousarray(page[: int(page.shape[0] * 0.7)])
    result = check_capture(jpeg(no_mrz).read(), kind="passport")
    assert result.refused.code == "cut_off"
    assert ("wrong_side", "no_mrz") in [(p.code, p.detail) for p in result.problems if p.refuse]


def phone_photo(kind: str, family: str, seed: int = 3) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(render(kind, family, seed, capture="photo").image)).convert("RGB"))


def test_a_good_phone_photo_of_each_side_is_stored_without_a_refusal(client):
    # On a cluttered desk, tilted, unevenly lit: what most applicants send.
    case = start_case(client, document_type="emirates_id")
    for kind in ("emirates_id_front", "emirates_id_back"):
        response = upload(client, case, kind, file=jpeg(phone_photo(kind, "eid_classic_inline")), json=True)
        assert response.status_code == 200, response.json()
    assert Document.objects.filter(case=case).count() == 2


@pytest.mark.parametrize("edge", ["left", "right", "top", "bottom"])
def test_a_page_cut_off_at_any_edge_is_refused_with_the_cut_off_prompt(client, edge):
    page = capture(*PASSPORT)
    h, w = page.shape[:2]
    keep = {"left": np.s_[:, int(0.25 * w):], "right": np.s_[:, : int(0.75 * w)],
            "top": np.s_[int(0.25 * h):], "bottom": np.s_[: int(0.75 * h)]}[edge]
    case = start_case(client)
    refused = upload(client, case, "passport", file=jpeg(np.ascontiguousarray(page[keep])), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_cut_off"
    assert refused.json()["message"].startswith("Part of the document is cut off")
    assert not Document.objects.filter(case=case).exists()


def test_a_photo_taken_in_the_dark_is_refused_with_a_prompt_to_find_light(client):
    case = start_case(client)
    page = capture(*PASSPORT).astype(np.float32)
    dark = np.clip(page * (45 / 255) + np.random.default_rng(2).normal(0, 4, page.shape), 0, 255).astype(np.uint8)
    refused = upload(client, case, "passport", file=jpeg(dark), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_too_dark"
    assert refused.json()["message"].startswith("This photo is too dark to read")
    # The same page in daylight goes through.
    assert upload(client, case, "passport", file=jpeg(capture(*PASSPORT)), json=True).status_code == 200


def test_a_card_photographed_from_too_far_away_is_refused_in_the_applicants_language(client):
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    case = start_case(client, document_type="emirates_id")
    card = capture("emirates_id_front", "eid_classic_inline")
    # The card, a fifth of the frame's width, on a plain table.
    h, w = card.shape[:2]
    table = np.full((3 * h, 5 * w, 3), (120, 90, 60), np.uint8)
    table[h: 2 * h, 2 * w: 3 * w] = card
    refused = upload(client, case, "emirates_id_front", file=jpeg(table), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_too_small"
    assert refused.json()["message"].startswith("المستند بعيد جدًا")
