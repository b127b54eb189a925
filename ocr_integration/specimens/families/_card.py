"""Caption-and-value drawing shared by the ID-card families (ID-1 size, 85.6 x 54 mm)."""

from __future__ import annotations

import random
import unicodedata

from PIL import Image, ImageDraw

from ..render import CARD_MM, CARD_PX_PER_MM
from . import _draw
from ._draw import INK, face, text_width

PPM = CARD_PX_PER_MM


def mm(value: float) -> int:
    return round(value * PPM)


def blank(rng: random.Random, base: tuple[int, int, int]) -> Image.Image:
    jitter = tuple(max(0, min(255, c + rng.randint(-6, 6))) for c in base)
    return _draw.paper((mm(CARD_MM[0]), mm(CARD_MM[1])), rng, jitter, waves=12)


def script_face(text: str, latin: str, arabic: str = "naskh", cjk: str = "cjk") -> str:
    names = [unicodedata.name(ch, "") for ch in text]
    if any("ARABIC" in n for n in names):
        return arabic
    if any("CJK" in n for n in names):
        return cjk
    return latin


def parts_width(parts: list[str], size: int, latin: str, arabic: str) -> int:
    return sum(text_width(p, face(script_face(p, latin, arabic), size)) for p in _joined(parts))


def _joined(parts: list[str]) -> list[str]:
    out: list[str] = []
    for i, p in enumerate(parts):
        if i:
            out.append(" / ")
        out.append(p)
    return out


def draw_parts(
    draw: ImageDraw.ImageDraw, xy: tuple[int, int], parts: list[str], size: int, *, latin: str, arabic: str = "naskh",
    fill=(70, 80, 110), room: int | None = None, anchor_right: bool = False,
) -> int:
    """``A / B`` with each part in its script's face, shrunk to ``room``; returns the width drawn."""
    while room is not None and parts_width(parts, size, latin, arabic) > room and size > 9:
        size -= 1
    width = parts_width(parts, size, latin, arabic)
    x, y = xy
    if anchor_right:
        x -= width
    for piece in _joined(parts):
        f = face(script_face(piece, latin, arabic), size)
        draw.text((x, y), piece, font=f, fill=fill)
        x += text_width(piece, f)
    return width


def draw_value(draw: ImageDraw.ImageDraw, xy: tuple[int, int], value: str, size: int, *, latin: str, room: int | None = None,
               anchor_right: bool = False, fill=INK) -> None:
    role = script_face(value, latin, "naskh", "cjk_bold")
    f = face(role, size)
    while room is not None and text_width(value, f) > room and f.size > 9:
        f = face(role, f.size - 1)
    draw.text(xy, value, font=f, fill=fill, anchor="ra" if anchor_right else "la")
