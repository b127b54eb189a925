"""Each finding's evidence as a sentence and an expected / found / where table; raw data only behind a
toggle; failures and warnings open, passes folded into one line."""

import re

import pytest
from django.urls import reverse

from tests.kyc.reviewer.conftest import ready_case
from tests.kyc.reviewer.test_workspace import add_finding
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


def page(staff, case) -> str:
    return client_for(staff["reviewer"]).get(reverse("reviewer:case", args=[case.id])).content.decode()


def finding_block(html: str, code: str) -> str:
    match = re.search(rf'<(details|div) class="finding[^"]*"[^>]*data-code="{code}".*?</\1>', html, re.S)
    assert match, code
    return match.group(0)


def test_age_unknown_says_the_birth_date_was_discarded_for_its_check_digit(staff, scripted_ocr):
    case = ready_case()
    add_finding(case, "MRZ_CHECK_DIGIT", "fail", check="birth_date", data="570314", found="9", expected="4")
    add_finding(case, "APPLICANT_AGE_UNKNOWN", "fail", kind="", minimum_age=18)
    block = finding_block(page(staff, case), "APPLICANT_AGE_UNKNOWN")
    assert "570314" in block and "discarded because its check digit failed" in block
    assert "No birth date could be read" not in block


def test_age_unknown_without_any_birth_date_says_none_was_read(staff, scripted_ocr):
    case = ready_case()
    add_finding(case, "APPLICANT_AGE_UNKNOWN", "fail", kind="", minimum_age=18)
    assert "No birth date could be read" in finding_block(page(staff, case), "APPLICANT_AGE_UNKNOWN")


def test_a_wrong_check_digit_reads_as_a_sentence_and_a_table(staff, scripted_ocr):
    case = ready_case()
    add_finding(case, "MRZ_CHECK_DIGIT", "fail", check="document_number", data="L898902C3", found="7", expected="6")
    block = finding_block(page(staff, case), "MRZ_CHECK_DIGIT")
    assert "The check digit of the document number is wrong: &#x27;L898902C3&#x27; gives 6, the MRZ shows 7" in block
    row = re.search(r"<tbody><tr>(.*?)</tr>", block, re.S).group(1)
    assert re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) == [
        "document number", "6", "7", "MRZ, check digit of the document number"]
    # The raw dict is there for whoever needs it, folded away.
    raw = re.search(r'<details class="raw-evidence">.*?</details>', block, re.S).group(0)
    assert "&#x27;check&#x27;: &#x27;document_number&#x27;" in raw
    assert "{&#x27;" not in block.replace(raw, "")


def test_an_empty_personal_number_passes_without_a_contradiction(staff, scripted_ocr):
    case = ready_case()
    add_finding(case, "MRZ_CHECK_DIGIT", "pass", check="personal_number", data="<<<<<<<<<<<<<<", found="<",
                expected="0")
    block = finding_block(page(staff, case), "MRZ_CHECK_DIGIT")
    assert "The personal number is empty, and its check digit is a filler" in block
    assert "expected &#x27;0&#x27;" not in block


def test_failures_are_open_and_passes_fold_into_one_line(staff, scripted_ocr):
    case = ready_case(failed=True, warned=False)
    html = page(staff, case)
    failed = finding_block(html, "VIZ_MRZ_BIRTH_DATE")
    assert failed.startswith('<details class="finding outcome-fail" open')
    passes = re.search(r'<details class="finding outcome-pass passes" id="passed-checks">.*?</summary>', html,
                       re.S).group(0)
    assert "1 check passed" in passes and "DOC_EXPIRY" in passes
    row = re.search(r"<tbody><tr>(.*?)</tr>", failed, re.S).group(1)
    assert re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) == [
        "birth date", "1990-01-07", "1990-01-01", "printed zone against MRZ"]
