"""Where each field sits in each MRZ format, what characters it may hold, and its check digits
(ICAO Doc 9303 parts 4-7).

Public: ``FILLER``, ``FORMATS``, ``SHAPE``, ``LAYOUTS`` (format -> :class:`Layout`),
``POSITION_CLASSES`` (format -> (character class, field name) per line and position),
``CONFUSIONS``, ``NAME_DIGIT_LETTERS``, ``FIELD_LABELS``, :func:`check_digit`, :func:`run_checks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .results import CheckResult

FILLER = "<"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
VALUES: dict[str, int] = {c: i for i, c in enumerate(_ALPHABET)}
VALUES[FILLER] = 0
WEIGHTS = (7, 3, 1) * 20
ALLOWED = frozenset(VALUES)
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
DIGITS = frozenset("0123456789")

# OCR confusions (issue 3): letter read for a digit and the other way round.
CONFUSIONS: tuple[tuple[str, str], ...] = (
    ("O", "0"), ("Q", "0"), ("I", "1"), ("B", "8"), ("S", "5"), ("Z", "2"), ("G", "6"),
)
TO_DIGIT: dict[str, str] = {letter: digit for letter, digit in CONFUSIONS}
# A digit is impossible in an MRZ name field, so each is read as the letter OCR most often
# mistakes it for. 0 is taken for O, not Q: Q is rare in names and almost always followed by U,
# and the repair is always reported for a reviewer to see.
NAME_DIGIT_LETTERS: dict[str, str] = {"0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "8": "B"}
TO_LETTERS: dict[str, tuple[str, ...]] = {}
for _letter, _digit in CONFUSIONS:
    TO_LETTERS[_digit] = (*TO_LETTERS.get(_digit, ()), _letter)

# Artefacts OCR engines put where a filler is printed.
FILLER_LOOKALIKES = str.maketrans({c: FILLER for c in "«‹〈《＜≺⟨﹤"})

FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")
SHAPE = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44), "MRVA": (2, 44), "MRVB": (2, 36)}

# Character classes: A letters/filler, N digits, C check digit (digit, or filler where the
# standard allows one), X letters/digits/filler, S sex.
Span = tuple[int, int, int]  # line, start, end


@dataclass(frozen=True)
class Layout:
    fields: dict[str, Span]
    classes: dict[str, str]
    # check name -> (data spans, check digit span)
    checks: dict[str, tuple[tuple[Span, ...], Span]]


def _two_line_layout(width: int, *, composite: bool, optional_check: bool) -> Layout:
    opt_end = width - (1 if composite else 0) - (1 if optional_check else 0)
    fields: dict[str, Span] = {
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
    checks: dict[str, tuple[tuple[Span, ...], Span]] = {
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
    return Layout(fields, _classes_for(fields), checks)


def _classes_for(fields: dict[str, Span]) -> dict[str, str]:
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


_TD1_FIELDS: dict[str, Span] = {
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

LAYOUTS: dict[str, Layout] = {
    "TD3": _two_line_layout(44, composite=True, optional_check=True),
    "TD2": _two_line_layout(36, composite=True, optional_check=False),
    "MRVA": _two_line_layout(44, composite=False, optional_check=False),
    "MRVB": _two_line_layout(36, composite=False, optional_check=False),
    "TD1": Layout(
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

DOC_CODE_FIRST = {"TD1": "IAC", "TD2": "IAC", "TD3": "P", "MRVA": "V", "MRVB": "V"}
# Expiry dates further ahead than this are implausible for any ICAO document.
EXPIRY_PLAUSIBLE_YEARS = 15


def check_digit(s: str) -> str:
    """The ICAO 9303 check digit of ``s``: weights 7-3-1, ``<`` = 0, digits, ``A`` = 10 ... ``Z`` = 35.

    Lower case is accepted. Raises ``ValueError`` on any other character.
    """
    total = 0
    values = VALUES
    for i, ch in enumerate(s.upper()):
        try:
            total += values[ch] * WEIGHTS[i % 3]
        except KeyError:
            raise ValueError(f"{ch!r} cannot appear in an MRZ") from None
    return str(total % 10)


_BY_7 = {c: v * 7 for c, v in VALUES.items()}.__getitem__
_BY_3 = {c: v * 3 for c, v in VALUES.items()}.__getitem__
_BY_1 = VALUES.__getitem__


def digit_or_none(s: str) -> str | None:
    # Slices and map() keep the loop in C: this runs for every check of every MRZ parsed.
    try:
        total = sum(map(_BY_7, s[0::3])) + sum(map(_BY_3, s[1::3])) + sum(map(_BY_1, s[2::3]))
    except KeyError:
        return None
    return str(total % 10)


def cut(lines: Sequence[str], span: Span) -> str:
    line, start, end = span
    return lines[line][start:end]


def run_checks(lines: Sequence[str], layout: Layout, fmt: str) -> tuple[list[CheckResult], bool]:
    results = []
    long_number = False
    for name, (spans, digit_span) in layout.checks.items():
        data = "".join(cut(lines, s) for s in spans)
        found = cut(lines, digit_span)
        if name == "document_number" and fmt in ("TD1", "TD2") and found == FILLER:
            # Doc 9303 parts 5/6: a number longer than 9 characters continues in the optional
            # data, followed by its own check digit; the check-digit position holds a filler.
            # The continuation ends at the first filler; optional data may follow it.
            head = cut(lines, layout.fields["optional_data"]).split(FILLER, 1)[0]
            if head:
                long_number = True
                data = data + head[:-1]
                found = head[-1]
        expected = digit_or_none(data)
        ok = expected is not None and found == expected
        if not ok and name == "personal_number" and found in (FILLER, "0"):
            # TD3: an empty personal number may carry < or 0 as its check digit.
            ok = data == FILLER * len(data)
        results.append(CheckResult(name, ok, data, found, expected))
    return results, long_number


def checks_pass(lines: Sequence[str], layout: Layout, fmt: str) -> bool:
    results, _ = run_checks(lines, layout, fmt)
    return all(r.ok for r in results)


def _position_classes(fmt: str) -> tuple[list[list[str]], list[list[str]]]:
    """Per line and position: the character class and the field name."""
    rows, width = SHAPE[fmt]
    classes = [["A"] * width for _ in range(rows)]
    names = [[""] * width for _ in range(rows)]
    layout = LAYOUTS[fmt]
    for name, (line, start, end) in layout.fields.items():
        for pos in range(start, end):
            classes[line][pos] = layout.classes[name]
            names[line][pos] = name
    return classes, names


POSITION_CLASSES = {fmt: _position_classes(fmt) for fmt in FORMATS}


def _protected_positions(fmt: str) -> set[tuple[int, int]]:
    protected = set()
    for spans, digit in LAYOUTS[fmt].checks.values():
        for line, start, end in (*spans, digit):
            protected.update((line, p) for p in range(start, end))
    # A TD1 long document number's check digit sits in the optional data: covered by composite.
    return protected


PROTECTED = {fmt: _protected_positions(fmt) for fmt in FORMATS}


def _weights_by_position(fmt: str) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """(line, pos) -> [(check index, weight)] for the standard layout of ``fmt``."""
    table: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for index, (spans, _) in enumerate(LAYOUTS[fmt].checks.values()):
        offset = 0
        for line, start, end in spans:
            for pos in range(start, end):
                table.setdefault((line, pos), []).append((index, WEIGHTS[offset % 3]))
                offset += 1
    return table


WEIGHT_TABLE = {fmt: _weights_by_position(fmt) for fmt in FORMATS}


