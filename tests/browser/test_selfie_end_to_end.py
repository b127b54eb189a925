"""Issue 19 end to end in headless Chromium: an applicant on a phone sends a passport with their
portrait, a selfie (the upload fallback) and the head-turn burst from the camera; the case is read
and checked; a reviewer's workspace shows FACE_MATCH and LIVENESS.

The camera is Chromium's fake device playing a video made of the face specimens
(ocr_integration/specimens/faces.py: a public-domain photograph shipped by scikit-image, warped to
turn): one second looking ahead, three seconds turning left then right, two seconds ahead again,
every frame different (noise, a little shake), as a camera's frames are. The page's own capture
code picks and encodes the frames, so this drives the real capture path, not a chosen set of frames.

On a phone the camera and the page share one clock. Here they do not: Chromium's fake camera
delivers the file's frames one after another, and a busy machine delays them, while the page's
timers run on the wall clock and slip on their own. At a load of ~38
on 2 cores the page's ten grabs (300 ms apart) covered too little of the turn and LIVENESS failed
"no_turn". So the test gives the page a clock that follows the video: Playwright's clock holds the
page's timers, each video frame carries its index in a corner strip, and the test lets the page's
next timer fire only once the camera shows the frame that belongs to that moment of the page's
schedule (800 ms after the camera starts, then every 300 ms), and holds the video on that frame
(paused) until the grab has drawn it. How the frame is grabbed, encoded and sent stays the page's
own code.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from PIL import Image

from kyc.core.audit import Actor
from kyc.models import Case, CheckFinding, Document
from kyc.services.liveness import liveness_challenge_issue
from kyc.tasks import read_document
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    close_connections_of_the_playwright_loop,
)
from tests.browser.test_applicant_flow import start_case
from tests.browser.test_reviewer_flow import sign_in
from tests.support.personas import staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    # Changing the OCR settings resets the providers (a setting_changed receiver): no reset by hand.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}
    settings.SELFIE_REQUIREMENT = "required"
    settings.OCR_DEFAULT_PROVIDER = "tests.support.providers:SpecimenAnswerProvider"
    settings.OCR_ROUTING = {}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


FPS = 10
# The server reads each upload before the page says "received" (the face engine for the selfie
# and the burst): on a fully loaded 2-core machine that took more than expect's default 5 s.
SERVER_STEP_MS = 60_000
CLOCK_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
VIDEO_FRAMES = 6 * FPS
LEAD_IN_FRAMES = 800 * FPS // 1000  # the page's first grab (applicant.js: sleep(800))
# The frame index, in binary, as white/black blocks along the bottom-left edge (the astronaut's
# shoulder, far from the face the engine reads): the test reads which frame the camera shows.
MARK_BITS, MARK_SIZE = 6, 16


def _rgb(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB"))


def _marked(rgb: np.ndarray, index: int) -> np.ndarray:
    out = rgb.copy()
    bottom = out.shape[0]
    for bit in range(MARK_BITS):
        value = 255 if index >> bit & 1 else 0
        out[bottom - MARK_SIZE:bottom, bit * MARK_SIZE:(bit + 1) * MARK_SIZE] = value
    return out


def head_turn_video(path, fps: int = FPS) -> str:
    from ocr_integration.specimens import faces

    # The turn starts where the page's first grab falls (800 ms after the camera starts): the ten
    # grabs, 300 ms = 3 frames apart, then sample one whole sine period of the turn evenly, so their
    # median yaw (the rule's "middle") is the look ahead. With a 1 s lead-in the grabs fell a fifth of
    # a period late, four of them on the left and three on the right: the median moved 4.6 degrees
    # left and only one frame was 10 degrees left of it ("no_turn" on a quiet machine).
    ahead = [f.image for f in faces.liveness_burst("collins", frames=LEAD_IN_FRAMES, seed=1, turn=0.0)]
    # A smaller turn than the specimen's default (±17° of yaw instead of ±20°, still well past the
    # rule's 10°): at the default, the 2-D warp distorts the two most turned frames of 30 so far that
    # the engine puts them 0.79 from the selfie ("different_faces"), and whether the page's timing
    # keeps one of them decided the test under load. Here every frame of the video is within 0.38.
    turning = [f.image for f in faces.liveness_burst("collins", "turn_left_then_right", frames=3 * fps, seed=2,
                                                     turn=0.33)]
    ahead_again = [f.image for f in faces.liveness_burst("collins", frames=VIDEO_FRAMES - LEAD_IN_FRAMES - 3 * fps,
                                                         seed=3, turn=0.0)]
    frames = [_marked(_rgb(jpeg), i) for i, jpeg in enumerate(ahead + turning + ahead_again)]
    assert len(frames) == VIDEO_FRAMES
    h, w = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return str(path)


# Resolves with the index of the first frame the camera presents in [first, first + span) of the
# looping video, read from the strip (luma at each block's centre). requestVideoFrameCallback is
# not one of the timers Playwright's clock holds.
_WAIT_FOR_FRAME_JS = """([video, first, span, total, bits, size]) => new Promise((resolve, reject) => {
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const shown = () => {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        let index = 0;
        for (let bit = 0; bit < bits; bit++) {
            const [r, g, b] = context.getImageData(bit * size + size / 2, canvas.height - size / 2, 1, 1).data;
            if (0.299 * r + 0.587 * g + 0.114 * b > 128) index |= 1 << bit;
        }
        return index;
    };
    const seen = [];
    const check = () => {
        const index = shown();
        if ((index - first + total) % total < span) {
            // Held on this frame until the page's grab has drawn it: a busy renderer otherwise
            // moves on between this callback and the page's timer (the grab took a later frame).
            video.pause();
            return resolve(index);
        }
        seen.push(index);
        // Ten loops of the video without the frame due: fail with what was shown, not hang.
        if (seen.length > 10 * total) return reject(new Error("frame " + first + " never shown; last: " + seen.slice(-20)));
        video.requestVideoFrameCallback(check);
    };
    check();
})"""


def grab_in_step_with_the_video(page, *, frames: int = 10, first_ms: int = 800, interval_ms: int = 300) -> list[int]:
    """Let the page's capture timers fire (Playwright's clock, paused) only when the camera shows
    the frame for that moment of the page's schedule: ``first_ms`` after the camera started, then
    every ``interval_ms``. Returns the frame index the camera showed as each grab was let go."""
    video = page.locator("#liveness-camera .camera-video").element_handle()
    progress = page.locator("#liveness-camera .liveness-progress").element_handle()
    # A window of three frames: a busy renderer may skip a frame; missing the window waits one
    # loop of the video (it repeats), it never lets a grab go out of step.
    span = 3
    shown = []
    for i in range(frames):
        if i:
            # Grab i-1 is in the form and the page sleeps until grab i (the progress bar is set
            # in the same task that starts that sleep).
            page.wait_for_function("([node, value]) => node.value >= value", arg=[progress, round(i / frames * 100)])
            page.evaluate("video => { video.play().catch(() => {}); }", video)
        due_frame = (first_ms + i * interval_ms) * FPS // 1000
        shown.append(page.evaluate(_WAIT_FOR_FRAME_JS, [video, due_frame, span, VIDEO_FRAMES, MARK_BITS, MARK_SIZE]))
        page.clock.run_for(first_ms if i == 0 else interval_ms)
    page.wait_for_function("([node]) => node.value >= 100", arg=[progress])
    page.evaluate("video => { video.play().catch(() => {}); }", video)
    return shown


@pytest.fixture
def phone_with_camera(live_server, playwright_driver, tmp_path):
    video = head_turn_video(tmp_path / "head-turn.y4m")
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"],
    )
    context = browser.new_context(viewport=PHONE["viewport"], is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="en-GB", base_url=live_server.url,
                                  extra_http_headers={"Accept-Language": "en-GB"})
    context.set_default_timeout(30_000)
    try:
        yield browser, context.new_page()
    finally:
        close_connections_of_the_playwright_loop()
        browser.close()


def test_a_phone_applicant_to_a_reviewer_who_sees_face_match_and_liveness(phone_with_camera, live_server, screenshot):
    from playwright.sync_api import expect

    from ocr_integration.specimens import faces

    browser, page = phone_with_camera
    case_id = start_case(page)
    passport = page.locator("#side-passport")
    portrait = faces.document_with_portrait("passport", 41, "collins").image
    passport.locator("input[type=file]").set_input_files({"name": "passport.jpg", "mimeType": "image/jpeg", "buffer": portrait})
    passport.locator("button[type=submit]").click()
    expect(passport.locator(".received")).to_be_visible(timeout=SERVER_STEP_MS)

    page.locator("#biometric-consent input[name=consent_biometric]").check()
    page.locator("#biometric-consent button[type=submit]").click()
    selfie = page.locator("#side-selfie")
    selfie.locator("input[type=file]").set_input_files(
        {"name": "selfie.jpg", "mimeType": "image/jpeg", "buffer": faces.selfie("collins", 2).image})
    selfie.locator("button[type=submit]").click()
    expect(selfie.locator(".received")).to_be_visible(timeout=SERVER_STEP_MS)

    # The server picks the challenge at random; the video turns left first, so this case is asked
    # for that (the page is given the challenge already open for the case).
    issued = liveness_challenge_issue(case_id=case_id, actor=Actor.system("test"))
    issued.challenge = "turn_left_then_right"
    issued.save(update_fields=["challenge"])
    liveness = page.locator("#side-liveness")
    # The page's timers wait for the test from here (see the module's docstring).
    page.clock.install(time=CLOCK_START)
    page.clock.pause_at(CLOCK_START + timedelta(minutes=1))
    liveness.locator(".liveness-start").click()
    shown = grab_in_step_with_the_video(page)
    expect(liveness.locator(".received")).to_be_visible(timeout=SERVER_STEP_MS)
    screenshot(page, "applicant-all-received")
    page.locator("#submit-case").click()
    page.wait_for_url("**/status/")

    for document in Document.objects.filter(case_id=case_id, is_current=True, read_state="pending"):
        read_document.apply(args=[str(document.id)], task_id=f"e2e-{document.id}")
    case = Case.objects.get(id=case_id)
    assert case.state in ("ready_for_review", "needs_attention")
    findings = {f.code: f for f in CheckFinding.objects.filter(case=case, check_run=case.check_run)}
    assert findings["FACE_MATCH"].outcome == "pass", findings["FACE_MATCH"].evidence
    assert findings["LIVENESS"].outcome == "pass", (findings["LIVENESS"].evidence, f"video frames grabbed: {shown}")
    assert "FACE_NOT_FOUND" not in findings

    staff_member("reviewer", username="face-reviewer")
    reviewer = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url).new_page()
    sign_in(reviewer, "face-reviewer")
    reviewer.goto(f"/review/cases/{case_id}/")
    expect(reviewer.locator("section.face-compare")).to_be_visible()
    expect(reviewer.locator("section.face-compare")).to_have_attribute("data-outcome", "pass")
    expect(reviewer.locator(".findings")).to_contain_text("FACE_MATCH")
    expect(reviewer.locator(".findings")).to_contain_text("LIVENESS")
    screenshot(reviewer, "reviewer-workspace")
