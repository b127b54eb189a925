"""Demo users and demo cases for the quick start. Every document is a synthetic specimen."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from kyc.core.audit import Actor
from kyc.errors import KycError
from kyc.models import Case
from kyc.services.cases import case_create, case_submit
from kyc.services.consent import BIOMETRIC, PROCESSING, SENSITIVE, SENSITIVE_KINDS, consent_record
from kyc.services.documents import document_attach
from kyc.uploads.prepare import prepare_upload
from ocr_integration.documents.kinds import DocumentKind

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


def _submit_demo_case(document_type: str, country: str, sides: dict[str, object], *, face=None, **declared) -> Case:
    """Create and submit a demo case with ``sides`` (bundled specimens, or ``(name, bytes)``) and,
    with ``face`` (a ``DemoFace``), a selfie and a liveness burst; without one, the case asks for
    no selfie (the bundled documents carry no face to compare it with)."""
    with transaction.atomic():
        case = case_create(
            actor=Actor.system("demo"),
            email="demo-applicant@example.test",
            document_type=document_type,
            issuing_country=country,
            selfie_requirement="required" if face else "not_asked",
            **declared,
        )
        # The consents an applicant gives before uploading (a Chinese ID's number needs its own).
        for scope in (PROCESSING, SENSITIVE) if set(sides) & SENSITIVE_KINDS else (PROCESSING,):
            consent_record(case_id=case.id, scope=scope, actor=Actor.system("demo"))
        for kind, specimen in sides.items():
            name, data = specimen if isinstance(specimen, tuple) else (specimen.path.name, specimen.read_bytes())
            document_attach(
                case_id=case.id,
                kind=kind,
                prepared=prepare_upload(SimpleUploadedFile(name, data)),
                actor=Actor.system("demo"),
            )
        if face is not None:
            _attach_demo_face(case, face)
        return case_submit(case_id=case.id, actor=Actor.system("demo"))


@dataclass(frozen=True)
class DemoFace:
    selfie: bytes
    # (challenge) -> [(jpeg, offset_ms)]: the burst answering whichever challenge is issued.
    burst: Callable[[str], list[tuple[bytes, int]]]


def _attach_demo_face(case: Case, face: DemoFace) -> None:
    from kyc.services.liveness import BurstFrame, liveness_challenge_issue, liveness_frames_attach

    consent_record(case_id=case.id, scope=BIOMETRIC, actor=Actor.system("demo"))
    document_attach(case_id=case.id, kind=DocumentKind.SELFIE.value,
                    prepared=prepare_upload(SimpleUploadedFile("selfie.jpg", face.selfie)), actor=Actor.system("demo"))
    challenge = liveness_challenge_issue(case_id=case.id, actor=Actor.system("demo"))
    frames = [BurstFrame(image=prepare_upload(SimpleUploadedFile(f"frame-{i}.jpg", jpeg)), offset_ms=offset)
              for i, (jpeg, offset) in enumerate(face.burst(challenge.challenge))]
    liveness_frames_attach(case_id=case.id, nonce=challenge.nonce, frames=frames, actor=Actor.system("demo"))


def demo_selfie_cases() -> list[Case]:
    """Two passport cases with a selfie and a head-turn burst of one public-domain face (the
    specimens of ocr_integration.specimens.faces, whose photograph ships with scikit-image, a
    dependency for this reason): one whose burst turns as asked, one whose burst replays one still
    (the spoof the liveness check must catch). Without scikit-image, none (the log says so)."""
    from ocr_integration.services import face_specimens

    faces = face_specimens()
    try:
        portrait = faces.document_with_portrait(DocumentKind.PASSPORT, 41, "collins")
        selfie = faces.selfie("collins", 1).image
    except faces.FaceSourceMissing as missing:
        logger.warning("No demo cases with a selfie: %s", missing)
        return []

    def turning(challenge: str) -> list[tuple[bytes, int]]:
        return [(frame.image, frame.offset_ms) for frame in faces.liveness_burst("collins", challenge)]

    def replayed(_challenge: str) -> list[tuple[bytes, int]]:
        return [(frame.image, frame.offset_ms) for frame in faces.replayed_still_burst("collins")]

    sides = {DocumentKind.PASSPORT.value: ("passport.jpg", portrait.image)}
    return [
        _submit_demo_case("passport", "", sides, face=DemoFace(selfie=selfie, burst=burst),
                          declared_full_name=name)
        for burst, name in ((turning, "Demo Selfie"), (replayed, "Demo Replayed Still"))
    ]


def load_demo_cases() -> int:
    """Create and submit one case per bundled specimen set, once, and the two four-eyes cases
    (see demo_four_eyes_cases). Returns how many were created."""
    if Case.objects.exists():
        return 0
    sets = demo_document_sets()
    for document_type, country, sides in sets:
        _submit_demo_case(document_type, country, sides)
    return len(sets) + len(demo_four_eyes_cases(sets)) + len(demo_selfie_cases())


# What the demo's senior reviewers wrote: a demo, so the words say so.
DEMO_OVERRIDE_NOTE = ("Demo: the applicant typed the birth date a year out; the document and its MRZ agree. "
                      "Approved on the document.")
DEMO_CONFIRM_NOTE = "Demo: compared the image with the MRZ myself; I agree."


def demo_four_eyes_cases(sets=None) -> list[Case]:
    """Two passport cases whose declared birth date is a year off the document's, so that
    DECLARED_BIRTH_DATE fails and approving is an override (four eyes):

    - one approved by ``senior`` and waiting for a second senior: sign in as ``senior2`` to
      confirm or decline it;
    - one approved by ``senior`` and confirmed by ``senior2``: the whole path in its timeline and
      its evidence export.

    Their images are read here, in this process (the worker would read them too; a read is done
    once whoever comes first). If the reader is not available, they are left in the queue as they
    are and the demo says so in the log.
    """
    from datetime import date

    from kyc.domain.workflow import CaseState
    from kyc.services.assignments import case_claim
    from kyc.services.decisions import case_decide, decision_second_review
    from kyc.tasks import read_document

    ensure_demo_users()
    passports = [s for s in (sets or demo_document_sets()) if s[0] == "passport"]
    if not passports:
        return []
    document_type, country, sides = passports[0]
    born = date.fromisoformat(str(next(iter(sides.values())).truth.fields["birth_date"]))
    declared = born.replace(year=born.year - 1)
    senior, senior2 = User.objects.get(username="senior"), User.objects.get(username="senior2")
    cases = []
    for confirm in (False, True):
        case = _submit_demo_case(document_type, country, sides, declared_full_name="Demo Four-Eyes",
                                 declared_birth_date=declared)
        cases.append(case)
        for document in case.documents.filter(is_current=True):
            read_document.apply(args=[str(document.id)])
        case.refresh_from_db()
        if case.state not in (CaseState.READY_FOR_REVIEW, CaseState.NEEDS_ATTENTION) or not case.failed_findings_count:
            logger.warning("Demo four-eyes case %s: not ready with a failed check (%s); left in the queue.",
                           case.reference, case.state)
            continue
        try:
            case_claim(case_id=case.id, actor=Actor.staff(senior))
            proposal = case_decide(case_id=case.id, actor=Actor.staff(senior), outcome="approve",
                                   reason_codes=["manual-verification"], note=DEMO_OVERRIDE_NOTE)
            if confirm:
                decision_second_review(decision_id=proposal.id, actor=Actor.staff(senior2), confirm=True,
                                       note=DEMO_CONFIRM_NOTE)
        except KycError as error:  # e.g. a reason code an admin retired: the demo goes on without it
            logger.warning("Demo four-eyes case %s: %s", case.reference, error)
    return cases
