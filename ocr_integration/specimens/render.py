"""Drawing: one function per kind, each returning the document itself (no background).

Sizes follow the real formats: a TD3 passport page is 125 x 88 mm, ID-1 cards 85.6 x 54 mm, and
MRZ characters sit on a 2.54 mm pitch (ICAO 9303 part 3), so the OCR sees realistic proportions.
"""

from __future__ import annotations

import math
import random
from datetime import date

from PIL import Image, ImageDraw

from ocr_integration.documents.kinds import DocumentKind

from .fonts import font
from .identities import Printed

PASSPORT_MM = (125.0, 88.0)
CARD_MM = (85.6, 54.0)
PASSPORT_PX_PER_MM = 8.8
CARD_PX_PER_MM = 11.7
MRZ_PITCH_MM = 2.54

INK = (20, 20, 24)
LABEL = (70, 80, 110)


def _mm(value: float, px_per_mm: float) -> int:
    return round(value * px_per_mm)


def _guilloche(img: Image.Image, rng: random.Random, tint: tuple[int, int, int]) -> None:
    """Faint security-print waves, so the background is not a flat colour."""
    draw = ImageDraw.Draw(img)
    w, h = img.size
    for k in range(14):
        amp = rng.uniform(h * 0.02, h * 0.08)
        freq = rng.uniform(1.5, 5.0) * 2 * math.pi / w
        phase = rng.uniform(0, 2 * math.pi)
        y0 = h * (k + 0.5) / 14
        points = [(x, y0 + amp * math.sin(freq * x + phase)) for x in range(0, w + 8, 8)]
        draw.line(points, fill=tint, width=1)


def _photo(img: Image.Image, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """A grey silhouette where the holder's photo goes (never a face)."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    shade = rng.randint(200, 225)
    photo = Image.new("RGB", (w, h), (shade, shade, shade + 5))
    draw = ImageDraw.Draw(photo)
    cx = w / 2
    draw.ellipse((cx - w * 0.22, h * 0.15, cx + w * 0.22, h * 0.55), fill=(150, 150, 158))
    draw.ellipse((cx - w * 0.42, h * 0.6, cx + w * 0.42, h * 1.35), fill=(150, 150, 158))
    draw.rectangle((0, 0, w - 1, h - 1), outline=(150, 150, 160))
    img.paste(photo, (left, top))


def draw_mrz(
    img: Image.Image, lines: tuple[str, ...], *, left: int, bottom_line_y: int, px_per_mm: float
) -> None:
    """Each character centred in its 2.54 mm cell, lines 4.2 mm apart, OCR-B at ~2.3 mm cap height."""
    draw = ImageDraw.Draw(img)
    pitch = MRZ_PITCH_MM * px_per_mm
    size = round(3.3 * px_per_mm)
    ocrb = font("ocrb", size)
    spacing = 4.2 * px_per_mm
    for row, line in enumerate(reversed(lines)):
        y = bottom_line_y - row * spacing
        for i, ch in enumerate(line):
            x = left + (i + 0.5) * pitch
            draw.text((x, y), ch, font=ocrb, fill=INK, anchor="ms")


def _label_value(
    draw: ImageDraw.ImageDraw, x: int, y: int, label: str, value: str, *, label_size: int, value_size: int
) -> None:
    draw.text((x, y), label, font=font("latin", label_size), fill=LABEL)
    draw.text((x, y + round(label_size * 1.25)), value, font=font("latin_bold", value_size), fill=INK)


def passport(p: Printed, rng: random.Random) -> Image.Image:
    ppm = PASSPORT_PX_PER_MM
    w, h = _mm(PASSPORT_MM[0], ppm), _mm(PASSPORT_MM[1], ppm)
    paper = (rng.randint(236, 248), rng.randint(232, 244), rng.randint(222, 236))
    img = Image.new("RGB", (w, h), paper)
    _guilloche(img, rng, (paper[0] - 18, paper[1] - 10, paper[2] - 2))
    draw = ImageDraw.Draw(img)
    f, t = p.truth.fields, p.text
    draw.text((_mm(6, ppm), _mm(4, ppm)), t["country_name"], font=font("latin_bold", _mm(3.6, ppm)), fill=(40, 50, 90))
    draw.text((w - _mm(6, ppm), _mm(4.5, ppm)), "PASSPORT", font=font("latin_bold", _mm(3.0, ppm)), fill=(40, 50, 90), anchor="ra")
    _photo(img, (_mm(6, ppm), _mm(16, ppm), _mm(38, ppm), _mm(58, ppm)), rng)
    ls, vs = _mm(1.9, ppm), _mm(2.9, ppm)
    col1, col2, col3 = _mm(43, ppm), _mm(66, ppm), _mm(90, ppm)
    row = _mm(6.6, ppm)
    y = _mm(13, ppm)
    _label_value(draw, col1, y, "Type", f["document_code"], label_size=ls, value_size=vs)
    _label_value(draw, col2, y, "Code", f["issuing_state"], label_size=ls, value_size=vs)
    _label_value(draw, col3, y, "Passport No.", f["document_number"], label_size=ls, value_size=vs)
    y += row
    _label_value(draw, col1, y, "Surname", f["surname"], label_size=ls, value_size=vs)
    y += row
    _label_value(draw, col1, y, "Given names", f["given_names"], label_size=ls, value_size=vs)
    y += row
    _label_value(draw, col1, y, "Nationality", t["country_name"], label_size=ls, value_size=vs)
    y += row
    _label_value(draw, col1, y, "Date of birth", t["birth_vz"], label_size=ls, value_size=vs)
    _label_value(draw, col3, y, "Sex", f["sex"], label_size=ls, value_size=vs)
    y += row
    _label_value(draw, col1, y, "Place of birth", f["place_of_birth"], label_size=ls, value_size=vs)
    y += row
    _label_value(draw, col1, y, "Date of issue", t["issue_vz"], label_size=ls, value_size=vs)
    _label_value(draw, col2 + _mm(6, ppm), y, "Authority", f["issuing_authority"], label_size=ls, value_size=vs)
    y += row
    _label_value(draw, col1, y, "Date of expiry", t["expiry_vz"], label_size=ls, value_size=vs)
    if "personal_number" in f:
        _label_value(draw, col3, y, "Personal No.", f["personal_number"], label_size=ls, value_size=vs)
    mrz_left = round((w - 44 * MRZ_PITCH_MM * ppm) / 2)
    draw.rectangle((0, h - _mm(21, ppm), w, h), fill=(paper[0] + 4 if paper[0] < 251 else 255, paper[1], paper[2]))
    draw_mrz(img, p.truth.mrz_lines, left=mrz_left, bottom_line_y=h - _mm(6.5, ppm), px_per_mm=ppm)
    return img


def _card(rng: random.Random, base: tuple[int, int, int]) -> Image.Image:
    ppm = CARD_PX_PER_MM
    w, h = _mm(CARD_MM[0], ppm), _mm(CARD_MM[1], ppm)
    img = Image.new("RGB", (w, h), base)
    _guilloche(img, rng, (max(base[0] - 20, 0), max(base[1] - 12, 0), max(base[2] - 6, 0)))
    return img


def _ddmmyyyy(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def emirates_id_front(p: Printed, rng: random.Random) -> Image.Image:
    ppm = CARD_PX_PER_MM
    img = _card(rng, (rng.randint(228, 240), rng.randint(236, 246), rng.randint(232, 244)))
    w, _h = img.size
    draw = ImageDraw.Draw(img)
    f, t = p.truth.fields, p.text
    draw.text((_mm(4, ppm), _mm(3, ppm)), "United Arab Emirates", font=font("latin_bold", _mm(3.2, ppm)), fill=(30, 60, 60))
    draw.text((w - _mm(4, ppm), _mm(3, ppm)), "دولة الإمارات العربية المتحدة", font=font("arabic", _mm(3.0, ppm)), fill=(30, 60, 60), anchor="ra")
    draw.text((_mm(4, ppm), _mm(8, ppm)), "Resident Identity Card", font=font("latin", _mm(2.4, ppm)), fill=(30, 60, 60))
    _photo(img, (_mm(4, ppm), _mm(14, ppm), _mm(26, ppm), _mm(44, ppm)), rng)
    x = _mm(30, ppm)
    size = _mm(2.6, ppm)
    small = _mm(2.3, ppm)
    lines = [
        (f"ID Number: {f['id_number']}", "latin_bold", size),
        (f"Name: {f['full_name']}", "latin_bold", size),
    ]
    y = _mm(14, ppm)
    for text, role, sz in lines:
        draw.text((x, y), text, font=font(role, sz), fill=INK)
        y += _mm(4.6, ppm)
    draw.text((w - _mm(4, ppm), y), f"الاسم: {f['full_name_arabic']}", font=font("arabic", _mm(3.0, ppm)), fill=INK, anchor="ra")
    y += _mm(5.6, ppm)
    rows = [
        f"Date of Birth: {_ddmmyyyy(f['birth_date'])}",
        f"Nationality: {t['nationality_name'].title()}",
        f"Issuing Date: {_ddmmyyyy(f['issue_date'])}",
        f"Expiry Date: {_ddmmyyyy(f['expiry_date'])}",
    ]
    for text in rows:
        draw.text((x, y), text, font=font("latin", small), fill=INK)
        y += _mm(4.1, ppm)
    draw.text((w - _mm(6, ppm), _mm(34.2, ppm)), f"Sex: {f['sex']}", font=font("latin", small), fill=INK, anchor="ra")
    return img


def emirates_id_back(p: Printed, rng: random.Random) -> Image.Image:
    ppm = CARD_PX_PER_MM
    img = _card(rng, (rng.randint(230, 242), rng.randint(234, 244), rng.randint(236, 246)))
    w, h = img.size
    draw = ImageDraw.Draw(img)
    f, t = p.truth.fields, p.text
    size = _mm(2.4, ppm)
    y = _mm(5, ppm)
    for text in (
        f"Occupation: {f['occupation']}",
        f"Employer: {f['employer']}",
        f"Issuing Place: {t['issuing_place'].title()}",
        f"Card Number: {f['card_number']}",
    ):
        draw.text((_mm(5, ppm), y), text, font=font("latin", size), fill=INK)
        y += _mm(4.2, ppm)
    # A chip-like contact plate, as on the card.
    draw.rounded_rectangle((w - _mm(18, ppm), _mm(6, ppm), w - _mm(6, ppm), _mm(15, ppm)), radius=8, fill=(205, 180, 110), outline=(150, 120, 60))
    draw.rectangle((0, h - _mm(19, ppm), w, h), fill=(246, 246, 244))
    mrz_left = round((w - 30 * MRZ_PITCH_MM * ppm) / 2)
    draw_mrz(img, p.truth.mrz_lines, left=mrz_left, bottom_line_y=h - _mm(3.4, ppm), px_per_mm=ppm)
    return img


def _cn_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}  年  {d.month}  月  {d.day}  日"


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def cn_id_portrait(p: Printed, rng: random.Random) -> Image.Image:
    ppm = CARD_PX_PER_MM
    img = _card(rng, (rng.randint(236, 246), rng.randint(238, 248), rng.randint(240, 250)))
    w, _h = img.size
    draw = ImageDraw.Draw(img)
    f = p.truth.fields
    label_font = font("cjk", _mm(2.6, ppm))
    value_font = font("cjk", _mm(3.1, ppm))
    blue = (40, 90, 150)
    lx, vx = _mm(5, ppm), _mm(15, ppm)
    draw.text((lx, _mm(6, ppm)), "姓 名", font=label_font, fill=blue)
    draw.text((vx, _mm(5.6, ppm)), f["full_name"], font=font("cjk_bold", _mm(3.6, ppm)), fill=INK)
    draw.text((lx, _mm(13, ppm)), "性 别", font=label_font, fill=blue)
    draw.text((vx, _mm(12.7, ppm)), f["sex"], font=value_font, fill=INK)
    draw.text((_mm(27, ppm), _mm(13, ppm)), "民 族", font=label_font, fill=blue)
    draw.text((_mm(36, ppm), _mm(12.7, ppm)), f["ethnicity"], font=value_font, fill=INK)
    draw.text((lx, _mm(19.5, ppm)), "出 生", font=label_font, fill=blue)
    draw.text((vx, _mm(19.2, ppm)), _cn_date(f["birth_date"]), font=value_font, fill=INK)
    draw.text((lx, _mm(26, ppm)), "住 址", font=label_font, fill=blue)
    for i, part in enumerate(_wrap(f["address"], 11)):
        draw.text((vx, _mm(25.7 + i * 4.6, ppm)), part, font=value_font, fill=INK)
    draw.text((lx, _mm(45, ppm)), "公民身份号码", font=label_font, fill=blue)
    number_font = font("ocrb", _mm(3.6, ppm))
    x = _mm(29, ppm)
    for ch in f["id_number"]:
        draw.text((x, _mm(44.4, ppm)), ch, font=number_font, fill=INK)
        x += _mm(2.65, ppm)
    _photo(img, (w - _mm(30, ppm), _mm(6, ppm), w - _mm(5, ppm), _mm(37, ppm)), rng)
    return img


def cn_id_emblem(p: Printed, rng: random.Random) -> Image.Image:
    ppm = CARD_PX_PER_MM
    img = _card(rng, (rng.randint(236, 246), rng.randint(240, 250), rng.randint(236, 246)))
    w, _h = img.size
    draw = ImageDraw.Draw(img)
    f = p.truth.fields
    # The national emblem's place: a plain red disc with a star, not the emblem itself.
    cx, cy, r = _mm(14, ppm), _mm(14, ppm), _mm(9, ppm)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(200, 40, 40))
    star = [
        (cx + r * 0.55 * math.cos(math.pi / 2 + k * 2 * math.pi / 5 * 2), cy - r * 0.55 * math.sin(math.pi / 2 + k * 2 * math.pi / 5 * 2))
        for k in range(5)
    ]
    draw.polygon(star, fill=(250, 210, 60))
    draw.text((_mm(30, ppm), _mm(8, ppm)), "中华人民共和国", font=font("cjk_bold", _mm(4.4, ppm)), fill=INK)
    draw.text((_mm(26, ppm), _mm(19, ppm)), "居民身份证", font=font("cjk_bold", _mm(6.4, ppm)), fill=INK)
    label_font = font("cjk", _mm(2.6, ppm))
    value_font = font("cjk", _mm(3.0, ppm))
    draw.text((_mm(16, ppm), _mm(38, ppm)), "签发机关", font=label_font, fill=INK)
    draw.text((_mm(32, ppm), _mm(37.6, ppm)), f["issuing_authority"], font=value_font, fill=INK)
    draw.text((_mm(16, ppm), _mm(45, ppm)), "有效期限", font=label_font, fill=INK)
    draw.text((_mm(32, ppm), _mm(44.6, ppm)), f["validity_period"], font=value_font, fill=INK)
    return img


def bank_card(p: Printed, rng: random.Random) -> Image.Image:
    ppm = CARD_PX_PER_MM
    base = rng.choice(((20, 40, 90), (25, 25, 30), (80, 20, 40), (10, 70, 70)))
    img = _card(rng, base)
    w, h = img.size
    draw = ImageDraw.Draw(img)
    f, t = p.truth.fields, p.text
    light = (240, 240, 235)
    draw.text((_mm(6, ppm), _mm(5, ppm)), f["bank_name"], font=font("latin_bold", _mm(3.4, ppm)), fill=light)
    draw.rounded_rectangle((_mm(8, ppm), _mm(17, ppm), _mm(19, ppm), _mm(25, ppm)), radius=6, fill=(214, 186, 110), outline=(160, 130, 70))
    draw.text((_mm(7, ppm), _mm(31, ppm)), t["pan_grouped"], font=font("ocrb", _mm(4.6, ppm)), fill=light)
    draw.text((_mm(30, ppm), _mm(39.5, ppm)), "VALID\nTHRU", font=font("latin", _mm(1.4, ppm)), fill=light)
    draw.text((_mm(37, ppm), _mm(39, ppm)), f["card_expiry"], font=font("ocrb", _mm(3.2, ppm)), fill=light)
    draw.text((_mm(7, ppm), _mm(46, ppm)), f["cardholder_name"], font=font("ocrb", _mm(3.0, ppm)), fill=light)
    if f["card_brand"] == "visa":
        draw.text((w - _mm(6, ppm), h - _mm(5, ppm)), "VISA", font=font("latin_bold", _mm(6, ppm)), fill=light, anchor="rs")
    else:
        r = _mm(5, ppm)
        cx, cy = w - _mm(17, ppm), h - _mm(10, ppm)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(235, 0, 27))
        draw.ellipse((cx + r * 0.6 - r, cy - r, cx + r * 1.6, cy + r), fill=(247, 158, 27))
    return img


RENDERERS = {
    DocumentKind.PASSPORT: passport,
    DocumentKind.EMIRATES_ID_FRONT: emirates_id_front,
    DocumentKind.EMIRATES_ID_BACK: emirates_id_back,
    DocumentKind.CN_ID_PORTRAIT: cn_id_portrait,
    DocumentKind.CN_ID_EMBLEM: cn_id_emblem,
    DocumentKind.BANK_CARD: bank_card,
}
