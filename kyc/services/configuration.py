"""Configuration changes made by admins to kyc's own tables (thresholds, retention, reason codes,
integrators): every change is audited with its before and after values. OCR vendor accounts and
routing rules are ocr_integration's, written by ``ocr_integration.configuration``.

Thresholds, retention periods and reason codes are not personal data, so the audit event can
carry the values themselves.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from kyc.access import policy
from kyc.core.audit import Actor, audit_record, field_changes
from kyc.models import ReasonCode, SiteConfiguration

_REASON_CODE_FIELDS = (
    "code", "label", "applies_to", "is_active", "position", "applicant_text", "applicant_text_ar", "applicant_text_zh_hans",
)


def _require(actor: Actor, perm: str) -> None:
    policy.refuse(policy.configure_refusal(actor.user, perm))


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
    changes = field_changes(before, model_to_dict(config, fields=SiteConfiguration.AUDITED_FIELDS),
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
    changes = field_changes(before, model_to_dict(reason_code, fields=_REASON_CODE_FIELDS), _REASON_CODE_FIELDS)
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
    changes = field_changes(before, model_to_dict(obj, fields=fields), fields)
    if changes:
        audit_record(
            actor=actor, action=f"{object_type}.{'created' if adding else 'changed'}", object_type=object_type,
            object_id=obj.pk, data={"changes": {k: {"before": str(v["before"]), "after": str(v["after"])}
                                                for k, v in changes.items()}},
        )
    return obj
