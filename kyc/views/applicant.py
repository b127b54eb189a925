"""Applicant pages: start a case, give consent, capture or upload each side, submit, follow
progress without reloading, and replace only the sides a reviewer asked for again.

Access: a case is bound to the browser session that created it (or that opened its signed resume
link); the binding expires after APPLICANT_LINK_MAX_AGE_SECONDS. Case creation and uploads are
rate limited by address and by email, counting what is created and stored (a sliding window in the
database, kyc.services.rate_limits). Every page works without JavaScript;
static/js/applicant.js adds previews, client-side checks, drag and drop, upload progress and
live status.
"""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from kyc.access.applicants import (
    RESUME_SALT,
    SESSION_CASES_KEY,
    applicant_grant,
    applicant_require,
    resume_token,
)
from kyc.core.audit import Actor
from kyc.domain.workflow import EDITABLE_STATES, CaseState, IllegalTransition
from kyc.errors import KycError
from kyc.i18n.countries import country_choices, likely_country
from kyc.i18n.labels import (
    DOCUMENT_TYPE_LABELS,
    SIDE_LABELS,
    applicant_state_label,
    resubmission_heading,
)
from kyc.models import Case, Document
from kyc.selectors.cases import case_find, rejection_reasons_for_applicant
from kyc.selectors.documents import case_sides
from kyc.services.cases import case_create, case_submit
from kyc.services.consent import (
    BIOMETRIC,
    NOTICE_VERSION,
    PROCESSING,
    SENSITIVE,
    SENSITIVE_KINDS,
    consent_given,
    consent_record,
)
from kyc.services.documents import document_attach
from kyc.services.liveness import (
    BurstFrame,
    burst_limits,
    liveness_challenge_issue,
    liveness_frames_attach,
    liveness_skip,
)
from kyc.services.notifications import resume_link_email_send
from kyc.services.rate_limits import sliding_window_count
from kyc.uploads.prepare import (
    MAX_PIXELS,
    MAX_SIDE_PX,
    MIN_SIDE_PX,
    SizeLimitUploadHandler,
    prepare_upload,
    refuse_too_large,
)
from ocr_integration.documents.kinds import DocumentKind, DocumentType

app_name = "applicant"

SESSION_GRANTS_KEY = "kyc_case_grants"  # {case id: unix time the session was given the case}

SIDE_HINTS = {
    DocumentKind.PASSPORT.value: gettext_lazy("The page with your photo, including the two machine-readable lines at the bottom."),
    DocumentKind.EMIRATES_ID_FRONT.value: gettext_lazy("The side with your photo and ID number."),
    DocumentKind.EMIRATES_ID_BACK.value: gettext_lazy("The side with the three machine-readable lines."),
    DocumentKind.CN_ID_PORTRAIT.value: gettext_lazy("The side with your photo, name and ID number."),
    DocumentKind.CN_ID_EMBLEM.value: gettext_lazy("The side with the national emblem and the validity period."),
    DocumentKind.BANK_CARD.value: gettext_lazy(
        "The front of the card, with the card number, your name and the expiry date. Reviewers see only the "
        "first six and last four digits of the number."
    ),
    DocumentKind.SELFIE.value: gettext_lazy(
        "A photo of your face, looking straight at the camera, in good light, without glasses or a hat."
    ),
}
# What the applicant is asked to do during the liveness burst, in their own left and right.
LIVENESS_STEPS = {
    "turn_left_then_right": (gettext_lazy("Slowly turn your head to your left…"),
                             gettext_lazy("…now slowly turn it to your right.")),
    "turn_right_then_left": (gettext_lazy("Slowly turn your head to your right…"),
                             gettext_lazy("…now slowly turn it to your left.")),
}
READ_STATE_LABELS = {
    Document.ReadState.PENDING.value: gettext_lazy("Waiting"),
    Document.ReadState.READING.value: gettext_lazy("Being read"),
    Document.ReadState.READ.value: gettext_lazy("Read"),
    Document.ReadState.FAILED.value: gettext_lazy("Could not be read"),
}
# The face steps on the status page: what the applicant sent, never what the checks found.
FACE_STEP_LABELS = {
    "received": gettext_lazy("Received"),
    "checked": gettext_lazy("Checked"),
    "skipped": gettext_lazy("Not done (no camera)"),
}
LIVENESS_LABEL = gettext_lazy("Head-turn check")
# States in which the face checks have run on the current selfie (they run before review).
_FACES_CHECKED_STATES = frozenset({CaseState.READY_FOR_REVIEW, CaseState.NEEDS_ATTENTION, CaseState.APPROVED,
                                   CaseState.REJECTED})
ACCEPT_TYPES = "image/jpeg,image/png,image/bmp,image/tiff,.jpg,.jpeg,.png,.bmp,.tif,.tiff"


class StartForm(forms.Form):
    # Our own words rather than Django's: its Arabic catalogue writes imperatives ("أدخل ...") where
    # the glossary asks for "يُرجى ...", and names no document.
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        error_messages={
            "required": gettext_lazy("Please enter your email address."),
            "invalid": gettext_lazy("Please enter a valid email address."),
        },
    )
    document_type = forms.ChoiceField(
        label=gettext_lazy("Document"),
        choices=list(DOCUMENT_TYPE_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Please choose the document you will upload."),
            "invalid_choice": gettext_lazy("Please choose the document you will upload."),
        },
    )
    issuing_country = forms.ChoiceField(
        label=gettext_lazy("Issuing country"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Please choose the issuing country from the list.")},
    )
    declared_full_name = forms.CharField(
        label=gettext_lazy("Full name as on the document (optional)"),
        max_length=200,
        required=False,
        error_messages={"max_length": gettext_lazy("Please keep the name to %(limit_value)d characters or fewer.")},
    )
    declared_birth_date = forms.DateField(
        label=gettext_lazy("Date of birth (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Please enter a valid date of birth.")},
    )
    consent_processing = forms.BooleanField(
        label=gettext_lazy("I have read the privacy notice and agree to the processing of my document for identity verification."),
        error_messages={"required": gettext_lazy("Please agree to the privacy notice to continue.")},
    )

    def __init__(self, *args, language: str, likely_country: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # Every ICAO issuing state, named in the applicant's language; the likely one first so that
        # most applicants need not search at all.
        self.fields["issuing_country"].choices = [
            ("", pgettext_lazy("country", "Choose…")), *country_choices(language, first=likely_country)
        ]
        self.likely_country = likely_country

    def clean(self):
        cleaned = super().clean()
        # A national ID card is issued by its one country: no need to ask.
        implied = {DocumentType.EMIRATES_ID.value: "ARE", DocumentType.CN_RESIDENT_ID.value: "CHN"}
        if cleaned.get("document_type") in implied:
            cleaned["issuing_country"] = implied[cleaned["document_type"]]
        return cleaned


# --- access -------------------------------------------------------------------------------------


def _grant(request, case_id) -> None:
    # A new session key at every grant (the data carried over): a key planted in this browser
    # before (session fixation) or seen elsewhere never leads to the case.
    request.session.cycle_key()
    applicant_grant(request, case_id)
    grants = dict(request.session.get(SESSION_GRANTS_KEY, {}))
    grants[str(case_id)] = int(time.time())
    # As many as kyc.access.applicants keeps: the newest 20.
    request.session[SESSION_GRANTS_KEY] = dict(sorted(grants.items(), key=lambda item: item[1])[-20:])
    # The session outlives the browser window for as long as the grant lasts, no longer.
    request.session.set_expiry(settings.APPLICANT_LINK_MAX_AGE_SECONDS)


def _case_for(request, case_id) -> Case:
    """The case, if this session holds an unexpired grant for it; 404 otherwise (an unknown, a
    foreign and an expired case look the same from outside)."""
    applicant_require(request, case_id)
    granted_at = request.session.get(SESSION_GRANTS_KEY, {}).get(str(case_id))
    if granted_at is None or time.time() - granted_at > settings.APPLICANT_LINK_MAX_AGE_SECONDS:
        _revoke(request, case_id)
        raise Http404("No such case.")
    case = case_find(case_id=case_id)
    if case is None:
        raise Http404("No such case.")
    return case


def _revoke(request, case_id) -> None:
    grants = dict(request.session.get(SESSION_GRANTS_KEY, {}))
    grants.pop(str(case_id), None)
    request.session[SESSION_GRANTS_KEY] = grants
    request.session[SESSION_CASES_KEY] = [c for c in request.session.get(SESSION_CASES_KEY, []) if c != str(case_id)]


def resume(request, token):
    """Open a case from the signed link sent by email: binds the case to this session."""
    try:
        payload = signing.loads(token, salt=RESUME_SALT, max_age=settings.APPLICANT_LINK_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return render(request, "410.html", status=410)
    except signing.BadSignature:
        raise Http404("No such case.") from None
    case = case_find(case_id=payload.get("case"))
    if case is None:
        raise Http404("No such case.")
    _grant(request, case.id)
    return redirect("applicant:case", case_id=case.id)


# --- rate limits ----------------------------------------------------------------------------------
# What costs us is counted, not what is tried: a case when it is created, an upload when it is stored.
# A typo in the form or a refused photo counts nothing, so an office or a carrier's NAT sharing one
# address is not locked out by mistakes. Keyed by address and by email (hashed: no address in a key).


class RateLimited(Exception):
    def __init__(self, retry_after_seconds: int):
        super().__init__("rate limited")
        self.retry_after_seconds = retry_after_seconds


def _parse_rate(rate: str) -> tuple[int, int]:
    count, _slash, seconds = rate.partition("/")
    return int(count), int(seconds or 3600)


def _email_key(email: str) -> str:
    return salted_hmac("kyc.applicant-rate", email.strip().lower()).hexdigest()[:32]


def _rate_keys(request, scope: str, email: str) -> list[str]:
    return [f"applicant:{scope}:ip:{_client_ip(request)}", f"applicant:{scope}:email:{_email_key(email)}"]


def _rate_check(request, scope: str, email: str, rate: str, *, count: bool) -> None:
    """Raise RateLimited when this event (counted now if ``count``) would go over ``rate`` for the
    client's address or for the email. Counting happens inside the caller's transaction."""
    limit, window = _parse_rate(rate)
    for key in _rate_keys(request, scope, email):
        decision = sliding_window_count(key=key, limit=limit, window_seconds=window, count=count)
        if not decision.allowed:
            raise RateLimited(decision.retry_after_seconds)


def _client_ip(request) -> str:
    # Behind a proxy, SecurityMiddleware/proxy config must set REMOTE_ADDR to the client's address.
    return request.META.get("REMOTE_ADDR", "unknown")


# --- pages ----------------------------------------------------------------------------------------


def start(request):
    form = StartForm(
        request.POST or None,
        language=get_language() or settings.LANGUAGE_CODE,
        likely_country=likely_country(request.headers.get("Accept-Language", "")),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # the case and its consent, or neither
                    case = case_create(
                        actor=Actor.applicant(""),
                        email=data["email"],
                        document_type=data["document_type"],
                        issuing_country=data["issuing_country"],
                        declared_full_name=data["declared_full_name"],
                        declared_birth_date=data["declared_birth_date"],
                        language=get_language() or settings.LANGUAGE_CODE,
                    )
                    consent_record(case_id=case.id, scope=PROCESSING, actor=Actor.applicant(case.applicant_id))
                    # Counted with the case: refused, it rolls back together with the case.
                    _rate_check(request, "case", data["email"], settings.APPLICANT_CASE_RATE, count=True)
            except RateLimited as limited:
                return _too_many(request, limited)
            except KycError as error:
                # case_create's own rules (a birth date in the future), shown beside their field.
                form.add_error(error.field if error.field in form.fields else None, str(error))
                status = 400
            else:
                _grant(request, case.id)
                _send_resume_link(request, case)
                return redirect("applicant:case", case_id=case.id)
        else:
            status = 400
    return render(request, "applicant/start.html", {"form": form}, status=status)


def _rate_check_quietly(request, scope: str, email: str, rate: str) -> None:
    try:
        _rate_check(request, scope, email, rate, count=True)
    except RateLimited:
        pass  # already stored; the next one is refused


def _too_many(request, limited: RateLimited):
    response = render(request, "429.html", {"retry_minutes": -(-limited.retry_after_seconds // 60)}, status=429)
    response["Retry-After"] = str(limited.retry_after_seconds)
    return response


def _send_resume_link(request, case: Case) -> None:
    link = request.build_absolute_uri(reverse("applicant:resume", args=[resume_token(case)]))
    resume_link_email_send(case=case, link=link)


# Sending the link again costs an email: a few an hour per address and per case's email is plenty.
LINK_RESEND_RATE = "5/3600"


@require_POST
def send_link(request, case_id):
    """Email the link to continue (on another device, or later) again, on the applicant's request."""
    case = _case_for(request, case_id)
    try:
        _rate_check(request, "link", case.applicant.email, LINK_RESEND_RATE, count=True)
    except RateLimited:
        messages.error(request, _("You asked for the link several times. Please check your email, including the spam folder."))
    else:
        _send_resume_link(request, case)
        messages.success(request, _("We sent the link again to %(email)s.") % {"email": case.applicant.email})
    return redirect("applicant:case", case_id=case.id)


def privacy(request):
    return render(request, "applicant/privacy.html", {"notice_version": NOTICE_VERSION})


def _decision_note(case: Case) -> str:
    # A reviewer's note is shown as written; our own reason (an unreadable image) is translated.
    return _(case.state_reason) if case.state == CaseState.RESUBMISSION_REQUESTED and case.state_reason else ""


def _state_label(case: Case) -> str:
    return applicant_state_label(state=case.state, claimed=case.assigned_to_id is not None)


def _sides(case: Case) -> list[dict]:
    current, replaced = case_sides(case=case)
    resubmitting = case.state == CaseState.RESUBMISSION_REQUESTED
    sides = []
    optional = set(case.optional_kinds)
    for kind in case.allowed_kinds:
        document = current.get(kind.value)
        sides.append(
            {
                "kind": kind.value,
                "label": SIDE_LABELS[kind.value],
                "hint": SIDE_HINTS[kind.value],
                "document": document,
                "read_state": document.read_state if document else "",
                "read_state_label": READ_STATE_LABELS[document.read_state] if document else "",
                # Asked for again: no current image any more, and an earlier one was replaced.
                "requested": resubmitting and document is None and kind.value in replaced,
                "sensitive": kind.value in SENSITIVE_KINDS,
                "optional": kind in optional,
            }
        )
    return sides


def _selfie_step(case: Case) -> dict | None:
    """The selfie step after the documents, when the case asks for it."""
    if not case.asks_for_selfie:
        return None
    selfie = case.documents.filter(kind=DocumentKind.SELFIE.value, is_current=True).first()
    # Asked for again by a reviewer: no current selfie any more, and an earlier one was replaced.
    requested = (case.state == CaseState.RESUBMISSION_REQUESTED and selfie is None
                 and case.documents.filter(kind=DocumentKind.SELFIE.value, is_current=False).exists())
    return {
        "requested": requested,
        "kind": DocumentKind.SELFIE.value,
        "label": SIDE_LABELS[DocumentKind.SELFIE.value],
        "hint": SIDE_HINTS[DocumentKind.SELFIE.value],
        "document": selfie,
        "needs_consent": not consent_given(case_id=case.id, scope=BIOMETRIC),
        "liveness_done": case.liveness_captures.filter(is_current=True).exists(),
        # The applicant said they cannot do the head-turn check (no camera, no JavaScript).
        "liveness_skipped": case.liveness_skipped_at is not None,
        "limits": burst_limits(),
    }


def _face_steps(case: Case, selfie: dict | None) -> list[dict]:
    """The selfie and the head-turn check as rows of the status page, beside the document sides
    (the same keys): received, checked (the face checks ran), not done (the applicant had no
    camera), or asked for again."""
    if selfie is None:
        return []
    checked = CaseState(case.state) in _FACES_CHECKED_STATES

    def row(kind: str, label, present: bool, *, skipped: bool = False) -> dict:
        step = "checked" if present and checked else "received" if present else "skipped" if skipped else ""
        return {"kind": kind, "label": label, "document": present or skipped,
                # The status page's classes: read (done), pending (waiting), skipped, missing.
                "read_state": {"checked": "read", "received": "pending", "skipped": "skipped"}.get(step, ""),
                "read_state_label": FACE_STEP_LABELS[step] if step else "",
                "requested": selfie["requested"] and not present and not skipped}

    return [row(DocumentKind.SELFIE.value, selfie["label"], bool(selfie["document"])),
            row("liveness", LIVENESS_LABEL, selfie["liveness_done"],
                skipped=selfie["liveness_skipped"] and not selfie["liveness_done"])]


def _ready_to_submit(case: Case, sides: list[dict], selfie: dict | None) -> bool:
    documents = all(s["document"] or s["optional"] for s in sides)
    return documents and (selfie is None or bool(
        selfie["document"] and (selfie["liveness_done"] or selfie["liveness_skipped"])))


def _limits() -> dict:
    return {
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "max_mb": settings.UPLOAD_MAX_BYTES // 1_048_576,
        "min_side": MIN_SIDE_PX,
        "max_side": MAX_SIDE_PX,
        "max_pixels": MAX_PIXELS,
    }


def case_page(request, case_id):
    case = _case_for(request, case_id)
    if case.state not in EDITABLE_STATES:
        return redirect("applicant:status", case_id=case.id)
    sides = _sides(case)
    needs_sensitive_consent = any(s["sensitive"] for s in sides) and not consent_given(case_id=case.id, scope=SENSITIVE)
    selfie = _selfie_step(case)
    context = {
        "case": case,
        "sides": sides,
        "document_type_label": DOCUMENT_TYPE_LABELS[case.document_type],
        "state_label": _state_label(case),
        "resubmission_heading": resubmission_heading(state_reason=case.state_reason),
        "decision_note": _decision_note(case),
        "needs_sensitive_consent": needs_sensitive_consent,
        "all_present": _ready_to_submit(case, sides, selfie),
        "selfie": selfie,
        "accept_types": ACCEPT_TYPES,
        "limits": _limits(),
    }
    return render(request, "applicant/case.html", context)


@require_POST
def consent(request, case_id):
    case = _case_for(request, case_id)
    if request.POST.get("consent_sensitive") != "yes":
        messages.error(request, _("Please tick the box to give your separate consent, or choose another document."))
    else:
        consent_record(case_id=case.id, scope=SENSITIVE, actor=Actor.applicant(case.applicant_id))
        messages.success(request, _("Thank you. You can now upload your ID card."))
    return redirect("applicant:case", case_id=case.id)


@require_POST
def biometric_consent(request, case_id):
    """The separate consent to the processing of the applicant's facial images (PIPL, UAE PDPL)."""
    case = _case_for(request, case_id)
    if request.POST.get("consent_biometric") != "yes":
        messages.error(request, _("Please tick the box to give your separate consent to the processing of your facial images."))
    else:
        consent_record(case_id=case.id, scope=BIOMETRIC, actor=Actor.applicant(case.applicant_id))
        messages.success(request, _("Thank you. You can now take your selfie."))
    return redirect(f"{reverse('applicant:case', args=[case.id])}#selfie-step")


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@csrf_exempt  # the CSRF check runs in _upload, after the size guard is in place
@require_POST
def upload(request, case_id, kind):
    # Before anything reads the body (the CSRF check does), so that an oversized file is cut off.
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _upload(request, case_id, kind)


@csrf_protect
def _upload(request, case_id, kind):
    case = _case_for(request, case_id)
    wants_json = _wants_json(request)

    def refuse(message: str, code: str, status: int = 400):
        if wants_json:
            return JsonResponse({"ok": False, "code": code, "message": message, "kind": kind}, status=status)
        messages.error(request, message, extra_tags=f"upload-error upload-error-{code}")
        return redirect(f"{reverse('applicant:case', args=[case.id])}#side-{kind}")

    email = case.applicant.email
    try:
        _rate_check(request, "upload", email, settings.APPLICANT_UPLOAD_RATE, count=False)
    except RateLimited:
        return refuse(_("Too many uploads. Please wait a while and try again."), "rate_limited", 429)
    upload_file = request.FILES.get("file")
    if getattr(request, "upload_too_large", False):
        error = refuse_too_large()
        return refuse(str(error), error.code)
    if upload_file is None:
        return refuse(_("Please choose a photo or scan of the document."), "no_file")
    try:
        # Prepared once, here; every rule about attaching it is document_attach's.
        attached = document_attach(case_id=case.id, kind=kind, prepared=prepare_upload(upload_file),
                                   actor=Actor.applicant(case.applicant_id))
        # Counted once stored (an image is not taken back for a count); concurrent uploads may pass
        # the look above together, which overshoots by at most the uploads in flight.
        _rate_check_quietly(request, "upload", email, settings.APPLICANT_UPLOAD_RATE)
    except KycError as error:
        return refuse(str(error), error.code, error.http_status)
    label = SIDE_LABELS[kind]
    message = _("%(side)s: received.") % {"side": label}
    warnings = [_(warning) for warning in attached.capture_warnings]  # a borderline photo: accepted, said so
    if wants_json:
        return JsonResponse({"ok": True, "message": message, "warnings": warnings, "kind": kind,
                             "all_present": _ready_to_submit(case, _sides(case), _selfie_step(case))})
    messages.success(request, message)
    for warning in warnings:
        messages.warning(request, warning, extra_tags="upload-warning")
    return redirect("applicant:case", case_id=case.id)


@require_POST
def liveness_challenge(request, case_id):
    """Issue (or repeat) the head-turn challenge the applicant's camera answers next (JSON)."""
    case = _case_for(request, case_id)
    try:
        capture = liveness_challenge_issue(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    except KycError as error:
        return JsonResponse({"ok": False, "code": error.code, "message": str(error)}, status=error.http_status)
    limits = burst_limits()
    return JsonResponse({
        "ok": True, "challenge": capture.challenge, "nonce": capture.nonce,
        "steps": [str(step) for step in LIVENESS_STEPS[capture.challenge]],
        "min_frames": limits.min_frames, "max_frames": limits.max_frames, "max_duration_ms": limits.max_duration_ms,
    })


@csrf_exempt  # the CSRF check runs in _liveness_upload, after the size guard is in place
@require_POST
def liveness_upload(request, case_id):
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _liveness_upload(request, case_id)


@csrf_protect
def _liveness_upload(request, case_id):
    """The burst of frames that answers a challenge (JSON): ``nonce``, then ``frame`` files and their
    ``offset_ms`` in the order taken. The whole burst counts as one upload for the rate limit."""
    case = _case_for(request, case_id)

    def refuse(message: str, code: str, status: int = 400):
        return JsonResponse({"ok": False, "code": code, "message": message}, status=status)

    email = case.applicant.email
    try:
        _rate_check(request, "upload", email, settings.APPLICANT_UPLOAD_RATE, count=False)
    except RateLimited:
        return refuse(_("Too many uploads. Please wait a while and try again."), "rate_limited", 429)
    if getattr(request, "upload_too_large", False):
        error = refuse_too_large()
        return refuse(str(error), error.code)
    files = request.FILES.getlist("frame")
    offsets = request.POST.getlist("offset_ms")
    if not files or len(offsets) != len(files) or not all(o.isdigit() and len(o) <= 9 for o in offsets):
        return refuse(_("The photos of the check did not arrive complete. Please do the head turn again."),
                      "liveness_incomplete")
    try:
        frames = [BurstFrame(image=prepare_upload(f), offset_ms=int(o)) for f, o in zip(files, offsets, strict=True)]
        liveness_frames_attach(case_id=case.id, nonce=request.POST.get("nonce", ""), frames=frames,
                               actor=Actor.applicant(case.applicant_id))
        _rate_check_quietly(request, "upload", email, settings.APPLICANT_UPLOAD_RATE)
    except KycError as error:
        return refuse(str(error), error.code, error.http_status)
    return JsonResponse({"ok": True, "message": _("Head-turn check: received."),
                         "all_present": _ready_to_submit(case, _sides(case), _selfie_step(case))})


@require_POST
def liveness_skip_view(request, case_id):
    """The applicant cannot do the head-turn check (no camera, or no JavaScript): a plain form, so
    that it works without JavaScript. The case goes on with the selfie alone; the reviewer sees
    liveness as not performed."""
    case = _case_for(request, case_id)
    try:
        liveness_skip(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    except KycError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Noted. You can submit with your selfie alone; the reviewer will know that the head-turn check was not done."))
    return redirect(f"{reverse('applicant:case', args=[case.id])}#selfie-step")


@require_POST
def submit(request, case_id):
    case = _case_for(request, case_id)
    try:
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    except IllegalTransition:
        return redirect("applicant:status", case_id=case.id)  # submitted twice (double click, back button)
    except KycError as error:  # a side missing: the message names it in the applicant's language
        messages.error(request, str(error))
        return redirect("applicant:case", case_id=case.id)
    return redirect("applicant:status", case_id=case.id)


def _status_payload(case: Case) -> dict:
    sides = _sides(case) + _face_steps(case, _selfie_step(case))
    return {
        "state": case.state,
        "state_label": _state_label(case),
        "resubmission_heading": resubmission_heading(state_reason=case.state_reason),
        "final": case.state in (CaseState.APPROVED, CaseState.REJECTED, CaseState.WITHDRAWN),
        "resubmission": case.state == CaseState.RESUBMISSION_REQUESTED,
        "reason": _decision_note(case),
        "case_url": reverse("applicant:case", args=[case.id]),
        "documents": [
            {
                "kind": side["kind"],
                "label": str(side["label"]),
                "read_state": side["read_state"] or None,
                "read_state_label": str(side["read_state_label"]),
                "requested": side["requested"],
            }
            for side in sides
        ],
    }


def status(request, case_id):
    case = _case_for(request, case_id)
    context = {
        "case": case,
        "sides": _sides(case) + _face_steps(case, _selfie_step(case)),
        "state_label": _state_label(case),
        "resubmission_heading": resubmission_heading(state_reason=case.state_reason),
        "document_type_label": DOCUMENT_TYPE_LABELS[case.document_type],
        "decision_note": _decision_note(case),
        "rejection_reasons": (
            rejection_reasons_for_applicant(case=case, language=get_language() or settings.LANGUAGE_CODE)
            if case.state == CaseState.REJECTED else []
        ),
        # Still moving until decided or sent back: a case waiting for a person keeps updating.
        "moving": case.state in (
            CaseState.SUBMITTED, CaseState.PROCESSING, CaseState.READY_FOR_REVIEW, CaseState.NEEDS_ATTENTION,
        ),
    }
    return render(request, "applicant/status.html", context)


def status_json(request, case_id):
    case = _case_for(request, case_id)
    response = JsonResponse(_status_payload(case))
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("", start, name="start"),
    path("privacy/", privacy, name="privacy"),
    path("resume/<str:token>/", resume, name="resume"),
    path("cases/<uuid:case_id>/", case_page, name="case"),
    path("cases/<uuid:case_id>/consent/", consent, name="consent"),
    path("cases/<uuid:case_id>/consent/biometric/", biometric_consent, name="biometric_consent"),
    path("cases/<uuid:case_id>/liveness/challenge/", liveness_challenge, name="liveness_challenge"),
    path("cases/<uuid:case_id>/liveness/", liveness_upload, name="liveness_upload"),
    path("cases/<uuid:case_id>/liveness/skip/", liveness_skip_view, name="liveness_skip"),
    path("cases/<uuid:case_id>/send-link/", send_link, name="send_link"),
    path("cases/<uuid:case_id>/documents/<str:kind>/", upload, name="upload"),
    path("cases/<uuid:case_id>/submit/", submit, name="submit"),
    path("cases/<uuid:case_id>/status/", status, name="status"),
    path("cases/<uuid:case_id>/status.json", status_json, name="status_json"),
]
