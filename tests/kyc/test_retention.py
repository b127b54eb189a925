"""Retention and erasure: after either, no copy of the images or personal values is left anywhere."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.utils import timezone

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.models import Case, Document, DocumentReading, PendingFileDeletion
from kyc.services.cases import case_submit
from kyc.services.retention import cases_due_for_purge, purge_expired_personal_data
from kyc.tasks import read_document
from tests.conftest import make_case
from tests.support.personas import client_for, staff_member

pytestmark = pytest.mark.django_db

MARKERS = ["TESTER", "X1234567", "Marker Person", "marker@example.test", "1990-01-01"]


def read_case(django_capture_on_commit_callbacks, **kwargs):
    case = make_case("passport", declared_full_name="Marker Person", **kwargs)
    case.applicant.__class__.objects.filter(id=case.applicant_id).update(email="marker@example.test")
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    read_document.apply(args=[str(case.documents.get().id)], task_id=f"read-{case.id}")
    case.refresh_from_db()
    assert case.state == "ready_for_review"
    return case


def personal_values_left(case) -> list[str]:
    """Every text value of every row that belongs to the case, decrypted, that holds a marker."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields]
        if "case" in names:
            rows = model._base_manager.filter(case=case)
        elif model._meta.label == "kyc.Applicant":
            rows = model._base_manager.filter(id=case.applicant_id)
        elif model._meta.label == "kyc.DocumentReading":
            rows = model._base_manager.filter(document__case=case)
        else:
            continue
        for row in rows:
            for name in names:
                value = str(getattr(row, name, ""))
                found += [f"{model._meta.label}.{name}: {m}" for m in MARKERS if m in value]
    return found


def age(case, days):
    Case.objects.filter(id=case.id).update(state_changed_at=timezone.now() - timedelta(days=days))


def test_values_are_encrypted_in_the_database(scripted_ocr, django_capture_on_commit_callbacks):
    case = read_case(django_capture_on_commit_callbacks)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT fields FROM {DocumentReading._meta.db_table}")
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT email, declared_full_name FROM kyc_applicant WHERE id = %s", [case.applicant_id.hex if connection.vendor == "sqlite" else case.applicant_id])
        email, name = cursor.fetchone()
    assert stored.startswith("enc1:") and "X1234567" not in stored
    assert email.startswith("enc1:") and name.startswith("enc1:")
    assert DocumentReading.objects.get().fields["document_number"]["value"] == "X1234567"


def test_retention_purges_decided_cases_after_their_period(scripted_ocr, django_capture_on_commit_callbacks):
    case = read_case(django_capture_on_commit_callbacks)
    Case.objects.filter(id=case.id).update(state="approved")
    file_name = case.documents.get().file.name
    assert default_storage.exists(file_name)
    assert personal_values_left(case)

    age(case, 5 * 365 - 1)  # the default approved retention is five years
    assert cases_due_for_purge() == []
    age(case, 5 * 365 + 1)
    assert cases_due_for_purge() == [case.id]

    with django_capture_on_commit_callbacks(execute=True):
        assert purge_expired_personal_data() == 1
    assert not default_storage.exists(file_name)
    assert not any(Path(default_storage.location).rglob(Path(file_name).name))
    assert personal_values_left(case) == []
    assert DocumentReading.objects.count() == 0
    case.refresh_from_db()
    assert case.personal_data_erased_at is not None and case.state == "approved"
    event = AuditEvent.objects.get(action="case.personal_data_erased")
    assert event.data["reason"] == "retention period ended" and event.data["files_deleted"] == 1
    assert purge_expired_personal_data() == 0  # once only


def test_open_cases_are_never_purged_by_retention(scripted_ocr, django_capture_on_commit_callbacks):
    case = read_case(django_capture_on_commit_callbacks)
    age(case, 10_000)
    assert cases_due_for_purge() == []


def test_erasure_request_from_admin_withdraws_and_erases(scripted_ocr, django_capture_on_commit_callbacks):

    case = read_case(django_capture_on_commit_callbacks)
    file_name = case.documents.get().file.name
    admin_user = staff_member("admin", username="privacy-officer")
    client = Client()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/kyc/applicant/",
            {"action": "erase_personal_data", "_selected_action": [str(case.applicant_id)]},
            follow=True,
        )
    assert response.status_code == 200
    assert "Erased the personal data of 1 case" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "withdrawn"
    assert not default_storage.exists(file_name)
    assert personal_values_left(case) == []
    actions = list(AuditEvent.objects.filter(case_id=case.id).values_list("action", flat=True))
    assert "case.personal_data_erased" in actions
    withdrawn = AuditEvent.objects.filter(case_id=case.id, action="case.state_changed").last()
    assert withdrawn.data["after"] == "withdrawn"
    assert withdrawn.actor_label == "privacy-officer"


def test_a_reviewer_cannot_erase(scripted_ocr, django_capture_on_commit_callbacks):

    case = read_case(django_capture_on_commit_callbacks)
    client = client_for(staff_member("reviewer", username="plain-reviewer"))
    client.post("/admin/kyc/applicant/", {"action": "erase_personal_data", "_selected_action": [str(case.applicant_id)]})
    case.refresh_from_db()
    assert case.personal_data_erased_at is None
    assert Document.objects.filter(case=case).exclude(file="").exists()


def test_erasure_removes_everything_in_the_case_folder_not_only_the_files_rows_name(
        scripted_ocr, django_capture_on_commit_callbacks):
    from kyc.services.retention import case_purge_personal_data

    case, other = make_case("passport"), make_case("passport")
    folder = Path(default_storage.path(case.documents.get().file.name)).parent
    # A copy a killed key rotation left, and a file no row names any more.
    (folder / ".rotating-k1ll3d").write_bytes(b"KYCENC2\n an encrypted copy")
    (folder / "forgotten.png").write_bytes(b"an image no row names")

    with django_capture_on_commit_callbacks(execute=True):
        case_purge_personal_data(case_id=case.id, actor=Actor.system("retention"), reason="test erasure")

    assert not folder.exists()
    assert default_storage.exists(other.documents.get().file.name)  # another case's image stays
    assert not PendingFileDeletion.objects.exists()


def test_an_erased_case_takes_no_new_images(scripted_ocr, django_capture_on_commit_callbacks):
    from kyc.errors import ValidationFailed
    from kyc.services.documents import document_attach
    from kyc.services.retention import case_purge_personal_data
    from kyc.uploads.prepare import prepare_upload
    from tests.conftest import upload

    case = make_case("passport")
    with django_capture_on_commit_callbacks(execute=True):
        case_purge_personal_data(case_id=case.id, actor=Actor.system("retention"), reason="abandoned draft")
    with pytest.raises(ValidationFailed, match="erased"):
        document_attach(case_id=case.id, kind="passport", prepared=prepare_upload(upload()), actor=Actor.applicant(case.applicant_id))
    assert not Path(default_storage.location, "cases", str(case.id)).exists()


def test_a_resubmission_note_never_reaches_the_audit_trail_and_the_chain_verifies_after_erasure(
    scripted_ocr, django_capture_on_commit_callbacks, reviewer
):
    from django.core.management import call_command

    from kyc.services.decisions import case_decide
    from kyc.services.retention import applicant_erase

    case = read_case(django_capture_on_commit_callbacks)
    from kyc.services.assignments import case_claim

    case_claim(case_id=case.id, actor=Actor.staff(reviewer))
    note = "Marker Person, passport X1234567: the photo is blurred"
    with django_capture_on_commit_callbacks(execute=False):
        case_decide(case_id=case.id, actor=Actor.staff(reviewer), outcome="request_resubmission",
                    reason_codes=["image-unreadable"], note=note, requested_kinds=["passport"])
    case.refresh_from_db()
    assert case.state == "resubmission_requested" and case.state_reason == note
    event = AuditEvent.objects.get(action="case.state_changed", data__after="resubmission_requested")
    # The event names the decision whose encrypted note holds the words, never the words.
    assert event.data["decision"] == case.decisions.get().id and event.data["reason_length"] == len(note)

    with django_capture_on_commit_callbacks(execute=True):
        applicant_erase(applicant_id=case.applicant_id, actor=Actor.system("test"))
    trail = " ".join(str(e.data) for e in AuditEvent.objects.all())
    assert [m for m in MARKERS if m in trail] == []
    assert personal_values_left(case) == []
    call_command("verify_audit")  # raises on a broken chain
