"""The KYC onboarding Django project and its onboarding domain."""

from kyc.celery import app as celery_app

__all__ = ["celery_app"]
