"""The cross-check engine: everything read for a case in, findings out.

One module per concern: ``context`` (inputs, the Report each check returns, shared helpers),
``mrz_checks`` (an MRZ, the printed zone against it, the passport), ``emirates_id_checks``,
``cn_id_checks``, ``bank_card_checks``, ``identity_checks`` (expiry, age, declared data),
``second_reader`` (a second reader against the first), ``codes`` (every finding code) and
``engine`` (which checks run, in which order, with which facts).

Public API: ``check_case(case: CaseReadings, *, today: date, policy: CheckPolicy) -> list[Finding]``;
``CaseReadings(document_type, primary, second=[], declared=DeclaredData())``;
``DeclaredData(full_name=None, birth_date=None, nationality=None)``; ``CheckPolicy`` (every
threshold, with defaults); ``FINDING_CODES`` (code -> (possible outcomes, meaning)).

Pure and deterministic: ``today`` and the policy are arguments.
It runs on whatever OCR returned, so it never raises on bad values: a garbled date or an
unreadable MRZ becomes a finding that says what could not be read.

Every finding code the engine can emit is listed, with its outcomes and evidence, in
``docs/finding-codes.md`` (and :data:`FINDING_CODES`). Evidence always names what was compared:
``{"compared": [{"source": "mrz", "field": "birth_date", "value": "1990-03-20", "provider": ...,
"document_kind": ...}, {"source": "visual", ...}]}`` plus check-specific keys.

A ``visual`` item whose value is ``None`` is a printed field that was not read: the comparison
it needed did not run, and a ``VIZ_FIELD_NOT_READ`` finding (or ``EID_ID_NUMBER`` / ``CN_ID_NUMBER``
for a missing ID number) says so, so that "not compared" never looks like "passed".

Sources in evidence: ``mrz`` (parsed from the MRZ lines), ``visual`` (a field read from the
printed zone), ``id_number`` (derived from an ID number: birth date, sex), ``declared`` (typed
by the applicant), ``card_prefix`` (a card brand implied by the number), ``document_type`` (a
fact the document type implies: a Chinese resident ID means nationality CHN), ``today``.
"""

from __future__ import annotations

from .codes import FINDING_CODES
from .context import CaseReadings, CheckPolicy, DeclaredData
from .engine import check_case

__all__ = ["FINDING_CODES", "CaseReadings", "CheckPolicy", "DeclaredData", "check_case"]
