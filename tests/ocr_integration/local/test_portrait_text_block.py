"""A block of printed values is not a portrait, however solid it looks on a poor scan.

On a small, blurred scan a column of bold values printed close together (the dates and the
authority of a passport) joins into one region of photo size and shape; taken for the photo,
nothing in it was read and a page lost its three dates and its authority (tuning family
passport_inline_en, degraded). The detected text lines decide: a photo holds a stray box or
two, never lines covering a third of it.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.local import engine, portrait
from ocr_integration.local import provider as local_provider
from ocr_integration.specimens.families import held_out_families, render


def _page(family: str, seed: int, capture: str, kind=DocumentKind.PASSPORT):
    specimen = render(kind, family, seed, capture=capture)
    source = cv2.imdecode(np.frombuffer(specimen.image, np.uint8), cv2.IMREAD_COLOR)
    image = local_provider._working(source, kind).image
    return image, engine.detect(image)


def test_the_tuning_page_whose_values_looked_like_a_photo():
    image, quads = _page("passport_inline_en", 2351804, "degraded")
    assert len(portrait.portrait_boxes(image)) == 2  # the photo and the block of dates
    kept = portrait.portrait_boxes(image, quads)
    assert len(kept) == 1
    left, top, right, bottom = kept[0]
    assert left > image.shape[1] / 2  # the photo, on the right of this design


@pytest.mark.parametrize("family", held_out_families(DocumentKind.PASSPORT))
@pytest.mark.parametrize("capture", ["clean", "degraded"])
def test_held_out_pages_keep_their_photo_and_lose_no_value_line(family, capture):
    image, quads = _page(family, 8801, capture)
    photos = portrait.portrait_boxes(image, quads)
    assert len(photos) == 1
    inside = [q for q in quads if portrait.inside(q, photos)]
    # A stray box in the photo may be dropped; a line of the page never is.
    assert len(inside) <= 2
    assert all(q[:, 0].max() - q[:, 0].min() < 0.6 * (photos[0][2] - photos[0][0]) for q in inside)
