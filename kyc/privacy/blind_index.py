"""Blind indexes: keyed digests of names and document numbers, so that reviewers can find a case by
them while the values themselves stay encrypted at rest. A search digests the typed term the same
way and compares digests; the table is never decrypted.

Normalisation decides what matches: accents, case, punctuation and word order do not matter for a
name ("muller anna" finds "Müller, Anna"); each word of a name is indexed too, so a surname alone
finds the case. A document number keeps its letters and digits only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable

from django.conf import settings

NAME = "name"
DOCUMENT_NUMBER = "document_number"
# A whole document identity (type, issuer, number): finds the same document behind other cases.
DOCUMENT_IDENTITY = "document_identity"


def _key() -> bytes:
    configured = settings.SEARCH_INDEX_KEY
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"kyc-search-index", hashlib.sha256).digest()


def digest(field: str, normalised: str) -> str:
    # The field is part of the message: a name and a number that normalise alike stay apart.
    return hmac.new(_key(), f"{field}\x00{normalised}".encode(), hashlib.sha256).hexdigest()


def _name_words(value: str) -> list[str]:
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("<", " ")
    return [w for w in re.split(r"[\W_]+", text) if w]


def name_terms(value: str) -> set[str]:
    """The whole name (words in any order) and each word of it."""
    words = _name_words(value)
    if not words:
        return set()
    return {" ".join(sorted(words)), *words}


def name_query(value: str) -> str:
    words = _name_words(value)
    return " ".join(sorted(words))


def document_number_term(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


def digests_for(*, names: Iterable[str] = (), numbers: Iterable[str] = ()) -> set[tuple[str, str]]:
    """(field, digest) pairs to store for these values."""
    pairs = {(NAME, digest(NAME, term)) for value in names for term in name_terms(value)}
    pairs |= {(DOCUMENT_NUMBER, digest(DOCUMENT_NUMBER, term)) for value in numbers
              if (term := document_number_term(value))}
    return pairs


def document_identity_digest(identity_key: str) -> str:
    return digest(DOCUMENT_IDENTITY, identity_key)


def query_digests(term: str) -> list[str]:
    """The digests a typed search term may match (as a name, as a document number)."""
    found = []
    if name := name_query(term):
        found.append(digest(NAME, name))
    if number := document_number_term(term):
        found.append(digest(DOCUMENT_NUMBER, number))
    return found
