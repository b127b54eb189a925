"""The reader's seventh round: a value aligned under its own caption is not taken for the value
of the caption a photo's tilt put beside it; a Chinese label's box that ran into its value does
not replace the value with the character it read twice.

Both classes were found on tuning material: a `passport_numbered` photo (seed 3721874) whose
surname caption was paired with the issuing-state code "MYS" printed under the "2. Code" caption
beside it (a false VIZ_MRZ_NAME), and a clean `cn_serif_values` portrait side (seed 1131873)
whose address came back as one character. The synthetic lines below are laid out as the
recogniser returned those pages; one OCR read each checks the pages themselves.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.local import fields
from ocr_integration.local.layout import TextLine
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens.families import render, tuning_families
from tests.ocr_integration.local.tuning_photos import read_passport_photo

TODAY = date(2026, 11, 21)
TUNING_PASSPORT = "passport_numbered"
TUNING_CN = "cn_serif_values"


def _line(text: str, quad: list[list[int]]) -> TextLine:
    return TextLine(text, 0.97, np.array(quad, dtype=np.float32))


def _box(text: str, left: float, top: float, width: float, height: float) -> TextLine:
    return _line(text, [[left, top], [left + width, top], [left + width, top + height], [left, top + height]])


def test_the_family_used_here_is_a_tuning_one():
    assert TUNING_PASSPORT in tuning_families("passport")
    assert TUNING_CN in tuning_families("cn_id_portrait")


def _tilted_page(code: str = "MYS") -> list[TextLine]:
    """The lines of the tuning photo as the recogniser returned them, in its order: values under
    their captions, the page turned about 7 degrees, so the code under "2. Code" stands level
    with "4. Surname" and the sex under "7. Sex" level with "9. Place of birth"."""
    return [
        _line("1.Type", [[558, 293], [607, 301], [603, 325], [555, 317]]),
        _line("PASSPORT", [[887, 292], [974, 305], [970, 329], [883, 316]]),
        _line("TIBAYAN", [[551, 347], [647, 359], [643, 387], [549, 375]]),
        _line("4. Surname", [[554, 333], [621, 343], [618, 366], [551, 355]]),
        _line("P", [[559, 312], [578, 312], [578, 332], [559, 332]]),
        _line(code, [[655, 321], [709, 328], [707, 355], [653, 349]]),
        _line("2.Code", [[659, 308], [705, 316], [703, 336], [657, 328]]),
        _line("5. Given names", [[549, 374], [636, 386], [633, 408], [546, 396]]),
        _line("RIDIYAN HAMASUS", [[547, 388], [739, 412], [737, 438], [545, 414]]),
        _line("PENANG", [[537, 467], [630, 479], [628, 507], [534, 495]]),
        _line("9. Place of birth", [[538, 453], [629, 464], [626, 488], [536, 476]]),
        _line("M", [[730, 455], [757, 455], [757, 478], [730, 478]]),
        _line("7.Sex", [[732, 439], [768, 442], [767, 462], [729, 459]]),
    ]


def test_a_value_aligned_under_another_caption_is_not_the_value_beside_this_one():
    found = fields.passport(_tilted_page(), today=TODAY)
    # Before this round: surname "MYS" (the issuing state), place of birth "M" (the sex), no sex.
    assert found["surname"][0] == "TIBAYAN"
    assert found["issuing_state"][0] == "MYS"
    assert found["place_of_birth"][0] == "PENANG"
    assert found["sex"][0] == "M"


def test_a_value_beside_its_caption_is_still_read_there():
    # "Caption value" on one row, nothing under another caption: the value right of the caption.
    lines = [_box("Surname", 100, 100, 90, 24), _box("OKAFOR", 220, 100, 100, 26),
             _box("Given names", 100, 140, 120, 24), _box("ADA", 240, 140, 60, 26)]
    found = fields.passport(lines, today=TODAY)
    assert found["surname"][0] == "OKAFOR"
    assert found["given_names"][0] == "ADA"


def test_a_line_under_a_caption_it_cannot_be_the_value_of_stays_free():
    # A name under the "2. Code" caption is not an issuing state: it stays the surname's value.
    found = fields.passport(_tilted_page(code="ZZTOP"), today=TODAY)
    assert "issuing_state" not in found
    assert found["surname"][0] == "ZZTOP"


def test_the_tuning_photo_reads_its_surname_and_passes_the_name_check(provider):
    reading, truth, fails = read_passport_photo(provider, TUNING_PASSPORT, 3721874)
    assert reading.fields["surname"].value == truth.fields["surname"]
    assert not fails


# --- a Chinese label's box that ran into its value --------------------------------------------


def _address_rows(label_box: str, value_left: float) -> list[TextLine]:
    """The address rows of the tuning card as recognised: the label's box reaches past the
    value's left edge when ``value_left`` is inside it (74-226 px)."""
    return [
        _box("姓名吴国", 66, 94, 253, 69),
        _box("性别女", 71, 181, 191, 53),
        _box("民族蒙古", 366, 180, 218, 55),
        _box("住址" + label_box if label_box else "住址", 74, 351, 152, 45),
        _box("浙江省杭州市西湖区文化路", value_left, 352, 712 - value_left, 47),
        _box("269号幸福小区30栋1", 211, 415, 388, 45),
        _box("503室", 205, 472, 126, 55),
        _box("公民身份号码", 74, 627, 215, 44),
        _box("330106195408277285", 400, 615, 643, 50),
    ]


def test_the_character_a_label_box_read_from_its_value_is_not_the_address():
    found = fields.cn_id_portrait(_address_rows("泊", 205), today=TODAY)
    # Before this round: address "泊" (浙 read a second time, in the label's box).
    assert found["address"][0] == "浙江省杭州市西湖区文化路269号幸福小区30栋1503室"
    assert found["sex"][0] == "女"
    assert found["ethnicity"][0] == "蒙古"


def test_a_value_in_the_label_box_is_kept_when_nothing_starts_inside_that_box():
    # The label's box holds the whole first row; the next box only touches it: no overlap.
    lines = [line for line in _address_rows("浙江省杭州市西湖区文化路", 205) if not line.text.startswith("浙")]
    found = fields.cn_id_portrait(lines, today=TODAY)
    assert found["address"][0].startswith("浙江省杭州市西湖区文化路")
    # The name in the label's box with a value box touching its right edge stays the name.
    lines = [_box("姓名吴国", 66, 94, 253, 69), _box("X", 318, 94, 30, 69), _box("330106195408277285", 400, 615, 643, 50)]
    assert fields.cn_id_portrait(lines, today=TODAY)["full_name"][0] == "吴国"


def test_the_tuning_card_reads_its_address(provider):
    specimen = render(DocumentKind.CN_ID_PORTRAIT, TUNING_CN, 1131873)
    reading = provider.read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))
    assert reading.fields["address"].value == specimen.truth.fields["address"]
