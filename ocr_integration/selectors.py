"""Reads of what ocr_integration records about its own work (every vendor attempt), for the
pages and metrics of the rest of the product; reached through ``ocr_integration.services``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Avg, Count, Max, Q

if TYPE_CHECKING:
    from ocr_integration.models import OcrAttempt

# The model is imported where it is queried: ``ocr_integration.services`` (which imports this
# module) must stay importable before the app registry is ready.


@dataclass
class VendorFigures:
    vendor: str
    attempts: int
    errors: int
    error_rate: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    max_ms: int


def _percentile(sorted_values: list[int], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return float(sorted_values[index])


def vendor_figures(*, since: datetime) -> list[VendorFigures]:
    """Error rate and latency per vendor, from the record of every attempt."""
    from ocr_integration.models import OcrAttempt

    attempts = OcrAttempt.objects.filter(created_at__gte=since)
    totals = attempts.values("vendor").annotate(
        n=Count("id"), errors=Count("id", filter=~Q(outcome="success")), mean=Avg("duration_ms"), peak=Max("duration_ms")
    ).order_by("vendor")
    durations: dict[str, list[int]] = {}
    # Percentiles need the values; capped so a busy month never loads millions of rows.
    for vendor, duration in attempts.order_by("vendor", "duration_ms").values_list("vendor", "duration_ms")[:200_000]:
        durations.setdefault(vendor, []).append(duration)
    figures = []
    for row in totals:
        values = durations.get(row["vendor"], [])
        figures.append(VendorFigures(
            vendor=row["vendor"], attempts=row["n"], errors=row["errors"],
            error_rate=row["errors"] / row["n"] if row["n"] else 0.0, mean_ms=float(row["mean"] or 0),
            p50_ms=_percentile(values, 0.5), p95_ms=_percentile(values, 0.95), max_ms=row["peak"] or 0,
        ))
    return figures


def attempts_for_subjects(subject_refs: list[str], *, limit: int = 200) -> list[OcrAttempt]:
    """The OCR attempts made for these subjects (document ids), oldest first."""
    from ocr_integration.models import OcrAttempt

    return list(OcrAttempt.objects.filter(subject_ref__in=subject_refs).order_by("created_at")[:limit])


def attempt_counts() -> list[tuple[str, str, int]]:
    """(vendor, outcome, number of attempts) over all recorded attempts, for /metrics."""
    from ocr_integration.models import OcrAttempt

    return list(OcrAttempt.objects.order_by().values_list("vendor", "outcome").annotate(n=Count("id")))
