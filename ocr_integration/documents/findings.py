"""The result of one automated check, as a reviewer will see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    """One check's verdict.

    ``code`` is stable (listed in docs/architecture.md) so that reason codes, metrics and
    exports can rely on it. ``message`` is a sentence a reviewer understands without reading
    code. ``evidence`` says what was compared: values, and which source each came from
    (``{"compared": [{"source": "mrz", "field": "birth_date", "value": "1990-01-02"}, ...]}``).
    ``document_kind`` names the image the finding is about, when it is about one.
    """

    code: str
    outcome: Outcome
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    document_kind: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "outcome": str(self.outcome),
            "message": self.message,
            "evidence": self.evidence,
            "document_kind": self.document_kind,
        }
