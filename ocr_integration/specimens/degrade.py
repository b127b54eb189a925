"""Capture damage: what a phone camera or a cheap scanner does to a document image."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .model import Degradation

# Named presets; "degraded" is the set the accuracy targets are stated for (as in the measured
# findings: JPEG ~60, some blur and noise, up to 3 degrees, 55-80 % scale).
PRESETS = ("light", "degraded", "heavy")


def preset(name: str, rng: random.Random) -> Degradation:
    if name == "light":
        return Degradation(
            jpeg_quality=rng.randint(75, 90), blur_radius=rng.uniform(0, 0.6),
            noise_sigma=rng.uniform(0, 4), rotation_deg=rng.uniform(-1.5, 1.5),
            perspective=rng.uniform(0, 0.015), scale=rng.uniform(0.8, 1.0),
        )
    if name == "degraded":
        return Degradation(
            jpeg_quality=rng.randint(55, 75), blur_radius=rng.uniform(0.3, 1.2),
            noise_sigma=rng.uniform(2, 8), rotation_deg=rng.uniform(-3, 3),
            perspective=rng.uniform(0, 0.03), scale=rng.uniform(0.55, 0.8),
            glare=rng.choice((0.0, 0.0, rng.uniform(0.2, 0.45))),
        )
    if name == "heavy":
        return Degradation(
            jpeg_quality=rng.randint(35, 55), blur_radius=rng.uniform(1.0, 2.0),
            noise_sigma=rng.uniform(6, 14), rotation_deg=rng.uniform(-6, 6),
            perspective=rng.uniform(0.02, 0.06), scale=rng.uniform(0.4, 0.6),
            glare=rng.uniform(0.3, 0.6),
        )
    raise ValueError(f"unknown degradation preset {name!r}; choose one of {', '.join(PRESETS)}")


def _perspective_coeffs(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output points ``dst`` to input ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for point in src for c in point], dtype=float)
    return list(np.linalg.solve(a, b))


def apply(img: Image.Image, d: Degradation, rng: random.Random, background: tuple[int, int, int]) -> Image.Image:
    w, h = img.size
    if d.perspective:
        shift = d.perspective * min(w, h)
        corners = [(0, 0), (w, 0), (w, h), (0, h)]
        moved = [(x + rng.uniform(-shift, shift), y + rng.uniform(-shift, shift)) for x, y in corners]
        img = img.transform(
            (w, h), Image.Transform.PERSPECTIVE, _perspective_coeffs(moved, corners),
            resample=Image.Resampling.BICUBIC, fillcolor=background,
        )
    if d.rotation_deg:
        img = img.rotate(d.rotation_deg, resample=Image.Resampling.BICUBIC, fillcolor=background)
    if d.glare:
        overlay = Image.new("L", (w, h), 0)
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        rx, ry = rng.uniform(0.1, 0.25) * w, rng.uniform(0.08, 0.2) * h
        ImageDraw.Draw(overlay).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=round(255 * d.glare))
        overlay = overlay.filter(ImageFilter.GaussianBlur(radius=min(rx, ry) / 2))
        img = Image.composite(Image.new("RGB", (w, h), (255, 255, 250)), img, overlay)
    if d.blur_radius:
        img = img.filter(ImageFilter.GaussianBlur(radius=d.blur_radius))
    if d.noise_sigma:
        noise_rng = np.random.default_rng(rng.randrange(2**32))
        arr = np.asarray(img, dtype=np.float32)
        arr = arr + noise_rng.normal(0, d.noise_sigma, arr.shape)
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if d.scale != 1.0:
        img = img.resize((max(1, round(w * d.scale)), max(1, round(h * d.scale))), Image.Resampling.LANCZOS)
    return img


def encode(img: Image.Image, d: Degradation) -> tuple[bytes, str]:
    out = io.BytesIO()
    if d.jpeg_quality is None:
        img.save(out, format="PNG", optimize=False)
        return out.getvalue(), "image/png"
    img.save(out, format="JPEG", quality=d.jpeg_quality)
    return out.getvalue(), "image/jpeg"
