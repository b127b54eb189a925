"""The upload quality gate on the API: one error code per reason; warnings in the answer."""

from __future__ import annotations

import numpy as np
import pytest

from kyc.core.models import AuditEvent
from tests.kyc.api.helpers import create_case, error_code
from tests.kyc.api.helpers import upload as api_upload
from tests.kyc.views.test_capture_gate import PASSPORT, capture, jpeg
from tests.kyc.views.test_capture_gate_admin import admin_save, dim_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _gate_on(settings):
    settings.CAPTURE_GATE_ENABLED = True


def test_the_api_refuses_with_a_code_per_reason(api):
    case = create_case(api)
    blue = np.zeros((900, 1200, 3), np.uint8)
    blue[:] = (30, 80, 200)
    response = api_upload(api, case["id"], "passport", file=jpeg(blue))
    assert response.status_code == 400 and error_code(response) == "capture_no_document"
    response = api_upload(api, case["id"], "passport", file=jpeg(capture(*PASSPORT)))
    assert response.status_code == 201 and response.json()["capture_warnings"] == []


def test_a_threshold_changed_in_the_admin_applies_to_the_api_too(api, staff):
    case = create_case(api)
    response = api_upload(api, case["id"], "passport", file=jpeg(dim_page()))
    assert response.status_code == 400 and error_code(response) == "capture_too_dark"
    assert admin_save(staff["admin"], capture_dark_refuse=60).status_code == 302
    assert AuditEvent.objects.filter(action="configuration.changed").count() == 1
    response = api_upload(api, case["id"], "passport", file=jpeg(dim_page()))
    assert response.status_code == 201
    assert any("rather dark" in warning for warning in response.json()["capture_warnings"])
