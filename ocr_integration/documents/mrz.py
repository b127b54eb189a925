"""Machine readable zones (ICAO Doc 9303 parts 3-7): parse, validate, correct OCR confusions, build.

Formats: ``TD1`` (3 lines of 30, ID cards), ``TD2`` (2x36), ``TD3`` (2x44, passports),
``MRVA`` (2x44 visa) and ``MRVB`` (2x36 visa).

Public API (stable; other modules and the specimen generator rely on it):

- ``check_digit(s: str) -> str``: the 7-3-1 check digit of ``s`` (``<`` = 0, ``A`` = 10 ... ``Z`` = 35).
  Raises ``ValueError`` on a character that cannot appear in an MRZ.
- ``parse(text_or_lines, *, today: date, correct: bool = True) -> MrzResult``: never raises for
  ``str`` or a sequence of ``str``; anything that cannot be read becomes an ``MrzProblem``.
  Tolerant of spaces, lower case, ``«`` and similar OCR artefacts.
  ``MrzResult`` carries ``format``, ``fields`` (canonical names, see below), ``checks``
  (one ``CheckResult`` per check digit), ``problems``, ``corrections`` and ``correction_status``.
- ``build_td1(...)``, ``build_td2(...)``, ``build_td3(...)``, ``build_mrva(...)``,
  ``build_mrvb(...)``: compose valid MRZ lines from fields (keyword arguments, dates as ``date``).
- ``CONFUSIONS``: the OCR confusion pairs correction mode tries.

``MrzResult.fields`` keys: ``document_code``, ``issuing_state``, ``document_number``, ``surname``,
``given_names``, ``nationality``, ``birth_date`` / ``expiry_date`` (ISO ``YYYY-MM-DD``, ``""`` when
not a real date), ``sex`` (``M``/``F``/``X``/``""``), ``optional_data``, ``optional_data_2`` (TD1),
``personal_number`` (TD3: the optional data). Raw slices (``YYMMDD`` dates, name field) are in
``MrzResult.raw``.

Correction mode: when a check fails or a character is impossible for its field (a letter in a
date, a digit in a name), the usual OCR confusions (O/0, Q/0, I/1, B/8, S/5, Z/2, G/6) are tried
where the field's character class allows. A change to a check-protected field is accepted only if
it makes every check pass and is the only such change (single changes first, then pairs when at
most 20 confusable characters are involved; nothing when a line has the wrong length); a digit
in a name field, where no digit can appear, is replaced by the letter OCR mistakes it for
(``NAME_DIGIT_LETTERS``: 0->O, 1->I, 2->Z, 4->A, 5->S, 6->G, 8->B); in another unprotected
letters-only field (nationality in TD3) only when the letter it stands for is unique (``0`` could
be ``O`` or ``Q``: left alone, except in a state code where only one reading is a known code).
Every accepted change is listed in ``corrections``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

from .icao_codes import ICAO_CODES
from .names import mrz_name

FILLER = "<"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUES: dict[str, int] = {c: i for i, c in enumerate(_ALPHABET)}
_VALUES[FILLER] = 0
_WEIGHTS = (7, 3, 1) * 20
_ALLOWED = frozenset(_VALUES)
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")

# OCR confusions (issue 3): letter read for a digit and the other way round.
CONFUSIONS: tuple[tuple[str, str], ...] = (
    ("O", "0"), ("Q", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"), ("G", "6"),
)
_TO_DIGIT: dict[str, str] = {letter: digit for letter, digit in CONFUSIONS}
# A digit is impossible in an MRZ name field, so each is read as the letter OCR most often
# mistakes it for. 0 is taken for O, not Q: Q is rare in names and almost always followed by U,
# and the repair is always reported for a reviewer to see.
NAME_DIGIT_LETTERS: dict[str, str] = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "8": "B"}
_TO_LETTERS: dict[str, tuple[str, ...]] = {}
for _letter, _digit in CONFUSIONS:
    _TO_LETTERS[_digit] = (*_TO_LETTERS.get(_digit, ()), _letter)

# Artefacts OCR engines put where a filler is printed.
_FILLER_LOOKALIKES = str.maketrans({c: FILLER for c in "«‹〈《＜≺⟨﹤"})

FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")
_SHAPE = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44), "MRVA": (2, 44), "MRVB": (2, 36)}

# Character classes: A letters/filler, N digits, C check digit (digit, or filler where the
# standard allows one), X letters/digits/filler, S sex.
_Span = tuple[int, int, int]  # line, start, end


@dataclass(frozen=True)
class _Layout:
    fields: dict[str, _Span]
    classes: dict[str, str]
    # check name -> (data spans, check digit span)
    checks: dict[str, tuple[tuple[_Span, ...], _Span]]


def _two_line_layout(width: int, *, composite: bool, optional_check: bool) -> _Layout:
    opt_end = width - (1 if composite else 0) - (1 if optional_check else 0)
    fields: dict[str, _Span] = {
        "document_code": (0, 0, 2),
        "issuing_state": (0, 2, 5),
        "name": (0, 5, width),
        "document_number": (1, 0, 9),
        "document_number_check": (1, 9, 10),
        "nationality": (1, 10, 13),
        "birth_date": (1, 13, 19),
        "birth_date_check": (1, 19, 20),
        "sex": (1, 20, 21),
        "expiry_date": (1, 21, 27),
        "expiry_date_check": (1, 27, 28),
        "optional_data": (1, 28, opt_end),
    }
    checks: dict[str, tuple[tuple[_Span, ...], _Span]] = {
        "document_number": (((1, 0, 9),), (1, 9, 10)),
        "birth_date": (((1, 13, 19),), (1, 19, 20)),
        "expiry_date": (((1, 21, 27),), (1, 27, 28)),
    }
    if optional_check:
        fields["optional_data_check"] = (1, opt_end, opt_end + 1)
        checks["personal_number"] = (((1, 28, opt_end),), (1, opt_end, opt_end + 1))
    if composite:
        fields["composite_check"] = (1, width - 1, width)
        checks["composite"] = (((1, 0, 10), (1, 13, 20), (1, 21, width - 1)), (1, width - 1, width))
    return _Layout(fields, _classes_for(fields), checks)


def _classes_for(fields: dict[str, _Span]) -> dict[str, str]:
    classes = {}
    for name in fields:
        if name.endswith("_check"):
            classes[name] = "C"
        elif name in ("birth_date", "expiry_date"):
            classes[name] = "N"
        elif name in ("document_number", "optional_data", "optional_data_2"):
            classes[name] = "X"
        elif name == "sex":
            classes[name] = "S"
        else:
            classes[name] = "A"
    return classes


_TD1_FIELDS: dict[str, _Span] = {
    "document_code": (0, 0, 2),
    "issuing_state": (0, 2, 5),
    "document_number": (0, 5, 14),
    "document_number_check": (0, 14, 15),
    "optional_data": (0, 15, 30),
    "birth_date": (1, 0, 6),
    "birth_date_check": (1, 6, 7),
    "sex": (1, 7, 8),
    "expiry_date": (1, 8, 14),
    "expiry_date_check": (1, 14, 15),
    "nationality": (1, 15, 18),
    "optional_data_2": (1, 18, 29),
    "composite_check": (1, 29, 30),
    "name": (2, 0, 30),
}

_LAYOUTS: dict[str, _Layout] = {
    "TD3": _two_line_layout(44, composite=True, optional_check=True),
    "TD2": _two_line_layout(36, composite=True, optional_check=False),
    "MRVA": _two_line_layout(44, composite=False, optional_check=False),
    "MRVB": _two_line_layout(36, composite=False, optional_check=False),
    "TD1": _Layout(
        _TD1_FIELDS,
        _classes_for(_TD1_FIELDS),
        {
            "document_number": (((0, 5, 14),), (0, 14, 15)),
            "birth_date": (((1, 0, 6),), (1, 6, 7)),
            "expiry_date": (((1, 8, 14),), (1, 14, 15)),
            "composite": (((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)), (1, 29, 30)),
        },
    ),
}

_DOC_CODE_FIRST = {"TD1": "IAC", "TD2": "IAC", "TD3": "P", "MRVA": "V", "MRVB": "V"}
_CHECK_LABELS = {
    "document_number": "document number",
    "birth_date": "birth date",
    "expiry_date": "expiry date",
    "personal_number": "personal number",
    "composite": "composite (whole line)",
}
FIELD_LABELS = {
    "document_code": "document code",
    "issuing_state": "issuing state",
    "name": "name",
    "document_number": "document number",
    "nationality": "nationality",
    "birth_date": "birth date",
    "sex": "sex",
    "expiry_date": "expiry date",
    "optional_data": "optional data",
    "optional_data_2": "optional data (line 2)",
    "document_number_check": "document number check digit",
    "birth_date_check": "birth date check digit",
    "expiry_date_check": "expiry date check digit",
    "optional_data_check": "personal number check digit",
    "composite_check": "composite check digit",
    "line": "line",
}

# Expiry dates further ahead than this are implausible for any ICAO document.
EXPIRY_PLAUSIBLE_YEARS = 15


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class CheckResult:
    """One check digit: the protected characters, the digit printed, the digit they imply."""

    name: str  # document_number, birth_date, expiry_date, personal_number, composite
    ok: bool
    data: str
    found: str
    expected: str | None  # None when the data holds a character no check digit can weigh

    @property
    def label(self) -> str:
        return _CHECK_LABELS.get(self.name, self.name)


@dataclass(frozen=True)
class Correction:
    """One character correction mode changed."""

    line: int  # 0-based
    position: int  # 0-based within the line
    field: str
    was: str
    now: str
    verified: bool  # True when check digits confirm it, False for unprotected fields

    def describe(self) -> str:
        if self.verified:
            how = "confirmed by the check digits"
        elif self.field == "name":
            how = "a name cannot hold a digit"
        else:
            how = "no check digit protects this field"
        return (
            f"line {self.line + 1}, position {self.position + 1} ({FIELD_LABELS.get(self.field, self.field)}):"
            f" read '{self.was}', corrected to '{self.now}' ({how})"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line + 1,
            "position": self.position + 1,
            "field": self.field,
            "read": self.was,
            "corrected": self.now,
            "verified_by_check_digits": self.verified,
        }


@dataclass(frozen=True)
class MrzProblem:
    """Something wrong in the MRZ other than a failed check digit."""

    code: str  # layout, line_length, line_padded, invalid_characters, document_code, ...
    field: str
    severity: str  # "error" or "warning"
    message: str


@dataclass(frozen=True)
class MrzResult:
    format: str | None
    lines: tuple[str, ...]  # normalised lines, after any accepted correction
    read_lines: tuple[str, ...]  # normalised lines as read, before correction
    fields: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    checks: tuple[CheckResult, ...] = ()
    problems: tuple[MrzProblem, ...] = ()
    corrections: tuple[Correction, ...] = ()
    # off | not_needed | applied | ambiguous | none_found
    correction_status: str = "off"
    ambiguous_candidates: int = 0
    name_truncated: bool = False
    birth_date: date | None = None
    expiry_date: date | None = None
    long_document_number: bool = False

    @property
    def checks_ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def errors(self) -> tuple[MrzProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def valid(self) -> bool:
        """Recognised layout, every check digit right and no error-level problem."""
        return self.format is not None and self.checks_ok and not self.errors

    def check(self, name: str) -> CheckResult | None:
        for c in self.checks:
            if c.name == name:
                return c
        return None


# ---------------------------------------------------------------------------------------------
# Check digits


def check_digit(s: str) -> str:
    """The ICAO 9303 check digit of ``s``: weights 7-3-1, ``<`` = 0, digits, ``A`` = 10 ... ``Z`` = 35.

    Lower case is accepted. Raises ``ValueError`` on any other character.
    """
    total = 0
    values = _VALUES
    for i, ch in enumerate(s.upper()):
        try:
            total += values[ch] * _WEIGHTS[i % 3]
        except KeyError:
            raise ValueError(f"{ch!r} cannot appear in an MRZ") from None
    return str(total % 10)


_BY_7 = {c: v * 7 for c, v in _VALUES.items()}.__getitem__
_BY_3 = {c: v * 3 for c, v in _VALUES.items()}.__getitem__
_BY_1 = _VALUES.__getitem__


def _digit_or_none(s: str) -> str | None:
    # Slices and map() keep the loop in C: this runs for every check of every MRZ parsed.
    try:
        total = sum(map(_BY_7, s[0::3])) + sum(map(_BY_3, s[1::3])) + sum(map(_BY_1, s[2::3]))
    except KeyError:
        return None
    return str(total % 10)


# ---------------------------------------------------------------------------------------------
# Normalisation and layout detection


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
        cleaned = unicodedata.normalize("NFKC", piece).translate(_FILLER_LOOKALIKES).upper()
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


# ---------------------------------------------------------------------------------------------
# Parsing


def _cut(lines: Sequence[str], span: _Span) -> str:
    line, start, end = span
    return lines[line][start:end]


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


def _run_checks(lines: Sequence[str], layout: _Layout, fmt: str) -> tuple[list[CheckResult], bool]:
    results = []
    long_number = False
    for name, (spans, digit_span) in layout.checks.items():
        data = "".join(_cut(lines, s) for s in spans)
        found = _cut(lines, digit_span)
        if name == "document_number" and fmt in ("TD1", "TD2") and found == FILLER:
            # Doc 9303 parts 5/6: a number longer than 9 characters continues in the optional
            # data, followed by its own check digit; the check-digit position holds a filler.
            # The continuation ends at the first filler; optional data may follow it.
            head = _cut(lines, layout.fields["optional_data"]).split(FILLER, 1)[0]
            if head:
                long_number = True
                data = data + head[:-1]
                found = head[-1]
        expected = _digit_or_none(data)
        ok = expected is not None and found == expected
        if not ok and name == "personal_number" and found in (FILLER, "0"):
            # TD3: an empty personal number may carry < or 0 as its check digit.
            ok = data == FILLER * len(data)
        results.append(CheckResult(name, ok, data, found, expected))
    return results, long_number


def _checks_pass(lines: Sequence[str], layout: _Layout, fmt: str) -> bool:
    results, _ = _run_checks(lines, layout, fmt)
    return all(r.ok for r in results)


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
    if any(c not in _LETTERS and c != FILLER for c in body):
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
    layout = _LAYOUTS[fmt]
    raw = {name: _cut(lines, span) for name, span in layout.fields.items()}
    checks, long_number = _run_checks(lines, layout, fmt)
    problems = list(base_problems)

    bad_chars = sorted({c for line in lines for c in line if c not in _ALLOWED})
    if bad_chars:
        problems.append(
            MrzProblem(
                "invalid_characters",
                "line",
                "error",
                "The MRZ contains characters that cannot appear in one: " + " ".join(bad_chars),
            )
        )

    code = raw["document_code"]
    first_allowed = _DOC_CODE_FIRST[fmt]
    if (
        len(code) < 2
        or code[0] not in first_allowed
        or code[1] not in _LETTERS | {FILLER}
        or (fmt in ("TD1", "TD2") and code[1] == "V")
    ):
        problems.append(
            MrzProblem(
                "document_code",
                "document_code",
                "error",
                f"Document code '{code}' is not valid for a {fmt} MRZ (it must start with"
                f" {' or '.join(first_allowed)}).",
            )
        )

    for which in ("issuing_state", "nationality"):
        value = raw[which]
        if value.replace(FILLER, "") not in ICAO_CODES or value.startswith(FILLER):
            problems.append(
                MrzProblem(
                    f"{which}_unknown",
                    which,
                    "error",
                    f"The {FIELD_LABELS[which]} field holds '{value}', which is not an ICAO state or"
                    " organisation code.",
                )
            )

    number_raw = raw["document_number"]
    if long_number:
        head = raw["optional_data"].split(FILLER, 1)[0]
        document_number = number_raw + head[:-1]
        optional_data = raw["optional_data"][len(head) + 1 :].strip(FILLER)
    else:
        document_number = number_raw.rstrip(FILLER)
        optional_data = raw["optional_data"].rstrip(FILLER)
    if not document_number or number_raw.startswith(FILLER):
        problems.append(
            MrzProblem(
                "document_number_format",
                "document_number",
                "error",
                "The document number is empty or starts with a filler '<'.",
            )
        )
    elif FILLER in (number_raw if long_number else number_raw.rstrip(FILLER)):
        problems.append(
            MrzProblem(
                "document_number_format",
                "document_number",
                "error",
                "The document number has a filler '<' between its characters.",
            )
        )
    if fmt in ("TD1", "TD2") and raw["document_number_check"] == FILLER and not long_number:
        problems.append(
            MrzProblem(
                "document_number_format",
                "document_number_check",
                "error",
                "The document number check digit is a filler but the optional data does not"
                " continue the number.",
            )
        )

    birth = birth_date_from(raw["birth_date"], today)
    expiry = expiry_date_from(raw["expiry_date"], today)
    if birth is None:
        problems.append(
            MrzProblem(
                "birth_date_invalid",
                "birth_date",
                "error",
                f"The birth date '{raw['birth_date']}' is not a real YYMMDD date.",
            )
        )
    if expiry is None:
        problems.append(
            MrzProblem(
                "expiry_date_invalid",
                "expiry_date",
                "error",
                f"The expiry date '{raw['expiry_date']}' is not a real YYMMDD date.",
            )
        )
    if birth and expiry:
        if expiry <= birth:
            problems.append(
                MrzProblem(
                    "expiry_before_birth",
                    "expiry_date",
                    "error",
                    f"The expiry date ({expiry.isoformat()}) is not after the birth date ({birth.isoformat()}).",
                )
            )
        elif (expiry - today).days > EXPIRY_PLAUSIBLE_YEARS * 366:
            problems.append(
                MrzProblem(
                    "expiry_implausible",
                    "expiry_date",
                    "warning",
                    f"The expiry date ({expiry.isoformat()}) is more than {EXPIRY_PLAUSIBLE_YEARS} years away.",
                )
            )

    sex = raw["sex"]
    if sex not in ("M", "F", "X", FILLER):
        problems.append(
            MrzProblem("sex_invalid", "sex", "error", f"The sex field holds '{sex}', which is not M, F, X or <.")
        )

    surname, given, name_problems, truncated = _split_name(raw["name"])
    problems.extend(name_problems)

    fields = {
        "document_code": code.rstrip(FILLER),
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


def _fit_lines(lines: tuple[str, ...], fmt: str) -> tuple[tuple[str, ...], list[MrzProblem]]:
    _, width = _SHAPE[fmt]
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
    corrected, corrections, status, ambiguous = _correct(lines, fmt)
    if not corrections:
        if status == "not_needed":
            status = "none_found"
        return _with(first, correction_status=status, ambiguous_candidates=ambiguous)
    result = _evaluate(corrected, read, fmt, today, base_problems)
    corrections = sorted(corrections, key=lambda c: (c.line, c.position))
    return _with(result, corrections=tuple(corrections), correction_status=status,
                 ambiguous_candidates=ambiguous)


def _with(result: MrzResult, **changes: object) -> MrzResult:
    from dataclasses import replace

    return replace(result, **changes)


# ---------------------------------------------------------------------------------------------
# Correction


def _position_classes(fmt: str) -> tuple[list[list[str]], list[list[str]]]:
    """Per line and position: the character class and the field name."""
    rows, width = _SHAPE[fmt]
    classes = [["A"] * width for _ in range(rows)]
    names = [[""] * width for _ in range(rows)]
    layout = _LAYOUTS[fmt]
    for name, (line, start, end) in layout.fields.items():
        for pos in range(start, end):
            classes[line][pos] = layout.classes[name]
            names[line][pos] = name
    return classes, names


_CLASS_CACHE = {fmt: _position_classes(fmt) for fmt in FORMATS}


def _protected_positions(fmt: str) -> set[tuple[int, int]]:
    protected = set()
    for spans, digit in _LAYOUTS[fmt].checks.values():
        for line, start, end in (*spans, digit):
            protected.update((line, p) for p in range(start, end))
    # A TD1 long document number's check digit sits in the optional data: covered by composite.
    return protected


_PROTECTED = {fmt: _protected_positions(fmt) for fmt in FORMATS}


def _apply(lines: tuple[str, ...], changes: Iterable[tuple[int, int, str]]) -> tuple[str, ...]:
    rows = [list(line) for line in lines]
    for line, pos, ch in changes:
        rows[line][pos] = ch
    return tuple("".join(r) for r in rows)


_MAX_PAIR_OPTIONS = 20


def _weights_by_position(fmt: str) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """(line, pos) -> [(check index, weight)] for the standard layout of ``fmt``."""
    table: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for index, (spans, _) in enumerate(_LAYOUTS[fmt].checks.values()):
        offset = 0
        for line, start, end in spans:
            for pos in range(start, end):
                table.setdefault((line, pos), []).append((index, _WEIGHTS[offset % 3]))
                offset += 1
    return table


_WEIGHT_TABLE = {fmt: _weights_by_position(fmt) for fmt in FORMATS}


def _quick_filter(
    base: tuple[str, ...], fmt: str, results: list[CheckResult]
) -> Callable[[tuple[tuple[int, int, str], ...]], bool]:
    """A fast necessary condition for a candidate to pass every check: the weighted sums of the
    checks it touches, updated by the value changes, must hit the printed digits. Candidates it
    lets through are confirmed by :func:`_run_checks`; with a long document number (whose check
    moves with the data) or characters no check can weigh, it lets everything through."""
    if any(r.expected is None for r in results) or any(
        r.name == "document_number" and len(r.data) != 9 for r in results
    ):
        return lambda changes: True
    table = _WEIGHT_TABLE[fmt]
    targets = [int(r.found) if r.found.isdigit() else None for r in results]
    sums = [int(r.expected) for r in results]  # weighted sums mod 10

    def may_pass(changes: tuple[tuple[int, int, str], ...]) -> bool:
        new = list(sums)
        for line, pos, ch in changes:
            delta = _VALUES[ch] - _VALUES[base[line][pos]]
            for index, weight in table.get((line, pos), ()):
                new[index] += delta * weight
        return all(t is None or n % 10 == t for n, t in zip(new, targets, strict=True))

    return may_pass


def _correct(lines: tuple[str, ...], fmt: str) -> tuple[tuple[str, ...], list[Correction], str, int]:
    """Returns (lines, corrections, status, ambiguous candidate count)."""
    classes, names = _CLASS_CACHE[fmt]
    protected = _PROTECTED[fmt]
    layout = _LAYOUTS[fmt]
    forced_protected: list[tuple[int, int, str]] = []
    forced_free: list[tuple[int, int, str]] = []
    for li, line in enumerate(lines):
        for pos, ch in enumerate(line):
            cls = classes[li][pos]
            target = None
            if cls in ("N", "C") and ch in _TO_DIGIT:
                target = _TO_DIGIT[ch]
            elif cls == "A" and names[li][pos] == "name" and ch in NAME_DIGIT_LETTERS:
                target = NAME_DIGIT_LETTERS[ch]
            elif cls == "A" and ch in _TO_LETTERS and len(_TO_LETTERS[ch]) == 1:
                target = _TO_LETTERS[ch][0]
            if target is None:
                continue
            if (li, pos) in protected:
                forced_protected.append((li, pos, target))
            else:
                forced_free.append((li, pos, target))

    # A 0 in a state code may be O or Q: keep it only if exactly one reading is a known code.
    for code_field in ("issuing_state", "nationality"):
        li, start, end = layout.fields[code_field]
        value = lines[li][start:end]
        if "0" not in value or (li, start) in protected:
            continue
        options = set()
        for letter in ("O", "Q"):
            candidate = value.replace("0", letter)
            candidate = "".join(_TO_LETTERS[c][0] if c in _TO_LETTERS and c != "0" else c for c in candidate)
            if candidate.replace(FILLER, "") in ICAO_CODES:
                options.add(candidate)
        if len(options) == 1:
            chosen = options.pop()
            forced_free = [c for c in forced_free if not (c[0] == li and start <= c[1] < end)]
            forced_free.extend(
                (li, start + i, ch) for i, ch in enumerate(chosen) if value[i] != ch
            )

    def to_corrections(changes: Iterable[tuple[int, int, str]], verified: bool) -> list[Correction]:
        return [
            Correction(li, pos, names[li][pos], lines[li][pos], ch, verified)
            for li, pos, ch in changes
        ]

    free = to_corrections(forced_free, False)
    base = _apply(lines, forced_protected)
    if _checks_pass(base, layout, fmt):
        corrections = free + to_corrections(forced_protected, True)
        status = "applied" if corrections else "not_needed"
        return _apply(base, forced_free), corrections, status, 0

    # Search confusions in the alphanumeric fields the failing checks protect.
    results, _ = _run_checks(base, layout, fmt)
    positions: list[tuple[int, int]] = []
    failing = {r.name for r in results if not r.ok}
    for name, (spans, digit) in layout.checks.items():
        if name not in failing:
            continue
        for li, start, end in (*spans, digit):
            for pos in range(start, end):
                if classes[li][pos] == "X" and (li, pos) not in positions:
                    positions.append((li, pos))
    options: list[tuple[int, int, str]] = []
    for li, pos in positions:
        ch = base[li][pos]
        if ch in _TO_DIGIT:
            options.append((li, pos, _TO_DIGIT[ch]))
        for letter in _TO_LETTERS.get(ch, ()):
            options.append((li, pos, letter))

    may_pass = _quick_filter(base, fmt, results)

    found: list[tuple[tuple[int, int, str], ...]] = []
    for option in options:
        if may_pass((option,)) and _checks_pass(_apply(base, (option,)), layout, fmt):
            found.append((option,))
    # Pairs only when few options exist: with many, some pair satisfies the check digits by chance.
    if not found and len(options) <= _MAX_PAIR_OPTIONS:
        for a, b in combinations(options, 2):
            if a[:2] == b[:2]:
                continue
            if may_pass((a, b)) and _checks_pass(_apply(base, (a, b)), layout, fmt):
                found.append((a, b))
    if len(found) == 1:
        chosen = found[0]
        corrections = free + to_corrections(forced_protected, True) + to_corrections(chosen, True)
        return _apply(_apply(base, chosen), forced_free), corrections, "applied", 0
    status = "ambiguous" if len(found) > 1 else "none_found"
    # Without a verified fix, only the unprotected letters-only fixes stand.
    return _apply(lines, forced_free), free, status, len(found)


# ---------------------------------------------------------------------------------------------
# Building valid MRZs (specimens, tests)


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


def _pad(value: str, width: int) -> str:
    cleaned = "".join(c for c in value.upper().replace(" ", FILLER) if c in _ALLOWED)
    if len(cleaned) > width:
        raise ValueError(f"{value!r} does not fit in {width} characters")
    return cleaned.ljust(width, FILLER)


def _code(value: str) -> str:
    return _pad(value, 3)


def _number_and_optional(number: str, optional: str, opt_width: int) -> tuple[str, str, str]:
    """(9-character number field, check character, optional field) for TD1/TD2 numbers."""
    cleaned = _pad(number, len(number) or 1).rstrip(FILLER) if number else ""
    if len(cleaned) <= 9:
        return cleaned.ljust(9, FILLER), check_digit(cleaned.ljust(9, FILLER)), _pad(optional, opt_width)
    rest = cleaned[9:] + check_digit(cleaned)
    return cleaned[:9], FILLER, _pad(rest + FILLER + optional if optional else rest, opt_width)


def build_td3(*, document_number: str, surname: str, given_names: str, nationality: str,
              birth_date: date, sex: str, expiry_date: date, issuing_state: str,
              document_code: str = "P", personal_number: str = "") -> tuple[str, str]:
    """Two valid TD3 lines (passport). Names are transliterated per ICAO and truncated to fit."""
    return _build_two_line(44, True, True, **locals())


def build_mrva(*, document_number: str, surname: str, given_names: str, nationality: str,
               birth_date: date, sex: str, expiry_date: date, issuing_state: str,
               document_code: str = "V", personal_number: str = "") -> tuple[str, str]:
    """Two valid MRV-A visa lines (2x44, no composite check digit)."""
    return _build_two_line(44, False, False, **locals())


def build_td2(*, document_number: str, surname: str, given_names: str, nationality: str,
              birth_date: date, sex: str, expiry_date: date, issuing_state: str,
              document_code: str = "I", personal_number: str = "") -> tuple[str, str]:
    """Two valid TD2 lines; a document number over 9 characters continues in the optional data."""
    return _build_two_line(36, True, False, **locals())


def build_mrvb(*, document_number: str, surname: str, given_names: str, nationality: str,
               birth_date: date, sex: str, expiry_date: date, issuing_state: str,
               document_code: str = "V", personal_number: str = "") -> tuple[str, str]:
    """Two valid MRV-B visa lines (2x36, no composite check digit)."""
    return _build_two_line(36, False, False, **locals())


def _build_two_line(width: int, composite: bool, optional_check: bool, *, document_number: str,
                    surname: str, given_names: str, nationality: str, birth_date: date, sex: str,
                    expiry_date: date, issuing_state: str, document_code: str,
                    personal_number: str) -> tuple[str, str]:
    name_field, _ = mrz_name(surname, given_names, width - 5)
    line1 = _pad(document_code, 2) + _code(issuing_state) + name_field
    opt_width = width - 28 - (1 if composite else 0) - (1 if optional_check else 0)
    if width == 36 and composite:
        number, number_check, optional = _number_and_optional(document_number, personal_number, opt_width)
    else:
        number = _pad(document_number, 9)
        number_check = check_digit(number)
        optional = _pad(personal_number, opt_width)
    birth, expiry = _yymmdd(birth_date), _yymmdd(expiry_date)
    line2 = (
        number + number_check + _code(nationality) + birth + check_digit(birth)
        + (sex or FILLER) + expiry + check_digit(expiry) + optional
    )
    if optional_check:
        line2 += check_digit(optional) if personal_number else FILLER
    if composite:
        line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:])
    return line1, line2


def build_td1(*, document_number: str, surname: str, given_names: str, nationality: str,
              birth_date: date, sex: str, expiry_date: date, issuing_state: str,
              document_code: str = "I", optional_data: str = "",
              optional_data_2: str = "") -> tuple[str, str, str]:
    """Three valid TD1 lines (ID card); a number over 9 characters continues in the optional data."""
    number, number_check, optional = _number_and_optional(document_number, optional_data, 15)
    line1 = _pad(document_code, 2) + _code(issuing_state) + number + number_check + optional
    birth, expiry = _yymmdd(birth_date), _yymmdd(expiry_date)
    line2 = (
        birth + check_digit(birth) + (sex or FILLER) + expiry + check_digit(expiry)
        + _code(nationality) + _pad(optional_data_2, 11)
    )
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    line3, _ = mrz_name(surname, given_names, 30)
    return line1, line2, line3
