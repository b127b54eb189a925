"""The integrators' REST API: thin views over the services; an integrator sees only its own cases."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kyc.api import serializers as s
from kyc.api.authentication import ApiKeyAuthentication
from kyc.api.errors import ApiError, api_exception_handler
from kyc.api.models import WebhookEndpoint
from kyc.api.parsers import BoundedJSONParser
from kyc.api.permissions import IsIntegrator
from kyc.api.selectors import (
    integrator_case_find,
    integrator_case_list,
    webhook_deliveries,
    webhook_endpoint_find,
    webhook_endpoints_active,
)
from kyc.api.services import (
    idempotency_claim,
    idempotency_finish,
    integrator_actor,
    integrator_case_create,
    request_fingerprint,
    webhook_endpoint_create,
    webhook_endpoint_disable,
)
from kyc.api.throttling import IntegratorRateThrottle, IntegratorUploadThrottle
from kyc.domain.workflow import CaseState
from kyc.models import Case
from kyc.selectors.cases import case_detail, current_findings
from kyc.selectors.documents import document_with_readings
from kyc.services.cases import case_submit
from kyc.services.consent import consent_record, consents_of
from kyc.services.documents import document_attach
from kyc.uploads.prepare import SizeLimitUploadHandler, prepare_upload, refuse_too_large
from ocr_integration.documents.kinds import DocumentType

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input, or a refused file or step"),
    401: OpenApiResponse(s.ErrorSerializer, description="Missing or invalid API key"),
    404: OpenApiResponse(s.ErrorSerializer, description="No such case for this integrator"),
    409: OpenApiResponse(s.ErrorSerializer, description="The case is not in a state that allows this"),
    410: OpenApiResponse(s.ErrorSerializer, description="An Idempotency-Key replayed after the case was erased"),
    422: OpenApiResponse(s.ErrorSerializer, description="Idempotency-Key reused for another request"),
    429: OpenApiResponse(s.ErrorSerializer, description="Rate limited (see Retry-After)"),
}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Any unique string (a UUID): a retried POST with the same key and body gets the first answer.",
)


def idempotent(handler, *, creates_case: bool = False):
    """Replay the stored answer to a POST retried with the same ``Idempotency-Key``.

    The stored answer belongs to the case in the URL or, for a POST that ``creates_case``, to the
    case it created (the ``id`` of its 201 body), so that erasing the case finds it."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255 or not key.isprintable():
            raise ApiError("invalid_idempotency_key", "Idempotency-Key must be 1 to 255 printable characters.")
        fingerprint = request_fingerprint(method=request.method, path=request.path, data=request.data, files=request.FILES)
        # IdempotencyInProgress (409) or IdempotencyKeyReused (422): a KycError, answered as such.
        claim = idempotency_claim(
            integrator=request.user, key=key, method=request.method, path=request.path, fingerprint=fingerprint
        )
        if claim.replay:
            return Response(claim.record.response_body, status=claim.record.status_code,
                            headers={"Idempotent-Replayed": "true"})
        try:
            response = handler(view, request, *args, **kwargs)
        except Exception as exc:
            response = api_exception_handler(exc, {"view": view, "request": request})
        case_id = kwargs.get("case_id")
        if creates_case and response.status_code == status.HTTP_201_CREATED:
            case_id = response.data["id"]
        idempotency_finish(record=claim.record, status_code=response.status_code, body=response.data, case_id=case_id)
        return response

    return wrapper


class IntegratorView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsIntegrator]
    throttle_classes = [IntegratorRateThrottle]
    parser_classes = [BoundedJSONParser]

    def get_exception_handler(self):
        return api_exception_handler

    def get_case(self, case_id) -> Case:
        case = integrator_case_find(integrator=self.request.user, case_id=case_id)
        if case is None:
            # Another integrator's case and no case look the same.
            raise NotFound("No such case.")
        return case


def _aware(value: str, name: str) -> datetime:
    try:
        parsed = parse_datetime(value)  # ValueError: well formed but impossible (month 13)
        if parsed is not None:
            # In UTC before it reaches the database: PostgreSQL refuses offsets beyond ±15:59
            # (a 500 on "-19:13"); OverflowError: the instant falls before year 1.
            parsed = (make_aware(parsed) if is_naive(parsed) else parsed).astimezone(UTC)
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise ApiError("invalid_request", f"{name} must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z.")
    return parsed


class CaseListView(IntegratorView):
    # Read by drf-spectacular: the GET's schema is the paginated envelope, not a bare array.
    pagination_class = LimitOffsetPagination

    @extend_schema(
        summary="List your cases",
        parameters=[
            OpenApiParameter("state", str, many=True, description="One or more states (repeat or comma-separate)",
                             enum=[st.value for st in CaseState]),
            OpenApiParameter("document_type", str, enum=[t.value for t in DocumentType]),
            OpenApiParameter("reference", str),
            OpenApiParameter("external_reference", str),
            OpenApiParameter("created_after", datetime),
            OpenApiParameter("created_before", datetime),
            OpenApiParameter("updated_after", datetime),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses={200: s.CaseListItemSerializer(many=True), **{k: ERRORS[k] for k in (400, 401, 429)}},
    )
    def get(self, request):
        query = request.query_params
        states = [st for value in query.getlist("state") for st in value.split(",") if st]
        unknown = sorted(set(states) - {st.value for st in CaseState})
        if unknown:
            raise ApiError("invalid_request", f"Unknown state {unknown[0]!r}; use one of {', '.join(CaseState)}.")
        document_type = query.get("document_type")
        if document_type and document_type not in {t.value for t in DocumentType}:
            raise ApiError("invalid_request", f"Unknown document_type {document_type!r}.")
        instants = {name: _aware(value, name) for name in ("created_after", "created_before", "updated_after")
                    if (value := query.get(name))}
        cases = integrator_case_list(
            integrator=request.user, states=states, document_type=document_type,
            reference=query.get("reference"), external_reference=query.get("external_reference"), **instants,
        )
        paginator = LimitOffsetPagination()
        paginator.default_limit, paginator.max_limit = 50, 200
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response(s.CaseListItemSerializer(page, many=True).data)

    @extend_schema(
        summary="Start a case",
        request=s.CaseCreateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.CaseDetailSerializer, **{k: ERRORS[k] for k in (400, 401, 409, 410, 422, 429)}},
    )
    @functools.partial(idempotent, creates_case=True)
    def post(self, request):
        serializer = s.CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = integrator_case_create(integrator=request.user, **serializer.validated_data)
        return Response(_case_body(case.id), status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/cases/{case.id}/"})


def _case_body(case_id) -> dict:
    case = case_detail(case_id=case_id)
    context = {"findings": current_findings(case), "consents": consents_of(case_id=case.id)}
    return s.CaseDetailSerializer(case, context=context).data


class CaseDetailView(IntegratorView):
    @extend_schema(summary="A case: state, documents, readings, findings, decision",
                   responses={200: s.CaseDetailSerializer, **{k: ERRORS[k] for k in (401, 404, 429)}})
    def get(self, request, case_id):
        case = self.get_case(case_id)
        return Response(_case_body(case.id))


class IntegratorUploadView(IntegratorView):
    """An endpoint that takes images (multipart): counted against the upload rate as well, and
    cut off at the size limit while the body is read."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [IntegratorRateThrottle, IntegratorUploadThrottle]

    def initial(self, request, *args, **kwargs):
        # Before the body is parsed: an oversized upload is cut off instead of spooled to disk.
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request._request))
        super().initial(request, *args, **kwargs)


class CaseDocumentsView(IntegratorUploadView):

    @extend_schema(
        summary="Upload one side of the document",
        request={"multipart/form-data": s.DocumentUploadSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.DocumentSerializer, **{k: ERRORS[k] for k in (400, 401, 404, 409, 410, 422, 429)}},
    )
    @idempotent
    def post(self, request, case_id):
        case = self.get_case(case_id)
        serializer = s.DocumentUploadSerializer(data=request.data)
        if getattr(request._request, "upload_too_large", False):
            raise refuse_too_large()
        serializer.is_valid(raise_exception=True)
        attached = document_attach(
            case_id=case.id, kind=serializer.validated_data["document_kind"],
            prepared=prepare_upload(serializer.validated_data["file"]), actor=integrator_actor(request.user),
        )
        document = document_with_readings(document_id=attached.document.id)
        body = s.DocumentSerializer(document).data
        # A borderline photo is accepted; the integrator may still ask its user for a better one.
        body["capture_warnings"] = attached.capture_warnings
        return Response(body, status=status.HTTP_201_CREATED)


class CaseConsentView(IntegratorView):
    @extend_schema(summary="Record a consent the applicant gave", request=s.ConsentSerializer,
                   parameters=[IDEMPOTENCY_HEADER],
                   responses={200: s.CaseDetailSerializer, **{k: ERRORS[k] for k in (400, 401, 404, 410, 422, 429)}})
    @idempotent
    def post(self, request, case_id):
        case = self.get_case(case_id)
        serializer = s.ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent_record(case_id=case.id, scope=serializer.validated_data["scope"], actor=integrator_actor(request.user))
        return Response(_case_body(case.id))


class CaseSubmitView(IntegratorView):
    @extend_schema(summary="Submit the case for verification", request=None, parameters=[IDEMPOTENCY_HEADER],
                   responses={200: s.CaseDetailSerializer, **{k: ERRORS[k] for k in (400, 401, 404, 409, 410, 422, 429)}})
    @idempotent
    def post(self, request, case_id):
        case = self.get_case(case_id)
        case_submit(case_id=case.id, actor=integrator_actor(request.user))
        return Response(_case_body(case.id))


class WebhookListView(IntegratorView):
    @extend_schema(summary="Your webhook endpoints", responses={200: s.WebhookEndpointSerializer(many=True)})
    def get(self, request):
        endpoints = webhook_endpoints_active(integrator=request.user)
        return Response(s.WebhookEndpointSerializer(endpoints, many=True).data)

    @extend_schema(summary="Register a webhook endpoint", request=s.WebhookEndpointSerializer,
                   parameters=[IDEMPOTENCY_HEADER],
                   responses={201: s.WebhookEndpointCreatedSerializer, **{k: ERRORS[k] for k in (400, 401, 422, 429)}})
    @idempotent
    def post(self, request):
        serializer = s.WebhookEndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_create(integrator=request.user, url=serializer.validated_data["url"])
        return Response(s.WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(IntegratorView):
    def get_endpoint(self, endpoint_id) -> WebhookEndpoint:
        endpoint = webhook_endpoint_find(integrator=self.request.user, endpoint_id=endpoint_id)
        if endpoint is None:
            raise NotFound("No such webhook endpoint.")
        return endpoint

    @extend_schema(summary="One endpoint: whether it is active, and if not, why and since when",
                   responses={200: s.WebhookEndpointSerializer, **{k: ERRORS[k] for k in (401, 404, 429)}})
    def get(self, request, endpoint_id):
        return Response(s.WebhookEndpointSerializer(self.get_endpoint(endpoint_id)).data)

    @extend_schema(summary="Stop sending to an endpoint (its delivery records are kept)",
                   responses={204: None, **{k: ERRORS[k] for k in (401, 404, 429)}})
    def delete(self, request, endpoint_id):
        webhook_endpoint_disable(endpoint=self.get_endpoint(endpoint_id), integrator=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesView(WebhookDetailView):
    # Read by drf-spectacular: the GET's schema is the paginated envelope, not a bare array.
    pagination_class = LimitOffsetPagination
    # Read-only: without this, DELETE .../deliveries/ inherited the endpoint's DELETE and disabled it.
    http_method_names = ["get", "head", "options"]

    @extend_schema(summary="The deliveries to an endpoint, newest first",
                   parameters=[OpenApiParameter("limit", int), OpenApiParameter("offset", int)],
                   responses={200: s.WebhookDeliverySerializer(many=True), **{k: ERRORS[k] for k in (401, 404, 429)}})
    def get(self, request, endpoint_id):
        endpoint = self.get_endpoint(endpoint_id)
        paginator = LimitOffsetPagination()
        paginator.default_limit, paginator.max_limit = 50, 200
        deliveries = webhook_deliveries(endpoint=endpoint)
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(s.WebhookDeliverySerializer(page, many=True).data)
