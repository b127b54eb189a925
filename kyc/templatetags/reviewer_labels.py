"""Human names for document types and sides on the reviewer pages (the same labels as kyc.i18n.labels)."""

from django import template
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext, pgettext_lazy

from kyc.i18n.labels import DOCUMENT_TYPE_LABELS, SIDE_LABELS

register = template.Library()

# What a reviewer reads a case's state, a decision and a finding's outcome called. The models keep
# their English choice labels (changing them would be a migration for every language); these are
# the same words, translated when shown.
REVIEW_STATE_LABELS = {
    "draft": pgettext_lazy("case state", "Draft"),
    "submitted": pgettext_lazy("case state", "Submitted"),
    "processing": pgettext_lazy("case state", "Processing"),
    "ready_for_review": pgettext_lazy("case state", "Ready for review"),
    "needs_attention": pgettext_lazy("case state", "Needs attention"),
    "resubmission_requested": pgettext_lazy("case state", "Resubmission requested"),
    "approved": pgettext_lazy("case state", "Approved"),
    "rejected": pgettext_lazy("case state", "Rejected"),
    "withdrawn": pgettext_lazy("case state", "Withdrawn"),
}
OUTCOME_LABELS = {
    "approve": pgettext_lazy("decision", "Approve"),
    "reject": pgettext_lazy("decision", "Reject"),
    "request_resubmission": pgettext_lazy("decision", "Ask for resubmission"),
}
DECISION_STATUS_LABELS = {
    "final": pgettext_lazy("decision status", "Final"),
    "awaiting_second": gettext_lazy("Waiting for a second senior reviewer"),
    "declined": gettext_lazy("Declined by the second reviewer"),
}
FINDING_OUTCOME_LABELS = {
    "fail": pgettext_lazy("finding outcome", "FAIL"),
    "warn": pgettext_lazy("finding outcome", "WARN"),
    "pass": pgettext_lazy("finding outcome", "PASS"),
}
READING_ROLE_LABELS = {
    "primary": gettext_lazy("Primary reader"),
    "second": gettext_lazy("Second, independent reader"),
}


@register.filter
def review_state_label(value: str) -> str:
    return str(REVIEW_STATE_LABELS.get(str(value), value))


@register.filter
def outcome_label(value: str) -> str:
    return str(OUTCOME_LABELS.get(str(value), value))


@register.filter
def decision_status_label(value: str) -> str:
    return str(DECISION_STATUS_LABELS.get(str(value), value))


@register.filter
def finding_outcome_label(value: str) -> str:
    return str(FINDING_OUTCOME_LABELS.get(str(value), value))


@register.filter
def reading_role_label(value: str) -> str:
    return str(READING_ROLE_LABELS.get(str(value), value))


@register.filter
def document_type_label(value: str) -> str:
    return DOCUMENT_TYPE_LABELS.get(str(value), value)


@register.filter
def side_label(value: str) -> str:
    return SIDE_LABELS.get(str(value), value)


def _duration(seconds: int) -> str:
    hours, rest = divmod(abs(seconds), 3600)
    minutes = rest // 60
    if hours >= 48:
        return ngettext("%(n)d day", "%(n)d days", hours // 24) % {"n": hours // 24}
    if hours:
        return gettext("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return gettext("%(m)d min") % {"m": minutes}


@register.filter
def sla_timer(left) -> str:
    """Time left before the SLA target, or how long past it."""
    if left is None:
        return ""
    seconds = int(left.total_seconds())
    if seconds < 0:
        return gettext("over by %(t)s") % {"t": _duration(seconds)}
    return gettext("%(t)s left") % {"t": _duration(seconds)}


@register.simple_tag
def sort_link(current: str, key: str) -> str:
    """The sort value a column header links to: ascending first, then descending."""
    return f"-{key}" if current == key else key


@register.filter(name="field_label")
def field_label_filter(value: str) -> str:
    """A field's name as a reviewer reads it (birth date, not birth_date)."""
    from kyc.selectors.evidence import field_label

    return field_label(str(value))


READ_STATE_LABELS = {
    "pending": gettext_lazy("Waiting to be read"),
    "reading": gettext_lazy("Being read"),
    "read": pgettext_lazy("document read state", "Read"),
    "failed": gettext_lazy("Could not be read"),
    # A selfie: no text on it for a reader; the face checks judge it.
    "not_read": gettext_lazy("Not read: no text on it"),
}


@register.filter
def read_state_label(value: str) -> str:
    return str(READ_STATE_LABELS.get(str(value), value))


# The reason codes migration 0003 seeds: their labels are data an admin may edit, so the decision
# panel translates a label only when it is still one of these (``{% translate rc.label %}``).
SEEDED_REASON_CODE_LABELS = (
    gettext_noop("Documents read cleanly and agree with each other"),
    gettext_noop("Verified by hand despite a failed automated check"),
    gettext_noop("The document has expired"),
    gettext_noop("Signs that the document was altered"),
    gettext_noop("The document's data disagree with each other or with the declaration"),
    gettext_noop("The applicant is below the minimum age"),
    gettext_noop("This document type or issuer is not accepted"),
    gettext_noop("An image is blurred, cropped or has glare"),
    gettext_noop("The wrong side or the wrong document was uploaded"),
)
