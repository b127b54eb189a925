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
        post_migrate.connect(_ensure_queue_count_triggers, sender=self, dispatch_uid="kyc-queue-count-triggers")
        from django.conf import settings

        if settings.UPLOAD_SANITIZING == "reencode":
            # libvips (11 MiB resident once loaded) at start, not inside the first upload; a
            # process under the default setting never loads it.
            import kyc.uploads.stream_reencode  # noqa: F401


def _ensure_roles(sender, using="default", plan=None, **kwargs) -> None:
    from kyc.access.roles import ensure_roles_and_reason_codes

    ensure_roles_and_reason_codes(using=using)


def _ensure_queue_count_triggers(sender, using="default", plan=None, **kwargs) -> None:
    # SQLite drops a table's triggers when a migration rebuilds the table (to alter a column), so
    # the queue's counter triggers are put back after every migrate (a no-op when they are there).
    from django.db import connections

    from kyc.models.queue_count import install_queue_count_triggers

    connection = connections[using]
    if connection.vendor == "sqlite" and "kyc_queuecount" in connection.introspection.table_names():
        install_queue_count_triggers(connection)
