from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from kyc.services.audit import Actor
from kyc.services.cases import case_create
from kyc.services.documents import document_attach
from tests.support.providers import GREEN, colour_image

SCRIPTED = "tests.support.providers:ScriptedProvider"


@pytest.fixture
def scripted_ocr(settings):
    """Route every document kind to the scripted test provider."""
    settings.OCR_DEFAULT_PROVIDER = SCRIPTED
    settings.OCR_ROUTING = {}
    from ocr_integration import services

    services._providers.clear()
    return SCRIPTED


def make_staff(username: str, *perms: str) -> User:
    user = User.objects.create_user(username=username, password="correct-horse-battery", is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)  # fresh instance: permission cache empty


@pytest.fixture
def reviewer(db):
    return make_staff("reviewer", "kyc.review_case", "kyc.decide_case")


def upload(colour=GREEN, name="photo.png", fmt="PNG", size=(640, 420)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, colour_image(colour, size=size, fmt=fmt), content_type="image/png")


def make_case(document_type="passport", colours=None, **kwargs):
    """A draft case with every required side attached (all green unless ``colours`` says otherwise)."""
    from ocr_integration.documents.kinds import REQUIRED_KINDS, DocumentType

    case = case_create(actor=Actor.applicant(""), email="applicant@example.test", document_type=document_type, **kwargs)
    kinds = REQUIRED_KINDS[DocumentType(document_type)]
    for kind in kinds:
        colour = (colours or {}).get(kind.value, GREEN)
        # Each generated image carries a random mark, so two sides are never the same image.
        document_attach(
            case_id=case.id, kind=kind.value, upload=upload(colour, size=(640, 420)), actor=Actor.applicant(case.applicant_id)
        )
    return case


@pytest.fixture(autouse=True)
def _language_of_the_last_request_does_not_leak():
    # LocaleMiddleware activates the request's language in the thread and leaves it active after the
    # response; a test that asks for Arabic or Chinese pages must not change the language the next
    # test's messages are written in.
    yield
    from django.utils import translation

    translation.deactivate()
