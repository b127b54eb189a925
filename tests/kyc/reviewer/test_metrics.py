"""The metrics page: queue size over time, time to decision, outcome rates, findings, vendors."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kyc.core.audit import Actor
from kyc.models import Case, Decision
from kyc.selectors.metrics import review_metrics
from kyc.services.assignments import case_claim
from kyc.services.decisions import case_decide
from ocr_integration.models import OcrAttempt
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


def decide(case, user, outcome, hours_after_submission, **kwargs):
    case_claim(case_id=case.id, actor=Actor.staff(user))
    decision = case_decide(case_id=case.id, actor=Actor.staff(user), outcome=outcome, **kwargs)
    Decision.objects.filter(id=decision.id).update(created_at=case.submitted_at + timedelta(hours=hours_after_submission))


def test_figures(staff, scripted_ocr):
    now = timezone.now()
    three_days_ago = (now - timedelta(days=3)).replace(hour=1, minute=0, second=0, microsecond=0)
    cases = [ready_case(failed=i == 0) for i in range(4)]
    for index, case in enumerate(cases):
        Case.objects.filter(id=case.id).update(submitted_at=three_days_ago + timedelta(minutes=index))
        case.refresh_from_db()
    decide(cases[0], staff["reviewer"], "reject", 2, reason_codes=["data-mismatch"], note="x")
    decide(cases[1], staff["reviewer"], "approve", 4, reason_codes=["documents-consistent"])
    decide(cases[2], staff["reviewer"], "approve", 50, reason_codes=["documents-consistent"])
    OcrAttempt.objects.create(vendor="g42", endpoint="ocr/passport", outcome="success", duration_ms=300)
    OcrAttempt.objects.create(vendor="g42", endpoint="ocr/passport", outcome="transient", duration_ms=900)
    OcrAttempt.objects.create(vendor="huawei", endpoint="ocr/passport", outcome="success", duration_ms=200)

    metrics = review_metrics(days=7, now=now)
    # End of each day, oldest first: none yet; 4 submitted less 2 decided the same day; the third
    # decided two days later; the fourth still waiting.
    assert metrics.queue_size[-5:] == [0, 2, 2, 1, 1]
    assert metrics.overall_median_hours == pytest.approx(4, abs=0.01)
    assert metrics.outcomes == {"approve": 2, "reject": 1}
    assert metrics.rate("approve") == pytest.approx(2 / 3)
    assert dict(metrics.findings_by_code)["VIZ_MRZ_BIRTH_DATE"] == {"fail": 1}
    vendors = {v.vendor: v for v in metrics.vendors}
    assert vendors["g42"].error_rate == 0.5 and vendors["g42"].max_ms == 900
    assert vendors["huawei"].errors == 0


def test_the_page_draws_its_charts_inline(staff, scripted_ocr):
    ready_case()
    response = client_for(staff["senior"]).get(reverse("reviewer:metrics"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg class=\"chart\"") == 6
    assert "Cases waiting for a decision" in html and "Vendor latency" in html
    assert "<script src=\"http" not in html  # nothing from a CDN
