"""The instant quality gate (kyc/uploads/capture_quality.py) on generated good and bad captures.

    .venv/bin/python bench/quality_gate.py                 # 30 good and 30 bad per kind
    .venv/bin/python bench/quality_gate.py --per-kind 10   # quicker

Issue 14, point 1. Good captures: every layout family of ``ocr_integration.specimens.families``
(tuning and held-out), through its three captures (clean scan, degraded scan, phone photo on a
desk with tilt, uneven light and sometimes mild glare). Bad captures, made from good ones or from
nothing, in equal shares:

- ``blur``: the good capture under a Gaussian blur of 0.3-0.8 % of its long side (out of focus);
- ``glare``: a burnt-out ellipse (a flash or lamp on the laminate) over 3-8 % of the photo;
- ``crop``: 20-35 % of the photo cut off one side (the document runs out of the frame);
- ``wrong_side``: the other side of the card (Emirates ID, Chinese ID), or an ID card side
  given as a passport page;
- ``not_a_document``: uniform noise, a plain colour square, an empty desk, a colour gradient.

Reported: the share of bad captures refused (per kind of badness), the share of good captures
refused (with each refusal's reason), warnings on good ones, and the time per image (measure and
judge, decoding included). Targets (the issue): >= 95 % of bad refused, <= 1 % of good refused,
< 2 s per image.

Figures (``--per-kind 20``: 100 good, 100 bad, on the shared 2-core machine, 2026-12-06):
bad refused 77/100 = 77 % (blur 20/20, glare 20/20, not a document 19/20, crop 9/20, wrong side
9/20); good refused 1/100 = 1 % (one passport photo taken as cut off); good with a warning: 7
(MRZ not found) + 4 (near an edge); median 84 ms, max 613 ms per image. So: blur, glare, non-
documents and speed meet the targets; cut-off pages and wrong sides do not yet. A missing MRZ only
warns (small MRZ print in distant photos is missed by the line measure: refusing would refuse ~7 %
of good photos), and a crop is seen only when it cuts through printed lines. Next: find the
document's outline (corners in frame) and use the engine's text detector for the MRZ band.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from kyc.uploads.capture_quality import check_capture  # noqa: E402
from ocr_integration.specimens.families import CAPTURES, FAMILIES, render  # noqa: E402
from ocr_integration.specimens.families import capture as family_capture  # noqa: E402

KINDS = ["passport", "emirates_id_front", "emirates_id_back", "cn_id_portrait", "cn_id_emblem"]
OTHER_SIDE = {
    "emirates_id_front": "emirates_id_back", "emirates_id_back": "emirates_id_front",
    "cn_id_portrait": "cn_id_emblem", "cn_id_emblem": "cn_id_portrait",
}


def _png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=85)
    return out.getvalue()


def _rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def good_capture(kind: str, index: int) -> bytes:
    families = sorted(f.name for f in FAMILIES.values() if kind in f.kinds)
    return render(kind, families[index % len(families)], 100 + index, capture=CAPTURES[index % len(CAPTURES)]).image


def bad_capture(kind: str, index: int, rng: random.Random) -> tuple[str, bytes]:
    badness = ["blur", "glare", "crop", "wrong_side", "not_a_document"][index % 5]
    rgb = _rgb(good_capture(kind, 1000 + index))
    h, w = rgb.shape[:2]
    if badness == "blur":
        return badness, _png(cv2.GaussianBlur(rgb, (0, 0), max(h, w) * rng.uniform(0.003, 0.008)))
    if badness == "glare":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        cx, cy = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
        rx, ry = rng.uniform(0.15, 0.25) * w, rng.uniform(0.12, 0.2) * h
        light = np.clip(1.6 * np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2)), 0, 1)[..., None]
        return badness, _png(np.clip(rgb * (1 - light) + 255 * light, 0, 255).astype(np.uint8))
    if badness == "crop":
        cut = rng.uniform(0.2, 0.35)
        side = rng.randrange(4)
        cropped = [rgb[:, int(w * cut):], rgb[:, : int(w * (1 - cut))], rgb[int(h * cut):], rgb[: int(h * (1 - cut))]][side]
        return badness, _png(np.ascontiguousarray(cropped))
    if badness == "wrong_side":
        other = OTHER_SIDE.get(kind) or rng.choice(["emirates_id_front", "cn_id_portrait", "cn_id_emblem"])
        return badness, good_capture(other, 2000 + index)
    size = (rng.randint(700, 1400), rng.randint(700, 1400))
    choice = index // 5 % 4
    if choice == 0:
        noise = np.random.default_rng(index).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        return badness, _png(noise)
    if choice == 1:
        return badness, _png(np.full((size[1], size[0], 3), [rng.randrange(256) for _ in range(3)], np.uint8))
    if choice == 2:
        return badness, _png(np.asarray(family_capture._desk(size, rng).convert("RGB")))
    ramp = np.linspace(0, 1, size[0], dtype=np.float32)[None, :, None]
    a, b = np.array([rng.randrange(256) for _ in range(3)]), np.array([rng.randrange(256) for _ in range(3)])
    return badness, _png(np.broadcast_to(a + (b - a) * ramp, (size[1], size[0], 3)).astype(np.uint8))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=30, help="good and bad captures per kind")
    args = parser.parse_args()
    rng = random.Random(14)
    timings: list[float] = []
    good_refused: Counter = Counter()
    good_warned: Counter = Counter()
    good_total = 0
    bad_total: Counter = Counter()
    bad_refused: Counter = Counter()
    missed: list[str] = []
    for kind in KINDS:
        for index in range(args.per_kind):
            data = good_capture(kind, index)
            started = time.perf_counter()
            result = check_capture(data, kind=kind)
            timings.append(time.perf_counter() - started)
            good_total += 1
            if result.refused:
                good_refused[(kind, result.refused.code, result.refused.detail)] += 1
            for warning in result.warnings:
                good_warned[warning.code] += 1
            badness, data = bad_capture(kind, index, rng)
            started = time.perf_counter()
            result = check_capture(data, kind=kind)
            timings.append(time.perf_counter() - started)
            bad_total[badness] += 1
            if result.refused:
                bad_refused[badness] += 1
            else:
                missed.append(f"{kind}/{badness}#{index} {result.measures}")
    bad_sum, bad_refused_sum = sum(bad_total.values()), sum(bad_refused.values())
    print(f"bad captures refused:  {bad_refused_sum}/{bad_sum} = {100 * bad_refused_sum / bad_sum:.1f} %  (target >= 95 %)")
    for badness in sorted(bad_total):
        print(f"  {badness:<15} {bad_refused[badness]}/{bad_total[badness]}")
    refused = sum(good_refused.values())
    print(f"good captures refused: {refused}/{good_total} = {100 * refused / good_total:.1f} %  (target <= 1 %)")
    for (kind, code, detail), count in sorted(good_refused.items()):
        print(f"  {kind} {code} {detail}: {count}")
    print(f"good captures with a warning: {dict(good_warned)}")
    print(f"time per image: median {1000 * statistics.median(timings):.0f} ms, max {1000 * max(timings):.0f} ms  (target < 2000 ms)")
    for line in missed[:15]:
        print("  missed:", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
