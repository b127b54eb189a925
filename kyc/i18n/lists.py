"""Joining a list for people to read, in their language (Django has no helper for it).

The terms these lists join are in docs/glossary.md. A left-to-right run inside Arabic text (a
dimension such as 1200×800) is isolated in the Arabic catalogue itself, with U+2066 … U+2069,
where the translator sees it; tests/kyc/views/test_applicant_language.py keeps it there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext


def list_separator() -> str:
    """The separator between the items of a list in the active language.

    Arabic writes the Arabic comma (``، ``), Chinese the enumeration comma (``、``), English ``, ``.
    """
    # Translators: the separator between the items of a list, e.g. "front, back". Arabic: "، "; Chinese: "、".
    return pgettext("list separator", ", ")


def human_list(items: Iterable[object]) -> str:
    """The items (strings or lazy translations) as one phrase in the active language."""
    return list_separator().join(str(item) for item in items)
