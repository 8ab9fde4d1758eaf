"""Pledge reports: who sees what, per-currency figures, anonymity on every surface, a safe streamed CSV."""

import csv
import io
from datetime import UTC, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def gifts(org_a, org_b):
    """Organization A's gifts in two currencies (one shared, one anonymous and refunded in part, one monthly in KRW,
    two never completed) and organization B's one gift."""
    foster = factories.program(organization=org_a, name="Foster care")
    now = timezone.now()
    shared = factories.pledge(
        organization=org_a,
        status="paid",
        donor_name="Open Olivia",
        donor_email="olivia@example.org",
        share_identity=True,
    )
    hidden = factories.pledge(
        organization=org_a,
        status="paid",
        donor_name="Secret Sam",
        donor_email="sam@example.org",
        dedication='=HYPERLINK("http://evil.example")',
        program=foster,
    )
    monthly = factories.pledge(
        organization=org_a,
        status="active",
        frequency="monthly",
        currency="KRW",
        gift_amount=50000,
        donor_email="kim@example.org",
    )
    factories.payment(pledge=shared, paid_at=now - timedelta(days=40))
    refunded = factories.payment(pledge=hidden, paid_at=now - timedelta(days=10))
    factories.refund(payment=refunded, amount=1000)
    factories.payment(pledge=monthly, stripe_id="in_1", paid_at=now - timedelta(days=35))
    factories.payment(pledge=monthly, stripe_id="in_2", paid_at=now - timedelta(days=5))
    factories.payment(pledge=monthly, stripe_id="in_old", paid_at=now - timedelta(days=500))  # outside 12 months
    factories.pledge(organization=org_a, status="abandoned", gift_amount=9900)
    factories.pledge(organization=org_a, status="failed", gift_amount=7700)
    factories.payment(pledge=factories.pledge(organization=org_b, status="paid", donor_name="Beta Donor"))


URLS = ["/reports/{slug}/", "/reports/{slug}/gifts.csv", "/reports/{slug}/?currency=USD&frequency=once"]


@pytest.fixture
def staff_with_view_pledge(db):
    """Staff whose only permission is to view pledges: what the admin's pledge list asks, and the reports too."""
    from django.contrib.auth.models import Permission

    account = factories.user(username="staff-pledge-viewer", is_staff=True)
    account.user_permissions.add(Permission.objects.get(codename="view_pledge", content_type__app_label="donations"))
    return account


@pytest.fixture
def staff_with_view_pledge_client(staff_with_view_pledge):
    from django.test import Client

    return factories.sign_in(Client(HTTP_HOST="127.0.0.1"), staff_with_view_pledge, verified=True)


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b"),
    [
        ("anonymous", False, False),
        ("donor", False, False),
        ("member_a", True, False),
        ("member_b", False, True),
        ("staff_without_permissions", False, False),
        ("staff_with_view_pledge", True, True),
        ("superuser", True, True),
    ],
)
def test_access_matrix(gifts, request, persona, sees_a, sees_b):
    """Members see their organization; staff see every report only with the permission to view pledges; signed-in
    people without access get a 404 that does not say whether the organization exists; nobody signed in is sent to
    sign in, with the report as `next`, whether or not the organization exists (so nothing is revealed)."""
    client = request.getfixturevalue("client" if persona == "anonymous" else f"{persona}_client")
    for slug, allowed in (("alpha", sees_a), ("beta", sees_b), ("no-such-org", False)):
        for url in URLS:
            url = url.format(slug=slug)
            response = client.get(url)
            if persona == "anonymous":
                assert response.status_code == 302, (persona, url)
                location = urlsplit(response["Location"])
                assert location.path == "/accounts/login/" and parse_qs(location.query) == {"next": [url]}, location
                continue
            assert response.status_code == (200 if allowed else 404), (persona, url, slug)
            if not allowed:
                assert "Alpha Aid" not in response.content.decode() and "Beta Care" not in response.content.decode()
    index = client.get("/reports/")
    if persona == "anonymous":
        assert index.status_code == 302 and index["Location"].startswith("/accounts/login/")
    else:
        assert index.status_code == 200
        assert ("Alpha Aid" in index.text) == sees_a and ("Beta Care" in index.text) == sees_b


def test_signed_out_member_opening_a_bookmarked_report_signs_in_and_lands_on_it(gifts, member_a, client):
    bookmarked = "/reports/alpha/?currency=USD"
    response = client.get(bookmarked)
    assert response.status_code == 302
    signed_in = client.post(
        response["Location"], {"username": "member-a", "password": "a-long-test-password"}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == bookmarked
    assert signed_in.status_code == 200 and "Gifts to Alpha Aid" in signed_in.text


def test_report_pages_are_never_cached(gifts, member_a_client):
    client = member_a_client
    for url in ("/reports/", "/reports/alpha/", "/reports/alpha/gifts.csv"):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_totals_are_per_currency_and_never_added(gifts, member_a_client):
    response = member_a_client.get("/reports/alpha/")
    totals = {row.currency: row for row in response.context["totals"]}
    usd, krw = totals["USD"], totals["KRW"]
    assert (usd.received, usd.refunded, usd.net, usd.gifts) == (5000, 1000, 4000, 2)
    assert (usd.shared_donors, usd.anonymous_gifts) == (1, 1)
    assert (krw.received, krw.gifts, krw.monthly_active, krw.monthly_amount) == (100000, 2, 1, 50000)
    assert (krw.shared_donors, krw.anonymous_gifts) == (0, 2)
    assert "US$40.00" in response.text and "₩100,000" in response.text
    assert "105000" not in response.text and "105,000" not in response.text


def test_past_due_monthly_gift_is_shown_apart_not_as_active(gifts, org_a, member_a_client):
    factories.pledge(organization=org_a, status="past_due", frequency="monthly", currency="KRW", gift_amount=30000)
    response = member_a_client.get("/reports/alpha/")
    krw = {row.currency: row for row in response.context["totals"]}["KRW"]
    assert (krw.monthly_active, krw.monthly_amount) == (1, 50000)  # the past-due gift brings nothing for now
    assert krw.monthly_past_due == 1
    assert "Past-due monthly gifts" in response.text and "₩80,000" not in response.text


def test_donor_counts_cannot_unmask_an_anonymous_gift(org_a, member_a_client):
    """Two named donors and two anonymous gifts, one of them from a named donor: a "Donors: 3" would tell the
    organization that one anonymous gift came from a named donor. Named donors and anonymous gifts are counted
    apart, and no count of people includes anonymous gifts."""
    for name, email, share in (
        ("Named One", "one@example.org", True),
        ("Named Two", "two@example.org", True),
        ("Named One", "ONE@example.org", False),  # the same person, this time anonymous
        ("Quiet", "quiet@example.org", False),
    ):
        pledge = factories.pledge(
            organization=org_a, status="paid", donor_name=name, donor_email=email, share_identity=share
        )
        factories.payment(pledge=pledge)
    response = member_a_client.get("/reports/alpha/")
    [usd] = response.context["totals"]
    assert (usd.gifts, usd.shared_donors, usd.anonymous_gifts) == (4, 2, 2)
    assert not hasattr(usd, "donors")
    totals = response.text.split('id="totals-heading"')[1].split("</section>")[0]
    assert "Donors who shared their name" in totals and "Anonymous gifts" in totals
    assert ">Donors<" not in totals and "3" not in totals.split("<tbody>")[1]
    assert "never counted as donors" in totals  # the rule is on the page


def test_filters_narrow_the_figures(gifts, org_a, member_a_client):
    client = member_a_client
    foster = org_a.programs.get()
    by_program = client.get(f"/reports/alpha/?program={foster.pk}").context["totals"]
    assert [(t.currency, t.received) for t in by_program] == [("USD", 2500)]
    monthly_only = client.get("/reports/alpha/?frequency=monthly").context["totals"]
    assert [t.currency for t in monthly_only] == ["KRW"]
    old = client.get("/reports/alpha/?start=2000-01-01&currency=KRW").context["totals"]
    assert old[0].received == 150000 and old[0].gifts == 3


@pytest.mark.parametrize(
    "query", ["start=garbage", "start=2026-05-01&end=2026-01-01", "currency=XXX", "program=999999", "frequency=weekly"]
)
def test_bad_filters_give_a_normal_page(gifts, member_a_client, query):
    response = member_a_client.get(f"/reports/alpha/?{query}")
    assert response.status_code == 200
    assert response.context["filters"].start < response.context["filters"].end


def test_pledged_but_not_received_is_shown_apart(gifts, member_a_client):
    response = member_a_client.get("/reports/alpha/")
    rows = {(row.status, row.currency): row for row in response.context["not_completed"]}
    assert rows[("abandoned", "USD")].amount == 9900 and rows[("failed", "USD")].amount == 7700
    assert all(total.received != 9900 + 7700 for total in response.context["totals"])


def test_month_chart_has_a_table_with_the_same_figures(gifts, member_a_client):
    text = member_a_client.get("/reports/alpha/").text
    assert text.count('role="img"') == 2  # one chart per currency
    assert "Received per month, KRW" in text and "₩50,000" in text


def test_unshared_donors_are_anonymous_on_the_page(gifts, member_a_client):
    text = member_a_client.get("/reports/alpha/").text
    assert "Open Olivia" in text and "olivia@example.org" in text
    assert "Secret Sam" not in text and "sam@example.org" not in text and "kim@example.org" not in text
    assert text.count("Anonymous") >= 3


def _latest_row(text: str, marker: str) -> str:
    latest = text.split('id="latest-heading"')[1]
    return next(row for row in latest.split("<tr") if marker in row)


def test_a_partial_refund_shows_partly_refunded_with_the_amount(gifts, org_a, member_a_client):
    """US$25.00 with US$10.00 refunded is not "refunded": it says "partly refunded" and how much."""
    text = member_a_client.get("/reports/alpha/").text
    partial = " ".join(_latest_row(text, "=HYPERLINK").split())
    assert "partly refunded" in partial and "US$10.00" in partial
    assert ">refunded<" not in partial.replace("> ", ">").replace(" <", "<")

    full = factories.payment(pledge=factories.pledge(organization=org_a, status="refunded", dedication="All back"))
    factories.refund(payment=full, amount=1500, stripe_refund_id="re_half_1")
    factories.refund(payment=full, amount=1000, stripe_refund_id="re_half_2")  # two refunds make it whole
    row = " ".join(_latest_row(member_a_client.get("/reports/alpha/").text, "All back").split())
    assert "refunded" in row and "partly" not in row


CSV_HEADER = [
    "payment id",
    "time (UTC)",
    "reference",
    "currency",
    "gift",
    "added fee",
    "received",
    "refunded",
    "net",
    "frequency",
    "program",
    "dedication",
    "donor name",
    "donor email",
    "dispute",
    "disputed",
]


def _csv_bytes(client, url="/reports/alpha/gifts.csv?start=2000-01-01") -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def _csv(client, url="/reports/alpha/gifts.csv?start=2000-01-01") -> list[dict[str, str]]:
    content = _csv_bytes(client, url)
    assert content.startswith(b"\xef\xbb\xbf"), content[:20]  # UTF-8's byte-order mark: Excel then reads UTF-8
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    assert reader.fieldnames == CSV_HEADER
    return list(reader)


def test_csv_leaves_out_unshared_donors_and_escapes_formulas(gifts, member_a_client):
    rows = _csv(member_a_client)
    assert len(rows) == 5
    text = "\n".join(",".join(row.values()) for row in rows)
    assert "Secret Sam" not in text and "sam@example.org" not in text and "kim@example.org" not in text
    olivia = next(row for row in rows if row["donor name"] == "Open Olivia")
    assert olivia["donor email"] == "olivia@example.org"
    sam = next(row for row in rows if "HYPERLINK" in row["dedication"])
    assert sam["dedication"].startswith("'=") and (sam["donor name"], sam["donor email"]) == ("Anonymous", "")
    assert {row["currency"] for row in rows} == {"USD", "KRW"}
    assert next(row for row in rows if row["currency"] == "KRW")["received"] == "50000"


def test_csv_has_one_row_per_payment_with_its_time_gift_fee_refund_and_net(gifts, org_a, member_a_client):
    """The CSV's net adds up to the page's net: per payment its id, its time with the zone, the gift, the fee the
    donor added, what was refunded of it and what is left. One row per payment, a monthly gift's months apart."""
    from donations.models import Payment

    covered = factories.pledge(organization=org_a, status="paid", gift_amount=5000, fee_amount=175)
    factories.refund(payment=factories.payment(pledge=covered, stripe_id="pi_covered"), amount=5175)
    rows = _csv(member_a_client)
    by_id = {row["payment id"]: row for row in rows}
    assert len(by_id) == len(rows) == Payment.objects.filter(organization=org_a).count() == 6
    fee = by_id["pi_covered"]
    assert (fee["gift"], fee["added fee"], fee["received"], fee["refunded"], fee["net"]) == (
        "50.00",
        "1.75",
        "51.75",
        "51.75",
        "0.00",
    )
    sam = next(row for row in rows if "HYPERLINK" in row["dedication"])
    assert (sam["gift"], sam["added fee"], sam["received"], sam["refunded"], sam["net"]) == (
        "25.00",
        "0.00",
        "25.00",
        "10.00",
        "15.00",
    )
    monthly = [row for row in rows if row["currency"] == "KRW"]
    assert sorted(row["payment id"] for row in monthly) == ["in_1", "in_2", "in_old"]
    assert {(row["gift"], row["refunded"], row["net"]) for row in monthly} == {("50000", "0", "50000")}
    paid_at = Payment.objects.get(stripe_id="in_2").paid_at
    assert by_id["in_2"]["time (UTC)"] == paid_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = {row.currency: row for row in member_a_client.get("/reports/alpha/?start=2000-01-01").context["totals"]}
    usd = [row for row in rows if row["currency"] == "USD"]
    assert sum(Decimal(row["net"]) * 100 for row in usd) == page["USD"].net


@pytest.mark.parametrize("dangerous", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=1"])
def test_every_formula_start_is_escaped(gifts, member_a_client, dangerous):
    from donations.models import Pledge

    Pledge.objects.filter(dedication__startswith="=HYPERLINK").update(dedication=dangerous)
    rows = _csv(member_a_client)
    cell = next(row["dedication"] for row in rows if row["dedication"].strip("'\t").strip())
    assert cell == "'" + dangerous


def test_report_query_count_is_flat(gifts, org_a, member_a_client, django_assert_num_queries):
    client = member_a_client
    client.get("/reports/alpha/")  # warm the session

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get("/reports/alpha/").status_code == 200
        return len(queries)

    before = count()
    for n in range(60):
        pledge = factories.pledge(organization=org_a, status="paid", share_identity=n % 2 == 0)
        factories.payment(pledge=pledge)
    assert count() == before


def test_postgres_copy_export_is_byte_for_byte_the_python_export(gifts, org_a):
    """On PostgreSQL the database writes the CSV; its bytes must be exactly the portable Python path's, whatever the
    cells hold: empty cells, quotes, commas, line feeds and carriage returns, Hangul, formula starts, fees, refunds."""
    from django.db import connection

    from donations.models import Dispute, Pledge
    from reports import selectors

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; .ci/run runs this with DATABASE_URL set")
    Pledge.objects.filter(donor_name="Open Olivia").update(donor_name="@Olivia", dedication="-1+1", program=None)
    tricky = factories.pledge(
        organization=org_a,
        status="paid",
        currency="KRW",
        gift_amount=30000,
        fee_amount=870,
        donor_name='김 "하나", Jr.\r\n',
        donor_email="hana@example.org",
        share_identity=True,
        dedication='line one\nline two\r"quoted", comma\\.',
    )
    factories.refund(payment=factories.payment(pledge=tricky), amount=10000)
    filters = selectors.ReportFilters(start=timezone.localdate() - timedelta(days=3650), end=timezone.localdate())
    Dispute.objects.create(
        payment=tricky.payments.get(),
        organization=org_a,
        stripe_dispute_id="dp_tricky",
        amount=30870,
        currency="KRW",
        status="lost",
        closed_at=timezone.now(),
    )
    header = [*CSV_HEADER[:13], "후원자 이메일", *CSV_HEADER[14:]]
    options = {"header": header, "unassigned": "어디든", "anonymous": "익명"}
    python = b"".join(selectors.report_gift_csv(org_a, filters, database_writes=False, **options))
    copied = b"".join(selectors.report_gift_csv(org_a, filters, database_writes=True, **options))
    assert copied == python
    rows = list(csv.reader(io.StringIO(python.decode("utf-8-sig"))))
    assert len(rows) == 1 + 6
    assert any(row[12] == "'@Olivia" and row[11] == "'-1+1" and row[10] == "어디든" for row in rows)
    hana = next(row for row in rows if row[13] == "hana@example.org")
    assert hana[4:9] == ["30000", "870", "30870", "10000", "20870"] and hana[12] == '김 "하나", Jr.\r\n'
    assert hana[14:] == ["lost", "30870"] and all(row[14:] == ["", "0.00"] for row in rows[1:] if row[3] == "USD")


@pytest.mark.parametrize("query", ["end=9999-12-31", "start=1900-01-01"])
def test_far_dates_are_refused_with_a_message_not_a_500(gifts, member_a_client, query):
    client = member_a_client
    page = client.get(f"/reports/alpha/?{query}")
    assert page.status_code == 200 and "Choose dates between" in page.text
    export = client.get(f"/reports/alpha/gifts.csv?{query}")
    assert export.status_code == 400 and b"Choose dates between" in export.content


@pytest.mark.parametrize("dangerous", ["  =1+1", "|calc", "＝1+1", "＠SUM(A1)"])
def test_formula_starts_behind_spaces_and_full_width_forms_are_escaped(gifts, member_a_client, dangerous):
    from donations.models import Pledge

    Pledge.objects.filter(dedication__startswith="=HYPERLINK").update(dedication=dangerous)
    rows = _csv(member_a_client)
    assert any(row["dedication"] == "'" + dangerous for row in rows)


def test_failed_refunds_do_not_count_and_refund_time_is_stripes(gifts, member_a_client):
    from donations.models import Refund
    from donations.services.rollups import rollup_rebuild

    refund = Refund.objects.get()
    Refund.objects.filter(pk=refund.pk).update(status="failed")
    rollup_rebuild()  # the rows changed behind the services' back: the reports' totals rebuilt, as the command does
    totals = {row.currency: row for row in member_a_client.get("/reports/alpha/").context["totals"]}
    assert totals["USD"].refunded == 0
    Refund.objects.filter(pk=refund.pk).update(status="succeeded", refunded_at=timezone.now() - timedelta(days=800))
    rollup_rebuild()
    totals = {row.currency: row for row in member_a_client.get("/reports/alpha/").context["totals"]}
    assert totals["USD"].refunded == 0  # refunded long ago by Stripe's clock: outside the last 12 months


def test_months_without_gifts_show_as_zero(gifts, member_a_client):
    charts = member_a_client.get("/reports/alpha/").context["charts"]
    krw = next(chart for chart in charts if chart["currency"] == "KRW")
    months = [row.month for row in krw["rows"]]
    assert len(months) == len(set(months)) and months == sorted(months)
    assert all((b.year * 12 + b.month) - (a.year * 12 + a.month) == 1 for a, b in zip(months, months[1:], strict=False))
