"""Creating, submitting and moving cases through their states."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kyc.access import policy
from kyc.core.audit import Actor, audit_record
from kyc.core.models import AuditEvent
from kyc.domain.workflow import CaseState, assert_transition
from kyc.errors import SelfieMissing, SidesMissing, ValidationFailed
from kyc.models import Applicant, Case, Document
from kyc.selectors.configuration import bank_card_requirement
from kyc.selectors.configuration import selfie_requirement as site_selfie_requirement
from kyc.services import hooks
from kyc.services.search_index import case_index_for_search
from ocr_integration.documents.kinds import DocumentKind, DocumentType, SelfieRequirement


def case_transition(
    *, case: Case, target: CaseState, actor: Actor, reason: str = "", data: dict[str, Any] | None = None,
    also_saving: tuple[str, ...] = (),
) -> Case:
    """The one place a case changes state. The caller holds the row lock inside a transaction.

    ``also_saving``: fields of ``case`` the caller changed for this same move (the pipeline's check
    run and finding counts), written in the same UPDATE."""
    before = case.state
    assert_transition(before, target)
    case.state = target.value
    case.state_reason = reason
    case.state_changed_at = timezone.now()
    update_fields = ["state", "state_reason", "state_changed_at", "updated_at", *also_saving]
    if target == CaseState.SUBMITTED:
        case.submitted_at = case.state_changed_at
        update_fields.append("submitted_at")
    case.save(update_fields=update_fields)
    audit_record(
        actor=actor,
        action="case.state_changed",
        case_id=case.id,
        object_type="case",
        object_id=case.id,
        # Never the reason's words: a reviewer's resubmission text or a vendor's error may name the
        # applicant, and the trail outlives erasure. Its length says one was given; the words are
        # on the case (state_reason) and on the record the caller names in ``data`` (a decision's
        # encrypted note, say), both encrypted and both erased with the case.
        data={"before": before, "after": target.value, "reason_length": len(reason), **(data or {})},
    )
    # The outer apps' receivers (the integrators' webhooks: a delivery row each, posted on commit).
    hooks.case_state_changed(case=case, before=before)
    return case


def lock_case(case_id) -> Case:
    return Case.objects.select_for_update().get(id=case_id)


@transaction.atomic
def case_create(
    *,
    actor: Actor,
    email: str,
    document_type: str,
    issuing_country: str = "",
    declared_full_name: str = "",
    declared_birth_date: date | None = None,
    language: str = "en",
    created_by=None,
    selfie_requirement: str | None = None,
) -> Case:
    """Start a case. ``selfie_requirement`` overrides the site's (the demo's document-only cases);
    None: the site configuration's value for the document type, as for every applicant."""
    try:
        document_type = DocumentType(document_type)
    except ValueError:
        raise ValidationFailed(
            message=f"Unknown document type {document_type!r}; choose one of {', '.join(t.value for t in DocumentType)}.",
            field="document_type",
        ) from None
    issuing_country = issuing_country.strip().upper()
    if issuing_country and not (len(issuing_country) == 3 and issuing_country.isalpha()):
        raise ValidationFailed(
            message=gettext_noop("The issuing country must be a three-letter code such as ARE, CHN or GBR."),
            field="issuing_country",
        )
    if declared_birth_date and declared_birth_date > timezone.now().date():
        raise ValidationFailed(
            message=gettext_noop("The birth date cannot be in the future."), field="declared_birth_date"
        )
    applicant = Applicant.objects.create(
        email=email.strip(),
        declared_full_name=declared_full_name.strip(),
        declared_birth_date=declared_birth_date,
        language=language,
    )
    case = Case.objects.create(
        applicant=applicant,
        document_type=document_type.value,
        issuing_country=issuing_country,
        bank_card=bank_card_requirement(document_type.value),
        selfie_requirement=SelfieRequirement(selfie_requirement or site_selfie_requirement(document_type.value)).value,
        created_by=created_by,
    )
    case_index_for_search(case_id=case.id, names=[applicant.declared_full_name])
    if actor.kind == "applicant" and not actor.id:
        actor = Actor.applicant(applicant.id)
    audit_record(
        actor=actor,
        action="case.created",
        case_id=case.id,
        object_type="case",
        object_id=case.id,
        data={"document_type": document_type.value, "issuing_country": issuing_country,
              "bank_card": case.bank_card, "selfie_requirement": case.selfie_requirement},
    )
    return case


def missing_kinds(case: Case) -> list[str]:
    present = set(case.documents.filter(is_current=True).values_list("kind", flat=True))
    return [k.value for k in case.required_kinds if k.value not in present]


@transaction.atomic
def case_submit(*, case_id, actor: Actor) -> Case:
    """Submit a draft (or a resubmission) and queue one OCR read per image still to be read."""
    case = lock_case(case_id)
    missing = missing_kinds(case)
    if missing:
        raise SidesMissing(missing)
    if case.asks_for_selfie:
        no_selfie = not case.documents.filter(kind=DocumentKind.SELFIE.value, is_current=True).exists()
        # A case whose applicant said they cannot do the head-turn check goes on without it
        # (LIVENESS is then a "not performed" warning for the reviewer).
        no_liveness = (case.liveness_skipped_at is None
                       and not case.liveness_captures.filter(is_current=True).exists())
        if no_selfie or no_liveness:
            raise SelfieMissing(selfie=no_selfie, liveness=no_liveness)
    case_transition(case=case, target=CaseState.SUBMITTED, actor=actor)
    _queue_reads(case)
    return case


@transaction.atomic
def case_retry_reading(*, case_id, actor: Actor) -> Case:
    """A reviewer (or the system) asks the machine to try reading again (after fixing a vendor
    setting, say)."""
    case = lock_case(case_id)
    if actor.kind != AuditEvent.ActorKind.SYSTEM:
        policy.refuse(policy.retry_refusal(actor.user, case))
    case_transition(case=case, target=CaseState.PROCESSING, actor=actor, data={"retry": True})
    case.documents.filter(is_current=True, read_state=Document.ReadState.FAILED).update(
        read_state=Document.ReadState.PENDING, claim_token="", claimed_at=None, failure_class="", failure_reason=""
    )
    _queue_reads(case)
    return case


def _queue_reads(case: Case) -> None:
    from kyc.tasks import queue_read

    pending_ids = list(
        case.documents.filter(is_current=True, read_state=Document.ReadState.PENDING).values_list("id", flat=True)
    )
    for document_id in pending_ids:
        # On commit: the worker must find the rows this transaction is writing.
        transaction.on_commit(lambda document_id=document_id: queue_read(document_id))

