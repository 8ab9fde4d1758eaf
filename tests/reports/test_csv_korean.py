"""The gifts CSV for Korean members: a byte-order mark (Excel reads UTF-8, Hangul shows), Korean headers in Korean,
amounts in each currency's own decimals; the same on SQLite (Python writes it) and PostgreSQL (COPY writes it).

Run on both: `pytest tests/reports/test_csv_korean.py` and `DATABASE_URL=postgres://... pytest ...`.
"""

import csv
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in Korean leaves Korean active in this thread: the next tests run in the default language."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


KOREAN_HEADER = [
    "결제 ID",
    "시각 (UTC)",
    "참조 번호",
    "통화",
    "후원금",
    "추가한 수수료",
    "받은 금액",
    "환불액",
    "순액",
    "후원 주기",
    "프로그램",
    "기념 문구",
    "후원자 이름",
    "후원자 이메일",
    "분쟁",
    "분쟁 금액",
]
URL = "/reports/alpha/gifts.csv?start=2000-01-01"


@pytest.fixture
def korean_gifts(org_a):
    """Gifts in three currencies with Hangul everywhere a person types: a program, a name, a dedication."""
    care = factories.program(organization=org_a, name="고아 돌봄 (Orphan care)")
    now = timezone.now()
    hana = factories.pledge(
        organization=org_a,
        status="paid",
        currency="KRW",
        gift_amount=1_234_567,
        donor_name="김하나",
        donor_email="hana@example.org",
        share_identity=True,
        dedication="할머니를 기리며, “사랑”으로",
        program=care,
    )
    factories.payment(pledge=hana, stripe_id="pi_krw", paid_at=now - timedelta(days=3))
    cents = factories.pledge(organization=org_a, status="paid", currency="USD", gift_amount=1234, fee_amount=66)
    factories.payment(pledge=cents, stripe_id="pi_usd", paid_at=now - timedelta(days=2))
    yen = factories.pledge(organization=org_a, status="paid", currency="JPY", gift_amount=3000, donor_name="익명 아님")
    factories.payment(pledge=yen, stripe_id="pi_jpy", paid_at=now - timedelta(days=1))


def _download(client, tmp_path, **headers) -> list[list[str]]:
    """The export as a member's spreadsheet would open it: saved to a file, read back with encoding="utf-8-sig"."""
    response = client.get(URL, **headers)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark, once, first
    assert content.count(b"\xef\xbb\xbf") == 1
    path = tmp_path / "gifts.csv"
    path.write_bytes(content)
    with open(path, encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def test_korean_member_gets_korean_headers_and_hangul_round_trips(korean_gifts, member_a_client, tmp_path):
    rows = _download(member_a_client, tmp_path, HTTP_ACCEPT_LANGUAGE="ko")
    assert rows[0] == KOREAN_HEADER
    by_id = {row[0]: row for row in rows[1:]}
    hana = by_id["pi_krw"]
    assert hana[10:14] == ["고아 돌봄 (Orphan care)", "할머니를 기리며, “사랑”으로", "김하나", "hana@example.org"]
    assert by_id["pi_jpy"][12] == "익명"  # not shared: the Korean word for anonymous, never the name
    assert "익명 아님" not in {cell for row in rows for cell in row}
    assert by_id["pi_usd"][10] == "가장 필요한 곳"


def test_the_language_the_member_chose_on_the_site_gives_the_headers(korean_gifts, member_a_client, tmp_path):
    member_a_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    assert _download(member_a_client, tmp_path)[0] == KOREAN_HEADER
    member_a_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _download(member_a_client, tmp_path, HTTP_ACCEPT_LANGUAGE="ko")[0]
    assert english[:5] == ["payment id", "time (UTC)", "reference", "currency", "gift"]


def test_amounts_are_in_each_currencys_own_decimals(korean_gifts, member_a_client, tmp_path):
    rows = {row[0]: row for row in _download(member_a_client, tmp_path, HTTP_ACCEPT_LANGUAGE="ko")[1:]}
    # gift, added fee, received, refunded, net; then the disputed amount
    assert rows["pi_krw"][3:9] == ["KRW", "1234567", "0", "1234567", "0", "1234567"]
    assert rows["pi_usd"][3:9] == ["USD", "12.34", "0.66", "13.00", "0.00", "13.00"]
    assert rows["pi_jpy"][3:9] == ["JPY", "3000", "0", "3000", "0", "3000"]
    assert (rows["pi_krw"][15], rows["pi_usd"][15], rows["pi_jpy"][15]) == ("0", "0.00", "0")


def test_both_ways_of_writing_the_csv_give_the_same_korean_file(korean_gifts, org_a):
    """Python's writer and PostgreSQL's COPY give the same bytes for Korean headers, labels and cells."""
    from django.db import connection

    from reports import selectors

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; run with DATABASE_URL set")
    filters = selectors.ReportFilters(start=timezone.localdate() - timedelta(days=30), end=timezone.localdate())
    options = {"header": KOREAN_HEADER, "unassigned": "가장 필요한 곳", "anonymous": "익명"}
    python = b"".join(selectors.report_gift_csv(org_a, filters, database_writes=False, **options))
    copied = b"".join(selectors.report_gift_csv(org_a, filters, database_writes=True, **options))
    assert copied == python and "김하나".encode() in python
