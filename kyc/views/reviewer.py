"""Reviewer pages: queue, case workspace, decision, document images."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import user_passes_test
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from kyc.access import is_reviewer
from kyc.errors import KycError
from kyc.forms import DecisionForm
from kyc.models import Case, Document
from kyc.selectors.cases import case_detail, current_findings, reviewer_queue
from kyc.services.audit import Actor
from kyc.services.decisions import case_decide
from kyc.services.documents import document_record_view
from ocr_integration.documents.kinds import KIND_LABELS, REQUIRED_KINDS, DocumentType

app_name = "reviewer"
reviewer_required = user_passes_test(is_reviewer, login_url="reviewer:login")


@reviewer_required
def queue(request):
    states = request.GET.getlist("state") or ["ready_for_review", "needs_attention"]
    page = Paginator(reviewer_queue(states=states), 50).get_page(request.GET.get("page"))
    return render(request, "reviewer/queue.html", {"page": page, "states": states})


@reviewer_required
def case_view(request, case_id):
    try:
        case = case_detail(case_id=case_id)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None
    kinds = [(k.value, KIND_LABELS[k]) for k in REQUIRED_KINDS[DocumentType(case.document_type)]]
    return render(
        request,
        "reviewer/case.html",
        {"case": case, "findings": current_findings(case), "form": DecisionForm(kinds=kinds)},
    )


@reviewer_required
@require_POST
def decide(request, case_id):
    case = get_object_or_404(Case, id=case_id)
    kinds = [(k.value, KIND_LABELS[k]) for k in REQUIRED_KINDS[DocumentType(case.document_type)]]
    form = DecisionForm(request.POST, kinds=kinds)
    if form.is_valid():
        try:
            case_decide(
                case_id=case.id,
                actor=Actor.staff(request.user),
                outcome=form.cleaned_data["outcome"],
                reason_codes=form.cleaned_data["reason_codes"].split(","),
                note=form.cleaned_data["note"],
                requested_kinds=form.cleaned_data["requested_kinds"],
            )
        except KycError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Decision recorded.")
    else:
        messages.error(request, "The decision form is incomplete.")
    return redirect("reviewer:case", case_id=case.id)


@reviewer_required
def document_image(request, document_id):
    document = get_object_or_404(Document, id=document_id)
    document_record_view(document=document, actor=Actor.staff(request.user))
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="reviewer/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="reviewer:login"), name="logout"),
    path("", queue, name="queue"),
    path("cases/<uuid:case_id>/", case_view, name="case"),
    path("cases/<uuid:case_id>/decide/", decide, name="decide"),
    path("documents/<uuid:document_id>/image/", document_image, name="document_image"),
]
