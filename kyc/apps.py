from django.apps import AppConfig


class KycConfig(AppConfig):
    name = "kyc"
    verbose_name = "KYC onboarding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        # Roles hold permissions of kyc and of ocr_integration: run once auth's own post_migrate
        # handler has created the permissions of both (ocr_integration comes after kyc).
        post_migrate.connect(
            _ensure_roles, sender=apps.get_app_config("ocr_integration"), dispatch_uid="kyc-ensure-roles"
        )


def _ensure_roles(sender, using="default", plan=None, **kwargs) -> None:
    from kyc.access.roles import ensure_roles_and_reason_codes

    ensure_roles_and_reason_codes(using=using)
