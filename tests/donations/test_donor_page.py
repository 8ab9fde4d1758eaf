"""The donor's page without an account: the email sign-in link (expiry, single use, tampering, binding to the
address), no enumeration, throttles, and what the page shows (gifts, statuses, receipts, yearly statements)."""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from donations.models import Dispute, DonorLink, PledgeStatus
from donations.services import donor_access
from tests import factories

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://[^\s]+/donations/mine/open/([^/\s]+)/")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def gifts(org_a, org_b):
    """Dana gave twice to Alpha (once, monthly) and once to Beta; Erin gave once to Alpha."""
    once = factories.pledge(organization=org_a, status=PledgeStatus.PAID, donor_email="Dana@Example.org")
    factories.payment(pledge=once)
    monthly = factories.pledge(
        organization=org_a,
        frequency="monthly",
        currency="KRW",
        gift_amount=50000,
        status=PledgeStatus.ACTIVE,
        stripe_subscription_id="sub_x",
    )
    factories.payment(pledge=monthly)
    beta = factories.pledge(organization=org_b, status=PledgeStatus.PAID)
    factories.payment(pledge=beta)
    erin = factories.pledge(organization=org_a, status=PledgeStatus.PAID, donor_email="erin@example.org")
    factories.payment(pledge=erin)
    return {"once": once, "monthly": monthly, "beta": beta, "erin": erin}


def ask(client, email: str, **extra):
    return client.post("/donations/mine/", {"email": email}, **extra)


def link_token(outbox_index: int = -1) -> str:
    return LINK.search(mail.outbox[outbox_index].body)[1]


def open_page(client, token: str):
    return client.post(f"/donations/mine/open/{token}/")


def signed_in(client, email: str, on_commit) -> None:
    with on_commit():
        ask(client, email)
    assert open_page(client, link_token()).status_code == 302


def test_a_link_opens_the_donors_gifts_once(client, gifts, on_commit):
    with on_commit():
        response = ask(client, "dana@example.org")
    assert response.status_code == 302 and response["Location"] == "/donations/mine/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@example.org"]
    token = link_token()
    assert client.get(f"/donations/mine/open/{token}/").status_code == 200  # a GET uses nothing up
    response = open_page(client, token)
    assert response["Location"] == "/donations/mine/gifts/"
    page = client.get("/donations/mine/gifts/").content.decode()
    for pledge in (gifts["once"], gifts["monthly"], gifts["beta"]):
        assert pledge.reference in page
    assert gifts["erin"].reference not in page  # another address's gift
    # single use: the same link again, even from another browser, opens nothing
    other = type(client)(HTTP_HOST="127.0.0.1")
    assert open_page(other, token).status_code == 400
    assert other.get("/donations/mine/gifts/")["Location"] == "/donations/mine/"


class _Clock:
    """The signing module's clock, `seconds` ahead of real time."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def time(self) -> float:
        return time.time() + self.seconds


def test_a_link_expires_after_30_minutes(client, gifts, on_commit, monkeypatch):
    with on_commit():
        ask(client, "dana@example.org")
    token = link_token()
    monkeypatch.setattr(signing, "time", _Clock(31 * 60))
    assert client.get(f"/donations/mine/open/{token}/").status_code == 400
    assert open_page(client, token).status_code == 400
    assert client.get("/donations/mine/gifts/").status_code == 302
    monkeypatch.setattr(signing, "time", _Clock(29 * 60))
    assert open_page(client, token).status_code == 302  # within 30 minutes it works (and was not used up)


def test_a_link_whose_row_is_older_than_30_minutes_opens_nothing(client, gifts, on_commit):
    with on_commit():
        ask(client, "dana@example.org")
    DonorLink.objects.update(created_at=timezone.now() - timedelta(minutes=31))
    assert open_page(client, link_token()).status_code == 400


def test_a_tampered_link_opens_nothing(client, gifts, on_commit):
    with on_commit():
        ask(client, "dana@example.org")
    token = link_token()
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:10], "x" + token):
        assert open_page(client, bad).status_code == 400
    assert open_page(client, token).status_code == 302  # the real one still works


def test_a_link_is_bound_to_the_address_it_was_asked_for(client, gifts, on_commit):
    """A token signed for one address's link but carrying another address's digest opens nothing."""
    with on_commit():
        ask(client, "dana@example.org")
    link = DonorLink.objects.get()
    forged = signing.dumps(
        {"n": link.nonce, "d": donor_access.email_digest("erin@example.org")[:32]}, salt=donor_access.LINK_SALT
    )
    assert open_page(client, forged).status_code == 400
    # and a link row whose address changed after the link was sent no longer matches its digest
    DonorLink.objects.filter(pk=link.pk).update(email="erin@example.org")
    assert open_page(client, link_token()).status_code == 400


def test_no_enumeration_same_answer_and_same_work(client, gifts, on_commit):
    answers, queries = [], []
    for email in ("dana@example.org", "nobody@example.org"):
        with CaptureQueriesContext(connection) as captured, on_commit():
            response = ask(type(client)(HTTP_HOST="127.0.0.1"), email)
        answers.append((response.status_code, response["Location"], response.content))
        queries.append(len(captured.captured_queries))
    assert answers[0] == answers[1]
    assert queries[0] == queries[1]
    page = client.get("/donations/mine/sent/").content.decode()
    assert "If gifts were made with that address" in page
    assert len(mail.outbox) == 1  # only the donor got an email
    assert DonorLink.objects.filter(email="").count() == 0  # the other request was forgotten


def test_requests_are_throttled_per_email_silently(client, gifts, on_commit, settings):
    settings.DONOR_LINK_RATE_LIMIT = 2
    for n in range(4):
        with on_commit():
            response = ask(type(client)(HTTP_HOST="127.0.0.1", REMOTE_ADDR=f"10.0.0.{n}"), "dana@example.org")
        assert response.status_code == 302 and response["Location"] == "/donations/mine/sent/"
    assert len(mail.outbox) == 2  # over the email's limit: the same page, nothing sent


def test_requests_are_throttled_per_client_address(client, gifts, on_commit, settings):
    settings.DONOR_LINK_RATE_LIMIT_PER_ADDRESS = 3
    statuses = []
    for n in range(5):
        with on_commit():
            statuses.append(ask(client, f"someone{n}@example.org").status_code)
    assert statuses == [302, 302, 302, 429, 429]
    response = ask(client, "dana@example.org")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 0


def test_an_invalid_email_is_a_clear_error(client, gifts):
    response = ask(client, "not an email")
    assert response.status_code == 400 and b"Enter a valid email address" in response.content


def test_statuses_on_the_page(client, gifts, on_commit, org_a):
    refunded = factories.pledge(organization=org_a, status=PledgeStatus.REFUNDED)
    factories.refund(payment=factories.payment(pledge=refunded))
    partly = factories.pledge(organization=org_a, status=PledgeStatus.PAID)
    factories.refund(payment=factories.payment(pledge=partly), amount=500)
    disputed = factories.pledge(organization=org_a, status=PledgeStatus.PAID)
    payment = factories.payment(pledge=disputed)
    Dispute.objects.create(
        payment=payment,
        organization=org_a,
        stripe_dispute_id="dp_1",
        amount=2500,
        currency="USD",
        status="needs_response",
    )
    stopped = factories.pledge(organization=org_a, frequency="monthly", status=PledgeStatus.CANCELED)
    factories.payment(pledge=stopped)
    past_due = factories.pledge(organization=org_a, frequency="monthly", status=PledgeStatus.PAST_DUE)
    factories.payment(pledge=past_due)
    factories.pledge(organization=org_a, status=PledgeStatus.ABANDONED)  # never paid: not a gift
    signed_in(client, "dana@example.org", on_commit)
    page = client.get("/donations/mine/gifts/").content.decode()
    statuses = re.findall(r'data-status="([a-z_]+)"', page)
    assert sorted(statuses) == sorted(
        [
            "paid",
            "paid",
            "monthly_active",
            "refunded",
            "partly_refunded",
            "disputed",
            "monthly_stopped",
            "monthly_past_due",
        ]
    )


def test_receipts_view_and_download_only_the_donors_own(client, gifts, on_commit):
    signed_in(client, "dana@example.org", on_commit)
    payment = gifts["once"].payments.get()
    response = client.get(f"/donations/mine/receipts/{payment.pk}/")
    assert response.status_code == 200 and gifts["once"].reference.encode() in response.content
    download = client.get(f"/donations/mine/receipts/{payment.pk}/?download=1")
    assert download["Content-Disposition"].startswith("attachment;")
    other = gifts["erin"].payments.get()
    assert client.get(f"/donations/mine/receipts/{other.pk}/").status_code == 404


def test_yearly_statement_per_organization_with_totals_per_currency(client, gifts, on_commit, org_a):
    signed_in(client, "dana@example.org", on_commit)
    year = timezone.now().year
    response = client.get(f"/donations/mine/statements/{year}/{org_a.slug}/?download=1")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="statement-{year}-{org_a.slug}.html"'
    body = response.content.decode()
    assert "US$25.00" in body and "₩50,000" in body  # one total per currency, never added together
    assert gifts["once"].reference in body and gifts["monthly"].reference in body
    assert gifts["beta"].reference not in body  # another organization: its own statement
    assert client.get(f"/donations/mine/statements/{year - 1}/{org_a.slug}/").status_code == 404


def test_statement_names_the_organization_as_registered_when_known(client, gifts, on_commit, org_a):
    signed_in(client, "dana@example.org", on_commit)
    year = timezone.now().year
    url = f"/donations/mine/statements/{year}/{org_a.slug}/"
    assert "Alpha Aid e.V." not in client.get(url).content.decode()
    type(org_a).objects.filter(pk=org_a.pk).update(legal_name="Alpha Aid e.V.", registration_number="VR 12345")
    body = client.get(url).content.decode()
    assert "Alpha Aid e.V." in body and "VR 12345" in body


def test_statement_in_the_donors_language(client, gifts, on_commit, org_a):
    signed_in(client, "dana@example.org", on_commit)
    year = timezone.now().year
    client.cookies["django_language"] = "ko"
    body = client.get(f"/donations/mine/statements/{year}/{org_a.slug}/").content.decode()
    assert "총 받은 금액" in body


def test_signing_out_closes_the_page(client, gifts, on_commit):
    signed_in(client, "dana@example.org", on_commit)
    client.post("/donations/mine/signout/")
    assert client.get("/donations/mine/gifts/")["Location"] == "/donations/mine/"
    assert DonorLink.objects.count() == 0
