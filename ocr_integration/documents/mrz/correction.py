"""Correcting OCR confusions in an MRZ: characters impossible for their field, and confusions in
check-protected fields that the check digits single out (see the package docstring for the rules)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import combinations

from ..icao_codes import ICAO_CODES
from .layout import (
    FILLER,
    LAYOUTS,
    NAME_DIGIT_LETTERS,
    POSITION_CLASSES,
    PROTECTED,
    TO_DIGIT,
    TO_LETTERS,
    VALUES,
    WEIGHT_TABLE,
    checks_pass,
    run_checks,
)
from .results import CheckResult, Correction


def _apply(lines: tuple[str, ...], changes: Iterable[tuple[int, int, str]]) -> tuple[str, ...]:
    rows = [list(line) for line in lines]
    for line, pos, ch in changes:
        rows[line][pos] = ch
    return tuple("".join(r) for r in rows)


_MAX_PAIR_OPTIONS = 20


def _quick_filter(
    base: tuple[str, ...], fmt: str, results: list[CheckResult]
) -> Callable[[tuple[tuple[int, int, str], ...]], bool]:
    """A fast necessary condition for a candidate to pass every check: the weighted sums of the
    checks it touches, updated by the value changes, must hit the printed digits. Candidates it
    lets through are confirmed by :func:`run_checks`; with a long document number (whose check
    moves with the data) or characters no check can weigh, it lets everything through."""
    if any(r.expected is None for r in results) or any(
        r.name == "document_number" and len(r.data) != 9 for r in results
    ):
        return lambda changes: True
    table = WEIGHT_TABLE[fmt]
    targets = [int(r.found) if r.found.isdigit() else None for r in results]
    sums = [int(r.expected) for r in results]  # weighted sums mod 10

    def may_pass(changes: tuple[tuple[int, int, str], ...]) -> bool:
        new = list(sums)
        for line, pos, ch in changes:
            delta = VALUES[ch] - VALUES[base[line][pos]]
            for index, weight in table.get((line, pos), ()):
                new[index] += delta * weight
        return all(t is None or n % 10 == t for n, t in zip(new, targets, strict=True))

    return may_pass


_Change = tuple[int, int, str]  # line, position, new character


def correct_confusions(lines: tuple[str, ...], fmt: str) -> tuple[tuple[str, ...], list[Correction], str, int]:
    """OCR confusions in ``lines`` (fitted to ``fmt``), corrected as the module docstring of
    :mod:`ocr_integration.documents.mrz` says. Returns (lines, corrections, status, ambiguous
    candidate count); status is ``not_needed``, ``applied``, ``ambiguous`` or ``none_found``."""
    forced_protected, forced_free = _forced_changes(lines, fmt)
    forced_free = _state_code_changes(lines, fmt, forced_free)
    free = _corrections(lines, fmt, forced_free, verified=False)
    base = _apply(lines, forced_protected)
    layout = LAYOUTS[fmt]
    if checks_pass(base, layout, fmt):
        corrections = free + _corrections(lines, fmt, forced_protected, verified=True)
        status = "applied" if corrections else "not_needed"
        return _apply(base, forced_free), corrections, status, 0
    found = _search(base, fmt)
    if len(found) == 1:
        chosen = found[0]
        corrections = (free + _corrections(lines, fmt, forced_protected, verified=True)
                       + _corrections(lines, fmt, chosen, verified=True))
        return _apply(_apply(base, chosen), forced_free), corrections, "applied", 0
    status = "ambiguous" if len(found) > 1 else "none_found"
    # Without a verified fix, only the unprotected letters-only fixes stand.
    return _apply(lines, forced_free), free, status, len(found)


def _corrections(lines: tuple[str, ...], fmt: str, changes: Iterable[_Change], *, verified: bool) -> list[Correction]:
    names = POSITION_CLASSES[fmt][1]
    return [Correction(li, pos, names[li][pos], lines[li][pos], ch, verified) for li, pos, ch in changes]


def _forced_target(cls: str, field_name: str, ch: str) -> str | None:
    """The only character ``ch`` can stand for in a position of class ``cls``, if it is impossible there."""
    if cls in ("N", "C") and ch in TO_DIGIT:
        return TO_DIGIT[ch]
    if cls == "A" and field_name == "name" and ch in NAME_DIGIT_LETTERS:
        return NAME_DIGIT_LETTERS[ch]
    if cls == "A" and ch in TO_LETTERS and len(TO_LETTERS[ch]) == 1:
        return TO_LETTERS[ch][0]
    return None


def _forced_changes(lines: tuple[str, ...], fmt: str) -> tuple[list[_Change], list[_Change]]:
    """Characters impossible for their field, with their one reading: (check-protected, unprotected)."""
    classes, names = POSITION_CLASSES[fmt]
    protected = PROTECTED[fmt]
    forced_protected: list[_Change] = []
    forced_free: list[_Change] = []
    for li, line in enumerate(lines):
        for pos, ch in enumerate(line):
            target = _forced_target(classes[li][pos], names[li][pos], ch)
            if target is not None:
                (forced_protected if (li, pos) in protected else forced_free).append((li, pos, target))
    return forced_protected, forced_free


def _state_code_changes(lines: tuple[str, ...], fmt: str, forced_free: list[_Change]) -> list[_Change]:
    """A 0 in a state code may be O or Q: kept only if exactly one reading is a known code."""
    layout, protected = LAYOUTS[fmt], PROTECTED[fmt]
    for code_field in ("issuing_state", "nationality"):
        li, start, end = layout.fields[code_field]
        value = lines[li][start:end]
        if "0" not in value or (li, start) in protected:
            continue
        options = {candidate for candidate in (_state_reading(value, letter) for letter in ("O", "Q"))
                   if candidate.replace(FILLER, "") in ICAO_CODES}
        if len(options) == 1:
            chosen = options.pop()
            forced_free = [c for c in forced_free if not (c[0] == li and start <= c[1] < end)]
            forced_free.extend((li, start + i, ch) for i, ch in enumerate(chosen) if value[i] != ch)
    return forced_free


def _state_reading(value: str, zero_as: str) -> str:
    candidate = value.replace("0", zero_as)
    return "".join(TO_LETTERS[c][0] if c in TO_LETTERS and c != "0" else c for c in candidate)


def _search(base: tuple[str, ...], fmt: str) -> list[tuple[_Change, ...]]:
    """Every confusion (single, then pairs when few are possible) in the alphanumeric fields the
    failing checks protect that makes every check pass."""
    layout = LAYOUTS[fmt]
    results, _ = run_checks(base, layout, fmt)
    options = _search_options(base, fmt, {r.name for r in results if not r.ok})
    may_pass = _quick_filter(base, fmt, results)

    def passes(changes: tuple[_Change, ...]) -> bool:
        return may_pass(changes) and checks_pass(_apply(base, changes), layout, fmt)

    found = [(option,) for option in options if passes((option,))]
    # Pairs only when few options exist: with many, some pair satisfies the check digits by chance.
    if not found and len(options) <= _MAX_PAIR_OPTIONS:
        found = [(a, b) for a, b in combinations(options, 2) if a[:2] != b[:2] and passes((a, b))]
    return found


def _search_options(base: tuple[str, ...], fmt: str, failing: set[str]) -> list[_Change]:
    classes = POSITION_CLASSES[fmt][0]
    positions: list[tuple[int, int]] = []
    for name, (spans, digit) in LAYOUTS[fmt].checks.items():
        if name not in failing:
            continue
        for li, start, end in (*spans, digit):
            positions.extend((li, pos) for pos in range(start, end)
                             if classes[li][pos] == "X" and (li, pos) not in positions)
    options: list[_Change] = []
    for li, pos in positions:
        ch = base[li][pos]
        if ch in TO_DIGIT:
            options.append((li, pos, TO_DIGIT[ch]))
        options.extend((li, pos, letter) for letter in TO_LETTERS.get(ch, ()))
    return options
