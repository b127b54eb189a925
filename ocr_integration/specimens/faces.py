"""Face specimens: document portraits, selfies and liveness bursts of real, public-domain faces.

Only faces that a registry package ships and that are in the public domain:

- ``collins``: Eileen Collins, NASA astronaut, official NASA portrait (NASA images are not
  copyrighted); shipped by scikit-image as ``skimage.data.astronaut()``.
- ``hopper``: Rear Admiral Grace Hopper, official U.S. Navy portrait (a work of the U.S. federal
  government, public domain); shipped by matplotlib as ``mpl-data/sample_data/grace_hopper.jpg``.

Both packages are in the ``test`` extra. Two identities, one photograph each: every "selfie" of a
person is that photograph changed (pose by rotation and a horizontal warp, light, scale, crop,
JPEG), so a match between a selfie and a portrait here shows the engine survives those changes,
not that it recognises a person across years, cameras and expressions; a non-match shows two
different women are told apart, not a false match rate. docs/specimens.md says more.

A liveness burst is one photograph warped frame by frame: the half of the face the head turns
away from is narrowed and the other widened about the nose, which moves the landmarks as a turn
does (the engine's yaw follows it), with a little shift, light change and sensor noise per frame.
That is a rendered turn, not a filmed one (no real head-turn video ships in a registry package):
it exercises the rules, it says nothing about how real bursts from real phones score.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from ocr_integration.documents.kinds import DocumentKind

IDENTITIES = ("collins", "hopper")
# The side carrying the holder's photo, per document type's portrait kind.
PORTRAIT_KINDS = (DocumentKind.PASSPORT, DocumentKind.EMIRATES_ID_FRONT, DocumentKind.CN_ID_PORTRAIT)
# The specimen renderer's photo box outline colour (ocr_integration/specimens/render.py:_photo).
_PHOTO_OUTLINE = (150, 150, 160)


class FaceSourceMissing(RuntimeError):
    """The package that ships a face is not installed (it is in the ``test`` extra)."""


def face_photo(identity: str) -> Image.Image:
    """The public-domain photograph of ``identity`` (RGB)."""
    if identity == "collins":
        try:
            from skimage import data
        except ImportError as exc:
            raise FaceSourceMissing("scikit-image is needed for the 'collins' face (pip install -e .)") from exc
        return Image.fromarray(data.astronaut()).convert("RGB")
    if identity == "hopper":
        try:
            import matplotlib
        except ImportError as exc:
            raise FaceSourceMissing("matplotlib is needed for the 'hopper' face (pip install -e .[test])") from exc
        path = Path(matplotlib.__file__).parent / "mpl-data" / "sample_data" / "grace_hopper.jpg"
        with Image.open(path) as opened:
            return opened.convert("RGB")
    raise ValueError(f"unknown face identity {identity!r} (known: {', '.join(IDENTITIES)})")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


# Where each photo's face is (left, top, right, bottom), measured once with the engine, so that the
# generator needs no face engine: the crops and warps are centred on it.
_FACE_BOXES = {"collins": (179, 83, 266, 170), "hopper": (161, 137, 376, 352)}


def _head_crop(identity: str, photo: Image.Image, aspect: float) -> Image.Image:
    """Head and shoulders around the face, ``aspect`` = height / width, as a portrait is framed."""
    left, top, right, bottom = _FACE_BOXES[identity]
    cx, cy = (left + right) / 2, (top + bottom) / 2 + (bottom - top) * 0.1
    half_w = (right - left) * 1.0
    half_h = half_w * aspect
    box = (max(0, cx - half_w), max(0, cy - half_h), min(photo.width, cx + half_w), min(photo.height, cy + half_h))
    return photo.crop(tuple(round(v) for v in box))


@dataclass(frozen=True)
class FaceSpecimen:
    identity: str
    image: bytes
    content_type: str
    description: str


def document_with_portrait(kind: DocumentKind | str, seed: int, identity: str) -> FaceSpecimen:
    """A specimen document (``generate_specimen``) whose photo box shows ``identity``'s face."""
    from ocr_integration.specimens import generate_specimen

    kind = DocumentKind(kind)
    if kind not in PORTRAIT_KINDS:
        raise ValueError(f"{kind} carries no portrait")
    specimen = generate_specimen(kind, seed)
    with Image.open(io.BytesIO(specimen.image)) as opened:
        page = opened.convert("RGB")
    pixels = np.asarray(page)
    ys, xs = np.nonzero(np.all(pixels == _PHOTO_OUTLINE, axis=2))
    if len(xs) == 0:
        raise RuntimeError("the specimen's photo box was not found")
    left, top, right, bottom = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    head = _head_crop(identity, face_photo(identity), (bottom - top) / (right - left))
    page.paste(head.resize((right - left, bottom - top), Image.Resampling.LANCZOS), (left, top))
    return FaceSpecimen(identity, _jpeg(page, 90), "image/jpeg", f"{kind.value} seed {seed} with {identity}'s portrait")


def selfie(identity: str, variant: int) -> FaceSpecimen:
    """A selfie of ``identity``: the photograph with pose, light, scale and JPEG changed
    (``variant`` seeds them; variant 0 is the photograph as it is, re-encoded)."""
    rng = random.Random(f"kyc-face-selfie:{identity}:{variant}")
    photo = face_photo(identity)
    if variant:
        photo = photo.rotate(rng.uniform(-12, 12), resample=Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))
        photo = _turned(photo, _FACE_BOXES[identity], rng.uniform(-0.2, 0.2))
        photo = ImageEnhance.Brightness(photo).enhance(rng.uniform(0.65, 1.3))
        photo = ImageEnhance.Contrast(photo).enhance(rng.uniform(0.75, 1.2))
        scale = rng.uniform(0.6, 1.6)
        photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.BICUBIC)
    quality = rng.choice((55, 70, 85, 95)) if variant else 92
    return FaceSpecimen(identity, _jpeg(photo, quality), "image/jpeg", f"selfie of {identity}, variant {variant}")


def _turned(photo: Image.Image, face_box: tuple[int, int, int, int], turn: float) -> Image.Image:
    """The face as if turned: columns left of the face's centre line are narrowed and right of it
    widened (``turn`` > 0, the nose moves to the image's right: the person's own left), smoothly
    back to unchanged at the face's edges and beyond."""
    if abs(turn) < 1e-6:
        return photo
    left, _top, right, _bottom = face_box
    centre = (left + right) / 2
    half = (right - left) / 2
    width = photo.width
    # Inverse map: for each output column, the source column. The middle of the face (the nose)
    # shifts by turn*half, fading to nothing at the face's edges (a raised-cosine bump), so the
    # jaw stays where it was as the nose moves towards it; the slope stays below 1 (monotone).
    xs = np.arange(width, dtype=np.float32)
    reach = 1.1 * half
    bump = np.where(np.abs(xs - centre) < reach, 0.5 * (1 + np.cos(np.pi * (xs - centre) / reach)), 0.0)
    source_x = xs - turn * half * bump
    import cv2

    map_x = np.tile(source_x, (photo.height, 1)).astype(np.float32)
    map_y = np.tile(np.arange(photo.height, dtype=np.float32)[:, None], (1, width))
    warped = cv2.remap(np.asarray(photo), map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return Image.fromarray(warped)


# How far each photo's warp goes: beyond it the detector re-centres on the warped features (and
# for ``collins`` at 0.6 prefers a badge to the face), and the landmarks stop following.
_BURST_TURN = {"collins": 0.45, "hopper": 0.38}


@dataclass(frozen=True)
class BurstFrame:
    index: int
    offset_ms: int
    image: bytes
    content_type: str = "image/jpeg"


def liveness_burst(identity: str, challenge: str = "turn_left_then_right", *, frames: int = 10, seed: int = 0,
                   turn: float | None = None) -> list[BurstFrame]:
    """``frames`` frames over about 3 s of ``identity`` turning as ``challenge`` asks (left is the
    person's own left, shown to the right of a frame that is not mirrored)."""
    rng = random.Random(f"kyc-face-burst:{identity}:{challenge}:{seed}")
    turn = _BURST_TURN[identity] if turn is None else turn
    photo = face_photo(identity)
    first = 1.0 if challenge == "turn_left_then_right" else -1.0
    out = []
    for i in range(frames):
        phase = i / (frames - 1)
        # Centre -> first side -> centre -> other side -> centre, one sine period.
        amount = first * turn * math.sin(2 * math.pi * phase)
        frame = _turned(photo, _FACE_BOXES[identity], amount)
        dx, dy = rng.randint(-6, 6), rng.randint(-6, 6)
        frame = frame.transform(frame.size, Image.Transform.AFFINE, (1, 0, dx, 0, 1, dy), resample=Image.Resampling.BILINEAR)
        frame = ImageEnhance.Brightness(frame).enhance(rng.uniform(0.9, 1.1))
        noisy = np.asarray(frame).astype(np.int16) + np.random.default_rng(rng.randint(0, 2**31)).integers(-6, 7, (frame.height, frame.width, 3))
        frame = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
        out.append(BurstFrame(i, round(phase * 3000), _jpeg(frame, 85)))
    return out


def replayed_still_burst(identity: str, *, frames: int = 10) -> list[BurstFrame]:
    """The spoof: one still sent as every frame of the burst (a printed photo or a replayed image)."""
    still = selfie(identity, 0).image
    return [BurstFrame(i, round(i * 3000 / (frames - 1)), still) for i in range(frames)]


def held_photo_burst(identity: str, *, frames: int = 10, seed: int = 0) -> list[BurstFrame]:
    """The subtler spoof: a photo held to the camera, so each frame differs (shift, light, noise)
    but the face never turns."""
    rng = random.Random(f"kyc-face-held:{identity}:{seed}")
    photo = face_photo(identity)
    out = []
    for i in range(frames):
        dx, dy = rng.randint(-10, 10), rng.randint(-10, 10)
        frame = photo.transform(photo.size, Image.Transform.AFFINE, (1, 0, dx, 0, 1, dy), resample=Image.Resampling.BILINEAR)
        frame = ImageEnhance.Brightness(frame).enhance(rng.uniform(0.85, 1.15))
        out.append(BurstFrame(i, round(i * 3000 / (frames - 1)), _jpeg(frame, 80)))
    return out
