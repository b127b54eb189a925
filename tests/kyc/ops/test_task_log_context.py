"""Task log lines name their case (id and reference, never personal data), and the next task run by
the same process does not inherit it. The full worker run is in tests/hardening/test_logs.py."""

from __future__ import annotations

import json

import pytest

from kyc.core.audit import Actor
from kyc.services.cases import case_submit
from kyc.tasks import read_document, requeue_stalled_reads
from tests.conftest import make_case
from tests.support.providers import BLUE

pytestmark = pytest.mark.django_db


def test_every_line_of_a_read_names_its_case_and_the_next_task_does_not(
    scripted_ocr, settings, json_lines, django_capture_on_commit_callbacks
):
    settings.OCR_READ_MAX_RETRIES = 0  # the vendor is down: one attempt, then the case needs a person
    case = make_case("passport", colours={"passport": BLUE}, declared_full_name="Ysolde Marchbanks")
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    read_document.apply(args=[str(case.documents.get().id)], task_id="read-1")
    requeue_stalled_reads.apply(task_id="sweep-1")

    lines = json_lines()
    read_lines = [line for line in lines if line.get("task_id") == "read-1"]
    assert len(read_lines) >= 2  # the vendor attempt and the task's own line at least
    assert all(line.get("case") == str(case.id) and line.get("case_reference") == case.reference
               for line in read_lines), read_lines
    sweep_lines = [line for line in lines if line.get("task_id") == "sweep-1"]
    assert sweep_lines and not [line for line in sweep_lines if "case" in line or "case_reference" in line]
    assert "Ysolde" not in json.dumps(lines)
