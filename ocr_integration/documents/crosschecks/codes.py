"""Every finding code the cross-checks can emit: its possible outcomes and what it means.

``docs/finding-codes.md`` lists the same codes with their evidence; a test keeps the two in step.
"""

from __future__ import annotations

from .. import duplicates, faces

# code -> (possible outcomes, meaning); docs/finding-codes.md is generated from the same facts.
FINDING_CODES: dict[str, tuple[tuple[str, ...], str]] = {
    "DOC_SIDE_MISSING": (("fail",), "A side the document type needs was not read."),
    # Emitted beside the engine by the case's owner, which alone can see other cases
    # (ocr_integration/documents/duplicates.py).
    duplicates.CODE: (("pass", "warn"), duplicates.MEANING),
    "DOC_DUPLICATE_READING": (("warn",), "Two primary readings of the same side; the first is used."),
    "OCR_CONFIDENCE": (("pass", "warn"), "Provider confidence of every field against the minimum."),
    "FIELD_UNREADABLE": (("warn",), "A printed value could not be interpreted (garbled date ...)."),
    "MRZ_MISSING": (("fail",), "The side should carry an MRZ but no MRZ lines were read."),
    "MRZ_READ_BY_SECOND_READER": (("pass",), "The primary reader returned no MRZ lines; the second reader's MRZ and printed fields are checked."),
    "MRZ_UNREADABLE": (("fail",), "The MRZ text does not have an MRZ layout."),
    "MRZ_DOCUMENT_TYPE": (("pass", "fail"), "MRZ format and document code suit the document."),
    "MRZ_CHECK_DIGIT": (("pass", "fail"), "One MRZ check digit (document number, dates, personal number, composite)."),
    "MRZ_FIELDS_VALID": (("pass",), "Every MRZ field is well formed."),
    "MRZ_FIELD_INVALID": (("fail",), "An MRZ field is malformed (bad date, unknown state code, bad sex, name format ...)."),
    "MRZ_FIELD_WARNING": (("warn",), "An MRZ oddity that is not an error (padded line, implausible expiry)."),
    "MRZ_NAME_TRUNCATED": (("warn",), "The MRZ name fills its field and may be truncated."),
    "MRZ_CORRECTED": (("warn",), "OCR confusions in the MRZ were repaired (digits in names, check-digit-confirmed fixes); the changes are listed."),
    "MRZ_CORRECTION_AMBIGUOUS": (("warn",), "Several corrections would satisfy the check digits; none was applied."),
    "VIZ_MRZ_NAME": (("pass", "warn", "fail"), "Printed name against the MRZ name, component by component (similarity score)."),
    "VIZ_MRZ_BIRTH_DATE": (("pass", "warn", "fail"), "Printed birth date against the MRZ (warn: read with low confidence, one look-alike digit apart)."),
    "VIZ_MRZ_EXPIRY_DATE": (("pass", "warn", "fail"), "Printed expiry date against the MRZ (warn: read with low confidence, one look-alike digit apart)."),
    "VIZ_MRZ_DOCUMENT_NUMBER": (("pass", "warn", "fail"), "Printed document/card number against the MRZ."),
    "VIZ_MRZ_NATIONALITY": (("pass", "warn", "fail"), "Printed nationality against the MRZ."),
    "VIZ_MRZ_ISSUING_STATE": (("pass", "warn", "fail"), "Printed issuing state against the MRZ."),
    "VIZ_MRZ_SEX": (("pass", "fail"), "Printed sex against the MRZ."),
    "VIZ_FIELD_NOT_READ": (("warn",), "A printed field was not read, so it was not compared (with the MRZ or ID number)."),
    "NAME_NOT_COMPARABLE": (("warn",), "Two names are in scripts that cannot be compared automatically."),
    "EID_ID_NUMBER": (("pass", "fail"), "Emirates ID number on the front: 15 digits, 784, Luhn."),
    "EID_ID_NUMBER_FRONT_BACK": (("pass", "fail"), "Emirates ID number on the front against the MRZ optional data."),
    "EID_MRZ_ISSUER": (("pass", "fail"), "Back MRZ issuing state is ARE."),
    "EID_MRZ_CARD_NUMBER": (("pass", "fail"), "Back MRZ document number is the 9-digit card number."),
    "EID_MRZ_ID_NUMBER": (("pass", "fail"), "Back MRZ optional data holds a valid 784 ID number."),
    "CN_ID_NUMBER": (("pass", "fail"), "Chinese ID number: 18 characters, MOD 11-2 check character."),
    "CN_ID_LEGACY_NUMBER": (("fail",), "A 15-digit first-generation Chinese ID number."),
    "CN_ID_PROVINCE": (("pass", "fail"), "The number's first two digits are a province code."),
    "CN_ID_BIRTH_DATE": (("pass", "fail"), "The birth date in the number is real and equals the printed one."),
    "CN_ID_SEX": (("pass", "fail"), "The sequence parity matches the printed sex (odd male, even female)."),
    "CN_ID_VALIDITY_PERIOD": (("pass", "warn", "fail"), "Validity period readable and its length right for the age at issue."),
    "DOC_EXPIRY": (("pass", "warn", "fail"), "Document expired, expiring within the warning window, or valid."),
    "DOC_EXPIRY_UNKNOWN": (("fail",), "No expiry date could be established."),
    "APPLICANT_AGE": (("pass", "warn", "fail"), "Age from the birth date against the minimum age (and plausibility)."),
    "APPLICANT_AGE_UNKNOWN": (("fail",), "No birth date could be established."),
    "DECLARED_NAME": (("pass", "warn", "fail"), "Name the applicant typed against the document."),
    "DECLARED_BIRTH_DATE": (("pass", "fail"), "Birth date the applicant typed against the document."),
    "DECLARED_NATIONALITY": (("pass", "warn", "fail"), "Nationality the applicant typed against the document."),
    "DECLARED_COUNTRY": (("pass", "fail"), "Issuing country the applicant chose against the document's issuing state."),
    "READERS_AGREE": (("pass",), "A second reader agrees on every check-protected field compared."),
    "READERS_DISAGREE": (("warn", "fail"), "Two readers disagree on a check-protected field."),
    "BANK_CARD_NUMBER": (("pass", "warn", "fail"), "Bank card number masked and Luhn-valid."),
    "BANK_CARD_BRAND": (("pass", "warn"), "Reported card brand against the brand implied by the prefix."),
    "BANK_CARD_EXPIRY": (("pass", "warn", "fail"), "Bank card MM/YY expiry against today."),
    "BANK_CARD_NAME": (("pass", "warn", "fail"), "Cardholder name against the identity document name."),
    "CHECK_ERROR": (("fail",), "A check could not run on this input (a bug); the reviewer must check by hand."),
    # Emitted by the case's owner beside the engine, from the face engine's measurements
    # (ocr_integration/documents/faces.py).
    **{code: (faces.OUTCOMES[code], faces.MEANINGS[code]) for code in
       (faces.FACE_MATCH, faces.FACE_NOT_FOUND, faces.LIVENESS, faces.DUPLICATE_FACE)},
}
