"""What a staff member chose for their own reviewer pages (issue 15, point 6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffPreferences(models.Model):
    """Per account, so that a reviewer gets their language on any browser they sign in from."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="reviewer_preferences")
    # A code of settings.LANGUAGES; blank: the browser's (cookie or Accept-Language) decides.
    language = models.CharField(max_length=10, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "staff preferences"
        verbose_name_plural = "staff preferences"

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"
