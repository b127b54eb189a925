"""Domain errors: one small hierarchy whose messages an applicant or reviewer can act on."""

from kyc.i18n.labels import sides_missing_message
from kyc.domain.workflow import IllegalTransition


class KycError(Exception):
    """Base of every refusal the onboarding domain raises on purpose."""


class ValidationFailed(KycError):
    """The input is not acceptable; the message says why and what to do.

    ``field`` names the input at fault (a form field name) when there is one, so that a page can
    show the message next to that field rather than match on the text.
    """

    def __init__(self, *args, field: str | None = None) -> None:
        self.field = field
        super().__init__(*args)


class SidesMissing(ValidationFailed):
    """Submitted before every side the document needs was uploaded; ``kinds`` names the missing ones.

    The message is written when it is shown, not when it is raised, so that the applicant (or the
    integrator's Accept-Language) gets it in their own language.
    """

    def __init__(self, kinds) -> None:
        self.kinds = tuple(str(kind) for kind in kinds)
        super().__init__(self.kinds)

    def __str__(self) -> str:
        return sides_missing_message(self.kinds)


class PermissionDenied(KycError):
    """The acting user may not do this to this case."""


class ConflictError(KycError):
    """The case changed under the caller (claimed by someone else, already decided)."""


__all__ = ["KycError", "ValidationFailed", "SidesMissing", "PermissionDenied", "ConflictError", "IllegalTransition"]
