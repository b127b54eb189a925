"""A bank card: masked number and Luhn result, brand against the prefix, expiry, and the
cardholder's name against the names the identity document established."""

from __future__ import annotations

from .. import bank_card, names
from ..reading import Reading
from .context import FAIL, PASS, WARN, CheckEnv, Fact, Report, item, val


def check_bank_card(card: Reading, *, names_read: list[Fact], env: CheckEnv) -> Report:
    report = Report()
    report.extend(_check_number(card))
    report.extend(_check_expiry(card, env=env))
    report.extend(_check_holder(card, names_read, env=env))
    return report


def _check_number(card: Reading) -> Report:
    report = Report()
    kind = card.document_kind
    masked = val(card, "card_number_masked")
    luhn = val(card, "card_number_luhn")
    if masked is None:
        report.add("BANK_CARD_NUMBER", WARN, "No card number was read from the bank card.", {}, kind)
        return report
    if not bank_card.is_masked_number(masked):
        # Never echo what may be a full card number into evidence.
        report.add("BANK_CARD_NUMBER", FAIL,
                   "The card number was not stored in masked form (first 6 and last 4 digits); it cannot be checked.",
                   {"length": len(masked)}, kind)
        return report
    outcome = PASS if luhn == "valid" else (FAIL if luhn == "invalid" else WARN)
    message = {
        PASS: f"The card number ({masked}) passed the Luhn check when it was read.",
        FAIL: f"The card number ({masked}) fails the Luhn check: it was misread or is not a real card number.",
        WARN: f"Whether the card number ({masked}) passes the Luhn check is unknown.",
    }[outcome]
    report.add("BANK_CARD_NUMBER", outcome, message,
               {"compared": [item("visual", "card_number_masked", masked, card),
                             item("visual", "card_number_luhn", luhn, card)]}, kind)
    brand_read = val(card, "card_brand")
    if brand_read:
        implied = bank_card.brand_of(masked[:6])
        same = brand_read.lower() == implied
        report.add("BANK_CARD_BRAND", PASS if same else WARN,
                   (f"The card brand ({brand_read}) matches the number's prefix." if same else
                    f"The card brand read ({brand_read}) differs from the brand the prefix implies ({implied})."),
                   {"compared": [item("visual", "card_brand", brand_read, card),
                                 item("card_prefix", "card_brand", implied, card)]}, kind)
    return report


def _check_expiry(card: Reading, *, env: CheckEnv) -> Report:
    report = Report()
    kind = card.document_kind
    raw_expiry = val(card, "card_expiry")
    if not raw_expiry:
        return report
    expiry = bank_card.parse_expiry(raw_expiry)
    compared = [item("visual", "card_expiry", raw_expiry, card), item("today", "date", env.today.isoformat())]
    if expiry is None:
        report.add("BANK_CARD_EXPIRY", FAIL, f"The card expiry '{raw_expiry}' is not a MM/YY date.",
                   {"compared": compared}, kind)
        return report
    days_left = (expiry.last_day - env.today).days
    evidence = {"compared": compared, "valid_through": expiry.last_day.isoformat(), "days_left": days_left}
    if days_left < 0:
        report.add("BANK_CARD_EXPIRY", FAIL, f"The bank card expired at the end of {expiry}.", evidence, kind)
    elif days_left <= env.policy.expiry_warning_days:
        report.add("BANK_CARD_EXPIRY", WARN, f"The bank card expires at the end of {expiry}, in {days_left} days.",
                   evidence, kind)
    else:
        report.add("BANK_CARD_EXPIRY", PASS, f"The bank card is valid through {expiry}.", evidence, kind)
    return report


def _check_holder(card: Reading, names_read: list[Fact], *, env: CheckEnv) -> Report:
    report = Report()
    holder = val(card, "cardholder_name")
    references = [f for f in names_read if names.comparable(holder, f.value)] if holder else []
    if not (holder and references):
        return report
    score, best = max(((names.similarity(holder, f.value), f) for f in references), key=lambda s: s[0])
    outcome = env.name_outcome(score)
    report.add("BANK_CARD_NAME", outcome,
               f"The cardholder name ({holder}) {'matches' if outcome == PASS else 'differs from'} the identity"
               f" document ({best.value}); similarity {score:.2f}.",
               {"compared": [item("visual", "cardholder_name", holder, card), best.item], "similarity": score},
               card.document_kind)
    return report
