"""The identity the document establishes: validity, age, and what the applicant declared.

These checks read only the facts the document checks returned (their first, best-sourced value),
never a reading: any document type with a birth date gets the same age check.
"""

from __future__ import annotations

from datetime import date

from .. import names
from ..icao_codes import code_for_name
from ..kinds import REQUIRED_KINDS, DocumentType
from .context import FAIL, PASS, WARN, CheckEnv, DeclaredData, Fact, Report, age, item


def check_expiry(expiries: list[Fact], *, document_type: DocumentType, env: CheckEnv) -> Report:
    report = Report()
    if not expiries:
        kinds = REQUIRED_KINDS.get(document_type, ())
        report.add("DOC_EXPIRY_UNKNOWN", FAIL,
                   "No expiry date could be read from the document, so its validity could not be checked.",
                   {"document_type": str(document_type)}, kinds[0] if len(kinds) == 1 else None)
        return report
    fact = expiries[0]
    compared = [fact.item, item("today", "date", env.today.isoformat())]
    if fact.value == "long_term":
        report.add("DOC_EXPIRY", PASS, "The document is valid long-term (长期).", {"compared": compared}, fact.kind)
        return report
    expiry: date = fact.value
    days_left = (expiry - env.today).days
    evidence = {"compared": compared, "days_left": days_left, "warning_days": env.policy.expiry_warning_days}
    if days_left < 0:
        report.add("DOC_EXPIRY", FAIL, f"The document expired on {expiry.isoformat()}.", evidence, fact.kind)
    elif days_left <= env.policy.expiry_warning_days:
        report.add("DOC_EXPIRY", WARN, f"The document expires on {expiry.isoformat()}, in {days_left} days.",
                   evidence, fact.kind)
    else:
        report.add("DOC_EXPIRY", PASS, f"The document is valid until {expiry.isoformat()}.", evidence, fact.kind)
    return report


def check_age(births: list[Fact], *, env: CheckEnv) -> Report:
    report = Report()
    minimum = env.policy.minimum_age_years
    if not births:
        report.add("APPLICANT_AGE_UNKNOWN", FAIL,
                   "No birth date could be read from the document, so the applicant's age is unknown.",
                   {"minimum_age": minimum})
        return report
    fact = births[0]
    birth: date = fact.value
    evidence = {"compared": [fact.item, item("today", "date", env.today.isoformat())], "minimum_age": minimum}
    if birth > env.today:
        report.add("APPLICANT_AGE", FAIL, f"The birth date ({birth.isoformat()}) is in the future.", evidence, fact.kind)
        return report
    years = age(birth, env.today)
    evidence["age"] = years
    if years < minimum:
        report.add("APPLICANT_AGE", FAIL, f"The applicant is {years}, under the minimum age of {minimum}"
                   f" (born {birth.isoformat()}).", evidence, fact.kind)
    elif years > env.policy.maximum_age_years:
        report.add("APPLICANT_AGE", WARN,
                   f"The birth date ({birth.isoformat()}) makes the applicant {years}, which is implausible.",
                   evidence, fact.kind)
    else:
        report.add("APPLICANT_AGE", PASS, f"The applicant is {years}, at least the minimum age of {minimum}.",
                   evidence, fact.kind)
    return report


def check_declared(declared: DeclaredData, *, names_read: list[Fact], births: list[Fact],
                   nationalities: list[Fact], issuing_states: list[Fact], env: CheckEnv) -> Report:
    """What the applicant typed against what the document says (only what both give)."""
    report = Report()
    if declared.full_name and declared.full_name.strip() and names_read:
        report.extend(_declared_name(declared.full_name.strip(), names_read, env=env))
    if declared.birth_date and births:
        report.extend(_declared_birth_date(declared.birth_date, births[0]))
    if declared.nationality and declared.nationality.strip() and nationalities:
        report.extend(_declared_nationality(declared.nationality.strip(), nationalities[0]))
    if declared.issuing_state and issuing_states:
        report.extend(_declared_country(declared.issuing_state.strip().upper(), issuing_states[0]))
    return report


def _declared_name(typed: str, names_read: list[Fact], *, env: CheckEnv) -> Report:
    report = Report()
    scored = [(names.similarity(typed, f.value), f) for f in names_read if names.comparable(typed, f.value)]
    compared = [item("declared", "name", typed)] + [f.item for f in names_read]
    if not scored:
        report.add("NAME_NOT_COMPARABLE", WARN,
                   f"The name the applicant typed ({typed}) is in a different script from the document's;"
                   " compare them by eye.",
                   {"compared": compared,
                    "scripts": [names.script_of(typed)] + [names.script_of(f.value) for f in names_read]})
        return report
    score, best = max(scored, key=lambda s: s[0])
    outcome = env.name_outcome(score)
    verdict = {"pass": "matches", "warn": "is close to but not the same as", "fail": "does not match"}[str(outcome)]
    message = f"The name the applicant typed ({typed}) {verdict} the document ({best.value}); similarity {score:.2f}."
    omitted = names.omitted_components(typed, best.value) if outcome == FAIL else []
    if omitted:
        # Leaving out a middle name is common and not a contradiction: a reviewer decides.
        outcome = WARN
        message = (f"The name the applicant typed ({typed}) leaves out part of the name on the"
                   f" document ({best.value}): {' '.join(omitted)}.")
    report.add("DECLARED_NAME", outcome, message,
               {"compared": compared, "similarity": score, "best_match": best.item, "omitted": omitted,
                "pass_at": env.policy.name_similarity_pass, "warn_at": env.policy.name_similarity_warn},
               best.kind)
    return report


def _declared_birth_date(typed: date, fact: Fact) -> Report:
    report = Report()
    same = fact.value == typed
    report.add("DECLARED_BIRTH_DATE", PASS if same else FAIL,
               (f"The birth date the applicant typed matches the document ({fact.value.isoformat()})."
                if same else
                f"The birth date the applicant typed ({typed.isoformat()}) differs from the"
                f" document ({fact.value.isoformat()})."),
               {"compared": [item("declared", "birth_date", typed.isoformat()), fact.item]},
               fact.kind)
    return report


def _declared_nationality(typed: str, fact: Fact) -> Report:
    report = Report()
    code = code_for_name(typed)
    compared = [item("declared", "nationality", typed), fact.item]
    if code is None:
        report.add("DECLARED_NATIONALITY", WARN,
                   f"The nationality the applicant typed ('{typed}') is not a country this check knows;"
                   f" the document says {fact.value}.", {"compared": compared}, fact.kind)
        return report
    same = code == fact.value
    report.add("DECLARED_NATIONALITY", PASS if same else FAIL,
               f"The nationality the applicant typed ({typed}) {'matches' if same else 'differs from'}"
               f" the document ({fact.value}).", {"compared": compared, "declared_as_code": code}, fact.kind)
    return report


def _declared_country(chosen: str, fact: Fact) -> Report:
    report = Report()
    # Germany writes D in the MRZ; an applicant chooses DEU.
    same = (fact.value if fact.value != "D" else "DEU") == ("DEU" if chosen == "D" else chosen)
    report.add("DECLARED_COUNTRY", PASS if same else FAIL,
               f"The issuing country the applicant chose ({chosen}) {'matches' if same else 'differs from'}"
               f" the document's issuing state ({fact.value}).",
               {"compared": [item("declared", "issuing_state", chosen), fact.item]}, fact.kind)
    return report
