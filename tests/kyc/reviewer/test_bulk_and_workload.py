"""Bulk assign and release for seniors (one audited service call per case) and the workload page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.models import Case
from kyc.services.assignments import case_claim
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


def test_a_senior_assigns_and_releases_ticked_cases(staff, scripted_ocr):
    cases = [ready_case() for _ in range(3)]
    client = client_for(staff["senior"])
    url = reverse("reviewer:bulk_assign")
    response = client.post(url, {"cases": [str(c.id) for c in cases[:2]], "action": "assign",
                                 "assignee": staff["reviewer"].pk}, follow=True)
    assert "2 cases assigned." in response.content.decode()
    assert Case.objects.filter(assigned_to=staff["reviewer"]).count() == 2
    assert AuditEvent.objects.filter(action="case.assigned", actor_label="sam").count() == 2
    client.post(url, {"cases": [str(c.id) for c in cases], "action": "release"})
    assert not Case.objects.filter(assigned_to__isnull=False).exists()


def test_each_refusal_is_named_and_the_rest_goes_through(staff, scripted_ocr):
    mine = ready_case(created_by=staff["reviewer"])
    other = ready_case()
    response = client_for(staff["senior"]).post(reverse("reviewer:bulk_assign"), {
        "cases": [str(mine.id), str(other.id)], "action": "assign", "assignee": staff["reviewer"].pk}, follow=True)
    html = response.content.decode()
    assert "1 case assigned." in html and f"{mine.reference}: rita created this case" in html


def test_bulk_assignment_is_for_seniors_and_refuses_bad_input(staff, scripted_ocr):
    case = ready_case()
    url = reverse("reviewer:bulk_assign")
    assert client_for(staff["reviewer"]).post(url, {"cases": [str(case.id)], "action": "release"}).status_code == 403
    client = client_for(staff["senior"])
    response = client.post(url, {"cases": ["not-a-uuid"], "action": "release"}, follow=True)
    assert response.status_code == 200 and "That is not a case." in response.content.decode()
    response = client.post(url, {"cases": [str(case.id)], "action": "assign"}, follow=True)
    assert "Choose whom to assign the cases to." in response.content.decode()


def test_the_workload_page_counts_held_over_sla_and_decided(staff, scripted_ocr, settings):
    settings.REVIEW_SLA_HOURS = 24
    old, new = ready_case(), ready_case()
    Case.objects.filter(id=old.id).update(submitted_at=timezone.now() - timedelta(hours=30))
    for case in (old, new):
        case_claim(case_id=case.id, actor=Actor.staff(staff["reviewer"]))
    response = client_for(staff["senior"]).get(reverse("reviewer:workload"))
    loads = {load.username: load for load in response.context["loads"]}
    assert (loads["rita"].held, loads["rita"].over_sla) == (2, 1)
    assert client_for(staff["reviewer"]).get(reverse("reviewer:workload")).status_code == 403
