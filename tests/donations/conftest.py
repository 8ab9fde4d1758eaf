"""Giving tests talk to the real local Stripe sandbox over HTTP, through the real SDK (no monkeypatching)."""

import json
import urllib.request

import pytest
from django.core import mail

from donations.models import Pledge
from tests import factories
from tests.donations.webhook_helpers import post_event


@pytest.fixture
def stripe_sandbox(settings):
    from stripe_sandbox import SandboxServer

    server = SandboxServer(host="127.0.0.1", port=0, webhook_url=None, webhook_secret=settings.STRIPE_WEBHOOK_SECRET)
    server.start()
    settings.STRIPE_SANDBOX = True
    settings.STRIPE_API_KEY = "sk_test_portal_tests"
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_TIMEOUT_SECONDS = 3
    yield server
    server.stop()


@pytest.fixture
def giving_org_with_program(db):
    """Helping Hands Korea: takes gifts, with one program (Foster care) a gift can go to."""
    org = factories.giving_organization(name="Helping Hands Korea", slug="helping-hands-korea")
    factories.program(organization=org, name="Foster care", slug="foster-care")
    return org


@pytest.fixture
def giving_org(db):
    """Liberty in North Korea: takes gifts, no programs."""
    return factories.giving_organization(name="Liberty in North Korea", slug="liberty-in-north-korea")


def connect(server, org, account: str = "acct_1Partner", fee_basis_points: int = 250, descriptor: str = "") -> None:
    """Give `org` a connected account the sandbox knows (as one made in Stripe's dashboard) and a platform fee."""
    server.register_account(account)
    org.stripe_account_id, org.platform_fee_basis_points = account, fee_basis_points
    org.statement_descriptor = descriptor or org.statement_descriptor
    org.save()


def give_data(**overrides) -> dict:
    data = {
        "currency": "USD",
        "submission_key": "b" * 32,
        "frequency": "once",
        "amount_choice": "2500",
        "other_amount": "",
        "program": "",
        "donor_name": "Dana Donor",
        "donor_email": "dana@example.org",
        "dedication": "",
        "website": "",
        "confirm": "1",
    }
    data.update(overrides)
    return data


def pay_on_checkout_page(checkout_url: str, outcome: str = "success") -> tuple[int, str, str]:
    """Press a button on the sandbox's checkout page, as a donor would: (status, Location, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(checkout_url + "/pay", data=f"outcome={outcome}".encode(), method="POST")  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode()


def new_events(server) -> list[dict]:
    """The sandbox's events not yet handed out by this helper, oldest first."""
    seen = server.__dict__.setdefault("_handed_out", set())
    events = [e for e in server.events() if e["id"] not in seen]
    seen.update(e["id"] for e in events)
    return events


def deliver(client, events: list[dict]) -> None:
    """Post events, really signed, through the portal's webhook (a test client, in the test's transaction)."""
    for event in events:
        response = post_event(client, event)
        assert response.status_code == 200, response.content


def sandbox_state(server) -> dict:
    with urllib.request.urlopen(server.url + "/_sandbox/state", timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


def receipts() -> list:
    return [m for m in mail.outbox if "receipt" in m.subject.lower()]


def give(client, org, **overrides):
    """Send the Give form (already reviewed) for a gift to org."""
    return client.post(f"/donations/give/{org.slug}/", give_data(**overrides))


def checkout_session(server, pledge) -> dict:
    """The sandbox's Checkout Session for a pledge."""
    return server.store.get("checkout.session", pledge.stripe_checkout_session_id)


def events_by_type(events: list[dict]) -> dict[str, dict]:
    return {e["type"]: e for e in events}


def start_monthly_gift(client, server, org) -> tuple:
    """A monthly KRW gift paid on the checkout page, its events not yet delivered: (pledge, events by type)."""
    give(client, org, frequency="monthly", currency="KRW", amount_choice="50000")
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    return pledge, events_by_type(new_events(server))
