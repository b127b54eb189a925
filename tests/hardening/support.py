"""Helpers shared by the hardening tests: sending a corpus file through each door, and inspecting storage."""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from PIL import Image

from kyc.core.models import AuditEvent
from kyc.models import Document
from kyc.uploads import jpeg_remux
from tests.hardening.corpus import SMUGGLED_MARKERS, Hostile

API_DOCUMENTS_PATH = "/api/v1/cases/{case_id}/documents/"
# What a clean stored image may still carry in PIL's ``info``: encoder facts, nothing from the source.
HARMLESS_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression", "adobe",
                 "adobe_transform"}


def browser_case(client) -> str:
    """Start a passport case through the start page, as an applicant does; the session holds it."""
    response = client.post(
        reverse("applicant:start"),
        {"email": "applicant@example.test", "document_type": "passport", "consent_processing": "on"},
    )
    assert response.status_code == 302, f"the start page did not create a case ({response.status_code})"
    match = resolve(response.url.split("#")[0])
    assert match.view_name == "applicant:case", response.url
    return str(match.kwargs["case_id"])


def browser_upload(client, case_id: str, item: Hostile):
    """POST the file to the applicant's upload form and follow the redirect to the page the user sees."""
    url = reverse("applicant:upload", kwargs={"case_id": case_id, "kind": "passport"})
    upload = SimpleUploadedFile(item.filename, item.content, content_type=item.content_type)
    return client.post(url, {"file": upload}, follow=True)


def api_available() -> bool:
    try:
        resolve(API_DOCUMENTS_PATH.format(case_id="00000000-0000-0000-0000-000000000000"))
    except Resolver404:
        return False
    return True


def api_case_and_key() -> tuple[str, str]:
    """An integrator with a live key and one passport case of theirs (consent to processing given)."""
    from kyc.api.models import Integrator
    from kyc.api.services import api_key_create, integrator_case_create

    integrator = Integrator.objects.create(name=f"hardening-{Integrator.objects.count() + 1}")
    _key, raw_key = api_key_create(integrator=integrator, name="hardening tests")
    case = integrator_case_create(
        integrator=integrator, email="applicant@example.test", document_type="passport", consents=["processing"]
    )
    return str(case.id), raw_key


def api_upload(client, case_id: str, raw_key: str, item: Hostile):
    upload = SimpleUploadedFile(item.filename, item.content, content_type=item.content_type)
    return client.post(
        API_DOCUMENTS_PATH.format(case_id=case_id),
        {"kind": "passport", "side": "data_page", "file": upload},
        HTTP_AUTHORIZATION=f"Api-Key {raw_key}",
        HTTP_ACCEPT="application/json",
    )


def page_messages(response) -> list[tuple[str, str]]:
    """The (level, text) of the messages shown on the page the applicant lands on."""
    return [(message.level_tag, str(message).lower()) for message in response.context["messages"]]


def api_text(response) -> str:
    try:
        return json.dumps(response.json(), ensure_ascii=False).lower()
    except ValueError:
        return response.content.decode("utf-8", "replace").lower()


def stored_files(case_id: str) -> list[Path]:
    folder = Path(default_storage.location) / "cases" / case_id
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def assert_nothing_stored(case_id: str) -> None:
    assert not Document.objects.filter(case_id=case_id).exists(), "a refused file left a document row"
    assert stored_files(case_id) == [], "a refused file left bytes in storage"
    assert not AuditEvent.objects.filter(case_id=case_id, action__startswith="document.").exists()


def assert_stored_clean(case_id: str, item: Hostile) -> Image.Image:
    """Exactly one document, stored as a plain single-frame JPEG/PNG with no metadata and no trailer."""
    documents = list(Document.objects.filter(case_id=case_id))
    assert len(documents) == 1, f"expected one stored document, found {len(documents)}"
    document = documents[0]
    files = stored_files(case_id)
    assert len(files) == 1, f"expected one stored file, found {files}"
    # The storage name is ours alone: nothing of the applicant's file name survives.
    assert document.file.name == f"cases/{case_id}/{document.id}.{'png' if document.content_type == 'image/png' else 'jpg'}"
    with default_storage.open(document.file.name) as stored:
        content = stored.read()
    for marker in SMUGGLED_MARKERS:
        assert marker not in content, f"{marker!r} from the upload survived into storage"
    image = Image.open(io.BytesIO(content))
    expected_format = {"image/jpeg": "JPEG", "image/png": "PNG"}[document.content_type]
    assert image.format == expected_format
    assert image.mode in ("RGB", "L")
    assert getattr(image, "n_frames", 1) == 1
    exif = image.getexif()
    assert set(exif) <= {0x0112}, f"EXIF tags other than the orientation survived: {sorted(exif)}"
    if b"Exif\x00\x00" in content:  # the orientation alone, in the segment the re-mux writes
        assert content.count(b"Exif\x00\x00") == 1 and jpeg_remux.orientation_app1(exif[0x0112]) in content
    leftovers = set(image.info) - HARMLESS_INFO - ({"exif"} if exif else set())
    assert not leftovers, f"metadata survived re-encoding: {sorted(leftovers)}"
    if expected_format == "JPEG":
        assert content.endswith(b"\xff\xd9"), "bytes after the JPEG's end"
    else:
        assert content.endswith(b"IEND\xaeB`\x82"), "bytes after the PNG's end"
    assert document.byte_size == len(content)
    image.load()
    if item.check:
        item.check(image)
    return image
