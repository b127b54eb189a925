"""The reviewer pages in Arabic (right to left) and Chinese, chosen with the language picker, and
the evidence PDF as a senior reviewer downloads it. Screenshots go to test-artifacts/browser/<test>/."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from kyc.core.audit import Actor
from kyc.models import Case
from kyc.services.assignments import case_claim
from kyc.services.decisions import case_decide
from tests.browser.test_reviewer_flow import _in_viewport, sign_in
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import ensure_roles, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def _choose_language(page, code: str) -> None:
    page.wait_for_load_state("load")
    with page.expect_navigation():
        page.select_option("#language-select", code)  # the picker sends itself


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)], ids=["desktop", "tablet"])
def test_the_workspace_in_arabic_runs_right_to_left_and_keeps_documents_left_to_right(
        new_page, screenshot, scripted_ocr, fast_hashing, size):
    ensure_roles()
    staff_member("reviewer", username="rita")
    case = ready_case(failed=True, warned=True)
    page = new_page(viewport={"width": size[0], "height": size[1]})
    sign_in(page, "rita")
    _choose_language(page, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("h1")).to_have_text("قائمة الانتظار")
    expect(page.locator("tr.queue-row")).to_contain_text("جواز السفر")  # the document type, in Arabic
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, f"queue-ar-{size[0]}")

    page.goto(f"/review/cases/{case.id}/")
    page.wait_for_load_state("load")
    page.keyboard.press("c")  # the shortcuts are the same keys in every language
    expect(page.locator("#assignee")).to_have_text("أنت")
    page.wait_for_load_state("load")
    screenshot(page, f"workspace-ar-{size[0]}x{size[1]}", full_page=False)
    # Mirrored: the decision panel starts on the left (desktop) and the image column on the right.
    if size[0] >= 1200:
        assert _box(page, ".ws-decision")["x"] < _box(page, ".ws-main")["x"] < _box(page, ".ws-images")["x"]
    else:
        assert _box(page, ".ws-main")["x"] < _box(page, ".ws-images")["x"]
    assert _in_viewport(page, "#decision-form button[type=submit]")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    # The document and its MRZ are never mirrored.
    assert page.evaluate("getComputedStyle(document.querySelector('.viewer')).direction") == "ltr"
    assert page.evaluate("getComputedStyle(document.querySelector('.viewer svg')).transform") == "none"
    # Findings, states and buttons in Arabic; the finding's evidence table keeps its values.
    failed = page.locator("details.finding.outcome-fail")
    expect(failed.locator("> summary")).to_contain_text("لم ينجح")
    expect(failed.locator("table.evidence thead")).to_contain_text("المتوقَّع")
    expect(failed.locator("table.evidence tbody")).to_contain_text("1990-01-07")
    expect(page.locator("#decide-next")).to_have_text("تسجيل القرار وفتح الطلب التالي")
    # Reject with the keyboard: the suggested reason is ticked, the note has the focus.
    page.keyboard.press("x")
    expect(page.locator("textarea[name=note]")).to_be_focused()
    page.keyboard.type("تاريخ الميلاد في منطقة القراءة الآلية يخالف المطبوع.")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".message.info")).to_contain_text("قائمة الانتظار فارغة")
    assert Case.objects.get(id=case.id).state == "rejected"


def test_the_queue_and_the_workspace_in_chinese(browser_page, screenshot, scripted_ocr, fast_hashing):
    ensure_roles()
    staff_member("reviewer", username="rita")
    case = ready_case("emirates_id", failed=True)
    page = browser_page
    sign_in(page, "rita")
    _choose_language(page, "zh-hans")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("h1")).to_have_text("待审队列")
    row = page.locator("tr.queue-row", has_text=case.reference)
    expect(row).to_contain_text("阿联酋身份证")
    expect(row).to_contain_text("1 项未通过")
    expect(row.locator(".sla-timer")).to_contain_text("剩余")
    page.get_by_label("超出 SLA", exact=False).check()
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("tr.queue-row")).to_have_count(0)
    expect(page.locator("table.queue")).to_contain_text("没有匹配的申请。")
    page.goto(f"/review/cases/{case.id}/")
    expect(page.locator("h1")).to_contain_text(f"申请编号 {case.reference}")
    expect(page.locator(".ws-fields thead").first).to_contain_text("印刷区")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_contain_text("记录决定并打开下一个申请")
    screenshot(page, "workspace-zh", full_page=False)


needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")


@needs_poppler
def test_a_senior_downloads_the_evidence_pdf_and_it_renders_with_the_image_and_the_findings(
        browser_page, scripted_ocr, fast_hashing, tmp_path):
    from PIL import Image

    ensure_roles()
    rita = staff_member("reviewer", username="rita")
    staff_member("senior", username="sam")
    case = ready_case(failed=True)
    case_claim(case_id=case.id, actor=Actor.staff(rita))
    case_decide(case_id=case.id, actor=Actor.staff(rita), outcome="reject", reason_codes=["data-mismatch"],
                note="The MRZ birth date contradicts the printed one.")
    page = browser_page
    sign_in(page, "sam")
    page.goto(f"/review/cases/{case.id}/")
    # The server renders the PDF before the download starts: on a loaded machine that took more
    # than the page's 15 s default, which is a wait for an element, not for a document.
    with page.expect_download(timeout=90_000) as download:
        page.click("#export-pdf", timeout=90_000)
    pdf = tmp_path / "evidence.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename == f"evidence-{case.reference}.pdf"

    # poppler renders every page; the first is not blank.
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    first = Image.open(pages[0]).convert("L")
    assert first.getextrema()[0] < 100  # some ink on it
    # The document image is in it, once per document.
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(listing.splitlines()[2:]) == case.documents.count()
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert f"Evidence for case {case.reference}" in text
    assert "The birth date in the MRZ differs from the visual zone." in text
    assert "Reject · Final" in text and "The MRZ birth date contradicts the printed one." in text
    assert "Intact" in text
