"""Secrets are never rendered by Django admin, in any mode: list, view-only, change, history."""

import pytest
from django.contrib import admin

from kyc.api.models import Integrator, WebhookEndpoint
from kyc.models import TotpDevice
from ocr_integration.models import VendorAccount
from tests.support.personas import client_for, staff_member

pytestmark = pytest.mark.django_db

CREDENTIALS = {
    "credential_access_key": "AK-marker-0a1b2c",
    "credential_secret_key": "SK-marker-3d4e5f",
    "credential_app_key": "APP-marker-6a7b8c",
    "credential_domain_name": "DOMAIN-marker-9d0e",
    "credential_username": "USER-marker-1f2a",
    "credential_password": "PASSWORD-marker-3b4c",
}
WEBHOOK_SECRET = "whsec_marker-5d6e7f"
TOTP_SECRET = "JBSWY3DPEHPKMARKER"


@pytest.fixture
def secrets_everywhere():
    account = VendorAccount.objects.create(
        name="g42", vendor="g42", region="ae-ad-1", endpoint="https://ocr.example.test", auth_scheme="aksk",
        **CREDENTIALS,
    )
    integrator = Integrator.objects.create(name="Acme Bank")
    endpoint = WebhookEndpoint.objects.create(integrator=integrator, url="https://hooks.example.test/x", secret=WEBHOOK_SECRET)
    owner = staff_member(None, username="owner-of-totp")
    device = TotpDevice.objects.create(user=owner, secret=TOTP_SECRET, confirmed=True)
    return {
        "/admin/ocr_integration/vendoraccount/": account.pk,
        "/admin/kyc_api/webhookendpoint/": endpoint.pk,
        "/admin/kyc/totpdevice/": device.pk,
    }


def _pages(client, secrets_everywhere):
    for base, pk in secrets_everywhere.items():
        for url in (base, f"{base}{pk}/change/", f"{base}{pk}/history/"):
            response = client.get(url)
            assert response.status_code == 200, url
            yield url, response.content.decode()


def _assert_no_secret(client, secrets_everywhere):
    markers = [*CREDENTIALS.values(), WEBHOOK_SECRET, TOTP_SECRET]
    for url, page in _pages(client, secrets_everywhere):
        shown = [marker for marker in markers if marker in page]
        assert not shown, f"{url} renders {shown}"


def test_a_view_only_staff_member_never_sees_a_secret(secrets_everywhere):
    viewer = staff_member(None, username="viewer", permissions=[
        "ocr_integration.view_vendoraccount", "kyc_api.view_webhookendpoint", "kyc.view_totpdevice",
    ])
    client = client_for(viewer)
    _assert_no_secret(client, secrets_everywhere)
    # View mode still says which credentials are stored, so an operator can tell a missing one.
    page = client.get(f"/admin/ocr_integration/vendoraccount/{secrets_everywhere['/admin/ocr_integration/vendoraccount/']}/change/")
    assert "Secret key" in page.content.decode()


def test_a_superuser_never_sees_a_secret_either(secrets_everywhere):
    client = client_for(staff_member(None, username="root", superuser=True))
    _assert_no_secret(client, secrets_everywhere)


def test_every_registered_admin_hides_every_encrypted_secret_field():
    """A model added later with a secret field must exclude it or declare it write-only, or this names it."""
    from kyc.core.encryption.fields import EncryptedTextField

    secret_words = ("secret", "password", "credential", "token")
    unguarded = [
        f"{model.__name__}.{field.name}"
        for model, model_admin in admin.site._registry.items()
        for field in model._meta.fields
        if isinstance(field, EncryptedTextField)
        and any(word in field.name for word in secret_words)
        and field.name not in (model_admin.exclude or ())
        and field.name not in getattr(model_admin, "write_only_fields", ())
    ]
    assert unguarded == []
