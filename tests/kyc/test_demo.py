"""The demo cases go through the one attach path, every rule included (consents, the quality gate)."""

from __future__ import annotations

import pytest

from kyc.management.demo import demo_document_sets, load_demo_cases
from kyc.models import Case
from kyc.services.consent import BIOMETRIC, SENSITIVE, consent_given

pytestmark = pytest.mark.django_db


def test_the_demo_cases_are_attached_and_submitted_through_document_attach(settings):
    settings.CAPTURE_GATE_ENABLED = True
    settings.SELFIE_REQUIREMENT = "required"  # as on a new install: the demo's cases say what they ask for
    created = load_demo_cases()
    # One case per bundled set, the two four-eyes passport cases and the two selfie cases (kyc.management.demo).
    assert created == len(demo_document_sets()) + 4 > 4
    # Every bundled set and both selfie cases are submitted for the worker to read (the four-eyes cases are read here).
    assert Case.objects.filter(state="submitted").count() == len(demo_document_sets()) + 2
    with_selfie = Case.objects.filter(selfie_requirement="required")
    assert with_selfie.count() == 2
    for case in with_selfie:
        assert case.documents.get(kind="selfie", is_current=True).read_state == "not_read"
        assert case.liveness_captures.get(is_current=True).frames.count() == 10
        assert consent_given(case_id=case.id, scope=BIOMETRIC)
    chinese = Case.objects.filter(document_type="cn_resident_id")
    assert chinese and all(consent_given(case_id=case.id, scope=SENSITIVE) for case in chinese)
