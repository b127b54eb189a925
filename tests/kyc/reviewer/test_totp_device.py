"""The staff second factor as a django-otp device: what was enrolled before keeps working."""

import pyotp
import pytest

from kyc.models import TotpDevice
from kyc.services.staff_auth import totp_verify


@pytest.mark.django_db
def test_an_authenticator_enrolled_before_the_switch_to_django_otp_still_signs_in(staff):
    # A row as the earlier model wrote it: a base32 secret from pyotp, no device name given.
    secret = pyotp.random_base32()
    TotpDevice.objects.create(user=staff["reviewer"], secret=secret, confirmed=True)
    code = pyotp.TOTP(secret).now()
    assert totp_verify(user=staff["reviewer"], code=code)
    # The same code is never accepted twice (replay), and a code from another key never.
    assert not totp_verify(user=staff["reviewer"], code=code)
    assert not totp_verify(user=staff["reviewer"], code=pyotp.TOTP(pyotp.random_base32()).now())


@pytest.mark.django_db
def test_the_enrolment_uri_carries_the_key_the_app_will_use(staff):
    device = TotpDevice.objects.create(user=staff["senior"], secret=TotpDevice.new_secret())
    uri = device.config_url
    parsed = pyotp.parse_uri(uri)
    assert parsed.secret == device.secret and parsed.issuer == "KYC review" and parsed.name == "sam"
    assert device.verify_token(pyotp.TOTP(device.secret).now())
