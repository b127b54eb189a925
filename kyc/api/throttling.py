"""Per-integrator request rates, counted atomically in the database every web process shares.

DRF's own ``SimpleRateThrottle`` reads its history from the cache and writes it back: a burst of
concurrent requests all read the same history and all pass (700 at once were answered past a
limit of 600). ``kyc.services.rate_limits`` counts with one upsert statement instead.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from kyc.services.rate_limits import rate_limit_hit


class IntegratorRateThrottle(SimpleRateThrottle):
    scope = "integrator"

    def get_rate(self):
        return settings.API_RATE

    def get_cache_key(self, request, view):
        integrator = getattr(request, "user", None)
        ident = getattr(integrator, "pk", None) or self.get_ident(request)
        return f"api-throttle:{self.scope}:{ident}"

    def allow_request(self, request, view):
        # The rate is read per request, so a changed setting applies without a restart.
        self.num_requests, self.duration = self.parse_rate(self.get_rate())
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        decision = rate_limit_hit(key=key, limit=self.num_requests, window_seconds=self.duration)
        self.retry_after_seconds = decision.retry_after_seconds
        return decision.allowed

    def wait(self):
        return self.retry_after_seconds


class IntegratorUploadThrottle(IntegratorRateThrottle):
    scope = "integrator-upload"

    def get_rate(self):
        return settings.API_UPLOAD_RATE
