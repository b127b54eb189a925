"""Reading an MRZ as OCR returned it: normalise, detect the format, cut the fields, validate them,
and (``correct=True``) hand the lines to :mod:`.correction` when a check digit or a field says
an OCR confusion is likely."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from ..icao_codes import ICAO_CODES
from .correction import correct_confusions
from .layout import (
    ALLOWED,
    DOC_CODE_FIRST,
    EXPIRY_PLAUSIBLE_YEARS,
    FILLER,
    FILLER_LOOKALIKES,
    LAYOUTS,
    LETTERS,
    SHAPE,
    cut,
    run_checks,
)
from .results import FIELD_LABELS, MrzProblem, MrzResult


def normalise_lines(text_or_lines: str | Iterable[str]) -> tuple[str, ...]:
    """MRZ lines as an OCR engine may return them, cleaned: upper case, no spaces, ``«`` -> ``<``."""
    if isinstance(text_or_lines, str):
        pieces = text_or_lines.replace("\r", "\n").split("\n")
    else:
        try:
            pieces = [p if isinstance(p, str) else "" for p in (text_or_lines or ())]
        except TypeError:  # not a sequence at all: nothing to read
            pieces = []
    lines = []
    for piece in pieces:
        cleaned = unicodedata.normalize("NFKC", piece).translate(FILLER_LOOKALIKES).upper()
        cleaned = "".join(cleaned.split())
        if cleaned:
            lines.append(cleaned)
    if len(lines) == 1:
        # A whole MRZ returned as one string without line breaks.
        whole = lines[0]
        for fmt_lines, width in ((3, 30), (2, 44), (2, 36)):
            if len(whole) == fmt_lines * width:
                return tuple(whole[i : i + width] for i in range(0, len(whole), width))
    return tuple(lines)


def detect_format(lines: Sequence[str]) -> str | None:
    """``TD1`` ... ``MRVB`` from the line count and lengths (``None`` if neither fits)."""
    if len(lines) == 3:
        return "TD1"
    if len(lines) != 2:
        return None
    longest = max(len(line) for line in lines)
    is_visa = lines[0][:1] == "V"
    if longest >= 40:
        return "MRVA" if is_visa else "TD3"
    if longest >= 32:
        return "MRVB" if is_visa else "TD2"
    return None


def _date_from(raw: str) -> tuple[int, int, int] | None:
    if len(raw) != 6 or not raw.isdigit():
        return None
    return int(raw[:2]), int(raw[2:4]), int(raw[4:6])


def birth_date_from(raw: str, today: date) -> date | None:
    """A ``YYMMDD`` birth date in the latest century that puts it on or before ``today``."""
    parts = _date_from(raw)
    if parts is None:
        return None
    yy, mm, dd = parts
    century = today.year // 100 * 100
    for year in (century + yy, century - 100 + yy):
        try:
            candidate = date(year, mm, dd)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def expiry_date_from(raw: str, today: date) -> date | None:
    """A ``YYMMDD`` expiry date placed between 70 years ago and 30 years ahead of ``today``."""
    parts = _date_from(raw)
    if parts is None:
        return None
    yy, mm, dd = parts
    century = today.year // 100 * 100
    for year in (century - 100 + yy, century + yy, century + 100 + yy):
        if today.year - 70 <= year < today.year + 30:
            try:
                return date(year, mm, dd)
            except ValueError:
                return None
    return None


def _split_name(raw: str) -> tuple[str, str, list[MrzProblem], bool]:
    problems: list[MrzProblem] = []
    truncated = bool(raw) and raw[-1] != FILLER
    body = raw.rstrip(FILLER)
    if not body:
        problems.append(MrzProblem("name_empty", "name", "error", "The name field is empty."))
        return "", "", problems, False
    if body.startswith(FILLER):
        problems.append(
            MrzProblem("name_format", "name", "error", "The name field starts with a filler '<'.")
        )
    surname_part, _, given_part = body.partition("<<")
    if given_part.startswith(FILLER):
        problems.append(
            MrzProblem(
                "name_format",
                "name",
                "error",
                "The name field has an empty name component (three or more '<' in a row inside the name).",
            )
        )
    elif "<<" in given_part.strip(FILLER):
        problems.append(
            MrzProblem(
                "name_format",
                "name",
                "error",
                "The name field has more than one '<<' separator between name components.",
            )
        )
    if any(c not in LETTERS and c != FILLER for c in body):
        problems.append(
            MrzProblem("name_format", "name", "error", "The name field contains characters other than letters.")
        )
    surname = " ".join(surname_part.replace(FILLER, " ").split())
    given = " ".join(given_part.replace(FILLER, " ").split())
    if truncated:
        problems.append(
            MrzProblem(
                "name_truncated",
                "name",
                "warning",
                "The name fills the whole MRZ name field: it may have been truncated.",
            )
        )
    return surname, given, problems, truncated


def _evaluate(lines: tuple[str, ...], read_lines: tuple[str, ...], fmt: str, today: date,
              base_problems: list[MrzProblem]) -> MrzResult:
    """Every field of ``lines`` (already fitted to ``fmt``), its check digits and its problems."""
    layout = LAYOUTS[fmt]
    raw = {name: cut(lines, span) for name, span in layout.fields.items()}
    checks, long_number = run_checks(lines, layout, fmt)
    document_number, optional_data, number_problems = _document_number(raw, fmt, long_number)
    birth = birth_date_from(raw["birth_date"], today)
    expiry = expiry_date_from(raw["expiry_date"], today)
    surname, given, name_problems, truncated = _split_name(raw["name"])
    problems = [
        *base_problems,
        *_character_problems(lines),
        *_document_code_problems(raw["document_code"], fmt),
        *_state_code_problems(raw),
        *number_problems,
        *_date_problems(raw, birth, expiry, today),
        *_sex_problems(raw["sex"]),
        *name_problems,
    ]
    sex = raw["sex"]
    fields = {
        "document_code": raw["document_code"].rstrip(FILLER),
        "issuing_state": raw["issuing_state"].replace(FILLER, ""),
        "document_number": document_number,
        "surname": surname,
        "given_names": given,
        "nationality": raw["nationality"].replace(FILLER, ""),
        "birth_date": birth.isoformat() if birth else "",
        "sex": sex if sex in ("M", "F", "X") else "",
        "expiry_date": expiry.isoformat() if expiry else "",
        "optional_data": optional_data,
    }
    if fmt == "TD1":
        fields["optional_data_2"] = raw["optional_data_2"].rstrip(FILLER)
    if fmt == "TD3":
        fields["personal_number"] = optional_data
    return MrzResult(
        format=fmt,
        lines=lines,
        read_lines=read_lines,
        fields=fields,
        raw=raw,
        checks=tuple(checks),
        problems=tuple(problems),
        name_truncated=truncated,
        birth_date=birth,
        expiry_date=expiry,
        long_document_number=long_number,
    )


def _character_problems(lines: tuple[str, ...]) -> list[MrzProblem]:
    bad_chars = sorted({c for line in lines for c in line if c not in ALLOWED})
    if not bad_chars:
        return []
    return [MrzProblem("invalid_characters", "line", "error",
                       "The MRZ contains characters that cannot appear in one: " + " ".join(bad_chars))]


def _document_code_problems(code: str, fmt: str) -> list[MrzProblem]:
    first_allowed = DOC_CODE_FIRST[fmt]
    if (
        len(code) >= 2
        and code[0] in first_allowed
        and code[1] in LETTERS | {FILLER}
        and not (fmt in ("TD1", "TD2") and code[1] == "V")
    ):
        return []
    return [MrzProblem("document_code", "document_code", "error",
                       f"Document code '{code}' is not valid for a {fmt} MRZ (it must start with"
                       f" {' or '.join(first_allowed)}).")]


def _state_code_problems(raw: dict[str, str]) -> list[MrzProblem]:
    problems = []
    for which in ("issuing_state", "nationality"):
        value = raw[which]
        if value.replace(FILLER, "") not in ICAO_CODES or value.startswith(FILLER):
            problems.append(MrzProblem(
                f"{which}_unknown", which, "error",
                f"The {FIELD_LABELS[which]} field holds '{value}', which is not an ICAO state or organisation code.",
            ))
    return problems


def _document_number(raw: dict[str, str], fmt: str, long_number: bool) -> tuple[str, str, list[MrzProblem]]:
    """(document number, optional data, problems); a long TD1/TD2 number continues in the optional data."""
    number_raw = raw["document_number"]
    if long_number:
        head = raw["optional_data"].split(FILLER, 1)[0]
        document_number = number_raw + head[:-1]
        optional_data = raw["optional_data"][len(head) + 1 :].strip(FILLER)
    else:
        document_number = number_raw.rstrip(FILLER)
        optional_data = raw["optional_data"].rstrip(FILLER)
    problems = []
    if not document_number or number_raw.startswith(FILLER):
        problems.append(MrzProblem("document_number_format", "document_number", "error",
                                   "The document number is empty or starts with a filler '<'."))
    elif FILLER in (number_raw if long_number else number_raw.rstrip(FILLER)):
        problems.append(MrzProblem("document_number_format", "document_number", "error",
                                   "The document number has a filler '<' between its characters."))
    if fmt in ("TD1", "TD2") and raw["document_number_check"] == FILLER and not long_number:
        problems.append(MrzProblem("document_number_format", "document_number_check", "error",
                                   "The document number check digit is a filler but the optional data does not"
                                   " continue the number."))
    return document_number, optional_data, problems


def _date_problems(raw: dict[str, str], birth: date | None, expiry: date | None, today: date) -> list[MrzProblem]:
    problems = []
    if birth is None:
        problems.append(MrzProblem("birth_date_invalid", "birth_date", "error",
                                   f"The birth date '{raw['birth_date']}' is not a real YYMMDD date."))
    if expiry is None:
        problems.append(MrzProblem("expiry_date_invalid", "expiry_date", "error",
                                   f"The expiry date '{raw['expiry_date']}' is not a real YYMMDD date."))
    if birth is None or expiry is None:
        return problems
    if expiry <= birth:
        problems.append(MrzProblem(
            "expiry_before_birth", "expiry_date", "error",
            f"The expiry date ({expiry.isoformat()}) is not after the birth date ({birth.isoformat()}).",
        ))
    elif (expiry - today).days > EXPIRY_PLAUSIBLE_YEARS * 366:
        problems.append(MrzProblem(
            "expiry_implausible", "expiry_date", "warning",
            f"The expiry date ({expiry.isoformat()}) is more than {EXPIRY_PLAUSIBLE_YEARS} years away.",
        ))
    return problems


def _sex_problems(sex: str) -> list[MrzProblem]:
    if sex in ("M", "F", "X", FILLER):
        return []
    return [MrzProblem("sex_invalid", "sex", "error", f"The sex field holds '{sex}', which is not M, F, X or <.")]


def _fit_lines(lines: tuple[str, ...], fmt: str) -> tuple[tuple[str, ...], list[MrzProblem]]:
    _, width = SHAPE[fmt]
    fitted = []
    problems = []
    for number, line in enumerate(lines, 1):
        if len(line) < width:
            problems.append(
                MrzProblem(
                    "line_padded",
                    "line",
                    "warning",
                    f"Line {number} has {len(line)} characters instead of {width}; fillers were added at the end.",
                )
            )
            line = line.ljust(width, FILLER)
        elif len(line) > width:
            problems.append(
                MrzProblem(
                    "line_length",
                    "line",
                    "error",
                    f"Line {number} has {len(line)} characters instead of {width}.",
                )
            )
            line = line[:width]
        fitted.append(line)
    return tuple(fitted), problems


def parse(text_or_lines: str | Iterable[str], *, today: date, correct: bool = True) -> MrzResult:
    """Parse and validate an MRZ as OCR returned it. Never raises for text input.

    ``today`` places two-digit years (birth dates in the past, expiry dates within a sane window).
    With ``correct=True`` OCR confusions are corrected when the check digits single out one
    correction (see the module docstring); ``corrections`` lists every change.
    """
    read = normalise_lines(text_or_lines)
    fmt = detect_format(read)
    if fmt is None:
        return MrzResult(
            format=None,
            lines=read,
            read_lines=read,
            problems=(
                MrzProblem(
                    "layout",
                    "line",
                    "error",
                    "The text is not an MRZ: expected 3 lines of 30 characters (TD1), 2 of 36 (TD2,"
                    f" MRV-B) or 2 of 44 (TD3, MRV-A); got {len(read)} line(s) of "
                    f"{', '.join(str(len(line)) for line in read) or 'no'} characters.",
                ),
            ),
        )
    lines, base_problems = _fit_lines(read, fmt)
    first = _evaluate(lines, read, fmt, today, base_problems)
    if not correct:
        return first
    fixable_codes = {"invalid_characters", "birth_date_invalid", "expiry_date_invalid", "name_format",
                     "issuing_state_unknown", "nationality_unknown", "sex_invalid"}
    needs = not first.checks_ok or any(p.code in fixable_codes for p in first.problems)
    if not needs:
        return _with(first, correction_status="not_needed")
    if any(p.code in ("line_padded", "line_length") for p in first.problems) and not first.checks_ok:
        # A character was lost or added: every field after it is shifted, and swapping look-alike
        # characters cannot repair that.
        return _with(first, correction_status="none_found")
    corrected, corrections, status, ambiguous = correct_confusions(lines, fmt)
    if not corrections:
        if status == "not_needed":
            status = "none_found"
        return _with(first, correction_status=status, ambiguous_candidates=ambiguous)
    result = _evaluate(corrected, read, fmt, today, base_problems)
    corrections = sorted(corrections, key=lambda c: (c.line, c.position))
    return _with(result, corrections=tuple(corrections), correction_status=status,
                 ambiguous_candidates=ambiguous)


def _with(result: MrzResult, **changes: object) -> MrzResult:
    return replace(result, **changes)
