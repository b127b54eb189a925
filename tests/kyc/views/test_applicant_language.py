"""What an Arabic or Chinese applicant reads: no English on any page or in any email, lists and
plurals as their language writes them, dimensions that keep their order in Arabic, and the terms of
docs/glossary.md.

The Latin-script check allows, and only allows:
- the case reference and links we built (they are codes an applicant copies or clicks);
- the applicant's own name, as they typed it;
- file-format and country codes named in refusals (JPEG, PNG, BMP, TIFF, HEIC, HEIF, PDF; ARE, CHN,
  GBR), the product name iPhone, and MB in Chinese (how Chinese writes file sizes; Arabic writes ميغابايت);
- text inside an element whose ``lang`` is another language (the picker's "English", an endonym).
Anything else in Latin letters is English that reached the applicant.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from django.utils.translation import ngettext
from django.views.defaults import permission_denied, server_error

from kyc.i18n.labels import side_list
from kyc.i18n.lists import human_list
from kyc.models import Case, Decision
from kyc.services.notifications import decision_email_send
from tests.kyc.views.test_applicant import START, ask_for_new_image, photo, start_case, upload
from tests.support.personas import staff_member

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
LANGUAGES = ["ar", "zh-hans"]
LRI, PDI = "\u2066", "\u2069"
CODES = {"JPEG", "PNG", "BMP", "TIFF", "HEIC", "HEIF", "PDF", "ARE", "CHN", "GBR"}
NAMES = {"iPhone"}
ALLOWED = {"ar": CODES | NAMES, "zh-hans": CODES | NAMES | {"MB"}}
LATIN_WORD = re.compile(r"[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F]+")  # Latin letters; not × or ÷
# What the reviewer writes for the applicant, in the applicant's language (shown as written).
NOTES = {"ar": "الصورة غير واضحة، يُرجى التقاطها في إضاءة جيدة.", "zh-hans": "照片模糊，请在光线充足处重新拍摄。"}
APPLICANT_NAME = "Alex Tester"


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}


class _ReadableText(HTMLParser):
    """The words a person reads or hears: text, alt/title/placeholder/aria-label, and the messages the
    script shows (data-msg-*), leaving out scripts, styles and elements marked as another language."""

    SPOKEN_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}
    VOID = {"input", "img", "meta", "link", "br", "hr", "source"}

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []  # (tag, readable)
        self.parts: list[str] = []

    def _readable(self) -> bool:
        return all(readable for _tag, readable in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        other_language = "lang" in attrs and tag != "html" and attrs["lang"] != self.language
        readable = self._readable() and tag not in {"script", "style"} and not other_language
        if readable:
            for name, value in attrs.items():
                if value and (name in self.SPOKEN_ATTRIBUTES or name.startswith("data-msg-")):
                    self.parts.append(value)
        if tag not in self.VOID:
            self.stack.append((tag, readable))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self._readable():
            self.parts.append(data)


def readable_text(html: str, language: str) -> str:
    parser = _ReadableText(language)
    parser.feed(html)
    return " ".join(parser.parts)


def english_words(text: str, language: str, *, allowed_strings=()) -> list[str]:
    """Latin-script words in ``text`` that the allow-list (module docstring) does not cover."""
    for allowed in allowed_strings:
        text = text.replace(allowed, " ")
    text = re.sub(r"https?://\S+", lambda m: " " if m.group(0).startswith(("http://testserver/", "http://kyc.example.test/")) else m.group(0), text)
    found = []
    for match in LATIN_WORD.finditer(text):
        if match.group(0) not in ALLOWED[language]:
            found.append(text[max(0, match.start() - 30): match.end() + 30].replace("\n", " "))
    return found


def use_language(client, language: str) -> None:
    client.post("/i18n/setlang/", {"language": language, "next": "/"})


def _page(client, method, url, expected_status, **kwargs):
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == expected_status, (url, response.status_code)
    return response


def applicant_pages(client, settings, language: str) -> dict[str, str]:
    """Every applicant page (and the messages each shows), rendered in ``language``."""
    pages: dict[str, str] = {}
    use_language(client, language)
    pages["start"] = _page(client, "get", "/", 200).content.decode()
    pages["start refused"] = _page(client, "post", "/", 400, data={
        "email": "not an address", "document_type": "visa", "issuing_country": "XXX", "declared_birth_date": "31/31/1990",
        "declared_full_name": "x" * 201,
    }).content.decode()
    pages["start refused (nothing filled in)"] = _page(client, "post", "/", 400, data={}).content.decode()
    pages["start refused (birth date)"] = _page(client, "post", "/", 400, data={
        **START, "declared_birth_date": "2999-01-01",
    }).content.decode()
    pages["privacy"] = _page(client, "get", "/privacy/", 200).content.decode()

    passport = start_case(client, declared_full_name=APPLICANT_NAME, declared_birth_date="1990-01-31")
    pages["case (passport)"] = _page(client, "get", f"/cases/{passport.id}/", 200).content.decode()
    pages["submit with a side missing"] = _page(client, "post", f"/cases/{passport.id}/submit/", 200, follow=True).content.decode()
    pages["tiny image refused"] = _page(
        client, "post", f"/cases/{passport.id}/documents/passport/", 200, data={"file": photo(size=(150, 120))}, follow=True
    ).content.decode()
    pages["thin strip refused"] = upload(client, passport, "passport", photo(size=(2000, 210)), json=True).json()["message"]
    pages["pdf refused"] = upload(client, passport, "passport", _pdf(), json=True).json()["message"]
    pages["received"] = upload(client, passport, "passport", json=True).json()["message"]

    emirates = start_case(client, document_type="emirates_id")
    upload(client, emirates, "emirates_id_front")
    pages["case (emirates id, missing side named)"] = _page(
        client, "post", f"/cases/{emirates.id}/submit/", 200, follow=True
    ).content.decode()
    upload(client, emirates, "emirates_id_back", photo(colour=(200, 30, 30)))
    ask_for_new_image(emirates, "emirates_id_back", NOTES[language])
    pages["case (resubmission)"] = _page(client, "get", f"/cases/{emirates.id}/", 200).content.decode()
    pages["status (resubmission)"] = _page(client, "get", f"/cases/{emirates.id}/status/", 200).content.decode()

    chinese = start_case(client, document_type="cn_resident_id")
    pages["case (chinese id, consent first)"] = _page(client, "get", f"/cases/{chinese.id}/", 200).content.decode()
    pages["consent refused"] = _page(client, "post", f"/cases/{chinese.id}/consent/", 200, follow=True).content.decode()
    pages["consent given"] = _page(
        client, "post", f"/cases/{chinese.id}/consent/", 200, data={"consent_sensitive": "yes"}, follow=True
    ).content.decode()

    for state in ("submitted", "processing", "ready_for_review", "needs_attention", "approved", "rejected", "withdrawn"):
        Case.objects.filter(id=passport.id).update(state=state, submitted_at=timezone.now())
        pages[f"status ({state})"] = _page(client, "get", f"/cases/{passport.id}/status/", 200).content.decode()
        payload = _page(client, "get", f"/cases/{passport.id}/status.json", 200).json()
        pages[f"status.json ({state})"] = " ".join(
            [payload["state_label"], *(d["label"] + " " + d["read_state_label"] for d in payload["documents"])]
        )

    pages["not found"] = _page(client, "get", "/cases/00000000-0000-0000-0000-000000000000/", 404).content.decode()
    settings.UPLOAD_MAX_BYTES, settings.REQUEST_BODY_OVERHEAD_BYTES = 4096, 1024
    oversized = b"\xff" * (settings.UPLOAD_MAX_BYTES + settings.REQUEST_BODY_OVERHEAD_BYTES + 1)
    response = client.generic("POST", f"/cases/{passport.id}/documents/passport/", oversized, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    pages["file too large (before the body is read)"] = response.content.decode()
    settings.APPLICANT_LINK_MAX_AGE_SECONDS = 60
    token = re.search(r"/resume/(\S+)/", mail.outbox[0].body).group(1)
    with mock.patch("time.time", return_value=time.time() + 120):
        pages["link expired"] = _page(Client(), "get", f"/resume/{token}/", 410, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    settings.APPLICANT_CASE_RATE, usual_rate = "0/3600", settings.APPLICANT_CASE_RATE
    pages["too many cases"] = _page(client, "post", "/", 429, data=START).content.decode()
    settings.APPLICANT_CASE_RATE = usual_rate

    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    pages["form expired (csrf)"] = _page(strict, "post", "/", 403, data=START).content.decode()
    request = RequestFactory().get("/somewhere/")
    with translation.override(language):
        pages["access denied"] = permission_denied(request, exception=None).content.decode()
        pages["server error"] = server_error(request).content.decode()
    return pages


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.jpg", b"%PDF-1.7\n%%EOF", content_type="image/jpeg")


def applicant_emails(settings, language: str) -> dict[str, str]:
    """Every email an applicant receives, written in ``language``."""
    settings.APPLICANT_BASE_URL = "http://kyc.example.test"
    mail.outbox.clear()
    client = Client()
    use_language(client, language)
    case = start_case(client, document_type="emirates_id")
    emails = {"resume link": mail.outbox[0]}
    reviewer = staff_member("reviewer", username="reviewer-language-test")
    for outcome, kinds in (("approve", []), ("reject", []), ("request_resubmission", ["emirates_id_front", "emirates_id_back"])):
        mail.outbox.clear()
        decision = Decision.objects.create(
            case=case, reviewer=reviewer, outcome=outcome, note=NOTES[language] if kinds else "", requested_kinds=kinds
        )
        assert decision_email_send(decision_id=decision.id)
        emails[outcome] = mail.outbox[0]
    settings.APPLICANT_BASE_URL = ""  # the site's address not configured: no link, a pointer to the first email
    mail.outbox.clear()
    assert decision_email_send(decision_id=decision.id)
    emails["request_resubmission (without a link)"] = mail.outbox[0]
    settings.APPLICANT_BASE_URL = "http://kyc.example.test"
    return {name: f"{message.subject}\n{message.body}" for name, message in emails.items()}, case


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_reaches_an_arabic_or_chinese_applicant(client, settings, language):
    pages = applicant_pages(client, settings, language)
    references = list(Case.objects.values_list("reference", flat=True))
    offending = {}
    for name, html in pages.items():
        text = readable_text(html, language) if "<" in html else html
        words = english_words(text, language, allowed_strings=[*references, APPLICANT_NAME])
        if words:
            offending[name] = words
    emails, case = applicant_emails(settings, language)
    for name, text in emails.items():
        words = english_words(text, language, allowed_strings=[case.reference])
        if words:
            offending[f"email: {name}"] = words
    assert not offending, offending
    # The pages were really in the language (not empty, not an error page by mistake).
    assert ("التحقق من هويتك" if language == "ar" else "验证您的身份") in pages["start"]


def test_the_check_finds_english_where_there_is_some(client):
    english = client.get("/").content.decode()
    assert any("Verify your identity" in found for found in english_words(readable_text(english, "en"), "ar"))
    # Marked as another language, the picker's endonyms are left alone; unmarked English is not.
    assert english_words(readable_text('<p>تحميل <span lang="en">English</span></p>', "ar"), "ar") == []
    assert english_words(readable_text("<p>تحميل <span>English</span></p>", "ar"), "ar")
    assert english_words(readable_text('<div data-msg-x="Upload failed"></div>', "ar"), "ar")


@pytest.mark.parametrize(
    ("language", "joined"),
    [("en", "Emirates ID, front, Emirates ID, back"), ("ar", "الوجه الأمامي لبطاقة الهوية الإماراتية، الوجه الخلفي لبطاقة الهوية الإماراتية"),
     ("zh-hans", "阿联酋身份证正面、阿联酋身份证背面")],
)
def test_lists_are_joined_as_each_language_writes_them(language, joined):
    with translation.override(language):
        assert side_list(["emirates_id_front", "emirates_id_back"]) == joined
        assert human_list(["1", "2", "3"]) == {"en": "1, 2, 3", "ar": "1، 2، 3", "zh-hans": "1、2、3"}[language]
        assert human_list([]) == "" and human_list(["1"]) == "1"


ARABIC_HOURS = {
    0: "الرابط صالح لمدة 0 ساعة.",
    1: "الرابط صالح لمدة ساعة واحدة.",
    2: "الرابط صالح لمدة ساعتين.",
    3: "الرابط صالح لمدة 3 ساعات.",
    10: "الرابط صالح لمدة 10 ساعات.",
    11: "الرابط صالح لمدة 11 ساعة.",
    72: "الرابط صالح لمدة 72 ساعة.",
    100: "الرابط صالح لمدة 100 ساعة.",
    103: "الرابط صالح لمدة 103 ساعات.",
}


@pytest.mark.parametrize("hours", sorted(ARABIC_HOURS))
def test_hours_take_the_plural_form_of_each_language(hours):
    def valid_for(language):
        with translation.override(language):
            return ngettext(
                "The link is valid for %(hours)d hour.", "The link is valid for %(hours)d hours.", hours
            ) % {"hours": hours}

    assert valid_for("ar") == ARABIC_HOURS[hours]
    assert valid_for("zh-hans") == f"链接在 {hours} 小时内有效。"
    assert valid_for("en") == f"The link is valid for {hours} hour{'' if hours == 1 else 's'}."


def test_the_resume_link_email_says_for_how_long_in_arabic(client):
    use_language(client, "ar")
    start_case(client)
    assert "الرابط صالح لمدة 72 ساعة." in mail.outbox[0].body


def _catalogue(language: str) -> str:
    return (ROOT / "kyc" / "locale" / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")


def test_catalogue_headers_declare_each_languages_plural_forms():
    assert '"Plural-Forms: nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 "\n"&& n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;\\n"' in _catalogue("ar")
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in _catalogue("zh_Hans")


def test_dimensions_keep_their_order_inside_arabic():
    from tests.kyc.views.test_applicant_translations import entries

    with_dimensions = [msgstr for _context, msgid, msgstr in entries("ar") if "%(width)d×%(height)d" in msgid]
    assert len(with_dimensions) == 3
    for msgstr in with_dimensions:
        assert f"{LRI}%(width)d×%(height)d{PDI}" in msgstr, msgstr


def test_a_dimension_reaches_the_arabic_applicant_isolated(client):
    use_language(client, "ar")
    case = start_case(client)
    message = upload(client, case, "passport", photo(size=(150, 120)), json=True).json()["message"]
    assert f"{LRI}150×120{PDI}" in message


def test_status_and_date_label_are_told_apart(client):
    use_language(client, "ar")
    case = start_case(client)
    Case.objects.filter(id=case.id).update(state="submitted", submitted_at=timezone.now())
    html = client.get(f"/cases/{case.id}/status/").content.decode()
    assert "<dt>تاريخ الإرسال</dt>" in html and 'data-state="submitted">تم الإرسال<' in html
    assert "بالتوقيت العالمي المنسَّق" in html


def test_missing_sides_are_named_in_the_language_of_whoever_reads_the_error():
    from kyc.errors import SidesMissing

    error = SidesMissing(["emirates_id_front", "emirates_id_back"])
    with translation.override("zh-hans"):
        assert str(error) == "提交前请上传所有面。尚缺：阿联酋身份证正面、阿联酋身份证背面。"
    with translation.override("en"):
        assert str(error) == "Please add every side before submitting. Missing: Emirates ID, front, Emirates ID, back."


def test_the_resubmission_email_links_back_to_the_case(settings):
    emails, case = applicant_emails(settings, "zh-hans")
    body = emails["request_resubmission"]
    assert "审核人员要求您重新提交以下图片：阿联酋身份证正面、阿联酋身份证背面。" in body
    assert NOTES["zh-hans"] in body and f"申请编号：{case.reference}" in body
    path = re.search(r"http://kyc\.example\.test(/resume/\S+/)", body).group(1)
    browser = Client()
    response = browser.get(path)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.id}/"


def test_without_a_base_url_the_resubmission_email_points_to_the_first_email(settings):
    settings.APPLICANT_BASE_URL = ""
    client = Client()
    use_language(client, "ar")
    case = start_case(client, document_type="emirates_id")
    decision = Decision.objects.create(
        case=case, reviewer=staff_member("reviewer", username="r2"), outcome="request_resubmission",
        note=NOTES["ar"], requested_kinds=["emirates_id_back"],
    )
    mail.outbox.clear()
    decision_email_send(decision_id=decision.id)
    assert "/resume/" not in mail.outbox[0].body and "رسالتنا الأولى" in mail.outbox[0].body


def test_error_pages_are_ours_and_lead_back(client, settings):
    use_language(client, "zh-hans")
    response = client.get("/cases/00000000-0000-0000-0000-000000000000/")
    html = response.content.decode()
    assert response.status_code == 404 and "<h1>页面不存在</h1>" in html and 'href="/"' in html
    assert 'lang="zh-hans"' in html and "applicant.css" in html
    with translation.override("ar"):
        html = server_error(RequestFactory().get("/")).content.decode()  # no request context at all
    assert 'dir="rtl"' in html and "<h1>حدث خطأ</h1>" in html and 'href="/"' in html
    assert 'name="language"' not in html  # the picker's form needs a CSRF token a 500 page cannot have
    client.cookies["django_language"] = "ar"
    settings.UPLOAD_MAX_BYTES, settings.REQUEST_BODY_OVERHEAD_BYTES = 4096, 1024
    response = client.generic(
        "POST", "/", b"\0" * (settings.UPLOAD_MAX_BYTES + settings.REQUEST_BODY_OVERHEAD_BYTES + 1),
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413 and "<h1>الملف كبير جدًا</h1>" in response.content.decode()


GLOSSARY_ROW = re.compile(r"^\| (?P<en>[^|]+?) \| (?P<ar>[^|]+?) \| (?P<zh>[^|]+?) \|$", re.M)


def _translations(language: str) -> dict[str, str]:
    from tests.kyc.views.test_applicant_translations import entries

    return {msgid: msgstr for context, msgid, msgstr in entries(language) if context is None}


def test_the_catalogues_use_the_glossarys_terms():
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    arabic, chinese = _translations("ar"), _translations("zh_Hans")
    checked = 0
    for row in GLOSSARY_ROW.finditer(glossary):
        if row["en"] in arabic:
            assert arabic[row["en"]] == re.split(r" \(|;", row["ar"])[0].strip(), row["en"]
            assert chinese[row["en"]] == re.split(r" \(|;", row["zh"])[0].strip(), row["en"]
            checked += 1
    assert checked >= 15


PLACEHOLDER = re.compile(r"%\(\w+\)[-.\d]*\w")


def test_each_catalogue_keeps_its_languages_punctuation_and_register():
    from tests.kyc.views.test_applicant_translations import entries

    for _context, _msgid, msgstr in entries("zh_Hans"):
        text = PLACEHOLDER.sub("", msgstr)
        # Full-width punctuation and the six-dot ellipsis; an ASCII full stop only inside a code.
        assert not re.search(r"[,:;?!()]|\.\.\.|\.$", text), msgstr
        assert all(run == "……" for run in re.findall(r"…+", text)), msgstr
    for _context, _msgid, msgstr in entries("ar"):
        assert "يرجى" not in msgstr, msgstr  # يُرجى, with its damma
        assert not re.search(r"^(حمّل|ارفع|أدخل|اختر|ابدأ|تحقق|أرسل|قدّم)\b", msgstr), msgstr  # headings and buttons: nouns
