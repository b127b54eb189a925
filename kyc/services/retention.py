"""Retention and erasure: personal data and images go; the audit trail stays (it never held them).

``case_purge_personal_data`` is the one function that erases a case's personal data. It is called
by the periodic retention task (N days after the decision, per outcome) and by an applicant's
erasure request (from admin). Both are audited.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kyc.models import Applicant, Case, CheckFinding, Decision, Document, DocumentReading
from kyc.services.audit import Actor, audit_record
from kyc.services.cases import case_transition, lock_case
from kyc.workflow import FINAL_STATES, CaseState

logger = logging.getLogger(__name__)
ERASED = "[erased]"


def retention_days(state: str) -> int:
    from kyc.configuration import site_configuration

    config = site_configuration()
    return {
        CaseState.APPROVED: config.retention_approved_days,
        CaseState.REJECTED: config.retention_rejected_days,
        CaseState.WITHDRAWN: config.retention_abandoned_days,
    }.get(CaseState(state), config.retention_abandoned_days)


def _files_of(case: Case) -> list[tuple]:
    return [(d.file.storage, d.file.name) for d in case.documents.all() if d.file.name]


@transaction.atomic
def case_purge_personal_data(*, case_id, actor: Actor, reason: str) -> bool:
    """Erase the case's images and personal values. Returns False if it was already erased."""
    case = lock_case(case_id)
    if case.personal_data_erased_at is not None:
        return False
    files = _files_of(case)
    DocumentReading.objects.filter(document__case=case).delete()
    Document.objects.filter(case=case).update(file="", sha256="", width=0, height=0, byte_size=0)
    CheckFinding.objects.filter(case=case).update(message=ERASED, evidence={})
    Decision.objects.filter(case=case).update(note=ERASED, second_note="")
    case.notes.update(body=ERASED)
    Applicant.objects.filter(id=case.applicant_id).update(
        email="", declared_full_name="", declared_birth_date=None
    )
    _erase_related(case)
    case.personal_data_erased_at = timezone.now()
    case.save(update_fields=["personal_data_erased_at"])
    audit_record(
        actor=actor,
        action="case.personal_data_erased",
        case_id=case.id,
        object_type="case",
        object_id=case.id,
        data={"reason": reason, "files_deleted": len(files)},
    )
    # Files go once the rows that point at them are committed as gone; a failed delete is logged
    # and retried by the next retention run, which finds the file through the storage listing.
    transaction.on_commit(lambda: _delete_files(files))
    return True


def _erase_related(case: Case) -> None:
    """Personal data other apps keep about a case (the API app's webhook payloads)."""
    try:
        from kyc.api.services import case_erase_api_data
    except ImportError:
        return
    case_erase_api_data(case=case)


def _delete_files(files: list[tuple]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("could not delete an erased document file; the next retention run retries")


@transaction.atomic
def applicant_erase(*, applicant_id, actor: Actor, reason: str = "erasure requested by the applicant") -> int:
    """An applicant's erasure request: every case of theirs is withdrawn if still open, then erased."""
    erased = 0
    for case_id in Case.objects.filter(applicant_id=applicant_id).values_list("id", flat=True):
        case = lock_case(case_id)
        if case.state not in FINAL_STATES and case.state != CaseState.WITHDRAWN:
            case_transition(case=case, target=CaseState.WITHDRAWN, actor=actor, reason=reason)
        erased += case_purge_personal_data(case_id=case_id, actor=actor, reason=reason)
    return erased


def cases_due_for_purge(*, now=None) -> list:
    """Cases whose retention period after the decision (or abandonment) has run out."""
    now = now or timezone.now()
    states = [CaseState.APPROVED, CaseState.REJECTED, CaseState.WITHDRAWN, CaseState.DRAFT,
              CaseState.RESUBMISSION_REQUESTED]
    expired = Q()
    for state in states:
        expired |= Q(state=state, state_changed_at__lte=now - timedelta(days=retention_days(state)))
    return list(Case.objects.filter(expired, personal_data_erased_at__isnull=True).values_list("id", flat=True))


def purge_expired_personal_data() -> int:
    """The periodic retention run. Each case is erased in its own transaction."""
    count = 0
    for case_id in cases_due_for_purge():
        count += case_purge_personal_data(case_id=case_id, actor=Actor.system("retention"), reason="retention period ended")
    return count
