"""A country's name is a value, never a caption.

On a photo of the tuning family passport_inline_en the page header and the nationality read
AUSTRIA, which the loosened match for a misread caption took for "autorité" (0.75): the
nationality "Nationality AUSTRIA" was then refused as a caption followed by a caption, and the
header was kept as a caption too, so the nationality was not read at all.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ocr_integration.documents import icao_codes
from ocr_integration.local import captions, fields
from ocr_integration.local.layout import TextLine


@pytest.mark.parametrize("lexicon", ["PASSPORT_CAPTIONS", "EMIRATES_FRONT_CAPTIONS", "EMIRATES_BACK_CAPTIONS"])
def test_no_country_name_is_taken_for_a_caption(lexicon):
    names = [name for name in icao_codes._BY_NAME if len(name) > 3]
    assert len(names) > 200
    taken = [name for name in names for text in (name, name.title()) if captions.caption_of(text, getattr(captions, lexicon))]
    assert taken == []
    # The captions themselves are still captions, misread ones too.
    assert captions.caption_of("Autorité", captions.PASSPORT_CAPTIONS).field == "issuing_authority"
    assert captions.caption_of("Sumame", captions.PASSPORT_CAPTIONS).field == "surname"


def test_an_inline_nationality_is_read_when_the_header_names_the_same_country():
    texts = ["AUSTRIA", "PASSPORT", "Passport No. K68731163", "Type P", "Code AUT", "Surname BIMAFIHAD",
             "Given names BISAL FASID", "Sex M", "Nationality AUSTRIA", "Date of birth23 APR 1964"]
    lines = [TextLine(t, 0.9, np.array([[10, 30 * i], [300, 30 * i], [300, 30 * i + 20], [10, 30 * i + 20]],
                                        dtype=np.float32)) for i, t in enumerate(texts)]
    found = fields.passport(lines, today=date(2026, 11, 21))
    assert found["nationality"][0] == "AUT"
    assert found["nationality"][2].text == "Nationality AUSTRIA"
