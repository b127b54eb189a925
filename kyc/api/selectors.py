"""Reads for the integrators' API: only what the calling integrator owns.

They live in the API app, not in ``kyc.selectors``: the core never imports the API layer
(tests/kyc/test_layers.py), and which cases an integrator owns is the API app's table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from kyc.api.models import Integrator, WebhookDelivery, WebhookEndpoint
from kyc.models import Case, Document


def integrator_case_find(*, integrator: Integrator, case_id) -> Case | None:
    """The integrator's case, or None: another integrator's case and no case look the same."""
    return Case.objects.filter(id=case_id, integrator_link__integrator=integrator).first()


def integrator_case_list(
    *,
    integrator: Integrator,
    states: Iterable[str] = (),
    document_type: str | None = None,
    reference: str | None = None,
    external_reference: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    updated_after: datetime | None = None,
) -> QuerySet[Case]:
    """The integrator's cases, newest first, with their current documents (``current_documents``),
    narrowed by each filter given; ``reference`` is matched as the applicant is shown it (upper case)."""
    cases = (
        Case.objects.filter(integrator_link__integrator=integrator)
        .select_related("integrator_link")
        .prefetch_related(
            Prefetch("documents", queryset=Document.objects.filter(is_current=True), to_attr="current_documents")
        )
        .order_by("-created_at", "id")
    )
    states = list(states)
    if states:
        cases = cases.filter(state__in=states)
    if document_type:
        cases = cases.filter(document_type=document_type)
    if reference:
        cases = cases.filter(reference=reference.strip().upper())
    if external_reference:
        cases = cases.filter(integrator_link__external_reference=external_reference)
    if created_after is not None:
        cases = cases.filter(created_at__gte=created_after)
    if created_before is not None:
        cases = cases.filter(created_at__lt=created_before)
    if updated_after is not None:
        cases = cases.filter(updated_at__gte=updated_after)
    return cases


def webhook_endpoints_active(*, integrator: Integrator) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(integrator=integrator, is_active=True)


def webhook_endpoint_find(*, integrator: Integrator, endpoint_id) -> WebhookEndpoint | None:
    """The integrator's endpoint (active or not), or None."""
    return WebhookEndpoint.objects.filter(id=endpoint_id, integrator=integrator).first()


def webhook_deliveries(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The deliveries to an endpoint, newest first, with their attempts."""
    return endpoint.deliveries.order_by("-created_at").prefetch_related("attempt_records")
