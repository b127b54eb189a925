"""Integrators see and send the bank card a case asks for (issue 16, point 9)."""

from __future__ import annotations

import pytest

from kyc.models import SiteConfiguration
from tests.kyc.api.helpers import create_case, error_code, image_file, upload

pytestmark = pytest.mark.django_db


def site_asks_for_bank_card(**requirements) -> None:
    SiteConfiguration.objects.update_or_create(id=1, defaults={f"bank_card_{t}": r for t, r in requirements.items()})


def test_a_required_card_is_listed_as_missing_until_uploaded(api, django_capture_on_commit_callbacks):
    site_asks_for_bank_card(passport="required")
    case = create_case(api)
    assert case["bank_card"] == "required"
    assert case["missing_kinds"] == ["passport", "bank_card"] and case["optional_kinds"] == []
    upload(api, case["id"], "passport")
    refused = api.post(f"/api/v1/cases/{case['id']}/submit/")
    assert refused.status_code == 400 and "Bank card" in refused.json()["error"]["message"]
    card = upload(api, case["id"], "bank_card", file=image_file((12, 80, 200)))
    assert card.status_code == 201 and card.json()["kind"] == "bank_card"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submitted = api.post(f"/api/v1/cases/{case['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["missing_kinds"] == []
    assert len(callbacks) == 2  # the card is read like any side


def test_an_optional_card_may_be_left_out(api, django_capture_on_commit_callbacks):
    site_asks_for_bank_card(emirates_id="optional")
    case = create_case(api, document_type="emirates_id")
    assert case["missing_kinds"] == ["emirates_id_front", "emirates_id_back"]
    assert case["optional_kinds"] == ["bank_card"]
    upload(api, case["id"], "emirates_id", side="front")
    upload(api, case["id"], "emirates_id", side="back")
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post(f"/api/v1/cases/{case['id']}/submit/").status_code == 200


def test_a_card_the_case_does_not_ask_for_is_refused_with_nothing_stored(api):
    case = create_case(api)
    assert case["bank_card"] == "not_asked" and case["optional_kinds"] == []
    refused = upload(api, case["id"], "bank_card")
    assert refused.status_code == 400 and error_code(refused) == "unknown_side"
    assert "does not belong" in refused.json()["error"]["message"]
    detail = api.get(f"/api/v1/cases/{case['id']}/").json()
    assert detail["documents"] == []
