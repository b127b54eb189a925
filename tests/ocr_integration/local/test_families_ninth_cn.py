"""The reader's ninth round, clean Chinese ID portrait sides: a stray box in the photo taller than
any line of print no longer makes the photo pass for a block of text (its "9" or "中" went into the
name and the address), nor joins a label's row where the photo was not found; a stroke read in a label's blank (住一址, 民族一土家) is no character of the
label or the value; the printed sex is read again beside its label when the detector found no box
there; 靜 is folded to 静 like the other traditional forms the recogniser answers with.

Found on tuning material only: clean portrait sides of the three tuning families on fresh seeds
and the same styles drawn with other faces, grey or pale labels, compact rows and a low-contrast
print (``dataclasses.replace`` of a tuning style; no held-out style). The synthetic lines below
are laid out as the recogniser returned those cards; one OCR read each checks the cards.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.local import engine, fields, portrait
from ocr_integration.local import provider as local_provider
from ocr_integration.local.layout import TextLine
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens.families import capture, cn_id, tuning_families

TODAY = date(2026, 11, 21)
TUNING_CN = ("cn_standard", "cn_serif_values")  # seeds from 9 100 000: no bench uses them


def _box(text: str, left: float, right: float, top: float, bottom: float) -> TextLine:
    quad = [[left, top], [right, top], [right, bottom], [left, bottom]]
    return TextLine(text, 0.97, np.array(quad, dtype=np.float32))


def _tuning_card(family: str, seed: int, *, fade: float = 0.0, **changes) -> tuple[bytes, str, dict]:
    """A clean portrait side of a tuning family's style with ``changes`` (other label ink, faces,
    rows), drawn as ``families.render`` draws it; ``fade`` blends the print towards the paper."""
    style = replace(cn_id.STYLES[family][0], **changes)
    card, truth = cn_id.portrait_side(style, seed, frozenset(), random.Random(f"kyc-family:{family}:cn_id_portrait:{seed}"))
    if fade:
        card = Image.blend(card.convert("RGB"), Image.new("RGB", card.size, style.base), fade)
    image, media_type = capture.CAPTURE_FUNCTIONS["clean"](
        card, random.Random(f"kyc-family-capture:{family}:cn_id_portrait:{seed}:clean")
    )
    return image, media_type, truth.fields


def _read(provider, image: bytes, media_type: str):
    return provider.read(ReadRequest(DocumentKind.CN_ID_PORTRAIT, image, media_type))


def test_the_families_used_here_are_tuning_ones():
    assert set(TUNING_CN) <= set(tuning_families("cn_id_portrait"))


# --- a stray box in the photo, taller than any line of print ----------------------------------

GREY_LABELS = {"label_ink": (115, 115, 125)}


def test_a_box_taller_than_the_lines_does_not_make_the_photo_a_block_of_text():
    # The card's photo (a textured block on the paper) and its detected boxes as the detector
    # returned them on tuning card cn_standard 9100007 with grey labels: one stray box, "9",
    # covers 48 % of the photo on its own (the cover test's limit is 30 %).
    image = np.full((729, 1156, 3), 236, np.uint8)
    texture = np.random.default_rng(1).integers(40, 200, (416, 352, 3), dtype=np.uint8)
    image[80:496, 736:1088] = cv2.GaussianBlur(texture, (9, 9), 0)
    lines = [(62, 161, 79, 135), (191, 316, 77, 148), (63, 175, 167, 224), (183, 258, 166, 225), (356, 539, 164, 225),
             (67, 169, 257, 309), (199, 564, 260, 308), (65, 161, 345, 393), (201, 628, 345, 393), (203, 577, 408, 456),
             (197, 308, 464, 525), (70, 286, 610, 654), (399, 1040, 599, 647)]
    quads = [_box("", *line).quad for line in lines] + [_box("9", 803, 1013, 135, 411).quad]
    photos = portrait.portrait_boxes(image, quads)
    assert len(photos) == 1  # before this round: none, the "9" joined the name and the address
    assert portrait.inside(quads[-1], photos)
    assert not any(portrait.inside(q, photos) for q in quads[:-1])


def test_a_photo_covered_by_lines_of_print_is_still_a_block_of_text():
    image = np.full((729, 1156, 3), 236, np.uint8)
    image[80:496, 736:1088] = 60  # a solid dark block, as a column of bold values blurs into
    quads = [_box("", 740, 1080, top, top + 48).quad for top in range(90, 480, 60)]
    assert portrait.portrait_boxes(image, quads) == []


@pytest.mark.parametrize(("seed", "changes"), [
    (9100007, GREY_LABELS),
    (9100001, {"label_gap": "", "row_mm": 6.0, "label_ink": (110, 110, 120), "birth_form": "{y} 年 {m2} 月 {d2} 日"}),
])
def test_the_tuning_cards_read_their_name_and_address(provider, seed, changes):
    # Before this round: 冯欣9 / 严娜中, and the stray character inside the address's first line.
    image, media_type, truth = _tuning_card("cn_standard", seed, **changes)
    source = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    working = local_provider._working(source, DocumentKind.CN_ID_PORTRAIT).image
    assert len(portrait.portrait_boxes(working, engine.detect(working))) == 1
    reading = _read(provider, image, media_type)
    assert reading.fields["full_name"].value == truth["full_name"]
    assert reading.fields["address"].value == truth["address"]


def _rows_beside_a_photo_not_found() -> list[TextLine]:
    """Tuning card cn_serif_values 9100008 (grey unspaced labels, compact rows) as recognised: the
    photo's background is the paper's colour, so no photo is found, and the detector's stray box
    in it ("一", 232 px tall) stands level with the address's first line."""
    return [
        _box("姓名", 62, 151, 98, 149), _box("严远平", 193, 357, 96, 158), _box("一", 841, 966, 163, 395),
        _box("性别", 62, 164, 177, 230), _box("女", 183, 256, 175, 233), _box("民族 维吾尔", 354, 619, 175, 232),
        _box("出生", 64, 151, 259, 310), _box("1975年11月18日", 200, 554, 263, 307),
        _box("住址", 63, 152, 337, 391), _box("江苏省南京市玄武区长江路", 201, 704, 341, 388),
        _box("326号阳光花园18栋2", 204, 595, 405, 449), _box("804室", 198, 325, 461, 516),
        _box("320102197511186981", 393, 1033, 611, 662), _box("公民身份号码", 69, 282, 627, 668),
    ]


def test_a_box_several_times_taller_than_the_label_is_not_on_its_values_row():
    found = fields.cn_id_portrait(_rows_beside_a_photo_not_found(), today=TODAY)
    # Before this round: 江苏省南京市玄武区长江路一326号... (the stray box joined the first line).
    assert found["address"][0] == "江苏省南京市玄武区长江路326号阳光花园18栋2804室"
    assert found["full_name"][0] == "严远平"
    assert found["ethnicity"][0] == "维吾尔"


def test_the_tuning_card_whose_photo_is_not_found_reads_its_address(provider):
    image, media_type, truth = _tuning_card(
        "cn_serif_values", 9100008, label_gap="", row_mm=6.0, label_ink=(110, 110, 120), birth_form="{y} 年 {m2} 月 {d2} 日"
    )
    assert _read(provider, image, media_type).fields["address"].value == truth["address"]


# --- a stroke read in a label's blank ---------------------------------------------------------


def _rows(ethnicity_box: str, address_box: str) -> list[TextLine]:
    """The rows of tuning card cn_serif_values 9200000 (faded print) as recognised."""
    return [
        _box("姓名 杨桂文", 69, 370, 91, 158),
        _box("性别女", 76, 263, 181, 230),
        _box(ethnicity_box, 369, 545, 181, 230),
        _box("出生 1969年10月11日", 76, 511, 262, 314),
        _box(address_box, 77, 717, 348, 395),
        _box("396号幸福小区8栋15", 213, 601, 411, 455),
        _box("02室", 208, 314, 467, 525),
        _box("公民身份号码", 77, 293, 623, 667),
        _box("510107196910116182", 405, 1046, 612, 660),
    ]


def test_a_stroke_read_between_a_labels_characters_is_not_part_of_it():
    found = fields.cn_id_portrait(_rows("民族汉", "住一址 四川省成都市武侯区建设路"), today=TODAY)
    # Before this round: no address (the line did not start with 住址).
    assert found["address"][0] == "四川省成都市武侯区建设路396号幸福小区8栋1502室"


def test_a_stroke_read_between_a_label_and_its_value_is_not_part_of_the_value():
    found = fields.cn_id_portrait(_rows("民族一土家", "住址 四川省成都市武侯区建设路"), today=TODAY)
    assert found["ethnicity"][0] == "土家"  # before this round: 一土家
    assert found["address"][0].startswith("四川省")


def test_a_value_with_that_character_inside_keeps_it():
    found = fields.cn_id_portrait(_rows("民族汉", "住址 四川省成都市一环路"), today=TODAY)
    assert found["address"][0].startswith("四川省成都市一环路")
    assert fields.cn_after_label("姓名张一", "姓名") == "张一"
    assert fields.cn_after_label("住宅", "住址") is None


def test_the_tuning_cards_read_their_address_and_ethnicity(provider):
    image, media_type, truth = _tuning_card("cn_serif_values", 9200000, fade=0.4)
    assert _read(provider, image, media_type).fields["address"].value == truth["address"]
    image, media_type, truth = _tuning_card("cn_standard", 9100003, label_face="cjk_serif", label_ink=(120, 120, 130))
    assert _read(provider, image, media_type).fields["ethnicity"].value == truth["ethnicity"]


# --- the sex read again beside its label --------------------------------------------------------


def _pale_label_rows() -> list[TextLine]:
    """Tuning card cn_standard 9100000 with pale labels: no box was found for the sex."""
    return [
        _box("姓名", 66, 164, 78, 133), _box("杨英浩", 200, 363, 76, 144),
        _box("性别", 68, 180, 168, 220), _box("民族维吾尔", 363, 625, 165, 223),
        _box("出生", 70, 164, 256, 304), _box("1986年8月22日", 205, 591, 258, 306),
        _box("住址", 69, 165, 344, 392), _box("江苏省南京市玄武区文化", 208, 671, 344, 392),
        _box("320102198608227692", 399, 1043, 596, 644), _box("公民身份号码", 74, 289, 608, 653),
    ]


def test_the_sex_is_read_again_between_its_label_and_the_ethnicity_label():
    asked = []

    def read_region(quads):
        asked.extend(quads)
        return [("男", 0.99)]

    assert "sex" not in fields.cn_id_portrait(_pale_label_rows(), today=TODAY)
    found = fields.cn_id_portrait(_pale_label_rows(), today=TODAY, read_region=read_region)
    assert found["sex"][0] == "男"
    (quad,) = asked
    assert 178 <= quad[:, 0].min() <= 182 and 361 <= quad[:, 0].max() <= 365  # label to label
    assert quad[:, 1].min() < 168 and quad[:, 1].max() > 220


def test_what_is_read_there_is_taken_only_as_a_lone_sex():
    for answer in [("男女", 0.99), ("民", 0.99), ("女", 0.3), ("", 0.0)]:
        found = fields.cn_id_portrait(_pale_label_rows(), today=TODAY, read_region=lambda quads, a=answer: [a])
        assert "sex" not in found


def test_a_sex_that_was_read_is_not_read_again():
    lines = _pale_label_rows()
    lines.insert(3, _box("女", 183, 258, 166, 225))
    found = fields.cn_id_portrait(lines, today=TODAY, read_region=lambda quads: pytest.fail("read again"))
    assert found["sex"][0] == "女"


def test_the_tuning_card_reads_its_sex(provider):
    image, media_type, truth = _tuning_card("cn_standard", 9100000, label_ink=(150, 155, 165))
    assert _read(provider, image, media_type).fields["sex"].value == truth["sex"]  # before: not read


# --- a traditional form the recogniser answered with -------------------------------------------


def test_a_traditional_character_in_a_name_is_folded_to_the_printed_simplified_one():
    lines = [_box("姓名", 54, 196, 79, 129), _box("尤靜英", 181, 348, 75, 138),
             _box("510107196910116182", 405, 1046, 612, 660)]
    assert fields.cn_id_portrait(lines, today=TODAY)["full_name"][0] == "尤静英"
