"""Ready-to-review cases for the reviewer dashboard tests (personas: tests/support/personas.py)."""

from __future__ import annotations

import pytest

from kyc.core.audit import Actor
from kyc.models import Case, CheckFinding
from kyc.services.cases import case_submit
from kyc.tasks import read_document
from tests.conftest import make_case


def ready_case(document_type="passport", *, failed: bool = False, warned: bool = False, **kwargs):
    """A case that went through the (scripted) OCR pipeline and waits for review.

    The real cross-checks run on the scripted provider's synthetic readings, whose outcomes are
    not what these tests are about: the current run's findings are replaced by one passing check,
    plus a failed and/or a warning finding when ``failed`` / ``warned`` ask for them.
    """
    case = make_case(document_type, **kwargs)
    case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    for document in case.documents.filter(is_current=True):
        read_document.apply(args=[str(document.id)], task_id=f"read-{document.id}")
    case.refresh_from_db()
    assert case.state == "ready_for_review", case.state_reason
    CheckFinding.objects.filter(case=case).delete()
    CheckFinding.objects.create(case=case, check_run=case.check_run, code="DOC_EXPIRY", outcome="pass",
                                message="The document is valid until 2035-01-01.",
                                evidence={"compared": [{"source": "scripted", "field": "expiry_date",
                                                        "value": "2035-01-01"}]})
    for outcome, wanted in (("fail", failed), ("warn", warned)):
        if wanted:
            CheckFinding.objects.create(
                case=case, check_run=case.check_run, code="VIZ_MRZ_BIRTH_DATE", outcome=outcome,
                message="The birth date in the MRZ differs from the visual zone.",
                evidence={"compared": [{"source": "visual", "field": "birth_date", "value": "1990-01-01"},
                                       {"source": "mrz", "field": "birth_date", "value": "1990-01-07"}]},
                document_kind=case.documents.first().kind,
            )
    # The checks service keeps these counts on the case; the replaced findings must agree with them.
    Case.objects.filter(id=case.id).update(failed_findings_count=int(failed), warned_findings_count=int(warned))
    case.refresh_from_db()
    return case


@pytest.fixture
def case_ready(scripted_ocr):
    return ready_case()
