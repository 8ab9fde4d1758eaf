"""A donor's monthly gift controls and name sharing, from their page, against the sandbox over HTTP: each change
is idempotent, recorded with source "donor", confirmed by email, and the sandbox's subscription matches."""

import re
import urllib.request

import pytest
from django.core import mail

from donations.models import Payment, Pledge, PledgeStatus, PledgeTransition
from donations.services.rollups import rollup_differences
from tests import factories
from tests.donations.conftest import deliver, new_events, start_monthly_gift

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://[^\s]+/donations/mine/open/([^/\s]+)/")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def monthly(client, stripe_sandbox, giving_org, on_commit):
    """An active KRW 50,000 monthly gift, and its donor's page open in `client`."""
    pledge, events = start_monthly_gift(client, stripe_sandbox, giving_org)
    with on_commit():
        deliver(client, list(events.values()))
        client.post("/donations/mine/", {"email": "dana@example.org"})
    token = LINK.search(mail.outbox[-1].body)[1]
    assert client.post(f"/donations/mine/open/{token}/").status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE
    mail.outbox.clear()
    return pledge


def subscription(server, pledge) -> dict:
    return server.store.get("subscription", pledge.stripe_subscription_id)


def donor_notes(pledge) -> list[str]:
    return list(
        PledgeTransition.objects.filter(pledge=pledge, source=PledgeTransition.Source.DONOR).values_list(
            "note", flat=True
        )
    )


def test_change_the_amount_from_next_month_without_proration(client, stripe_sandbox, monthly, on_commit):
    with on_commit():
        response = client.post(f"/donations/mine/gifts/{monthly.reference}/amount/", {"amount": "70000"})
    assert response.status_code == 302
    page = client.get("/donations/mine/gifts/").content.decode()
    assert "charged from next month" in page and "₩70,000" in page
    sub = subscription(stripe_sandbox, monthly)
    assert sub["items"]["data"][0]["price"]["unit_amount"] == 70000
    assert not [e for e in stripe_sandbox.events() if e["type"] == "invoice.created"]  # nothing prorated now
    monthly.refresh_from_db()
    assert (monthly.gift_amount, monthly.amount) == (70000, 70000)
    assert Payment.objects.get().amount == 50000  # the month already paid is untouched
    assert donor_notes(monthly) == ["amount changed by the donor: ₩50,000 -> ₩70,000 from the next month"]
    assert len(mail.outbox) == 1 and "₩70,000" in mail.outbox[0].body
    # the same change again: nothing more at Stripe, in the history, or by email
    requests_before = len(stripe_sandbox.api_requests)
    with on_commit():
        client.post(f"/donations/mine/gifts/{monthly.reference}/amount/", {"amount": "70000"})
    assert len(stripe_sandbox.api_requests) == requests_before
    assert len(donor_notes(monthly)) == 1 and len(mail.outbox) == 1
    # the next month is charged the new amount and counted
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
        stripe_sandbox.advance(monthly.stripe_subscription_id)
        deliver(client, new_events(stripe_sandbox))
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [50000, 70000]
    assert rollup_differences() == []  # the pledged totals follow the new amount


def test_a_bad_amount_is_refused_clearly(client, stripe_sandbox, monthly):
    response = client.post(f"/donations/mine/gifts/{monthly.reference}/amount/", {"amount": "10"}, follow=True)
    assert "The smallest gift is ₩5,000." in response.content.decode()
    assert subscription(stripe_sandbox, monthly)["items"]["data"][0]["price"]["unit_amount"] == 50000


def test_the_amount_cannot_change_while_a_months_payment_is_open(client, stripe_sandbox, monthly, on_commit):
    with on_commit():
        stripe_sandbox.advance(monthly.stripe_subscription_id, "failed")
        deliver(client, new_events(stripe_sandbox))
    monthly.refresh_from_db()
    assert monthly.status == PledgeStatus.PAST_DUE
    page = client.get("/donations/mine/gifts/").content.decode()
    assert "you can change the amount once it has" in page
    response = client.post(f"/donations/mine/gifts/{monthly.reference}/amount/", {"amount": "70000"}, follow=True)
    assert "cannot take that change" in response.content.decode()
    assert subscription(stripe_sandbox, monthly)["items"]["data"][0]["price"]["unit_amount"] == 50000


def test_pause_then_resume(client, stripe_sandbox, monthly, on_commit):
    with on_commit():
        client.post(f"/donations/mine/gifts/{monthly.reference}/pause/", {"months": "2"})
        client.post(f"/donations/mine/gifts/{monthly.reference}/pause/", {"months": "2"})  # a double click
    monthly.refresh_from_db()
    assert monthly.paused_until is not None
    pause = subscription(stripe_sandbox, monthly)["pause_collection"]
    assert pause["behavior"] == "void" and pause["resumes_at"] > 0
    assert len(donor_notes(monthly)) == 1 and len(mail.outbox) == 1 and "paused until" in mail.outbox[0].body
    # a paused month charges nothing; the portal records nothing
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
        invoice = stripe_sandbox.advance(monthly.stripe_subscription_id)
        deliver(client, new_events(stripe_sandbox))
    assert invoice["status"] == "void" and Payment.objects.count() == 1
    monthly.refresh_from_db()
    assert monthly.status == PledgeStatus.ACTIVE
    with on_commit():
        client.post(f"/donations/mine/gifts/{monthly.reference}/resume/")
        client.post(f"/donations/mine/gifts/{monthly.reference}/resume/")
    assert subscription(stripe_sandbox, monthly)["pause_collection"] is None
    monthly.refresh_from_db()
    assert monthly.paused_until is None and len(donor_notes(monthly)) == 2 and len(mail.outbox) == 2


def test_pause_only_for_one_to_three_months(client, stripe_sandbox, monthly):
    response = client.post(f"/donations/mine/gifts/{monthly.reference}/pause/", {"months": "6"}, follow=True)
    assert "cannot take that change" in response.content.decode()
    assert subscription(stripe_sandbox, monthly)["pause_collection"] is None


def _press_save(portal: str) -> tuple[int, str]:
    """The donor saves a new card on the sandbox's portal page: (status, where Stripe sends them back)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(portal + "/save", data=b"", method="POST")  # noqa: S310
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def test_update_the_card_on_stripes_page(client, stripe_sandbox, monthly, on_commit):
    old_card = subscription(stripe_sandbox, monthly)["default_payment_method"]
    response = client.post(f"/donations/mine/gifts/{monthly.reference}/card/", {"attempt": "a" * 32})
    portal = response["Location"]
    assert portal.startswith(stripe_sandbox.url + "/billing_portal/bps_")
    session = stripe_sandbox.store.get("billing_portal.session", portal.rsplit("/", 1)[1])
    assert session["flow"]["type"] == "payment_method_update"  # limited to the card
    status, location = _press_save(portal)
    assert status == 303 and location == f"http://127.0.0.1/donations/mine/gifts/{monthly.reference}/card/done/"
    new_card = subscription(stripe_sandbox, monthly)["default_payment_method"]
    assert new_card != old_card
    with on_commit():
        response = client.get(f"/donations/mine/gifts/{monthly.reference}/card/done/", follow=True)
        client.get(f"/donations/mine/gifts/{monthly.reference}/card/done/")  # a reload
    assert "Your new card is saved" in response.content.decode()
    notes = donor_notes(monthly)
    assert notes[-1] == f"card updated by the donor at Stripe ({new_card})"
    assert len([n for n in notes if n.startswith("card updated")]) == 1 and len(mail.outbox) == 1
    with on_commit():
        deliver(client, new_events(stripe_sandbox))  # customer.updated, customer.subscription.updated
    monthly.refresh_from_db()
    assert monthly.status == PledgeStatus.ACTIVE


def test_stop_from_the_page(client, stripe_sandbox, monthly, on_commit):
    with on_commit():
        client.post(f"/donations/mine/gifts/{monthly.reference}/stop/")
        client.post(f"/donations/mine/gifts/{monthly.reference}/stop/")
    monthly.refresh_from_db()
    assert monthly.status == PledgeStatus.CANCELED
    assert subscription(stripe_sandbox, monthly)["status"] == "canceled"
    stop = monthly.transitions.get(to_status=PledgeStatus.CANCELED)
    assert stop.source == PledgeTransition.Source.DONOR
    assert len(mail.outbox) == 1 and "stopped" in mail.outbox[0].subject


def test_another_donors_gift_cannot_be_changed(client, stripe_sandbox, monthly, giving_org):
    other = Pledge.objects.create(
        organization=giving_org,
        frequency="monthly",
        currency="KRW",
        gift_amount=50000,
        amount=50000,
        donor_name="Erin",
        donor_email="erin@example.org",
        status=PledgeStatus.ACTIVE,
        stripe_subscription_id="sub_other",
    )
    assert client.post(f"/donations/mine/gifts/{other.reference}/stop/").status_code == 404
    assert client.post(f"/donations/mine/gifts/{other.reference}/sharing/", {"share": "1"}).status_code == 404


def test_name_sharing_applies_to_reports_and_csv_from_then_on(client, stripe_sandbox, monthly, on_commit):
    member = type(client)(HTTP_HOST="127.0.0.1")
    member.force_login(factories.member(organization=monthly.organization, username="member"))
    slug = monthly.organization.slug

    def seen() -> tuple[bool, bool]:
        csv = b"".join(member.get(f"/reports/{slug}/gifts.csv?start=2000-01-01").streaming_content).decode()
        page = member.get(f"/reports/{slug}/").content.decode()
        return "Dana Donor" in csv and "dana@example.org" in csv, "Dana Donor" in page

    assert not monthly.share_identity and seen() == (False, False)
    with on_commit():
        client.post(f"/donations/mine/gifts/{monthly.reference}/sharing/", {"share": "1"})
        client.post(f"/donations/mine/gifts/{monthly.reference}/sharing/", {"share": "1"})
    monthly.refresh_from_db()
    assert monthly.share_identity and seen() == (True, True)
    assert donor_notes(monthly) == ["the donor now shares their name with the organization"]
    assert len(mail.outbox) == 1
    with on_commit():
        client.post(f"/donations/mine/gifts/{monthly.reference}/sharing/", {"share": "0"})
    assert seen() == (False, False) and len(donor_notes(monthly)) == 2
    assert rollup_differences() == []  # the reports' running totals follow each choice
