"""Reads for the applicant and reviewer pages."""

from __future__ import annotations

from django.db.models import Prefetch

from kyc.models import Case, CheckFinding, Document, DocumentReading, ReasonCode


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


def case_find(*, case_id) -> Case | None:
    """The case with its applicant and holder, or None when there is no such case."""
    return Case.objects.select_related("applicant", "assigned_to").filter(id=case_id).first()


def cases_in_queue_order(*, case_ids) -> list[Case]:
    """These cases, longest waiting first (the order a bulk action walks them in)."""
    return list(Case.objects.filter(id__in=case_ids).order_by("submitted_at", "id"))


def active_reason_codes() -> list[ReasonCode]:
    """The reason codes a reviewer may choose from now, in their configured order."""
    return list(ReasonCode.objects.filter(is_active=True))


def document_find(*, document_id) -> Document | None:
    return Document.objects.filter(id=document_id).first()
def rejection_reasons_for_applicant(*, case: Case, language: str) -> list[str]:
    """What the final rejection's reason codes tell the applicant, in ``language`` (the admin's
    applicant text of each code, in the order the reviewer chose them); reasons without an
    applicant text are left out: they were written for reviewers."""
    from kyc.models import Decision, ReasonCode

    decision = (
        case.decisions.filter(outcome=Decision.Outcome.REJECT, status=Decision.Status.FINAL).order_by("-created_at").first()
    )
    if decision is None:
        return []
    codes = [code for code in decision.reason_codes if isinstance(code, str)]
    by_code = {reason.code: reason for reason in ReasonCode.objects.filter(code__in=codes)}
    texts = [by_code[code].applicant_text_in(language) for code in codes if code in by_code]
    return list(dict.fromkeys(text for text in texts if text))
