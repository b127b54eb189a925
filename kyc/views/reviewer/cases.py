"""The case workspace and every action taken from it. Each action is one audited service call."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from kyc.access import policy
from kyc.core.audit import Actor
from kyc.domain.workflow import DECIDABLE_STATES
from kyc.errors import KycError, ValidationFailed
from kyc.evidence_pdf import evidence_pdf
from kyc.models import Case
from kyc.selectors.cases import active_reason_codes, case_find, document_find
from kyc.selectors.evidence import suggested_reason_codes
from kyc.selectors.queue import deciders, queue_neighbours
from kyc.selectors.workspace import SOURCES, case_workspace
from kyc.services.assignments import case_assign, case_claim, case_release
from kyc.services.cases import case_retry_reading
from kyc.services.decisions import case_decide, decision_second_review
from kyc.services.documents import document_record_view
from kyc.services.exports import case_evidence_export, case_record_view
from kyc.services.notes import case_note_add
from kyc.views.reviewer.access import review_required, staff_permission_required
from kyc.views.reviewer.forms import AssignForm, DecisionForm, NoteForm, SecondReviewForm
from ocr_integration.documents.kinds import KIND_LABELS


def _case_or_404(case_id) -> Case:
    case = case_find(case_id=case_id)
    if case is None:
        raise Http404("No such case.")
    return case


def _kinds(case: Case) -> list[tuple[str, str]]:
    return [(k.value, KIND_LABELS[k]) for k in case.resubmittable_kinds]


@review_required
def case_view(request, case_id):
    return _workspace_page(request, case_id)


def _workspace_page(request, case_id, *, form: DecisionForm | None = None,
                    second_form: SecondReviewForm | None = None, status: int = 200):
    """The workspace; after a refused decision, with the form as typed and its errors by the fields."""
    try:
        workspace = case_workspace(case_id=case_id)
    except Case.DoesNotExist:
        raise Http404(gettext("No such case.")) from None
    case = workspace.case
    # The workspace shows names, numbers and dates: looking at it is recorded.
    case_record_view(case_id=case.id, actor=Actor.staff(request.user))
    user = request.user
    reason_codes = active_reason_codes()
    pending = workspace.pending_approval
    form = form or DecisionForm(kinds=_kinds(case), reason_codes=reason_codes)
    neighbours = queue_neighbours(case=case, user=user)
    return render(request, "reviewer/case.html", {
        "ws": workspace,
        "case": case,
        "neighbours": neighbours,
        "sources": SOURCES,
        "decidable": case.state in DECIDABLE_STATES,
        "can_claim": policy.can_claim(user, case),
        "can_release": policy.can_release(user, case),
        "can_assign": policy.can_assign(user, case),
        "can_decide": policy.can_decide(user, case, pending_approval=pending),
        "can_second_review": policy.can_second_review(user, case, pending),
        "can_note": policy.can_note(user),
        "can_retry": policy.can_retry(user, case),
        "can_export": policy.can_export(user),
        "deciders": deciders() if policy.can_assign(user) else [],
        "form": form,
        "chosen_reason_codes": set(form["reason_codes"].value() or []),
        "suggested_reason_codes": suggested_reason_codes(workspace.findings),
        "reason_codes_json": json.dumps({rc.code: rc.applies_to for rc in reason_codes}),
        "second_form": second_form or SecondReviewForm(),
        "note_form": NoteForm(),
    }, status=status)


def _act(request, case_id, action, success: str):
    try:
        action()
    except KycError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("reviewer:case", case_id=case_id)


@staff_permission_required("kyc.review_case", "kyc.decide_case")
@require_POST
def claim(request, case_id):
    _case_or_404(case_id)
    return _act(request, case_id, lambda: case_claim(case_id=case_id, actor=Actor.staff(request.user)),
                gettext("The case is yours until you decide or release it."))


@staff_permission_required("kyc.review_case", "kyc.decide_case")
@require_POST
def release(request, case_id):
    _case_or_404(case_id)
    return _act(request, case_id, lambda: case_release(case_id=case_id, actor=Actor.staff(request.user)),
                gettext("The case is back in the queue."))


@staff_permission_required("kyc.review_case", "kyc.assign_case")
@require_POST
def assign(request, case_id):
    _case_or_404(case_id)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose a reviewer."))
        return redirect("reviewer:case", case_id=case_id)
    return _act(request, case_id, lambda: case_assign(
        case_id=case_id, actor=Actor.staff(request.user), assignee_id=form.cleaned_data["assignee"]),
        gettext("Case assigned."))


@staff_permission_required("kyc.review_case", "kyc.decide_case")
@require_POST
def decide(request, case_id):
    case = _case_or_404(case_id)
    form = DecisionForm(request.POST, kinds=_kinds(case), reason_codes=active_reason_codes())
    if not form.is_valid():
        # The page comes back with what was typed and each error next to its field: nothing is lost.
        return _workspace_page(request, case.id, form=form, status=400)
    try:
        decision = case_decide(
            case_id=case.id,
            actor=Actor.staff(request.user),
            outcome=form.cleaned_data["outcome"],
            reason_codes=form.cleaned_data["reason_codes"],
            note=form.cleaned_data["note"],
            requested_kinds=form.cleaned_data["requested_kinds"],
        )
    except ValidationFailed as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return _workspace_page(request, case.id, form=form, status=400)
    except KycError as error:
        messages.error(request, str(error))
        return redirect("reviewer:case", case_id=case.id)
    messages.success(request, gettext("Decision recorded."))
    if decision.status == "awaiting_second":
        messages.info(request, gettext("A check failed on this case: a second senior reviewer must confirm the approval."))
    return _then(request, case)


def _then(request, case: Case):
    """After an action: stay on the case, or ("decide and open next") open the next one in the queue."""
    if request.POST.get("then") == "next":
        case.refresh_from_db()
        next_id = queue_neighbours(case=case, user=request.user).next_id
        if next_id is not None:
            # The next case opens claimed, ready to decide (as "get next case" does in review consoles);
            # if someone took it meanwhile, it opens read-only and says who holds it.
            try:
                case_claim(case_id=next_id, actor=Actor.staff(request.user))
            except KycError as error:
                messages.info(request, str(error))
            return redirect("reviewer:case", case_id=next_id)
        messages.info(request, gettext("No other case is waiting for you: the queue is clear."))
        return redirect("reviewer:queue")
    return redirect("reviewer:case", case_id=case.id)


@staff_permission_required("kyc.review_case", "kyc.second_approve_case")
@require_POST
def second_review(request, case_id, decision_id):
    _case_or_404(case_id)
    form = SecondReviewForm(request.POST)
    if not form.is_valid():
        return _workspace_page(request, case_id, second_form=form, status=400)
    confirm = form.cleaned_data["confirm"]
    try:
        decision_second_review(decision_id=decision_id, actor=Actor.staff(request.user), confirm=confirm,
                               note=form.cleaned_data["note"])
    except ValidationFailed as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return _workspace_page(request, case_id, second_form=form, status=400)
    except KycError as error:
        messages.error(request, str(error))
        return redirect("reviewer:case", case_id=case_id)
    messages.success(request, gettext("Approval confirmed: the case is approved.") if confirm else gettext("Approval declined."))
    return redirect("reviewer:case", case_id=case_id)


@staff_permission_required("kyc.review_case", "kyc.decide_case")
@require_POST
def retry_reading(request, case_id):
    """A case the machine gave up on (needs attention): read its failed images again."""
    case = _case_or_404(case_id)
    return _act(request, case.id, lambda: case_retry_reading(case_id=case.id, actor=Actor.staff(request.user)),
                gettext("The images will be read again; the case returns to the queue when they are."))


@staff_permission_required("kyc.review_case", "kyc.add_casenote")
@require_POST
def add_note(request, case_id):
    _case_or_404(case_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("The note is empty or too long."))
        return redirect("reviewer:case", case_id=case_id)
    return _act(request, case_id, lambda: case_note_add(
        case_id=case_id, actor=Actor.staff(request.user), body=form.cleaned_data["body"]), gettext("Note added."))


@review_required
def document_image(request, document_id):
    document = document_find(document_id=document_id)
    if document is None:
        raise Http404("No such document.")
    document_record_view(document=document, actor=Actor.staff(request.user))
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@staff_permission_required("kyc.review_case", "kyc.export_evidence")
def export_json(request, case_id):
    _case_or_404(case_id)
    evidence = case_evidence_export(case_id=case_id, actor=Actor.staff(request.user), export_format="json")
    response = HttpResponse(json.dumps(evidence, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="evidence-{evidence["case"]["reference"]}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_permission_required("kyc.review_case", "kyc.export_evidence")
def export_pdf(request, case_id):
    """The evidence as a PDF (images, findings as sentences, decisions, chain verification), in the
    reviewer's language; audited as the other formats are."""
    _case_or_404(case_id)
    evidence = case_evidence_export(case_id=case_id, actor=Actor.staff(request.user), export_format="pdf")
    response = HttpResponse(evidence_pdf(evidence), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="evidence-{evidence["case"]["reference"]}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_permission_required("kyc.review_case", "kyc.export_evidence")
def export_html(request, case_id):
    _case_or_404(case_id)
    evidence = case_evidence_export(case_id=case_id, actor=Actor.staff(request.user), export_format="html")
    response = render(request, "reviewer/export.html", {"e": evidence})
    response["Cache-Control"] = "private, no-store"
    return response
