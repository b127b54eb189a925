"""Every ICAO issuing state on the start page, named in the applicant's language, likely one first."""

from __future__ import annotations

import re

import pytest

from kyc.i18n.countries import country_names
from kyc.models import Case
from ocr_integration.documents.icao_codes import ICAO_CODES

pytestmark = pytest.mark.django_db

START = {"email": "applicant@example.test", "document_type": "passport", "consent_processing": "on"}


def options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="issuing_country".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([A-Z]*)"[^>]*>([^<]*)</option>', select)


def test_a_polish_passport_holder_finds_poland_and_every_icao_state_is_offered(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    offered = dict(options(html))
    assert offered["POL"] == "Poland"
    assert offered["XXA"] == "Stateless person" and offered["XXB"] == "Refugee (1951 Convention)"
    assert set(ICAO_CODES) - set(offered) == {"D", "UTO"}  # Germany is DEU; UTO is the specimen state
    assert 'data-country-search' in html  # the script turns it into a search box
    response = client.post("/", {**START, "issuing_country": "POL"})
    assert response.status_code == 302
    assert Case.objects.get().issuing_country == "POL"


def test_names_are_in_the_applicants_language(client):
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    arabic = dict(options(client.get("/").content.decode()))
    assert arabic["POL"] == "بولندا" and arabic["XXA"] == "شخص عديم الجنسية"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = dict(options(client.get("/").content.decode()))
    assert chinese["POL"] == "波兰" and chinese["XXA"] == "无国籍人士"


@pytest.mark.parametrize(
    "accept_language, first", [("pl-PL,pl;q=0.9,en;q=0.5", "POL"), ("en-GB", "GBR"), ("zh-CN,zh;q=0.9", "CHN")]
)
def test_the_likely_country_comes_first(client, accept_language, first):
    listed = options(client.get("/", HTTP_ACCEPT_LANGUAGE=accept_language).content.decode())
    assert listed[0] == ("", "Choose…") or listed[0][0] == ""
    assert listed[1][0] == first
    assert [code for code, _ in listed].count(first) == 1


def test_hong_kong_is_named_as_the_glossary_names_it():
    # CLDR's Arabic puts "SAR" in brackets; docs/glossary.md asks for the full administrative name.
    assert country_names("ar")["HKG"] == "منطقة هونغ كونغ الإدارية الخاصة، الصين"
    assert country_names("zh-hans")["HKG"] == "中国香港特别行政区"
