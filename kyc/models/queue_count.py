"""The reviewer queue's filter-bar counts, kept as signed changes instead of counted each time.

Counting every listable case for the filter bar (per state, mine, unassigned, failed, ...) was the
largest cost of a queue page at 100 000 cases (issue 21, point 4). Instead, every change to a
case's row that moves it between filter-bar groups appends a row here: -1 for the group it
leaves, +1 for the group it enters. The number of cases in a group is the sum of ``n`` over the
group's rows; `queue_counts_compact` folds the rows into one per group (a periodic task), and
`queue_counts_reconcile` recounts them from the cases (``manage.py queue_counts --reconcile``).

Why a database trigger writes the changes, not the services: the group of a case changes in six
services (state transitions, assignment, release, the checks' failed/warned counts, the second
approval, creation and erasure) and in bulk writes (``update()``, ``bulk_create``, deletes that
cascade), and a count that one forgotten path makes wrong is worse than none. The trigger is a
derived index, like the covering indexes of the queue: it holds no business rule, it runs in the
writing transaction (a rolled-back change leaves no count behind), and it only INSERTs, so two
transactions moving cases never wait for each other on a counter row (the per-case audit chains
were made for that; a shared counter row would be a global lock again).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models


class QueueCount(models.Model):
    """A signed number of cases entering (+) or leaving (-) one filter-bar group."""

    state = models.CharField(max_length=30)
    document_type = models.CharField(max_length=20)
    issuing_country = models.CharField(max_length=3)
    has_failed = models.BooleanField()  # failed_findings_count > 0
    has_warned = models.BooleanField()  # warned_findings_count > 0
    awaiting_second_approval = models.BooleanField()
    # The assignee's user id, 0 for nobody (not a foreign key: a count row outlives nobody, and
    # 0 rather than NULL keeps "unassigned" one group in GROUP BY and equality filters).
    assignee_id = models.BigIntegerField()
    n = models.IntegerField()

    class Meta:
        verbose_name = "queue count change"

    def __str__(self) -> str:
        return f"{self.state} {self.document_type} {self.n:+d}"


# The columns a group is made of, as the trigger computes them from a case row (OLD or NEW).
_GROUP_COLUMNS = "state, document_type, issuing_country, has_failed, has_warned, awaiting_second_approval, assignee_id, n"


def _group_values(row: str, sign: int) -> str:
    return (f"{row}.state, {row}.document_type, {row}.issuing_country, {row}.failed_findings_count > 0, "
            f"{row}.warned_findings_count > 0, {row}.awaiting_second_approval, COALESCE({row}.assigned_to_id, 0), "
            f"{sign}")


def _group_key(row: str) -> str:
    return (f"{row}.state, {row}.document_type, {row}.issuing_country, {row}.failed_findings_count > 0, "
            f"{row}.warned_findings_count > 0, {row}.awaiting_second_approval, {row}.assigned_to_id")


_WATCHED = "state, document_type, issuing_country, failed_findings_count, warned_findings_count, " \
           "awaiting_second_approval, assigned_to_id"


def _insert(table: str, row: str, sign: int) -> str:
    # Table and column names come from the models, never from input.
    return f"INSERT INTO {table} ({_GROUP_COLUMNS}) VALUES ({_group_values(row, sign)});"  # noqa: S608


def trigger_statements(vendor: str, *, case_table: str, count_table: str) -> list[str]:
    """CREATE statements of the triggers (idempotent: safe to run again)."""
    if vendor == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION kyc_queue_count_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN {_insert(count_table, 'OLD', -1)} END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN {_insert(count_table, 'NEW', 1)} END IF;
    RETURN NULL;
END $$""",
            f"""CREATE OR REPLACE TRIGGER kyc_case_queue_count_insert_delete AFTER INSERT OR DELETE ON {case_table}
FOR EACH ROW EXECUTE FUNCTION kyc_queue_count_track()""",
            f"""CREATE OR REPLACE TRIGGER kyc_case_queue_count_update AFTER UPDATE OF {_WATCHED} ON {case_table}
FOR EACH ROW WHEN (({_group_key('OLD')}) IS DISTINCT FROM ({_group_key('NEW')}))
EXECUTE FUNCTION kyc_queue_count_track()""",
        ]
    if vendor == "sqlite":
        unchanged = " AND ".join(f"(OLD.{c} IS NEW.{c})" for c in ("state", "document_type", "issuing_country",
                                                                   "awaiting_second_approval", "assigned_to_id")) + (
            " AND ((OLD.failed_findings_count > 0) IS (NEW.failed_findings_count > 0))"
            " AND ((OLD.warned_findings_count > 0) IS (NEW.warned_findings_count > 0))")
        return [
            f"""CREATE TRIGGER IF NOT EXISTS kyc_case_queue_count_insert AFTER INSERT ON {case_table}
BEGIN {_insert(count_table, 'NEW', 1)} END""",
            f"""CREATE TRIGGER IF NOT EXISTS kyc_case_queue_count_delete AFTER DELETE ON {case_table}
BEGIN {_insert(count_table, 'OLD', -1)} END""",
            f"""CREATE TRIGGER IF NOT EXISTS kyc_case_queue_count_update AFTER UPDATE OF {_WATCHED} ON {case_table}
WHEN NOT ({unchanged})
BEGIN {_insert(count_table, 'OLD', -1)} {_insert(count_table, 'NEW', 1)} END""",
        ]
    # The product runs on PostgreSQL and SQLite only (README); say so at migrate time on any other.
    raise ImproperlyConfigured(f"the review queue's counts need PostgreSQL or SQLite, not {vendor}")


def drop_statements(vendor: str, *, case_table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS kyc_case_queue_count_update ON {case_table}",
                f"DROP TRIGGER IF EXISTS kyc_case_queue_count_insert_delete ON {case_table}",
                "DROP FUNCTION IF EXISTS kyc_queue_count_track()"]
    return [f"DROP TRIGGER IF EXISTS kyc_case_queue_count_{name}" for name in ("insert", "delete", "update")]


def install_queue_count_triggers(connection) -> None:
    """Create the triggers on ``connection``'s database (again: a no-op when they exist).

    Called by the migration and after every ``migrate`` (SQLite drops a table's triggers when a
    later migration rebuilds the table, which it does to alter a column)."""
    from kyc.models.case import Case

    with connection.cursor() as cursor:
        for statement in trigger_statements(connection.vendor, case_table=Case._meta.db_table,
                                            count_table=QueueCount._meta.db_table):
            cursor.execute(statement)
