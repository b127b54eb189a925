"""The Celery application. Settings come from Django's, under the ``CELERY_`` prefix."""

import os

from celery import Celery
from celery.signals import celeryd_after_setup, task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc.project.settings")

app = Celery("kyc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _add_operations_hooks() -> None:
    """The worker heartbeat (/readyz, /metrics), the task id on every log line, and reconnection
    after a Redis restart (kyc/ops)."""
    from kyc.ops import db_connections, kombu_redis
    from kyc.ops.heartbeat import WorkerHeartbeat
    from kyc.ops.logs import task_finished, task_started

    kombu_redis.install()
    app.steps["worker"].add(WorkerHeartbeat)
    task_prerun.connect(task_started, weak=False)
    task_postrun.connect(task_finished, weak=False)
    # Database connections kept from task to task, within CONN_MAX_AGE and probed (kyc/ops/db_connections.py).
    task_prerun.connect(db_connections.task_started, weak=False)
    task_postrun.connect(db_connections.task_finished, weak=False)


_add_operations_hooks()


@celeryd_after_setup.connect
def _share_cores_among_reads(instance=None, **_kwargs) -> None:
    """Give each of the worker's concurrent reads its share of the cores (before the pool forks)."""
    from ocr_integration.services import share_cores_among_reads

    concurrency = getattr(instance, "concurrency", None)
    if isinstance(concurrency, int) and concurrency > 0:
        share_cores_among_reads(concurrency)


@worker_process_init.connect
def _warm_up_local_ocr(**_kwargs) -> None:
    """Load the embedded OCR models once per worker process, before the first task needs them."""
    from ocr_integration.services import warm_up_providers

    warm_up_providers()


def _new_cases_may_ask_for_a_selfie() -> bool:
    """Whether any document type starts its cases asking for a selfie (the admin's choice, else
    SELFIE_REQUIREMENT). When the database cannot be read yet: assume so."""
    import logging

    from kyc.selectors.configuration import selfie_requirement
    from ocr_integration.documents.kinds import DocumentType

    try:
        return any(selfie_requirement(document_type) == "required" for document_type in DocumentType)
    except Exception:
        logging.getLogger(__name__).exception("could not read the selfie requirement at worker start")
        return True


@worker_process_init.connect
def _warm_up_face_engine(**_kwargs) -> None:
    """Load the face models (issue 19) once per worker process too: the checks of a case with a
    selfie run in the worker that read its last side.

    Where no new case asks for a selfie (SELFIE_REQUIREMENT=not_asked and no admin choice, as in
    the test settings), the models (~1.4 s of CPU per process) are loaded by the first selfie
    compared instead: an older case that still has one is checked all the same, only later."""
    import logging

    from ocr_integration.services import warm_up_face_engine

    if not _new_cases_may_ask_for_a_selfie():
        return
    try:
        warm_up_face_engine()
    except Exception:  # a missing model must not stop the worker: the face check reports it per case
        logging.getLogger(__name__).exception("could not load the face engine at worker start")
