"""The emails an applicant receives, in their language, worded as the pages word them.

Every text is in the gettext catalogue (kyc/locale), with the terms of docs/glossary.md; each email
is written inside ``translation.override`` of the language the applicant chose when they started,
so a worker with no request writes it as the page would have.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kyc.access.applicants import resume_token
from kyc.domain.workflow import CaseState
from kyc.i18n.labels import UNREADABLE_RETURN_REASON, side_list
from kyc.models import Case, Decision
from kyc.selectors.cases import rejection_reasons_for_applicant

logger = logging.getLogger(__name__)


def email_language(language: str) -> str:
    """The supported language closest to the applicant's (``zh``, ``zh-CN`` → ``zh-hans``; ``ar-AE`` → ``ar``);
    English for any other."""
    try:
        return translation.get_supported_language_variant((language or "").lower().replace("_", "-"))
    except LookupError:
        return settings.LANGUAGE_CODE


def _subject(case: Case) -> str:
    return _("Your identity verification %(reference)s") % {"reference": case.reference}


def _link_valid_for() -> str:
    hours = settings.APPLICANT_LINK_MAX_AGE_SECONDS // 3600
    return ngettext("The link is valid for %(hours)d hour.", "The link is valid for %(hours)d hours.", hours) % {
        "hours": hours
    }


def _footer(case: Case) -> str:
    return _("Case reference: %(reference)s. Please quote it if you contact us.") % {"reference": case.reference}


def resume_link_email_send(*, case: Case, link: str) -> None:
    """Send the applicant the signed link that opens their case on any device."""
    with translation.override(email_language(case.applicant.language)):
        body = "\n\n".join(
            [
                _("Continue your identity verification with this link:\n%(link)s") % {"link": link},
                _link_valid_for(),
                _("If you did not start an identity verification, please ignore this email."),
                _footer(case),
            ]
        )
        send_mail(
            subject=_subject(case),
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[case.applicant.email],
            fail_silently=True,  # the page itself keeps working; the link is a convenience
        )


def _case_link(case: Case) -> str:
    """A fresh signed link to the case, or "" when the site's address is not configured."""
    if not settings.APPLICANT_BASE_URL:
        return ""
    return settings.APPLICANT_BASE_URL + reverse("applicant:resume", args=[resume_token(case)])


def _decision_paragraphs(decision: Decision) -> list[str]:
    case = decision.case
    if decision.outcome == Decision.Outcome.APPROVE:
        return [_("Good news: your identity has been verified. You can continue where you left off.")]
    if decision.outcome == Decision.Outcome.REJECT:
        paragraphs = [_("We could not verify your identity with the documents you sent, so your application was not approved.")]
        reasons = rejection_reasons_for_applicant(case=case, language=translation.get_language())
        if reasons:
            paragraphs.append("\n".join([_("Why:"), *(f"- {reason}" for reason in reasons)]))
        return [*paragraphs, _start_again_paragraph()]
    paragraphs = [_("A reviewer asked you for new images of: %(sides)s.") % {"sides": side_list(decision.requested_kinds)}]
    if decision.note:  # the reviewer's own words, shown as written (also on the status page)
        paragraphs.append(_("The reviewer's reason: %(note)s") % {"note": decision.note})
    return [*paragraphs, *_send_again_paragraphs(case)]


def _start_again_paragraph() -> str:
    """What a rejected applicant can do next, with the link to do it where one can be built."""
    if settings.APPLICANT_BASE_URL:
        return _("You can start a new verification with another valid document here:\n%(link)s") % {
            "link": settings.APPLICANT_BASE_URL + reverse("applicant:start")
        }
    return _("You can start a new verification with another valid document on our website.")


def _send_again_paragraphs(case) -> list[str]:
    """How to send the asked-for images again: with a fresh link when one can be built."""
    link = _case_link(case)
    if link:
        return [
            _("Please open your case with this link and send only these images again:\n%(link)s") % {"link": link},
            _link_valid_for(),
        ]
    return [_("Please open your case with the link in our first email and send only these images again.")]


def unreadable_return_email_send(*, case_id, kind: str) -> bool:
    """Ask for a new photo of a side the engine could not read, with the link back to the case."""
    case = Case.objects.select_related("applicant").filter(id=case_id).first()
    if case is None or case.state != CaseState.RESUBMISSION_REQUESTED or not case.applicant.email:
        return False
    with translation.override(email_language(case.applicant.language)):
        paragraphs = [
            _("We could not read your image of: %(sides)s.") % {"sides": side_list([kind])},
            _(UNREADABLE_RETURN_REASON),
        ]
        paragraphs += _send_again_paragraphs(case)
        send_mail(
            subject=_subject(case),
            message="\n\n".join([*paragraphs, _footer(case)]),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[case.applicant.email],
        )
    logger.info("unreadable-image email sent for case %s", case.reference)
    return True


def decision_email_send(*, decision_id) -> bool:
    """Send the applicant the email for a final decision. False when there is nothing to send."""
    decision = Decision.objects.select_related("case__applicant").filter(id=decision_id).first()
    if decision is None or decision.status != Decision.Status.FINAL:
        return False
    case = decision.case
    with translation.override(email_language(case.applicant.language)):
        send_mail(
            subject=_subject(case),
            message="\n\n".join([*_decision_paragraphs(decision), _footer(case)]),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[case.applicant.email],
        )
    logger.info("decision email sent for case %s", case.reference)
    return True
