"""Configuration changes made by admins: every change is audited with its before and after values.

Thresholds, retention periods and reason codes are not personal data, so the audit event can
carry the values themselves.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from kyc.errors import PermissionDenied
from kyc.models import ReasonCode, SiteConfiguration
from kyc.services.audit import Actor, audit_record
from ocr_integration.models import RoutingRule, VendorAccount

_REASON_CODE_FIELDS = (
    "code", "label", "applies_to", "is_active", "position", "applicant_text", "applicant_text_ar", "applicant_text_zh_hans",
)


def _require(actor: Actor, perm: str) -> None:
    if actor.user is None or not actor.user.has_perm(perm):
        raise PermissionDenied("Only admins may change the configuration.")


def _changes(before: dict[str, Any], after: dict[str, Any], fields) -> dict[str, dict[str, Any]]:
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in fields
        if before.get(name) != after.get(name)
    }


@transaction.atomic
def site_configuration_update(*, actor: Actor, values: dict[str, Any]) -> SiteConfiguration:
    """Set thresholds / retention periods. ``values`` holds only SiteConfiguration.AUDITED_FIELDS."""
    _require(actor, "kyc.change_siteconfiguration")
    unknown = set(values) - set(SiteConfiguration.AUDITED_FIELDS)
    if unknown:
        raise ValueError(f"not configuration fields: {sorted(unknown)}")
    config, _ = SiteConfiguration.objects.select_for_update().get_or_create(id=1)
    before = model_to_dict(config, fields=SiteConfiguration.AUDITED_FIELDS)
    for name, value in values.items():
        setattr(config, name, value)
    config.full_clean()
    changes = _changes(before, model_to_dict(config, fields=SiteConfiguration.AUDITED_FIELDS),
                       SiteConfiguration.AUDITED_FIELDS)
    if changes:
        config.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor, action="configuration.changed", object_type="site_configuration", object_id="1",
            data={"changes": changes},
        )
    return config


@transaction.atomic
def reason_code_save(*, actor: Actor, reason_code: ReasonCode) -> ReasonCode:
    """Create or change one reason code (from an admin form's unsaved instance)."""
    adding = reason_code._state.adding
    _require(actor, "kyc.add_reasoncode" if adding else "kyc.change_reasoncode")
    before = {} if adding else model_to_dict(
        ReasonCode.objects.select_for_update().get(pk=reason_code.pk), fields=_REASON_CODE_FIELDS
    )
    reason_code.full_clean()
    reason_code.save()
    changes = _changes(before, model_to_dict(reason_code, fields=_REASON_CODE_FIELDS), _REASON_CODE_FIELDS)
    if changes:
        audit_record(
            actor=actor, action="reason_code.created" if adding else "reason_code.changed",
            object_type="reason_code", object_id=reason_code.pk, data={"changes": changes},
        )
    return reason_code


@transaction.atomic
def reason_code_retire(*, actor: Actor, reason_code: ReasonCode) -> ReasonCode:
    """Reason codes are retired, never deleted: past decisions keep referring to them."""
    _require(actor, "kyc.change_reasoncode")
    if reason_code.is_active:
        reason_code.is_active = False
        reason_code.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action="reason_code.changed", object_type="reason_code", object_id=reason_code.pk,
            data={"changes": {"is_active": {"before": True, "after": False}}},
        )
    return reason_code


_VENDOR_FIELDS = ("name", "vendor", "region", "endpoint", "iam_endpoint", "project_id", "project_name",
                  "auth_scheme", "qps", "clock_zone", "passport_api", "enabled")
_CREDENTIAL_FIELDS = ("credential_access_key", "credential_secret_key", "credential_app_key",
                      "credential_domain_name", "credential_username", "credential_password")


@transaction.atomic
def vendor_account_save(*, actor: Actor, account: VendorAccount, new_credentials: dict[str, str]) -> VendorAccount:
    """Create or change a vendor account. Credentials change only when a new value is given;
    the audit event says which credentials changed, never their values."""
    adding = account._state.adding
    _require(actor, "ocr_integration.add_vendoraccount" if adding else "ocr_integration.change_vendoraccount")
    stored = None if adding else VendorAccount.objects.select_for_update().get(pk=account.pk)
    before = {} if stored is None else model_to_dict(stored, fields=_VENDOR_FIELDS)
    changed_credentials = sorted(name for name in _CREDENTIAL_FIELDS if new_credentials.get(name))
    for name in _CREDENTIAL_FIELDS:
        # Whatever the caller's instance holds, an empty input keeps the stored secret.
        kept = getattr(stored, name) if stored is not None else ""
        setattr(account, name, new_credentials.get(name) or kept)
    account.full_clean()
    account.save()
    changes = _changes(before, model_to_dict(account, fields=_VENDOR_FIELDS), _VENDOR_FIELDS)
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
    changes = _changes(before, model_to_dict(rule, fields=RoutingRule.AUDITED_FIELDS), RoutingRule.AUDITED_FIELDS)
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


@transaction.atomic
def configuration_object_save(*, actor: Actor, obj, fields: tuple[str, ...], object_type: str):
    """Save an admin-edited configuration row (an integrator, a webhook endpoint) and audit which of
    ``fields`` changed, with before and after values (none of them is a secret or personal data)."""
    adding = obj._state.adding
    meta = obj._meta
    _require(actor, f"{meta.app_label}.{'add' if adding else 'change'}_{meta.model_name}")
    before = {} if adding else model_to_dict(type(obj).objects.select_for_update().get(pk=obj.pk), fields=fields)
    obj.full_clean()
    obj.save()
    changes = _changes(before, model_to_dict(obj, fields=fields), fields)
    if changes:
        audit_record(
            actor=actor, action=f"{object_type}.{'created' if adding else 'changed'}", object_type=object_type,
            object_id=obj.pk, data={"changes": {k: {"before": str(v["before"]), "after": str(v["after"])}
                                                for k, v in changes.items()}},
        )
    return obj
