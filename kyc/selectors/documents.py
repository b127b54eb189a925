"""Reads of a case's documents, for the applicant pages and the integrators' API."""

from __future__ import annotations

from django.db.models import Prefetch

from kyc.models import Case, Document, DocumentReading


def document_with_readings(*, document_id) -> Document:
    """The document with its readings, oldest first (raises Document.DoesNotExist)."""
    return Document.objects.prefetch_related(
        Prefetch("readings", queryset=DocumentReading.objects.order_by("created_at"))
    ).get(id=document_id)


def case_sides(*, case: Case) -> tuple[dict[str, Document], set[str]]:
    """The case's current document per side (kind), and the sides that have a replaced upload."""
    current = {document.kind: document for document in case.documents.filter(is_current=True)}
    replaced = set(case.documents.filter(is_current=False).values_list("kind", flat=True))
    return current, replaced
