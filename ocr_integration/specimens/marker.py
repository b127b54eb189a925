"""A visual tag that says "this is specimen (kind, seed, faults)" and survives re-encoding.

Sixty-four black or white square cells in a 16 x 4 grid in the top-left margin of the image. Their
size and position are fractions of the image width, so a downscaled copy is read the same way; each
cell is big (1/80 of the width) so JPEG at quality 50 and a 50 % downscale leave its centre clearly
dark or light. Payload: 8-bit magic, 2-bit version, 3-bit kind, 4-bit faults, 31-bit seed, CRC-16
over the rest, so an image that is not one of ours decodes to ``None`` (false match rate 2**-24).

The marker is stamped after any simulated capture damage: it is a label for the simulator and the
bench, not part of the document, and it must not be the thing that fails to read.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from ocr_integration.documents.kinds import DocumentKind

from .model import FAULT_BITS, Fault

COLS, ROWS = 16, 4
CELL = 1 / 80  # of the image width
LEFT = 0.02  # of the image width
TOP = 0.012  # of the image width
MAGIC = 0b10110010
VERSION = 1
MAX_SEED = 2**31 - 1

# Marker codes of the kinds; never renumber.
KIND_CODES: dict[DocumentKind, int] = {
    DocumentKind.PASSPORT: 0,
    DocumentKind.EMIRATES_ID_FRONT: 1,
    DocumentKind.EMIRATES_ID_BACK: 2,
    DocumentKind.CN_ID_PORTRAIT: 3,
    DocumentKind.CN_ID_EMBLEM: 4,
    DocumentKind.BANK_CARD: 5,
}
_KINDS_BY_CODE = {v: k for k, v in KIND_CODES.items()}


def _crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _payload(kind: DocumentKind, seed: int, faults: frozenset[Fault]) -> int:
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"specimen seeds run from 0 to {MAX_SEED}")
    fault_bits = sum(1 << FAULT_BITS[f] for f in faults)
    return (MAGIC << 40) | (VERSION << 38) | (KIND_CODES[kind] << 35) | (fault_bits << 31) | seed


def encode_bits(kind: DocumentKind, seed: int, faults: frozenset[Fault]) -> list[int]:
    payload = _payload(kind, seed, faults)
    word = (payload << 16) | _crc16(payload.to_bytes(6, "big"))
    return [(word >> (63 - i)) & 1 for i in range(64)]


def decode_bits(bits: list[int]) -> tuple[DocumentKind, int, frozenset[Fault]] | None:
    word = 0
    for bit in bits:
        word = (word << 1) | bit
    payload, crc = word >> 16, word & 0xFFFF
    if _crc16(payload.to_bytes(6, "big")) != crc:
        return None
    if payload >> 40 != MAGIC or (payload >> 38) & 0b11 != VERSION:
        return None
    kind = _KINDS_BY_CODE.get((payload >> 35) & 0b111)
    if kind is None:
        return None
    fault_bits = (payload >> 31) & 0b1111
    faults = frozenset(f for f, bit in FAULT_BITS.items() if fault_bits >> bit & 1)
    return kind, payload & MAX_SEED, faults


def _cell(width: float, index: int) -> tuple[float, float, float, float]:
    row, col = divmod(index, COLS)
    size = CELL * width
    left = LEFT * width + col * size
    top = TOP * width + row * size
    return left, top, left + size, top + size


def stamp(image: Image.Image, kind: DocumentKind, seed: int, faults: frozenset[Fault]) -> None:
    """Draw the marker (with a white quiet zone) onto ``image`` in place."""
    width = image.width
    size = CELL * width
    draw = ImageDraw.Draw(image)
    left, top = LEFT * width, TOP * width
    white = (255, 255, 255) if image.mode == "RGB" else 255
    black = (0, 0, 0) if image.mode == "RGB" else 0
    draw.rectangle(
        (round(left - size / 2), round(top - size / 2),
         round(left + (COLS + 0.5) * size), round(top + (ROWS + 0.5) * size)),
        fill=white,
    )
    for i, bit in enumerate(encode_bits(kind, seed, faults)):
        if bit:
            x0, y0, x1, y1 = _cell(width, i)
            draw.rectangle((round(x0), round(y0), round(x1) - 1, round(y1) - 1), fill=black)


def marker_height(width: int) -> int:
    """Pixels from the top edge that the marker and its quiet zone need."""
    return int((TOP + (ROWS + 1) * CELL) * width) + 2


def read(image_bytes: bytes) -> tuple[DocumentKind, int, frozenset[Fault]] | None:
    """The (kind, seed, faults) stamped on an image, or ``None`` if it carries no valid marker."""
    try:
        with Image.open(io.BytesIO(image_bytes)) as opened:
            gray = opened.convert("L")
    except Exception:  # noqa: BLE001 - anything Pillow cannot open is simply not a specimen
        return None
    width = gray.width
    if width < 160 or gray.height < marker_height(width):
        return None
    means = []
    pixels = gray.load()
    for i in range(COLS * ROWS):
        x0, y0, x1, y1 = _cell(width, i)
        # The central half of the cell: away from JPEG ringing and resampling blur at the edges.
        qx, qy = (x1 - x0) / 4, (y1 - y0) / 4
        xs = range(int(x0 + qx), max(int(x0 + qx) + 1, int(x1 - qx)))
        ys = range(int(y0 + qy), max(int(y0 + qy) + 1, int(y1 - qy)))
        values = [pixels[x, y] for x in xs for y in ys]
        means.append(sum(values) / len(values))
    darkest, lightest = min(means), max(means)
    if lightest - darkest < 60:
        return None
    threshold = (darkest + lightest) / 2
    return decode_bits([1 if m < threshold else 0 for m in means])
