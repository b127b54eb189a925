"""The case workspace: images through a checked view, field boxes, side-by-side sources, notes,
timeline, and every look at personal data recorded."""

import json
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.models import CheckFinding, DocumentReading
from kyc.services.assignments import case_claim
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db

# The workspace's own reads are the same everywhere; the audit event of the view ("case.viewed") is
# appended in 2 statements on PostgreSQL (head locked with the ids taken, then the insert and the
# head move in one statement: kyc.core.audit._append_postgresql) and in 4 elsewhere.
PINNED_WORKSPACE_QUERIES = {"postgresql": 20, "sqlite": 22}


def add_second_read(case, **overrides):
    document = case.documents.get(kind="passport")
    primary = document.readings.get(role="primary")
    fields = {name: dict(data) for name, data in primary.fields.items()}
    for name, value in overrides.items():
        fields[name]["value"] = value
    return DocumentReading.objects.create(document=document, role="second", provider="second-vendor",
                                          fields=fields, raw_response={"vendor": "second"}, claim_token="second")


def add_finding(case, code, outcome, compared=(), kind="passport", **evidence):
    return CheckFinding.objects.create(
        case=case, check_run=case.check_run, code=code, outcome=outcome, message=f"{code} {outcome}",
        evidence={"compared": [{"source": src, "field": name, "value": value, "document_kind": kind}
                               for src, name, value in compared], **evidence},
        document_kind=kind)


def test_workspace_shows_sources_side_by_side_and_flags_what_the_checks_flagged(staff, scripted_ocr):
    case = ready_case(declared_full_name="Alex Tester", declared_birth_date=date(1990, 1, 2))
    add_second_read(case, document_number="X1234568")
    # What the checks found at check time decides what is shown as differing: nothing recomputed.
    add_finding(case, "READERS_DISAGREE", "fail", [("visual", "document_number", "X1234567"),
                                                   ("second", "document_number", "X1234568")])
    add_finding(case, "DECLARED_BIRTH_DATE", "fail", [("declared", "birth_date", "1990-01-02"),
                                                      ("visual", "birth_date", "1990-01-01")])
    response = client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[case.id]))
    assert response.status_code == 200
    panel = response.context["ws"].panels[0]
    rows = {row.name: row for row in panel.rows}
    assert rows["document_number"].mismatch
    assert rows["document_number"].values == {"visual": "X1234567", "mrz": "", "second": "X1234568", "declared": ""}
    assert rows["birth_date"].mismatch and rows["birth_date"].values["declared"] == "1990-01-02"
    # Passport names are printed apart; composed, they sit next to the declared name.
    assert not rows["full_name"].mismatch and rows["full_name"].values["visual"] == "ALEX TESTER"
    assert not rows["surname"].mismatch
    html = response.content.decode()
    assert 'class="mismatch" data-field="document_number"' in html
    # Boxes are drawn in image pixels over the image, mismatching fields in red.
    assert f'viewBox="0 0 {panel.document.width} {panel.document.height}"' in html
    assert 'class="field-box role-primary mismatch" x="10" y="50"' in html  # document_number box
    assert "Raw response: Second, independent reader (second-vendor)" in re.sub(r"</?bdi>", "", html)


def test_a_name_the_check_passed_is_not_shown_as_differing(staff, scripted_ocr):
    """The check compares names with its own transliteration (Ü as UE): the page shows its verdict."""
    case = ready_case()
    add_finding(case, "VIZ_MRZ_NAME", "pass", [("visual", "surname", "MÜLLER"), ("mrz", "surname", "MUELLER")],
                components=[{"component": "surname", "visual": "MÜLLER", "mrz": "MUELLER", "similarity": 1.0}],
                pass_at=0.9)
    response = client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[case.id]))
    rows = {row.name: row for row in response.context["ws"].panels[0].rows}
    assert rows["surname"].values["mrz"] == "MUELLER"  # the MRZ value the check used
    assert not rows["surname"].mismatch
    assert 'class="mismatch" data-field="surname"' not in response.content.decode()


def test_viewing_the_workspace_and_each_image_is_audited(staff, case_ready):
    client = client_for(staff["reviewer"])
    client.get(reverse("reviewer:case", args=[case_ready.id]))
    document = case_ready.documents.get()
    image = client.get(reverse("reviewer:document_image", args=[document.id]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["Cache-Control"] == "private, no-store"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    viewed = AuditEvent.objects.filter(case_id=case_ready.id, action__in=["case.viewed", "document.viewed"])
    assert [(e.action, e.actor_label) for e in viewed] == [("case.viewed", "rita"), ("document.viewed", "rita")]


def test_findings_come_with_evidence_and_a_plain_explanation(staff, scripted_ocr):
    case = ready_case(failed=True)
    html = client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[case.id])).content.decode()
    assert "VIZ_MRZ_BIRTH_DATE" in html and "Printed birth date against the MRZ" in html
    assert "1990-01-07" in html  # the evidence table


def test_notes_and_timeline(staff, case_ready):
    client = client_for(staff["reviewer"])
    client.post(reverse("reviewer:claim", args=[case_ready.id]))
    client.post(reverse("reviewer:add_note", args=[case_ready.id]), {"body": "Photo slightly dark."})
    html = client.get(reverse("reviewer:case", args=[case_ready.id])).content.decode()
    assert "Photo slightly dark." in html
    assert "case.claimed" in html and "case.note_added" in html
    event = AuditEvent.objects.get(action="case.note_added", case_id=case_ready.id)
    assert "Photo" not in json.dumps(event.data)  # the trail never copies the text


def test_the_decision_form_only_for_the_holder(staff, case_ready):
    url = reverse("reviewer:case", args=[case_ready.id])
    assert b'id="decision-form"' not in client_for(staff["reviewer"]).get(url).content
    case_claim(case_id=case_ready.id, actor=Actor.staff(staff["reviewer"]))
    assert b'id="decision-form"' in client_for(staff["reviewer"]).get(url).content
    assert b'id="decision-form"' not in client_for(staff["other_reviewer"]).get(url).content


def test_deciding_through_the_page(staff, case_ready):
    client = client_for(staff["reviewer"])
    client.post(reverse("reviewer:claim", args=[case_ready.id]))
    response = client.post(reverse("reviewer:decide", args=[case_ready.id]),
                           {"outcome": "reject", "reason_codes": ["document-expired"]}, follow=True)
    assert "A note is required when rejecting" in response.content.decode()
    client.post(reverse("reviewer:decide", args=[case_ready.id]),
                {"outcome": "reject", "reason_codes": ["document-expired"], "note": "Expired."})
    case_ready.refresh_from_db()
    assert case_ready.state == "rejected"


def test_the_vendor_attempts_for_the_case_documents_are_listed(staff, case_ready):
    from ocr_integration.models import OcrAttempt

    document = case_ready.documents.get()
    OcrAttempt.objects.create(vendor="g42", endpoint="ocr/passport", outcome="throttled", error_code="APIG.0308",
                              http_status=429, duration_ms=120, subject_ref=str(document.id))
    OcrAttempt.objects.create(vendor="g42", endpoint="ocr/passport", outcome="success", duration_ms=800,
                              vendor_request_id="req-42", subject_ref=str(document.id))
    OcrAttempt.objects.create(vendor="g42", endpoint="ocr/passport", outcome="success", subject_ref="another-doc")
    response = client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[case_ready.id]))
    attempts = response.context["ws"].attempts
    # (the scripted reader of the fixture is recorded too, as every non-vendor reader is)
    assert [(a.outcome, a.http_status) for a in attempts if a.vendor == "g42"] == [("throttled", 429), ("success", None)]
    assert "APIG.0308" in response.content.decode() and "req-42" in response.content.decode()


def test_a_case_that_needs_attention_can_be_read_again(staff, scripted_ocr, settings):
    settings.APPLICANT_UNREADABLE_RETURNS = 0  # otherwise the unreadable image goes back to the applicant
    from kyc.services.cases import case_submit
    from kyc.tasks import read_document
    from tests.conftest import make_case
    from tests.support.providers import RED

    case = make_case("passport", colours={"passport": RED})
    case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    read_document.apply(args=[str(case.documents.get().id)], task_id="unreadable")
    case.refresh_from_db()
    assert case.state == "needs_attention"
    client = client_for(staff["reviewer"])
    assert b'id="retry-reading"' in client.get(reverse("reviewer:case", args=[case.id])).content
    client.post(reverse("reviewer:retry_reading", args=[case.id]))
    case.refresh_from_db()
    assert case.state == "processing"
    assert AuditEvent.objects.filter(case_id=case.id, action="case.state_changed", actor_label="rita").exists()


def test_the_workspace_costs_the_same_queries_however_much_the_case_holds(staff, scripted_ocr):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kyc.services.notes import case_note_add

    small = ready_case("passport")
    large = ready_case("emirates_id", failed=True, warned=True)
    for index in range(5):
        case_note_add(case_id=large.id, actor=Actor.staff(staff["reviewer"]), body=f"note {index}")
    client = client_for(staff["reviewer"])
    client.get(reverse("reviewer:case", args=[small.id]))  # warm per-process caches
    counts = []
    for case in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reviewer:case", args=[case.id])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # Pinned (with the two queue-neighbour queries): a new query per page is a decision, not a drift.
    assert counts[0] == PINNED_WORKSPACE_QUERIES[connection.vendor], [q["sql"][:80] for q in queries.captured_queries]


def read_specimen_passport(settings, provider: str, on_commit):
    """A passport specimen read through the pipeline by ``provider``; the real checks run."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kyc.services.cases import case_create, case_submit
    from kyc.services.documents import document_attach
    from kyc.tasks import read_document
    from kyc.uploads.prepare import prepare_upload
    from ocr_integration.specimens import generate_specimen

    settings.OCR_ROUTING = {"passport": {"primary": provider, "fallback": None, "second_reader": None}}
    specimen = generate_specimen("passport", 4242)
    case = case_create(actor=Actor.applicant(""), email="s@example.test", document_type="passport")
    document_attach(case_id=case.id, kind="passport", prepared=prepare_upload(SimpleUploadedFile("p.png", specimen.image)),
                    actor=Actor.applicant(case.applicant_id))
    with on_commit(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    read_document.apply(args=[str(case.documents.get().id)], task_id=f"read-{provider}")
    case.refresh_from_db()
    assert case.state == "ready_for_review", case.state_reason
    return case, specimen


def test_the_reviewer_sees_which_printed_field_was_not_read_and_not_compared(
    staff, settings, django_capture_on_commit_callbacks
):
    case, specimen = read_specimen_passport(
        settings, "tests.support.providers:UnreadBirthDateSpecimenProvider", django_capture_on_commit_callbacks
    )
    birth = specimen.truth.fields["birth_date"]
    assert case.warned_findings_count >= 1 and case.failed_findings_count == 0
    response = client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[case.id]))
    html = response.content.decode()
    # The finding, in words, with the value it would have been compared with.
    assert "VIZ_FIELD_NOT_READ" in html
    assert f"Birth date on the data page was not read, so it was not compared with the MRZ ({birth})." in html
    assert '<em class="not-read">not read</em>' in html  # the evidence table's printed side
    # Beside the image: the notice and the comparison row say it was not compared.
    assert (f'data-not-compared="passport">Not read, so not compared: <strong>birth date</strong>'
            f" (against the MRZ: {birth})") in html
    rows = {row.name: row for row in response.context["ws"].panels[0].rows}
    assert rows["birth_date"].not_compared and rows["birth_date"].values["mrz"] == birth
    assert not rows["surname"].not_compared
    assert 'data-field="birth_date"><th>birth date <span class="badge warn">not read · not compared</span>' in html
    assert "VIZ_MRZ_BIRTH_DATE" not in html


def test_a_reader_of_the_mrz_only_shows_one_not_read_finding_naming_every_field(
    staff, settings, django_capture_on_commit_callbacks
):
    case, _ = read_specimen_passport(
        settings, "tests.support.providers:MrzOnlySpecimenProvider", django_capture_on_commit_callbacks
    )
    findings = list(case.findings.filter(check_run=case.check_run, code="VIZ_FIELD_NOT_READ"))
    assert len(findings) == 1 and findings[0].outcome == "warn"
    html = client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[case.id])).content.decode()
    assert "The visual zone on the data page was not read by &#x27;mrz-only-vendor&#x27;" in html
    notice = html.split('data-not-compared="passport">', 1)[1].split("</p>", 1)[0]
    for label in ("name", "birth date", "expiry date", "document number", "nationality", "issuing state", "sex"):
        assert f"<strong>{label}</strong>" in notice


def test_the_reviewer_sees_each_repair_of_a_digit_read_in_an_mrz_name(
    staff, settings, django_capture_on_commit_callbacks
):
    case, specimen = read_specimen_passport(
        settings, "tests.support.providers:MrzNameSlipSpecimenProvider", django_capture_on_commit_callbacks
    )
    assert case.failed_findings_count == 0
    repair = case.findings.get(check_run=case.check_run, code="MRZ_CORRECTED")
    assert repair.outcome == "warn"
    [change] = repair.evidence["corrections"]
    assert change["field"] == "name" and change["read"].isdigit() and not change["verified_by_check_digits"]
    html = client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[case.id])).content.decode()
    assert (f"<td>{change['line']}</td><td>{change['position']}</td><td>name</td>"
            f"<td><code>{change['read']}</code></td><td><code>{change['corrected']}</code></td><td>no</td>") in html
    corrected = html.split('class="evidence corrections"', 1)[1]
    assert escape(specimen.truth.mrz_lines[0]) in corrected  # the MRZ as corrected
    assert "MRZ <span class=\"outcome-pass\">valid</span>" in html
