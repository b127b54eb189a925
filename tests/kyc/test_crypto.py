"""Personal data at rest: stored images are encrypted on disk, keys rotate, a dropped key is loud."""

import io
import os
import stat
import struct
import tracemalloc
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile

from kyc.core.encryption import crypto, stream
from kyc.storage.filesystem import PrivateFileSystemStorage
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
    assert on_disk.startswith(stream.MAGIC)
    assert b"\x89PNG" not in on_disk and b"IHDR" not in on_disk
    with document.file.open("rb") as opened:
        assert opened.read().startswith(b"\x89PNG")


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
    with pytest.raises(ImproperlyConfigured, match="KYC_ENCRYPTION_KEYS"):
        crypto.encrypt_text("x")


@pytest.mark.django_db
def test_rotate_encryption_keys_command_re_encrypts_rows_and_files(scripted_ocr, keys, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from kyc.core.audit import Actor
    from kyc.models import Applicant, DocumentReading
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


# Stored files, format KYCENC2: chunked, streamed, authenticated chunk by chunk.

CHUNK, STORED_CHUNK = stream.CHUNK_SIZE, stream.STORED_CHUNK_SIZE
SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5]


@pytest.fixture
def storage(tmp_path):
    return PrivateFileSystemStorage(location=str(tmp_path))


def body_offset(on_disk: bytes) -> int:
    """Where the chunks start: after the magic, the 4-byte length and the wrapped data key."""
    assert on_disk.startswith(stream.MAGIC)
    (wrapped_key_length,) = struct.unpack(">I", on_disk[len(stream.MAGIC):len(stream.MAGIC) + 4])
    return len(stream.MAGIC) + 4 + wrapped_key_length


def read_all(storage, name) -> bytes:
    with storage.open(name) as opened:
        return opened.read()


@pytest.mark.parametrize("size", SIZES)
def test_a_stored_file_round_trips_in_chunks_of_fixed_size(keys, storage, size):
    plaintext = os.urandom(size)
    name = storage.save("doc.bin", ContentFile(plaintext))
    on_disk = Path(storage.path(name)).read_bytes()
    chunk_count = max(1, -(-size // CHUNK))  # always one chunk, never an empty one after a full one
    assert len(on_disk) == body_offset(on_disk) + size + chunk_count * 16
    with storage.open(name) as opened:
        assert opened.size == size
        assert opened.read() == plaintext
    assert storage.size(name) == size


def test_a_stored_file_reads_at_any_offset(keys, storage):
    plaintext = os.urandom(3 * CHUNK + 5)
    name = storage.save("doc.bin", ContentFile(plaintext))
    offsets = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7, 3 * CHUNK, len(plaintext) - 1, len(plaintext), len(plaintext) + 9]
    with storage.open(name) as opened:
        for offset in offsets:
            for length in (1, 10, CHUNK + 3, 4 * CHUNK):
                assert opened.seek(offset) == offset
                assert opened.read(length) == plaintext[offset:offset + length], (offset, length)
        assert opened.seek(-6, io.SEEK_END) == len(plaintext) - 6
        assert opened.read(2) == plaintext[-6:-4]
        opened.seek(CHUNK, io.SEEK_CUR)  # past the end: nothing more to read
        assert opened.read() == b""
        opened.seek(-(CHUNK + 1), io.SEEK_END)
        assert opened.tell() == len(plaintext) - CHUNK - 1
        assert opened.read() == plaintext[-(CHUNK + 1):]


def test_pillow_opens_a_stored_image_as_it_is_decrypted(keys, storage):
    from PIL import Image

    from tests.support.providers import GREEN, colour_image

    name = storage.save("photo.png", ContentFile(colour_image(GREEN, size=(640, 420), fmt="PNG")))
    with storage.open(name) as opened, Image.open(opened) as image:
        image.load()
        assert image.size == (640, 420)


def test_a_file_response_streams_a_stored_file_with_its_plaintext_length(keys, storage):
    from django.http import FileResponse

    plaintext = os.urandom(2 * CHUNK + 3)
    name = storage.save("doc.bin", ContentFile(plaintext))
    with storage.open(name) as opened:
        response = FileResponse(opened)
        assert response["Content-Length"] == str(len(plaintext))
        assert b"".join(response.streaming_content) == plaintext
        # No file descriptor: a server's sendfile() (gunicorn's wsgi.file_wrapper) would send the
        # ciphertext on disk; without one it falls back to reading the plaintext.
        with pytest.raises(io.UnsupportedOperation):
            opened.fileno()


def test_size_decrypts_only_the_last_chunk(keys, storage, monkeypatch):
    name = storage.save("doc.bin", ContentFile(os.urandom(3 * CHUNK + 5)))
    decrypted_chunks = []

    real_aesgcm = stream.AESGCM

    class CountingAESGCM:
        def __init__(self, key):
            self._aesgcm = real_aesgcm(key)

        def decrypt(self, nonce, data, associated_data):
            decrypted_chunks.append(struct.unpack(">Q", nonce[:8])[0])
            return self._aesgcm.decrypt(nonce, data, associated_data)

    monkeypatch.setattr(stream, "AESGCM", CountingAESGCM)
    assert storage.size(name) == 3 * CHUNK + 5
    assert decrypted_chunks == [3]  # the last chunk, checked so that a cut-off file fails here


def tampered(storage, name, change) -> None:
    path = Path(storage.path(name))
    on_disk = bytearray(path.read_bytes())
    path.write_bytes(bytes(change(on_disk, body_offset(on_disk))))


def flip(on_disk: bytearray, position: int) -> bytearray:
    on_disk[position] ^= 0x01
    return on_disk


def swap_first_two_chunks(on_disk: bytearray, body: int) -> bytearray:
    first, second = on_disk[body:body + STORED_CHUNK], on_disk[body + STORED_CHUNK:body + 2 * STORED_CHUNK]
    on_disk[body:body + 2 * STORED_CHUNK] = second + first
    return on_disk


TAMPERINGS = {
    "a body byte flipped": lambda on_disk, body: flip(on_disk, body + STORED_CHUNK + 100),
    "a tag byte flipped": lambda on_disk, body: flip(on_disk, body + STORED_CHUNK - 3),
    "cut at a chunk boundary": lambda on_disk, body: on_disk[:body + 3 * STORED_CHUNK],
    "cut inside a chunk": lambda on_disk, body: on_disk[:body + 2 * STORED_CHUNK + 1000],
    "cut inside a tag": lambda on_disk, body: on_disk[:body + 2 * STORED_CHUNK + 5],
    "cut to the header": lambda on_disk, body: on_disk[:body],
    "two chunks swapped": swap_first_two_chunks,
    "a chunk appended again": lambda on_disk, body: on_disk + on_disk[body:body + STORED_CHUNK],
    "the last chunk appended again": lambda on_disk, body: on_disk + on_disk[body + 3 * STORED_CHUNK:],
    "the header length changed": lambda on_disk, body: flip(on_disk, len(stream.MAGIC) + 1),
}


@pytest.mark.parametrize("change", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_a_tampered_file_fails_loudly_and_never_reads_wrong_bytes(keys, storage, change):
    name = storage.save("doc.bin", ContentFile(os.urandom(3 * CHUNK + 5)))
    assert len(read_all(storage, name)) == 3 * CHUNK + 5
    tampered(storage, name, change)
    with pytest.raises(crypto.DecryptionFailed, match="damaged, or the key"):
        read_all(storage, name)


def test_a_header_from_another_file_does_not_open_the_body(keys, storage):
    name = storage.save("doc.bin", ContentFile(os.urandom(2 * CHUNK)))
    other = Path(storage.path(storage.save("other.bin", ContentFile(os.urandom(2 * CHUNK))))).read_bytes()
    tampered(storage, name, lambda on_disk, body: other[:body_offset(other)] + on_disk[body:])
    with pytest.raises(crypto.DecryptionFailed):
        read_all(storage, name)


def test_a_file_whose_key_was_dropped_fails_loudly(keys, storage):
    name = storage.save("doc.bin", ContentFile(b"image-bytes"))
    keys.KYC_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionFailed, match="no configured key opens"):
        read_all(storage, name)
    with pytest.raises(crypto.DecryptionFailed):
        storage.rotate(name)


def test_rotation_rewraps_the_data_key_and_copies_the_body_unchanged(keys, storage):
    plaintext = os.urandom(3 * CHUNK + 5)
    name = storage.save("doc.bin", ContentFile(plaintext))
    path = Path(storage.path(name))
    before = path.read_bytes()
    old_key, new_key = keys.KYC_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    keys.KYC_ENCRYPTION_KEYS = [new_key, old_key]
    storage.rotate(name)
    after = path.read_bytes()

    assert before[body_offset(before):] == after[body_offset(after):]
    assert before[:body_offset(before)] != after[:body_offset(after)]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left
    keys.KYC_ENCRYPTION_KEYS = [new_key]  # the old key is dropped
    assert read_all(storage, name) == plaintext
    keys.KYC_ENCRYPTION_KEYS = [old_key]  # and the old key alone no longer opens it
    with pytest.raises(crypto.DecryptionFailed):
        read_all(storage, name)


@pytest.mark.parametrize("old_format", ["KYCENC1", "plaintext"])
def test_older_files_still_open_and_rotate_into_the_chunked_format(keys, storage, old_format):
    plaintext = os.urandom(CHUNK + 7)
    on_disk = crypto.encrypt_bytes(plaintext) if old_format == "KYCENC1" else plaintext
    path = Path(storage.path("old.bin"))
    path.write_bytes(on_disk)
    assert read_all(storage, "old.bin") == plaintext
    assert storage.size("old.bin") == len(plaintext)

    new_key = Fernet.generate_key().decode()
    keys.KYC_ENCRYPTION_KEYS = [new_key, keys.KYC_ENCRYPTION_KEYS[0]]
    storage.rotate("old.bin")
    keys.KYC_ENCRYPTION_KEYS = [new_key]
    rotated = path.read_bytes()
    assert rotated.startswith(stream.MAGIC) and plaintext[:64] not in rotated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_all(storage, "old.bin") == plaintext


def test_a_temporary_upload_is_encrypted_not_moved_into_place(keys, storage):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    plaintext = b"\x89PNG\r\n\x1a\n" + os.urandom(CHUNK * 2)
    upload = TemporaryUploadedFile("scan.png", "image/png", len(plaintext), None)
    upload.write(plaintext)
    try:
        name = storage.save("scan.png", upload)
        assert os.path.exists(upload.temporary_file_path())  # Django did not move it
        on_disk = Path(storage.path(name)).read_bytes()
        assert on_disk.startswith(stream.MAGIC) and b"\x89PNG" not in on_disk
        assert read_all(storage, name) == plaintext
    finally:
        upload.close()


def peak_memory_of(work) -> int:
    """The peak of Python allocations (bytes objects included) while ``work`` runs."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_saving_reading_and_rotating_a_large_file_hold_only_a_few_chunks_in_memory(keys, storage, tmp_path):
    from django.core.files import File

    size = 20 * 1024 * 1024
    source_path = tmp_path / "source.bin"  # on disk, so that the source itself is not in memory
    with open(source_path, "wb") as source:
        for _ in range(size // (1024 * 1024)):
            source.write(os.urandom(1024 * 1024))
    storage.size(storage.save("warm-up.bin", ContentFile(b"x")))  # keys loaded outside the measure

    with open(source_path, "rb") as source:
        peak = peak_memory_of(lambda: storage.save("large.bin", File(source, name="large.bin")))
    assert peak < 1024 * 1024, f"saving 20 MiB raised the peak by {peak / 1024:.0f} KiB"

    def read_through():
        with storage.open("large.bin") as opened:
            assert opened.size == size
            while opened.read(8192):  # as FileResponse streams it
                pass

    peak = peak_memory_of(read_through)
    assert peak < 1024 * 1024, f"reading 20 MiB raised the peak by {peak / 1024:.0f} KiB"
    keys.KYC_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *keys.KYC_ENCRYPTION_KEYS]
    peak = peak_memory_of(lambda: storage.rotate("large.bin"))
    assert peak < 1024 * 1024, f"rotating 20 MiB raised the peak by {peak / 1024:.0f} KiB"

    with open(source_path, "rb") as source, storage.open("large.bin") as opened:
        while expected := source.read(CHUNK * 3):
            assert opened.read(CHUNK * 3) == expected


def test_a_save_that_fails_halfway_leaves_no_half_written_file(keys, storage, tmp_path):
    from django.core.files.base import File

    class FailingSource(io.BytesIO):
        """A source that breaks after a few chunks, as a failing disk or a dropped spool would."""

        def read(self, size=-1, /):
            if self.tell() > 200_000:
                raise OSError("the source broke")
            return super().read(size)

    with pytest.raises(OSError, match="the source broke"):
        storage.save("cases/half.jpg", File(FailingSource(b"x" * 1_000_000), name="half.jpg"))
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def leave_a_killed_rotations_copy(storage, name) -> Path:
    """What a rotation killed between writing its temporary copy and the rename leaves beside the
    file: a complete encrypted copy under the temporary name (kill -9 runs no clean-up)."""
    import tempfile

    folder = Path(storage.path(name)).parent
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".rotating-")
    with os.fdopen(descriptor, "wb") as copy, open(storage.path(name), "rb") as original:
        copy.write(original.read())
    return Path(temporary)


@pytest.mark.django_db
def test_a_rerun_rotation_removes_the_copy_a_killed_rotation_left(scripted_ocr, keys):
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    case = make_case("passport")
    document = case.documents.get()
    leftover = leave_a_killed_rotations_copy(default_storage, document.file.name)
    old_key, new_key = keys.KYC_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    keys.KYC_ENCRYPTION_KEYS = [new_key, old_key]

    output = io.StringIO()
    call_command("rotate_encryption_keys", stdout=output)

    assert not leftover.exists()
    assert sorted(p.name for p in leftover.parent.iterdir()) == [Path(document.file.name).name]
    assert "removed 1 copies left by an interrupted rotation" in output.getvalue()
    keys.KYC_ENCRYPTION_KEYS = [new_key]
    with document.file.open("rb") as stored:
        assert stored.read().startswith(b"\x89PNG")
