"""The MRZ of a side: its layout and check digits, the printed zone against it, and the facts it
establishes; and the passport, whose data page carries both."""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import mrz, names
from ..icao_codes import code_for_name, is_icao_code
from ..kinds import DocumentKind
from ..reading import Reading
from .context import (
    FAIL,
    FIELD_WORDS,
    PASS,
    WARN,
    CheckEnv,
    Fact,
    Facts,
    NotRead,
    Report,
    differs_by_confusions,
    iso,
    item,
    label,
    mrz_name_part,
    norm_number,
    place,
    report_not_read,
    sex_code,
    val,
    visual_date,
    visual_name,
)

# The printed fields each side is expected to show for comparison with an MRZ: a field missing
# from the reading is reported as not read (VIZ_FIELD_NOT_READ), never silently skipped.
_PRINTED_AGAINST_MRZ: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.PASSPORT: ("name", "birth_date", "expiry_date", "document_number", "nationality",
                            "issuing_state", "sex"),
    DocumentKind.EMIRATES_ID_FRONT: ("name", "birth_date", "expiry_date", "nationality", "sex"),
    DocumentKind.EMIRATES_ID_BACK: ("card_number",),
}


def check_passport(page: Reading | None, *, env: CheckEnv) -> Report:
    report = Report()
    if page is None:
        return report
    mrz_report, result = check_mrz(page, env=env, formats=("TD3",), code_first="P")
    report.extend(mrz_report)
    if result is not None:
        report.extend(compare_viz_mrz(page, result, page, env=env))
        report.facts.extend(mrz_facts(page, result, page))
    report.facts.extend(visual_facts(page))
    return report


# ---------------------------------------------------------------------------------------------
# The MRZ itself


def check_mrz(reading: Reading, *, env: CheckEnv, formats: tuple[str, ...],
              code_first: str) -> tuple[Report, mrz.MrzResult | None]:
    """Layout, document code, corrections, check digits and field validity of a side's MRZ.
    The parsed MRZ is returned when it has a layout the other checks can use."""
    report = Report()
    kind = reading.document_kind
    if not reading.mrz_lines:
        report.add("MRZ_MISSING", FAIL, f"No machine readable zone was read {place(reading)}; it should carry one.",
                   {"provider": reading.provider}, kind)
        return report, None
    result = env.parse_mrz(reading)
    if result.format is None:
        report.add("MRZ_UNREADABLE", FAIL, result.problems[0].message,
                   {"provider": reading.provider, "lines": list(result.read_lines)}, kind)
        return report, None
    report.add(*_document_type_finding(reading, result, formats, code_first), kind)
    _add_corrections(report, reading, result)
    for check in result.checks:
        report.add("MRZ_CHECK_DIGIT", PASS if check.ok else FAIL, _check_digit_message(check),
                   {"check": check.name, "data": check.data, "found": check.found, "expected": check.expected,
                    "provider": reading.provider}, kind)
    _add_field_problems(report, reading, result)
    return report, result


def _document_type_finding(reading: Reading, result: mrz.MrzResult, formats: tuple[str, ...],
                           code_first: str) -> tuple[str, Any, str, dict[str, Any]]:
    doc_code = result.fields["document_code"]
    kind_label = label(reading.document_kind)
    type_ok = result.format in formats and doc_code[:1] == code_first
    message = (
        f"The MRZ is {result.format} with document code {doc_code}, as expected for the {kind_label}."
        if type_ok
        else f"The MRZ is {result.format} with document code '{doc_code}'; the {kind_label} should have"
        f" {' or '.join(formats)} with a code starting with {code_first}."
    )
    evidence = {"format": result.format, "document_code": doc_code, "expected_formats": list(formats),
                "expected_code_start": code_first, "provider": reading.provider}
    return "MRZ_DOCUMENT_TYPE", PASS if type_ok else FAIL, message, evidence


def _add_corrections(report: Report, reading: Reading, result: mrz.MrzResult) -> None:
    kind = reading.document_kind
    if result.corrections:
        changes = "; ".join(c.describe() for c in result.corrections)
        report.add(
            "MRZ_CORRECTED",
            WARN,
            f"The MRZ was read with likely OCR confusions, corrected as follows: {changes}."
            " Check these characters on the image.",
            {"corrections": [c.to_json() for c in result.corrections], "read_lines": list(result.read_lines),
             "corrected_lines": list(result.lines), "provider": reading.provider},
            kind,
        )
    if result.correction_status == "ambiguous":
        report.add(
            "MRZ_CORRECTION_AMBIGUOUS",
            WARN,
            f"There are {result.ambiguous_candidates} different corrections that would make the MRZ"
            " check digits pass, so none was applied: the MRZ must be checked by eye.",
            {"candidates": result.ambiguous_candidates, "lines": list(result.read_lines), "provider": reading.provider},
            kind,
        )


def _check_digit_message(check: mrz.CheckResult) -> str:
    if check.ok:
        return f"MRZ check digit for the {check.label} is correct ({check.found})."
    if check.expected is None:
        return (f"MRZ check digit for the {check.label} cannot be verified: the protected characters"
                f" '{check.data}' include characters that cannot appear in an MRZ.")
    return (f"MRZ check digit for the {check.label} is wrong: the MRZ shows {check.found} but"
            f" '{check.data}' gives {check.expected}.")


def _add_field_problems(report: Report, reading: Reading, result: mrz.MrzResult) -> None:
    kind = reading.document_kind
    errors = [p for p in result.problems if p.severity == "error"]
    for problem in errors:
        report.add("MRZ_FIELD_INVALID", FAIL, problem.message,
                   {"problem": problem.code, "field": problem.field,
                    "value": result.raw.get(problem.field), "provider": reading.provider}, kind)
    for problem in result.problems:
        if problem.severity != "warning":
            continue
        code = "MRZ_NAME_TRUNCATED" if problem.code == "name_truncated" else "MRZ_FIELD_WARNING"
        report.add(code, WARN, problem.message,
                   {"problem": problem.code, "field": problem.field, "value": result.raw.get(problem.field),
                    "provider": reading.provider}, kind)
    if not errors:
        report.add("MRZ_FIELDS_VALID", PASS,
                   "Every MRZ field is well formed: document code, state codes, dates, sex and name.",
                   {"format": result.format, "provider": reading.provider}, kind)


# ---------------------------------------------------------------------------------------------
# The printed zone against the MRZ


def mrz_full_name(result: mrz.MrzResult) -> str:
    return " ".join(p for p in (result.fields.get("surname"), result.fields.get("given_names")) if p)


def _mrz_place(viz: Reading, mrz_reading: Reading) -> str:
    return "the MRZ" if viz is mrz_reading else f"the MRZ {place(mrz_reading)}"


def compare_viz_mrz(viz: Reading, result: mrz.MrzResult, mrz_reading: Reading, *, env: CheckEnv,
                    number_field: str = "document_number", other_side: Reading | None = None) -> Report:
    """Printed values of ``viz`` against the MRZ of ``mrz_reading`` (may be the same reading).

    Every printed field the side is expected to show (``_PRINTED_AGAINST_MRZ``) that was not read
    while the MRZ holds a value for it is reported as VIZ_FIELD_NOT_READ, unless ``other_side``
    prints and read it (older Emirates IDs print birth date, sex and expiry on the back)."""
    report = Report()
    missing: list[NotRead] = []
    report.extend(compare_names(viz, result, mrz_reading, missing, env=env))
    report.extend(_compare_dates(viz, result, mrz_reading, missing, env=env))
    report.extend(_compare_number(viz, result, mrz_reading, missing, number_field))
    report.extend(_compare_states(viz, result, mrz_reading, missing))
    report.extend(_compare_sex(viz, result, mrz_reading, missing))
    report.extend(_not_read_against_mrz(viz, mrz_reading, missing, other_side))
    return report


def _component_group(field_name: str) -> str:
    return "name" if field_name in ("surname", "given_names") else field_name


def _not_read_against_mrz(viz: Reading, mrz_reading: Reading, missing: list[NotRead],
                          other_side: Reading | None) -> Report:
    expected = _PRINTED_AGAINST_MRZ.get(viz.document_kind, ())
    read = {_component_group(name) for name in ("surname", "given_names") if val(viz, name)}
    if val(viz, "full_name"):
        read.add("name")
    read |= {name for name in expected if val(viz, name)}
    elsewhere = {m.field for m in missing if other_side is not None and val(other_side, m.field)}
    reported = [m for m in missing if _component_group(m.field) in expected and m.field not in elsewhere]
    return report_not_read(viz, reported, any_read=bool(read & set(expected)) or bool(elsewhere),
                           against=_mrz_place(viz, mrz_reading))


# Digits a recogniser takes for one another on a blurred or glaring photo (closed and open
# loops, a stroke lost or added). Only a single such digit, read with low confidence, makes a
# printed date "uncertain" rather than different (see ``_date_outcome``).
DIGIT_LOOKALIKES = frozenset(frozenset(p) for p in ("08", "38", "56", "68", "58", "17", "09", "89", "06", "69"))


def _one_lookalike_digit(a: str, b: str) -> tuple[str, str] | None:
    """The one differing pair of digits when ``a`` and ``b`` differ in one place only, by look-alikes."""
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(a) == len(b) and len(diff) == 1 and frozenset(diff[0]) in DIGIT_LOOKALIKES:
        return diff[0]
    return None


def _date_outcome(printed_yymmdd: str, mrz_raw: str, confidence: float | None, *, min_confidence: float):
    """PASS, FAIL, or WARN with the look-alike pair: WARN only when the printed date was read
    below the policy's minimum confidence and differs from the MRZ (whose check digit vouches for
    it) by one digit of a look-alike pair. A difference read with confidence, or by more than one
    digit, or by digits that do not look alike, fails as before; so does any difference when
    ``confidence`` is None (not given, or the MRZ date's check digit failed)."""
    if printed_yymmdd == mrz_raw:
        return PASS, None
    pair = _one_lookalike_digit(printed_yymmdd, mrz_raw)
    if pair is not None and confidence is not None and confidence < min_confidence:
        return WARN, pair
    return FAIL, None


def _compare_dates(viz: Reading, result: mrz.MrzResult, mrz_reading: Reading, missing: list[NotRead], *,
                   env: CheckEnv) -> Report:
    # The printed date is compared with the MRZ's YYMMDD, so a wrong century guess cannot turn a
    # match into a mismatch.
    report = Report()
    mrz_place = _mrz_place(viz, mrz_reading)
    for name, code in (("birth_date", "VIZ_MRZ_BIRTH_DATE"), ("expiry_date", "VIZ_MRZ_EXPIRY_DATE")):
        printed_date = visual_date(report, viz, name)
        raw = result.raw.get(name, "")
        mrz_ok = raw.isdigit() and len(raw) == 6
        mrz_value = result.fields.get(name) or raw
        if val(viz, name) is None and mrz_ok:
            missing.append(NotRead(name, item("mrz", name, mrz_value, mrz_reading)))
        if printed_date is None or not mrz_ok:
            continue
        confidence = viz.fields[name].confidence
        # Only an MRZ date its check digit vouches for can outweigh an uncertain printed one.
        vouched = any(c.name == name and c.ok for c in result.checks)
        outcome, pair = _date_outcome(printed_date.strftime("%y%m%d"), raw, confidence if vouched else None,
                                      min_confidence=env.policy.min_confidence)
        word = FIELD_WORDS[name]
        evidence = {"compared": [item("visual", name, printed_date.isoformat(), viz),
                                 item("mrz", name, mrz_value, mrz_reading)], "mrz_raw": raw}
        if outcome is PASS:
            message = f"{word} {place(viz)} ({printed_date.isoformat()}) matches {mrz_place}."
        elif outcome is WARN:
            evidence.update(lookalike_digits=list(pair), confidence=confidence)
            message = (
                f"{word} {place(viz)} was read as {printed_date.isoformat()} with low confidence ({confidence:.2f});"
                f" {mrz_place} has {mrz_value}, one digit apart ({pair[0]} read where {mrz_place} has {pair[1]},"
                " digits OCR often confuses). Not compared reliably: check the printed date on the image."
            )
        else:
            message = f"{word} {place(viz)} ({printed_date.isoformat()}) differs from {mrz_place} ({mrz_value})."
        report.add(code, outcome, message, evidence, viz.document_kind)
    return report


def _compare_number(viz: Reading, result: mrz.MrzResult, mrz_reading: Reading, missing: list[NotRead],
                    number_field: str) -> Report:
    report = Report()
    printed_number = val(viz, number_field)
    mrz_number = result.fields.get("document_number", "")
    if not printed_number and mrz_number:
        missing.append(NotRead(number_field, item("mrz", "document_number", mrz_number, mrz_reading)))
    if not (printed_number and mrz_number):
        return report
    word, where, mrz_place = FIELD_WORDS[number_field], place(viz), _mrz_place(viz, mrz_reading)
    a, b = norm_number(printed_number), norm_number(mrz_number)
    if a == b:
        outcome, message = PASS, f"{word} {where} matches {mrz_place} ({mrz_number})."
    elif differs_by_confusions(a, b):
        outcome, message = WARN, (
            f"{word} {where} ({printed_number}) differs from {mrz_place} ({mrz_number}) only by letters and"
            " digits OCR often confuses (O/0, I/1 ...); check the image."
        )
    else:
        outcome, message = FAIL, f"{word} {where} ({printed_number}) differs from {mrz_place} ({mrz_number})."
    report.add("VIZ_MRZ_DOCUMENT_NUMBER", outcome, message,
               {"compared": [item("visual", number_field, printed_number, viz),
                             item("mrz", "document_number", mrz_number, mrz_reading)]},
               viz.document_kind)
    return report


def _compare_states(viz: Reading, result: mrz.MrzResult, mrz_reading: Reading, missing: list[NotRead]) -> Report:
    report = Report()
    for name, code in (("nationality", "VIZ_MRZ_NATIONALITY"), ("issuing_state", "VIZ_MRZ_ISSUING_STATE")):
        printed_value = val(viz, name)
        mrz_value = result.fields.get(name, "")
        if not printed_value and mrz_value:
            missing.append(NotRead(name, item("mrz", name, mrz_value, mrz_reading)))
        if printed_value and mrz_value:
            report.add(*_state_finding(viz, mrz_reading, name, code, printed_value, mrz_value), viz.document_kind)
    return report


def _state_finding(viz: Reading, mrz_reading: Reading, name: str, code: str, printed_value: str,
                   mrz_value: str) -> tuple[str, Any, str, dict[str, Any]]:
    printed_code = code_for_name(printed_value)
    compared = [item("visual", name, printed_value, viz), item("mrz", name, mrz_value, mrz_reading)]
    word, where, mrz_place = FIELD_WORDS[name], place(viz), _mrz_place(viz, mrz_reading)
    if printed_code is None:
        return (code, WARN, f"{word} {where} ('{printed_value}') is not a country or code this check knows;"
                f" compare it with {mrz_place} ({mrz_value}) by eye.", {"compared": compared})
    evidence = {"compared": compared, "printed_as_code": printed_code}
    if printed_code == mrz_value:
        return code, PASS, f"{word} {where} ({printed_value}) matches {mrz_place} ({mrz_value}).", evidence
    return (code, FAIL, f"{word} {where} ({printed_value}, code {printed_code}) differs from {mrz_place}"
            f" ({mrz_value}).", evidence)


def _compare_sex(viz: Reading, result: mrz.MrzResult, mrz_reading: Reading, missing: list[NotRead]) -> Report:
    report = Report()
    printed_sex_raw = val(viz, "sex")
    mrz_sex = result.fields.get("sex", "") or "X"
    if not printed_sex_raw and result.fields.get("sex"):
        # An unspecified sex ('<' in the MRZ) may be printed as X or not at all: only M, F, X count.
        missing.append(NotRead("sex", item("mrz", "sex", result.fields["sex"], mrz_reading)))
    if not printed_sex_raw:
        return report
    printed_sex = sex_code(printed_sex_raw)
    compared = [item("visual", "sex", printed_sex_raw, viz), item("mrz", "sex", result.raw.get("sex"), mrz_reading)]
    if printed_sex is None:
        report.add("FIELD_UNREADABLE", WARN,
                   f"Sex {place(viz)} was read as '{printed_sex_raw}', which is not M, F or X.",
                   {"compared": compared[:1]}, viz.document_kind)
        return report
    same = printed_sex == mrz_sex
    report.add("VIZ_MRZ_SEX", PASS if same else FAIL,
               f"Sex {place(viz)} ({printed_sex_raw}) {'matches' if same else 'differs from'}"
               f" {_mrz_place(viz, mrz_reading)} ({mrz_sex}).",
               {"compared": compared}, viz.document_kind)
    return report


# ---------------------------------------------------------------------------------------------
# Names


def compare_names(viz: Reading, result: mrz.MrzResult, mrz_reading: Reading, missing: list[NotRead], *,
                  env: CheckEnv) -> Report:
    """The printed name against the MRZ, component by component and only what was read: the
    surname against the primary identifier, the given names against the secondary identifier.
    A name printed as one string (Emirates ID) is compared whole, in any order. Components not
    read are added to ``missing``."""
    report = Report()
    printed, surname, given = visual_name(viz)
    mrz_full = mrz_full_name(result)
    if not mrz_full:
        return report
    if not printed:
        missing.append(NotRead("name", item("mrz", "name", mrz_full, mrz_reading)))
        return report
    if not names.comparable(printed, mrz_full):
        report.add(
            "NAME_NOT_COMPARABLE",
            WARN,
            f"The name {place(viz)} is written in a script that cannot be compared with the MRZ"
            " automatically; compare it by eye.",
            {"compared": [item("visual", "name", printed, viz), item("mrz", "name", mrz_full, mrz_reading)],
             "scripts": [names.script_of(printed), "latin"]},
            viz.document_kind,
        )
        return report
    if surname is None:  # one printed string: compare whole, in any order
        score = names.similarity(printed, mrz_full)
        components = [{"component": "name", "visual": printed, "mrz": mrz_full, "similarity": score}]
        compared = [item("visual", "name", printed, viz), item("mrz", "name", mrz_full, mrz_reading)]
    else:
        components, compared = _score_components(viz, result, mrz_reading, surname, given or "", missing)
    if components:
        report.add(*_name_finding(env, viz, result, mrz_reading, printed, surname, given, components, compared),
                   viz.document_kind)
    return report


def _mrz_parts(result: mrz.MrzResult) -> dict[str, str]:
    return {"surname": result.fields.get("surname", ""), "given_names": result.fields.get("given_names", "")}


def _score_components(viz: Reading, result: mrz.MrzResult, mrz_reading: Reading, surname: str, given: str,
                      missing: list[NotRead]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mrz_parts = _mrz_parts(result)
    # The MRZ name field ends inside its last component when it was truncated.
    last_part = "given_names" if mrz_parts["given_names"] else "surname"
    components: list[dict[str, Any]] = []
    compared: list[dict[str, Any]] = []
    for part, value in (("surname", surname), ("given_names", given)):
        mrz_value = mrz_parts[part]
        if not value:
            if mrz_value:
                missing.append(NotRead(part, item("mrz", part, mrz_value, mrz_reading)))
            continue
        if not mrz_value and result.name_truncated:
            continue  # the truncation cut this component off entirely: nothing to compare
        score = 0.0
        if mrz_value:
            score = names.similarity(value, mrz_value)
            if result.name_truncated and part == last_part:
                score = max(score, names.prefix_similarity(value, mrz_value))
        components.append({"component": part, "visual": value, "mrz": mrz_value, "similarity": score})
        compared += [item("visual", part, value, viz), item("mrz", part, mrz_value, mrz_reading)]
    return components, compared


def _name_finding(env: CheckEnv, viz: Reading, result: mrz.MrzResult, mrz_reading: Reading, printed: str, surname: str | None,
                  given: str | None, components: list[dict[str, Any]],
                  compared: list[dict[str, Any]]) -> tuple[str, Any, str, dict[str, Any]]:
    env_pass, env_warn = env.policy.name_similarity_pass, env.policy.name_similarity_warn
    score = min(c["similarity"] for c in components)
    outcome = env.name_outcome(score)
    swapped = False
    mrz_parts = _mrz_parts(result)
    if outcome == FAIL and len(components) == 2 and surname and given:
        # Surname and given names exchanged (a reader's mislabelled caption, or an issuer's order):
        # not a contradiction to fail on, but a reviewer must look.
        crossed = min(names.similarity(surname, mrz_parts["given_names"]),
                      names.similarity(given, mrz_parts["surname"]))
        if crossed >= env_pass:
            outcome, swapped = WARN, True
    verdict = {"pass": "matches", "warn": "is similar to but not the same as", "fail": "does not match"}[str(outcome)]
    described = "; ".join(
        f"{FIELD_WORDS[c['component']].lower()} {c['visual']} against the {mrz_name_part(c['component'])}"
        f" {c['mrz'] or '(empty)'}: {c['similarity']:.2f}"
        for c in components
    )
    notes = _name_notes(result, surname, components, swapped)
    message = (f"The name {place(viz)} ({printed}) {verdict} {_mrz_place(viz, mrz_reading)}"
               f" ({mrz_full_name(result)}): {described}.{notes}")
    evidence = {"compared": compared, "components": components, "similarity": score, "swapped": swapped,
                "pass_at": env_pass, "warn_at": env_warn, "mrz_truncated": result.name_truncated}
    return "VIZ_MRZ_NAME", outcome, message, evidence


def _name_notes(result: mrz.MrzResult, surname: str | None, components: list[dict[str, Any]], swapped: bool) -> str:
    notes = ""
    if swapped:
        notes += " Surname and given names appear exchanged between the printed zone and the MRZ."
    if result.name_truncated:
        notes += " The MRZ name is truncated, so only its length was compared."
    only_read = [c["component"] for c in components]
    other = "given_names" if only_read == ["surname"] else "surname"
    if surname is not None and len(only_read) == 1 and _mrz_parts(result)[other]:
        notes += f" Only the {FIELD_WORDS[only_read[0]].lower()} was read, so only it was compared."
    return notes


# ---------------------------------------------------------------------------------------------
# Facts


def mrz_facts(reading: Reading, result: mrz.MrzResult, viz: Reading | None) -> Facts:
    """Name, check-digit-confirmed dates, issuing state and nationality from an MRZ."""
    facts = Facts()
    kind = str(reading.document_kind)
    name = mrz_full_name(result)
    if name:
        facts.names.append(Fact(name, item("mrz", "name", name, reading), kind))
    for field_name, into in (("birth_date", facts.births), ("expiry_date", facts.expiries)):
        value = _confirmed_date(result, field_name, viz)
        if value is not None:
            into.append(Fact(value, item("mrz", field_name, value.isoformat(), reading), kind))
    issuer = (result.fields.get("issuing_state") or "").replace("<", "")
    if is_icao_code(issuer):
        facts.issuing_states.append(Fact(issuer, item("mrz", "issuing_state", issuer, reading), kind))
    nationality = result.fields.get("nationality")
    if nationality:
        facts.nationalities.append(Fact(nationality, item("mrz", "nationality", nationality, reading), kind))
    return facts


def _confirmed_date(result: mrz.MrzResult, field_name: str, viz: Reading | None) -> date | None:
    check = result.check(field_name)
    value = result.birth_date if field_name == "birth_date" else result.expiry_date
    if value is None or check is None or not check.ok:
        return None
    # A printed four-digit year settles the century when the printed date agrees with the MRZ.
    printed = iso(val(viz, field_name)) if viz is not None else None
    if printed is not None and printed.strftime("%y%m%d") == result.raw[field_name]:
        return printed
    return value


def visual_facts(reading: Reading) -> Facts:
    """Name, dates and nationality as printed."""
    facts = Facts()
    kind = str(reading.document_kind)
    printed, _, _ = visual_name(reading)
    if printed:
        facts.names.append(Fact(printed, item("visual", "name", printed, reading), kind))
    for field_name, into in (("birth_date", facts.births), ("expiry_date", facts.expiries)):
        value = iso(val(reading, field_name))
        if value is not None:
            into.append(Fact(value, item("visual", field_name, value.isoformat(), reading), kind))
    nationality = val(reading, "nationality")
    code = code_for_name(nationality) if nationality else None
    if code:
        facts.nationalities.append(Fact(code, item("visual", "nationality", nationality, reading), kind))
    return facts
