"""Three-letter codes that may appear as issuing state or nationality in an MRZ (ICAO Doc 9303 Part 3).

The set is ISO 3166-1 alpha-3 plus the codes ICAO reserves for itself:

- ``D`` (Germany, written ``D<<``), ``UTO`` (Utopia, the specimen state of Doc 9303);
- British nationality categories ``GBD GBN GBO GBP GBS``;
- organisations ``EUE UNO UNA UNK XBA XIM XCC XCE XCO XEC XPO XES XMP XOM`` (and ``RKS``, which
  Kosovo issues and many readers accept);
- ``XXA`` stateless person, ``XXB`` refugee (1951 Convention), ``XXC`` refugee (other), ``XXX`` person
  of unspecified nationality.

Public API: :data:`ICAO_CODES` (code -> English name), :func:`is_icao_code`, :func:`code_for_name`.
"""

from __future__ import annotations

import unicodedata

_ISO = """
ABW Aruba|AFG Afghanistan|AGO Angola|AIA Anguilla|ALA Aland Islands|ALB Albania|AND Andorra
ARE United Arab Emirates|ARG Argentina|ARM Armenia|ASM American Samoa|ATA Antarctica
ATF French Southern Territories|ATG Antigua and Barbuda|AUS Australia|AUT Austria|AZE Azerbaijan
BDI Burundi|BEL Belgium|BEN Benin|BES Bonaire, Sint Eustatius and Saba|BFA Burkina Faso
BGD Bangladesh|BGR Bulgaria|BHR Bahrain|BHS Bahamas|BIH Bosnia and Herzegovina|BLM Saint Barthelemy
BLR Belarus|BLZ Belize|BMU Bermuda|BOL Bolivia|BRA Brazil|BRB Barbados|BRN Brunei Darussalam
BTN Bhutan|BVT Bouvet Island|BWA Botswana|CAF Central African Republic|CAN Canada
CCK Cocos (Keeling) Islands|CHE Switzerland|CHL Chile|CHN China|CIV Cote d'Ivoire|CMR Cameroon
COD Congo, Democratic Republic of the|COG Congo|COK Cook Islands|COL Colombia|COM Comoros
CPV Cabo Verde|CRI Costa Rica|CUB Cuba|CUW Curacao|CXR Christmas Island|CYM Cayman Islands
CYP Cyprus|CZE Czechia|DEU Germany|DJI Djibouti|DMA Dominica|DNK Denmark|DOM Dominican Republic
DZA Algeria|ECU Ecuador|EGY Egypt|ERI Eritrea|ESH Western Sahara|ESP Spain|EST Estonia
ETH Ethiopia|FIN Finland|FJI Fiji|FLK Falkland Islands|FRA France|FRO Faroe Islands
FSM Micronesia|GAB Gabon|GBR United Kingdom|GEO Georgia|GGY Guernsey|GHA Ghana|GIB Gibraltar
GIN Guinea|GLP Guadeloupe|GMB Gambia|GNB Guinea-Bissau|GNQ Equatorial Guinea|GRC Greece
GRD Grenada|GRL Greenland|GTM Guatemala|GUF French Guiana|GUM Guam|GUY Guyana|HKG Hong Kong
HMD Heard Island and McDonald Islands|HND Honduras|HRV Croatia|HTI Haiti|HUN Hungary
IDN Indonesia|IMN Isle of Man|IND India|IOT British Indian Ocean Territory|IRL Ireland|IRN Iran
IRQ Iraq|ISL Iceland|ISR Israel|ITA Italy|JAM Jamaica|JEY Jersey|JOR Jordan|JPN Japan
KAZ Kazakhstan|KEN Kenya|KGZ Kyrgyzstan|KHM Cambodia|KIR Kiribati|KNA Saint Kitts and Nevis
KOR Korea, Republic of|KWT Kuwait|LAO Lao People's Democratic Republic|LBN Lebanon|LBR Liberia
LBY Libya|LCA Saint Lucia|LIE Liechtenstein|LKA Sri Lanka|LSO Lesotho|LTU Lithuania
LUX Luxembourg|LVA Latvia|MAC Macao|MAF Saint Martin (French part)|MAR Morocco|MCO Monaco
MDA Moldova|MDG Madagascar|MDV Maldives|MEX Mexico|MHL Marshall Islands|MKD North Macedonia
MLI Mali|MLT Malta|MMR Myanmar|MNE Montenegro|MNG Mongolia|MNP Northern Mariana Islands
MOZ Mozambique|MRT Mauritania|MSR Montserrat|MTQ Martinique|MUS Mauritius|MWI Malawi
MYS Malaysia|MYT Mayotte|NAM Namibia|NCL New Caledonia|NER Niger|NFK Norfolk Island|NGA Nigeria
NIC Nicaragua|NIU Niue|NLD Netherlands|NOR Norway|NPL Nepal|NRU Nauru|NZL New Zealand|OMN Oman
PAK Pakistan|PAN Panama|PCN Pitcairn|PER Peru|PHL Philippines|PLW Palau|PNG Papua New Guinea
POL Poland|PRI Puerto Rico|PRK Korea, Democratic People's Republic of|PRT Portugal|PRY Paraguay
PSE Palestine|PYF French Polynesia|QAT Qatar|REU Reunion|ROU Romania|RUS Russian Federation
RWA Rwanda|SAU Saudi Arabia|SDN Sudan|SEN Senegal|SGP Singapore
SGS South Georgia and the South Sandwich Islands|SHN Saint Helena|SJM Svalbard and Jan Mayen
SLB Solomon Islands|SLE Sierra Leone|SLV El Salvador|SMR San Marino|SOM Somalia
SPM Saint Pierre and Miquelon|SRB Serbia|SSD South Sudan|STP Sao Tome and Principe|SUR Suriname
SVK Slovakia|SVN Slovenia|SWE Sweden|SWZ Eswatini|SXM Sint Maarten (Dutch part)|SYC Seychelles
SYR Syrian Arab Republic|TCA Turks and Caicos Islands|TCD Chad|TGO Togo|THA Thailand
TJK Tajikistan|TKL Tokelau|TKM Turkmenistan|TLS Timor-Leste|TON Tonga|TTO Trinidad and Tobago
TUN Tunisia|TUR Turkiye|TUV Tuvalu|TWN Taiwan|TZA Tanzania|UGA Uganda|UKR Ukraine
UMI United States Minor Outlying Islands|URY Uruguay|USA United States|UZB Uzbekistan
VAT Holy See|VCT Saint Vincent and the Grenadines|VEN Venezuela|VGB Virgin Islands (British)
VIR Virgin Islands (U.S.)|VNM Viet Nam|VUT Vanuatu|WLF Wallis and Futuna|WSM Samoa|YEM Yemen
ZAF South Africa|ZMB Zambia|ZWE Zimbabwe
"""

_ICAO_SPECIAL = """
D Germany|UTO Utopia (ICAO specimen)|GBD British Overseas Territories Citizen
GBN British National (Overseas)|GBO British Overseas Citizen|GBP British Protected Person
GBS British Subject|EUE European Union|UNO United Nations Organization
UNA United Nations specialized agency|UNK Resident of Kosovo (UNMIK)|RKS Kosovo
XBA African Development Bank|XIM African Export-Import Bank|XCC Caribbean Community (CARICOM)
XCE Council of Europe|XCO Common Market for Eastern and Southern Africa|XEC ECOWAS
XPO Interpol|XES Organisation of Eastern Caribbean States|XMP Inter-Parliamentary Union
XOM Sovereign Military Order of Malta|XXA Stateless person|XXB Refugee (1951 Convention)
XXC Refugee (other)|XXX Unspecified nationality
"""


def _table(text: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in text.strip().splitlines():
        for item in line.split("|"):
            code, name = item.strip().split(" ", 1)
            table[code] = name
    return table


ISO_3166_ALPHA3: dict[str, str] = _table(_ISO)
ICAO_SPECIAL_CODES: dict[str, str] = _table(_ICAO_SPECIAL)
ICAO_CODES: dict[str, str] = {**ISO_3166_ALPHA3, **ICAO_SPECIAL_CODES}

# A few printed forms that are not the ISO short name (visual zones print nationality as a word).
_EXTRA_NAMES = {
    "UAE": "ARE", "EMIRATES": "ARE", "EMIRATI": "ARE", "UNITED ARAB EMIRATES": "ARE",
    "PRC": "CHN", "CHINESE": "CHN", "PEOPLES REPUBLIC OF CHINA": "CHN", "中国": "CHN", "中华人民共和国": "CHN",
    "BRITISH CITIZEN": "GBR", "INDIAN": "IND", "PAKISTANI": "PAK", "BRITISH": "GBR", "UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND": "GBR",
    "GREAT BRITAIN": "GBR", "AMERICAN": "USA", "UNITED STATES OF AMERICA": "USA", "GERMAN": "DEU",
    "FRENCH": "FRA", "EGYPTIAN": "EGY", "FILIPINO": "PHL", "BANGLADESHI": "BGD", "SAUDI": "SAU",
    "JORDANIAN": "JOR", "LEBANESE": "LBN", "SYRIAN": "SYR", "RUSSIA": "RUS", "RUSSIAN": "RUS",
    "IRANIAN": "IRN", "KOREA": "KOR", "SOUTH KOREA": "KOR", "VIETNAM": "VNM", "TURKEY": "TUR",
    "UTOPIAN": "UTO", "UTOPIA": "UTO", "NEPALESE": "NPL", "SRI LANKAN": "LKA", "OMANI": "OMN", "QATARI": "QAT",
    "KUWAITI": "KWT", "BAHRAINI": "BHR", "YEMENI": "YEM", "SUDANESE": "SDN", "MOROCCAN": "MAR",
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in kept.upper()).split())


_BY_NAME: dict[str, str] = {_fold(name): code for code, name in ICAO_SPECIAL_CODES.items()}
_BY_NAME.update({_fold(name): code for code, name in ISO_3166_ALPHA3.items()})
_BY_NAME.update({_fold(name): code for name, code in _EXTRA_NAMES.items()})


def is_icao_code(code: str) -> bool:
    """True if ``code`` (fillers ``<`` allowed, as in ``D<<``) is a known state/organisation code."""
    return code.replace("<", "") in ICAO_CODES


def code_for_name(text: str) -> str | None:
    """The ICAO code a printed nationality or country means (``"India"`` -> ``IND``), or None.

    Accepts a code itself (``"ind"`` -> ``IND``). Never raises.
    """
    if not isinstance(text, str):
        return None
    folded = _fold(text)
    if folded.replace(" ", "") in ICAO_CODES and len(folded) <= 3:
        return folded
    return _BY_NAME.get(folded)
