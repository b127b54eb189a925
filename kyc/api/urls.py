from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from kyc.api import liveness, views
from kyc.api.errors import error_body


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from our own static files (drf-spectacular-sidecar), its setup script served as a
    file: the page runs under a strict Content-Security-Policy, relaxed only for Swagger UI's
    inline stylesheet."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        )
        return response


@csrf_exempt  # an API answer (JSON 404) for every method, not the CSRF failure page for POST/DELETE
def unknown_endpoint(request, rest=""):
    return JsonResponse(error_body("not_found", "There is no such API endpoint. See /api/docs/."), status=404)


urlpatterns = [
    path("v1/cases/", views.CaseListView.as_view(), name="api-cases"),
    path("v1/cases/<uuid:case_id>/", views.CaseDetailView.as_view(), name="api-case"),
    path("v1/cases/<uuid:case_id>/documents/", views.CaseDocumentsView.as_view(), name="api-case-documents"),
    path("v1/cases/<uuid:case_id>/consents/", views.CaseConsentView.as_view(), name="api-case-consents"),
    path("v1/cases/<uuid:case_id>/submit/", views.CaseSubmitView.as_view(), name="api-case-submit"),
    path("v1/cases/<uuid:case_id>/liveness/challenge/", liveness.CaseLivenessChallengeView.as_view(),
         name="api-case-liveness-challenge"),
    path("v1/cases/<uuid:case_id>/liveness/", liveness.CaseLivenessFramesView.as_view(), name="api-case-liveness"),
    path("v1/webhooks/", views.WebhookListView.as_view(), name="api-webhooks"),
    path("v1/webhooks/<uuid:endpoint_id>/", views.WebhookDetailView.as_view(), name="api-webhook"),
    path("v1/webhooks/<uuid:endpoint_id>/deliveries/", views.WebhookDeliveriesView.as_view(),
         name="api-webhook-deliveries"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    # [\s\S], not ".": a path with a newline in it is still an API path, answered in JSON.
    re_path(r"^(?P<rest>v1/[\s\S]*)$", unknown_endpoint),
]
