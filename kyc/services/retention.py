"""Retention and erasure: personal data and images go; the audit trail stays (it never held them).

``case_purge_personal_data`` is the one function that erases a case's personal data. It is called
by the periodic retention task (N days after the decision, per outcome) and by an applicant's
erasure request (from admin). Both are audited.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from kyc.core.audit import Actor, audit_record
from kyc.domain.workflow import FINAL_STATES, CaseState
from kyc.models import Case, PendingFileDeletion
from kyc.models.document import case_storage_prefix
from kyc.privacy.personal_data import PERSONAL
from kyc.services import hooks
from kyc.services.cases import case_transition, lock_case

logger = logging.getLogger(__name__)


def retention_days(state: str) -> int:
    from kyc.selectors.configuration import site_configuration

    config = site_configuration()
    return {
        CaseState.APPROVED: config.retention_approved_days,
        CaseState.REJECTED: config.retention_rejected_days,
        CaseState.WITHDRAWN: config.retention_abandoned_days,
    }.get(CaseState(state), config.retention_abandoned_days)


def _files_of(case: Case) -> list[str]:
    return [d.file.name for d in case.documents.all() if d.file.name]


@transaction.atomic
def case_purge_personal_data(*, case_id, actor: Actor, reason: str) -> bool:
    """Erase the case's images and personal values. Returns False if it was already erased."""
    case = lock_case(case_id)
    if case.personal_data_erased_at is not None:
        return False
    files = _files_of(case)
    # Everything under the case's folder goes, not only the files rows name (a copy a killed key
    # rotation left there, say); a file stored elsewhere by an older layout is named on its own.
    prefix = case_storage_prefix(case.id)
    PendingFileDeletion.objects.bulk_create(
        [PendingFileDeletion(case=case, name=prefix)]
        + [PendingFileDeletion(case=case, name=name) for name in files if not name.startswith(prefix)]
    )
    _erase_personal_fields(case)
    case.refresh_from_db()
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
    # Files go once the rows that point at them are committed as gone. A delete that fails keeps
    # its PendingFileDeletion row, which every retention run tries again.
    transaction.on_commit(lambda: pending_file_deletions_retry(case_id=case.id))
    return True


def _erase_personal_fields(case: Case) -> None:
    """Walk the one list of every field that can hold personal data (kyc.privacy.personal_data)."""
    for table in PERSONAL:
        try:
            model = apps.get_model(table.model)
        except LookupError:  # an optional app (the API) that is not installed
            continue
        if table.erase == "app":
            # A table of an outer app, which erases it: the core does not know its records' shape.
            eraser = hooks.eraser_for(table.model)
            if eraser is None:
                # Installed but never registered its eraser: refuse rather than keep the data.
                raise RuntimeError(f"{table.model} holds personal data and no eraser is registered for it.")
            eraser(case=case)
            continue
        rows = model._base_manager.filter(**{table.case_lookup: case.id})
        if table.erase == "delete":
            rows.delete()
        else:
            rows.update(**table.fields)


def pending_file_deletions_retry(*, case_id=None) -> int:
    """Delete what erasures left to delete (of one case, or of all); returns how many are still
    pending. A failure is recorded on its row (attempts, error) for admins and tried next time."""
    pending = PendingFileDeletion.objects.order_by("id")
    if case_id is not None:
        pending = pending.filter(case_id=case_id)
    left = 0
    for deletion in pending:
        try:
            if deletion.is_folder:
                default_storage.delete_prefix(deletion.name)
            else:
                default_storage.delete(deletion.name)
        except Exception as exc:  # any failure is retried; the row says which
            left += 1
            error = f"{type(exc).__name__}: {exc}"[:300]
            PendingFileDeletion.objects.filter(id=deletion.id).update(
                attempts=F("attempts") + 1, last_attempt_at=timezone.now(), last_error=error
            )
            logger.warning("could not delete the stored files of an erased case (%s); the next retention "
                           "run tries again", type(exc).__name__)
        else:
            PendingFileDeletion.objects.filter(id=deletion.id).delete()
    return left


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
    """The periodic retention run: deletes left over from earlier erasures are tried again, then
    expired idempotency answers are deleted, and each expired case is erased in its own transaction."""
    pending_file_deletions_retry()
    hooks.retention_run()  # the outer apps' short-lived copies (the API's idempotency answers)
    count = 0
    for case_id in cases_due_for_purge():
        count += case_purge_personal_data(case_id=case_id, actor=Actor.system("retention"), reason="retention period ended")
    return count
