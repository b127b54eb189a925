"""The reviewer pages in Arabic and Chinese: what each finding code checks and every finding's
sentence are in the reviewer's language, whatever language the check engine stored."""

import pytest
from django.urls import reverse
from django.utils import translation

from kyc.selectors.finding_meanings import FINDING_MEANINGS
from ocr_integration.documents.crosschecks import FINDING_CODES
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


def test_every_code_the_engine_emits_has_its_meaning_in_the_catalogues():
    assert {code: str(text) for code, text in FINDING_MEANINGS.items()} == {
        code: meaning for code, (_outcomes, meaning) in FINDING_CODES.items()}
    for language in ("ar", "zh-hans"):
        with translation.override(language):
            untranslated = [code for code, text in FINDING_MEANINGS.items() if str(text) == FINDING_CODES[code][1]]
        assert untranslated == [], language


@pytest.mark.parametrize(("language", "expected"), [
    ("ar", ["lang=\"ar\" dir=\"rtl\"", "لم ينجح: تاريخ الميلاد المطبوع مقابل منطقة القراءة الآلية (تحذير:",
            "نجح: الوثيقة منتهية الصلاحية، أو تنتهي خلال فترة التحذير، أو صالحة.", "قائمة الانتظار"]),
    ("zh-hans", ["lang=\"zh-hans\" dir=\"ltr\"", "未通过：印刷的出生日期与机读码比对（警告：", "待审队列"]),
    ("en", ["The birth date in the MRZ differs from the visual zone.", "Printed birth date against the MRZ (warn: read with low confidence"]),
])
def test_the_workspace_reads_in_the_reviewers_language(staff, scripted_ocr, language, expected):
    case = ready_case(failed=True)
    client = client_for(staff["reviewer"])
    client.cookies["django_language"] = language
    html = client.get(reverse("reviewer:case", args=[case.id])).content.decode()
    for text in expected:
        assert text in html, text
    if language != "en":
        # The engine's English sentence is not shown as the finding's sentence.
        assert "The birth date in the MRZ differs from the visual zone." not in html
