"""Access to applicants' personal data outside a case workspace (admin)."""

from __future__ import annotations

from django.db import transaction

from kyc.core.audit import Actor, audit_record
from kyc.models import Case


@transaction.atomic
def applicant_record_view(*, applicant_id, actor: Actor) -> None:
    """Showing an applicant's personal data is audited, like a document image."""
    case_id = Case.objects.filter(applicant_id=applicant_id).values_list("id", flat=True).first()
    audit_record(
        actor=actor, action="applicant.viewed", case_id=case_id, object_type="applicant", object_id=applicant_id
    )
