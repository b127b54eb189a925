"""MRZ bench: our parser against the `mrz` package from PyPI, on the same 10 000 MRZs.

Run: ``.venv/bin/python bench/mrz_bench.py [--count 10000] [--seed 9303] [--repeat 3]``

The set mixes TD1, TD2, TD3, MRV-A and MRV-B, about half valid and half carrying exactly one
known fault (see FAULTS). Both checkers get the identical newline-joined string. A checker
"catches" a faulty MRZ when it calls it invalid (or raises); a "false alarm" is a valid MRZ called
invalid. Ours runs with correction off for the comparison (the `mrz` package does not correct),
and once more with correction on for its timing.

Exit status 1 if the `mrz` package catches a fault that ours misses, or if ours is slower.
All data is synthetic (Utopia-style names), generated from the seed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mrz.checker.mrva import MRVACodeChecker  # noqa: E402
from mrz.checker.mrvb import MRVBCodeChecker  # noqa: E402
from mrz.checker.td1 import TD1CodeChecker  # noqa: E402
from mrz.checker.td2 import TD2CodeChecker  # noqa: E402
from mrz.checker.td3 import TD3CodeChecker  # noqa: E402

from ocr_integration.documents import mrz as ours  # noqa: E402
from ocr_integration.documents.icao_codes import ICAO_CODES  # noqa: E402

TODAY = date(2026, 11, 21)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Codes both checkers know, so valid inputs are valid for both.
from mrz.base.countries import english as _their_countries  # noqa: E402

SHARED_CODES = sorted(set(ICAO_CODES) & set(_their_countries.values()))

THEIR_CHECKER = {
    "TD1": TD1CodeChecker, "TD2": TD2CodeChecker, "TD3": TD3CodeChecker,
    "MRVA": MRVACodeChecker, "MRVB": MRVBCodeChecker,
}
BUILDERS = {
    "TD1": ours.build_td1, "TD2": ours.build_td2, "TD3": ours.build_td3,
    "MRVA": ours.build_mrva, "MRVB": ours.build_mrvb,
}


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(low, high)))


def valid_mrz(rng: random.Random, fmt: str, **override: str) -> tuple[str, ...]:
    birth = TODAY - timedelta(days=rng.randint(18 * 365, 90 * 365))
    expiry = TODAY + timedelta(days=rng.randint(-3 * 365, 10 * 365))
    kw = dict(
        document_number="".join(rng.choice(ALNUM) for _ in range(rng.randint(6, 9))),
        surname=_word(rng, 2, 12),
        given_names=" ".join(_word(rng, 2, 8) for _ in range(rng.randint(1, 2))),
        nationality=rng.choice(SHARED_CODES),
        issuing_state=rng.choice(SHARED_CODES),
        birth_date=birth,
        expiry_date=expiry,
        sex=rng.choice("MF<"),
    )
    if fmt == "TD1":
        kw["optional_data"] = "".join(rng.choice(ALNUM) for _ in range(rng.randint(0, 12)))
    elif fmt == "TD3":
        kw["personal_number"] = "".join(rng.choice(ALNUM) for _ in range(rng.randint(0, 14)))
    if kw["sex"] == "<":
        kw["sex"] = ""
    kw.update(override)
    return BUILDERS[fmt](**kw)


# --- faults: each returns the faulty lines (exactly one error) ------------------------------------

Lines = list[str]


def _set(lines: Lines, line: int, pos: int, text: str) -> Lines:
    out = list(lines)
    out[line] = out[line][:pos] + text + out[line][pos + len(text) :]
    return out


def _fields(fmt: str) -> dict[str, tuple[int, int, int]]:
    return ours.layout.LAYOUTS[fmt].fields


def _recheck(lines: Lines, fmt: str) -> Lines:
    """Recompute every check digit so that only a field rule is broken."""
    layout = ours.layout.LAYOUTS[fmt]
    for name, (spans, digit) in layout.checks.items():
        data = "".join(lines[li][a:b] for li, a, b in spans)
        if name == "personal_number" and data == "<" * len(data):
            continue
        li, a, _ = digit
        lines = _set(lines, li, a, ours.check_digit(data))
    return lines


def f_check_digit(rng, lines, fmt):
    name = rng.choice([n for n in ours.layout.LAYOUTS[fmt].checks if n != "personal_number"])
    li, a, _ = ours.layout.LAYOUTS[fmt].checks[name][1]
    old = lines[li][a]
    return _set(lines, li, a, rng.choice([d for d in "0123456789" if d != old]))


def f_number_substitution(rng, lines, fmt):
    li, a, b = _fields(fmt)["document_number"]
    pos = rng.randrange(a, a + 6)
    old = lines[li][pos]
    return _set(lines, li, pos, rng.choice([c for c in ALNUM if c != old]))


def f_date_digit(rng, lines, fmt):
    li, a, b = _fields(fmt)[rng.choice(["birth_date", "expiry_date"])]
    pos = rng.randrange(a, b)
    old = lines[li][pos]
    return _set(lines, li, pos, rng.choice([d for d in "0123456789" if d != old]))


def f_impossible_date(rng, lines, fmt):
    li, a, _ = _fields(fmt)[rng.choice(["birth_date", "expiry_date"])]
    return _recheck(_set(lines, li, a + 2, rng.choice(["13", "00", "19"])), fmt)


def f_unknown_country(rng, lines, fmt):
    which = rng.choice(["nationality", "issuing_state"])
    li, a, _ = _fields(fmt)[which]
    return _set(lines, li, a, rng.choice(["QQQ", "ZZX", "AAA"]))


def f_bad_sex(rng, lines, fmt):
    li, a, _ = _fields(fmt)["sex"]
    return _set(lines, li, a, rng.choice("KNZ"))


def f_digit_in_name(rng, lines, fmt):
    li, a, _ = _fields(fmt)["name"]
    return _set(lines, li, a + 1, rng.choice("3479"))


def f_three_name_parts(rng, lines, fmt):
    li, a, b = _fields(fmt)["name"]
    return _set(lines, li, a, ("AB<<CD<<EF").ljust(b - a, "<"))


def f_name_starts_with_filler(rng, lines, fmt):
    li, a, b = _fields(fmt)["name"]
    return _set(lines, li, a, ("<ABC<<DEF").ljust(b - a, "<"))


def f_empty_number(rng, lines, fmt):
    li, a, _ = _fields(fmt)["document_number"]
    return _recheck(_set(lines, li, a, "<<<<<<<<<"), fmt)


def f_expiry_before_birth(rng, lines, fmt):
    fields = _fields(fmt)
    li, a, _ = fields["birth_date"]
    lines = _set(lines, li, a, "900101")
    li, a, _ = fields["expiry_date"]
    return _recheck(_set(lines, li, a, "800101"), fmt)


def f_wrong_document_code(rng, lines, fmt):
    code = {"TD1": "P<", "TD2": "P<", "TD3": "I<", "MRVA": "P<", "MRVB": "I<"}[fmt]
    return _set(lines, 0, 0, code)


def f_invalid_character(rng, lines, fmt):
    li, a, _ = _fields(fmt)["name"]
    return _set(lines, li, a + 2, rng.choice("#$%"))


def f_missing_character(rng, lines, fmt):
    out = list(lines)
    pos = rng.randrange(0, 9)
    li = _fields(fmt)["document_number"][0]
    out[li] = out[li][:pos] + out[li][pos + 1 :]
    return out


def f_filler_inside_number(rng, lines, fmt):
    li, a, _ = _fields(fmt)["document_number"]
    return _recheck(_set(lines, li, a + 3, "<"), fmt)


def f_two_letter_code(rng, lines, fmt):
    li, a, _ = _fields(fmt)["nationality"]
    return _set(lines, li, a, rng.choice(["GB<", "US<", "FR<"]))


FAULTS: dict[str, Callable] = {
    "wrong check digit": f_check_digit,
    "document number: one character changed": f_number_substitution,
    "date: one digit changed": f_date_digit,
    "impossible date, check digits recomputed": f_impossible_date,
    "unknown state code": f_unknown_country,
    "invalid sex marker": f_bad_sex,
    "digit in name": f_digit_in_name,
    "name with three components": f_three_name_parts,
    "name starting with a filler": f_name_starts_with_filler,
    "empty document number": f_empty_number,
    "expiry before birth": f_expiry_before_birth,
    "document code wrong for format": f_wrong_document_code,
    "invalid character": f_invalid_character,
    "character dropped (short line)": f_missing_character,
    "filler inside document number": f_filler_inside_number,
    "two-letter state code (GB<)": f_two_letter_code,
}

# Valid MRZs that use ICAO features: flagging one is a false alarm.
_NOT_IN_PACKAGE = [c for c in ("XXC", "XPO", "XCE", "XES", "XMP") if c not in SHARED_CODES]


def v_sex_x(rng, fmt):
    return valid_mrz(rng, fmt, sex="X")


def v_long_number(rng, fmt):
    if fmt not in ("TD1", "TD2"):
        fmt = "TD1"
    number = "".join(rng.choice(ALNUM) for _ in range(rng.randint(10, 12)))
    extra = {"optional_data": ""} if fmt == "TD1" else {}
    return valid_mrz(rng, fmt, document_number=number, **extra)


def v_special_code(rng, fmt):
    return valid_mrz(rng, fmt, nationality=rng.choice(_NOT_IN_PACKAGE))


VALID_VARIANTS: dict[str, Callable] = {
    "valid: sex X": v_sex_x,
    "valid: document number over 9 characters": v_long_number,
    "valid: ICAO code " + "/".join(_NOT_IN_PACKAGE): v_special_code,
}


def build_set(count: int, seed: int) -> list[tuple[str, str, str]]:
    """[(format, category, text)]; category "valid" or a fault name."""
    rng = random.Random(seed)
    formats = list(BUILDERS)
    samples = []
    for i in range(count):
        fmt = formats[i % len(formats)]
        lines = list(valid_mrz(rng, fmt))
        category = "valid"
        if i % 10 == 4:
            category = rng.choice(list(VALID_VARIANTS))
            lines = list(VALID_VARIANTS[category](rng, fmt))
            fmt = {2: "TD2", 3: "TD1"}.get(len(lines), fmt) if len(lines) == 3 else fmt
            if category.startswith("valid: document number") and len(lines[0]) == 36:
                fmt = "TD2"
        elif i % 2:
            category = rng.choice(list(FAULTS))
            lines = FAULTS[category](rng, lines, fmt)
        samples.append((fmt, category, "\n".join(lines)))
    return samples


def ours_rejects(text: str, correct: bool = False) -> bool:
    return not ours.parse(text, today=TODAY, correct=correct).valid


def theirs_rejects(fmt: str, text: str) -> bool:
    try:
        return not bool(THEIR_CHECKER[fmt](text))
    except Exception:  # the package raises on wrong lengths and characters: counts as caught
        return True


def timed(fn: Callable[[], list[bool]], repeat: int) -> tuple[float, list[bool]]:
    best = float("inf")
    verdicts: list[bool] = []
    for _ in range(repeat):
        start = time.perf_counter()
        verdicts = fn()
        best = min(best, time.perf_counter() - start)
    return best, verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=9303)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    samples = build_set(args.count, args.seed)
    t_ours, v_ours = timed(lambda: [ours_rejects(text) for _, _, text in samples], args.repeat)
    t_corr, _ = timed(lambda: [ours_rejects(text, True) for _, _, text in samples], args.repeat)
    t_theirs, v_theirs = timed(lambda: [theirs_rejects(fmt, text) for fmt, _, text in samples], args.repeat)

    n = len(samples)
    print(f"{n} MRZs (TD1, TD2, TD3, MRV-A, MRV-B), seed {args.seed}, best of {args.repeat} runs")
    print(f"  ours, correction off : {t_ours:7.3f} s  {n / t_ours:9.0f} MRZ/s")
    print(f"  ours, correction on  : {t_corr:7.3f} s  {n / t_corr:9.0f} MRZ/s")
    print(f"  mrz {_version():<8}         : {t_theirs:7.3f} s  {n / t_theirs:9.0f} MRZ/s")
    print(f"  speed-up (correction off): {t_theirs / t_ours:.1f}x")
    print()

    per: dict[str, Counter] = {}
    missed_by_ours: list[tuple[str, str, str]] = []
    for (fmt, category, text), a, b in zip(samples, v_ours, v_theirs, strict=True):
        c = per.setdefault(category, Counter())
        c["n"] += 1
        c["ours"] += a
        c["theirs"] += b
        c["both"] += a and b
        if b and not a and not category.startswith("valid"):
            missed_by_ours.append((fmt, category, text))
    width = max(len(k) for k in per)
    width = max(width, 30)
    print(f"{'category':<{width}}  {'n':>5}  {'ours':>5}  {'mrz':>5}  {'only ours':>9}  {'only mrz':>8}")
    for category in ["valid", *VALID_VARIANTS, *FAULTS]:
        c = per.get(category)
        if not c:
            continue
        label = category if category != "valid" else "valid (flagged = false alarm)"
        if category == next(iter(FAULTS)):
            print("-" * (width + 42))
        print(
            f"{label:<{width}}  {c['n']:>5}  {c['ours']:>5}  {c['theirs']:>5}"
            f"  {c['ours'] - c['both']:>9}  {c['theirs'] - c['both']:>8}"
        )
    faulty = [c for k, c in per.items() if not k.startswith("valid")]
    valid = [c for k, c in per.items() if k.startswith("valid")]
    print()
    print(
        f"false alarms on {sum(c['n'] for c in valid)} valid MRZs: ours {sum(c['ours'] for c in valid)},"
        f" mrz {sum(c['theirs'] for c in valid)}"
    )
    caught_ours = sum(c["ours"] for c in faulty)
    caught_theirs = sum(c["theirs"] for c in faulty)
    total = sum(c["n"] for c in faulty)
    print()
    print(f"faulty inputs caught: ours {caught_ours}/{total}, mrz {caught_theirs}/{total}")
    print(f"faults the mrz package catches and ours misses: {len(missed_by_ours)}")
    for fmt, category, text in missed_by_ours[:5]:
        print(f"  {fmt} {category}: {text!r}")
    print(
        "note: a change by a multiple of 10 in an alphanumeric field (0/A/K/U, 1/B/L/V ...) leaves"
        " every 7-3-1 check digit unchanged, so neither checker can see it."
    )
    return 1 if missed_by_ours or t_ours > t_theirs else 0


def _version() -> str:
    from importlib.metadata import version

    return version("mrz")


if __name__ == "__main__":
    raise SystemExit(main())
