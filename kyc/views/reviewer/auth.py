"""Staff sign-in with lockout, and the optional TOTP second factor."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from kyc.core.audit import Actor
from kyc.errors import KycError, ValidationFailed
from kyc.selectors.staff import active_staff_user
from kyc.services.staff_auth import (
    has_second_factor,
    login_locked_until,
    staff_login_succeeded,
    totp_disable,
    totp_pending_enrolment,
    totp_setup_begin,
    totp_setup_confirm,
    totp_verify,
)
from kyc.views.reviewer.forms import CodeForm, ReauthenticationForm, StaffAuthenticationForm
from kyc.views.reviewer.language import apply_account_language

PENDING_USER = "kyc_2fa_user"
PENDING_BACKEND = "kyc_2fa_backend"
PENDING_NEXT = "kyc_2fa_next"


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return "reviewer:queue"


class StaffLoginView(auth_views.LoginView):
    template_name = "reviewer/login.html"
    authentication_form = StaffAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if has_second_factor(user):
            # The password was right; the session is not signed in until the code is.
            self.request.session.cycle_key()
            self.request.session[PENDING_USER] = user.pk
            self.request.session[PENDING_BACKEND] = user.backend
            self.request.session[PENDING_NEXT] = self.get_redirect_url()
            return redirect("reviewer:login_verify")
        login(self.request, user)
        staff_login_succeeded(user=user, second_factor=False)
        return apply_account_language(self.request, redirect(self.get_success_url()), user=user)


def login_verify(request):
    user_id = request.session.get(PENDING_USER)
    user = active_staff_user(user_id=user_id)
    if user is None:
        return redirect("reviewer:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if login_locked_until(username=user.get_username()):
            request.session.pop(PENDING_USER, None)
            messages.error(request, gettext("Too many failed sign-ins. Try again later, or ask an admin to unlock you."))
            return redirect("reviewer:login")
        if totp_verify(user=user, code=form.cleaned_data["code"]):
            next_url = request.session.get(PENDING_NEXT, "")
            user.backend = request.session.get(PENDING_BACKEND)
            login(request, user)  # cycles the session key, dropping the pending keys' session
            staff_login_succeeded(user=user, second_factor=True)
            return apply_account_language(request, redirect(_safe_next(request, next_url)), user=user)
        form.add_error("code", gettext("That code is not right."))
    return render(request, "reviewer/login_verify.html", {"form": form})


@login_required(login_url="reviewer:login")
def second_factor(request):
    """Set up or remove the TOTP second factor for the signed-in staff member.

    Both changes ask for the password again (and removal for a current code): a signed-in
    session alone cannot change how the account is protected.
    """
    user = request.user
    if not user.is_staff:
        return redirect("reviewer:login")
    context = {"enabled": has_second_factor(user), "reauth_form": ReauthenticationForm()}
    form = CodeForm(request.POST or None)
    action = request.POST.get("action")
    try:
        if request.method == "POST" and action in ("begin", "remove"):
            reauth_form = ReauthenticationForm(request.POST)
            context["reauth_form"] = reauth_form
            if reauth_form.is_valid():
                password, code = reauth_form.cleaned_data["password"], reauth_form.cleaned_data["code"]
                if action == "begin":
                    secret, uri = totp_setup_begin(user=user, password=password)
                    context.update(secret=secret, uri=uri, form=CodeForm())
                    context["qr_svg"] = totp_qr_svg(uri)
                    return render(request, "reviewer/second_factor.html", context)
                totp_disable(actor=Actor.staff(user), user=user, password=password, code=code)
                messages.success(request, gettext("Second factor removed."))
                return redirect("reviewer:second_factor")
        if request.method == "POST" and action == "confirm":
            if form.is_valid():
                totp_setup_confirm(user=user, code=form.cleaned_data["code"])
                messages.success(request, gettext("Second factor enabled. You will be asked for a code at each sign-in."))
                return redirect("reviewer:second_factor")
            _keep_pending_enrolment(context, user, form)
    except ValidationFailed as error:
        if action == "confirm":
            # A mistyped code: the same key stays on screen (and in the app), with the error by the field.
            form.add_error("code", str(error))
            _keep_pending_enrolment(context, user, form)
        else:
            messages.error(request, str(error))
    except KycError as error:
        messages.error(request, str(error))
    return render(request, "reviewer/second_factor.html", context)


def _keep_pending_enrolment(context: dict, user, form: CodeForm) -> None:
    pending = totp_pending_enrolment(user=user)
    if pending is not None:
        context.update(secret=pending[0], uri=pending[1], form=form, qr_svg=totp_qr_svg(pending[1]))


def totp_qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (segno: a maintained, dependency-free encoder)."""
    # segno writes the SVG itself from the URI's bits: no user-controlled markup reaches the page.
    return mark_safe(segno.make(uri, error="m").svg_inline(scale=5, dark="#101828", light="#ffffff"))  # noqa: S308
