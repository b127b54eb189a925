"""Reads for the applicant and reviewer pages."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from kyc.models import Case, CheckFinding, Document, DocumentReading


def reviewer_queue(*, states: list[str] | None = None) -> QuerySet[Case]:
    cases = Case.objects.select_related("applicant", "assigned_to").annotate(
        failed_findings=Count("findings", filter=Q(findings__outcome="fail")),
    )
    if states:
        cases = cases.filter(state__in=states)
    return cases.order_by("submitted_at", "created_at")


def case_detail(*, case_id) -> Case:
    return (
        Case.objects.select_related("applicant", "assigned_to")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=Document.objects.filter(is_current=True).prefetch_related(
                    Prefetch("readings", queryset=DocumentReading.objects.order_by("created_at"))
                ),
                to_attr="current_documents",
            ),
            "decisions__reviewer",
        )
        .get(id=case_id)
    )


def current_findings(case: Case) -> list[CheckFinding]:
    return list(case.findings.filter(check_run=case.check_run).order_by("outcome", "code"))
