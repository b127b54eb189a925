"""The admin role also configures OCR vendors and routing, and answers erasure requests."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADMIN_EXTRA = [
    "kyc.view_applicant", "kyc.erase_applicant",
    "ocr_integration.view_vendoraccount", "ocr_integration.add_vendoraccount",
    "ocr_integration.change_vendoraccount",
    "ocr_integration.view_routingrule", "ocr_integration.add_routingrule",
    "ocr_integration.change_routingrule", "ocr_integration.delete_routingrule",
    "ocr_integration.view_ocrattempt",
]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="admin")
    for perm in ADMIN_EXTRA:
        app_label, codename = perm.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="admin").first()
    if group is None:
        return
    for perm in ADMIN_EXTRA:
        app_label, codename = perm.split(".")
        group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("kyc", "0004_encrypt_personal_data_and_erasure"),
        ("ocr_integration", "0002_routing_rules_and_encrypted_credentials"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
