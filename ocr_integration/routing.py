"""Which provider reads which document kind: primary, fallback, and an independent second reader.

Configuration, not code: an enabled ``RoutingRule`` row (admin) wins; else ``settings.OCR_ROUTING`` (kind -> {"primary", "fallback",
"second_reader"}), overridden per kind by ``OCR_ROUTE_<KIND>="primary,fallback,second_reader"``
(``settings.OCR_VENDOR_ROUTES``; empty parts mean none). Kinds configured nowhere use
``settings.OCR_DEFAULT_PROVIDER`` alone.

Typical production routing: UAE documents on ``g42`` with ``local`` as fallback; foreign
passports on ``g42`` with ``local`` as second reader (Huawei returns only MRZ-derived fields for
non-Chinese passports, so the embedded engine supplies the visual zone and the MRZ); Chinese ID
sides on ``ctyun`` with ``local`` as second reader.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings

from .documents.kinds import DocumentKind
from .provider import ErrorClass, OcrError

# Our own image preparation refused the file: no other provider can read it either.
_LOCAL_IMAGE_CODES = frozenset({"not_an_image", "too_small", "too_large"})


@dataclass(frozen=True)
class Route:
    primary: str
    fallback: str | None = None
    second_reader: str | None = None


def _from_env(value: str) -> dict[str, str | None]:
    parts = [p.strip() or None for p in value.split(",")] + [None, None, None]
    return {"primary": parts[0], "fallback": parts[1], "second_reader": parts[2]}


# Routes already read inside a ``routes_read_once()`` block, per kind; None outside any block.
_read_once: ContextVar[dict[str, Route] | None] = ContextVar("routes_read_once", default=None)


@contextmanager
def routes_read_once() -> Iterator[None]:
    """Inside this block each kind's route is read once: one read task asks for its route several
    times (its batch group, then its reader) and must see one routing, with one query."""
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


def route_for(kind: DocumentKind) -> Route:
    remembered = _read_once.get()
    if remembered is None:
        return _route_for(kind)
    if str(kind) not in remembered:
        remembered[str(kind)] = _route_for(kind)
    return remembered[str(kind)]


def _route_for(kind: DocumentKind) -> Route:
    configured: dict[str, str | None] = dict(settings.OCR_ROUTING.get(str(kind)) or {})
    override = settings.OCR_VENDOR_ROUTES.get(str(kind))
    if override:
        configured = _from_env(override)
    rule = _admin_rule(kind)
    if rule is not None:
        configured = rule
    primary = configured.get("primary") or settings.OCR_DEFAULT_PROVIDER
    fallback = configured.get("fallback") or None
    second = configured.get("second_reader") or None
    return Route(primary, fallback if fallback != primary else None, second if second != primary else None)


def _admin_rule(kind: DocumentKind) -> dict[str, str | None] | None:
    """The admin's routing rule for ``kind`` (it wins over the environment), if any."""
    from .models import RoutingRule

    rule = RoutingRule.objects.filter(document_kind=str(kind), enabled=True).first()
    if rule is None:
        return None
    return {"primary": rule.primary, "fallback": rule.fallback or None, "second_reader": rule.second_reader or None}


def should_fall_back(exc: OcrError) -> bool:
    """Whether the fallback provider may succeed where the primary failed.

    Configuration errors (credentials, subscription, unsupported kind) and unknown failures: yes.
    An image the vendor refused (format, quality, "not a passport"): yes, the fallback reads
    differently — unless our own preparation refused it, which no provider can get past.
    Throttled and transient: no; the task retries the primary after the back-off.
    """
    if exc.error_class in (ErrorClass.CONFIGURATION, ErrorClass.UNKNOWN):
        return True
    if exc.error_class == ErrorClass.INVALID_IMAGE:
        return exc.code not in _LOCAL_IMAGE_CODES
    return False
