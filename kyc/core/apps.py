from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kyc.core"
    label = "kyc_core"
    verbose_name = "Audit trail and encryption"
    default_auto_field = "django.db.models.BigAutoField"
