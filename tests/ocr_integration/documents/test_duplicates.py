"""What identifies a document for the duplicate search, and what the reviewer is told."""

from __future__ import annotations

from ocr_integration.documents.duplicates import (
    OtherCase,
    document_identities,
    duplicate_document_finding,
)
from ocr_integration.documents.kinds import DocumentKind as K
from ocr_integration.documents.kinds import DocumentType as T
from ocr_integration.documents.reading import ReadField, Reading


def reading(kind, **fields):
    return Reading("test", kind, {name: ReadField(value) for name, value in fields.items()})


def test_a_passport_is_its_issuer_and_number_so_equal_numbers_of_two_states_differ():
    [gbr] = document_identities(T.PASSPORT, [reading(K.PASSPORT, document_number="123 456-789", issuing_state="GBR")])
    [fra] = document_identities(T.PASSPORT, [reading(K.PASSPORT, document_number="123456789", issuing_state="FRA")])
    assert gbr.number == fra.number == "123456789"
    assert gbr.key != fra.key


def test_id_cards_are_their_holders_number_whichever_way_it_was_printed():
    [eid] = document_identities(T.EMIRATES_ID, [reading(K.EMIRATES_ID_FRONT, id_number="784-1990-1234567-1")])
    [same] = document_identities(T.EMIRATES_ID, [reading(K.EMIRATES_ID_BACK, id_number="784199012345671")])
    assert eid.key == same.key and eid.issuing_state == "ARE"
    [cn] = document_identities(T.CN_RESIDENT_ID, [reading(K.CN_ID_PORTRAIT, id_number="11010519491231002x")])
    assert cn.number == "11010519491231002X" and cn.issuing_state == "CHN"


def test_nothing_is_looked_up_when_no_number_or_issuer_was_read():
    assert document_identities(T.PASSPORT, [reading(K.PASSPORT, document_number="123456789")]) == []
    assert document_identities(T.PASSPORT, [reading(K.PASSPORT, issuing_state="GBR")]) == []
    assert document_identities(T.EMIRATES_ID, []) == []


def test_the_finding_names_the_other_cases_for_the_reviewer():
    [identity] = document_identities(T.PASSPORT, [reading(K.PASSPORT, document_number="X1234567", issuing_state="GBR")])
    alone = duplicate_document_finding(identity, [])
    assert alone.outcome == "pass" and "other_cases" not in alone.evidence
    shared = duplicate_document_finding(identity, [OtherCase("c1", "K-AAAA2222", "approved"),
                                                   OtherCase("c2", "K-BBBB3333", "rejected")])
    assert shared.outcome == "warn" and shared.document_kind == "passport"
    assert "K-AAAA2222" in shared.message and "K-BBBB3333" in shared.message and "2 other cases" in shared.message
    assert [o["reference"] for o in shared.evidence["other_cases"]] == ["K-AAAA2222", "K-BBBB3333"]
    assert "X1234567" not in repr(shared)  # the number itself is not repeated in the finding
