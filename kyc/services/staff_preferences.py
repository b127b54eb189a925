"""A staff member's own settings for the reviewer pages."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from kyc.core.audit import Actor, audit_record
from kyc.errors import ValidationFailed
from kyc.models import StaffPreferences


@transaction.atomic
def staff_language_set(*, user, language: str, actor: Actor) -> StaffPreferences:
    """Keep ``language`` (a code of settings.LANGUAGES) as ``user``'s reviewer language, audited."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(message=f"{language!r} is not a language of the reviewer pages.", field="language")
    preferences, _ = StaffPreferences.objects.select_for_update().get_or_create(user=user)
    before = preferences.language
    if before != language:
        preferences.language = language
        preferences.save(update_fields=["language", "updated_at"])
        audit_record(actor=actor, action="staff.language_changed", object_type="user", object_id=str(user.pk),
                     data={"before": before, "after": language})
    return preferences
