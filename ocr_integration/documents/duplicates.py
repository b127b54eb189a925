"""The same identity document behind more than one case.

A document is identified by what its issuer guarantees to be unique: a passport by its issuing
state and document number, an Emirates ID by its ID number (784-...), a Chinese resident ID by its
citizen identity number. A renewed passport has a new number and so is a new document; an
Emirates ID or Chinese ID number stays with the person, so a returning applicant matches their
earlier cases too. That is what a reviewer wants to know: the earlier case, its state and its
decision are one click away.

The caller (the Django side) keeps only keyed digests of these identities and finds the other
cases by digest; this module says what the identity is and what the finding says.

Public API:

- ``document_identities(document_type, readings) -> list[DocumentIdentity]``
- ``duplicate_document_finding(identity, others) -> Finding``
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .findings import Finding, Outcome
from .kinds import DocumentKind, DocumentType
from .reading import Reading

CODE = "DUPLICATE_DOCUMENT"
MEANING = "The same identity document (issuing state and number) was presented in another case."


@dataclass(frozen=True)
class DocumentIdentity:
    document_type: DocumentType
    issuing_state: str
    number: str  # letters and digits only, upper case
    document_kind: DocumentKind  # the side the number was read from

    @property
    def key(self) -> str:
        """What is digested: the type, the issuer and the number, so equal numbers of different
        issuers or document types never match."""
        return f"{self.document_type.value}|{self.issuing_state}|{self.number}"


@dataclass(frozen=True)
class OtherCase:
    """Another case with the same identity: what the reviewer needs to decide whether it matters."""

    case_id: str
    reference: str
    state: str


def _number(value: object) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", str(value or "")).upper()


def _value(reading: Reading, name: str) -> str:
    field = reading.fields.get(name)
    return str(field.value) if field is not None and field.value else ""


# (document type, the side carrying the number, the field, the issuing state when the type fixes it)
_NUMBER_SOURCES: dict[DocumentType, tuple[DocumentKind, str, str | None]] = {
    DocumentType.PASSPORT: (DocumentKind.PASSPORT, "document_number", None),
    DocumentType.EMIRATES_ID: (DocumentKind.EMIRATES_ID_FRONT, "id_number", "ARE"),
    DocumentType.CN_RESIDENT_ID: (DocumentKind.CN_ID_PORTRAIT, "id_number", "CHN"),
}
# An Emirates ID's number is also in its back's MRZ (optional data): used when the front gave none.
_FALLBACK_SOURCES = {DocumentType.EMIRATES_ID: (DocumentKind.EMIRATES_ID_BACK, "id_number")}


def document_identities(document_type: DocumentType, readings: Iterable[Reading]) -> list[DocumentIdentity]:
    """The identity of the case's document, from its primary readings (none when no number was read)."""
    document_type = DocumentType(document_type)
    by_kind = {reading.document_kind: reading for reading in readings}
    kind, field, fixed_state = _NUMBER_SOURCES[document_type]
    sources = [(kind, field)]
    if document_type in _FALLBACK_SOURCES:
        sources.append(_FALLBACK_SOURCES[document_type])
    for source_kind, source_field in sources:
        reading = by_kind.get(source_kind)
        if reading is None:
            continue
        number = _number(_value(reading, source_field))
        state = fixed_state or _number(_value(reading, "issuing_state"))
        if len(number) >= 5 and state:
            return [DocumentIdentity(document_type, state, number, source_kind)]
    return []


def duplicate_document_finding(identity: DocumentIdentity, others: Sequence[OtherCase]) -> Finding:
    """Pass when no other case has this document; warn, naming the other cases, when some have."""
    evidence = {"document_type": identity.document_type.value, "issuing_state": identity.issuing_state}
    if not others:
        return Finding(CODE, Outcome.PASS, "No other case presented this document.", evidence,
                       identity.document_kind.value)
    listed = [{"case_id": o.case_id, "reference": o.reference, "state": o.state} for o in others]
    references = ", ".join(o.reference for o in others)
    where = "another case" if len(others) == 1 else f"{len(others)} other cases"
    return Finding(
        CODE, Outcome.WARN,
        f"The same document was presented in {where}: {references}.",
        {**evidence, "other_cases": listed},
        identity.document_kind.value,
    )
