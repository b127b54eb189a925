"""Word lists for synthetic identities. Names are built from syllables, so none is a real person's."""

from __future__ import annotations

# ICAO 9303 part 3 codes of the issuing states we print, with the name as printed on the page
# and a place of birth. ESP and others with P/U are here on purpose: the recogniser has been
# seen to drop P and U at ICAO spacing.
COUNTRIES: dict[str, tuple[str, str]] = {
    "ARE": ("UNITED ARAB EMIRATES", "DUBAI"),
    "CHN": ("CHINA", "BEIJING"),
    "GBR": ("UNITED KINGDOM", "LEEDS"),
    "USA": ("UNITED STATES", "OHIO"),
    "IND": ("INDIA", "PUNE"),
    "PAK": ("PAKISTAN", "LAHORE"),
    "EGY": ("EGYPT", "CAIRO"),
    "PHL": ("PHILIPPINES", "CEBU"),
    "FRA": ("FRANCE", "LYON"),
    "ITA": ("ITALY", "TORINO"),
    "ESP": ("SPAIN", "SEVILLA"),
    "NLD": ("NETHERLANDS", "UTRECHT"),
    "CAN": ("CANADA", "QUEBEC"),
    "AUS": ("AUSTRALIA", "PERTH"),
    "JPN": ("JAPAN", "OSAKA"),
    "KOR": ("KOREA", "BUSAN"),
    "BRA": ("BRAZIL", "RECIFE"),
    "MEX": ("MEXICO", "PUEBLA"),
    "ZAF": ("SOUTH AFRICA", "DURBAN"),
    "NGA": ("NIGERIA", "LAGOS"),
    "KEN": ("KENYA", "NAIROBI"),
    "JOR": ("JORDAN", "AMMAN"),
    "LBN": ("LEBANON", "BEIRUT"),
    "SAU": ("SAUDI ARABIA", "JEDDAH"),
    "OMN": ("OMAN", "MUSCAT"),
    "BHR": ("BAHRAIN", "MANAMA"),
    "KWT": ("KUWAIT", "KUWAIT"),
    "QAT": ("QATAR", "DOHA"),
    "BGD": ("BANGLADESH", "DHAKA"),
    "LKA": ("SRI LANKA", "KANDY"),
    "NPL": ("NEPAL", "POKHARA"),
    "IDN": ("INDONESIA", "SURABAYA"),
    "MYS": ("MALAYSIA", "PENANG"),
    "SGP": ("SINGAPORE", "SINGAPORE"),
    "THA": ("THAILAND", "PHUKET"),
    "VNM": ("VIET NAM", "HUE"),
    "TUR": ("TURKIYE", "IZMIR"),
    "UKR": ("UKRAINE", "LVIV"),
    "POL": ("POLAND", "KRAKOW"),
    "SWE": ("SWEDEN", "UPPSALA"),
    "NOR": ("NORWAY", "BERGEN"),
    "IRL": ("IRELAND", "CORK"),
    "PRT": ("PORTUGAL", "PORTO"),
    "GRC": ("GREECE", "PATRA"),
    "NZL": ("NEW ZEALAND", "NAPIER"),
    "ARG": ("ARGENTINA", "ROSARIO"),
    "CHE": ("SWITZERLAND", "BERN"),
    "AUT": ("AUSTRIA", "GRAZ"),
    "BEL": ("BELGIUM", "GENT"),
    "MAR": ("MOROCCO", "FES"),
    "SDN": ("SUDAN", "KASSALA"),
    "UZB": ("UZBEKISTAN", "BUKHARA"),
}

# Latin syllable -> Arabic spelling, so an Emirates ID can print one synthetic name in both scripts.
SYLLABLES: tuple[tuple[str, str], ...] = (
    ("ka", "كا"), ("ri", "ري"), ("la", "لا"), ("ma", "ما"), ("na", "نا"), ("sa", "سا"),
    ("da", "دا"), ("ha", "ها"), ("mi", "مي"), ("ra", "را"), ("li", "لي"), ("nu", "نو"),
    ("ba", "با"), ("fa", "فا"), ("ta", "تا"), ("za", "زا"), ("di", "دي"), ("mo", "مو"),
    ("su", "سو"), ("ya", "يا"), ("ja", "جا"), ("wa", "وا"), ("ki", "كي"), ("bi", "بي"),
    ("ru", "رو"), ("lu", "لو"), ("si", "سي"), ("ti", "تي"), ("fi", "في"), ("zu", "زو"),
)
FINALS: tuple[tuple[str, str], ...] = (
    ("", ""), ("n", "ن"), ("r", "ر"), ("m", "م"), ("l", "ل"), ("d", "د"), ("s", "س"),
)

CN_SURNAMES = "赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
CN_GIVEN = "晓明华建国文静丽红军伟芳娜秀英敏杰磊洋艳勇涛霞平刚桂兰海燕玉梅云飞宇轩浩然子涵欣怡思远嘉"
CN_ETHNICITIES = ("汉", "汉", "汉", "汉", "汉", "汉", "回", "满", "蒙古", "壮", "苗", "土家", "藏", "维吾尔")

# (GB/T 2260 code, address prefix, issuing authority)
CN_REGIONS: tuple[tuple[str, str, str], ...] = (
    ("110105", "北京市朝阳区", "北京市公安局朝阳分局"),
    ("110108", "北京市海淀区", "北京市公安局海淀分局"),
    ("310115", "上海市浦东新区", "上海市公安局浦东分局"),
    ("440305", "广东省深圳市南山区", "深圳市公安局南山分局"),
    ("440106", "广东省广州市天河区", "广州市公安局天河区分局"),
    ("330106", "浙江省杭州市西湖区", "杭州市公安局西湖分局"),
    ("510107", "四川省成都市武侯区", "成都市公安局武侯区分局"),
    ("420106", "湖北省武汉市武昌区", "武汉市公安局武昌分局"),
    ("320102", "江苏省南京市玄武区", "南京市公安局玄武分局"),
    ("610113", "陕西省西安市雁塔区", "西安市公安局雁塔分局"),
)
CN_STREETS = ("建设路", "人民路", "解放大道", "中山路", "长江路", "和平街", "新华路", "文化路", "光明街")
CN_COMPOUNDS = ("幸福小区", "阳光花园", "翠湖苑", "和谐家园", "锦绣华庭", "")

EID_OCCUPATIONS = ("ENGINEER", "ACCOUNTANT", "SALES MANAGER", "TEACHER", "NURSE", "DRIVER", "ARCHITECT")
EID_EMPLOYERS = (
    "PALM CREEK TRADING L.L.C", "SAND DUNE LOGISTICS L.L.C", "FALCON HILL CONSULTING",
    "OASIS GRID ENGINEERING", "BLUE LAGOON HOSPITALITY",
)
EID_PLACES = ("DUBAI", "ABU DHABI", "SHARJAH", "AJMAN")

# Fictional issuers on test BIN ranges (the card-network test prefixes), so no real card.
BANKS = ("GULF PEARL BANK", "FALCON NATIONAL BANK", "OASIS COMMERCIAL BANK", "CREEK BANK")
CARD_PREFIXES: tuple[tuple[str, str], ...] = (
    ("visa", "411111"), ("visa", "424242"), ("visa", "400005"),
    ("mastercard", "555555"), ("mastercard", "510510"), ("mastercard", "222300"),
)

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
