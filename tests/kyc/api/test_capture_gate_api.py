"""The upload quality gate on the API: one error code per reason; warnings in the answer."""

from __future__ import annotations

import numpy as np
import pytest

from tests.kyc.api.helpers import create_case, error_code
from tests.kyc.api.helpers import upload as api_upload
from tests.kyc.views.test_capture_gate import PASSPORT, capture, jpeg

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
