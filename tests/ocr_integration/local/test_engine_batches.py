"""The recogniser's batches: lines of similar width together, each padded a little to its right."""

import cv2
import numpy as np

from ocr_integration.local import engine


def test_a_long_mrz_row_is_not_padded_onto_short_words():
    # A passport page: short captions and values, two 44-character MRZ rows (about 20 x their height).
    ratios = [1.3, 2.0, 3.1, 4.2, 4.6, 7.8, 9.8, 18.2, 20.0]
    batches = engine._batches(ratios)
    assert sorted(i for indices, _ in batches for i in indices) == list(range(len(ratios)))
    for indices, width in batches:
        narrowest = min(ratios[i] for i in indices)
        widest = max(ratios[i] for i in indices)
        assert widest <= engine.REC_WIDTH_SPREAD * narrowest
        assert len(indices) <= engine.REC_BATCH
        # Each line keeps blank to its right: the recogniser drops a last letter without it.
        assert width >= widest + engine.REC_RIGHT_MARGIN
    mrz_batch = next(indices for indices, _ in batches if 8 in indices)
    assert set(mrz_batch) == {7, 8}


def _line(text: str) -> np.ndarray:
    image = np.full((48, 30 * len(text) + 40, 3), 255, dtype=np.uint8)
    cv2.putText(image, text, (20, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (0, 0, 0), 2, cv2.LINE_AA)
    return image


def test_lines_of_different_widths_come_back_in_order_and_read():
    texts = ["P<GBRSMITH<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<", "NAME", "LONDON", "1984"]
    read = engine.recognise([_line(t) for t in texts])
    assert [t for t, _ in read][1:] == ["NAME", "LONDON", "1984"]
    assert read[0][0].startswith("P<GBRSMITH")
