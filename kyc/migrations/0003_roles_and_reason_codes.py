"""Roles as Django groups (reviewer, senior reviewer, admin) and a starting list of reason codes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWER = ["kyc.review_case", "kyc.decide_case", "kyc.add_casenote"]
SENIOR_REVIEWER = REVIEWER + [
    "kyc.second_approve_case", "kyc.assign_case", "kyc.view_metrics", "kyc.export_evidence",
]
# Admins configure the product and answer regulators; they read cases but do not decide them.
ADMIN = [
    "kyc.review_case", "kyc.view_metrics", "kyc.export_evidence",
    "kyc.view_reasoncode", "kyc.add_reasoncode", "kyc.change_reasoncode",
    "kyc.view_siteconfiguration", "kyc.add_siteconfiguration", "kyc.change_siteconfiguration",
    "kyc.view_staffloginthrottle", "kyc.change_staffloginthrottle",
    "kyc.view_totpdevice", "kyc.delete_totpdevice",
    "kyc.view_auditevent", "kyc.view_case", "kyc.view_decision", "kyc.view_checkfinding",
    "kyc.view_casenote",
    "auth.view_user", "auth.change_user", "auth.add_user", "auth.view_group",
]
ROLES = {"reviewer": REVIEWER, "senior reviewer": SENIOR_REVIEWER, "admin": ADMIN}

REASON_CODES = [
    ("documents-consistent", "Documents read cleanly and agree with each other", "approve"),
    ("manual-verification", "Verified by hand despite a failed automated check", "approve"),
    ("document-expired", "The document has expired", "reject"),
    ("document-tampered", "Signs that the document was altered", "reject"),
    ("data-mismatch", "The document's data disagree with each other or with the declaration", "any"),
    ("underage", "The applicant is below the minimum age", "reject"),
    ("unsupported-document", "This document type or issuer is not accepted", "reject"),
    ("image-unreadable", "An image is blurred, cropped or has glare", "request_resubmission"),
    ("wrong-side", "The wrong side or the wrong document was uploaded", "request_resubmission"),
]


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    ReasonCode = apps.get_model("kyc", "ReasonCode")
    for position, (code, label, applies_to) in enumerate(REASON_CODES):
        ReasonCode.objects.get_or_create(
            code=code, defaults={"label": label, "applies_to": applies_to, "position": (position + 1) * 10}
        )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kyc", "0002_reviewing"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
