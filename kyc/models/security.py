"""Staff sign-in protection: failed-login counters (lockout) and TOTP second-factor devices;
fixed-window request counters (the API rate limit)."""

from django.conf import settings
from django.db import models

from kyc.core.encryption.fields import EncryptedTextField


class StaffLoginThrottle(models.Model):
    """Failed sign-ins for one username. Keyed by the name typed, so unknown names lock out too
    (an attacker learns nothing about which accounts exist)."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in throttle for {self.username}"


class TotpDevice(models.Model):
    """A staff member's authenticator app. The shared secret is encrypted at rest with the site's
    keys (kyc.core.encryption.crypto), so ``manage.py rotate_encryption_keys`` re-encrypts it with the rest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField()
    confirmed = models.BooleanField(default=False)
    # The last time step accepted: a code is never accepted twice (replay).
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "TOTP device"

    def __str__(self) -> str:
        return f"TOTP device of user {self.user_id}"


class RateCounter(models.Model):
    """Requests counted for one key (an integrator and a scope) in the current fixed window.

    Counted by one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement
    (kyc.services.rate_limits): atomic in the database every process shares, whatever cache is
    configured, so concurrent requests can never all read the same count.
    """

    key = models.CharField(max_length=200, unique=True)
    window_start = models.BigIntegerField(help_text="Unix time the current window began")
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} since {self.window_start}"
