"""The cross-check engine: everything read for a case in, findings out.

Public API: ``check_case(case: CaseReadings, *, today: date, policy: CheckPolicy) -> list[Finding]``;
``CaseReadings(document_type, primary, second=[], declared=DeclaredData())``;
``DeclaredData(full_name=None, birth_date=None, nationality=None)``; ``CheckPolicy`` (every
threshold, with defaults); ``FINDING_CODES`` (code -> (possible outcomes, meaning)).

Pure and deterministic: ``today`` and the policy are arguments.
It runs on whatever OCR returned, so it never raises on bad values: a garbled date or an
unreadable MRZ becomes a finding that says what could not be read.

Every finding code the engine can emit is listed, with its outcomes and evidence, in
``docs/finding-codes.md`` (and :data:`FINDING_CODES`). Evidence always names what was compared:
``{"compared": [{"source": "mrz", "field": "birth_date", "value": "1990-03-20", "provider": ...,
"document_kind": ...}, {"source": "visual", ...}]}`` plus check-specific keys.

A ``visual`` item whose value is ``None`` is a printed field that was not read: the comparison
it needed did not run, and a ``VIZ_FIELD_NOT_READ`` finding (or ``EID_ID_NUMBER`` / ``CN_ID_NUMBER``
for a missing ID number) says so, so that "not compared" never looks like "passed".

Sources in evidence: ``mrz`` (parsed from the MRZ lines), ``visual`` (a field read from the
printed zone), ``id_number`` (derived from an ID number: birth date, sex), ``declared`` (typed
by the applicant), ``card_prefix`` (a card brand implied by the number), ``document_type`` (a
fact the document type implies: a Chinese resident ID means nationality CHN), ``today``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import bank_card, cn_resident_id, duplicates, emirates_id, mrz, names
from .findings import Finding, Outcome
from .icao_codes import code_for_name, is_icao_code
from .kinds import KIND_LABELS, REQUIRED_KINDS, DocumentKind, DocumentType
from .reading import Reading


@dataclass(frozen=True)
class CheckPolicy:
    """Every threshold the checks use; the site's configuration fills it in.

    Names: similarity >= ``name_similarity_pass`` passes, >= ``name_similarity_warn`` warns,
    below fails.
    """

    min_confidence: float = 0.80
    expiry_warning_days: int = 90
    minimum_age_years: int = 18
    name_similarity_warn: float = 0.85
    name_similarity_pass: float = 0.95
    maximum_age_years: int = 120  # an older birth date is flagged as implausible
    mrz_correction: bool = True  # let the MRZ parser fix OCR confusions (always reported)


@dataclass(frozen=True)
class DeclaredData:
    """What the applicant typed in, if anything."""

    full_name: str | None = None
    birth_date: date | None = None
    nationality: str | None = None  # ICAO code or country name
    issuing_state: str | None = None  # ICAO code of the issuing country the applicant chose


@dataclass(frozen=True)
class CaseReadings:
    """Everything read for one case: one primary reading per document kind, any second reads."""

    document_type: DocumentType
    primary: list[Reading]
    second: list[Reading] = field(default_factory=list)
    declared: DeclaredData = field(default_factory=DeclaredData)


# code -> (possible outcomes, meaning); docs/finding-codes.md is generated from the same facts.
FINDING_CODES: dict[str, tuple[tuple[str, ...], str]] = {
    "DOC_SIDE_MISSING": (("fail",), "A side the document type needs was not read."),
    # Emitted beside the engine by the case's owner, which alone can see other cases
    # (ocr_integration/documents/duplicates.py).
    duplicates.CODE: (("pass", "warn"), duplicates.MEANING),
    "DOC_DUPLICATE_READING": (("warn",), "Two primary readings of the same side; the first is used."),
    "OCR_CONFIDENCE": (("pass", "warn"), "Provider confidence of every field against the minimum."),
    "FIELD_UNREADABLE": (("warn",), "A printed value could not be interpreted (garbled date ...)."),
    "MRZ_MISSING": (("fail",), "The side should carry an MRZ but no MRZ lines were read."),
    "MRZ_READ_BY_SECOND_READER": (("pass",), "The primary reader returned no MRZ lines; the second reader's MRZ and printed fields are checked."),
    "MRZ_UNREADABLE": (("fail",), "The MRZ text does not have an MRZ layout."),
    "MRZ_DOCUMENT_TYPE": (("pass", "fail"), "MRZ format and document code suit the document."),
    "MRZ_CHECK_DIGIT": (("pass", "fail"), "One MRZ check digit (document number, dates, personal number, composite)."),
    "MRZ_FIELDS_VALID": (("pass",), "Every MRZ field is well formed."),
    "MRZ_FIELD_INVALID": (("fail",), "An MRZ field is malformed (bad date, unknown state code, bad sex, name format ...)."),
    "MRZ_FIELD_WARNING": (("warn",), "An MRZ oddity that is not an error (padded line, implausible expiry)."),
    "MRZ_NAME_TRUNCATED": (("warn",), "The MRZ name fills its field and may be truncated."),
    "MRZ_CORRECTED": (("warn",), "OCR confusions in the MRZ were repaired (digits in names, check-digit-confirmed fixes); the changes are listed."),
    "MRZ_CORRECTION_AMBIGUOUS": (("warn",), "Several corrections would satisfy the check digits; none was applied."),
    "VIZ_MRZ_NAME": (("pass", "warn", "fail"), "Printed name against the MRZ name, component by component (similarity score)."),
    "VIZ_MRZ_BIRTH_DATE": (("pass", "fail"), "Printed birth date against the MRZ."),
    "VIZ_MRZ_EXPIRY_DATE": (("pass", "fail"), "Printed expiry date against the MRZ."),
    "VIZ_MRZ_DOCUMENT_NUMBER": (("pass", "warn", "fail"), "Printed document/card number against the MRZ."),
    "VIZ_MRZ_NATIONALITY": (("pass", "warn", "fail"), "Printed nationality against the MRZ."),
    "VIZ_MRZ_ISSUING_STATE": (("pass", "warn", "fail"), "Printed issuing state against the MRZ."),
    "VIZ_MRZ_SEX": (("pass", "fail"), "Printed sex against the MRZ."),
    "VIZ_FIELD_NOT_READ": (("warn",), "A printed field was not read, so it was not compared (with the MRZ or ID number)."),
    "NAME_NOT_COMPARABLE": (("warn",), "Two names are in scripts that cannot be compared automatically."),
    "EID_ID_NUMBER": (("pass", "fail"), "Emirates ID number on the front: 15 digits, 784, Luhn."),
    "EID_ID_NUMBER_FRONT_BACK": (("pass", "fail"), "Emirates ID number on the front against the MRZ optional data."),
    "EID_MRZ_ISSUER": (("pass", "fail"), "Back MRZ issuing state is ARE."),
    "EID_MRZ_CARD_NUMBER": (("pass", "fail"), "Back MRZ document number is the 9-digit card number."),
    "EID_MRZ_ID_NUMBER": (("pass", "fail"), "Back MRZ optional data holds a valid 784 ID number."),
    "CN_ID_NUMBER": (("pass", "fail"), "Chinese ID number: 18 characters, MOD 11-2 check character."),
    "CN_ID_LEGACY_NUMBER": (("fail",), "A 15-digit first-generation Chinese ID number."),
    "CN_ID_PROVINCE": (("pass", "fail"), "The number's first two digits are a province code."),
    "CN_ID_BIRTH_DATE": (("pass", "fail"), "The birth date in the number is real and equals the printed one."),
    "CN_ID_SEX": (("pass", "fail"), "The sequence parity matches the printed sex (odd male, even female)."),
    "CN_ID_VALIDITY_PERIOD": (("pass", "warn", "fail"), "Validity period readable and its length right for the age at issue."),
    "DOC_EXPIRY": (("pass", "warn", "fail"), "Document expired, expiring within the warning window, or valid."),
    "DOC_EXPIRY_UNKNOWN": (("fail",), "No expiry date could be established."),
    "APPLICANT_AGE": (("pass", "warn", "fail"), "Age from the birth date against the minimum age (and plausibility)."),
    "APPLICANT_AGE_UNKNOWN": (("fail",), "No birth date could be established."),
    "DECLARED_NAME": (("pass", "warn", "fail"), "Name the applicant typed against the document."),
    "DECLARED_BIRTH_DATE": (("pass", "fail"), "Birth date the applicant typed against the document."),
    "DECLARED_NATIONALITY": (("pass", "warn", "fail"), "Nationality the applicant typed against the document."),
    "DECLARED_COUNTRY": (("pass", "fail"), "Issuing country the applicant chose against the document's issuing state."),
    "READERS_AGREE": (("pass",), "A second reader agrees on every check-protected field compared."),
    "READERS_DISAGREE": (("warn", "fail"), "Two readers disagree on a check-protected field."),
    "BANK_CARD_NUMBER": (("pass", "warn", "fail"), "Bank card number masked and Luhn-valid."),
    "BANK_CARD_BRAND": (("pass", "warn"), "Reported card brand against the brand implied by the prefix."),
    "BANK_CARD_EXPIRY": (("pass", "warn", "fail"), "Bank card MM/YY expiry against today."),
    "BANK_CARD_NAME": (("pass", "warn", "fail"), "Cardholder name against the identity document name."),
    "CHECK_ERROR": (("fail",), "A check could not run on this input (a bug); the reviewer must check by hand."),
}

_PASS, _WARN, _FAIL = Outcome.PASS, Outcome.WARN, Outcome.FAIL

_KIND_PLACE = {
    DocumentKind.PASSPORT: "on the data page",
    DocumentKind.EMIRATES_ID_FRONT: "on the front",
    DocumentKind.EMIRATES_ID_BACK: "on the back",
    DocumentKind.CN_ID_PORTRAIT: "on the portrait side",
    DocumentKind.CN_ID_EMBLEM: "on the emblem side",
    DocumentKind.BANK_CARD: "on the bank card",
}

_FIELD_WORDS = {
    "birth_date": "Birth date",
    "expiry_date": "Expiry date",
    "document_number": "Document number",
    "card_number": "Card number",
    "id_number": "ID number",
    "nationality": "Nationality",
    "issuing_state": "Issuing state",
    "sex": "Sex",
    "name": "Name",
    "surname": "Surname",
    "given_names": "Given names",
    "personal_number": "Personal number",
    "optional_data": "MRZ optional data",
    "card_number_masked": "Card number",
}

_SEX_WORDS = {
    "M": "M", "MALE": "M", "男": "M", "ذكر": "M", "H": "M",
    "F": "F", "FEMALE": "F", "女": "F", "أنثى": "F", "انثى": "F",
    "X": "X", "<": "X", "UNSPECIFIED": "X",
}


# ---------------------------------------------------------------------------------------------
# Small helpers


def _val(reading: Reading | None, name: str) -> str | None:
    """A field's value as a stripped string, or None when absent or empty."""
    if reading is None:
        return None
    read = reading.fields.get(name)
    if read is None:
        return None
    value = read.value if isinstance(read.value, str) else str(read.value)
    value = value.strip()
    return value or None


def _iso(value: str | None) -> date | None:
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date.fromisoformat(text)
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    return None


def _item(source: str, field_name: str, value: Any, reading: Reading | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"source": source, "field": field_name, "value": value}
    if reading is not None:
        item["provider"] = reading.provider
        item["document_kind"] = str(reading.document_kind)
    return item


def _place(reading: Reading) -> str:
    return _KIND_PLACE.get(reading.document_kind, f"on {reading.document_kind}")


def _label(kind: DocumentKind | str) -> str:
    try:
        return KIND_LABELS[DocumentKind(kind)]
    except ValueError:
        return str(kind)


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _norm_number(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", value).upper() if c.isalnum())


def _sex(value: str | None) -> str | None:
    if not value:
        return None
    return _SEX_WORDS.get(value.strip().upper()) or _SEX_WORDS.get(value.strip())


_CONFUSABLE = {frozenset(pair) for pair in mrz.CONFUSIONS}


def _differs_by_confusions(a: str, b: str) -> bool:
    return len(a) == len(b) and a != b and all(
        x == y or frozenset((x, y)) in _CONFUSABLE for x, y in zip(a, b, strict=True)
    )


@dataclass
class _Fact:
    value: Any
    item: dict[str, Any]
    kind: str | None


@dataclass
class _Ctx:
    case: CaseReadings
    today: date
    policy: CheckPolicy
    findings: list[Finding] = field(default_factory=list)
    names: list[_Fact] = field(default_factory=list)  # identity names, best source first
    births: list[_Fact] = field(default_factory=list)
    expiries: list[_Fact] = field(default_factory=list)
    nationalities: list[_Fact] = field(default_factory=list)
    issuing_states: list[_Fact] = field(default_factory=list)
    mrz_results: dict[int, mrz.MrzResult] = field(default_factory=dict)

    def add(self, code: str, outcome: Outcome, message: str, evidence: dict[str, Any],
            kind: DocumentKind | str | None = None) -> None:
        self.findings.append(Finding(code, outcome, message, evidence, str(kind) if kind else None))

    def parse_mrz(self, reading: Reading) -> mrz.MrzResult:
        key = id(reading)
        if key not in self.mrz_results:
            self.mrz_results[key] = mrz.parse(
                reading.mrz_lines, today=self.today, correct=self.policy.mrz_correction
            )
        return self.mrz_results[key]


# ---------------------------------------------------------------------------------------------
# Entry point


def check_case(case: CaseReadings, *, today: date, policy: CheckPolicy) -> list[Finding]:
    """Run every check that applies to what was read for ``case``; findings in a stable order."""
    ctx = _Ctx(case, today, policy)
    primary: dict[DocumentKind, Reading] = {}
    for reading in case.primary:
        if reading.document_kind in primary:
            ctx.add(
                "DOC_DUPLICATE_READING",
                _WARN,
                f"{_label(reading.document_kind)} was read twice as the primary reading; the first"
                f" ({primary[reading.document_kind].provider}) is used.",
                {"providers": [primary[reading.document_kind].provider, reading.provider]},
                reading.document_kind,
            )
            continue
        primary[reading.document_kind] = reading

    second = _mrz_reader_first(ctx, primary)

    for kind in REQUIRED_KINDS.get(case.document_type, ()):
        if kind not in primary:
            ctx.add(
                "DOC_SIDE_MISSING",
                _FAIL,
                f"Nothing was read for the {_label(kind)}, which this document needs.",
                {"missing": str(kind), "document_type": str(case.document_type)},
                kind,
            )

    for reading in primary.values():
        _guard(ctx, "confidence", _check_confidence, ctx, reading)

    steps: list[tuple[str, Callable[..., None], tuple[Any, ...]]] = []
    if case.document_type == DocumentType.PASSPORT:
        steps.append(("passport", _check_passport, (ctx, primary.get(DocumentKind.PASSPORT))))
    elif case.document_type == DocumentType.EMIRATES_ID:
        steps.append(
            (
                "emirates_id",
                _check_emirates_id,
                (ctx, primary.get(DocumentKind.EMIRATES_ID_FRONT), primary.get(DocumentKind.EMIRATES_ID_BACK)),
            )
        )
    elif case.document_type == DocumentType.CN_RESIDENT_ID:
        steps.append(
            (
                "cn_resident_id",
                _check_cn_id,
                (ctx, primary.get(DocumentKind.CN_ID_PORTRAIT), primary.get(DocumentKind.CN_ID_EMBLEM)),
            )
        )
    steps.append(("expiry", _check_expiry, (ctx,)))
    steps.append(("age", _check_age, (ctx,)))
    steps.append(("declared", _check_declared, (ctx,)))
    if DocumentKind.BANK_CARD in primary:
        steps.append(("bank_card", _check_bank_card, (ctx, primary[DocumentKind.BANK_CARD])))
    steps.append(("second_read", _check_second_reads, (ctx, primary, second)))
    for name, fn, args in steps:
        _guard(ctx, name, fn, *args)
    return ctx.findings


# The sides whose checks start from an MRZ.
_MRZ_SIDES = (DocumentKind.PASSPORT, DocumentKind.EMIRATES_ID_BACK)


def _mrz_reader_first(ctx: _Ctx, primary: dict[DocumentKind, Reading]) -> list[Reading]:
    """Where the primary reader returned no MRZ lines for a side that carries one and a second
    reader did read them, the second reader's reading becomes the one checked, and the primary
    reader's becomes the second read. Huawei's passport API returns fields derived from the MRZ but
    not its lines: without this, every passport routed to it with the embedded engine as second
    reader would fail ``MRZ_MISSING`` although the MRZ was read, and its printed zone (only the
    embedded engine reads it) would never be compared. Returns the second reads, swapped."""
    second = list(ctx.case.second)
    for kind in _MRZ_SIDES:
        first = primary.get(kind)
        if first is None or first.mrz_lines:
            continue
        reader = next((r for r in second if r.document_kind == kind and r.mrz_lines), None)
        if reader is None:
            continue
        primary[kind] = reader
        second[second.index(reader)] = first
        ctx.add(
            "MRZ_READ_BY_SECOND_READER",
            _PASS,
            f"Reader {first.provider} returned no MRZ lines {_place(first)}, so the MRZ and printed fields"
            f" read by {reader.provider} are the ones checked, and {first.provider}'s fields are compared"
            " with them as a second read.",
            {"primary_provider": first.provider, "mrz_provider": reader.provider},
            kind,
        )
    return second


def _guard(ctx: _Ctx, name: str, fn: Callable[..., None], *args: Any) -> None:
    # The engine runs on arbitrary OCR output; a bug in one check must not hide the others.
    try:
        fn(*args)
    except Exception as exc:
        ctx.add(
            "CHECK_ERROR",
            _FAIL,
            f"The '{name}' checks could not run on this input; check this part by hand.",
            {"check": name, "error": type(exc).__name__},
        )


# ---------------------------------------------------------------------------------------------
# Generic per-reading checks


def _check_confidence(ctx: _Ctx, reading: Reading) -> None:
    scored = {
        name: f.confidence for name, f in reading.fields.items() if isinstance(f.confidence, int | float)
    }
    if not scored:
        return
    low = {name: c for name, c in scored.items() if c < ctx.policy.min_confidence}
    evidence = {
        "minimum": ctx.policy.min_confidence,
        "low_fields": [{"field": n, "confidence": c} for n, c in sorted(low.items())],
        "fields_scored": len(scored),
        "provider": reading.provider,
    }
    if low:
        listed = ", ".join(f"{n} ({c:.2f})" for n, c in sorted(low.items()))
        ctx.add(
            "OCR_CONFIDENCE",
            _WARN,
            f"The reader '{reading.provider}' was unsure of {len(low)} field(s) {_place(reading)}, below the"
            f" minimum of {ctx.policy.min_confidence:.2f}: {listed}.",
            evidence,
            reading.document_kind,
        )
    else:
        ctx.add(
            "OCR_CONFIDENCE",
            _PASS,
            f"All {len(scored)} scored fields {_place(reading)} are at or above the minimum confidence"
            f" of {ctx.policy.min_confidence:.2f}.",
            evidence,
            reading.document_kind,
        )


def _visual_date(ctx: _Ctx, reading: Reading, name: str) -> date | None:
    raw = _val(reading, name)
    if raw is None:
        return None
    parsed = _iso(raw)
    if parsed is None:
        ctx.add(
            "FIELD_UNREADABLE",
            _WARN,
            f"{_FIELD_WORDS.get(name, name)} {_place(reading)} was read as '{raw}', which is not a date.",
            {"compared": [_item("visual", name, raw, reading)], "expected_form": "YYYY-MM-DD"},
            reading.document_kind,
        )
    return parsed


# ---------------------------------------------------------------------------------------------
# MRZ


def _check_mrz(ctx: _Ctx, reading: Reading, *, formats: tuple[str, ...], code_first: str) -> mrz.MrzResult | None:
    kind = reading.document_kind
    if not reading.mrz_lines:
        ctx.add(
            "MRZ_MISSING",
            _FAIL,
            f"No machine readable zone was read {_place(reading)}; it should carry one.",
            {"provider": reading.provider},
            kind,
        )
        return None
    result = ctx.parse_mrz(reading)
    lines_ev = {"provider": reading.provider, "lines": list(result.read_lines)}
    if result.format is None:
        ctx.add("MRZ_UNREADABLE", _FAIL, result.problems[0].message, lines_ev, kind)
        return None

    doc_code = result.fields["document_code"]
    type_ok = result.format in formats and doc_code[:1] == code_first
    ctx.add(
        "MRZ_DOCUMENT_TYPE",
        _PASS if type_ok else _FAIL,
        (
            f"The MRZ is {result.format} with document code {doc_code}, as expected for the {_label(kind)}."
            if type_ok
            else f"The MRZ is {result.format} with document code '{doc_code}'; the {_label(kind)} should have"
            f" {' or '.join(formats)} with a code starting with {code_first}."
        ),
        {"format": result.format, "document_code": doc_code, "expected_formats": list(formats),
         "expected_code_start": code_first, "provider": reading.provider},
        kind,
    )

    if result.corrections:
        changes = "; ".join(c.describe() for c in result.corrections)
        ctx.add(
            "MRZ_CORRECTED",
            _WARN,
            f"The MRZ was read with likely OCR confusions, corrected as follows: {changes}."
            " Check these characters on the image.",
            {"corrections": [c.to_json() for c in result.corrections], "read_lines": list(result.read_lines),
             "corrected_lines": list(result.lines), "provider": reading.provider},
            kind,
        )
    if result.correction_status == "ambiguous":
        ctx.add(
            "MRZ_CORRECTION_AMBIGUOUS",
            _WARN,
            f"There are {result.ambiguous_candidates} different corrections that would make the MRZ"
            " check digits pass, so none was applied: the MRZ must be checked by eye.",
            {"candidates": result.ambiguous_candidates, "lines": list(result.read_lines), "provider": reading.provider},
            kind,
        )

    for check in result.checks:
        if check.ok:
            message = f"MRZ check digit for the {check.label} is correct ({check.found})."
        elif check.expected is None:
            message = (
                f"MRZ check digit for the {check.label} cannot be verified: the protected characters"
                f" '{check.data}' include characters that cannot appear in an MRZ."
            )
        else:
            message = (
                f"MRZ check digit for the {check.label} is wrong: the MRZ shows {check.found} but"
                f" '{check.data}' gives {check.expected}."
            )
        ctx.add(
            "MRZ_CHECK_DIGIT",
            _PASS if check.ok else _FAIL,
            message,
            {"check": check.name, "data": check.data, "found": check.found, "expected": check.expected,
             "provider": reading.provider},
            kind,
        )

    errors = [p for p in result.problems if p.severity == "error"]
    for problem in errors:
        ctx.add(
            "MRZ_FIELD_INVALID",
            _FAIL,
            problem.message,
            {"problem": problem.code, "field": problem.field,
             "value": result.raw.get(problem.field), "provider": reading.provider},
            kind,
        )
    for problem in result.problems:
        if problem.severity != "warning":
            continue
        code = "MRZ_NAME_TRUNCATED" if problem.code == "name_truncated" else "MRZ_FIELD_WARNING"
        ctx.add(code, _WARN, problem.message,
                {"problem": problem.code, "field": problem.field, "value": result.raw.get(problem.field),
                 "provider": reading.provider}, kind)
    if not errors:
        ctx.add(
            "MRZ_FIELDS_VALID",
            _PASS,
            "Every MRZ field is well formed: document code, state codes, dates, sex and name.",
            {"format": result.format, "provider": reading.provider},
            kind,
        )
    return result


def _mrz_name(result: mrz.MrzResult) -> str:
    return " ".join(p for p in (result.fields.get("surname"), result.fields.get("given_names")) if p)


def _visual_name(reading: Reading) -> tuple[str | None, str | None, str | None]:
    """(display name, surname, given names) as printed."""
    surname, given = _val(reading, "surname"), _val(reading, "given_names")
    if surname or given:
        return " ".join(p for p in (surname, given) if p), surname or "", given or ""
    full = _val(reading, "full_name")
    return full, None, None


def _name_outcome(ctx: _Ctx, score: float) -> Outcome:
    if score >= ctx.policy.name_similarity_pass:
        return _PASS
    if score >= ctx.policy.name_similarity_warn:
        return _WARN
    return _FAIL


# The printed fields each side is expected to show for comparison with an MRZ: a field missing
# from the reading is reported as not read (VIZ_FIELD_NOT_READ), never silently skipped.
_PRINTED_AGAINST_MRZ: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.PASSPORT: ("name", "birth_date", "expiry_date", "document_number", "nationality",
                            "issuing_state", "sex"),
    DocumentKind.EMIRATES_ID_FRONT: ("name", "birth_date", "expiry_date", "nationality", "sex"),
    DocumentKind.EMIRATES_ID_BACK: ("card_number",),
}

_MRZ_NAME_PARTS = {"surname": "primary identifier", "given_names": "secondary identifier", "name": "name"}


@dataclass
class _NotRead:
    """A printed field that was not read, and the value it would have been compared with."""

    field: str
    reference: dict[str, Any]


def _report_not_read(ctx: _Ctx, reading: Reading, missing: list[_NotRead], *, any_read: bool,
                     against: str) -> None:
    """One VIZ_FIELD_NOT_READ per field the reader missed, or a single one when the reader read
    none of the compared fields (a provider that returns only MRZ-derived data, or a visual zone
    that was not found): a flood of identical warnings would hide the one fact that matters."""
    if not missing:
        return
    kind = reading.document_kind
    place = _place(reading)
    if not any_read and len(missing) > 1:
        listed = ", ".join(_FIELD_WORDS.get(m.field, m.field).lower() for m in missing)
        compared: list[dict[str, Any]] = []
        for m in missing:
            compared += [_item("visual", m.field, None, reading), m.reference]
        if not reading.fields:
            message = (f"The visual zone {place} was not read by '{reading.provider}': it returned no printed"
                       " field (it reads only the MRZ, or did not find the visual zone), so none of the printed"
                       f" fields ({listed}) was compared with {against}. Compare them on the image.")
        else:
            message = (f"The reader '{reading.provider}' read none of the printed fields {place} that are"
                       f" compared with {against} ({listed}), so none was compared. Compare them on the image.")
        ctx.add(
            "VIZ_FIELD_NOT_READ",
            _WARN,
            message,
            {"fields": [m.field for m in missing], "compared": compared, "visual_zone_read": False,
             "provider": reading.provider},
            kind,
        )
        return
    for m in missing:
        word = _FIELD_WORDS.get(m.field, m.field)
        target = f"the {_MRZ_NAME_PARTS[m.field]} in {against}" if m.field in ("surname", "given_names") else against
        were = "were" if m.field == "given_names" else "was"
        ctx.add(
            "VIZ_FIELD_NOT_READ",
            _WARN,
            f"{word} {place} {were} not read, so {'they were' if were == 'were' else 'it was'} not compared"
            f" with {target} ({m.reference['value']}). Check the image.",
            {"fields": [m.field], "compared": [_item("visual", m.field, None, reading), m.reference],
             "visual_zone_read": True, "provider": reading.provider},
            kind,
        )


def _component_score(printed: str, mrz_value: str, *, cut_short: bool) -> float:
    score = names.similarity(printed, mrz_value)
    if cut_short:
        score = max(score, names.prefix_similarity(printed, mrz_value))
    return score


def _compare_names(ctx: _Ctx, viz: Reading, result: mrz.MrzResult, mrz_reading: Reading,
                   missing: list[_NotRead]) -> None:
    """The printed name against the MRZ, component by component and only what was read: the
    surname against the primary identifier, the given names against the secondary identifier.
    A name printed as one string (Emirates ID) is compared whole, in any order."""
    kind = viz.document_kind
    place = _place(viz)
    mrz_place = "the MRZ" if viz is mrz_reading else f"the MRZ {_place(mrz_reading)}"
    printed, surname, given = _visual_name(viz)
    mrz_full = _mrz_name(result)
    if not mrz_full:
        return
    mrz_parts = {"surname": result.fields.get("surname", ""), "given_names": result.fields.get("given_names", "")}
    if not printed:
        missing.append(_NotRead("name", _item("mrz", "name", mrz_full, mrz_reading)))
        return
    if not names.comparable(printed, mrz_full):
        ctx.add(
            "NAME_NOT_COMPARABLE",
            _WARN,
            f"The name {place} is written in a script that cannot be compared with the MRZ"
            " automatically; compare it by eye.",
            {"compared": [_item("visual", "name", printed, viz), _item("mrz", "name", mrz_full, mrz_reading)],
             "scripts": [names.script_of(printed), "latin"]},
            kind,
        )
        return

    # The MRZ name field ends inside its last component when it was truncated.
    last_part = "given_names" if mrz_parts["given_names"] else "surname"
    components: list[dict[str, Any]] = []
    compared: list[dict[str, Any]] = []
    if surname is None:  # one printed string: compare whole, in any order
        score = names.similarity(printed, mrz_full)
        components.append({"component": "name", "visual": printed, "mrz": mrz_full, "similarity": score})
        compared += [_item("visual", "name", printed, viz), _item("mrz", "name", mrz_full, mrz_reading)]
    else:
        for part, value in (("surname", surname), ("given_names", given)):
            mrz_value = mrz_parts[part]
            if not value:
                if mrz_value:
                    missing.append(_NotRead(part, _item("mrz", part, mrz_value, mrz_reading)))
                continue
            if not mrz_value and result.name_truncated:
                continue  # the truncation cut this component off entirely: nothing to compare
            cut = result.name_truncated and part == last_part
            score = _component_score(value, mrz_value, cut_short=cut) if mrz_value else 0.0
            components.append({"component": part, "visual": value, "mrz": mrz_value, "similarity": score})
            compared += [_item("visual", part, value, viz), _item("mrz", part, mrz_value, mrz_reading)]
    if not components:
        return
    score = min(c["similarity"] for c in components)
    outcome = _name_outcome(ctx, score)
    swapped = False
    if outcome == _FAIL and len(components) == 2 and surname and given:
        # Surname and given names exchanged (a reader's mislabelled caption, or an issuer's order):
        # not a contradiction to fail on, but a reviewer must look.
        crossed = min(names.similarity(surname, mrz_parts["given_names"]),
                      names.similarity(given, mrz_parts["surname"]))
        if crossed >= ctx.policy.name_similarity_pass:
            outcome, swapped = _WARN, True
    verdict = {"pass": "matches", "warn": "is similar to but not the same as",
               "fail": "does not match"}[str(outcome)]
    described = "; ".join(
        f"{_FIELD_WORDS[c['component']].lower()} {c['visual']} against the {_MRZ_NAME_PARTS[c['component']]}"
        f" {c['mrz'] or '(empty)'}: {c['similarity']:.2f}"
        for c in components
    )
    notes = ""
    if swapped:
        notes += " Surname and given names appear exchanged between the printed zone and the MRZ."
    if result.name_truncated:
        notes += " The MRZ name is truncated, so only its length was compared."
    only_read = [c["component"] for c in components]
    if surname is not None and len(only_read) == 1 and mrz_parts["given_names" if only_read == ["surname"] else "surname"]:
        notes += f" Only the {_FIELD_WORDS[only_read[0]].lower()} was read, so only it was compared."
    ctx.add(
        "VIZ_MRZ_NAME",
        outcome,
        f"The name {place} ({printed}) {verdict} {mrz_place} ({mrz_full}): {described}.{notes}",
        {"compared": compared, "components": components, "similarity": score, "swapped": swapped,
         "pass_at": ctx.policy.name_similarity_pass, "warn_at": ctx.policy.name_similarity_warn,
         "mrz_truncated": result.name_truncated},
        kind,
    )


def _compare_viz_mrz(ctx: _Ctx, viz: Reading, result: mrz.MrzResult, mrz_reading: Reading,
                     *, number_field: str = "document_number", other_side: Reading | None = None) -> None:
    """Printed values of ``viz`` against the MRZ of ``mrz_reading`` (may be the same reading).

    Every printed field the side is expected to show (``_PRINTED_AGAINST_MRZ``) that was not read
    while the MRZ holds a value for it is reported as VIZ_FIELD_NOT_READ, unless ``other_side``
    prints and read it (older Emirates IDs print birth date, sex and expiry on the back)."""
    kind = viz.document_kind
    place = _place(viz)
    mrz_place = "the MRZ" if viz is mrz_reading else f"the MRZ {_place(mrz_reading)}"
    expected = _PRINTED_AGAINST_MRZ.get(kind, ())
    missing: list[_NotRead] = []

    # Name
    _compare_names(ctx, viz, result, mrz_reading, missing)

    # Dates: compare the printed date with the MRZ's YYMMDD, so a wrong century guess cannot
    # turn a match into a mismatch.
    for name, code in (("birth_date", "VIZ_MRZ_BIRTH_DATE"), ("expiry_date", "VIZ_MRZ_EXPIRY_DATE")):
        printed_date = _visual_date(ctx, viz, name)
        raw = result.raw.get(name, "")
        mrz_ok = raw.isdigit() and len(raw) == 6
        mrz_value = result.fields.get(name) or raw
        if _val(viz, name) is None and mrz_ok:
            missing.append(_NotRead(name, _item("mrz", name, mrz_value, mrz_reading)))
        if printed_date is None or not mrz_ok:
            continue
        same = printed_date.strftime("%y%m%d") == raw
        word = _FIELD_WORDS[name]
        ctx.add(
            code,
            _PASS if same else _FAIL,
            (
                f"{word} {place} ({printed_date.isoformat()}) matches {mrz_place}."
                if same
                else f"{word} {place} ({printed_date.isoformat()}) differs from {mrz_place} ({mrz_value})."
            ),
            {"compared": [_item("visual", name, printed_date.isoformat(), viz),
                          _item("mrz", name, mrz_value, mrz_reading)], "mrz_raw": raw},
            kind,
        )

    # Document number
    printed_number = _val(viz, number_field)
    mrz_number = result.fields.get("document_number", "")
    if not printed_number and mrz_number:
        missing.append(_NotRead(number_field, _item("mrz", "document_number", mrz_number, mrz_reading)))
    if printed_number and mrz_number:
        a, b = _norm_number(printed_number), _norm_number(mrz_number)
        if a == b:
            outcome, message = _PASS, f"{_FIELD_WORDS[number_field]} {place} matches {mrz_place} ({mrz_number})."
        elif _differs_by_confusions(a, b):
            outcome, message = _WARN, (
                f"{_FIELD_WORDS[number_field]} {place} ({printed_number}) differs from {mrz_place}"
                f" ({mrz_number}) only by letters and digits OCR often confuses (O/0, I/1 ...);"
                " check the image."
            )
        else:
            outcome, message = _FAIL, (
                f"{_FIELD_WORDS[number_field]} {place} ({printed_number}) differs from {mrz_place} ({mrz_number})."
            )
        ctx.add(
            "VIZ_MRZ_DOCUMENT_NUMBER",
            outcome,
            message,
            {"compared": [_item("visual", number_field, printed_number, viz),
                          _item("mrz", "document_number", mrz_number, mrz_reading)]},
            kind,
        )

    # Nationality and issuing state
    for name, code in (("nationality", "VIZ_MRZ_NATIONALITY"), ("issuing_state", "VIZ_MRZ_ISSUING_STATE")):
        printed_value = _val(viz, name)
        mrz_value = result.fields.get(name, "")
        if not printed_value and mrz_value:
            missing.append(_NotRead(name, _item("mrz", name, mrz_value, mrz_reading)))
        if not printed_value or not mrz_value:
            continue
        printed_code = code_for_name(printed_value)
        compared = [_item("visual", name, printed_value, viz), _item("mrz", name, mrz_value, mrz_reading)]
        word = _FIELD_WORDS[name]
        if printed_code is None:
            ctx.add(code, _WARN,
                    f"{word} {place} ('{printed_value}') is not a country or code this check knows;"
                    f" compare it with {mrz_place} ({mrz_value}) by eye.",
                    {"compared": compared}, kind)
        elif printed_code == mrz_value:
            ctx.add(code, _PASS, f"{word} {place} ({printed_value}) matches {mrz_place} ({mrz_value}).",
                    {"compared": compared, "printed_as_code": printed_code}, kind)
        else:
            ctx.add(code, _FAIL,
                    f"{word} {place} ({printed_value}, code {printed_code}) differs from {mrz_place} ({mrz_value}).",
                    {"compared": compared, "printed_as_code": printed_code}, kind)

    # Sex
    printed_sex_raw = _val(viz, "sex")
    mrz_sex = result.fields.get("sex", "") or "X"
    if not printed_sex_raw and result.fields.get("sex"):
        # An unspecified sex ('<' in the MRZ) may be printed as X or not at all: only M, F, X count.
        missing.append(_NotRead("sex", _item("mrz", "sex", result.fields["sex"], mrz_reading)))
    if printed_sex_raw:
        printed_sex = _sex(printed_sex_raw)
        compared = [_item("visual", "sex", printed_sex_raw, viz), _item("mrz", "sex", result.raw.get("sex"), mrz_reading)]
        if printed_sex is None:
            ctx.add("FIELD_UNREADABLE", _WARN, f"Sex {place} was read as '{printed_sex_raw}', which is not M, F or X.",
                    {"compared": compared[:1]}, kind)
        else:
            same = printed_sex == mrz_sex
            ctx.add(
                "VIZ_MRZ_SEX",
                _PASS if same else _FAIL,
                f"Sex {place} ({printed_sex_raw}) {'matches' if same else 'differs from'} {mrz_place} ({mrz_sex}).",
                {"compared": compared},
                kind,
            )

    def group(field_name: str) -> str:
        return "name" if field_name in ("surname", "given_names") else field_name

    read = {group(name) for name in ("surname", "given_names") if _val(viz, name)} | (
        {"name"} if _val(viz, "full_name") else set()) | {name for name in expected if _val(viz, name)}
    elsewhere = {m.field for m in missing if other_side is not None and _val(other_side, m.field)}
    _report_not_read(ctx, viz, [m for m in missing if group(m.field) in expected and m.field not in elsewhere],
                     any_read=bool(read & set(expected)) or bool(elsewhere), against=mrz_place)


def _record_mrz_facts(ctx: _Ctx, reading: Reading, result: mrz.MrzResult, viz: Reading | None) -> None:
    kind = str(reading.document_kind)
    name = _mrz_name(result)
    if name:
        ctx.names.append(_Fact(name, _item("mrz", "name", name, reading), kind))
    for field_name, facts in (("birth_date", ctx.births), ("expiry_date", ctx.expiries)):
        check = result.check(field_name)
        value = result.birth_date if field_name == "birth_date" else result.expiry_date
        if value is None or check is None or not check.ok:
            continue
        # A printed four-digit year settles the century when the printed date agrees with the MRZ.
        printed = _iso(_val(viz, field_name)) if viz is not None else None
        if printed is not None and printed.strftime("%y%m%d") == result.raw[field_name]:
            value = printed
        facts.append(_Fact(value, _item("mrz", field_name, value.isoformat(), reading), kind))
    issuer = (result.fields.get("issuing_state") or "").replace("<", "")
    if is_icao_code(issuer):
        ctx.issuing_states.append(_Fact(issuer, _item("mrz", "issuing_state", issuer, reading), kind))
    if result.fields.get("nationality"):
        ctx.nationalities.append(
            _Fact(result.fields["nationality"], _item("mrz", "nationality", result.fields["nationality"], reading), kind)
        )


def _record_visual_facts(ctx: _Ctx, reading: Reading) -> None:
    kind = str(reading.document_kind)
    printed, _, _ = _visual_name(reading)
    if printed:
        ctx.names.append(_Fact(printed, _item("visual", "name", printed, reading), kind))
    for field_name, facts in (("birth_date", ctx.births), ("expiry_date", ctx.expiries)):
        value = _iso(_val(reading, field_name))
        if value is not None:
            facts.append(_Fact(value, _item("visual", field_name, value.isoformat(), reading), kind))
    nationality = _val(reading, "nationality")
    if nationality and code_for_name(nationality):
        ctx.nationalities.append(_Fact(code_for_name(nationality), _item("visual", "nationality", nationality, reading), kind))


# ---------------------------------------------------------------------------------------------
# Documents


def _check_passport(ctx: _Ctx, page: Reading | None) -> None:
    if page is None:
        return
    result = _check_mrz(ctx, page, formats=("TD3",), code_first="P")
    if result is not None:
        _compare_viz_mrz(ctx, page, result, page)
        _record_mrz_facts(ctx, page, result, page)
    _record_visual_facts(ctx, page)


def _check_emirates_id(ctx: _Ctx, front: Reading | None, back: Reading | None) -> None:
    front_number: emirates_id.IdNumberResult | None = None
    if front is not None:
        raw = _val(front, "id_number")
        if raw is None:
            ctx.add("EID_ID_NUMBER", _FAIL, "No Emirates ID number was read on the front.",
                    {"compared": [_item("visual", "id_number", None, front)]}, front.document_kind)
        else:
            front_number = emirates_id.validate_id_number(raw)
            ctx.add(
                "EID_ID_NUMBER",
                _PASS if front_number.ok else _FAIL,
                (
                    f"The Emirates ID number on the front ({front_number.formatted}) is well formed and its"
                    " check digit is correct."
                    if front_number.ok
                    else f"The Emirates ID number on the front ('{raw}') is invalid: "
                    + " ".join(p.message for p in front_number.problems)
                ),
                {"compared": [_item("visual", "id_number", raw, front)],
                 "expected_check_digit": front_number.expected_check_digit,
                 "problems": [p.code for p in front_number.problems]},
                front.document_kind,
            )

    result = None
    if back is not None:
        result = _check_mrz(ctx, back, formats=("TD1",), code_first="I")
    if back is not None and result is not None:
        rules = emirates_id.check_back_mrz(result)
        problems = {p.code: p.message for p in rules.problems}
        kind = back.document_kind
        issuer = result.fields["issuing_state"]
        ctx.add("EID_MRZ_ISSUER", _FAIL if "issuing_state" in problems else _PASS,
                problems.get("issuing_state", "The back MRZ names ARE (United Arab Emirates) as issuer."),
                {"compared": [_item("mrz", "issuing_state", issuer, back)], "expected": "ARE"}, kind)
        card = rules.card_number
        ctx.add("EID_MRZ_CARD_NUMBER", _FAIL if "card_number_format" in problems else _PASS,
                problems.get("card_number_format", f"The back MRZ carries the 9-digit card number {card}."),
                {"compared": [_item("mrz", "document_number", card, back)]}, kind)
        id_problem = problems.get("id_number_missing") or problems.get("id_number_invalid")
        mrz_id = rules.id_number.formatted if rules.id_number and rules.id_number.formatted else result.fields["optional_data"]
        ctx.add("EID_MRZ_ID_NUMBER", _FAIL if id_problem else _PASS,
                id_problem or f"The back MRZ carries a valid Emirates ID number ({mrz_id}).",
                {"compared": [_item("mrz", "optional_data", result.fields["optional_data"], back)]}, kind)

        if front_number is not None and front_number.digits and rules.id_number and rules.id_number.digits:
            same = front_number.digits == rules.id_number.digits
            ctx.add(
                "EID_ID_NUMBER_FRONT_BACK",
                _PASS if same else _FAIL,
                (
                    f"The ID number on the front matches the one in the back MRZ ({front_number.formatted})."
                    if same
                    else f"The ID number on the front ({front_number.formatted}) differs from the one in the"
                    f" back MRZ ({rules.id_number.formatted})."
                ),
                {"compared": [_item("visual", "id_number", front_number.formatted, front),
                              _item("mrz", "optional_data", rules.id_number.formatted, back)]},
                front.document_kind if front is not None else None,
            )
        if front is not None:
            _compare_viz_mrz(ctx, front, result, back, other_side=back)
        _compare_viz_mrz(ctx, back, result, back, number_field="card_number")
        _record_mrz_facts(ctx, back, result, front)
    for side in (front, back):
        if side is not None:
            _record_visual_facts(ctx, side)


def _check_cn_id(ctx: _Ctx, portrait: Reading | None, emblem: Reading | None) -> None:
    number: cn_resident_id.NumberResult | None = None
    if portrait is not None:
        kind = portrait.document_kind
        raw = _val(portrait, "id_number")
        if raw is None:
            ctx.add("CN_ID_NUMBER", _FAIL, "No ID number was read on the portrait side.",
                    {"compared": [_item("visual", "id_number", None, portrait)]}, kind)
        else:
            number = cn_resident_id.validate_number(raw, today=ctx.today)
            codes = {p.code: p.message for p in number.problems}
            ev_number = {"compared": [_item("visual", "id_number", raw, portrait)]}
            if number.legacy:
                ctx.add("CN_ID_LEGACY_NUMBER", _FAIL, codes["legacy_15_digit"], ev_number, kind)
            else:
                structural = [codes[c] for c in ("length", "characters", "check_character") if c in codes]
                ctx.add(
                    "CN_ID_NUMBER",
                    _FAIL if structural else _PASS,
                    " ".join(structural) if structural
                    else "The ID number has 18 characters and its check character is correct.",
                    {**ev_number, "expected_check_character": number.expected_check_character},
                    kind,
                )
                if not ({"length", "characters"} & codes.keys()):
                    ctx.add(
                        "CN_ID_PROVINCE",
                        _FAIL if "province" in codes else _PASS,
                        codes.get("province", f"The number's province code {number.province_code} is"
                                              f" {number.province}."),
                        {"province_code": number.province_code, "province": number.province,
                         "compared": ev_number["compared"]},
                        kind,
                    )
            _check_cn_printed_vs_number(ctx, portrait, number, raw)
        name = _val(portrait, "full_name")
        if name:
            ctx.names.append(_Fact(name, _item("visual", "name", name, portrait), str(kind)))
        printed_birth = _iso(_val(portrait, "birth_date"))
        if printed_birth is not None:
            ctx.births.append(_Fact(printed_birth, _item("visual", "birth_date", printed_birth.isoformat(), portrait), str(kind)))
        elif number is not None and number.birth_date is not None and not number.legacy:
            ctx.births.append(_Fact(number.birth_date,
                                    _item("id_number", "birth_date", number.birth_date.isoformat(), portrait), str(kind)))
        # Only PRC nationals hold a resident ID card: the document itself says the nationality.
        ctx.nationalities.append(_Fact("CHN", _item("document_type", "nationality", "CHN", portrait), str(kind)))

    if emblem is not None:
        kind = emblem.document_kind
        raw_period = _val(emblem, "validity_period")
        birth = ctx.births[0].value if ctx.births else None
        if raw_period is None:
            expiry = _visual_date(ctx, emblem, "expiry_date")
            if expiry is not None:
                ctx.expiries.append(_Fact(expiry, _item("visual", "expiry_date", expiry.isoformat(), emblem), str(kind)))
            return
        validity = cn_resident_id.check_validity(raw_period, birth_date=birth, today=ctx.today)
        compared = [_item("visual", "validity_period", raw_period, emblem)]
        if birth is not None:
            compared.append(ctx.births[0].item)
        codes = {p.code: p.message for p in validity.problems}
        if validity.period is None:
            ctx.add("CN_ID_VALIDITY_PERIOD", _FAIL, codes["unreadable"], {"compared": compared}, kind)
            return
        evidence = {"compared": compared, "age_at_issue": validity.age_at_issue,
                    "expected_years": validity.expected_years, "expected_long_term": validity.expected_long_term,
                    "actual_years": validity.actual_years, "long_term": validity.period.long_term}
        if "issued_before_birth" in codes:
            ctx.add("CN_ID_VALIDITY_PERIOD", _FAIL, codes["issued_before_birth"], evidence, kind)
        elif validity.problems:
            ctx.add("CN_ID_VALIDITY_PERIOD", _WARN, " ".join(codes.values()), evidence, kind)
        elif validity.consistent:
            length = "long-term" if validity.period.long_term else f"{validity.actual_years} years"
            ctx.add("CN_ID_VALIDITY_PERIOD", _PASS,
                    f"The validity period ({length}) is right for the age at issue ({validity.age_at_issue}).",
                    evidence, kind)
        else:
            ctx.add("CN_ID_VALIDITY_PERIOD", _PASS,
                    "The validity period was read; without a birth date its length was not judged.",
                    evidence, kind)
        end = validity.period.end
        ctx.expiries.append(
            _Fact(end if end is not None else "long_term",
                  _item("visual", "validity_period", raw_period, emblem), str(kind))
        )


def _check_cn_printed_vs_number(ctx: _Ctx, portrait: Reading, number: cn_resident_id.NumberResult, raw: str) -> None:
    kind = portrait.document_kind
    printed_raw = _val(portrait, "birth_date")
    printed = _visual_date(ctx, portrait, "birth_date")
    embedded = number.birth_date
    compared = [_item("id_number", "birth_date", embedded.isoformat() if embedded else None, portrait)]
    if embedded is None and number.number and not number.legacy and len(number.number) == 18:
        ctx.add("CN_ID_BIRTH_DATE", _FAIL,
                f"The birth date inside the ID number ({number.number[6:14]}) is not a real date.",
                {"compared": compared, "digits": number.number[6:14]}, kind)
    elif embedded is not None and printed is not None:
        same = embedded == printed
        compared.append(_item("visual", "birth_date", printed_raw, portrait))
        ctx.add(
            "CN_ID_BIRTH_DATE",
            _PASS if same else _FAIL,
            (
                f"The birth date in the ID number matches the printed one ({printed.isoformat()})."
                if same
                else f"The birth date in the ID number ({embedded.isoformat()}) differs from the printed one"
                f" ({printed.isoformat()})."
            ),
            {"compared": compared},
            kind,
        )
    printed_sex_raw = _val(portrait, "sex")
    missing: list[_NotRead] = []
    if printed_raw is None and embedded is not None:
        missing.append(_NotRead("birth_date", compared[0]))
    if printed_sex_raw is None and number.sex:
        missing.append(_NotRead("sex", _item("id_number", "sex", number.sex, portrait)))
    _report_not_read(ctx, portrait, missing, any_read=bool(printed_raw or printed_sex_raw), against="the ID number")
    if number.sex and printed_sex_raw:
        printed_sex = _sex(printed_sex_raw)
        compared = [_item("id_number", "sex", number.sex, portrait), _item("visual", "sex", printed_sex_raw, portrait)]
        if printed_sex is None:
            ctx.add("FIELD_UNREADABLE", _WARN, f"Sex on the portrait side was read as '{printed_sex_raw}', which is not 男 or 女.",
                    {"compared": compared[1:]}, kind)
        else:
            same = printed_sex == number.sex
            parity = "odd" if number.sex == "M" else "even"
            ctx.add(
                "CN_ID_SEX",
                _PASS if same else _FAIL,
                (
                    f"The printed sex ({printed_sex_raw}) matches the ID number (sequence digit {parity})."
                    if same
                    else f"The printed sex ({printed_sex_raw}) contradicts the ID number, whose sequence is"
                    f" {parity} ({'male' if number.sex == 'M' else 'female'})."
                ),
                {"compared": compared},
                kind,
            )


# ---------------------------------------------------------------------------------------------
# Case-level facts


def _check_expiry(ctx: _Ctx) -> None:
    if not ctx.expiries:
        kinds = REQUIRED_KINDS.get(ctx.case.document_type, ())
        ctx.add(
            "DOC_EXPIRY_UNKNOWN",
            _FAIL,
            "No expiry date could be read from the document, so its validity could not be checked.",
            {"document_type": str(ctx.case.document_type)},
            kinds[0] if len(kinds) == 1 else None,
        )
        return
    fact = ctx.expiries[0]
    compared = [fact.item, _item("today", "date", ctx.today.isoformat())]
    if fact.value == "long_term":
        ctx.add("DOC_EXPIRY", _PASS, "The document is valid long-term (长期).", {"compared": compared}, fact.kind)
        return
    expiry: date = fact.value
    days_left = (expiry - ctx.today).days
    evidence = {"compared": compared, "days_left": days_left, "warning_days": ctx.policy.expiry_warning_days}
    if days_left < 0:
        ctx.add("DOC_EXPIRY", _FAIL, f"The document expired on {expiry.isoformat()}.", evidence, fact.kind)
    elif days_left <= ctx.policy.expiry_warning_days:
        ctx.add("DOC_EXPIRY", _WARN,
                f"The document expires on {expiry.isoformat()}, in {days_left} days.", evidence, fact.kind)
    else:
        ctx.add("DOC_EXPIRY", _PASS, f"The document is valid until {expiry.isoformat()}.", evidence, fact.kind)


def _check_age(ctx: _Ctx) -> None:
    if not ctx.births:
        ctx.add("APPLICANT_AGE_UNKNOWN", _FAIL,
                "No birth date could be read from the document, so the applicant's age is unknown.",
                {"minimum_age": ctx.policy.minimum_age_years})
        return
    fact = ctx.births[0]
    birth: date = fact.value
    evidence = {"compared": [fact.item, _item("today", "date", ctx.today.isoformat())],
                "minimum_age": ctx.policy.minimum_age_years}
    if birth > ctx.today:
        ctx.add("APPLICANT_AGE", _FAIL, f"The birth date ({birth.isoformat()}) is in the future.", evidence, fact.kind)
        return
    age = _age(birth, ctx.today)
    evidence["age"] = age
    if age < ctx.policy.minimum_age_years:
        ctx.add("APPLICANT_AGE", _FAIL,
                f"The applicant is {age}, under the minimum age of {ctx.policy.minimum_age_years}"
                f" (born {birth.isoformat()}).", evidence, fact.kind)
    elif age > ctx.policy.maximum_age_years:
        ctx.add("APPLICANT_AGE", _WARN,
                f"The birth date ({birth.isoformat()}) makes the applicant {age}, which is implausible.",
                evidence, fact.kind)
    else:
        ctx.add("APPLICANT_AGE", _PASS,
                f"The applicant is {age}, at least the minimum age of {ctx.policy.minimum_age_years}.",
                evidence, fact.kind)


def _check_declared(ctx: _Ctx) -> None:
    declared = ctx.case.declared
    if declared.full_name and declared.full_name.strip() and ctx.names:
        typed = declared.full_name.strip()
        scored = [(names.similarity(typed, f.value), f) for f in ctx.names if names.comparable(typed, f.value)]
        compared = [_item("declared", "name", typed)] + [f.item for f in ctx.names]
        if not scored:
            ctx.add("NAME_NOT_COMPARABLE", _WARN,
                    f"The name the applicant typed ({typed}) is in a different script from the document's;"
                    " compare them by eye.",
                    {"compared": compared, "scripts": [names.script_of(typed)] + [names.script_of(f.value) for f in ctx.names]})
        else:
            score, best = max(scored, key=lambda s: s[0])
            outcome = _name_outcome(ctx, score)
            verdict = {"pass": "matches", "warn": "is close to but not the same as",
                       "fail": "does not match"}[str(outcome)]
            message = (f"The name the applicant typed ({typed}) {verdict} the document ({best.value});"
                       f" similarity {score:.2f}.")
            omitted = names.omitted_components(typed, best.value) if outcome == _FAIL else []
            if omitted:
                # Leaving out a middle name is common and not a contradiction: a reviewer decides.
                outcome = _WARN
                message = (f"The name the applicant typed ({typed}) leaves out part of the name on the"
                           f" document ({best.value}): {' '.join(omitted)}.")
            ctx.add("DECLARED_NAME", outcome, message,
                    {"compared": compared, "similarity": score, "best_match": best.item, "omitted": omitted,
                     "pass_at": ctx.policy.name_similarity_pass, "warn_at": ctx.policy.name_similarity_warn},
                    best.kind)
    if declared.birth_date and ctx.births:
        fact = ctx.births[0]
        same = fact.value == declared.birth_date
        ctx.add("DECLARED_BIRTH_DATE", _PASS if same else _FAIL,
                (f"The birth date the applicant typed matches the document ({fact.value.isoformat()})."
                 if same else
                 f"The birth date the applicant typed ({declared.birth_date.isoformat()}) differs from the"
                 f" document ({fact.value.isoformat()})."),
                {"compared": [_item("declared", "birth_date", declared.birth_date.isoformat()), fact.item]},
                fact.kind)
    if declared.nationality and declared.nationality.strip() and ctx.nationalities:
        fact = ctx.nationalities[0]
        typed = declared.nationality.strip()
        code = code_for_name(typed)
        compared = [_item("declared", "nationality", typed), fact.item]
        if code is None:
            ctx.add("DECLARED_NATIONALITY", _WARN,
                    f"The nationality the applicant typed ('{typed}') is not a country this check knows;"
                    f" the document says {fact.value}.", {"compared": compared}, fact.kind)
        else:
            same = code == fact.value
            ctx.add("DECLARED_NATIONALITY", _PASS if same else _FAIL,
                    f"The nationality the applicant typed ({typed}) {'matches' if same else 'differs from'}"
                    f" the document ({fact.value}).", {"compared": compared, "declared_as_code": code}, fact.kind)


    if declared.issuing_state and ctx.issuing_states:
        fact = ctx.issuing_states[0]
        chosen = declared.issuing_state.strip().upper()
        # Germany writes D in the MRZ; an applicant chooses DEU.
        same = (fact.value if fact.value != "D" else "DEU") == ("DEU" if chosen == "D" else chosen)
        ctx.add("DECLARED_COUNTRY", _PASS if same else _FAIL,
                f"The issuing country the applicant chose ({chosen}) {'matches' if same else 'differs from'}"
                f" the document's issuing state ({fact.value}).",
                {"compared": [_item("declared", "issuing_state", chosen), fact.item]}, fact.kind)


# ---------------------------------------------------------------------------------------------
# Bank card


def _check_bank_card(ctx: _Ctx, card: Reading) -> None:
    kind = card.document_kind
    masked = _val(card, "card_number_masked")
    luhn = _val(card, "card_number_luhn")
    if masked is None:
        ctx.add("BANK_CARD_NUMBER", _WARN, "No card number was read from the bank card.", {}, kind)
    elif not bank_card.is_masked_number(masked):
        # Never echo what may be a full card number into evidence.
        ctx.add("BANK_CARD_NUMBER", _FAIL,
                "The card number was not stored in masked form (first 6 and last 4 digits); it cannot be checked.",
                {"length": len(masked)}, kind)
    else:
        ok = luhn == "valid"
        outcome = _PASS if ok else (_FAIL if luhn == "invalid" else _WARN)
        message = {
            _PASS: f"The card number ({masked}) passed the Luhn check when it was read.",
            _FAIL: f"The card number ({masked}) fails the Luhn check: it was misread or is not a real card number.",
            _WARN: f"Whether the card number ({masked}) passes the Luhn check is unknown.",
        }[outcome]
        ctx.add("BANK_CARD_NUMBER", outcome, message,
                {"compared": [_item("visual", "card_number_masked", masked, card),
                              _item("visual", "card_number_luhn", luhn, card)]}, kind)
        brand_read = _val(card, "card_brand")
        implied = bank_card.brand_of(masked[:6])
        if brand_read:
            same = brand_read.lower() == implied
            ctx.add("BANK_CARD_BRAND", _PASS if same else _WARN,
                    (f"The card brand ({brand_read}) matches the number's prefix." if same else
                     f"The card brand read ({brand_read}) differs from the brand the prefix implies ({implied})."),
                    {"compared": [_item("visual", "card_brand", brand_read, card),
                                  _item("card_prefix", "card_brand", implied, card)]}, kind)

    raw_expiry = _val(card, "card_expiry")
    if raw_expiry:
        expiry = bank_card.parse_expiry(raw_expiry)
        compared = [_item("visual", "card_expiry", raw_expiry, card), _item("today", "date", ctx.today.isoformat())]
        if expiry is None:
            ctx.add("BANK_CARD_EXPIRY", _FAIL, f"The card expiry '{raw_expiry}' is not a MM/YY date.",
                    {"compared": compared}, kind)
        else:
            days_left = (expiry.last_day - ctx.today).days
            evidence = {"compared": compared, "valid_through": expiry.last_day.isoformat(), "days_left": days_left}
            if days_left < 0:
                ctx.add("BANK_CARD_EXPIRY", _FAIL, f"The bank card expired at the end of {expiry}.", evidence, kind)
            elif days_left <= ctx.policy.expiry_warning_days:
                ctx.add("BANK_CARD_EXPIRY", _WARN, f"The bank card expires at the end of {expiry}, in {days_left} days.",
                        evidence, kind)
            else:
                ctx.add("BANK_CARD_EXPIRY", _PASS, f"The bank card is valid through {expiry}.", evidence, kind)

    holder = _val(card, "cardholder_name")
    references = [f for f in ctx.names if names.comparable(holder, f.value)] if holder else []
    if holder and references:
        score, best = max(((names.similarity(holder, f.value), f) for f in references), key=lambda s: s[0])
        outcome = _name_outcome(ctx, score)
        ctx.add("BANK_CARD_NAME", outcome,
                f"The cardholder name ({holder}) {'matches' if outcome == _PASS else 'differs from'} the identity"
                f" document ({best.value}); similarity {score:.2f}.",
                {"compared": [_item("visual", "cardholder_name", holder, card), best.item], "similarity": score},
                kind)


# ---------------------------------------------------------------------------------------------
# Second reads


def _protected_values(ctx: _Ctx, reading: Reading) -> dict[str, tuple[str, bool | None, str]]:
    """field -> (normalised value, self-consistent?, source) for the check-protected fields."""
    values: dict[str, tuple[str, bool | None, str]] = {}
    if reading.mrz_lines:
        result = ctx.parse_mrz(reading)
        if result.format is not None:
            check_for = {"document_number": "document_number", "birth_date": "birth_date",
                         "expiry_date": "expiry_date", "personal_number": "personal_number",
                         "optional_data": "composite"}
            for name, check_name in check_for.items():
                value = result.fields.get(name)
                if value is None or (name == "optional_data" and result.format != "TD1"):
                    continue
                check = result.check(check_name)
                values[f"mrz.{name}"] = (value or result.raw.get(name, ""), check.ok if check else None, "mrz")
    id_number = _val(reading, "id_number")
    if id_number:
        if reading.document_kind in (DocumentKind.EMIRATES_ID_FRONT, DocumentKind.EMIRATES_ID_BACK):
            res = emirates_id.validate_id_number(id_number)
            values["id_number"] = (res.digits or _norm_number(id_number), res.ok, "visual")
        else:
            cn = cn_resident_id.validate_number(id_number, today=ctx.today)
            values["id_number"] = (cn.number or _norm_number(id_number), cn.ok, "visual")
    for name in ("document_number", "card_number", "card_number_masked"):
        value = _val(reading, name)
        if value:
            values[name] = (_norm_number(value) if name != "card_number_masked" else value, None, "visual")
    for name in ("birth_date", "expiry_date"):
        value = _val(reading, name)
        if value:
            parsed = _iso(value)
            values[name] = (parsed.isoformat() if parsed else value, None, "visual")
    return values


def _check_second_reads(ctx: _Ctx, primary: dict[DocumentKind, Reading], seconds: list[Reading]) -> None:
    for second in seconds:
        first = primary.get(second.document_kind)
        if first is None:
            continue
        kind = second.document_kind
        mine, theirs = _protected_values(ctx, first), _protected_values(ctx, second)
        common = [name for name in mine if name in theirs]
        disagreements = [name for name in common if mine[name][0] != theirs[name][0]]
        for name in disagreements:
            a_value, a_ok, source = mine[name]
            b_value, b_ok, _ = theirs[name]
            field_name = name.split(".", 1)[-1]
            word = _FIELD_WORDS.get(field_name, field_name)
            where = " in the MRZ" if source == "mrz" else ""
            if a_ok and b_ok is False:
                outcome = _WARN
                why = (f" {first.provider}'s value passes its check digit and {second.provider}'s does not,"
                       f" so {second.provider} probably misread it.")
            else:
                outcome = _FAIL
                why = " Check the image."
            ctx.add(
                "READERS_DISAGREE",
                outcome,
                f"{word}{where} {_place(first)} was read as {a_value} by {first.provider} and as {b_value}"
                f" by {second.provider}.{why}",
                {"compared": [_item(source, field_name, a_value, first), _item(source, field_name, b_value, second)],
                 "check_valid": {first.provider: a_ok, second.provider: b_ok}},
                kind,
            )
        if common and not disagreements:
            ctx.add(
                "READERS_AGREE",
                _PASS,
                f"Readers {first.provider} and {second.provider} agree on {len(common)} check-protected field(s)"
                f" {_place(first)}.",
                {"fields": common, "providers": [first.provider, second.provider]},
                kind,
            )
