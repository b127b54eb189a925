"""The onboarding domain (the Django project itself is ``kyc.project``)."""
