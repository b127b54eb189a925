"""Re-encrypt every encrypted value and stored image with the newest key (the first in KYC_ENCRYPTION_KEYS).

Safe beside every other writer, the retention purge included: a column is written back only if it
still holds the ciphertext that was read (so an erasure or any change committed meanwhile wins), and
each case's files are rotated under the case's row lock, which the purge takes too.
"""

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from kyc.core.encryption import crypto
from kyc.core.encryption.fields import (
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedTextField,
)
from kyc.models import Document
from kyc.models.document import case_storage_prefix
from kyc.services.cases import lock_case

ENCRYPTED_FIELDS = (EncryptedTextField, EncryptedJSONField, EncryptedDateField)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        rows = 0
        for model in apps.get_models():
            columns = [f for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED_FIELDS)]
            if not columns:
                continue
            names = [f.attname for f in columns]
            # Raw stored values: the ciphertext is rotated without decoding it into Python values.
            last_pk = None
            while True:
                batch = _raw_rows(model, names, last_pk, batch_size)
                if not batch:
                    break
                with transaction.atomic():
                    for pk, *values in batch:
                        rotated = {
                            name: (value, crypto.rotate_text(value))
                            for name, value in zip(names, values, strict=True)
                            if value not in (None, "")
                        }
                        if rotated:
                            rows += _rotate_row(model, pk, rotated)
                last_pk = batch[-1][0]
        files = leftovers = 0
        rotate = getattr(default_storage, "rotate", None)
        if callable(rotate):
            stored = Document.objects.exclude(file="")
            for case_id in list(stored.order_by().values_list("case_id", flat=True).distinct()):
                # Under the case's lock, as the retention purge erases a case: a file erased while
                # this runs is either rotated before the purge or skipped after it (its name is
                # read under the lock), never put back on disk by the rotation's rename. Under the
                # lock no other rotation is writing a copy in the case's folder either, so any
                # temporary copy found there was left by a rotation that was killed.
                with transaction.atomic():
                    lock_case(case_id)
                    leftovers += default_storage.discard_interrupted_rotations(case_storage_prefix(case_id))
                    for name in stored.filter(case_id=case_id).values_list("file", flat=True):
                        if default_storage.exists(name):
                            rotate(name)
                            files += 1
        self.stdout.write(self.style.SUCCESS(
            f"Re-encrypted {rows} rows and {files} stored files with the newest key"
            + (f"; removed {leftovers} copies left by an interrupted rotation." if leftovers else ".")
        ))


def _raw_rows(model, names, last_pk, batch_size):
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
    where, params = ("", []) if last_pk is None else (f"WHERE {pk} > %s", [last_pk])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {columns} FROM {table} {where} ORDER BY {pk} LIMIT %s", [*params, batch_size])  # noqa: S608
        return cursor.fetchall()


def _rotate_row(model, pk, rotated: dict[str, tuple[str, str]]) -> int:
    """Write each rotated value only where the column still holds the value read; 1 if any was.

    The condition is evaluated on the row as it is when the update runs (PostgreSQL re-reads a row
    that a concurrent transaction changed once that one commits), so a value erased or changed
    after the batch was read is kept, not overwritten with the re-encrypted old one.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    assignments, conditions, params, where_params = [], [], [], []
    for name, (read, new) in rotated.items():
        column = connection.ops.quote_name(model._meta.get_field(name).column)
        assignments.append(f"{column} = CASE WHEN {column} = %s THEN %s ELSE {column} END")
        params += [read, new]
        conditions.append(f"{column} = %s")
        where_params.append(read)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(assignments)} WHERE {pk_column} = %s AND ({' OR '.join(conditions)})",  # noqa: S608
            [*params, pk, *where_params],
        )
        return cursor.rowcount
