"""Seed -> a synthetic document's printed content, and its ground truth.

Everything here is deterministic in (kind, seed, faults) and needs no fonts and no image, which is
what lets :func:`ground_truth_for_image` rebuild the truth from the marker alone. The two sides of
an Emirates ID (and of a Chinese ID) with the same seed are the same card.

Dates are drawn around a fixed reference date rather than today, so a specimen generated next
year is byte-for-byte the one generated now; unexpired specimens stay valid until at least
``REFERENCE_DATE`` + 2 years.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from ocr_integration.documents.kinds import DocumentKind

from . import data
from ._standards import build_td1, build_td3, cn_check_character, luhn_check_digit, mrz_check_digit
from .model import Fault, GroundTruth

REFERENCE_DATE = date(2026, 1, 1)


@dataclass
class Printed:
    """Everything drawn on one side: the ground truth plus the words only the layout needs."""

    truth: GroundTruth
    text: dict[str, str] = field(default_factory=dict)


def _rng(group: str, seed: int) -> random.Random:
    return random.Random(f"kyc-specimen:{group}:{seed}")


def _latin_name(rng: random.Random, syllables: int) -> tuple[str, str]:
    latin, arabic = "", ""
    for _ in range(syllables):
        lat, ara = rng.choice(data.SYLLABLES)
        latin += lat
        arabic += ara
    lat, ara = rng.choice(data.FINALS)
    return (latin + lat).upper(), arabic + ara


def _date_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _vz_date(day: date) -> str:
    return f"{day.day:02d} {data.MONTHS[day.month - 1]} {day.year}"


def _wrong_digit(correct: str) -> str:
    return str((int(correct) + 5) % 10) if correct.isdigit() else "0"


def _expiry(rng: random.Random, faults: frozenset[Fault], validity_years: int) -> tuple[date, date]:
    """(issue, expiry): expired ones ended 1 month to 3 years before the reference date."""
    if Fault.EXPIRED in faults:
        expiry = _date_between(rng, REFERENCE_DATE - timedelta(days=3 * 365), REFERENCE_DATE - timedelta(days=30))
    else:
        expiry = _date_between(rng, _add_years(REFERENCE_DATE, 2), _add_years(REFERENCE_DATE, validity_years))
    issue = _add_years(expiry, -validity_years) + timedelta(days=1)
    return issue, expiry


def _shifted_birth(rng: random.Random, birth: date) -> date:
    """A different, plausible birth date (the fault a forger or a typo produces)."""
    return birth + timedelta(days=rng.choice((-1, 1)) * rng.randrange(40, 900))


# --- passport ---------------------------------------------------------------------------------


def passport(seed: int, faults: frozenset[Fault], *, issuing_state: str | None = None) -> Printed:
    """A passport data page; ``issuing_state`` pins the country (a layout family of one state).

    The state is drawn either way, so pinning it leaves every other value of the seed unchanged.
    """
    rng = _rng("passport", seed)
    code = rng.choice(sorted(data.COUNTRIES))
    if issuing_state is not None:
        code = issuing_state
    country_name, place = data.COUNTRIES[code]
    surname = _latin_name(rng, rng.randint(2, 4))[0]
    given = " ".join(_latin_name(rng, rng.randint(2, 3))[0] for _ in range(rng.randint(1, 2)))
    sex = rng.choice("MF")
    birth = _date_between(rng, date(1950, 1, 1), date(2006, 12, 31))
    issue, expiry = _expiry(rng, faults, 10)
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    number = rng.choice(letters) + rng.choice(letters + "0123456789") + "".join(
        rng.choice("0123456789") for _ in range(7)
    )
    personal = "".join(rng.choice("0123456789") for _ in range(rng.choice((10, 12, 14)))) if rng.random() < 0.3 else ""

    line1, line2 = build_td3(
        document_number=number, surname=surname, given_names=given, nationality=code,
        birth_date=birth, sex=sex, expiry_date=expiry, issuing_state=code, personal_number=personal,
    )
    if Fault.WRONG_CHECK_DIGIT in faults:
        # Only the document number's digit is wrong: the composite is recomputed to match it.
        line2 = line2[:9] + _wrong_digit(line2[9]) + line2[10:43]
        line2 += mrz_check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    printed_birth = _shifted_birth(rng, birth) if Fault.VZ_MRZ_MISMATCH in faults else birth
    fields = {
        "document_code": "P",
        "document_number": number,
        "surname": surname,
        "given_names": given,
        "nationality": code,
        "issuing_state": code,
        "birth_date": printed_birth.isoformat(),
        "sex": sex,
        "expiry_date": expiry.isoformat(),
        "issue_date": issue.isoformat(),
        "place_of_birth": place,
        "issuing_authority": "MINISTRY OF INTERIOR" if rng.random() < 0.5 else "PASSPORT OFFICE",
    }
    if personal:
        fields["personal_number"] = personal
    truth = GroundTruth(DocumentKind.PASSPORT, seed, faults, fields, (line1, line2))
    return Printed(
        truth,
        {
            "country_name": country_name,
            "birth_vz": _vz_date(printed_birth),
            "issue_vz": _vz_date(issue),
            "expiry_vz": _vz_date(expiry),
        },
    )


# --- Emirates ID ------------------------------------------------------------------------------


def emirates_id(kind: DocumentKind, seed: int, faults: frozenset[Fault]) -> Printed:
    rng = _rng("emirates_id", seed)
    nationality = rng.choice(sorted(data.COUNTRIES))
    # Given names and surname short enough for the 30-character TD1 name line.
    parts = [_latin_name(rng, 2) for _ in range(3)]
    given_lat = [p[0] for p in parts[:2]]
    surname_lat = parts[2][0]
    full_name = " ".join(w.title() for w in (*given_lat, surname_lat))
    full_name_ar = " ".join(p[1] for p in parts)
    sex = rng.choice("MF")
    birth = _date_between(rng, date(1955, 1, 1), date(2006, 12, 31))
    issue, expiry = _expiry(rng, faults, rng.choice((2, 3, 5)))
    serial = "".join(rng.choice("0123456789") for _ in range(7))
    first14 = f"784{birth.year}{serial}"
    id_digits = first14 + luhn_check_digit(first14)
    id_number = f"784-{birth.year}-{serial}-{id_digits[-1]}"
    card_number = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(8))
    occupation = rng.choice(data.EID_OCCUPATIONS)
    employer = rng.choice(data.EID_EMPLOYERS)
    place = rng.choice(data.EID_PLACES)

    if kind is DocumentKind.EMIRATES_ID_FRONT:
        printed_birth = _shifted_birth(rng, birth) if Fault.VZ_MRZ_MISMATCH in faults else birth
        fields = {
            "id_number": id_number,
            "full_name": full_name,
            "full_name_arabic": full_name_ar,
            "nationality": nationality,
            "sex": sex,
            "birth_date": printed_birth.isoformat(),
            "issue_date": issue.isoformat(),
            "expiry_date": expiry.isoformat(),
        }
        truth = GroundTruth(kind, seed, faults, fields, (), {"nationality_name": data.COUNTRIES[nationality][0]})
        return Printed(truth, {"nationality_name": data.COUNTRIES[nationality][0]})

    line1, line2, line3 = build_td1(
        document_code="ID", document_number=card_number, surname=surname_lat,
        given_names=" ".join(given_lat), nationality=nationality, birth_date=birth, sex=sex,
        expiry_date=expiry, issuing_state="ARE", optional_data=id_digits,
    )
    if Fault.WRONG_CHECK_DIGIT in faults:
        line1 = line1[:14] + _wrong_digit(line1[14]) + line1[15:]
        line2 = line2[:29] + mrz_check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    # The MRZ is the reading's mrz_lines; only what the visual zone prints becomes a field.
    fields = {"card_number": card_number, "occupation": occupation, "employer": employer}
    truth = GroundTruth(kind, seed, faults, fields, (line1, line2, line3), {"issuing_place": place})
    return Printed(truth, {"issuing_place": place})


# --- Chinese resident ID ------------------------------------------------------------------------


def _cn_years(age: int) -> int:
    """GB 11643 validity by age at issue: 5, 10 or 20 years, or 0 for 长期 from 46."""
    return 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else 0


def _cn_validity(rng: random.Random, birth: date, faults: frozenset[Fault]) -> tuple[str, date | None]:
    if Fault.EXPIRED in faults:
        end = _date_between(rng, REFERENCE_DATE - timedelta(days=3 * 365), REFERENCE_DATE - timedelta(days=30))
        for years in (5, 10, 20):
            start = _add_years(end, -years)
            if _cn_years(_age(birth, start)) == years:
                break
        return f"{start:%Y.%m.%d}-{end:%Y.%m.%d}", end
    for _ in range(40):
        start = _date_between(rng, max(_add_years(birth, 16), date(2006, 1, 1)), REFERENCE_DATE)
        years = _cn_years(_age(birth, start))
        if years == 0:
            return f"{start:%Y.%m.%d}-长期", None
        end = _add_years(start, years)
        if end >= _add_years(REFERENCE_DATE, 2):
            return f"{start:%Y.%m.%d}-{end:%Y.%m.%d}", end
    start = _add_years(REFERENCE_DATE, -1)
    return f"{start:%Y.%m.%d}-{_add_years(start, 20):%Y.%m.%d}", _add_years(start, 20)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def cn_resident_id(kind: DocumentKind, seed: int, faults: frozenset[Fault]) -> Printed:
    rng = _rng("cn_resident_id", seed)
    region, address_prefix, authority = rng.choice(data.CN_REGIONS)
    name = rng.choice(data.CN_SURNAMES) + "".join(rng.choice(data.CN_GIVEN) for _ in range(rng.randint(1, 2)))
    male = rng.random() < 0.5
    birth = _date_between(rng, date(1950, 1, 1), date(2006, 12, 31))
    ethnicity = rng.choice(data.CN_ETHNICITIES)
    address = (
        address_prefix + rng.choice(data.CN_STREETS) + f"{rng.randint(1, 399)}号"
        + rng.choice(data.CN_COMPOUNDS) + f"{rng.randint(1, 30)}栋{rng.randint(1, 28)}0{rng.randint(1, 4)}室"
    )
    sequence = f"{rng.randint(0, 99):02d}" + str(rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8)))
    number_birth = _shifted_birth(rng, birth) if Fault.ID_BIRTH_MISMATCH in faults else birth
    first17 = region + number_birth.strftime("%Y%m%d") + sequence
    check = cn_check_character(first17)
    if Fault.WRONG_CHECK_DIGIT in faults:
        check = "0" if check != "0" else "1"
    id_number = first17 + check
    validity, _end = _cn_validity(rng, birth, faults)

    if kind is DocumentKind.CN_ID_PORTRAIT:
        fields = {
            "full_name": name,
            # The sequence above follows ``male``; the fault prints the other sex.
            "sex": "男" if male != (Fault.ID_SEX_MISMATCH in faults) else "女",
            "ethnicity": ethnicity,
            "birth_date": birth.isoformat(),
            "address": address,
            "id_number": id_number,
        }
        return Printed(GroundTruth(kind, seed, faults, fields), {})
    fields = {"issuing_authority": authority, "validity_period": validity}
    if _end is not None:
        fields["expiry_date"] = _end.isoformat()
    return Printed(GroundTruth(kind, seed, faults, fields), {})


# --- bank card --------------------------------------------------------------------------------


def bank_card(seed: int, faults: frozenset[Fault]) -> Printed:
    rng = _rng("bank_card", seed)
    brand, prefix = rng.choice(data.CARD_PREFIXES)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(9))
    check = luhn_check_digit(body)
    if Fault.WRONG_CHECK_DIGIT in faults:
        check = str((int(check) + 3) % 10)
    pan = body + check
    if Fault.EXPIRED in faults:
        expiry = _date_between(rng, REFERENCE_DATE - timedelta(days=3 * 365), REFERENCE_DATE - timedelta(days=60))
    else:
        expiry = _date_between(rng, _add_years(REFERENCE_DATE, 2), _add_years(REFERENCE_DATE, 5))
    holder = f"{_latin_name(rng, rng.randint(1, 2))[0]} {_latin_name(rng, rng.randint(2, 3))[0]}"
    fields = {
        "card_number_masked": pan[:6] + "*" * (len(pan) - 10) + pan[-4:],
        "card_brand": brand,
        "card_number_luhn": "invalid" if Fault.WRONG_CHECK_DIGIT in faults else "valid",
        "card_expiry": expiry.strftime("%m/%y"),
        "cardholder_name": holder,
        "bank_name": rng.choice(data.BANKS),
    }
    truth = GroundTruth(DocumentKind.BANK_CARD, seed, faults, fields, (), {"card_number": pan})
    return Printed(truth, {"pan_grouped": " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))})


def printed(kind: DocumentKind, seed: int, faults: frozenset[Fault]) -> Printed:
    if kind is DocumentKind.PASSPORT:
        return passport(seed, faults)
    if kind in (DocumentKind.EMIRATES_ID_FRONT, DocumentKind.EMIRATES_ID_BACK):
        return emirates_id(kind, seed, faults)
    if kind in (DocumentKind.CN_ID_PORTRAIT, DocumentKind.CN_ID_EMBLEM):
        return cn_resident_id(kind, seed, faults)
    if kind is DocumentKind.BANK_CARD:
        return bank_card(seed, faults)
    raise ValueError(f"no specimen layout for {kind!r}")
