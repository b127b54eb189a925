"""The case state machine, in plain Python (its one refusal, ``IllegalTransition``, is a ``KycError``).

::

    draft ──submit──▶ submitted ──first read claimed──▶ processing ──all read──▶ ready_for_review
                         ▲   │                              │                      │
                         │   └────────reading failed for good┴──▶ needs_attention  ├─▶ approved
                         │                                         │  │  │         ├─▶ rejected
                         │                     retry reading ◀─────┘  │  │         └─▶ resubmission_requested
                         │                                            ▼  ▼                       │
                         └────────────── applicant resubmits ◀── resubmission_requested ◀────────┘

``approved`` and ``rejected`` are final, and so is ``withdrawn``: every open case can be withdrawn
(the applicant asked for erasure of their data), which ends its processing for good. ``needs_attention`` means the machine gave up reading
(an unreadable image, a vendor misconfiguration, retries exhausted) and a person must act: retry,
ask the applicant for a new image, or reject. An image the engine cannot read at all
(``invalid_image``) skips that: it goes back to the applicant (``submitted``/``processing`` ──▶
``resubmission_requested``) until ``APPLICANT_UNREADABLE_RETURNS`` returns of that side are spent.
"""

from __future__ import annotations

from enum import StrEnum

from kyc.errors import KycError


class CaseState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    READY_FOR_REVIEW = "ready_for_review"
    NEEDS_ATTENTION = "needs_attention"
    RESUBMISSION_REQUESTED = "resubmission_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATE_LABELS: dict[CaseState, str] = {
    CaseState.DRAFT: "Draft",
    CaseState.SUBMITTED: "Submitted",
    CaseState.PROCESSING: "Processing",
    CaseState.READY_FOR_REVIEW: "Ready for review",
    CaseState.NEEDS_ATTENTION: "Needs attention",
    CaseState.RESUBMISSION_REQUESTED: "Resubmission requested",
    CaseState.APPROVED: "Approved",
    CaseState.REJECTED: "Rejected",
    CaseState.WITHDRAWN: "Withdrawn",
}

ALLOWED_TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    CaseState.DRAFT: frozenset({CaseState.SUBMITTED}),
    # An image that cannot be read goes straight back to the applicant (within the retry budget).
    CaseState.SUBMITTED: frozenset({CaseState.PROCESSING, CaseState.NEEDS_ATTENTION, CaseState.RESUBMISSION_REQUESTED}),
    CaseState.PROCESSING: frozenset(
        {CaseState.READY_FOR_REVIEW, CaseState.NEEDS_ATTENTION, CaseState.RESUBMISSION_REQUESTED}
    ),
    CaseState.READY_FOR_REVIEW: frozenset(
        {CaseState.APPROVED, CaseState.REJECTED, CaseState.RESUBMISSION_REQUESTED}
    ),
    CaseState.NEEDS_ATTENTION: frozenset(
        {CaseState.PROCESSING, CaseState.RESUBMISSION_REQUESTED, CaseState.REJECTED}
    ),
    CaseState.RESUBMISSION_REQUESTED: frozenset({CaseState.SUBMITTED}),
    CaseState.APPROVED: frozenset(),
    CaseState.REJECTED: frozenset(),
    CaseState.WITHDRAWN: frozenset(),
}
# An erasure request withdraws a case from any open state.
for _state, _targets in ALLOWED_TRANSITIONS.items():
    if _targets:
        ALLOWED_TRANSITIONS[_state] = _targets | {CaseState.WITHDRAWN}

FINAL_STATES = frozenset({CaseState.APPROVED, CaseState.REJECTED, CaseState.WITHDRAWN})
DECIDABLE_STATES = frozenset({CaseState.READY_FOR_REVIEW, CaseState.NEEDS_ATTENTION})
# States in which the applicant may still add or replace images.
EDITABLE_STATES = frozenset({CaseState.DRAFT, CaseState.RESUBMISSION_REQUESTED})


class IllegalTransition(KycError):
    """A state change the workflow does not allow; the message says what is allowed instead."""

    code = "illegal_state"
    http_status = 409
    message = "A case in state '%(current)s' cannot move to '%(target)s'. Allowed next states: %(allowed)s."

    def __init__(self, current: CaseState, target: CaseState) -> None:
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current])) or "none (the case is final)"
        super().__init__(params={"current": current.value, "target": target.value, "allowed": allowed})
        self.current = current
        self.target = target


def assert_transition(current: str, target: str) -> None:
    current_state, target_state = CaseState(current), CaseState(target)
    if target_state not in ALLOWED_TRANSITIONS[current_state]:
        raise IllegalTransition(current_state, target_state)
