"""Chinese resident ID families (GB 11643 second-generation card), both sides.

Real cards share one layout, but prints differ: label spacing (``姓 名`` / ``姓　名`` / ``姓名``),
typefaces, how the birth date is spaced, where the portrait and the number sit, a long issuing
authority wrapped on two lines, a validity period printed with spaces around the dash. The
portrait is a textured photo-like block, as on a real card, not a flat grey shape.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from PIL import Image, ImageDraw

from ocr_integration.documents.kinds import DocumentKind

from .. import identities
from ..model import Fault, GroundTruth
from . import _card
from ._card import mm
from ._draw import INK, face, portrait, text_width

LABELS = {"full_name": "姓名", "sex": "性别", "ethnicity": "民族", "birth_date": "出生", "address": "住址",
          "id_number": "公民身份号码", "issuing_authority": "签发机关", "validity_period": "有效期限"}


@dataclass(frozen=True)
class CnStyle:
    label_gap: str  # what separates the two characters of a label: " ", "\u3000" or ""
    birth_form: str  # format with {y} {m} {d} {m2} {d2}
    label_face: str = "cjk"
    value_face: str = "cjk"
    name_face: str = "cjk_bold"
    number_face: str = "ocrb"
    number_pitch_mm: float = 2.65
    label_ink: tuple[int, int, int] = (40, 90, 150)
    shift_mm: tuple[float, float] = (0.0, 0.0)  # the whole text block
    photo_box_mm: tuple[float, float, float, float] = (55.6, 6.0, 80.6, 37.0)
    address_wrap: int = 11
    row_mm: float = 6.5
    ethnicity_x_mm: float = 27.0
    value_x_mm: float = 15.0
    number_x_mm: float = 29.0
    validity_dash: str = "-"
    authority_wrap: int | None = None
    emblem_right: bool = False
    emblem_labels_above: bool = False
    base: tuple[int, int, int] = (240, 243, 246)


def _label(style: CnStyle, name: str) -> str:
    text = LABELS[name]
    return style.label_gap.join(text) if len(text) == 2 else text


def _birth(style: CnStyle, iso: str) -> str:
    d = date.fromisoformat(iso)
    return style.birth_form.format(y=d.year, m=d.month, d=d.day, m2=f"{d.month:02d}", d2=f"{d.day:02d}")


def portrait_side(style: CnStyle, seed: int, faults: frozenset[Fault], rng: random.Random) -> tuple[Image.Image, GroundTruth]:
    printed = identities.cn_resident_id(DocumentKind.CN_ID_PORTRAIT, seed, faults)
    f = printed.truth.fields
    img = _card.blank(rng, style.base)
    draw = ImageDraw.Draw(img)
    dx = style.shift_mm[0] + rng.uniform(-0.6, 0.6)
    dy = style.shift_mm[1] + rng.uniform(-0.6, 0.6)

    def at(x: float, y: float) -> tuple[int, int]:
        return mm(x + dx), mm(y + dy)

    label_font = face(style.label_face, mm(2.6))
    value_font = face(style.value_face, mm(3.1))
    lx, vx, row = 5.0, style.value_x_mm, style.row_mm
    y0 = 6.0
    draw.text(at(lx, y0), _label(style, "full_name"), font=label_font, fill=style.label_ink)
    draw.text(at(vx, y0 - 0.4), f["full_name"], font=face(style.name_face, mm(3.6)), fill=INK)
    y = y0 + row
    draw.text(at(lx, y), _label(style, "sex"), font=label_font, fill=style.label_ink)
    draw.text(at(vx, y - 0.3), f["sex"], font=value_font, fill=INK)
    draw.text(at(style.ethnicity_x_mm, y), _label(style, "ethnicity"), font=label_font, fill=style.label_ink)
    draw.text(at(style.ethnicity_x_mm + 9, y - 0.3), f["ethnicity"], font=value_font, fill=INK)
    y += row
    draw.text(at(lx, y), _label(style, "birth_date"), font=label_font, fill=style.label_ink)
    draw.text(at(vx, y - 0.3), _birth(style, f["birth_date"]), font=value_font, fill=INK)
    y += row
    draw.text(at(lx, y), _label(style, "address"), font=label_font, fill=style.label_ink)
    address = f["address"]
    for i in range(0, len(address), style.address_wrap):
        draw.text(at(vx, y - 0.3 + (i // style.address_wrap) * 4.6), address[i : i + style.address_wrap], font=value_font, fill=INK)
    draw.text(at(lx, 45.0), _label(style, "id_number"), font=label_font, fill=style.label_ink)
    number_font = face(style.number_face, mm(3.6))
    x = style.number_x_mm
    for ch in f["id_number"]:
        draw.text(at(x, 44.4), ch, font=number_font, fill=INK)
        x += style.number_pitch_mm
    left, top, right, bottom = (mm(v) for v in style.photo_box_mm)
    img.paste(portrait((right - left, bottom - top), rng), (left, top))
    return img, printed.truth


def _emblem(draw: ImageDraw.ImageDraw, cx: int, cy: int, r: int) -> None:
    """The emblem's place: a red disc with a ring of stars, not the national emblem itself."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(200, 40, 40))
    for k, (scale, ox, oy) in enumerate(((0.5, 0, -0.1), (0.16, -0.5, -0.45), (0.16, -0.25, -0.62), (0.16, 0.05, -0.62), (0.16, 0.3, -0.45))):
        sx, sy, sr = cx + ox * r, cy + oy * r + (0.45 * r if k == 0 else 0.3 * r), r * scale
        star = [(sx + sr * math.cos(math.pi / 2 + j * 4 * math.pi / 5), sy - sr * math.sin(math.pi / 2 + j * 4 * math.pi / 5)) for j in range(5)]
        draw.polygon(star, fill=(250, 210, 60))


def emblem_side(style: CnStyle, seed: int, faults: frozenset[Fault], rng: random.Random) -> tuple[Image.Image, GroundTruth]:
    printed = identities.cn_resident_id(DocumentKind.CN_ID_EMBLEM, seed, faults)
    f = printed.truth.fields
    img = _card.blank(rng, tuple(min(255, c + 2) for c in style.base))
    w, _h = img.size
    draw = ImageDraw.Draw(img)
    r = mm(9)
    if style.emblem_right:
        _emblem(draw, w - mm(14), mm(14), r)
        draw.text((mm(8), mm(8)), "中华人民共和国", font=face("cjk_bold", mm(4.4)), fill=INK)
        draw.text((mm(6), mm(19)), "居民身份证", font=face("cjk_bold", mm(6.4)), fill=INK)
    else:
        _emblem(draw, mm(14), mm(14), r)
        draw.text((mm(30), mm(8)), "中华人民共和国", font=face("cjk_bold", mm(4.4)), fill=INK)
        draw.text((mm(26), mm(19)), "居民身份证", font=face("cjk_bold", mm(6.4)), fill=INK)
    label_font = face(style.label_face, mm(2.6))
    value_font = face(style.value_face, mm(3.0))
    jitter = rng.uniform(-0.6, 0.6)
    validity = f["validity_period"].replace("-", style.validity_dash, 1)
    authority = f["issuing_authority"]
    lines = [authority] if style.authority_wrap is None else [
        authority[i : i + style.authority_wrap] for i in range(0, len(authority), style.authority_wrap)
    ]
    if style.emblem_labels_above:
        x = mm(16 + jitter)
        draw.text((x, mm(32)), LABELS["issuing_authority"], font=label_font, fill=INK)
        for i, line in enumerate(lines):
            draw.text((x, mm(35.2 + 3.8 * i)), line, font=value_font, fill=INK)
        yv = 35.2 + 3.8 * len(lines) + 1.2
        draw.text((x, mm(yv)), LABELS["validity_period"], font=label_font, fill=INK)
        draw.text((x, mm(yv + 3.2)), validity, font=value_font, fill=INK)
    else:
        lx, vx = mm(16 + jitter), mm(32 + jitter)
        top = 38.0 - 3.6 * (len(lines) - 1)
        draw.text((lx, mm(top + 0.4)), LABELS["issuing_authority"], font=label_font, fill=INK)
        for i, line in enumerate(lines):
            draw.text((vx, mm(top + 3.8 * i)), line, font=value_font, fill=INK)
        draw.text((lx, mm(45.4)), LABELS["validity_period"], font=label_font, fill=INK)
        width = text_width(validity, value_font)
        draw.text((min(vx, w - mm(3) - width), mm(45)), validity, font=value_font, fill=INK)
    return img, printed.truth


STYLES: dict[str, tuple[CnStyle, bool, str]] = {
    "cn_standard": (
        CnStyle(label_gap=" ", birth_form="{y}  年  {m}  月  {d}  日"),
        False,
        "The usual second-generation print: blue spaced labels, Noto Sans CJK, number in OCR-B.",
    ),
    "cn_serif_values": (
        CnStyle(label_gap="\u3000", birth_form="{y}年{m}月{d}日", value_face="cjk_serif", name_face="cjk_serif_bold",
                shift_mm=(0.5, 1.0), photo_box_mm=(54.0, 5.0, 81.0, 38.5), address_wrap=12, row_mm=6.2,
                base=(244, 240, 236)),
        False,
        "Serif values, full-width label spaces, compact birth date '1963年2月5日', larger portrait.",
    ),
    "cn_mono_number": (
        CnStyle(label_gap=" ", birth_form="{y} 年 {m} 月 {d} 日", label_face="cjk_bold", number_face="mono_bold",
                number_pitch_mm=2.6, number_x_mm=28.0, label_ink=(60, 100, 140), emblem_labels_above=True,
                base=(236, 244, 244)),
        False,
        "Bold labels, number in a monospace face, emblem side with labels above the values.",
    ),
    "cn_grey_compact": (
        CnStyle(label_gap="", birth_form="{y} 年 {m2} 月 {d2} 日", label_ink=(110, 110, 120), row_mm=6.0,
                shift_mm=(-0.5, 0.6), photo_box_mm=(56.5, 7.5, 80.0, 36.5), address_wrap=12, ethnicity_x_mm=25.0,
                value_x_mm=14.0, number_pitch_mm=2.55, number_x_mm=30.0, validity_dash=" - ", emblem_right=True,
                base=(246, 244, 240)),
        True,
        "HELD OUT. Grey unspaced labels, zero-padded birth date, emblem on the right, validity 'A - B'.",
    ),
    "cn_serif_labels": (
        CnStyle(label_gap=" ", birth_form="{y}  年  {m}  月  {d}  日", label_face="cjk_serif", value_face="cjk_serif",
                name_face="cjk_serif_bold", label_ink=(30, 70, 130), photo_box_mm=(53.0, 9.0, 80.0, 42.0),
                address_wrap=10, row_mm=6.8, ethnicity_x_mm=28.5, authority_wrap=7, base=(238, 240, 248)),
        True,
        "HELD OUT. Serif labels and values, portrait lower and larger, authority wrapped on two lines.",
    ),
}


def drawer(style: CnStyle):
    def draw(kind: DocumentKind, seed: int, faults: frozenset[Fault], rng: random.Random):
        if kind is DocumentKind.CN_ID_PORTRAIT:
            return portrait_side(style, seed, faults, rng)
        if kind is DocumentKind.CN_ID_EMBLEM:
            return emblem_side(style, seed, faults, rng)
        raise ValueError(f"a Chinese ID family cannot draw {kind}")

    return draw
