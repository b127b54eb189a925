"""document_attach: every rule about what may be attached, checked by the service itself, whoever calls it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kyc.core.audit import Actor
from kyc.errors import CaseNotEditable, ConsentMissing, DuplicateImage, KycError, SideNotInDocument
from kyc.models import Document
from kyc.services.cases import case_create, case_submit
from kyc.services.documents import document_attach
from kyc.uploads.prepare import prepare_upload
from tests.conftest import make_case, upload
from tests.support.providers import BLUE, GREEN, RED

pytestmark = pytest.mark.django_db


def attach(case, kind, content: bytes):
    return document_attach(case_id=case.id, kind=kind, prepared=prepare_upload(SimpleUploadedFile("p.png", content)),
                           actor=Actor.applicant(case.applicant_id))


def test_one_duplicate_rule_an_attached_image_and_a_replaced_one():
    case = case_create(actor=Actor.applicant(""), email="a@example.test", document_type="emirates_id")
    front, retaken = upload(GREEN).read(), upload(BLUE).read()
    attach(case, "emirates_id_front", front)
    with pytest.raises(DuplicateImage) as attached:
        attach(case, "emirates_id_back", front)
    assert attached.value.current and "other side" in str(attached.value)
    attach(case, "emirates_id_front", retaken)  # replaces the first front
    with pytest.raises(DuplicateImage) as replaced:
        attach(case, "emirates_id_front", front)
    assert not replaced.value.current and "new photo" in str(replaced.value)
    assert replaced.value.code == "duplicate_image" and replaced.value.http_status == 400
    assert Document.objects.filter(case=case).count() == 2


def test_a_side_the_document_does_not_have_a_submitted_case_and_a_missing_consent_are_refused():
    passport = case_create(actor=Actor.applicant(""), email="a@example.test", document_type="passport")
    with pytest.raises(SideNotInDocument) as foreign:
        attach(passport, "emirates_id_front", upload(RED).read())
    with pytest.raises(SideNotInDocument):
        attach(passport, "bank_statement", upload(RED).read())
    submitted = make_case()
    case_submit(case_id=submitted.id, actor=Actor.applicant(submitted.applicant_id))
    with pytest.raises(CaseNotEditable) as late:
        attach(submitted, "passport", upload(RED).read())
    chinese = case_create(actor=Actor.applicant(""), email="c@example.test", document_type="cn_resident_id")
    with pytest.raises(ConsentMissing) as no_consent:
        attach(chinese, "cn_id_portrait", upload(RED).read())
    assert (foreign.value.code, late.value.code, late.value.http_status, no_consent.value.code) == (
        "unknown_side", "illegal_state", 409, "consent_required",
    )
    assert Document.objects.filter(case__in=[passport, chinese]).count() == 0
    assert Document.objects.filter(case=submitted).count() == 1


def test_a_refusal_is_worded_in_the_language_active_where_it_is_shown():
    case = case_create(actor=Actor.applicant(""), email="a@example.test", document_type="passport")
    with translation.override("ar"), pytest.raises(KycError) as refused:
        attach(case, "emirates_id_front", upload(RED).read())
    with translation.override("zh-hans"):
        chinese = str(refused.value)
    with translation.override("en"):
        english = str(refused.value)
    assert english == "This side does not belong to your document." and chinese != english and chinese
