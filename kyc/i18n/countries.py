"""Issuing states an applicant can choose: every code of the ICAO list (ISO 3166-1 alpha-3 plus
ICAO's own codes for British nationality categories, organisations, stateless persons and
refugees), named in the applicant's language, with the likely country first.

Names of ISO countries come from CLDR through Babel (what every browser and phone uses, reviewed by
native speakers for every language we offer) rather than a table of 250 names kept by hand; ICAO's own
codes are not ISO territories, so they go through our catalogue. ``D`` (Germany's MRZ code) and
``UTO`` (the Doc 9303 specimen state) are not offered: an applicant's German document is ``DEU``.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from django.utils.translation import gettext_lazy, override

from ocr_integration.documents.icao_codes import ICAO_CODES, ICAO_SPECIAL_CODES

NOT_OFFERED = {"D", "UTO"}
_SPECIAL_NAMES = {
    "GBD": gettext_lazy("British Overseas Territories Citizen"),
    "GBN": gettext_lazy("British National (Overseas)"),
    "GBO": gettext_lazy("British Overseas Citizen"),
    "GBP": gettext_lazy("British Protected Person"),
    "GBS": gettext_lazy("British Subject"),
    "EUE": gettext_lazy("European Union"),
    "UNO": gettext_lazy("United Nations"),
    "UNA": gettext_lazy("United Nations specialized agency"),
    "UNK": gettext_lazy("Kosovo (UNMIK)"),
    "RKS": gettext_lazy("Kosovo"),
    "XBA": gettext_lazy("African Development Bank"),
    "XIM": gettext_lazy("African Export-Import Bank"),
    "XCC": gettext_lazy("Caribbean Community (CARICOM)"),
    "XCE": gettext_lazy("Council of Europe"),
    "XCO": gettext_lazy("Common Market for Eastern and Southern Africa"),
    "XEC": gettext_lazy("Economic Community of West African States"),
    "XPO": gettext_lazy("Interpol"),
    "XES": gettext_lazy("Organisation of Eastern Caribbean States"),
    "XMP": gettext_lazy("Inter-Parliamentary Union"),
    "XOM": gettext_lazy("Sovereign Military Order of Malta"),
    "XXA": gettext_lazy("Stateless person"),
    "XXB": gettext_lazy("Refugee (1951 Convention)"),
    "XXC": gettext_lazy("Refugee (other)"),
    "XXX": gettext_lazy("Nationality not specified"),
    # CLDR's Arabic name drops "SAR" into brackets; the glossary's (docs/glossary.md) is ours.
    "HKG": gettext_lazy("Hong Kong SAR, China"),
}
OFFERED_CODES = sorted(code for code in ICAO_CODES if code not in NOT_OFFERED)
_ALPHA2 = {code: aliases[0] for code, aliases in get_global("territory_aliases").items() if len(code) == 3 and aliases}
_ALPHA3 = {alpha2: alpha3 for alpha3, alpha2 in _ALPHA2.items() if alpha3 in ICAO_CODES and alpha3 not in ICAO_SPECIAL_CODES}


def _babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"), sep="_")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


@lru_cache(maxsize=8)
def country_names(language: str) -> dict[str, str]:
    """code -> name in ``language`` for every offered code."""
    locale = _babel_locale(language)
    names = {}
    for code in OFFERED_CODES:
        if code in _SPECIAL_NAMES:
            with override(language):
                names[code] = str(_SPECIAL_NAMES[code])
        else:
            alpha2 = _ALPHA2.get(code)
            names[code] = (locale.territories.get(alpha2) if alpha2 else None) or ICAO_CODES[code]
    return names


def country_choices(language: str, *, first: str = "") -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in ``language``, ``first`` (the likely country) at the top."""
    names = country_names(language)
    ordered = sorted(names.items(), key=lambda item: item[1].casefold())
    if first in names:
        ordered = [(first, names[first])] + [item for item in ordered if item[0] != first]
    return ordered


def likely_country(accept_language: str) -> str:
    """The ICAO code of the region the browser's preferred languages name (``en-GB`` -> ``GBR``),
    else of the language's most likely region (``ar`` -> ``EGY``); "" when nothing says."""
    likely = get_global("likely_subtags")
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if not tag or tag == "*":
            continue
        subtags = tag.split("_")
        region = next((s.upper() for s in subtags[1:] if len(s) == 2 and s.isalpha()), "")
        if not region:
            expanded = likely.get(subtags[0].lower(), "")
            region = next((s for s in expanded.split("_")[1:] if len(s) == 2 and s.isupper()), "")
        if region in _ALPHA3:
            return _ALPHA3[region]
    return ""
