"""The applicant flow in headless Chromium: desktop and phone, English and Arabic, every refusal.

Screenshots of each step land in test-artifacts/browser/<test>/.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from django.db import transaction
from django.utils import translation
from PIL import Image

from kyc.core.audit import Actor
from kyc.domain.workflow import CaseState
from kyc.models import Case, Document
from kyc.services.cases import case_transition
from kyc.tasks import read_document
from tests.browser.conftest import DESKTOP, PHONE
from tests.support.providers import GREEN, colour_image

# Roles and reason codes come back after every flush (kyc/access/roles.py, on post_migrate).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASE_URL = re.compile(r"/cases/([0-9a-f-]{36})/$")
STATUS_URL = re.compile(r"/cases/([0-9a-f-]{36})/status/$")


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}


def png(colour=GREEN, size=(640, 420)) -> dict:
    return {"name": "photo.png", "mimeType": "image/png", "buffer": colour_image(colour, size=size)}


def choose_language(page, code: str) -> None:
    with page.expect_navigation():
        page.select_option("#language-select", code)


def start_case(page, *, document_type="passport", name="Alex Tester", birth="1990-01-31") -> str:
    page.goto("/")
    page.fill("input[name=email]", "applicant@example.test")
    page.check(f"input[name=document_type][value={document_type}]")
    page.fill("input[name=declared_full_name]", name)
    page.fill("input[name=declared_birth_date]", birth)
    page.check("input[name=consent_processing]")
    page.click("form.start-form button[type=submit]")
    page.wait_for_url(CASE_URL)
    return CASE_URL.search(page.url).group(1)


def upload_side(page, kind: str, file: dict) -> None:
    from playwright.sync_api import expect

    side = page.locator(f"#side-{kind}")
    side.locator("input[type=file]").set_input_files(file)
    expect(side.locator(".preview")).to_be_visible()
    side.locator("button[type=submit]").click()
    expect(side.locator(".received")).to_be_visible()
    expect(side.locator(".client-error")).to_be_hidden()


def text_box(page, selector: str) -> dict:
    """Where the text of the first element matching ``selector`` is drawn (not its block's box)."""
    return page.evaluate(
        """(selector) => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector(selector));
            const box = range.getBoundingClientRect();
            return {left: box.left, right: box.right};
        }""",
        selector,
    )


def read_all(case_id) -> None:
    for document in Document.objects.filter(case_id=case_id, is_current=True, read_state="pending"):
        read_document.apply(args=[str(document.id)], task_id=f"browser-{document.id}")


def ask_for_new_image(case_id, kind: str, reason: str) -> None:
    """What a reviewer's request for a new image does, through the audited services."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(id=case_id)
        case_transition(case=case, target=CaseState.RESUBMISSION_REQUESTED, actor=Actor.system("test"), reason=reason)
        Document.objects.filter(case=case, kind=kind, is_current=True).update(is_current=False)


@pytest.mark.parametrize(
    ("device", "language"), [(DESKTOP, "en"), (PHONE, "ar")], ids=["desktop-en", "phone-ar"]
)
def test_passport_flow_with_live_status(new_page, screenshot, scripted_ocr, device, language):
    from playwright.sync_api import expect

    page = new_page(**device)
    page.goto("/")
    if language != "en":
        choose_language(page, language)
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    screenshot(page, "1-start")
    case_id = start_case(page)
    screenshot(page, "2-case")
    side = page.locator("#side-passport")
    # The file input offers camera and library alike (the in-page camera has its own button).
    expect(side.locator("input[type=file]")).not_to_have_attribute("capture", "environment")
    side.locator("input[type=file]").set_input_files(png())
    expect(side.locator(".preview")).to_be_visible()
    screenshot(page, "3-preview")
    side.locator("button[type=submit]").click()
    expect(side.locator(".received")).to_be_visible()
    screenshot(page, "4-received")
    page.click("#submit-case")
    page.wait_for_url(STATUS_URL)
    state = page.locator("#case-state")
    expect(state).to_have_attribute("data-state", "submitted")
    with translation.override(language):
        from django.utils.translation import gettext

        waiting = gettext("Waiting for a reviewer")
        read_label = gettext("Read")
    expect(page.locator(".declared-name")).to_have_text("Alex Tester")
    screenshot(page, "5-submitted")
    read_all(case_id)
    # No reload: the page follows the case by itself.
    expect(state).to_have_text(waiting, timeout=20_000)
    expect(page.locator('#documents [data-kind="passport"] .read-state')).to_have_text(read_label)
    if language == "ar":
        expect(page.locator(".birth-date")).to_contain_text("يناير")
        # Right to left: the heading and the labels hug the right edge of the page.
        width = page.viewport_size["width"]
        for selector in ("h1", ".case-summary dt"):
            box = text_box(page, selector)
            assert box["right"] > width - 40 and box["left"] > width / 3, (selector, box)
    screenshot(page, "6-ready-for-review")
    assert Case.objects.get(id=case_id).state == "ready_for_review"


@pytest.mark.parametrize(("device", "language"), [(DESKTOP, "en"), (PHONE, "ar")], ids=["desktop-en", "phone-ar"])
def test_resubmission_replaces_only_the_requested_side(new_page, screenshot, scripted_ocr, device, language):
    from playwright.sync_api import expect

    page = new_page(**device)
    page.goto("/")
    if language != "en":
        choose_language(page, language)
    case_id = start_case(page, document_type="emirates_id")
    upload_side(page, "emirates_id_front", png())
    upload_side(page, "emirates_id_back", png())
    page.click("#submit-case")
    page.wait_for_url(STATUS_URL)
    read_all(case_id)
    expect(page.locator("#case-state")).to_have_attribute("data-state", "ready_for_review", timeout=20_000)

    ask_for_new_image(case_id, "emirates_id_back", "The back side is too blurry: please take it again in good light.")
    notice = page.locator("#resubmission")
    expect(notice).to_be_visible(timeout=20_000)
    expect(notice.locator(".reason")).to_have_text("The back side is too blurry: please take it again in good light.")
    back = page.locator('#documents [data-kind="emirates_id_back"]')
    expect(back).to_have_class(re.compile("requested"))
    with translation.override(language):
        expect(back.locator(".read-state")).to_have_text(translation.gettext("New image needed"))
    screenshot(page, "1-status-asks-for-back")

    notice.locator("a").click()
    page.wait_for_url(CASE_URL)
    expect(page.locator("#side-emirates_id_back")).to_have_class(re.compile("requested"))
    expect(page.locator("#side-emirates_id_front")).not_to_have_class(re.compile("requested"))
    expect(page.locator("#side-emirates_id_front .received")).to_be_visible()
    screenshot(page, "2-case-back-requested")
    upload_side(page, "emirates_id_back", png())
    page.click("#submit-case")
    page.wait_for_url(STATUS_URL)
    assert Document.objects.filter(case_id=case_id, is_current=True, read_state="pending").count() == 1
    read_all(case_id)
    expect(page.locator("#case-state")).to_have_attribute("data-state", "ready_for_review", timeout=20_000)
    screenshot(page, "3-resubmitted")


def _noise_png(size) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _declared_png(width, height) -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _truncated_jpeg() -> bytes:
    content = colour_image(GREEN, size=(640, 420), fmt="JPEG")
    return content[: len(content) // 2]


# (id, file, English words the message contains, msgid when the message has no numbers in it)
REFUSED = [
    ("pdf-named-jpg", {"name": "scan.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF"},
     "PDF files are not accepted", "PDF files are not accepted. Please upload a photo or scan of the document as a JPEG or PNG image."),
    ("heic", {"name": "IMG_0001.HEIC", "mimeType": "image/heic", "buffer": b"\x00\x00\x00\x18ftypheic" + b"\x00" * 200},
     "HEIC/HEIF photos", None),
    ("heic-named-jpg", {"name": "IMG_0002.jpg", "mimeType": "image/jpeg", "buffer": b"\x00\x00\x00\x18ftypmif1" + b"\x00" * 200},
     "HEIC/HEIF photos", None),
    ("gif", {"name": "anim.gif", "mimeType": "image/gif", "buffer": b"GIF89a" + b"\x00" * 200},
     "not a JPEG, PNG, BMP or TIFF", "This file is not a JPEG, PNG, BMP or TIFF image. Please upload a photo or scan of the document."),
    ("text-named-png", {"name": "photo.png", "mimeType": "image/png", "buffer": b"this is not an image, just text"},
     "not a JPEG, PNG, BMP or TIFF", "This file is not a JPEG, PNG, BMP or TIFF image. Please upload a photo or scan of the document."),
    ("empty", {"name": "empty.png", "mimeType": "image/png", "buffer": b""},
     "The file is empty", "The file is empty. Please choose a photo or scan of the document."),
    ("truncated-jpeg", {"name": "cut.jpg", "mimeType": "image/jpeg", "buffer": _truncated_jpeg()},
     "could not be read as an image", "This file could not be read as an image (it may be damaged or incomplete). Please take the photo again or upload another file."),
    ("too-small", {"name": "tiny.png", "mimeType": "image/png", "buffer": colour_image(GREEN, size=(150, 120))},
     "at least 200 pixels", None),
    ("too-many-pixels", {"name": "bomb.png", "mimeType": "image/png", "buffer": _declared_png(50_000, 50_000)},
     "larger than", None),
    ("too-many-bytes", {"name": "big.png", "mimeType": "image/png", "buffer": _noise_png((900, 700))},
     "1 MB", None),
]


@pytest.mark.parametrize(("device", "language"), [(DESKTOP, "en"), (PHONE, "ar")], ids=["desktop-en", "phone-ar"])
def test_each_refused_file_shows_its_message(new_page, screenshot, settings, device, language):
    from playwright.sync_api import expect

    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    page = new_page(**device)
    page.goto("/")
    if language != "en":
        choose_language(page, language)
    case_id = start_case(page)
    side = page.locator("#side-passport")
    error = side.locator(".client-error")
    for name, file, words, msgid in REFUSED:
        side.locator("input[type=file]").set_input_files(file)
        side.locator("button[type=submit]").click()
        expect(error).to_be_visible()
        if language == "en":
            expect(error).to_contain_text(words)
        elif msgid:
            with translation.override(language):
                expect(error).to_have_text(translation.gettext(msgid))
        else:
            expect(error).not_to_be_empty()
        assert error.inner_text().strip(), name
        screenshot(page, f"refused-{name}", full_page=False)
    assert Document.objects.filter(case_id=case_id).count() == 0

    # A good photo goes through; the very same one again is refused by the server.
    good = png()
    upload_side(page, "passport", good)
    side.locator("input[type=file]").set_input_files(good)
    side.locator("button[type=submit]").click()
    expect(error).to_be_visible()
    if language == "en":
        expect(error).to_contain_text("already attached")
    screenshot(page, "refused-duplicate", full_page=False)
    assert Document.objects.filter(case_id=case_id).count() == 1


def test_without_javascript_the_server_explains_refusals(new_page, screenshot):
    from playwright.sync_api import expect

    page = new_page(**PHONE, javascript=False)
    case_id = start_case(page)
    side = page.locator("#side-passport")
    side.locator("input[type=file]").set_input_files(REFUSED[0][1])
    side.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases/.*/"))
    expect(page.locator(".message.error")).to_contain_text("PDF files are not accepted")
    screenshot(page, "no-js-refused")
    side.locator("input[type=file]").set_input_files(png())
    side.locator("button[type=submit]").click()
    expect(page.locator(".message").first).to_contain_text("received")
    expect(side.locator(".received")).to_be_visible()
    page.click("#submit-case")
    page.wait_for_url(STATUS_URL)
    assert Case.objects.get(id=case_id).state == "submitted"
    screenshot(page, "no-js-submitted")


def test_drag_and_drop_on_desktop(browser_page, screenshot):
    from playwright.sync_api import expect

    page = browser_page
    start_case(page)
    content = list(colour_image(GREEN))
    page.evaluate(
        """(bytes) => {
            const file = new File([new Uint8Array(bytes)], "dropped.png", {type: "image/png"});
            const transfer = new DataTransfer();
            transfer.items.add(file);
            const zone = document.querySelector("#side-passport .dropzone");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""",
        content,
    )
    side = page.locator("#side-passport")
    expect(side.locator(".preview")).to_be_visible()
    screenshot(page, "dropped-preview")
    side.locator("button[type=submit]").click()
    expect(side.locator(".received")).to_be_visible()


def test_chinese_id_asks_for_separate_consent_first(new_page, screenshot):
    from playwright.sync_api import expect

    page = new_page(**PHONE)
    page.goto("/")
    choose_language(page, "zh-hans")
    start_case(page, document_type="cn_resident_id", name="测试", birth="1949-12-31")
    consent = page.locator("#sensitive-consent")
    expect(consent).to_be_visible()
    expect(page.locator("#side-cn_id_portrait .upload-form")).to_have_count(0)
    screenshot(page, "1-consent-zh")
    consent.locator("input[name=consent_sensitive]").check()
    consent.locator("button[type=submit]").click()
    expect(page.locator("#sensitive-consent")).to_have_count(0)
    upload_side(page, "cn_id_portrait", png())
    upload_side(page, "cn_id_emblem", png())
    screenshot(page, "2-uploaded-zh")


def test_country_search_finds_poland_and_the_case_keeps_it(new_page, screenshot):
    # The search in the applicant's language (Arabic, Chinese, accents) is test_applicant_capture.py's
    # country search; a Chinese variant of this test (波兰 on a phone) searched Chinese names a
    # second time, with a browser of its own.
    from playwright.sync_api import expect

    page = new_page(**DESKTOP)
    page.goto("/")
    select = page.locator("select[name=issuing_country]")
    # en-GB browsers get the United Kingdom first, before the alphabetical list.
    expect(select.locator("option").nth(1)).to_have_attribute("value", "GBR")
    page.fill("[data-country-search]", "poland")
    expect(select).to_have_value("POL")
    screenshot(page, "country-search")
    page.fill("input[name=email]", "applicant@example.test")
    page.check("input[name=document_type][value=passport]")
    page.check("input[name=consent_processing]")
    page.click("form.start-form button[type=submit]")
    page.wait_for_url(CASE_URL)
    assert Case.objects.get(id=CASE_URL.search(page.url).group(1)).issuing_country == "POL"


@pytest.mark.parametrize(("device", "language"), [(DESKTOP, "en"), (PHONE, "ar")], ids=["desktop-en", "phone-ar"])
def test_the_quality_gate_asks_for_a_retake_at_once(new_page, screenshot, settings, device, language):
    from playwright.sync_api import expect

    settings.CAPTURE_GATE_ENABLED = True
    page = new_page(**device)
    page.goto("/")
    if language != "en":
        choose_language(page, language)
    case_id = start_case(page)
    side = page.locator("#side-passport")
    blue = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 80, 200)).save(blue, format="PNG")
    side.locator("input[type=file]").set_input_files({"name": "blue.png", "mimeType": "image/png", "buffer": blue.getvalue()})
    side.locator("button[type=submit]").click()
    prompt = {"en": "We cannot see a document in this photo", "ar": "لا تظهر وثيقة في هذه الصورة"}[language]
    expect(side.locator(".client-error")).to_contain_text(prompt)
    screenshot(page, "gate-refusal")
    assert not Document.objects.filter(case_id=case_id).exists()
