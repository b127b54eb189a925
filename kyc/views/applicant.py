"""Applicant pages: start a case, upload each side, submit, follow progress."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from kyc.access import applicant_grant, applicant_require
from kyc.errors import KycError
from kyc.forms import CaseStartForm, DocumentUploadForm
from kyc.models import Case
from kyc.services.audit import Actor
from kyc.services.cases import case_create, case_submit
from kyc.services.documents import document_attach
from ocr_integration.documents.kinds import KIND_LABELS, REQUIRED_KINDS, DocumentKind, DocumentType

app_name = "applicant"


def start(request):
    form = CaseStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_create(
                actor=Actor.applicant(""),
                language=getattr(request, "LANGUAGE_CODE", "en"),
                **form.cleaned_data,
            )
        except KycError as error:
            form.add_error(None, str(error))
        else:
            applicant_grant(request, case.id)
            return redirect("applicant:case", case_id=case.id)
    return render(request, "applicant/start.html", {"form": form})


def _sides(case: Case) -> list[dict]:
    current = {d.kind: d for d in case.documents.filter(is_current=True)}
    return [
        {"kind": kind.value, "label": KIND_LABELS[kind], "document": current.get(kind.value)}
        for kind in REQUIRED_KINDS[DocumentType(case.document_type)]
    ]


def case_page(request, case_id):
    applicant_require(request, case_id)
    case = get_object_or_404(Case, id=case_id)
    return render(request, "applicant/case.html", {"case": case, "sides": _sides(case), "form": DocumentUploadForm()})


@require_POST
def upload(request, case_id, kind):
    applicant_require(request, case_id)
    case = get_object_or_404(Case, id=case_id)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Please choose an image file to upload.")
    else:
        try:
            document_attach(
                case_id=case.id, kind=kind, upload=form.cleaned_data["file"], actor=Actor.applicant(case.applicant_id)
            )
        except KycError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{KIND_LABELS[DocumentKind(kind)]}: received.")
    return redirect("applicant:case", case_id=case.id)


@require_POST
def submit(request, case_id):
    applicant_require(request, case_id)
    case = get_object_or_404(Case, id=case_id)
    try:
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    except KycError as error:
        messages.error(request, str(error))
        return redirect("applicant:case", case_id=case.id)
    return redirect("applicant:status", case_id=case.id)


def status(request, case_id):
    applicant_require(request, case_id)
    case = get_object_or_404(Case, id=case_id)
    return render(request, "applicant/status.html", {"case": case, "sides": _sides(case)})


def status_json(request, case_id):
    applicant_require(request, case_id)
    case = get_object_or_404(Case, id=case_id)
    return JsonResponse(
        {
            "state": case.state,
            "state_label": case.state_label,
            "documents": [
                {"kind": s["kind"], "label": s["label"], "read_state": s["document"].read_state if s["document"] else None}
                for s in _sides(case)
            ],
        }
    )


urlpatterns = [
    path("", start, name="start"),
    path("cases/<uuid:case_id>/", case_page, name="case"),
    path("cases/<uuid:case_id>/documents/<str:kind>/", upload, name="upload"),
    path("cases/<uuid:case_id>/submit/", submit, name="submit"),
    path("cases/<uuid:case_id>/status/", status, name="status"),
    path("cases/<uuid:case_id>/status.json", status_json, name="status_json"),
]
