"""Issue 14 in headless Chromium, desktop and phone, English, Arabic and Chinese: the quality
gate's refusals, the in-page camera (Chromium's fake camera playing a video generated here from a
specimen), the country search, the rejection page and each error page.

Screenshots land in test-artifacts/browser/<test>/ (tests/browser/conftest.py), kept as artefacts.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from kyc.models import Case, Decision, Document
from ocr_integration.specimens.families import render
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    close_connections_of_the_playwright_loop,
)
from tests.browser.test_applicant_flow import choose_language, start_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [(DESKTOP, "en"), (PHONE, "ar"), (PHONE, "zh-hans")]
LANGUAGE_IDS = ["desktop-en", "phone-ar", "phone-zh"]


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}


def specimen(kind: str, family: str, seed: int = 3) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(render(kind, family, seed, capture="clean").image)).convert("RGB"))


def jpeg_file(rgb: np.ndarray, name: str) -> dict:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=88)
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def open_in(page, language: str) -> None:
    page.goto("/")
    if language != "en":
        choose_language(page, language)


# --- the quality gate ------------------------------------------------------------------------

PROMPTS = {
    "wrong_side": {
        "en": "This looks like the back of the card",
        "ar": "يبدو أن هذا هو الوجه الخلفي للبطاقة",
        "zh-hans": "这看起来是卡片的背面",
    },
    "cut_off": {
        "en": "Part of the document is cut off",
        "ar": "جزء من الوثيقة خارج الصورة",
        "zh-hans": "证件有一部分在画面之外",
    },
}


@pytest.mark.parametrize(("device", "language"), LANGUAGES, ids=LANGUAGE_IDS)
def test_the_gate_refuses_a_wrong_side_and_a_cut_off_card_with_a_retake_prompt(new_page, screenshot, settings, device, language):
    from playwright.sync_api import expect

    settings.CAPTURE_GATE_ENABLED = True
    page = new_page(**device)
    open_in(page, language)
    case_id = start_case(page, document_type="emirates_id")
    front = page.locator("#side-emirates_id_front")
    back = specimen("emirates_id_back", "eid_classic_inline")
    front.locator("input[type=file]").set_input_files(jpeg_file(back, "back.jpg"))
    front.locator("button[type=submit]").click()
    expect(front.locator(".client-error")).to_contain_text(PROMPTS["wrong_side"][language])
    screenshot(page, "wrong-side")
    card = specimen("emirates_id_front", "eid_classic_inline")
    h, w = card.shape[:2]
    cut = np.ascontiguousarray(card[:, : int(w * 0.7)])
    front.locator("input[type=file]").set_input_files(jpeg_file(cut, "cut.jpg"))
    front.locator("button[type=submit]").click()
    expect(front.locator(".client-error")).to_contain_text(PROMPTS["cut_off"][language])
    screenshot(page, "cut-off")
    assert not Document.objects.filter(case_id=case_id).exists()
    # The right photo of the right side goes through.
    front.locator("input[type=file]").set_input_files(jpeg_file(card, "front.jpg"))
    front.locator("button[type=submit]").click()
    expect(front.locator(".received")).to_be_visible()
    assert Document.objects.filter(case_id=case_id, kind="emirates_id_front").count() == 1


# --- the in-page camera ----------------------------------------------------------------------


def write_y4m(path: Path, rgb: np.ndarray, frames: int = 4) -> Path:
    """A raw YUV 4:2:0 video (the format Chromium's fake camera reads) showing ``rgb`` still."""
    h, w = rgb.shape[:2]
    planes = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(planes.tobytes())
    return path


def document_on_a_table(rgb: np.ndarray, size=(1280, 960), light: float = 1.0) -> np.ndarray:
    """The specimen filling most of a 4:3 camera frame, on a plain table top."""
    frame = np.full((size[1], size[0], 3), (120, 96, 70), np.uint8)
    h, w = rgb.shape[:2]
    scale = 0.86 * min(size[0] / w, size[1] / h)
    doc = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    top, left = (size[1] - doc.shape[0]) // 2, (size[0] - doc.shape[1]) // 2
    frame[top: top + doc.shape[0], left: left + doc.shape[1]] = doc
    return np.clip(frame.astype(np.float32) * light, 0, 255).astype(np.uint8)


@pytest.fixture
def camera_page(live_server, playwright_driver, tmp_path):
    """Pages of a Chromium whose camera plays the given still (a video made here, not a file)."""
    started = []

    def make(rgb: np.ndarray, *, viewport, mobile=False, locale="en-GB"):
        video = write_y4m(tmp_path / f"camera-{len(started)}.y4m", rgb)
        browser = playwright_driver.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-video-capture={video}"],
        )
        started.append(browser)
        options = {"viewport": viewport, "locale": locale, "base_url": live_server.url,
                   "extra_http_headers": {"Accept-Language": locale}}
        if mobile:
            options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        return context.new_page()

    yield make
    if started:
        close_connections_of_the_playwright_loop()
    for browser in started:
        browser.close()


@pytest.mark.parametrize(("device", "language"), LANGUAGES, ids=LANGUAGE_IDS)
def test_the_camera_takes_a_full_resolution_still_that_passes_the_gate(camera_page, screenshot, settings, device, language):
    from playwright.sync_api import expect

    settings.CAPTURE_GATE_ENABLED = True
    frame = document_on_a_table(specimen("passport", "passport_bilingual_fr"))
    page = camera_page(frame, viewport=device["viewport"], mobile=device.get("mobile", False))
    open_in(page, language)
    case_id = start_case(page)
    side = page.locator("#side-passport")
    side.locator(".camera-open").click()
    camera = page.locator("#camera")
    expect(camera).to_be_visible()
    expect(camera).to_have_attribute("data-shape", "passport")
    # The still, well-lit document fills the frame: the live hint says to go ahead.
    expect(camera).to_have_attribute("data-hint", "ready")
    ready = camera.get_attribute("data-msg-ready")
    expect(camera.locator(".camera-hint")).to_have_text(ready)
    screenshot(page, "camera-live", full_page=False)
    camera.locator(".camera-shoot").click()
    expect(camera).to_be_hidden()
    expect(side.locator(".received")).to_be_visible()
    screenshot(page, "camera-received")
    document = Document.objects.get(case_id=case_id, kind="passport")
    # The sensor's full resolution, not the size of the preview on the page.
    assert (document.width, document.height) == (1280, 960)


def test_the_camera_says_when_it_is_too_dark_and_the_file_input_stays(camera_page, screenshot):
    from playwright.sync_api import expect

    frame = document_on_a_table(specimen("passport", "passport_bilingual_fr"), light=0.15)
    page = camera_page(frame, viewport=DESKTOP["viewport"])
    start_case(page)
    side = page.locator("#side-passport")
    expect(side.locator("input[type=file]")).to_be_visible()
    expect(side.locator(".dropzone-hint")).to_be_visible()
    side.locator(".camera-open").click()
    camera = page.locator("#camera")
    expect(camera).to_have_attribute("data-hint", "dark")
    screenshot(page, "camera-too-dark", full_page=False)
    camera.locator(".camera-cancel").click()
    expect(camera).to_be_hidden()


def test_without_javascript_there_is_the_file_input_only(new_page, screenshot):
    from playwright.sync_api import expect

    page = new_page(**PHONE, javascript=False)
    start_case(page)
    side = page.locator("#side-passport")
    expect(side.locator(".camera-open")).to_be_hidden()
    expect(side.locator(".dropzone-hint")).to_be_hidden()  # dropping needs the script
    expect(side.locator("input[type=file]")).to_be_visible()
    assert side.locator("input[type=file]").get_attribute("capture") is None  # the library and the camera both offered
    screenshot(page, "no-javascript")


# --- country search --------------------------------------------------------------------------


@pytest.mark.parametrize(("device", "language", "query", "code"), [
    (PHONE, "ar", "بولندا", "POL"), (DESKTOP, "zh-hans", "法国", "FRA"), (PHONE, "en", "ivoire", "CIV"),
], ids=["phone-ar", "desktop-zh", "phone-en"])
def test_country_search_by_name_in_the_applicants_language(new_page, screenshot, device, language, query, code):
    from playwright.sync_api import expect

    page = new_page(**device)
    open_in(page, language)
    page.fill("[data-country-search]", query)
    expect(page.locator("select[name=issuing_country]")).to_have_value(code)
    screenshot(page, "country-search")


# --- the rejection page ----------------------------------------------------------------------

REJECTION = {
    "en": ("The document you sent has expired.", "What you can do next"),
    "ar": ("الوثيقة التي أرسلتها منتهية الصلاحية.", "ما يمكنك فعله الآن"),
    "zh-hans": ("您提交的证件已过期。", "您接下来可以做什么"),
}


@pytest.mark.parametrize(("device", "language"), LANGUAGES, ids=LANGUAGE_IDS)
def test_a_rejected_applicant_sees_why_and_what_to_do_next(new_page, screenshot, device, language):
    from playwright.sync_api import expect

    page = new_page(**device)
    open_in(page, language)
    case_id = start_case(page)
    reviewer = get_user_model().objects.create_user("browser-reviewer")
    Decision.objects.create(case_id=case_id, reviewer=reviewer, outcome="reject", reason_codes=["document-expired"])
    Case.objects.filter(id=case_id).update(state="rejected")
    page.goto(f"/cases/{case_id}/status/")
    reason, next_heading = REJECTION[language]
    expect(page.locator(".rejection-reasons")).to_contain_text(reason)
    expect(page.locator("#rejection")).to_contain_text(next_heading)
    screenshot(page, "rejected")
    page.locator("#rejection a.button").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("form.start-form")).to_be_visible()


# --- error pages -----------------------------------------------------------------------------

WAY_BACK = {"en": "Back to the start page", "ar": "العودة إلى صفحة البداية", "zh-hans": "返回首页"}


@pytest.mark.parametrize(("device", "language"), LANGUAGES, ids=LANGUAGE_IDS)
def test_each_error_page_is_ours_in_the_applicants_language(new_page, screenshot, settings, live_server, device, language):
    # The browser's own language says it too: pages answered without our cookie (another host, a
    # lost session) still speak the applicant's language.
    locale = {"en": "en-GB", "ar": "ar", "zh-hans": "zh-CN"}[language]
    page = new_page(**device, locale=locale, accept_language=language)
    open_in(page, language)
    case_id = start_case(page)
    html_lang = language

    def check(status: int, name: str) -> None:
        assert page.locator("html").get_attribute("lang").lower() == html_lang, name
        assert page.locator(".error-page").count() == 1, name
        screenshot(page, f"{status}-{name}")

    # 400: a request for a host name we do not serve.
    settings.ALLOWED_HOSTS = ["localhost"]
    response = page.goto(live_server.url.replace("localhost", "127.0.0.1") + "/")
    assert response.status == 400
    check(400, "bad-host")
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    # 403: the case in a browser that never opened its link.
    other = new_page(**device, locale=locale, accept_language=language)
    response = other.goto(f"/cases/{case_id}/")
    assert response.status in (403, 404)
    assert other.locator(".error-page").count() == 1
    screenshot(other, f"{response.status}-another-browser")
    # 403: a form posted after its security token was lost.
    page.goto("/")
    page.context.clear_cookies()
    page.fill("input[name=email]", "applicant@example.test")
    page.check("input[name=document_type][value=passport]")
    page.check("input[name=consent_processing]")
    with page.expect_navigation() as navigation:
        page.click("form.start-form button[type=submit]")
    assert navigation.value.status == 403
    check(403, "form-expired")
    open_in(page, language)
    # 404.
    response = page.goto("/cases/00000000-0000-0000-0000-000000000000/")
    assert response.status == 404
    check(404, "not-found")
    assert page.locator(f"text={WAY_BACK[language]}").count() == 1
    if language == "en":  # (test_applicant_flow.py's own 404 test, with a browser of its own, until now)
        assert "open the link in the email we sent you" in page.content()
    response = page.goto("/resume/not-a-token/")
    assert response.status == 404
    check(404, "bad-link")
    # 410: a continue link past its time.
    settings.APPLICANT_LINK_MAX_AGE_SECONDS = -1
    from kyc.access.applicants import resume_token

    response = page.goto(f"/resume/{resume_token(Case.objects.get(id=case_id))}/")
    assert response.status == 410
    check(410, "link-expired")
    # 429: too many cases from one address.
    settings.APPLICANT_CASE_RATE = "0/3600"
    page.goto("/")
    page.fill("input[name=email]", "applicant@example.test")
    page.check("input[name=document_type][value=passport]")
    page.check("input[name=consent_processing]")
    with page.expect_navigation() as navigation:
        page.click("form.start-form button[type=submit]")
    assert navigation.value.status == 429
    check(429, "too-many")
    # 500: what our handler answers when a view fails, served at an address of the live server so
    # that the browser loads the page's own styles (nothing here can make a real view fail).
    from django.test import RequestFactory
    from django.utils import translation
    from django.views.defaults import (
        server_error,  # Django's handler500, rendering templates/500.html
    )

    with translation.override(language):
        failed = server_error(RequestFactory().get("/"))
    assert failed.status_code == 500
    page.route("**/failing-page/", lambda route: route.fulfill(
        status=500, body=failed.content, headers={"Content-Type": "text/html; charset=utf-8"}
    ))
    response = page.goto("/failing-page/")
    assert response.status == 500
    check(500, "server-error")
