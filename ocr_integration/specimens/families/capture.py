"""How a drawn document reaches the reader: a clean scan, a cheap scan, or a phone photo.

- ``clean``: the document on a plain margin, PNG.
- ``degraded``: a scan-like capture (scale 0.55-0.75, blur, noise, up to 3 degrees, JPEG q60),
  through the generator's own :func:`~ocr_integration.specimens.degrade.apply`.
- ``photo``: the document lying on a cluttered desk, photographed: tilted out of plane by up to 12
  degrees (a true perspective projection, not a corner shuffle), turned up to 10 degrees, with a
  drop shadow, uneven light, sometimes glare, slight blur, sensor noise and JPEG q55-75.

All of it is drawn from the ``rng`` given, so a capture is a pure function of its seed.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .. import degrade
from ..model import Degradation
from ._draw import smooth_noise

MAX_TILT_DEG = 12.0
MAX_ROTATION_DEG = 10.0


def _encode(img: Image.Image, quality: int | None) -> tuple[bytes, str]:
    out = io.BytesIO()
    if quality is None:
        img.save(out, format="PNG")
        return out.getvalue(), "image/png"
    img.save(out, format="JPEG", quality=quality)
    return out.getvalue(), "image/jpeg"


def _on_margin(document: Image.Image, rng: random.Random) -> tuple[Image.Image, tuple[int, int, int]]:
    background = (rng.randint(150, 215), rng.randint(150, 210), rng.randint(140, 205))
    dw, dh = document.size
    side = round(dw * rng.uniform(0.05, 0.09))
    canvas = Image.new("RGB", (dw + 2 * side, dh + 2 * side), background)
    canvas.paste(document, (side, side))
    return canvas, background


def clean(document: Image.Image, rng: random.Random) -> tuple[bytes, str]:
    canvas, _ = _on_margin(document, rng)
    return _encode(canvas, None)


def degraded(document: Image.Image, rng: random.Random) -> tuple[bytes, str]:
    canvas, background = _on_margin(document, rng)
    damage = Degradation(
        jpeg_quality=60, blur_radius=rng.uniform(0.3, 1.0), noise_sigma=rng.uniform(2, 6),
        rotation_deg=rng.uniform(-3, 3), perspective=rng.uniform(0, 0.02), scale=rng.uniform(0.55, 0.75),
    )
    return degrade.encode(degrade.apply(canvas, damage, rng, background), damage)


# --- photo -----------------------------------------------------------------------------------


def _desk(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A cluttered surface: wood or fabric grain, papers, a mug, a pen, a keyboard edge, cables."""
    w, h = size
    base = np.array(rng.choice(((120, 84, 52), (90, 90, 96), (170, 150, 120), (60, 64, 70), (140, 110, 90))), np.float32)
    grain = smooth_noise(rng, (w, h), rng.randint(6, 14))
    streaks = smooth_noise(rng, (w, max(2, h // 40)), rng.randint(40, 90))
    streaks = np.asarray(Image.fromarray((streaks * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BILINEAR), np.float32) / 255
    arr = base * (0.75 + 0.35 * grain[..., None] + 0.15 * streaks[..., None])
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(2, 4)):  # loose sheets of paper, partly out of frame
        cx, cy = rng.uniform(-0.1, 1.1) * w, rng.uniform(-0.1, 1.1) * h
        pw, ph = rng.uniform(0.25, 0.5) * w, rng.uniform(0.3, 0.6) * h
        angle = math.radians(rng.uniform(0, 180))
        corners = [(cx + dx * math.cos(angle) - dy * math.sin(angle), cy + dx * math.sin(angle) + dy * math.cos(angle))
                   for dx, dy in ((-pw / 2, -ph / 2), (pw / 2, -ph / 2), (pw / 2, ph / 2), (-pw / 2, ph / 2))]
        shade = rng.randint(215, 248)
        draw.polygon(corners, fill=(shade, shade, shade - rng.randint(0, 12)))
        for k in range(rng.randint(4, 12)):  # printed lines on the sheet, too small to read
            t = (k + 1) / 14
            a = (corners[0][0] + (corners[3][0] - corners[0][0]) * t, corners[0][1] + (corners[3][1] - corners[0][1]) * t)
            b = (a[0] + (corners[1][0] - corners[0][0]) * rng.uniform(0.3, 0.8), a[1] + (corners[1][1] - corners[0][1]) * rng.uniform(0.3, 0.8))
            draw.line((a, b), fill=(150, 150, 155), width=max(1, round(h / 300)))
    for _ in range(rng.randint(0, 2)):  # a mug seen from above
        r = rng.uniform(0.06, 0.12) * min(w, h)
        cx, cy = rng.choice((rng.uniform(0, 0.15), rng.uniform(0.85, 1))) * w, rng.uniform(0, 1) * h
        colour = (rng.randint(30, 230), rng.randint(30, 230), rng.randint(30, 230))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour, outline=(30, 30, 30), width=3)
        draw.ellipse((cx - r * 0.75, cy - r * 0.75, cx + r * 0.75, cy + r * 0.75), fill=(60, 35, 20))
    for _ in range(rng.randint(1, 3)):  # pens and cables
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        angle = rng.uniform(0, 2 * math.pi)
        length = rng.uniform(0.2, 0.6) * w
        draw.line((x0, y0, x0 + length * math.cos(angle), y0 + length * math.sin(angle)),
                  fill=(rng.randint(0, 80), rng.randint(0, 80), rng.randint(0, 200)), width=rng.randint(4, 12))
    if rng.random() < 0.5:  # the edge of a keyboard
        top = rng.uniform(0.82, 0.92) * h
        draw.rectangle((0, top, w, h), fill=(40, 40, 44))
        key = h * 0.05
        for row in range(3):
            for col in range(int(w / key) + 1):
                x = col * key * 1.1 + (row * key * 0.3)
                y = top + key * 0.2 + row * key * 1.1
                draw.rounded_rectangle((x, y, x + key, y + key), radius=key / 6, fill=(58, 58, 62))
    return img.filter(ImageFilter.GaussianBlur(1.2))


def _projected_corners(w: int, h: int, tilt_x: float, tilt_y: float, roll: float, focal: float) -> np.ndarray:
    """The four corners of a w x h rectangle turned in 3-D and seen through a pinhole at ``focal``."""
    ax, ay, az = (math.radians(v) for v in (tilt_x, tilt_y, roll))
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    corners = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    turned = corners @ (rz @ ry @ rx).T
    z = turned[:, 2] + focal
    return np.stack([focal * turned[:, 0] / z, focal * turned[:, 1] / z], axis=1)


@dataclass(frozen=True)
class PhotoPose:
    """Where the camera was: the document's out-of-plane tilt and in-plane turn, in degrees."""

    scale: float  # of the drawn document's pixels
    tilt_deg: float  # 0..MAX_TILT_DEG, about the axis at ``tilt_direction``
    tilt_direction: float  # radians
    roll_deg: float  # -MAX_ROTATION_DEG..MAX_ROTATION_DEG
    focal: float  # of the document's long side
    fill: float  # how much of the frame's width the document spans
    jpeg_quality: int

    @property
    def tilt_xy(self) -> tuple[float, float]:
        return self.tilt_deg * math.sin(self.tilt_direction), self.tilt_deg * math.cos(self.tilt_direction)


def photo_pose(rng: random.Random) -> PhotoPose:
    return PhotoPose(
        # Phones photograph documents at all sorts of distances; the long side ends up 900-1500 px.
        scale=rng.uniform(0.85, 1.35),
        tilt_deg=rng.uniform(0, MAX_TILT_DEG),
        tilt_direction=rng.uniform(0, 2 * math.pi),
        roll_deg=rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG),
        focal=rng.uniform(1.2, 2.0),
        fill=rng.uniform(0.6, 0.85),
        jpeg_quality=rng.randint(55, 75),
    )


def photo(document: Image.Image, rng: random.Random) -> tuple[bytes, str]:
    dw, dh = document.size
    pose = photo_pose(rng)
    scale = pose.scale
    doc = np.asarray(document.convert("RGB"), np.uint8)
    tilt_x, tilt_y = pose.tilt_xy
    quad = _projected_corners(dw * scale, dh * scale, tilt_x, tilt_y, pose.roll_deg, max(dw, dh) * pose.focal)
    span = quad.max(axis=0) - quad.min(axis=0)
    fw = round(span[0] / pose.fill)
    fh = max(round(fw * 3 / 4), round(span[1] / 0.85))
    # The whole document stays in the frame (a cut-off document is a different test).
    centre = np.array([
        rng.uniform(span[0] / 2 + 0.02 * fw, fw - span[0] / 2 - 0.02 * fw),
        rng.uniform(span[1] / 2 + 0.02 * fh, fh - span[1] / 2 - 0.02 * fh),
    ])
    quad = quad + centre - (quad.max(axis=0) + quad.min(axis=0)) / 2

    src = np.array([[0, 0], [dw, 0], [dw, dh], [0, dh]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(doc, matrix, (fw, fh), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    mask = cv2.warpPerspective(np.full((dh, dw), 255, np.uint8), matrix, (fw, fh), flags=cv2.INTER_LINEAR)

    desk = np.asarray(_desk((fw, fh), rng), np.float32)
    shadow = cv2.GaussianBlur(mask, (0, 0), sigmaX=max(3.0, fw / 120))
    shift = np.float32([[1, 0, rng.uniform(-1, 1) * fw / 150], [0, 1, rng.uniform(0.3, 1) * fh / 110]])
    shadow = cv2.warpAffine(shadow, shift, (fw, fh)).astype(np.float32) / 255
    desk = desk * (1 - 0.45 * shadow[..., None])
    alpha = mask.astype(np.float32)[..., None] / 255
    arr = warped.astype(np.float32) * alpha + desk * (1 - alpha)

    # Uneven light: a lamp on one side plus a soft blotchy falloff.
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    lamp_x, lamp_y = rng.uniform(-0.3, 1.3) * fw, rng.uniform(-0.3, 1.3) * fh
    distance = np.hypot(xx - lamp_x, yy - lamp_y) / math.hypot(fw, fh)
    light = 1.08 - rng.uniform(0.25, 0.45) * distance + 0.12 * (smooth_noise(rng, (fw, fh), 4) - 0.5)
    cast = np.array([rng.uniform(0.94, 1.04), rng.uniform(0.96, 1.02), rng.uniform(0.9, 1.04)], np.float32)
    arr = arr * np.clip(light, 0.55, 1.15)[..., None] * cast
    if rng.random() < 0.6:  # glare from a ceiling light on the laminate
        cx, cy = rng.uniform(quad[:, 0].min(), quad[:, 0].max()), rng.uniform(quad[:, 1].min(), quad[:, 1].max())
        rx, ry = rng.uniform(0.05, 0.14) * fw, rng.uniform(0.04, 0.1) * fh
        strength = rng.uniform(0.25, 0.6)
        glare = np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2)) * strength * alpha[..., 0]
        arr = arr * (1 - glare[..., None]) + 255 * glare[..., None]
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(1.5, 4.5), arr.shape)
    img = Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.1)))
    return _encode(img, pose.jpeg_quality)


CAPTURE_FUNCTIONS = {"clean": clean, "degraded": degraded, "photo": photo}
