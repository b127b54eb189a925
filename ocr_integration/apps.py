from django.apps import AppConfig


class OcrIntegrationConfig(AppConfig):
    name = "ocr_integration"
    verbose_name = "OCR integration"
    default_auto_field = "django.db.models.BigAutoField"
