"""Drawing helpers the layout families share: fonts by face, printed date forms, security print,
textured portraits.

Everything takes a ``random.Random`` so a family's page is a pure function of its seed.
"""

from __future__ import annotations

import functools
import math
import random
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ..fonts import BUNDLED, FontsMissing

INK = (20, 20, 24)

# face -> candidate (path, face index); the first file present wins. Debian packages:
# fonts-noto-core, fonts-noto-cjk, fonts-liberation, fonts-dejavu-core, fonts-hosny-amiri, fonts-ocr-b.
_NOTO = "/usr/share/fonts/truetype/noto/"
_NOTO_CJK = "/usr/share/fonts/opentype/noto/"
_DEJAVU = "/usr/share/fonts/truetype/dejavu/"
_LIBERATION = "/usr/share/fonts/truetype/liberation/"
_FACES: dict[str, tuple[tuple[str, int], ...]] = {
    "sans": ((_NOTO + "NotoSans-Regular.ttf", 0), (_DEJAVU + "DejaVuSans.ttf", 0)),
    "sans_bold": ((_NOTO + "NotoSans-Bold.ttf", 0), (_DEJAVU + "DejaVuSans-Bold.ttf", 0)),
    "serif": ((_NOTO + "NotoSerif-Regular.ttf", 0), (_DEJAVU + "DejaVuSerif.ttf", 0)),
    "serif_bold": ((_NOTO + "NotoSerif-Bold.ttf", 0), (_DEJAVU + "DejaVuSerif-Bold.ttf", 0)),
    "liberation": ((_LIBERATION + "LiberationSans-Regular.ttf", 0), (_DEJAVU + "DejaVuSans.ttf", 0)),
    "liberation_bold": ((_LIBERATION + "LiberationSans-Bold.ttf", 0), (_DEJAVU + "DejaVuSans-Bold.ttf", 0)),
    "liberation_serif": ((_LIBERATION + "LiberationSerif-Regular.ttf", 0), (_DEJAVU + "DejaVuSerif.ttf", 0)),
    "narrow_bold": ((_LIBERATION + "LiberationSansNarrow-Bold.ttf", 0), (_DEJAVU + "DejaVuSansCondensed-Bold.ttf", 0)),
    "condensed": ((_DEJAVU + "DejaVuSansCondensed.ttf", 0), (_NOTO + "NotoSans-Regular.ttf", 0)),
    "condensed_bold": ((_DEJAVU + "DejaVuSansCondensed-Bold.ttf", 0), (_NOTO + "NotoSans-Bold.ttf", 0)),
    "dejavu_serif_bold": ((_DEJAVU + "DejaVuSerif-Bold.ttf", 0), (_NOTO + "NotoSerif-Bold.ttf", 0)),
    "mono_bold": ((_DEJAVU + "DejaVuSansMono-Bold.ttf", 0), (_LIBERATION + "LiberationMono-Bold.ttf", 0)),
    "naskh": ((_NOTO + "NotoNaskhArabic-Regular.ttf", 0), ("/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf", 0)),
    "kufi": ((_NOTO + "NotoKufiArabic-Regular.ttf", 0), (_NOTO + "NotoNaskhArabic-Regular.ttf", 0)),
    "amiri": (("/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf", 0), (_NOTO + "NotoNaskhArabic-Regular.ttf", 0)),
    # Index 2 of the Noto CJK collections is the Simplified Chinese design (0 is Japanese).
    "cjk": ((_NOTO_CJK + "NotoSansCJK-Regular.ttc", 2), ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0)),
    "cjk_bold": ((_NOTO_CJK + "NotoSansCJK-Bold.ttc", 2), ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0)),
    "cjk_serif": ((_NOTO_CJK + "NotoSerifCJK-Regular.ttc", 2), (_NOTO_CJK + "NotoSansCJK-Regular.ttc", 2)),
    "cjk_serif_bold": ((_NOTO_CJK + "NotoSerifCJK-Bold.ttc", 2), (_NOTO_CJK + "NotoSansCJK-Bold.ttc", 2)),
    "ocrb": ((str(BUNDLED / "OCRB.otf"), 0), ("/usr/share/fonts/opentype/ocr-b/OCRB.otf", 0)),
}


@functools.cache
def face(name: str, size: int) -> ImageFont.FreeTypeFont:
    """The font ``name`` at ``size`` pixels; :class:`FontsMissing` names the packages to install."""
    for path, index in _FACES[name]:
        if Path(path).is_file():
            return ImageFont.truetype(path, size, index=index)
    raise FontsMissing(
        f"No font for the {name!r} face. Install the Debian packages fonts-noto-core fonts-noto-cjk "
        "fonts-liberation fonts-dejavu-core fonts-hosny-amiri fonts-ocr-b."
    )


# --- printed dates ---------------------------------------------------------------------------

MONTHS_EN = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MONTHS_FR = ("JAN", "FÉV", "MARS", "AVR", "MAI", "JUIN", "JUIL", "AOÛT", "SEPT", "OCT", "NOV", "DÉC")
MONTHS_ES = ("ENE", "FEB", "MAR", "ABR", "MAY", "JUN", "JUL", "AGO", "SEP", "OCT", "NOV", "DIC")

DATE_FORMS = ("dd_mon_yyyy", "dd_mon_fr_yy", "dd_mon_fr_yyyy", "dd_mon_es_yyyy", "dotted", "iso", "slash", "cn_bilingual")


def printed_date(day: date | str, form: str) -> str:
    """One date as a document prints it; every form names day, month and year unambiguously
    except the two-digit years, which the MRZ (or common sense for expiry) disambiguates."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    m = day.month - 1
    if form == "dd_mon_yyyy":
        return f"{day.day:02d} {MONTHS_EN[m]} {day.year}"
    if form == "dd_mon_fr_yy":
        return f"{day.day:02d} {MONTHS_EN[m]}/{MONTHS_FR[m]} {day.year % 100:02d}"
    if form == "dd_mon_fr_yyyy":
        return f"{day.day:02d} {MONTHS_EN[m]}/{MONTHS_FR[m]} {day.year}"
    if form == "dd_mon_es_yyyy":
        return f"{day.day:02d} {MONTHS_ES[m]}/{MONTHS_EN[m]} {day.year}"
    if form == "dotted":
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    if form == "iso":
        return day.isoformat()
    if form == "slash":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if form == "cn_bilingual":
        return f"{day.day:02d} {day.month}月/{MONTHS_EN[m]} {day.year}"
    raise ValueError(f"unknown date form {form!r}")


# --- paper ------------------------------------------------------------------------------------


def paper(size: tuple[int, int], rng: random.Random, base: tuple[int, int, int], *, waves: int = 16) -> Image.Image:
    """A security-printed background: a soft two-colour gradient, guilloche waves and a rosette."""
    w, h = size
    tint = tuple(max(0, c - rng.randint(8, 22)) for c in base)
    gx = np.linspace(0, 1, w, dtype=np.float32)[None, :, None]
    gy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    mix = np.clip(0.5 * gx + 0.5 * gy + rng.uniform(-0.2, 0.2), 0, 1) * rng.uniform(0.3, 0.8)
    arr = (1 - mix) * np.array(base, np.float32) + mix * np.array(tint, np.float32)
    img = Image.fromarray(np.broadcast_to(arr, (h, w, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    line = tuple(max(0, c - rng.randint(14, 26)) for c in base)
    for k in range(waves):
        amp = rng.uniform(h * 0.015, h * 0.07)
        freq = rng.uniform(1.5, 6.0) * 2 * math.pi / w
        phase = rng.uniform(0, 2 * math.pi)
        y0 = h * (k + 0.5) / waves
        draw.line([(x, y0 + amp * math.sin(freq * x + phase)) for x in range(0, w + 6, 6)], fill=line, width=1)
    cx, cy = rng.uniform(0.35, 0.8) * w, rng.uniform(0.3, 0.7) * h
    radius = rng.uniform(0.12, 0.22) * min(w, h) * 2
    petals = rng.randint(5, 11)
    for ring in range(5):
        r0 = radius * (0.4 + 0.12 * ring)
        pts = []
        for step in range(0, 361, 3):
            t = math.radians(step)
            r = r0 * (1 + 0.12 * math.sin(petals * t + ring))
            pts.append((cx + r * math.cos(t), cy + r * math.sin(t)))
        draw.line(pts, fill=line, width=1)
    return img


def smooth_noise(rng: random.Random, size: tuple[int, int], cells: int) -> np.ndarray:
    """Values in 0..1 varying smoothly over ``cells`` blobs across the image."""
    w, h = size
    small = np.random.default_rng(rng.randrange(2**32)).random((cells, max(2, round(cells * h / w))))
    img = Image.fromarray((small.T * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(img, np.float32) / 255.0


def portrait(size: tuple[int, int], rng: random.Random, *, grey: bool = False) -> Image.Image:
    """A textured head-and-shoulders shape on a mottled backdrop: photo-like texture, never a face."""
    w, h = size
    back = np.array([rng.randint(150, 230), rng.randint(160, 235), rng.randint(170, 240)], np.float32)
    mottle = smooth_noise(rng, (w, h), 5)[..., None]
    arr = back * (0.85 + 0.3 * mottle)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx = w * rng.uniform(0.45, 0.55)
    head = ((xx - cx) / (w * 0.21)) ** 2 + ((yy - h * 0.38) / (h * 0.22)) ** 2 <= 1
    shoulders = ((xx - cx) / (w * 0.48)) ** 2 + ((yy - h * 1.05) / (h * 0.42)) ** 2 <= 1
    neck = (np.abs(xx - cx) < w * 0.09) & (yy > h * 0.5) & (yy < h * 0.7)
    skin = np.array([rng.randint(120, 225), rng.randint(90, 190), rng.randint(70, 160)], np.float32)
    cloth = np.array([rng.randint(20, 160), rng.randint(20, 160), rng.randint(20, 170)], np.float32)
    hair = np.array([rng.randint(10, 90)] * 3, np.float32) + np.array([rng.randint(0, 40), rng.randint(0, 20), 0], np.float32)
    grain = smooth_noise(rng, (w, h), 23)[..., None]
    arr = np.where((head | neck)[..., None], skin * (0.8 + 0.35 * grain), arr)
    hair_cap = head & (yy < h * (0.28 + rng.uniform(-0.04, 0.04)))
    arr = np.where(hair_cap[..., None], hair * (0.7 + 0.6 * grain), arr)
    arr = np.where((shoulders & ~head & ~neck)[..., None], cloth * (0.75 + 0.45 * grain), arr)
    fine = np.random.default_rng(rng.randrange(2**32)).normal(0, 5, (h, w, 1)).astype(np.float32)
    arr = np.clip(arr + fine, 0, 255)
    if grey:
        arr = np.repeat(arr.mean(axis=2, keepdims=True), 3, axis=2)
    img = Image.fromarray(arr.astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    ImageDraw.Draw(img).rectangle((0, 0, w - 1, h - 1), outline=(120, 120, 130))
    return img


def ghost(img: Image.Image, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """The faint second portrait many data pages print: the same kind of texture, washed out."""
    left, top, right, bottom = box
    faint = portrait((right - left, bottom - top), rng, grey=True)
    region = img.crop(box)
    img.paste(Image.blend(region, faint, 0.18), box)


def text_width(text: str, font: ImageFont.FreeTypeFont) -> int:
    return round(font.getlength(text))
