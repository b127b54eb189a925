"""Field captions in the languages passports and ID cards print them in, and printed dates in any form.

ICAO 9303 lets each state caption the data page in its own language plus English, French or
Spanish: "Surname / Nom", "1. Surname", "姓/Surname", "Date of birth / Date de naissance". The
Arabic half of a caption is not read by the recogniser (it comes back as stray marks), so every
caption is matched on whichever of its parts was read, each part on its own, after dropping a
leading field number. A caption is one signal among several: the reader also finds values by
what they look like and by what the MRZ says they must be.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from ocr_integration.documents.icao_codes import code_for_name

from .layout import latin

# Caption phrases per canonical field (compared without case, accents, spaces or punctuation).
PASSPORT_CAPTIONS: dict[str, tuple[str, ...]] = {
    "document_code": ("type", "tipo", "类型", "document type"),
    "issuing_state": (
        "code", "code du pays", "country code", "code of issuing state", "issuing state", "codigo",
        "codigo del pais", "code of state", "国家码", "国家代码",
    ),
    "document_number": (
        "passport no", "passport number", "no du passeport", "numero du passeport", "pasaporte no",
        "no de pasaporte", "numero de pasaporte", "document no", "document number", "护照号", "护照号码",
    ),
    "surname": ("surname", "nom", "apellidos", "apellido", "family name", "last name", "姓"),
    "given_names": ("given names", "given name", "prenoms", "prenom", "nombres", "nombre", "forenames", "first name", "名"),
    "nationality": ("nationality", "nationalite", "nacionalidad", "国籍"),
    "birth_date": ("date of birth", "date de naissance", "fecha de nacimiento", "birth date", "出生日期"),
    "sex": ("sex", "sexe", "sexo", "gender", "性别"),
    "place_of_birth": ("place of birth", "lieu de naissance", "lugar de nacimiento", "birth place", "出生地点", "出生地"),
    "issue_date": (
        "date of issue", "date de delivrance", "fecha de expedicion", "fecha de emision", "issue date",
        "issuing date", "签发日期",
    ),
    "expiry_date": (
        "date of expiry", "date d expiration", "date dexpiration", "fecha de caducidad", "fecha de vencimiento",
        "expiry date", "valid until", "有效期至",
    ),
    "issuing_authority": ("authority", "autorite", "autoridad", "issuing authority", "issuing office", "签发机关"),
    "personal_number": ("personal no", "personal number", "no personnel", "numero personal", "personal code"),
}

# The wordings printed on the fronts of the card's generations (ICAO-style "Date of Birth" and the
# shorter forms of the newer cards).
EMIRATES_FRONT_CAPTIONS: dict[str, tuple[str, ...]] = {
    "id_number": ("id number", "identity number", "id no", "identity card number"),
    "full_name": ("name", "full name"),
    "birth_date": ("date of birth", "birth date"),
    "issue_date": ("issuing date", "issue date", "date of issue"),
    "expiry_date": ("expiry date", "date of expiry", "valid until"),
    "nationality": ("nationality",),
    "sex": ("sex", "gender"),
}

EMIRATES_BACK_CAPTIONS: dict[str, tuple[str, ...]] = {
    "occupation": ("occupation", "profession"),
    "employer": ("employer", "sponsor"),
    "card_number": ("card number", "card no"),
    "issuing_place": ("issuing place", "place of issue"),
}

# Page headings that resemble captions ("PASSPORT" and "Passport No.").
_HEADINGS = frozenset({"passport", "passeport", "pasaporte", "reisepass", "护照"})

_NUMBERING = re.compile(r"^\s*\d{1,2}\s*[.)]?\s+|^\s*\d{1,2}\s*[.)]\s*")
_SPLIT = re.compile(r"\s*[/|]\s*|\s{3,}")


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces removed (CJK kept)."""
    decomposed = unicodedata.normalize("NFKD", latin(text))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", kept.lower())


# No caption is matched below this similarity (see caption_of and caption_with_value).
_LOWEST_MATCH = 0.75


def _ratio(a: str, b: str) -> float:
    # rapidfuzz's Indel ratio is difflib's 2*M/T with M the longest common subsequence (difflib's
    # matching blocks are a heuristic for it): the same scale, the same thresholds, C++ speed.
    return fuzz.ratio(a, b) / 100


@functools.lru_cache(maxsize=65536)
def _phrase_score(part: str, phrase: str) -> float:
    folded = fold(phrase)
    if not part:
        return 0.0
    if len(folded) <= 4:
        # Short words must be read exactly (nom, sex, type, code, 姓).
        return 1.0 if part == folded else 0.0
    return _ratio(part, folded)


@dataclass(frozen=True)
class Caption:
    field: str
    score: float
    value: str  # text after the caption in the same box ("" when the caption stands alone)


def caption_of(text: str, lexicon: dict[str, tuple[str, ...]], *, min_score: float = 0.8) -> Caption | None:
    """What field a whole line captions, if it is a caption (one of its parts matching is enough)."""
    body = _NUMBERING.sub("", latin(text), count=1)
    if _names_a_country(body):
        # A country's name is a value (nationality, issuing state, place of birth, the page's
        # header), never a caption, however near a caption word it is spelled (AUSTRIA and
        # "autorite" score 0.75, the loosened match for a misread caption).
        return None
    best: tuple[float, str] | None = None
    for part in _SPLIT.split(body):
        part = fold(part)
        if not part or part in _HEADINGS:
            continue
        for field, phrases in lexicon.items():
            for phrase in phrases:
                score = _phrase_score(part, phrase)
                # Two misread letters in a long caption ("Sumame") still leave it plain.
                # Only for a word of about the caption's length: "PASSPORT OFFICE" is a value.
                near = len(fold(phrase)) >= 7 and abs(len(part) - len(fold(phrase))) <= 2
                needed = min(min_score, 0.75) if near else min_score
                if score >= needed and (best is None or score > best[0]):
                    best = (score, field)
    if best is None:
        return None
    return Caption(best[1], best[0], "")


def _names_a_country(text: str) -> bool:
    words = " ".join(text.split())
    # Three letters may be a code or a short caption ("Nom"); only names are ruled out.
    return len(words) > 3 and code_for_name(words) is not None


def _phrase_pattern(phrase: str) -> str:
    words = [re.escape(w) for w in re.split(r"\s+", phrase) if w]
    return r"[\s.'’]*".join(words)


# Built about 2 000 times per passport from a few hundred phrases: compiled once per process
# (building the pattern text and looking it up in re's own cache was ~35 ms of a passport's read).
@functools.cache
def _caption_then_value(phrase: str) -> re.Pattern[str]:
    return re.compile(rf"\s*{_phrase_pattern(phrase)}(?![A-Za-z])\.?\s*[:;：]?\s*(.*)$", flags=re.IGNORECASE)


def caption_with_value(text: str, lexicon: dict[str, tuple[str, ...]]) -> list[Caption]:
    """Readings of a line as ``caption value`` in one box ("Surname YASIBAS", "Sex: M").

    Every caption phrase the line starts with gives one reading (longest first), so "Date of
    issue 05 OCT 2018" is not taken for a date of birth.
    """
    body = _NUMBERING.sub("", latin(text), count=1)
    plain = "".join(c for c in unicodedata.normalize("NFKD", body) if not unicodedata.combining(c))
    # "Given namesTAZUR": a lower-case caption run into an upper-case value.
    plain = re.sub(r"([a-z])([A-Z]{2,})", r"\1 \2", plain.replace("_", " "))
    out: list[Caption] = []
    for field, phrases in lexicon.items():
        for phrase in sorted(phrases, key=len, reverse=True):
            m = _caption_then_value(phrase).match(plain)
            if not m or not m.group(1).strip():
                continue
            rest = m.group(1).strip()
            # A bilingual caption before the value: "Surname / Nom YASIBAS".
            other = re.match(r"^[/|]\s*(\S+(?:\s+\S+){0,3}?)\s*[:：]?\s+(.*)$", rest)
            if other and any(fold(other.group(1)) == fold(p) for p in phrases):
                rest = other.group(2).strip()
            elif rest[:1] in "/|":
                # After a slash comes the caption's other language (an unread Arabic one comes
                # back as stray letters), not the value.
                continue
            out.append(Caption(field, float(len(phrase)), rest))
            break
    if not out:
        # A misread caption ("Sumame YASIBAS", "Date of issu 29 JAN 2025"): its first words.
        words = plain.replace("_", " ").split()
        best: tuple[float, str, str] | None = None
        for k in range(1, min(4, len(words) - 1) + 1):
            head = fold(" ".join(words[:k]))
            for field, phrases in lexicon.items():
                for phrase in phrases:
                    score = _phrase_score(head, phrase)
                    # Two misread letters in a long caption ("Sumame") still leave it plain;
                    # a head much shorter or longer than the caption is not it misread.
                    if abs(len(head) - len(fold(phrase))) > 2:
                        continue
                    if score >= (0.75 if len(fold(phrase)) >= 7 else 0.8) and (best is None or score > best[0]):
                        # A slash glued to the caption's last word ("Place of birth/ lJ") leads,
                        # like a free-standing one, to the caption's other language.
                        rest = " ".join(words[k:])
                        best = (score, field, "/" + rest if words[k - 1][-1:] in "/|" else rest)
        if best is not None and best[2][:1] not in "/|":
            out.append(Caption(best[1], best[0], best[2]))
    return sorted(out, key=lambda c: -c.score)


# --- printed dates --------------------------------------------------------------------------------

_MONTHS = {
    "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10,
    "NOV": 11, "DEC": 12,
    # French and Spanish abbreviations (accents already folded).
    "JANV": 1, "FEV": 2, "FEVR": 2, "MARS": 3, "AVR": 4, "MAI": 5, "JUIN": 6, "JUIL": 7, "AOU": 8,
    "AOUT": 8, "SEPT": 9, "DEC.": 12, "ENE": 1, "ABR": 4, "AGO": 8, "DIC": 12, "SET": 9,
}
LETTER_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B", "6": "G", "2": "Z"})
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6", "|": "1"})


@dataclass(frozen=True)
class PrintedDate:
    """A date as printed; ``year`` may have two digits only (``century`` False)."""

    day: int
    month: int
    year: int
    century: bool

    def resolve(self, *, past: bool, today: date) -> str | None:
        """ISO date; a two-digit year is put in the past (birth) or this century (issue, expiry)."""
        year = self.year
        if not self.century:
            year += 2000
            if past and year > today.year:
                year -= 100
        try:
            return date(year, self.month, self.day).isoformat()
        except ValueError:
            return None


def _fold_upper(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", latin(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _num(text: str) -> int | None:
    digits = text.translate(_DIGIT_LOOKALIKES)
    return int(digits) if digits.isdigit() else None


def parse_date(text: str) -> PrintedDate | None:
    """A whole line read as a date: "12 MAR 1985", "05 FEB/FÉV 63", "05.02.1963", "1963-02-05",
    "05/02/1963", "1963年2月5日". None when the line is not only a date."""
    t = _slash_between_months(_fold_upper(text).strip())
    m = re.fullmatch(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?", t)
    if m:
        return _checked(int(m.group(3)), int(m.group(2)), int(m.group(1)), True)
    # Day, month name (optionally a second-language name after a slash), year.
    m = re.fullmatch(r"([0-9OIlDSZB]{1,2})\s*\.?\s*([A-Z0-9]{3,4})\.?(?:\s*/\s*([A-Z0-9]{3,4})\.?)?\s*([0-9OIlDSZB]{2}|[0-9OIlDSZB]{4})", t)
    if m and sum(c.isalpha() for c in m.group(2)) >= 2:
        names = [g.translate(LETTER_LOOKALIKES) for g in (m.group(2), m.group(3)) if g]
        month = next((_MONTHS[n] for n in names if n in _MONTHS), None)
        day, year = _num(m.group(1)), _num(m.group(4))
        if month and day is not None and year is not None:
            return _checked(day, month, year, len(m.group(4)) == 4)
        return None
    # Day, month as a Chinese numeral month ("2月", optionally with the English one), year.
    m = re.fullmatch(r"(\d{1,2})\s*(\d{1,2})\s*月\s*(?:/\s*[A-Z]{3,4}\.?)?\s*(\d{4}|\d{2})", t)
    if m:
        return _checked(int(m.group(1)), int(m.group(2)), int(m.group(3)), len(m.group(3)) == 4)
    m = re.fullmatch(r"(\d{4})\s*[-./|]\s*(\d{1,2})\s*[-./|]\s*(\d{1,2})", t)
    if m:
        return _checked(int(m.group(3)), int(m.group(2)), int(m.group(1)), True)
    m = re.fullmatch(r"([0-9OIDSZB]{1,2})\s*[-./| ]\s*([0-9OIDSZB]{1,2})\s*[-./| ]\s*([0-9OIDSZB]{4})", t)
    if m:
        day, month, year = _num(m.group(1)), _num(m.group(2)), _num(m.group(3))
        if None not in (day, month, year):
            return _checked(day, month, year, True)
    return None


# Dates as they stand inside a longer text (a caption's remnant, a stray mark, a second value
# beside them): every form ``parse_date`` reads, delimited so that no digit of a neighbour joins.
_DATE_IN_TEXT = (
    re.compile(r"(?<![0-9])\d{4}\s*[-./|]\s*\d{1,2}\s*[-./|]\s*\d{1,2}(?![0-9])"),
    re.compile(r"(?<![0-9])[0-9OIDSZB]{1,2}\s*[-./|]\s*[0-9OIDSZB]{1,2}\s*[-./|]\s*[0-9OIDSZB]{4}(?![0-9])"),
    re.compile(r"(?<![0-9A-Z])\d{1,2}\s*\.?\s*[A-Z]{3,4}\.?(?:\s*/\s*[A-Z]{3,4}\.?)?\s*(?:\d{4}|\d{2})(?![0-9])"),
    re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?"),
)


def find_date(text: str) -> PrintedDate | None:
    """A date in any printed form ``parse_date`` reads ("1963-02-05", "05.02.1963", "05 FEB/FÉV 63",
    "05/02/1963", "1963年2月5日"), the whole text first, else the first one standing inside it.

    The date forms are one rule for every kind and side: issuers change them between designs and
    print runs, so a reader that knows one form per kind reads nothing on the next card.
    """
    whole = parse_date(text)
    if whole is not None:
        return whole
    folded = _slash_between_months(_fold_upper(text))
    for pattern in _DATE_IN_TEXT:
        for m in pattern.finditer(folded):
            found = parse_date(m.group(0))
            if found is not None:
                return found
    return None


# A month name and a year ending a text: "JAN 1973", "MAY/MAI 68".
_MONTH_AND_YEAR_AT_END = re.compile(
    r"(?<![0-9A-Z])([A-Z0-9]{3,4})\.?(?:\s*/\s*([A-Z0-9]{3,4})\.?)?\s*([0-9OIlDSZB]{2}|[0-9OIlDSZB]{4})\s*$"
)


def day_lost(text: str) -> tuple[int, int, bool] | None:
    """The month, year and whether the year has its century, when ``text`` ends with a month
    name and a year but holds no whole date ("Date of birth  JAN 1973"): the recogniser dropped
    the day in front of them. None for any other text."""
    if find_date(text) is not None:
        return None
    m = _MONTH_AND_YEAR_AT_END.search(_slash_between_months(_fold_upper(text)))
    if not m or sum(c.isalpha() for c in m.group(1)) < 2:
        return None
    names = [g.translate(LETTER_LOOKALIKES) for g in (m.group(1), m.group(2)) if g]
    month, year = next((_MONTHS[n] for n in names if n in _MONTHS), None), _num(m.group(3))
    if month is None or year is None:
        return None
    return month, year, len(m.group(3)) == 4


def _slash_between_months(text: str) -> str:
    """The slash between two languages' month names, read as a letter ("ENEIJAN", "FEBLFEV").

    Put back only where both sides are month names, so no real word is split.
    """
    def split(m: re.Match) -> str:
        first, second = (g.translate(LETTER_LOOKALIKES) for g in (m.group(1), m.group(3)))
        return f"{m.group(1)}/{m.group(3)}" if first in _MONTHS and second in _MONTHS else m.group(0)

    return re.sub(r"(?<![A-Z])([A-Z]{3,4})([I1L|])([A-Z]{3,4})(?![A-Z])", split, text)


def _checked(day: int, month: int, year: int, century: bool) -> PrintedDate | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return PrintedDate(day, month, year, century)
