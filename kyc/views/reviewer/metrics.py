"""The metrics page: queue, speed and outcomes of review, and how the OCR vendors behave."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext

from kyc.selectors.metrics import review_metrics
from kyc.templatetags.reviewer_labels import OUTCOME_LABELS
from kyc.views.reviewer.access import staff_permission_required
from kyc.views.reviewer.charts import line_chart, stacked_bars


@staff_permission_required("kyc.view_metrics")
def metrics(request):
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = min(max(days, 7), 180)
    m = review_metrics(days=days)
    labels = [d.strftime("%d %b") for d in m.days]
    outcome_keys = ["approve", "reject", "request_resubmission"]
    charts = {
        "queue": line_chart(labels, m.queue_size, title=gettext("Cases waiting for a decision (end of day)")),
        "median": line_chart(labels, m.median_hours_to_decision, title=gettext("Median time to decision (hours)"), unit="h"),
        "outcomes": stacked_bars([(gettext("Final decisions"), {k: m.outcomes.get(k, 0) for k in outcome_keys})],
                                 title=gettext("Decisions by outcome"), keys=outcome_keys, percent=True),
        "findings": stacked_bars(m.findings_by_code[:25], title=gettext("Findings by code (current check runs)"),
                                 keys=["fail", "warn", "pass"]),
        "vendor_errors": stacked_bars(
            [(v.vendor, {"success": v.attempts - v.errors, "fail": v.errors}) for v in m.vendors],
            title=gettext("Vendor calls: successes and errors"), keys=["success", "fail"], percent=True),
        "vendor_latency": stacked_bars(
            [(v.vendor, {"p50": v.p50_ms, "p95 extra": max(v.p95_ms - v.p50_ms, 0)}) for v in m.vendors],
            title=gettext("Vendor latency (ms): median, then up to the 95th percentile"), keys=["p50", "p95 extra"]),
    }
    rates = [(OUTCOME_LABELS[k], m.rate(k), m.outcomes.get(k, 0)) for k in outcome_keys]
    return render(request, "reviewer/metrics.html", {"m": m, "charts": charts, "rates": rates, "days": days})
