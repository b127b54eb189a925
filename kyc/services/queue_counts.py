"""Upkeep of the reviewer queue's counter table (kyc.models.queue_count): fold and recount.

The database's triggers append a row per change; these two jobs keep the table small and right:

- ``queue_counts_compact`` folds the rows into one per group (every minute, Celery beat), so the
  filter bar sums a few hundred rows, not one per change since the last fold;
- ``queue_counts_reconcile`` recounts every group from the cases and replaces the table (every
  hour, and ``manage.py queue_counts --reconcile``): it repairs any drift (the triggers missing
  for a while, rows written by hand) and says how many groups were wrong.

Both run without stopping writers: on PostgreSQL each is one statement, so the rows it deletes
and the cases it counts are read from the same snapshot; a change committed after that snapshot
keeps its row, which adds to the new totals. The two jobs take one advisory lock so that one
never folds rows the other is replacing.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Q, Sum

from kyc.models import Case, QueueCount

logger = logging.getLogger(__name__)

_KEY = ("state", "document_type", "issuing_country", "has_failed", "has_warned", "awaiting_second_approval",
        "assignee_id")
_LOCK = 7_720_401  # pg_advisory_xact_lock key of the two jobs


def _case_groups_sql() -> str:
    # The table name comes from the model, never from input.
    return (
        f"SELECT state, document_type, issuing_country, failed_findings_count > 0, warned_findings_count > 0, "  # noqa: S608
        f"awaiting_second_approval, COALESCE(assigned_to_id, 0), COUNT(*) FROM {Case._meta.db_table} "
        f"GROUP BY 1, 2, 3, 4, 5, 6, 7"
    )


@transaction.atomic
def queue_counts_compact() -> int:
    """Fold the counter rows into one per group (groups that sum to 0 disappear). Returns the
    number of rows left."""
    table, columns = QueueCount._meta.db_table, ", ".join(_KEY)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} RETURNING {columns}, n) "  # noqa: S608 (no user input)
                f"INSERT INTO {table} ({columns}, n) SELECT {columns}, SUM(n) FROM gone "
                f"GROUP BY {columns} HAVING SUM(n) <> 0"
            )
            return cursor.rowcount
    # SQLite: the transaction holds the database's write lock (IMMEDIATE), nothing changes meanwhile.
    groups = list(QueueCount.objects.values(*_KEY).annotate(total=Sum("n")).filter(~Q(total=0)))
    QueueCount.objects.all().delete()
    QueueCount.objects.bulk_create(QueueCount(n=group.pop("total"), **group) for group in groups)
    return len(groups)


@transaction.atomic
def queue_counts_reconcile() -> int:
    """Recount every group from the cases and replace the counter rows with the true counts.
    Returns how many groups were wrong (0 when the triggers kept every change)."""
    table, columns = QueueCount._meta.db_table, ", ".join(_KEY)
    if connection.vendor == "postgresql":
        key = " AND ".join(f"kept.{c} = real.{c}" for c in _KEY)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} RETURNING {columns}, n), "  # noqa: S608 (no user input)
                f"kept AS (SELECT {columns}, SUM(n) AS n FROM gone GROUP BY {columns} HAVING SUM(n) <> 0), "
                f"real ({columns}, n) AS ({_case_groups_sql()}), "
                f"stored AS (INSERT INTO {table} ({columns}, n) SELECT {columns}, n FROM real RETURNING 1) "
                f"SELECT (SELECT COUNT(*) FROM stored), COUNT(*) FROM kept FULL JOIN real ON {key} "
                f"WHERE kept.n IS DISTINCT FROM real.n"
            )
            _, wrong = cursor.fetchone()
    else:
        kept = {tuple(g[k] for k in _KEY): g["total"]
                for g in QueueCount.objects.values(*_KEY).annotate(total=Sum("n")).filter(~Q(total=0))}
        real = _real_groups()
        wrong = sum(1 for k in kept.keys() | real.keys() if kept.get(k) != real.get(k))
        QueueCount.objects.all().delete()
        QueueCount.objects.bulk_create(QueueCount(n=n, **dict(zip(_KEY, k, strict=True))) for k, n in real.items())
    if wrong:
        logger.warning("queue counts: %d groups were wrong and were recounted from the cases", wrong)
    return wrong


def _real_groups() -> dict[tuple, int]:
    with connection.cursor() as cursor:
        cursor.execute(_case_groups_sql())
        return {(s, t, c, bool(f), bool(w), bool(a), int(u)): n for s, t, c, f, w, a, u, n in cursor.fetchall()}
