"""Emirates ID families, both sides: older and newer card designs, caption languages and order,
caption words ("Sex" or "Gender", "Employer" or "Sponsor"), fonts and positions.

The front carries the ID number, both names, nationality, sex and dates; the back the card number,
on most designs occupation and employer, and the TD1 MRZ. A design that does not print a field
leaves it out of the ground truth.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, replace

from PIL import Image, ImageDraw

from ocr_integration.documents.kinds import DocumentKind

from .. import identities
from ..model import Fault, GroundTruth
from ..render import MRZ_PITCH_MM, draw_mrz
from . import _card
from ._card import PPM, draw_parts, draw_value, mm
from ._draw import face, portrait, printed_date

CAPTIONS: dict[str, dict[str, str]] = {
    "en": {
        "id_number": "ID Number", "full_name": "Name", "nationality": "Nationality", "sex": "Sex",
        "birth_date": "Date of Birth", "issue_date": "Issuing Date", "expiry_date": "Expiry Date",
        "occupation": "Occupation", "employer": "Employer", "issuing_place": "Issuing Place",
        "card_number": "Card Number",
    },
    "en_alt": {
        "id_number": "Identity No.", "full_name": "Name", "nationality": "Nationality", "sex": "Gender",
        "birth_date": "Birth date", "issue_date": "Issue date", "expiry_date": "Expiry date",
        "occupation": "Profession", "employer": "Sponsor", "issuing_place": "Place of issue",
        "card_number": "Card No.",
    },
    "ar": {
        "id_number": "رقم الهوية", "full_name": "الاسم", "nationality": "الجنسية", "sex": "الجنس",
        "birth_date": "تاريخ الميلاد", "issue_date": "تاريخ الإصدار", "expiry_date": "تاريخ الانتهاء",
        "occupation": "المهنة", "employer": "صاحب العمل", "issuing_place": "مكان الإصدار",
        "card_number": "رقم البطاقة",
    },
}

DATE_FIELDS = ("birth_date", "issue_date", "expiry_date")


@dataclass(frozen=True)
class CardStyle:
    languages: tuple[str, ...]  # caption vocabularies in printed order: "en", "en_alt", "ar"
    mode: str  # "inline" (caption: value) or "above"
    date_form: str
    front_rows: tuple[tuple[tuple[str, float], ...], ...]
    back_rows: tuple[tuple[tuple[str, float], ...], ...]
    caption_face: str = "sans"
    value_face: str = "sans_bold"
    arabic_face: str = "naskh"
    photo_right: bool = False
    nationality_upper: bool = False
    base: tuple[int, int, int] = (232, 240, 236)
    chip_left: bool = False
    caption_mm: float = 2.0
    value_mm: float = 2.6
    row_mm: float = 4.6
    # A second date form the design prints on every other seed (issuers change the form between
    # print runs); chosen from the seed alone, so the layout's randomness is the same either way.
    other_date_form: str | None = None

    def date_form_for(self, seed: int) -> str:
        return self.other_date_form if self.other_date_form and zlib.crc32(str(seed).encode()) & 1 else self.date_form


def _caption(style: CardStyle, name: str) -> list[str]:
    return [CAPTIONS[lang][name] for lang in style.languages]


def _value(style: CardStyle, name: str, fields: dict[str, str], text: dict[str, str], seed: int) -> str:
    if name in DATE_FIELDS:
        return printed_date(fields[name], style.date_form_for(seed))
    if name == "nationality":
        n = text["nationality_name"]
        return n.upper() if style.nationality_upper else n.title()
    if name == "issuing_place":
        return text["issuing_place"].title()
    return fields[name]


def _rows(draw: ImageDraw.ImageDraw, style: CardStyle, rows, values: dict[str, str], left: int, right: int, top: int) -> list[str]:
    """Draw the caption/value rows; return the names drawn."""
    drawn = []
    y = top
    cap, val = mm(style.caption_mm), mm(style.value_mm)
    for row in rows:
        present = [(n, dx) for n, dx in row if n in values]
        for i, (name, dx) in enumerate(present):
            x = left + mm(dx)
            room = (left + mm(present[i + 1][1]) - mm(1.5)) if i + 1 < len(present) else right
            value = values[name]
            if name == "full_name_arabic":
                # The Arabic name runs right to left from the right edge, captioned in Arabic only.
                label = CAPTIONS["ar"]["full_name"] + ":  "
                draw_value(draw, (right, y), label + value, round(val * 1.15), latin=style.value_face, anchor_right=True)
                drawn.append(name)
                continue
            if style.mode == "above":
                draw_parts(draw, (x, y), _caption(style, name), cap, latin=style.caption_face, arabic=style.arabic_face, room=room - x)
                draw_value(draw, (x, y + round(cap * 1.3)), value, val, latin=style.value_face, room=room - x)
            else:
                width = draw_parts(draw, (x, y + round(val * 0.12)), _caption(style, name), cap, latin=style.caption_face,
                                   arabic=style.arabic_face, room=(room - x) // 2)
                colon_x = x + width
                draw.text((colon_x, y), ":", font=face(style.caption_face, val), fill=(70, 80, 110))
                vx = colon_x + mm(1.6)
                draw_value(draw, (vx, y), value, val, latin=style.value_face, room=room - vx)
            drawn.append(name)
        # Inline rows are row_mm apart; "above" rows stack caption, value and a row_mm gap.
        y += mm(style.row_mm) + (round(cap * 1.3) + round(val * 1.2) if style.mode == "above" else 0)
    return drawn


def front(style: CardStyle, seed: int, faults: frozenset[Fault], rng: random.Random) -> tuple[Image.Image, GroundTruth]:
    printed = identities.emirates_id(DocumentKind.EMIRATES_ID_FRONT, seed, faults)
    img = _card.blank(rng, style.base)
    w, h = img.size
    draw = ImageDraw.Draw(img)
    teal = (30, 70, 66)
    draw.text((mm(4), mm(2.6)), "United Arab Emirates", font=face("sans_bold", mm(3.0)), fill=teal)
    draw.text((w - mm(4), mm(2.2)), "دولة الإمارات العربية المتحدة", font=face(style.arabic_face, mm(3.0)), fill=teal, anchor="ra")
    draw.text((mm(4), mm(7.2)), "Resident Identity Card", font=face(style.caption_face, mm(2.2)), fill=teal)
    draw.text((w - mm(4), mm(7.0)), "بطاقة هوية مقيم", font=face(style.arabic_face, mm(2.2)), fill=teal, anchor="ra")
    photo_w, photo_h = mm(22), mm(29)
    photo_x = w - mm(4) - photo_w if style.photo_right else mm(4)
    photo_y = mm(13) + rng.randint(0, mm(1.5))
    img.paste(portrait((photo_w, photo_h), rng), (photo_x, photo_y))
    left = (mm(4) if style.photo_right else photo_x + photo_w + mm(3.5)) + rng.randint(0, mm(1))
    right = (photo_x - mm(3)) if style.photo_right else w - mm(4)
    values = {n: _value(style, n, printed.truth.fields, printed.text, seed) for n in printed.truth.fields}
    drawn = _rows(draw, style, style.front_rows, values, left, right, mm(12.5) + rng.randint(0, mm(1)))
    fields = {n: printed.truth.fields[n] for n in drawn}
    return img, replace(printed.truth, fields=fields)


def back(style: CardStyle, seed: int, faults: frozenset[Fault], rng: random.Random) -> tuple[Image.Image, GroundTruth]:
    printed = identities.emirates_id(DocumentKind.EMIRATES_ID_BACK, seed, faults)
    img = _card.blank(rng, tuple(min(255, c + 4) for c in style.base))
    w, h = img.size
    draw = ImageDraw.Draw(img)
    chip = (mm(6), mm(5), mm(18), mm(14)) if style.chip_left else (w - mm(18), mm(6), w - mm(6), mm(15))
    draw.rounded_rectangle(chip, radius=8, fill=(205, 180, 110), outline=(150, 120, 60))
    left = (mm(22) if style.chip_left else mm(5)) + rng.randint(0, mm(1))
    right = w - mm(5) if style.chip_left else w - mm(21)
    values = {n: _value(style, n, printed.truth.fields, printed.text, seed) for n in printed.truth.fields}
    values["issuing_place"] = _value(style, "issuing_place", printed.truth.fields, printed.text, seed)
    drawn = _rows(draw, style, style.back_rows, values, left, right, mm(4.5) + rng.randint(0, mm(1)))
    band = h - mm(19)
    draw.rectangle((0, band, w, h), fill=(246, 246, 244))
    mrz_left = round((w - 30 * MRZ_PITCH_MM * PPM) / 2) + rng.randint(-mm(1), mm(1))
    draw_mrz(img, printed.truth.mrz_lines, left=mrz_left, bottom_line_y=h - mm(rng.uniform(3.0, 4.0)), px_per_mm=PPM)
    fields = {n: printed.truth.fields[n] for n in drawn if n in printed.truth.fields}
    return img, replace(printed.truth, fields=fields)


_FRONT_CLASSIC = (
    (("id_number", 0),), (("full_name", 0),), (("full_name_arabic", 0),), (("birth_date", 0),),
    (("nationality", 0),), (("sex", 0),), (("issue_date", 0),), (("expiry_date", 0),),
)
_BACK_CLASSIC = ((("occupation", 0),), (("employer", 0),), (("issuing_place", 0),), (("card_number", 0),))

STYLES: dict[str, tuple[CardStyle, bool, str]] = {
    "eid_classic_inline": (
        CardStyle(languages=("en",), mode="inline", date_form="slash", front_rows=_FRONT_CLASSIC,
                  back_rows=_BACK_CLASSIC, caption_face="liberation", value_face="liberation_bold", row_mm=3.9),
        False,
        "Older card: English 'Caption: value' lines, Arabic name on its own line, dates '05/02/1963'.",
    ),
    "eid_bilingual_above": (
        CardStyle(languages=("en", "ar"), mode="above", date_form="slash", photo_right=True,
                  front_rows=(
                      (("id_number", 0),), (("full_name", 0),), (("full_name_arabic", 0),),
                      (("birth_date", 0), ("sex", 30)), (("nationality", 0),),
                      (("issue_date", 0), ("expiry_date", 28)),
                  ),
                  back_rows=((("occupation", 0),), (("employer", 0),), (("card_number", 0), ("issuing_place", 30))),
                  row_mm=0.6, value_mm=2.5, caption_mm=1.8, base=(236, 238, 230), other_date_form="iso"),
        False,
        "English / Arabic captions above the values, portrait on the right, dates side by side,"
        " '05/02/1963' or, on every other card, '1963-02-05'.",
    ),
    "eid_serif_twocol": (
        CardStyle(languages=("en",), mode="inline", date_form="dotted", caption_face="serif", value_face="serif_bold",
                  arabic_face="amiri",
                  front_rows=(
                      (("full_name", 0),), (("full_name_arabic", 0),), (("id_number", 0),),
                      (("nationality", 0),), (("birth_date", 0), ("sex", 34)),
                      (("issue_date", 0),), (("expiry_date", 0),),
                  ),
                  back_rows=((("card_number", 0),), (("occupation", 0),), (("employer", 0),), (("issuing_place", 0),)),
                  chip_left=True, row_mm=4.1, nationality_upper=True, base=(238, 234, 228)),
        False,
        "Serif faces, name first, dates '05.02.1963', chip on the left of the back.",
    ),
    "eid_2021_arabic_first": (
        CardStyle(languages=("ar", "en"), mode="above", date_form="slash", arabic_face="kufi",
                  caption_face="liberation", value_face="liberation_bold",
                  front_rows=(
                      (("id_number", 0),), (("full_name", 0),), (("full_name_arabic", 0),),
                      (("nationality", 0), ("sex", 32)), (("birth_date", 0), ("expiry_date", 28)),
                      (("issue_date", 0),),
                  ),
                  back_rows=((("card_number", 0),), (("issuing_place", 0),)),
                  row_mm=0.5, value_mm=2.5, caption_mm=1.8, base=(230, 236, 242)),
        True,
        "HELD OUT. Newer card: Arabic-first captions ('الاسم / Name'), Kufi, back without occupation/employer.",
    ),
    "eid_alt_vocabulary": (
        CardStyle(languages=("en_alt",), mode="inline", date_form="iso", caption_face="condensed",
                  value_face="condensed_bold", photo_right=True,
                  front_rows=(
                      (("full_name", 0),), (("full_name_arabic", 0),), (("nationality", 0), ("sex", 34)),
                      (("birth_date", 0),), (("id_number", 0),), (("issue_date", 0),), (("expiry_date", 0),),
                  ),
                  back_rows=((("issuing_place", 0),), (("occupation", 0),), (("employer", 0),), (("card_number", 0),)),
                  row_mm=4.0, base=(240, 236, 232)),
        True,
        "HELD OUT. Other caption words ('Gender', 'Sponsor', 'Card No.'), ISO dates, portrait on the right.",
    ),
}


def drawer(style: CardStyle):
    def draw(kind: DocumentKind, seed: int, faults: frozenset[Fault], rng: random.Random):
        if kind is DocumentKind.EMIRATES_ID_FRONT:
            return front(style, seed, faults, rng)
        if kind is DocumentKind.EMIRATES_ID_BACK:
            return back(style, seed, faults, rng)
        raise ValueError(f"an Emirates ID family cannot draw {kind}")

    return draw
