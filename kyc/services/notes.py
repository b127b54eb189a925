"""Reviewers' notes on a case."""

from __future__ import annotations

from django.db import transaction

from kyc.access import policy
from kyc.core.audit import Actor, audit_record
from kyc.errors import ValidationFailed
from kyc.models import CaseNote
from kyc.services.cases import lock_case

NOTE_MAX_LENGTH = 5000


@transaction.atomic
def case_note_add(*, case_id, actor: Actor, body: str) -> CaseNote:
    user = actor.user
    policy.refuse(policy.note_refusal(user))
    body = body.strip()
    if not body:
        raise ValidationFailed(message="The note is empty.")
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationFailed(message=f"Keep notes under {NOTE_MAX_LENGTH} characters.")
    case = lock_case(case_id)
    note = CaseNote.objects.create(case=case, author=user, body=body)
    # The note's text may mention personal data: the trail records that a note was added, and
    # its length, but never the text (the note row itself is the record).
    audit_record(
        actor=actor, action="case.note_added", case_id=case.id, object_type="case_note", object_id=note.id,
        data={"length": len(body)},
    )
    return note
