"""What the applicant sees a document, a side and a case's state called, in every language.

One place for the pages, the emails and the errors the services raise, so that a side has the same
name everywhere; the terms and their Arabic and Chinese forms are in docs/glossary.md. Lazy: each is
translated when it is shown, in the language of whoever reads it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext_lazy

from kyc.domain.workflow import CaseState
from kyc.i18n.lists import human_list
from ocr_integration.documents.kinds import DocumentKind, DocumentType

DOCUMENT_TYPE_LABELS = {
    DocumentType.PASSPORT.value: gettext_lazy("Passport"),
    DocumentType.EMIRATES_ID.value: gettext_lazy("UAE Emirates ID"),
    DocumentType.CN_RESIDENT_ID.value: gettext_lazy("Chinese resident ID card"),
}
SIDE_LABELS = {
    DocumentKind.PASSPORT.value: gettext_lazy("Passport photo page"),
    DocumentKind.EMIRATES_ID_FRONT.value: gettext_lazy("Emirates ID, front"),
    DocumentKind.EMIRATES_ID_BACK.value: gettext_lazy("Emirates ID, back"),
    DocumentKind.CN_ID_PORTRAIT.value: gettext_lazy("Resident ID, side with your photo"),
    DocumentKind.CN_ID_EMBLEM.value: gettext_lazy("Resident ID, side with the national emblem"),
    DocumentKind.BANK_CARD.value: gettext_lazy("Bank card"),
    DocumentKind.SELFIE.value: gettext_lazy("Selfie"),
}
# The reason an unreadable image went back to the applicant (kyc.services.readings): stored as the
# case's state reason in English, translated when shown and in the email.
UNREADABLE_RETURN_REASON = gettext_noop(
    "We could not read this image. Please take a new photo of the whole document in good light,"
    " without glare, holding the camera steady."
)

# "Submitted" is also the label before the date a case was submitted (templates/applicant/status.html):
# the context keeps the two apart, since Arabic and Chinese say them differently.
STATE_LABELS = {
    CaseState.DRAFT.value: gettext_lazy("Not submitted yet"),
    CaseState.SUBMITTED.value: pgettext_lazy("case status", "Submitted"),
    CaseState.PROCESSING.value: gettext_lazy("Reading your document"),
    CaseState.READY_FOR_REVIEW.value: gettext_lazy("Waiting for a reviewer"),
    # Only true once someone has claimed it: see applicant_state_label.
    CaseState.NEEDS_ATTENTION.value: gettext_lazy("Waiting for a reviewer"),
    CaseState.RESUBMISSION_REQUESTED.value: gettext_lazy("New images needed"),
    CaseState.APPROVED.value: gettext_lazy("Verified"),
    CaseState.REJECTED.value: gettext_lazy("Not verified"),
    CaseState.WITHDRAWN.value: gettext_lazy("Withdrawn"),
}


def side_list(kinds: Iterable[str]) -> str:
    """The sides named as the pages name them, joined as the active language joins a list."""
    return human_list(SIDE_LABELS[str(kind)] for kind in kinds)


def applicant_state_label(*, state: str, claimed: bool) -> str:
    """What the applicant reads about their case: only what is true. "A reviewer is looking at your
    document" once a reviewer has claimed it, not before."""
    if claimed and state in (CaseState.READY_FOR_REVIEW.value, CaseState.NEEDS_ATTENTION.value):
        return gettext("A reviewer is looking at your document")
    return str(STATE_LABELS[state])


def resubmission_heading(*, state_reason: str) -> str:
    if state_reason == UNREADABLE_RETURN_REASON:  # the constant we store, never a reviewer's text
        return gettext("We could not read one of your images.")
    return gettext("A reviewer asked you for new images.")
