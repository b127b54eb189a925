"""Staff sign-in: lockout after repeated failures, and the optional TOTP second factor.

Every sign-in, failure, lockout and second-factor change is audited. The throttle is keyed by
the username typed, so guessing at an unknown name locks it out just the same.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kyc.core.audit import Actor, audit_record
from kyc.core.models import AuditEvent
from kyc.errors import PermissionDenied, ValidationFailed
from kyc.models import StaffLoginThrottle, TotpDevice


def _max_failures() -> int:
    return settings.STAFF_LOGIN_MAX_FAILURES


def _lockout() -> timedelta:
    return timedelta(seconds=settings.STAFF_LOGIN_LOCKOUT_SECONDS)


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:150]


def login_locked_until(*, username: str):
    """When the lockout of ``username`` ends, or None when it may try to sign in now."""
    throttle = StaffLoginThrottle.objects.filter(username=_normalise(username)).first()
    if throttle and throttle.locked_until and throttle.locked_until > timezone.now():
        return throttle.locked_until
    return None


@transaction.atomic
def staff_login_attempt_begin(*, username: str) -> bool:
    """Count one sign-in attempt *before* its password or code is checked; False when locked out.

    Counting first, under the throttle row's lock (SELECT ... FOR UPDATE; SQLite's IMMEDIATE
    transactions serialise the same way), is what makes the limit hold under concurrency: when
    the check came first and the count after, 40 guesses sent at once were all checked before
    any was counted. A right answer clears the count (staff_login_succeeded); a wrong one is
    recorded by staff_login_failed.
    """
    now = timezone.now()
    throttle, _ = StaffLoginThrottle.objects.select_for_update().get_or_create(username=_normalise(username))
    if throttle.locked_until and throttle.locked_until > now:
        return False
    if throttle.locked_until or throttle.first_failure_at is None or throttle.first_failure_at < now - _lockout():
        # A lockout that ended, or attempts older than the window, are forgiven.
        throttle.failures = 0
        throttle.first_failure_at = now
        throttle.locked_until = None
    if throttle.failures >= _max_failures():
        # Attempts still being checked have used up the budget.
        throttle.locked_until = now + _lockout()
        throttle.save(update_fields=["failures", "first_failure_at", "locked_until"])
        return False
    throttle.failures += 1
    throttle.save(update_fields=["failures", "first_failure_at", "locked_until"])
    return True


@transaction.atomic
def staff_login_failed(*, username: str, stage: str = "password") -> StaffLoginThrottle:
    """Record one failed sign-in (wrong password or wrong code), already counted by
    staff_login_attempt_begin; lock out at the limit."""
    now = timezone.now()
    throttle, _ = StaffLoginThrottle.objects.select_for_update().get_or_create(username=_normalise(username))
    if throttle.first_failure_at is None:
        throttle.first_failure_at = now
    actor = Actor.system("staff-sign-in")
    audit_record(actor=actor, action="staff.login_failed", object_type="staff_login", object_id=throttle.username,
                 data={"stage": stage, "failures": throttle.failures})
    if throttle.failures >= _max_failures() and not (throttle.locked_until and throttle.locked_until > now):
        throttle.locked_until = now + _lockout()
        audit_record(actor=actor, action="staff.locked_out", object_type="staff_login",
                     object_id=throttle.username,
                     data={"failures": throttle.failures, "until": throttle.locked_until.isoformat()})
    throttle.save(update_fields=["failures", "first_failure_at", "locked_until"])
    return throttle


@transaction.atomic
def staff_login_succeeded(*, user, second_factor: bool) -> None:
    StaffLoginThrottle.objects.filter(username=_normalise(user.get_username())).delete()
    audit_record(actor=Actor.staff(user), action="staff.logged_in", object_type="user", object_id=user.pk,
                 data={"second_factor": second_factor})


@transaction.atomic
def staff_login_unlock(*, actor: Actor, username: str) -> None:
    """An admin lifts a lockout."""
    deleted, _ = StaffLoginThrottle.objects.filter(username=_normalise(username)).delete()
    if deleted:
        audit_record(actor=actor, action="staff.unlocked", object_type="staff_login",
                     object_id=_normalise(username))


# --- TOTP -----------------------------------------------------------------------------------

def has_second_factor(user) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


def staff_reauthenticate(*, user, password: str, code: str = "") -> None:
    """Prove that the person at the keyboard is ``user`` again, before a second-factor change.

    A signed-in session alone is not enough (it may be stolen, or left open): the password, and
    the current code when a second factor is set up. A wrong answer counts as a failed sign-in,
    so this form cannot be used to guess a password past the lockout. Raises ValidationFailed.
    """
    username = user.get_username()
    if not staff_login_attempt_begin(username=username):
        raise ValidationFailed(message="Too many failed sign-ins. Try again later, or ask an admin to unlock you.")
    if not (password and user.check_password(password)):
        staff_login_failed(username=username, stage="reauthentication")
        raise ValidationFailed(message="Your password is not right.")
    if has_second_factor(user) and not _totp_check(user=user, code=code):
        staff_login_failed(username=username, stage="reauthentication")
        raise ValidationFailed(message="The code from your authenticator is not right.")
    # Proven again, as at a sign-in: the attempts counted so far are forgiven.
    StaffLoginThrottle.objects.filter(username=_normalise(username)).delete()


def totp_setup_begin(*, user, password: str) -> tuple[str, str]:
    """Start (or restart) an enrolment: returns the secret and its otpauth:// URI for the app.

    Only after the password is typed again (staff_reauthenticate), and only while no device is
    confirmed: replacing a working factor means removing it first (totp_disable), so a stolen
    session can neither silently swap the victim's authenticator nor enrol its own.
    """
    if has_second_factor(user):
        raise ValidationFailed(message="A second factor is already set up; remove it first to enrol another.")
    # Outside the transaction: a wrong password stays counted as a failed sign-in.
    staff_reauthenticate(user=user, password=password)
    with transaction.atomic():
        device, _ = TotpDevice.objects.update_or_create(
            user=user, defaults={"secret": TotpDevice.new_secret(), "confirmed": False, "last_used_step": 0}
        )
    return device.secret, device.config_url


def totp_pending_enrolment(*, user) -> tuple[str, str] | None:
    """The secret and URI of an enrolment started but not confirmed yet (None when there is none):
    a mistyped code shows the same key again instead of starting over with a new one."""
    device = TotpDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        return None
    return device.secret, device.config_url


@transaction.atomic
def totp_setup_confirm(*, user, code: str) -> None:
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationFailed(message="Start the set-up again: no authenticator is waiting for confirmation.")
    if not device.verify_token(code):
        raise ValidationFailed(message="That code is not right. Check the time on your phone and try the next code.")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=Actor.staff(user), action="staff.totp_enabled", object_type="user", object_id=user.pk)


@transaction.atomic
def _totp_check(*, user, code: str) -> bool:
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    return device is not None and device.verify_token(code)


def totp_verify(*, user, code: str) -> bool:
    """Check a sign-in code: counted as an attempt first, a wrong code as a failed sign-in (lockout).

    False when locked out as well, without looking at the code."""
    if not staff_login_attempt_begin(username=user.get_username()):
        return False
    if _totp_check(user=user, code=code):
        return True
    staff_login_failed(username=user.get_username(), stage="totp")
    return False


def totp_disable(*, actor: Actor, user, password: str = "", code: str = "") -> None:
    """Remove a user's second factor: the user themself, or an admin (a lost phone).

    The user removing their own factor re-authenticates with their password and a current code
    (staff_reauthenticate); an admin removing another's needs the permission. Not one atomic
    block with the check: a wrong answer must stay counted as a failed sign-in.
    """
    if actor.user is None or (actor.user.pk != user.pk and not actor.user.has_perm("kyc.delete_totpdevice")):
        raise ValidationFailed(message="Only the user or an admin can remove a second factor.")
    if actor.user.pk == user.pk:
        staff_reauthenticate(user=user, password=password, code=code)
    _totp_delete(actor=actor, user=user)


@transaction.atomic
def _totp_delete(*, actor: Actor, user) -> None:
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    if deleted:
        audit_record(actor=actor, action="staff.totp_removed", object_type="user", object_id=user.pk)


# Account changes that put an account into other hands or give it power: each starts the
# cooling-off period during which the account cannot confirm a four-eyes approval.
_ACCOUNT_ELEVATING_FIELDS = {"is_staff", "is_superuser", "user_permissions", "is_active"}


@transaction.atomic
def staff_account_record_change(
    *, actor: Actor, user, created: bool, changed_fields: list[str], groups_before: list[str], groups_after: list[str]
) -> None:
    """Audit a change to a staff account made in the admin (roles above all).

    Django's admin saves the user and its groups itself, inside its own transaction; this records
    what changed in that same transaction. Field names only, never values (a name or an email).
    Nobody changes their own roles or staff status: raising here rolls the admin's save back.
    """
    added = sorted(set(groups_after) - set(groups_before))
    removed = sorted(set(groups_before) - set(groups_after))
    fields = sorted(set(changed_fields) - {"groups", "password"})
    if actor.user is not None and actor.user.pk == user.pk and (
        added or removed or set(fields) & _ACCOUNT_ELEVATING_FIELDS
    ):
        raise PermissionDenied(message="Nobody can change their own roles; ask another admin.")
    if not (created or fields or added or removed):
        return
    audit_record(
        actor=actor, action="staff.account_created" if created else "staff.account_changed",
        object_type="user", object_id=user.pk,
        data={"fields": fields, "roles_added": added, "roles_removed": removed},
    )


@transaction.atomic
def staff_password_record_change(*, actor: Actor, user) -> None:
    """Audit a staff password set in the admin: by the member themself, or a reset by someone else."""
    own = actor.user is not None and actor.user.pk == user.pk
    audit_record(
        actor=actor, action="staff.password_changed" if own else "staff.password_reset",
        object_type="user", object_id=user.pk,
    )


def staff_recently_elevated(*, user, now=None) -> bool:
    """Was ``user`` created, given a role or staff status, or had its password set by someone else
    within ``FOUR_EYES_COOLING_OFF_HOURS``? Read from the audit trail, where every such change is."""
    hours = settings.FOUR_EYES_COOLING_OFF_HOURS
    if hours == 0:
        return False
    since = (now or timezone.now()) - timedelta(hours=hours)
    if user.date_joined and user.date_joined > since:
        return True
    events = AuditEvent.objects.filter(
        object_type="user", object_id=str(user.pk), occurred_at__gt=since,
        action__in=["staff.account_created", "staff.account_changed", "staff.password_reset"],
    ).values_list("action", "data")
    for action, data in events:
        if action != "staff.account_changed":
            return True
        if data.get("roles_added") or set(data.get("fields", [])) & _ACCOUNT_ELEVATING_FIELDS:
            return True
    return False
