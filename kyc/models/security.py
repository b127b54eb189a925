"""Staff sign-in protection: failed-login counters (lockout) and TOTP second-factor devices;
fixed-window request counters (the API rate limit)."""

import base64
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.util import random_hex

from kyc.core.encryption.fields import EncryptedTextField

TOTP_ISSUER = "KYC review"
TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
# One step either side for the phone's clock drift.
TOTP_TOLERANCE_STEPS = 1


class StaffLoginThrottle(models.Model):
    """Failed sign-ins for one username. Keyed by the name typed, so unknown names lock out too
    (an attacker learns nothing about which accounts exist)."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in throttle for {self.username}"


class TotpDevice(Device):
    """A staff member's authenticator app: a django-otp ``Device`` (``verify_token``, the device
    API of ``django_otp``), its codes computed by ``django_otp.oath.TOTP`` (RFC 6238).

    Not django-otp's own ``TOTPDevice``: that one keeps its key in plain text, and this secret is
    encrypted at rest with the site's keys (kyc.core.encryption.crypto), so that
    ``manage.py rotate_encryption_keys`` re-encrypts it with the rest. The secret is base32 (what
    the authenticator app is given), as it was before this model became a django-otp device, so
    every enrolled authenticator goes on working unchanged.
    """

    # One authenticator per staff member (django-otp allows several; our sign-in asks for one).
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    name = models.CharField(max_length=64, default="authenticator app")
    confirmed = models.BooleanField(default=False)
    secret = EncryptedTextField()
    # The last time step accepted: a code is never accepted twice (replay).
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "TOTP device"

    def __str__(self) -> str:
        return f"TOTP device of user {self.user_id}"

    def _totp(self) -> TOTP:
        totp = TOTP(base64.b32decode(self.secret), step=TOTP_STEP_SECONDS, digits=TOTP_DIGITS)
        totp.time = time.time()
        return totp

    def verify_token(self, token) -> bool:
        """Accept a six-digit code of this step or the one either side, once (no replay).

        Saves the step it accepted; the caller holds the row locked (select_for_update)."""
        token = str(token or "").replace(" ", "")
        if not (token.isdigit() and len(token) == TOTP_DIGITS):
            return False
        totp = self._totp()
        if not totp.verify(int(token), tolerance=TOTP_TOLERANCE_STEPS, min_t=self.last_used_step + 1):
            return False
        self.last_used_step = totp.t()
        self.save(update_fields=["last_used_step"])
        return True

    @property
    def config_url(self) -> str:
        """The otpauth:// URI an authenticator app reads (from the QR code), in the Key Uri Format."""
        label = f"{quote(TOTP_ISSUER)}:{quote(self.user.get_username())}"  # the colon stays literal
        params = urlencode({"secret": self.secret, "issuer": TOTP_ISSUER, "algorithm": "SHA1",
                            "digits": TOTP_DIGITS, "period": TOTP_STEP_SECONDS}, quote_via=quote)
        return f"otpauth://totp/{label}?{params}"

    @staticmethod
    def new_secret() -> str:
        """A fresh 160-bit secret in base32 (RFC 4226 recommends 160 bits)."""
        return base64.b32encode(bytes.fromhex(random_hex(20))).decode()


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
