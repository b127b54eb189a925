"""A refused decision comes back with what was typed and the error next to the field; the second
review of an override has no default answer."""

import re

import pytest
from django.urls import reverse

from kyc.core.audit import Actor
from kyc.models import Decision
from kyc.services.assignments import case_claim
from kyc.services.decisions import case_decide
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


def _field_block(html: str, field: str) -> str:
    """The markup of one field of the decision form (its fieldset or paragraph)."""
    match = re.search(rf'<(fieldset|p)[^>]*id="field-{field}".*?</\1>', html, re.S)
    assert match, field
    return match.group(0)


def test_a_rejection_without_a_note_keeps_the_outcome_and_reasons_and_says_so_by_the_note(staff, case_ready):
    client = client_for(staff["reviewer"])
    client.post(reverse("reviewer:claim", args=[case_ready.id]))
    response = client.post(reverse("reviewer:decide", args=[case_ready.id]),
                           {"outcome": "reject", "reason_codes": ["document-expired"], "note": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "A note is required when rejecting" in _field_block(html, "note")
    assert re.search(r'<input[^>]*value="reject"[^>]*checked', _field_block(html, "outcome"))
    assert re.search(r'value="document-expired" checked', _field_block(html, "reason_codes"))
    case_ready.refresh_from_db()
    assert case_ready.state == "ready_for_review"


def test_a_note_typed_before_a_missing_reason_is_kept(staff, case_ready):
    client = client_for(staff["reviewer"])
    client.post(reverse("reviewer:claim", args=[case_ready.id]))
    response = client.post(reverse("reviewer:decide", args=[case_ready.id]),
                           {"outcome": "reject", "note": "The photo page is a screenshot."})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at least one reason code" in _field_block(html, "reason_codes")
    assert "The photo page is a screenshot." in _field_block(html, "note")


def test_no_outcome_chosen_is_said_next_to_the_outcome(staff, case_ready):
    client = client_for(staff["reviewer"])
    client.post(reverse("reviewer:claim", args=[case_ready.id]))
    response = client.post(reverse("reviewer:decide", args=[case_ready.id]), {"note": "typed"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a decision." in _field_block(html, "outcome")
    assert "typed" in _field_block(html, "note")


@pytest.fixture
def override(staff, scripted_ocr):
    case = ready_case(failed=True)
    case_claim(case_id=case.id, actor=Actor.staff(staff["senior"]))
    decision = case_decide(case_id=case.id, actor=Actor.staff(staff["senior"]), outcome="approve",
                           reason_codes=["documents-consistent"], note="The MRZ is worn; the date is legible.")
    return case, decision


def test_the_second_review_has_no_default_and_asks_for_a_choice(staff, override):
    case, decision = override
    client = client_for(staff["other_senior"])
    html = client.get(reverse("reviewer:case", args=[case.id])).content.decode()
    form = re.search(r'<form[^>]*id="second-review-form".*?</form>', html, re.S).group(0)
    assert 'type="radio" name="confirm" value="yes"' in form
    assert "checked" not in form and "selected" not in form
    response = client.post(reverse("reviewer:second_review", args=[case.id, decision.id]), {"note": "looked"})
    assert response.status_code == 400
    assert "Choose whether you confirm or decline" in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_SECOND and decision.second_reviewer is None


def test_declining_without_a_note_keeps_the_choice_and_says_so_by_the_note(staff, override):
    case, decision = override
    response = client_for(staff["other_senior"]).post(
        reverse("reviewer:second_review", args=[case.id, decision.id]), {"confirm": "no"})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'value="no"[^>]*checked', html)
    assert "Say in a note why you decline" in html


def test_decide_and_open_next_goes_to_the_next_waiting_case_then_to_the_queue(staff, scripted_ocr):
    first, second = ready_case(), ready_case()
    client = client_for(staff["reviewer"])
    decision = {"outcome": "approve", "reason_codes": ["documents-consistent"], "then": "next"}
    client.post(reverse("reviewer:claim", args=[first.id]))
    response = client.post(reverse("reviewer:decide", args=[first.id]), decision)
    assert response.status_code == 302 and response["Location"] == reverse("reviewer:case", args=[second.id])
    second.refresh_from_db()
    assert second.assigned_to == staff["reviewer"]  # opened claimed, ready to decide
    response = client.post(reverse("reviewer:decide", args=[second.id]), decision, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reviewer:queue")
    assert "the queue is clear" in response.content.decode()


def test_next_and_previous_follow_the_queue_order_and_skip_cases_held_by_others(staff, scripted_ocr):
    first, held, third = ready_case(), ready_case(), ready_case()
    case_claim(case_id=held.id, actor=Actor.staff(staff["other_reviewer"]))
    html = client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[first.id])).content.decode()
    assert f'id="next-case" href="{reverse("reviewer:case", args=[third.id])}"' in html
    assert 'id="previous-case"' not in html
    html = client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[third.id])).content.decode()
    assert f'id="previous-case" href="{reverse("reviewer:case", args=[first.id])}"' in html
