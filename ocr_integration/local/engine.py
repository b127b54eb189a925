"""The rapidocr engine, loaded once per process, and the two operations the reader needs.

rapidocr 3.x ships its PP-OCR ONNX models in the wheel, so nothing is downloaded at run time as long
as the default models are used. It loads them lazily on first use; :func:`warm_up` forces that at
worker start so no applicant waits for it (about 0.5-0.8 GB per process).
"""

from __future__ import annotations

import logging
import os
import threading
import time

import cv2
import numpy as np

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_engine = None

# Inference threads per process (LOCAL_OCR_THREADS; unset: one per CPU this process may run on).
# A Celery worker running one read per core is fastest with 1: threads of one read fight over
# the same cores otherwise. onnxruntime's own default counts the machine's cores and ignores the
# process's CPU affinity: pinned to one core it ran two threads that took turns spinning, and a
# read cost 1.2 s of CPU instead of 0.8 s (bench/ocr_families.py, 2026-12-06).
REC_MIN_WIDTH = 64
# Short side the detector works at (rapidocr scales smaller images up to it). Detection cost
# grows with the pixel count; the crops for recognition are still cut from the full image.
DET_SHORT_SIDE = int(os.environ.get("LOCAL_OCR_DET_SIDE", "608"))
THREADS = int(os.environ.get("LOCAL_OCR_THREADS", "0") or 0)


def engine():
    """The process-wide RapidOCR instance (created on first call, thread-safe)."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                from rapidocr import RapidOCR

                params = {
                    "Global.log_level": "error",
                    # The direction classifier flips '<'-heavy MRZ lines upside down.
                    "Global.use_cls": False,
                    # Batches are padded to their widest line but to no less than this: the
                    # default (320) quadruples the cost of the many short words on a page.
                    "Rec.rec_img_shape": [3, 48, REC_MIN_WIDTH],
                    "Det.limit_side_len": DET_SHORT_SIDE,
                }
                # Counted when the engine is made: a process may be pinned after import.
                threads = THREADS or len(os.sched_getaffinity(0))
                if threads > 0:
                    params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
                    params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
                _engine = RapidOCR(params=params)
    return _engine


def warm_up() -> float:
    """Load the detection and recognition models now; returns the seconds it took."""
    started = time.perf_counter()
    blank = np.full((64, 256, 3), 255, dtype=np.uint8)
    blank[20:44, 20:236] = 0
    detect(blank)
    recognise([blank[16:48, 10:246]])
    elapsed = time.perf_counter() - started
    logger.info("local OCR engine warmed up in %.2f s", elapsed)
    return elapsed


def detect(image: np.ndarray) -> list[np.ndarray]:
    """Text-line quadrilaterals (4 x 2 float arrays, clockwise from top left) in a BGR image."""
    h, w = image.shape[:2]
    factor = min(1.0, DET_SHORT_SIDE / min(h, w))
    small = image if factor == 1.0 else cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA)
    result = engine()(small, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(result, "boxes", None)
    if boxes is None:
        return []
    return [np.asarray(b, dtype=np.float32) / factor for b in boxes]


def recognise(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """Text and score (0..1) for each single-line BGR crop, batched."""
    if not crops:
        return []
    from rapidocr.ch_ppocr_rec.typings import TextRecInput

    recogniser = engine()._load_rec_model()
    output = recogniser(TextRecInput(img=list(crops)))
    texts = output.txts or ()
    scores = output.scores or ()
    return [(str(t), float(s)) for t, s in zip(texts, scores, strict=True)]
