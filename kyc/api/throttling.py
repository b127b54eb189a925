"""Per-integrator request rates, counted in the shared cache (all web processes see one count)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class IntegratorRateThrottle(SimpleRateThrottle):
    scope = "integrator"

    def get_rate(self):
        return settings.API_RATE

    def get_cache_key(self, request, view):
        integrator = getattr(request, "user", None)
        ident = getattr(integrator, "pk", None) or self.get_ident(request)
        return f"api-throttle:{self.scope}:{ident}"


class IntegratorUploadThrottle(IntegratorRateThrottle):
    scope = "integrator-upload"

    def get_rate(self):
        return settings.API_UPLOAD_RATE
