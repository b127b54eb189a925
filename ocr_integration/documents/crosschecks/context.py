"""What every check shares: its inputs (the case, ``today``, the policy), what it returns (a
:class:`Report` of findings and facts) and the small helpers that read a field or describe a source.

A check never writes into another check's results. It returns a :class:`Report`; the engine
(:mod:`.engine`) concatenates the reports in a fixed order and hands the facts the document checks
established (names, birth dates, expiry dates, nationalities, issuing states) to the checks that
need them, as arguments.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import mrz
from ..findings import Finding, Outcome
from ..kinds import KIND_LABELS, DocumentKind, DocumentType
from ..reading import Reading

PASS, WARN, FAIL = Outcome.PASS, Outcome.WARN, Outcome.FAIL


@dataclass(frozen=True)
class CheckPolicy:
    """Every threshold the checks use; the site's configuration fills it in.

    Names: similarity >= ``name_similarity_pass`` passes, >= ``name_similarity_warn`` warns,
    below fails.
    """

    min_confidence: float = 0.80
    expiry_warning_days: int = 90
    minimum_age_years: int = 18
    name_similarity_warn: float = 0.85
    name_similarity_pass: float = 0.95
    maximum_age_years: int = 120  # an older birth date is flagged as implausible
    mrz_correction: bool = True  # let the MRZ parser fix OCR confusions (always reported)


@dataclass(frozen=True)
class DeclaredData:
    """What the applicant typed in, if anything."""

    full_name: str | None = None
    birth_date: date | None = None
    nationality: str | None = None  # ICAO code or country name
    issuing_state: str | None = None  # ICAO code of the issuing country the applicant chose


@dataclass(frozen=True)
class CaseReadings:
    """Everything read for one case: one primary reading per document kind, any second reads."""

    document_type: DocumentType
    primary: list[Reading]
    second: list[Reading] = field(default_factory=list)
    declared: DeclaredData = field(default_factory=DeclaredData)


@dataclass(frozen=True)
class Fact:
    """A value the document establishes (a name, a birth date ...), with where it came from."""

    value: Any
    item: dict[str, Any]  # the evidence item that names the source
    kind: str | None


@dataclass
class Facts:
    """What the document checks established, best source first in each list."""

    names: list[Fact] = field(default_factory=list)
    births: list[Fact] = field(default_factory=list)
    expiries: list[Fact] = field(default_factory=list)
    nationalities: list[Fact] = field(default_factory=list)
    issuing_states: list[Fact] = field(default_factory=list)

    def extend(self, other: Facts) -> None:
        for name in ("names", "births", "expiries", "nationalities", "issuing_states"):
            getattr(self, name).extend(getattr(other, name))


@dataclass
class Report:
    """What one check returns: its findings, in the order it made them, and the facts it read."""

    findings: list[Finding] = field(default_factory=list)
    facts: Facts = field(default_factory=Facts)

    def add(self, code: str, outcome: Outcome, message: str, evidence: dict[str, Any],
            kind: DocumentKind | str | None = None) -> None:
        self.findings.append(Finding(code, outcome, message, evidence, str(kind) if kind else None))

    def extend(self, other: Report) -> Report:
        self.findings.extend(other.findings)
        self.facts.extend(other.facts)
        return self


@dataclass
class CheckEnv:
    """The inputs every check may read: never changed by a check (the MRZ memo only saves work)."""

    today: date
    policy: CheckPolicy
    _mrz_results: dict[int, mrz.MrzResult] = field(default_factory=dict)

    def parse_mrz(self, reading: Reading) -> mrz.MrzResult:
        """The reading's MRZ parsed once per case (the MRZ, second-read and fact checks all need it)."""
        key = id(reading)
        if key not in self._mrz_results:
            self._mrz_results[key] = mrz.parse(
                reading.mrz_lines, today=self.today, correct=self.policy.mrz_correction
            )
        return self._mrz_results[key]

    def name_outcome(self, score: float) -> Outcome:
        if score >= self.policy.name_similarity_pass:
            return PASS
        if score >= self.policy.name_similarity_warn:
            return WARN
        return FAIL


_KIND_PLACE = {
    DocumentKind.PASSPORT: "on the data page",
    DocumentKind.EMIRATES_ID_FRONT: "on the front",
    DocumentKind.EMIRATES_ID_BACK: "on the back",
    DocumentKind.CN_ID_PORTRAIT: "on the portrait side",
    DocumentKind.CN_ID_EMBLEM: "on the emblem side",
    DocumentKind.BANK_CARD: "on the bank card",
}

FIELD_WORDS = {
    "birth_date": "Birth date",
    "expiry_date": "Expiry date",
    "document_number": "Document number",
    "card_number": "Card number",
    "id_number": "ID number",
    "nationality": "Nationality",
    "issuing_state": "Issuing state",
    "sex": "Sex",
    "name": "Name",
    "surname": "Surname",
    "given_names": "Given names",
    "personal_number": "Personal number",
    "optional_data": "MRZ optional data",
    "card_number_masked": "Card number",
}

_SEX_WORDS = {
    "M": "M", "MALE": "M", "男": "M", "ذكر": "M", "H": "M",
    "F": "F", "FEMALE": "F", "女": "F", "أنثى": "F", "انثى": "F",
    "X": "X", "<": "X", "UNSPECIFIED": "X",
}


def val(reading: Reading | None, name: str) -> str | None:
    """A field's value as a stripped string, or None when absent or empty."""
    if reading is None:
        return None
    read = reading.fields.get(name)
    if read is None:
        return None
    value = read.value if isinstance(read.value, str) else str(read.value)
    value = value.strip()
    return value or None


def iso(value: str | None) -> date | None:
    """``YYYY-MM-DD`` or ``YYYYMMDD`` as a date; None for anything else."""
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date.fromisoformat(text)
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None
    return None


def item(source: str, field_name: str, value: Any, reading: Reading | None = None) -> dict[str, Any]:
    """One evidence item: which source said what for which field (and which reader, on which side)."""
    entry: dict[str, Any] = {"source": source, "field": field_name, "value": value}
    if reading is not None:
        entry["provider"] = reading.provider
        entry["document_kind"] = str(reading.document_kind)
    return entry


def place(reading: Reading) -> str:
    return _KIND_PLACE.get(reading.document_kind, f"on {reading.document_kind}")


def label(kind: DocumentKind | str) -> str:
    try:
        return KIND_LABELS[DocumentKind(kind)]
    except ValueError:
        return str(kind)


def age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def norm_number(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", value).upper() if c.isalnum())


def sex_code(value: str | None) -> str | None:
    if not value:
        return None
    return _SEX_WORDS.get(value.strip().upper()) or _SEX_WORDS.get(value.strip())


_CONFUSABLE = {frozenset(pair) for pair in mrz.CONFUSIONS}


def differs_by_confusions(a: str, b: str) -> bool:
    """Same length, and every differing character is an OCR confusion pair (O/0, I/1 ...)."""
    return len(a) == len(b) and a != b and all(
        x == y or frozenset((x, y)) in _CONFUSABLE for x, y in zip(a, b, strict=True)
    )


def visual_date(report: Report, reading: Reading, name: str) -> date | None:
    """A printed date; one that is read but is not a date is reported as FIELD_UNREADABLE."""
    raw = val(reading, name)
    if raw is None:
        return None
    parsed = iso(raw)
    if parsed is None:
        report.add(
            "FIELD_UNREADABLE",
            WARN,
            f"{FIELD_WORDS.get(name, name)} {place(reading)} was read as '{raw}', which is not a date.",
            {"compared": [item("visual", name, raw, reading)], "expected_form": "YYYY-MM-DD"},
            reading.document_kind,
        )
    return parsed


def visual_name(reading: Reading) -> tuple[str | None, str | None, str | None]:
    """(display name, surname, given names) as printed."""
    surname, given = val(reading, "surname"), val(reading, "given_names")
    if surname or given:
        return " ".join(p for p in (surname, given) if p), surname or "", given or ""
    full = val(reading, "full_name")
    return full, None, None


@dataclass
class NotRead:
    """A printed field that was not read, and the value it would have been compared with."""

    field: str
    reference: dict[str, Any]


_MRZ_NAME_PARTS = {"surname": "primary identifier", "given_names": "secondary identifier", "name": "name"}


def mrz_name_part(component: str) -> str:
    return _MRZ_NAME_PARTS[component]


def report_not_read(reading: Reading, missing: list[NotRead], *, any_read: bool, against: str) -> Report:
    """One VIZ_FIELD_NOT_READ per field the reader missed, or a single one when the reader read
    none of the compared fields (a provider that returns only MRZ-derived data, or a visual zone
    that was not found): a flood of identical warnings would hide the one fact that matters."""
    report = Report()
    if not missing:
        return report
    if not any_read and len(missing) > 1:
        report.add("VIZ_FIELD_NOT_READ", WARN, _none_read_message(reading, missing, against),
                   {"fields": [m.field for m in missing], "compared": _not_read_items(reading, missing),
                    "visual_zone_read": False, "provider": reading.provider},
                   reading.document_kind)
        return report
    for m in missing:
        word = FIELD_WORDS.get(m.field, m.field)
        target = f"the {_MRZ_NAME_PARTS[m.field]} in {against}" if m.field in ("surname", "given_names") else against
        were = "were" if m.field == "given_names" else "was"
        report.add(
            "VIZ_FIELD_NOT_READ",
            WARN,
            f"{word} {place(reading)} {were} not read, so {'they were' if were == 'were' else 'it was'} not"
            f" compared with {target} ({m.reference['value']}). Check the image.",
            {"fields": [m.field], "compared": [item("visual", m.field, None, reading), m.reference],
             "visual_zone_read": True, "provider": reading.provider},
            reading.document_kind,
        )
    return report


def _not_read_items(reading: Reading, missing: list[NotRead]) -> list[dict[str, Any]]:
    compared: list[dict[str, Any]] = []
    for m in missing:
        compared += [item("visual", m.field, None, reading), m.reference]
    return compared


def _none_read_message(reading: Reading, missing: list[NotRead], against: str) -> str:
    listed = ", ".join(FIELD_WORDS.get(m.field, m.field).lower() for m in missing)
    if not reading.fields:
        return (f"The visual zone {place(reading)} was not read by '{reading.provider}': it returned no printed"
                " field (it reads only the MRZ, or did not find the visual zone), so none of the printed"
                f" fields ({listed}) was compared with {against}. Compare them on the image.")
    return (f"The reader '{reading.provider}' read none of the printed fields {place(reading)} that are"
            f" compared with {against} ({listed}), so none was compared. Compare them on the image.")
