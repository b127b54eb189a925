"""An end-to-end run through the web pages, a real worker and the vendor simulator, with every log
line captured (the web process at DEBUG, the worker at its --loglevel=INFO, as in production) and searched for the specimen's personal
data: names, document and ID numbers, birth dates, MRZ lines and the applicant's email.

Both processes log as in production (LOG_FORMAT=json): the same run checks that every log line is
one JSON object, carrying the request id and case of the request, or the task id and name of the
task, with vendor, duration and outcome where there are some."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve, reverse

from kyc.models import Case, Document, DocumentReading
from kyc.ops.logs import JsonFormatter
from ocr_integration.documents.kinds import DocumentKind
from tests.hardening.faults import wait_settled
from tests.support.worker import celery_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CASES = {  # document type -> (declared full name field of the ground truth, specimen seeds per side)
    "passport": {DocumentKind.PASSPORT: 7},
    "emirates_id": {DocumentKind.EMIRATES_ID_FRONT: 8, DocumentKind.EMIRATES_ID_BACK: 8},
}
PERSONAL_FIELDS = {"document_number", "surname", "given_names", "full_name", "full_name_arabic", "id_number",
                   "card_number", "birth_date", "place_of_birth", "employer"}


def needles_for(truths, emails: list[str]) -> set[str]:
    """Every way a personal value could be written into a log line."""
    found: set[str] = set(emails)
    for truth in truths:
        for name, value in {**truth.fields, **truth.extras}.items():
            if name not in PERSONAL_FIELDS or len(value) < 5:
                continue
            found |= {value, value.upper(), value.title(), value.lower()}
            digits = re.sub(r"\D", "", value)
            if name in ("id_number", "card_number", "document_number") and len(digits) >= 6:
                found.add(digits)
        for line in truth.mrz_lines:
            found.add(line)
            found.add(line.replace("<", ""))  # names and numbers run together once fillers are stripped
    return {n for n in found if len(n) >= 5}


def test_logs_of_an_end_to_end_run_hold_no_personal_data(tmp_path, caplog, capfd, settings, reviewer):
    from ocr_integration.simulator import Simulator, SimulatorConfig
    from ocr_integration.simulator.testing import vendor_environ
    from ocr_integration.specimens import FontsMissing, generate_specimen

    settings.APPLICANT_CASE_RATE = settings.APPLICANT_UPLOAD_RATE = "100000/3600"
    try:
        specimens = {
            document_type: {kind: generate_specimen(kind, seed) for kind, seed in sides.items()}
            for document_type, sides in CASES.items()
        }
    except FontsMissing as exc:
        pytest.skip(f"specimen fonts are not installed: {exc}")
    truths = [s.truth for sides in specimens.values() for s in sides.values()]
    emails = [f"canary.{document_type}.7c1f@example.test" for document_type in CASES]
    caplog.set_level(logging.DEBUG)  # everything the web process logs, whatever LOG_LEVEL says
    # The web process's lines as production writes them (LOG_FORMAT=json).
    web_json = io.StringIO()
    json_handler = logging.StreamHandler(web_json)
    json_handler.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(json_handler)

    simulator = Simulator(SimulatorConfig(use_engine=False, seed=5)).start()
    env = {
        **vendor_environ(simulator, str(settings.DATA_DIR)),
        "OCR_DEFAULT_PROVIDER": "g42",
        "OCR_READ_MAX_RETRIES": "4",
        "LOG_FORMAT": "json",
    }
    try:
        with celery_worker(env_overrides=env, log_path=tmp_path / "worker.log"):
            # Error paths log too: a vendor 5xx and a malformed answer, retried.
            simulator.inject("5xx", 1)
            simulator.inject("malformed_json", 1)
            case_ids = []
            for (document_type, sides), email in zip(specimens.items(), emails, strict=True):
                client = Client()
                first = next(iter(sides.values())).truth.fields
                declared = first.get("full_name") or f"{first.get('given_names', '')} {first.get('surname', '')}".strip()
                response = client.post(reverse("applicant:start"), {
                    "email": email, "document_type": document_type, "consent_processing": "on",
                    "declared_full_name": declared, "declared_birth_date": first["birth_date"],
                })
                assert response.status_code == 302, response.content[:500]
                case_id = resolve(response.url.split("#")[0]).kwargs["case_id"]
                for kind, specimen in sides.items():
                    upload = SimpleUploadedFile("photo.png", specimen.image, content_type=specimen.content_type)
                    url = reverse("applicant:upload", kwargs={"case_id": case_id, "kind": kind.value})
                    assert client.post(url, {"file": upload}).status_code == 302
                assert client.post(reverse("applicant:submit", kwargs={"case_id": case_id})).status_code == 302
                client.get(reverse("applicant:status_json", kwargs={"case_id": case_id}))
                case_ids.append(case_id)
            cases = list(Case.objects.filter(id__in=case_ids))
            wait_settled(cases, timeout=90)
            staff = Client()
            staff.force_login(reviewer)
            for case_id in case_ids:
                staff.get(reverse("reviewer:case", kwargs={"case_id": case_id}), follow=True)
    finally:
        simulator.stop()
        logging.getLogger().removeHandler(json_handler)

    # The personal data did flow through the pipeline: otherwise finding none in the logs proves nothing.
    surnames = {t.fields["surname"] for t in truths if "surname" in t.fields}
    stored = {r.fields.get("surname", {}).get("value") for r in DocumentReading.objects.all()}
    assert surnames & stored, "the readings do not hold the specimen's data; the scan below would prove nothing"
    assert simulator.stats["fault:5xx"] == 1 and simulator.stats["fault:malformed_json"] == 1

    worker_log = (tmp_path / "worker.log").read_text()
    assert "Task kyc.tasks.read_document" in worker_log, "the worker log is not the worker's"
    captured = capfd.readouterr()
    web_log = "\n".join(
        record.getMessage() + (f"\n{record.exc_text}" if record.exc_text else "")
        for record in caplog.records
        if not record.name.startswith("ocr_integration.simulator")  # the vendor's own logs are not ours
    )
    logs = {"worker": worker_log, "web": web_log, "web-json": web_json.getvalue(), "stdout": captured.out,
            "stderr": captured.err}
    leaks = {
        source: sorted(n for n in needles_for(truths, emails) if n in text)
        for source, text in logs.items()
    }
    leaks = {source: found for source, found in leaks.items() if found}
    assert not leaks, f"personal data in the logs: {leaks}"

    assert_logs_are_json_events(worker_log, web_json.getvalue(), case_ids)


def json_events(text: str) -> list[dict]:
    """Every log line as an object; the worker's start-up banner (printed, not logged) is skipped."""
    events = []
    for line in text.splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
        else:
            # A line in the plain formats (Celery's or Django's) would be an event that is not JSON.
            assert not re.match(r"^\[?\d{4}-\d\d-\d\d[ T]", line), f"a log line that is not JSON: {line[:200]}"
    return events


def assert_logs_are_json_events(worker_log: str, web_log: str, case_ids) -> None:
    worker = json_events(worker_log)
    reads = [e for e in worker if e.get("task") == "kyc.tasks.read_document"]
    assert reads and all(e.get("task_id") for e in reads)
    finished = [e for e in reads if e["message"] == "task finished"]
    assert {e["outcome"] for e in finished} >= {"success", "retry"}  # the injected faults were retried
    assert all(isinstance(e["duration_ms"], int) for e in finished)
    vendor_calls = [e for e in reads if e.get("vendor") == "g42"]
    assert vendor_calls and {e.get("outcome") for e in vendor_calls} >= {"success", "transient"}
    assert all(isinstance(e["duration_ms"], int) for e in vendor_calls)
    read_documents = {str(d) for d in Document.objects.filter(case_id__in=case_ids).values_list("id", flat=True)}
    assert {e.get("document") for e in vendor_calls} <= read_documents  # each call names the document it read
    # Every line a read writes names its case as the web lines do (the id), and by the reference staff
    # see; both are random codes, not personal data (the scan above would have found a name).
    references = {str(case_id): reference for case_id, reference in Case.objects.filter(id__in=case_ids)
                  .values_list("id", "reference")}
    # (Only the runs that read this test's documents: the queue may still hold a read that an earlier
    # test queued, for a document gone with that test's database rows, which names no case.)
    our_runs = {e["task_id"] for e in vendor_calls if e.get("document") in read_documents}
    ours = [e for e in reads if e["task_id"] in our_runs]
    unnamed = [e for e in ours if references.get(e.get("case")) is None or e.get("case_reference") != references[e["case"]]]
    assert not unnamed, f"task log lines without their case: {unnamed[:3]}"
    assert {e["case"] for e in ours} == set(references)

    web = json_events(web_log)
    answered = [e for e in web if e["message"] == "request answered"]
    assert len({e["request_id"] for e in answered}) == len(answered)  # one id per request
    assert {e["case"] for e in answered if "case" in e} == {str(case_id) for case_id in case_ids}
    assert all({"route", "status", "duration_ms", "outcome"} <= e.keys() for e in answered)
