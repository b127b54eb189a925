"""Decisions at the service layer: who may decide, reason codes, notes, policy four-eyes, email."""

import pytest
from django.core import mail

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.errors import ConflictError, PermissionDenied, ValidationFailed
from kyc.models import Decision
from kyc.services.assignments import case_claim
from kyc.services.decisions import case_decide, decision_second_review
from kyc.tasks import send_decision_email
from tests.kyc.reviewer.conftest import ready_case

pytestmark = pytest.mark.django_db


def claim(case, user):
    case_claim(case_id=case.id, actor=Actor.staff(user))


def decide(case, user, outcome="approve", codes=("documents-consistent",), note="", **kwargs):
    return case_decide(case_id=case.id, actor=Actor.staff(user), outcome=outcome, reason_codes=list(codes),
                       note=note, **kwargs)


def test_a_clean_case_is_approved_by_the_reviewer_holding_it(staff, case_ready):
    claim(case_ready, staff["reviewer"])
    decision = decide(case_ready, staff["reviewer"])
    case_ready.refresh_from_db()
    assert decision.status == "final" and case_ready.state == "approved"
    event = AuditEvent.objects.get(action="case.decided", case_id=case_ready.id)
    assert event.actor_label == "rita" and event.data["reason_codes"] == ["documents-consistent"]


def test_deciding_needs_the_claim(staff, case_ready):
    with pytest.raises(ConflictError, match="Claim the case"):
        decide(case_ready, staff["reviewer"])
    claim(case_ready, staff["reviewer"])
    with pytest.raises(ConflictError, match="rita is working on this case"):
        decide(case_ready, staff["other_reviewer"])


def test_an_admin_without_the_decide_permission_is_refused(staff, case_ready):
    with pytest.raises(PermissionDenied):
        decide(case_ready, staff["admin"])


def test_nobody_decides_a_case_they_created(staff, scripted_ocr):
    case = ready_case(created_by=staff["reviewer"])
    with pytest.raises(PermissionDenied, match="created this case"):
        claim(case, staff["reviewer"])
    # Even if it were assigned to them by other means, the decision service refuses.
    type(case).objects.filter(id=case.id).update(assigned_to=staff["reviewer"])
    with pytest.raises(PermissionDenied, match="created this case"):
        decide(case, staff["reviewer"])


def test_reason_codes_come_from_the_configured_list_and_fit_the_outcome(staff, case_ready):
    claim(case_ready, staff["reviewer"])
    with pytest.raises(ValidationFailed, match="at least one reason code"):
        decide(case_ready, staff["reviewer"], codes=())
    with pytest.raises(ValidationFailed, match="Unknown or retired reason code: made-up"):
        decide(case_ready, staff["reviewer"], codes=("made-up",))
    with pytest.raises(ValidationFailed, match="does not apply to approve"):
        decide(case_ready, staff["reviewer"], codes=("document-expired",))


def test_rejection_needs_a_note(staff, case_ready):
    claim(case_ready, staff["reviewer"])
    with pytest.raises(ValidationFailed, match="note is required when rejecting"):
        decide(case_ready, staff["reviewer"], outcome="reject", codes=("document-expired",))
    decide(case_ready, staff["reviewer"], outcome="reject", codes=("document-expired",), note="Expired in 2020.")
    case_ready.refresh_from_db()
    assert case_ready.state == "rejected"


def test_a_decided_case_is_locked(staff, case_ready):
    claim(case_ready, staff["reviewer"])
    decide(case_ready, staff["reviewer"])
    with pytest.raises(ConflictError, match="approved"):
        decide(case_ready, staff["reviewer"], outcome="reject", codes=("document-expired",), note="changed my mind")
    with pytest.raises(ConflictError):
        claim(case_ready, staff["other_reviewer"])


def test_approving_over_a_failed_check_needs_a_note_and_a_second_senior_reviewer(staff, scripted_ocr):
    case = ready_case(failed=True)
    claim(case, staff["senior"])
    with pytest.raises(ValidationFailed, match="explain in a note"):
        decide(case, staff["senior"], codes=("manual-verification",))
    proposal = decide(case, staff["senior"], codes=("manual-verification",), note="MRZ misread; checked by eye.")
    case.refresh_from_db()
    assert proposal.status == "awaiting_second" and proposal.is_override
    assert case.state == "ready_for_review"
    # The same senior reviewer cannot be the second pair of eyes.
    with pytest.raises(PermissionDenied, match="different senior reviewer"):
        decision_second_review(decision_id=proposal.id, actor=Actor.staff(staff["senior"]), confirm=True)
    # A plain reviewer cannot give the second approval either.
    with pytest.raises(PermissionDenied, match="Only senior reviewers"):
        decision_second_review(decision_id=proposal.id, actor=Actor.staff(staff["reviewer"]), confirm=True)
    # Nor can the first reviewer decide again while it waits.
    with pytest.raises(ConflictError, match="waiting for a second senior reviewer"):
        decide(case, staff["senior"], outcome="reject", codes=("document-tampered",), note="x")
    decision_second_review(decision_id=proposal.id, actor=Actor.staff(staff["other_senior"]), confirm=True)
    case.refresh_from_db()
    proposal.refresh_from_db()
    assert case.state == "approved"
    assert proposal.status == "final" and proposal.second_reviewer == staff["other_senior"]
    actions = list(AuditEvent.objects.filter(case_id=case.id).values_list("action", flat=True))
    assert actions.index("case.approval_proposed") < actions.index("case.decided")


def test_a_reviewer_who_is_not_senior_can_only_propose_an_override(staff, scripted_ocr):
    case = ready_case(failed=True)
    claim(case, staff["reviewer"])
    proposal = decide(case, staff["reviewer"], codes=("manual-verification",), note="Checked against the image.")
    assert proposal.status == "awaiting_second"
    with pytest.raises(ValidationFailed, match="why you decline"):
        decision_second_review(decision_id=proposal.id, actor=Actor.staff(staff["senior"]), confirm=False)
    decision_second_review(decision_id=proposal.id, actor=Actor.staff(staff["senior"]), confirm=False,
                           note="The birth dates really differ.")
    case.refresh_from_db()
    assert case.state == "ready_for_review"
    assert Decision.objects.get(id=proposal.id).status == "declined"
    # Declined: the holder decides again.
    decide(case, staff["reviewer"], outcome="reject", codes=("data-mismatch",), note="Birth dates differ.")
    case.refresh_from_db()
    assert case.state == "rejected"


def test_a_warning_alone_is_not_an_override(staff, scripted_ocr):
    case = ready_case(warned=True)
    claim(case, staff["reviewer"])
    assert decide(case, staff["reviewer"]).status == "final"


def test_resubmission_names_the_sides_and_returns_the_case_to_the_pool(staff, scripted_ocr):
    case = ready_case("emirates_id")
    claim(case, staff["reviewer"])
    with pytest.raises(ValidationFailed, match="Choose which sides"):
        decide(case, staff["reviewer"], outcome="request_resubmission", codes=("image-unreadable",), note="blurred")
    decide(case, staff["reviewer"], outcome="request_resubmission", codes=("image-unreadable",),
           note="The back is blurred.", requested_kinds=["emirates_id_back"])
    case.refresh_from_db()
    assert case.state == "resubmission_requested" and case.assigned_to is None
    assert list(case.documents.filter(is_current=True).values_list("kind", flat=True)) == ["emirates_id_front"]


@pytest.mark.parametrize(
    "language, expected",
    [("en", "Good news"), ("ar", "تم التحقق من هويتك"), ("zh-hans", "您的身份已通过验证"), ("zh-CN", "您的身份已通过验证"),
     ("fr", "Good news")],
)
def test_the_applicant_is_told_by_email_in_their_language(
    staff, scripted_ocr, django_capture_on_commit_callbacks, language, expected
):
    case = ready_case(language=language)
    claim(case, staff["reviewer"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        decision = decide(case, staff["reviewer"])
    assert len(callbacks) == 1  # queued only once the decision is committed
    send_decision_email.apply(args=[decision.id])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["applicant@example.test"]
    assert expected in message.body and case.reference in message.body


def test_a_resubmission_email_says_which_sides_and_why(staff, scripted_ocr):
    case = ready_case("emirates_id", language="ar")
    claim(case, staff["reviewer"])
    decision = decide(case, staff["reviewer"], outcome="request_resubmission", codes=("image-unreadable",),
                      note="Glare on the back.", requested_kinds=["emirates_id_back"])
    send_decision_email.apply(args=[decision.id])
    body = mail.outbox[0].body
    assert "طلب أحد المراجعين صورًا جديدة لما يلي: الوجه الخلفي لبطاقة الهوية الإماراتية." in body
    assert "Glare on the back." in body


def test_no_email_while_an_approval_waits_for_the_second_reviewer(staff, scripted_ocr):
    case = ready_case(failed=True)
    claim(case, staff["reviewer"])
    proposal = decide(case, staff["reviewer"], codes=("manual-verification",), note="ok by eye")
    send_decision_email.apply(args=[proposal.id])
    assert mail.outbox == []
