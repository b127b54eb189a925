"""The Django project: settings, URLs, the Celery app, the WSGI/ASGI entry points, middleware.

Importing the settings imports this package, so the Celery app is configured before any
``shared_task`` is bound (Celery's documented Django layout).
"""

from kyc.project.celery import app as celery_app

__all__ = ["celery_app"]
