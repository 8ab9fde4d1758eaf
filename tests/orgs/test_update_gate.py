"""Every rule of the updates' text gate: what is refused (and named), and ordinary sentences that are not."""

import pytest

from orgs.updates.gate import check_text, refusal

REGIONS = {"China", "South Korea", "North Korea", "Southeast Asia", "Mongolia", "Russia", "United States"}


def found(text: str) -> list[tuple[str, str]]:
    return [(finding.kind, finding.text) for finding in check_text(text, allowed_places=REGIONS)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Coordinates: decimal degrees, with hemispheres, DMS (symbols and spaces), Korean words, plus codes.
        ("We met at 41.8057, 123.4315 today.", ("coordinates", "41.8057, 123.4315")),
        ("Position 41.8057°N 123.4315°E", ("coordinates", "41.8057°N 123.4315°E")),
        ("41°48′20″N", ("coordinates", "41°48′20″N")),
        ("at 41°48'20\"N", ("coordinates", "41°48'20\"N")),
        ("grid 41 48 20 N", ("coordinates", "41 48 20 N")),
        ("북위 41도 부근", ("coordinates", "북위 41")),
        ("meet at 8Q98+XW", ("coordinates", "8Q98+XW")),
        ("see https://maps.app.goo.gl/abc", ("map_link", "maps.app.goo.gl")),
        ("see map.naver.com/p/123", ("map_link", "map.naver.com")),
        # Street addresses: Korean road and lot addresses, romanized, English, flats.
        ("사무실은 테헤란로 152에 있습니다", ("address", "테헤란로 152")),
        ("청계천로4길 12", ("address", "청계천로4길 12")),
        ("역삼동 123-45 에서", ("address", "역삼동 123-45")),
        ("101동 1203호", ("address", "101동 1203호")),
        ("office at Teheran-ro 152", ("address", "Teheran-ro 152")),
        ("a flat in Gangnam-gu", ("address", "Gangnam-gu")),
        ("near Yeoksam-dong", ("address", "Yeoksam-dong")),
        ("We met at 12 Main Street today", ("address", "12 Main Street")),
        ("the shelter on 7 Green Park Road", ("address", "7 Green Park Road")),
        ("she lives in Apt 302", ("address", "Apt 302")),
        # Free-text places below country level, in English and Korean; countries not on the region list.
        ("Three families reached Yanji this month.", ("place", "Yanji")),
        ("crossing the Tumen river", ("place", "Tumen")),
        ("They waited in Vientiane", ("place", "Vientiane")),
        ("a shelter in Hill Town", ("place", "Hill Town")),
        ("the province of Jilin", ("place", "province of Jilin")),
        ("연길에서 만났다", ("place", "연길")),
        ("두만강을 건넜다", ("place", "두만강")),
        ("They are safe in Thailand now", ("place", "Thailand")),
        ("라오스를 거쳐", ("place", "라오스")),
        # People: titles before a name; a Korean full name with an honorific said only of people.
        ("Mr. Kim arrived safely", ("person", "Mr. Kim")),
        ("Mrs Lee and her son", ("person", "Mrs Lee")),
        ("김철수 씨께서 오셨다", ("person", "김철수 씨께서")),
        # Contact details.
        ("write to hana@example.org", ("contact", "hana@example.org")),
        ("call 010-1234-5678", ("contact", "010-1234-5678")),
    ],
)
def test_the_gate_refuses_and_names_what_it_found(text, expected):
    assert expected in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks to your gifts, 12 children finished the school year.",
        "We raised 3,000,000 won and 1,200 dollars in 2025.",
        "Families in China and South Korea received food and medicine.",
        "북한이탈주민 30명이 한국에서 직업 교육을 마쳤습니다.",
        "버스로 2시간 걸렸다",
        "It was 30°C in the shelter.",
        "A 1.5 kg parcel, 2.5 kg in all.",
        "오늘도 씨 뿌리기를 했다",
        "Rice and 3 new beds arrived for the children.",
        "The program in Southeast Asia grew.",
        "활동 3건을 마쳤습니다",
        "버스로 3 시간 걸렸고, 기차로 5km를 더 갔다",
    ],
)
def test_ordinary_sentences_pass(text):
    assert found(text) == []


def test_places_on_the_region_list_are_allowed_and_others_not():
    assert found("We work in Mongolia") == []
    assert check_text("We work in Mongolia", allowed_places={"China"})[0].text == "Mongolia"


def test_the_refusal_names_every_finding_and_what_it_is():
    findings = check_text("At Teheran-ro 152, 41.8057, 123.4315, Mr. Kim", allowed_places=REGIONS)
    message = refusal(findings)
    assert "“Teheran-ro 152” (a street address)" in message
    assert "“41.8057, 123.4315” (coordinates)" in message
    assert "“Mr. Kim” (a personal name)" in message
    assert "only from the portal's region list" in message
