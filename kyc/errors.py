"""Domain errors: one small hierarchy whose messages an applicant or reviewer can act on."""

from kyc.workflow import IllegalTransition


class KycError(Exception):
    """Base of every refusal the onboarding domain raises on purpose."""


class ValidationFailed(KycError):
    """The input is not acceptable; the message says why and what to do."""


class PermissionDenied(KycError):
    """The acting user may not do this to this case."""


class ConflictError(KycError):
    """The case changed under the caller (claimed by someone else, already decided)."""


__all__ = ["KycError", "ValidationFailed", "PermissionDenied", "ConflictError", "IllegalTransition"]
