"""Visual-zone fields: label-and-value layouts of each document kind, into canonical fields.

Every function takes the recognised page lines and returns ``{name: (value, score, line)}``. They
never invent a value: a field that is not found is simply absent.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

import numpy as np
from rapidfuzz import fuzz

from ocr_integration.documents import bank_card, cn_resident_id, emirates_id
from ocr_integration.documents.icao_codes import code_for_name

from . import captions
from .layout import TextLine, after_label, compact, label_match, latin, right_of

Found = dict[str, tuple[str, float, TextLine]]

_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6"})


def _digits_only(text: str) -> str:
    return re.sub(r"\D", "", latin(text).upper().translate(_DIGIT_LOOKALIKES))


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_dmy_words(text: str) -> str | None:
    """``12 MAR 1985`` (passport visual zone) -> ISO."""
    m = re.match(r"^\s*(\S{1,2})\s*([A-Z]{3})\S*\s*(\S{4})\s*$", latin(text).upper())
    if not m or m.group(2) not in _MONTHS:
        return None
    day, year = _digits_only(m.group(1)), _digits_only(m.group(3))
    if not day or len(year) != 4:
        return None
    return _iso(int(year), _MONTHS[m.group(2)], int(day))


def parse_dmy_slashes(text: str) -> str | None:
    """``12/03/1985`` (Emirates ID) -> ISO."""
    m = re.search(r"(\d{1,2})\s*[/.|-]\s*(\d{1,2})\s*[/.|-]\s*(\d{4})", latin(text).upper().translate(_DIGIT_LOOKALIKES))
    return _iso(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None


def parse_cn_date(text: str) -> str | None:
    """``1990 年 3 月 12 日`` -> ISO."""
    m = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?", latin(text))
    return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def printed_date(text: str, *, past: bool, today: date | None = None) -> str | None:
    """A date in any printed form (see ``captions.find_date``) within ``text``, as ISO.

    ``past``: a two-digit year is a birth year (never in the future); else this century. Forms
    already read by kind-specific rules keep their reading (``12/03/1985``, ``1990年3月12日``).
    """
    iso = parse_dmy_slashes(text) or parse_cn_date(text)
    if iso:
        return iso
    found = captions.find_date(text)
    return found.resolve(past=past, today=today or datetime.now(UTC).date()) if found is not None else None


def _upper_words(text: str) -> str:
    return " ".join(latin(text).upper().replace("<", " ").split())


def _similarity(a: str, b: str) -> float:
    # rapidfuzz's Indel ratio is difflib's 2*M/T with M the longest common subsequence (difflib's
    # matching blocks are a heuristic for it): the same scale, the same thresholds, C++ speed.
    return fuzz.ratio(a, b) / 100


def _norm(text: str) -> str:
    return compact(latin(text)).lower().rstrip(":：.")


def _label_of(text: str, labels: Iterable[str]) -> str | None:
    """Which label a whole line is, tolerating one or two misread letters (Sumame)."""
    folded = _norm(text)
    scored = sorted(((_similarity(folded, _norm(label)), label) for label in labels), reverse=True)
    if not scored:
        return None
    ratio, label = scored[0]
    needed = 1.0 if len(_norm(label)) <= 4 else 0.75
    return label if ratio >= needed else None


def _find_label(lines: list[TextLine], label: str, *, exact: bool = True) -> TextLine | None:
    for line in lines:
        if not label_match(line.text, label):
            continue
        rest = compact(after_label(line.text, label))
        if not exact or len(rest) <= 1:
            return line
    return None


# --- birth date among several printed dates -----------------------------------------------------


def is_possible_birth_date(iso: str, *, today: date, issue: str | None = None, expiry: str | None = None) -> bool:
    """Nobody is born in the future, nor on or after a document of theirs was issued or expires
    (ISO dates, so they compare as text)."""
    return iso <= today.isoformat() and all(iso < other for other in (issue, expiry) if other)


def birth_date_instead(
    dates: list[tuple[str, float, TextLine]],
    *,
    today: date,
    issue: str | None = None,
    expiry: str | None = None,
    mrz_birth: str | None = None,
) -> tuple[str, float, TextLine] | None:
    """Which printed date is the birth date, when the one a caption led to cannot be one.

    Such a caption's value is another field's value (a photographed card's expiry date on the
    birth date's row). ``dates`` are every date the side prints, as ISO with the line it stands
    on. The MRZ's birth date when it is printed (the MRZ only says which printed date is meant,
    so a printed date that differs from it is never made to agree), else the earliest possible
    one; ``None`` when no printed date can be the birth date, so the checks say it was not read
    rather than compare a date that is not one.
    """
    candidates = [hit for hit in dates if is_possible_birth_date(hit[0], today=today, issue=issue, expiry=expiry)]
    anchored = [hit for hit in candidates if mrz_birth and hit[0] == mrz_birth]
    if anchored:
        return anchored[0]
    return min(candidates, key=lambda hit: hit[0]) if candidates else None


def _with_possible_birth_date(
    found: Found, dates: list[tuple[str, float, TextLine]], *, today: date, mrz_birth: str | None = None
) -> None:
    """``found``'s birth date replaced (or dropped) when it cannot be one (``birth_date_instead``)."""
    birth = found.get("birth_date")
    issue, expiry = (found[name][0] if name in found else None for name in ("issue_date", "expiry_date"))
    if birth is None or is_possible_birth_date(birth[0], today=today, issue=issue, expiry=expiry):
        return
    instead = birth_date_instead(dates, today=today, issue=issue, expiry=expiry, mrz_birth=mrz_birth)
    if instead is None:
        del found["birth_date"]
    else:
        found["birth_date"] = instead


# --- passport ---------------------------------------------------------------------------------

_DATE_FIELDS = ("birth_date", "issue_date", "expiry_date")
_NAME_FIELDS = ("surname", "given_names")
_CONFUSABLE = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6"})


def _parts(raw: str) -> list[str]:
    """A bilingual value ("M/M", "PHILIPPINES / PHILIPPINES") in its parts, the whole first."""
    parts = [raw] + [p for p in re.split(r"\s*/\s*", raw) if p.strip()]
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _passport_value(name: str, raw: str) -> str | captions.PrintedDate | None:
    """The canonical value of ``name`` in a printed text, or None when the text cannot be one."""
    raw = raw.strip()
    if not raw:
        return None
    if name in _DATE_FIELDS:
        return captions.parse_date(raw)
    if name in ("nationality", "issuing_state"):
        for part in _parts(raw):
            code = code_for_name(_upper_words(part)) or code_for_name(_upper_words(part).replace(" ", ""))
            if code:
                return code
        return None
    if name == "sex":
        for part in _parts(raw):
            word = _upper_words(part)
            if word in ("M", "F", "X"):
                return word
        return None
    text = compact(latin(raw)).upper()
    if name == "document_number":
        return text if re.fullmatch(r"[A-Z0-9]{5,12}", text) and any(c.isdigit() for c in text) else None
    if name == "personal_number":
        return text if re.fullmatch(r"[A-Z0-9<-]{3,16}", text) else None
    if name == "document_code":
        return text if re.fullmatch(r"P[A-Z]?", text) else None
    raw = _capitals_only(_latin_part(raw))
    # A stray accent from the recogniser (MINISTRÝ): MRZ-era values are written without them.
    words = _upper_words(_without_accents(raw))
    # Names, places and authorities are words; a date or a number is some other field.
    if not re.fullmatch(r"[A-Z][A-Z .'-]*", words) or captions.parse_date(raw) is not None:
        return None
    return words


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _capitals_only(raw: str) -> str:
    """The words of a name, place or authority without what the recogniser made of other glyphs.

    These values are printed in capitals; a word the recogniser returns in small letters ("wwglo",
    "l") is its guess at a word in another script (an Arabic name beside the Latin one) or at the
    tail of a bilingual caption, and small letters glued before a capitalised word ("žMILANAM")
    are the same guess run into the value. A word with one small letter inside ("DUBAl") is a
    misread capital and is kept. A word written like a caption word, one capital then only small
    letters ("Lwlo", "Llgj"), is the same guess: the recogniser reads another script's word in
    the shapes of ordinary mixed-case text, never a capitals value as a capitalised word.
    Returns "" when no word is left.
    """
    kept = []
    for word in raw.split():
        letters = [c for c in word if c.isalpha()]
        if letters and all(c.islower() for c in letters):
            continue
        if len(letters) >= 3 and letters[0].isupper() and all(c.islower() for c in letters[1:]):
            continue
        m = re.fullmatch(r"([^\W\d_]*?)([A-Z]{2}.*)", word)
        if m and m.group(1) and all(c.islower() for c in m.group(1)):
            word = m.group(2)
        kept.append(word)
    return " ".join(kept)


def _other_script(word: str) -> bool:
    """True for a word written in letters of a script other than Latin (孔霞, an Arabic name)."""
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and not any("LATIN" in unicodedata.name(c, "") for c in letters)


def _latin_part(raw: str) -> str:
    """The Latin-script words of a value printed beside its national-script form.

    ICAO 9303 lets a state print a name in its own script next to the Latin transliteration
    ("孔霞 KISALU"); the transliteration is the field (it is what the MRZ spells). A value with no
    Latin word is left as it is, to be refused by the caller.
    """
    words = raw.split()
    latin_words = [w for w in words if not _other_script(w)]
    if not latin_words or len(latin_words) == len(words):
        return raw
    return " ".join(latin_words)


def _nearest_below(values: list[TextLine], label: TextLine, used: set[int]) -> TextLine | None:
    h = label.height
    best: tuple[float, TextLine] | None = None
    for line in values:
        if id(line) in used or line.cy <= label.cy + h * 0.5:
            continue
        gap = line.top - label.bottom
        if gap > h * 1.5:
            continue
        # Under the caption: starting near its left edge or at least overlapping it (a value
        # may be indented past a second-language name printed before it).
        if line.left < label.left - h * 1.5 or line.left > label.right:
            continue
        cost = max(gap, 0.0) + 0.5 * abs(line.left - label.left)
        if best is None or cost < best[0]:
            best = (cost, line)
    return best[1] if best else None


def _nearest_right(values: list[TextLine], label: TextLine, used: set[int]) -> TextLine | None:
    h = label.height
    row = [
        line for line in values
        if id(line) not in used
        and line.left > label.right - h * 0.5
        and line.left - label.right < h * 6
        and abs(line.cy - label.cy) < max(h, line.height) * 0.6
    ]
    return min(row, key=lambda line: line.left) if row else None


def latin_capitals(text: str) -> str:
    """The Latin capitals of ``text`` (look-alikes folded), nothing else: names compared letter for letter."""
    return re.sub(r"[^A-Z]", "", latin(text).upper())


def _captioned(
    lines: list[TextLine], lexicon: dict[str, tuple[str, ...]], value_of: Callable[[str, str], object | None]
) -> tuple[dict, list[TextLine], list[tuple[str, TextLine]]]:
    """Values led to by their captions: in the caption's own box, right of it or under it.

    Returns the fields found (``value_of`` gives the canonical value or None when a text cannot
    be that field), the lines no caption claimed, for finding the rest by content, and the
    captions whose value was not found (``(field, caption line)``).
    """
    found: dict = {}
    labels: list[tuple[str, TextLine]] = []
    values: list[TextLine] = []
    for line in lines:
        inline = next(
            (
                c for c in captions.caption_with_value(line.text, lexicon)
                if value_of(c.field, c.value) is not None and captions.caption_of(c.value, lexicon) is None
            ),
            None,
        )
        if inline is not None and inline.field not in found:
            found[inline.field] = (value_of(inline.field, inline.value), line.score, line)
            continue
        caption = captions.caption_of(line.text, lexicon)
        if caption is not None:
            labels.append((caption.field, line))
        else:
            values.append(line)
    used: set[int] = set()
    under = _values_under_their_captions(labels, values, value_of)
    for name, label in labels:
        if name in found:
            continue
        # A line standing under another caption, aligned with it, is that caption's value even
        # when a tilt puts it on this caption's row.
        others = {line_id for line_id, owner in under.items() if owner is not label}
        for value_line in (_nearest_right(values, label, used | others), _nearest_below(values, label, used)):
            if value_line is None:
                continue
            value = value_of(name, value_line.text)
            if value is not None:
                found[name] = (value, value_line.score, value_line)
                used.add(id(value_line))
                break
    used |= {id(line) for _, _, line in found.values()}
    orphans = [(name, label) for name, label in labels if name not in found]
    return found, [line for line in values if id(line) not in used], orphans


def _values_under_their_captions(
    labels: list[tuple[str, TextLine]], values: list[TextLine], value_of: Callable[[str, str], object | None]
) -> dict[int, TextLine]:
    """Lines printed right under a caption and starting where it starts, by caption.

    On a page whose values stand under their captions, a photo's tilt can bring the value of
    one caption ("2. Code": MYS) level with the caption to its left ("4. Surname"), and the value
    right of a caption is tried first. A line aligned under a caption it can be the value of is
    that caption's value. Returns ``{id(line): caption line}``.
    """
    owned: dict[int, TextLine] = {}
    for name, label in labels:
        h = label.height
        for line in values:
            if (
                line.cy > label.cy + 0.5 * h
                and line.top - label.bottom <= h
                and abs(line.left - label.left) <= 0.5 * h
                and value_of(name, line.text) is not None
            ):
                owned.setdefault(id(line), label)
    return owned


# A band under a caption narrower than this (in caption heights) has no room for a value.
_ROOM_FOR_A_VALUE = 0.5


def _under_caption(label: TextLine, lines: list[TextLine]) -> np.ndarray | None:
    """Where a value printed under ``label`` stands: a band one value line high, as wide as the
    caption (values are printed in larger type than their captions), along the caption's own
    slant, and ending where the next line the detector found under the caption begins.

    On a photo's tilt a one-letter value the detector missed (the type "P") stands right against
    the next caption: a band reaching into that caption is recognised as the caption, and the
    letter is lost in it. None when the next line leaves no room for a value.
    """
    h = label.height
    tl, tr, _, bl = label.quad.astype(np.float64)
    along = (tr - tl) / max(float(np.linalg.norm(tr - tl)), 1.0)
    down = np.array([-along[1], along[0]])
    start, end = -0.3 * h, max(float(np.linalg.norm(tr - tl)), 6 * h)
    top, bottom = 0.05 * h, 1.9 * h
    for line in lines:
        if line is label:
            continue
        offsets = line.quad.astype(np.float64) - bl
        s, t = offsets @ along, offsets @ down
        if s.max() <= start or s.min() >= end or t.min() <= top:
            continue
        bottom = min(bottom, float(t.min()))
    if bottom - top < _ROOM_FOR_A_VALUE * h:
        return None
    corners = [bl + along * start + down * top, bl + along * end + down * top,
               bl + along * end + down * bottom, bl + along * start + down * bottom]
    return np.array(corners, dtype=np.float32)


def passport(
    lines: list[TextLine],
    *,
    today: date,
    mrz_fields: dict[str, str] | None = None,
    read_region: Callable[[list[np.ndarray]], list[tuple[str, float]]] | None = None,
) -> Found:
    """The data page's visual zone, found by caption (any language), by content and by the MRZ.

    Values are always what is printed: the MRZ (``mrz_fields``) only says where to look and which
    of several candidates is meant, so a printed birth date that differs from the MRZ's is
    reported as printed and the cross-checks can see the difference. ``read_region`` recognises
    image regions as single lines: the detector can miss a value of one or two letters (the
    type ``P``, sex ``F``) whose caption it found, and the band under that caption is read.
    """
    mrz_fields = mrz_fields or {}
    if read_region is not None:
        lines = _days_read_again(lines, read_region)
    found, free, orphans = _captioned(lines, captions.PASSPORT_CAPTIONS, _passport_value)
    free = _names_spelled_like_the_mrz(found, free, mrz_fields)
    _without_impossible_birth_date(found, today)
    _passport_by_content(found, free, mrz_fields, today)
    orphans = [(name, label) for name, label in orphans if name not in found]
    if orphans and read_region is not None:
        banded = [(name, band) for name, label in orphans if (band := _under_caption(label, lines)) is not None]
        texts = read_region([band for _, band in banded]) if banded else []
        for (name, band), (text, score) in zip(banded, texts, strict=True):
            value = _passport_value(name, text)
            # Values are printed in capitals; a line with small letters is the next caption.
            if value is None or score < 0.5 or any(c.islower() for c in latin(text)):
                continue
            if captions.caption_of(text, captions.PASSPORT_CAPTIONS) is None:
                found[name] = (value, score, TextLine(text, score, band))
    for name in _NAME_FIELDS:
        if name in found and mrz_fields.get(name):
            value, score, line = found[name]
            found[name] = (_without_stray_letter(value, mrz_fields[name]), score, line)
    out: Found = {}
    for name, (value, score, line) in found.items():
        if isinstance(value, captions.PrintedDate):
            iso = value.resolve(past=name == "birth_date", today=today)
            if iso is None:
                continue
            value = iso
        out[name] = (value, score, line)
    if "issue_date" in out and "expiry_date" in out and out["issue_date"][0] > out["expiry_date"][0]:
        # No passport is issued after it expires: the two dates were paired with each other's
        # captions (seen on photos of the tuning family passport_numbered, whose values sit
        # above their captions and the tilt moves a value closer to the other caption). Both
        # values stay as printed; only which is which is corrected.
        out["issue_date"], out["expiry_date"] = out["expiry_date"], out["issue_date"]
    dates = [
        (iso, line.score, line) for line in lines
        if (d := captions.parse_date(line.text)) is not None and (iso := d.resolve(past=True, today=today))
    ]
    _with_possible_birth_date(out, dates, today=today, mrz_birth=mrz_fields.get("birth_date"))
    return out


def _days_read_again(
    lines: list[TextLine], read_region: Callable[[list[np.ndarray]], list[tuple[str, float]]]
) -> list[TextLine]:
    """Lines whose date lost its day ("Date of birth  JAN 1973") recognised again on their own.

    The recogniser reads a page's lines in batches, each line padded to the widest of its batch;
    with that much blank to its right it can drop the day of a bold date after a small caption.
    Alone, without padding, the line reads whole. The second reading replaces the first only when
    it holds a whole date of the month and year first read, so the date can gain its day but never
    become another date. Pages whose dates are whole cost no recognition.
    """
    lost = [(line, month_year) for line in lines if (month_year := captions.day_lost(line.text)) is not None]
    if not lost:
        return lines
    again = read_region([line.quad for line, _ in lost])
    replaced: dict[int, TextLine] = {}
    for (line, (month, year, century)), (text, score) in zip(lost, again, strict=True):
        whole = captions.find_date(text)
        if whole is not None and (whole.month, whole.year, whole.century) == (month, year, century):
            replaced[id(line)] = TextLine(text, score, line.quad)
    return [replaced.get(id(line), line) for line in lines]


# A caption's value this far from the MRZ name (Indel similarity of the letters) shares almost
# no letters with it; a misread of the same name (one or two letters) stays well above.
_UNLIKE_THE_MRZ_NAME = 0.35
_LIKE_THE_MRZ_NAME = 0.75


def _names_spelled_like_the_mrz(found: dict, free: list[TextLine], mrz_fields: dict[str, str]) -> list[TextLine]:
    """Under a name caption, the line on the value's row spelled like the MRZ name, when the
    value the caption led to shares almost no letters with it.

    A name printed in another script beside the Latin one (Arabic on UAE-style pages) can come
    back as Latin capitals ("W", "SSSS", "JOWS") and be the box nearest the caption. The Latin
    name is then an unclaimed line on the same row. The MRZ only chooses between the printed
    lines: a printed name that truly differs has no such line beside it, is kept, and the
    checks still see the difference. Returns the unclaimed lines left.
    """
    for name in _NAME_FIELDS:
        want = latin_capitals(mrz_fields.get(name, ""))
        if name not in found or not want:
            continue
        value, _, line = found[name]
        if _similarity(latin_capitals(str(value)), want) >= _UNLIKE_THE_MRZ_NAME:
            continue
        beside = [
            (_similarity(latin_capitals(other.text), want), other, other_value) for other in free
            if abs(other.cy - line.cy) < 0.6 * max(other.height, line.height)
            and (other_value := _passport_value(name, other.text)) is not None
        ]
        if not beside:
            continue
        ratio, other, other_value = max(beside, key=lambda item: item[0])
        if ratio >= _LIKE_THE_MRZ_NAME:
            found[name] = (other_value, other.score, other)
            free = [item for item in free if item is not other]
    return free


def _without_impossible_birth_date(found: dict, today: date) -> None:
    """A captioned birth date that cannot be one dropped before the dates are found by content,
    so the MRZ (or the order of the dates) says which printed date is the birth date instead of
    that date being taken for another field."""
    def iso(name: str) -> str | None:
        value = found[name][0] if name in found else None
        return value.resolve(past=name == "birth_date", today=today) if isinstance(value, captions.PrintedDate) else None

    birth = iso("birth_date")
    if birth and not is_possible_birth_date(birth, today=today, issue=iso("issue_date"), expiry=iso("expiry_date")):
        del found["birth_date"]


def _without_stray_letter(value: str, mrz_name: str) -> str:
    """A printed name without a one-letter word the MRZ name does not begin with.

    A name printed in another script before the Latin one ("L ZAMAKIR" for an Arabic word and
    ZAMAKIR) can come back from the recogniser as one capital. The MRZ decides only that such a
    letter is not part of the name; the words kept are the printed ones, so a printed name that
    differs from the MRZ still differs.
    """
    words = value.split()
    mrz_words = mrz_name.replace("<", " ").split()
    while len(words) > 1 and len(words[0]) == 1 and (not mrz_words or mrz_words[0] != words[0]):
        words = words[1:]
    return " ".join(words)


def _without_glued_digits(text: str, mrz_name: str) -> str:
    """A printed name without the digits glued before it ("2LUNUD"), unless the MRZ name begins
    with the letters those digits look like (a Z read as 2 is kept, and the name refused).

    A name printed in another script before the Latin one (an Arabic word and LUNUD) can come
    back as a digit run into the Latin name; names hold no digits. As in
    ``_without_stray_letter``, the MRZ only decides that the digits are not part of the name:
    the letters kept are the printed ones.
    """
    m = re.fullmatch(r"\s*(\d+)([A-Z]{2}.*)", latin(text))
    if not m:
        return text
    if latin_capitals(mrz_name).startswith(m.group(1).translate(captions.LETTER_LOOKALIKES)):
        return text
    return m.group(2)


def _passport_by_content(
    found: dict, free: list[TextLine], mrz_fields: dict[str, str], today: date
) -> None:
    """Fields no caption led to, found among the unclaimed lines by what they are."""
    taken: set[int] = set()

    def take(name: str, value, line: TextLine) -> None:
        found[name] = (value, line.score, line)
        taken.add(id(line))

    # Numbers: the MRZ's own number (OCR confusions aside), else one line shaped like a number.
    number = mrz_fields.get("document_number", "").replace("<", "")
    if "document_number" not in found:
        shaped = [
            (line, v) for line in free
            if (v := _passport_value("document_number", line.text)) and captions.parse_date(line.text) is None
        ]
        same = [(line, v) for line, v in shaped if number and v.translate(_CONFUSABLE) == number.translate(_CONFUSABLE)]
        pick = same or (shaped if len(shaped) == 1 else [])
        if pick:
            take("document_number", pick[0][1], pick[0][0])
    personal = mrz_fields.get("personal_number", "").replace("<", "")
    if "personal_number" not in found and personal:
        for line in free:
            if id(line) not in taken and compact(latin(line.text)).upper().translate(_CONFUSABLE) == personal.translate(_CONFUSABLE):
                take("personal_number", compact(latin(line.text)).upper(), line)
                break
    # Names: the line spelled most like the MRZ's primary and secondary identifiers.
    for name in _NAME_FIELDS:
        want = latin_capitals(mrz_fields.get(name, ""))
        if name in found or not want:
            continue
        scored = [
            (_similarity(latin_capitals(line.text), want), line, value) for line in free
            if id(line) not in taken
            and (value := _passport_value(name, _without_glued_digits(line.text, mrz_fields[name]))) is not None
        ]
        if scored:
            ratio, line, value = max(scored, key=lambda item: item[0])
            if ratio >= 0.75:
                take(name, value, line)
    # Sex, type and codes: short tokens.
    for name in ("sex", "document_code"):
        if name in found:
            continue
        hits = [line for line in free if id(line) not in taken and _passport_value(name, line.text) is not None]
        if len(hits) > 1:
            # Values are printed in capitals: a token in small letters ("pl" for a caption
            # "Type / <Arabic>") is what the recogniser made of a caption, not a second value.
            hits = [line for line in hits if not any(c.islower() for c in latin(line.text))]
        if len(hits) == 1:
            take(name, _passport_value(name, hits[0].text), hits[0])
    state = mrz_fields.get("issuing_state", "")
    if "issuing_state" not in found and state:
        for line in free:
            if id(line) not in taken and compact(latin(line.text)).upper() == state:
                take("issuing_state", state, line)
                break
    nationality = mrz_fields.get("nationality", "")
    if "nationality" not in found and nationality:
        # The page header usually names the issuing country too, above the names, and the place
        # of birth may be the same country further down: ICAO 9303 puts the nationality right
        # after the names, so take the first such line below them.
        hits = [line for line in free if id(line) not in taken and _passport_value("nationality", line.text) == nationality]
        names = [found[n][2] for n in _NAME_FIELDS if n in found]
        below = [line for line in hits if names and line.cy > max(n.cy for n in names)]
        if below:
            take("nationality", nationality, min(below, key=lambda item: item.top))
        elif hits:
            take("nationality", nationality, max(hits, key=lambda item: item.top))
    _dates_by_content(found, free, taken, take, mrz_fields, today)
    _places_by_order(found, free, taken, take)


def _reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Lines row by row (top to bottom), each row left to right."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda item: item.cy):
        if rows and abs(rows[-1][0].cy - line.cy) < 0.5 * max(rows[-1][0].height, line.height):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.left)]


def _places_by_order(found: dict, free: list[TextLine], taken: set[int], take: Callable) -> None:
    """Place of birth and issuing authority on a page whose captions did not say which is which.

    Both are plain words, so content alone cannot tell them apart; ICAO 9303 part 4 fixes the
    order of the personal data, though: name, nationality, date of birth, (personal number),
    sex, place of birth, date of issue, authority, date of expiry. So the place of birth is the
    first line of words after the birth date (in reading order) and before the issue date, and
    the authority the first line of words after the issue date. Only values are candidates:
    upper-case words (captions are printed in mixed case or matched as captions already) below
    the names (the page header names the country above them). Nothing is taken when the dates
    that anchor the order were not found.
    """
    wanted = [name for name in ("place_of_birth", "issuing_authority") if name not in found]
    if not wanted or "birth_date" not in found or "issue_date" not in found:
        return
    names = [found[n][2] for n in _NAME_FIELDS if n in found]
    if not names:
        return
    names_bottom = max(line.cy for line in names)
    anchors = {id(found[n][2]): found[n][2] for n in _DATE_FIELDS if n in found}
    order = _reading_order([line for line in free if id(line) not in anchors] + list(anchors.values()))
    position = {id(line): index for index, line in enumerate(order)}
    birth_at = position[id(found["birth_date"][2])]
    issue_at = position[id(found["issue_date"][2])]
    if issue_at <= birth_at:
        return

    def candidate(line: TextLine) -> bool:
        text = latin(line.text)
        return (
            id(line) not in taken and id(line) not in anchors and line.cy > names_bottom
            and not any(c.islower() for c in text)
            and _passport_value("place_of_birth", line.text) is not None
            and captions.caption_of(line.text, captions.PASSPORT_CAPTIONS) is None
        )

    if "place_of_birth" in wanted:
        between = [line for line in order[birth_at + 1:issue_at] if candidate(line)]
        if between:
            take("place_of_birth", _passport_value("place_of_birth", between[0].text), between[0])
    if "issuing_authority" in wanted:
        after = [line for line in order[issue_at + 1:] if candidate(line)]
        if after:
            take("issuing_authority", _passport_value("issuing_authority", after[0].text), after[0])


def _dates_by_content(
    found: dict, free: list[TextLine], taken: set[int], take: Callable, mrz_fields: dict[str, str], today: date
) -> None:
    """Dates: those the MRZ names first, then by order (born before issued before expiring)."""
    missing = [name for name in _DATE_FIELDS if name not in found]
    if not missing:
        return
    dates = [(line, d) for line in free if id(line) not in taken and (d := captions.parse_date(line.text)) is not None]
    for name in list(missing):
        want = mrz_fields.get(name)
        if not want:
            continue
        for line, d in dates:
            if id(line) not in taken and d.resolve(past=name == "birth_date", today=today) == want:
                take(name, d, line)
                missing.remove(name)
                break
    rest = sorted(
        ((line, d) for line, d in dates if id(line) not in taken),
        key=lambda item: _sort_key(item[1], today),
    )
    if not missing or not rest:
        return
    # Only when the count leaves no doubt which is which.
    if len(rest) == len(missing):
        order = [name for name in _DATE_FIELDS if name in missing]
        for name, (line, d) in zip(order, rest, strict=True):
            take(name, d, line)


def _sort_key(d: captions.PrintedDate, today: date) -> tuple[int, int, int]:
    year = d.year
    if not d.century:
        year += 1900 if d.year > today.year % 100 + 10 else 2000
    return (year, d.month, d.day)


# --- Emirates ID ------------------------------------------------------------------------------


def _inline(lines: list[TextLine], label: str) -> tuple[str, float, TextLine] | None:
    """A ``Label: value`` line; the value may sit in its own box to the right."""
    line = _find_label(lines, label, exact=False)
    value = after_label(line.text, label) if line is not None else ""
    if line is None:
        # Tolerate a misread letter in the label: compare what stands before the colon.
        for candidate in lines:
            head, colon, tail = latin(candidate.text).partition(":")
            if colon and _label_of(head, [label]) is not None:
                line, value = candidate, tail.strip()
                break
    if line is None:
        return None
    if value:
        return value, line.score, line
    row = right_of(lines, line)
    if row:
        return " ".join(part.text for part in row).strip(), min(p.score for p in row), row[0]
    return None


def emirates_id_front(lines: list[TextLine], *, today: date | None = None) -> Found:
    """The front's fields by caption in any of the card generations' wordings, then the ID number
    by content: fifteen digits starting 784 that pass the check digit, wherever they stand (its
    caption is the first thing a poor photo loses, and newer cards print it without one). A
    birth date that cannot be one (in the future, on or after the issue or expiry date) is
    replaced by the earliest possible date the front prints (``birth_date_instead``); the MRZ
    is on the other side, so the checks compare the printed date with it."""
    today = today or datetime.now(UTC).date()
    found = _emirates_front_by_fixed_caption(lines)
    captioned, free, _ = _captioned(lines, captions.EMIRATES_FRONT_CAPTIONS, _emirates_front_value)
    for name, hit in captioned.items():
        found.setdefault(name, hit)
    if "sex" not in found:
        # The sex is the card's one value of a single letter; its short caption is the first
        # to lose a letter ("ex /"), and a caption of three letters must be read exactly.
        letters = [line for line in free if latin(line.text).strip().upper() in ("M", "F")]
        if len(letters) == 1:
            found["sex"] = (latin(letters[0].text).strip().upper(), letters[0].score, letters[0])
    if "id_number" not in found:
        for line in free or lines:
            digits = _digits_only(line.text)
            start = digits.find("784")
            if start < 0 or len(digits) - start < 15:
                continue
            result = emirates_id.validate_id_number(digits[start:start + 15])
            if result.ok:
                found["id_number"] = (result.formatted or digits[start:start + 15], line.score, line)
                break
    dates = [(iso, line.score, line) for line in lines if (iso := printed_date(line.text, past=True, today=today))]
    _with_possible_birth_date(found, dates, today=today)
    _earliest_unclaimed_birth_date(found, dates)
    return found


def _earliest_unclaimed_birth_date(found: Found, dates: list[tuple[str, float, TextLine]]) -> None:
    """The front's birth date is the earliest date it prints (its other dates are the card's
    issue and expiry). A date line no field claimed that is earlier than the captioned birth
    date means the caption led to another date (an issue date on the birth date's row): the
    earlier one is taken. Dates other fields claimed are never taken, so a misread issue or
    expiry date cannot replace a birth date read right."""
    birth = found.get("birth_date")
    if birth is None:
        return
    claimed = {id(hit[2]) for hit in found.values()}
    earlier = [hit for hit in dates if id(hit[2]) not in claimed and hit[0] < birth[0]]
    if earlier:
        found["birth_date"] = min(earlier, key=lambda hit: hit[0])


def _emirates_front_value(name: str, raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    if name == "id_number":
        digits = _digits_only(raw)
        if len(digits) != 15:
            return None
        result = emirates_id.validate_id_number(digits)
        return (result.formatted or digits) if result.ok else None
    if name in ("birth_date", "issue_date", "expiry_date"):
        return printed_date(raw, past=name == "birth_date")
    if name == "nationality":
        # A country is words: a lone "/" is what is left of a bilingual caption ("Nationality / ...").
        words = _upper_words(raw)
        return code_for_name(raw) or (words if re.search(r"[A-Z]{2}", words) else None)
    if name == "sex":
        first = _upper_words(raw)[:1]
        return first if first in ("M", "F") else None
    if name == "full_name":
        name_text = " ".join(latin(raw).split())
        return name_text if re.search(r"[A-Za-z]{2}", name_text) else None
    return None


def _emirates_front_by_fixed_caption(lines: list[TextLine]) -> Found:
    found: Found = {}
    number = _inline(lines, "ID Number")
    if number is not None:
        digits = _digits_only(number[0])
        if len(digits) == 15:
            result = emirates_id.validate_id_number(digits)
            found["id_number"] = (result.formatted or digits, number[1], number[2])
    # On a bilingual card "Name / <Arabic>" leaves "/" after the English caption: the values
    # are checked as the captioned ones are, so such a remnant is no value.
    name = _inline(lines, "Name")
    if name is not None and (value := _emirates_front_value("full_name", name[0])):
        found["full_name"] = (value, name[1], name[2])
    for field, label in (("birth_date", "Date of Birth"), ("issue_date", "Issuing Date"), ("expiry_date", "Expiry Date")):
        hit = _inline(lines, label)
        if hit is not None and (value := printed_date(hit[0], past=field == "birth_date")):
            found[field] = (value, hit[1], hit[2])
    nationality = _inline(lines, "Nationality")
    if nationality is not None and (value := _emirates_front_value("nationality", nationality[0])):
        found["nationality"] = (value, nationality[1], nationality[2])
    sex = _inline(lines, "Sex")
    if sex is not None and _upper_words(sex[0])[:1] in ("M", "F"):
        found["sex"] = (_upper_words(sex[0])[:1], sex[1], sex[2])
    return found


def _emirates_back_value(name: str, raw: str) -> str | None:
    raw = raw.strip()
    if name == "card_number":
        digits = _digits_only(raw)
        return digits if len(digits) == 9 and re.fullmatch(r"[0-9OQDILZSBG\s-]+", latin(raw).upper()) else None
    if name in ("occupation", "employer"):
        # Printed in English capitals without accents: an accent is the recogniser's (OÁSIS).
        words = _upper_words(_without_accents(raw)).strip(" /|")
        if not re.search(r"[A-Z]{2}", words) or "/" in words:
            return None
        return words
    return raw or None


def emirates_id_back(lines: list[TextLine], *, mrz_fields: dict[str, str] | None = None) -> Found:
    """Occupation, employer and the card number, by caption; the card number also by content.

    The card number's caption is small and is the first thing a poor photo loses, while the
    number itself is still read; the TD1 MRZ carries it as its document number, which says
    which printed nine digits to take (the printed ones are reported, never the MRZ's).
    """
    found, free, _ = _captioned(lines, captions.EMIRATES_BACK_CAPTIONS, _emirates_back_value)
    found.pop("issuing_place", None)
    if "card_number" not in found:
        number = (mrz_fields or {}).get("document_number", "").replace("<", "")
        shaped = [(line, v) for line in free if (v := _emirates_back_value("card_number", line.text))]
        same = [(line, v) for line, v in shaped if number and v == number.translate(_CONFUSABLE)]
        pick = same or (shaped if len(shaped) == 1 else [])
        if pick:
            found["card_number"] = (pick[0][1], pick[0][0].score, pick[0][0])
    return found


# --- Chinese resident ID ----------------------------------------------------------------------

_CN_NUMBER = re.compile(r"[0-9]{17}[0-9X]")

# The recogniser sometimes answers in traditional characters (漢 for 汉); cards print simplified.
_T2S = str.maketrans(
    "漢滿維爾壯蒙曉華國麗紅軍偉傑艷濤剛蘭雲飛軒遠趙錢孫吳鄭馮陳衛蔣韓楊許呂張嚴區東廣門號棟室蘇龍"
    "電開關長時會來場進書車業產發務員問題實現點變頭線紀輕醫學歷應種區縣鄉鎮村園陽陰內與興寧陝漢嶺別靜",
    "汉满维尔壮蒙晓华国丽红军伟杰艳涛刚兰云飞轩远赵钱孙吴郑冯陈卫蒋韩杨许吕张严区东广门号栋室苏龙"
    "电开关长时会来场进书车业产发务员问题实现点变头线纪轻医学历应种区县乡镇村园阳阴内与兴宁陕汉岭别静",
)


def simplified(text: str) -> str:
    return text.translate(_T2S)


# How far (in line heights) a box right of a label must start inside the label's box to be the
# value the label's box ran into, not a neighbour whose edge touches it.
_OVERLAP_OF_A_VALUE_BOX = 0.2
# A value's line is at most about one and a half label heights tall (a larger face than the label's).
_TALLER_THAN_A_LINE = 2.5


# What the recogniser makes of the blank between a label's two characters or between a label and
# its value (住　址 read as 住一址, 民族  土家 as 民族一土家): a stroke, never part of either. No
# value of the card starts with one (a name, a province, an ethnicity, a date).
_CN_GAP_STROKES = "一-—–_~"


@functools.cache
def _cn_label_pattern(label: str) -> re.Pattern:
    gap = f"[{re.escape(_CN_GAP_STROKES)}]?"
    return re.compile(gap.join(re.escape(c) for c in label) + f"[{re.escape(_CN_GAP_STROKES)}]*")


def cn_after_label(text: str, label: str) -> str | None:
    """What follows ``label`` at the start of a line's text (compacted, simplified), or None when
    the line does not start with it; a stroke read in the label's gaps is no character of either."""
    m = _cn_label_pattern(label).match(text)
    return text[m.end():] if m else None


def _starts_with_cn_label(line: TextLine, labels: Iterable[str]) -> bool:
    text = simplified(compact(line.text))
    return any(cn_after_label(text, label) is not None for label in labels)


def _cn_value(lines: list[TextLine], label: str) -> tuple[str, float, TextLine] | None:
    """The value right of a Chinese label; the detector often puts both in one box (民族汉)."""
    for line in lines:
        # Labels are matched as simplified characters: a serif 性别 comes back as 性別.
        text = simplified(compact(line.text))
        rest = cn_after_label(text, label)
        if rest is None:
            continue
        # A box several times taller than the label is no line of print but the detector's stray
        # box in the portrait (a shoulder read as "9" or 一): its own height lets it onto the row
        # of every label beside the photo, and the portrait finder misses a photo whose
        # background is the paper's colour.
        row = [part for part in right_of(lines, line) if part.height <= _TALLER_THAN_A_LINE * line.height]
        if rest and row and row[0].left < line.right - _OVERLAP_OF_A_VALUE_BOX * line.height:
            # The label's box ran into the value, whose own box starts inside it: what the label's
            # box holds after the label is the value's first character read a second time, often
            # as another character (浙 as 泊). The value is the line beside the label.
            rest = ""
        if rest:
            return simplified(rest), line.score, line
        if row:
            return simplified("".join(compact(part.text) for part in row)), min(p.score for p in row), row[0]
        # Some designs print the label above its value.
        under = _nearest_below(lines, line, set())
        if under is not None:
            return simplified(compact(under.text)), under.score, under
    return None


def cn_id_portrait(
    lines: list[TextLine], *, today: date, read_region: Callable[[list[np.ndarray]], list[tuple[str, float]]] | None = None
) -> Found:
    """``read_region`` (quads of the page -> their recognised texts) lets the reader look again
    where the detector found no box: the printed sex, one character, beside its label."""
    found: Found = {}
    number_hit = None
    for line in lines:
        folded = compact(latin(line.text)).upper().translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
        m = _CN_NUMBER.search(folded)
        if m:
            number_hit = (m.group(0), line.score, line)
            break
    if number_hit is not None:
        found["id_number"] = number_hit
    name = _cn_value(lines, "姓名")
    if name is not None:
        found["full_name"] = name
    ethnicity = _cn_value(lines, "民族")
    if ethnicity is not None:
        found["ethnicity"] = ethnicity
    sex = _cn_value(lines, "性别")
    if sex is None or sex[0][:1] not in ("男", "女"):
        sex = _cn_sex_by_content(lines)
    if sex is None and read_region is not None:
        sex = _cn_sex_beside_its_label(lines, read_region)
    if sex is not None:
        # Kept as printed and never taken from the number (even a valid one): the checks compare
        # the two, and a copy of the number's sex would pass that comparison with itself. Not
        # read, it is reported as not read.
        found["sex"] = (sex[0][:1], sex[1], sex[2])
    birth = _cn_value(lines, "出生")
    printed_birth = printed_date(birth[0], past=True, today=today) if birth else None
    if printed_birth and not is_possible_birth_date(printed_birth, today=today):
        # Such a date beside 出生 (one in the future) is not the birth date.
        printed_birth = None
    if not printed_birth:
        birth = _cn_date_by_content(lines, number_hit[2] if number_hit else None, today)
        printed_birth = birth[0] if birth else None
    if printed_birth:
        # Kept as printed, so a number that encodes another birth date is caught by the checks.
        # Never taken from the number: a date not read is reported as not read by the checks,
        # where a copy of the number's date would pass its comparison with itself.
        found["birth_date"] = (printed_birth, birth[1], birth[2])
    address = _cn_address(lines)
    if address is not None:
        found["address"] = address
    return found


# A box holding the printed sex alone, or with the end of its label or the next label beside it
# (性 | 别男, 男民族汉): what the detector makes of the row when it cuts the label 性别 apart.
_CN_SEX_BOX = re.compile(r"^(?:性?别)?([男女])(?:民族.*)?$")


# The sex row's first box whatever its label was read as: at most two characters that are not a
# value (性别, 性別, 牲别, a lost label), one 男 or 女, then nothing or the ethnicity label (民族...).
_CN_SEX_ON_ROW = re.compile(r"^[^男女0-9]{0,2}([男女])(?:民.*)?$")


def _cn_sex_by_content(lines: list[TextLine]) -> tuple[str, float, TextLine] | None:
    """The printed sex found by what it is when its label was not read as 性别.

    First a box holding the sex alone or with pieces of its label (``_CN_SEX_BOX``); else a lone
    男 or 女 on the row of the ethnicity label (民族), left of it (the two share the card's second
    row), whatever the characters before it were read as. Only one such box may be found: two are no
    reading. Never from the ID number (the checks compare the two).
    """
    boxed = [
        (m.group(1), line.score, line) for line in lines
        if (m := _CN_SEX_BOX.match(simplified(compact(line.text))))
    ]
    # The label itself, not an address on 民族路 further down.
    labels = [line for line in lines if "民族" in simplified(compact(line.text))]
    ethnicity = next((line for line in labels if simplified(compact(line.text)).startswith("民族")), None)
    ethnicity = ethnicity or (labels[0] if labels else None)
    on_row = [] if ethnicity is None else [
        (m.group(1), line.score, line) for line in lines
        if (line is ethnicity or abs(line.cy - ethnicity.cy) < 0.6 * max(line.height, ethnicity.height))
        and line.left <= ethnicity.left
        and (m := _CN_SEX_ON_ROW.match(simplified(compact(line.text))))
    ]
    hits = {id(hit[2]): hit for hit in boxed + on_row}
    return next(iter(hits.values())) if len(hits) == 1 else None


def _cn_sex_beside_its_label(
    lines: list[TextLine], read_region: Callable[[list[np.ndarray]], list[tuple[str, float]]]
) -> tuple[str, float, TextLine] | None:
    """The printed sex read from the blank right of its label when the detector found no box there.

    One character standing alone between 性别 and 民族 is the likeliest line for the detector to
    miss (it found every other line of such pages, the label included). The strip along the
    label's row, from the label's right edge to the ethnicity label's left edge (or four label
    heights without one), is recognised on its own; only a lone 男 or 女 is taken.
    """
    label = next((line for line in lines if cn_after_label(simplified(compact(line.text)), "性别") == ""), None)
    if label is None:
        return None
    tl, tr, br, bl = (np.asarray(p, dtype=np.float32) for p in label.quad)
    along = tr - tl
    along /= max(float(np.linalg.norm(along)), 1.0)
    h = label.height
    ethnicity = next(
        (line for line in right_of(lines, label) if cn_after_label(simplified(compact(line.text)), "民族") is not None),
        None,
    )
    reach = float(np.dot(ethnicity.quad[0] - tr, along)) if ethnicity is not None else 4.0 * h
    if reach < 0.6 * h:
        return None
    down = (bl - tl) / max(float(np.linalg.norm(bl - tl)), 1.0)
    grow = 0.15 * h * down
    quad = np.array([tr - grow, tr + along * reach - grow, br + along * reach + grow, br + grow], dtype=np.float32)
    (text, score), = read_region([quad])
    if score < 0.5 or compact(text) not in ("男", "女"):
        return None
    return compact(text), score, TextLine(compact(text), score, quad)


def _cn_date_by_content(
    lines: list[TextLine], number_line: TextLine | None, today: date
) -> tuple[str, float, TextLine] | None:
    """The birth date found by its form (1963年2月5日) when its label was not read as one box.

    The detector can cut the label 出生 in two (出 | 生1963年2月5日); the birth date is the one
    date the portrait side prints, so a single line holding a date is it.
    """
    dates = [
        (iso, line.score, line) for line in lines
        if line is not number_line and (iso := printed_date(line.text, past=True, today=today))
        and is_possible_birth_date(iso, today=today)
    ]
    return dates[0] if len(dates) == 1 else None


# Every label either side of the card prints: a line starting with one is not a wrapped value.
_CN_LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份", "签发机关", "有效期限")


def _cn_wrapped(lines: list[TextLine], label: str) -> tuple[str, float, TextLine] | None:
    """The value of ``label`` with the lines it wraps onto (an address, a long authority).

    A continuation line sits just under the previous one, starts under the value (which may
    begin well right of the label) and is no label itself; the next label ends the value.
    """
    first = _cn_value(lines, label)
    if first is None:
        return None
    text, score, anchor = first
    label_line = next(line for line in lines if _starts_with_cn_label(line, (label,)))
    # Lines already in the first value (the detector may cut a tilted row in two).
    claimed = {id(label_line), id(anchor)} | {id(line) for line in right_of(lines, label_line)}
    later_labels = [line for line in lines if _starts_with_cn_label(line, _CN_LABELS) and line.cy > label_line.cy]
    stop = min((line.top for line in later_labels), default=None)
    parts, scores = [text], [score]
    previous = anchor
    h = anchor.height
    for line in sorted(lines, key=lambda item: item.top):
        if id(line) in claimed or line.top <= previous.top + previous.height * 0.5:
            continue
        if stop is not None and line.cy >= stop:
            break
        if line.top - previous.bottom > h * 0.8:
            break
        if anchor.left - h * 1.2 <= line.left <= anchor.left + (anchor.right - anchor.left) * 0.5:
            # A Chinese value wraps onto lines of Chinese text; one without any (a date range,
            # the ID number) is the next field's value, even where a tilt lifts it above its label.
            if not any("\u4e00" <= c <= "\u9fff" for c in line.text):
                break
            parts.append(simplified(compact(line.text)))
            scores.append(line.score)
            previous = line
    return "".join(parts), min(scores), anchor


def _cn_address(lines: list[TextLine]) -> tuple[str, float, TextLine] | None:
    return _cn_wrapped(lines, "住址")


def cn_id_emblem(lines: list[TextLine]) -> Found:
    found: Found = {}
    authority = _cn_wrapped(lines, "签发机关")
    if authority is not None:
        found["issuing_authority"] = authority
    validity = _cn_value(lines, "有效期限")
    if validity is not None:
        text = re.sub(r"[一—－–~]", "-", latin(validity[0]))
        found["validity_period"] = (text, validity[1], validity[2])
        period = cn_resident_id.parse_validity_period(text)
        if period is not None and period.end is not None:
            found["expiry_date"] = (period.end.isoformat(), validity[1], validity[2])
    return found


# --- bank card --------------------------------------------------------------------------------


def bank_card_fields(lines: list[TextLine], reread: Callable[[list[TextLine]], tuple[str, float]] | None = None) -> Found:
    """``reread`` recognises a row of boxes again as one line: the detector can cut the number
    into overlapping boxes, and joining their texts would repeat the overlapped digit."""
    found: Found = {}
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda item: item.cy):
        if rows and abs(rows[-1][0].cy - line.cy) < 0.5 * max(rows[-1][0].height, line.height):
            rows[-1].append(line)
        else:
            rows.append([line])
    pan_row = None
    for row in rows:
        row.sort(key=lambda item: item.left)
        text = "".join(compact(latin(p.text)) for p in row)
        if not re.fullmatch(r"[0-9OIlSB]{12,20}", text):
            continue
        score = min(p.score for p in row)
        if len(row) > 1 and reread is not None:
            again, again_score = reread(row)
            again = compact(latin(again))
            if re.fullmatch(r"[0-9OIlSB]{12,19}", again):
                text, score = again, again_score
        card = bank_card.describe_card_number(_digits_only(text))
        if card is not None:
            for name, value in card.as_fields().items():
                found[name] = (value, score, row[0])
            pan_row = row
            break
    for line in lines:
        m = re.search(r"\b(0[1-9]|1[0-2])\s*/\s*(\d{2})\b", latin(line.text))
        if m:
            found["card_expiry"] = (f"{m.group(1)}/{m.group(2)}", line.score, line)
            break
    else:
        # Beside VALID THRU the slash is often read as 1, l or 7: MM?YY with a valid month.
        for label in lines:
            if latin(label.text).strip().upper() not in ("VALID", "THRU", "VALID THRU"):
                continue
            for line in right_of(lines, label)[:1]:
                m = re.fullmatch(r"(0[1-9]|1[0-2])\s*[/1l|7I]?\s*(\d{2})", compact(latin(line.text)))
                if m:
                    found["card_expiry"] = (f"{m.group(1)}/{m.group(2)}", line.score, line)
            if "card_expiry" in found:
                break
    words = [
        line for line in lines
        if re.fullmatch(r"[A-Z][A-Z .'-]+", latin(line.text).strip())
        and latin(line.text).strip() not in ("VALID", "THRU", "VALID THRU", "VISA", "MASTERCARD")
    ]
    if pan_row is not None:
        pan_y = pan_row[0].cy
        above = [line for line in words if line.cy < pan_y and line.score >= 0.8]
        under = [line for line in words if line.cy > pan_y]
        if above:
            top = min(above, key=lambda item: item.top)
            found["bank_name"] = (_upper_words(top.text), top.score, top)
        if under:
            last = max(under, key=lambda item: item.cy)
            # The detector may cut the embossed name into words: join the lowest row.
            row = sorted(
                (line for line in under if abs(line.cy - last.cy) < 0.5 * last.height),
                key=lambda item: item.left,
            )
            name = " ".join(_upper_words(line.text) for line in row)
            found["cardholder_name"] = (name, min(line.score for line in row), row[0])
    return found
