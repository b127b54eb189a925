"""The reviewer's language, kept on their account (issue 15, point 6).

Before sign-in the language picker and the browser decide, as on the applicant pages (Django's
``set_language`` cookie, then Accept-Language). A signed-in staff member's choice is stored on
their account (``StaffPreferences``): it is copied into the session at sign-in, and
``ReviewerLanguageMiddleware`` applies it to every reviewer page, so a reviewer gets their
language on any browser without a query per page. Signing in also sets the language cookie, so
the sign-in page after signing out stays in that language.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kyc.core.audit import Actor
from kyc.errors import ValidationFailed
from kyc.selectors.staff import staff_language
from kyc.services.staff_preferences import staff_language_set
from kyc.views.reviewer.access import staff_permission_required

SESSION_KEY = "kyc_reviewer_language"


def _set_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def apply_account_language(request, response, *, user):
    """At sign-in: the account's language for this session (and the browser's cookie)."""
    language = staff_language(user=user)
    request.session[SESSION_KEY] = language
    if language:
        _set_cookie(response, language)
    return response


@staff_permission_required()
@require_POST
def choose_language(request):
    """The reviewer pages' language picker: kept on the account, applied at once."""
    target = request.POST.get("next", "")
    if not (target.startswith("/review/")
            and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})):
        target = reverse("reviewer:queue")
    language = request.POST.get("language", "")
    try:
        staff_language_set(user=request.user, language=language, actor=Actor.staff(request.user))
    except ValidationFailed as error:
        messages.error(request, str(error))
        return redirect(target)
    request.session[SESSION_KEY] = language
    response = redirect(target)
    _set_cookie(response, language)
    return response


class ReviewerLanguageMiddleware:
    """Reviewer pages in the signed-in staff member's own language (after AuthenticationMiddleware)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    @cached_property
    def prefix(self) -> str:
        return reverse("reviewer:queue")

    def __call__(self, request):
        if request.path_info.startswith(self.prefix):
            language = request.session.get(SESSION_KEY)
            if language is None and request.user.is_authenticated and request.user.is_staff:
                # A session signed in before the preference existed (or by force_login): looked up once.
                language = staff_language(user=request.user)
                request.session[SESSION_KEY] = language
            if language and language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
