"""Writes of the reviewer search's blind indexes (kyc.privacy.blind_index)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.db.models.constants import OnConflict
from django.db.models.sql.subqueries import InsertQuery

from kyc.models import CaseSearchDigest
from kyc.privacy.blind_index import DOCUMENT_IDENTITY, digests_for, document_identity_digest

# Fields of a reading whose values a reviewer may search for.
READING_NAME_FIELDS = ("full_name", "name", "surname", "given_names", "name_en", "name_zh")
READING_NUMBER_FIELDS = ("document_number", "card_number", "id_number")


def case_index_for_search(*, case_id, names: Iterable[str] = (), numbers: Iterable[str] = ()) -> None:
    """Add the digests of these values to the case's search index. Not audited: it records no new
    fact about the case, only a keyed digest of values whose own writes are audited."""
    pairs = digests_for(names=[n for n in names if n], numbers=[n for n in numbers if n])
    CaseSearchDigest.objects.bulk_create(
        [CaseSearchDigest(case_id=case_id, field=field, digest=value) for field, value in pairs],
        ignore_conflicts=True,
    )


def case_index_document_identity(*, case_id, identity_key: str) -> str:
    """Index the case's document identity (ocr_integration.documents.duplicates); its digest.

    One INSERT ... ON CONFLICT DO NOTHING (outside a transaction it commits by itself): the
    pipeline calls this before the reading's transaction, so that two cases with one document,
    read at the same time, cannot both miss each other; ``bulk_create`` would wrap the statement
    in a transaction of its own, two statements more per read."""
    value = document_identity_digest(identity_key)
    insert = InsertQuery(CaseSearchDigest, on_conflict=OnConflict.IGNORE)
    insert.insert_values([CaseSearchDigest._meta.get_field(name) for name in ("case", "field", "digest")],
                         [CaseSearchDigest(case_id=case_id, field=DOCUMENT_IDENTITY, digest=value)])
    connection = connections[router.db_for_write(CaseSearchDigest)]
    with connection.cursor() as cursor:
        for sql, params in insert.get_compiler(connection=connection).as_sql():
            cursor.execute(sql, params)
    return value


def reading_search_values(fields: dict) -> tuple[list[str], list[str]]:
    """(names, numbers) read in a reading's fields ({name: {"value": ...}})."""
    def values(names):
        return [str((fields.get(n) or {}).get("value") or "") for n in names if fields.get(n)]
    names = values(READING_NAME_FIELDS)
    surname = str((fields.get("surname") or {}).get("value") or "")
    given = str((fields.get("given_names") or {}).get("value") or "")
    if surname and given:
        names.append(f"{given} {surname}")
    return names, values(READING_NUMBER_FIELDS)
