"""Reads about staff accounts for the reviewer pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model


def active_staff_user(*, user_id):
    """The active user with this id (None when there is none, or the account was deactivated)."""
    if not user_id:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def staff_language(*, user) -> str:
    """The reviewer language ``user`` chose for their account ("" when they chose none)."""
    from kyc.models import StaffPreferences

    return StaffPreferences.objects.filter(user=user).values_list("language", flat=True).first() or ""
