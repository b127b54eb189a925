"""Permission checks for reviewer pages: anonymous → login page; signed in without the right → 403."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def staff_permission_required(*perms: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "reviewer:login")
            if not (user.is_active and user.is_staff and user.has_perms(perms)):
                raise PermissionDenied("You do not have the role this page needs.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


review_required = staff_permission_required("kyc.review_case")
