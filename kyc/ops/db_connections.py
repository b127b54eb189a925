"""Database connections of a worker process kept from one task to the next, as Django keeps a web
process's from one request to the next.

Celery's Django fix-up closes every connection before and after every task (celery#9824 went back
to that, because ``close_if_unusable_or_obsolete`` alone cannot see every broken connection). On
PostgreSQL that is a new server process per read: a TCP connection, a backend fork and, for its
first statements, cold catalog caches, on the way from "submitted" to "ready for review".

Here (``CELERY_DB_REUSE_MAX`` turns the fix-up's closing off) a task starts and ends like a
request: a connection past ``CONN_MAX_AGE``, out of autocommit, or after an error it does not
survive is closed, and with ``CONN_HEALTH_CHECKS`` (PostgreSQL) the first statement of each task
is preceded by a ``SELECT 1`` probe that replaces a connection the server dropped meanwhile. A task
that did not succeed (an exception, a retry, a time limit) closes every connection: whatever it
interrupted is not left for the next task.
"""

from __future__ import annotations

from django.db import connections


def task_started(task=None, **_kwargs) -> None:
    """Before a task (``task_prerun``): drop what must not be reused; probe the rest on first use."""
    if _is_eager(task):
        return
    if _any_in_transaction():
        connections.close_all()
    else:
        _close_old()


def task_finished(task=None, state: str | None = None, **_kwargs) -> None:
    """After a task (``task_postrun``): keep the connections of a task that succeeded (within
    their age), close them after any other outcome."""
    if _is_eager(task):
        return
    if state != "SUCCESS" or _any_in_transaction():
        connections.close_all()
    else:
        _close_old()


def _is_eager(task) -> bool:
    # A task run in the caller's process (``apply()``, the tests) shares the caller's connection
    # and transaction: not ours to close (Celery's fix-up leaves it alone too).
    return bool(getattr(getattr(task, "request", None), "is_eager", False))


def _close_old() -> None:
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()


def _any_in_transaction() -> bool:
    # A task never leaves a transaction open; if one did, its connection is not to be trusted.
    return any(connection.in_atomic_block for connection in connections.all(initialized_only=True))
