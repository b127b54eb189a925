"""Human names for document types and sides on the reviewer pages (the same labels as kyc.i18n.labels)."""

from django import template
from django.utils.translation import gettext, ngettext

from kyc.i18n.labels import DOCUMENT_TYPE_LABELS, SIDE_LABELS

register = template.Library()


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
