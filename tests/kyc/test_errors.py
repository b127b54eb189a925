"""Domain errors carry a code and an HTTP status: one mapping, which the API's error body uses as is."""

from __future__ import annotations

import pytest
from django.utils import translation

from kyc.api.errors import api_exception_handler
from kyc.domain.workflow import CaseState, IllegalTransition, assert_transition
from kyc.errors import (
    CaseNotEditable,
    ConflictError,
    DuplicateImage,
    KycError,
    PermissionDenied,
    SidesMissing,
    ValidationFailed,
)
from kyc.uploads.prepare import UploadNotKept


def test_an_illegal_transition_is_a_kyc_error_with_its_code_and_status():
    with pytest.raises(KycError) as refused:
        assert_transition(CaseState.APPROVED, CaseState.SUBMITTED)
    assert isinstance(refused.value, IllegalTransition)
    assert (refused.value.code, refused.value.http_status) == ("illegal_state", 409)
    assert "none (the case is final)" in str(refused.value)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (IllegalTransition(CaseState.DRAFT, CaseState.APPROVED), 409, "illegal_state"),
        (CaseNotEditable(), 409, "illegal_state"),
        (DuplicateImage(current=True), 400, "duplicate_image"),
        (SidesMissing(["emirates_id_back"]), 400, "validation_failed"),
        (ValidationFailed(message="The note is empty."), 400, "validation_failed"),
        (ConflictError(message="Someone else holds the case."), 409, "conflict"),
        (PermissionDenied(message="Only reviewers can add notes."), 403, "forbidden"),
        (UploadNotKept(), 503, "storage_unavailable"),
    ],
)
def test_the_api_answers_each_error_with_its_own_code_and_status(error, status, code):
    response = api_exception_handler(error, {})
    assert response.status_code == status == error.http_status
    assert response.data == {"error": {"code": code, "message": str(error)}}


def test_the_message_is_translated_with_its_params_where_it_is_shown():
    missing = SidesMissing(["emirates_id_back"])
    assert str(missing) == "Please add every side before submitting. Missing: Emirates ID, back."
    with translation.override("ar"):
        arabic = str(missing)
    assert "Missing" not in arabic and "Emirates ID" not in arabic
