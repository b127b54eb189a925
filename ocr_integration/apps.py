from django.apps import AppConfig


class OcrIntegrationConfig(AppConfig):
    name = "ocr_integration"
    verbose_name = "OCR integration"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from .vendors.checks import system_check

        checks.register(system_check, "ocr_vendors")
