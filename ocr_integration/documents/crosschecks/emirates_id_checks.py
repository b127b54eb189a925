"""Emirates ID: the ID number on the front, the back's TD1 MRZ and the front against the back."""

from __future__ import annotations

from .. import emirates_id, mrz
from ..reading import Reading
from .context import FAIL, PASS, CheckEnv, Report, item, val
from .mrz_checks import check_mrz, compare_viz_mrz, mrz_facts, visual_facts


def check_emirates_id(front: Reading | None, back: Reading | None, *, env: CheckEnv) -> Report:
    report = Report()
    front_number: emirates_id.IdNumberResult | None = None
    if front is not None:
        front_report, front_number = _check_front_number(front)
        report.extend(front_report)
    result = None
    if back is not None:
        mrz_report, result = check_mrz(back, env=env, formats=("TD1",), code_first="I")
        report.extend(mrz_report)
    if back is not None and result is not None:
        report.extend(_check_back_mrz(front, back, result, front_number))
        if front is not None:
            report.extend(compare_viz_mrz(front, result, back, env=env, other_side=back))
        report.extend(compare_viz_mrz(back, result, back, env=env, number_field="card_number"))
        report.facts.extend(mrz_facts(back, result, front))
    for side in (front, back):
        if side is not None:
            report.facts.extend(visual_facts(side))
    return report


def _check_front_number(front: Reading) -> tuple[Report, emirates_id.IdNumberResult | None]:
    report = Report()
    raw = val(front, "id_number")
    if raw is None:
        report.add("EID_ID_NUMBER", FAIL, "No Emirates ID number was read on the front.",
                   {"compared": [item("visual", "id_number", None, front)]}, front.document_kind)
        return report, None
    number = emirates_id.validate_id_number(raw)
    report.add(
        "EID_ID_NUMBER",
        PASS if number.ok else FAIL,
        (
            f"The Emirates ID number on the front ({number.formatted}) is well formed and its check digit"
            " is correct."
            if number.ok
            else f"The Emirates ID number on the front ('{raw}') is invalid: "
            + " ".join(p.message for p in number.problems)
        ),
        {"compared": [item("visual", "id_number", raw, front)],
         "expected_check_digit": number.expected_check_digit,
         "problems": [p.code for p in number.problems]},
        front.document_kind,
    )
    return report, number


def _check_back_mrz(front: Reading | None, back: Reading, result: mrz.MrzResult,
                    front_number: emirates_id.IdNumberResult | None) -> Report:
    report = Report()
    rules = emirates_id.check_back_mrz(result)
    problems = {p.code: p.message for p in rules.problems}
    kind = back.document_kind
    issuer = result.fields["issuing_state"]
    report.add("EID_MRZ_ISSUER", FAIL if "issuing_state" in problems else PASS,
               problems.get("issuing_state", "The back MRZ names ARE (United Arab Emirates) as issuer."),
               {"compared": [item("mrz", "issuing_state", issuer, back)], "expected": "ARE"}, kind)
    card = rules.card_number
    report.add("EID_MRZ_CARD_NUMBER", FAIL if "card_number_format" in problems else PASS,
               problems.get("card_number_format", f"The back MRZ carries the 9-digit card number {card}."),
               {"compared": [item("mrz", "document_number", card, back)]}, kind)
    id_problem = problems.get("id_number_missing") or problems.get("id_number_invalid")
    optional = result.fields["optional_data"]
    mrz_id = rules.id_number.formatted if rules.id_number and rules.id_number.formatted else optional
    report.add("EID_MRZ_ID_NUMBER", FAIL if id_problem else PASS,
               id_problem or f"The back MRZ carries a valid Emirates ID number ({mrz_id}).",
               {"compared": [item("mrz", "optional_data", optional, back)]}, kind)
    if front_number is not None and front_number.digits and rules.id_number and rules.id_number.digits:
        report.extend(_front_against_back(front, back, front_number, rules.id_number))
    return report


def _front_against_back(front: Reading | None, back: Reading, front_number: emirates_id.IdNumberResult,
                        back_number: emirates_id.IdNumberResult) -> Report:
    report = Report()
    same = front_number.digits == back_number.digits
    report.add(
        "EID_ID_NUMBER_FRONT_BACK",
        PASS if same else FAIL,
        (
            f"The ID number on the front matches the one in the back MRZ ({front_number.formatted})."
            if same
            else f"The ID number on the front ({front_number.formatted}) differs from the one in the"
            f" back MRZ ({back_number.formatted})."
        ),
        {"compared": [item("visual", "id_number", front_number.formatted, front),
                      item("mrz", "optional_data", back_number.formatted, back)]},
        front.document_kind if front is not None else None,
    )
    return report
