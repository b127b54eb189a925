"""What parsing an MRZ returns: the result, its check digits, problems and corrections."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CHECK_LABELS = {
    "document_number": "document number",
    "birth_date": "birth date",
    "expiry_date": "expiry date",
    "personal_number": "personal number",
    "composite": "composite (whole line)",
}
FIELD_LABELS = {
    "document_code": "document code",
    "issuing_state": "issuing state",
    "name": "name",
    "document_number": "document number",
    "nationality": "nationality",
    "birth_date": "birth date",
    "sex": "sex",
    "expiry_date": "expiry date",
    "optional_data": "optional data",
    "optional_data_2": "optional data (line 2)",
    "document_number_check": "document number check digit",
    "birth_date_check": "birth date check digit",
    "expiry_date_check": "expiry date check digit",
    "optional_data_check": "personal number check digit",
    "composite_check": "composite check digit",
    "line": "line",
}

@dataclass(frozen=True)
class CheckResult:
    """One check digit: the protected characters, the digit printed, the digit they imply."""

    name: str  # document_number, birth_date, expiry_date, personal_number, composite
    ok: bool
    data: str
    found: str
    expected: str | None  # None when the data holds a character no check digit can weigh

    @property
    def label(self) -> str:
        return CHECK_LABELS.get(self.name, self.name)


@dataclass(frozen=True)
class Correction:
    """One character correction mode changed."""

    line: int  # 0-based
    position: int  # 0-based within the line
    field: str
    was: str
    now: str
    verified: bool  # True when check digits confirm it, False for unprotected fields

    def describe(self) -> str:
        if self.verified:
            how = "confirmed by the check digits"
        elif self.field == "name":
            how = "a name cannot hold a digit"
        else:
            how = "no check digit protects this field"
        return (
            f"line {self.line + 1}, position {self.position + 1} ({FIELD_LABELS.get(self.field, self.field)}):"
            f" read '{self.was}', corrected to '{self.now}' ({how})"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line + 1,
            "position": self.position + 1,
            "field": self.field,
            "read": self.was,
            "corrected": self.now,
            "verified_by_check_digits": self.verified,
        }


@dataclass(frozen=True)
class MrzProblem:
    """Something wrong in the MRZ other than a failed check digit."""

    code: str  # layout, line_length, line_padded, invalid_characters, document_code, ...
    field: str
    severity: str  # "error" or "warning"
    message: str


@dataclass(frozen=True)
class MrzResult:
    format: str | None
    lines: tuple[str, ...]  # normalised lines, after any accepted correction
    read_lines: tuple[str, ...]  # normalised lines as read, before correction
    fields: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    checks: tuple[CheckResult, ...] = ()
    problems: tuple[MrzProblem, ...] = ()
    corrections: tuple[Correction, ...] = ()
    # off | not_needed | applied | ambiguous | none_found
    correction_status: str = "off"
    ambiguous_candidates: int = 0
    name_truncated: bool = False
    birth_date: date | None = None
    expiry_date: date | None = None
    long_document_number: bool = False

    @property
    def checks_ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def errors(self) -> tuple[MrzProblem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def valid(self) -> bool:
        """Recognised layout, every check digit right and no error-level problem."""
        return self.format is not None and self.checks_ok and not self.errors

    def check(self, name: str) -> CheckResult | None:
        for c in self.checks:
            if c.name == name:
                return c
        return None


