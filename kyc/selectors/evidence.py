"""A finding's stored evidence as a reviewer reads it: one sentence and a small table of what was
expected, what was found and where on the document.

Everything here is read from what the checks stored at check time (the finding's evidence and the
other findings of the same run); nothing is parsed or compared again, so the page can never
disagree with the verdict it explains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from kyc.i18n.labels import SIDE_LABELS

SOURCE_LABELS = {
    "visual": gettext_lazy("printed zone"),
    "mrz": gettext_lazy("MRZ"),
    "second": gettext_lazy("second reader"),
    "declared": gettext_lazy("applicant-declared"),
    "today": gettext_lazy("date of the check"),
    "id_number": gettext_lazy("ID number"),
    "scripted": gettext_lazy("reader"),
}
FIELD_LABELS = {
    "name": gettext_lazy("name"), "full_name": gettext_lazy("full name"), "surname": gettext_lazy("surname"),
    "given_names": gettext_lazy("given names"), "birth_date": gettext_lazy("birth date"),
    "expiry_date": gettext_lazy("expiry date"), "document_number": gettext_lazy("document number"),
    "card_number": gettext_lazy("card number"), "nationality": gettext_lazy("nationality"),
    "issuing_state": gettext_lazy("issuing state"), "sex": gettext_lazy("sex"), "date": gettext_lazy("date"),
    "personal_number": gettext_lazy("personal number"), "composite": gettext_lazy("composite (whole line)"),
    "optional_data": gettext_lazy("optional data"), "id_number": gettext_lazy("ID number"),
}
# The reference a value is held against, in the order of preference: the other item is "found".
_REFERENCE_ORDER = ("mrz", "today", "id_number", "second", "visual", "declared")


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


def _where(item: dict[str, Any]) -> str:
    source = str(SOURCE_LABELS.get(item.get("source", ""), item.get("source", "")))
    kind = item.get("document_kind")
    side = SIDE_LABELS.get(kind) if kind else None
    return f"{source}, {side}" if side else source


def _shown(value: Any) -> str:
    if value is None or value == "":
        return _("not read")
    return str(value)


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    expected: str
    found: str
    where: str

    @property
    def not_read(self) -> bool:
        """The found value is the "not read" marker (in the language the row was built in)."""
        return self.found == _("not read")


@dataclass
class Evidence:
    sentence: str
    rows: list[EvidenceRow] = field(default_factory=list)


def _pairs(compared: list[dict[str, Any]]) -> list[EvidenceRow]:
    """Compared items come in pairs (found, reference); a lone item is shown as found."""
    rows = []
    items = [item for item in compared if isinstance(item, dict)]
    for index in range(0, len(items), 2):
        pair = items[index:index + 2]
        if len(pair) == 1:
            item = pair[0]
            rows.append(EvidenceRow(field_label(str(item.get("field", ""))), "", _shown(item.get("value")),
                                    _where(item)))
            continue
        rank = {source: i for i, source in enumerate(_REFERENCE_ORDER)}
        reference, found = sorted(pair, key=lambda i: rank.get(i.get("source"), 99))
        label = field_label(str(found.get("field") or reference.get("field") or ""))
        rows.append(EvidenceRow(
            label=label,
            expected=f"{_shown(reference.get('value'))}",
            found=_shown(found.get("value")),
            where=_("%(found)s against %(reference)s") % {"found": _where(found), "reference": _where(reference)},
        ))
    return rows


def _check_digit(finding, evidence: dict[str, Any]) -> Evidence:
    name = str(evidence.get("check", ""))
    data, found, expected = evidence.get("data", ""), evidence.get("found", ""), evidence.get("expected")
    label = field_label(name)
    where = _("MRZ, check digit of the %(field)s") % {"field": label}
    empty = not str(data).strip("<")
    if finding.outcome == "pass":
        if empty:
            # An empty field's check digit may be a filler or 0 (ICAO 9303): both are right.
            sentence = _("The %(field)s is empty, and its check digit is a filler, as it should be.") % {
                "field": label}
            return Evidence(sentence, [EvidenceRow(label, _("filler (<) or 0"), str(found), where)])
        sentence = _("The check digit of the %(field)s (%(data)s) is correct: %(found)s.") % {
            "field": label, "data": data, "found": found}
        return Evidence(sentence, [EvidenceRow(label, str(expected if expected is not None else found),
                                               str(found), where)])
    if expected is None:
        sentence = _("The check digit of the %(field)s cannot be verified: '%(data)s' holds characters an MRZ "
                     "cannot contain.") % {"field": label, "data": data}
        return Evidence(sentence, [EvidenceRow(label, _("a computable check digit"), str(found), where)])
    sentence = _("The check digit of the %(field)s is wrong: '%(data)s' gives %(expected)s, the MRZ shows "
                 "%(found)s. A value whose check digit fails is not used by the other checks.") % {
        "field": label, "data": data, "expected": expected, "found": found}
    return Evidence(sentence, [EvidenceRow(label, str(expected), str(found), where)])


def _age_unknown(finding, evidence: dict[str, Any], run: list) -> Evidence:
    discarded = [
        f for f in run
        if f.code == "MRZ_CHECK_DIGIT" and f.outcome == "fail" and isinstance(f.evidence, dict)
        and f.evidence.get("check") == "birth_date"
    ]
    minimum = evidence.get("minimum_age")
    if discarded:
        bad = discarded[0].evidence
        sentence = _("A birth date was read in the MRZ (%(data)s), but it was discarded because its check digit "
                     "failed, and no other birth date was read: the applicant's age is unknown.") % {
            "data": bad.get("data", "")}
        rows = [EvidenceRow(field_label("birth_date"), str(bad.get("expected", "")), str(bad.get("found", "")),
                            _("MRZ, check digit of the birth date (value discarded)"))]
    else:
        sentence = _("No birth date could be read from the document, so the applicant's age is unknown.")
        rows = []
    if minimum is not None:
        rows.append(EvidenceRow(_("minimum age"), str(minimum), _("unknown"), _("policy")))
    return Evidence(sentence, rows)


def _name(finding, evidence: dict[str, Any]) -> Evidence:
    rows = []
    for component in evidence.get("components") or []:
        rows.append(EvidenceRow(
            label=field_label(str(component.get("component", ""))),
            expected=_shown(component.get("mrz")),
            found=_shown(component.get("visual")),
            where=_("printed zone against MRZ; similarity %(score).2f (passes at %(pass_at)s)") % {
                "score": float(component.get("similarity", 0.0)), "pass_at": evidence.get("pass_at", "")},
        ))
    return Evidence(finding.message, rows or _pairs(evidence.get("compared") or []))


def _field_problem(finding, evidence: dict[str, Any]) -> Evidence:
    name = str(evidence.get("field") or "")
    return Evidence(finding.message, [EvidenceRow(field_label(name), _("a well-formed value"),
                                                  _shown(evidence.get("value")), _("MRZ"))])


def _side_missing(finding, evidence: dict[str, Any]) -> Evidence:
    side = SIDE_LABELS.get(evidence.get("missing", ""), evidence.get("missing", ""))
    return Evidence(finding.message, [EvidenceRow(_("side"), str(side), _("not read"), str(side))])


_OUTCOME_WORDS = {
    "pass": pgettext_lazy("finding sentence", "Passed"),
    "warn": pgettext_lazy("finding sentence", "Warning"),
    "fail": pgettext_lazy("finding sentence", "Failed"),
}


def present_evidence(finding, run: list) -> Evidence:
    """``finding`` as a sentence and rows, in the active language; ``run`` is every finding of the
    same check run.

    The sentences of the codes below are written here in every language. For the other codes the
    engine's own sentence (stored with the finding, in English) is the English one; in Arabic and
    Chinese the sentence says the outcome and what the code checks, and the rows give the values.
    """
    evidence = _present(finding, run)
    if evidence.sentence is finding.message and not (translation.get_language() or "en").startswith("en"):
        from kyc.selectors.workspace import explain_finding

        evidence.sentence = _("%(outcome)s: %(meaning)s") % {
            "outcome": _OUTCOME_WORDS.get(finding.outcome, finding.outcome),
            "meaning": explain_finding(finding.code)}
    return evidence


def _present(finding, run: list) -> Evidence:
    evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
    code = finding.code
    if code == "MRZ_CHECK_DIGIT":
        return _check_digit(finding, evidence)
    if code == "APPLICANT_AGE_UNKNOWN":
        return _age_unknown(finding, evidence, run)
    if code == "VIZ_MRZ_NAME":
        return _name(finding, evidence)
    if code in ("MRZ_FIELD_INVALID", "MRZ_FIELD_WARNING", "MRZ_NAME_TRUNCATED"):
        return _field_problem(finding, evidence)
    if code == "DOC_SIDE_MISSING":
        return _side_missing(finding, evidence)
    return Evidence(finding.message, _pairs(evidence.get("compared") or []))


def flagged_fields(findings: list) -> dict[str | None, set[str]]:
    """document kind -> the fields a failed or warning finding of the run names (what the checks
    themselves found to differ). A name finding flags every name row."""
    flagged: dict[str | None, set[str]] = {}
    for finding in findings:
        if finding.outcome == "pass" or not isinstance(finding.evidence, dict):
            continue
        if finding.code in ("VIZ_FIELD_NOT_READ", "MRZ_CORRECTED", "MRZ_CHECK_DIGIT"):
            continue  # not a difference between sources
        names: set[str] = set()
        for item in finding.evidence.get("compared") or []:
            if isinstance(item, dict) and item.get("source") != "today" and item.get("field"):
                names.add(str(item["field"]))
        if names & {"name", "surname", "given_names", "full_name"}:
            names |= {"name", "surname", "given_names", "full_name"}
        if names:
            flagged.setdefault(finding.document_kind or None, set()).update(names)
    return flagged


# The reason codes (seeded by migration 0003) a failed finding points at. A suggestion only: the
# reviewer sees it ticked and marked as suggested when choosing reject or resubmission, and can
# untick it; an approval is never pre-filled.
_SUGGESTED_REASONS = {
    "DOC_EXPIRY": "document-expired", "CN_ID_VALIDITY_PERIOD": "document-expired",
    "BANK_CARD_EXPIRY": "document-expired",
    "APPLICANT_AGE": "underage",
    "DOC_SIDE_MISSING": "wrong-side", "MRZ_DOCUMENT_TYPE": "wrong-side",
    "MRZ_MISSING": "image-unreadable", "MRZ_UNREADABLE": "image-unreadable",
}
_MISMATCH_FAMILIES = ("VIZ_MRZ_", "DECLARED_", "READERS_DISAGREE", "EID_", "MRZ_CHECK_DIGIT", "CN_ID_")


def suggested_reason_codes(findings: list) -> set[str]:
    """Reason codes the run's failed findings point at (see _SUGGESTED_REASONS)."""
    suggested: set[str] = set()
    for finding in findings:
        if finding.outcome != "fail":
            continue
        if finding.code in _SUGGESTED_REASONS:
            suggested.add(_SUGGESTED_REASONS[finding.code])
        elif finding.code.startswith(_MISMATCH_FAMILIES):
            suggested.add("data-mismatch")
    return suggested
