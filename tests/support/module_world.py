"""A module's world of rows built once, for a module-scoped fixture, and rolled back at the end.

A permission matrix asks the same question of the same staff and cases in hundreds of tests;
building them per test cost ~0.15 s of CPU each. Built once inside a transaction that is rolled
back when the module ends, and each test run in a savepoint of its own (``db``), what one request
changes the next test still does not see. Tests keep ids, not objects, where they change rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction
from django.test import override_settings

T = TypeVar("T")


def built_once_and_rolled_back(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """For ``yield from`` in a module-scoped fixture: ``build()`` with the scripted OCR provider
    and a fast password hasher, its result yielded, every row it wrote rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            OCR_DEFAULT_PROVIDER="tests.support.providers:ScriptedProvider",
            OCR_ROUTING={},
        ):
            built = build()
        yield built
        transaction.set_rollback(True)
