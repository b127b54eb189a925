"""What the simulator "reads" in an image, in each vendor's response format.

Answers come from the ground truth of our synthetic specimens
(``ocr_integration.specimens.ground_truth_for_image``, which survives re-encoding and
downscaling), else from the embedded engine when installed, else nothing (the API's own
"unsupported image / no text" answer).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
from dataclasses import dataclass, field

from ..documents.kinds import DocumentKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Seen:
    kind: DocumentKind | None
    fields: dict[str, str]
    mrz_lines: tuple[str, ...] = ()
    extras: dict[str, str] = field(default_factory=dict)
    source: str = "specimen"


def recognise(image: bytes, expected: DocumentKind | None, *, use_engine: bool) -> Seen | None:
    seen = _specimen_seen(hashlib.sha256(image).digest(), image)
    if seen is not None:
        return Seen(seen.kind, dict(seen.fields), seen.mrz_lines, dict(seen.extras))  # callers may change theirs
    if use_engine and expected is not None:
        try:
            from ..provider import ReadRequest

            reading = _engine().read(ReadRequest(expected, image, "image/jpeg"))
        except Exception:
            logger.info("simulator: the embedded engine could not read the image")
            return None
        return Seen(expected, {k: f.value for k, f in reading.fields.items()}, tuple(reading.mrz_lines), {}, "engine")
    return None


_SPECIMENS_SEEN: dict[bytes, Seen | None] = {}


def _specimen_seen(digest: bytes, image: bytes) -> Seen | None:
    """What a specimen shows, remembered by the image's digest: decoding its marker costs tens of
    milliseconds, and a batch of fifty copies of one specimen (tests, benches) would otherwise pay
    it fifty times on the simulator's request thread. Keyed by digest: the memo holds no image."""
    if digest in _SPECIMENS_SEEN:
        return _SPECIMENS_SEEN[digest]
    from ..specimens import ground_truth_for_image

    try:
        truth = ground_truth_for_image(image)
    except Exception:  # an unreadable image is simply not a specimen
        truth = None
    seen = None if truth is None else Seen(
        truth.kind, dict(truth.fields), tuple(truth.mrz_lines), dict(getattr(truth, "extras", {}) or {})
    )
    if len(_SPECIMENS_SEEN) >= 512:
        _SPECIMENS_SEEN.clear()
    _SPECIMENS_SEEN[digest] = seen
    return seen


@functools.cache
def _engine():
    from ..local.provider import LocalOcrProvider

    return LocalOcrProvider()


def _confidence(keys, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {k: round(rng.uniform(0.90, 0.999), 4) for k in keys}


def _dmy(iso: str) -> str:
    """UAE cards print dd/mm/yyyy."""
    if len(iso) == 10 and iso[4] == "-" and iso[7] == "-":
        return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"
    return iso


def _drop_empty(result: dict) -> dict:
    return {k: v for k, v in result.items() if v not in (None, "")}


def huawei_passport(seen: Seen) -> dict:
    f = seen.fields
    mrz = seen.mrz_lines
    issuing = f.get("issuing_state") or (mrz[0][2:5].replace("<", "") if mrz else "")
    result = _drop_empty({
        "passport_type": f.get("document_code", "P"),
        "country_code": issuing,
        "passport_number": f.get("document_number"),
        "nationality": f.get("nationality"),
        "surname": f.get("surname"),
        "given_name": f.get("given_names"),
        "sex": f.get("sex"),
        "date_of_birth": f.get("birth_date"),
        "date_of_expiry": f.get("expiry_date"),
    })
    extra_info: dict = {}
    if issuing == "CHN":
        # Only Chinese passports get their visual zone read (and local-language extra_info).
        result.update(_drop_empty({
            "date_of_issue": f.get("issue_date"),
            "place_of_birth": f.get("place_of_birth"),
            "place_of_issue": seen.extras.get("place_of_issue", ""),
            "issuing_authority": f.get("issuing_authority"),
        }))
        extra_info = _drop_empty({"name": f.get("full_name") or seen.extras.get("name_cn", "")})
    result["confidence"] = _confidence([k for k in result if k != "passport_type"], len(result))
    result["extra_info"] = extra_info
    return {"result": result}


def huawei_emirates(seen: Seen, *, forced_side: str | None = None, report_detected_side: bool = False,
                    forms: frozenset[str] = frozenset()) -> dict:
    """The fields printed on the side in the photo; ``side`` is the forced one unless told to
    report the detected side (the document is silent on which)."""
    answer = _huawei_emirates_seen(seen)
    if "emirates_sex_arabic" in forms and answer["result"].get("sex") in ("M", "F"):
        answer["result"]["sex"] = {"M": "ذكر", "F": "أنثى"}[answer["result"]["sex"]]
    if forced_side and not report_detected_side:
        answer["result"]["side"] = forced_side
    return answer


def _huawei_emirates_seen(seen: Seen) -> dict:
    f = seen.fields
    if seen.kind == DocumentKind.EMIRATES_ID_BACK:
        result = _drop_empty({
            "side": "back",
            "card_number": f.get("card_number"),
            "country_code": f.get("issuing_state", "ARE"),
            "sex": f.get("sex"),
            "date_of_birth": _dmy(f.get("birth_date", "")),
            "expiry_date": _dmy(f.get("expiry_date", "")),
            "occupation": f.get("occupation"),
            "employer": f.get("employer"),
        })
        for index, line in enumerate(seen.mrz_lines[:3], start=1):
            result[f"machinecode{index}"] = line
    else:
        result = _drop_empty({
            "side": "front",
            "id_number": f.get("id_number"),
            "name": f.get("full_name"),
            "name_arabic": f.get("full_name_arabic"),
            "nationality": f.get("nationality"),
            "sex": f.get("sex"),
            "date_of_birth": _dmy(f.get("birth_date", "")),
            "expiry_date": _dmy(f.get("expiry_date", "")),
            "issue_date": _dmy(f.get("issue_date", "")),
        })
    result["confidence"] = _confidence([k for k in result if k != "side"], len(result))
    return {"result": result}


def huawei_bankcard(seen: Seen) -> dict:
    f = seen.fields
    number = seen.extras.get("card_number") or f.get("card_number", "")
    digits = "".join(ch for ch in number if ch.isdigit())
    brand = {"visa": "Visa", "mastercard": "MasterCard"}.get(f.get("card_brand", ""), "")
    result = {
        "bank_name": f.get("bank_name", ""),
        "card_number": " ".join(digits[i:i + 4] for i in range(0, len(digits), 4)),
        "issue_date": seen.extras.get("issue_date", ""),
        "expiry_date": f.get("card_expiry", ""),
        "type": brand,
        "card_holder": f.get("cardholder_name", ""),
    }
    result["confidence"] = _confidence(result.keys(), len(digits))
    return {"result": result}


def huawei_id_document(seen: Seen) -> dict:
    f = seen.fields
    id_type = "PP" if seen.kind == DocumentKind.PASSPORT else "ID"
    result = _drop_empty({
        "country_region": f.get("issuing_state") or f.get("nationality"),
        "id_type": id_type,
        "side": "front",
        "first_name": f.get("given_names"),
        "last_name": f.get("surname"),
        "sex": f.get("sex"),
        "nationality": f.get("nationality"),
        "birth_date": f.get("birth_date"),
        "issue_date": f.get("issue_date"),
        "expiry_date": f.get("expiry_date"),
        "document_number": f.get("document_number") or f.get("id_number"),
        "address": f.get("address"),
        "issuing_authority": f.get("issuing_authority"),
    })
    result["confidence"] = _confidence([k for k in result if k not in ("side", "id_type", "country_region")], 7)
    return {"result": result}


def text_lines(seen: Seen) -> list[str]:
    """The printed lines a general-text engine would find: field values, then the MRZ."""
    lines = [v for k, v in seen.fields.items() if v and not k.startswith("card_number")]
    return lines + list(seen.mrz_lines)


# Where a document types a field one way in its table and answers another way in its example,
# the simulator answers the example's form unless told to answer the table's (both are documented).
ANSWER_FORMS = (
    "huawei_location_flat",  # vendor-docs/004 Table 4-6: location as a flat array of integers
    "ctyun_detail_as_string",  # vendor-docs/002 §4.3.2 table: detail typed String (JSON text)
    "ctyun_line_without_text",  # vendor-docs/002 §4.3.1: text is optional (一个检测到但未识别的行)
    "emirates_sex_arabic",  # the card prints the sex in Arabic as well; the table only says "Gender"
)


def huawei_general_text(seen: Seen | None, detect_direction: bool, forms: frozenset[str] = frozenset()) -> dict:
    lines = text_lines(seen) if seen else []
    blocks = []
    for index, line in enumerate(lines):
        top = 20 + 40 * index
        width = 12 * len(line)
        points = [[20, top], [20 + width, top], [20 + width, top + 30], [20, top + 30]]
        location = [v for point in points for v in point] if "huawei_location_flat" in forms else points
        blocks.append({"words": line, "location": location})
    return {"result": {"direction": 0 if detect_direction else -1, "words_block_count": len(blocks),
                       "words_block_list": blocks}}


def ctyun_general(seen: Seen | None, forms: frozenset[str] = frozenset()) -> dict:
    lines = text_lines(seen) if seen else []
    detail = []
    for index, line in enumerate(lines):
        top = 20.0 + 40 * index
        right = 20.0 + 12 * len(line)
        detail.append({"name": str(index), "text": line,
                       "box": [20.0, top, right, top, right, top + 30, 20.0, top + 30]})
    if "ctyun_line_without_text" in forms:
        detail.insert(0, {"name": "blank", "box": [5.0, 5.0, 15.0, 5.0, 15.0, 15.0, 5.0, 15.0]})
    return {"text_line": len(detail), "detail": detail}


def ctyun_idcard(seen: Seen | None, forms: frozenset[str] = frozenset()) -> dict:
    """CTyun calls the national-emblem side ``front`` and the portrait side ``back``."""
    detail = {k: "" for k in ("name", "sex", "nation", "birthday", "idn", "addr", "org", "validperiod")}
    note = ""
    if seen is not None and seen.kind == DocumentKind.CN_ID_PORTRAIT:
        f = seen.fields
        birth = f.get("birth_date", "").replace("-", "")
        detail.update({"name": f.get("full_name", ""), "sex": f.get("sex", ""), "nation": f.get("ethnicity", ""),
                       "birthday": birth, "idn": f.get("id_number", ""), "addr": f.get("address", "")})
        note = "back"
    elif seen is not None and seen.kind == DocumentKind.CN_ID_EMBLEM:
        f = seen.fields
        detail.update({"org": f.get("issuing_authority", ""), "validperiod": f.get("validity_period", "")})
        note = "front"
    answered = json.dumps(detail, ensure_ascii=False) if "ctyun_detail_as_string" in forms else detail
    return {"note": note, "detail": answered, "idcard_face": "no face", "demo_image": "demo_image", "risk": "normal"}
