from rest_framework.permissions import BasePermission

from kyc.api.models import Integrator


class IsIntegrator(BasePermission):
    """The request carries a valid API key. Which cases it may touch is decided by the querysets."""

    message = "Authentication with an API key is required: 'Authorization: Api-Key <key>'."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Integrator)
