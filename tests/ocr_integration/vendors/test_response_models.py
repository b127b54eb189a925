"""The vendors' response models (pydantic, strict): every documented form is read, every other
shape is one ShapeError that says where, never a KeyError or a silently wrong value."""

from __future__ import annotations

import json

import pytest

from ocr_integration.vendors.ctyun import models as ctyun
from ocr_integration.vendors.huawei import models as huawei
from ocr_integration.vendors.schema import ShapeError, loads


def test_a_string_field_holding_a_number_is_a_shape_error_that_names_the_field():
    with pytest.raises(ShapeError, match=r"passport\.result\.passport_number"):
        huawei.parse_structured({"result": {"passport_number": 123456789}}, huawei.PassportResponse, "passport")


@pytest.mark.parametrize("confidence", [True, 1.5, -0.1, "0.9"])
def test_a_confidence_must_be_a_number_between_0_and_1(confidence):
    with pytest.raises(ShapeError, match="confidence"):
        huawei.parse_structured({"result": {"surname": "ERIKSSON", "confidence": {"surname": confidence}}},
                                huawei.PassportResponse, "passport")


def test_unknown_fields_are_kept_apart_and_the_portrait_is_never_kept():
    result = huawei.parse_structured(
        {"result": {"surname": "ERIKSSON", "new_field": "x", "portrait_image": "aGVsbG8=", "confidence": {"surname": 1}}},
        huawei.PassportResponse, "passport")
    assert result.values == {"surname": "ERIKSSON"}
    assert result.extra == {"new_field": "x"}
    assert result.confidence == {"surname": 1.0}


def test_a_missing_result_is_a_shape_error():
    with pytest.raises(ShapeError, match="result"):
        huawei.parse_structured({"error_code": None}, huawei.BankCardResponse, "bankcard")


@pytest.mark.parametrize("location", [[1, 2, 3, 4], [[1, 2], [3, 4]]])
def test_general_text_location_in_both_documented_forms(location):
    result = huawei.parse_general_text({"result": {"words_block_list": [{"words": "P<GBR", "location": location}],
                                                   "words_block_count": 1}})
    assert result.blocks[0].location == [(1.0, 2.0), (3.0, 4.0)]


@pytest.mark.parametrize("answer", [
    {"result": {"words_block_list": [{"words": "x", "location": [1, 2, 3]}]}},
    {"result": {"words_block_list": [{"words": "x", "location": [[1, 2, 3]]}]}},
    {"result": {"words_block_list": [{"words": "x"}], "words_block_count": 2}},
    {"result": {"words_block_list": [{"location": []}]}},
])
def test_general_text_shapes_the_document_does_not_allow(answer):
    with pytest.raises(ShapeError):
        huawei.parse_general_text(answer)


def test_an_error_body_without_a_message_reads_as_an_empty_message():
    assert huawei.parse_error({"error_code": "ModelArts.4101"}).error_msg == ""
    with pytest.raises(ShapeError):
        huawei.parse_error({"error_msg": "no code"})


def test_a_body_that_is_not_json_is_marked_malformed():
    with pytest.raises(ShapeError) as caught:
        loads(b"<html>502</html>")
    assert caught.value.malformed


@pytest.mark.parametrize("status", [{"statusCode": 0}, {"statusCode": "0"}, {"code": 0}])
def test_ctyun_envelope_status_in_every_documented_form(status):
    envelope = ctyun.parse_envelope({**status, "message": {"success": 1, "fail": 1},
                                     "returnObj": [{"note": "ok", "detail": {}}, {"errorCode": "E1", "errorMessage": "m"}]},
                                    expected=2)
    assert envelope.items[0] == {"note": "ok", "detail": {}}
    assert envelope.items[1] == ctyun.ItemError("E1", "m")


@pytest.mark.parametrize("answer, where", [
    ({"statusCode": 0, "message": {}, "returnObj": [{}]}, "returnObj holds 1 results for 2 images"),
    ({"statusCode": 1, "message": {}, "returnObj": [{}, {}]}, "statusCode is not 0"),
    ({"statusCode": 0, "message": {"fail": 1}, "returnObj": [{}, {}]}, "message.fail"),
    ({"statusCode": 0, "message": "ok", "returnObj": [{}, {}]}, "message"),
])
def test_ctyun_envelopes_of_the_wrong_shape(answer, where):
    with pytest.raises(ShapeError, match=where):
        ctyun.parse_envelope(answer, expected=2)


def test_ctyun_id_card_detail_as_an_object_or_as_json_text_reads_the_same():
    detail = {"name": "张三", "idn": " 11010519491231002X ", "validperiod": "2010.01.01-2030.01.01"}
    as_object = ctyun.parse_idcard({"note": "ok", "detail": detail}, "returnObj[0]")
    as_text = ctyun.parse_idcard({"note": "ok", "detail": json.dumps(detail)}, "returnObj[0]")
    assert as_object == as_text
    assert as_object.detail["idn"] == "11010519491231002X" and as_object.detail["addr"] == ""
    with pytest.raises(ShapeError, match="not a JSON object"):
        ctyun.parse_idcard({"note": "ok", "detail": "{broken"}, "returnObj[0]")


def test_ctyun_general_text_lines_without_text_are_skipped_and_boxes_are_8_numbers():
    lines = ctyun.parse_general({"detail": [{"text": " P<GBR ", "box": [0, 0, 1, 0, 1, 1, 0, 1]}, {"box": []}]}, "r")
    assert [(line.text, len(line.box)) for line in lines] == [("P<GBR", 8)]
    with pytest.raises(ShapeError, match="box"):
        ctyun.parse_general({"detail": [{"text": "x", "box": [1, 2, 3]}]}, "r")


def test_ctyun_failure_body_code_from_error_status_or_code():
    assert ctyun.parse_failure({"statusCode": 900, "message": "error", "details": "d", "error": "AI_OP_1"}) == \
        ctyun.FailureBody("AI_OP_1", "d")
    assert ctyun.parse_failure({"code": "500", "message": "busy"}) == ctyun.FailureBody("500", "busy")
    with pytest.raises(ShapeError):
        ctyun.parse_failure({"message": "no code"})
