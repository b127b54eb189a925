from django.apps import AppConfig


class KycApiConfig(AppConfig):
    name = "kyc.api"
    label = "kyc_api"
    verbose_name = "KYC integrators' API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The API is an outer layer: it consumes what the core records, the core never imports it
        # (kyc.services.hooks; tests/kyc/test_layers.py keeps the direction).
        from kyc.api import metrics, services, webhooks
        from kyc.services import hooks

        hooks.receiver_register(hooks.CASE_STATE_CHANGED, webhooks.webhooks_case_state_changed)
        hooks.receiver_register(hooks.RETENTION_RUN, services.idempotency_records_purge_expired)
        hooks.receiver_register(hooks.METRICS, metrics.webhook_backlog)
        hooks.eraser_register("kyc_api.WebhookDelivery", services.webhook_payloads_erase)
        hooks.eraser_register("kyc_api.IdempotencyRecord", services.idempotency_records_erase)
