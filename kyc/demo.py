"""Demo users and demo cases for the quick start. Every document is a synthetic specimen."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from kyc.models import Case
from kyc.services.audit import Actor
from kyc.services.cases import case_create, case_submit
from kyc.services.documents import document_attach

logger = logging.getLogger(__name__)

# Demo passwords are printed on purpose: this data exists only on a developer's machine.
DEMO_LOGINS = [
    ("reviewer", "reviewer", "demo-reviewer-pass"),
    ("senior reviewer", "senior", "demo-senior-pass"),
    ("admin", "admin", "demo-admin-pass"),
]
BUNDLED = Path(__file__).resolve().parent.parent / "ocr_integration" / "specimens" / "bundled"


def ensure_demo_users() -> None:
    """One user per role, each in the role's group (created by migration 0003)."""
    from django.contrib.auth.models import Group

    for role, username, password in DEMO_LOGINS:
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.set_password(password)
            user.save()
        group = Group.objects.filter(name=role).first()
        if group is not None:
            user.groups.add(group)


def load_demo_cases() -> int:
    """Create and submit one case per bundled specimen set, once. Returns how many were created."""
    if Case.objects.exists():
        return 0
    manifest_path = BUNDLED / "demo.json"
    if not manifest_path.exists():
        logger.warning("no bundled demo specimens found at %s", BUNDLED)
        return 0
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    created = 0
    for entry in manifest["cases"]:
        with transaction.atomic():
            case = case_create(
                actor=Actor.system("demo"),
                email="demo-applicant@example.test",
                document_type=entry["document_type"],
                issuing_country=entry.get("issuing_country", ""),
            )
            for kind, file_name in entry["images"].items():
                content = (BUNDLED / file_name).read_bytes()
                document_attach(
                    case_id=case.id,
                    kind=kind,
                    upload=SimpleUploadedFile(file_name, content),
                    actor=Actor.system("demo"),
                )
            case_submit(case_id=case.id, actor=Actor.system("demo"))
        created += 1
    return created



