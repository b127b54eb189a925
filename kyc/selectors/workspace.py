"""Everything the case workspace shows, read in a fixed handful of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy

from kyc.core.audit_verification import case_audit_timeline
from kyc.core.models import AuditEvent
from kyc.models import Case, CaseNote, CheckFinding, Decision, Document, DocumentReading
from kyc.selectors.evidence import field_label, flagged_fields, present_evidence
from kyc.selectors.finding_meanings import FINDING_MEANINGS
from ocr_integration import services as ocr
from ocr_integration.documents.kinds import KIND_LABELS, DocumentKind
from ocr_integration.services import finding_meaning

SOURCES = (
    ("visual", gettext_lazy("Printed zone")),
    ("mrz", gettext_lazy("MRZ")),
    ("second", gettext_lazy("Second read")),
    ("declared", gettext_lazy("Applicant-declared")),
)

# Unknown codes (from an older engine, say) fall back on what their family checks.
_FAMILY_EXPLANATIONS = {
    "MRZ": gettext_lazy("A check on the machine-readable zone (the two or three lines of <<< at the bottom)."),
    "VIZ": gettext_lazy("Compares a value printed in the visual zone with the same field in the MRZ."),
    "DOC": gettext_lazy("A check on the document itself (its sides, its dates)."),
    "EID": gettext_lazy("A check specific to the UAE Emirates ID (number format, check digit, front and back agreeing)."),
    "CN": gettext_lazy("A check specific to the Chinese resident ID (number, check character, dates, validity)."),
    "BANK": gettext_lazy("A check on the bank card (number, Luhn check, expiry)."),
    "DECLARED": gettext_lazy("Compares what the applicant typed in with what the document says."),
    "READERS": gettext_lazy("Compares two independent readings of the same image."),
}


def explain_finding(code: str) -> str:
    """What the code checks, in the active language (the engine's English for a code not yet
    translated)."""
    if code in FINDING_MEANINGS:
        return str(FINDING_MEANINGS[code])
    meaning = finding_meaning(code)
    if meaning:
        return meaning
    family = code.split("_", 1)[0]
    return str(_FAMILY_EXPLANATIONS.get(
        family, gettext_lazy("An automated check; its message and evidence say what was compared.")))


@dataclass
class FieldRow:
    name: str
    values: dict[str, str]  # source -> value
    mismatch: bool
    not_compared: bool = False  # the checks could not compare it: the printed value was not read

    @property
    def cells(self) -> list[tuple[str, str]]:
        return [(source, self.values.get(source, "")) for source, _ in SOURCES]


@dataclass(frozen=True)
class NotCompared:
    """A printed field the checks could not compare because it was not read, and the value it
    would have been compared with."""

    field: str
    label: str
    against_source: str  # mrz, id_number
    against_value: str


@dataclass
class DocumentPanel:
    document: Document
    primary: DocumentReading | None
    second: DocumentReading | None
    rows: list[FieldRow]
    boxes: list[dict[str, Any]]
    mrz_valid: bool | None = None
    not_compared: list[NotCompared] = field(default_factory=list)


_SOURCE_LABELS = {"mrz": gettext_lazy("the MRZ"), "id_number": gettext_lazy("the ID number")}
# The rows of the comparison table a not-read name stands for.
_NAME_ROWS = {"name": ("surname", "given_names", "full_name")}


def _not_compared(findings: list[CheckFinding]) -> dict[str, list[NotCompared]]:
    """document kind -> the printed fields VIZ_FIELD_NOT_READ findings say were not compared."""
    by_kind: dict[str, list[NotCompared]] = {}
    for finding in findings:
        if finding.code != "VIZ_FIELD_NOT_READ" or not isinstance(finding.evidence, dict):
            continue
        # The evidence pairs each unread printed field with the value it would have met.
        items = [item for item in finding.evidence.get("compared") or [] if isinstance(item, dict)]
        for printed, reference in zip(items[::2], items[1::2], strict=False):
            name = str(printed.get("field", ""))
            source = str(reference.get("source", ""))
            by_kind.setdefault(finding.document_kind, []).append(NotCompared(
                field=name,
                label=field_label(name),
                against_source=_SOURCE_LABELS.get(source, source),
                against_value=str(reference.get("value", "")),
            ))
    return by_kind


@dataclass(frozen=True)
class FaceView:
    """One face of the side-by-side view: the image it is in and the region around the face (an
    SVG viewBox into the access-checked image, so no cropped copy is ever stored)."""

    document: Document
    view_box: str


@dataclass(frozen=True)
class FaceCompare:
    """The selfie and the document portrait side by side, with the FACE_MATCH distance."""

    selfie: FaceView
    portrait: FaceView
    distance: float
    outcome: str
    match_threshold: float
    mismatch_threshold: float

    @property
    def faces(self) -> tuple[FaceView, FaceView]:
        return (self.selfie, self.portrait)


def _face_view(document: Document | None, box) -> FaceView | None:
    if document is None or not isinstance(box, list) or len(box) != 4:
        return None
    left, top, right, bottom = (float(v) for v in box)
    # The head with some margin (more above, for the hair), clipped to the image.
    pad = (right - left) * 0.35
    x0, y0 = max(0.0, left - pad), max(0.0, top - pad * 1.3)
    x1 = min(float(document.width or right + pad), right + pad)
    y1 = min(float(document.height or bottom + pad), bottom + pad)
    return FaceView(document, f"{x0:.0f} {y0:.0f} {max(x1 - x0, 1):.0f} {max(y1 - y0, 1):.0f}")


def _face_compare(findings: list[CheckFinding], documents: list[Document]) -> FaceCompare | None:
    """From the FACE_MATCH finding's evidence (document ids and face boxes); None without one."""
    match = next((f for f in findings if f.code == "FACE_MATCH" and isinstance(f.evidence, dict)), None)
    if match is None:
        return None
    by_id = {str(d.id): d for d in documents}
    evidence = match.evidence
    selfie = _face_view(by_id.get(str((evidence.get("selfie") or {}).get("document_id"))),
                        (evidence.get("selfie") or {}).get("box"))
    portrait = _face_view(by_id.get(str((evidence.get("portrait") or {}).get("document_id"))),
                          (evidence.get("portrait") or {}).get("box"))
    if selfie is None or portrait is None:
        return None
    return FaceCompare(selfie, portrait, float(evidence.get("distance", 0.0)), match.outcome,
                       float(evidence.get("match_threshold", 0.0)), float(evidence.get("mismatch_threshold", 0.0)))


@dataclass
class Workspace:
    case: Case
    panels: list[DocumentPanel]
    findings: list[CheckFinding]
    notes: list[CaseNote]
    decisions: list[Decision]
    pending_approval: Decision | None
    timeline: list[AuditEvent]
    attempts: list[Any] = field(default_factory=list)
    has_failed_findings: bool = False
    face_compare: FaceCompare | None = None

    @property
    def passed_findings(self) -> list[CheckFinding]:
        return [f for f in self.findings if f.outcome == "pass"]


def _mrz_from_findings(findings: list[CheckFinding], kind: str) -> tuple[dict[str, str], bool | None]:
    """The MRZ values the checks used for this side, and whether its MRZ held up, as stored at check
    time (same parse, same date): the page never parses the MRZ again."""
    values: dict[str, str] = {}
    mrz_codes = [f for f in findings if f.document_kind == kind and f.code.startswith("MRZ_")]
    for finding in findings:
        if not isinstance(finding.evidence, dict):
            continue
        for item in finding.evidence.get("compared") or []:
            if (isinstance(item, dict) and item.get("source") == "mrz" and item.get("document_kind", kind) == kind
                    and finding.document_kind == kind and item.get("value")):
                values.setdefault(str(item.get("field")), str(item["value"]))
    if not mrz_codes:
        return values, None
    return values, not any(f.outcome == "fail" for f in mrz_codes)


def _values(reading: DocumentReading | None) -> dict[str, str]:
    if reading is None:
        return {}
    return {name: str((data or {}).get("value", "")) for name, data in reading.fields.items()}


def _panel(document: Document, case: Case, not_compared: list[NotCompared], findings: list[CheckFinding],
           flagged: dict[str | None, set[str]]) -> DocumentPanel:
    readings = list(document.readings.all())
    primary = next((r for r in reversed(readings) if r.role == DocumentReading.Role.PRIMARY), None)
    second = next((r for r in reversed(readings) if r.role == DocumentReading.Role.SECOND), None)
    sources = {
        "visual": _values(primary),
        "second": _values(second),
    }
    sources["mrz"], mrz_valid = _mrz_from_findings(findings, document.kind)
    if "name" in sources["mrz"] and "full_name" not in sources["mrz"]:
        sources["mrz"]["full_name"] = sources["mrz"].pop("name")
    declared: dict[str, str] = {}
    applicant = case.applicant
    if document.kind in (DocumentKind.PASSPORT, DocumentKind.EMIRATES_ID_FRONT, DocumentKind.CN_ID_PORTRAIT):
        if applicant.declared_full_name:
            declared["full_name"] = applicant.declared_full_name
        if applicant.declared_birth_date:
            declared["birth_date"] = applicant.declared_birth_date.isoformat()
    sources["declared"] = declared
    # A passport prints surname and given names apart: shown composed next to the declared name.
    for source in ("visual", "mrz", "second"):
        values = sources[source]
        if "full_name" not in values and (values.get("surname") or values.get("given_names")) and declared:
            values["full_name"] = f"{values.get('given_names', '')} {values.get('surname', '')}".strip()
    names = []
    for source, _ in SOURCES:
        for name in sources[source]:
            if name not in names:
                names.append(name)
    # A row differs when a check of this run said so, never by a comparison made here.
    differing = flagged.get(document.kind, set()) | flagged.get(None, set())
    unread = {row for item in not_compared for row in _NAME_ROWS.get(item.field, (item.field,))}
    rows = []
    for name in names:
        values = {source: sources[source].get(name, "") for source, _ in SOURCES}
        rows.append(FieldRow(name=name, values=values, mismatch=name in differing,
                             not_compared=name in unread and not values["visual"]))
    mismatched = {row.name for row in rows if row.mismatch}
    boxes = []
    for role, reading in (("primary", primary), ("second", second)):
        if reading is None:
            continue
        for name, data in reading.fields.items():
            box = (data or {}).get("box")
            if box and len(box) == 4:
                left, top, right, bottom = (int(v) for v in box)
                boxes.append({
                    "name": name, "role": role, "mismatch": name in mismatched,
                    "x": left, "y": top, "width": max(right - left, 1), "height": max(bottom - top, 1),
                })
    return DocumentPanel(document=document, primary=primary, second=second, rows=rows, boxes=boxes,
                         mrz_valid=mrz_valid, not_compared=not_compared)


def vendor_attempts(document_ids: list[str]) -> list[Any]:
    """The OCR vendor calls made for these documents (ocr_integration records them by document id)."""
    return ocr.attempts_for_subjects(document_ids)


def case_workspace(*, case_id) -> Workspace:
    """Raises Case.DoesNotExist for an unknown case."""
    case = (
        Case.objects.select_related("applicant", "assigned_to", "created_by")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=Document.objects.filter(is_current=True).prefetch_related(
                    Prefetch("readings", queryset=DocumentReading.objects.order_by("created_at", "id"))
                ),
                to_attr="current_documents",
            ),
        )
        .get(id=case_id)
    )
    findings = list(case.findings.filter(check_run=case.check_run).order_by("outcome", "code", "id"))
    for finding in findings:
        finding.explanation = explain_finding(finding.code)
        finding.kind_label = KIND_LABELS.get(DocumentKind(finding.document_kind)) if finding.document_kind in {
            k.value for k in DocumentKind} else ""
    not_compared = _not_compared(findings)
    flagged = flagged_fields(findings)
    for finding in findings:
        finding.readable = present_evidence(finding, findings)
    decisions = list(case.decisions.select_related("reviewer", "second_reviewer").order_by("created_at"))
    all_document_ids = [str(i) for i in case.documents.values_list("id", flat=True)]
    return Workspace(
        case=case,
        panels=[_panel(d, case, not_compared.get(d.kind, []), findings, flagged) for d in case.current_documents],
        findings=findings,
        notes=list(case.notes.select_related("author")),
        decisions=decisions,
        pending_approval=next((d for d in decisions if d.status == Decision.Status.AWAITING_SECOND), None),
        timeline=case_audit_timeline(case_id=case.id),
        attempts=vendor_attempts(all_document_ids),
        has_failed_findings=any(f.outcome == "fail" for f in findings),
        face_compare=_face_compare(findings, case.current_documents),
    )
