"""The text side of the safety gate: what an update may not say, found by patterns, named in the refusal.

An update may name places only from the portal's region list (country level). It may not carry coordinates (decimal
degrees, degrees-minutes-seconds, map links, plus codes), street addresses (Korean road and lot addresses, romanized
ones such as "Teheran-ro 152" or "Gangnam-gu", English "12 Main Street", flat numbers), free-text places (a list of
towns, provinces and rivers where refugees live, hide or cross, in English and Korean, and "<Name> City/Province/..."),
contact details, or obvious personal names.

Personal names: only patterns with no ordinary-word reading are refused: an English title before a capitalized name
("Mr. Kim", "Mrs Lee", "Dr. Park") and a Korean full name (common surname and two syllables) with the honorific
"씨께서"/"씨에게"/"님께서"/"님에게", which are said only of people. Bare names cannot be told from words without false
refusals, so the author confirms that the update names no one, and the reviewer checks it again.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

KINDS = {
    "coordinates": _("coordinates"),
    "map_link": _("a map link"),
    "address": _("a street address"),
    "place": _("a place that is not on the portal's region list"),
    "person": _("a personal name"),
    "contact": _("contact details"),
}


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    text: str  # what was found, as written

    @property
    def label(self) -> str:
        return str(KINDS[self.kind])


# Towns, provinces, districts and rivers below country level that would place a person (English, Korean).
# Korean names that are also ordinary words (무산 "fall through", 개성 "individuality", 나선 "spiral") are listed only
# with their suffix.
PLACES_EN = [
    # North Korea
    "Pyongyang",
    "Sinuiju",
    "Hyesan",
    "Musan",
    "Hoeryong",
    "Onsong",
    "Chongjin",
    "Hamhung",
    "Wonsan",
    "Kaesong",
    "Nampo",
    "Kanggye",
    "Rason",
    "Ryanggang",
    "Yanggang",
    "Hamgyong",
    "Chagang",
    "Pyongan",
    "Hwanghae",
    "Kangwon",
    # China
    "Yanji",
    "Yanbian",
    "Tumen",
    "Hunchun",
    "Longjing",
    "Helong",
    "Dandong",
    "Shenyang",
    "Changbai",
    "Jilin",
    "Liaoning",
    "Heilongjiang",
    "Harbin",
    "Beijing",
    "Qingdao",
    "Kunming",
    "Nanning",
    "Guangzhou",
    "Shanghai",
    "Dalian",
    "Mudanjiang",
    "Changchun",
    "Yalu",
    # Southeast Asia, Mongolia, Russia
    "Bangkok",
    "Chiang Rai",
    "Chiang Mai",
    "Chiang Saen",
    "Mae Sai",
    "Vientiane",
    "Luang Prabang",
    "Hanoi",
    "Ho Chi Minh",
    "Phnom Penh",
    "Ulaanbaatar",
    "Ulan Bator",
    "Vladivostok",
    "Mekong",
    "Golden Triangle",
    # South Korea
    "Seoul",
    "Busan",
    "Incheon",
    "Anseong",
    "Hwacheon",
    "Hanawon",
    "Gangnam",
    "Yangcheon",
    "Nowon",
    "Gyeonggi",
    "Daegu",
    "Daejeon",
    "Gwangju",
    "Ulsan",
    "Suwon",
    "Seongnam",
    "Paju",
    "Jeju",
]
PLACES_KO = [
    "평양",
    "신의주",
    "혜산",
    "무산군",
    "무산시",
    "회령",
    "온성",
    "청진",
    "함흥",
    "원산",
    "개성시",
    "남포",
    "강계",
    "나선시",
    "라선",
    "양강도",
    "함경도",
    "함경북도",
    "함경남도",
    "자강도",
    "평안도",
    "평안북도",
    "평안남도",
    "황해도",
    "연길",
    "연변",
    "도문",
    "훈춘",
    "용정",
    "화룡",
    "단동",
    "심양",
    "선양",
    "장백",
    "길림",
    "지린",
    "요녕",
    "랴오닝",
    "흑룡강",
    "헤이룽장",
    "하얼빈",
    "베이징",
    "북경",
    "칭다오",
    "쿤밍",
    "곤명",
    "다롄",
    "대련",
    "장춘",
    "창춘",
    "두만강",
    "압록강",
    "방콕",
    "치앙라이",
    "치앙마이",
    "매사이",
    "비엔티안",
    "하노이",
    "호치민",
    "프놈펜",
    "울란바토르",
    "블라디보스토크",
    "메콩",
    "서울",
    "부산",
    "인천",
    "안성시",
    "화천",
    "하나원",
    "강남",
    "양천구",
    "노원구",
    "경기도",
    "강원도",
    "충청",
    "전라",
    "경상",
    "제주",
    "대구",
    "대전",
    "광주",
    "울산",
    "수원",
    "성남",
    "파주",
]
# Country names, allowed only when the country is on the portal's region list (English name: aliases).
COUNTRIES = {
    "China": ["China", "중국"],
    "North Korea": ["North Korea", "DPRK", "북한", "조선민주주의인민공화국"],
    "South Korea": ["South Korea", "Republic of Korea", "대한민국", "한국", "남한"],
    "Mongolia": ["Mongolia", "몽골"],
    "Russia": ["Russia", "러시아"],
    "United States": ["United States", "USA", "미국"],
    "Southeast Asia": ["Southeast Asia", "South-East Asia", "동남아시아", "동남아"],
    "Thailand": ["Thailand", "태국"],
    "Laos": ["Laos", "라오스"],
    "Vietnam": ["Vietnam", "Viet Nam", "베트남"],
    "Cambodia": ["Cambodia", "캄보디아"],
    "Myanmar": ["Myanmar", "Burma", "미얀마"],
    "Japan": ["Japan", "일본"],
    "Philippines": ["Philippines", "필리핀"],
    "Canada": ["Canada", "캐나다"],
    "United Kingdom": ["United Kingdom", "영국"],
    "Germany": ["Germany", "독일"],
}

_HANGUL = "가-힣"
_NUM = r"\d{1,5}(?:-\d{1,5})?"
# A road number, not a count: "2시간", "3명", "5 km" are not addresses.
_NOT_AFTER = (
    r"(?!\d|\s?(?:시|분|초|년|월|일|명|개|번|가지|차례|배|살|세|층|원|달러|권|건|회|주|박|곳|채|대|마리|편|장|km|kg|%))"
)

PATTERNS: list[tuple[str, re.Pattern]] = [
    # Coordinates: decimal pairs, degrees (not temperatures), DMS, Korean latitude/longitude words, plus codes.
    ("coordinates", re.compile(r"[-+]?\d{1,2}\.\d{3,}\s*°?\s*[NS]?\s*[,/ ]\s*[-+]?\d{1,3}\.\d{3,}\s*°?\s*[EW]?")),
    ("coordinates", re.compile(r"\d{1,3}\s*[°º]\s*\d{1,2}\s*['′’]\s*(?:\d{1,2}(?:\.\d+)?\s*(?:\"|″|”|'')\s*)?[NSEW]?")),
    ("coordinates", re.compile(r"\b\d{1,3}\s+\d{1,2}\s+\d{1,2}(?:\.\d+)?\s*[NSEW]\b")),
    ("coordinates", re.compile(r"\d{1,3}(?:\.\d+)?\s*[°º](?!\s*[CF]\b)\s*[NSEW]?")),
    ("coordinates", re.compile(r"\b[NSEW]\s?\d{1,3}\.\d{2,}")),
    ("coordinates", re.compile(r"(?:북위|남위|동경|서경)\s*\d{1,3}")),
    ("coordinates", re.compile(r"\b[23456789CFGHJMPQRVWX]{4,8}\+[23456789CFGHJMPQRVWX]{2,3}\b")),
    (
        "map_link",
        re.compile(
            r"(?:maps\.google\.|google\.[a-z.]+/maps|goo\.gl/maps|maps\.app\.goo\.gl|map\.naver\.com|naver\.me/"
            r"|map\.kakao\.com|kko\.to/|openstreetmap\.org|\bgeo:|///[a-z]+\.[a-z]+\.[a-z]+)",
            re.IGNORECASE,
        ),
    ),
    # Street addresses: Korean road ("세종대로 110", "청계천로4길 12") and lot ("역삼동 123-45", "101동 1203호")
    # addresses; romanized ("Teheran-ro 152", "Jong-ro 1-gil", "Gangnam-gu", "Yeoksam-dong"); English.
    ("address", re.compile(rf"[{_HANGUL}]+(?:대로|로|길)\s?(?:\d+번?길\s?)?{_NUM}{_NOT_AFTER}")),
    ("address", re.compile(rf"\d+(?:번길|번가|가길|길)\s?{_NUM}{_NOT_AFTER}")),
    ("address", re.compile(rf"[{_HANGUL}]+(?:동|리|가)\s?\d{{1,5}}-\d{{1,5}}|\d+\s?번지")),
    ("address", re.compile(r"\d+\s?동\s?\d+\s?호")),
    ("address", re.compile(rf"[{_HANGUL}]{{1,4}}(?:특별시|광역시|특별자치시|특별자치도)")),
    (
        "address",
        re.compile(
            r"\b[A-Z][a-z]+(?:-[a-z]+)*-(?:daero|ro|gil|dong|gu|eup|myeon|ri|si|gun|do)\b(?:\s?\d{1,5}(?:-\d{1,5})?)?"
        ),
    ),
    ("address", re.compile(r"\b\d{1,5}-(?:ro|gil|daero)\b")),
    (
        "address",
        re.compile(
            r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'.-]*\s+){1,3}"
            r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Boulevard|Blvd\.?|Drive|Dr\.?|Way|Alley|Place"
            r"|Court|Ct\.?|Highway|Hwy\.?|Square|Sq\.?)(?![\w])"
        ),
    ),
    ("address", re.compile(r"\b(?:Apt\.?|Apartment|Unit|Suite|Flat|Room)\s?#?\d{1,5}\b")),
    # Free-text places by their kind: "Yanji City", "the province of Jilin".
    (
        "place",
        re.compile(
            r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s(?:City|Province|County|Prefecture|Village|Town|District|Township"
            r"|Detention Cent(?:er|re)|Prison)\b"
        ),
    ),
    (
        "place",
        re.compile(
            r"\b(?:city|province|county|village|town|district|prefecture|township) of [A-Z][a-z]+", re.IGNORECASE
        ),
    ),
    ("place", re.compile(r"\b(?:" + "|".join(re.escape(name) for name in PLACES_EN) + r")\b", re.IGNORECASE)),
    ("place", re.compile("|".join(re.escape(name) for name in PLACES_KO))),
    # People: titles before a capitalized name; a Korean full name with an honorific said only of people.
    ("person", re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Mister|Madam)\.?\s+[A-Z][a-z]+")),
    (
        "person",
        re.compile(
            r"(?:김|이|박|최|정|강|조|윤|장|임|한|오|서|신|권|황|안|송|류|홍|전|고|문|손|양|배|백|허|유|남|심|노)"
            rf"[{_HANGUL}]{{2}}\s?(?:씨께서|씨에게|님께서|님에게)"
        ),
    ),
    # Contact details: email addresses and phone numbers.
    ("contact", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ("contact", re.compile(r"(?:\+\d{1,3}[\s-]?)?\(?\d{2,4}\)?[\s-]\d{3,4}[\s-]\d{4}\b")),
]


def _country_findings(text: str, allowed: set[str]) -> list[Finding]:
    found = []
    for country, names in COUNTRIES.items():
        if country in allowed:
            continue
        for name in names:
            pattern = rf"\b{re.escape(name)}\b" if name.isascii() else re.escape(name)
            found += [Finding("place", m.group(0)) for m in re.finditer(pattern, text)]
    return found


def check_text(text: str, *, allowed_places: set[str]) -> list[Finding]:
    """What in `text` the gate refuses, in the order found, each once. `allowed_places` are the region names."""
    findings: list[Finding] = []
    spans: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in spans):  # already named by a more specific pattern
                continue
            spans.append((start, end))
            findings.append(Finding(kind, match.group(0).strip()))
    findings += _country_findings(text, allowed_places)
    unique: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.kind, finding.text), finding)
    return list(unique.values())


def refusal(findings: list[Finding]) -> str:
    """One message naming every finding: "... Found: “Teheran-ro 152” (a street address), ..."."""
    named = "; ".join(f"“{finding.text}” ({finding.label})" for finding in findings)
    return str(
        _(
            "For the safety of the people it describes, an update may name places only from the portal's region "
            "list (country level), and no people, addresses, coordinates or contact details. Please remove: %(found)s."
        )
    ) % {"found": named}
