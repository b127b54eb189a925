"""The Arabic and Chinese catalogues are complete and their compiled .mo files match the .po files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[3] / "kyc" / "locale"
ENTRY = re.compile(r'^(?:msgctxt "(?P<ctx>(?:[^"\\]|\\.)*)"\n)?msgid (?P<id>(?:"(?:[^"\\]|\\.)*"\n)+)msgstr (?P<str>(?:"(?:[^"\\]|\\.)*"\n?)+)', re.M)


def _unquote(block: str) -> str:
    text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match.group(1), match.group(0)), text)


def entries(language: str):
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text, "a fuzzy entry is not compiled: translate it and drop the flag"
    for match in ENTRY.finditer(text):
        msgid = _unquote(match.group("id"))
        if msgid:
            yield match.group("ctx"), msgid, _unquote(match.group("str"))


@pytest.mark.parametrize(("language", "django_code"), [("ar", "ar"), ("zh_Hans", "zh-hans")])
def test_every_message_is_translated_and_compiled(language, django_code):
    found = list(entries(language))
    assert len(found) > 100
    with translation.override(django_code):
        for context, msgid, msgstr in found:
            assert msgstr, f"{language}: no translation for {msgid!r}"
            shown = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
            assert shown == msgstr, f"{language}: the compiled .mo is out of date for {msgid!r} (run compilemessages)"
            # Placeholders survive translation.
            assert sorted(re.findall(r"%\(\w+\)[-.\d]*\w", msgid)) == sorted(re.findall(r"%\(\w+\)[-.\d]*\w", msgstr)), msgid


PLURAL_ENTRY = re.compile(
    r'^msgid (?P<id>(?:"(?:[^"\\]|\\.)*"\n)+)msgid_plural (?P<plural>(?:"(?:[^"\\]|\\.)*"\n)+)(?P<forms>(?:msgstr\[\d+\] (?:"(?:[^"\\]|\\.)*"\n?)+)+)',
    re.M,
)


@pytest.mark.parametrize(("language", "django_code", "forms"), [("ar", "ar", 6), ("zh_Hans", "zh-hans", 1)])
def test_every_plural_message_has_each_form_of_the_language(language, django_code, forms):
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    found = list(PLURAL_ENTRY.finditer(text))
    assert found, "the catalogue has plural messages (ngettext)"
    for match in found:
        singular, plural = _unquote(match.group("id")), _unquote(match.group("plural"))
        translated = [_unquote(block) for block in re.split(r"msgstr\[\d+\] ", match.group("forms"))[1:]]
        assert len(translated) == forms and all(translated), (language, singular)
        placeholders = set(re.findall(r"%\(\w+\)[-.\d]*\w", plural))
        for form in translated:
            # A form may leave the number out ("ساعة واحدة", one hour) but never invent a placeholder.
            assert set(re.findall(r"%\(\w+\)[-.\d]*\w", form)) <= placeholders, form
        with translation.override(django_code):
            assert translation.ngettext(singular, plural, 5) in translated, "compile the catalogue"
