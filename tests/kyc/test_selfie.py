"""The selfie step and the liveness capture (issue 19, capture side): what is asked, what is refused,
what is kept, and what erasure leaves (nothing).

The faces in these images are not judged here (that is the face engine's, after submission): the
capture side only decides what may be stored, and stores it like every identity image.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.errors import ConsentMissing, KycError, SelfieMissing, SelfieNotAsked, ValidationFailed
from kyc.models import Case, Document, LivenessCapture, LivenessFrame
from kyc.services.cases import case_create, case_submit
from kyc.services.configuration import site_configuration_update
from kyc.services.consent import BIOMETRIC, consent_record
from kyc.services.documents import document_attach
from kyc.services.liveness import BurstFrame, liveness_challenge_issue, liveness_frames_attach
from kyc.services.retention import case_purge_personal_data
from kyc.uploads.prepare import prepare_upload
from tests.conftest import upload as document_upload
from tests.support.personas import staff_member
from tests.support.providers import GREEN, colour_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def selfie_asked(settings):
    settings.SELFIE_REQUIREMENT = "required"


def frame(colour=(200, 160, 140)) -> SimpleUploadedFile:
    return SimpleUploadedFile("frame.jpg", colour_image(colour, size=(320, 240), fmt="JPEG"), content_type="image/jpeg")


def burst(count=10, step_ms=300, offsets=None) -> list[BurstFrame]:
    offsets = offsets if offsets is not None else [i * step_ms for i in range(count)]
    return [BurstFrame(image=prepare_upload(frame()), offset_ms=o) for o in offsets]


def new_case(document_type="passport") -> Case:
    case = case_create(actor=Actor.applicant(""), email="face@example.test", document_type=document_type)
    document_attach(case_id=case.id, kind="passport", prepared=prepare_upload(document_upload(GREEN)),
                    actor=Actor.applicant(case.applicant_id))
    return case


def consent(case) -> None:
    consent_record(case_id=case.id, scope=BIOMETRIC, actor=Actor.applicant(case.applicant_id))


def attach_selfie(case):
    return document_attach(case_id=case.id, kind="selfie", prepared=prepare_upload(frame()),
                           actor=Actor.applicant(case.applicant_id)).document


def capture(case, frames=None):
    issued = liveness_challenge_issue(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    return liveness_frames_attach(case_id=case.id, nonce=issued.nonce, frames=frames or burst(),
                                  actor=Actor.applicant(case.applicant_id))


def submit(case):
    return case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))


# --- what a case asks for ---------------------------------------------------------------------------


def test_a_new_install_asks_for_the_selfie_and_the_admin_can_turn_it_off_per_document(selfie_asked):
    assert new_case().asks_for_selfie
    admin = Actor.staff(staff_member(username="site-admin", permissions=["kyc.change_siteconfiguration"]))
    site_configuration_update(actor=admin, values={"selfie_emirates_id": "not_asked"})
    assert not case_create(actor=Actor.applicant(""), email="a@example.test", document_type="emirates_id").asks_for_selfie
    assert case_create(actor=Actor.applicant(""), email="a@example.test", document_type="passport").asks_for_selfie


def test_the_test_settings_ask_for_no_selfie_and_such_a_case_refuses_one():
    case = new_case()
    consent(case)
    assert not case.asks_for_selfie
    with pytest.raises(SelfieNotAsked):
        attach_selfie(case)
    with pytest.raises(SelfieNotAsked):
        liveness_challenge_issue(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    assert submit(case).state == "submitted"


def test_a_case_keeps_the_requirement_it_started_with(settings):
    settings.SELFIE_REQUIREMENT = "required"
    started_before = new_case()
    settings.SELFIE_REQUIREMENT = "not_asked"
    assert Case.objects.get(id=started_before.id).asks_for_selfie
    assert AuditEvent.objects.get(case_id=started_before.id, action="case.created").data["selfie_requirement"] == "required"


# --- consent -------------------------------------------------------------------------------------


def test_no_face_is_stored_without_the_biometric_consent(selfie_asked):
    case = new_case()
    with pytest.raises(ConsentMissing) as refused:
        attach_selfie(case)
    assert refused.value.code == "biometric_consent_required"
    issued = liveness_challenge_issue(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    with pytest.raises(ConsentMissing):
        liveness_frames_attach(case_id=case.id, nonce=issued.nonce, frames=burst(),
                               actor=Actor.applicant(case.applicant_id))
    assert not case.documents.filter(kind="selfie").exists()
    assert not LivenessFrame.objects.filter(capture__case=case).exists()
    assert not any(Path(default_storage.path(f"cases/{case.id}/liveness")).glob("**/*.*"))


# --- submit ---------------------------------------------------------------------------------------


def test_submit_refuses_a_missing_selfie_or_liveness_capture_with_a_code(selfie_asked):
    case = new_case()
    consent(case)
    with pytest.raises(SelfieMissing) as refused:
        submit(case)
    assert refused.value.code == "selfie_missing" and refused.value.params == {"selfie": True, "liveness": True}
    attach_selfie(case)
    with pytest.raises(SelfieMissing) as refused:
        submit(case)
    assert refused.value.params == {"selfie": False, "liveness": True}
    capture(case)
    assert submit(case).state == "submitted"


def test_the_selfie_is_stored_like_an_image_but_never_sent_to_an_ocr_reader(selfie_asked, django_capture_on_commit_callbacks):
    case = new_case()
    consent(case)
    selfie = attach_selfie(case)
    capture(case)
    assert selfie.read_state == Document.ReadState.NOT_READ
    assert default_storage.open(selfie.file.name).read()[:3] == b"\xff\xd8\xff"  # decrypted on read
    assert Path(default_storage.path(selfie.file.name)).read_bytes()[:3] != b"\xff\xd8\xff"  # encrypted at rest
    with django_capture_on_commit_callbacks(execute=False) as queued:
        submit(case)
    assert len(queued) == 1  # the passport page's read only


# --- the burst ------------------------------------------------------------------------------------


@pytest.mark.parametrize("offsets, code", [
    ([i * 300 for i in range(3)], "liveness_too_few_frames"),
    ([i * 100 for i in range(40)], "liveness_too_many_frames"),
    ([0, 300, 600, 900, 600, 1500, 1800, 2100], "liveness_frames_out_of_order"),
    ([0, 300, 300, 900, 1200, 1500, 1800, 2100], "liveness_frames_out_of_order"),
    ([0, 300, 600, 900, 1200, 1500, 1800, 60_000], "liveness_too_long"),
])
def test_a_burst_of_the_wrong_shape_is_refused_and_nothing_is_kept(selfie_asked, offsets, code):
    case = new_case()
    consent(case)
    with pytest.raises(ValidationFailed) as refused:
        capture(case, burst(offsets=offsets))
    assert refused.value.code == code
    assert str(refused.value)  # a message the applicant can act on
    assert not LivenessFrame.objects.exists()
    assert not case.liveness_captures.filter(is_current=True).exists()


def test_frames_are_kept_in_order_with_their_times_under_the_case_folder(selfie_asked):
    case = new_case()
    consent(case)
    stored = capture(case)
    frames = list(stored.frames.order_by("index"))
    assert [f.offset_ms for f in frames] == [i * 300 for i in range(10)]
    assert all(f.file.name.startswith(f"cases/{case.id}/liveness/") for f in frames)
    assert all((f.width, f.height, f.content_type) == (320, 240, "image/jpeg") for f in frames)
    event = AuditEvent.objects.get(case_id=case.id, action="liveness.captured")
    assert event.data["frames"] == 10 and event.data["challenge"] == stored.challenge


def test_a_new_capture_makes_the_earlier_one_not_current(selfie_asked):
    case = new_case()
    consent(case)
    first = capture(case)
    second = capture(case)
    assert first.id != second.id
    assert list(case.liveness_captures.filter(is_current=True)) == [second]
    assert LivenessCapture.objects.get(id=first.id).frames.count() == 10  # kept for the trail until erasure


def test_the_same_answer_sent_twice_is_stored_once_and_another_answer_to_it_is_refused(selfie_asked):
    case = new_case()
    consent(case)
    issued = liveness_challenge_issue(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    frames = burst()
    first = liveness_frames_attach(case_id=case.id, nonce=issued.nonce, frames=frames, actor=Actor.applicant(case.applicant_id))
    again = liveness_frames_attach(case_id=case.id, nonce=issued.nonce, frames=frames, actor=Actor.applicant(case.applicant_id))
    assert first.id == again.id and LivenessFrame.objects.count() == 10
    with pytest.raises(ValidationFailed) as refused:
        liveness_frames_attach(case_id=case.id, nonce=issued.nonce, frames=burst(), actor=Actor.applicant(case.applicant_id))
    assert refused.value.code == "liveness_challenge_used"
    assert LivenessFrame.objects.count() == 10


def test_an_unknown_or_another_cases_challenge_is_refused(selfie_asked):
    case, other = new_case(), new_case()
    consent(case)
    theirs = liveness_challenge_issue(case_id=other.id, actor=Actor.applicant(other.applicant_id))
    for nonce in ("made-up", theirs.nonce):
        with pytest.raises(ValidationFailed) as refused:
            liveness_frames_attach(case_id=case.id, nonce=nonce, frames=burst(), actor=Actor.applicant(case.applicant_id))
        assert refused.value.code == "liveness_unknown_challenge"
    assert not LivenessFrame.objects.exists()


def test_reloading_does_not_draw_a_new_challenge_until_the_open_one_is_answered(selfie_asked):
    case = new_case()
    consent(case)
    issued = {liveness_challenge_issue(case_id=case.id, actor=Actor.applicant(case.applicant_id)).nonce for _ in range(5)}
    assert len(issued) == 1
    capture(case)  # answers the open one
    assert liveness_challenge_issue(case_id=case.id, actor=Actor.applicant(case.applicant_id)).nonce not in issued


def test_a_submitted_case_takes_no_new_frames(selfie_asked):
    case = new_case()
    consent(case)
    attach_selfie(case)
    capture(case)
    issued = liveness_challenge_issue(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    submit(case)
    with pytest.raises(KycError) as refused:
        liveness_challenge_issue(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    assert refused.value.code == "illegal_state"
    with pytest.raises(KycError) as refused:
        liveness_frames_attach(case_id=case.id, nonce=issued.nonce, frames=burst(), actor=Actor.applicant(case.applicant_id))
    assert refused.value.code == "illegal_state"
    assert case.liveness_captures.get(is_current=True).frames.count() == 10


# --- erasure --------------------------------------------------------------------------------------


def test_erasure_removes_the_selfie_and_every_frame_files_and_rows(selfie_asked, django_capture_on_commit_callbacks):
    case = new_case()
    consent(case)
    selfie = attach_selfie(case)
    capture(case)
    capture(case)  # a replaced capture too
    names = [selfie.file.name] + [f.file.name for f in LivenessFrame.objects.filter(capture__case=case)]
    assert len(names) == 21 and all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        case_purge_personal_data(case_id=case.id, actor=Actor.system("retention"), reason="test erasure")
    assert not any(default_storage.exists(n) for n in names)
    assert not LivenessFrame.objects.filter(capture__case=case).exists()
    selfie.refresh_from_db()
    assert (selfie.file.name, selfie.sha256) == ("", "")
    assert not Path(default_storage.path(f"cases/{case.id}")).exists()


# --- after submit -----------------------------------------------------------------------------------


def test_a_case_with_a_selfie_reaches_review_once_its_document_is_read_and_the_reviewer_sees_the_selfie(
        selfie_asked, scripted_ocr, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from kyc.tasks import read_document
    from tests.support.personas import client_for

    case = new_case()
    consent(case)
    selfie = attach_selfie(case)
    capture(case)
    with django_capture_on_commit_callbacks(execute=False):
        submit(case)
    read_document.apply(args=[str(case.documents.get(kind="passport").id)], task_id=f"read-{case.id}")
    case.refresh_from_db()
    # The selfie, never read, holds nothing up.
    assert case.state == "ready_for_review"
    reviewer = client_for(staff_member("reviewer", username="selfie-reviewer"))
    html = reviewer.get(reverse("reviewer:case", args=[case.id])).content.decode()
    assert reverse("reviewer:document_image", args=[selfie.id]) in html
    assert "Not read: no text on it" in html
    image = reviewer.get(reverse("reviewer:document_image", args=[selfie.id]))
    assert image.status_code == 200 and b"".join(image.streaming_content if image.streaming else [image.content])[:3] == b"\xff\xd8\xff"
    assert AuditEvent.objects.filter(case_id=case.id, action="document.viewed", data__kind="selfie").exists()


def test_a_reviewer_may_ask_for_a_new_selfie_and_the_applicant_then_sends_both_again(
        selfie_asked, scripted_ocr, django_capture_on_commit_callbacks):
    from kyc.services.assignments import case_claim
    from kyc.services.decisions import case_decide
    from kyc.tasks import read_document

    case = new_case()
    consent(case)
    attach_selfie(case)
    capture(case)
    with django_capture_on_commit_callbacks(execute=False):
        submit(case)
    read_document.apply(args=[str(case.documents.get(kind="passport").id)], task_id=f"read-{case.id}")
    reviewer = Actor.staff(staff_member("reviewer", username="selfie-decider"))
    case_claim(case_id=case.id, actor=reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        case_decide(case_id=case.id, actor=reviewer, outcome="request_resubmission", reason_codes=["image-unreadable"],
                    note="Your face is not visible on the selfie.", requested_kinds=["selfie"])
    case.refresh_from_db()
    assert case.state == "resubmission_requested"
    assert case.documents.filter(kind="passport", is_current=True).exists()  # kept
    with pytest.raises(SelfieMissing) as refused:
        submit(case)
    assert refused.value.params == {"selfie": True, "liveness": True}
    attach_selfie(case)
    capture(case)
    with django_capture_on_commit_callbacks(execute=False):
        assert submit(case).state == "submitted"
