"""Reads for the applicant and reviewer pages."""

from __future__ import annotations

from django.db.models import Prefetch

from kyc.models import Case, CheckFinding, Document, DocumentReading


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
