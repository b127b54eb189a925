"""The instant quality gate (kyc/uploads/capture_quality.py) on generated good and bad captures.

    .venv/bin/python bench/quality_gate.py                       # evaluation set, 30 good + 30 bad per kind
    .venv/bin/python bench/quality_gate.py --split tuning        # the set the thresholds were tuned on
    .venv/bin/python bench/quality_gate.py --split fresh         # seeds never looked at while tuning
    .venv/bin/python bench/quality_gate.py --per-kind 10         # quicker

Issue 14, point 1. Disjoint sets, so the figures are not read off the data the thresholds were
fitted to:

- ``tuning``: the *tuning* layout families of ``ocr_integration.specimens.families`` only, seeds
  from 100 (good) and 10 000 (bad). Thresholds were chosen looking at this set alone.
- ``evaluation`` (the default): seeds from 700 000 (good) and 800 000 (bad), every family, and the
  figures split into tuning families and *held-out* families (designs never looked at).
- ``fresh``: seeds from 3 000 000 (good) and 3 100 000 (bad), every family: added when the
  evaluation set's own misses had been read (it stopped being unseen); measured once, after the
  thresholds were fixed.

Good captures: each family through its three captures (clean scan, degraded scan, phone photo on
a desk with tilt, uneven light and sometimes mild glare). Bad captures, in equal shares:

- ``blur``: a good capture under a Gaussian blur of 0.3-0.8 % of its long side (out of focus);
- ``glare``: a burnt-out ellipse (a flash or lamp on the laminate) over 3-8 % of the photo;
- ``crop``: the frame cuts 12-30 % off the *document* on one side (two corners outside the
  photo). Where the document lies is found by capturing an all-white and an all-black page of the
  same size through the same capture and seed: cutting only the desk around it is no fault;
- ``wrong_side``: the other side of the card (Emirates ID, Chinese ID), or an ID card side given
  as a passport page;
- ``not_a_document``: uniform noise, a plain colour square, an empty desk, a colour gradient;

and, from a random stream of their own (so the five above stay the images they were), as many
of each as of each of the five:

- ``dark``: a capture in a dim room: the paper's white at 25-60 of 255, with gain noise;
- ``too_small``: a phone photo on a desk with the document spanning 18-35 % of the frame's width.

Crops are reported per edge cut (left, right, top, bottom), and every refusal by its reason.

Reported: the share of bad captures refused (per kind of badness), the share of good captures
refused (with each refusal's reason), warnings on good ones, and the time per image (measure and
judge, decoding included: what the applicant waits for). Targets (the issue): >= 95 % of bad
refused, <= 1 % of good refused, < 2 s per image. Figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
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
from ocr_integration.documents.kinds import DocumentKind  # noqa: E402
from ocr_integration.specimens.families import (  # noqa: E402
    CAPTURES,
    FAMILIES,
    held_out_families,
    render,
    tuning_families,
)
from ocr_integration.specimens.families import capture as family_capture  # noqa: E402

KINDS = ["passport", "emirates_id_front", "emirates_id_back", "cn_id_portrait", "cn_id_emblem"]
OTHER_SIDE = {
    "emirates_id_front": "emirates_id_back", "emirates_id_back": "emirates_id_front",
    "cn_id_portrait": "cn_id_emblem", "cn_id_emblem": "cn_id_portrait",
}
# The five kinds of badness of the first sets, drawn in this order from one random stream: kept
# as they were, so figures stay comparable with earlier runs. A crop is reported by the edge cut.
BADNESS = ["blur", "glare", "crop", "wrong_side", "not_a_document"]
CUT_SIDES = ["left", "right", "top", "bottom"]
# Added later, from their own random stream (the first five stay as they were): a photo taken in
# a dim room, and a document photographed from too far away.
EXTRA_BADNESS = ["dark", "too_small"]
# good seeds from, bad seeds from; the extra kinds use bad seeds + 50 000.
SPLITS = {"tuning": (100, 10_000), "evaluation": (700_000, 800_000), "fresh": (3_000_000, 3_100_000)}


def _jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=85)
    return out.getvalue()


def _rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def families_of(kind: str, split: str) -> list[str]:
    return tuning_families(kind) if split == "tuning" else tuning_families(kind) + held_out_families(kind)


def pick(kind: str, index: int, split: str) -> tuple[str, str]:
    """The family and capture of the index-th image of ``kind``: every pair in turn."""
    families = families_of(kind, split)
    return families[index % len(families)], CAPTURES[(index // len(families)) % len(CAPTURES)]


def good_capture(kind: str, index: int, split: str) -> tuple[str, bytes]:
    family, capture = pick(kind, index, split)
    return family, render(kind, family, SPLITS[split][0] + index, capture=capture).image


def _cut_document(kind: str, family: str, capture: str, seed: int, rng: random.Random) -> tuple[str, bytes]:
    """The capture with 12-30 % of the document itself outside the frame, on one side (named)."""
    document, _truth = FAMILIES[family].draw(DocumentKind(kind), seed, frozenset(), random.Random(f"gate:{family}:{kind}:{seed}"))
    shoot = family_capture.CAPTURE_FUNCTIONS[capture]
    image = _rgb(shoot(document, random.Random(seed))[0])
    white = _rgb(shoot(Image.new("RGB", document.size, "white"), random.Random(seed))[0]).astype(np.int16)
    black = _rgb(shoot(Image.new("RGB", document.size, "black"), random.Random(seed))[0]).astype(np.int16)
    ys, xs = np.nonzero(np.abs(white - black).mean(axis=2) > 80)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    cut = rng.uniform(0.12, 0.3)
    side = rng.randrange(4)
    if side == 0:
        image = image[:, int(x0 + cut * (x1 - x0)):]
    elif side == 1:
        image = image[:, : int(x1 - cut * (x1 - x0))]
    elif side == 2:
        image = image[int(y0 + cut * (y1 - y0)):]
    else:
        image = image[: int(y1 - cut * (y1 - y0))]
    return CUT_SIDES[side], _jpeg(np.ascontiguousarray(image))


def bad_capture(kind: str, index: int, split: str, rng: random.Random) -> tuple[str, bytes]:
    badness = BADNESS[index % len(BADNESS)]
    seed = SPLITS[split][1] + index
    family, capture = pick(kind, index // len(BADNESS) + index, split)
    if badness == "crop":
        side, data = _cut_document(kind, family, capture, seed, rng)
        return f"crop {side}", data
    if badness == "wrong_side":
        other = OTHER_SIDE.get(kind) or rng.choice(["emirates_id_front", "cn_id_portrait", "cn_id_emblem"])
        other_family = family if other in FAMILIES[family].kinds else rng.choice(families_of(other, split))
        return badness, render(other, other_family, seed, capture=capture).image
    if badness in ("blur", "glare"):
        rgb = _rgb(render(kind, family, seed, capture=capture).image)
        h, w = rgb.shape[:2]
        if badness == "blur":
            return badness, _jpeg(cv2.GaussianBlur(rgb, (0, 0), max(h, w) * rng.uniform(0.003, 0.008)))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        cx, cy = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
        rx, ry = rng.uniform(0.15, 0.25) * w, rng.uniform(0.12, 0.2) * h
        light = np.clip(1.6 * np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2)), 0, 1)[..., None]
        return badness, _jpeg(np.clip(rgb * (1 - light) + 255 * light, 0, 255).astype(np.uint8))
    size = (rng.randint(700, 1400), rng.randint(700, 1400))
    choice = index // len(BADNESS) % 4
    if choice == 0:
        return badness, _jpeg(np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))
    if choice == 1:
        return badness, _jpeg(np.full((size[1], size[0], 3), [rng.randrange(256) for _ in range(3)], np.uint8))
    if choice == 2:
        return badness, _jpeg(np.asarray(family_capture._desk(size, rng).convert("RGB")))
    ramp = np.linspace(0, 1, size[0], dtype=np.float32)[None, :, None]
    a, b = np.array([rng.randrange(256) for _ in range(3)]), np.array([rng.randrange(256) for _ in range(3)])
    return badness, _jpeg(np.broadcast_to(a + (b - a) * ramp, (size[1], size[0], 3)).astype(np.uint8))


def _dark(rgb: np.ndarray, rng: random.Random) -> bytes:
    """A photo in a dim room: the paper's white down to 25-60 of 255, with the noise of a camera
    that raised its gain to get even that."""
    white = max(1.0, float(np.percentile(rgb, 98)))
    dim = rgb.astype(np.float32) * (rng.uniform(25, 60) / white)
    noisy = dim + np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(2.5, 6), dim.shape)
    return _jpeg(np.clip(noisy, 0, 255).astype(np.uint8))


_USUAL_POSE = family_capture.photo_pose


def _far_pose(rng: random.Random) -> family_capture.PhotoPose:
    """A phone held too far away: the document spans 18-35 % of the frame's width."""
    pose = _USUAL_POSE(rng)
    return dataclasses.replace(pose, scale=rng.uniform(0.45, 0.8), fill=rng.uniform(0.18, 0.35))


def extra_bad_capture(kind: str, index: int, split: str, rng: random.Random) -> tuple[str, bytes]:
    """The index-th capture of the added kinds of badness (dark, too small), every family in turn."""
    badness = EXTRA_BADNESS[index % len(EXTRA_BADNESS)]
    seed = SPLITS[split][1] + 50_000 + index
    family, capture = pick(kind, index // len(EXTRA_BADNESS) + index, split)
    if badness == "dark":
        return badness, _dark(_rgb(render(kind, family, seed, capture=capture).image), rng)
    # Through the photo capture with a far pose (its own function picks the pose: swapped in
    # for this one call, and put back).
    document, _truth = FAMILIES[family].draw(DocumentKind(kind), seed, frozenset(), random.Random(f"gate-far:{family}:{kind}:{seed}"))
    family_capture.photo_pose = _far_pose
    try:
        data, _type = family_capture.photo(document, random.Random(seed))
    finally:
        family_capture.photo_pose = _USUAL_POSE
    return badness, data


def _category(badness: str) -> str:
    return "crop" if badness.startswith("crop") else badness


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kind", type=int, default=30, help="good and bad captures per kind (of the first five kinds of badness)")
    parser.add_argument("--split", choices=sorted(SPLITS), default="evaluation")
    parser.add_argument("--verbose", action="store_true", help="print every miss and false refusal")
    args = parser.parse_args()
    rng = random.Random(f"quality-gate:{args.split}")
    extra_rng = random.Random(f"quality-gate-extra:{args.split}")
    timings: list[float] = []
    cpu: list[float] = []
    held_out = {name for kind in KINDS for name in held_out_families(kind)}
    good_total: Counter = Counter()
    good_refused: Counter = Counter()
    refusals: Counter = Counter()
    good_warned: Counter = Counter()
    bad_total: Counter = Counter()
    bad_refused: Counter = Counter()
    bad_reasons: dict[str, Counter] = {}
    notes: list[str] = []

    def timed(data: bytes, kind: str):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = check_capture(data, kind=kind)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        return result

    def count_bad(kind: str, index: int, badness: str, data: bytes) -> None:
        result = timed(data, kind)
        bad_total[badness] += 1
        if result.refused:
            bad_refused[badness] += 1
            bad_reasons.setdefault(_category(badness), Counter())[result.refused.code] += 1
        else:
            notes.append(f"bad accepted {kind}/{badness}#{index}: {result.measures}")

    for kind in KINDS:
        for index in range(args.per_kind):
            family, data = good_capture(kind, index, args.split)
            group = "held-out families" if family in held_out else "tuning families"
            result = timed(data, kind)
            good_total[group] += 1
            if result.refused:
                good_refused[group] += 1
                refusals[(kind, result.refused.code, result.refused.detail)] += 1
                notes.append(f"good refused {kind}/{family}/{pick(kind, index, args.split)[1]}#{index}: {result.refused} {result.measures}")
            for warning in result.warnings:
                good_warned[warning.code] += 1
            badness, data = bad_capture(kind, index, args.split, rng)
            count_bad(kind, index, badness, data)
        # As many of each added kind as of each of the first five.
        for index in range(len(EXTRA_BADNESS) * args.per_kind // len(BADNESS)):
            badness, data = extra_bad_capture(kind, index, args.split, extra_rng)
            count_bad(kind, index, badness, data)

    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"split: {args.split}, {args.per_kind} good per kind; load average {load} (shared machine)")

    def share(refused: int, total: int) -> str:
        return f"{refused}/{total} = {100 * refused / max(1, total):.1f} %"

    first = [b for b in bad_total if _category(b) in BADNESS]
    print(f"bad captures refused:  {share(sum(bad_refused.values()), sum(bad_total.values()))}  (target >= 95 %)")
    print(f"  the first five kinds: {share(sum(bad_refused[b] for b in first), sum(bad_total[b] for b in first))}")
    for category in BADNESS + EXTRA_BADNESS:
        members = [b for b in bad_total if _category(b) == category]
        reasons = ", ".join(f"{code} {n}" for code, n in sorted(bad_reasons.get(category, Counter()).items()))
        print(f"  {category:<15} {share(sum(bad_refused[b] for b in members), sum(bad_total[b] for b in members)):<18} refused as: {reasons}")
        if category == "crop":
            for side in CUT_SIDES:
                print(f"    cut at the {side:<7} {bad_refused[f'crop {side}']}/{bad_total[f'crop {side}']}")
    refused, good_sum = sum(good_refused.values()), sum(good_total.values())
    print(f"good captures refused: {share(refused, good_sum)}  (target <= 1 %)")
    for group in sorted(good_total):
        print(f"  {group:<18} {good_refused[group]}/{good_total[group]}")
    for (kind, code, detail), count in sorted(refusals.items()):
        print(f"  refused as {code} {detail} ({kind}): {count}")
    print(f"good captures with a warning: {dict(good_warned)}")
    print(
        f"time per image: median {1000 * statistics.median(timings):.0f} ms, max {1000 * max(timings):.0f} ms wall; "
        f"median {1000 * statistics.median(cpu):.0f} ms CPU, max {1000 * max(cpu):.0f} ms CPU  (target < 2000 ms)"
    )
    for line in notes if args.verbose else notes[:10]:
        print("  ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
