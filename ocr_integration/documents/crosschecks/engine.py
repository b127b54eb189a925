"""``check_case``: which checks run for a case, in which order, and what each one is given.

The order of the findings is this function's order, written out below; a check receives the facts
it needs from the checks before it as arguments (the identity, declared-data and bank-card checks
get the facts the document checks returned), and a check that raises becomes one ``CHECK_ERROR``
finding without hiding the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..findings import Finding
from ..kinds import REQUIRED_KINDS, DocumentKind, DocumentType
from ..reading import Reading
from .bank_card_checks import check_bank_card
from .cn_id_checks import check_cn_id
from .context import FAIL, PASS, WARN, CaseReadings, CheckEnv, CheckPolicy, Report, label, place
from .emirates_id_checks import check_emirates_id
from .identity_checks import check_age, check_declared, check_expiry
from .mrz_checks import check_passport
from .second_reader import check_second_reads, mrz_reader_first


def check_case(case: CaseReadings, *, today: date, policy: CheckPolicy) -> list[Finding]:
    """Run every check that applies to what was read for ``case``; findings in a stable order."""
    env = CheckEnv(today, policy)
    primary, report = _primary_by_side(case.primary)
    primary, second, handed_over = mrz_reader_first(primary, case.second)
    report.extend(handed_over)
    report.extend(_missing_sides(case.document_type, primary))
    for reading in primary.values():
        report.extend(_guarded("confidence", lambda r=reading: check_confidence(r, env=env)))

    document = _document_checks(case.document_type, primary, env=env)
    report.extend(document)
    facts = document.facts
    report.extend(_guarded("expiry", lambda: check_expiry(facts.expiries, document_type=case.document_type, env=env)))
    report.extend(_guarded("age", lambda: check_age(facts.births, env=env)))
    report.extend(_guarded("declared", lambda: check_declared(
        case.declared, names_read=facts.names, births=facts.births, nationalities=facts.nationalities,
        issuing_states=facts.issuing_states, env=env)))
    card = primary.get(DocumentKind.BANK_CARD)
    if card is not None:
        report.extend(_guarded("bank_card", lambda: check_bank_card(card, names_read=facts.names, env=env)))
    report.extend(_guarded("second_read", lambda: check_second_reads(primary, second, env=env)))
    return report.findings


def _document_checks(document_type: DocumentType, primary: dict[DocumentKind, Reading], *,
                     env: CheckEnv) -> Report:
    """The checks of the document type's own sides; their facts feed the checks that follow."""
    if document_type == DocumentType.PASSPORT:
        return _guarded("passport", lambda: check_passport(primary.get(DocumentKind.PASSPORT), env=env))
    if document_type == DocumentType.EMIRATES_ID:
        return _guarded("emirates_id", lambda: check_emirates_id(
            primary.get(DocumentKind.EMIRATES_ID_FRONT), primary.get(DocumentKind.EMIRATES_ID_BACK), env=env))
    if document_type == DocumentType.CN_RESIDENT_ID:
        return _guarded("cn_resident_id", lambda: check_cn_id(
            primary.get(DocumentKind.CN_ID_PORTRAIT), primary.get(DocumentKind.CN_ID_EMBLEM), env=env))
    return Report()


def _guarded(name: str, check: Callable[[], Report]) -> Report:
    # The engine runs on arbitrary OCR output; a bug in one check must not hide the others.
    try:
        return check()
    except Exception as exc:
        report = Report()
        report.add("CHECK_ERROR", FAIL, f"The '{name}' checks could not run on this input; check this part by hand.",
                   {"check": name, "error": type(exc).__name__})
        return report


def _primary_by_side(readings: list[Reading]) -> tuple[dict[DocumentKind, Reading], Report]:
    """The first primary reading of each side; a second one is reported, not used."""
    report = Report()
    primary: dict[DocumentKind, Reading] = {}
    for reading in readings:
        kind = reading.document_kind
        if kind in primary:
            report.add(
                "DOC_DUPLICATE_READING",
                WARN,
                f"{label(kind)} was read twice as the primary reading; the first ({primary[kind].provider}) is used.",
                {"providers": [primary[kind].provider, reading.provider]},
                kind,
            )
            continue
        primary[kind] = reading
    return primary, report


def _missing_sides(document_type: DocumentType, primary: dict[DocumentKind, Reading]) -> Report:
    report = Report()
    for kind in REQUIRED_KINDS.get(document_type, ()):
        if kind not in primary:
            report.add("DOC_SIDE_MISSING", FAIL, f"Nothing was read for the {label(kind)}, which this document needs.",
                       {"missing": str(kind), "document_type": str(document_type)}, kind)
    return report


def check_confidence(reading: Reading, *, env: CheckEnv) -> Report:
    """The provider's confidence of every scored field against the minimum."""
    report = Report()
    minimum = env.policy.min_confidence
    scored = {name: f.confidence for name, f in reading.fields.items() if isinstance(f.confidence, int | float)}
    if not scored:
        return report
    low = {name: c for name, c in scored.items() if c < minimum}
    evidence = {
        "minimum": minimum,
        "low_fields": [{"field": n, "confidence": c} for n, c in sorted(low.items())],
        "fields_scored": len(scored),
        "provider": reading.provider,
    }
    if low:
        listed = ", ".join(f"{n} ({c:.2f})" for n, c in sorted(low.items()))
        report.add("OCR_CONFIDENCE", WARN,
                   f"The reader '{reading.provider}' was unsure of {len(low)} field(s) {place(reading)}, below the"
                   f" minimum of {minimum:.2f}: {listed}.", evidence, reading.document_kind)
    else:
        report.add("OCR_CONFIDENCE", PASS,
                   f"All {len(scored)} scored fields {place(reading)} are at or above the minimum confidence"
                   f" of {minimum:.2f}.", evidence, reading.document_kind)
    return report
