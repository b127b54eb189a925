"""A second reader's reading of a side against the primary one, on the check-protected fields; and
the hand-over of the MRZ to the second reader when the primary reader returned none."""

from __future__ import annotations

from .. import cn_resident_id, emirates_id
from ..kinds import DocumentKind
from ..reading import Reading
from .context import (
    FAIL,
    FIELD_WORDS,
    PASS,
    WARN,
    CheckEnv,
    Report,
    iso,
    item,
    norm_number,
    place,
    val,
)

# The sides whose checks start from an MRZ.
_MRZ_SIDES = (DocumentKind.PASSPORT, DocumentKind.EMIRATES_ID_BACK)

# MRZ field -> the check digit that protects it.
_MRZ_CHECK_FOR = {"document_number": "document_number", "birth_date": "birth_date", "expiry_date": "expiry_date",
                  "personal_number": "personal_number", "optional_data": "composite"}

_Protected = dict[str, tuple[str, bool | None, str]]


def mrz_reader_first(primary: dict[DocumentKind, Reading],
                     second: list[Reading]) -> tuple[dict[DocumentKind, Reading], list[Reading], Report]:
    """Where the primary reader returned no MRZ lines for a side that carries one and a second
    reader did read them, the second reader's reading becomes the one checked, and the primary
    reader's becomes the second read. Huawei's passport API returns fields derived from the MRZ but
    not its lines: without this, every passport routed to it with the embedded engine as second
    reader would fail ``MRZ_MISSING`` although the MRZ was read, and its printed zone (only the
    embedded engine reads it) would never be compared. Returns new primary and second reads."""
    report = Report()
    primary, second = dict(primary), list(second)
    for kind in _MRZ_SIDES:
        first = primary.get(kind)
        if first is None or first.mrz_lines:
            continue
        reader = next((r for r in second if r.document_kind == kind and r.mrz_lines), None)
        if reader is None:
            continue
        primary[kind] = reader
        second[second.index(reader)] = first
        report.add(
            "MRZ_READ_BY_SECOND_READER",
            PASS,
            f"Reader {first.provider} returned no MRZ lines {place(first)}, so the MRZ and printed fields"
            f" read by {reader.provider} are the ones checked, and {first.provider}'s fields are compared"
            " with them as a second read.",
            {"primary_provider": first.provider, "mrz_provider": reader.provider},
            kind,
        )
    return primary, second, report


def check_second_reads(primary: dict[DocumentKind, Reading], seconds: list[Reading], *, env: CheckEnv) -> Report:
    report = Report()
    for second in seconds:
        first = primary.get(second.document_kind)
        if first is not None:
            report.extend(_compare_readers(first, second, env=env))
    return report


def _compare_readers(first: Reading, second: Reading, *, env: CheckEnv) -> Report:
    report = Report()
    kind = second.document_kind
    mine, theirs = protected_values(first, env=env), protected_values(second, env=env)
    common = [name for name in mine if name in theirs]
    disagreements = [name for name in common if mine[name][0] != theirs[name][0]]
    for name in disagreements:
        a_value, a_ok, source = mine[name]
        b_value, b_ok, _ = theirs[name]
        field_name = name.split(".", 1)[-1]
        word = FIELD_WORDS.get(field_name, field_name)
        where = " in the MRZ" if source == "mrz" else ""
        if a_ok and b_ok is False:
            outcome = WARN
            why = (f" {first.provider}'s value passes its check digit and {second.provider}'s does not,"
                   f" so {second.provider} probably misread it.")
        else:
            outcome, why = FAIL, " Check the image."
        report.add(
            "READERS_DISAGREE",
            outcome,
            f"{word}{where} {place(first)} was read as {a_value} by {first.provider} and as {b_value}"
            f" by {second.provider}.{why}",
            {"compared": [item(source, field_name, a_value, first), item(source, field_name, b_value, second)],
             "check_valid": {first.provider: a_ok, second.provider: b_ok}},
            kind,
        )
    if common and not disagreements:
        report.add(
            "READERS_AGREE",
            PASS,
            f"Readers {first.provider} and {second.provider} agree on {len(common)} check-protected field(s)"
            f" {place(first)}.",
            {"fields": common, "providers": [first.provider, second.provider]},
            kind,
        )
    return report


def protected_values(reading: Reading, *, env: CheckEnv) -> _Protected:
    """field -> (normalised value, self-consistent?, source) for the check-protected fields."""
    values: _Protected = {}
    values.update(_mrz_values(reading, env=env))
    id_number = val(reading, "id_number")
    if id_number:
        values["id_number"] = _id_number_value(reading, id_number, env=env)
    for name in ("document_number", "card_number", "card_number_masked"):
        value = val(reading, name)
        if value:
            values[name] = (norm_number(value) if name != "card_number_masked" else value, None, "visual")
    for name in ("birth_date", "expiry_date"):
        value = val(reading, name)
        if value:
            parsed = iso(value)
            values[name] = (parsed.isoformat() if parsed else value, None, "visual")
    return values


def _mrz_values(reading: Reading, *, env: CheckEnv) -> _Protected:
    values: _Protected = {}
    if not reading.mrz_lines:
        return values
    result = env.parse_mrz(reading)
    if result.format is None:
        return values
    for name, check_name in _MRZ_CHECK_FOR.items():
        value = result.fields.get(name)
        if value is None or (name == "optional_data" and result.format != "TD1"):
            continue
        check = result.check(check_name)
        values[f"mrz.{name}"] = (value or result.raw.get(name, ""), check.ok if check else None, "mrz")
    return values


def _id_number_value(reading: Reading, id_number: str, *, env: CheckEnv) -> tuple[str, bool | None, str]:
    if reading.document_kind in (DocumentKind.EMIRATES_ID_FRONT, DocumentKind.EMIRATES_ID_BACK):
        res = emirates_id.validate_id_number(id_number)
        return res.digits or norm_number(id_number), res.ok, "visual"
    cn = cn_resident_id.validate_number(id_number, today=env.today)
    return cn.number or norm_number(id_number), cn.ok, "visual"
