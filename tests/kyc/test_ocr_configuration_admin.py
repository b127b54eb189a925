"""Admins configure vendor accounts and routing in Django admin: secrets never come back, all audited."""

import pytest
from django.db import connection

from kyc.core.models import AuditEvent
from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.models import RoutingRule, VendorAccount
from ocr_integration.routing import route_for
from tests.support.personas import client_for, staff_member

pytestmark = pytest.mark.django_db
SECRET = "sk-very-secret-value-123"


@pytest.fixture
def admin_client():
    return client_for(staff_member("admin", username="ops-admin"))


def vendor_form(**overrides):
    data = {
        "name": "g42", "vendor": "g42", "region": "ae-ad-1", "endpoint": "https://ocr.ae-ad-1.g42cloud.com",
        "iam_endpoint": "", "project_id": "proj", "project_name": "", "auth_scheme": "aksk", "qps": "5",
        "clock_zone": "Asia/Shanghai", "passport_api": "passport", "enabled": "on", "credential_access_key": "AK123", "credential_secret_key": SECRET,
        "credential_app_key": "", "credential_domain_name": "", "credential_username": "", "credential_password": "",
    }
    data.update(overrides)
    return data


def test_credentials_are_encrypted_never_shown_back_and_kept_when_left_empty(admin_client):
    response = admin_client.post("/admin/ocr_integration/vendoraccount/add/", vendor_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    account = VendorAccount.objects.get(name="g42")
    assert account.credential_secret_key == SECRET
    with connection.cursor() as cursor:
        cursor.execute("SELECT credential_secret_key FROM ocr_integration_vendoraccount")
        assert cursor.fetchone()[0].startswith("enc1:")

    page = admin_client.get(f"/admin/ocr_integration/vendoraccount/{account.pk}/change/").content.decode()
    assert SECRET not in page and "AK123" not in page
    assert "A value is stored" in page

    # Saving with the secret left empty keeps it; the audit event names no value.
    response = admin_client.post(
        f"/admin/ocr_integration/vendoraccount/{account.pk}/change/",
        vendor_form(credential_secret_key="", credential_access_key="", qps="3"),
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.credential_secret_key == SECRET and account.qps == 3
    events = list(AuditEvent.objects.filter(object_type="vendor_account").order_by("sequence"))
    assert [e.action for e in events] == ["vendor_account.created", "vendor_account.changed"]
    assert events[0].data["credentials_changed"] == ["credential_access_key", "credential_secret_key"]
    assert events[1].data["changes"] == {"qps": {"before": 5.0, "after": 3.0}}
    assert all(SECRET not in str(e.data) for e in events)


def test_routing_rule_in_admin_decides_who_reads(admin_client):
    assert route_for(DocumentKind.PASSPORT).primary == "local"
    response = admin_client.post(
        "/admin/ocr_integration/routingrule/add/",
        {"document_kind": "passport", "primary": "g42", "fallback": "local", "second_reader": "local", "enabled": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    route = route_for(DocumentKind.PASSPORT)
    assert (route.primary, route.fallback, route.second_reader) == ("g42", "local", "local")
    assert AuditEvent.objects.get(action="routing_rule.created").data["changes"]["primary"]["after"] == "g42"

    rule = RoutingRule.objects.get()
    admin_client.post(f"/admin/ocr_integration/routingrule/{rule.pk}/delete/", {"post": "yes"})
    assert route_for(DocumentKind.PASSPORT).primary == "local"
    assert AuditEvent.objects.filter(action="routing_rule.deleted").count() == 1


def test_unknown_provider_is_refused_with_a_clear_message(admin_client):
    response = admin_client.post(
        "/admin/ocr_integration/routingrule/add/", {"document_kind": "passport", "primary": "acme-ocr", "enabled": "on"}
    )
    assert response.status_code == 200
    assert "Unknown provider &#x27;acme-ocr&#x27;" in response.content.decode()
    assert not RoutingRule.objects.exists()


def test_reviewers_cannot_touch_ocr_configuration(db):
    client = client_for(staff_member("reviewer", username="someone"))
    assert client.get("/admin/ocr_integration/vendoraccount/").status_code in (302, 403)
    assert client.post("/admin/ocr_integration/routingrule/add/", {"document_kind": "passport", "primary": "g42"}).status_code in (302, 403)
    assert not RoutingRule.objects.exists()


def test_admins_onboard_integrators_audited(admin_client):
    import re

    from kyc.api.models import Integrator

    form = admin_client.get("/admin/kyc_api/integrator/add/").content.decode()
    keys = re.search(r'name="([\w-]+)-TOTAL_FORMS"', form).group(1)  # the API keys inline
    response = admin_client.post(
        "/admin/kyc_api/integrator/add/",
        {"name": "Acme Bank", "is_active": "on", f"{keys}-TOTAL_FORMS": "0", f"{keys}-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    integrator = Integrator.objects.get(name="Acme Bank")
    event = AuditEvent.objects.get(action="integrator.created")
    assert event.object_id == str(integrator.pk) and event.actor_label == "ops-admin"
