"""The whole chain through a real Celery worker process, on the configured database and broker.

In CI that is PostgreSQL and Redis; in the quick start SQLite and the on-disk broker.
"""

import pytest
from django.core.management import call_command

from kyc.models import AuditEvent, Case, CheckFinding, DocumentReading
from kyc.services.audit import Actor
from kyc.services.cases import case_submit
from tests.conftest import SCRIPTED, make_case
from tests.support.providers import BLUE, YELLOW
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FINAL = {"ready_for_review", "needs_attention", "approved", "rejected"}


@pytest.fixture
def scripted_worker(tmp_path):
    with celery_worker(
        env_overrides={"OCR_DEFAULT_PROVIDER": SCRIPTED, "OCR_READ_MAX_RETRIES": "2"},
        log_path=tmp_path / "worker.log",
    ) as process:
        yield process


def settled(case_id):
    case = Case.objects.get(id=case_id)
    return case if case.state in FINAL else None


def test_submissions_flow_through_a_real_worker(scripted_worker, capsys):
    good = make_case("emirates_id")
    flaky = make_case("passport", colours={"passport": YELLOW})
    down = make_case("passport", colours={"passport": BLUE})
    for case in (good, flaky, down):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))

    good_case = wait_for(lambda: settled(good.id), timeout=60, what="the good case to settle")
    flaky_case = wait_for(lambda: settled(flaky.id), timeout=60, what="the flaky case to settle")
    down_case = wait_for(lambda: settled(down.id), timeout=60, what="the failing case to settle")

    assert good_case.state == "ready_for_review"
    assert DocumentReading.objects.filter(document__case=good, role="primary").count() == 2
    assert CheckFinding.objects.filter(case=good, check_run=1).exists()

    assert flaky_case.state == "ready_for_review"
    flaky_document = flaky.documents.get()
    assert flaky_document.read_attempts == 3
    assert DocumentReading.objects.filter(document=flaky_document).count() == 1

    assert down_case.state == "needs_attention"
    assert "transient" in down_case.state_reason

    actions = list(AuditEvent.objects.filter(case_id=good.id).values_list("action", flat=True))
    assert actions.count("document.read") == 2 and actions[-1] == "case.state_changed"
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out
