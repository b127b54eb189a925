"""Fonts for specimens: OCR-B is bundled (public domain); the others come from Debian packages.

The Latin, Arabic and CJK faces are several megabytes each, so they are not bundled; when they are
missing :class:`FontsMissing` names the apt packages. The quick start does not need them: it uses the
pre-generated images in ``ocr_integration/specimens/bundled/``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

BUNDLED = Path(__file__).resolve().parent / "fonts"


class FontsMissing(RuntimeError):
    """The fonts a specimen needs are not installed."""


# role -> candidates (path, face index or None for "find the Simplified Chinese face"), package
_CANDIDATES: dict[str, tuple[tuple[tuple[str, int | None], ...], str]] = {
    "ocrb": (
        ((str(BUNDLED / "OCRB.otf"), 0), ("/usr/share/fonts/opentype/ocr-b/OCRB.otf", 0)),
        "fonts-ocr-b",
    ),
    "latin": (
        (
            ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", 0),
            ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
        ),
        "fonts-noto-core",
    ),
    "latin_bold": (
        (
            ("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf", 0),
            ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
        ),
        "fonts-noto-core",
    ),
    "arabic": (
        (
            ("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf", 0),
            ("/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf", 0),
        ),
        "fonts-noto-core or fonts-hosny-amiri",
    ),
    "cjk": (
        (
            ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", None),
            ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
        ),
        "fonts-noto-cjk or fonts-wqy-microhei",
    ),
    "cjk_bold": (
        (
            ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", None),
            ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
        ),
        "fonts-noto-cjk or fonts-wqy-microhei",
    ),
}


@functools.cache
def _resolve(role: str) -> tuple[str, int]:
    candidates, package = _CANDIDATES[role]
    for path, index in candidates:
        if not Path(path).is_file():
            continue
        if index is not None:
            return path, index
        # Face 0 of Noto CJK is the Japanese design; pick the Simplified Chinese face by name.
        for i in range(10):
            try:
                family = ImageFont.truetype(path, 12, index=i).getname()[0]
            except OSError:
                break
            if family.endswith(" SC"):
                return path, i
        return path, 0
    raise FontsMissing(
        f"No font for {role} text. Install the Debian package(s) {package} "
        "(all at once: apt-get install fonts-ocr-b fonts-noto-core fonts-noto-cjk "
        "fonts-hosny-amiri fonts-wqy-microhei), or use the pre-generated specimens in "
        "ocr_integration/specimens/bundled/."
    )


@functools.cache
def font(role: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = _resolve(role)
    return ImageFont.truetype(path, size, index=index)


def check_fonts() -> None:
    """Raise :class:`FontsMissing` unless every role has a font."""
    for role in _CANDIDATES:
        _resolve(role)
