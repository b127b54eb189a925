"""Domain errors: one small hierarchy whose messages an applicant, an integrator or a reviewer can act on.

Every error carries a stable ``code`` (API clients and pages switch on it, never on the words), the
``params`` its message names, and its ``http_status``: the one mapping that the API's error body
(kyc.api.errors) and the applicant pages both use. The message is a msgid in English, translated
when the error is shown (``str(error)``, in the language active then: the applicant's, or the one
an integrator's Accept-Language asked for), so a page needs no table of its own and no second check
to get words it can translate.

Raise a subclass with its code fixed (``CaseNotEditable()``), or a general one with a code and a
message (``ValidationFailed("unknown_scope", {"scope": scope}, message=gettext_noop("…%(scope)s…"))``);
staff-facing refusals that no catalogue translates may pass a finished English ``message``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, gettext_noop


class KycError(Exception):
    """Base of every refusal the onboarding domain raises on purpose."""

    code: str = "refused"
    http_status: int = 400
    message: str = gettext_noop("This request was refused.")

    def __init__(
        self,
        code: str | None = None,
        params: Mapping[str, Any] | None = None,
        *,
        message: str | None = None,
        field: str | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if message is not None:
            self.message = message
        self.params = dict(params or {})
        # The input at fault (a form field name) when there is one, so that a page can show the
        # message beside that field.
        self.field = field
        super().__init__(self.code)

    def __str__(self) -> str:
        """The message in the active language, with its params."""
        text = gettext(self.message) if self.message else ""
        params = self.shown_params()
        return text % params if params else text

    def shown_params(self) -> dict[str, Any]:
        """The params as the message shows them (a subclass may name things in the active language)."""
        return self.params


class ValidationFailed(KycError):
    """The input is not acceptable; the message says why and what to do."""

    code = "validation_failed"


class SidesMissing(ValidationFailed):
    """Submitted before every side the document needs was uploaded; ``kinds`` names the missing ones."""

    message = gettext_noop("Please add every side before submitting. Missing: %(sides)s.")

    def __init__(self, kinds) -> None:
        self.kinds = tuple(str(kind) for kind in kinds)
        super().__init__(params={"kinds": self.kinds})

    def shown_params(self) -> dict[str, Any]:
        # Imported here: kyc.i18n.labels imports the workflow, which imports this module.
        from kyc.i18n.labels import side_list

        return {"sides": side_list(self.kinds)}


class SideNotInDocument(ValidationFailed):
    """An image for a side the case's document does not have (a card's back for a passport)."""

    code = "unknown_side"
    message = gettext_noop("This side does not belong to your document.")


class CaseNotEditable(KycError):
    """The case's images can no longer be changed (it was submitted)."""

    code = "illegal_state"
    http_status = 409
    message = gettext_noop("This case has been submitted; its images can no longer be changed.")


class CaseErased(ValidationFailed):
    """The case's personal data was erased; nothing may be added to it."""

    message = gettext_noop("This case's data has been erased; please start a new case.")


class DuplicateImage(ValidationFailed):
    """The very image (same hash) was already sent for this case; ``current`` says whether it is
    still attached (another side is wanted) or was replaced (a new photo is wanted)."""

    code = "duplicate_image"

    def __init__(self, *, current: bool) -> None:
        self.current = current
        super().__init__(
            message=gettext_noop("This image is already attached to the case. Please upload the other side.")
            if current
            else gettext_noop("This is the same image as one sent before for this case. Please take a new photo.")
        )


class ConsentMissing(ValidationFailed):
    """A consent the applicant must give first (kyc.services.consent)."""

    code = "consent_required"


class SelfieNotAsked(ValidationFailed):
    """A selfie or liveness frames for a case that does not ask for them."""

    code = "selfie_not_asked"
    message = gettext_noop("This case does not ask for a selfie.")


class SelfieMissing(ValidationFailed):
    """Submitted without the selfie or the liveness capture the case asks for."""

    code = "selfie_missing"

    def __init__(self, *, selfie: bool, liveness: bool) -> None:
        if selfie and liveness:
            message = gettext_noop("Please take your selfie and the short head-turn check before submitting.")
        elif selfie:
            message = gettext_noop("Please take your selfie before submitting.")
        else:
            message = gettext_noop("Please do the short head-turn check before submitting.")
        super().__init__(params={"selfie": selfie, "liveness": liveness}, message=message)

    def shown_params(self) -> dict[str, Any]:
        return {}  # the message names no value


class PermissionDenied(KycError):
    """The acting user may not do this to this case."""

    code = "forbidden"
    http_status = 403


class ConflictError(KycError):
    """The case changed under the caller (claimed by someone else, already decided)."""

    code = "conflict"
    http_status = 409


__all__ = [
    "KycError", "ValidationFailed", "SidesMissing", "SideNotInDocument", "CaseNotEditable", "CaseErased",
    "DuplicateImage", "ConsentMissing", "SelfieNotAsked", "SelfieMissing", "PermissionDenied", "ConflictError",
]
