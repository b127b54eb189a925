"""The Celery application. Settings come from Django's, under the ``CELERY_`` prefix."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc.settings")

app = Celery("kyc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_up_local_ocr(**_kwargs) -> None:
    """Load the embedded OCR models once per worker process, before the first task needs them."""
    from ocr_integration.services import warm_up_providers

    warm_up_providers()
