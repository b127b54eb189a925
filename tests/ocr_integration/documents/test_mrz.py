"""ICAO 9303 MRZ parsing, validation, correction and building."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ocr_integration.documents import mrz
from ocr_integration.documents.icao_codes import ICAO_CODES

TODAY = date(2026, 11, 21)

# ICAO Doc 9303 worked examples (the "Utopia" specimens of parts 4-7).
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
MRVA = ("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<")
MRVB = ("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<")
# Part 5, document number longer than 9 characters (D23145890734).
TD1_LONG = ("I<UTOD23145890<7349<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


def parse(lines, **kw):
    kw.setdefault("today", TODAY)
    return mrz.parse(lines, **kw)


def problem_codes(result):
    return {p.code for p in result.problems}


# --- check digits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "digit"),
    [
        ("L898902C3", "6"),  # Doc 9303 part 4
        ("740812", "2"),
        ("120415", "9"),
        ("ZE184226B", "1"),
        ("D23145890", "7"),
        ("D23145890734", "9"),  # part 5 long number
        ("<<<<<<<<<", "0"),
        ("520727", "3"),  # part 3 worked example
        ("AB2134<<<", "5"),  # part 3 worked example
    ],
)
def test_check_digit_matches_icao_examples(data, digit):
    assert mrz.check_digit(data) == digit


def test_check_digit_rejects_characters_outside_the_mrz_set():
    with pytest.raises(ValueError):
        mrz.check_digit("AB-12")


# --- ICAO specimens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "fmt", "number", "nationality", "birth", "expiry"),
    [
        (TD3, "TD3", "L898902C3", "UTO", "1974-08-12", "2012-04-15"),
        (TD1, "TD1", "D23145890", "UTO", "1974-08-12", "2012-04-15"),
        (TD2, "TD2", "D23145890", "UTO", "1974-08-12", "2012-04-15"),
        (MRVA, "MRVA", "L8988901C", "XXX", "1940-09-07", "1996-12-10"),
        (MRVB, "MRVB", "L8988901C", "XXX", "1940-09-07", "1996-12-10"),
        (TD1_LONG, "TD1", "D23145890734", "UTO", "1974-08-12", "2012-04-15"),
    ],
)
def test_icao_specimens_parse_and_validate(lines, fmt, number, nationality, birth, expiry):
    result = parse(lines)
    assert result.format == fmt
    assert result.valid, (result.checks, result.problems)
    f = result.fields
    assert (f["surname"], f["given_names"]) == ("ERIKSSON", "ANNA MARIA")
    assert f["issuing_state"] == "UTO"
    assert f["document_number"] == number
    assert f["nationality"] == nationality
    assert (f["birth_date"], f["expiry_date"], f["sex"]) == (birth, expiry, "F")
    assert result.corrections == ()


def test_td3_fields_and_every_check_are_reported():
    result = parse(TD3)
    assert result.fields["personal_number"] == "ZE184226B"
    assert [c.name for c in result.checks] == [
        "document_number", "birth_date", "expiry_date", "personal_number", "composite",
    ]
    assert all(c.ok for c in result.checks)
    assert result.check("composite").data == "L898902C36" + "7408122" + "1204159ZE184226B<<<<<1"


def test_long_document_number_check_digit_is_verified():
    assert parse(TD1_LONG).long_document_number
    broken = (TD1_LONG[0].replace("7349", "7359"), *TD1_LONG[1:])
    result = parse(broken, correct=False)
    assert not result.check("document_number").ok
    assert result.check("document_number").data == "D23145890735"


def test_td2_long_document_number_round_trips_through_the_builder():
    lines = mrz.build_td2(
        document_number="AB1234567890", surname="Doe", given_names="Jo", nationality="UTO",
        birth_date=date(1990, 1, 2), sex="M", expiry_date=date(2030, 1, 2), issuing_state="UTO",
    )
    result = parse(lines)
    assert result.valid and result.long_document_number
    assert result.fields["document_number"] == "AB1234567890"


def test_long_document_number_followed_by_optional_data():
    lines = mrz.build_td1(
        document_number="D23145890734", surname="Eriksson", given_names="Anna", nationality="UTO",
        birth_date=date(1974, 8, 12), sex="F", expiry_date=date(2030, 4, 15), issuing_state="UTO",
        optional_data="AB12",
    )
    assert lines[0] == "I<UTOD23145890<7349<AB12<<<<<<"
    result = parse(lines)
    assert result.valid
    assert (result.fields["document_number"], result.fields["optional_data"]) == ("D23145890734", "AB12")


def test_filler_check_digit_without_a_long_number_is_an_error():
    line1 = "I<UTOD23145890<<<<<<<<<<<<<<<<"
    result = parse((line1, *TD1[1:]), correct=False)
    assert "document_number_format" in problem_codes(result)


# --- tolerant input ------------------------------------------------------------------------------


def test_lower_case_spaces_and_guillemets_are_tolerated():
    noisy = "p«utoeriksson««anna«maria«««««««««««««««««««\n L898902C36 UTO7408122F1204159ZE184226B<<<<<10 \n\n"
    result = parse(noisy)
    assert result.valid
    assert result.lines == TD3


def test_one_string_without_line_breaks_is_split():
    assert parse("".join(TD1)).format == "TD1"


def test_short_line_is_padded_with_a_warning():
    result = parse((TD3[0].rstrip("<"), TD3[1]))
    assert result.valid
    assert "line_padded" in problem_codes(result)


@pytest.mark.parametrize("garbage", ["", "hello world", "P<UTO\nshort", ["a", "b", "c", "d"], [None, 3], None, 42])
def test_non_mrz_text_is_a_layout_problem_not_an_exception(garbage):
    result = parse(garbage)
    assert result.format is None
    assert not result.valid
    assert problem_codes(result) == {"layout"}


def test_too_long_line_is_an_error():
    result = parse((TD3[0] + "<<", TD3[1]))
    assert "line_length" in problem_codes(result)
    assert not result.valid


# --- field rules (cases in the spirit of public MRZ test suites, rewritten) -----------------------


def _td3_with(**kw):
    base = dict(
        document_number="L898902C3", surname="Eriksson", given_names="Anna Maria", nationality="UTO",
        birth_date=date(1974, 8, 12), sex="F", expiry_date=date(2030, 4, 15), issuing_state="UTO",
        personal_number="ZE184226B",
    )
    base.update(kw)
    return mrz.build_td3(**base)


def test_german_single_letter_code_is_valid():
    result = parse(_td3_with(issuing_state="D", nationality="D"))
    assert result.valid
    assert result.fields["nationality"] == "D"
    assert result.lines[0][2:5] == "D<<"


@pytest.mark.parametrize("code", ["EUE", "UNO", "UNA", "UNK", "XOM", "XXA", "XXB", "XXC", "XXX", "GBD", "XPO"])
def test_icao_special_codes_are_valid(code):
    assert parse(_td3_with(nationality=code)).valid


def test_unknown_state_code_is_an_error():
    result = parse(_td3_with(nationality="QQQ"), correct=False)
    assert "nationality_unknown" in problem_codes(result)
    assert result.checks_ok and not result.valid


@pytest.mark.parametrize("sex", ["M", "F", "X", ""])
def test_sex_markers(sex):
    result = parse(_td3_with(sex=sex))
    assert result.valid
    assert result.fields["sex"] == sex


def test_invalid_sex_is_an_error():
    line2 = TD3[1][:20] + "K" + TD3[1][21:]
    assert "sex_invalid" in problem_codes(parse((TD3[0], line2)))


def test_wrong_document_code_for_the_format():
    line1 = "V" + TD3[0][1:]  # a visa code in a TD3 layout is read as MRV-A
    assert parse((line1, TD3[1])).format == "MRVA"
    td1 = ("P" + TD1[0][1:], *TD1[1:])
    assert "document_code" in problem_codes(parse(td1))


def test_name_with_digits_and_double_separator_are_errors():
    line1 = "P<UTOERIKSSON<<ANNA<<MARIA<<<<<<<<<<<<<<<<<<"
    assert "name_format" in problem_codes(parse((line1, TD3[1])))
    line1 = "P<UTO<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<"
    assert "name_format" in problem_codes(parse((line1, TD3[1])))
    line1 = "P<UTOERIKSSON<<<ANNA<MARIA<<<<<<<<<<<<<<<<<<"
    assert "name_format" in problem_codes(parse((line1, TD3[1])))


def test_empty_name_is_an_error():
    line1 = "P<UTO" + "<" * 39
    assert "name_empty" in problem_codes(parse((line1, TD3[1])))


def test_full_name_field_warns_of_truncation():
    result = parse(_td3_with(surname="Vanderbergenhausen", given_names="Maximiliana Josephina Alexandra"))
    assert result.valid
    assert result.name_truncated
    assert "name_truncated" in problem_codes(result)


def test_surname_only_name_is_valid():
    result = parse(_td3_with(given_names=""))
    assert result.valid
    assert result.fields["given_names"] == ""


def test_impossible_date_is_an_error_even_with_a_matching_check_digit():
    bad = "741332"
    line2 = TD3[1][:13] + bad + mrz.check_digit(bad) + TD3[1][20:]
    line2 = line2[:43] + mrz.check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    result = parse((TD3[0], line2))
    assert result.checks_ok
    assert "birth_date_invalid" in problem_codes(result)
    assert result.fields["birth_date"] == ""


def test_expiry_before_birth_is_an_error():
    result = parse(_td3_with(birth_date=date(1990, 1, 1), expiry_date=date(1985, 1, 1)))
    assert "expiry_before_birth" in problem_codes(result)


def test_century_inference():
    # Birth: latest century in the past; expiry: within a window around today.
    assert mrz.birth_date_from("260101", TODAY) == date(2026, 1, 1)
    assert mrz.birth_date_from("261231", TODAY) == date(1926, 12, 31)
    assert mrz.birth_date_from("000229", TODAY) == date(2000, 2, 29)
    assert mrz.expiry_date_from("350101", TODAY) == date(2035, 1, 1)
    assert mrz.expiry_date_from("991231", TODAY) == date(1999, 12, 31)
    assert mrz.expiry_date_from("130229", TODAY) is None


def test_implausibly_distant_expiry_is_a_warning():
    result = parse(_td3_with(expiry_date=date(2055, 1, 1)))
    assert result.valid
    assert "expiry_implausible" in problem_codes(result)


@pytest.mark.parametrize("digit", ["<", "0"])
def test_empty_personal_number_accepts_filler_or_zero_check_digit(digit):
    lines = _td3_with(personal_number="")
    line2 = lines[1][:42] + digit
    line2 += mrz.check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    assert parse((lines[0], line2)).valid


def test_non_empty_personal_number_needs_its_digit():
    line2 = TD3[1][:42] + "<" + TD3[1][43]
    result = parse((TD3[0], line2), correct=False)
    assert not result.check("personal_number").ok


def test_filler_inside_document_number_is_an_error():
    result = parse(_td3_with(document_number="L89<902C3"))
    assert "document_number_format" in problem_codes(result)


def test_invalid_characters_are_reported_and_checks_cannot_pass():
    line2 = TD3[1][:3] + "#" + TD3[1][4:]
    result = parse((TD3[0], line2))
    assert "invalid_characters" in problem_codes(result)
    assert result.check("document_number").expected is None
    assert not result.valid


def test_check_digits_cannot_see_a_change_by_ten_positions():
    # A property of ICAO's 7-3-1 scheme, not of this parser: C (12) and M (22) weigh the same mod 10.
    lines = _td3_with(document_number="L898902M3")
    assert parse(lines, correct=False).checks_ok


# --- correction mode -----------------------------------------------------------------------------


def test_confusions_in_number_and_date_are_corrected_and_reported():
    line2 = TD3[1].replace("L898902C3", "L8989O2C3").replace("7408122", "74O8122")
    result = parse((TD3[0], line2))
    assert result.valid
    assert result.lines == TD3
    assert result.correction_status == "applied"
    changes = {(c.line, c.position, c.field, c.was, c.now, c.verified) for c in result.corrections}
    assert changes == {
        (1, 5, "document_number", "O", "0", True),
        (1, 15, "birth_date", "O", "0", True),
    }
    assert "read 'O', corrected to '0'" in result.corrections[0].describe()


def test_correction_can_be_turned_off():
    line2 = TD3[1].replace("L898902C3", "L8989O2C3")
    result = parse((TD3[0], line2), correct=False)
    assert not result.valid
    assert result.correction_status == "off"
    assert result.fields["document_number"] == "L8989O2C3"


def test_ambiguous_correction_is_refused():
    line2 = TD3[1].replace("ZE184226B", "ZE1842Z6B")
    result = parse((TD3[0], line2))
    assert result.correction_status == "ambiguous"
    assert result.ambiguous_candidates >= 2
    assert result.corrections == ()
    assert result.lines == (TD3[0], line2)


def test_a_digit_in_a_name_is_repaired_and_reported():
    line1 = TD3[0].replace("ERIKSSON", "ER1KSSON")
    result = parse((line1, TD3[1]))
    assert result.fields["surname"] == "ERIKSSON"
    assert [(c.was, c.now, c.verified) for c in result.corrections] == [("1", "I", False)]
    # A digit is impossible in a name: 0 is read as O (Q is rare in names), and every repair is listed.
    line1 = TD3[0].replace("ERIKSSON<<ANNA", "ER1K55ON<<0NN4")
    result = parse((line1, TD3[1]))
    assert result.valid
    assert (result.fields["surname"], result.fields["given_names"]) == ("ERIKSSON", "ONNA MARIA")
    assert [(c.field, c.was, c.now) for c in result.corrections] == [
        ("name", "1", "I"), ("name", "5", "S"), ("name", "5", "S"), ("name", "0", "O"), ("name", "4", "A"),
    ]
    assert "a name cannot hold a digit" in result.corrections[3].describe()


def test_digits_in_names_are_repaired_in_every_format():
    line3 = TD1_LONG[2].replace("ERIKSSON", "ER1K55ON")
    result = parse((TD1_LONG[0], TD1_LONG[1], line3))
    assert result.valid and result.fields["surname"] == "ERIKSSON"
    # With correction off the digit stays, and is an error.
    assert "name_format" in problem_codes(parse((TD1_LONG[0], TD1_LONG[1], line3), correct=False))


def test_state_code_zero_is_resolved_by_the_code_list():
    line2 = TD3[1].replace("UTO7408", "UT07408")
    result = parse((TD3[0], line2))
    assert result.valid
    assert result.fields["nationality"] == "UTO"


def test_uncorrectable_mrz_stays_as_read():
    line2 = TD3[1].replace("L898902C36", "L898902C37")
    result = parse((TD3[0], line2))
    assert result.correction_status == "none_found"
    assert not result.valid


# --- builders and properties ---------------------------------------------------------------------

_name = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=10)
_number = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=9)
_code = st.sampled_from(sorted(ICAO_CODES))
_birth = st.dates(min_value=TODAY - timedelta(days=365 * 99), max_value=TODAY)
_expiry = st.dates(min_value=TODAY - timedelta(days=365 * 20), max_value=TODAY + timedelta(days=365 * 14))
_sex = st.sampled_from(["M", "F", "X", ""])


@st.composite
def valid_mrz(draw, fmt=None):
    fmt = fmt or draw(st.sampled_from(["TD1", "TD2", "TD3"]))
    birth = draw(_birth)
    expiry = draw(_expiry.filter(lambda d: d > birth))
    kw = dict(
        document_number=draw(_number), surname=draw(_name), given_names=draw(_name),
        nationality=draw(_code), birth_date=birth, sex=draw(_sex), expiry_date=expiry,
        issuing_state=draw(_code),
    )
    if fmt == "TD3":
        kw["personal_number"] = draw(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=14))
        lines = mrz.build_td3(**kw)
    elif fmt == "TD2":
        lines = mrz.build_td2(**kw)
    else:
        kw["document_number"] = draw(
            st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=13)
        )
        lines = mrz.build_td1(**kw)
    return fmt, kw, lines


@settings(max_examples=300, deadline=None)
@given(valid_mrz())
def test_generated_mrz_parses_back_to_its_fields(sample):
    fmt, kw, lines = sample
    result = parse(lines)
    assert result.format == fmt
    assert result.valid, (lines, result.checks, result.problems)
    f = result.fields
    assert f["document_number"] == kw["document_number"]
    assert f["surname"] == kw["surname"]
    assert f["given_names"] == kw["given_names"]
    assert f["nationality"] == kw["nationality"]
    assert f["issuing_state"] == kw["issuing_state"]
    assert f["birth_date"] == kw["birth_date"].isoformat()
    assert f["expiry_date"] == kw["expiry_date"].isoformat()
    assert f["sex"] == kw["sex"]
    if fmt == "TD3":
        assert f["personal_number"] == kw["personal_number"]
    assert result.corrections == ()


def _protected_positions(fmt):
    layout = mrz.layout.LAYOUTS[fmt]
    positions = []
    for spans, digit in layout.checks.values():
        for line, start, end in (*spans, digit):
            positions.extend((line, p) for p in range(start, end))
    return sorted(set(positions))


_MRZ_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(valid_mrz(), st.data())
def test_every_single_change_in_a_protected_field_is_detected(sample, data):
    fmt, _, lines = sample
    line, pos = data.draw(st.sampled_from(_protected_positions(fmt)))
    old = lines[line][pos]
    new = data.draw(st.sampled_from([c for c in _MRZ_CHARS if c != old]))
    value = {c: i for i, c in enumerate(_MRZ_CHARS[:-1])} | {"<": 0}
    cls = mrz.layout.POSITION_CLASSES[fmt][0][line][pos]
    # ICAO's 7-3-1 weights cannot see a change by a multiple of 10 (0/A/K/U, 1/B/L/V, 0/<) in an
    # alphanumeric field: no checker can; everything else must be caught.
    assume(not (cls == "X" and (value[new] - value[old]) % 10 == 0))
    changed = list(lines)
    changed[line] = lines[line][:pos] + new + lines[line][pos + 1 :]
    result = parse(tuple(changed), correct=False)
    assert not result.valid


_CONFUSE = {"0": "OQ", "1": "I", "8": "B", "5": "S", "2": "Z", "6": "G",
            "O": "0", "Q": "0", "I": "1", "B": "8", "S": "5", "Z": "2", "G": "6"}


def _candidates(lines, fmt):
    """Independent brute force: every single confusion swap in the fields protected by a failing
    check (and the letter-for-digit swaps in digit-only fields) that makes every check pass."""
    result = parse(lines, correct=False)
    failing = {c.name for c in result.checks if not c.ok}
    layout = mrz.layout.LAYOUTS[fmt]
    classes = mrz.layout.POSITION_CLASSES[fmt][0]
    positions = set()
    for name, (spans, digit) in layout.checks.items():
        if name in failing:
            for line, start, end in (*spans, digit):
                positions.update((line, p) for p in range(start, end))
    found = []
    # A letter in a digit-only field is a candidate wherever it is.
    positions.update(
        (line, pos)
        for line, text in enumerate(lines)
        for pos, ch in enumerate(text)
        if classes[line][pos] in ("N", "C") and ch.isalpha()
    )
    for line, pos in sorted(positions):
        if classes[line][pos] not in ("X", "N", "C"):
            continue
        for alt in _CONFUSE.get(lines[line][pos], ""):
            if classes[line][pos] in ("N", "C") and not alt.isdigit():
                continue  # digit-only fields never take a letter
            changed = list(lines)
            changed[line] = lines[line][:pos] + alt + lines[line][pos + 1 :]
            if parse(tuple(changed), correct=False).checks_ok:
                found.append(tuple(changed))
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(valid_mrz(), st.data())
def test_correction_never_accepts_an_ambiguous_fix(sample, data):
    fmt, _, lines = sample
    swappable = [
        (line, pos) for line, pos in _protected_positions(fmt)
        if lines[line][pos] in _CONFUSE and mrz.layout.POSITION_CLASSES[fmt][0][line][pos] in ("X", "N", "C")
    ]
    assume(swappable)
    line, pos = data.draw(st.sampled_from(swappable))
    new = data.draw(st.sampled_from(_CONFUSE[lines[line][pos]]))
    corrupted = list(lines)
    corrupted[line] = lines[line][:pos] + new + lines[line][pos + 1 :]
    corrupted = tuple(corrupted)
    result = parse(corrupted)
    verified = [c for c in result.corrections if c.verified]
    if result.correction_status == "applied" and verified:
        # The original is always a candidate, so a unique fix must restore it.
        assert result.lines == lines
        assert len(set(_candidates(corrupted, fmt))) == 1
    elif result.correction_status == "ambiguous":
        assert not verified
        assert result.lines == corrupted
        assert len(set(_candidates(corrupted, fmt))) >= 2


def test_builders_compose_specimens_exactly():
    assert _td3_with(expiry_date=date(2012, 4, 15)) == TD3
    assert mrz.build_td1(
        document_number="D23145890734", surname="Eriksson", given_names="Anna Maria", nationality="UTO",
        birth_date=date(1974, 8, 12), sex="F", expiry_date=date(2012, 4, 15), issuing_state="UTO",
    ) == TD1_LONG
    assert mrz.build_td2(
        document_number="D23145890", surname="Eriksson", given_names="Anna Maria", nationality="UTO",
        birth_date=date(1974, 8, 12), sex="F", expiry_date=date(2012, 4, 15), issuing_state="UTO",
    ) == TD2
    assert mrz.build_mrva(
        document_number="L8988901C", surname="Eriksson", given_names="Anna Maria", nationality="XXX",
        birth_date=date(1940, 9, 7), sex="F", expiry_date=date(1996, 12, 10), issuing_state="UTO",
        personal_number="6ZE184226B",
    ) == MRVA
    assert mrz.build_mrvb(
        document_number="L8988901C", surname="Eriksson", given_names="Anna Maria", nationality="XXX",
        birth_date=date(1940, 9, 7), sex="F", expiry_date=date(1996, 12, 10), issuing_state="UTO",
    ) == MRVB


def test_builder_transliterates_names():
    lines = _td3_with(surname="Müller-Lüdenscheidt", given_names="Jürgen")
    assert lines[0].startswith("P<UTOMUELLER<LUEDENSCHEIDT<<JUERGEN<")


_ocr_text = st.text(alphabet=st.sampled_from(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<«  \nabcxyz#é")), max_size=100)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_ocr_text, st.lists(_ocr_text, max_size=4)), st.booleans())
def test_parse_never_raises_on_ocr_noise(text, correct):
    result = parse(text, correct=correct)
    assert result.valid == (result.format is not None and result.checks_ok and not result.errors)
    if result.corrections:
        assert result.lines != result.read_lines or any(p.code == "line_padded" for p in result.problems)


@settings(max_examples=200, deadline=None)
@given(valid_mrz(), st.integers(0, 3))
def test_mangled_valid_mrz_is_still_read_or_reported(sample, cut):
    _, _, lines = sample
    text = "\n".join(line[: len(line) - cut] for line in lines).lower().replace("<", "«")
    result = parse(text)
    assert result.format is not None
    if cut == 0:
        assert result.valid
