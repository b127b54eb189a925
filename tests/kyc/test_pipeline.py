"""Submission → OCR task → readings → cross-checks → ready for review, run in-process.

The tasks run through Celery's ``apply`` (same process, real task code and retry logic); the
provider is the scripted vendor of tests/support. The same chain through a real worker process
is in tests/integration/test_worker_e2e.py.
"""

import pytest

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.models import Case, CheckFinding, Document, DocumentReading
from kyc.services.cases import case_submit
from kyc.tasks import read_document
from tests.conftest import make_case
from tests.support.providers import BLUE, PURPLE, RED, YELLOW

pytestmark = pytest.mark.django_db


def submit(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    return callbacks


def test_submit_queues_one_read_per_document_on_commit(scripted_ocr, django_capture_on_commit_callbacks):
    case = make_case("emirates_id")
    callbacks = submit(case, django_capture_on_commit_callbacks)
    assert len(callbacks) == 2
    case.refresh_from_db()
    assert case.state == "submitted"


def test_every_document_read_moves_the_case_to_review_with_findings(scripted_ocr, django_capture_on_commit_callbacks):
    case = make_case("emirates_id")
    submit(case, django_capture_on_commit_callbacks)
    documents = list(case.documents.all())
    read_document.apply(args=[str(documents[0].id)], task_id="task-a")
    case.refresh_from_db()
    assert case.state == "processing"  # one side still unread
    read_document.apply(args=[str(documents[1].id)], task_id="task-b")
    case.refresh_from_db()
    assert case.state == "ready_for_review"
    assert DocumentReading.objects.filter(document__case=case, role="primary").count() == 2
    reading = DocumentReading.objects.get(document=documents[0])
    assert reading.fields and reading.provider == "scripted"
    assert CheckFinding.objects.filter(case=case, check_run=1).exists()
    actions = list(AuditEvent.objects.filter(case_id=case.id).values_list("action", flat=True))
    assert actions.count("document.read") == 2
    assert "case.checked" in actions


def test_a_read_routes_its_document_once_and_looks_it_up_once_before_its_claim(
    scripted_ocr, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = make_case("passport")
    submit(case, django_capture_on_commit_callbacks)
    document_id = str(case.documents.get().id)
    with CaptureQueriesContext(connection) as captured:
        read_document.apply(args=[document_id], task_id="task-a")
    case.refresh_from_db()
    assert case.state == "ready_for_review"
    statements = [query["sql"] for query in captured.captured_queries]
    # Its batch group and then its reader: one routing, read once.
    assert sum("ocr_integration_routingrule" in sql for sql in statements) == 1
    claim = next(i for i, sql in enumerate(statements) if sql.startswith('UPDATE "kyc_document"'))
    before_claim = [sql for sql in statements[:claim] if "SAVEPOINT" not in sql and sql != "BEGIN"]
    assert len(before_claim) == 2  # the case and kind, then the routing
    # No selfie on this case: the face checks look nothing up.
    assert not [sql for sql in statements if "'selfie'" in sql]


def test_the_same_task_delivered_twice_makes_one_reading_and_one_event(scripted_ocr, django_capture_on_commit_callbacks):
    case = make_case("passport")
    submit(case, django_capture_on_commit_callbacks)
    document = case.documents.get()
    read_document.apply(args=[str(document.id)], task_id="same-task")
    read_document.apply(args=[str(document.id)], task_id="same-task")
    assert DocumentReading.objects.filter(document=document).count() == 1
    assert AuditEvent.objects.filter(action="document.read", object_id=str(document.id)).count() == 1


def test_a_redelivered_task_after_a_crash_resumes_its_own_claim(scripted_ocr, django_capture_on_commit_callbacks):
    case = make_case("passport")
    submit(case, django_capture_on_commit_callbacks)
    document = case.documents.get()
    # The worker died after claiming: the claim is left in place with the task's id.
    Document.objects.filter(id=document.id).update(read_state="reading", claim_token="crashed-task")
    read_document.apply(args=[str(document.id)], task_id="another-task")  # a different task must not steal it
    assert DocumentReading.objects.filter(document=document).count() == 0
    read_document.apply(args=[str(document.id)], task_id="crashed-task")  # the redelivered message resumes
    assert DocumentReading.objects.filter(document=document).count() == 1
    case.refresh_from_db()
    assert case.state == "ready_for_review"


def test_transient_errors_are_retried_then_read(scripted_ocr, django_capture_on_commit_callbacks):
    case = make_case("passport", colours={"passport": YELLOW})
    submit(case, django_capture_on_commit_callbacks)
    document = case.documents.get()
    read_document.apply(args=[str(document.id)], task_id="retrying")
    document.refresh_from_db()
    assert document.read_state == "read"
    assert document.read_attempts == 3
    case.refresh_from_db()
    assert case.state == "ready_for_review"


def test_after_the_last_retry_the_case_needs_attention_with_the_reason(
    scripted_ocr, settings, django_capture_on_commit_callbacks
):
    settings.OCR_READ_MAX_RETRIES = 2
    case = make_case("passport", colours={"passport": BLUE})
    submit(case, django_capture_on_commit_callbacks)
    document = case.documents.get()
    read_document.apply(args=[str(document.id)], task_id="hopeless")
    document.refresh_from_db()
    case.refresh_from_db()
    assert document.read_attempts == 3
    assert document.read_state == "failed"
    assert case.state == "needs_attention"
    assert "after 3 attempts" in case.state_reason and "transient" in case.state_reason


def test_an_unreadable_image_is_not_retried(scripted_ocr, settings, django_capture_on_commit_callbacks):
    settings.APPLICANT_UNREADABLE_RETURNS = 0  # with a budget it goes back to the applicant instead
    case = make_case("passport", colours={"passport": RED})
    submit(case, django_capture_on_commit_callbacks)
    document = case.documents.get()
    read_document.apply(args=[str(document.id)], task_id="bad-image")
    document.refresh_from_db()
    case.refresh_from_db()
    assert document.read_attempts == 1
    assert case.state == "needs_attention"
    assert "Ask the applicant for a new photo" in case.state_reason


def test_a_configuration_error_tells_the_admin(scripted_ocr, django_capture_on_commit_callbacks):
    case = make_case("passport", colours={"passport": PURPLE})
    submit(case, django_capture_on_commit_callbacks)
    read_document.apply(args=[str(case.documents.get().id)], task_id="misconfigured")
    case.refresh_from_db()
    assert case.state == "needs_attention"
    assert "Tell the admin" in case.state_reason


def test_a_read_for_a_decided_case_does_nothing(scripted_ocr, django_capture_on_commit_callbacks):
    case = make_case("passport")
    submit(case, django_capture_on_commit_callbacks)
    Case.objects.filter(id=case.id).update(state="rejected")
    document = case.documents.get()
    read_document.apply(args=[str(document.id)], task_id="late")
    assert DocumentReading.objects.count() == 0


def test_stalled_reads_are_requeued(scripted_ocr, settings, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from kyc.services.readings import stalled_document_ids

    case = make_case("passport")
    submit(case, django_capture_on_commit_callbacks)
    document = case.documents.get()
    assert stalled_document_ids() == []
    long_ago = timezone.now() - timedelta(seconds=settings.OCR_READ_STALL_SECONDS + 5)
    Document.objects.filter(id=document.id).update(read_state="reading", claim_token="dead-worker", claimed_at=long_ago)
    assert stalled_document_ids() == [document.id]
    read_document.apply(args=[str(document.id)], task_id="sweeper-task")  # a new task may take a stale claim
    document.refresh_from_db()
    assert document.read_state == "read"


def test_checks_after_the_last_reading_run_once_however_often_they_are_asked(
    scripted_ocr, django_capture_on_commit_callbacks
):
    from kyc.services.readings import case_check_when_read

    case = make_case("emirates_id")
    submit(case, django_capture_on_commit_callbacks)
    for index, document in enumerate(case.documents.all()):
        read_document.apply(args=[str(document.id)], task_id=f"task-{index}")
    # Both sides finishing at once both ask for the checks: the second finds nothing to do.
    assert case_check_when_read(case_id=case.id) is False
    case.refresh_from_db()
    assert (case.state, case.check_run) == ("ready_for_review", 1)
    assert AuditEvent.objects.filter(case_id=case.id, action="case.checked").count() == 1


def test_a_case_whose_worker_was_lost_before_its_checks_is_checked_by_the_stall_sweep(
    scripted_ocr, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from kyc.services.readings import unchecked_read_case_ids
    from kyc.tasks import requeue_stalled_reads

    case = make_case("passport")
    submit(case, django_capture_on_commit_callbacks)
    read_document.apply(args=[str(case.documents.get().id)], task_id="task")
    # What a worker lost between the reading's commit and the checks leaves behind: the side is
    # read, the case still processing, no findings.
    long_ago = timezone.now() - timedelta(seconds=settings.OCR_READ_STALL_SECONDS + 5)
    CheckFinding.objects.filter(case=case).delete()
    Case.objects.filter(id=case.id).update(state="processing", state_changed_at=long_ago, check_run=0)
    assert unchecked_read_case_ids() == [case.id]
    requeue_stalled_reads.apply()
    case.refresh_from_db()
    assert (case.state, case.check_run) == ("ready_for_review", 1)
    assert CheckFinding.objects.filter(case=case, check_run=1).exists()
    assert unchecked_read_case_ids() == []
