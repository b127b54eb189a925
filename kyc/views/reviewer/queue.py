"""The review queue."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from kyc.access import policy
from kyc.core.audit import Actor
from kyc.domain.workflow import STATE_LABELS
from kyc.errors import KycError
from kyc.i18n.labels import DOCUMENT_TYPE_LABELS
from kyc.selectors.cases import cases_in_queue_order
from kyc.selectors.queue import (
    LISTABLE_STATES,
    WAITING_CHOICES,
    QueueFilterSet,
    deciders,
    matching_count,
    reviewer_queue_counts,
    reviewer_queue_page,
    reviewer_workload,
    sla_target,
)
from kyc.services.assignments import case_assign, case_release
from kyc.templatetags.reviewer_labels import document_type_label, review_state_label, sla_timer
from kyc.views.reviewer.access import review_required, staff_permission_required
from kyc.views.reviewer.forms import BulkAssignForm
from ocr_integration.documents.kinds import KIND_LABELS, DocumentKind, DocumentType

PAGE_SIZES = (10, 25, 50, 100, 200)


@review_required
def queue(request):
    filterset = QueueFilterSet(request.GET, user=request.user)
    filters = filterset.values
    try:
        per_page = int(request.GET.get("per_page", 50))
    except ValueError:
        per_page = 50
    per_page = per_page if per_page in PAGE_SIZES else 50
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    counts = reviewer_queue_counts(filterset)
    page = reviewer_queue_page(
        filterset, per_page=per_page, count=matching_count(filters, counts), number=number,
        after=request.GET.get("after", "")[:500], before=request.GET.get("before", "")[:500],
    )
    _label_rows(page.rows)
    rows_html = _rows_html(page.rows, can_assign=policy.can_assign(request.user), user_pk=request.user.pk)
    query = request.GET.copy()
    sort_query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
        sort_query.pop(key, None)
    sort_query.pop("sort", None)
    return render(request, "reviewer/queue.html", {
        "page": page,
        "rows_html": rows_html,
        "filters": filters,
        "counts": counts,
        "state_choices": [(s.value, STATE_LABELS[s]) for s in LISTABLE_STATES],
        "document_types": [t.value for t in DocumentType],
        "document_kinds": [(k.value, KIND_LABELS[k]) for k in DocumentKind],
        "waiting_choices": list(WAITING_CHOICES),
        "page_sizes": PAGE_SIZES,
        "per_page": per_page,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sort": filters.sort,
        "sla_hours": settings.REVIEW_SLA_HOURS,
        "document_type_labels": DOCUMENT_TYPE_LABELS,
        "can_assign": policy.can_assign(request.user),
        "deciders": deciders() if policy.can_assign(request.user) else [],
        "full_path": request.get_full_path(),
    })


def _label_rows(rows) -> None:
    """Give each row the words and link it shows, worked out here once per distinct value rather than
    by template tags in every row (a filter, a plural translation, a URL reversal and a
    ``timesince`` per row were most of the page's CPU: ~0.5 ms a row)."""
    now = timezone.now()
    target = sla_target()
    # One reversal: every case link differs only by the id (a UUID, so the placeholder is unique).
    placeholder = "00000000-0000-0000-0000-000000000000"
    case_url = reverse("reviewer:case", args=[placeholder])
    memo: dict[tuple, str] = {}

    def once(key: tuple, make, *args) -> str:
        if key not in memo:
            memo[key] = make(*args)
        return memo[key]

    for case in rows:
        case.url = case_url.replace(placeholder, str(case.id))
        case.select_label = gettext("Select %(reference)s") % {"reference": case.reference}
        # Time left before the SLA target (negative: over it), for the row's timer.
        case.sla_left = (case.submitted_at + target - now) if case.submitted_at else None
        case.over_sla = case.sla_left is not None and case.sla_left.total_seconds() < 0
        case.sla_text = sla_timer(case.sla_left)
        case.waiting_text = timesince(case.submitted_at, now) if case.submitted_at else ""
        case.document_label = once(("type", case.document_type), document_type_label, case.document_type)
        case.state_text = once(("state", case.state), review_state_label, case.state)
        case.failed_text = once(("failed", case.failed_findings), lambda n: ngettext(
            "%(n)s failed", "%(n)s failed", n) % {"n": n}, case.failed_findings)
        case.warned_text = once(("warned", case.warned_findings), lambda n: ngettext(
            "%(n)s warning", "%(n)s warnings", n) % {"n": n}, case.warned_findings)


def _rows_html(rows, *, can_assign: bool, user_pk) -> str:
    """The table's rows as HTML, built here rather than by the template: ~20 template nodes per
    row were most of a page's CPU after _label_rows (about 0.2 ms a row; 200 rows, 40 ms). Every
    value goes through ``escape``; the words every row repeats are translated once."""
    words = {key: escape(gettext(text)) for key, text in (
        ("case", "Case"), ("document", "Document"), ("state", "State"), ("checks", "Checks"),
        ("assigned", "Assigned to"), ("waiting", "Waiting"), ("sla", "SLA"), ("me", "me"),
        ("unassigned", "unassigned"), ("second", "2nd approval"))}
    cells = (
        '<td data-label="{case}"><a href="{url}">{reference}</a></td>\n'
        '      <td data-label="{document}">{document_label} {country}</td>\n'
        '      <td data-label="{state}"><span class="state state-{state_value}">{state_text}</span>{second}</td>\n'
        '      <td data-label="{checks}">{failed} {warned}{clean}</td>\n'
        '      <td data-label="{assigned}">{assignee}</td>\n'
        '      <td data-label="{waiting}">{waiting_text}</td>\n'
        '      <td data-label="{sla}" class="sla">{sla_timer}</td></tr>'
    )
    html = []
    for case in rows:
        row_class = "queue-row" + (" has-fail" if case.failed_findings else "") + (" over-sla" if case.over_sla else "")
        select = (f'<td class="select"><input type="checkbox" name="cases" value="{case.id}" form="bulk-form" '
                  f'aria-label="{escape(case.select_label)}"></td>' if can_assign else "")
        if case.assigned_to_id:
            assignee = (f"<strong>{words['me']}</strong>" if case.assigned_to_id == user_pk
                        else escape(case.assigned_to.get_username()))
        else:
            assignee = f'<span class="muted">{words["unassigned"]}</span>'
        html.append(f'<tr class="{row_class}">{select}' + cells.format(
            **words | {"second": f' <span class="badge">{words["second"]}</span>' if case.awaiting_second else ""},
            url=escape(case.url), reference=escape(case.reference), document_label=escape(case.document_label),
            country=escape(case.issuing_country), state_value=escape(case.state), state_text=escape(case.state_text),
            failed=f'<span class="outcome-fail">{escape(case.failed_text)}</span>' if case.failed_findings else "",
            warned=f'<span class="outcome-warn">{escape(case.warned_text)}</span>' if case.warned_findings else "",
            clean='<span class="muted">—</span>' if not case.failed_findings and not case.warned_findings else "",
            assignee=assignee, waiting_text=escape(case.waiting_text) if case.submitted_at else "—",
            sla_timer=(f'<span class="sla-timer{" outcome-fail" if case.over_sla else ""}">{escape(case.sla_text)}</span>'
                       if case.sla_left is not None else ""),
        ))
    return mark_safe("\n  ".join(html))  # noqa: S308 - every value above is escaped


@staff_permission_required("kyc.review_case", "kyc.assign_case")
def workload(request):
    return render(request, "reviewer/workload.html", {
        "loads": reviewer_workload(), "sla_hours": settings.REVIEW_SLA_HOURS,
        "deciders": deciders(),
    })


@staff_permission_required("kyc.review_case", "kyc.assign_case")
@require_POST
def bulk_assign(request):
    """Assign or release the ticked cases, one audited service call per case; each refusal is named."""
    form = BulkAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_back(request))
    actor = Actor.staff(request.user)
    done, refused = 0, []
    for case in cases_in_queue_order(case_ids=form.cleaned_data["cases"]):
        try:
            if form.cleaned_data["action"] == "release":
                case_release(case_id=case.id, actor=actor)
            else:
                case_assign(case_id=case.id, actor=actor, assignee_id=form.cleaned_data["assignee"])
        except KycError as error:
            refused.append(f"{case.reference}: {error}")
        else:
            done += 1
    if done and form.cleaned_data["action"] == "release":
        messages.success(request, ngettext("%(n)d case released.", "%(n)d cases released.", done) % {"n": done})
    elif done:
        messages.success(request, ngettext("%(n)d case assigned.", "%(n)d cases assigned.", done) % {"n": done})
    for line in refused:
        messages.error(request, line)
    return redirect(_back(request))


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/review/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("reviewer:queue")
