"""/healthz, /readyz and /metrics, answered before the rest of the middleware.

Load balancers and Kubernetes probe a pod by its IP address over plain HTTP, and Prometheus scrapes
it the same way: ahead of the host check (ALLOWED_HOSTS) and the HTTPS redirect, or every probe
would get a 400 or a 301. Nothing these answers hold is personal or secret: states, counts and ages.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from kyc.ops import health, metrics


def healthz(request) -> HttpResponse:
    """The process is up and answering. Checks nothing else: a restart cannot fix a database outage."""
    return JsonResponse({"status": "ok"})


def readyz(request) -> HttpResponse:
    """200 when the database, cache, broker and file store answer; 503 naming the ones that do not."""
    checks = health.readiness()
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks, "worker": health.worker_status()}
    return JsonResponse(body, status=200 if ready else 503)


def metrics_view(request) -> HttpResponse:
    """Prometheus text format, for a scraper that presents ``Authorization: Bearer <METRICS_TOKEN>``."""
    if not settings.METRICS_TOKEN:
        return HttpResponse("Metrics are off: set METRICS_TOKEN.\n", status=404, content_type="text/plain")
    offered = request.META.get("HTTP_AUTHORIZATION", "")
    expected = f"Bearer {settings.METRICS_TOKEN}"
    if not hmac.compare_digest(offered.encode(), expected.encode()):
        response = HttpResponse("A valid bearer token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")


ENDPOINTS = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class OperationsEndpointsMiddleware:
    """First in MIDDLEWARE: answers the three operator endpoints (GET or HEAD) and passes on the rest."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = view(request)
        response["Cache-Control"] = "no-store"
        return response
