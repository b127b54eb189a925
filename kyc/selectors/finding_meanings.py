"""What each finding code checks, in the reviewer's language.

The check engine (ocr_integration.documents.crosschecks.FINDING_CODES) keeps these sentences in
English: it is a library of document standards and imports nothing from Django. They are repeated
here, marked for the catalogues, and translated when shown; tests/kyc/reviewer/test_reviewer_language.py
fails when the two lists differ, so a new or reworded code is never shown untranslated unnoticed.
"""

from django.utils.translation import gettext_lazy

FINDING_MEANINGS = {
    "DOC_SIDE_MISSING": gettext_lazy("A side the document type needs was not read."),
    "DUPLICATE_DOCUMENT": gettext_lazy(
        "The same identity document (issuing state and number) was presented in another case."
    ),
    "DOC_DUPLICATE_READING": gettext_lazy("Two primary readings of the same side; the first is used."),
    "OCR_CONFIDENCE": gettext_lazy("Provider confidence of every field against the minimum."),
    "FIELD_UNREADABLE": gettext_lazy("A printed value could not be interpreted (garbled date ...)."),
    "MRZ_MISSING": gettext_lazy("The side should carry an MRZ but no MRZ lines were read."),
    "MRZ_READ_BY_SECOND_READER": gettext_lazy("The primary reader returned no MRZ lines; the second reader's MRZ and printed fields are checked."),
    "MRZ_UNREADABLE": gettext_lazy("The MRZ text does not have an MRZ layout."),
    "MRZ_DOCUMENT_TYPE": gettext_lazy("MRZ format and document code suit the document."),
    "MRZ_CHECK_DIGIT": gettext_lazy("One MRZ check digit (document number, dates, personal number, composite)."),
    "MRZ_FIELDS_VALID": gettext_lazy("Every MRZ field is well formed."),
    "MRZ_FIELD_INVALID": gettext_lazy("An MRZ field is malformed (bad date, unknown state code, bad sex, name format ...)."),
    "MRZ_FIELD_WARNING": gettext_lazy("An MRZ oddity that is not an error (padded line, implausible expiry)."),
    "MRZ_NAME_TRUNCATED": gettext_lazy("The MRZ name fills its field and may be truncated."),
    "MRZ_CORRECTED": gettext_lazy("OCR confusions in the MRZ were repaired (digits in names, check-digit-confirmed fixes); the changes are listed."),
    "MRZ_CORRECTION_AMBIGUOUS": gettext_lazy("Several corrections would satisfy the check digits; none was applied."),
    "VIZ_MRZ_NAME": gettext_lazy("Printed name against the MRZ name, component by component (similarity score)."),
    "VIZ_MRZ_BIRTH_DATE": gettext_lazy("Printed birth date against the MRZ (warn: read with low confidence, one look-alike digit apart)."),
    "VIZ_MRZ_EXPIRY_DATE": gettext_lazy("Printed expiry date against the MRZ (warn: read with low confidence, one look-alike digit apart)."),
    "VIZ_MRZ_DOCUMENT_NUMBER": gettext_lazy("Printed document/card number against the MRZ."),
    "VIZ_MRZ_NATIONALITY": gettext_lazy("Printed nationality against the MRZ."),
    "VIZ_MRZ_ISSUING_STATE": gettext_lazy("Printed issuing state against the MRZ."),
    "VIZ_MRZ_SEX": gettext_lazy("Printed sex against the MRZ."),
    "VIZ_FIELD_NOT_READ": gettext_lazy("A printed field was not read, so it was not compared (with the MRZ or ID number)."),
    "NAME_NOT_COMPARABLE": gettext_lazy("Two names are in scripts that cannot be compared automatically."),
    "EID_ID_NUMBER": gettext_lazy("Emirates ID number on the front: 15 digits, 784, Luhn."),
    "EID_ID_NUMBER_FRONT_BACK": gettext_lazy("Emirates ID number on the front against the MRZ optional data."),
    "EID_MRZ_ISSUER": gettext_lazy("Back MRZ issuing state is ARE."),
    "EID_MRZ_CARD_NUMBER": gettext_lazy("Back MRZ document number is the 9-digit card number."),
    "EID_MRZ_ID_NUMBER": gettext_lazy("Back MRZ optional data holds a valid 784 ID number."),
    "CN_ID_NUMBER": gettext_lazy("Chinese ID number: 18 characters, MOD 11-2 check character."),
    "CN_ID_LEGACY_NUMBER": gettext_lazy("A 15-digit first-generation Chinese ID number."),
    "CN_ID_PROVINCE": gettext_lazy("The number's first two digits are a province code."),
    "CN_ID_BIRTH_DATE": gettext_lazy("The birth date in the number is real and equals the printed one."),
    "CN_ID_SEX": gettext_lazy("The sequence parity matches the printed sex (odd male, even female)."),
    "CN_ID_VALIDITY_PERIOD": gettext_lazy("Validity period readable and its length right for the age at issue."),
    "DOC_EXPIRY": gettext_lazy("Document expired, expiring within the warning window, or valid."),
    "DOC_EXPIRY_UNKNOWN": gettext_lazy("No expiry date could be established."),
    "APPLICANT_AGE": gettext_lazy("Age from the birth date against the minimum age (and plausibility)."),
    "APPLICANT_AGE_UNKNOWN": gettext_lazy("No birth date could be established."),
    "DECLARED_NAME": gettext_lazy("Name the applicant typed against the document."),
    "DECLARED_BIRTH_DATE": gettext_lazy("Birth date the applicant typed against the document."),
    "DECLARED_NATIONALITY": gettext_lazy("Nationality the applicant typed against the document."),
    "DECLARED_COUNTRY": gettext_lazy("Issuing country the applicant chose against the document's issuing state."),
    "READERS_AGREE": gettext_lazy("A second reader agrees on every check-protected field compared."),
    "READERS_DISAGREE": gettext_lazy("Two readers disagree on a check-protected field."),
    "BANK_CARD_NUMBER": gettext_lazy("Bank card number masked and Luhn-valid."),
    "BANK_CARD_BRAND": gettext_lazy("Reported card brand against the brand implied by the prefix."),
    "BANK_CARD_EXPIRY": gettext_lazy("Bank card MM/YY expiry against today."),
    "BANK_CARD_NAME": gettext_lazy("Cardholder name against the identity document name."),
    "CHECK_ERROR": gettext_lazy("A check could not run on this input (a bug); the reviewer must check by hand."),
    "FACE_MATCH": gettext_lazy(
        "The selfie's face against the document portrait's face (descriptor distance, lower is closer)."
    ),
    "FACE_NOT_FOUND": gettext_lazy(
        "No face was found in an image that should show one (the selfie, a liveness frame or the document portrait)."
    ),
    "LIVENESS": gettext_lazy(
        "The liveness burst: the head turned as asked, the same face throughout, no repeated frames (or that no burst was taken)."
    ),
    "DUPLICATE_FACE": gettext_lazy(
        "The selfie's face is the face of another case's selfie."
    ),
}
