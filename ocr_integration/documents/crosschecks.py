"""The cross-check engine: everything read for a case in, findings out.

Entry point: :func:`check_case`. Pure and deterministic: ``today`` and the policy are arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .findings import Finding, Outcome
from .kinds import REQUIRED_KINDS, DocumentType
from .reading import Reading


@dataclass(frozen=True)
class CheckPolicy:
    """Every threshold the checks use; the site's configuration fills it in."""

    min_confidence: float = 0.80
    expiry_warning_days: int = 90
    minimum_age_years: int = 18
    name_similarity_warn: float = 0.85


@dataclass(frozen=True)
class DeclaredData:
    """What the applicant typed in, if anything."""

    full_name: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True)
class CaseReadings:
    """Everything read for one case: one primary reading per document kind, any second reads."""

    document_type: DocumentType
    primary: list[Reading]
    second: list[Reading] = field(default_factory=list)
    declared: DeclaredData = field(default_factory=DeclaredData)


def check_case(case: CaseReadings, *, today: date, policy: CheckPolicy) -> list[Finding]:
    findings: list[Finding] = []
    read_kinds = {r.document_kind for r in case.primary}
    for kind in REQUIRED_KINDS[case.document_type]:
        if kind not in read_kinds:
            findings.append(
                Finding(
                    code="DOC_SIDE_MISSING",
                    outcome=Outcome.FAIL,
                    message=f"No reading for {kind}.",
                    evidence={"missing": str(kind)},
                    document_kind=str(kind),
                )
            )
    for reading in case.primary:
        expiry = reading.value("expiry_date")
        if not expiry:
            continue
        expiry_date = date.fromisoformat(expiry)
        days_left = (expiry_date - today).days
        if days_left < 0:
            outcome, message = Outcome.FAIL, f"The document expired on {expiry_date.isoformat()}."
        elif days_left <= policy.expiry_warning_days:
            outcome, message = Outcome.WARN, f"The document expires in {days_left} days."
        else:
            outcome, message = Outcome.PASS, "The document is valid today."
        findings.append(
            Finding(
                code="DOC_EXPIRY",
                outcome=outcome,
                message=message,
                evidence={
                    "compared": [
                        {"source": reading.provider, "field": "expiry_date", "value": expiry},
                        {"source": "today", "value": today.isoformat()},
                    ]
                },
                document_kind=str(reading.document_kind),
            )
        )
    return findings
