"""Staff sign-in: lockout after repeated failures; the optional TOTP second factor."""

import pyotp
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kyc.core.models import AuditEvent
from kyc.models import StaffLoginThrottle, TotpDevice
from kyc.services.staff_auth import totp_setup_begin, totp_setup_confirm
from tests.support.personas import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/review/login/"


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, staff, settings):
    settings.STAFF_LOGIN_MAX_FAILURES = 5
    for _ in range(5):
        response = sign_in(client, "rita", "wrong-password")
        assert response.status_code == 200
    response = sign_in(client, "rita", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="staff.locked_out", object_id="rita").count() == 1
    # After the lockout window the right password works again and clears the counter.
    StaffLoginThrottle.objects.filter(username="rita").update(locked_until=timezone.now())
    response = sign_in(client, "rita", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("reviewer:queue")
    assert not StaffLoginThrottle.objects.filter(username="rita").exists()
    assert AuditEvent.objects.filter(action="staff.logged_in", actor_label="rita").exists()


def test_unknown_names_lock_out_too(client, db, settings):
    settings.STAFF_LOGIN_MAX_FAILURES = 2
    sign_in(client, "nobody", "x")
    sign_in(client, "nobody", "x")
    assert StaffLoginThrottle.objects.get(username="nobody").locked_until is not None


def test_a_non_staff_account_cannot_use_the_staff_sign_in(client, db):
    UserFactory(username="outsider")  # not staff
    response = sign_in(client, "outsider", PASSWORD)
    assert "for staff only" in response.content.decode()


def test_with_a_second_factor_the_password_alone_is_not_enough(client, staff):
    user = staff["reviewer"]
    secret, uri = totp_setup_begin(user=user, password=PASSWORD)
    assert uri.startswith("otpauth://totp/")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {TotpDevice._meta.db_table} WHERE user_id = %s", [user.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("enc1:") and secret not in stored  # encrypted at rest
    assert TotpDevice.objects.get(user=user).secret == secret
    totp_setup_confirm(user=user, code=pyotp.TOTP(secret).now())
    response = sign_in(client, "rita", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("reviewer:login_verify")
    assert client.get(reverse("reviewer:queue")).status_code == 302  # not signed in yet
    response = client.post(reverse("reviewer:login_verify"), {"code": "000000"})
    assert "not right" in response.content.decode()
    # The code used to confirm the device cannot be replayed; the next time step's code works.
    device = TotpDevice.objects.get(user=user)
    next_code = pyotp.TOTP(device.secret).at(timezone.now(), counter_offset=1)
    response = client.post(reverse("reviewer:login_verify"), {"code": next_code})
    assert response.status_code == 302
    assert client.get(reverse("reviewer:queue")).status_code == 200
    assert AuditEvent.objects.filter(action="staff.logged_in", data__second_factor=True).exists()
    # Replaying the same code on a new sign-in fails.
    client.logout()
    sign_in(client, "rita", PASSWORD)
    response = client.post(reverse("reviewer:login_verify"), {"code": next_code})
    assert "not right" in response.content.decode()


def test_setting_up_the_second_factor_through_the_page(client, staff):
    client.force_login(staff["reviewer"])
    url = reverse("reviewer:second_factor")
    response = client.post(url, {"action": "begin", "password": PASSWORD})
    secret = response.context["secret"]
    client.post(url, {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert TotpDevice.objects.get(user=staff["reviewer"]).confirmed
    assert AuditEvent.objects.filter(action="staff.totp_enabled").exists()


def _enrolled(client, user):
    """Sign ``user`` in with a confirmed second factor; returns its secret."""
    secret, _ = totp_setup_begin(user=user, password=PASSWORD)
    totp_setup_confirm(user=user, code=pyotp.TOTP(secret).now())
    client.force_login(user)
    return secret


def _next_code(secret):
    return pyotp.TOTP(secret).at(timezone.now(), counter_offset=1)


def test_a_signed_in_session_alone_cannot_remove_the_second_factor(client, staff):
    user = staff["reviewer"]
    secret = _enrolled(client, user)
    url = reverse("reviewer:second_factor")
    client.post(url, {"action": "remove"})
    client.post(url, {"action": "remove", "password": "not-the-password", "code": _next_code(secret)})
    client.post(url, {"action": "remove", "password": PASSWORD, "code": "000000"})
    assert TotpDevice.objects.filter(user=user, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="staff.totp_removed").exists()
    # Each wrong answer counts as a failed sign-in, so the form cannot be used to guess.
    assert StaffLoginThrottle.objects.get(username="rita").failures == 2

    response = client.post(url, {"action": "remove", "password": PASSWORD, "code": _next_code(secret)})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="staff.totp_removed", actor_label="rita").count() == 1


def test_setting_up_a_second_factor_asks_for_the_password(client, staff):
    user = staff["reviewer"]
    client.force_login(user)
    url = reverse("reviewer:second_factor")
    response = client.post(url, {"action": "begin"})
    assert "secret" not in response.context or not response.context.get("secret")
    response = client.post(url, {"action": "begin", "password": "guess"})
    assert not response.context.get("secret") and "not right" in response.content.decode()
    assert not TotpDevice.objects.filter(user=user).exists()


def test_the_reauthentication_form_obeys_the_lockout(client, staff, settings):
    settings.STAFF_LOGIN_MAX_FAILURES = 3
    user = staff["reviewer"]
    client.force_login(user)
    url = reverse("reviewer:second_factor")
    for _ in range(3):
        client.post(url, {"action": "begin", "password": "guess"})
    response = client.post(url, {"action": "begin", "password": PASSWORD})
    assert "Too many failed sign-ins" in response.content.decode()
    assert not TotpDevice.objects.filter(user=user).exists()


def test_a_wrong_code_during_enrolment_keeps_the_pending_key(client, staff):
    client.force_login(staff["reviewer"])
    url = reverse("reviewer:second_factor")
    begun = client.post(url, {"action": "begin", "password": PASSWORD})
    secret = begun.context["secret"]
    assert '<svg' in begun.context["qr_svg"] and 'id="totp-qr"' in begun.content.decode()
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    response = client.post(url, {"action": "confirm", "code": wrong})
    html = response.content.decode()
    assert response.context["secret"] == secret and secret in html and 'id="totp-qr"' in html
    assert "That code is not right" in html
    assert not TotpDevice.objects.get(user=staff["reviewer"]).confirmed
    client.post(url, {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert TotpDevice.objects.get(user=staff["reviewer"]).confirmed
