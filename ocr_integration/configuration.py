"""Admin changes to OCR vendor accounts and routing rules: ocr_integration writes its own tables,
each change audited (``kyc.core.audit``) in the same transaction with its before and after values.

Credentials are never written to the trail: the event says which of them changed, not to what.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import model_to_dict

from kyc.core.audit import Actor, audit_record, field_changes
from ocr_integration.models import RoutingRule, VendorAccount

VENDOR_FIELDS = ("name", "vendor", "region", "endpoint", "iam_endpoint", "project_id", "project_name",
                 "auth_scheme", "qps", "clock_zone", "passport_api", "enabled")
CREDENTIAL_FIELDS = ("credential_access_key", "credential_secret_key", "credential_app_key",
                     "credential_domain_name", "credential_username", "credential_password")


def _require(actor: Actor, perm: str) -> None:
    # Django's own PermissionDenied: this app has no domain error of kyc's to raise (and the admin,
    # its only caller, answers it with a 403).
    if actor.user is None or not actor.user.has_perm(perm):
        raise PermissionDenied("Only admins may change the OCR configuration.")


@transaction.atomic
def vendor_account_save(*, actor: Actor, account: VendorAccount, new_credentials: dict[str, str]) -> VendorAccount:
    """Create or change a vendor account. Credentials change only when a new value is given;
    the audit event says which credentials changed, never their values."""
    adding = account._state.adding
    _require(actor, "ocr_integration.add_vendoraccount" if adding else "ocr_integration.change_vendoraccount")
    stored = None if adding else VendorAccount.objects.select_for_update().get(pk=account.pk)
    before = {} if stored is None else model_to_dict(stored, fields=VENDOR_FIELDS)
    changed_credentials = sorted(name for name in CREDENTIAL_FIELDS if new_credentials.get(name))
    for name in CREDENTIAL_FIELDS:
        # Whatever the caller's instance holds, an empty input keeps the stored secret.
        kept = getattr(stored, name) if stored is not None else ""
        setattr(account, name, new_credentials.get(name) or kept)
    account.full_clean()
    account.save()
    changes = field_changes(before, model_to_dict(account, fields=VENDOR_FIELDS), VENDOR_FIELDS)
    if changes or changed_credentials:
        audit_record(
            actor=actor, action="vendor_account.created" if adding else "vendor_account.changed",
            object_type="vendor_account", object_id=account.pk,
            data={"changes": changes, "credentials_changed": changed_credentials},
        )
    return account


@transaction.atomic
def routing_rule_save(*, actor: Actor, rule: RoutingRule) -> RoutingRule:
    """Create or change which provider reads a document kind."""
    adding = rule._state.adding
    _require(actor, "ocr_integration.add_routingrule" if adding else "ocr_integration.change_routingrule")
    before = {} if adding else model_to_dict(
        RoutingRule.objects.select_for_update().get(pk=rule.pk), fields=RoutingRule.AUDITED_FIELDS
    )
    rule.full_clean()
    rule.save()
    changes = field_changes(before, model_to_dict(rule, fields=RoutingRule.AUDITED_FIELDS), RoutingRule.AUDITED_FIELDS)
    if changes:
        audit_record(
            actor=actor, action="routing_rule.created" if adding else "routing_rule.changed",
            object_type="routing_rule", object_id=rule.pk, data={"changes": changes},
        )
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: Actor, rule: RoutingRule) -> None:
    _require(actor, "ocr_integration.delete_routingrule")
    data = {"deleted": model_to_dict(rule, fields=RoutingRule.AUDITED_FIELDS)}
    rule_id = rule.pk
    rule.delete()
    audit_record(actor=actor, action="routing_rule.deleted", object_type="routing_rule", object_id=rule_id, data=data)
