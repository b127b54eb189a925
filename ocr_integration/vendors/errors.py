"""Every error code the vendors' documents define, mapped to what the caller should do about it.

# Reference: vendor-docs/001 (G42 OCR API Reference, English) §4.1 Status Codes, §4.2 Error Codes;
# vendor-docs/000 (the Chinese edition, same tables); vendor-docs/002 (CTyun OCR) §4.1.3
# 全局请求返回错误码 and the 错误码说明 table of each API (通用型OCR, 身份证识别, 车牌识别, 营业执照识别).

Rules used to pick a class when the document only says "contact technical support":
- the request we built is wrong, or the account/subscription/credentials are -> CONFIGURATION
  (recapturing cannot help, retrying cannot help; an admin must act);
- the image itself is refused (format, size, dimensions, undecodable, unreadable) -> INVALID_IMAGE;
- rate or concurrency limits -> THROTTLED;
- the vendor's backend failed or timed out -> TRANSIENT;
- "recognition failed" with no further reason -> UNKNOWN (a bounded number of retries).
"""

from __future__ import annotations

from ..provider import ErrorClass

C, I, T, R, U = (  # noqa: E741 - one letter per class keeps the tables readable
    ErrorClass.CONFIGURATION,
    ErrorClass.INVALID_IMAGE,
    ErrorClass.THROTTLED,
    ErrorClass.TRANSIENT,
    ErrorClass.UNKNOWN,
)

# Huawei Cloud / G42 (one stack): AIS.* (OCR), ModelArts.* (platform), APIG.* (API gateway).
HUAWEI_CODES: dict[str, ErrorClass] = {
    "AIS.0101": C,  # input parameter invalid: the request we built is wrong
    "AIS.0102": I,  # image format not supported
    "AIS.0103": I,  # image size does not meet the requirements
    "AIS.0104": I,  # image not supported or poor quality
    "AIS.0105": U,  # recognition failed (algorithm)
    "ModelArts.0203": C,  # invalid token
    "ModelArts.4101": C,  # token header empty
    "ModelArts.4102": C,  # parse token error
    "ModelArts.4103": C,  # invalid token header
    "ModelArts.4104": I,  # request content length invalid (image over 10 MB after base64)
    "ModelArts.4105": C,  # request JSON malformed
    "ModelArts.4106": C,  # account restricted
    "ModelArts.4107": R,  # temporary AK/SK error on the vendor's side
    "ModelArts.4201": C,  # URL needs service id
    "ModelArts.4202": C,  # URL format invalid
    "ModelArts.4203": C,  # access denied
    "ModelArts.4204": C,  # API not subscribed (or wrong region/account)
    "ModelArts.4301": R,  # vendor could not get its admin token
    "ModelArts.4302": R,  # gateway forwarding error
    "ModelArts.4401": T,  # max concurrency exceeded
    "ModelArts.4402": R,  # backend timeout
    "ModelArts.4403": R,  # backend unavailable
    "ModelArts.4502": R,  # backend response error
    "ModelArts.4503": C,  # service does not exist (wrong region or endpoint)
    "ModelArts.4504": C,  # API does not exist
    "ModelArts.4505": R,  # backend internal error
    "ModelArts.4506": C,  # sub-service does not exist
    "ModelArts.4508": C,  # service does not exist or is stopped
    "ModelArts.4601": C,  # URL not allowed (we never send URLs)
    "ModelArts.4603": R,  # downloading the URL failed
    "ModelArts.4702": C,  # OBS agency query failed
    "ModelArts.4703": C,  # OBS URL invalid
    "ModelArts.4704": R,  # getting the OBS file failed
    "ModelArts.4705": I,  # OBS file oversized
    "ModelArts.4706": C,  # OBS file does not exist
    "APIG.0101": C,  # API does not exist / not published (project id, region, method)
    "APIG.0201": R,  # backend timeout
    "APIG.0301": C,  # IAM authentication information incorrect (token or AK/SK)
    "APIG.0308": T,  # throttling threshold reached
}

# Codes for which a token-authenticated client should fetch a new token once and retry.
HUAWEI_TOKEN_ERRORS: frozenset[str] = frozenset(
    {"ModelArts.0203", "ModelArts.4101", "ModelArts.4102", "ModelArts.4103", "APIG.0301"}
)


def huawei_code_key(code: str) -> str:
    """The key of ``HUAWEI_CODES`` for a code as answered.

    vendor-docs/001 §4.2 says OCR errors may start with ``ModelArts``, ``APIGW`` or ``APIG`` and
    tabulates only ``APIG``; the gateway's ``APIGW.0301`` is read as its twin ``APIG.0301``.
    """
    text = (code or "").strip()
    if text.startswith("APIGW."):
        return "APIG." + text.removeprefix("APIGW.")
    return text


def is_huawei_token_error(code: str) -> bool:
    return huawei_code_key(code) in HUAWEI_TOKEN_ERRORS

# China Telecom Cloud: the global EOP gateway codes (numeric) and the AI_OP_* codes of the APIs.
CTYUN_CODES: dict[str, ErrorClass] = {
    "10002": C,  # AK information wrong when signing
    "10020": C,  # signature wrong
    "40002": C,  # appkey header missing
    "40006": C,  # appkey invalid
    "40008": C,  # request type not supported
    "40009": C,  # IP not authorised for the app
    "40010": C,  # IP not authorised for the API
    "50000": R,  # gateway internal error
    "50001": C,  # service not registered
    "50002": C,  # application not activated
    "50003": C,  # invalid URL for the API
    "51001": C,  # purchased service expired
    "51002": C,  # paid API not purchased
    "51003": C,  # API call quota exhausted
    # 通用型OCR (6 digits)
    "AI_OP_400001": C,  # wrong path
    "AI_OP_400002": C,  # wrong method
    "AI_OP_400003": C,  # empty body
    "AI_OP_400004": C,  # body not JSON
    "AI_OP_400005": C,  # body not a dict
    "AI_OP_400006": C,  # required parameter missing
    "AI_OP_400007": C,  # illegal parameter (business licence)
    "AI_OP_400008": C,  # parameter type wrong
    "AI_OP_400009": C,  # data list empty / Action value wrong
    "AI_OP_400010": C,  # ImageData empty (business licence)
    "AI_OP_400011": C,  # base64 could not be decoded: our encoding, not the photo
    "AI_OP_400012": I,  # file format not allowed
    "AI_OP_400013": I,  # file too large
    "AI_OP_400014": I,  # bytes do not decode to an image (business licence)
    "AI_OP_400015": I,  # dimensions out of range (business licence)
    "AI_OP_400018": C,  # more than 50 images in one call
    "AI_OP_410001": I,  # bytes do not decode to an image
    "AI_OP_410002": I,  # dimensions out of range
    "AI_OP_500001": R,  # OCR service error
    # 身份证识别 / 车牌识别 (4 digits)
    "AI_OP_4001": C,  # request JSON handling error
    "AI_OP_4002": C,  # body not a dict
    "AI_OP_4003": C,  # no data field
    "AI_OP_4004": C,  # data not a list
    "AI_OP_4005": C,  # data list empty
    "AI_OP_4006": C,  # more than 50 images
    "AI_OP_4008": C,  # base64 could not be decoded: our encoding, not the photo
    "AI_OP_4009": I,  # file format not allowed
    "AI_OP_4010": I,  # image over 10 MB
    "AI_OP_4011": I,  # dimensions out of range
    "AI_OP_4012": C,  # wrong method
    "AI_OP_4013": C,  # wrong path
    "AI_OP_5000": R,  # OCR service error
}


def ctyun_code_key(code: int | str) -> str:
    """The key of ``CTYUN_CODES`` for a code as it appears in a response.

    Gateway codes come as bare numbers (``10020``); API codes as ``AI_OP_4008`` in ``error`` or
    as the bare number in ``statusCode`` / per-image ``err_code``.
    """
    text = str(code).strip()
    if text.startswith("AI_OP_") or text in CTYUN_CODES:
        return text
    return f"AI_OP_{text}"


def classify_status(status: int | None) -> ErrorClass:
    """The class of an answer whose body carries no documented code (§4.1 Status Codes)."""
    if status is None:
        return R
    if status == 429:
        return T
    if status in (401, 403, 404, 405):
        return C
    if status == 413:
        return I
    if status in (408,) or status >= 500:
        return R
    return U


def classify_huawei_status(status: int | None) -> ErrorClass:
    """A Huawei-stack answer without a documented code, by vendor-docs/001 §4.1 (Status Codes):
    400, 403, 404, 405 and 503 say "modify the request, do not repeat it" -> permanent."""
    if status in (400, 403, 404, 405, 503):
        return C
    return classify_status(status)


def classify_huawei(code: str | None, status: int | None) -> ErrorClass:
    key = huawei_code_key(code or "")
    if key in HUAWEI_CODES:
        return HUAWEI_CODES[key]
    return classify_huawei_status(status)


def classify_ctyun(code: int | str | None, status: int | None) -> ErrorClass:
    if status == 429:
        # The CTyun document names throttling ("限流报错", 5 QPS by default) but gives it no code.
        return T
    if code not in (None, ""):
        key = ctyun_code_key(code)
        if key in CTYUN_CODES:
            return CTYUN_CODES[key]
    return classify_status(status)


# What the applicant or admin is told, per class (the vendor's own message is kept separately).
MESSAGES: dict[ErrorClass, str] = {
    I: "The photo could not be read. Please take a new, sharp photo of the whole document.",
    C: "The OCR service refused our request; an administrator must check its configuration.",
    T: "The OCR service is busy; the read will be retried shortly.",
    R: "The OCR service failed temporarily; the read will be retried.",
    U: "The OCR service could not read the document; the read will be retried a few times.",
}
