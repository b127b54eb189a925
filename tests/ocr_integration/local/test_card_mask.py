"""The stored bank card image loses the digits its masked number hides (first 6 and last 4 stay)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr_integration.local import engine
from ocr_integration.local.card_mask import mask_card_numbers
from ocr_integration.local.layout import crop
from ocr_integration.specimens import generate_specimen

pytestmark = pytest.mark.slow


def text_on(image: bytes) -> str:
    picture = cv2.imdecode(np.frombuffer(image, dtype=np.uint8), cv2.IMREAD_COLOR)
    quads = engine.detect(picture)
    return "".join(text for text, _ in engine.recognise([crop(picture, quad) for quad in quads])).replace(" ", "")


@pytest.mark.parametrize(("seed", "degrade"), [(3, None), (11, "degraded"), (2, "heavy")])
def test_the_hidden_digits_cannot_be_read_after_masking(seed, degrade):
    card = generate_specimen("bank_card", seed, degrade=degrade)
    number = card.truth.extras["card_number"]
    assert number in text_on(card.image)  # readable before: the test would notice a mask that does nothing
    content_type = "image/png" if degrade is None else "image/jpeg"
    masked = mask_card_numbers(card.image, content_type)
    assert masked.numbers_masked >= 1 and masked.content_type == content_type
    seen = text_on(masked.image)
    assert number[:4] in seen and number[-4:] in seen
    assert number[6:12] not in seen


def test_an_image_without_a_card_number_is_left_as_it_is():
    passport = generate_specimen("passport", 7)
    masked = mask_card_numbers(passport.image, "image/png")
    assert masked.numbers_masked == 0 and masked.image == passport.image
