"""Find a face in an image and describe it: box, 68 landmarks, 128-d descriptor, yaw.

dlib's HOG frontal face detector, its 68-point shape predictor and its ResNet face recognition
model (LFW 99.38 % as published by dlib), from the files the ``face-recognition-models`` package
ships. The three models are loaded once per process, on first use or at worker start
(:func:`warm_up`), like the OCR engine; dlib's objects are safe to call from several threads once
loaded.

Nothing here logs or keeps an image, a landmark or a descriptor: they are biometric data.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

# Detection runs on a copy whose longer side is at most this (a phone selfie is 3000+ px; the
# HOG detector finds faces of 80 px and up, so 1000 px keeps faces of 8 % of the frame findable
# at a fraction of the cost). Landmarks and the descriptor are computed on the same copy.
DETECT_MAX_SIDE = 1000
# Below this the detector is run on a 2x upsampled copy (a document portrait can be ~150 px).
UPSAMPLE_BELOW_SIDE = 500
# The side of the grey thumbnail of the face kept to compare frames (near-identical frames).
SIGNATURE_SIDE = 24

_lock = threading.Lock()
_models: tuple | None = None


class FaceImageError(ValueError):
    """The bytes are not an image the engine can decode."""


@dataclass(frozen=True)
class FaceAnalysis:
    """The largest face found in one image.

    ``box`` is (left, top, right, bottom) in the pixels of the image as given (after its EXIF
    orientation is applied). ``yaw`` is in degrees, estimated from the landmarks: positive when the
    nose is towards the image's right, i.e. the person turned to their own left in a frame that
    is not mirrored. ``signature`` is a small grey thumbnail of the face box (values 0..1) to tell
    near-identical frames apart. ``faces_found`` counts every face detected.
    """

    box: tuple[int, int, int, int]
    landmarks: tuple[tuple[int, int], ...]
    descriptor: tuple[float, ...]
    yaw: float
    signature: tuple[float, ...]
    faces_found: int


def _load():
    import dlib
    import face_recognition_models as files

    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(files.pose_predictor_model_location()),
        dlib.face_recognition_model_v1(files.face_recognition_model_location()),
    )


def models():
    """(detector, shape predictor, descriptor model), loaded once per process."""
    global _models
    if _models is None:
        with _lock:
            if _models is None:
                _models = _load()
    return _models


def warm_up() -> None:
    """Load the models now (at worker start) rather than on the first check."""
    models()


def decode(image: bytes) -> np.ndarray:
    """RGB pixels of an encoded image, turned as its EXIF orientation says."""
    try:
        with Image.open(io.BytesIO(image)) as opened:
            upright = ImageOps.exif_transpose(opened)
            return np.asarray(upright.convert("RGB"))
    except Exception as exc:  # Pillow raises several types for bad input
        raise FaceImageError("The image could not be decoded.") from exc


def yaw_from_landmarks(points) -> float:
    """Yaw in degrees from 68 landmarks: where the nose lies between the two sides of the jaw.

    A frontal face has its nose (bridge and tip, points 27-30 and 33) half way between the jaw's
    sides at eye level (points 0-2 and 14-16); turned, the near side of the face widens in the image and the far side
    narrows, so the nose moves towards the far side. ``asin`` of the offset (-1..1) is a rough
    angle (the face is not a cylinder), good for telling a turn from none, not for measuring it.
    """
    # Means of several points: one landmark of a small face jumps by a pixel or two.
    left_x = sum(points[i][0] for i in (0, 1, 2)) / 3.0
    right_x = sum(points[i][0] for i in (14, 15, 16)) / 3.0
    nose_x = sum(points[i][0] for i in (27, 28, 29, 30, 33)) / 5.0
    width = right_x - left_x
    if width <= 0:
        return 0.0
    offset = (nose_x - (left_x + right_x) / 2.0) / (width / 2.0)
    return math.degrees(math.asin(max(-1.0, min(1.0, offset))))


def _signature(grey: np.ndarray, box: tuple[int, int, int, int]) -> tuple[float, ...]:
    import cv2

    left, top, right, bottom = box
    crop = grey[max(top, 0):max(bottom, 1), max(left, 0):max(right, 1)]
    if crop.size == 0:
        return ()
    small = cv2.resize(crop, (SIGNATURE_SIDE, SIGNATURE_SIDE), interpolation=cv2.INTER_AREA)
    return tuple(float(v) / 255.0 for v in small.reshape(-1))


def analyse(image: bytes | np.ndarray) -> FaceAnalysis | None:
    """The largest face in ``image`` (encoded bytes or RGB pixels), or None when there is none.

    Raises :class:`FaceImageError` for bytes that are not an image.
    """
    import cv2

    pixels = decode(image) if isinstance(image, (bytes, bytearray, memoryview)) else np.asarray(image)
    height, width = pixels.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / max(height, width))
    working = pixels if scale == 1.0 else cv2.resize(
        pixels, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    working = np.ascontiguousarray(working)
    detector, predictor, describer = models()
    upsample = 1 if max(working.shape[:2]) < UPSAMPLE_BELOW_SIDE else 0
    faces, scores, _kinds = detector.run(working, upsample, 0.0)
    if not faces:
        return None
    # The most face-like detection, not the largest: a badge or a hand is found now and then
    # (weakly), and may be bigger than the face.
    rect = faces[max(range(len(faces)), key=lambda i: scores[i])]
    shape = predictor(working, rect)
    descriptor = describer.compute_face_descriptor(working, shape)
    points = [(shape.part(i).x, shape.part(i).y) for i in range(shape.num_parts)]
    grey = cv2.cvtColor(working, cv2.COLOR_RGB2GRAY)
    box = (rect.left(), rect.top(), rect.right(), rect.bottom())
    signature = _signature(grey, box)
    back = 1.0 / scale
    return FaceAnalysis(
        box=tuple(int(round(v * back)) for v in box),
        landmarks=tuple((int(round(x * back)), int(round(y * back))) for x, y in points),
        descriptor=tuple(float(v) for v in descriptor),
        yaw=round(yaw_from_landmarks(points), 1),
        signature=signature,
        faces_found=len(faces),
    )


def face_crop(image: bytes, box: tuple[int, int, int, int], *, margin: float = 0.35, max_side: int = 320) -> bytes:
    """A JPEG of the face box with a margin around it, for the reviewer's side-by-side view."""
    pixels = decode(image)
    height, width = pixels.shape[:2]
    left, top, right, bottom = box
    pad_x, pad_y = (right - left) * margin, (bottom - top) * margin
    crop = Image.fromarray(pixels[
        max(0, int(top - pad_y * 1.3)):min(height, int(bottom + pad_y)),
        max(0, int(left - pad_x)):min(width, int(right + pad_x)),
    ])
    crop.thumbnail((max_side, max_side))
    out = io.BytesIO()
    crop.save(out, format="JPEG", quality=88)
    return out.getvalue()


def distance(a, b) -> float:
    """Euclidean distance between two descriptors (dlib's own measure; 0.6 is its published threshold)."""
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))
