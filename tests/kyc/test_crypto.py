"""Personal data at rest: stored images are encrypted on disk, keys rotate, a dropped key is loud."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile

from kyc.storage import PrivateFileSystemStorage
from ocr_integration.encryption import crypto
from tests.conftest import make_case


@pytest.fixture
def keys(settings):
    first = Fernet.generate_key().decode()
    settings.KYC_ENCRYPTION_KEYS = [first]
    return settings


@pytest.mark.django_db
def test_a_stored_document_image_is_not_readable_on_disk(scripted_ocr, keys):
    case = make_case("passport")
    document = case.documents.get()
    on_disk = Path(document.file.path).read_bytes()
    assert on_disk.startswith(crypto.FILE_MAGIC)
    assert b"\x89PNG" not in on_disk and b"IHDR" not in on_disk
    with document.file.open("rb") as stream:
        assert stream.read().startswith(b"\x89PNG")


def test_text_round_trip_and_rotation(keys):
    stored = crypto.encrypt_text("ALEX TESTER")
    assert "ALEX" not in stored and crypto.is_encrypted(stored)
    new_key = Fernet.generate_key().decode()
    keys.KYC_ENCRYPTION_KEYS = [new_key, keys.KYC_ENCRYPTION_KEYS[0]]
    rotated = crypto.rotate_text(stored)
    keys.KYC_ENCRYPTION_KEYS = [new_key]  # the old key is dropped after rotation
    assert crypto.decrypt_text(rotated) == "ALEX TESTER"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_text(stored)  # a value that was not rotated cannot be read any more


def test_file_rotation_in_place(keys, tmp_path):
    storage = PrivateFileSystemStorage(location=str(tmp_path))
    name = storage.save("doc.bin", ContentFile(b"image-bytes"))
    old_key = keys.KYC_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    keys.KYC_ENCRYPTION_KEYS = [new_key, old_key]
    storage.rotate(name)
    keys.KYC_ENCRYPTION_KEYS = [new_key]
    with storage.open(name) as stream:
        assert stream.read() == b"image-bytes"


def test_legacy_plaintext_values_still_read_and_get_encrypted_on_rotation(keys):
    assert crypto.decrypt_text("written before encryption") == "written before encryption"
    assert crypto.is_encrypted(crypto.rotate_text("written before encryption"))


def test_production_requires_configured_keys(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.PRODUCTION = True
    settings.KYC_ENCRYPTION_KEYS = []
    crypto._cached = None
    with pytest.raises(ImproperlyConfigured, match="KYC_ENCRYPTION_KEYS"):
        crypto.encrypt_text("x")


@pytest.mark.django_db
def test_rotate_encryption_keys_command_re_encrypts_rows_and_files(scripted_ocr, keys, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from kyc.models import Applicant, DocumentReading
    from kyc.services.audit import Actor
    from kyc.services.cases import case_submit
    from kyc.tasks import read_document

    case = make_case("passport", declared_full_name="Rotation Person")
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    document = case.documents.get()
    read_document.apply(args=[str(document.id)], task_id="rotation-read")

    old_key, new_key = keys.KYC_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    keys.KYC_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", stdout=__import__("io").StringIO())
    keys.KYC_ENCRYPTION_KEYS = [new_key]  # the old key is gone: everything must still read

    assert Applicant.objects.get(id=case.applicant_id).declared_full_name == "Rotation Person"
    assert DocumentReading.objects.get(document=document).fields["document_number"]["value"] == "X1234567"
    with document.file.open("rb") as stream:
        assert stream.read().startswith(b"\x89PNG")
