"""What the applicant sees a document, a side and a case's state called, in every language.

One place for the pages, the emails and the errors the services raise, so that a side has the same
name everywhere; the terms and their Arabic and Chinese forms are in docs/glossary.md. Lazy: each is
translated when it is shown, in the language of whoever reads it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from kyc.i18n import human_list
from kyc.workflow import CaseState
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
}
# "Submitted" is also the label before the date a case was submitted (templates/applicant/status.html):
# the context keeps the two apart, since Arabic and Chinese say them differently.
STATE_LABELS = {
    CaseState.DRAFT.value: gettext_lazy("Not submitted yet"),
    CaseState.SUBMITTED.value: pgettext_lazy("case status", "Submitted"),
    CaseState.PROCESSING.value: gettext_lazy("Reading your document"),
    CaseState.READY_FOR_REVIEW.value: gettext_lazy("Waiting for a reviewer"),
    CaseState.NEEDS_ATTENTION.value: gettext_lazy("A reviewer is looking at your document"),
    CaseState.RESUBMISSION_REQUESTED.value: gettext_lazy("New images needed"),
    CaseState.APPROVED.value: gettext_lazy("Verified"),
    CaseState.REJECTED.value: gettext_lazy("Not verified"),
    CaseState.WITHDRAWN.value: gettext_lazy("Withdrawn"),
}


def side_list(kinds: Iterable[str]) -> str:
    """The sides named as the pages name them, joined as the active language joins a list."""
    return human_list(SIDE_LABELS[str(kind)] for kind in kinds)


def sides_missing_message(kinds: Iterable[str]) -> str:
    """What the applicant is told when they submit before every side is uploaded (active language)."""
    return gettext("Please add every side before submitting. Missing: %(sides)s.") % {"sides": side_list(kinds)}
