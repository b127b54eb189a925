"""The demo cases go through the one attach path, every rule included (consents, the quality gate)."""

from __future__ import annotations

import pytest

from kyc.services.consent import SENSITIVE, consent_given
from kyc.management.demo import demo_document_sets, load_demo_cases
from kyc.models import Case

pytestmark = pytest.mark.django_db


def test_the_demo_cases_are_attached_and_submitted_through_document_attach(settings):
    settings.CAPTURE_GATE_ENABLED = True
    created = load_demo_cases()
    # One case per bundled set, and the two four-eyes passport cases (kyc.management.demo).
    assert created == len(demo_document_sets()) + 2 > 2
    # Every bundled set is submitted for the worker to read (the four-eyes cases are read here).
    assert Case.objects.filter(state="submitted").count() == len(demo_document_sets())
    chinese = Case.objects.filter(document_type="cn_resident_id")
    assert chinese and all(consent_given(case_id=case.id, scope=SENSITIVE) for case in chinese)
