"""Demo users and demo cases for the quick start. Every document is a synthetic specimen."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from kyc.services.consent import PROCESSING, SENSITIVE, SENSITIVE_KINDS, consent_record
from kyc.models import Case
from kyc.core.audit import Actor
from kyc.services.cases import case_create, case_submit
from kyc.services.documents import document_attach
from kyc.uploads.prepare import prepare_upload

logger = logging.getLogger(__name__)

# Demo passwords are printed on purpose: this data exists only on a developer's machine.
DEMO_LOGINS = [
    ("reviewer", "reviewer", "demo-reviewer-pass"),
    ("senior reviewer", "senior", "demo-senior-pass"),
    # A second senior, so that an override approved by one can be confirmed by the other (four eyes).
    ("senior reviewer", "senior2", "demo-senior2-pass"),
    ("admin", "admin", "demo-admin-pass"),
]


# The demo's staff stand for established colleagues: their accounts are dated before the four-eyes
# cooling-off period (FOUR_EYES_COOLING_OFF_HOURS), or no senior could confirm an override on the
# first day of a demo. Only these demo accounts, and only when they are first created.
DEMO_ACCOUNT_AGE = timedelta(days=30)


def ensure_demo_users() -> None:
    """One user per role (two senior reviewers), each in the role's group (created by migration 0003)."""
    from django.contrib.auth.models import Group

    for role, username, password in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "date_joined": timezone.now() - DEMO_ACCOUNT_AGE})
        if created:
            user.set_password(password)
            user.save()
        group = Group.objects.filter(name=role).first()
        if group is not None:
            user.groups.add(group)


def demo_document_sets() -> list[tuple[str, str, dict[str, object]]]:
    """(document type, issuing country, {kind: bundled specimen}) for every complete bundled set.

    Specimens of one document share a seed (an Emirates ID's front and back, a Chinese ID's two
    sides), so grouping by seed and document type pairs the sides of one card.
    """
    from ocr_integration.documents.kinds import REQUIRED_KINDS, DocumentType
    from ocr_integration.services import bundled_specimens

    by_seed: dict[tuple[int, str], dict[str, object]] = {}
    for specimen in bundled_specimens():
        key = (specimen.truth.seed, specimen.path.stem.split("-", 2)[-1] if "-" in specimen.path.stem else "")
        by_seed.setdefault(key, {})[specimen.kind.value] = specimen
    sets = []
    for (_seed, _variant), sides in sorted(by_seed.items(), key=lambda item: item[0]):
        for document_type in DocumentType:
            kinds = [k.value for k in REQUIRED_KINDS[document_type]]
            if all(kind in sides for kind in kinds):
                first = sides[kinds[0]]
                country = first.truth.fields.get("issuing_state") or {
                    DocumentType.EMIRATES_ID: "ARE", DocumentType.CN_RESIDENT_ID: "CHN"
                }.get(document_type, "")
                sets.append((document_type.value, country, {kind: sides[kind] for kind in kinds}))
    return sets


def load_demo_cases() -> int:
    """Create and submit one case per bundled specimen set, once. Returns how many were created."""
    if Case.objects.exists():
        return 0
    created = 0
    for document_type, country, sides in demo_document_sets():
        with transaction.atomic():
            case = case_create(
                actor=Actor.system("demo"),
                email="demo-applicant@example.test",
                document_type=document_type,
                issuing_country=country,
            )
            # The consents an applicant gives before uploading (a Chinese ID's number needs its own).
            for scope in (PROCESSING, SENSITIVE) if set(sides) & SENSITIVE_KINDS else (PROCESSING,):
                consent_record(case_id=case.id, scope=scope, actor=Actor.system("demo"))
            for kind, specimen in sides.items():
                document_attach(
                    case_id=case.id,
                    kind=kind,
                    prepared=prepare_upload(SimpleUploadedFile(specimen.path.name, specimen.read_bytes())),
                    actor=Actor.system("demo"),
                )
            case_submit(case_id=case.id, actor=Actor.system("demo"))
        created += 1
    return created
