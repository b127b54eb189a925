"""Who may see or change what."""

from __future__ import annotations

from django.core import signing
from django.http import Http404

SESSION_CASES_KEY = "kyc_cases"
RESUME_SALT = "kyc.applicant.resume"


def applicant_grant(request, case_id) -> None:
    """Bind a case to this browser session: only this session may see or change it."""
    cases = list(request.session.get(SESSION_CASES_KEY, []))
    if str(case_id) not in cases:
        cases.append(str(case_id))
    request.session[SESSION_CASES_KEY] = cases[-20:]


def applicant_require(request, case_id) -> None:
    """404 unless this session created the case: an unknown and a forbidden case look the same."""
    if str(case_id) not in request.session.get(SESSION_CASES_KEY, []):
        raise Http404("No such case.")


def resume_token(case) -> str:
    """The signed token of the link that binds ``case`` to whichever browser opens it.

    It expires APPLICANT_LINK_MAX_AGE_SECONDS after it is signed (checked where it is opened:
    ``kyc.views.applicant.resume``); every email that carries a link signs a fresh one.
    """
    return signing.dumps({"case": str(case.id)}, salt=RESUME_SALT, compress=True)
