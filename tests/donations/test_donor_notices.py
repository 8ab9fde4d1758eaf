"""The donor hears, once, when their monthly gift stops, when a payment fails and when money is refunded.

Each email goes to the donor alone, in the pledge's language, however often Stripe repeats its news.
"""

import pytest
from django.core import mail

from donations.models import Payment, Pledge
from tests.donations.conftest import (
    deliver,
    events_by_type,
    give,
    new_events,
    pay_on_checkout_page,
    start_monthly_gift,
)
from tests.donations.webhook_helpers import post_event

pytestmark = pytest.mark.django_db
DONOR = "dana@example.org"  # give_data's donor


def _about(words: str) -> list:
    return [message for message in mail.outbox if words in message.subject]


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what a transaction queues for after its commit (the emails), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _active_monthly_gift(client, stripe_sandbox, org, on_commit) -> Pledge:
    pledge, first = start_monthly_gift(client, stripe_sandbox, org)
    with on_commit():
        deliver(client, list(first.values()))
    pledge.refresh_from_db()
    mail.outbox.clear()  # the receipt
    return pledge


def test_stopping_a_monthly_gift_emails_the_donor_once(client, stripe_sandbox, giving_org_with_program, on_commit):
    pledge = _active_monthly_gift(client, stripe_sandbox, giving_org_with_program, on_commit)
    from donations.tasks import stop_token

    with on_commit():
        client.post(f"/donations/monthly/stop/{stop_token(pledge.reference)}/")
    events = new_events(stripe_sandbox)  # customer.subscription.deleted, delivered twice
    with on_commit():
        deliver(client, events)
        deliver(client, events)
        client.post(f"/donations/monthly/stop/{stop_token(pledge.reference)}/")
    [message] = mail.outbox
    assert message.to == [DONOR] and "is stopped" in message.subject
    assert "₩50,000" in message.body and pledge.reference in message.body


def test_a_failed_month_emails_the_donor_once_in_korean(client, stripe_sandbox, giving_org_with_program, on_commit):
    pledge = _active_monthly_gift(client, stripe_sandbox, giving_org_with_program, on_commit)
    Pledge.objects.filter(pk=pledge.pk).update(language="ko")
    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="failed")
    events = new_events(stripe_sandbox)
    failed = events_by_type(events)["invoice.payment_failed"]
    with on_commit():
        deliver(client, events)
        deliver(client, events)  # the same deliveries again
        post_event(client, {**failed, "id": "evt_second_attempt_failed"})  # Stripe's next try failed as well
    [message] = mail.outbox
    assert message.to == [DONOR]
    assert "결제" in message.subject and "₩50,000" in message.body and "/donations/monthly/stop/" in message.body
    assert "did not go through" not in message.body

    stripe_sandbox.advance(pledge.stripe_subscription_id, outcome="paid")
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    assert len(mail.outbox) == 2 and "영수증" in mail.outbox[-1].subject  # the paid month's receipt, nothing else


def test_a_delayed_payment_that_fails_emails_the_donor_once(client, stripe_sandbox, giving_org, on_commit):
    give(client, giving_org)
    pledge = Pledge.objects.get()
    pay_on_checkout_page(pledge.stripe_checkout_url, "delayed_failure")
    stripe_sandbox.settle(pledge.stripe_checkout_session_id, "fail")
    events = new_events(stripe_sandbox)
    with on_commit():
        deliver(client, events)
        deliver(client, events)
    [message] = mail.outbox
    assert message.to == [DONOR] and "did not go through" in message.subject
    assert "nothing was taken" in message.body and "US$25.00" in message.body


def test_each_refund_emails_the_donor_once_whoever_makes_it(
    client, superuser_client, stripe_sandbox, giving_org, on_commit
):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    give(client, giving_org)
    pay_on_checkout_page(Pledge.objects.get().stripe_checkout_url)
    with on_commit():
        deliver(client, new_events(stripe_sandbox))
    mail.outbox.clear()
    payment = Payment.objects.get()
    charge = stripe_sandbox.store.get("payment_intent", payment.stripe_payment_intent_id)["latest_charge"]

    stripe_sandbox.dashboard_refund(charge, amount=1000)
    events = new_events(stripe_sandbox)
    with on_commit():
        deliver(client, events)
        deliver(client, events)
    assert [m.subject for m in mail.outbox] == ["Refund: US$10.00 of your gift to Liberty in North Korea"]

    form = {"action": "refund", ACTION_CHECKBOX_NAME: [payment.pk], "apply": "1", "reason": "The donor asked"}
    with on_commit():
        superuser_client.post("/admin/donations/payment/", {**form, "amount": "15", "request_key": "c" * 32})
        deliver(client, new_events(stripe_sandbox))
    assert len(mail.outbox) == 2 and all(m.to == [DONOR] for m in mail.outbox)
    assert "US$15.00 of your payment of US$25.00" in mail.outbox[-1].body
    assert "The donor asked" not in mail.outbox[-1].body  # staff's reason stays with staff
