"""One signed request per API of a vendor account, and what came back: the five-minute check of
the assumptions docs/vendors.md lists, run by ``python manage.py vendor_check <account>``.

Images are synthetic specimens drawn in memory (no real document, nothing written to disk);
the report names fields and shapes, never a value read. Each call is recorded as an attempt like
any other, under the subject ``vendor_check``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..documents.kinds import DocumentKind
from ..documents.reading import Reading
from ..provider import ErrorClass, OcrError, ReadRequest
from . import attempts
from .accounts import account_config
from .checks import account_problems


@dataclass
class CheckLine:
    api: str
    outcome: str  # "success" or an ErrorClass value
    code: str = ""
    http_status: int | None = None
    duration_ms: int = 0
    request_id: str = ""
    fields: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what an assumption looked like on this answer

    @property
    def ok(self) -> bool:
        return self.outcome == "success"


def _specimen(kind: DocumentKind) -> bytes:
    from ..specimens import generate_specimen

    return generate_specimen(kind, 11).image


def _run(api: str, call: Callable[[], Reading], notes: Callable[[Reading], list[str]] | None = None) -> CheckLine:
    with attempts.observed() as seen, attempts.subject("vendor_check"):
        try:
            reading = call()
        except OcrError as exc:
            line = CheckLine(api, str(exc.error_class), exc.code, exc.http_status, 0, exc.vendor_request_id or "")
            if exc.vendor_message:
                line.notes.append(f"vendor said: {exc.vendor_message[:160]}")
            if exc.code == "10020":
                line.notes.append("signature refused: check the secret key, then clock_zone (eop-date)")
        else:
            line = CheckLine(api, "success", "", None, 0, reading.vendor_request_id or "",
                             sorted(reading.fields), notes(reading) if notes else [])
            if reading.mrz_lines:
                line.notes.append(f"MRZ lines: {len(reading.mrz_lines)}")
    last = seen[-1] if seen else None
    if last is not None:
        line.http_status = line.http_status or last.http_status
        line.duration_ms = last.duration_ms
        line.request_id = line.request_id or last.vendor_request_id
        if line.ok and last.outcome != "success":
            line.outcome, line.code = last.outcome, last.error_code
    return line


def _shape(value: Any) -> str:
    return "string" if isinstance(value, str) else "object" if isinstance(value, dict) else type(value).__name__


def _huawei_lines(name: str) -> list[CheckLine]:
    from .huawei.client import HuaweiOcrClient, account_from_settings

    client = HuaweiOcrClient(account_from_settings(name))

    def emirates_notes(asked: str) -> Callable[[Reading], list[str]]:
        def notes(reading: Reading) -> list[str]:
            answered = (reading.raw_response.get("result") or {}).get("side")
            return [f"side asked {asked}, answered {answered!r}"]
        return notes

    def text_notes(reading: Reading) -> list[str]:
        blocks = (reading.raw_response.get("result") or {}).get("words_block_list") or []
        if not blocks:
            return ["no words blocks"]
        location = blocks[0].get("location") or []
        form = "pairs" if location and isinstance(location[0], list) else "flat integers"
        return [f"location as {form}"]

    lines = [
        _run("ocr/passport", lambda: client.passport(_specimen(DocumentKind.PASSPORT))),
        _run("ocr/emirates-id-card front", lambda: client.emirates_id(_specimen(DocumentKind.EMIRATES_ID_FRONT),
                                                                      kind=DocumentKind.EMIRATES_ID_FRONT),
             emirates_notes("front")),
        _run("ocr/emirates-id-card back", lambda: client.emirates_id(_specimen(DocumentKind.EMIRATES_ID_BACK),
                                                                     kind=DocumentKind.EMIRATES_ID_BACK),
             emirates_notes("back")),
        _run("ocr/bankcard", lambda: client.bankcard(_specimen(DocumentKind.BANK_CARD))),
    ]
    if client.account.vendor != "g42":  # G42 lists neither (vendors.checks)
        lines.append(_run("ocr/general-text", lambda: client.general_text(_specimen(DocumentKind.PASSPORT),
                                                                           kind=DocumentKind.PASSPORT), text_notes))
        if client.account.passport_api == "auto":
            lines.append(_run("ocr/id-document (discontinued)", lambda: client.id_document(
                _specimen(DocumentKind.PASSPORT), kind=DocumentKind.PASSPORT, country_region=None, id_type="PP")))
    return lines


def _ctyun_lines(name: str) -> list[CheckLine]:
    from .ctyun.client import CtyunOcrClient, account_from_settings

    # One image per call, no batch queue: each answer is attributable.
    client = CtyunOcrClient(replace(account_from_settings(name), batching=False))

    def read(kind: DocumentKind) -> Callable[[], Reading]:
        return lambda: client.read(ReadRequest(kind, _specimen(kind), "image/png"))

    def idcard_notes(reading: Reading) -> list[str]:
        item = (reading.raw_response.get("returnObj") or [{}])[0]
        return [f"note {item.get('note')!r}", f"detail as {_shape(item.get('detail'))}"]

    def general_notes(reading: Reading) -> list[str]:
        detail = (reading.raw_response.get("returnObj") or [{}])[0].get("detail") or []
        without = sum(1 for entry in detail if isinstance(entry, dict) and "text" not in entry)
        return [f"{len(detail)} lines, {without} without text"]

    return [
        _run("idcard portrait side", read(DocumentKind.CN_ID_PORTRAIT), idcard_notes),
        _run("idcard emblem side", read(DocumentKind.CN_ID_EMBLEM), idcard_notes),
        _run("general OCR", read(DocumentKind.PASSPORT), general_notes),
    ]


def check_account(name: str) -> tuple[list[str], list[CheckLine]]:
    """``(configuration problems, one line per API)``. A refused configuration makes no call."""
    config = account_config(name)
    problems = account_problems(name, config)
    refused = [p for p in problems if p.refused]
    notes = [("refused: " if p.refused else "warning: ") + p.message for p in problems]
    if refused:
        return notes, []
    vendor = config.get("vendor")
    if vendor == "ctyun":
        return notes, _ctyun_lines(name)
    if vendor in ("huawei", "g42"):
        return notes, _huawei_lines(name)
    raise OcrError(ErrorClass.CONFIGURATION, f"OCR account {name!r} has no known vendor ({vendor!r}).",
                   code="not_configured")
