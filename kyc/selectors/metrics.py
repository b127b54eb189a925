"""Figures for the metrics page. Aggregated in the database where it can be, a few queries in all."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Max, Q
from django.utils import timezone

from kyc.models import Case, CheckFinding, Decision
from ocr_integration.services import VendorFigures, vendor_figures


@dataclass
class Metrics:
    days: list[date]
    queue_size: list[int]  # cases waiting for a decision at the end of each day
    median_hours_to_decision: list[float | None]  # per day of decision
    overall_median_hours: float | None
    outcomes: dict[str, int]  # final decisions in the window, by outcome
    findings_by_code: list[tuple[str, dict[str, int]]]  # code -> {outcome: count}, current runs
    vendors: list[VendorFigures] = field(default_factory=list)

    @property
    def decided(self) -> int:
        return sum(self.outcomes.values())

    def rate(self, outcome: str) -> float:
        return self.outcomes.get(outcome, 0) / self.decided if self.decided else 0.0


def review_metrics(*, days: int = 30, now: datetime | None = None) -> Metrics:
    now = now or timezone.now()
    today = timezone.localdate(now)
    day_list = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    window_start = timezone.make_aware(datetime.combine(day_list[0], time.min))

    def end_of(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))

    final = Decision.objects.filter(status=Decision.Status.FINAL)
    # A case leaves the queue when its last final decision is made; resubmitted cases come back
    # with a new submitted_at, so "waiting" is submitted_at .. the next final decision after it.
    waiting_cases = list(
        Case.objects.filter(submitted_at__isnull=False, submitted_at__lt=end_of(today))
        .annotate(decided_at=Max("decisions__created_at", filter=Q(decisions__status=Decision.Status.FINAL)))
        .filter(Q(decided_at__isnull=True) | Q(decided_at__gte=window_start) | Q(decided_at__lt=F("submitted_at")))
        .values_list("submitted_at", "decided_at")
    )
    queue_size = []
    for day in day_list:
        cutoff = end_of(day)
        queue_size.append(sum(
            1 for submitted, decided in waiting_cases
            if submitted < cutoff and (decided is None or decided < submitted or decided >= cutoff)
        ))
    decided_rows = list(
        final.filter(created_at__gte=window_start, case__submitted_at__isnull=False)
        .values_list("created_at", "case__submitted_at")
    )
    per_day: dict[date, list[float]] = {}
    all_hours = []
    for decided_at, submitted_at in decided_rows:
        hours = max((decided_at - submitted_at).total_seconds() / 3600, 0.0)
        per_day.setdefault(timezone.localdate(decided_at), []).append(hours)
        all_hours.append(hours)
    outcomes = dict(final.filter(created_at__gte=window_start).values_list("outcome").annotate(n=Count("id")))
    findings: dict[str, dict[str, int]] = {}
    for code, outcome, n in (
        CheckFinding.objects.filter(check_run=F("case__check_run"), created_at__gte=window_start)
        .values_list("code", "outcome").annotate(n=Count("id")).order_by("code")
    ):
        findings.setdefault(code, {})[outcome] = n
    return Metrics(
        days=day_list,
        queue_size=queue_size,
        median_hours_to_decision=[
            statistics.median(per_day[d]) if d in per_day else None for d in day_list
        ],
        overall_median_hours=statistics.median(all_hours) if all_hours else None,
        outcomes=outcomes,
        findings_by_code=sorted(findings.items(), key=lambda item: -sum(item[1].values())),
        vendors=vendor_figures(since=window_start),
    )
