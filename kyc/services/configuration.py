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

_REASON_CODE_FIELDS = ("code", "label", "applies_to", "is_active", "position")


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
