"""Separation of duties: no role grant to oneself, no freshly minted second approver, every role
change and staff password reset on the audit chain (issue 17, point 4)."""

from datetime import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from kyc.core.audit import Actor
from kyc.core.audit_verification import audit_chain_verify
from kyc.core.models import AuditEvent
from kyc.errors import PermissionDenied
from kyc.services.assignments import case_claim
from kyc.services.decisions import case_decide, decision_second_review
from kyc.services.staff_auth import staff_account_record_change
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = {"password1": "An0ther-long-passphrase", "password2": "An0ther-long-passphrase", "usable_password": "true"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_form_data(client, url) -> dict:
    """What the admin's change form would post back unchanged."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value in (None, False):
            continue
        if isinstance(value, datetime):
            data[f"{name}_0"], data[f"{name}_1"] = value.date().isoformat(), value.strftime("%H:%M:%S")
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "on" if value is True else str(value)
    return data


def pending_override(staff):
    case = ready_case(failed=True)
    case_claim(case_id=case.id, actor=Actor.staff(staff["senior"]))
    return case_decide(case_id=case.id, actor=Actor.staff(staff["senior"]), outcome="approve",
                       reason_codes=["manual-verification"], note="MRZ misread; checked by eye.")


def test_an_admin_cannot_give_itself_a_role(staff):
    admin_user = staff["admin"]
    client = signed_in(admin_user)
    url = reverse("admin:auth_user_change", args=[admin_user.pk])
    data = change_form_data(client, url)
    data["groups"] = [str(Group.objects.get(name="senior reviewer").pk), str(Group.objects.get(name="admin").pk)]
    client.post(url, data)
    assert sorted(admin_user.groups.values_list("name", flat=True)) == ["admin"]
    assert not User.objects.get(pk=admin_user.pk).has_perm("kyc.second_approve_case")
    # The service refuses it too, whatever page calls it.
    with pytest.raises(PermissionDenied, match="own roles"):
        staff_account_record_change(actor=Actor.staff(admin_user), user=admin_user, created=False, changed_fields=[],
                                    groups_before=["admin"], groups_after=["admin", "senior reviewer"])


def test_an_account_made_senior_today_cannot_confirm_a_four_eyes_approval(staff, scripted_ocr, settings):
    settings.FOUR_EYES_COOLING_OFF_HOURS = 24
    proposal = pending_override(staff)
    client = signed_in(staff["admin"])
    response = client.post(reverse("admin:auth_user_add"), {"username": "mallory", **NEW_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    mallory = User.objects.get(username="mallory")
    url = reverse("admin:auth_user_change", args=[mallory.pk])
    data = change_form_data(client, url)
    data.update(is_staff="on", groups=[str(Group.objects.get(name="senior reviewer").pk)])
    assert client.post(url, data).status_code == 302
    mallory = User.objects.get(pk=mallory.pk)
    assert mallory.has_perm("kyc.second_approve_case")
    granted = AuditEvent.objects.get(action="staff.account_changed", object_id=str(mallory.pk))
    assert granted.data["roles_added"] == ["senior reviewer"] and granted.actor_label == "ada"

    with pytest.raises(PermissionDenied, match="24 hours"):
        decision_second_review(decision_id=proposal.id, actor=Actor.staff(mallory), confirm=True)
    proposal.refresh_from_db()
    assert proposal.status == "awaiting_second"
    # An established senior reviewer can; the setting says how long the period is.
    decision_second_review(decision_id=proposal.id, actor=Actor.staff(staff["other_senior"]), confirm=True)
    proposal.refresh_from_db()
    assert proposal.status == "final"


def test_an_established_account_given_the_role_today_waits_too(staff, scripted_ocr):
    proposal = pending_override(staff)
    reviewer = staff["other_reviewer"]
    client = signed_in(staff["admin"])
    url = reverse("admin:auth_user_change", args=[reviewer.pk])
    data = change_form_data(client, url)
    data["groups"] = [str(Group.objects.get(name="senior reviewer").pk)]
    assert client.post(url, data).status_code == 302
    with pytest.raises(PermissionDenied, match="given a role"):
        decision_second_review(decision_id=proposal.id, actor=Actor.staff(User.objects.get(pk=reviewer.pk)),
                               confirm=True)


def test_a_password_reset_is_on_the_chain_and_starts_the_cooling_off_period(staff, scripted_ocr, settings):
    proposal = pending_override(staff)
    other_senior = staff["other_senior"]
    client = signed_in(staff["admin"])
    response = client.post(reverse("admin:auth_user_password_change", args=[other_senior.pk]), NEW_PASSWORD)
    assert response.status_code == 302
    reset = AuditEvent.objects.get(action="staff.password_reset")
    assert reset.object_id == str(other_senior.pk) and reset.actor_label == "ada"
    assert audit_chain_verify().ok
    # Whoever set the password could sign in as the second approver: not for a while.
    with pytest.raises(PermissionDenied, match="password reset"):
        decision_second_review(decision_id=proposal.id, actor=Actor.staff(other_senior), confirm=True)
    settings.FOUR_EYES_COOLING_OFF_HOURS = 0
    decision_second_review(decision_id=proposal.id, actor=Actor.staff(other_senior), confirm=True)


def test_a_staff_member_changing_their_own_password_is_audited(staff):
    reviewer = staff["reviewer"]
    client = signed_in(reviewer)
    response = client.post(reverse("admin:password_change"), {
        "old_password": PASSWORD, "new_password1": "An0ther-long-passphrase", "new_password2": "An0ther-long-passphrase",
    })
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="staff.password_changed")
    assert event.object_id == str(reviewer.pk)
    # A refused change (wrong old password) records nothing.
    client.post(reverse("admin:password_change"), {"old_password": "nope", "new_password1": "x", "new_password2": "x"})
    assert AuditEvent.objects.filter(action__startswith="staff.password").count() == 1
