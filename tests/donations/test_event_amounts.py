"""Every amount and currency an event reports is compared with the pledge: a mismatch is flagged for staff and
never accepted as paid (no payment, no move to paid or active)."""

import copy

import pytest

from donations.models import Outcome, Payment, Pledge, PledgeStatus, Refund, StripeEvent
from tests.donations.conftest import events_by_type, give, new_events, pay_on_checkout_page, start_monthly_gift
from tests.donations.webhook_helpers import post_event

pytestmark = pytest.mark.django_db


def _altered(event: dict, **changes) -> dict:
    event = copy.deepcopy(event)
    event["data"]["object"].update(changes)
    return event


def _flagged(client, event: dict) -> Pledge:
    assert post_event(client, event).status_code == 200
    assert StripeEvent.objects.get(event_id=event["id"]).outcome.startswith(Outcome.MISMATCH.split("{")[0])
    return Pledge.objects.get()


@pytest.mark.parametrize(
    "changes",
    [{"amount_total": 1}, {"currency": "eur"}],
    ids=["amount", "currency"],
)
def test_a_checkout_session_paid_with_another_amount_or_currency_is_flagged_not_paid(
    client, stripe_sandbox, giving_org, changes
):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    completed = events_by_type(new_events(stripe_sandbox))["checkout.session.completed"]
    pledge = _flagged(client, _altered(completed, **changes))
    assert pledge.status == PledgeStatus.PENDING
    assert not Payment.objects.exists()
    assert "the pledge is 2500 USD" in pledge.stripe_mismatch


def test_an_invoice_paid_with_another_amount_is_flagged_not_recorded(client, stripe_sandbox, giving_org):
    pledge, events = start_monthly_gift(client, stripe_sandbox, giving_org)
    pledge = _flagged(client, _altered(events["invoice.paid"], amount_paid=pledge.amount + 100))
    assert pledge.status == PledgeStatus.PENDING
    assert not Payment.objects.exists()
    assert pledge.stripe_mismatch.startswith(f"invoice {events['invoice.paid']['data']['object']['id']} reports")


def test_the_matching_event_still_pays(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    assert post_event(client, events_by_type(new_events(stripe_sandbox))["checkout.session.completed"]).status_code
    pledge.refresh_from_db()
    assert (pledge.status, pledge.stripe_mismatch) == (PledgeStatus.PAID, "")


def test_staff_find_flagged_pledges_with_the_admin_filter(client, superuser_client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    completed = events_by_type(new_events(stripe_sandbox))["checkout.session.completed"]
    _flagged(client, _altered(completed, amount_total=99))
    flagged = superuser_client.get("/admin/donations/pledge/", {"stripe_mismatch": "flagged"}).context["cl"]
    assert [p.reference for p in flagged.result_list] == [pledge.reference]
    page = superuser_client.get(f"/admin/donations/pledge/{pledge.pk}/change/").content.decode()
    assert "reports 99 USD" in page


def test_a_refunded_charge_of_another_amount_does_not_record_the_gift_as_paid(client, stripe_sandbox, giving_org):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    completed = events_by_type(new_events(stripe_sandbox))["checkout.session.completed"]
    intent = stripe_sandbox.store.get("payment_intent", completed["data"]["object"]["payment_intent"])
    stripe_sandbox.dashboard_refund(intent["latest_charge"])
    refunded = events_by_type(new_events(stripe_sandbox))["charge.refunded"]
    pledge = _flagged(client, _altered(refunded, amount=7))  # before checkout.session.completed: the refund tells
    assert pledge.status == PledgeStatus.PENDING
    assert not Payment.objects.exists()


def _paid_gift_refunded_on_the_dashboard(client, server, giving_org) -> tuple[Pledge, dict]:
    """A paid single gift (its payment recorded), then refunded in Stripe's dashboard: (pledge, its events by type)."""
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    completed = events_by_type(new_events(server))["checkout.session.completed"]
    assert post_event(client, completed).status_code == 200
    intent = server.store.get("payment_intent", completed["data"]["object"]["payment_intent"])
    server.dashboard_refund(intent["latest_charge"])
    return pledge, events_by_type(new_events(server))


def test_a_refunded_charge_that_is_not_its_payment_is_flagged_and_not_counted(client, stripe_sandbox, giving_org):
    pledge, events = _paid_gift_refunded_on_the_dashboard(client, stripe_sandbox, giving_org)
    pledge = _flagged(client, _altered(events["charge.refunded"], currency="krw"))
    assert (pledge.status, Refund.objects.count()) == (PledgeStatus.PAID, 0)
    assert "its payment is 2500 USD" in pledge.stripe_mismatch


def test_a_refund_in_another_currency_is_flagged_and_not_counted(client, stripe_sandbox, giving_org):
    pledge, events = _paid_gift_refunded_on_the_dashboard(client, stripe_sandbox, giving_org)
    refund_event = {**events["refund.created"], "type": "refund.updated"}  # its next news, say
    pledge = _flagged(client, _altered(refund_event, currency="eur"))
    assert (pledge.status, Refund.objects.count()) == (PledgeStatus.PAID, 0)
