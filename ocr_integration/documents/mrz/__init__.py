"""Machine readable zones (ICAO Doc 9303 parts 3-7): parse, validate, correct OCR confusions, build.

Modules: ``layout`` (fields, character classes, check digits per format), ``results`` (what a
parse returns), ``parsing`` (read and validate), ``correction`` (OCR confusions), ``building``
(compose valid lines).

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

from .building import build_mrva, build_mrvb, build_td1, build_td2, build_td3
from .layout import (
    CONFUSIONS,
    EXPIRY_PLAUSIBLE_YEARS,
    FILLER,
    FORMATS,
    NAME_DIGIT_LETTERS,
    check_digit,
)
from .parsing import birth_date_from, detect_format, expiry_date_from, normalise_lines, parse
from .results import FIELD_LABELS, CheckResult, Correction, MrzProblem, MrzResult

__all__ = [
    "CONFUSIONS", "EXPIRY_PLAUSIBLE_YEARS", "FIELD_LABELS", "FILLER", "FORMATS", "NAME_DIGIT_LETTERS",
    "CheckResult", "Correction", "MrzProblem", "MrzResult", "birth_date_from", "build_mrva", "build_mrvb",
    "build_td1", "build_td2", "build_td3", "check_digit", "detect_format", "expiry_date_from",
    "normalise_lines", "parse",
]
