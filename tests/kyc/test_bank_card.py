"""A bank card as an optional or required supporting document (issue 16, point 9).

The admin decides per identity document type whether a case asks for a bank card; a case keeps
what was configured when it started. The card is read like any side (the embedded engine here),
its number is kept masked everywhere, and the checks compare its Luhn digit, expiry and
cardholder name.
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.errors import SidesMissing, ValidationFailed
from kyc.models import Case, CheckFinding, DocumentReading
from kyc.services.cases import case_create, case_submit
from kyc.services.configuration import site_configuration_update
from kyc.services.documents import document_attach
from kyc.tasks import read_document
from kyc.uploads.prepare import prepare_upload
from ocr_integration.specimens import generate_specimen
from tests.support.personas import staff_member
from tests.support.providers import GREEN, colour_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_actor():
    return Actor.staff(staff_member(username="site-admin", permissions=["kyc.change_siteconfiguration"]))


def ask_for_bank_card(actor, document_type: str, requirement: str) -> None:
    site_configuration_update(actor=actor, values={f"bank_card_{document_type}": requirement})


def attach(case, kind, image: bytes):
    return document_attach(
        case_id=case.id, kind=kind, prepared=prepare_upload(SimpleUploadedFile(f"{kind}.png", image)),
        actor=Actor.applicant(case.applicant_id),
    ).document


def new_case(document_type="passport") -> Case:
    return case_create(actor=Actor.applicant(""), email="card@example.test", document_type=document_type)


def test_a_required_bank_card_must_be_sent_before_the_case_can_be_submitted(admin_actor):
    ask_for_bank_card(admin_actor, "passport", "required")
    case = new_case()
    assert [k.value for k in case.required_kinds] == ["passport", "bank_card"]
    attach(case, "passport", colour_image(GREEN))
    with pytest.raises(SidesMissing):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    attach(case, "bank_card", colour_image((10, 120, 200)))
    assert case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id)).state == "submitted"


def test_the_requirement_a_case_started_with_stays_when_the_admin_changes_it(admin_actor):
    ask_for_bank_card(admin_actor, "emirates_id", "required")
    started_before = new_case("emirates_id")
    ask_for_bank_card(admin_actor, "emirates_id", "not_asked")
    started_after = new_case("emirates_id")
    assert "bank_card" in [k.value for k in Case.objects.get(id=started_before.id).required_kinds]
    assert "bank_card" not in [k.value for k in started_after.allowed_kinds]
    created = AuditEvent.objects.get(case_id=started_before.id, action="case.created")
    assert created.data["bank_card"] == "required"
    change = AuditEvent.objects.filter(action="configuration.changed").last()
    assert change.data["changes"]["bank_card_emirates_id"] == {"before": "required", "after": "not_asked"}


def test_a_bank_card_is_refused_where_the_site_does_not_ask_for_one():
    case = new_case("cn_resident_id")
    with pytest.raises(ValidationFailed):
        attach(case, "bank_card", colour_image(GREEN))
    assert not case.documents.exists()


def test_the_applicant_page_offers_an_optional_card_and_submits_without_it(admin_actor, settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": str(tmp_path)}}
    ask_for_bank_card(admin_actor, "passport", "optional")
    client = Client()
    response = client.post("/", {"email": "a@example.test", "document_type": "passport", "consent_processing": "on"})
    case = Case.objects.get(id=response["Location"].split("/")[2])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert 'id="side-bank_card"' in page and "(optional)" in page
    assert "first six and last four digits" in page
    assert "data-incomplete" in page  # the passport is still missing
    client.post(f"/cases/{case.id}/documents/passport/",
                {"file": SimpleUploadedFile("p.png", colour_image(GREEN), content_type="image/png")})
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "data-incomplete" not in page
    client.post(f"/cases/{case.id}/submit/")
    assert Case.objects.get(id=case.id).state == "submitted"


def test_the_applicant_page_does_not_show_a_card_where_none_is_asked():
    client = Client()
    response = client.post("/", {"email": "a@example.test", "document_type": "passport", "consent_processing": "on"})
    case = Case.objects.get(id=response["Location"].split("/")[2])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert 'id="side-bank_card"' not in page
    refused = client.post(f"/cases/{case.id}/documents/bank_card/",
                          {"file": SimpleUploadedFile("c.png", colour_image(GREEN), content_type="image/png")},
                          HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "unknown_side"


@pytest.mark.slow
def test_a_card_read_by_the_embedded_engine_is_checked_and_never_shown_unmasked(
    admin_actor, settings, django_capture_on_commit_callbacks
):
    settings.OCR_DEFAULT_PROVIDER = "local"
    settings.OCR_ROUTING = {}
    ask_for_bank_card(admin_actor, "passport", "required")
    passport = generate_specimen("passport", 4242)
    card = generate_specimen("bank_card", 3)
    case = new_case()
    attach(case, "passport", passport.image)
    card_document = attach(case, "bank_card", card.image)
    original_sha256, original_name = card_document.sha256, card_document.file.name
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    with django_capture_on_commit_callbacks(execute=True):  # what runs once each read commits
        for document in case.documents.all():
            read_document.apply(args=[str(document.id)], task_id=f"card-{document.kind}")
    case.refresh_from_db()
    assert case.state == "ready_for_review"

    reading = DocumentReading.objects.get(document__case=case, document__kind="bank_card")
    assert reading.fields["card_number_masked"]["value"] == card.truth.fields["card_number_masked"]
    findings = dict(CheckFinding.objects.filter(case=case, check_run=case.check_run)
                    .values_list("code", "outcome"))
    assert findings["BANK_CARD_NUMBER"] == "pass"
    assert findings["BANK_CARD_EXPIRY"] == "pass"
    # The generated card belongs to someone else than the passport holder: the reviewer is told.
    assert findings["BANK_CARD_NAME"] == "fail"

    # The full number is nowhere a reviewer, an integrator or the audit trail could see it.
    reviewer = staff_member(username="card-reviewer", permissions=["kyc.review_case", "kyc.decide_case"])
    client = Client()
    client.force_login(reviewer)
    workspace = client.get(f"/review/cases/{case.id}/").content.decode()
    assert card.truth.fields["card_number_masked"] in workspace
    trail = json.dumps(list(AuditEvent.objects.filter(case_id=case.id).values("data")), default=str)
    stored = json.dumps(reading.fields) + json.dumps(reading.raw_response, default=str)
    pan = card.truth.fields["card_number_masked"]
    digits = card.truth.extras["card_number"]
    for text in (workspace, trail, stored):
        assert digits not in text.replace(" ", "")
    assert pan[:6] in stored

    # The image kept for reviewers has the hidden digits painted over; the image as sent is gone.
    document = case.documents.get(kind="bank_card")
    assert document.card_number_masked_on_image is True
    assert document.sha256 != original_sha256
    assert not document.file.storage.exists(original_name)
    with document.file.open("rb") as stream:
        kept = stream.read()
    import cv2
    import numpy as np

    from ocr_integration.local import engine
    from ocr_integration.local.layout import crop

    picture = cv2.imdecode(np.frombuffer(kept, dtype=np.uint8), cv2.IMREAD_COLOR)
    quads = engine.detect(picture)
    seen = "".join(text for text, _ in engine.recognise([crop(picture, q) for q in quads])).replace(" ", "")
    assert digits[:4] in seen and digits[-4:] in seen  # the card is still there, and readable
    assert digits[6:12] not in seen and digits not in seen
    assert AuditEvent.objects.filter(case_id=case.id, action="document.card_number_masked").count() == 1
    assert "The middle digits of the card number are masked" in workspace



def test_a_card_image_with_no_number_found_is_kept_and_the_reviewer_is_told(
    admin_actor, scripted_ocr, django_capture_on_commit_callbacks
):
    ask_for_bank_card(admin_actor, "passport", "required")
    case = new_case()
    attach(case, "passport", colour_image(GREEN))
    card = attach(case, "bank_card", colour_image((10, 120, 200)))
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    with django_capture_on_commit_callbacks(execute=True):
        for document in case.documents.all():
            read_document.apply(args=[str(document.id)], task_id=f"plain-{document.kind}")
    kept = case.documents.get(kind="bank_card")
    assert kept.card_number_masked_on_image is False and kept.sha256 == card.sha256
    assert kept.file.storage.exists(kept.file.name)
    assert AuditEvent.objects.filter(case_id=case.id, action="document.card_number_not_found").exists()
    reviewer = staff_member(username="plain-reviewer", permissions=["kyc.review_case"])
    client = Client()
    client.force_login(reviewer)
    workspace = client.get(f"/review/cases/{case.id}/").content.decode()
    assert "No card number was found on this image to mask" in workspace


@pytest.mark.parametrize(("language", "optional", "hint"), [("ar", "(اختياري)", "أول ستة أرقام"), ("zh-hans", "（选填）", "前六位")])
def test_the_card_slot_speaks_the_applicants_language(admin_actor, language, optional, hint):
    ask_for_bank_card(admin_actor, "passport", "optional")
    client = Client()
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.post("/", {"email": "a@example.test", "document_type": "passport", "consent_processing": "on"})
    case = Case.objects.get(id=response["Location"].split("/")[2])
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert optional in page and hint in page
