"""The canonical reading: what every OCR provider (vendor or embedded) returns for one image.

Every adapter normalises its vendor's answer into a :class:`Reading`, so the cross-checks,
the database and the reviewer's screen never see a vendor's own field names.

Canonical field names (``Reading.fields`` keys) and the form of their values:

=====================  =======================================================================
name                   value
=====================  =======================================================================
document_code          MRZ document code as printed in the visual zone or MRZ (``P``, ``ID``)
document_number        passport / card number as printed
surname                upper- or mixed-case Latin surname as printed
given_names            Latin given names as printed, space separated
full_name              a name printed as one string (Chinese ID name, Emirates ID name)
full_name_arabic       the Arabic name on an Emirates ID
nationality            ICAO three-letter code (``ARE``, ``CHN``) or the printed word
issuing_state          ICAO three-letter code of the issuer
birth_date             ISO date ``YYYY-MM-DD``
sex                    ``M``, ``F`` or ``X``; Chinese IDs keep ``男`` / ``女`` as printed
expiry_date            ISO date ``YYYY-MM-DD``
issue_date             ISO date ``YYYY-MM-DD``
id_number              the Emirates ID ``784-YYYY-NNNNNNN-C`` or the 18-character Chinese ID
card_number            Emirates ID card number (9 digits, back of the card)
personal_number        the optional personal-number field of a passport
ethnicity              民族 on a Chinese ID
address                the printed address
issuing_authority      签发机关 on a Chinese ID, or the authority printed on a passport
validity_period        Chinese ID validity as printed: ``YYYY.MM.DD-YYYY.MM.DD`` or ``...-长期``
place_of_birth         as printed
occupation, employer   Emirates ID (older cards) as printed
card_number_masked     bank card number, first 6 and last 4 digits only (``411111******1111``)
card_brand             ``visa``, ``mastercard``, ... derived from the prefix
card_number_luhn       ``valid`` / ``invalid`` (computed before masking, since it cannot be after)
card_expiry            bank card expiry ``MM/YY``
cardholder_name        as printed on a bank card
bank_name              as printed
card_issue_date        bank card "valid from" ``MM/YY`` as printed
nationality_arabic     the Arabic nationality on an Emirates ID
laser_number           the laser-engraved number on the back of an Emirates ID
place_of_issue         as printed on a passport
local_<key>            a passport's fields in the issuing country's own language (Huawei
                       ``extra_info``), by the vendor's key: ``local_name`` ...
=====================  =======================================================================

MRZ lines are kept whole in ``Reading.mrz_lines`` (top to bottom, ``<`` as filler); the
cross-checks parse them, so providers never split MRZ fields themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .kinds import DocumentKind

# The field names above, for validation of adapters' output.
CANONICAL_FIELDS: frozenset[str] = frozenset(
    {
        "document_code", "document_number", "surname", "given_names", "full_name",
        "full_name_arabic", "nationality", "issuing_state", "birth_date", "sex", "expiry_date",
        "issue_date", "id_number", "card_number", "personal_number", "ethnicity", "address",
        "issuing_authority", "validity_period", "place_of_birth", "occupation", "employer",
        "card_number_masked", "card_brand", "card_number_luhn", "card_expiry",
        "cardholder_name", "bank_name", "card_issue_date", "nationality_arabic", "laser_number",
        "place_of_issue",
    }
)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in image pixels (origin top left)."""

    left: int
    top: int
    right: int
    bottom: int

    def to_json(self) -> list[int]:
        return [self.left, self.top, self.right, self.bottom]

    @classmethod
    def from_json(cls, data: list[int] | None) -> Box | None:
        if data is None:
            return None
        left, top, right, bottom = (int(v) for v in data)
        return cls(left, top, right, bottom)

    @classmethod
    def around(cls, points: list[tuple[float, float]] | list[list[float]]) -> Box:
        """The smallest box around a polygon (vendors return four corner points)."""
        xs = [float(p[0]) for p in points]
        ys = [float(p[1]) for p in points]
        return cls(int(min(xs)), int(min(ys)), int(round(max(xs))), int(round(max(ys))))


@dataclass(frozen=True)
class ReadField:
    """One value read from an image. ``confidence`` is 0..1 when the provider gives one."""

    value: str
    confidence: float | None = None
    box: Box | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": self.confidence,
            "box": self.box.to_json() if self.box else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReadField:
        confidence = data.get("confidence")
        return cls(
            value=str(data["value"]),
            confidence=None if confidence is None else float(confidence),
            box=Box.from_json(data.get("box")),
        )


@dataclass(frozen=True)
class Reading:
    """Everything one provider read from one image.

    ``provider`` names who read it (``local``, ``huawei``, ``g42``, ``ctyun`` ...);
    ``raw_response`` is the vendor's answer as received, kept for audit (JSON-serialisable,
    with the image never in it); ``vendor_request_id`` is the vendor's id for the call.
    """

    provider: str
    document_kind: DocumentKind
    fields: dict[str, ReadField] = field(default_factory=dict)
    mrz_lines: tuple[str, ...] = ()
    raw_response: dict[str, Any] = field(default_factory=dict)
    vendor_request_id: str | None = None

    def value(self, name: str) -> str | None:
        read = self.fields.get(name)
        return read.value if read else None

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "document_kind": str(self.document_kind),
            "fields": {name: f.to_json() for name, f in self.fields.items()},
            "mrz_lines": list(self.mrz_lines),
            "raw_response": self.raw_response,
            "vendor_request_id": self.vendor_request_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reading:
        return cls(
            provider=str(data["provider"]),
            document_kind=DocumentKind(data["document_kind"]),
            fields={name: ReadField.from_json(f) for name, f in data.get("fields", {}).items()},
            mrz_lines=tuple(data.get("mrz_lines", ())),
            raw_response=dict(data.get("raw_response", {})),
            vendor_request_id=data.get("vendor_request_id"),
        )
