"""Names: ICAO 9303 transliteration, case/diacritic folding, and a similarity score.

ICAO Doc 9303 Part 3 section 6 says how national characters are written in an MRZ. Some have two
recommended forms (``Ä`` -> ``AE`` or ``A``, ``Ü`` -> ``UE`` or ``U``, ``Å`` -> ``AA`` or ``A``), so a
printed name is folded into every form an issuer may have used and the best score wins.

Public API:

- :func:`transliterate(text, *, variant="icao") -> str` Latin capitals and spaces only.
- :func:`fold_variants(text) -> set[str]` every plausible MRZ rendering of a printed name.
- :func:`mrz_name(surname, given_names, width) -> (field, truncated)` the MRZ name field.
- :func:`similarity(a, b) -> float` 0..1, order-insensitive, after folding both sides.
- :func:`prefix_similarity(printed, mrz_component) -> float` 0..1, a printed name component
  against an MRZ component that was cut short (a truncated MRZ name field).
- :func:`script_of(text) -> str` ``latin``, ``cyrillic``, ``greek``, ``han``, ``arabic``, ``other``
  or ``mixed``; names in scripts that cannot be transliterated to Latin are not comparable.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import Levenshtein

# Characters whose ICAO form is not just "drop the accent". Tuples: (icao form, plain form).
_LATIN_SPECIAL: dict[str, tuple[str, str]] = {
    "Ä": ("AE", "A"), "Å": ("AA", "A"), "Æ": ("AE", "AE"), "Ö": ("OE", "O"), "Ø": ("OE", "O"),
    "Ü": ("UE", "U"), "Œ": ("OE", "OE"), "ß": ("SS", "SS"), "ẞ": ("SS", "SS"), "Þ": ("TH", "TH"),
    "Ð": ("D", "D"), "Đ": ("D", "D"), "Ł": ("L", "L"), "Ĳ": ("IJ", "IJ"), "Ħ": ("H", "H"),
    "Ŋ": ("N", "N"), "Ŧ": ("T", "T"), "ı": ("I", "I"), "Ə": ("A", "E"),
}

# ICAO Doc 9303 Part 3, transliteration of Cyrillic (Russian, Ukrainian, Belarusian, Serbian,
# Macedonian, Bulgarian letters).
_CYRILLIC: dict[str, str] = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Ґ": "G", "Д": "D", "Ђ": "D", "Ѓ": "G", "Е": "E",
    "Ё": "E", "Є": "IE", "Ж": "ZH", "З": "Z", "Ѕ": "DZ", "И": "I", "І": "I", "Ї": "I", "Й": "I",
    "Ј": "J", "К": "K", "Л": "L", "Љ": "LJ", "М": "M", "Н": "N", "Њ": "NJ", "О": "O", "П": "P",
    "Р": "R", "С": "S", "Т": "T", "Ћ": "C", "Ќ": "K", "У": "U", "Ў": "U", "Ф": "F", "Х": "KH",
    "Ц": "TS", "Ч": "CH", "Џ": "DZ", "Ш": "SH", "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Ь": "",
    "Э": "E", "Ю": "IU", "Я": "IA",
}

_GREEK: dict[str, str] = {
    "Α": "A", "Β": "V", "Γ": "G", "Δ": "D", "Ε": "E", "Ζ": "Z", "Η": "I", "Θ": "TH", "Ι": "I",
    "Κ": "K", "Λ": "L", "Μ": "M", "Ν": "N", "Ξ": "X", "Ο": "O", "Π": "P", "Ρ": "R", "Σ": "S",
    "Τ": "T", "Υ": "Y", "Φ": "F", "Χ": "CH", "Ψ": "PS", "Ω": "O",
}


def _char_forms(ch: str, variant: str) -> str:
    up = ch.upper()
    if ch in _LATIN_SPECIAL or up in _LATIN_SPECIAL:
        icao, plain = _LATIN_SPECIAL.get(ch) or _LATIN_SPECIAL[up]
        return icao if variant == "icao" else plain
    if up in _CYRILLIC:
        return _CYRILLIC[up]
    base = "".join(c for c in unicodedata.normalize("NFD", up) if not unicodedata.combining(c))
    if base in _GREEK:
        return _GREEK[base]
    if base == "Σ" or up == "ς".upper():
        return "S"
    if len(base) == 1 and "A" <= base <= "Z":
        return base
    if base.isdigit():
        return base
    if ch in "-'’‐ ,.<" or ch.isspace():
        # Hyphens and spaces separate name components; apostrophes are dropped (O'NEILL -> ONEILL).
        return "" if ch in "'’" else " "
    return ""


def transliterate(text: str, *, variant: str = "icao") -> str:
    """``text`` written with Latin capitals A-Z and single spaces, per ICAO Doc 9303 Part 3.

    ``variant="icao"`` uses the two-letter forms (``Ä`` -> ``AE``), ``"plain"`` the one-letter
    forms (``Ä`` -> ``A``). Characters with no Latin form (Han, Arabic) are dropped.
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text)
    out = "".join(_char_forms(ch, variant) for ch in text)
    return " ".join(out.split())


def fold_variants(text: str) -> set[str]:
    """Every rendering of a printed name an MRZ may carry (ICAO and plain forms)."""
    return {transliterate(text, variant="icao"), transliterate(text, variant="plain")}


def script_of(text: str) -> str:
    """The writing system of the letters in ``text``."""
    scripts: set[str] = set()
    for ch in text or "":
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("LATIN"):
            scripts.add("latin")
        elif name.startswith("CYRILLIC"):
            scripts.add("cyrillic")
        elif name.startswith("GREEK"):
            scripts.add("greek")
        elif name.startswith("CJK") or "IDEOGRAPH" in name:
            scripts.add("han")
        elif name.startswith("ARABIC"):
            scripts.add("arabic")
        else:
            scripts.add("other")
    if not scripts:
        return "other"
    return scripts.pop() if len(scripts) == 1 else "mixed"


LATIN_COMPARABLE = frozenset({"latin", "cyrillic", "greek"})


def mrz_name(surname: str, given_names: str, width: int) -> tuple[str, bool]:
    """The MRZ name field (``SURNAME<<GIVEN<NAMES<<<``) of ``width`` characters, and whether the
    name had to be truncated to fit."""
    sur = transliterate(surname).replace(" ", "<")
    giv = transliterate(given_names).replace(" ", "<")
    text = f"{sur}<<{giv}" if giv else sur
    truncated = len(text) > width
    return text[:width].ljust(width, "<"), truncated


def _ratio(a: str, b: str) -> float:
    # 1 - Levenshtein distance / length of the longer string: the score every threshold in
    # CheckPolicy was set against. rapidfuzz computes exactly that (a bit-parallel C++ kernel)
    # instead of the hand-written O(len(a)*len(b)) Python loop this module had.
    return Levenshtein.normalized_similarity(a, b)


# A name matched only by expanding initials (ANNA M ERIKSSON / ANNA MARIA ERIKSSON) scores at most
# this: close, but not proof of the same name.
INITIALS_SCORE = 0.9


def _expand_initials(short: list[str], full: list[str]) -> list[str] | None:
    """``short`` with each one-letter token replaced by an unused token of ``full`` starting with it."""
    if not any(len(t) == 1 for t in short):
        return None
    unused = [t for t in full if t not in short]
    out = []
    for token in short:
        if len(token) == 1:
            match = next((t for t in unused if t.startswith(token)), None)
            if match is None:
                return None
            unused.remove(match)
            token = match
        out.append(token)
    return out


def _arrangements(folded: str) -> set[str]:
    tokens = folded.split()
    # Compare without spaces (ANNA MARIA / ANNAMARIA) in printed order, in every rotation of it
    # (surname-first against given-names-first is a rotation) and with the components sorted.
    # Sorting alone is not enough: a space lost inside the given names (YADADWAFIN ZANAM for
    # Yadad Wafin Zanam, a recogniser's merge on narrow serif type) sorts differently from the
    # MRZ's ZANAM YADAD WAFIN, while a rotation still lines the letters up.
    rotations = {"".join(tokens[i:] + tokens[:i]) for i in range(len(tokens))} or {""}
    return rotations | {"".join(sorted(tokens))}


def comparable(a: str, b: str) -> bool:
    """True when two names are written in scripts :func:`similarity` can compare."""
    sa, sb = script_of(a), script_of(b)
    if sa in LATIN_COMPARABLE and sb in LATIN_COMPARABLE:
        return True
    return sa == sb and sa in ("han", "arabic")


def similarity(a: str, b: str) -> float:
    """How alike two names are, 0..1, after transliteration and folding of both.

    Two Han (or two Arabic) names are compared character by character.

    Insensitive to case, diacritics (both ICAO forms), punctuation, spacing and the order of
    name components. 0.0 when either side has no Latin-comparable letters.
    """
    if not isinstance(a, str) or not isinstance(b, str):
        return 0.0
    sa, sb = script_of(a), script_of(b)
    if sa == sb and sa not in LATIN_COMPARABLE and sa != "other":
        return _same_script_similarity(a, b)
    best = 0.0
    for fa in fold_variants(a):
        for fb in fold_variants(b):
            if fa and fb:
                best = max(best, _folded_similarity(fa, fb))
                if best == 1.0:
                    return 1.0
    return round(best, 4)


def _same_script_similarity(a: str, b: str) -> float:
    # Han or Arabic on both sides: compare the characters themselves.
    xa = "".join(c for c in unicodedata.normalize("NFKC", a) if c.isalpha())
    xb = "".join(c for c in unicodedata.normalize("NFKC", b) if c.isalpha())
    return round(_ratio(xa, xb), 4) if xa and xb else 0.0


def _folded_similarity(fa: str, fb: str) -> float:
    """Two folded renderings: the best arrangement, or an initials expansion (capped)."""
    best = max(_ratio(xa, xb) for xa in _arrangements(fa) for xb in _arrangements(fb))
    if best == 1.0:
        return best
    for short, full in ((fa.split(), fb.split()), (fb.split(), fa.split())):
        expanded = _expand_initials(short, full)
        if expanded is not None:
            score = max(_ratio(x, y) for x in _arrangements(" ".join(expanded)) for y in _arrangements(" ".join(full)))
            best = max(best, min(score, INITIALS_SCORE))
    return best


def omitted_components(shorter: str, longer: str) -> list[str]:
    """Name components of ``longer`` missing from ``shorter`` when every component of ``shorter``
    appears in ``longer`` (an applicant who leaves out a middle name); [] otherwise."""
    for fa in fold_variants(shorter):
        for fb in fold_variants(longer):
            ta, tb = fa.split(), fb.split()
            if ta and len(ta) < len(tb) and all(t in tb for t in ta):
                return [t for t in tb if t not in ta]
    return []


def truncated_similarity(mrz_field_text: str, printed: str, width: int) -> float:
    """Similarity of a truncated MRZ name with the printed name cut at the same width.

    ``mrz_field_text`` is the whole MRZ name field (``SURNAME<<GIVEN...``) as read;
    ``printed`` is ``surname<<given`` built from the visual zone with :func:`mrz_name`.
    """
    return _ratio(mrz_field_text[:width].replace("<", ""), printed[:width].replace("<", ""))


def prefix_similarity(printed: str, mrz_component: str) -> float:
    """How alike a printed name component is to an MRZ component that was cut short.

    A truncated MRZ name field ends inside its last component: only as many letters of the
    printed component (folded, without spaces) as the MRZ kept are compared.
    """
    if not isinstance(printed, str) or not isinstance(mrz_component, str):
        return 0.0
    kept = transliterate(mrz_component).replace(" ", "")
    if not kept:
        return 0.0
    best = 0.0
    for folded in fold_variants(printed):
        letters = folded.replace(" ", "")
        if letters:
            best = max(best, _ratio(kept, letters[: len(kept)]))
    return round(best, 4)
