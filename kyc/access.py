"""Who may see or change what."""

from __future__ import annotations

from django.http import Http404

SESSION_CASES_KEY = "kyc_cases"


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
