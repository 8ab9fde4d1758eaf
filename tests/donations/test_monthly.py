"""Monthly gifts: each month recorded, a failed month past due until paid, stopped by the donor or by Stripe."""

import pytest

from donations.models import Payment, Pledge, PledgeStatus, Refund
from tests import factories
from tests.donations.conftest import (
    checkout_session,
    deliver,
    events_by_type,
    give,
    new_events,
    pay_on_checkout_page,
    receipts,
    start_monthly_gift,
)

pytestmark = pytest.mark.django_db


def test_monthly_krw_gift_to_a_program_with_second_month_and_stop_link(
    client, stripe_sandbox, giving_org_with_program, django_capture_on_commit_callbacks
):
    program = giving_org_with_program.programs.get()
    response = give(
        client,
        giving_org_with_program,
        currency="KRW",
        frequency="monthly",
        amount_choice="50000",
        program=str(program.pk),
    )
    assert response.status_code == 303
    pledge = Pledge.objects.get()
    session = checkout_session(stripe_sandbox, pledge)
    assert session["mode"] == "subscription" and session["amount_total"] == 50000 and session["currency"] == "krw"
    assert session.get("submit_type") is None

    pay_on_checkout_page(pledge.stripe_checkout_url)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE and pledge.stripe_subscription_id.startswith("sub_")
    assert Payment.objects.count() == 1 and Payment.objects.get().amount == 50000

    stripe_sandbox.advance(pledge.stripe_subscription_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, new_events(stripe_sandbox))
    assert Payment.objects.filter(pledge=pledge).count() == 2
    assert len(receipts()) == 2
    second = Payment.objects.filter(pledge=pledge).order_by("pk").last()
    assert second.stripe_payment_intent_id  # kept, so a refund of this month finds it
    stripe_sandbox.dashboard_refund(
        stripe_sandbox.store.get("payment_intent", second.stripe_payment_intent_id)["latest_charge"]
    )
    deliver(client, new_events(stripe_sandbox))
    assert Refund.objects.get().payment == second
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE  # a refunded month does not end a monthly gift
    receipt = receipts()[-1].body
    assert "₩50,000" in receipt and "Foster care" in receipt
    stop_url = next(line for line in receipt.splitlines() if "/donations/monthly/stop/" in line).strip()
    stop_path = stop_url[stop_url.index("/donations/") :]

    assert "Stop my monthly gift" in client.get(stop_path).text
    response = client.post(stop_path)
    assert response.status_code == 200 and "is stopped" in response.text
    assert stripe_sandbox.store.get("subscription", pledge.stripe_subscription_id)["status"] == "canceled"
    deliver(client, new_events(stripe_sandbox))  # customer.subscription.deleted: already stopped, no effect
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CANCELED
    assert list(pledge.transitions.values_list("to_status", flat=True)) == ["active", "canceled"]


def test_failed_monthly_payment_is_past_due_until_the_next_one_is_paid(client, stripe_sandbox, giving_org_with_program):
    give(client, giving_org_with_program, frequency="monthly", currency="KRW", amount_choice="50000")
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url)
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="failed")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAST_DUE and Payment.objects.count() == 1
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="paid")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE and Payment.objects.count() == 2
    assert list(pledge.transitions.values_list("to_status", flat=True)) == ["active", "past_due", "active"]


def test_a_late_monthly_failure_does_not_undo_its_payment(client, stripe_sandbox, giving_org_with_program):
    pledge, first = start_monthly_gift(client, stripe_sandbox, giving_org_with_program)
    deliver(client, list(first.values()))
    pledge.refresh_from_db()
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="failed")
    failed = events_by_type(new_events(stripe_sandbox))["invoice.payment_failed"]
    paid_retry = {**first["invoice.paid"], "id": "evt_retry_paid"}
    paid_retry["data"] = {"object": {**failed["data"]["object"], "status": "paid", "amount_paid": 50000}}
    deliver(client, [paid_retry, failed])  # Stripe's retry succeeded; the failure's delivery comes late
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE and Payment.objects.count() == 2


def test_subscription_deleted_before_it_was_activated_stays_stopped(client, stripe_sandbox, giving_org_with_program):
    pledge, first = start_monthly_gift(client, stripe_sandbox, giving_org_with_program)
    subscription = first["customer.subscription.created"]["data"]["object"]["id"]
    stripe_sandbox.cancel_subscription(subscription)
    deleted = events_by_type(new_events(stripe_sandbox))["customer.subscription.deleted"]
    deliver(client, [deleted, first["invoice.paid"], first["checkout.session.completed"]])
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CANCELED
    assert Payment.objects.count() == 1  # the money that moved is still recorded


@pytest.mark.parametrize(
    ("status", "says", "can_stop"),
    [
        (PledgeStatus.ACTIVE, "is active", True),
        (PledgeStatus.PAST_DUE, "is past due", True),
        (PledgeStatus.CANCELED, "is stopped", False),
    ],
)
def test_stop_page_says_what_state_the_monthly_gift_is_in(client, giving_org, status, says, can_stop):
    from donations.tasks import stop_token

    pledge = factories.pledge(organization=giving_org, frequency="monthly", status=status)
    text = client.get(f"/donations/monthly/stop/{stop_token(pledge.reference)}/").text
    assert says in text
    assert ("is active" in text) == (status == PledgeStatus.ACTIVE)
    assert ("Stop my monthly gift" in text) == can_stop


def _history(pledge) -> list[tuple[str, str, str]]:
    return list(pledge.transitions.values_list("from_status", "to_status", "note"))


def test_a_late_failure_of_an_older_renewal_leaves_the_gift_active(client, stripe_sandbox, giving_org_with_program):
    pledge, first = start_monthly_gift(client, stripe_sandbox, giving_org_with_program)
    deliver(client, list(first.values()))
    pledge.refresh_from_db()
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="failed")
    failed_month = new_events(stripe_sandbox)  # held back: Stripe delivers these late
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="paid")
    deliver(client, new_events(stripe_sandbox))  # the next month is paid; Stripe says active
    deliver(client, failed_month)  # invoice.payment_failed and subscription.updated (past_due), late
    pledge.refresh_from_db()
    assert stripe_sandbox.store.get("subscription", pledge.stripe_subscription_id)["status"] == "active"
    assert pledge.status == PledgeStatus.ACTIVE and Payment.objects.count() == 2
    (*_, (status, same, note)) = _history(pledge)
    assert status == same == "active" and "monthly payment failed" in note and "generic_decline" in note


def test_monthly_gift_follows_stripe_unpaid_paused_active_and_set_to_end(
    client, stripe_sandbox, giving_org_with_program
):
    pledge, first = start_monthly_gift(client, stripe_sandbox, giving_org_with_program)
    deliver(client, list(first.values()))
    pledge.refresh_from_db()
    subscription = pledge.stripe_subscription_id
    for stripe_status, ours in [("unpaid", "past_due"), ("active", "active"), ("paused", "past_due")]:
        stripe_sandbox.update_subscription(subscription, status=stripe_status)
        deliver(client, new_events(stripe_sandbox))
        pledge.refresh_from_db()
        assert pledge.status == ours
        assert _history(pledge)[-1][2] == f"Stripe subscription: {stripe_status}"
    stripe_sandbox.update_subscription(subscription, status="active")
    back_to_active = new_events(stripe_sandbox)
    stripe_sandbox.update_subscription(subscription, cancel_at_period_end=True)
    set_to_end = new_events(stripe_sandbox)
    deliver(client, set_to_end + back_to_active)  # out of order: the pledge follows Stripe's subscription now
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE
    assert "set to end on" in _history(pledge)[-1][2]
    stripe_sandbox.update_subscription(subscription, cancel_at_period_end=False)
    deliver(client, new_events(stripe_sandbox))
    assert _history(pledge)[-1] == ("active", "active", "Stripe subscription: active")
    statuses = [to for _, to, _ in _history(pledge)]
    assert statuses == ["active", "past_due", "active", "past_due", "active", "active"]


def test_a_declined_renewal_and_its_failed_retry_are_in_the_history_with_their_reason(
    client, stripe_sandbox, giving_org_with_program
):
    pledge, first = start_monthly_gift(client, stripe_sandbox, giving_org_with_program)
    deliver(client, list(first.values()))
    pledge.refresh_from_db()
    invoice = stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="failed")
    deliver(client, new_events(stripe_sandbox))
    stripe_sandbox.retry_invoice(invoice["id"], outcome="failed")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAST_DUE
    reason = f"monthly payment failed (invoice {invoice['id']}): generic_decline: Your card was declined."
    assert _history(pledge)[1:] == [("active", "past_due", reason), ("past_due", "past_due", reason)]
    stripe_sandbox.retry_invoice(invoice["id"], outcome="paid")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACTIVE and Payment.objects.count() == 2


def test_a_late_payment_of_an_older_month_leaves_a_past_due_gift_past_due(
    client, stripe_sandbox, giving_org_with_program
):
    """Month two is paid but its events come late, after month three failed: the money is recorded, and the gift
    stays past due, as Stripe's subscription says."""
    pledge, first = start_monthly_gift(client, stripe_sandbox, giving_org_with_program)
    deliver(client, list(first.values()))
    pledge.refresh_from_db()
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="paid")
    paid_month = new_events(stripe_sandbox)  # held back: Stripe delivers these late
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="failed")
    deliver(client, new_events(stripe_sandbox))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PAST_DUE
    deliver(client, paid_month)  # invoice.paid of month two, late
    pledge.refresh_from_db()
    assert stripe_sandbox.store.get("subscription", pledge.stripe_subscription_id)["status"] == "past_due"
    assert pledge.status == PledgeStatus.PAST_DUE and Payment.objects.count() == 2
