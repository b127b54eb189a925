from django.apps import AppConfig


class KycApiConfig(AppConfig):
    name = "kyc.api"
    label = "kyc_api"
    verbose_name = "KYC integrators' API"
    default_auto_field = "django.db.models.BigAutoField"
