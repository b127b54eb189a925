"""The cross-check engine: every finding code, its outcome and its evidence."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocr_integration.documents import cn_resident_id, emirates_id, mrz
from ocr_integration.documents.crosschecks import (
    FINDING_CODES,
    CaseReadings,
    CheckPolicy,
    DeclaredData,
    check_case,
)
from ocr_integration.documents.findings import Outcome
from ocr_integration.documents.kinds import DocumentKind, DocumentType
from ocr_integration.documents.reading import ReadField, Reading

TODAY = date(2026, 11, 21)
POLICY = CheckPolicy()
PASS, WARN, FAIL = Outcome.PASS, Outcome.WARN, Outcome.FAIL
DOCS = Path(__file__).resolve().parents[3] / "docs" / "finding-codes.md"


# --- synthetic documents -------------------------------------------------------------------------


def _fields(confidence=0.95, **values):
    return {k: ReadField(v, confidence) for k, v in values.items() if v is not None}


def passport(provider="local", *, mrz_lines=None, mrz_kw=None, confidence=0.95, **printed):
    kw = dict(
        document_number="L898902C3", surname="Eriksson", given_names="Anna Maria", nationality="UTO",
        birth_date=date(1974, 8, 12), sex="F", expiry_date=date(2030, 4, 15), issuing_state="UTO",
        personal_number="ZE184226B",
    )
    kw.update(mrz_kw or {})
    lines = mrz.build_td3(**kw) if mrz_lines is None else mrz_lines
    values = dict(
        document_number=kw["document_number"], surname="Eriksson", given_names="Anna Maria",
        nationality="UTO", birth_date=kw["birth_date"].isoformat(), sex=kw["sex"] or None,
        expiry_date=kw["expiry_date"].isoformat(), issuing_state="UTO",
    )
    values.update(printed)
    return Reading(provider, DocumentKind.PASSPORT, _fields(confidence, **values), mrz_lines=tuple(lines))


def passport_case(reading=None, *, second=(), declared=None):
    return CaseReadings(
        DocumentType.PASSPORT, [reading or passport()], list(second), declared or DeclaredData()
    )


EID_NUMBER = emirates_id.make_id_number(1990, 1234567)


def eid_front(provider="g42", **printed):
    values = dict(
        id_number=EID_NUMBER, full_name="Fatima Al Mansouri", birth_date="1990-05-17",
        expiry_date="2029-06-01", sex="F", nationality="United Arab Emirates",
    )
    values.update(printed)
    return Reading(provider, DocumentKind.EMIRATES_ID_FRONT, _fields(**values))


def eid_back(provider="g42", *, mrz_kw=None, mrz_lines=None, **printed):
    kw = dict(
        document_code="IL", issuing_state="ARE", document_number="123456789",
        optional_data=EID_NUMBER.replace("-", ""), surname="Al Mansouri", given_names="Fatima",
        nationality="ARE", birth_date=date(1990, 5, 17), sex="F", expiry_date=date(2029, 6, 1),
    )
    kw.update(mrz_kw or {})
    lines = mrz.build_td1(**kw) if mrz_lines is None else mrz_lines
    values = dict(card_number="123456789")
    values.update(printed)
    return Reading(provider, DocumentKind.EMIRATES_ID_BACK, _fields(**values), mrz_lines=tuple(lines))


def eid_case(front=None, back=None, *, declared=None, omit=()):
    readings = []
    if "front" not in omit:
        readings.append(front or eid_front())
    if "back" not in omit:
        readings.append(back or eid_back())
    return CaseReadings(DocumentType.EMIRATES_ID, readings, [], declared or DeclaredData())


CN_BIRTH = date(1990, 3, 7)
CN_NUMBER = cn_resident_id.make_number("110105", CN_BIRTH, 123)  # odd: male


def cn_portrait(**printed):
    values = dict(full_name="张三", sex="男", ethnicity="汉", birth_date=CN_BIRTH.isoformat(),
                  address="北京市朝阳区某街1号", id_number=CN_NUMBER)
    values.update(printed)
    return Reading("ctyun", DocumentKind.CN_ID_PORTRAIT, _fields(**values))


def cn_emblem(**printed):
    values = dict(issuing_authority="北京市公安局朝阳分局", validity_period="2020.01.01-2040.01.01")
    values.update(printed)
    return Reading("ctyun", DocumentKind.CN_ID_EMBLEM, _fields(**values))


def cn_case(portrait=None, emblem=None, *, declared=None):
    return CaseReadings(
        DocumentType.CN_RESIDENT_ID, [portrait or cn_portrait(), emblem or cn_emblem()], [],
        declared or DeclaredData(),
    )


def bank(**values):
    base = dict(card_number_masked="411111******1111", card_brand="visa", card_number_luhn="valid",
                card_expiry="08/29", cardholder_name="ANNA MARIA ERIKSSON")
    base.update(values)
    return Reading("g42", DocumentKind.BANK_CARD, _fields(**{k: v for k, v in base.items() if v is not None}))


def run(case, policy=POLICY):
    return check_case(case, today=TODAY, policy=policy)


def only(findings, code, **evidence):
    """The single finding with ``code`` (and matching evidence keys)."""
    hits = [
        f for f in findings
        if f.code == code and all(f.evidence.get(k) == v for k, v in evidence.items())
    ]
    assert len(hits) == 1, (code, evidence, [(f.code, f.outcome, f.message) for f in findings])
    return hits[0]


def compared(finding):
    return {(c["source"], c["field"], c["value"]) for c in finding.evidence["compared"]}


# --- scenarios: one or more per finding code -----------------------------------------------------

_T1 = mrz.build_td3(
    document_number="L898902C3", surname="Eriksson", given_names="Anna Maria", nationality="UTO",
    birth_date=date(1974, 8, 12), sex="F", expiry_date=date(2030, 4, 15), issuing_state="UTO",
    personal_number="ZE184226B",
)


def _replace_line(lines, index, old, new):
    changed = list(lines)
    changed[index] = changed[index].replace(old, new)
    return tuple(changed)


def _check(findings, code, outcome, **evidence):
    finding = only(findings, code, **evidence)
    assert finding.outcome == outcome, finding.message
    assert finding.message and finding.message[0].isupper()
    return finding


def expect(findings, code, outcome, **evidence):
    return _check(findings, code, outcome, **evidence)


def test_clean_passport_passes_everything_and_says_what_it_checked():
    findings = run(passport_case(declared=DeclaredData("Anna Maria Eriksson", date(1974, 8, 12), "UTO")))
    assert all(f.outcome == PASS for f in findings), [(f.code, f.message) for f in findings if f.outcome != PASS]
    codes = [f.code for f in findings]
    for code in ("OCR_CONFIDENCE", "MRZ_DOCUMENT_TYPE", "MRZ_FIELDS_VALID", "VIZ_MRZ_NAME", "VIZ_MRZ_BIRTH_DATE",
                 "VIZ_MRZ_EXPIRY_DATE", "VIZ_MRZ_DOCUMENT_NUMBER", "VIZ_MRZ_NATIONALITY", "VIZ_MRZ_ISSUING_STATE",
                 "VIZ_MRZ_SEX", "DOC_EXPIRY", "APPLICANT_AGE", "DECLARED_NAME", "DECLARED_BIRTH_DATE",
                 "DECLARED_NATIONALITY"):
        expect(findings, code, PASS)
    f = expect(findings, "MRZ_FIELDS_VALID", PASS)
    assert f.evidence["format"] == "TD3"
    assert codes.count("MRZ_CHECK_DIGIT") == 5
    expect(findings, "MRZ_CHECK_DIGIT", PASS, check="composite")
    assert all(f.document_kind == "passport" for f in findings)


def test_birth_date_front_differs_from_mrz():
    f = expect(run(passport_case(passport(birth_date="1974-08-21"))), "VIZ_MRZ_BIRTH_DATE", FAIL)
    assert f.message == "Birth date on the data page (1974-08-21) differs from the MRZ (1974-08-12)."
    assert compared(f) == {("visual", "birth_date", "1974-08-21"), ("mrz", "birth_date", "1974-08-12")}
    assert {c["provider"] for c in f.evidence["compared"]} == {"local"}


def test_expiry_date_front_differs_from_mrz():
    f = expect(run(passport_case(passport(expiry_date="2030-04-16"))), "VIZ_MRZ_EXPIRY_DATE", FAIL)
    assert ("mrz", "expiry_date", "2030-04-15") in compared(f)


def test_century_is_taken_from_the_printed_date():
    # Born 1925: the MRZ's 25 alone would read as 2025, an infant.
    reading = passport(mrz_kw={"birth_date": date(1925, 3, 1)}, birth_date="1925-03-01")
    findings = run(passport_case(reading))
    expect(findings, "VIZ_MRZ_BIRTH_DATE", PASS)
    age = expect(findings, "APPLICANT_AGE", PASS)
    assert age.evidence["age"] == 101


def test_document_number_mismatch_and_confusion():
    f = expect(run(passport_case(passport(document_number="X12345678"))), "VIZ_MRZ_DOCUMENT_NUMBER", FAIL)
    assert ("visual", "document_number", "X12345678") in compared(f)
    f = expect(run(passport_case(passport(document_number="L8989O2C3"))), "VIZ_MRZ_DOCUMENT_NUMBER", WARN)
    assert "O/0" in f.message


def test_nationality_sex_and_issuing_state_against_mrz():
    findings = run(passport_case(passport(nationality="India", sex="M", issuing_state="Atlantis")))
    f = expect(findings, "VIZ_MRZ_NATIONALITY", FAIL)
    assert f.evidence["printed_as_code"] == "IND"
    expect(findings, "VIZ_MRZ_SEX", FAIL)
    expect(findings, "VIZ_MRZ_ISSUING_STATE", WARN)
    f = expect(run(passport_case(passport(nationality="Utopia"))), "VIZ_MRZ_NATIONALITY", PASS)
    assert ("mrz", "nationality", "UTO") in compared(f)
    expect(run(passport_case(passport(issuing_state="Germany"))), "VIZ_MRZ_ISSUING_STATE", FAIL)


def test_name_similarity_bands():
    f = expect(run(passport_case(passport(surname="Eriksón"))), "VIZ_MRZ_NAME", WARN)
    assert 0.85 <= f.evidence["similarity"] < 0.95
    f = expect(run(passport_case(passport(surname="Smith", given_names="John"))), "VIZ_MRZ_NAME", FAIL)
    assert compared(f) == {("visual", "surname", "Smith"), ("mrz", "surname", "ERIKSSON"),
                           ("visual", "given_names", "John"), ("mrz", "given_names", "ANNA MARIA")}
    strict = CheckPolicy(name_similarity_pass=1.0, name_similarity_warn=0.99)
    expect(run(passport_case(passport(surname="Eriksón")), strict), "VIZ_MRZ_NAME", FAIL)


def test_truncated_mrz_name_is_compared_on_its_length():
    long = dict(surname="Vanderbergenhausen", given_names="Maximiliana Josephina Alexandra")
    reading = passport(mrz_kw=long, **long)
    findings = run(passport_case(reading))
    expect(findings, "MRZ_NAME_TRUNCATED", WARN)
    f = expect(findings, "VIZ_MRZ_NAME", PASS)
    assert f.evidence["mrz_truncated"] is True


def test_name_in_another_script_is_not_compared():
    f = expect(run(passport_case(passport(surname="李", given_names="四"))), "NAME_NOT_COMPARABLE", WARN)
    assert f.evidence["scripts"][0] == "han"


def test_garbled_printed_date_is_reported_not_raised():
    f = expect(run(passport_case(passport(birth_date="12/O8/74"))), "FIELD_UNREADABLE", WARN)
    assert compared(f) == {("visual", "birth_date", "12/O8/74")}


def test_missing_mrz_lines():
    findings = run(passport_case(passport(mrz_lines=())))
    f = expect(findings, "MRZ_MISSING", FAIL)
    assert f.document_kind == "passport"


def test_unreadable_mrz():
    f = expect(run(passport_case(passport(mrz_lines=("P<UTOERIKSSON", "garbage")))), "MRZ_UNREADABLE", FAIL)
    assert f.evidence["lines"] == ["P<UTOERIKSSON", "GARBAGE"]


def test_wrong_document_type_for_a_passport():
    td1 = mrz.build_td1(
        document_number="D23145890", surname="Eriksson", given_names="Anna", nationality="UTO",
        birth_date=date(1974, 8, 12), sex="F", expiry_date=date(2030, 4, 15), issuing_state="UTO",
    )
    f = expect(run(passport_case(passport(mrz_lines=td1))), "MRZ_DOCUMENT_TYPE", FAIL)
    assert f.evidence["format"] == "TD1" and f.evidence["expected_formats"] == ["TD3"]


def test_failed_check_digit_names_data_found_and_expected():
    lines = _replace_line(_T1, 1, "L898902C36", "L898902C37")
    findings = run(passport_case(passport(mrz_lines=lines)))
    f = expect(findings, "MRZ_CHECK_DIGIT", FAIL, check="document_number")
    assert (f.evidence["data"], f.evidence["found"], f.evidence["expected"]) == ("L898902C3", "7", "6")
    assert "shows 7" in f.message and "gives 6" in f.message


def test_mrz_correction_is_reported_with_every_change():
    lines = _replace_line(_T1, 1, "L898902C3", "L8989O2C3")
    findings = run(passport_case(passport(mrz_lines=lines)))
    f = expect(findings, "MRZ_CORRECTED", WARN)
    assert f.evidence["corrections"] == [
        {"line": 2, "position": 6, "field": "document_number", "read": "O", "corrected": "0",
         "verified_by_check_digits": True}
    ]
    assert "read 'O', corrected to '0'" in f.message
    expect(findings, "MRZ_CHECK_DIGIT", PASS, check="document_number")
    # With correction off the same MRZ fails.
    findings = run(passport_case(passport(mrz_lines=lines)), CheckPolicy(mrz_correction=False))
    expect(findings, "MRZ_CHECK_DIGIT", FAIL, check="document_number")


def test_ambiguous_mrz_correction():
    lines = _replace_line(_T1, 1, "ZE184226B", "ZE1842Z6B")
    f = expect(run(passport_case(passport(mrz_lines=lines))), "MRZ_CORRECTION_AMBIGUOUS", WARN)
    assert f.evidence["candidates"] >= 2


def test_invalid_mrz_field_and_warning():
    lines = _replace_line(_T1, 1, "UTO7408", "QQQ7408")
    f = expect(run(passport_case(passport(mrz_lines=lines))), "MRZ_FIELD_INVALID", FAIL)
    assert (f.evidence["problem"], f.evidence["field"], f.evidence["value"]) == (
        "nationality_unknown", "nationality", "QQQ",
    )
    reading = passport(mrz_kw={"expiry_date": date(2050, 1, 1)}, expiry_date="2050-01-01")
    f = expect(run(passport_case(reading)), "MRZ_FIELD_WARNING", WARN)
    assert f.evidence["problem"] == "expiry_implausible"


def test_expiry_outcomes():
    soon = passport(mrz_kw={"expiry_date": date(2027, 1, 10)}, expiry_date="2027-01-10")
    f = expect(run(passport_case(soon)), "DOC_EXPIRY", WARN)
    assert f.evidence["days_left"] == 50
    assert ("mrz", "expiry_date", "2027-01-10") in compared(f)
    gone = passport(mrz_kw={"expiry_date": date(2026, 11, 20)}, expiry_date="2026-11-20")
    f = expect(run(passport_case(gone)), "DOC_EXPIRY", FAIL)
    assert f.message == "The document expired on 2026-11-20."
    expect(run(passport_case(soon), CheckPolicy(expiry_warning_days=30)), "DOC_EXPIRY", PASS)


def test_expiry_falls_back_to_the_printed_date_when_the_mrz_check_fails():
    lines = _replace_line(_T1, 1, "3004157", "3004158")
    f = expect(run(passport_case(passport(mrz_lines=lines), )), "DOC_EXPIRY", PASS)
    assert f.evidence["compared"][0]["source"] == "visual"


def test_unknown_expiry_and_age():
    reading = Reading("local", DocumentKind.PASSPORT, {}, mrz_lines=("nonsense",))
    findings = run(passport_case(reading))
    expect(findings, "DOC_EXPIRY_UNKNOWN", FAIL)
    expect(findings, "APPLICANT_AGE_UNKNOWN", FAIL)


def test_minor_and_implausible_age():
    minor = passport(mrz_kw={"birth_date": date(2010, 1, 1)}, birth_date="2010-01-01")
    f = expect(run(passport_case(minor)), "APPLICANT_AGE", FAIL)
    assert f.evidence["age"] == 16 and f.evidence["minimum_age"] == 18
    expect(run(passport_case(minor), CheckPolicy(minimum_age_years=16)), "APPLICANT_AGE", PASS)
    old = passport(mrz_kw={"birth_date": date(1930, 1, 1)}, birth_date="1930-01-01")
    expect(run(passport_case(old), CheckPolicy(maximum_age_years=90)), "APPLICANT_AGE", WARN)


def test_low_confidence():
    f = expect(run(passport_case(passport(confidence=0.5))), "OCR_CONFIDENCE", WARN)
    assert f.evidence["minimum"] == 0.8
    assert {"field": "surname", "confidence": 0.5} in f.evidence["low_fields"]


def test_declared_data():
    case = passport_case(declared=DeclaredData("John Smith", date(1974, 8, 13), "India"))
    findings = run(case)
    f = expect(findings, "DECLARED_NAME", FAIL)
    assert ("declared", "name", "John Smith") in compared(f)
    f = expect(findings, "DECLARED_BIRTH_DATE", FAIL)
    assert compared(f) == {("declared", "birth_date", "1974-08-13"), ("mrz", "birth_date", "1974-08-12")}
    expect(findings, "DECLARED_NATIONALITY", FAIL)
    f = expect(run(passport_case(declared=DeclaredData("Anna Eriksson"))), "DECLARED_NAME", WARN)
    assert f.evidence["omitted"] == ["MARIA"]
    expect(run(passport_case(declared=DeclaredData(nationality="Narnia"))), "DECLARED_NATIONALITY", WARN)


def test_duplicate_and_missing_sides():
    case = CaseReadings(DocumentType.PASSPORT, [passport("local"), passport("huawei")])
    f = expect(run(case), "DOC_DUPLICATE_READING", WARN)
    assert f.evidence["providers"] == ["local", "huawei"]
    f = expect(run(eid_case(omit=("back",))), "DOC_SIDE_MISSING", FAIL)
    assert f.evidence["missing"] == "emirates_id_back"


def test_second_reader_disagreement():
    other = passport("huawei", mrz_kw={"birth_date": date(1974, 8, 13)}, birth_date="1974-08-13")
    findings = run(passport_case(second=[other]))
    f = expect(findings, "READERS_DISAGREE", FAIL, check_valid={"local": True, "huawei": True})
    assert f"{f.evidence['compared'][0]['field']}" == "birth_date"
    providers = {c["provider"] for c in f.evidence["compared"]}
    assert providers == {"local", "huawei"}


def test_second_reader_with_a_bad_check_digit_is_a_warning():
    lines = _replace_line(_T1, 1, "L898902C36", "L898902C46")
    other = passport("huawei", mrz_lines=lines)
    findings = run(passport_case(second=[other]), CheckPolicy(mrz_correction=False))
    f = expect(findings, "READERS_DISAGREE", WARN)
    assert "huawei probably misread" in f.message


def test_second_reader_agreement():
    f = expect(run(passport_case(second=[passport("huawei")])), "READERS_AGREE", PASS)
    assert "mrz.document_number" in f.evidence["fields"]


def test_internal_error_becomes_a_finding():
    class Garbled:
        def __str__(self):
            raise RuntimeError("adapter bug")

    reading = passport(surname=Garbled())
    findings = run(passport_case(reading))
    f = expect(findings, "CHECK_ERROR", FAIL)
    assert f.evidence == {"check": "passport", "error": "RuntimeError"}
    expect(findings, "OCR_CONFIDENCE", PASS)  # the other checks still ran
    expect(findings, "DOC_EXPIRY_UNKNOWN", FAIL)


# --- names component by component, digits in MRZ names, and what was not read --------------------


def not_read(findings):
    return [f for f in findings if f.code == "VIZ_FIELD_NOT_READ"]


def test_a_surname_read_alone_is_compared_with_the_primary_identifier_only():
    # A bilingual data page where the reader found only the surname: before, "Eriksson" against
    # "ERIKSSON ANNA MARIA" scored 0.50 and failed every genuine passport.
    findings = run(passport_case(passport(given_names=None)))
    assert not [f for f in findings if f.outcome == FAIL], [(f.code, f.message) for f in findings]
    f = expect(findings, "VIZ_MRZ_NAME", PASS)
    assert f.evidence["components"] == [
        {"component": "surname", "visual": "Eriksson", "mrz": "ERIKSSON", "similarity": 1.0}
    ]
    assert compared(f) == {("visual", "surname", "Eriksson"), ("mrz", "surname", "ERIKSSON")}
    assert "Only the surname was read" in f.message
    gap = expect(findings, "VIZ_FIELD_NOT_READ", WARN)
    assert gap.evidence["fields"] == ["given_names"]
    assert compared(gap) == {("visual", "given_names", None), ("mrz", "given_names", "ANNA MARIA")}
    assert gap.message == ("Given names on the data page were not read, so they were not compared with the"
                           " secondary identifier in the MRZ (ANNA MARIA). Check the image.")


def test_given_names_read_alone_are_compared_with_the_secondary_identifier():
    findings = run(passport_case(passport(surname=None, given_names="Anna Maria")))
    f = expect(findings, "VIZ_MRZ_NAME", PASS)
    assert [c["component"] for c in f.evidence["components"]] == ["given_names"]
    assert expect(findings, "VIZ_FIELD_NOT_READ", WARN).evidence["fields"] == ["surname"]


def test_each_name_component_is_scored_and_listed():
    f = expect(run(passport_case(passport(given_names="Anna Marta"))), "VIZ_MRZ_NAME", WARN)
    scores = {c["component"]: c["similarity"] for c in f.evidence["components"]}
    assert scores["surname"] == 1.0 and 0.85 <= scores["given_names"] < 0.95
    assert f.evidence["similarity"] == scores["given_names"]
    # A wrong surname fails even when the given names match.
    f = expect(run(passport_case(passport(surname="Andersson"))), "VIZ_MRZ_NAME", FAIL)
    assert {c["component"]: c["similarity"] for c in f.evidence["components"]}["given_names"] == 1.0


def test_transliteration_is_tolerated_per_component():
    reading = passport(mrz_kw={"surname": "Müller", "given_names": "Jürgen"}, surname="Müller", given_names="Jürgen")
    assert reading.mrz_lines[0].startswith("P<UTOMUELLER<<JUERGEN<")
    f = expect(run(passport_case(reading)), "VIZ_MRZ_NAME", PASS)
    assert [c["mrz"] for c in f.evidence["components"]] == ["MUELLER", "JUERGEN"]


def test_exchanged_surname_and_given_names_warn_instead_of_failing():
    f = expect(run(passport_case(passport(surname="Anna Maria", given_names="Eriksson"))), "VIZ_MRZ_NAME", WARN)
    assert f.evidence["swapped"] is True
    assert "exchanged" in f.message


def test_truncated_mrz_name_is_compared_per_component_on_its_length():
    long = dict(surname="Vanderbergenhausen", given_names="Maximiliana Josephina Alexandra")
    f = expect(run(passport_case(passport(mrz_kw=long, **long))), "VIZ_MRZ_NAME", PASS)
    # The field (39 characters) ends inside the second given name.
    assert f.evidence["components"][1] == {"component": "given_names", "visual": long["given_names"],
                                           "mrz": "MAXIMILIANA JOSEPHI", "similarity": 1.0}
    expect(run(passport_case(passport(mrz_kw=long, surname=long["surname"], given_names="Karolina Josephina"))),
           "VIZ_MRZ_NAME", FAIL)


def test_digits_read_for_letters_in_mrz_names_are_repaired_not_failed():
    # O read as 0 in a surname (D0E) and a given name (0SCAR) on a genuine passport.
    kw = {"surname": "Doe", "given_names": "Oscar"}
    lines = passport(mrz_kw=kw).mrz_lines
    misread = _replace_line(lines, 0, "DOE<<OSCAR", "D0E<<0SCAR")
    findings = run(passport_case(passport(mrz_lines=misread, surname="Doe", given_names="Oscar")))
    assert not [f for f in findings if f.outcome == FAIL], [(f.code, f.message) for f in findings if f.outcome == FAIL]
    f = expect(findings, "MRZ_CORRECTED", WARN)
    assert [(c["field"], c["read"], c["corrected"], c["verified_by_check_digits"]) for c in f.evidence["corrections"]] == [
        ("name", "0", "O", False), ("name", "0", "O", False),
    ]
    assert "a name cannot hold a digit" in f.message
    expect(findings, "MRZ_FIELDS_VALID", PASS)
    expect(findings, "VIZ_MRZ_NAME", PASS)


def test_a_state_code_zero_is_repaired_only_into_a_known_code():
    findings = run(passport_case(passport(mrz_lines=_replace_line(_T1, 1, "UTO7408", "UT07408"))))
    f = expect(findings, "MRZ_CORRECTED", WARN)
    assert [(c["field"], c["read"], c["corrected"]) for c in f.evidence["corrections"]] == [("nationality", "0", "O")]
    expect(findings, "VIZ_MRZ_NATIONALITY", PASS)
    # "Q0Q" is no code whichever letter the 0 stands for: left alone, and the MRZ field fails.
    f = expect(run(passport_case(passport(mrz_lines=_replace_line(_T1, 1, "UTO7408", "Q0Q7408")))),
               "MRZ_FIELD_INVALID", FAIL)
    assert f.evidence["value"] == "Q0Q"


def test_a_printed_birth_date_that_was_not_read_is_reported_not_passed():
    findings = run(passport_case(passport(birth_date=None)))
    assert "VIZ_MRZ_BIRTH_DATE" not in {f.code for f in findings}
    f = expect(findings, "VIZ_FIELD_NOT_READ", WARN)
    assert f.evidence["fields"] == ["birth_date"] and f.evidence["visual_zone_read"] is True
    assert compared(f) == {("visual", "birth_date", None), ("mrz", "birth_date", "1974-08-12")}
    assert f.message == ("Birth date on the data page was not read, so it was not compared with the MRZ"
                         " (1974-08-12). Check the image.")
    # Read and different: a failure, as before.
    expect(run(passport_case(passport(birth_date="1975-08-12"))), "VIZ_MRZ_BIRTH_DATE", FAIL)


def test_every_printed_field_the_reader_missed_is_named():
    reading = passport(given_names=None, birth_date=None, expiry_date=None, nationality=None,
                       issuing_state=None, sex=None, document_number=None)
    findings = run(passport_case(reading))
    missing = sorted(f.evidence["fields"][0] for f in not_read(findings))
    assert missing == ["birth_date", "document_number", "expiry_date", "given_names", "issuing_state",
                       "nationality", "sex"]
    assert all(f.outcome == WARN and f.document_kind == "passport" for f in not_read(findings))


def test_an_unspecified_sex_in_the_mrz_needs_no_printed_sex():
    findings = run(passport_case(passport(mrz_kw={"sex": ""}, sex=None)))
    assert not not_read(findings)


def test_a_reader_of_the_mrz_only_gives_one_finding_not_a_flood():
    # A provider that returns the MRZ and no printed field (general-text readers; a visual zone
    # the reader did not find): before, this showed only passes and no warning.
    reading = Reading("huawei_text", DocumentKind.PASSPORT, {}, mrz_lines=_T1)
    findings = run(passport_case(reading))
    f = expect(findings, "VIZ_FIELD_NOT_READ", WARN)
    assert f.evidence["visual_zone_read"] is False and f.evidence["provider"] == "huawei_text"
    assert f.evidence["fields"] == ["name", "birth_date", "expiry_date", "document_number", "nationality",
                                   "issuing_state", "sex"]
    assert ("mrz", "birth_date", "1974-08-12") in compared(f) and ("visual", "birth_date", None) in compared(f)
    assert "was not read by 'huawei_text'" in f.message and "reads only the MRZ" in f.message
    assert not [x for x in findings if x.outcome == FAIL]
    assert not {x.code for x in findings} & {"VIZ_MRZ_NAME", "VIZ_MRZ_BIRTH_DATE", "VIZ_MRZ_SEX"}


def test_a_degraded_read_with_only_unrelated_fields_is_one_finding_too():
    reading = Reading("local", DocumentKind.PASSPORT, _fields(document_code="P", place_of_birth="ZENDA"),
                      mrz_lines=_T1)
    f = expect(run(passport_case(reading)), "VIZ_FIELD_NOT_READ", WARN)
    assert f.evidence["visual_zone_read"] is False and len(f.evidence["fields"]) == 7
    assert f.message.startswith("The reader 'local' read none of the printed fields on the data page that are"
                                " compared with the MRZ (name, birth date, expiry date, document number,")


# --- Emirates ID ---------------------------------------------------------------------------------


def test_clean_emirates_id():
    findings = run(eid_case(declared=DeclaredData("Fatima Al Mansouri", date(1990, 5, 17), "ARE")))
    bad = [(f.code, f.message) for f in findings if f.outcome != PASS]
    assert not bad
    for code in ("EID_ID_NUMBER", "EID_ID_NUMBER_FRONT_BACK", "EID_MRZ_ISSUER", "EID_MRZ_CARD_NUMBER",
                 "EID_MRZ_ID_NUMBER"):
        expect(findings, code, PASS)
    f = only(findings, "VIZ_MRZ_BIRTH_DATE")
    assert f.document_kind == "emirates_id_front"
    assert {c["document_kind"] for c in f.evidence["compared"]} == {"emirates_id_front", "emirates_id_back"}
    assert f.message == "Birth date on the front (1990-05-17) matches the MRZ on the back."
    f = only(findings, "VIZ_MRZ_DOCUMENT_NUMBER")
    assert f.document_kind == "emirates_id_back"


def test_emirates_front_number_invalid_and_different_from_back():
    findings = run(eid_case(front=eid_front(id_number="784-1990-1234568-6")))
    f = expect(findings, "EID_ID_NUMBER", FAIL)
    assert f.evidence["problems"] == ["check_digit"]
    f = expect(findings, "EID_ID_NUMBER_FRONT_BACK", FAIL)
    assert compared(f) == {("visual", "id_number", "784-1990-1234568-6"), ("mrz", "optional_data", EID_NUMBER)}
    f = expect(run(eid_case(front=eid_front(id_number=None))), "EID_ID_NUMBER", FAIL)
    assert "No Emirates ID number" in f.message


def test_emirates_back_mrz_rules():
    findings = run(eid_case(back=eid_back(mrz_kw={"issuing_state": "OMN", "document_number": "12345678X",
                                                  "optional_data": ""})))
    expect(findings, "EID_MRZ_ISSUER", FAIL)
    expect(findings, "EID_MRZ_CARD_NUMBER", FAIL)
    f = expect(findings, "EID_MRZ_ID_NUMBER", FAIL)
    assert "does not carry" in f.message


def test_emirates_front_back_field_mismatches():
    findings = run(eid_case(front=eid_front(birth_date="1990-05-18", sex="M", nationality="India",
                                            expiry_date="2029-06-02", full_name="Fatma Al Mansoori")))
    expect(findings, "VIZ_MRZ_BIRTH_DATE", FAIL)
    expect(findings, "VIZ_MRZ_EXPIRY_DATE", FAIL)
    expect(findings, "VIZ_MRZ_SEX", FAIL)
    expect(findings, "VIZ_MRZ_NATIONALITY", FAIL)
    f = only(findings, "VIZ_MRZ_NAME")
    assert f.outcome in (WARN, FAIL) and f.evidence["similarity"] < 0.95
    f = expect(run(eid_case(back=eid_back(card_number="123456780"))), "VIZ_MRZ_DOCUMENT_NUMBER", FAIL)
    assert ("visual", "card_number", "123456780") in compared(f)


def test_emirates_arabic_sex_and_older_card_without_fields():
    findings = run(eid_case(front=eid_front(sex="أنثى", birth_date=None, nationality=None)))
    expect(findings, "VIZ_MRZ_SEX", PASS)
    assert not [f for f in findings if f.code == "VIZ_MRZ_BIRTH_DATE" and f.document_kind == "emirates_id_front"]
    f = expect(run(eid_case(front=eid_front(sex="?"))), "FIELD_UNREADABLE", WARN)
    assert compared(f) == {("visual", "sex", "?")}


def test_emirates_fields_not_read_are_named_against_the_back_mrz():
    findings = run(eid_case(front=eid_front(birth_date=None), back=eid_back(card_number=None)))
    gaps = {f.document_kind: f for f in not_read(findings)}
    assert set(gaps) == {"emirates_id_front", "emirates_id_back"}
    front = gaps["emirates_id_front"]
    assert front.outcome == WARN and front.evidence["fields"] == ["birth_date"]
    assert front.message.startswith("Birth date on the front was not read, so it was not compared with the MRZ"
                                    " on the back (1990-05-17).")
    back = gaps["emirates_id_back"]
    assert back.evidence["fields"] == ["card_number"]
    assert compared(back) == {("visual", "card_number", None), ("mrz", "document_number", "123456789")}
    expect(findings, "EID_MRZ_CARD_NUMBER", PASS)


def test_an_older_emirates_id_printing_dates_and_sex_on_the_back_is_not_flagged():
    front = eid_front(birth_date=None, sex=None, expiry_date=None)
    back = eid_back(birth_date="1990-05-17", sex="F", expiry_date="2029-06-01")
    findings = run(eid_case(front=front, back=back))
    assert not not_read(findings)
    assert {(f.code, f.document_kind) for f in findings if f.code == "VIZ_MRZ_BIRTH_DATE"} == {
        ("VIZ_MRZ_BIRTH_DATE", "emirates_id_back")}


# --- Chinese resident ID -------------------------------------------------------------------------


def test_clean_chinese_id():
    findings = run(cn_case(declared=DeclaredData("张三", CN_BIRTH, "CHN")))
    assert not [(f.code, f.message) for f in findings if f.outcome != PASS]
    for code in ("CN_ID_NUMBER", "CN_ID_PROVINCE", "CN_ID_BIRTH_DATE", "CN_ID_SEX", "CN_ID_VALIDITY_PERIOD"):
        expect(findings, code, PASS)
    f = only(findings, "CN_ID_PROVINCE")
    assert f.evidence["province"] == "北京"
    f = only(findings, "DOC_EXPIRY")
    assert f.document_kind == "cn_id_emblem"
    assert ("visual", "validity_period", "2020.01.01-2040.01.01") in compared(f)


def test_chinese_id_number_failures():
    wrong_check = CN_NUMBER[:17] + ("0" if CN_NUMBER[17] != "0" else "1")
    f = expect(run(cn_case(cn_portrait(id_number=wrong_check))), "CN_ID_NUMBER", FAIL)
    assert f.evidence["expected_check_character"] == CN_NUMBER[17]
    body = "99" + CN_NUMBER[2:17]
    expect(run(cn_case(cn_portrait(id_number=body + cn_resident_id.check_character(body)))), "CN_ID_PROVINCE", FAIL)
    f = expect(run(cn_case(cn_portrait(id_number="110105900307123"))), "CN_ID_LEGACY_NUMBER", FAIL)
    assert "first-generation" in f.message
    expect(run(cn_case(cn_portrait(id_number=None))), "CN_ID_NUMBER", FAIL)


def test_chinese_printed_fields_against_the_number():
    findings = run(cn_case(cn_portrait(sex="女", birth_date="1990-03-08")))
    f = expect(findings, "CN_ID_SEX", FAIL)
    assert compared(f) == {("id_number", "sex", "M"), ("visual", "sex", "女")}
    f = expect(findings, "CN_ID_BIRTH_DATE", FAIL)
    assert compared(f) == {("id_number", "birth_date", "1990-03-07"), ("visual", "birth_date", "1990-03-08")}
    body = "110105199002300" + "12"
    f = expect(run(cn_case(cn_portrait(id_number=body + cn_resident_id.check_character(body)))), "CN_ID_BIRTH_DATE", FAIL)
    assert f.evidence["digits"] == "19900230"


def test_chinese_printed_fields_not_read_are_named_against_the_number():
    findings = run(cn_case(cn_portrait(birth_date=None)))
    assert "CN_ID_BIRTH_DATE" not in {f.code for f in findings}
    f = expect(findings, "VIZ_FIELD_NOT_READ", WARN)
    assert compared(f) == {("visual", "birth_date", None), ("id_number", "birth_date", "1990-03-07")}
    assert f.message.startswith("Birth date on the portrait side was not read, so it was not compared with the ID number")
    f = expect(run(cn_case(cn_portrait(birth_date=None, sex=None))), "VIZ_FIELD_NOT_READ", WARN)
    assert f.evidence["fields"] == ["birth_date", "sex"] and f.evidence["visual_zone_read"] is False


def test_chinese_validity_period():
    f = expect(run(cn_case(emblem=cn_emblem(validity_period="2020.01.01-2030.01.01"))), "CN_ID_VALIDITY_PERIOD", WARN)
    assert (f.evidence["age_at_issue"], f.evidence["expected_years"], f.evidence["actual_years"]) == (29, 20, 10)
    f = expect(run(cn_case(emblem=cn_emblem(validity_period="2020.01.0l-2040"))), "CN_ID_VALIDITY_PERIOD", FAIL)
    assert compared(f) >= {("visual", "validity_period", "2020.01.0l-2040")}
    findings = run(cn_case(emblem=cn_emblem(validity_period="2005.01.01-2025.01.01")))
    expect(findings, "DOC_EXPIRY", FAIL)
    long_term = cn_resident_id.make_number("110105", date(1960, 1, 1), 3)
    findings = run(cn_case(cn_portrait(id_number=long_term, birth_date="1960-01-01"),
                           cn_emblem(validity_period="2010.05.01-长期")))
    expect(findings, "CN_ID_VALIDITY_PERIOD", PASS)
    f = expect(findings, "DOC_EXPIRY", PASS)
    assert "long-term" in f.message


def test_chinese_name_against_a_latin_declared_name():
    f = expect(run(cn_case(declared=DeclaredData("Zhang San"))), "NAME_NOT_COMPARABLE", WARN)
    assert f.evidence["scripts"] == ["latin", "han"]


# --- bank card -----------------------------------------------------------------------------------


def _with_card(card):
    case = passport_case()
    return replace(case, primary=[*case.primary, card])


def test_bank_card_clean():
    findings = run(_with_card(bank()))
    for code in ("BANK_CARD_NUMBER", "BANK_CARD_BRAND", "BANK_CARD_EXPIRY", "BANK_CARD_NAME"):
        expect(findings, code, PASS)
    f = only(findings, "BANK_CARD_NAME")
    assert f.evidence["similarity"] >= 0.95 or "matches" in f.message


def test_bank_card_failures():
    findings = run(_with_card(bank(card_number_luhn="invalid", card_brand="mastercard", card_expiry="10/26",
                                   cardholder_name="JOHN SMITH")))
    f = expect(findings, "BANK_CARD_NUMBER", FAIL)
    assert ("visual", "card_number_masked", "411111******1111") in compared(f)
    expect(findings, "BANK_CARD_BRAND", WARN)
    f = expect(findings, "BANK_CARD_EXPIRY", FAIL)
    assert f.evidence["valid_through"] == "2026-10-31"
    expect(findings, "BANK_CARD_NAME", FAIL)
    expect(run(_with_card(bank(card_expiry="12/26"))), "BANK_CARD_EXPIRY", WARN)
    expect(run(_with_card(bank(card_expiry="13/26"))), "BANK_CARD_EXPIRY", FAIL)
    expect(run(_with_card(bank(card_number_luhn=None))), "BANK_CARD_NUMBER", WARN)
    f = expect(run(_with_card(bank(cardholder_name="ANNA M ERIKSSON"))), "BANK_CARD_NAME", WARN)
    assert f.evidence["similarity"] == 0.9


def test_unmasked_card_number_is_never_echoed():
    findings = run(_with_card(bank(card_number_masked="4111111111111111")))
    f = expect(findings, "BANK_CARD_NUMBER", FAIL)
    assert "4111111111111111" not in repr([x.to_json() for x in findings])
    assert f.evidence == {"length": 16}


# --- robustness and the code list ----------------------------------------------------------------

_text = st.text(max_size=60)
_kinds = st.sampled_from(list(DocumentKind))


@st.composite
def random_reading(draw):
    names = ["document_number", "surname", "given_names", "full_name", "nationality", "issuing_state",
             "birth_date", "sex", "expiry_date", "id_number", "card_number", "validity_period",
             "card_number_masked", "card_brand", "card_number_luhn", "card_expiry", "cardholder_name"]
    fields = draw(st.dictionaries(st.sampled_from(names), st.tuples(_text, st.none() | st.floats(0, 1)), max_size=8))
    lines = draw(st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<« ol", max_size=46), max_size=4))
    if draw(st.booleans()):
        lines = list(_T1) if draw(st.booleans()) else [line.replace("0", "O") for line in _T1]
    return Reading(
        draw(st.sampled_from(["local", "g42", "huawei"])), draw(_kinds),
        {k: ReadField(v, c) for k, (v, c) in fields.items()}, mrz_lines=tuple(lines),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(DocumentType)), st.lists(random_reading(), max_size=4),
       st.lists(random_reading(), max_size=2), st.none() | _text, st.none() | st.dates())
def test_never_raises_and_never_hits_an_internal_error(doc_type, primary, second, name, birth):
    findings = check_case(
        CaseReadings(doc_type, primary, second, DeclaredData(name, birth)), today=TODAY, policy=POLICY
    )
    assert all(f.code in FINDING_CODES for f in findings)
    assert all(f.outcome in FINDING_CODES[f.code][0] for f in findings)
    assert "CHECK_ERROR" not in {f.code for f in findings}, [f.evidence for f in findings if f.code == "CHECK_ERROR"]


def test_every_finding_code_is_exercised_and_documented():
    # Static, so it does not depend on which tests ran: every code has an expect() above, which
    # asserts its outcome (and the scenario asserts its evidence).
    source = Path(__file__).read_text(encoding="utf-8")
    exercised = set(re.findall(r'"([A-Z][A-Z_]+)", (?:PASS|WARN|FAIL)\b', source))
    assert set(FINDING_CODES) <= exercised, set(FINDING_CODES) - exercised
    text = DOCS.read_text(encoding="utf-8")
    for code in FINDING_CODES:
        assert f"`{code}`" in text, code


@pytest.mark.parametrize("code", sorted(FINDING_CODES))
def test_finding_codes_are_stable_upper_snake(code):
    assert code.replace("_", "").isalnum() and code.isupper()


def _mrz_derived_huawei_reading():
    """What Huawei's passport API returns for a foreign passport: fields derived from the MRZ, no lines."""
    derived = passport("huawei")
    return replace(derived, mrz_lines=())


def test_a_primary_reader_without_mrz_lines_hands_the_mrz_to_the_second_reader():
    findings = run(passport_case(_mrz_derived_huawei_reading(), second=[passport("local")]))
    assert not [f for f in findings if f.outcome == FAIL], [(f.code, f.message) for f in findings if f.outcome == FAIL]
    expect(findings, "MRZ_READ_BY_SECOND_READER", PASS, primary_provider="huawei", mrz_provider="local")
    expect(findings, "MRZ_CHECK_DIGIT", PASS, check="birth_date")
    # The embedded engine's printed zone is what is compared with the MRZ, and Huawei's fields are
    # compared with it as a second read.
    expect(findings, "VIZ_MRZ_BIRTH_DATE", PASS)
    agree = expect(findings, "READERS_AGREE", PASS, providers=["local", "huawei"])
    assert {"document_number", "birth_date", "expiry_date"} <= set(agree.evidence["fields"]), agree.evidence


def test_after_the_hand_over_a_printed_birth_date_that_differs_from_the_mrz_still_fails():
    second = passport("local", birth_date="1975-08-12")
    findings = run(passport_case(_mrz_derived_huawei_reading(), second=[second]))
    expect(findings, "VIZ_MRZ_BIRTH_DATE", FAIL)


def test_without_a_second_reader_that_read_the_mrz_it_is_still_missing():
    findings = run(passport_case(_mrz_derived_huawei_reading(), second=[replace(passport("local"), mrz_lines=())]))
    expect(findings, "MRZ_MISSING", FAIL)
    assert not [f for f in findings if f.code == "MRZ_READ_BY_SECOND_READER"]


def test_declared_issuing_country_against_the_mrz():
    # Declared GBR, the passport's MRZ says FRA: the reviewer is told.
    french = passport(mrz_kw={"issuing_state": "FRA", "nationality": "FRA"})
    f = expect(run(passport_case(french, declared=DeclaredData(issuing_state="GBR"))), "DECLARED_COUNTRY", FAIL)
    assert compared(f) == {("declared", "issuing_state", "GBR"), ("mrz", "issuing_state", "FRA")}
    expect(run(passport_case(french, declared=DeclaredData(issuing_state="FRA"))), "DECLARED_COUNTRY", PASS)
    german = passport(mrz_kw={"issuing_state": "D", "nationality": "D"})
    expect(run(passport_case(german, declared=DeclaredData(issuing_state="DEU"))), "DECLARED_COUNTRY", PASS)
    assert "DECLARED_COUNTRY" not in [f.code for f in run(passport_case(french))]


def test_duplicate_documents_are_reported_with_the_engines_codes():
    # Emitted by the case's owner (only it can see other cases) from documents/duplicates.py.
    from ocr_integration.documents.duplicates import (
        OtherCase,
        document_identities,
        duplicate_document_finding,
    )

    [identity] = document_identities(DocumentType.PASSPORT, [Reading(
        "local", DocumentKind.PASSPORT, {"document_number": ReadField("L898902C3"), "issuing_state": ReadField("UTO")})])
    alone = duplicate_document_finding(identity, [])
    assert (alone.code, alone.outcome) == ("DUPLICATE_DOCUMENT", PASS)
    shared = duplicate_document_finding(identity, [OtherCase("id", "K-2345ABCD", "approved")])
    assert (shared.code, shared.outcome) == ("DUPLICATE_DOCUMENT", WARN)


def test_face_checks_are_reported_with_the_engines_codes():
    # Emitted by the case's owner beside the engine, from documents/faces.py (tested there).
    from ocr_integration.documents import faces

    thresholds = faces.FaceThresholds()
    assert (faces.face_match_finding(0.3, thresholds=thresholds, document_kind="passport").code,
            faces.face_match_finding(0.3, thresholds=thresholds, document_kind="passport").outcome) == ("FACE_MATCH", PASS)
    assert faces.face_match_finding(0.55, thresholds=thresholds, document_kind="passport").outcome == WARN
    not_found = faces.face_not_found_finding("selfie", document_kind="selfie")
    assert (not_found.code, not_found.outcome) == ("FACE_NOT_FOUND", FAIL)
    spoof = faces.liveness_finding([], challenge="turn_left_then_right", selfie_descriptor=None,
                                   policy=faces.LivenessPolicy())
    assert (spoof.code, spoof.outcome) == ("LIVENESS", FAIL)
    alone = faces.duplicate_face_finding([])
    assert (alone.code, alone.outcome) == ("DUPLICATE_FACE", PASS)
