"""Per-case evidence export for regulators: JSON and printable HTML, with the chain's verification."""

import json
import shutil
import subprocess

import pytest
from django.db import connection
from django.urls import reverse

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.errors import PermissionDenied
from kyc.services.assignments import case_claim
from kyc.services.decisions import case_decide
from kyc.services.exports import case_evidence_export
from kyc.services.notes import case_note_add
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided_case(staff, scripted_ocr):
    case = ready_case(failed=True)
    case_claim(case_id=case.id, actor=Actor.staff(staff["reviewer"]))
    case_note_add(case_id=case.id, actor=Actor.staff(staff["reviewer"]), body="Compared with the photo.")
    case_decide(case_id=case.id, actor=Actor.staff(staff["reviewer"]), outcome="reject",
                reason_codes=["data-mismatch"], note="Birth dates differ.")
    return case


def test_json_export_holds_the_whole_defence_and_an_intact_chain(staff, decided_case):
    response = client_for(staff["senior"]).get(reverse("reviewer:export_json", args=[decided_case.id]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{decided_case.reference}.json"'
    evidence = json.loads(response.content)
    assert evidence["case"]["state"] == "rejected"
    assert evidence["audit_chain_verification"]["ok"] is True
    assert evidence["decisions"][0]["reason_codes"] == ["data-mismatch"]
    assert evidence["decisions"][0]["reviewer"] == "rita"
    assert evidence["notes"][0]["body"] == "Compared with the photo."
    assert [(f["code"], f["outcome"]) for f in evidence["findings"]] == [
        ("VIZ_MRZ_BIRTH_DATE", "fail"), ("DOC_EXPIRY", "pass")]
    assert evidence["documents"][0]["sha256"] == decided_case.documents.get().sha256
    actions = [e["action"] for e in evidence["audit_events"]]
    assert actions[0] == "case.created" and "case.decided" in actions
    # The export is itself recorded, and the record is part of what was verified.
    assert actions[-1] == "case.exported"
    # Every event stored when the export was made was walked, the export's own record among them.
    assert AuditEvent.objects.filter(sequence=evidence["export_event_sequence"], action="case.exported").exists()
    assert evidence["audit_chain_verification"]["events_checked"] == AuditEvent.objects.count()


def test_a_tampered_chain_shows_in_the_printable_export(staff, decided_case):
    first = AuditEvent.objects.filter(case_id=decided_case.id).order_by("sequence").first()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE sequence = %s",
                       ["case.forged", first.sequence])
    response = client_for(staff["admin"]).get(reverse("reviewer:export_html", args=[decided_case.id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "BROKEN</strong> at event #" in html and "was changed after it was written" in html
    assert decided_case.reference in html and "Birth dates differ." in html


def test_only_senior_reviewers_and_admins_export(staff, decided_case):
    with pytest.raises(PermissionDenied):
        case_evidence_export(case_id=decided_case.id, actor=Actor.staff(staff["reviewer"]))
    assert not AuditEvent.objects.filter(action="case.exported").exists()


def test_the_printable_export_shows_the_images_and_reads_the_evidence_as_sentences(staff, decided_case):
    html = client_for(staff["senior"]).get(reverse("reviewer:export_html", args=[decided_case.id])).content.decode()
    document = decided_case.documents.get()
    assert f'<img src="{reverse("reviewer:document_image", args=[document.id])}"' in html
    finding = html[html.index('data-code="VIZ_MRZ_BIRTH_DATE"'):]
    finding = finding[:finding.index("</article>")]
    assert "The birth date in the MRZ differs from the visual zone." in finding
    assert "<td>1990-01-07</td><td>1990-01-01</td>" in finding  # expected (MRZ), found (printed)
    raw = finding[finding.index('<details class="raw-evidence">'):]
    assert "{&#x27;" not in finding.replace(raw, "")  # the raw dict only behind its toggle
    evidence = json.loads(client_for(staff["senior"]).get(
        reverse("reviewer:export_json", args=[decided_case.id])).content)
    assert evidence["findings"][0]["table"][0] == {
        "field": "birth date", "expected": "1990-01-07", "found": "1990-01-01", "where": "printed zone against MRZ"}


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "evidence.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pdf_images(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "evidence.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return listing.splitlines()[2:]  # two header lines, then one line per embedded image


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")


@needs_poppler
def test_the_pdf_export_holds_the_image_the_findings_as_sentences_the_decision_and_the_chain(
        staff, decided_case, tmp_path):
    response = client_for(staff["senior"]).get(reverse("reviewer:export_pdf", args=[decided_case.id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{decided_case.reference}.pdf"'
    text = " ".join(_pdf_text(response.content, tmp_path).split())
    assert f"Evidence for case {decided_case.reference}" in text
    assert "Intact" in text and "every hash links to the one before" in text
    assert "The birth date in the MRZ differs from the visual zone." in text
    assert "1990-01-07 1990-01-01" in text  # expected (MRZ), found (printed)
    assert "Reject · Final" in text and "Note Birth dates differ." in text
    assert len(_pdf_images(response.content, tmp_path)) == decided_case.documents.count()
    # Audited as the other formats are.
    assert AuditEvent.objects.filter(action="case.exported", case_id=decided_case.id,
                                     data__format="pdf").exists()
    # Rendering leaves Pillow as it found it: a truncated upload is still refused afterwards
    # (WeasyPrint turns LOAD_TRUNCATED_IMAGES on when it is imported).
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@needs_poppler
def test_the_pdf_export_in_arabic_and_chinese_renders_their_text(staff, decided_case, tmp_path):
    client = client_for(staff["senior"])
    client.cookies["django_language"] = "ar"
    arabic = _pdf_text(client.get(reverse("reviewer:export_pdf", args=[decided_case.id])).content, tmp_path)
    assert "سلسلة" in arabic  # "chain", from the heading of the verification, in Arabic letters
    client.cookies["django_language"] = "zh-hans"
    chinese = _pdf_text(client.get(reverse("reviewer:export_pdf", args=[decided_case.id])).content, tmp_path)
    assert "证据" in chinese  # "evidence"


def test_a_reviewer_cannot_export_the_pdf_and_nothing_is_recorded(staff, decided_case):
    response = client_for(staff["reviewer"]).get(reverse("reviewer:export_pdf", args=[decided_case.id]))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="case.exported").exists()
