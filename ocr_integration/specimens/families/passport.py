"""Passport data-page families (ICAO 9303 TD3), modelled on how real issuers lay out the page.

Each family is a :class:`PageStyle`: which captions (and in which languages), how a caption sits
against its value (above it, before it on the same line, or no caption at all), the printed date
form, fonts, the order and position of the fields and the side the portrait is on. Positions get a
small per-seed jitter so that no two pages of a family put a value on the same pixel.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, replace

from PIL import Image, ImageDraw

from ocr_integration.documents.kinds import DocumentKind

from .. import data, identities
from ..model import Fault, GroundTruth
from ..render import MRZ_PITCH_MM, PASSPORT_MM, PASSPORT_PX_PER_MM, draw_mrz
from . import _draw
from ._draw import INK, face, portrait, printed_date, text_width

PPM = PASSPORT_PX_PER_MM

CAPTIONS: dict[str, dict[str, str]] = {
    "en": {
        "document_code": "Type", "issuing_state": "Code", "document_number": "Passport No.",
        "surname": "Surname", "given_names": "Given names", "nationality": "Nationality",
        "birth_date": "Date of birth", "sex": "Sex", "place_of_birth": "Place of birth",
        "issue_date": "Date of issue", "issuing_authority": "Authority", "expiry_date": "Date of expiry",
        "personal_number": "Personal No.",
    },
    "fr": {
        "document_code": "Type", "issuing_state": "Code du pays", "document_number": "No. du passeport",
        "surname": "Nom", "given_names": "Prénoms", "nationality": "Nationalité",
        "birth_date": "Date de naissance", "sex": "Sexe", "place_of_birth": "Lieu de naissance",
        "issue_date": "Date de délivrance", "issuing_authority": "Autorité", "expiry_date": "Date d'expiration",
        "personal_number": "No. personnel",
    },
    "es": {
        "document_code": "Tipo", "issuing_state": "Código", "document_number": "Pasaporte N.º",
        "surname": "Apellidos", "given_names": "Nombres", "nationality": "Nacionalidad",
        "birth_date": "Fecha de nacimiento", "sex": "Sexo", "place_of_birth": "Lugar de nacimiento",
        "issue_date": "Fecha de expedición", "issuing_authority": "Autoridad", "expiry_date": "Fecha de caducidad",
        "personal_number": "N.º personal",
    },
    "ar": {
        "document_code": "النوع", "issuing_state": "رمز الدولة", "document_number": "رقم الجواز",
        "surname": "اللقب", "given_names": "الاسم", "nationality": "الجنسية",
        "birth_date": "تاريخ الميلاد", "sex": "الجنس", "place_of_birth": "محل الميلاد",
        "issue_date": "تاريخ الإصدار", "issuing_authority": "جهة الإصدار", "expiry_date": "تاريخ الانتهاء",
        "personal_number": "الرقم الشخصي",
    },
    "zh": {
        "document_code": "类型", "issuing_state": "国家码", "document_number": "护照号",
        "surname": "姓", "given_names": "名", "nationality": "国籍",
        "birth_date": "出生日期", "sex": "性别", "place_of_birth": "出生地点",
        "issue_date": "签发日期", "issuing_authority": "签发机关", "expiry_date": "有效期至",
        "personal_number": "个人号码",
    },
}

DATE_FIELDS = ("birth_date", "issue_date", "expiry_date")


def _is_arabic(text: str) -> bool:
    return any("ARABIC" in unicodedata.name(ch, "") for ch in text)


def _has_cjk(text: str) -> bool:
    return any("CJK" in unicodedata.name(ch, "") for ch in text)


@dataclass(frozen=True)
class PageStyle:
    languages: tuple[str, ...]  # caption languages in printed order; () for a page without captions
    caption_mode: str  # "above", "inline" or "none"
    date_form: str
    rows: tuple[tuple[tuple[str, float], ...], ...]  # rows of (field, x offset in mm from the block)
    caption_face: str = "sans"
    value_face: str = "sans_bold"
    numbered: bool = False
    photo_right: bool = False
    issuing_state: str | None = None  # a family of one state pins it
    row_mm: float = 6.6
    caption_mm: float = 1.9
    value_mm: float = 2.9
    title: str = "PASSPORT"
    header_face: str = "sans_bold"
    ghost_portrait: bool = False
    paper: tuple[int, int, int] = (240, 238, 228)
    caption_ink: tuple[int, int, int] = (70, 80, 110)
    sex_form: str = "{sex}"
    nationality_form: str = "{name}"
    native_name: str | None = None  # "cjk" or "arabic": the holder's name also printed in that script


def _caption(style: PageStyle, name: str, number: int) -> list[str]:
    parts = [CAPTIONS[lang][name] for lang in style.languages]
    if style.numbered:
        parts[0] = f"{number}. {parts[0]}"
    return parts


def _draw_caption(draw: ImageDraw.ImageDraw, x: int, y: int, parts: list[str], style: PageStyle, size: int, room: int) -> int:
    """Draw ``A / B / C`` in each part's script, shrinking to fit ``room`` pixels; returns the width."""
    while True:
        pieces = []
        for i, part in enumerate(parts):
            if i:
                pieces.append((" / ", style.caption_face))
            role = "naskh" if _is_arabic(part) else "cjk" if _has_cjk(part) else style.caption_face
            pieces.append((part, role))
        width = sum(text_width(t, face(role, size)) for t, role in pieces)
        if width <= room or size <= 9:
            break
        size -= 1
    cx = x
    for text, role in pieces:
        f = face(role, size)
        draw.text((cx, y), text, font=f, fill=style.caption_ink)
        cx += text_width(text, f)
    return width


def _values(style: PageStyle, fields: dict[str, str], text: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, value in fields.items():
        if name in DATE_FIELDS:
            out[name] = printed_date(value, style.date_form)
        elif name == "nationality":
            out[name] = style.nationality_form.format(name=text["country_name"], code=value)
        elif name == "sex":
            out[name] = style.sex_form.format(sex=value, zh="男" if value == "M" else "女")
        else:
            out[name] = value
    return out


def _native_name(rng: random.Random, script: str) -> str:
    if script == "cjk":
        return rng.choice(data.CN_SURNAMES) + "".join(rng.choice(data.CN_GIVEN) for _ in range(rng.randint(1, 2)))
    return " ".join("".join(rng.choice(data.SYLLABLES)[1] for _ in range(rng.randint(2, 3))) for _ in range(2))


def draw_page(style: PageStyle, seed: int, faults: frozenset[Fault], rng: random.Random) -> tuple[Image.Image, GroundTruth]:
    printed = identities.passport(seed, faults, issuing_state=style.issuing_state)
    truth_fields = printed.truth.fields
    w, h = round(PASSPORT_MM[0] * PPM), round(PASSPORT_MM[1] * PPM)
    base = tuple(min(255, c + rng.randint(-6, 6)) for c in style.paper)
    img = _draw.paper((w, h), rng, base)
    draw = ImageDraw.Draw(img)

    def mm(v: float) -> int:
        return round(v * PPM)

    header = face(style.header_face, mm(3.4))
    country = printed.text["country_name"]
    if style.issuing_state == "ARE":
        draw.text((w - mm(6), mm(3.5)), "دولة الإمارات العربية المتحدة", font=face("amiri", mm(3.6)), fill=(40, 50, 90), anchor="ra")
        draw.text((mm(6), mm(4)), country, font=header, fill=(40, 50, 90))
    elif style.issuing_state == "CHN":
        draw.text((mm(6), mm(3.5)), "中华人民共和国  PEOPLE'S REPUBLIC OF CHINA", font=face("cjk_bold", mm(3.0)), fill=(120, 30, 30))
    else:
        draw.text((mm(6), mm(4)), country, font=header, fill=(40, 50, 90))
    if style.issuing_state != "ARE":
        draw.text((w - mm(6), mm(4.5)), style.title, font=face(style.header_face, mm(2.8)), fill=(40, 50, 90), anchor="ra")

    photo_w, photo_h = mm(32), mm(42)
    photo_x = w - mm(6) - photo_w if style.photo_right else mm(6)
    photo_y = mm(15) + rng.randint(0, mm(2))
    img.paste(portrait((photo_w, photo_h), rng), (photo_x, photo_y))
    if style.ghost_portrait:
        gx = mm(6) if style.photo_right else w - mm(26)
        _draw.ghost(img, (gx, mm(40), gx + mm(18), mm(62)), rng)

    block_left = (mm(6) if style.photo_right else mm(43)) + rng.randint(0, mm(1.5))
    block_right = (w - mm(6) - photo_w - mm(4)) if style.photo_right else w - mm(5)
    y = mm(12.5) + rng.randint(0, mm(1.2))
    values = _values(style, truth_fields, printed.text)
    printed_fields: list[str] = []
    caption_px, value_px = mm(style.caption_mm), mm(style.value_mm)
    number = 0
    if style.native_name:
        native = _native_name(rng, style.native_name)
    for row in style.rows:
        present = [(name, dx) for name, dx in row if name in values]
        for i, (name, dx) in enumerate(present):
            number += 1
            x = block_left + mm(dx)
            room = (block_left + mm(present[i + 1][1]) - mm(2)) if i + 1 < len(present) else block_right
            value = values[name]
            value_face = "cjk_bold" if _has_cjk(value) else style.value_face
            vfont = face(value_face, value_px)
            if style.caption_mode == "above":
                _draw_caption(draw, x, y, _caption(style, name, number), style, caption_px, room - x)
                vy = y + round(caption_px * 1.3)
            elif style.caption_mode == "inline":
                cw = _draw_caption(draw, x, y + round(value_px * 0.25), _caption(style, name, number), style, caption_px, (room - x) // 2)
                x += cw + mm(1.6)
                vy = y
            else:
                vy = y
            if name == "surname" and style.native_name:
                nf = face("cjk_bold" if style.native_name == "cjk" else "naskh", value_px)
                shown = native.split()[0] if style.native_name == "arabic" else native
                draw.text((x, vy), shown, font=nf, fill=INK)
                x += text_width(shown, nf) + mm(3)
            while text_width(value, vfont) > room - x and vfont.size > 10:
                vfont = face(value_face, vfont.size - 1)
            draw.text((x, vy), value, font=vfont, fill=INK)
            printed_fields.append(name)
        y += mm(style.row_mm)

    band_top = h - mm(21)
    lighter = tuple(min(255, c + 6) for c in base)
    draw.rectangle((0, band_top, w, h), fill=lighter)
    mrz_left = round((w - 44 * MRZ_PITCH_MM * PPM) / 2) + rng.randint(-mm(1.5), mm(1.5))
    draw_mrz(img, printed.truth.mrz_lines, left=mrz_left, bottom_line_y=h - mm(rng.uniform(5.5, 7.5)), px_per_mm=PPM)
    fields = {name: truth_fields[name] for name in printed_fields}
    truth = replace(printed.truth, fields=fields, extras={"country_name": country})
    return img, truth


# --- the families ------------------------------------------------------------------------------

_ICAO_ROWS = (
    (("document_code", 0), ("issuing_state", 20), ("document_number", 46)),
    (("surname", 0),),
    (("given_names", 0),),
    (("nationality", 0), ("personal_number", 46)),
    (("birth_date", 0), ("sex", 46)),
    (("place_of_birth", 0),),
    (("issue_date", 0), ("issuing_authority", 30)),
    (("expiry_date", 0),),
)

STYLES: dict[str, tuple[PageStyle, bool, str]] = {
    "passport_bilingual_fr": (
        PageStyle(languages=("en", "fr"), caption_mode="above", date_form="dd_mon_fr_yy", rows=_ICAO_ROWS,
                  title="PASSPORT / PASSEPORT", ghost_portrait=True),
        False,
        "English / French captions above the values, dates '05 FEB/FÉV 63', Noto Sans.",
    ),
    "passport_numbered": (
        PageStyle(languages=("en",), caption_mode="above", numbered=True, date_form="dotted",
                  caption_face="serif", value_face="dejavu_serif_bold", header_face="serif_bold",
                  rows=(
                      (("document_code", 0), ("issuing_state", 18), ("document_number", 44)),
                      (("surname", 0),),
                      (("given_names", 0),),
                      (("birth_date", 0), ("sex", 34), ("nationality", 46)),
                      (("place_of_birth", 0), ("personal_number", 44)),
                      (("issue_date", 0), ("expiry_date", 34)),
                      (("issuing_authority", 0),),
                  ), row_mm=7.0, paper=(236, 240, 232)),
        False,
        "Numbered English captions ('4. Surname'), dates '05.02.1963', serif faces, dates side by side.",
    ),
    "passport_uae_arabic": (
        PageStyle(languages=("en", "ar"), caption_mode="above", date_form="slash", issuing_state="ARE",
                  caption_face="liberation", value_face="liberation_bold", native_name="arabic",
                  rows=(
                      (("document_code", 0), ("issuing_state", 18), ("document_number", 44)),
                      (("surname", 0),),
                      (("given_names", 0),),
                      (("nationality", 0),),
                      (("birth_date", 0), ("sex", 40)),
                      (("place_of_birth", 0), ("personal_number", 40)),
                      (("issue_date", 0), ("expiry_date", 36)),
                      (("issuing_authority", 0),),
                  ), row_mm=6.6, paper=(238, 236, 226)),
        False,
        "UAE style: English + Arabic captions, Arabic name beside the Latin one, dates '05/02/1963'.",
    ),
    "passport_inline_en": (
        PageStyle(languages=("en",), caption_mode="inline", date_form="dd_mon_yyyy", photo_right=True,
                  caption_face="condensed", value_face="condensed_bold", row_mm=5.4, value_mm=2.8,
                  rows=(
                      (("document_number", 0),),
                      (("document_code", 0), ("issuing_state", 22)),
                      (("surname", 0),),
                      (("given_names", 0),),
                      (("sex", 0), ("nationality", 18)),
                      (("birth_date", 0),),
                      (("place_of_birth", 0),),
                      (("issue_date", 0),),
                      (("expiry_date", 0),),
                      (("issuing_authority", 0),),
                  )),
        False,
        "English captions before the values on one line, portrait on the right, DejaVu Condensed.",
    ),
    "passport_trilingual_es": (
        PageStyle(languages=("en", "fr", "es"), caption_mode="above", date_form="dd_mon_es_yyyy",
                  caption_face="liberation", value_face="narrow_bold", ghost_portrait=True,
                  title="PASSPORT / PASSEPORT / PASAPORTE",
                  rows=(
                      (("document_code", 0), ("issuing_state", 16), ("document_number", 46)),
                      (("surname", 0),),
                      (("given_names", 0),),
                      (("nationality", 0), ("sex", 46)),
                      (("birth_date", 0), ("personal_number", 46)),
                      (("place_of_birth", 0),),
                      (("issue_date", 0), ("expiry_date", 38)),
                      (("issuing_authority", 0),),
                  ), caption_mm=1.7, paper=(242, 236, 230)),
        True,
        "HELD OUT. Trilingual captions 'Surname / Nom / Apellidos', dates '05 ENE/JAN 1963'.",
    ),
    "passport_cn_bilingual": (
        PageStyle(languages=("zh", "en"), caption_mode="above", date_form="cn_bilingual", issuing_state="CHN",
                  caption_face="cjk", value_face="sans_bold", native_name="cjk", sex_form="{zh}/{sex}",
                  nationality_form="中国/{name}",
                  rows=(
                      (("document_code", 0), ("issuing_state", 16), ("document_number", 42)),
                      (("surname", 0),),
                      (("given_names", 0),),
                      (("sex", 0), ("nationality", 22)),
                      (("birth_date", 0), ("place_of_birth", 38)),
                      (("issue_date", 0), ("issuing_authority", 38)),
                      (("expiry_date", 0), ("personal_number", 38)),
                  ), row_mm=7.0, paper=(236, 238, 240)),
        True,
        "HELD OUT. Chinese + English captions ('姓/Surname'), Chinese name beside the pinyin, '05 2月/FEB 1963'.",
    ),
    "passport_no_captions": (
        PageStyle(languages=(), caption_mode="none", date_form="iso", photo_right=True,
                  value_face="serif_bold", header_face="serif_bold", row_mm=5.6, value_mm=3.0,
                  rows=(
                      (("document_code", 0), ("issuing_state", 10), ("document_number", 32)),
                      (("surname", 0),),
                      (("given_names", 0),),
                      (("nationality", 0), ("sex", 40)),
                      (("birth_date", 0), ("place_of_birth", 26)),
                      (("issue_date", 0), ("expiry_date", 26)),
                      (("issuing_authority", 0),),
                      (("personal_number", 0),),
                  ), paper=(234, 238, 236)),
        True,
        "HELD OUT. No captions at all, only values in a fixed grid, ISO dates '1963-02-05', portrait right.",
    ),
}


def drawer(style: PageStyle):
    def draw(kind: DocumentKind, seed: int, faults: frozenset[Fault], rng: random.Random):
        if kind is not DocumentKind.PASSPORT:
            raise ValueError(f"a passport family cannot draw {kind}")
        return draw_page(style, seed, faults, rng)

    return draw
