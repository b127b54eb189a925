"""Issue 19 in headless Chromium on a phone, in English and in Arabic: the biometric consent, the
selfie taken with the in-page camera (front camera, oval frame), the head-turn burst and submit.

The camera is Chromium's fake device playing a video generated here from scikit-image's
public-domain astronaut photograph (the face moves sideways across the frames). What the faces
show is judged by the face engine after submission, not here: this test drives the capture side.
"""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from skimage import data as skimage_data

from kyc.models import Case, Document, LivenessCapture
from tests.browser.conftest import PHONE
from tests.browser.test_applicant_capture import camera_page, jpeg_file, open_in  # noqa: F401 (a fixture)
from tests.browser.test_applicant_flow import start_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBMITTED = {"en": "/status/", "ar": "/status/"}


@pytest.fixture(autouse=True)
def _own_cache_and_selfie_asked(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}
    settings.SELFIE_REQUIREMENT = "required"


def face_frames(count: int = 12, size=(640, 480)) -> list[np.ndarray]:
    """The astronaut's head and shoulders on a plain wall, moving sideways a little each frame."""
    face = skimage_data.astronaut()[0:300, 100:380]  # her face and helmet
    frames = []
    for i in range(count):
        frame = np.full((size[1], size[0], 3), (205, 200, 190), np.uint8)
        left = 150 + 8 * (i - count // 2)
        frame[90:390, left:left + 280] = face
        frames.append(frame)
    return frames


def write_video(path, frames) -> str:
    h, w = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return str(path)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_selfie_and_head_turn_on_a_phone_then_submit(camera_page, screenshot, tmp_path, language):  # noqa: F811
    from playwright.sync_api import expect

    frames = face_frames()
    # camera_page writes a still video of its frame; Chromium opens the file when the page first
    # asks for the camera, so the moving one written over it now is what the page sees.
    page = camera_page(frames[0], viewport=PHONE["viewport"], mobile=True)
    write_video(next(tmp_path.glob("camera-*.y4m")), frames)
    open_in(page, language)
    case_id = start_case(page)
    passport = page.locator("#side-passport")
    passport.locator("input[type=file]").set_input_files(jpeg_file(frames[0], "passport.jpg"))
    passport.locator("button[type=submit]").click()
    expect(passport.locator(".received")).to_be_visible()

    # No face before the separate consent.
    step = page.locator("#selfie-step")
    expect(step.locator("#biometric-consent")).to_be_visible()
    expect(page.locator("#side-selfie")).to_have_count(0)
    screenshot(page, "consent")
    step.locator("input[name=consent_biometric]").check()
    step.locator("#biometric-consent button[type=submit]").click()
    selfie = page.locator("#side-selfie")
    expect(selfie).to_be_visible()

    # The selfie with the in-page camera (the front one, an oval frame).
    selfie.locator(".camera-open").click()
    camera = page.locator("#camera")
    expect(camera).to_have_attribute("data-shape", "face")
    screenshot(page, "selfie-camera", full_page=False)
    camera.locator(".camera-shoot").click()
    expect(selfie.locator(".received")).to_be_visible()
    assert page.locator("#submit-case").get_attribute("data-incomplete") is not None

    # The head-turn burst: the instruction of the moment, then "received".
    liveness = page.locator("#side-liveness")
    expect(liveness.locator(".liveness-nojs")).to_be_hidden()
    # Every instruction the applicant is shown, in order: one look after a fixed wait sampled a
    # moment that a loaded machine had already moved past ("turn right", "Sending...").
    page.evaluate("""() => {
        const shown = document.querySelector("#liveness-camera .liveness-instruction");
        window.instructionsShown = [];
        new MutationObserver(() => {
            const text = shown.textContent.trim();
            if (text && window.instructionsShown.at(-1) !== text) window.instructionsShown.push(text);
        }).observe(shown, {childList: true, characterData: true, subtree: true});
    }""")
    liveness.locator(".liveness-start").click()
    expect(page.locator("#liveness-camera")).to_be_visible()
    page.wait_for_timeout(1500)
    screenshot(page, "head-turn", full_page=False)
    expect(liveness.locator(".received")).to_be_visible(timeout=20_000)
    capture = LivenessCapture.objects.get(case_id=case_id)
    words = {"en": {"left": "left", "right": "right"}, "ar": {"left": "يسار", "right": "يمين"}}[language]
    first, then = {"turn_left_then_right": ("left", "right"), "turn_right_then_left": ("right", "left")}[capture.challenge]
    shown = page.evaluate("window.instructionsShown")
    turns = [words[side] for side in (first, then)]
    asked = [text for text in shown if any(word in text for word in turns)]
    # The challenge the server chose, in its order: the first direction, then the other.
    assert len(asked) >= 2 and turns[0] in asked[0] and turns[1] in asked[-1], shown
    expect(liveness.locator(".client-error")).to_be_hidden()
    assert page.locator("#submit-case").get_attribute("data-incomplete") is None
    screenshot(page, "all-received")

    capture.refresh_from_db()
    stored = list(capture.frames.order_by("index"))
    assert capture.is_current and 8 <= len(stored) <= 12
    offsets = [f.offset_ms for f in stored]
    assert offsets == sorted(offsets) and 2000 <= offsets[-1] - offsets[0] <= 4000
    assert all(max(f.width, f.height) <= 640 for f in stored)
    assert len({f.sha256 for f in stored}) > len(stored) // 2  # frames of a moving picture, not one still
    assert Document.objects.get(case_id=case_id, kind="selfie").read_state == "not_read"

    page.locator("#submit-case").click()
    page.wait_for_url(f"**{SUBMITTED[language]}")
    assert Case.objects.get(id=case_id).state in ("submitted", "processing", "ready_for_review", "needs_attention")


def test_without_javascript_the_applicant_uploads_a_selfie_skips_the_head_turn_and_submits(new_page, screenshot):
    """A phone browser with JavaScript off (so no camera): the selfie through the plain upload
    form, then "Continue without the head-turn check"; the case is submitted, and the status page
    lists the selfie as received and the head-turn check as not done."""
    from playwright.sync_api import expect

    from kyc.core.models import AuditEvent
    from tests.browser.test_applicant_flow import png

    page = new_page(**PHONE, javascript=False)
    case_id = start_case(page)
    passport = page.locator("#side-passport")
    passport.locator("input[type=file]").set_input_files(png())
    passport.locator("button[type=submit]").click()
    expect(passport.locator(".received")).to_be_visible()
    page.locator("#biometric-consent input[name=consent_biometric]").check()
    page.locator("#biometric-consent button[type=submit]").click()

    selfie = page.locator("#side-selfie")
    expect(selfie.locator(".camera-open")).to_be_hidden()
    selfie.locator("input[type=file]").set_input_files(jpeg_file(face_frames(1)[0], "selfie.jpg"))
    selfie.locator("button[type=submit]").click()
    expect(selfie.locator(".received")).to_be_visible()
    liveness = page.locator("#side-liveness")
    expect(liveness.locator(".liveness-nojs")).to_be_visible()
    expect(liveness.locator(".liveness-start")).to_be_hidden()
    screenshot(page, "no-camera-offered-skip")
    liveness.locator("#liveness-skip").click()
    expect(page.locator("#liveness-skipped")).to_be_visible()
    expect(page.locator(".message").first).to_contain_text("the head-turn check was not done")
    screenshot(page, "skipped")

    page.click("#submit-case")
    page.wait_for_url("**/status/")
    assert Case.objects.get(id=case_id).state != "draft"
    assert AuditEvent.objects.filter(case_id=case_id, action="liveness.skipped").exists()
    # Received, or Checked once the face checks have run (a worker may be that quick).
    expect(page.locator('#documents li[data-kind="selfie"] .read-state')).to_have_text(re.compile("Received|Checked"))
    expect(page.locator('#documents li[data-kind="liveness"] .read-state')).to_have_text("Not done (no camera)")
    screenshot(page, "status")
