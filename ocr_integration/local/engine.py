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

REC_MIN_WIDTH = 64
# Short side the detector works at (rapidocr scales smaller images up to it). Detection cost
# grows with the pixel count; the crops for recognition are still cut from the full image.
DET_SHORT_SIDE = int(os.environ.get("LOCAL_OCR_DET_SIDE", "608"))
# Reads that run at once in this worker (its pool's concurrency), told by the worker at start
# (kyc/celery.py) before it forks its pool; 1 outside a worker.
_concurrent_reads = 1


def share_cores_among(concurrent_reads: int) -> None:
    """Tell the engine how many reads this worker runs at once, before the engine is built."""
    global _concurrent_reads
    _concurrent_reads = max(1, int(concurrent_reads))


def inference_threads() -> int:
    """Intra-op threads of each inference session: ``LOCAL_OCR_THREADS`` if set, else this
    machine's cores divided among the reads that run at once (at least 1).

    onnxruntime's default is one thread per core in every process: two pool processes on two
    cores then run four threads that wait for each other at every operator, and a read costs
    about 1.5x its single-thread CPU time (issue 21, bench/local_ocr.py).
    """
    configured = os.environ.get("LOCAL_OCR_THREADS", "").strip()
    if configured:
        return max(1, int(configured))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // _concurrent_reads)


def _session_options(cfg):
    """rapidocr's session options, with our thread count and without spinning.

    rapidocr 3.x builds its own ``SessionOptions`` and exposes no way to set session config
    entries, so its builder is wrapped. Spinning intra-op threads busy-wait for work between
    operators: they burn a core another process's read needs.
    """
    options = _rapidocr_session_options(cfg)
    options.intra_op_num_threads = inference_threads()
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


_rapidocr_session_options = None


def engine():
    """The process-wide RapidOCR instance (created on first call, thread-safe)."""
    global _engine, _rapidocr_session_options
    if _engine is None:
        with _lock:
            if _engine is None:
                from rapidocr import RapidOCR
                from rapidocr.inference_engine.onnxruntime.main import OrtInferSession

                if _rapidocr_session_options is None:
                    _rapidocr_session_options = OrtInferSession._init_sess_opts
                    OrtInferSession._init_sess_opts = staticmethod(_session_options)

                params = {
                    "Global.log_level": "error",
                    # The direction classifier flips '<'-heavy MRZ lines upside down.
                    "Global.use_cls": False,
                    # Batches are padded to their widest line but to no less than this: the
                    # default (320) quadruples the cost of the many short words on a page.
                    "Rec.rec_img_shape": [3, 48, REC_MIN_WIDTH],
                    "Det.limit_side_len": DET_SHORT_SIDE,
                    # rapidocr turns onnxruntime's memory arena off. Without it every inference
                    # allocates and frees its activations (tens of MB for the detector's page)
                    # and the fresh pages are faulted in and zeroed each time: about 8 % of
                    # the detector's CPU per page. The arena reuses them; the arithmetic, and so
                    # every reading, is bit for bit the same (docs/performance.md 6b). It keeps
                    # the largest activations, about 0.2 GB more per process; bounded, since the
                    # detector's input is capped at DET_SHORT_SIDE and a line crop's height at 48.
                    "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
                }
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
    logger.info("local OCR engine warmed up in %.2f s (%d inference threads)", elapsed, inference_threads())
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
