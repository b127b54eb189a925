"""Admin configuration: thresholds the checks use, reason codes, retention; every change audited."""

import pytest
from django.urls import reverse

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.errors import PermissionDenied
from kyc.models import ReasonCode, SiteConfiguration
from kyc.selectors.configuration import check_policy
from kyc.services.configuration import site_configuration_update
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


def test_the_policy_follows_the_settings_until_an_admin_sets_a_value(settings, staff):
    settings.CHECK_MINIMUM_AGE_YEARS = 18
    settings.CHECK_EXPIRY_WARNING_DAYS = 90
    assert check_policy().minimum_age_years == 18
    site_configuration_update(actor=Actor.staff(staff["admin"]), values={"minimum_age_years": 21})
    policy = check_policy()
    assert policy.minimum_age_years == 21 and policy.expiry_warning_days == 90
    event = AuditEvent.objects.get(action="configuration.changed")
    assert event.data == {"changes": {"minimum_age_years": {"before": None, "after": 21}}}


def test_only_admins_change_the_configuration(staff):
    with pytest.raises(PermissionDenied):
        site_configuration_update(actor=Actor.staff(staff["senior"]), values={"minimum_age_years": 16})
    assert not SiteConfiguration.objects.exists()


def test_changing_thresholds_in_the_admin_is_audited(staff):
    client = client_for(staff["admin"])
    response = client.post(reverse("admin:kyc_siteconfiguration_add"), {
        "min_confidence": "0.9", "expiry_warning_days": "60", "minimum_age_years": "",
        "retention_approved_days": "1825", "retention_rejected_days": "2555", "retention_abandoned_days": "14", "retention_audit_days": "3650",
        "bank_card_passport": "required", "bank_card_emirates_id": "not_asked", "bank_card_cn_resident_id": "optional",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert check_policy().min_confidence == 0.9
    changes = AuditEvent.objects.get(action="configuration.changed").data["changes"]
    assert changes["expiry_warning_days"] == {"before": None, "after": 60}
    assert changes["retention_abandoned_days"] == {"before": 30, "after": 14}
    assert changes["retention_rejected_days"] == {"before": 1825, "after": 2555}
    assert changes["bank_card_passport"] == {"before": "not_asked", "after": "required"}
    assert "bank_card_emirates_id" not in changes
    assert AuditEvent.objects.get(action="configuration.changed").actor_label == "ada"


def test_reason_codes_are_added_changed_and_retired_in_the_admin_with_an_audit_trail(staff):
    client = client_for(staff["admin"])
    response = client.post(reverse("admin:kyc_reasoncode_add"), {
        "code": "sanctions-hit", "label": "Name on a sanctions list", "applies_to": "reject",
        "is_active": "on", "position": "5",
    })
    assert response.status_code == 302
    code = ReasonCode.objects.get(code="sanctions-hit")
    client.post(reverse("admin:kyc_reasoncode_change", args=[code.pk]), {
        "label": "Name matches a sanctions list", "applies_to": "reject", "is_active": "on", "position": "5",
    })
    client.post(reverse("admin:kyc_reasoncode_changelist"), {"action": "retire", "_selected_action": [code.pk]})
    code.refresh_from_db()
    assert code.label == "Name matches a sanctions list" and not code.is_active
    events = list(AuditEvent.objects.filter(object_type="reason_code").values_list("action", "data"))
    assert [action for action, _ in events] == ["reason_code.created", "reason_code.changed", "reason_code.changed"]
    assert events[1][1]["changes"] == {"label": {"before": "Name on a sanctions list",
                                                  "after": "Name matches a sanctions list"}}


def test_the_admin_site_signs_in_through_the_staff_sign_in(client):
    response = client.get("/admin/login/?next=/admin/kyc/reasoncode/")
    assert response.status_code == 302 and response["Location"].startswith("/review/login/")


def test_role_changes_in_the_admin_are_audited(staff):
    rita = staff["reviewer"]
    client = client_for(staff["admin"])
    from django.contrib.auth.models import Group

    senior = Group.objects.get(name="senior reviewer")
    response = client.post(reverse("admin:auth_user_change", args=[rita.pk]), {
        "username": "rita", "is_active": "on", "is_staff": "on", "groups": [senior.pk],
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": "",
        "first_name": "", "last_name": "", "email": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="staff.account_changed", object_id=str(rita.pk))
    assert event.data["roles_added"] == ["senior reviewer"] and event.data["roles_removed"] == ["reviewer"]
    assert event.actor_label == "ada"
