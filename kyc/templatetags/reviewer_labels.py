"""Human names for document types and sides on the reviewer pages (the same labels as kyc.labels)."""

from django import template

from kyc.labels import DOCUMENT_TYPE_LABELS, SIDE_LABELS

register = template.Library()


@register.filter
def document_type_label(value: str) -> str:
    return DOCUMENT_TYPE_LABELS.get(str(value), value)


@register.filter
def side_label(value: str) -> str:
    return SIDE_LABELS.get(str(value), value)
