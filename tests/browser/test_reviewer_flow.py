"""A reviewer in headless Chromium: sign in, find the case in the queue, claim it, inspect the
images and evidence, decide. Screenshots go to test-artifacts/browser/<test>/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kyc.core.models import AuditEvent
from kyc.models import Case
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import PASSWORD, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(page, username):
    page.goto("/review/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_claim_inspect_decide(browser_page, screenshot, scripted_ocr, fast_hashing):
    staff_member("reviewer", username="rita")
    case = ready_case(declared_full_name="Alex Tester", issuing_country="GBR")
    page = browser_page

    sign_in(page, "rita")
    expect(page.locator("h1")).to_have_text("Queue")
    row = page.locator("tr.queue-row", has_text=case.reference)
    expect(row).to_contain_text("unassigned")
    screenshot(page, "1-queue")

    row.get_by_role("link", name=case.reference).click()
    expect(page.locator("#case-state")).to_have_text("Ready for review")
    expect(page.locator("#decision-form")).to_have_count(0)  # not claimed yet
    page.click("#claim")
    expect(page.locator("#assignee")).to_have_text("you")
    expect(page.locator(".message.success")).to_contain_text("The case is yours")

    # Inspect: the image comes through the permission-checked view, with field boxes over it.
    panel = page.locator("article.document").first
    expect(panel.locator("rect.field-box")).to_have_count(7)
    panel.get_by_title("Zoom in").click()
    panel.get_by_title("Rotate").click()
    svg = panel.locator("svg.document-image")
    expect(svg).to_have_attribute("data-zoom", "1.25")
    expect(svg).to_have_attribute("data-rotate", "90")
    fields = page.locator("article.document-fields").first
    expect(fields.locator("tr[data-field=surname] td").first).to_have_text("TESTER")
    raw = fields.locator("details.raw").first
    expect(raw.locator("pre")).to_be_hidden()
    raw.locator("summary").click()
    expect(raw.locator("pre")).to_contain_text("scripted")
    screenshot(page, "2-workspace-rotated")
    panel.get_by_title("Reset").click()
    expect(svg).to_have_attribute("data-rotate", "0")
    screenshot(page, "2-workspace")

    # Decide: the reason codes follow the chosen outcome.
    form = page.locator("#decision-form")
    form.get_by_label("Reject").check()
    expect(form.locator("label.reason-code", has_text="The document has expired")).to_be_visible()
    form.get_by_label("Approve").check()
    expect(form.locator("label.reason-code", has_text="The document has expired")).to_be_hidden()
    expect(form.locator(".requested-kinds")).to_be_hidden()
    form.locator("label.reason-code", has_text="Documents read cleanly").locator("input").check()
    screenshot(page, "3-decision")
    form.get_by_role("button", name="Record decision").click()

    expect(page.locator("#case-state")).to_have_text("Approved")
    expect(page.locator(".decision-row")).to_contain_text("Approve by rita")
    expect(page.locator(".timeline-list")).to_contain_text("case.decided")
    screenshot(page, "4-decided")

    assert Case.objects.get(id=case.id).state == "approved"
    assert AuditEvent.objects.filter(case_id=case.id, action="document.viewed", actor_label="rita").exists()


def test_override_needs_a_second_senior_reviewer(browser_page, new_page, screenshot, scripted_ocr, fast_hashing):
    staff_member("senior", username="sam")
    staff_member("senior", username="sue")
    case = ready_case(failed=True)
    page = browser_page
    sign_in(page, "sam")
    page.goto(f"/review/cases/{case.id}/")
    page.click("#claim")
    form = page.locator("#decision-form")
    expect(form).to_contain_text("A check failed")
    form.get_by_label("Approve").check()
    form.locator("label.reason-code", has_text="Verified by hand").locator("input").check()
    form.get_by_role("button", name="Record decision").click()
    # Refused: the error is next to the note, and what was chosen is still chosen.
    expect(form.locator("#field-note .field-error")).to_contain_text("explain in a note")
    expect(form.get_by_label("Approve")).to_be_checked()
    expect(form.locator("label.reason-code", has_text="Verified by hand").locator("input")).to_be_checked()
    form.locator("textarea[name=note]").fill("MRZ misread; the printed date matches the photo page.")
    form.get_by_role("button", name="Record decision").click()
    expect(page.locator(".notice", has_text="waits for a second")).to_be_visible()
    expect(page.locator("#second-review-form")).to_have_count(0)  # not for the first reviewer
    expect(page.locator("#case-state")).to_have_text("Ready for review")

    second = new_page()
    sign_in(second, "sue")
    second.goto("/review/?awaiting_second=1")
    second.get_by_role("link", name=case.reference).click()
    review = second.locator("#second-review-form")
    expect(review.get_by_label("Confirm the approval")).not_to_be_checked()  # no default: an explicit choice
    # The browser itself refuses to send the form without a choice (the server refuses too: unit tests).
    review.get_by_role("button", name="Record second review").click()
    expect(second.locator("#case-state")).to_have_text("Ready for review")
    review.get_by_label("Confirm the approval").check()
    screenshot(second, "second-review")
    review.get_by_role("button", name="Record second review").click()
    expect(second.locator("#case-state")).to_have_text("Approved")
    expect(second.locator(".decision-row")).to_contain_text(re.compile(r"second reviewer sue"))


def test_metrics_and_evidence_pages_render(browser_page, screenshot, scripted_ocr, fast_hashing):
    staff_member("senior", username="sam")
    case = ready_case(failed=True)
    page = browser_page
    sign_in(page, "sam")
    page.get_by_role("link", name="Metrics").click()
    expect(page.locator("svg.chart")).to_have_count(6)
    expect(page.locator("#queue-now")).to_have_text("1")
    screenshot(page, "metrics")
    page.goto(f"/review/cases/{case.id}/evidence/")
    expect(page.locator("#chain-result")).to_contain_text("Intact")
    screenshot(page, "evidence")
    page.emulate_media(media="print")
    expect(page.locator("h1")).to_contain_text(case.reference)


def _in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
             return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; }""",
        selector,
    )


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)], ids=["desktop", "tablet"])
def test_one_screen_per_case_with_the_decision_always_in_view(new_page, screenshot, scripted_ocr, fast_hashing,
                                                              size):
    staff_member("reviewer", username="rita")
    case = ready_case(failed=True, warned=True)
    page = new_page(viewport={"width": size[0], "height": size[1]})
    sign_in(page, "rita")
    page.goto(f"/review/cases/{case.id}/")
    page.click("#claim")
    expect(page.locator("#decision-form")).to_be_visible()
    screenshot(page, f"workspace-{size[0]}x{size[1]}", full_page=False)
    # Without scrolling: the image, the failed check and the button that records the decision.
    assert _in_viewport(page, "#decision-form button[type=submit]")
    assert _in_viewport(page, ".ws-images svg.document-image") or size[0] < 1200
    expect(page.locator("details.finding.outcome-fail")).to_have_attribute("open", "")
    expect(page.locator("#passed-checks")).not_to_have_attribute("open", "")
    # The page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, f"workspace-{size[0]}x{size[1]}", full_page=False)
    if size[0] >= 1200:
        # Scrolling the findings leaves the decision where it is.
        page.mouse.move(size[0] // 2, size[1] // 2)
        page.mouse.wheel(0, 2000)
        assert _in_viewport(page, "#decision-form button[type=submit]")


def test_a_clean_case_decided_with_the_keyboard_only_then_the_next_opens(browser_page, screenshot, scripted_ocr,
                                                                         fast_hashing):
    staff_member("reviewer", username="rita")
    first = ready_case()
    second = ready_case()
    page = browser_page
    sign_in(page, "rita")
    expect(page.locator("h1")).to_have_text("Queue")
    page.wait_for_load_state("load")  # the keys are the page script's: let it run first
    # Queue: j selects the first row, o opens it.
    page.keyboard.press("j")
    expect(page.locator("tr.queue-row.selected")).to_contain_text(first.reference)
    page.keyboard.press("o")
    expect(page.locator("h1")).to_contain_text(first.reference)
    page.wait_for_load_state("load")
    # ? lists the shortcuts; Esc closes the list.
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    expect(page.locator("#shortcuts")).to_contain_text("Record the decision and open the next case")
    screenshot(page, "shortcuts", full_page=False)
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()
    # Image keys.
    svg = page.locator("svg.document-image").first
    page.keyboard.press("+")
    expect(svg).to_have_attribute("data-zoom", "1.25")
    page.keyboard.press("r")
    expect(svg).to_have_attribute("data-rotate", "90")
    page.keyboard.press("0")
    expect(svg).to_have_attribute("data-rotate", "0")
    page.keyboard.press("b")
    expect(page.locator("g.boxes").first).to_be_hidden()
    # Claim, approve, first reason, record and open next: five keys.
    page.keyboard.press("c")
    expect(page.locator("#assignee")).to_have_text("you")
    page.wait_for_load_state("load")
    page.keyboard.press("a")
    expect(page.get_by_label("Approve")).to_be_checked()
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("h1")).to_contain_text(second.reference)
    page.wait_for_load_state("load")
    assert Case.objects.get(id=first.id).state == "approved"
    # The next case opened claimed: three keys decide it.
    expect(page.locator("#assignee")).to_have_text("you")
    page.wait_for_load_state("load")
    page.keyboard.press("a")
    page.keyboard.press("1")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".message.info")).to_contain_text("the queue is clear")
    assert Case.objects.get(id=second.id).state == "approved"


def test_queue_search_sort_and_sla_filter_also_on_a_phone(new_page, screenshot, scripted_ocr, fast_hashing):
    from datetime import timedelta

    from django.utils import timezone

    staff_member("reviewer", username="rita")
    anna = ready_case(declared_full_name="Anna Müller", failed=True)
    alex = ready_case("emirates_id", declared_full_name="Alex Tester")
    Case.objects.filter(id=anna.id).update(submitted_at=timezone.now() - timedelta(days=2))
    page = new_page(viewport={"width": 375, "height": 740}, mobile=True)
    sign_in(page, "rita")
    expect(page.locator("tr.queue-row")).to_have_count(2)
    page.wait_for_load_state("load")
    # Human labels, never internal names.
    expect(page.locator("tr.queue-row", has_text=alex.reference)).to_contain_text("UAE Emirates ID")
    expect(page.locator("table.queue")).not_to_contain_text("emirates_id")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    screenshot(page, "queue-phone")
    # "/" jumps to the search box.
    page.keyboard.press("/")
    expect(page.locator("#queue-search")).to_be_focused()
    page.keyboard.type("muller anna")
    page.keyboard.press("Enter")
    expect(page.locator("tr.queue-row")).to_have_count(1)
    expect(page.locator("tr.queue-row")).to_contain_text(anna.reference)
    page.goto("/review/?over_sla=1")
    expect(page.locator("tr.queue-row")).to_have_count(1)
    expect(page.locator("tr.queue-row .sla-timer")).to_contain_text("over by")
    page.goto("/review/")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="Waiting", exact=True).click()  # newest first now
    expect(page.locator("tr.queue-row").first).to_contain_text(alex.reference)


# The QR code as the browser paints it, read back at its own size: the served SVG drawn by Chromium
# onto a canvas once the image is decoded (img.decode(): complete, naturalWidth > 0). A screenshot of
# the page instead depended on when the compositor had painted it, and under load OpenCV sometimes
# found no code in it.
PAINT_QR = """async (svg) => {
    const image = new Image();
    image.src = "data:image/svg+xml;base64," + btoa(new XMLSerializer().serializeToString(svg));
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext("2d");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0);
    const shown = svg.getBoundingClientRect();
    return {png: canvas.toDataURL("image/png"), natural: [image.naturalWidth, image.naturalHeight],
            shown: [shown.width, shown.height]};
}"""


def decode_qr(png: bytes) -> str:
    """The text of the QR code in ``png`` as a phone's scanner would read it, or "" if none is found."""
    import cv2
    import numpy

    image = cv2.imdecode(numpy.frombuffer(png, numpy.uint8), cv2.IMREAD_GRAYSCALE)
    # Black and white at the painted size, with a quiet zone around it: a scanner sees no anti-aliasing.
    _, binary = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    framed = cv2.copyMakeBorder(binary, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        if text := detector.detectAndDecode(framed)[0]:
            return text
    return ""


def test_totp_enrolment_shows_a_qr_code_an_authenticator_can_scan(browser_page, new_page, screenshot, fast_hashing, db):
    import base64
    import time

    import pyotp

    staff_member("reviewer", username="rita")
    page = browser_page
    sign_in(page, "rita")
    page.goto("/review/account/second-factor/")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Set up").click()
    qr = page.locator("#totp-qr svg")
    expect(qr).to_be_visible()
    painted = qr.evaluate(PAINT_QR)
    assert painted["shown"] == painted["natural"]  # on screen at the size decoded here, not squeezed
    decoded = decode_qr(base64.b64decode(painted["png"].split(",", 1)[1]))
    assert decoded.startswith("otpauth://totp/"), "no QR code found in the painted image"
    scanned = pyotp.parse_uri(decoded)  # what the authenticator app keeps from the scan
    assert scanned.secret == page.locator("#totp-secret").inner_text()  # the key shown for typing too
    screenshot(page, "totp-qr")
    page.fill("input[name=code]", f"{(int(scanned.now()) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#totp-secret")).to_have_text(scanned.secret)  # the same key: the app's entry still works
    page.fill("input[name=code]", scanned.now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".message.success")).to_contain_text("Second factor enabled")

    # The scanned entry signs rita in. A code is accepted once, so she types the next step's code
    # (accepted one step early) rather than wait up to 30 s for the app to show a new one.
    later = new_page()
    sign_in(later, "rita")
    expect(later.locator("h1")).to_have_text("Enter the code from your authenticator")
    later.fill("input[name=code]", scanned.at(time.time() + scanned.interval))
    later.get_by_role("button", name="Verify").click()
    expect(later.locator("h1")).to_have_text("Queue")


def test_scripted_reviewer_actions_per_decision(browser_page, scripted_ocr, fast_hashing):
    """A scripted reviewer decides a clean and a failed passport case with the keyboard only; the
    actions (a key press, or one typed text) are counted and the seconds written to
    test-artifacts/browser/reviewer-actions.json (measured, never asserted).

    Before this page (issue 15): per case, open it from the queue, Claim, scroll ~4,900 px to the
    form, choose the outcome, tick a reason, (a failed case: click the note, type it,) Record, back to
    the queue: 7 actions for a clean case, 9 for a failed one. bench/reviewer_actions.py measures the
    same path on cases the embedded reader read."""
    import json
    import time

    from tests.browser.conftest import ARTIFACTS

    staff_member("reviewer", username="rita")
    clean = ready_case()
    failed = ready_case(failed=True)
    page = browser_page
    sign_in(page, "rita")
    actions = {"clean": 0, "failed": 0}
    seconds = {}

    def act(which, key=None, text=None):
        actions[which] += 1
        if text is not None:
            page.keyboard.type(text)
        else:
            page.keyboard.press(key)

    expect(page.locator("h1")).to_have_text("Queue")
    page.wait_for_load_state("load")
    page.keyboard.press("j")  # getting into the queue once, not per case
    page.keyboard.press("o")
    expect(page.locator("h1")).to_contain_text(clean.reference)
    page.wait_for_load_state("load")
    started = time.monotonic()
    act("clean", "c")
    expect(page.locator("#assignee")).to_have_text("you")
    page.wait_for_load_state("load")
    act("clean", "a")
    act("clean", "1")
    act("clean", "Control+Enter")
    expect(page.locator("h1")).to_contain_text(failed.reference)
    page.wait_for_load_state("load")
    seconds["clean"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    # The next case opened claimed. A failed check: reject; the reason the failed check points at
    # is ticked for the reviewer (marked "suggested") and the note has the focus.
    expect(page.locator("#assignee")).to_have_text("you")
    act("failed", "x")
    suggested = page.locator("label.reason-code[data-suggested]")
    expect(suggested).to_contain_text("disagree with each other")
    expect(suggested.locator("input")).to_be_checked()
    expect(page.locator("textarea[name=note]")).to_be_focused()
    act("failed", text="The MRZ birth date contradicts the printed one.")
    act("failed", "Control+Enter")
    expect(page.locator(".message.info")).to_contain_text("the queue is clear")
    seconds["failed"] = round(time.monotonic() - started, 2)
    assert Case.objects.get(id=clean.id).state == "approved"
    rejected = Case.objects.get(id=failed.id)
    assert rejected.state == "rejected"
    assert rejected.decisions.get().reason_codes == ["data-mismatch"]
    # The first case needs its claim (c); every next case opens claimed: 3 actions, against 7.
    assert actions == {"clean": 4, "failed": 3}
    before = {"clean": 7, "failed": 9}
    assert before["clean"] / (actions["clean"] - 1) >= 2 and before["failed"] / actions["failed"] >= 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "reviewer-actions.json").write_text(json.dumps(
        {"actions_after": actions, "actions_before": before, "seconds_after": seconds}, indent=2))
