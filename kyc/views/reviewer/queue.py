"""The review queue."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kyc.errors import KycError
from kyc.labels import DOCUMENT_TYPE_LABELS
from kyc.models import Case
from kyc.selectors.queue import (
    ASSIGNED_CHOICES,
    FINDING_CHOICES,
    LISTABLE_STATES,
    SORTS,
    WAITING_CHOICES,
    QueueFilters,
    deciders,
    reviewer_queue_counts,
    reviewer_queue_page_rows,
    reviewer_workload,
    sla_target,
)
from kyc.services.assignments import case_assign, case_release
from kyc.services.audit import Actor
from kyc.views.reviewer.access import review_required, staff_permission_required
from kyc.views.reviewer.forms import BulkAssignForm
from kyc.workflow import STATE_LABELS
from ocr_integration.documents.kinds import KIND_LABELS, DocumentKind, DocumentType

PAGE_SIZES = (10, 25, 50, 100, 200)


def _filters(request) -> QueueFilters:
    get = request.GET
    listable = {s.value for s in LISTABLE_STATES}
    states = tuple(s for s in get.getlist("state") if s in listable)
    search = get.get("q", "").strip()[:200]
    if search and not states:
        # A search looks for one case wherever it is: decided cases too.
        states = tuple(s.value for s in LISTABLE_STATES)
    return QueueFilters(
        search=search,
        over_sla=get.get("over_sla") == "1",
        sort=get.get("sort", "") if get.get("sort") in SORTS else "waiting",
        states=states or QueueFilters.states,
        document_type=get.get("document_type", "") if get.get("document_type") in {t.value for t in DocumentType} else "",
        document_kind=get.get("document_kind", "") if get.get("document_kind") in {k.value for k in DocumentKind} else "",
        issuing_country=(get.get("country", "").strip().upper()[:3]),
        finding=get.get("finding", "") if get.get("finding") in FINDING_CHOICES else "",
        assigned=get.get("assigned", "") if get.get("assigned") in ASSIGNED_CHOICES else "",
        waiting=get.get("waiting", "") if get.get("waiting") in WAITING_CHOICES else "",
        awaiting_second=get.get("awaiting_second") == "1",
    )


@review_required
def queue(request):
    filters = _filters(request)
    try:
        per_page = int(request.GET.get("per_page", 50))
    except ValueError:
        per_page = 50
    per_page = per_page if per_page in PAGE_SIZES else 50
    page = Paginator(reviewer_queue_page_rows(filters, user=request.user), per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    now = timezone.now()
    target = sla_target()
    for case in page.object_list:
        # Time left before the SLA target (negative: over it), for the row's timer.
        case.sla_left = (case.submitted_at + target - now) if case.submitted_at else None
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    for key in ("page", "sort"):
        sort_query.pop(key, None)
    return render(request, "reviewer/queue.html", {
        "page": page,
        "filters": filters,
        "counts": reviewer_queue_counts(filters, user=request.user),
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
        "can_assign": request.user.has_perm("kyc.assign_case"),
        "deciders": deciders() if request.user.has_perm("kyc.assign_case") else [],
        "full_path": request.get_full_path(),
    })


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
    for case in Case.objects.filter(id__in=form.cleaned_data["cases"]).order_by("submitted_at", "id"):
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
