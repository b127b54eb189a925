"""Chinese resident ID: the number (GB 11643) on the portrait side, the printed birth date and sex
against it, and the validity period on the emblem side against the age at issue."""

from __future__ import annotations

from .. import cn_resident_id
from ..reading import Reading
from .context import (
    FAIL,
    PASS,
    WARN,
    CheckEnv,
    Fact,
    Facts,
    NotRead,
    Report,
    iso,
    item,
    report_not_read,
    sex_code,
    val,
    visual_date,
)


def check_cn_id(portrait: Reading | None, emblem: Reading | None, *, env: CheckEnv) -> Report:
    report = Report()
    if portrait is not None:
        report.extend(_check_portrait(portrait, env=env))
    if emblem is not None:
        # The validity period's expected length depends on the age at issue: the birth date the
        # portrait side established, if any.
        birth = report.facts.births[0] if report.facts.births else None
        report.extend(_check_emblem(emblem, birth, env=env))
    return report


def _check_portrait(portrait: Reading, *, env: CheckEnv) -> Report:
    report = Report()
    kind = portrait.document_kind
    number: cn_resident_id.NumberResult | None = None
    raw = val(portrait, "id_number")
    if raw is None:
        report.add("CN_ID_NUMBER", FAIL, "No ID number was read on the portrait side.",
                   {"compared": [item("visual", "id_number", None, portrait)]}, kind)
    else:
        number = cn_resident_id.validate_number(raw, today=env.today)
        report.extend(_check_number(portrait, number, raw))
        report.extend(_printed_against_number(portrait, number))
    report.facts.extend(_portrait_facts(portrait, number))
    return report


def _check_number(portrait: Reading, number: cn_resident_id.NumberResult, raw: str) -> Report:
    report = Report()
    kind = portrait.document_kind
    codes = {p.code: p.message for p in number.problems}
    ev_number = {"compared": [item("visual", "id_number", raw, portrait)]}
    if number.legacy:
        report.add("CN_ID_LEGACY_NUMBER", FAIL, codes["legacy_15_digit"], ev_number, kind)
        return report
    structural = [codes[c] for c in ("length", "characters", "check_character") if c in codes]
    report.add(
        "CN_ID_NUMBER",
        FAIL if structural else PASS,
        " ".join(structural) if structural else "The ID number has 18 characters and its check character is correct.",
        {**ev_number, "expected_check_character": number.expected_check_character},
        kind,
    )
    if not ({"length", "characters"} & codes.keys()):
        report.add(
            "CN_ID_PROVINCE",
            FAIL if "province" in codes else PASS,
            codes.get("province", f"The number's province code {number.province_code} is {number.province}."),
            {"province_code": number.province_code, "province": number.province, "compared": ev_number["compared"]},
            kind,
        )
    return report


def _portrait_facts(portrait: Reading, number: cn_resident_id.NumberResult | None) -> Facts:
    facts = Facts()
    kind = str(portrait.document_kind)
    name = val(portrait, "full_name")
    if name:
        facts.names.append(Fact(name, item("visual", "name", name, portrait), kind))
    printed_birth = iso(val(portrait, "birth_date"))
    if printed_birth is not None:
        facts.births.append(Fact(printed_birth, item("visual", "birth_date", printed_birth.isoformat(), portrait), kind))
    elif number is not None and number.birth_date is not None and not number.legacy:
        facts.births.append(Fact(number.birth_date,
                                 item("id_number", "birth_date", number.birth_date.isoformat(), portrait), kind))
    # Only PRC nationals hold a resident ID card: the document itself says the nationality.
    facts.nationalities.append(Fact("CHN", item("document_type", "nationality", "CHN", portrait), kind))
    return facts


def _printed_against_number(portrait: Reading, number: cn_resident_id.NumberResult) -> Report:
    """The printed birth date and sex against the ones the number encodes."""
    report = Report()
    printed_raw = val(portrait, "birth_date")
    embedded = number.birth_date
    embedded_item = item("id_number", "birth_date", embedded.isoformat() if embedded else None, portrait)
    report.extend(_birth_date_against_number(portrait, number, embedded_item))
    printed_sex_raw = val(portrait, "sex")
    missing: list[NotRead] = []
    if printed_raw is None and embedded is not None:
        missing.append(NotRead("birth_date", embedded_item))
    if printed_sex_raw is None and number.sex:
        missing.append(NotRead("sex", item("id_number", "sex", number.sex, portrait)))
    report.extend(report_not_read(portrait, missing, any_read=bool(printed_raw or printed_sex_raw),
                                  against="the ID number"))
    if number.sex and printed_sex_raw:
        report.extend(_sex_against_number(portrait, number.sex, printed_sex_raw))
    return report


def _birth_date_against_number(portrait: Reading, number: cn_resident_id.NumberResult,
                               embedded_item: dict) -> Report:
    report = Report()
    kind = portrait.document_kind
    printed = visual_date(report, portrait, "birth_date")
    embedded = number.birth_date
    if embedded is None and number.number and not number.legacy and len(number.number) == 18:
        report.add("CN_ID_BIRTH_DATE", FAIL,
                   f"The birth date inside the ID number ({number.number[6:14]}) is not a real date.",
                   {"compared": [embedded_item], "digits": number.number[6:14]}, kind)
    elif embedded is not None and printed is not None:
        same = embedded == printed
        report.add(
            "CN_ID_BIRTH_DATE",
            PASS if same else FAIL,
            (
                f"The birth date in the ID number matches the printed one ({printed.isoformat()})."
                if same
                else f"The birth date in the ID number ({embedded.isoformat()}) differs from the printed one"
                f" ({printed.isoformat()})."
            ),
            {"compared": [embedded_item, item("visual", "birth_date", val(portrait, "birth_date"), portrait)]},
            kind,
        )
    return report


def _sex_against_number(portrait: Reading, number_sex: str, printed_sex_raw: str) -> Report:
    report = Report()
    kind = portrait.document_kind
    printed_sex = sex_code(printed_sex_raw)
    compared = [item("id_number", "sex", number_sex, portrait), item("visual", "sex", printed_sex_raw, portrait)]
    if printed_sex is None:
        report.add("FIELD_UNREADABLE", WARN,
                   f"Sex on the portrait side was read as '{printed_sex_raw}', which is not 男 or 女.",
                   {"compared": compared[1:]}, kind)
        return report
    same = printed_sex == number_sex
    parity = "odd" if number_sex == "M" else "even"
    report.add(
        "CN_ID_SEX",
        PASS if same else FAIL,
        (
            f"The printed sex ({printed_sex_raw}) matches the ID number (sequence digit {parity})."
            if same
            else f"The printed sex ({printed_sex_raw}) contradicts the ID number, whose sequence is"
            f" {parity} ({'male' if number_sex == 'M' else 'female'})."
        ),
        {"compared": compared},
        kind,
    )
    return report


def _check_emblem(emblem: Reading, birth: Fact | None, *, env: CheckEnv) -> Report:
    report = Report()
    kind = emblem.document_kind
    raw_period = val(emblem, "validity_period")
    if raw_period is None:
        expiry = visual_date(report, emblem, "expiry_date")
        if expiry is not None:
            report.facts.expiries.append(
                Fact(expiry, item("visual", "expiry_date", expiry.isoformat(), emblem), str(kind)))
        return report
    validity = cn_resident_id.check_validity(raw_period, birth_date=birth.value if birth else None, today=env.today)
    compared = [item("visual", "validity_period", raw_period, emblem)]
    if birth is not None:
        compared.append(birth.item)
    codes = {p.code: p.message for p in validity.problems}
    if validity.period is None:
        report.add("CN_ID_VALIDITY_PERIOD", FAIL, codes["unreadable"], {"compared": compared}, kind)
        return report
    evidence = {"compared": compared, "age_at_issue": validity.age_at_issue,
                "expected_years": validity.expected_years, "expected_long_term": validity.expected_long_term,
                "actual_years": validity.actual_years, "long_term": validity.period.long_term}
    report.add("CN_ID_VALIDITY_PERIOD", *_validity_verdict(validity, codes), evidence, kind)
    end = validity.period.end
    report.facts.expiries.append(
        Fact(end if end is not None else "long_term", item("visual", "validity_period", raw_period, emblem), str(kind))
    )
    return report


def _validity_verdict(validity: cn_resident_id.ValidityResult, codes: dict[str, str]) -> tuple:
    if "issued_before_birth" in codes:
        return FAIL, codes["issued_before_birth"]
    if validity.problems:
        return WARN, " ".join(codes.values())
    if validity.consistent:
        length = "long-term" if validity.period.long_term else f"{validity.actual_years} years"
        return PASS, f"The validity period ({length}) is right for the age at issue ({validity.age_at_issue})."
    return PASS, "The validity period was read; without a birth date its length was not judged."
