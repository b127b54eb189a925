"""What an applicant can present, and which sides each document needs."""

from __future__ import annotations

from enum import StrEnum


class DocumentKind(StrEnum):
    """One image of one side of one document: the unit an OCR call reads."""

    PASSPORT = "passport"  # the data page, with the TD3 MRZ
    EMIRATES_ID_FRONT = "emirates_id_front"
    EMIRATES_ID_BACK = "emirates_id_back"  # carries the TD1 MRZ
    # GB 11643 cards are named by what is printed on the side, never "front/back":
    # Huawei and CTyun disagree about which side is the front.
    CN_ID_PORTRAIT = "cn_id_portrait"  # name, sex, ethnicity, birth date, address, number
    CN_ID_EMBLEM = "cn_id_emblem"  # issuing authority, validity period
    BANK_CARD = "bank_card"
    # Not a side of a document: the applicant's own face, matched against the document portrait.
    # No OCR reader ever reads it (READ_KINDS leaves it out).
    SELFIE = "selfie"


# The kinds an OCR reader reads: every kind but the selfie.
READ_KINDS: tuple[DocumentKind, ...] = tuple(k for k in DocumentKind if k is not DocumentKind.SELFIE)


def is_read_by_ocr(kind: str) -> bool:
    """Whether an image of ``kind`` goes to an OCR reader (a selfie never does)."""
    return kind != DocumentKind.SELFIE.value


class DocumentType(StrEnum):
    """The document an applicant chooses to present for a case."""

    PASSPORT = "passport"
    EMIRATES_ID = "emirates_id"
    CN_RESIDENT_ID = "cn_resident_id"


REQUIRED_KINDS: dict[DocumentType, tuple[DocumentKind, ...]] = {
    DocumentType.PASSPORT: (DocumentKind.PASSPORT,),
    DocumentType.EMIRATES_ID: (DocumentKind.EMIRATES_ID_FRONT, DocumentKind.EMIRATES_ID_BACK),
    DocumentType.CN_RESIDENT_ID: (DocumentKind.CN_ID_PORTRAIT, DocumentKind.CN_ID_EMBLEM),
}


class SupportingRequirement(StrEnum):
    """Whether a case asks for a supporting document (a bank card, for account funding) beside its
    identity document. The admin sets it per document type; a case keeps the value it started with."""

    NOT_ASKED = "not_asked"
    OPTIONAL = "optional"
    REQUIRED = "required"


class SelfieRequirement(StrEnum):
    """Whether a case asks for a selfie and a liveness capture after its documents. The admin sets it
    per document type; a case keeps the value it started with."""

    NOT_ASKED = "not_asked"
    REQUIRED = "required"


class LivenessChallenge(StrEnum):
    """What the applicant is asked to do while the camera takes a burst of frames.

    Left and right are the applicant's own (turning to their left shows the camera their right
    cheek); frames are stored as the camera saw them, never mirrored. The server picks one at random
    per capture, so a recording made for one challenge does not answer the other.
    """

    TURN_LEFT_THEN_RIGHT = "turn_left_then_right"
    TURN_RIGHT_THEN_LEFT = "turn_right_then_left"


def case_kinds(
    document_type: DocumentType, bank_card: SupportingRequirement = SupportingRequirement.NOT_ASKED
) -> tuple[tuple[DocumentKind, ...], tuple[DocumentKind, ...]]:
    """The sides a case must have, and the sides it may have besides: ``(required, optional)``."""
    required = REQUIRED_KINDS[DocumentType(document_type)]
    bank_card = SupportingRequirement(bank_card)
    if bank_card is SupportingRequirement.REQUIRED:
        return (*required, DocumentKind.BANK_CARD), ()
    if bank_card is SupportingRequirement.OPTIONAL:
        return required, (DocumentKind.BANK_CARD,)
    return required, ()


KIND_LABELS: dict[DocumentKind, str] = {
    DocumentKind.PASSPORT: "Passport data page",
    DocumentKind.EMIRATES_ID_FRONT: "Emirates ID, front",
    DocumentKind.EMIRATES_ID_BACK: "Emirates ID, back",
    DocumentKind.CN_ID_PORTRAIT: "Chinese resident ID, portrait side",
    DocumentKind.CN_ID_EMBLEM: "Chinese resident ID, national-emblem side",
    DocumentKind.BANK_CARD: "Bank card",
    DocumentKind.SELFIE: "Selfie",
}
