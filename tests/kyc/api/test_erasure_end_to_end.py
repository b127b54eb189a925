"""Erasure, end to end: cases that touched every feature are erased, then the WHOLE database and
the whole storage folder are searched for every personal value they ever held, in clear or as the
ciphertext the erased fields stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.utils import timezone

from kyc.api.models import WebhookDelivery
from kyc.api.tasks import deliver_webhook
from kyc.core.audit import Actor
from kyc.models import Case
from kyc.privacy.personal_data import PERSONAL
from kyc.services.assignments import case_claim
from kyc.services.cases import case_submit
from kyc.services.decisions import case_decide
from kyc.services.exports import case_evidence_export
from kyc.services.notes import case_note_add
from kyc.services.retention import applicant_erase, purge_expired_personal_data
from kyc.tasks import read_document
from tests.kyc.api.conftest import client_for
from tests.kyc.api.helpers import CASE, image_file, upload
from tests.support.personas import staff_member

pytestmark = pytest.mark.django_db

NAME, EMAIL, BIRTH_DATE = "Marker Person", "marker@example.test", "1990-01-01"
NOTE = "Marker Person called: passport X1234567 is hers"
RESUBMISSION_NOTE = "Marker Person, the photo of X1234567 is blurred"
# What the applicant declared, what reviewers wrote, what the (scripted) reader read.
MARKERS = [NAME, EMAIL, BIRTH_DATE, "Marker", "marker@", NOTE, RESUBMISSION_NOTE, "X1234567", "TESTER",
           "ext-marker-7"]


@pytest.fixture
def own_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "kyc.storage.filesystem.PrivateFileSystemStorage", "OPTIONS": {"location": str(tmp_path / "media")}}}
    settings.WEBHOOK_BACKOFF_SECONDS = 0.01
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    return tmp_path / "media"


def whole_database() -> str:
    """Every row of every table, as text: SQLite's own dump, or every table read with raw SQL."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            lines += [f"{table}: {row!r}" for row in cursor.fetchall()]
    return "\n".join(lines)


def stored_ciphertexts(case) -> list[str]:
    """The values the personal fields of the case hold in the database, as stored (encrypted)."""
    found = []
    with connection.cursor() as cursor:
        for table in PERSONAL:
            model = apps.get_model(table.model)
            rows = model._base_manager.filter(**{table.case_lookup: case.id}).values(*table.fields)
            sql, params = rows.query.sql_with_params()
            cursor.execute(sql, params)  # raw: no field converter decrypts what is read
            found += [v for row in cursor.fetchall() for v in row if isinstance(v, str) and v.startswith("enc")]
    return found


def read_all(case_id, django_capture_on_commit_callbacks):
    for document in Case.objects.get(id=case_id).documents.filter(is_current=True, read_state="pending"):
        read_document.apply(args=[str(document.id)], task_id=f"read-{document.id}")


def deliver_all():
    for delivery in WebhookDelivery.objects.filter(state="pending"):
        deliver_webhook.apply(args=[str(delivery.id)])


def test_nothing_a_case_ever_held_survives_its_erasure(
    own_storage, scripted_ocr, receiver, integrator, django_capture_on_commit_callbacks
):
    api = client_for(integrator)
    reviewer = staff_member("reviewer", username="reviewer", permissions=["kyc.export_evidence"])
    staff = Actor.staff(reviewer)
    assert api.post("/api/v1/webhooks/", {"url": receiver.url}, format="json").status_code == 201

    # An integrator starts a case with the applicant's name, email and birth date (Idempotency-Key).
    body = {**CASE, "email": EMAIL, "declared_full_name": NAME, "declared_birth_date": BIRTH_DATE,
            "external_reference": "ext-marker-7"}
    created = api.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-marker")
    assert created.status_code == 201
    case = Case.objects.get(id=created.json()["id"])
    assert upload(api, case.id, "passport", HTTP_IDEMPOTENCY_KEY="upload-1").status_code == 201
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post(f"/api/v1/cases/{case.id}/submit/", HTTP_IDEMPOTENCY_KEY="submit-1").status_code == 200
    read_all(case.id, django_capture_on_commit_callbacks)  # OCR, then the cross-checks
    case.refresh_from_db()
    assert case.state == "ready_for_review" and case.findings.exists()

    # A reviewer notes, asks for a resubmission naming the applicant, then approves the new image.
    case_claim(case_id=case.id, actor=staff)
    case_note_add(case_id=case.id, actor=staff, body=NOTE)
    with django_capture_on_commit_callbacks(execute=False):
        case_decide(case_id=case.id, actor=staff, outcome="request_resubmission",
                    reason_codes=["image-unreadable"], note=RESUBMISSION_NOTE, requested_kinds=["passport"])
    assert upload(api, case.id, "passport", image_file()).status_code == 201
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post(f"/api/v1/cases/{case.id}/submit/").status_code == 200
    read_all(case.id, django_capture_on_commit_callbacks)
    case_claim(case_id=case.id, actor=staff)
    with django_capture_on_commit_callbacks(execute=False):
        case_decide(case_id=case.id, actor=staff, outcome="approve", reason_codes=["documents-consistent"], note=f"{NAME} verified")
    deliver_all()
    assert any(RESUBMISSION_NOTE in r.body.decode() for r in receiver.requests)  # webhooks carried the note
    assert NAME in str(case_evidence_export(case_id=case.id, actor=staff))

    # An applicant starts a second case on the web pages, with the same name, email and birth date.
    web = Client()
    started = web.post("/", {"email": EMAIL, "document_type": "passport", "consent_processing": "on",
                             "declared_full_name": NAME, "declared_birth_date": BIRTH_DATE})
    assert started.status_code == 302
    web_case = Case.objects.get(id=started["Location"].split("/")[2])
    assert web.post(f"/cases/{web_case.id}/documents/passport/", {"file": image_file()}).status_code in (200, 302)
    assert web_case.documents.exists()
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=web_case.id, actor=Actor.applicant(web_case.applicant_id))
    read_all(web_case.id, django_capture_on_commit_callbacks)
    case_claim(case_id=web_case.id, actor=staff)
    with django_capture_on_commit_callbacks(execute=False):  # it waits for the applicant, who never comes back
        case_decide(case_id=web_case.id, actor=staff, outcome="request_resubmission",
                    reason_codes=["image-unreadable"], note=RESUBMISSION_NOTE, requested_kinds=["passport"])
    web_case.refresh_from_db()
    assert web_case.state_reason == RESUBMISSION_NOTE

    dump = whole_database()
    assert all(marker in dump for marker in ["create-marker"]) and NAME not in dump  # encrypted at rest
    ciphertexts = stored_ciphertexts(case) + stored_ciphertexts(web_case)
    assert len(ciphertexts) > 10 and all(c in dump for c in ciphertexts)
    stored_files = [p for p in own_storage.rglob("*") if p.is_file()]
    assert len(stored_files) >= 3

    # The API case on the applicant's request; the abandoned web case by the retention run.
    with django_capture_on_commit_callbacks(execute=True):
        applicant_erase(applicant_id=case.applicant_id, actor=Actor.system("test"))
    Case.objects.filter(id=web_case.id).update(state_changed_at=timezone.now() - timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_personal_data() == 1

    dump = whole_database()
    assert [c[:20] for c in ciphertexts if c in dump] == []
    decrypted = " ".join(
        str(value)
        for model in apps.get_models()
        for row in model._base_manager.all().values_list(*[f.attname for f in model._meta.concrete_fields])
        for value in row
    )
    assert [m for m in MARKERS if m in dump] == [] and [m for m in MARKERS if m in decrypted] == []
    assert [str(p) for p in own_storage.rglob("*") if p.is_file()] == []
    assert not default_storage.exists(f"cases/{case.id}/")
